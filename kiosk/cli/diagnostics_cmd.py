"""`kiosk diagnostics [--out DIR] [--config PATH] [--json]`: the bundle to send to support.

Writes `kiosk-diagnostics-<terminal>-<time>.zip` (kiosk.selftest.diagnostics: the self-test,
the configuration with secrets masked, the queue's figures, the registration, the logs; no
personal data) into DIR, by default the first USB stick mounted under /media or /run/media,
else `<data_dir>/exports/`, and prints its path. Exit 0 when it is written (whatever the
self-test found: that is for support to read), 2 for a bad configuration, 3 when it cannot be
written. JSON: {"path", "bytes", "log_files", "selftest_ok"}.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from config import load_settings
from kiosk.cli import EXIT_OK, fail
from kiosk.selftest.diagnostics import DiagnosticsError, write_bundle
from kiosk.technician import status


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diagnostics", help="write the diagnostics bundle for support (诊断包, no personal data)"
    )
    parser.add_argument("--out", type=Path, help="folder (default: a USB stick, else exports/)")
    parser.add_argument(
        "--config", type=Path, help="terminal file (default: $KIOSK_CONFIG or built-in defaults)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=_diagnostics)


def _diagnostics(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    folder = args.out or status.export_folder(settings.terminal.data_dir)
    try:
        bundle = write_bundle(settings, folder)
    except DiagnosticsError as exc:
        return fail(str(exc))
    if args.json:
        print(json.dumps(bundle.as_dict(), ensure_ascii=False))
    else:
        print(bundle.path)
    return EXIT_OK
