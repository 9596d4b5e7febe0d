"""Why a check failed reaches the resident: each liveness reason the face engine gives is said
in its own words on the retry screen, in its own voice prompt, on the result screen and on the
printed failure notice, in every locale. Real flow, real screens (offscreen), real receipts."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from config.settings import Settings
from devices.printer.layout import Text
from kiosk.face.liveness import REASON_TEXT, Reason
from kiosk.flow import FlowConfig, Outcome, Service, SessionFlow, Step
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.model import ReceiptKind, RecordedCase
from kiosk.i18n import build, install_translator
from kiosk.i18n.extract import I18N_DIR
from kiosk.records.receipts import ReceiptBuilder
from kiosk.voice.prompts import PROMPTS_BY_LOCALE
from screens.window import KioskWindow

# passed is no failure; presentation_attack's words come with the PAD wiring of the flow and
# the screens (a change of its own), which decides how a refused attack is told.
NOT_HERE = {Reason.PASSED, Reason.PRESENTATION_ATTACK}
REASONS = [reason.value for reason in Reason if reason not in NOT_HERE]


@dataclass(frozen=True)
class Resident:
    masked_name: str = "张*英"
    masked_id_number: str = "1101**********1239"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("i18n")
    for ts in I18N_DIR.glob("kiosk_*.ts"):
        shutil.copy(ts, folder / ts.name)
    build(folder, force=True)
    return folder


@pytest.fixture(params=["zh_CN", "en"])
def window(
    request: pytest.FixtureRequest, qapp: QApplication, qtbot: QtBot, compiled: Path
) -> Iterator[KioskWindow]:
    install_translator(qapp, request.param, folder=compiled, strict=request.param != "zh_CN")
    win = KioskWindow()
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    win.setProperty("ui_locale", request.param)
    yield win
    install_translator(qapp, "zh_CN")


def failed_capture(reason: str, attempts: int) -> tuple[SessionFlow, list[cmd.Command]]:
    """A pension check whose face capture fails `attempts` times for `reason`."""
    flow = SessionFlow(FlowConfig(max_capture_attempts=2))
    flow.start()
    for event in (
        ev.ServiceChosen(Service.PENSION_CHECK),
        ev.CardRead(Resident()),
        ev.Confirmed(True),
        ev.ConsentAnswered(True),
    ):
        flow.handle(event)
    out: list[cmd.Command] = []
    for attempt in range(attempts):
        if attempt:
            flow.handle(ev.Retry())
        out = flow.handle(ev.LivenessDone(False, reason))
    return flow, out


def shown_body(window: KioskWindow, commands: list[cmd.Command]) -> str:
    [shown] = [c for c in commands if isinstance(c, cmd.ShowScreen)][-1:]
    return window.show_step(shown.step, shown.view).body.raw_text()


def test_each_liveness_reason_has_its_own_words_on_the_retry_and_result_screens(
    window: KioskWindow,
) -> None:
    locale = window.property("ui_locale")
    retry, result = {}, {}
    for reason in REASONS:
        flow, out = failed_capture(reason, attempts=1)
        assert flow.step is Step.FACE_CAPTURE and flow.view().liveness_failed == reason
        retry[reason] = shown_body(window, out)
        [prompt] = [c.prompt_id for c in out if isinstance(c, cmd.PlayPrompt)]
        assert prompt == f"face.retry.{reason}"
        assert prompt in PROMPTS_BY_LOCALE[locale][1], (locale, prompt)
        flow, out = failed_capture(reason, attempts=2)
        record = [c for c in out if isinstance(c, cmd.RecordCase)]
        assert record and record[0].reason == reason  # the case records it too
        flow.handle(ev.CaseRecorded(RecordedCase("case-1")))
        assert flow.step is Step.RESULT
        result[reason] = shown_body(window, [cmd.ShowScreen(Step.RESULT, flow.view())])
    # Each its own: no two reasons read the same, none falls back to the generic words.
    _, generic = failed_capture("liveness_failed", attempts=1)
    assert len(set(retry.values())) == len(REASONS)
    assert shown_body(window, generic) not in retry.values()
    assert len(set(result.values())) == len(REASONS)
    assert len(set(PROMPTS_BY_LOCALE[locale][1][f"face.retry.{r}"] for r in REASONS)) == len(
        REASONS
    )


def test_each_liveness_reason_is_printed_on_the_failure_notice() -> None:
    build_receipt = ReceiptBuilder(Settings(), lambda _r: "").build
    printed = {}
    for reason in [*REASONS, "liveness_failed"]:
        job = build_receipt(
            cmd.PrintReceipt(
                ReceiptKind.FAILURE_NOTICE, "c1", Outcome.NOT_VERIFIED, Resident(), reason
            )
        )
        assert job.receipt is not None
        texts = [b.text for b in job.receipt.blocks if isinstance(b, Text)]
        why = texts[texts.index("原因：") + 1 : texts.index("接下来您可以：")]
        printed[reason] = "".join(why)
    assert len(set(printed.values())) == len(printed)


def test_the_engine_and_the_screens_know_the_same_reasons() -> None:
    """A reason the face engine can give and no screen knows would fall back to generic words."""
    from screens.texts import LIVENESS_RETRY_TEXT, NOT_VERIFIED_TEXT

    assert set(REASONS) == set(LIVENESS_RETRY_TEXT) <= set(NOT_VERIFIED_TEXT)
    assert set(REASONS) <= {r.value for r in REASON_TEXT}
