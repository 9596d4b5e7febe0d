"""`kiosk config check` and `kiosk config hash-pin`."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from config import as_dict, load_settings
from kiosk.cli import EXIT_OK, EXIT_USAGE
from kiosk.technician.pin import hash_pin


def register(subparsers: Any) -> None:
    config = subparsers.add_parser("config", help="check the terminal configuration")
    sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = sub.add_parser("check", help="validate and print the effective settings")
    check.add_argument("--config", type=Path, help="terminal file (default: built-in defaults)")
    check.add_argument("--json", action="store_true", help="print JSON")
    check.set_defaults(handler=_check)
    pin = sub.add_parser("hash-pin", help="make a pin_hash value for the config file")
    pin.add_argument("--pin", help="the PIN (default: asked for without echo)")
    pin.set_defaults(handler=_hash_pin)


def _check(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    effective = as_dict(settings)
    if args.json:
        print(
            json.dumps(
                {"ok": True, "source": settings.source, "settings": effective},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(f"OK: {settings.source}")
        _print_table(effective)
    return EXIT_OK


def _print_table(table: dict[str, Any], prefix: str = "") -> None:
    for key, value in table.items():
        if key == "source":
            continue
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            _print_table(value, path + ".")
        else:
            print(f"  {path} = {json.dumps(value, ensure_ascii=False)}")


def _hash_pin(args: argparse.Namespace) -> int:
    pin = args.pin or getpass.getpass("PIN: ")
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        print("kiosk: a PIN is 4 to 12 digits", file=sys.stderr)
        return EXIT_USAGE
    print(hash_pin(pin))
    return EXIT_OK
