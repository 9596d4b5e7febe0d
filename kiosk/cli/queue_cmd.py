"""`kiosk register` and `kiosk queue status|rejected|decisions|sync|export|ack|fill-demo`.

Every command takes `--config`, `--data-dir DIR` and `--platform URL` to override the config
(technicians test against another platform or a copied data folder). Exit codes: 0 ok,
1 gave up in time (cases still pending), 2 bad argument, 3 store/peer failure (reason on stderr;
for `sync` also when the platform's answers were refused: the cases went up all the same).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

from config import load_settings
from config.settings import Settings
from kiosk.cli import EXIT_FAILED, EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE, UsageError
from offline_queue import keys as terminal_keys
from offline_queue.answers import read_decisions
from offline_queue.answers_sync import RosterSink
from offline_queue.errors import InvalidPlatformURL, NotRegistered, QueueError
from offline_queue.export import apply_receipt, export_bundle
from offline_queue.keys import TerminalKeyError
from offline_queue.registration import load_registration
from offline_queue.registration import register as register_terminal
from offline_queue.runtime import data_dir_of, make_worker, open_store, store_path
from offline_queue.sample_cases import demo_payload, face_jpeg
from offline_queue.store import read_rejected, read_status


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="terminal file (default: built-in defaults)")
    parser.add_argument("--data-dir", type=Path, help="terminal data folder (overrides config)")
    parser.add_argument("--platform", metavar="URL", help="platform base URL (overrides config)")


def register(subparsers: Any) -> None:
    reg = subparsers.add_parser("register", help="create the terminal keys and register them")
    _common(reg)
    reg.add_argument(
        "--code", required=True, help="one-time code from `kiosk-central terminals add`"
    )
    reg.add_argument("--terminal-id", help="terminal id (default: terminal.id from the config)")
    reg.set_defaults(handler=_guarded(_register))

    queue = subparsers.add_parser("queue", help="the offline case queue")
    sub = queue.add_subparsers(dest="queue_command", required=True, metavar="ACTION")
    status = sub.add_parser("status", help="counts by status, oldest pending, last sync")
    _common(status)
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_guarded(_status))

    rejected = sub.add_parser(
        "rejected", help="dead letters: cases the platform refused, with its reason"
    )
    _common(rejected)
    rejected.add_argument("--json", action="store_true", help="print JSON")
    rejected.set_defaults(handler=_guarded(_rejected))

    decisions = sub.add_parser(
        "decisions", help="the platform's decisions on this terminal's pending checks"
    )
    _common(decisions)
    decisions.add_argument("--json", action="store_true", help="print JSON")
    decisions.set_defaults(handler=_guarded(_decisions))

    sync = sub.add_parser(
        "sync", help="send pending cases now, then fetch decisions and the face roster"
    )
    _common(sync)
    sync.add_argument("--until-empty", action="store_true", help="retry until nothing is pending")
    sync.add_argument("--timeout", type=float, default=600.0, help="give up after S seconds")
    sync.set_defaults(handler=_guarded(_sync))

    export = sub.add_parser("export", help="write pending cases to a signed, encrypted bundle")
    _common(export)
    export.add_argument("path", type=Path, help="folder (e.g. the USB stick) or FILE.json")
    export.set_defaults(handler=_guarded(_export))

    ack = sub.add_parser("ack", help="apply the platform's signed receipt for an export")
    _common(ack)
    ack.add_argument("receipt", type=Path, help="receipt written by `kiosk-central import`")
    ack.set_defaults(handler=_guarded(_ack))

    fill = sub.add_parser("fill-demo", help="add synthetic test cases with ~20 KB face images")
    _common(fill)
    fill.add_argument("--count", type=int, required=True)
    fill.set_defaults(handler=_guarded(_fill_demo))


def _guarded(handler: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            code: int = handler(args, load_settings(args.config))
        except InvalidPlatformURL as exc:  # --platform or platform.url: a bad argument
            print(f"kiosk: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except (QueueError, TerminalKeyError) as exc:
            print(f"kiosk: {exc}", file=sys.stderr)
            return EXIT_FAILED
        return code

    return run


def _data_dir(args: argparse.Namespace, settings: Settings) -> Path:
    return data_dir_of(settings, args.data_dir)


def _platform_url(args: argparse.Namespace, settings: Settings, data_dir: Path) -> str:
    if args.platform:
        return str(args.platform)
    if settings.platform.url:
        return settings.platform.url
    return load_registration(data_dir).platform_url


def _register(args: argparse.Namespace, settings: Settings) -> int:
    data_dir = _data_dir(args, settings)
    url = args.platform or settings.platform.url
    if not url:
        raise UsageError("no platform URL: pass --platform URL or set platform.url")
    terminal_id = args.terminal_id or settings.terminal.id
    try:
        done = register_terminal(
            data_dir,
            url,
            terminal_id,
            args.code,
            ca_bundle=settings.platform.ca_bundle,
            timeout_s=settings.platform.timeout_s,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"registered {terminal_id} with {done.registration.platform_url}")
    print(f"key id {done.keys.key_id}")
    return EXIT_OK


def _status(args: argparse.Namespace, settings: Settings) -> int:
    status = read_status(store_path(settings, _data_dir(args, settings)))
    if args.json:
        print(json.dumps(status))
    else:
        for key, value in status.items():
            print(f"{key}: {value}")
    return EXIT_OK


def _rejected(args: argparse.Namespace, settings: Settings) -> int:
    cases = read_rejected(store_path(settings, _data_dir(args, settings)))
    if args.json:
        print(json.dumps(cases, ensure_ascii=False))
    elif not cases:
        print("no rejected cases")
    else:
        for case in cases:
            print(
                f"{case['case_id']}  {case['kind']}  created {case['created_at']}  "
                f"attempts {case['attempts']}  rejected {case['rejected_at']}: {case['reason']}"
            )
    return EXIT_OK


def _sync(args: argparse.Namespace, settings: Settings) -> int:
    data_dir = _data_dir(args, settings)
    url = _platform_url(args, settings, data_dir)
    keys = terminal_keys.load(data_dir)
    store = open_store(settings, keys, data_dir)
    try:
        worker = make_worker(
            settings, store, keys, url, data_dir, _roster_sink(settings, data_dir, keys)
        )
        try:
            if args.until_empty:
                report = worker.drain(args.timeout)
            else:
                report = worker.run_pass(ignore_schedule=True)
        finally:
            worker.client.close()
        status = store.status()
    finally:
        store.close()
    print(
        f"sent {report.sent}, acknowledged {report.acked}, rejected {report.rejected}, "
        f"pending {status['pending']}, new decisions {report.decisions}"
    )
    if report.answers_error:
        print(
            f"kiosk: the platform's answers were not taken: {report.answers_error}", file=sys.stderr
        )
    if status["pending"] == 0 and status["sending"] == 0:
        # The cases are up; answers refused (asked again next time) still fail the command.
        return EXIT_FAILED if report.answers_error else EXIT_OK
    reason = report.error or "cases are still pending (scheduled for a later retry)"
    print(f"kiosk: {reason}", file=sys.stderr)
    return EXIT_FAILED if report.error_kind in ("unreachable", "busy", "refused") else EXIT_TIMEOUT


def _roster_sink(settings: Settings, data_dir: Path, keys: Any) -> RosterSink | None:
    if not settings.face.roster_file:
        return None
    from kiosk.face.roster import roster_sink  # numpy: only for the commands that need it

    return roster_sink(data_dir / settings.face.roster_file, keys.storage_key)


def _decisions(args: argparse.Namespace, settings: Settings) -> int:
    data_dir = _data_dir(args, settings)
    path = store_path(settings, data_dir)
    decisions = (
        read_decisions(path, terminal_keys.load(data_dir).storage_key) if path.exists() else []
    )
    if args.json:
        print(json.dumps({"decisions": [d.listed() for d in decisions]}))
    elif not decisions:
        print("no decisions from the platform yet")
    else:
        print(f"{'case':36}  {'decision':12}  {'reason':20}  {'by':6}  decided at")
        for d in decisions:
            test = "  (test)" if d.test else ""
            print(
                f"{d.case_id:36}  {d.verdict:12}  {d.reason:20}  {d.decided_by:6}  "
                f"{d.decided_at}{test}"
            )
    return EXIT_OK


def _export(args: argparse.Namespace, settings: Settings) -> int:
    data_dir = _data_dir(args, settings)
    keys = terminal_keys.load(data_dir)
    registration = load_registration(data_dir)
    store = open_store(settings, keys, data_dir)
    try:
        result = export_bundle(store, keys, registration, args.path)
    finally:
        store.close()
    print(f"exported {result.count} case(s) to {result.path}")
    return EXIT_OK


def _ack(args: argparse.Namespace, settings: Settings) -> int:
    data_dir = _data_dir(args, settings)
    keys = terminal_keys.load(data_dir)
    registration = load_registration(data_dir)
    store = open_store(settings, keys, data_dir)
    try:
        count = apply_receipt(store, registration, args.receipt)
    finally:
        store.close()
    print(f"acknowledged {count} case(s)")
    return EXIT_OK


def _fill_demo(args: argparse.Namespace, settings: Settings) -> int:
    if not 1 <= args.count <= 1_000_000:
        raise UsageError("--count must be 1 to 1000000")
    data_dir = _data_dir(args, settings)
    keys = terminal_keys.load_or_create(data_dir)
    try:
        terminal_id = load_registration(data_dir).terminal_id
    except NotRegistered:
        terminal_id = settings.terminal.id
    rng = random.Random()
    faces = [face_jpeg(seed) for seed in range(8)]  # a few distinct images, reused
    store = open_store(settings, keys, data_dir)
    try:
        for index in range(args.count):
            store.enqueue(
                "pension_check",
                demo_payload(rng, terminal_id),
                {"face.jpg": faces[index % len(faces)]},
                test=True,
            )
    finally:
        store.close()
    print(f"added {args.count} test case(s)")
    return EXIT_OK
