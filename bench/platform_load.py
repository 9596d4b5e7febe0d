"""Platform load: many terminals syncing at once against a real `kiosk-central serve`; JSON out.

    .venv/bin/python bench/platform_load.py [--db PATH|URL] [--workers N]
    .venv/bin/python bench/platform_load.py --compare   # SQLite 1 worker, PostgreSQL 1, 2, 4
    .venv/bin/python bench/platform_load.py --compare --feed rescan

Each run starts `kiosk-central serve --db DB --workers N` in a child process. Its terminals
come in through the real flow: `kiosk-central terminals add` makes each one's code, and each
registers its own Ed25519 key over HTTP (from its own address, as behind the reverse proxy:
`--forwarded-allow-ips 127.0.0.1` and `X-Forwarded-For`, so the per-address registration
limit counts each terminal). Then, timed, every terminal posts its batches of signed cases
(~20 KB face each) on its own thread and HTTP session, one batch after another, while a feed
consumer with a `feed` token (`kiosk-central tokens add`) follows the pull feed's cursor
from the start in pages of 1000, as the systems behind the platform do: at once after a full
page, a quarter second later otherwise. (`--feed rescan` reads the whole feed from the start
again and again at full pace instead: a stress that takes CPU from ingest, differently with
one process than with several.) Once ingest is over the whole feed is read once more, timed:
the feed's rate without ingest, and the check that it holds every accepted case once. The
cases are made and signed before the timed phase; each request is signed when it is sent
(its signature carries the time and a nonce).

JSON keys, per run (`runs`): `backend`, `workers`, `status` (ok, failed, or the one below);
`ingest` (`cases_per_s` over the timed phase, `accepted`/`duplicate`/`rejected` counts,
`request_errors`, `latency_ms` p50/p99/max of each batch's round trip); `feed` (`mode`;
`cases_per_s` over the timed phase, `cases_per_busy_s` per second of page round trips,
`page_p50_ms`; following, `lag_ms` p50/p99/max from a terminal's answer to the consumer's
page; `after_ingest_cases_per_s`; `complete`, `missing`, `duplicates`: the read after the
run holds every accepted case exactly once); `server_memory_mb` (RSS of the serve process
and its workers, summed: `peak`, `end`, `processes`; `database_peak` for PostgreSQL); `cpu`
(CPU seconds over the timed phase of the server, of PostgreSQL and of this load generator;
`cases_per_platform_cpu_s`, cases per CPU second of server plus database: the per-core
figure to project from; `per_core_busy_percent`, every process on the machine); `load_avg`
(before, after); `server_exit_code` (-15: uvicorn stopped gracefully on SIGTERM and ended by
it). At the top: `machine` (cores, load average), `summary` (one line per run, side by
side) and, with `--compare`, `comparison` (PostgreSQL with two workers over SQLite with one).
`--compare` starts its own throw-away PostgreSQL cluster (tests/pgserver.py, fsync on);
`--db postgresql://...` uses the server named.

With PostgreSQL the platform's keys and attachments go to `$KIOSK_CENTRAL_FILES` (a folder in
the run's temporary directory unless set). A run whose server refuses its database reports
`"status": "backend not supported yet"` with the server's message.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

REPO = Path(__file__).resolve().parent.parent
# The throw-away PostgreSQL server lives with the tests that use it.
sys.path.insert(0, str(REPO / "tests"))

from pgserver import PostgresServer, PostgresUnavailable  # noqa: E402

from central import cli as central_cli  # noqa: E402
from central.db import FILES_ENV  # noqa: E402
from central.files import private_folder  # noqa: E402
from contract import wire  # noqa: E402
from contract.ids import uuid7  # noqa: E402
from contract.keys import key_id_of, public_key_raw  # noqa: E402
from offline_queue.sample_cases import demo_payload, face_jpeg  # noqa: E402

UNSUPPORTED = "backend not supported yet"
START_TIMEOUT_S = 60
FEED_PAGE = 1000  # the feed's largest page
FOLLOW_POLL_S = 0.25  # a following consumer, at the end of the feed, asks again after this
COMPARISON = (("sqlite", 1), ("postgresql", 1), ("postgresql", 2), ("postgresql", 4))
TICK = os.sysconf("SC_CLK_TCK")


# --- processes: memory and CPU from /proc --------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (the serve supervisor and its workers; the postmaster and
    its backends)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                text = Path(f"/proc/{current}/task/{task}/children").read_text()
                todo.extend(int(child) for child in text.split())
    return found


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU of these processes so far, and of their children that ended
    (PostgreSQL's backends come and go: the postmaster reaps them and counts their CPU)."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ticks / TICK


def core_times() -> list[tuple[int, int]]:
    """(busy, total) jiffies of each core since boot."""
    cores = []
    for line in Path("/proc/stat").read_text().splitlines():
        if re.match(r"cpu\d+ ", line):
            values = [int(v) for v in line.split()[1:]]
            idle = values[3] + values[4]  # idle, iowait
            cores.append((sum(values) - idle, sum(values)))
    return cores


def busy_percent(before: list[tuple[int, int]], after: list[tuple[int, int]]) -> list[float]:
    return [
        round(100 * (b1 - b0) / max(1, t1 - t0), 1)
        for (b0, t0), (b1, t1) in zip(before, after, strict=True)
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- the platform under test ---------------------------------------------------------------


class Unsupported(Exception):
    """`serve` refused this database (exit 2) before it listened."""


class Server:
    """`kiosk-central serve` in a child process; its stderr is drained on a thread."""

    def __init__(self, db: str, workers: int) -> None:
        args = ["serve", "--db", db, "--workers", str(workers), "--port", "0"]
        args += ["--forwarded-allow-ips", "127.0.0.1"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "central.cli", *args],
            cwd=REPO,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        self.log: deque[str] = deque(maxlen=200)
        self.url = self._wait_for_url()
        threading.Thread(target=self._drain, daemon=True).start()

    def _wait_for_url(self) -> str:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line.rstrip())
            found = re.search(r"kiosk-central on (http://\S+)", line)
            if found:
                return found.group(1)
        code = self.proc.wait(timeout=START_TIMEOUT_S)
        said = " ".join(self.log)[-500:]
        if code == 2:
            raise Unsupported(said)
        raise RuntimeError(f"kiosk-central serve exited {code}: {said}")

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line.rstrip())

    def pids(self) -> list[int]:
        return process_tree(self.proc.pid)

    def stop(self) -> int:
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def cli(*args: str) -> str:
    """`kiosk-central ARGS` (its `main`, in this process); the last line it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = central_cli.main(list(args))
    if code != 0:
        raise RuntimeError(f"kiosk-central {args[0]} {args[1]} exited {code}")
    return out.getvalue().strip().splitlines()[-1]


@dataclass
class SimTerminal:
    terminal_id: str
    key: Ed25519PrivateKey
    key_id: str
    address: str
    bodies: list[bytes] = field(default_factory=list)
    case_ids: list[str] = field(default_factory=list)


def register_terminals(db: str, url: str, count: int, run_tag: str) -> list[SimTerminal]:
    """`terminals add` codes, then each terminal registers its own key over HTTP."""
    terminals = []
    with requests.Session() as session:
        for index in range(count):
            terminal_id = f"LOAD-{run_tag}-{index:04d}"
            code = cli("terminals", "add", terminal_id, "--db", db)
            key = Ed25519PrivateKey.generate()
            address = f"10.{index // 250}.{index % 250}.7"
            answer = session.post(
                f"{url}/api/v1/terminals/register",
                json={
                    "terminal_id": terminal_id,
                    "code": code,
                    "public_key": wire.b64e(public_key_raw(key.public_key())),
                },
                headers={"X-Forwarded-For": address},
                timeout=30,
            )
            answer.raise_for_status()
            key_id = key_id_of(key.public_key())
            if answer.json()["key_id"] != key_id:
                raise RuntimeError("the platform registered another key")
            terminals.append(SimTerminal(terminal_id, key, key_id, address))
    return terminals


def sign_batches(
    terminal: SimTerminal, batches: int, batch_size: int, faces: list[bytes], rng: random.Random
) -> None:
    """The terminal's batches as request bodies, each case signed by its key (before timing)."""
    for _ in range(batches):
        cases = []
        for _ in range(batch_size):
            face = faces[rng.randrange(len(faces))]
            envelope: dict[str, Any] = {
                "case_id": uuid7(),
                "kind": "pension_check",
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                "schema_version": wire.SCHEMA_VERSION,
                "test": True,
                "key_id": terminal.key_id,
                "payload": demo_payload(rng, terminal.terminal_id),
                "attachments": {"face.jpg": {"sha256": wire.sha256_hex(face), "size": len(face)}},
            }
            envelope["signature"] = wire.sign_case(terminal.key, envelope)
            envelope["attachment_data"] = {"face.jpg": wire.b64e(face)}
            cases.append(envelope)
            terminal.case_ids.append(envelope["case_id"])
        terminal.bodies.append(json.dumps({"cases": cases}).encode())


# --- the timed phase -----------------------------------------------------------------------


@dataclass
class SendLog:
    latencies_s: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    accepted_at: dict[str, float] = field(default_factory=dict)  # "terminal/case" -> answer
    lock: threading.Lock = field(default_factory=threading.Lock)


def send_all(url: str, terminal: SimTerminal, start: threading.Barrier, out: SendLog) -> None:
    """One terminal's sync: its batches one after another, each request signed as it goes."""
    with requests.Session() as session:
        start.wait()
        for body in terminal.bodies:
            headers = wire.sign_request(
                terminal.key, terminal.key_id, "POST", "/api/v1/ingest", body
            )
            headers["Content-Type"] = "application/json"
            began = time.perf_counter()
            try:
                answer = session.post(
                    f"{url}/api/v1/ingest", data=body, headers=headers, timeout=120
                )
                elapsed = time.perf_counter() - began
                answer.raise_for_status()
                results = answer.json()["results"]
            except (requests.RequestException, ValueError, KeyError) as exc:
                with out.lock:
                    out.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                continue
            answered = time.perf_counter()
            with out.lock:
                out.latencies_s.append(elapsed)
                for result in results:
                    out.statuses[result["status"]] = out.statuses.get(result["status"], 0) + 1
                    if result["status"] == "accepted":
                        out.accepted_at[f"{terminal.terminal_id}/{result['case_id']}"] = answered


def feed_page(
    session: requests.Session, url: str, headers: dict[str, str], after: str | None
) -> tuple[list[str], str | None]:
    """One page of the pull feed after `after` (the start if None): case ids, and the cursor."""
    params: dict[str, Any] = {"limit": FEED_PAGE, **({"after": after} if after else {})}
    answer = session.get(f"{url}/api/v1/cases", params=params, headers=headers, timeout=60)
    answer.raise_for_status()
    page = answer.json()
    return [f"{item['terminal_id']}/{item['case_id']}" for item in page["items"]], page["next"]


def read_feed(url: str, headers: dict[str, str], after: str | None = None) -> Iterator[list[str]]:
    """Pages of the pull feed from `after` (the start if None) to its end: case ids per page."""
    with requests.Session() as session:
        cursor = after
        while True:
            ids, last = feed_page(session, url, headers, cursor)
            if not ids:
                return
            yield ids
            cursor = last


def feed_follow(url: str, headers: dict[str, str], stop: threading.Event) -> dict[str, Any]:
    """A consumer as the systems behind the platform run one: it follows the cursor from the
    start, asks again at once after a full page and after `FOLLOW_POLL_S` otherwise. Its
    rate is what a consumer gets while ingest runs; `lag_ms` (worked out after the run, from
    `seen_at`) how long after a terminal had its answer the case reached the consumer."""
    got, page_s, seen_at = 0, [], {}
    began = time.perf_counter()
    cursor: str | None = None
    with requests.Session() as session:
        while not stop.is_set():
            asked = time.perf_counter()
            ids, last = feed_page(session, url, headers, cursor)
            now = time.perf_counter()
            for key in ids:
                seen_at[key] = now
            if ids:
                page_s.append(now - asked)
                got, cursor = got + len(ids), last
            if len(ids) < FEED_PAGE:
                stop.wait(FOLLOW_POLL_S)
    elapsed = time.perf_counter() - began
    return {
        "mode": "follow",
        "cases_read": got,
        "pages": len(page_s),
        "cases_per_s": round(got / elapsed, 1),
        "cases_per_busy_s": round(got / sum(page_s), 1) if page_s else None,
        "page_p50_ms": round(statistics.median(page_s) * 1000, 1) if page_s else None,
        "seen_at": seen_at,
    }


def feed_lag(seen_at: dict[str, float], accepted_at: dict[str, float]) -> dict[str, Any]:
    """From a terminal's answer to the consumer's page (0 when the page came first)."""
    lags = [max(0.0, seen_at[k] - at) * 1000 for k, at in accepted_at.items() if k in seen_at]
    if not lags:
        return {"cases": 0}
    return {
        "cases": len(lags),
        "p50": round(percentile(lags, 0.5), 1),
        "p99": round(percentile(lags, 0.99), 1),
        "max": round(max(lags), 1),
    }


def feed_rescan(url: str, headers: dict[str, str], stop: threading.Event) -> dict[str, Any]:
    """Read the whole feed again and again from the start until `stop` (`--feed rescan`): the
    feed's rate at full pace while ingest runs, taking CPU from ingest as it goes. A pass
    ends at the first page that is not full."""
    got, pages, page_s = 0, 0, []  # page_s: each page that brought cases, its round trip
    began = time.perf_counter()
    while not stop.is_set():
        last, pass_pages = time.perf_counter(), 0
        for ids in read_feed(url, headers):
            now = time.perf_counter()
            page_s.append(now - last)
            got, pass_pages, last = got + len(ids), pass_pages + 1, now
            if stop.is_set() or len(ids) < FEED_PAGE:
                break
        pages += pass_pages
        if not pass_pages:  # nothing stored yet
            stop.wait(0.05)
    elapsed = time.perf_counter() - began
    return {
        "mode": "rescan",
        "cases_read": got,
        "pages": pages,
        "cases_per_s": round(got / elapsed, 1),
        "cases_per_busy_s": round(got / sum(page_s), 1) if page_s else None,
        "page_p50_ms": round(statistics.median(page_s) * 1000, 1) if page_s else None,
    }


class Sampler:
    """Peak RSS of the server's processes (and the database's), sampled while the run goes."""

    def __init__(self, server: Server, db_pid: int | None) -> None:
        self.server, self.db_pid = server, db_pid
        self.peak, self.db_peak = 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.peak = max(self.peak, rss_bytes(self.server.pids()))
            if self.db_pid:
                self.db_peak = max(self.db_peak, rss_bytes(process_tree(self.db_pid)))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def timed_phase(
    server: Server,
    terminals: list[SimTerminal],
    feed: dict[str, str],
    db_pid: int | None,
    feed_mode: str,
) -> dict[str, Any]:
    out, stop_feed = SendLog(), threading.Event()
    start = threading.Barrier(len(terminals) + 1)
    senders = [
        threading.Thread(target=send_all, args=(server.url, t, start, out), daemon=True)
        for t in terminals
    ]
    feed_result: dict[str, Any] = {}
    read = feed_follow if feed_mode == "follow" else feed_rescan
    reader = threading.Thread(
        target=lambda: feed_result.update(read(server.url, feed, stop_feed)), daemon=True
    )
    for thread in senders:
        thread.start()
    sampler = Sampler(server, db_pid)
    db_pids = process_tree(db_pid) if db_pid else []
    cpu0, db0 = cpu_seconds(server.pids()), cpu_seconds(db_pids)
    own0, cores0, load0 = resource.getrusage(resource.RUSAGE_SELF), core_times(), os.getloadavg()
    start.wait()
    began = time.perf_counter()
    reader.start()
    for thread in senders:
        thread.join()
    wall_s = time.perf_counter() - began
    stop_feed.set()
    reader.join()
    cpu1 = cpu_seconds(server.pids())
    db1 = cpu_seconds(process_tree(db_pid)) if db_pid else 0.0
    own1, cores1, load1 = resource.getrusage(resource.RUSAGE_SELF), core_times(), os.getloadavg()
    end_rss = rss_bytes(server.pids())
    sampler.stop()
    accepted = out.statuses.get("accepted", 0)
    server_s, db_s = cpu1 - cpu0, db1 - db0
    loadgen_s = (own1.ru_utime + own1.ru_stime) - (own0.ru_utime + own0.ru_stime)
    ms = [s * 1000 for s in out.latencies_s] or [float("nan")]
    if "seen_at" in feed_result:
        feed_result["lag_ms"] = feed_lag(feed_result.pop("seen_at"), out.accepted_at)
    return {
        "ingest": {
            "cases_per_s": round(accepted / wall_s, 1),
            "wall_s": round(wall_s, 2),
            **{status: count for status, count in sorted(out.statuses.items())},
            "request_errors": len(out.errors),
            "first_errors": out.errors[:3],
            "latency_ms": {
                "batches": len(out.latencies_s),
                "p50": round(percentile(ms, 0.5), 1),
                "p99": round(percentile(ms, 0.99), 1),
                "max": round(max(ms), 1),
            },
        },
        "feed": feed_result,
        "server_memory_mb": {
            "peak": round(max(sampler.peak, end_rss) / 2**20, 1),
            "end": round(end_rss / 2**20, 1),
            "processes": len(server.pids()),
            **({"database_peak": round(sampler.db_peak / 2**20, 1)} if db_pid else {}),
        },
        "cpu": {
            "server_s": round(server_s, 2),
            "database_s": round(db_s, 2),
            "loadgen_s": round(loadgen_s, 2),
            "cases_per_server_cpu_s": round(accepted / server_s, 1) if server_s else None,
            "cases_per_platform_cpu_s": (
                round(accepted / (server_s + db_s), 1) if server_s + db_s else None
            ),
            "per_core_busy_percent": busy_percent(cores0, cores1),
        },
        "load_avg": {"before": [round(v, 2) for v in load0], "after": [round(v, 2) for v in load1]},
    }


# --- one run, and the comparison -----------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    terminals: int
    batches: int
    batch_size: int
    feed: str = "follow"  # the feed reader while ingest runs: follow | rescan


def run_once(
    db: str, backend: str, workers: int, shape: Shape, db_pid: int | None
) -> dict[str, Any]:
    head: dict[str, Any] = {"backend": backend, "workers": workers, "feed_mode": shape.feed}
    try:
        return {**head, **measure(db, workers, shape, db_pid)}
    except Unsupported as exc:
        return {**head, "status": UNSUPPORTED, "detail": str(exc)}
    except Exception as exc:  # one failed run is reported; the others still run
        return {**head, "status": "failed", "detail": f"{type(exc).__name__}: {exc}"[:500]}


def measure(db: str, workers: int, shape: Shape, db_pid: int | None) -> dict[str, Any]:
    server = Server(db, workers)
    try:
        tag = f"{os.getpid() % 10000:04d}{random.randrange(100):02d}"
        terminals = register_terminals(db, server.url, shape.terminals, tag)
        token = cli("tokens", "add", f"load-{tag}", "--scope", "feed", "--db", db)
        feed = {"Authorization": f"Bearer {token}"}
        faces = [face_jpeg(seed) for seed in range(8)]
        rng = random.Random(7)
        for terminal in terminals:
            sign_batches(terminal, shape.batches, shape.batch_size, faces, rng)
        figures = timed_phase(server, terminals, feed, db_pid, shape.feed)
        expected = {f"{t.terminal_id}/{c}" for t in terminals for c in t.case_ids}
        began = time.perf_counter()
        pages = list(read_feed(server.url, feed))
        after_s = time.perf_counter() - began
        seen = [i for page in pages for i in page if i in expected]
        figures["feed"].update(
            # the whole feed from the start once ingest is over: its rate with no ingest
            after_ingest_cases_per_s=round(sum(map(len, pages)) / after_s, 1),
            complete=len(seen) == len(set(seen)) == len(expected),
            missing=len(expected - set(seen)),
            duplicates=len(seen) - len(set(seen)),
        )
    finally:
        code = server.stop()
    return {
        "status": "ok",
        "terminals": shape.terminals,
        "cases": shape.terminals * shape.batches * shape.batch_size,
        "batch_size": shape.batch_size,
        "face_jpeg_bytes": round(statistics.mean(len(f) for f in faces)),
        **figures,
        "server_exit_code": code,
    }


def postmaster_pid(server: PostgresServer) -> int:
    return int((server.data / "postmaster.pid").read_text().splitlines()[0])


def compare(shape: Shape, folder: Path) -> list[dict[str, Any]]:
    runs = []
    try:
        postgres: PostgresServer | None = PostgresServer(durable=True).start()
    except (PostgresUnavailable, OSError, subprocess.SubprocessError) as exc:
        postgres, why = None, str(exc)[:300]
    try:
        for backend, workers in COMPARISON:
            if backend == "sqlite":
                db = str(folder / f"sqlite-{workers}.sqlite3")
                runs.append(run_once(db, backend, workers, shape, None))
            elif postgres is None:
                failed = {"status": "failed", "detail": why}
                runs.append({"backend": backend, "workers": workers, **failed})
            else:
                url = postgres.create_database(f"load_{workers}")
                # The PostgreSQL platform's keys and attachments (`--files`), for the server
                # and for this process's `kiosk-central` commands.
                os.environ[FILES_ENV] = str(private_folder(folder / f"files-{workers}"))
                runs.append(run_once(url, backend, workers, shape, postmaster_pid(postgres)))
    finally:
        if postgres is not None:
            postgres.stop()
    return runs


def comparison(runs: list[dict[str, Any]]) -> dict[str, Any]:
    rate = {
        (r["backend"], r["workers"]): r["ingest"]["cases_per_s"]
        for r in runs
        if r["status"] == "ok"
    }
    sqlite1, pg2 = rate.get(("sqlite", 1)), rate.get(("postgresql", 2))
    measured = bool(sqlite1 and pg2)
    return {
        "postgresql_2_workers_over_sqlite_1": round(pg2 / sqlite1, 2) if measured else None,
        "target": "PostgreSQL with two workers ingests at least as fast as SQLite with one",
        "target_met": (pg2 >= sqlite1) if sqlite1 and pg2 else None,  # None: not measured
    }


def summary(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The runs side by side, one line each."""
    lines = []
    for run in runs:
        line = {key: run[key] for key in ("backend", "workers", "status")}
        if run["status"] == "ok":
            line.update(
                cases_per_s=run["ingest"]["cases_per_s"],
                p50_ms=run["ingest"]["latency_ms"]["p50"],
                p99_ms=run["ingest"]["latency_ms"]["p99"],
                feed_cases_per_s=run["feed"]["cases_per_s"],
                feed_lag_p99_ms=run["feed"].get("lag_ms", {}).get("p99"),
                feed_after_ingest_cases_per_s=run["feed"]["after_ingest_cases_per_s"],
                memory_peak_mb=run["server_memory_mb"]["peak"],
                cases_per_platform_cpu_s=run["cpu"]["cases_per_platform_cpu_s"],
            )
        lines.append(line)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", help="a SQLite file or a postgresql:// URL (default: a new SQLite file)"
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--compare", action="store_true", help="SQLite 1; PostgreSQL 1, 2, 4")
    parser.add_argument("--terminals", type=int, default=32)
    parser.add_argument("--batches", type=int, default=10, help="per terminal")
    parser.add_argument("--batch-size", type=int, default=20, help="a terminal's default")
    parser.add_argument(
        "--feed",
        choices=("follow", "rescan"),
        default="follow",
        help="while ingest runs, a consumer follows the cursor (default), or rereads the "
        "whole feed from the start at full pace",
    )
    args = parser.parse_args()
    shape = Shape(args.terminals, args.batches, args.batch_size, args.feed)
    machine = {
        "cpu_count": os.cpu_count(),
        "load_avg_start": [round(v, 2) for v in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory(prefix="platform-load-") as tmp:
        if args.compare:
            runs = compare(shape, Path(tmp))
        else:
            db = args.db or str(Path(tmp) / "central.sqlite3")
            backend = "postgresql" if db.startswith("postgres") else "sqlite"
            if backend == "postgresql" and FILES_ENV not in os.environ:
                os.environ[FILES_ENV] = str(private_folder(Path(tmp) / "files"))
            runs = [run_once(db, backend, args.workers, shape, None)]
    result: dict[str, Any] = {"machine": machine, "summary": summary(runs), "runs": runs}
    if args.compare:
        result["comparison"] = comparison(runs)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
