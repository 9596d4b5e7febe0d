"""Export for terminals that never get a link: a signed bundle, encrypted to the platform.

The cases stay in the store (pending) until the platform acknowledges them: either the
platform's signed import receipt comes back on the stick (`kiosk queue ack RECEIPT`), or the
link comes back, the cases are resent and the platform answers "duplicate".
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from contract import wire
from offline_queue.errors import BundleError
from offline_queue.keys import TerminalKeys
from offline_queue.registration import Registration
from offline_queue.store import CaseStore

SUFFIX = ".kbundle.json"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    count: int


def export_bundle(
    store: CaseStore, keys: TerminalKeys, registration: Registration, dest: Path
) -> ExportResult:
    """Write every pending case to `dest` (a folder, or a file name ending .json)."""
    ids = store.case_ids("pending", "sending")
    cases = [store.envelope(case_id) for case_id in ids]
    now = dt.datetime.now(dt.UTC)
    header = {
        "key_id": keys.key_id,
        "terminal_id": registration.terminal_id,
        "created_at": now.isoformat(timespec="seconds"),
    }
    bundle = wire.seal_bundle(keys.signing_key, header, cases, registration.platform_public_key)
    if dest.is_dir() or not dest.name.endswith(".json"):
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        dest = dest / f"kiosk-{_safe(registration.terminal_id)}-{stamp}{SUFFIX}"
    _write_durably(dest, json.dumps(bundle).encode())
    store.mark_exported(ids)
    return ExportResult(dest, len(cases))


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def _write_durably(path: Path, data: bytes) -> None:
    """Temp file, fsync, rename, fsync the folder: a pulled USB stick holds old or new."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(path.name + ".part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except OSError as exc:
        raise BundleError(f"cannot write the bundle to {path}: {exc.strerror}") from exc


def apply_receipt(store: CaseStore, registration: Registration, receipt_path: Path) -> int:
    """Acknowledge the cases a signed import receipt lists; return how many were pending."""
    if not registration.platform_signing_key:
        raise BundleError("this registration has no platform receipt key: register again")
    try:
        receipt = json.loads(receipt_path.read_text(encoding="utf-8"))
        held = wire.verify_receipt(
            receipt, wire.ed25519_from_b64(registration.platform_signing_key)
        )
    except OSError as exc:
        raise BundleError(f"cannot read {receipt_path}: {exc.strerror}") from exc
    except (ValueError, AttributeError) as exc:
        raise BundleError(f"{receipt_path} is not a valid receipt: {exc}") from exc
    if receipt.get("key_id") != registration.key_id:
        raise BundleError("the receipt is for another terminal")
    pending = set(store.case_ids("pending", "sending"))
    # Only a case whose content the platform signed for is acknowledged.
    acked = [
        case_id
        for case_id, digest in held.items()
        if case_id in pending and wire.case_digest(store.envelope(case_id)) == digest
    ]
    store.mark_acked(acked)
    return len(acked)
