"""Self-test of the devices: card reader, camera, printer, each opened, asked once, closed.

Only states and sizes are reported: a card that happens to lie on the reader is noted as
"a card is on the reader", never read out.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

from config.settings import CameraSettings, Settings
from devices.camera import create_camera
from devices.camera.base import CameraError
from devices.card_reader import create_card_reader
from devices.card_reader.base import CardReader, CardReaderError, ReaderState, ReaderStateChanged
from devices.printer import create_printer
from devices.printer.base import PrinterError, PrinterStatus
from kiosk import release
from kiosk.selftest.result import Check, CheckFailed, said

log = logging.getLogger(__name__)

READER_STATE_WAIT_S = 3.0
OPEN_ALLOWANCE_S = 10.0  # opening a USB camera or a serial port can take seconds


# --- card reader ------------------------------------------------------------------------


def _reader_label(settings: Settings) -> str:
    reader = settings.card_reader
    if reader.backend == "sam-serial":
        return f"sam-serial {reader.port}"
    if reader.backend == "pcsc":
        return f"pcsc {reader.reader or '(first reader)'}"
    return reader.backend


def check_card_reader(settings: Settings) -> str:
    label = _reader_label(settings)
    try:
        reader = create_card_reader(settings.card_reader)
        reader.open()
    except CardReaderError as exc:
        raise CheckFailed(
            said("card_reader", "没有找到或打不开", f"not found ({label}): {exc}")
        ) from None
    try:
        return _first_state(reader, label)
    finally:
        reader.close()


def _first_state(reader: CardReader, label: str) -> str:
    deadline = time.monotonic() + READER_STATE_WAIT_S
    while (left := deadline - time.monotonic()) > 0:
        event = reader.wait_event(min(left, 0.5))
        if event is None:
            continue
        if not isinstance(event, ReaderStateChanged):
            # A card event also proves the reader answers; its content is not looked at.
            return said(
                "card_reader", "正常（读卡区有卡）", f"answering, a card is on it ({label})"
            )
        if event.state is ReaderState.READY:
            return said("card_reader", "正常", f"ready ({label})")
        if event.state is ReaderState.CARD_PRESENT:
            return said("card_reader", "正常（读卡区有卡）", f"ready, a card is on it ({label})")
        what_zh = {
            ReaderState.NO_READER: "没有连接",
            ReaderState.SERVICE_DOWN: "服务(pcscd)没有运行",
        }.get(event.state, "报告故障")
        raise CheckFailed(said("card_reader", what_zh, f"{event.state} ({label}) {event.detail}"))
    raise CheckFailed(
        said("card_reader", "没有响应", f"no state within {READER_STATE_WAIT_S:.0f} s ({label})")
    )


CARD_READER = Check(
    "card_reader",
    check_card_reader,
    lambda s: s.card_reader.read_timeout_s + READER_STATE_WAIT_S + OPEN_ALLOWANCE_S,
    "检查读卡器的USB线和电源，确认配置里 card_reader 的 backend、port 或 reader 正确；"
    "PC/SC 读卡器还需要 pcscd 服务在运行。/ Check the reader's USB cable and power, and "
    "card_reader.backend with its port or reader name; PC/SC readers also need pcscd running.",
)


# --- camera -------------------------------------------------------------------------------


STAND_IN_LABEL = "drawn stand-in"


def camera_settings(settings: CameraSettings) -> CameraSettings:
    """The simulated camera with no source plays the demo clip when this machine has it."""
    if settings.backend == "simulated" and not settings.source:
        clip = release.demo_clip()
        if clip is not None:
            return dataclasses.replace(settings, source=str(clip))
    return settings


def stand_in_frame(width: int = 640, height: int = 480) -> np.ndarray:
    """A drawn head and shoulders, as the headless demo shows without the clip (no Qt here:
    the self-test runs on a console). Not a frame of any clip: those may not be copied."""
    image = np.full((height, width, 3), (0x94, 0x8F, 0x8A), np.uint8)  # BGR grey wall
    cv2.ellipse(
        image,
        (width // 2, int(height * 1.02)),
        (int(width * 0.28), int(height * 0.3)),
        0,
        0,
        360,
        (0x5A, 0x4A, 0x3B),
        -1,
        cv2.LINE_AA,
    )  # shoulders
    cv2.ellipse(
        image,
        (width // 2, int(height * 0.44)),
        (int(width * 0.12), int(height * 0.24)),
        0,
        0,
        360,
        (0x9B, 0xB9, 0xD9),
        -1,
        cv2.LINE_AA,
    )  # face
    return image


@contextmanager
def _camera_to_check(settings: CameraSettings) -> Iterator[tuple[CameraSettings, str]]:
    """The camera the check opens, and its label. The simulated camera without a source and
    without the demo clip (a bundle built outside the checkout, a fresh clone) plays a drawn
    stand-in frame, as the headless demo does; a configured source that is missing stays an
    error."""
    cam = camera_settings(settings)
    if cam.backend != "simulated" or cam.source:
        yield cam, _camera_label(cam)
        return
    with tempfile.TemporaryDirectory(prefix="kiosk-selftest-") as folder:
        if not cv2.imwrite(str(Path(folder) / "0001.png"), stand_in_frame()):
            raise CheckFailed(said("camera", "无法准备测试画面", "cannot write a stand-in frame"))
        yield dataclasses.replace(cam, source=folder), f"simulated ({STAND_IN_LABEL}: no demo clip)"


def _camera_label(settings: CameraSettings) -> str:
    if settings.backend == "opencv":
        return f"opencv {settings.source or f'device {settings.device}'}"
    return f"{settings.backend} {Path(settings.source).name or '(no source)'}"


def check_camera(settings: Settings) -> str:
    with _camera_to_check(settings.camera) as (cam, label):
        return _read_one_frame(cam, label)


def _read_one_frame(cam: CameraSettings, label: str) -> str:
    if cam.backend == "file" and not cam.source:
        raise CheckFailed(said("camera", "没有设置视频来源", f"no camera.source set ({label})"))
    try:
        camera = create_camera(cam)
        camera.open()
    except CameraError as exc:
        raise CheckFailed(
            said("camera", "没有找到或打不开", f"cannot open ({label}): {exc}")
        ) from None
    try:
        started = time.monotonic()
        frame = camera.read(cam.stall_timeout_s)
    except CameraError as exc:
        raise CheckFailed(said("camera", "没有画面", f"no frame ({label}): {exc}")) from None
    finally:
        camera.close()
    height, width = frame.image.shape[:2]
    took_ms = (time.monotonic() - started) * 1000
    return said("camera", "正常", f"frame {width}x{height} in {took_ms:.0f} ms ({label})")


CAMERA = Check(
    "camera",
    check_camera,
    lambda s: s.camera.stall_timeout_s + OPEN_ALLOWANCE_S,
    "检查摄像头的USB线，确认配置里 camera.device 或 camera.source 正确；拔插摄像头后再试。"
    "/ Check the camera's USB cable and camera.device or camera.source; replug it and run again.",
)


# --- printer ------------------------------------------------------------------------------

_STATUS_ZH = {
    PrinterStatus.PAPER_OUT: "缺纸",
    PrinterStatus.COVER_OPEN: "上盖没有关好",
    PrinterStatus.OFFLINE: "离线（没有电或没有连接）",
}


def check_printer(settings: Settings) -> str:
    label = f"{settings.printer.backend} {settings.printer.target}".strip()
    try:
        printer = create_printer(settings.printer, settings.terminal.data_dir)
        printer.open()
    except (PrinterError, OSError) as exc:
        raise CheckFailed(
            said("printer", "离线或连接不上", f"cannot connect ({label}): {exc}")
        ) from None
    try:
        status = printer.status()
    except PrinterError as exc:
        raise CheckFailed(
            said("printer", "不回答状态", f"status failed ({label}): {exc}")
        ) from None
    finally:
        printer.close()
    if status in _STATUS_ZH:
        raise CheckFailed(said("printer", _STATUS_ZH[status], f"{status} ({label})"))
    if status is PrinterStatus.PAPER_LOW:
        return said("printer", "正常，纸快用完了", f"ready, paper low ({label})")
    if status is PrinterStatus.UNKNOWN:
        return said(
            "printer", "已连接（此连接方式读不到状态）", f"connected, status unknown ({label})"
        )
    return said("printer", "正常", f"ready ({label})")


PRINTER = Check(
    "printer",
    check_printer,
    lambda s: s.printer.timeout_s + 2 * s.printer.status_timeout_s + OPEN_ALLOWANCE_S,
    "检查打印机电源、纸卷和上盖，确认配置里 printer.target 正确。"
    "/ Check the printer's power, paper roll and cover, and printer.target in the config.",
)
