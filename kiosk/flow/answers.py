"""The steps after a check, mixed into the session flow (`kiosk.flow.machine.SessionFlow`):
the answer to "查询认证结果" and "补打认证凭证" (LOOKUP), and the rating (RATE, RATE_REASON).

查询认证结果 shows the resident's standing this period (`ev.LookupDone`, from
`kiosk.records.standing`: the platform's signed answer when the link is up, else what this
terminal holds):
- verified: 认证成功 and its validity; a check verified at a kiosk can print its certificate
  there and then (the lookup brought it signed, or a kept one is printed again); one verified
  by another channel (window, home visit) is said to be so, with no kiosk certificate: that
  channel's own paper is the proof (docs/architecture.md, "What a query answers");
- not verified: why in plain words and what to do next; a face that did not match or could not
  be judged can be checked again now (`ev.StartCheck`);
- pending: still being decided, come back later;
- none: no check this period: the check can be done now (`ev.StartCheck`), on the card just
  read and confirmed.

补打认证凭证 prints the kept receipt again, or the certificate of a check decided since (the
lookup brings it signed, as for a query).

A rating (好差评) is recorded as soon as it is final (`cmd.RecordRating`, its own record kind,
no personal data): at once for a score of 3-5; for a poor one (1-2) after the optional reason
(RATE_REASON: a few pictograms, or skip), or as the visit ends if the resident walks away.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from contract.decisions import REJECTION_REASONS
from contract.ratings import POOR_AT_MOST
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.model import Outcome, Service, Session, Step, can_check_now

if TYPE_CHECKING:
    from kiosk.flow.view import StepNews

log = logging.getLogger(__name__)

# Channels whose check a kiosk certificate may attest (any kiosk: the paper names this one).
KIOSK_CHANNELS = frozenset({"", "kiosk"})


def query_prompt(session: Session) -> str:
    """The voice prompt of a query's result (kiosk.voice.prompts: query.*)."""
    outcome = session.outcome
    if outcome is Outcome.VERIFIED:
        return "query.verified" if session.channel in KIOSK_CHANNELS else "query.verified_elsewhere"
    if outcome is Outcome.PENDING:
        return "query.pending"
    if outcome is Outcome.NOT_VERIFIED:
        known = session.reason in {str(r) for r in REJECTION_REASONS}
        return f"query.not_verified.{session.reason}" if known else "result.not_verified"
    return "query.none" if session.answered_by == "platform" else "query.none_here"


class AnswersAndRatings:
    """The lookup, a query's result and the rating; SessionFlow supplies the rest."""

    step: Step
    session: Session

    if TYPE_CHECKING:  # SessionFlow's own, used here

        def _go(
            self, step: Step, *, despite_fault: bool = False, news: StepNews | None = None
        ) -> list[cmd.Command]: ...

        def _enter_help(self, reason: str) -> list[cmd.Command]: ...

        def _start_print(self) -> list[cmd.Command]: ...

        def _service(self) -> Service: ...

    # -- looking up ----------------------------------------------------------------------
    def _lookup(self) -> list[cmd.Command]:
        return [*self._go(Step.LOOKUP), cmd.Lookup(self._service(), self.session.resident)]

    def _on_lookup(self, event: ev.LookupDone) -> list[cmd.Command]:
        if self.step is not Step.LOOKUP:
            return []
        s = self.session
        s.outcome = event.outcome
        s.case_id = event.job_id
        s.valid_until = event.valid_until
        if s.service is Service.REPRINT and (event.job_id or event.certificate is not None):
            # a kept certificate, a receipt that never printed, or the certificate of a check
            # the platform has decided since
            s.certificate = event.certificate
            return self._start_print()
        if s.service is Service.QUERY:
            s.reason, s.channel, s.answered_by = event.reason, event.channel, event.answered_by
            verified = event.outcome is Outcome.VERIFIED and s.channel in KIOSK_CHANNELS
            s.certificate = event.certificate if verified else None
            s.case_id = event.job_id if verified else ""  # a query prints a certificate only
        return self._go(Step.RESULT)

    def _on_lookup_failed(self, event: ev.LookupFailed) -> list[cmd.Command]:
        """An error is no answer: staff are called, nothing is said about the resident's checks
        (dismissing help asks the records again)."""
        if self.step is not Step.LOOKUP:
            return []
        log.warning("lookup failed: %s", event.reason)
        return self._enter_help("lookup_failed")

    # -- a query's result ----------------------------------------------------------------
    def _query_result_continue(self) -> list[cmd.Command]:
        """The main button of a query's result: print the certificate when there is one."""
        s = self.session
        if s.outcome is Outcome.VERIFIED and (s.certificate is not None or s.case_id):
            return self._start_print()
        return self._go(Step.RATE)

    def _on_decline(self, _event: ev.Decline) -> list[cmd.Command]:
        if self.step is not Step.RESULT or self.session.service is not Service.QUERY:
            return []
        return self._go(Step.RATE)

    def _on_start_check(self, _event: ev.StartCheck) -> list[cmd.Command]:
        """The check itself, now, on the card already read and confirmed: from consent on."""
        s = self.session
        if self.step is not Step.RESULT or not can_check_now(s):
            return []
        s.service = Service.PENSION_CHECK
        s.outcome, s.reason, s.valid_until, s.case_id = None, "", "", ""
        s.certificate, s.channel, s.answered_by = None, "", ""
        return self._go(Step.CONSENT)

    # -- the rating ----------------------------------------------------------------------
    def _on_rated(self, event: ev.Rated) -> list[cmd.Command]:
        if self.step is not Step.RATE:
            return []
        if event.score is None:  # skipped: nothing to record
            return self._go(Step.THANKS)
        self.session.rating = event.score
        if event.score <= POOR_AT_MOST:
            return self._go(Step.RATE_REASON)  # what went wrong? (optional)
        return [self._record_rating(None), *self._go(Step.THANKS)]

    def _on_rating_reason(self, event: ev.RatingReasonChosen) -> list[cmd.Command]:
        if self.step is not Step.RATE_REASON:
            return []
        return [self._record_rating(event.reason), *self._go(Step.THANKS)]

    def _record_rating(self, reason: str | None) -> cmd.RecordRating:
        s = self.session
        assert s.rating is not None
        s.rating_recorded = True
        return cmd.RecordRating(self._service(), s.rating, reason)

    def _rating_left_behind(self) -> list[cmd.Command]:
        """A poor score given, the reason screen left (timeout, walked away): still counted."""
        s = self.session
        if s.rating is None or s.rating_recorded:
            return []
        return [self._record_rating(None)]
