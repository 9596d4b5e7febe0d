"""What a self-test check is and what it reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from config.settings import Settings
from kiosk.errors import KioskError

# Every part by its JSON id, with the plain words a technician reads (Chinese, English).
PART_NAMES: dict[str, tuple[str, str]] = {
    "config": ("配置文件", "configuration"),
    "card_reader": ("读卡器", "card reader"),
    "camera": ("摄像头", "camera"),
    "printer": ("打印机", "receipt printer"),
    "face_models": ("人脸模型", "face models"),
    "pad_model": ("防翻拍模型", "anti-spoofing model"),
    "queue": ("本机业务记录", "case queue"),
    "answers": ("平台答复", "platform answers"),
    "platform": ("服务平台", "platform"),
    "registration": ("终端登记", "terminal registration"),
    "clock": ("本机时间", "clock"),
}


@dataclass(frozen=True)
class CheckResult:
    part: str
    ok: bool
    required: bool
    detail: str
    advice: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "ok": self.ok,
            "required": self.required,
            "detail": self.detail,
            "advice": "" if self.ok else self.advice,
        }


class CheckFailed(KioskError):
    """A part is not fine; `detail` says what, in plain words."""

    def __init__(self, detail: str, advice: str = "", *, required: bool | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.advice = advice
        # None: as the check declares; False when this failure must not fail the whole test
        # (the clock cannot be measured while the platform is out of reach, say).
        self.required = required


def _always(_: Settings) -> bool:
    return True


@dataclass(frozen=True)
class Check:
    """One part's check: `run` returns what it found when the part is fine, else raises
    CheckFailed; `timeout_s` bounds it; `advice` is what a technician does when it fails."""

    part: str
    run: Callable[[Settings], str]
    timeout_s: Callable[[Settings], float]
    advice: str
    required: Callable[[Settings], bool] = _always


def said(part: str, what_zh: str, what_en: str) -> str:
    """'读卡器: 没有找到 / card reader: not found': the part named first, in both languages."""
    zh, en = PART_NAMES[part]
    return f"{zh}{what_zh} / {en}: {what_en}"
