"""The platform's answer reaches the resident, with real parts end to end: a real embedded
platform (`central.embedded.EmbeddedPlatform`, HTTP on 127.0.0.1), a terminal registered with
it over HTTP, real SQLite case and print-job stores, the session flow, the sync worker, the
reviewer's `kiosk-central review decide` in a child process, and the certificate printed over
TCP to a fake network printer, whose token `kiosk certificate verify` and the platform's
/verify accept. Then the poor rating the resident gives reaches the platform's summary and
opens a follow-up (回访).

With the link down, the decisions the sync pulled into the real case store answer instead."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central import ratings
from central.embedded import EmbeddedPlatform
from config.settings import PrinterSettings, Settings, TerminalSettings
from contract import wire
from contract.keys import public_key_text
from devices.card_reader.identity import CardKind, Identity
from devices.printer import create_printer
from kiosk.cli import main as kiosk_cli
from kiosk.flow import FlowConfig, Outcome, Service, SessionFlow, Step
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.model import ReceiptKind
from kiosk.records.print_jobs import PrintJobStore, print_or_keep
from kiosk.records.receipts import ReceiptBuilder
from kiosk.records.recorder import CaseRecorder
from kiosk.records.standing import ResidentLookup
from offline_queue.client import PlatformClient
from offline_queue.registration import load_registration, register_local_terminal
from offline_queue.runtime import make_worker, open_store
from printtests.fake_printer import FakeNetworkPrinter
from tests.queuetests.platform_proc import central

TERMINAL = "SIM-0001"
SERVICE_POINT = "示范村便民服务站"
RESIDENT = Identity(CardKind.ID_CARD, "张秀英", "110101195001011239").validated()


@dataclasses.dataclass
class Kiosk:
    """A terminal's records side, wired as kiosk.app wires it (no window)."""

    settings: Settings
    recorder: CaseRecorder
    lookup: ResidentLookup
    client: PlatformClient
    platform_key_b64: str

    def sync(self) -> None:
        worker = make_worker(
            self.settings,
            self.recorder.store,
            self.recorder.keys,
            self.url,
            self.settings.terminal.data_dir,  # with it the platform's decisions come back
        )
        try:
            report = worker.run_pass(ignore_schedule=True)
        finally:
            worker.client.close()
        assert self.recorder.store.case_ids("pending") == [], report

    @property
    def url(self) -> str:
        return self.client.base_url

    def run(self, flow: SessionFlow, commands: list[cmd.Command]) -> list[cmd.Command]:
        """Carry out the records' commands as the record bridge does (on this thread)."""
        out: list[cmd.Command] = []
        for command in commands:
            out.append(command)
            if isinstance(command, cmd.RecordCase):
                case = self.recorder.record(command, lambda: None)
                out += self.run(flow, flow.handle(ev.CaseRecorded(case)))
            elif isinstance(command, cmd.Lookup):
                answer = self.lookup.lookup(command.service, command.resident)
                out += self.run(flow, flow.handle(answer))
            elif isinstance(command, cmd.RecordRating):
                self.recorder.record_rating(command)
        return out


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[EmbeddedPlatform]:
    embedded = EmbeddedPlatform(tmp_path / "central.sqlite3")
    embedded.start()
    yield embedded
    embedded.stop()


@pytest.fixture
def kiosk(
    tmp_path: Path, platform: EmbeddedPlatform, network_printer: FakeNetworkPrinter
) -> Iterator[Kiosk]:
    data = tmp_path / "kiosk"
    keys = register_local_terminal(platform, data, TERMINAL, SERVICE_POINT)
    settings = dataclasses.replace(
        Settings(),
        terminal=TerminalSettings(id=TERMINAL, service_point=SERVICE_POINT, data_dir=data),
        printer=PrinterSettings(backend="escpos", target=network_printer.target),
    )
    store = open_store(settings, keys, data)
    jobs = PrintJobStore.in_data_dir(data, keys.storage_key)
    recorder = CaseRecorder(store, jobs, settings, keys)
    client = PlatformClient(platform.url, keys, timeout_s=5.0)
    key_b64 = load_registration(data).platform_signing_key
    lookup = ResidentLookup(recorder, store, client, wire.ed25519_from_b64(key_b64))
    yield Kiosk(settings, recorder, lookup, client, key_b64)
    client.close()
    jobs.close()
    store.close()


def started(kiosk: Kiosk, flow: SessionFlow, service: Service) -> list[cmd.Command]:
    flow.handle(ev.ServiceChosen(service))
    flow.handle(ev.CardRead(RESIDENT))
    return kiosk.run(flow, flow.handle(ev.Confirmed(True)))


def asked_with_the_link_down(kiosk: Kiosk) -> ev.LookupDone:
    """查询认证结果 with a platform address nobody answers on: the terminal answers."""
    dead = PlatformClient("http://127.0.0.1:9", kiosk.recorder.keys, timeout_s=0.5)
    try:
        return ResidentLookup(
            kiosk.recorder,
            kiosk.recorder.store,
            dead,
            wire.ed25519_from_b64(kiosk.platform_key_b64),
        ).lookup(Service.QUERY, RESIDENT)
    finally:
        dead.close()


def of(commands: list[cmd.Command], kind: type) -> list:
    return [c for c in commands if isinstance(c, kind)]


def test_a_check_decided_on_the_platform_reaches_the_resident(
    tmp_path: Path,
    platform: EmbeddedPlatform,
    kiosk: Kiosk,
    network_printer: FakeNetworkPrinter,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = str(platform.db_path)
    # 1. A staff-assisted check without face: recorded pending, synced, decided by a reviewer.
    flow = SessionFlow(FlowConfig())
    flow.start()
    started(kiosk, flow, Service.PENSION_CHECK)
    flow.handle(ev.ConsentAnswered(False))
    out = kiosk.run(flow, flow.handle(ev.StaffUnlocked("staff-01")))
    [record] = of(out, cmd.RecordCase)
    assert (record.outcome, flow.step) == (Outcome.PENDING, Step.RESULT)
    [case_id] = kiosk.recorder.store.case_ids()
    kiosk.sync()
    assert central("users", "add", "li", "--role", "reviewer", "--db", db).returncode == 0

    # Before the decision: still pending, from the platform.
    query = SessionFlow(FlowConfig())
    started(kiosk, query, Service.QUERY)
    assert (query.step, query.view().outcome, query.view().answered_by) == (
        Step.RESULT,
        Outcome.PENDING,
        "platform",
    )

    decided = central(
        "review", "decide", case_id, "--decision", "verified", "--reason",
        "reviewer_approved", "--reviewer", "li", "--db", db,
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr

    # 2. A standing signed by another key is refused: the link counts as down.
    forged = ResidentLookup(
        kiosk.recorder,
        kiosk.recorder.store,
        kiosk.client,
        Ed25519PrivateKey.generate().public_key(),
    )
    refused = forged.lookup(Service.QUERY, RESIDENT)
    assert (refused.answered_by, refused.certificate) == ("terminal", None)
    assert refused.outcome is not Outcome.VERIFIED

    # 3. The next sync brings the signed decision into the case store: with the link down
    # (a platform address nobody answers on), the terminal itself says approved.
    kiosk.sync()
    [held] = [d for d in kiosk.recorder.store.decisions() if d.case_id == case_id]
    assert (held.verdict, held.decided_by) == ("verified", "review")
    offline = asked_with_the_link_down(kiosk)
    assert (offline.outcome, offline.answered_by) == (Outcome.VERIFIED, "terminal")

    # 4. The resident asks again, link up: approved, and the certificate prints there and then.
    query = SessionFlow(FlowConfig())
    started(kiosk, query, Service.QUERY)
    view = query.view()
    assert (view.outcome, view.answered_by, view.channel, view.can_print) == (
        Outcome.VERIFIED,
        "platform",
        "kiosk",
        True,
    )
    assert view.valid_until.endswith("-01-31")  # born in January: the window's end
    [job] = of(query.handle(ev.Continue()), cmd.PrintReceipt)
    assert job.kind is ReceiptKind.CERTIFICATE and job.certificate is not None
    verify_base = platform.url + "/verify"
    built = ReceiptBuilder(kiosk.settings, kiosk.recorder.holder, lambda: verify_base).build(job)
    assert built.receipt is not None
    printer = create_printer(kiosk.settings.printer, kiosk.settings.terminal.data_dir)
    printer.open()
    try:
        attempt = print_or_keep(
            printer,
            kiosk.recorder.jobs,
            built.receipt,
            holder=built.holder,
            certificate_no=built.certificate_no,
            keep_until=built.keep_until,
        )
    finally:
        printer.close()
    assert attempt.printed
    token = job.certificate.token  # type: ignore[attr-defined]
    assert token.encode() in network_printer.received  # the QR code carries it

    keys_file = tmp_path / "keys.json"
    own = kiosk.recorder.keys
    keys_file.write_text(json.dumps({own.key_id: public_key_text(own.public_key)}))
    capsys.readouterr()
    assert kiosk_cli(["certificate", "verify", token, "--keys", str(keys_file), "--json"]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert checked["valid"] is True and checked["fields"]["name"] == "张*英"
    answer = requests.get(f"{platform.url}/verify/{token}?format=json", timeout=10)
    assert answer.status_code == 200 and answer.json()["valid"] is True
    assert answer.json()["fields"]["valid_until"] == view.valid_until

    # 5. A poor rating with its reason, synced: the platform's summary and a follow-up.
    query.handle(ev.PrintDone())
    assert query.step is Step.RATE
    query.handle(ev.Rated(1))
    assert query.step is Step.RATE_REASON
    kiosk.run(query, query.handle(ev.RatingReasonChosen("waited_long")))
    assert query.step is Step.THANKS
    kiosk.sync()
    [summary] = [s for s in ratings.summary(platform.db) if s.service == "query"]
    assert (summary.count, summary.poor, summary.service_point) == (1, 1, SERVICE_POINT)
    [followup] = ratings.open_followups(platform.db)
    assert (followup["score"], followup["reason"], followup["terminal_id"]) == (
        1,
        "waited_long",
        TERMINAL,
    )


def test_a_check_rejected_on_the_platform_tells_the_resident_why(
    platform: EmbeddedPlatform, kiosk: Kiosk
) -> None:
    db = str(platform.db_path)
    flow = SessionFlow(FlowConfig())
    flow.start()
    started(kiosk, flow, Service.PENSION_CHECK)
    flow.handle(ev.ConsentAnswered(False))
    kiosk.run(flow, flow.handle(ev.StaffUnlocked("staff-01")))
    [case_id] = kiosk.recorder.store.case_ids()
    kiosk.sync()
    assert central("users", "add", "li", "--role", "reviewer", "--db", db).returncode == 0
    decided = central(
        "review", "decide", case_id, "--decision", "not_verified", "--reason",
        "identity_unconfirmed", "--reviewer", "li", "--db", db,
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr

    # Link up: the platform's signed standing says why, and what to do (no certificate).
    query = SessionFlow(FlowConfig())
    started(kiosk, query, Service.QUERY)
    view = query.view()
    assert (view.outcome, view.reason, view.answered_by, view.can_print) == (
        Outcome.NOT_VERIFIED,
        "identity_unconfirmed",
        "platform",
        False,
    )
    # Link down: the refusal the sync brought says the same from the terminal's store.
    kiosk.sync()
    offline = asked_with_the_link_down(kiosk)
    assert (offline.outcome, offline.reason, offline.answered_by) == (
        Outcome.NOT_VERIFIED,
        "identity_unconfirmed",
        "terminal",
    )
