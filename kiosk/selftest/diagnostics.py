"""The diagnostics bundle a technician sends to support: one zip file, no personal data. No Qt.

    bundle = write_bundle(settings, folder)          # `kiosk diagnostics`, 导出诊断包

`report.json`: the release, the effective configuration (secrets masked, the simulated card's
name and number masked too), the self-test, the case queue's figures and refused cases
(metadata and the platform's reason only), the registration (ids and address, no keys) and,
from the technician panel, the running kiosk's device states. `logs/`: the kiosk's log and
its rotated copies. Anything shaped like an ID or card number is masked wherever it appears,
although the logging rules already keep such data out. No case payload, face, key or receipt
is read. The file is 0600.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
import os
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import config
from config.settings import Settings
from contract.certificates import CHINA_TZ
from contract.masking import mask_name
from kiosk import release
from kiosk.errors import KioskError
from kiosk.selftest import CHECKS, Check, run_checks
from kiosk.technician import status
from offline_queue.errors import NotRegistered, StoreError
from offline_queue.registration import load_registration
from offline_queue.runtime import data_dir_of, store_path
from offline_queue.store import read_rejected, read_status

log = logging.getLogger(__name__)

FORMAT = "kiosk-diagnostics/1"
# 18-digit resident ID (last may be X), 15-digit old ID, or any 16+ digit run (card numbers).
ID_LIKE = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15,})(?![\dXx])")
# The parts the running kiosk holds itself: the panel reports their live state instead.
DEVICE_PARTS = frozenset({"card_reader", "camera", "printer", "face_models"})


class DiagnosticsError(KioskError):
    """The bundle could not be written (the folder, the disk)."""


@dataclass(frozen=True)
class DiagnosticsBundle:
    path: Path
    size: int
    log_files: int
    selftest_ok: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "bytes": self.size,
            "log_files": self.log_files,
            "selftest_ok": self.selftest_ok,
        }


def scrub(text: str) -> str:
    """Anything shaped like an ID or card number, masked (1101**************)."""
    return ID_LIKE.sub(lambda m: m.group(0)[:4] + "*" * (len(m.group(0)) - 4), text)


def checks_beside_a_running_kiosk() -> tuple[Check, ...]:
    """The self-test's checks that do not open what the running kiosk holds."""
    return tuple(check for check in CHECKS if check.part not in DEVICE_PARTS)


def write_bundle(
    settings: Settings,
    folder: Path,
    *,
    checks: Sequence[Check] = CHECKS,
    devices: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> DiagnosticsBundle:
    """Write `kiosk-diagnostics-<terminal>-<time>.zip` into `folder`; DiagnosticsError if it
    cannot be written. `devices`: the running kiosk's device states (the panel's)."""
    now = (now or dt.datetime.now(CHINA_TZ)).astimezone(CHINA_TZ)
    data_dir = data_dir_of(settings)
    selftest = run_checks(settings, checks)
    report = {
        "format": FORMAT,
        "created_at": now.isoformat(timespec="seconds"),
        "terminal_id": settings.terminal.id,
        "version": release.version(),
        "build": release.build_id(),
        "config": _config(settings),
        "selftest": selftest.as_dict(),
        "queue": _queue(settings, data_dir),
        "registration": _registration(data_dir),
        "devices": dict(devices or {}),
    }
    logs = _log_files(status.log_file(data_dir, settings.logging.file))
    name = f"kiosk-diagnostics-{_safe(settings.terminal.id)}-{now:%Y%m%d-%H%M%S}.zip"
    path = folder / name
    data = _zip(report, logs)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_private(path, data)
    except OSError as exc:
        raise DiagnosticsError(f"cannot write {path}: {exc.strerror or exc}") from exc
    log.info("diagnostics bundle written: %s (%d bytes, %d log files)", path, len(data), len(logs))
    return DiagnosticsBundle(path, len(data), len(logs), selftest.ok)


# -- the report's parts --------------------------------------------------------------------
def _config(settings: Settings) -> dict[str, Any]:
    """The effective settings, secrets masked; the simulated card's holder masked too."""
    masked = dataclasses.replace(
        settings.card_reader.simulated,
        name=mask_name(settings.card_reader.simulated.name),
        id_number=scrub(settings.card_reader.simulated.id_number),
    )
    reader = dataclasses.replace(settings.card_reader, simulated=masked)
    plain = config.as_dict(dataclasses.replace(settings, card_reader=reader), mask_secrets=True)
    scrubbed: dict[str, Any] = json.loads(scrub(json.dumps(plain, ensure_ascii=False)))
    return scrubbed


def _queue(settings: Settings, data_dir: Path) -> dict[str, Any]:
    path = store_path(settings, data_dir)
    if not path.exists():
        return {"file": str(path), "exists": False}
    try:
        figures = read_status(path)
        refused = read_rejected(path)
    except StoreError as exc:
        return {"file": str(path), "error": scrub(str(exc))}
    return {"file": str(path), "status": figures, "rejected": refused}


def _registration(data_dir: Path) -> dict[str, Any]:
    try:
        registered = load_registration(data_dir)
    except NotRegistered as exc:
        return {"registered": False, "why": str(exc)}
    return {
        "registered": True,
        "terminal_id": registered.terminal_id,
        "key_id": registered.key_id,
        "platform_url": config.mask_url_password(registered.platform_url),
        "registered_at": registered.registered_at,
    }


def _log_files(current: Path) -> list[Path]:
    """The log and its rotated copies (kiosk.log, kiosk.log.1, ...), oldest last."""
    rotated = sorted(
        current.parent.glob(f"{current.name}.*"),
        key=lambda p: int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0,
    )
    return [path for path in (current, *rotated) if path.is_file()]


def _zip(report: Mapping[str, Any], logs: Sequence[Path]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("report.json", json.dumps(report, ensure_ascii=False, indent=2))
        for path in logs:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                text = f"(unreadable: {exc.strerror})\n"
            bundle.writestr(f"logs/{path.name}", scrub(text))
    return out.getvalue()


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text) or "terminal"
