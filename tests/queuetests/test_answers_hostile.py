"""The platform's answers when the other end lies, breaks or replays: decisions and rosters
from a scripted platform (a real HTTP server on loopback, `answer_server`) reach a real case
store and a real roster file only when they are signed by the platform key the terminal got
at registration and made for this terminal. Whatever is refused loses nothing: the cursor and
the roster held stay where they were, and the next sync asks again."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contract import wire
from contract.decisions import (
    DecidedBy,
    Decision,
    Reason,
    Verdict,
    sign_decision,
    sign_roster,
)
from contract.face_templates import roster_document
from contract.ids import uuid7
from contract.keys import public_key_raw
from kiosk.face.roster import RosterCache, roster_sink
from offline_queue import answers
from offline_queue.answers_sync import AnswerPuller
from offline_queue.client import MAX_DECISIONS_REPLY_BYTES, PlatformClient
from offline_queue.errors import BadReply, StoreBroken
from offline_queue.keys import TerminalKeys, load_or_create
from offline_queue.registration import REGISTRATION_FILE, Registration
from offline_queue.runtime import answer_puller
from offline_queue.store import CaseStore
from tests.queuetests.answer_server import OMIT_LENGTH, Reply, ScriptedPlatform, scripted_platform
from tests.queuetests.conftest import REPO_ROOT
from tests.queuetests.decide_helpers import RESIDENT_A, RESIDENT_B, pending_payload

TERMINAL_ID = "GD0106-031"
HELPER = "王技术员"
JSON = {"Content-Type": "application/json"}


@dataclass
class Kiosk:
    data: Path
    keys: TerminalKeys
    store: CaseStore
    puller: AnswerPuller
    platform_key: Ed25519PrivateKey  # the key the registration trusts
    roster_path: Path


@pytest.fixture
def server() -> Iterator[ScriptedPlatform]:
    with scripted_platform() as running:
        yield running


@pytest.fixture
def kiosk(tmp_path: Path, server: ScriptedPlatform) -> Iterator[Kiosk]:
    data = tmp_path / "kiosk"
    keys = load_or_create(data)
    platform_key = Ed25519PrivateKey.generate()
    registration = Registration(
        platform_url=server.url,
        terminal_id=TERMINAL_ID,
        key_id=keys.key_id,
        platform_public_key="",
        registered_at="2026-12-01T08:00:00+00:00",
        platform_signing_key=wire.b64e(public_key_raw(platform_key.public_key())),
    )
    (data / REGISTRATION_FILE).write_text(json.dumps(asdict(registration)), encoding="utf-8")
    store = CaseStore.open(data / "queue.db", keys)
    client = PlatformClient(server.url, keys)
    roster_path = data / "face_roster.sealed"
    puller = answer_puller(store, client, data, roster_sink(roster_path, keys.storage_key))
    assert puller is not None
    yield Kiosk(data, keys, store, puller, platform_key, roster_path)
    client.close()
    store.close()


def decision(case_id: str, *, terminal_id: str = TERMINAL_ID, minute: int = 0) -> Decision:
    return Decision(
        case_id=case_id,
        terminal_id=terminal_id,
        verdict=Verdict.VERIFIED,
        reason=Reason.REVIEWER_APPROVED,
        decided_at=f"2026-12-04T09:{minute:02d}:00+00:00",
        decided_by=DecidedBy.REVIEW,
    )


def page(items: list[tuple[int, dict[str, Any]]], following: str | None) -> Reply:
    body = {"items": [{"cursor": str(c), "document": d} for c, d in items], "next": following}
    return 200, JSON, json.dumps(body).encode()


def serve_decisions(server: ScriptedPlatform, items: list[tuple[int, dict[str, Any]]]) -> None:
    """Pages of two after the `after` cursor, as the platform pages them."""

    def route(query: dict[str, str]) -> Reply:
        after = int(query.get("after", "0"))
        rest = [item for item in items if item[0] > after][:2]
        return page(rest, str(rest[-1][0]) if rest else None)

    server.routes["/api/v1/decisions"] = route


def pending_cases(kiosk: Kiosk, count: int) -> list[str]:
    residents = [RESIDENT_A, RESIDENT_B]
    return [
        kiosk.store.enqueue(
            "pension_check", pending_payload(TERMINAL_ID, residents[i % 2], HELPER), {}
        )
        for i in range(count)
    ]


def test_a_decision_signed_by_another_key_is_refused_and_nothing_after_it_is_skipped(
    kiosk: Kiosk, server: ScriptedPlatform, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    first, second, third = pending_cases(kiosk, 3)
    forger = Ed25519PrivateKey.generate()
    signed = [sign_decision(kiosk.platform_key, decision(c, minute=i)) for i, c in enumerate(
        (first, second, third)
    )]  # fmt: skip
    forged = sign_decision(forger, decision(second, minute=1))
    serve_decisions(server, [(4, signed[0]), (7, forged), (9, signed[2])])

    with pytest.raises(BadReply, match=r"cursor 7.*signature does not verify"):
        kiosk.puller.pull_decisions()
    assert [d.case_id for d in kiosk.store.decisions()] == [first]
    assert kiosk.store.decisions_cursor() == "4"  # before the refused one: it is asked again
    assert kiosk.store.pending_without_decision_for(RESIDENT_B)  # `second` is still waiting

    unsigned = {k: v for k, v in signed[1].items() if k != "signature"}
    serve_decisions(server, [(4, signed[0]), (7, unsigned), (9, signed[2])])
    with pytest.raises(BadReply, match="cursor 7"):
        kiosk.puller.pull_decisions()
    assert kiosk.store.decisions_cursor() == "4"

    serve_decisions(server, [(4, signed[0]), (7, signed[1]), (9, signed[2])])
    assert kiosk.puller.pull_decisions() == 2
    assert [d.case_id for d in kiosk.store.decisions()] == [first, second, third]
    assert kiosk.store.decisions_cursor() == "9"
    assert "/api/v1/decisions?limit=100&after=4" in server.seen
    assert not kiosk.store.pending_without_decision_for(RESIDENT_B)
    for number in (RESIDENT_A, RESIDENT_B):
        assert number not in caplog.text

    # Delivered again (the platform lost its place): kept once, nothing changes.
    serve_decisions(server, [(4, signed[0]), (7, signed[1]), (9, signed[2])])
    with kiosk.store._write("rewinding for the test") as db:
        db.execute("DELETE FROM meta WHERE key = ?", [answers.CURSOR_KEY])
    assert kiosk.puller.pull_decisions() == 0
    assert len(kiosk.store.decisions()) == 3


def test_a_decision_for_another_terminal_or_out_of_order_is_refused(
    kiosk: Kiosk, server: ScriptedPlatform
) -> None:
    (case_id,) = pending_cases(kiosk, 1)
    foreign = sign_decision(kiosk.platform_key, decision(case_id, terminal_id="GD0106-999"))
    serve_decisions(server, [(3, foreign)])
    with pytest.raises(BadReply, match="another terminal"):
        kiosk.puller.pull_decisions()
    good = sign_decision(kiosk.platform_key, decision(case_id))
    server.routes["/api/v1/decisions"] = lambda _q: page([(5, good), (5, good)], "5")
    with pytest.raises(BadReply, match="out of order"):
        kiosk.puller.pull_decisions()
    assert [d.case_id for d in kiosk.store.decisions()] == [case_id]  # the first of the two
    assert kiosk.store.decisions_cursor() == "5"


@pytest.mark.parametrize(
    "reply",
    [
        (200, JSON, b'{"items": [{"cursor": "1", "docu'),  # cut off
        (200, JSON, b"[]"),
        (200, JSON, b'{"items": {"cursor": "1"}, "next": null}'),
        (200, JSON, b'{"items": [{"cursor": "x1", "document": {}}], "next": null}'),
        (200, JSON, b'{"items": [], "next": "1; DROP TABLE"}'),
        (200, JSON, b"[" * 100_000 + b"]" * 100_000),  # nesting deeper than the parser goes
        (200, {**JSON, "Content-Length": str(2**40)}, b"{}"),  # declares a terabyte
        (200, {**JSON, OMIT_LENGTH: "1"}, b" " * (MAX_DECISIONS_REPLY_BYTES + 1) + b"{}"),
    ],
    ids=[
        "cut-off",
        "not-object",
        "items-not-list",
        "bad-cursor",
        "bad-next",
        "deep",
        "huge-declared",
        "huge-sent",
    ],
)
def test_a_hostile_decisions_reply_is_a_clear_error_and_loses_nothing(
    kiosk: Kiosk, server: ScriptedPlatform, reply: Reply
) -> None:
    (case_id,) = pending_cases(kiosk, 1)
    good = sign_decision(kiosk.platform_key, decision(case_id))
    serve_decisions(server, [(2, good)])
    assert kiosk.puller.pull_decisions() == 1
    server.routes["/api/v1/decisions"] = lambda _q: reply
    with pytest.raises(BadReply):
        kiosk.puller.pull_decisions()
    assert kiosk.store.decisions_cursor() == "2"
    assert [d.case_id for d in kiosk.store.decisions()] == [case_id]


def test_a_crash_between_fetch_and_store_loses_nothing(
    kiosk: Kiosk, server: ScriptedPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = pending_cases(kiosk, 3)
    signed = [(i + 1, sign_decision(kiosk.platform_key, decision(c))) for i, c in enumerate(ids)]
    serve_decisions(server, signed)
    real_store = answers.store_decisions

    def dies_before_commit(db: Any, *args: Any, **kwargs: Any) -> int:
        real_store(db, *args, **kwargs)  # the rows are written inside the transaction ...
        raise sqlite3.OperationalError("disk I/O error")  # ... and the commit never comes

    # Fault injection at the one place a power cut would hit: inside the store transaction.
    monkeypatch.setattr(answers, "store_decisions", dies_before_commit)
    with pytest.raises(StoreBroken, match="storing the platform's decisions"):
        kiosk.puller.pull_decisions()
    assert kiosk.store.decisions() == [] and kiosk.store.decisions_cursor() is None
    monkeypatch.setattr(answers, "store_decisions", real_store)
    assert kiosk.puller.pull_decisions() == 3
    assert {d.case_id for d in kiosk.store.decisions()} == set(ids)


# --- rosters ------------------------------------------------------------------------------


def template(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=128)
    return vector / np.linalg.norm(vector)


def signed_roster(
    key: Ed25519PrivateKey,
    templates: dict[str, np.ndarray],
    *,
    terminal_id: str = TERMINAL_ID,
    issued_at: str = "2026-12-04T08:00:00+00:00",
) -> dict[str, Any]:
    document = roster_document(templates, b"s" * 16, iterations=1000)
    return sign_roster(key, terminal_id=terminal_id, issued_at=issued_at, roster=document)


def serve_roster(server: ScriptedPlatform, etag: str, document: dict[str, Any]) -> None:
    def route(query: dict[str, str]) -> Reply:
        if query.get("have") == etag:
            return 304, {"ETag": f'"{etag}"'}, b""
        return 200, JSON, json.dumps({"etag": etag, "document": document}).encode()

    server.routes["/api/v1/roster"] = route


def test_a_roster_is_resealed_for_this_terminal_and_used_for_matching(
    kiosk: Kiosk, server: ScriptedPlatform
) -> None:
    first = signed_roster(kiosk.platform_key, {RESIDENT_A: template(1)})
    serve_roster(server, "a" * 32, first)
    assert kiosk.puller.pull_roster() is True
    cache = RosterCache(kiosk.roster_path, kiosk.keys.storage_key)
    found = cache.template_for(RESIDENT_A)
    assert found is not None and np.allclose(found, template(1))
    assert cache.template_for(RESIDENT_B) is None
    assert (kiosk.roster_path.stat().st_mode & 0o777) == 0o600
    assert kiosk.roster_path.read_bytes()[:28] == b"kiosk-face-roster/sealed-v1\n"
    assert [p.name for p in kiosk.roster_path.parent.glob(".face_roster*")] == []
    status = answers.read_answers_status(kiosk.data / "queue.db")
    assert status["roster"]["templates"] == 1
    assert status["roster"]["issued_at"] == "2026-12-04T08:00:00+00:00"
    assert status["roster"]["bytes"] == kiosk.roster_path.stat().st_size

    before = kiosk.roster_path.stat().st_ino
    assert kiosk.puller.pull_roster() is False  # 304: the roster held is current
    assert server.seen[-1] == f"/api/v1/roster?have={'a' * 32}"
    assert kiosk.roster_path.stat().st_ino == before

    second = signed_roster(
        kiosk.platform_key,
        {RESIDENT_A: template(1), RESIDENT_B: template(2)},
        issued_at="2026-12-04T10:00:00+00:00",
    )
    serve_roster(server, "b" * 32, second)
    assert kiosk.puller.pull_roster() is True
    assert (
        RosterCache(kiosk.roster_path, kiosk.keys.storage_key).template_for(RESIDENT_B) is not None
    )
    assert kiosk.store.get_meta("roster_etag") == "b" * 32


@pytest.mark.parametrize("attack", ["foreign-terminal", "forged", "replayed-older", "malformed"])
def test_a_refused_roster_leaves_the_one_held(
    kiosk: Kiosk, server: ScriptedPlatform, attack: str
) -> None:
    held = signed_roster(kiosk.platform_key, {RESIDENT_A: template(1)})
    serve_roster(server, "a" * 32, held)
    assert kiosk.puller.pull_roster() is True
    blob = kiosk.roster_path.read_bytes()
    templates = {RESIDENT_B: template(2)}
    if attack == "foreign-terminal":
        bad = signed_roster(kiosk.platform_key, templates, terminal_id="GD0106-999")
    elif attack == "forged":
        bad = signed_roster(Ed25519PrivateKey.generate(), templates)
    elif attack == "replayed-older":
        bad = signed_roster(kiosk.platform_key, templates, issued_at="2026-11-01T08:00:00+00:00")
    else:
        document = roster_document(templates, b"s" * 16, iterations=1000)
        document["templates"] = {"k": [1.0, 2.0]}  # not a 128-number template
        bad = sign_roster(
            kiosk.platform_key,
            terminal_id=TERMINAL_ID,
            issued_at=dt.datetime.now(dt.UTC).isoformat(),
            roster=document,
        )
    serve_roster(server, "c" * 32, bad)
    with pytest.raises(BadReply, match="roster refused"):
        kiosk.puller.pull_roster()
    assert kiosk.roster_path.read_bytes() == blob
    assert kiosk.store.get_meta("roster_etag") == "a" * 32


def test_a_kill_9_while_decisions_are_stored_loses_and_doubles_nothing(
    kiosk: Kiosk, server: ScriptedPlatform
) -> None:
    """A real crash: the child pulls 600 decisions two per page and is SIGKILLed at random
    moments; after each kill the decisions held and the cursor agree (one transaction), and a
    last run takes the rest, each decision once."""
    signed = [
        (n, sign_decision(kiosk.platform_key, decision(uuid7(), minute=n % 60)))
        for n in range(1, 601)
    ]
    serve_decisions(server, signed)
    kiosk.store.close()  # the child is the writer now
    rng = random.Random(15)
    path = kiosk.data / "queue.db"
    counts = []
    for _ in range(6):
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.queuetests.answers_crash_child", str(kiosk.data)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.02, 0.4))
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
        with sqlite3.connect(path) as conn:
            held = conn.execute("SELECT COUNT(*), MAX(cursor) FROM decisions").fetchone()
            cursor = conn.execute(
                "SELECT value FROM meta WHERE key = ?", [answers.CURSOR_KEY]
            ).fetchone()
        count, highest = held
        assert (cursor is None and count == 0) or (int(cursor[0]) == highest == count)
        counts.append(count)
    assert any(0 < count < len(signed) for count in counts), counts  # killed mid-way
    done = subprocess.run(
        [sys.executable, "-m", "tests.queuetests.answers_crash_child", str(kiosk.data)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(path) as conn:
        ids = [row[0] for row in conn.execute("SELECT case_id FROM decisions")]
    assert sorted(ids) == sorted(d["case_id"] for _, d in signed)
    kiosk.store = CaseStore.open(path, kiosk.keys)  # for the fixture to close


def test_a_refused_decision_does_not_hold_up_a_new_roster(
    kiosk: Kiosk, server: ScriptedPlatform
) -> None:
    (case_id,) = pending_cases(kiosk, 1)
    forged = sign_decision(Ed25519PrivateKey.generate(), decision(case_id))
    serve_decisions(server, [(1, forged)])
    serve_roster(server, "a" * 32, signed_roster(kiosk.platform_key, {RESIDENT_A: template(1)}))
    report = kiosk.puller.pull()
    assert (report.decisions, report.roster) == (0, "updated")
    (error,) = report.errors
    assert error.startswith("decisions: decision at cursor 1 refused")
    assert (
        RosterCache(kiosk.roster_path, kiosk.keys.storage_key).template_for(RESIDENT_A) is not None
    )
