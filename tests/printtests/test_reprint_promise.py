"""What the paper and the print-failed screen promise about 补打 holds: a certificate reprints
for as long as it is valid, past `terminal.retention_days`; a receipt of any kind that could
not print is found by 补打. Real case and print-job stores, the recorder, the receipt builder
and the simulated printer."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import PrinterSettings, Settings, TerminalSettings
from contract.certificates import CHINA_TZ
from devices.card_reader.identity import CardKind, Identity, id_number_check_char
from devices.printer.simulated import SimulatedPrinter
from kiosk.flow import commands as cmd
from kiosk.flow.model import Outcome, ReceiptKind, Service
from kiosk.records.print_jobs import PrintJobStore, print_or_keep, reprint
from kiosk.records.receipts import ReceiptBuilder
from kiosk.records.recorder import CaseRecorder
from offline_queue.keys import load_or_create
from offline_queue.store import CaseStore

RETENTION_DAYS = 30
FACE = b"\xff\xd8\xff\xe0face"


@dataclasses.dataclass
class Kiosk:
    recorder: CaseRecorder
    build: ReceiptBuilder
    printer: SimulatedPrinter
    jobs: PrintJobStore
    out: Path

    def check(self, outcome: Outcome, resident: Identity, reason: str = "") -> cmd.PrintReceipt:
        """A check recorded as the flow records it; the print command the flow then sends."""
        case = self.recorder.record(
            cmd.RecordCase(Service.PENSION_CHECK, outcome, resident, reason), lambda: FACE
        )
        kind = {
            Outcome.VERIFIED: ReceiptKind.CERTIFICATE,
            Outcome.NOT_VERIFIED: ReceiptKind.FAILURE_NOTICE,
            Outcome.PENDING: ReceiptKind.PENDING_SLIP,
        }[outcome]
        return cmd.PrintReceipt(kind, case.case_id, outcome, resident, reason, case.certificate)

    def print(self, command: cmd.PrintReceipt) -> tuple[str, bool]:
        """As the printer bridge prints it: (job id, printed)."""
        job = self.build.build(command)
        assert job.receipt is not None
        self.printer.open()
        attempt = print_or_keep(
            self.printer,
            self.jobs,
            job.receipt,
            holder=job.holder,
            certificate_no=job.certificate_no,
            keep_until=job.keep_until,
        )
        return attempt.job_id, attempt.printed

    def reprint_for(self, resident: Identity) -> str:
        """补打 as the resident asks for it: the lookup, then the reprint of what it found."""
        found = self.recorder.lookup(Service.REPRINT, resident)
        assert found.job_id, f"补打 found nothing ({found.outcome})"
        self.printer.open()
        assert reprint(self.printer, self.jobs, found.job_id).printed
        return found.job_id


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    keys = load_or_create(tmp_path)
    store = CaseStore.open(tmp_path / "queue.db", keys)
    jobs = PrintJobStore.in_data_dir(tmp_path, keys.storage_key)
    settings = Settings(
        terminal=TerminalSettings(id="SIM-0001", retention_days=RETENTION_DAYS),
        printer=PrinterSettings(),
    )
    recorder = CaseRecorder(store, jobs, settings, keys)
    printer = SimulatedPrinter.from_settings(settings.printer, tmp_path)
    yield Kiosk(recorder, ReceiptBuilder(settings, recorder.holder), printer, jobs, tmp_path)
    jobs.close()
    store.close()


def resident() -> Identity:
    """A holder born six months from now: the certificate is valid about half a year or more,
    whatever day the test runs (the yearly window ends with the birthday month)."""
    month = (dt.datetime.now(CHINA_TZ).month + 5) % 12 + 1
    first17 = f"1101011950{month:02d}01123"
    number = first17 + id_number_check_char(first17)
    return Identity(CardKind.ID_CARD, "张秀英", number, sex="2").validated()


def purge_on(jobs: PrintJobStore, day: dt.date) -> int:
    """The kiosk's hourly purge, as it runs on `day` (kiosk.app purge_print_jobs)."""
    now = dt.datetime.combine(day, dt.time(12), CHINA_TZ)
    return jobs.purge(now - dt.timedelta(days=RETENTION_DAYS), now.date())


def test_a_certificate_reprints_after_the_retention_period_until_it_expires(
    kiosk: Kiosk,
) -> None:
    holder = resident()
    job_id, printed = kiosk.print(kiosk.check(Outcome.VERIFIED, holder))
    assert printed
    stored = kiosk.jobs.get(job_id)
    assert stored is not None and stored.keep_until
    valid_until = dt.date.fromisoformat(stored.keep_until)
    today = dt.datetime.now(CHINA_TZ).date()
    assert valid_until > today + dt.timedelta(days=RETENTION_DAYS)  # the paper says a year
    # Well past the retention period, the paper lost: 补打 still prints it.
    assert purge_on(kiosk.jobs, today + dt.timedelta(days=RETENTION_DAYS + 60)) == 0
    (kiosk.out / "printer" / f"{job_id}.png").unlink()
    assert kiosk.reprint_for(holder) == job_id
    assert (kiosk.out / "printer" / f"{job_id}.png").is_file()
    # Its last valid day still; the day after, with retention over too, it goes.
    assert purge_on(kiosk.jobs, valid_until) == 0
    assert purge_on(kiosk.jobs, valid_until + dt.timedelta(days=1)) == 1
    assert kiosk.recorder.lookup(Service.REPRINT, holder).outcome is Outcome.NOT_FOUND


def test_printed_notices_and_slips_go_after_the_retention_period(kiosk: Kiosk) -> None:
    holder = resident()
    _, printed = kiosk.print(kiosk.check(Outcome.NOT_VERIFIED, holder, "face_mismatch"))
    assert printed
    today = dt.datetime.now(CHINA_TZ).date()
    assert purge_on(kiosk.jobs, today + dt.timedelta(days=RETENTION_DAYS - 1)) == 0
    assert purge_on(kiosk.jobs, today + dt.timedelta(days=RETENTION_DAYS + 1)) == 1


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [(Outcome.VERIFIED, ""), (Outcome.NOT_VERIFIED, "face_mismatch"), (Outcome.PENDING, "x")],
)
def test_every_receipt_that_could_not_print_is_saved_and_reprints_later(
    kiosk: Kiosk, outcome: Outcome, reason: str
) -> None:
    """The print-failed screen says 您的凭证已经保存，可以稍后补打 whatever the receipt."""
    holder = resident()
    kiosk.printer.set_fault("paper_out")
    job_id, printed = kiosk.print(kiosk.check(outcome, holder, reason))
    assert not printed
    # Kept jobs are never purged, however long the printer takes to be fixed.
    today = dt.datetime.now(CHINA_TZ).date()
    assert purge_on(kiosk.jobs, today + dt.timedelta(days=400)) == 0
    kiosk.printer.set_fault("none")
    assert kiosk.reprint_for(holder) == job_id
    job = kiosk.jobs.get(job_id)
    assert job is not None and job.state == "printed"
