"""查询认证结果 on the records side (kiosk.records.standing.ResidentLookup): the platform's
signed standing when the link is up, refused when it is not the platform's answer to this
question, and what the terminal holds when the link is down; and 好差评 recorded as its own
record kind. Real SQLite stores and real Ed25519 signatures.

Two stand-ins, said here: `HeldDecisions` is an in-memory implementation of the case store's
synced decisions (`DecisionsHeld`: `latest_decision_for`, `pending_without_decision_for`),
written for these tests while the store's own is built in parallel; `Answers` plays the
platform's HTTP answer with a real signed `kiosk-standing/1` document (the whole HTTP path
runs against a real platform in tests/queuetests/test_resident_answers.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from config.settings import Settings, TerminalSettings
from contract.certificates import CHINA_TZ, verify_token
from contract.decisions import (
    DecidedBy,
    Decision,
    Reason,
    ResidentStanding,
    Standing,
    Verdict,
    sign_standing,
)
from contract.ids import uuid7
from contract.ratings import PAYLOAD_FIELDS, RATING_KIND, check_rating
from devices.card_reader.identity import CardKind, Identity
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.model import Outcome, Service
from kiosk.records.certificate import SignedCertificate, next_window_end
from kiosk.records.print_jobs import PrintJobStore
from kiosk.records.recorder import CaseRecorder
from kiosk.records.standing import DecisionsHeld, ResidentLookup
from offline_queue.errors import PlatformUnreachable
from offline_queue.keys import load_or_create
from offline_queue.store import CaseStore

ID_NUMBER = "110101195001011239"  # born 1950-01-01: the window ends with January
NONCE = "0123456789abcdef0123456789abcdef"
TODAY = dt.datetime.now(CHINA_TZ).date()


@dataclass(frozen=True)
class SyncedDecision:
    """The store's synced decision, as offline_queue will keep it."""

    case_id: str
    verdict: str
    reason: str
    decided_at: str
    decided_by: str = "review"
    test: bool = False


@dataclass
class HeldDecisions:
    """In memory: the decisions synced per ID number, and who has a case still waiting."""

    decisions: dict[str, SyncedDecision] = field(default_factory=dict)
    waiting: set[str] = field(default_factory=set)

    def latest_decision_for(self, id_number: str) -> SyncedDecision | None:
        return self.decisions.get(id_number)

    def pending_without_decision_for(self, id_number: str) -> bool:
        return id_number in self.waiting


class Answers:
    """The platform's answer to the signed lookup: a standing signed with `key`, echoing the
    request's nonce (or not), or the link down."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key
        self.standing: ResidentStanding | None = None
        self.document: Any = None
        self.down = False
        self.asked: list[str] = []

    def resident_standing(self, id_number: str) -> tuple[Any, str]:
        self.asked.append(id_number)
        if self.down:
            raise PlatformUnreachable("ConnectTimeout: timed out")
        if self.document is not None:
            return self.document, NONCE
        assert self.standing is not None
        return sign_standing(self.key, self.standing), NONCE


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[CaseRecorder]:
    keys = load_or_create(tmp_path)
    store = CaseStore.open(tmp_path / "queue.db", keys)
    jobs = PrintJobStore.in_data_dir(tmp_path, keys.storage_key)
    terminal = TerminalSettings(id="SIM-0001", service_point="示范村便民服务站")
    yield CaseRecorder(store, jobs, dataclasses.replace(Settings(), terminal=terminal), keys)
    jobs.close()
    store.close()


PLATFORM = Ed25519PrivateKey.generate()


@pytest.fixture
def answers() -> Answers:
    return Answers(PLATFORM)


@pytest.fixture
def held() -> HeldDecisions:
    return HeldDecisions()


@pytest.fixture
def lookup(recorder: CaseRecorder, held: HeldDecisions, answers: Answers) -> ResidentLookup:
    return ResidentLookup(recorder, held, answers, PLATFORM.public_key())


def resident() -> Identity:
    return Identity(CardKind.ID_CARD, "张秀英", ID_NUMBER).validated()


def window_end(day: dt.date) -> dt.date:
    return next_window_end(dt.date(1950, 1, 1), day)


def verified(channel: str | None = "kiosk", **more: Any) -> ResidentStanding:
    at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=3)
    return ResidentStanding(
        NONCE,
        Standing.VERIFIED,
        str(TODAY.year),
        valid_until=window_end(TODAY).isoformat(),
        verified_at=at.isoformat(),
        channel=channel,
        reason=Reason.REVIEWER_APPROVED if channel == "kiosk" else None,
        **more,
    )


def query(lookup: ResidentLookup) -> ev.LookupDone:
    return lookup.lookup(Service.QUERY, resident())


# -- the platform's answer -----------------------------------------------------------------
def test_approved_on_the_platform_comes_with_a_certificate_signed_here(
    lookup: ResidentLookup, answers: Answers, recorder: CaseRecorder
) -> None:
    answers.standing = verified()
    found = query(lookup)
    assert answers.asked == [ID_NUMBER]
    assert (found.outcome, found.channel, found.answered_by) == (
        Outcome.VERIFIED,
        "kiosk",
        "platform",
    )
    assert found.valid_until == window_end(TODAY).isoformat()
    assert found.reason == "reviewer_approved"
    signed = found.certificate
    assert isinstance(signed, SignedCertificate)
    checked = verify_token(signed.token, {recorder.keys.key_id: recorder.keys.public_key})
    assert checked.valid, checked.reason
    fields = checked.fields
    assert (fields["name"], fields["id_number"]) == ("张*英", "1101**********1239")
    assert fields["valid_until"] == found.valid_until and fields["terminal_id"] == "SIM-0001"
    standing_at = dt.datetime.fromisoformat(answers.standing.verified_at or "")
    assert dt.datetime.fromisoformat(fields["verified_at"]) == standing_at  # the decision's time


@pytest.mark.parametrize("channel", ["window", "home_visit"])
def test_verified_by_another_channel_gets_no_kiosk_certificate(
    lookup: ResidentLookup, answers: Answers, channel: str
) -> None:
    answers.standing = verified(channel)
    found = query(lookup)
    assert (found.outcome, found.channel, found.certificate) == (Outcome.VERIFIED, channel, None)


@pytest.mark.parametrize("reason", [Reason.DOCUMENTS_NEEDED, Reason.IDENTITY_UNCONFIRMED])
def test_refused_on_the_platform_says_why(
    lookup: ResidentLookup, answers: Answers, reason: Reason
) -> None:
    answers.standing = ResidentStanding(NONCE, Standing.NOT_VERIFIED, "2026", reason=reason)
    found = query(lookup)
    assert (found.outcome, found.reason, found.certificate) == (
        Outcome.NOT_VERIFIED,
        str(reason),
        None,
    )


def test_pending_on_the_platform(lookup: ResidentLookup, answers: Answers) -> None:
    answers.standing = ResidentStanding(NONCE, Standing.PENDING, "2026")
    assert query(lookup) == ev.LookupDone(Outcome.PENDING, answered_by="platform")


def test_none_on_the_platform_but_a_check_here_not_sent_yet(
    lookup: ResidentLookup, answers: Answers, held: HeldDecisions
) -> None:
    answers.standing = ResidentStanding(NONCE, Standing.NONE, "2026")
    assert query(lookup) == ev.LookupDone(Outcome.NOT_FOUND, answered_by="platform")
    held.waiting.add(ID_NUMBER)
    assert query(lookup) == ev.LookupDone(Outcome.PENDING, answered_by="terminal")


# -- refused answers: the link counts as down ----------------------------------------------
def refused_answers() -> dict[str, Any]:
    other = Ed25519PrivateKey.generate()
    good = sign_standing(PLATFORM, verified())
    return {
        "another key": sign_standing(other, verified()),
        "another question": sign_standing(
            PLATFORM, dataclasses.replace(verified(), nonce="f" * 32)
        ),
        "unsigned": {k: v for k, v in good.items() if k != "signature"},
        "tampered": {**good, "valid_until": "2099-12-31"},
        "not a standing": {"format": "kiosk-decision/1", "signature": good["signature"]},
        "not json object": ["verified"],
        "html": "<html>captive portal</html>",
    }


@pytest.mark.parametrize("kind", list(refused_answers()))
def test_an_answer_not_the_platforms_to_this_question_is_refused(
    lookup: ResidentLookup, answers: Answers, held: HeldDecisions, kind: str
) -> None:
    answers.document = refused_answers()[kind]
    found = query(lookup)
    assert found == ev.LookupDone(Outcome.NOT_FOUND, answered_by="terminal")
    held.waiting.add(ID_NUMBER)  # what the terminal holds answers instead
    assert query(lookup) == ev.LookupDone(Outcome.PENDING, answered_by="terminal")


def test_no_platform_key_means_the_platform_is_never_asked(
    recorder: CaseRecorder, held: HeldDecisions, answers: Answers
) -> None:
    answers.standing = verified()
    found = ResidentLookup(recorder, held, answers, None).lookup(Service.QUERY, resident())
    assert answers.asked == [] and found.answered_by == "terminal"


# -- the link down: what the terminal holds -------------------------------------------------
def decided(verdict: str, reason: str, at: dt.datetime, *, test: bool = False) -> SyncedDecision:
    return SyncedDecision(uuid7(), verdict, reason, at.astimezone(dt.UTC).isoformat(), test=test)


def test_link_down_a_synced_approval_answers_with_its_certificate(
    lookup: ResidentLookup, answers: Answers, held: HeldDecisions, recorder: CaseRecorder
) -> None:
    answers.down = True
    at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)
    held.decisions[ID_NUMBER] = decided("verified", "face_match", at)
    held.waiting.add(ID_NUMBER)  # another check waiting: the approval still counts
    found = query(lookup)
    assert (found.outcome, found.answered_by, found.channel) == (
        Outcome.VERIFIED,
        "terminal",
        "kiosk",
    )
    expected_until = window_end(at.astimezone(CHINA_TZ).date())
    assert found.valid_until == expected_until.isoformat()
    assert isinstance(found.certificate, SignedCertificate)
    fields = verify_token(
        found.certificate.token, {recorder.keys.key_id: recorder.keys.public_key}
    ).fields
    assert dt.datetime.fromisoformat(fields["verified_at"]) == at


def test_link_down_a_synced_refusal_says_why(
    lookup: ResidentLookup, answers: Answers, held: HeldDecisions
) -> None:
    answers.down = True
    held.decisions[ID_NUMBER] = decided("not_verified", "face_unusable", dt.datetime.now(dt.UTC))
    assert query(lookup) == ev.LookupDone(
        Outcome.NOT_VERIFIED, reason="face_unusable", answered_by="terminal"
    )
    held.waiting.add(ID_NUMBER)  # checked again since: waiting for that one's decision
    assert query(lookup).outcome is Outcome.PENDING


def test_link_down_an_approval_past_its_validity_is_no_answer(
    lookup: ResidentLookup, answers: Answers, held: HeldDecisions
) -> None:
    answers.down = True
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=800)
    held.decisions[ID_NUMBER] = decided("verified", "face_match", long_ago)
    assert query(lookup) == ev.LookupDone(Outcome.NOT_FOUND, answered_by="terminal")


def test_a_test_decision_never_answers_a_resident(
    lookup: ResidentLookup, answers: Answers, held: HeldDecisions
) -> None:
    answers.down = True
    now = dt.datetime.now(dt.UTC)
    held.decisions[ID_NUMBER] = decided("verified", "face_match", now, test=True)
    found = query(lookup)
    assert (found.outcome, found.certificate) == (Outcome.NOT_FOUND, None)


def test_link_down_a_certificate_printed_here_still_counts(
    lookup: ResidentLookup, answers: Answers, recorder: CaseRecorder
) -> None:
    from kiosk.records.layouts import certificate_receipt

    answers.down = True
    case = recorder.record(
        cmd.RecordCase(Service.PENSION_CHECK, Outcome.VERIFIED, resident()), lambda: None
    )
    assert isinstance(case.certificate, SignedCertificate)
    cert = case.certificate.certificate
    recorder.jobs.add(
        certificate_receipt(cert, case.certificate.token),
        holder=recorder.holder(resident()),
        certificate_no=cert.certificate_no,
    )
    found = query(lookup)
    assert (found.outcome, found.job_id, found.answered_by) == (
        Outcome.VERIFIED,
        cert.job_id,
        "terminal",
    )


def test_reprint_prints_the_certificate_of_a_check_approved_since(
    lookup: ResidentLookup, answers: Answers
) -> None:
    answers.standing = verified()
    found = lookup.lookup(Service.REPRINT, resident())
    assert (found.outcome, found.job_id) == (Outcome.VERIFIED, "")
    assert isinstance(found.certificate, SignedCertificate)
    answers.standing = verified("window")  # verified elsewhere: nothing of the kiosk's to print
    assert lookup.lookup(Service.REPRINT, resident()) == ev.LookupDone(Outcome.NOT_FOUND)
    answers.standing = ResidentStanding(NONCE, Standing.PENDING, "2026")
    assert lookup.lookup(Service.REPRINT, resident()) == ev.LookupDone(Outcome.NOT_FOUND)


def test_reprint_prefers_the_certificate_kept_here(
    lookup: ResidentLookup, answers: Answers, recorder: CaseRecorder
) -> None:
    from kiosk.records.layouts import certificate_receipt

    case = recorder.record(
        cmd.RecordCase(Service.PENSION_CHECK, Outcome.VERIFIED, resident()), lambda: None
    )
    assert isinstance(case.certificate, SignedCertificate)
    cert = case.certificate.certificate
    recorder.jobs.add(
        certificate_receipt(cert, case.certificate.token),
        holder=recorder.holder(resident()),
        certificate_no=cert.certificate_no,
    )
    answers.standing = verified()
    found = lookup.lookup(Service.REPRINT, resident())
    assert (found.job_id, found.certificate) == (cert.job_id, None)
    assert answers.asked == []  # 补打 prints what this terminal keeps


def test_the_case_store_is_what_the_lookup_reads_synced_decisions_from(
    recorder: CaseRecorder,
) -> None:
    # The real store (offline_queue): nothing synced for this card yet answers nothing.
    held: DecisionsHeld = recorder.store
    assert held.latest_decision_for(ID_NUMBER) is None
    assert held.pending_without_decision_for(ID_NUMBER) is False


def test_a_decision_in_the_standing_is_read_with_it(
    lookup: ResidentLookup, answers: Answers
) -> None:
    decision = Decision(
        uuid7(),
        "SIM-0001",
        Verdict.VERIFIED,
        Reason.REVIEWER_APPROVED,
        dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        DecidedBy.REVIEW,
    )
    answers.standing = verified(decision=decision)
    assert query(lookup).outcome is Outcome.VERIFIED


# -- 好差评 --------------------------------------------------------------------------------
@pytest.mark.parametrize(("score", "reason"), [(5, None), (1, "waited_long"), (2, None)])
def test_a_rating_is_its_own_record_with_no_personal_data(
    recorder: CaseRecorder, score: int, reason: str | None
) -> None:
    woken: list[bool] = []
    recorder._after_enqueue = lambda: woken.append(True)
    rating_id = recorder.record_rating(cmd.RecordRating(Service.QUERY, score, reason))
    envelope = recorder.store.envelope(rating_id)
    assert envelope["kind"] == RATING_KIND and envelope["attachments"] == {}
    payload = envelope["payload"]
    assert set(payload) <= PAYLOAD_FIELDS
    rating = check_rating(payload)  # what the platform checks at ingest
    assert (rating.score, rating.reason, rating.service) == (score, reason, "query")
    assert (rating.terminal_id, rating.service_point) == ("SIM-0001", "示范村便民服务站")
    assert ID_NUMBER not in str(envelope) and "张" not in str(payload)
    assert woken == [True]  # the sync worker is told at once


def test_a_reason_with_a_good_score_is_refused_and_nothing_is_stored(
    recorder: CaseRecorder,
) -> None:
    from contract.ratings import RatingError

    with pytest.raises(RatingError, match="reason"):
        recorder.record_rating(cmd.RecordRating(Service.QUERY, 5, "waited_long"))
    assert recorder.store.case_ids() == []
