"""Storing a batch of signed cases: once each, in one transaction, with a few statements.

1. Every case is checked on its own (shape, key, signature, payload): a malformed one is
   rejected with its reason and the others go on.
2. Its attachments are written to the attachment store and synced, before the transaction.
3. In the transaction: the cases are inserted with `ON CONFLICT DO NOTHING RETURNING`, so
   two workers storing the same resent case at once store it once (the second waits for the
   first's commit, then finds it there); only the cases not stored now are looked up (a
   resend is a `duplicate`, the same id with other content a conflict), so a batch of new
   cases costs no lookup; then the stored cases' attachments, certificates, filing
   (`central.intake`) and feed entries, each one multi-row statement. The feed entries are
   numbered last, at commit (`central.store`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from central.attachments import Attachments
from central.cases import case_certificate, check_case
from central.intake import Filing, now_iso, terminal_service_point
from central.payloads import check_kind
from central.registry import Terminal
from central.store import Store, Tx
from central.tables import case_attachments, cases, certificates
from contract import wire


@dataclass(frozen=True)
class IngestResult:
    case_id: str
    status: str  # accepted | duplicate | rejected
    reason: str = ""

    def as_dict(self) -> dict[str, str]:
        out = {"case_id": self.case_id, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        return out


CONFLICT = "conflict: a different case has this id"


def ingest(
    store: Store, attachments: Attachments, terminal: Terminal, batch: Sequence[Any], source: str
) -> tuple[list[IngestResult], bool]:
    """One outcome per case, in order; and whether the decide worker has new work."""
    checked: list[IngestResult | tuple[str, str]] = []  # rejected, or (case id, digest)
    valid: dict[str, tuple[dict[str, Any], str]] = {}  # case id -> (case, digest), first seen
    for case in batch:
        case_id, problem = check_case(terminal.key_id, terminal.public_key, case)
        problem = problem or check_kind(case, terminal.terminal_id)
        if problem:
            checked.append(IngestResult(case_id, "rejected", problem))
            continue
        digest = wire.case_digest(case)
        checked.append((case_id, digest))
        valid.setdefault(case_id, (case, digest))
    files = _write_attachments(attachments, [case for case, _ in valid.values()])
    new_work, held = False, {}
    if valid:
        with store.transaction() as tx:
            stored = _insert_cases(tx, terminal, valid, source)
            # Not stored now: stored before (a resend), or by another worker meanwhile.
            held = _held(tx, terminal.terminal_id, [c for c in valid if c not in stored])
            new_work = _file(tx, terminal, {c: valid[c][0] for c in stored}, stored, files)
    first_digest: dict[str, str] = {}  # case id -> digest of its first copy answered here
    results = [
        one if isinstance(one, IngestResult) else _outcome(*one, held, first_digest)
        for one in checked
    ]
    return results, new_work


def _outcome(
    case_id: str, digest: str, held: dict[str, str], first_digest: dict[str, str]
) -> IngestResult:
    """A valid case's outcome: stored before (or by another worker meanwhile), stored now,
    or a second copy in the same batch."""
    kept = held.get(case_id) or first_digest.get(case_id)
    first_digest.setdefault(case_id, digest)
    if kept is None:
        return IngestResult(case_id, "accepted")
    if kept == digest:
        return IngestResult(case_id, "duplicate")
    return IngestResult(case_id, "rejected", CONFLICT)


def _held(tx: Tx, terminal_id: str, case_ids: list[str]) -> dict[str, str]:
    """case id -> digest of the cases of `terminal_id` already stored."""
    if not case_ids:
        return {}
    rows = tx.execute(
        sa.select(cases.c.case_id, cases.c.digest).where(
            cases.c.terminal_id == terminal_id, cases.c.case_id.in_(case_ids)
        )
    ).all()
    return {case_id: digest for case_id, digest in rows}


def _insert_cases(
    tx: Tx, terminal: Terminal, fresh: dict[str, tuple[dict[str, Any], str]], source: str
) -> dict[str, str]:
    """Insert the new cases; case id -> received_at of those this transaction stored."""
    if not fresh:
        return {}
    received_at = now_iso()
    rows = [
        {
            "case_id": case_id,
            "terminal_id": terminal.terminal_id,
            "key_id": terminal.key_id,
            "kind": case["kind"],
            "created_at": case["created_at"],
            "received_at": received_at,
            "test": int(case["test"]),
            "digest": digest,
            "envelope": json.dumps({k: v for k, v in case.items() if k != "attachment_data"}),
            "source": source,
        }
        for case_id, (case, digest) in fresh.items()
    ]
    inserted = tx.execute(
        tx.insert(cases).on_conflict_do_nothing().returning(cases.c.case_id),
        rows,
    )
    return {row[0]: received_at for row in inserted}


def _file(
    tx: Tx,
    terminal: Terminal,
    new: dict[str, dict[str, Any]],
    stored: dict[str, str],
    files: dict[tuple[str, str], tuple[str, int]],
) -> bool:
    """Attachments, certificates, filing and feed entries of the cases just stored."""
    if not new:
        return False
    tid = terminal.terminal_id
    attached = [
        {"terminal_id": tid, "case_id": cid, "name": name, "sha256": sha, "size": size}
        for (cid, name), (sha, size) in files.items()
        if cid in new
    ]
    if attached:
        tx.execute(sa.insert(case_attachments), attached)
    found = [
        {
            "token_sha256": certificate[0],
            "terminal_id": tid,
            "key_id": terminal.key_id,
            "certificate_no": certificate[1],
            "case_id": cid,
            "recorded_at": stored[cid],
        }
        for cid, case in new.items()
        if (certificate := case_certificate(case)) is not None
    ]
    if found:
        tx.insert_many(tx.insert(certificates).on_conflict_do_nothing(), found)
    filing = Filing()
    point = terminal.service_point
    if point is None:  # not read with the terminal's key
        point = terminal_service_point(tx, tid)
    for cid, case in new.items():
        filing.add(tid, case, stored[cid], point)
        tx.feed_entry(tid, cid, "received", stored[cid])
    return filing.write(tx)


def _write_attachments(
    attachments: Attachments, batch: list[dict[str, Any]]
) -> dict[tuple[str, str], tuple[str, int]]:
    """(case id, name) -> (sha256, size) of every attachment, written and synced now."""
    names, blobs = [], []
    for case in batch:
        for name, data in (case.get("attachment_data") or {}).items():
            names.append((case["case_id"], name))
            blobs.append(wire.b64d(data))
    digests = attachments.put_many(blobs)
    return {
        key: (digest, len(blob)) for key, digest, blob in zip(names, digests, blobs, strict=True)
    }
