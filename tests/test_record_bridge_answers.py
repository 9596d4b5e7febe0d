"""The record bridge carries a query and a rating off the GUI thread (thread kiosk-store), and
the query's platform call gives up within its timeout when the platform accepts the connection
but never answers (a real socket that says nothing), answering from the terminal instead."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pytestqt.qtbot import QtBot

from config.settings import Settings, TerminalSettings
from devices.card_reader.identity import CardKind, Identity
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.model import Outcome, Service
from kiosk.qt.record_bridge import RecordBridge
from kiosk.records.print_jobs import PrintJobStore
from kiosk.records.recorder import CaseRecorder
from kiosk.records.standing import ResidentLookup
from offline_queue.client import PlatformClient
from offline_queue.keys import load_or_create
from offline_queue.store import CaseStore
from tests.printtests.test_resident_lookup import HeldDecisions

RESIDENT = Identity(CardKind.ID_CARD, "张秀英", "110101195001011239").validated()


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[CaseRecorder]:
    keys = load_or_create(tmp_path)
    store = CaseStore.open(tmp_path / "queue.db", keys)
    jobs = PrintJobStore.in_data_dir(tmp_path, keys.storage_key)
    terminal = TerminalSettings(id="SIM-0001", service_point="示范村便民服务站")
    yield CaseRecorder(store, jobs, dataclasses.replace(Settings(), terminal=terminal), keys)
    jobs.close()
    store.close()


@pytest.fixture
def silent_platform() -> Iterator[str]:
    """Accepts connections, reads, never answers (a platform hung behind a village link)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, name="silent-platform", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_query_runs_off_the_gui_thread_and_a_hung_platform_times_out(
    qtbot: QtBot, recorder: CaseRecorder, silent_platform: str
) -> None:
    held = HeldDecisions(waiting={RESIDENT.id_number})
    client = PlatformClient(silent_platform, recorder.keys, timeout_s=0.5)
    lookup = ResidentLookup(recorder, held, client, Ed25519PrivateKey.generate().public_key())
    threads: list[str] = []

    def looked_up(service: Service, resident: object) -> ev.LookupDone:
        threads.append(threading.current_thread().name)
        return lookup.lookup(service, resident)  # type: ignore[arg-type]

    bridge = RecordBridge(recorder.record, looked_up, rate=recorder.record_rating)
    bridge.start()
    try:
        began = time.monotonic()
        with qtbot.waitSignal(bridge.lookup_done, timeout=10_000) as done:
            bridge.lookup(Service.QUERY, RESIDENT)
        elapsed = time.monotonic() - began
    finally:
        bridge.shutdown()
        client.close()
    assert threads == ["kiosk-store"]
    assert done.args == [ev.LookupDone(Outcome.PENDING, answered_by="terminal")]
    assert elapsed < 5.0  # the 0.5 s timeout, not the flow's 30 s lookup limit


def test_a_rating_is_recorded_through_the_bridge_and_a_bad_one_loses_nothing(
    qtbot: QtBot, recorder: CaseRecorder
) -> None:
    bridge = RecordBridge(recorder.record, recorder.lookup, rate=recorder.record_rating)
    bridge.start()
    try:
        with qtbot.assertNotEmitted(bridge.rating_recorded, wait=300):
            bridge.rate(cmd.RecordRating(Service.QUERY, 5, "waited_long"))  # refused: logged
        with qtbot.waitSignal(bridge.rating_recorded, timeout=10_000) as rated:
            bridge.rate(cmd.RecordRating(Service.PENSION_CHECK, 2, "not_done"))
    finally:
        bridge.shutdown()
    [rating_id] = recorder.store.case_ids()
    assert rated.args == [rating_id]
    payload = recorder.store.envelope(rating_id)["payload"]
    assert (payload["score"], payload["reason"], payload["service"]) == (
        2,
        "not_done",
        "pension_check",
    )
