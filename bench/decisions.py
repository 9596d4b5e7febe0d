"""Time from a pending check's arrival on the platform to its automatic decision; one JSON
object on stdout.

    .venv/bin/python bench/decisions.py [--testdata ../shared/testdata] [--cases 40]
                                        [--interval 1.0] [--burst 20]

A real `kiosk-central serve` (its decide worker thread included) on a temporary database; a
registered terminal sends signed pending checks whose face frame is a second photo of a
person whose first photo is the platform's reference face (faces/tune), so each is matched.

- cold_start_ms: the first check after start, the face models loaded on the way.
- trickle: `--cases` checks, one every `--interval` seconds (checks arrive one by one as
  terminals sync): arrival -> decision median, p95, max (ms).
- burst: `--burst` checks in one batch (a terminal back online after a day): the same
  figures, queueing behind each other in the one worker.

Arrival is the case's `received_at`, decision its `decided_at`: both the platform's clock,
read back from the pull feed. Checks whose second photo does not match at the threshold go
to review and are counted, not timed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import cv2  # noqa: E402

from contract import wire  # noqa: E402
from contract.face_templates import decode_image, fit_within  # noqa: E402
from contract.ids import uuid7  # noqa: E402
from offline_queue.registration import register  # noqa: E402

TOKEN = "bench-decisions-bootstrap-token-0123456789abcdef"
OPERATOR = {"Authorization": f"Bearer {TOKEN}"}
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(n: int) -> str:
    first17 = f"1101011950{n % 12 + 1:02d}01{n % 1000:03d}"
    return (
        first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_central(db: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "central.cli", "serve", "--db", str(db), "--port", "0"],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "KIOSK_CENTRAL_TOKEN": TOKEN},
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        found = re.search(r"kiosk-central on (http://\S+)", line)
        if found:
            return proc, found.group(1)
    raise RuntimeError("kiosk-central did not start")


def cli(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "central.cli", *args],
        cwd=REPO, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return done.stdout


class Terminal:
    def __init__(self, db: Path, url: str, folder: Path) -> None:
        code = cli("terminals", "add", "BENCH-0001", "--service-point", "bench", "--db", str(db))
        self.keys = register(folder, url, "BENCH-0001", code.strip().splitlines()[-1]).keys
        self.url = url

    def case(self, resident: str, face: bytes) -> dict[str, Any]:
        payload = {
            "service": "pension_check",
            "outcome": "pending",
            "reason": "no_reference",
            "terminal_id": "BENCH-0001",
            "service_point": "bench",
            "assisted_by": None,
            "resident": {"card_kind": "id_card", "name": "测试", "id_number": resident},
            "match": {},
            "liveness": {"passed": True, "reason": "passed", "restarts": 0, "actions": []},
        }
        envelope: dict[str, Any] = {
            "case_id": uuid7(),
            "kind": "pension_check",
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "schema_version": wire.SCHEMA_VERSION,
            "test": True,
            "key_id": self.keys.key_id,
            "payload": payload,
            "attachments": {"face.jpg": {"sha256": wire.sha256_hex(face), "size": len(face)}},
        }
        envelope["signature"] = wire.sign_case(self.keys.signing_key, envelope)
        envelope["attachment_data"] = {"face.jpg": wire.b64e(face)}
        return envelope

    def send(self, cases: list[dict[str, Any]]) -> None:
        body = wire.canonical({"cases": cases})
        headers = wire.sign_request(
            self.keys.signing_key, self.keys.key_id, "POST", "/api/v1/ingest", body
        )
        answer = requests.post(
            self.url + "/api/v1/ingest", data=body,
            headers={**headers, "Content-Type": "application/json"}, timeout=60,
        )  # fmt: skip
        answer.raise_for_status()
        assert all(r["status"] == "accepted" for r in answer.json()["results"])


def settle(url: str, case_ids: list[str], timeout_s: float = 600) -> dict[str, dict[str, Any]]:
    """Each case's feed item once decided or in review."""
    done: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout_s
    while len(done) < len(case_ids):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(case_ids) - len(done)} cases never settled")
        for case_id in case_ids:
            if case_id in done:
                continue
            item = requests.get(f"{url}/api/v1/cases/{case_id}", headers=OPERATOR, timeout=30)
            item.raise_for_status()
            if item.json()["state"] in ("decided", "awaiting_review"):
                done[case_id] = item.json()
        time.sleep(0.05)
    return done


def figures(items: list[dict[str, Any]]) -> dict[str, Any]:
    waits = [
        (dt.datetime.fromisoformat(i["decision"]["decided_at"])
         - dt.datetime.fromisoformat(i["received_at"])).total_seconds() * 1000
        for i in items if i["decision"]
    ]  # fmt: skip
    out: dict[str, Any] = {
        "checks": len(items),
        "auto_decided": len(waits),
        "to_review": len(items) - len(waits),
    }
    if waits:
        out.update(
            median_ms=round(percentile(waits, 0.5), 1),
            p95_ms=round(percentile(waits, 0.95), 1),
            max_ms=round(max(waits), 1),
        )
    return out


def frame_jpeg(path: Path, max_side: int) -> bytes:
    """The photo as a terminal's best frame is kept: at most `max_side` px, JPEG quality 85
    (a case carries at most 256 KiB; the documented frame is ~20 KB)."""
    image = fit_within(decode_image(path.read_bytes()), max_side)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return bytes(data.tobytes())


def pairs(testdata: Path) -> list[tuple[bytes, bytes]]:
    """(reference photo, live frame) of one person, for each tune identity with two."""
    out = []
    for person in sorted((testdata / "faces" / "tune").iterdir()):
        photos = sorted(person.iterdir())
        if len(photos) >= 2:
            out.append((frame_jpeg(photos[0], 1024), frame_jpeg(photos[1], 640)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--burst", type=int, default=20)
    args = parser.parse_args()
    people = pairs(args.testdata)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "central.sqlite3"
        proc, url = start_central(db)
        try:
            terminal = Terminal(db, url, Path(folder) / "kiosk")
            for n, (reference, _live) in enumerate(people):
                answer = requests.put(
                    f"{url}/api/v1/admin/reference-faces/{id_number(n)}", data=reference,
                    headers={"Content-Type": "image/jpeg", **OPERATOR}, timeout=30,
                )  # fmt: skip
                answer.raise_for_status()

            def check(k: int) -> dict[str, Any]:
                n = k % len(people)
                return terminal.case(id_number(n), people[n][1])

            started = time.monotonic()
            first = check(0)
            terminal.send([first])
            settle(url, [first["case_id"]])
            cold_ms = (time.monotonic() - started) * 1000
            time.sleep(2.0)  # the reference templates are made meanwhile

            trickle = []
            for k in range(args.cases):
                case = check(k)
                terminal.send([case])
                trickle.append(case["case_id"])
                time.sleep(args.interval)
            trickled = settle(url, trickle)

            burst = [check(k) for k in range(args.burst)]
            terminal.send(burst)
            bursted = settle(url, [c["case_id"] for c in burst])
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
    result = {
        "machine": {"cpus": os.cpu_count(), "load_1min": round(os.getloadavg()[0], 2)},
        "people_with_reference": len(people),
        "cold_start_ms": round(cold_ms, 1),
        "trickle": {"interval_s": args.interval, **figures(list(trickled.values()))},
        "burst": figures(list(bursted.values())),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
