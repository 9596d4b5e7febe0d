"""Card read latency for both backends against the project's emulators; prints JSON.

    .venv/bin/python bench/card_read.py [--rounds N] [--events M]

pcsc: a real pcscd (started here unless one with the vpcd reader runs) and the vpcd SSC card
emulator. `read_ms` is one full read (connect, select, all records, disconnect) with the card
in place; `insert_to_event_ms` is from the card going in to CardInserted, so it includes how
often pcscd's vpcd driver looks for a card. sam_serial: the GA 467 emulator on a pty, unpaced
(protocol and parsing cost only) and paced at 115200 baud (the wire time of a real reader);
`insert_to_event_ms` includes the 300 ms polling.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# The card emulators live with the tests that use them (the project itself is installed).
sys.path.insert(0, str(REPO / "tests"))

from cardtests.pcscd import VPCD_READER, Pcscd, PcscdError  # noqa: E402
from cardtests.sam_emulator import IdCard, SamEmulator  # noqa: E402
from cardtests.ssc_card import gen1_card, gen2_card  # noqa: E402
from cardtests.vpcd_card import VpcdCardEmulator  # noqa: E402

from devices.card_reader.base import CardInserted, CardReader  # noqa: E402
from devices.card_reader.pcsc import PcscCardReader  # noqa: E402
from devices.card_reader.sam_serial import SamSerialCardReader  # noqa: E402


def stats(samples_s: list[float]) -> dict[str, Any]:
    ms = sorted(s * 1000 for s in samples_s)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return {
        "n": len(ms),
        "min": round(ms[0], 2),
        "median": round(statistics.median(ms), 2),
        "p95": round(p95, 2),
        "max": round(ms[-1], 2),
    }


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    fn()  # warm-up: first connect, imports, caches
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def wait_inserted(reader: CardReader, timeout_s: float = 15.0) -> float:
    start = time.perf_counter()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        event = reader.wait_event(0.05)
        if isinstance(event, CardInserted):
            return time.perf_counter() - start
    raise RuntimeError("no card event in time")


def drain(reader: CardReader, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        reader.wait_event(0.05)


def bench_pcsc(rounds: int, events: int) -> dict[str, Any]:
    try:
        daemon = Pcscd.session()
    except PcscdError as exc:
        return {"skipped": str(exc)}
    emulator = VpcdCardEmulator()
    reader = PcscCardReader(VPCD_READER, poll_interval_s=0.05)
    result: dict[str, Any] = {}
    try:
        reader.open()
        for name, make in (("gen1", gen1_card), ("gen2", gen2_card)):
            card = make()
            emulator.insert(card)
            wait_inserted(reader)
            card.log.clear()
            samples = timed(lambda: reader.read_card(VPCD_READER), rounds)
            result[name] = {
                "read_ms": stats(samples),
                "apdus_per_read": len(card.log) // (rounds + 1),
            }
            emulator.remove()
            drain(reader, 1.0)
        arrivals = []
        for _ in range(events):
            emulator.insert(gen1_card())
            arrivals.append(wait_inserted(reader))
            emulator.remove()
            drain(reader, 1.0)
        result["insert_to_event_ms"] = stats(arrivals)
    finally:
        emulator.remove()
        reader.close()
        daemon.stop()
    return result


def bench_sam(rounds: int, events: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    with SamEmulator(IdCard()) as emulator:
        reader = SamSerialCardReader(emulator.port, 115200, poll_interval_s=0.3)
        reader.open()
        try:
            result["pty_unpaced"] = {"read_ms": stats(timed(reader.read_card, rounds))}
            emulator.pace_baud = 115200
            result["paced_115200_baud"] = {"read_ms": stats(timed(reader.read_card, rounds))}
            emulator.pace_baud = None
            arrivals = []
            for _ in range(events):
                emulator.card = None
                drain(reader, 1.0)
                emulator.card = IdCard()
                arrivals.append(wait_inserted(reader))
            result["insert_to_event_ms"] = stats(arrivals)
        finally:
            reader.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="timed reads per case")
    parser.add_argument("--events", type=int, default=5, help="timed insertions per backend")
    args = parser.parse_args()
    report = {
        "bench": "card_read",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "pcsc": bench_pcsc(args.rounds, args.events),
        "sam_serial": bench_sam(args.rounds, args.events),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
