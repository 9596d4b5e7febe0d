"""python -m kiosk.i18n update [--add LOCALE ...] | build [--force]

update: rescan screens/ for translatable strings into every kiosk_<locale>.ts (new strings are
        marked unfinished for a translator); --add creates the file for a new locale.
build:  compile each .ts to .qm (run by ./dev setup). Exit 0 ok, 3 on failure.
"""

from __future__ import annotations

import argparse
import json
import sys

from kiosk.i18n import I18nError, build, update


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.i18n", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("update", help="rescan sources into the .ts files")
    up.add_argument("--add", action="append", default=[], metavar="LOCALE")
    bd = sub.add_parser("build", help="compile .ts to .qm")
    bd.add_argument("--force", action="store_true")
    bd.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.command == "update":
            print(json.dumps(update(add=tuple(args.add)), indent=1))
        else:
            written = build(force=args.force)
            if written or not args.quiet:
                print(f"translations: {len(written)} compiled", file=sys.stderr)
    except I18nError as exc:
        print(f"kiosk.i18n: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
