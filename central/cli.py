"""`kiosk-central`: run and administer the reference central platform.

    kiosk-central serve --db PATH|URL [--files DIR] --host 127.0.0.1 --port 8080
                        [--forwarded-allow-ips IPS] [--workers N]   (N > 1: PostgreSQL)
                        [--no-decide]              (no decide worker in this serve)
    kiosk-central tokens add NAME --scope feed|faces|admin [--scope ...] --db PATH
                                                         (the token alone on the last line)
    kiosk-central tokens list|revoke [NAME] --db PATH
    kiosk-central terminals add TERMINAL_ID [--service-point NAME] --db PATH
                                                         (the code is on the last line)
    kiosk-central terminals list|revoke [TERMINAL_ID] --db PATH
    kiosk-central faces add ID_NUMBER JPEG --db PATH
    kiosk-central import BUNDLE --db PATH [--receipt FILE]   (then `kiosk queue ack FILE`)
    kiosk-central openapi [--out FILE]
    kiosk-central users|review|decide|residents|audit ...   (central/cli_review.py)
    kiosk-central migrate-db --from SQLITE --to URL --files DIR   (central/cli_data.py)
    kiosk-central attachments gc [--grace-hours H] --db PATH|URL

`--db` is a SQLite file or a postgresql:// URL; with PostgreSQL, `--files DIR` (or
$KIOSK_CENTRAL_FILES) names the folder of the platform's keys and attachments.

Exit codes: 0 ok, 2 bad argument, 3 data failure (one line on stderr), a database migrated
by a newer release included.
Operator routes are closed without a token. $KIOSK_CENTRAL_TOKEN, when set (at least 32
characters), is a bootstrap token with every scope; named tokens are the lasting way.
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

import sqlalchemy as sa
from pydantic import ValidationError

from central import cli_data, cli_review
from central.app import create_app
from central.cases import MAX_IMPORT_CASES, problem_text
from central.cli_common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_db_arguments,
    files_dir,
    open_db,
    target_of,
)
from central.db import PlatformDB
from central.decide import DecideWorker
from central.errors import CentralError
from central.migrate import quiet_migrations
from central.models import BundleFile
from central.server import bind, make_server
from central.store import UnsupportedDatabase
from central.tokens import MIN_BOOTSTRAP_CHARS, SCOPES, add_token, list_tokens, revoke_token
from central.workers import (
    TOKEN_ENV,
    WorkerSettings,
    check_workers,
    close_on_shutdown,
    run_workers,
)

MAX_IMPORT_BYTES = 2**30
log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-central", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the platform")
    add_db_arguments(serve)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes on one socket (SQLite: 1; several need PostgreSQL)",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--certfile", default="", help="TLS certificate (PEM)")
    serve.add_argument("--keyfile", default="", help="TLS private key (PEM)")
    serve.add_argument(
        "--forwarded-allow-ips",
        default="",
        help="reverse proxies whose X-Forwarded-For/-Proto are believed (comma-separated); "
        "rate limits then count the real client address",
    )
    serve.add_argument(
        "--no-decide",
        action="store_true",
        help="run no decide worker in this process (run `kiosk-central decide` instead)",
    )
    serve.set_defaults(handler=_serve)

    _token_commands(sub)
    _terminal_commands(sub)

    faces = sub.add_parser("faces", help="reference faces for online matching")
    fsub = faces.add_subparsers(dest="action", required=True, metavar="ACTION")
    face_add = fsub.add_parser("add", help="store a reference face JPEG for an ID number")
    face_add.add_argument("id_number")
    face_add.add_argument("jpeg", type=Path)
    add_db_arguments(face_add)
    face_add.set_defaults(handler=_faces_add)

    imp = sub.add_parser("import", help="import a bundle exported by a terminal")
    imp.add_argument("bundle", type=Path)
    add_db_arguments(imp)
    imp.add_argument(
        "--receipt", type=Path, help="where to write the signed receipt for `kiosk queue ack`"
    )
    imp.set_defaults(handler=_import)

    api = sub.add_parser("openapi", help="print the OpenAPI document")
    api.add_argument("--out", type=Path)
    api.set_defaults(handler=_openapi)
    cli_review.register(sub)
    cli_data.register(sub)
    return parser


def _token_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tokens = sub.add_parser("tokens", help="operator API tokens")
    tsub = tokens.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = tsub.add_parser("add", help="make a token; prints it once, alone on the last line")
    add.add_argument("name")
    add.add_argument(
        "--scope", action="append", required=True, choices=sorted(SCOPES), dest="scopes"
    )
    add_db_arguments(add)
    add.set_defaults(handler=_tokens_add)
    listing = tsub.add_parser("list", help="tokens, their scopes and state (never the token)")
    add_db_arguments(listing)
    listing.set_defaults(handler=_tokens_list)
    revoke = tsub.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("name")
    add_db_arguments(revoke)
    revoke.set_defaults(handler=_tokens_revoke)


def _terminal_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    terminals = sub.add_parser("terminals", help="terminal registrations")
    tsub = terminals.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = tsub.add_parser("add", help="allow a terminal to register; prints a one-time code")
    add.add_argument("terminal_id")
    add.add_argument(
        "--service-point", default="", help="the service point's name, shown by /verify"
    )
    add_db_arguments(add)
    add.set_defaults(handler=_terminals_add)
    listing = tsub.add_parser("list", help="registered terminals and their key ids")
    add_db_arguments(listing)
    listing.set_defaults(handler=_terminals_list)
    revoke = tsub.add_parser("revoke", help="revoke every key of a terminal (lost or stolen)")
    revoke.add_argument("terminal_id")
    add_db_arguments(revoke)
    revoke.set_defaults(handler=_terminals_revoke)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    quiet_migrations(args.verbose)
    try:
        code: int = args.handler(args)
    except UnsupportedDatabase as exc:
        print(f"kiosk-central: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CentralError as exc:
        print(f"kiosk-central: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except sa.exc.DBAPIError as exc:  # the server is down, refuses us, or failed a statement
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        print(f"kiosk-central: the database failed: {reason}", file=sys.stderr)
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
    if token is not None and len(token) < MIN_BOOTSTRAP_CHARS:
        print(
            f"kiosk-central: ${TOKEN_ENV} is shorter than {MIN_BOOTSTRAP_CHARS} characters: "
            "use a random one (openssl rand -base64 33) or named tokens (`tokens add`)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    target = target_of(args)
    check_workers(target, args.workers)
    if args.workers > 1:
        return _serve_workers(args)
    db = open_db(args)
    worker = None if args.no_decide else DecideWorker(db)
    try:
        app = create_app(db, operator_token=token)
        # uvicorn ends a SIGTERM'd process by the signal: the lifespan stops the worker first.
        close_on_shutdown(app, db, before=worker.stop if worker is not None else None)
        if worker is not None:
            worker.start()
        server = make_server(
            app,
            certfile=args.certfile,
            keyfile=args.keyfile,
            forwarded_allow_ips=args.forwarded_allow_ips,
            lifespan="on",
        )
        sock = bind(args.host, args.port)
        scheme = "https" if args.certfile else "http"
        log.info("kiosk-central on %s://%s:%d", scheme, args.host, sock.getsockname()[1])
        server.run(sockets=[sock])
        sock.close()
    finally:
        if worker is not None:
            worker.stop()
        db.close()
    return EXIT_OK


def _serve_workers(args: argparse.Namespace) -> int:
    """The HTTP workers are processes; the decide worker is one thread of the supervisor (the
    face models are loaded once, not once a worker)."""
    files = files_dir(args)
    settings = WorkerSettings(
        db=str(args.db),
        files=str(files) if files else "",
        certfile=args.certfile,
        keyfile=args.keyfile,
        forwarded_allow_ips=args.forwarded_allow_ips,
        verbose=args.verbose,
    )
    sock = bind(args.host, args.port)
    db = None if args.no_decide else open_db(args)
    worker = None if db is None else DecideWorker(db)
    try:
        if worker is not None:
            worker.start()
        run_workers(settings, sock, args.workers)
    finally:
        sock.close()
        if worker is not None:
            worker.stop()
        if db is not None:
            db.close()
    return EXIT_OK


def _tokens_add(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        token = add_token(db, args.name, args.scopes)
    finally:
        db.close()
    print(f"Operator token {args.name!r} ({', '.join(sorted(set(args.scopes)))}); shown once:")
    print(token)
    return EXIT_OK


def _tokens_list(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        print(json.dumps({"tokens": list_tokens(db)}, indent=2, ensure_ascii=False))
    finally:
        db.close()
    return EXIT_OK


def _tokens_revoke(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        revoke_token(db, args.name)
    finally:
        db.close()
    print(f"token {args.name!r} revoked")
    return EXIT_OK


def _terminals_add(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        code = db.add_terminal(args.terminal_id, args.service_point)
    finally:
        db.close()
    print(f"Registration code for {args.terminal_id} (valid 7 days, single use):")
    print(code)
    return EXIT_OK


def _terminals_list(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        print(json.dumps(db.terminals(), indent=2, ensure_ascii=False))
    finally:
        db.close()
    return EXIT_OK


def _terminals_revoke(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        count = db.revoke_terminal(args.terminal_id)
    finally:
        db.close()
    print(f"terminal {args.terminal_id}: {count} key(s) revoked")
    return EXIT_OK


def _faces_add(args: argparse.Namespace) -> int:
    jpeg = args.jpeg.read_bytes()
    if not jpeg.startswith(b"\xff\xd8"):
        print(f"kiosk-central: {args.jpeg} is not a JPEG", file=sys.stderr)
        return EXIT_USAGE
    db = open_db(args)
    try:
        db.put_reference_face(args.id_number, jpeg)
    finally:
        db.close()
    print("reference face stored")
    return EXIT_OK


def _read_bundle(path: Path) -> BundleFile:
    """The bundle file, parsed by pydantic's JSON parser (bounded nesting, no recursion)."""
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise CentralError(f"{path} is larger than {MAX_IMPORT_BYTES} bytes: not a bundle")
    try:
        return BundleFile.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise CentralError(f"{path} is not a bundle: {problem_text(exc)}") from None


def _import(args: argparse.Namespace) -> int:
    bundle = _read_bundle(args.bundle)
    db = open_db(args)
    try:
        terminal, outcomes, receipt = db.import_bundle(bundle.model_dump(), MAX_IMPORT_CASES)
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
        db = PlatformDB(Path(tmp) / "openapi.sqlite3")  # what a new platform serves
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
