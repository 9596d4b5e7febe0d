"""Recording a finished check, and finding it again for "reprint" and "query".

The case itself goes to the encrypted offline queue (`offline_queue`). For a later reprint or
query the terminal keeps a small index of the checks it issued, keyed by a keyed hash of the
ID number (no clear personal data: the certificate's masked name and ID only), until the
certificate expires.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from config.settings import Settings
from kiosk.certificate import CHINA_TZ, Certificate, issue_certificate, next_window_end
from kiosk.flow import commands as cmd
from kiosk.flow.model import Outcome, Service
from kiosk.services import case_payload
from offline_queue.keys import TerminalKeys
from offline_queue.store import CaseStore

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS checks (
    person TEXT NOT NULL,          -- HMAC-SHA256(storage key, ID number)
    case_id TEXT PRIMARY KEY,
    outcome TEXT NOT NULL,
    certificate TEXT,              -- JSON: the masked certificate fields
    token TEXT,
    created_ts REAL NOT NULL,
    expires TEXT NOT NULL          -- ISO date after which the row is purged
);
CREATE INDEX IF NOT EXISTS checks_person ON checks (person, created_ts);
"""


class CheckIndex:
    """A tiny SQLite table (WAL, synchronous=FULL, explicit transactions)."""

    def __init__(self, path: Path, key: bytes) -> None:
        self._key = key
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            for statement in filter(str.strip, SCHEMA.split(";")):
                self._conn.execute(statement)
            self._conn.execute("COMMIT")

    def person(self, id_number: str) -> str:
        return hmac.new(self._key, id_number.encode(), hashlib.sha256).hexdigest()

    def add(
        self,
        id_number: str,
        case_id: str,
        outcome: str,
        cert: Certificate | None,
        token: str,
        expires: dt.date,
    ) -> None:
        certificate = json.dumps(_cert_json(cert), ensure_ascii=False) if cert else None
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        self.person(id_number),
                        case_id,
                        outcome,
                        certificate,
                        token,
                        dt.datetime.now(dt.UTC).timestamp(),
                        expires.isoformat(),
                    ],
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def latest(self, id_number: str, today: dt.date) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT case_id, outcome, certificate, token FROM checks "
                "WHERE person = ? AND expires >= ? ORDER BY created_ts DESC LIMIT 1",
                [self.person(id_number), today.isoformat()],
            ).fetchone()
        if row is None:
            return None
        case_id, outcome, certificate, token = row
        return {
            "case_id": case_id,
            "outcome": outcome,
            "certificate": json.loads(certificate) if certificate else None,
            "token": token,
        }

    def purge(self, today: dt.date) -> int:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            cursor = self._conn.execute("DELETE FROM checks WHERE expires < ?", [today.isoformat()])
            self._conn.execute("COMMIT")
        return cursor.rowcount

    def close(self) -> None:
        self._conn.close()


def _cert_json(cert: Certificate) -> dict[str, Any]:
    data = asdict(cert)
    data["verified_at"] = cert.verified_at.isoformat()
    data["valid_until"] = cert.valid_until.isoformat()
    data["outcome"] = str(cert.outcome)
    return data


def cert_from_json(data: dict[str, Any]) -> Certificate:
    from kiosk.certificate import Outcome as CertOutcome

    return Certificate(
        **{
            **data,
            "verified_at": dt.datetime.fromisoformat(data["verified_at"]),
            "valid_until": dt.date.fromisoformat(data["valid_until"]),
            "outcome": CertOutcome(data["outcome"]),
        }
    )


class CaseRecorder:
    """Stores the case (queue) and the check (index); issues the certificate when verified."""

    def __init__(
        self,
        store: CaseStore,
        settings: Settings,
        keys: TerminalKeys,
        data_dir: Path,
        sign: Callable[[Certificate], str] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.index = CheckIndex(data_dir / "checks.db", keys.storage_key)
        self._sign = sign or (lambda cert: sign_certificate(cert, keys))
        self.last: dict[str, Any] = {}  # the certificate of the session being printed

    def record(self, command: cmd.RecordCase, best_jpeg: Callable[[], bytes | None]) -> str:
        now = dt.datetime.now(CHINA_TZ)
        payload = case_payload(command, self.settings)
        cert, token = None, ""
        if command.outcome is Outcome.VERIFIED and command.resident is not None:
            cert = issue_certificate(
                command.resident,
                terminal_id=self.settings.terminal.id,
                service_point=self.settings.terminal.service_point,
                now=now,
            )
            token = self._sign(cert)
            payload["certificate"] = {
                "certificate_no": cert.certificate_no,
                "token": token,
                "valid_until": cert.valid_until.isoformat(),
            }
        face = best_jpeg()
        attachments = {"face.jpg": face} if face else {}
        case_id = self.store.enqueue("pension_check", payload, attachments)
        if command.resident is not None:
            expires = cert.valid_until if cert else now.date() + dt.timedelta(days=365)
            self.index.add(
                command.resident.id_number, case_id, str(command.outcome), cert, token, expires
            )
        self.last = {"case_id": case_id, "certificate": cert, "token": token}
        return case_id

    def lookup(self, service: Service, resident: Any) -> tuple[str, dict[str, Any]]:
        found = self.index.latest(resident.id_number, dt.date.today())
        if found is None:
            return str(Outcome.NOT_FOUND), {}
        cert = found["certificate"]
        details: dict[str, Any] = {"case_id": found["case_id"]}
        if cert:
            details["valid_until"] = cert["valid_until"]
            details["certificate_no"] = cert["certificate_no"]
        return found["outcome"], details

    def certificate_of(self, case_id: str, id_number: str) -> tuple[Certificate, str] | None:
        found = self.index.latest(id_number, dt.date.today())
        if not found or found["case_id"] != case_id or not found["certificate"]:
            return None
        return cert_from_json(found["certificate"]), found["token"]


def sign_certificate(cert: Certificate, keys: TerminalKeys) -> str:
    from kiosk.tokens import sign_certificate as sign

    return sign(cert, keys.signing_key, keys.key_id)


__all__ = ["CaseRecorder", "CheckIndex", "next_window_end"]
