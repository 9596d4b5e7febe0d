"""Staff calls filed on both backends (SQLite and PostgreSQL): a batch that holds a call's
open record and its end files the end, a late "open" never reopens it, and the per service
point figures are counted by the database (no SQLite-only arithmetic)."""

from __future__ import annotations

from central import staff_calls
from central.embedded import EmbeddedPlatform
from contract.ids import uuid7
from contract.staff_calls import STAFF_CALL_KIND, staff_call_payload
from tests.queuetests.conftest import TERMINAL_ID, Terminal, make_worker

CALLED = "2026-12-04T09:30:00+08:00"


def enqueue_call(terminal: Terminal, call_id: str, outcome: str = "open", **end: str) -> None:
    payload = staff_call_payload(
        call_id=call_id,
        service_point="示范村便民服务站",
        terminal_id=TERMINAL_ID,
        reason="resident",
        called_at=CALLED,
        outcome=outcome,
        **end,
    )
    terminal.store.enqueue(STAFF_CALL_KIND, payload, {})


def sync(terminal: Terminal) -> None:
    worker = make_worker(terminal.store, terminal.keys, terminal.url)
    try:
        report = worker.drain(30)
    finally:
        worker.client.close()
    assert report.error is None


def test_open_and_end_in_one_batch_file_the_end(
    terminal: Terminal, platform: EmbeddedPlatform
) -> None:
    answered, waiting = uuid7(), uuid7()
    enqueue_call(terminal, answered)
    enqueue_call(
        terminal, answered, "answered", answered_at="2026-12-04T09:31:30+08:00", answered_by="07"
    )
    enqueue_call(terminal, waiting)
    sync(terminal)  # one batch: both records of `answered` in one statement
    enqueue_call(terminal, answered)  # a late copy of its open record
    sync(terminal)

    [still_open] = staff_calls.calls(platform.db, open_only=True)
    [ended] = staff_calls.calls(platform.db, open_only=False)
    assert still_open["call_id"] == waiting
    assert (ended["call_id"], ended["outcome"], ended["answer_s"]) == (answered, "answered", 90.0)
    [point] = staff_calls.per_service_point(platform.db, test=True)
    assert (point["open"], point["answered"], point["cancelled"], point["timed_out"]) == (
        1,
        1,
        0,
        0,
    )
    assert float(point["average_s"]) == 90.0 and float(point["max_s"]) == 90.0
