"""查询认证结果: the resident's standing this period, for the flow's LOOKUP (`ev.LookupDone`).

Runs on the records thread (`kiosk.qt.record_bridge`), never the GUI's. In order:

1. **The platform**, when the link is up: a signed POST (`PlatformClient.resident_standing`,
   the ID number in the signed body) with a short timeout, whose answer must be a
   `kiosk-standing/1` document signed by the platform's key (`platform_signing_key` from
   registration) echoing the request's nonce (`contract.decisions.read_standing`). Anything
   else (unsigned, another key, another question's answer, malformed, an error, a timeout)
   is refused and treated as the link being down.
2. **What this terminal holds**, when the link is down (or the platform knows of no check:
   this terminal's newest cases may not have reached it yet): the decisions synced from the
   platform (`DecisionsHeld`, the case store), this terminal's own cases still waiting for a
   decision, and the receipts kept here.

A verified check at a kiosk can be printed there and then: the certificate is issued and
signed here (`certificate_for_decision`), verified at the decision's time, valid as the
standing says (or as `next_window_end` computes from the decision's day). A check verified by
another channel (window, home visit, ...) is said to be so, without a kiosk certificate: the
kiosk's paper attests a check at a kiosk. Test decisions never answer a resident.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from contract.certificates import CHINA_TZ, TokenError, sign_certificate
from contract.decisions import DecisionError, ResidentStanding, Standing, read_standing
from kiosk.flow import events as ev
from kiosk.flow.model import Outcome, Resident, Service
from kiosk.records.certificate import (
    SignedCertificate,
    certificate_for_decision,
    next_window_end,
)
from kiosk.records.holder import CardHolder, card_holder
from kiosk.records.recorder import CaseRecorder
from offline_queue.errors import QueueError

log = logging.getLogger(__name__)

LOOKUP_TIMEOUT_S = 8.0  # the platform's answer, or the terminal's own: well within the step's
KIOSK = "kiosk"
OUTCOME_OF_STANDING = {
    Standing.VERIFIED: Outcome.VERIFIED,
    Standing.PENDING: Outcome.PENDING,
    Standing.NOT_VERIFIED: Outcome.NOT_VERIFIED,
    Standing.NONE: Outcome.NOT_FOUND,
}


class SyncedDecisionLike(Protocol):
    """A platform decision on one of this terminal's cases, as the case store keeps it once
    synced (offline_queue's SyncedDecision)."""

    @property
    def case_id(self) -> str: ...

    @property
    def verdict(self) -> str:  # verified | not_verified
        ...

    @property
    def reason(self) -> str:  # a contract.decisions.Reason value
        ...

    @property
    def decided_at(self) -> str:  # ISO 8601, UTC
        ...

    @property
    def test(self) -> bool: ...


class DecisionsHeld(Protocol):
    """What the case store tells of a resident's checks made on this terminal."""

    def latest_decision_for(self, id_number: str) -> SyncedDecisionLike | None: ...

    def pending_without_decision_for(self, id_number: str) -> bool: ...


class StandingSource(Protocol):
    """The platform client: its unchecked answer and the nonce of the request."""

    def resident_standing(self, id_number: str) -> tuple[Any, str]: ...


class ResidentLookup:
    """The flow's lookup: "query" asks for the standing; "reprint" finds the kept receipt
    (CaseRecorder.lookup), or the certificate of a check approved since."""

    def __init__(
        self,
        recorder: CaseRecorder,
        decisions: DecisionsHeld,
        platform: StandingSource | None = None,
        platform_key: Ed25519PublicKey | None = None,
        *,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        self.recorder = recorder
        self.decisions = decisions
        self.platform = platform if platform_key is not None else None  # unchecked: unused
        self.platform_key = platform_key
        self._today = today or (lambda: dt.datetime.now(CHINA_TZ).date())

    def lookup(self, service: Service, resident: Resident | None) -> ev.LookupDone:
        if service is Service.REPRINT:
            return self._reprint(resident)
        return self._standing(resident)

    def _reprint(self, resident: Resident | None) -> ev.LookupDone:
        """补打: the certificate kept here; else, when a check has been approved since (its
        slip printed here said to come back), its certificate; else the kept receipt."""
        kept = self.recorder.lookup(Service.REPRINT, resident)
        if kept.outcome is Outcome.VERIFIED:
            return kept
        answer = self._standing(resident)
        if answer.outcome is Outcome.VERIFIED and answer.certificate is not None:
            return replace(answer, job_id="")
        return kept

    def _standing(self, resident: Resident | None) -> ev.LookupDone:
        holder = card_holder(resident).validated()
        standing = self._ask_platform(holder.id_number)
        if standing is not None:
            answer = self._from_standing(holder, standing)
            if answer.outcome is not Outcome.NOT_FOUND:
                return answer
            # None on the platform: unless this terminal's newest checks have not reached it.
            return self._unsent(holder, resident) or answer
        return self._from_terminal(holder, resident)

    # -- the platform ----------------------------------------------------------------------
    def _ask_platform(self, id_number: str) -> ResidentStanding | None:
        """The platform's signed standing; None when the link is down or the answer is refused."""
        if self.platform is None or self.platform_key is None:
            return None
        try:
            document, nonce = self.platform.resident_standing(id_number)
            return read_standing(document, self.platform_key, nonce)
        except DecisionError as exc:  # unsigned, foreign, another question's, malformed
            log.warning("the platform's standing was refused (%s): answered here", exc)
        except QueueError as exc:  # unreachable, busy, refused the request
            log.info("no standing from the platform (%s): answered from this terminal", exc)
        return None

    def _from_standing(self, holder: CardHolder, standing: ResidentStanding) -> ev.LookupDone:
        outcome = OUTCOME_OF_STANDING[standing.standing]
        reason = str(standing.reason or "")
        if outcome is not Outcome.VERIFIED:
            return ev.LookupDone(outcome, reason=reason, answered_by="platform")
        assert standing.valid_until is not None and standing.verified_at is not None
        channel = standing.channel or KIOSK
        certificate = None
        if channel == KIOSK:
            certificate = self._certificate(
                holder,
                dt.datetime.fromisoformat(standing.verified_at),
                dt.date.fromisoformat(standing.valid_until),
            )
        return ev.LookupDone(
            Outcome.VERIFIED,
            valid_until=standing.valid_until,
            reason=reason,
            channel=channel,
            certificate=certificate,
            answered_by="platform",
        )

    # -- this terminal -------------------------------------------------------------------
    def _from_terminal(self, holder: CardHolder, resident: Resident | None) -> ev.LookupDone:
        """The link is down: the decisions synced, the cases waiting, the receipts kept."""
        decision = self._decision(holder.id_number)
        if decision is not None and decision.verdict == "verified":
            verified = self._verified_by(holder, decision)
            if verified is not None:
                return verified
        unsent = self._unsent(holder, resident)
        if unsent is not None:
            return unsent
        if decision is not None and decision.verdict == "not_verified":
            return ev.LookupDone(
                Outcome.NOT_VERIFIED, reason=decision.reason, answered_by="terminal"
            )
        kept = self.recorder.lookup(Service.QUERY, resident)  # a notice or slip printed here
        if kept.outcome is Outcome.VERIFIED:  # a certificate no longer valid: a new period
            return ev.LookupDone(Outcome.NOT_FOUND, answered_by="terminal")
        return replace(kept, answered_by="terminal")

    def _unsent(self, holder: CardHolder, resident: Resident | None) -> ev.LookupDone | None:
        """What this terminal knows that the platform may not yet: a valid certificate it
        printed, or a check of its own still waiting for the decision."""
        kept = self.recorder.kept_certificate(resident)
        if kept is not None and kept.valid_until and self._valid(kept.valid_until):
            return replace(kept, channel=KIOSK, answered_by="terminal")
        if self.decisions.pending_without_decision_for(holder.id_number):
            return ev.LookupDone(Outcome.PENDING, answered_by="terminal")
        return None

    def _decision(self, id_number: str) -> SyncedDecisionLike | None:
        decision = self.decisions.latest_decision_for(id_number)
        if decision is None or decision.test:  # a test case never answers a resident
            return None
        return decision

    def _verified_by(
        self, holder: CardHolder, decision: SyncedDecisionLike
    ) -> ev.LookupDone | None:
        """A synced verified decision, while it counts (the terminal's validity rule)."""
        decided = dt.datetime.fromisoformat(decision.decided_at)
        assert holder.birth_date is not None  # validated()
        valid_until = next_window_end(holder.birth_date, decided.astimezone(CHINA_TZ).date())
        if not self._valid(valid_until.isoformat()):
            return None
        return ev.LookupDone(
            Outcome.VERIFIED,
            valid_until=valid_until.isoformat(),
            reason=decision.reason,
            channel=KIOSK,
            certificate=self._certificate(holder, decided, valid_until),
            answered_by="terminal",
        )

    def _valid(self, valid_until: str) -> bool:
        return dt.date.fromisoformat(valid_until) >= self._today()

    def _certificate(
        self, holder: CardHolder, verified_at: dt.datetime, valid_until: dt.date
    ) -> SignedCertificate | None:
        """Issued and signed here, printed if the resident asks; None if it cannot be signed."""
        terminal = self.recorder.settings.terminal
        cert = certificate_for_decision(
            holder,
            terminal_id=terminal.id,
            service_point=terminal.service_point,
            verified_at=verified_at,
            valid_until=valid_until,
        )
        keys = self.recorder.keys
        try:
            token = sign_certificate(cert.token_fields(), keys.signing_key, keys.key_id)
        except TokenError as exc:  # a name too long for the QR code: said, nothing printed
            log.warning("no certificate for the decided check: %s", exc)
            return None
        return SignedCertificate(cert, token)
