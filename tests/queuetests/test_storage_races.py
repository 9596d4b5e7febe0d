"""What must not race across worker processes is decided by the database (issue 16).

Each racer opens its own `PlatformDB` (its own connection pool, no lock shared with the
others: as separate worker processes, or machines, would) on one PostgreSQL database, and
all of them start at once behind a barrier. The same tests run on SQLite, where each racer's
`PlatformDB` is a separate connection to the same file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central import decision_store
from central.db import PlatformDB
from central.errors import CentralError
from central.ratelimit import RateLimiter, RateLimits
from central.tokens import add_token
from contract import wire
from contract.decisions import DecidedBy, Reason, Verdict
from tests.queuetests.platform_proc import central
from tests.queuetests.test_storage_port import EXPECTED, old_copy

RACERS = 8


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path | None]:
    if request.param == "sqlite":
        return str(tmp_path / "central.sqlite3"), None
    return str(request.getfixturevalue("postgres_url")), tmp_path / "files"


def race(database: tuple[str, Path | None], attempt: Callable[[PlatformDB, int], Any]) -> list[Any]:
    """`attempt(db, n)` by RACERS threads at once, each on its own PlatformDB; what each
    returned, or the exception it raised."""
    dbs = [PlatformDB(database[0], files_dir=database[1]) for _ in range(RACERS)]
    start = threading.Barrier(RACERS)
    results: list[Any] = [None] * RACERS

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = attempt(dbs[n], n)
        except Exception as exc:  # what the racer saw is the result
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for db in dbs:
        db.close()
    return results


def public_key() -> str:
    key = Ed25519PrivateKey.generate().public_key()
    return wire.b64e(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def test_a_registration_code_registers_one_key_however_many_use_it_at_once(
    database: tuple[str, Path | None],
) -> None:
    first = PlatformDB(database[0], files_dir=database[1])
    code = first.add_terminal("RACE-1")
    first.close()
    keys = [public_key() for _ in range(RACERS)]
    results = race(database, lambda db, n: db.register("RACE-1", code, keys[n]))
    won = [r for r in results if not isinstance(r, Exception)]
    assert len(won) == 1, results
    assert all(isinstance(r, CentralError) for r in results if r not in won), results
    db = PlatformDB(database[0], files_dir=database[1])
    try:
        assert [t["key_id"] for t in db.terminals()] == [won[0].key_id]
    finally:
        db.close()


def test_a_nonce_is_accepted_once_however_many_send_it_at_once(
    database: tuple[str, Path | None],
) -> None:
    PlatformDB(database[0], files_dir=database[1]).close()
    results = race(database, lambda db, n: db.use_nonce("key-1", "nonce-1"))
    assert sum(r is None for r in results) == 1, results
    assert all("already received" in str(r) for r in results if r is not None)


def test_a_rate_limit_holds_across_workers(database: tuple[str, Path | None]) -> None:
    PlatformDB(database[0], files_dir=database[1]).close()
    limits = RateLimits(register_per_address=(3, 3_600_000))

    def spend_twice(db: PlatformDB, n: int) -> list[float]:
        limiter = RateLimiter(db, limits)
        return [limiter.spend("register-address", "203.0.113.7") for _ in range(2)]

    results = race(database, spend_twice)
    waits = [w for r in results for w in r]
    assert sum(w == 0 for w in waits) == 3, results  # the limit, not the limit per worker


def test_token_names_are_taken_once(database: tuple[str, Path | None]) -> None:
    PlatformDB(database[0], files_dir=database[1]).close()
    results = race(database, lambda db, n: add_token(db, "odk-pull", ["feed"]))
    assert sum(isinstance(r, str) for r in results) == 1, results


def test_a_case_is_decided_once_however_many_decide_it_at_once(
    database: tuple[str, Path | None], tmp_path: Path
) -> None:
    """The committed old database (data/schema4) has a check awaiting a match; racers decide
    it with different verdicts: one decision is stored, signed, and in the feed once."""
    source = old_copy(tmp_path)
    if database[1] is None:  # SQLite: the old file itself, adopted
        db_spec: tuple[str, Path | None] = (str(source), None)
    else:
        files = str(database[1])
        moved = central("migrate-db", "--from", str(source), "--to", database[0], "--files", files)
        assert moved.returncode == 0, moved.stderr
        db_spec = database
    waiting = next(i for i in EXPECTED["feed"] if i["state"] == decision_store.AWAITING_MATCH)

    def decide(db: PlatformDB, n: int) -> Any:
        return decision_store.decide(
            db,
            terminal_id=waiting["terminal_id"],
            case_id=waiting["case_id"],
            verdict=Verdict.VERIFIED if n % 2 else Verdict.NOT_VERIFIED,
            reason=Reason.REVIEWER_APPROVED if n % 2 else Reason.FACE_MISMATCH,
            decided_by=DecidedBy.REVIEW,
            awaiting=decision_store.AWAITING_MATCH,
            actor=f"racer-{n}",
            reviewer=f"racer-{n}",
        )

    results = race(db_spec, decide)
    won = [r for r in results if not isinstance(r, Exception)]
    assert len(won) == 1, results
    assert all(isinstance(r, decision_store.NotAwaiting) for r in results if r not in won)
    db = PlatformDB(db_spec[0], files_dir=db_spec[1])
    try:
        items, _ = db.feed(0, 1000)
        decided = [i for i in items if i["case_id"] == waiting["case_id"]]
        assert [i["event"] for i in decided] == ["received", "decided"]  # decided once
        assert decided[0]["decision"]["verdict"] == str(won[0].verdict)
        count = "SELECT COUNT(*) FROM decisions WHERE case_id = :c"
        assert db.rows(count, {"c": waiting["case_id"]}) == [(1,)]
    finally:
        db.close()
