"""`kiosk-central`: run and administer the reference central platform.

    kiosk-central serve --db PATH --host 127.0.0.1 --port 8080
    kiosk-central terminals add TERMINAL_ID --db PATH      (the code is on the last line)
    kiosk-central terminals list --db PATH
    kiosk-central faces add ID_NUMBER JPEG --db PATH
    kiosk-central import BUNDLE --db PATH [--receipt FILE]   (then `kiosk queue ack FILE`)
    kiosk-central openapi [--out FILE]

Exit codes: 0 ok, 2 bad argument, 3 data failure (one line on stderr).
The operator token for the HTTP operator endpoints is read from $KIOSK_CENTRAL_TOKEN.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from central.app import create_app
from central.db import PlatformDB
from central.errors import CentralError
from central.server import bind, make_server

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 3
TOKEN_ENV = "KIOSK_CENTRAL_TOKEN"  # noqa: S105 - the variable's name, not a secret
log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-central", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the platform")
    serve.add_argument("--db", type=Path, required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--certfile", default="", help="TLS certificate (PEM)")
    serve.add_argument("--keyfile", default="", help="TLS private key (PEM)")
    serve.set_defaults(handler=_serve)

    terminals = sub.add_parser("terminals", help="terminal registrations")
    tsub = terminals.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = tsub.add_parser("add", help="allow a terminal to register; prints a one-time code")
    add.add_argument("terminal_id")
    add.add_argument("--db", type=Path, required=True)
    add.set_defaults(handler=_terminals_add)
    listing = tsub.add_parser("list", help="registered terminals and their key ids")
    listing.add_argument("--db", type=Path, required=True)
    listing.set_defaults(handler=_terminals_list)

    faces = sub.add_parser("faces", help="reference faces for online matching")
    fsub = faces.add_subparsers(dest="action", required=True, metavar="ACTION")
    face_add = fsub.add_parser("add", help="store a reference face JPEG for an ID number")
    face_add.add_argument("id_number")
    face_add.add_argument("jpeg", type=Path)
    face_add.add_argument("--db", type=Path, required=True)
    face_add.set_defaults(handler=_faces_add)

    imp = sub.add_parser("import", help="import a bundle exported by a terminal")
    imp.add_argument("bundle", type=Path)
    imp.add_argument("--db", type=Path, required=True)
    imp.add_argument(
        "--receipt", type=Path, help="where to write the signed receipt for `kiosk queue ack`"
    )
    imp.set_defaults(handler=_import)

    api = sub.add_parser("openapi", help="print the OpenAPI document")
    api.add_argument("--out", type=Path)
    api.set_defaults(handler=_openapi)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        code: int = args.handler(args)
    except CentralError as exc:
        print(f"kiosk-central: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"kiosk-central: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    return code


def _serve(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        print("kiosk-central: --port must be 0..65535", file=sys.stderr)
        return EXIT_USAGE
    token = os.environ.get(TOKEN_ENV) or None
    if token is None:
        log.warning("no $%s: operator endpoints (feed, import) are open", TOKEN_ENV)
    db = PlatformDB(args.db)
    try:
        server = make_server(
            create_app(db, operator_token=token), certfile=args.certfile, keyfile=args.keyfile
        )
        sock = bind(args.host, args.port)
        scheme = "https" if args.certfile else "http"
        log.info("kiosk-central on %s://%s:%d", scheme, args.host, sock.getsockname()[1])
        server.run(sockets=[sock])
        sock.close()
    finally:
        db.close()
    return EXIT_OK


def _terminals_add(args: argparse.Namespace) -> int:
    db = PlatformDB(args.db)
    try:
        code = db.add_terminal(args.terminal_id)
    finally:
        db.close()
    print(f"Registration code for {args.terminal_id} (valid 7 days, single use):")
    print(code)
    return EXIT_OK


def _terminals_list(args: argparse.Namespace) -> int:
    db = PlatformDB(args.db)
    try:
        print(json.dumps(db.terminals(), indent=2, ensure_ascii=False))
    finally:
        db.close()
    return EXIT_OK


def _faces_add(args: argparse.Namespace) -> int:
    jpeg = args.jpeg.read_bytes()
    if not jpeg.startswith(b"\xff\xd8"):
        print(f"kiosk-central: {args.jpeg} is not a JPEG", file=sys.stderr)
        return EXIT_USAGE
    db = PlatformDB(args.db)
    try:
        db.put_reference_face(args.id_number, jpeg)
    finally:
        db.close()
    print("reference face stored")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    try:
        bundle = json.loads(args.bundle.read_text(encoding="utf-8"))
    except ValueError as exc:
        print(f"kiosk-central: {args.bundle} is not a bundle: {exc}", file=sys.stderr)
        return EXIT_FAILED
    db = PlatformDB(args.db)
    try:
        terminal, outcomes, receipt = db.import_bundle(bundle)
    finally:
        db.close()
    receipt_path = args.receipt or args.bundle.with_name(args.bundle.name + ".receipt.json")
    receipt_path.write_text(json.dumps(receipt), encoding="utf-8")
    statuses = ("accepted", "duplicate", "rejected")
    counts = {s: sum(o.status == s for o in outcomes) for s in statuses}
    print(json.dumps({"terminal_id": terminal.terminal_id, **counts, "receipt": str(receipt_path)}))
    return EXIT_OK


def _openapi(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = PlatformDB(Path(tmp) / "openapi.sqlite3")
        try:
            text = json.dumps(create_app(db).openapi(), indent=2, ensure_ascii=False)
        finally:
            db.close()
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
