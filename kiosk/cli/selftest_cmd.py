"""`kiosk selftest [--config PATH] [--json]`: is every part of this terminal fine?

Checks the configuration, the card reader, the camera, the printer, the face models, the
case queue and its disk, and the platform (reachable, this terminal registered, clock).
Exit 0 only when every required part is fine; 2 when the configuration itself is invalid;
3 when a part failed (each failed part is named on stderr, in Chinese and English).
JSON: {"ok", "checks": [{"part", "ok", "required", "detail", "advice"}], "version", "build"}.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kiosk.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from kiosk.selftest import Report, run_selftest


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "selftest", help="check every part of this terminal (自检) and name what is wrong"
    )
    parser.add_argument(
        "--config", type=Path, help="terminal file (default: $KIOSK_CONFIG or built-in defaults)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=_selftest)


def exit_code(report: Report) -> int:
    if report.ok:
        return EXIT_OK
    return EXIT_FAILED if report.config_ok else EXIT_USAGE


def _selftest(args: argparse.Namespace) -> int:
    report = run_selftest(args.config)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_text(report)
    for check in report.checks:
        if not check.ok and check.required:
            print(f"kiosk selftest: FAILED {check.detail}", file=sys.stderr)
    return exit_code(report)


def _print_text(report: Report) -> None:
    print(f"kiosk {report.version} (build {report.build})")
    for check in report.checks:
        mark = "OK  " if check.ok else ("FAIL" if check.required else "WARN")
        print(f"[{mark}] {check.detail}")
        if not check.ok and check.advice:
            print(f"       -> {check.advice}")
    verdict = "全部正常 / all required parts are fine" if report.ok else "有故障 / FAULTS FOUND"
    print(verdict)
