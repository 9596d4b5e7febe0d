"""The published case schema (docs/case-schema.json) and what the kiosk records agree: cases
recorded through the real flow, face-bridge evidence, recorder and encrypted case store
validate against it (jsonschema_rs), and docs/case-schema.md names the same fields.
(tests/test_app_session.py validates the cases of whole checks on the running kiosk too.)"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import numpy as np
import pytest

from config.settings import Settings, TerminalSettings
from devices.card_reader.identity import CardKind, Identity
from kiosk.face.engine import Face
from kiosk.face.liveness import ActionResult, BestFace, LivenessUpdate, Reason
from kiosk.flow import FlowConfig, Outcome, Service, SessionFlow, Step
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.machine import FINAL_LIVENESS_REASONS
from kiosk.flow.model import MatchEvidence
from kiosk.qt.face_bridge import evidence
from kiosk.records.print_jobs import PrintJobStore
from kiosk.records.recorder import CaseRecorder, CertificateNotIssued
from offline_queue.keys import load_or_create
from offline_queue.sample_cases import demo_payload
from offline_queue.store import CaseStore

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO / "docs" / "case-schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema_rs.validator_for(SCHEMA)
# The reasons the matcher (kiosk.face.holder_match), the face bridge and the flow give for a
# pending check; the liveness reasons come from kiosk.face.liveness.Reason.
PENDING_REASONS = (
    "no_live_face",
    "no_reference",
    "platform_unreachable",
    "reference_unusable",
    "match_error",
)


def schema_problems(payload: dict[str, Any]) -> list[str]:
    return [f"{e.instance_path}: {e.message}" for e in VALIDATOR.iter_errors(payload)]


def card(name: str = "张秀英", valid_to: dt.date | str | None = "长期") -> Identity:
    return Identity(CardKind.ID_CARD, name, "110101195001011239", "2", valid_to=valid_to)


def liveness(reason: Reason) -> dict[str, Any]:
    """The face bridge's evidence of a finished capture (kiosk.qt.face_bridge.evidence)."""
    passed = reason is Reason.PASSED
    best = BestFace(
        image=np.zeros((8, 8, 3), np.uint8),
        face=Face((0, 0, 8, 8), np.zeros((68, 2)), 1.0),
        timestamp_s=5.93,
        score=1.0,
    )
    update = LivenessUpdate(
        action=None,
        prompt=None,
        index=2,
        total=2,
        guidance_code=None,
        guidance=None,
        finished=True,
        passed=passed,
        reason_code=reason.value,
        reason="",
        actions=(ActionResult("blink", True, 2.14), ActionResult("turn_left", passed, 5.41)),
        restarts=0 if passed else 1,
        best=best if passed else None,
    )
    return evidence(update)


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[CaseRecorder]:
    keys = load_or_create(tmp_path)
    store = CaseStore.open(tmp_path / "queue.db", keys)
    jobs = PrintJobStore.in_data_dir(tmp_path, keys.storage_key)
    yield CaseRecorder(store, jobs, Settings(terminal=TerminalSettings(id="SIM-0001")), keys)
    jobs.close()
    store.close()


def at_face_capture(holder: Identity, *, expired: bool = False) -> SessionFlow:
    flow = SessionFlow(FlowConfig(max_capture_attempts=2))
    flow.start()
    flow.handle(ev.ServiceChosen(Service.PENSION_CHECK))
    flow.handle(ev.CardRead(holder, card_expired=expired))
    flow.handle(ev.Confirmed(True))
    flow.handle(ev.ConsentAnswered(True))
    assert flow.step is Step.FACE_CAPTURE
    return flow


def record_command(commands: list[cmd.Command]) -> cmd.RecordCase:
    [record] = [c for c in commands if isinstance(c, cmd.RecordCase)]
    return record


def matched(done: ev.MatchDone, holder: Identity | None = None, **kw: Any) -> cmd.RecordCase:
    flow = at_face_capture(holder or card(), **kw)
    flow.handle(ev.LivenessDone(True, "passed", liveness(Reason.PASSED)))
    return record_command(flow.handle(done))


def the_flows_cases() -> dict[str, cmd.RecordCase]:
    """The RecordCase the flow sends on each way a check can end."""
    found = MatchEvidence(0.412, 0.51, "card_photo")
    cases = {
        "verified": matched(ev.MatchDone(Outcome.VERIFIED, "", found, "2027-01-31")),
        "face_mismatch": matched(ev.MatchDone(Outcome.NOT_VERIFIED, "face_mismatch", found)),
        "expired_card": matched(
            ev.MatchDone(Outcome.VERIFIED, "", found, "2027-01-31"),
            card(valid_to=dt.date(2020, 6, 30)),
            expired=True,
        ),
        "reference_unusable": matched(
            ev.MatchDone(Outcome.PENDING, "reference_unusable", MatchEvidence(reference="roster"))
        ),
    }
    for reason in PENDING_REASONS:
        cases.setdefault(reason, matched(ev.MatchDone(Outcome.PENDING, reason)))
    flow = at_face_capture(card())
    flow.handle(ev.LivenessDone(True, "passed", liveness(Reason.PASSED)))
    cases["match_timeout"] = record_command(flow.handle(ev.TimerExpired(cmd.WAIT_TIMER)))
    for reason in Reason:
        if reason is Reason.PASSED:
            continue
        flow = at_face_capture(card())
        first = flow.handle(ev.LivenessDone(False, reason.value, liveness(reason)))
        if reason.value in FINAL_LIVENESS_REASONS:  # recorded at once, no second try
            cases[reason.value] = record_command(first)
            continue
        flow.handle(ev.Retry())
        cases[reason.value] = record_command(
            flow.handle(ev.LivenessDone(False, reason.value, liveness(reason)))
        )
    assisted = SessionFlow()
    assisted.start()
    assisted.handle(ev.ServiceChosen(Service.PENSION_CHECK))
    assisted.handle(ev.CardRead(card()))
    assisted.handle(ev.Confirmed(True))
    assisted.handle(ev.ConsentAnswered(False))
    cases["assisted"] = record_command(assisted.handle(ev.StaffUnlocked("0107")))
    return cases


def test_every_case_the_kiosk_records_validates_against_the_published_schema(
    recorder: CaseRecorder,
) -> None:
    cases = the_flows_cases()
    assert {"verified", "assisted", "timeout", "match_timeout"} <= set(cases)
    for name, command in cases.items():
        case = recorder.record(command, lambda: b"\xff\xd8face")
        payload = recorder.store.envelope(case.case_id)["payload"]  # decrypted, as sent
        assert schema_problems(payload) == [], name
    # A verified check whose certificate cannot be signed is stored all the same.
    long_name = matched(ev.MatchDone(Outcome.VERIFIED, "", MatchEvidence()), card("张" * 120))
    with pytest.raises(CertificateNotIssued):
        recorder.record(long_name, lambda: None)
    [last] = recorder.store.case_ids()[-1:]
    payload = recorder.store.envelope(last)["payload"]
    assert "certificate_error" in payload and schema_problems(payload) == []


def test_the_schema_refuses_what_the_old_payload_said() -> None:
    """What docs and code disagreed on: a liveness record without `passed`, `no_match`."""
    case = json.loads(json.dumps(demo_payload(random.Random(3), "SIM-0001")))
    assert schema_problems(case) == []
    del case["liveness"]["passed"]
    assert schema_problems(case)
    case = json.loads(json.dumps(demo_payload(random.Random(3), "SIM-0001")))
    case.update(outcome="not_verified", reason="no_match")
    case.pop("certificate", None)
    assert any("reason" in problem for problem in schema_problems(case))


def test_the_demo_cases_validate_too() -> None:
    rng = random.Random(11)
    for _ in range(60):
        payload = demo_payload(rng, "SIM-0001")
        assert schema_problems(json.loads(json.dumps(payload))) == [], payload["reason"]


def test_the_schema_document_names_the_schemas_fields() -> None:
    text = (REPO / "docs" / "case-schema.md").read_text(encoding="utf-8")
    section = text.split("## Payload of `pension_check`", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE))
    assert documented == set(SCHEMA["properties"])
    resident = SCHEMA["properties"]["resident"]["oneOf"][1]["properties"]
    live = SCHEMA["properties"]["liveness"]["oneOf"][1]["properties"]
    for field in [*resident, *live]:
        assert f"`{field}`" in section, field
