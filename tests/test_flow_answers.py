"""查询认证结果's answers and 好差评 in the session flow, without a screen: assert the next step
and the commands (tests/test_flow.py's style)."""

from __future__ import annotations

import pytest

from contract.decisions import REJECTION_REASONS, Reason
from contract.ratings import RATING_REASONS
from kiosk.flow import FlowConfig, Outcome, Service, SessionFlow, Step
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.model import ReceiptKind, RecordedCase
from tests.test_flow import CERTIFICATE, RESIDENT, TIMEOUTS, of, screen, to_step


@pytest.fixture
def flow() -> SessionFlow:
    f = SessionFlow(FlowConfig(TIMEOUTS, max_card_attempts=3, max_capture_attempts=2))
    f.start()
    return f


def asked(flow: SessionFlow) -> cmd.Lookup:
    to_step(flow, Step.CONFIRM_IDENTITY, Service.QUERY)
    out = flow.handle(ev.Confirmed(True))
    assert flow.step is Step.LOOKUP
    return of(out, cmd.Lookup)[0]


def ignored(out: list[cmd.Command]) -> bool:
    """Nothing but the sign of life every touch gives (the idle timer starts again)."""
    return all(isinstance(c, cmd.StartTimer) and c.name == cmd.IDLE_TIMER for c in out)


def prompts(out: list[cmd.Command]) -> list[str]:
    return [c.prompt_id for c in of(out, cmd.PlayPrompt)]


# -- the answer --------------------------------------------------------------------------
def test_an_approved_check_prints_its_certificate_there_and_then(flow: SessionFlow) -> None:
    lookup = asked(flow)
    assert lookup.service is Service.QUERY and lookup.resident is RESIDENT
    answer = ev.LookupDone(
        Outcome.VERIFIED,
        valid_until="2027-01-31",
        reason="reviewer_approved",
        channel="kiosk",
        certificate=CERTIFICATE,
        answered_by="platform",
    )
    out = flow.handle(answer)
    assert flow.step is Step.RESULT and prompts(out) == ["query.verified"]
    view = screen(out).view
    assert (view.outcome, view.valid_until, view.can_print) == (
        Outcome.VERIFIED,
        "2027-01-31",
        True,
    )
    out = flow.handle(ev.Continue())
    assert flow.step is Step.PRINT
    assert (screen(out).view.step_no, screen(out).view.step_total) == (3, 3)
    job = of(out, cmd.PrintReceipt)[0]
    assert (job.kind, job.outcome, job.certificate, job.resident) == (
        ReceiptKind.CERTIFICATE,
        Outcome.VERIFIED,
        CERTIFICATE,
        RESIDENT,
    )
    flow.handle(ev.PrintDone())
    assert flow.step is Step.RATE


def test_a_certificate_kept_here_is_printed_again_from_a_query(flow: SessionFlow) -> None:
    asked(flow)
    flow.handle(ev.LookupDone(Outcome.VERIFIED, "cert-261124-7KQ2M", "2027-11-30"))
    assert flow.view().can_print
    out = flow.handle(ev.Continue())
    job = of(out, cmd.PrintReceipt)[0]
    assert (job.kind, job.case_id) == (ReceiptKind.REPRINT, "cert-261124-7KQ2M")


def test_reprint_prints_the_certificate_of_a_check_decided_since(flow: SessionFlow) -> None:
    to_step(flow, Step.CONFIRM_IDENTITY, Service.REPRINT)
    flow.handle(ev.Confirmed(True))
    answer = ev.LookupDone(Outcome.VERIFIED, "", "2027-01-31", certificate=CERTIFICATE)
    out = flow.handle(answer)
    assert flow.step is Step.PRINT
    job = of(out, cmd.PrintReceipt)[0]
    assert (job.kind, job.certificate) == (ReceiptKind.CERTIFICATE, CERTIFICATE)


def test_not_printing_the_certificate_goes_on_to_the_rating(flow: SessionFlow) -> None:
    asked(flow)
    flow.handle(ev.LookupDone(Outcome.VERIFIED, valid_until="2027-01-31", certificate=CERTIFICATE))
    out = flow.handle(ev.Decline())
    assert flow.step is Step.RATE and not of(out, cmd.PrintReceipt)


@pytest.mark.parametrize("channel", ["window", "home_visit", "mobile_app"])
def test_verified_by_another_channel_says_so_without_a_kiosk_certificate(
    flow: SessionFlow, channel: str
) -> None:
    asked(flow)
    answer = ev.LookupDone(
        Outcome.VERIFIED, "", "2027-03-31", channel=channel, certificate=CERTIFICATE
    )
    out = flow.handle(answer)
    assert prompts(out) == ["query.verified_elsewhere"]
    view = screen(out).view
    assert view.channel == channel and not view.can_print
    out = flow.handle(ev.Continue())
    assert flow.step is Step.RATE and not of(out, cmd.PrintReceipt)


@pytest.mark.parametrize("reason", [str(r) for r in REJECTION_REASONS])
def test_a_refusal_says_why_and_what_next(flow: SessionFlow, reason: str) -> None:
    asked(flow)
    out = flow.handle(ev.LookupDone(Outcome.NOT_VERIFIED, "failure_notice-c1", reason=reason))
    assert flow.step is Step.RESULT
    assert prompts(out) == [f"query.not_verified.{reason}"]
    view = screen(out).view
    assert (view.outcome, view.reason, view.can_print) == (Outcome.NOT_VERIFIED, reason, False)
    out = flow.handle(ev.Continue())
    assert flow.step is Step.RATE and not of(out, cmd.PrintReceipt)  # no notice printed again


@pytest.mark.parametrize("reason", [Reason.FACE_MISMATCH, Reason.FACE_UNUSABLE])
def test_a_refused_face_can_be_checked_again_now(flow: SessionFlow, reason: Reason) -> None:
    asked(flow)
    flow.handle(ev.LookupDone(Outcome.NOT_VERIFIED, reason=str(reason), answered_by="platform"))
    out = flow.handle(ev.StartCheck())
    assert flow.step is Step.CONSENT and flow.session.service is Service.PENSION_CHECK
    assert flow.session.resident is RESIDENT  # the card read and confirmed already
    assert screen(out).view.outcome is None and prompts(out) == ["screen.consent"]


@pytest.mark.parametrize(
    "reason", [Reason.PRESENTATION_ATTACK, Reason.IDENTITY_UNCONFIRMED, Reason.DOCUMENTS_NEEDED]
)
def test_a_refusal_that_needs_people_offers_no_kiosk_retry(
    flow: SessionFlow, reason: Reason
) -> None:
    asked(flow)
    flow.handle(ev.LookupDone(Outcome.NOT_VERIFIED, reason=str(reason)))
    assert ignored(flow.handle(ev.StartCheck()))
    assert flow.step is Step.RESULT


def test_still_pending_says_so(flow: SessionFlow) -> None:
    asked(flow)
    out = flow.handle(ev.LookupDone(Outcome.PENDING, "pending_slip-c3", answered_by="platform"))
    assert prompts(out) == ["query.pending"] and not screen(out).view.can_print
    assert ignored(flow.handle(ev.StartCheck()))  # nothing to redo: it is being decided
    flow.handle(ev.Continue())
    assert flow.step is Step.RATE


def test_no_check_this_period_offers_the_check_now(flow: SessionFlow) -> None:
    asked(flow)
    out = flow.handle(ev.LookupDone(Outcome.NOT_FOUND, answered_by="platform"))
    assert prompts(out) == ["query.none"]
    out = flow.handle(ev.StartCheck())
    assert flow.step is Step.CONSENT
    view = screen(out).view
    assert (view.service, view.step_no, view.step_total) == (Service.PENSION_CHECK, 3, 5)
    flow.handle(ev.ConsentAnswered(True))
    flow.handle(ev.LivenessDone(True))
    out = flow.handle(ev.MatchDone(Outcome.VERIFIED))
    assert of(out, cmd.RecordCase)[0].service is Service.PENSION_CHECK


def test_no_check_this_period_can_be_declined(flow: SessionFlow) -> None:
    asked(flow)
    flow.handle(ev.LookupDone(Outcome.NOT_FOUND, answered_by="platform"))
    flow.handle(ev.Decline())
    assert flow.step is Step.RATE


def test_query_buttons_do_nothing_elsewhere(flow: SessionFlow) -> None:
    to_step(flow, Step.MATCHING)
    flow.handle(ev.MatchDone(Outcome.NOT_VERIFIED, "face_mismatch"))
    flow.handle(ev.CaseRecorded(RecordedCase("c9")))
    assert flow.step is Step.RESULT
    assert ignored(flow.handle(ev.StartCheck())) and ignored(flow.handle(ev.Decline()))
    assert flow.step is Step.RESULT


def test_a_lost_lookup_calls_staff_and_says_nothing(flow: SessionFlow) -> None:
    asked(flow)
    out = flow.handle(ev.LookupFailed("StoreBroken"))
    assert flow.step is Step.HELP and [c.reason for c in of(out, cmd.CallStaff)] == [
        "lookup_failed"
    ]
    out = flow.handle(ev.HelpDismissed())
    assert flow.step is Step.LOOKUP and of(out, cmd.Lookup)  # asked again


# -- the rating --------------------------------------------------------------------------
def rate(flow: SessionFlow) -> None:
    asked(flow)
    flow.handle(ev.LookupDone(Outcome.PENDING))
    flow.handle(ev.Continue())
    assert flow.step is Step.RATE


@pytest.mark.parametrize("score", [3, 4, 5])
def test_a_good_rating_is_recorded_at_once(flow: SessionFlow, score: int) -> None:
    rate(flow)
    out = flow.handle(ev.Rated(score))
    assert flow.step is Step.THANKS
    assert of(out, cmd.RecordRating) == [cmd.RecordRating(Service.QUERY, score, None)]
    out = flow.handle(ev.Continue())
    assert not of(out, cmd.RecordRating)  # once


@pytest.mark.parametrize("reason", RATING_REASONS)
def test_a_poor_rating_asks_what_went_wrong(flow: SessionFlow, reason: str) -> None:
    rate(flow)
    out = flow.handle(ev.Rated(1))
    assert flow.step is Step.RATE_REASON and not of(out, cmd.RecordRating)
    assert flow.session.rating == 1 and prompts(out) == ["screen.rate_reason"]
    out = flow.handle(ev.RatingReasonChosen(reason))
    assert flow.step is Step.THANKS
    assert of(out, cmd.RecordRating) == [cmd.RecordRating(Service.QUERY, 1, reason)]


def test_the_reason_can_be_skipped(flow: SessionFlow) -> None:
    rate(flow)
    flow.handle(ev.Rated(2))
    out = flow.handle(ev.RatingReasonChosen(None))
    assert of(out, cmd.RecordRating) == [cmd.RecordRating(Service.QUERY, 2, None)]
    assert flow.step is Step.THANKS


def test_walking_away_from_the_reason_still_counts_the_score(flow: SessionFlow) -> None:
    rate(flow)
    flow.handle(ev.Rated(2))
    flow.handle(ev.TimerExpired(cmd.IDLE_TIMER))  # "还需要更多时间吗?"
    out = flow.handle(ev.MoreTimeAnswered(False))
    assert flow.step is Step.IDLE
    assert of(out, cmd.RecordRating) == [cmd.RecordRating(Service.QUERY, 2, None)]


def test_help_from_the_reason_screen_comes_back_to_it(flow: SessionFlow) -> None:
    rate(flow)
    flow.handle(ev.Rated(1))
    flow.handle(ev.HelpRequested())
    assert flow.step is Step.HELP
    flow.handle(ev.HelpDismissed())
    assert flow.step is Step.RATE_REASON
    out = flow.handle(ev.RatingReasonChosen("staff_attitude"))
    assert of(out, cmd.RecordRating)[0].reason == "staff_attitude"


def test_a_skipped_rating_records_nothing(flow: SessionFlow) -> None:
    rate(flow)
    out = flow.handle(ev.Rated(None))
    out += flow.handle(ev.Continue())
    assert flow.step is Step.IDLE and not of(out, cmd.RecordRating)


def test_the_pension_checks_rating_names_its_service(flow: SessionFlow) -> None:
    to_step(flow, Step.MATCHING)
    flow.handle(ev.MatchDone(Outcome.PENDING, "platform_unreachable"))
    flow.handle(ev.CaseRecorded(RecordedCase("c1")))
    flow.handle(ev.Continue())
    flow.handle(ev.PrintDone())
    out = flow.handle(ev.Rated(5))
    assert of(out, cmd.RecordRating) == [cmd.RecordRating(Service.PENSION_CHECK, 5, None)]


def test_every_prompt_of_a_query_and_rating_has_a_text_in_every_locale() -> None:
    from kiosk.voice.prompts import PROMPTS_BY_LOCALE

    ids = {"query.verified", "query.verified_elsewhere", "query.pending", "query.none"}
    ids |= {"query.none_here", "screen.rate_reason"}
    ids |= {f"query.not_verified.{r}" for r in REJECTION_REASONS}
    for locale, (_voice, texts) in PROMPTS_BY_LOCALE.items():
        assert ids <= set(texts), (locale, sorted(ids - set(texts)))
