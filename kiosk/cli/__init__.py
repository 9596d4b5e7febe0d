"""`kiosk` command line. Each subcommand group lives in its own module with `register()`.

Exit codes shared by every command: 0 success, 1 nothing happened in time, 2 bad argument or
configuration, 3 the device, data or peer failed (one-line reason on stderr).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from config import ConfigError

EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3

# Add a module here to add a subcommand group; each defines register(subparsers).
COMMAND_MODULES = [
    "kiosk.cli.config_cmd",
    "kiosk.cli.card_cmd",
    "kiosk.cli.run_cmd",
    "kiosk.cli.print_cmd",
    "kiosk.cli.queue_cmd",
    "kiosk.cli.face_cmd",
    "kiosk.cli.selftest_cmd",
    "kiosk.cli.diagnostics_cmd",
]


class UsageError(Exception):
    """A bad argument: exit 2 with the message."""


def fail(reason: str) -> int:
    """The device, data or peer failed: its reason as one line on stderr, exit 3."""
    print(f"kiosk: {' '.join(reason.split())}", file=sys.stderr)
    return EXIT_FAILED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Village service-point kiosk")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Everything the kiosk writes (case store, keys, logs, receipts, bundles) is its own:
    # files 0600 and folders 0700 unless a place says otherwise. Restored for in-process callers.
    umask = os.umask(0o077)
    try:
        code: int = args.handler(args)
    except ConfigError as exc:
        print(f"kiosk: configuration error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        os.umask(umask)
    return code


if __name__ == "__main__":
    sys.exit(main())
