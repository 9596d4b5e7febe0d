"""`kiosk read-card`: wait for one card on the configured (or given) reader and print it.

    kiosk read-card [--config PATH] [--backend pcsc|sam-serial|simulated] [--reader NAME]
                    [--port DEV] [--baud N] [--timeout S] [--reveal] --json

Exit 0 with the card's fields, 1 if no card came in time, 2 for a bad argument or config,
3 for a reader that failed or a failed/invalid read (one line on stderr). The backend runs on
its own device worker thread, as in the app, and is closed before the command returns.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import queue
import sys
import time
import typing
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from config import ConfigError, load_settings
from config.settings import CardReaderSettings
from devices.card_reader import BACKENDS, create_card_reader
from devices.card_reader.base import (
    CardEvent,
    CardInserted,
    CardReader,
    CardReaderError,
    ReaderState,
    ReaderStateChanged,
    ReadFailed,
)
from devices.worker import DeviceWorker
from kiosk.cli import EXIT_OK, EXIT_TIMEOUT, UsageError, fail

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0
_STEP_S = 0.1  # how long one wait_event may block the worker between jobs
_CLOSE_TIMEOUT_S = 10.0
_BAD_STATES = (ReaderState.NO_READER, ReaderState.SERVICE_DOWN, ReaderState.ERROR)
BAUDS = typing.get_args(typing.get_type_hints(CardReaderSettings)["baud"])


def register(subparsers: Any) -> None:
    cmd = subparsers.add_parser("read-card", help="wait for one ID or social security card")
    cmd.add_argument("--config", type=Path, help="terminal file (default: built-in defaults)")
    cmd.add_argument("--backend", choices=sorted(BACKENDS), help="override card_reader.backend")
    cmd.add_argument("--reader", help="PC/SC reader name (substring)")
    cmd.add_argument("--port", help="serial device of a GA 467 reader")
    cmd.add_argument("--baud", type=int, choices=BAUDS, help="serial speed")
    cmd.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"seconds to wait for a card (default {DEFAULT_TIMEOUT_S:g})",
    )
    cmd.add_argument("--reveal", action="store_true", help="print name and ID number unmasked")
    cmd.add_argument("--json", action="store_true", help="print one JSON object")
    cmd.set_defaults(handler=_read_card)


def reader_settings(args: argparse.Namespace) -> CardReaderSettings:
    if args.port is not None and not args.port.strip():
        raise UsageError("--port must name the reader's serial device, e.g. /dev/ttyUSB0")
    loaded = load_settings(args.config)
    settings = loaded.card_reader
    overrides = {
        key: value
        for key, value in (
            ("backend", args.backend),
            ("reader", args.reader),
            ("port", args.port),
            ("baud", args.baud),
        )
        if value is not None
    }
    chosen = dataclasses.replace(settings, **overrides)
    problems = chosen.problems()  # e.g. --backend sam-serial over a file whose port is empty
    if problems:
        key, problem, fix = problems[0]
        raise ConfigError(loaded.source, f"card_reader.{key}", problem, f"{fix} Or pass --{key}.")
    return chosen


def _read_card(args: argparse.Namespace) -> int:
    if not math.isfinite(args.timeout) or args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    reader = create_card_reader(reader_settings(args))
    try:
        event = wait_for_card(reader, args.timeout)
    except CardReaderError as exc:
        return fail(f"card reader failed: {exc}")
    if isinstance(event, CardInserted):
        _print(event.identity.to_json(reveal=args.reveal), as_json=args.json)
        return EXIT_OK
    if isinstance(event, ReadFailed):
        return fail(f"card read failed ({type(event.error).__name__}): {event.error}")
    if event is not None and event.state in _BAD_STATES:
        return fail(f"card reader {event.state}: {event.detail or 'no detail'}")
    print(f"kiosk: no card within {args.timeout:g} s", file=sys.stderr)
    return EXIT_TIMEOUT


def wait_for_card(
    reader: CardReader, timeout_s: float
) -> CardInserted | ReadFailed | ReaderStateChanged | None:
    """Open `reader` on a device worker, wait for a card or a failed read, close it again.

    Returns the card or the failure; on timeout, the last reader state seen (or None).
    Raises the backend's error if the reader cannot be opened.
    """
    events: queue.SimpleQueue[CardEvent] = queue.SimpleQueue()
    opened = False

    def step() -> None:
        if opened:
            event = reader.wait_event(_STEP_S)
            if event is not None:
                events.put(event)

    worker = DeviceWorker("card-reader", idle=step)
    worker.start()
    try:
        worker.submit(reader.open).result()
        opened = True
        return _first_result(events, time.monotonic() + timeout_s)
    finally:
        # close runs on the owner thread like every other call; stop only once it has.
        try:
            worker.submit(reader.close).result(timeout=_CLOSE_TIMEOUT_S)
        except (CardReaderError, OSError, FutureTimeout) as exc:
            log.warning("closing the card reader failed: %s", exc)
        worker.stop()


def _first_result(
    events: queue.SimpleQueue[CardEvent], deadline: float
) -> CardInserted | ReadFailed | ReaderStateChanged | None:
    last_state: ReaderStateChanged | None = None
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=remaining)
        except queue.Empty:
            break
        if isinstance(event, CardInserted | ReadFailed):
            return event
        if isinstance(event, ReaderStateChanged):
            last_state = event
    return last_state


def _print(fields: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(fields, ensure_ascii=False))
        return
    for key, value in fields.items():
        print(f"{key}: {'' if value is None else value}")
