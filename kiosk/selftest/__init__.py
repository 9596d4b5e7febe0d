"""The technician's self-test: is every part of this terminal fine? No Qt.

    report = run_selftest(config_path)      # or run_checks(settings)
    report.ok, report.as_dict()

Each check is bounded in time and runs on its own thread (`kiosk-selftest-<part>`), so a
device that hangs is reported as "did not answer" instead of hanging the command; the
checks run side by side, so the whole test takes about as long as the slowest one.
Texts name the part in plain words, in Chinese and English, for the technician.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config import ConfigError, load_settings
from config.settings import Settings
from kiosk import release
from kiosk.selftest.devices import CAMERA, CARD_READER, PRINTER
from kiosk.selftest.local import ANSWERS, FACE_MODELS, PAD_MODEL, QUEUE
from kiosk.selftest.platform import CLOCK, PLATFORM, REGISTRATION
from kiosk.selftest.result import PART_NAMES, Check, CheckFailed, CheckResult

log = logging.getLogger(__name__)

THREAD_PREFIX = "kiosk-selftest-"
CHECKS: tuple[Check, ...] = (
    CARD_READER,
    CAMERA,
    PRINTER,
    FACE_MODELS,
    PAD_MODEL,
    QUEUE,
    ANSWERS,
    PLATFORM,
    REGISTRATION,
    CLOCK,
)

__all__ = [
    "CHECKS",
    "PART_NAMES",
    "Check",
    "CheckFailed",
    "CheckResult",
    "Report",
    "run_checks",
    "run_selftest",
]


@dataclass(frozen=True)
class Report:
    checks: tuple[CheckResult, ...]
    version: str
    build: str

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks if check.required)

    @property
    def config_ok(self) -> bool:
        return all(check.ok for check in self.checks if check.part == "config")

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": [check.as_dict() for check in self.checks],
            "version": self.version,
            "build": self.build,
        }


def run_selftest(config_path: Path | None = None) -> Report:
    """Load the configuration (a failure is the "config" part's), then check every part."""
    try:
        settings = load_settings(config_path)
    except ConfigError as exc:
        failed = CheckResult(
            "config",
            False,
            True,
            f"配置文件有错 / configuration invalid: {exc.message}",
            "按提示改正配置文件，再运行自检。/ Fix the named key in the file and run again.",
        )
        skipped = tuple(
            CheckResult(
                check.part,
                False,
                True,
                f"{PART_NAMES[check.part][0]}没有检查 / {PART_NAMES[check.part][1]}: "
                "not checked, the configuration is invalid",
            )
            for check in CHECKS
        )
        return Report((failed, *skipped), release.version(), release.build_id())
    config_ok = CheckResult(
        "config", True, True, f"配置文件正常 / configuration: valid ({settings.source})"
    )
    report = run_checks(settings)
    return dataclasses.replace(report, checks=(config_ok, *report.checks))


def run_checks(settings: Settings, checks: Sequence[Check] = CHECKS) -> Report:
    """Run the parts' checks side by side; each one gives up after its own time limit."""
    runners = [_Runner(check, settings) for check in checks]
    for runner in runners:
        runner.start()
    results = tuple(runner.result() for runner in runners)
    return Report(results, release.version(), release.build_id())


class _Runner:
    def __init__(self, check: Check, settings: Settings) -> None:
        self.part = check.part
        self._check = check
        self._settings = settings
        self._required = check.required(settings)
        self._timeout_s = check.timeout_s(settings)
        self._outcome: CheckResult | None = None
        # Daemon: a device that hangs for good must not keep the command from exiting.
        self._thread = threading.Thread(
            target=self._run, name=THREAD_PREFIX + check.part, daemon=True
        )
        self._started = 0.0

    def start(self) -> None:
        self._started = time.monotonic()
        self._thread.start()

    def result(self) -> CheckResult:
        remaining = self._timeout_s - (time.monotonic() - self._started)
        self._thread.join(max(0.0, remaining))
        if self._thread.is_alive():
            log.error("self-test of %s did not finish within %.0f s", self.part, self._timeout_s)
            zh, en = PART_NAMES[self.part]
            return CheckResult(
                self.part,
                False,
                self._required,
                f"{zh}没有响应 / {en}: did not answer within {self._timeout_s:.0f} s",
                self._check.advice,
            )
        assert self._outcome is not None
        return self._outcome

    def _run(self) -> None:
        try:
            detail = self._check.run(self._settings)
        except CheckFailed as exc:
            required = self._required if exc.required is None else exc.required
            advice = exc.advice or self._check.advice
            self._outcome = CheckResult(self.part, False, required, exc.detail, advice)
        except Exception as exc:  # any failure is this part's failure, never the command's
            log.exception("self-test of %s failed unexpectedly", self.part)
            zh, en = PART_NAMES[self.part]
            self._outcome = CheckResult(
                self.part,
                False,
                self._required,
                f"{zh}检查出错 / {en}: check failed: {type(exc).__name__}: {exc}",
                self._check.advice,
            )
        else:
            self._outcome = CheckResult(self.part, True, self._required, detail)
        log.info("self-test %s: %s", self.part, "ok" if self._outcome.ok else "FAILED")
