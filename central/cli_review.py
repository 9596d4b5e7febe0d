"""`kiosk-central` commands for decisions and the people who make them:

    kiosk-central users add NAME --role reviewer|admin --db DB   (one-time password, last line)
    kiosk-central users list|reset|disable [NAME] --db DB
    kiosk-central review list [--json] --db DB
        {"cases": [{"case_id", "terminal_id", "received_at", "reason"}]}, oldest first
    kiosk-central review decide CASE_ID --decision verified|not_verified --reason CODE
        --reviewer NAME [--note TEXT] [--terminal-id ID] --db DB          (audited)
    kiosk-central decide [--once] --db DB        (the decide worker, as a process of its own)
    kiosk-central residents import FILE --db DB  (docs/platform.md: residents and channels)
    kiosk-central audit export [--out FILE] --db DB

Exit codes: 0 ok, 2 bad argument (an unknown reviewer or reason, an ambiguous case id),
3 data failure (no such case, not awaiting review, a bad residents file).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from central import audit, decision_store, staff
from central.cli_common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, add_db_arguments, open_db
from central.db import PlatformDB
from central.decide import DecideWorker, Matcher, run_jobs, worker_name
from central.residents import import_residents, parse_residents, read_import_file
from contract.decisions import REJECTION_REASONS, DecidedBy, Reason, Verdict

Sub = argparse._SubParsersAction


def register(sub: Sub) -> None:
    _users(sub)
    _review(sub)
    work = sub.add_parser("decide", help="run the decide worker (match pending checks)")
    work.add_argument("--once", action="store_true", help="run the open jobs, then exit")
    work.add_argument("--poll", type=float, default=1.0, help="seconds between looks for work")
    add_db_arguments(work)
    work.set_defaults(handler=_decide)
    residents = sub.add_parser("residents", help="residents, service points, other channels")
    rsub = residents.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = rsub.add_parser(
        "import", help="import a CSV: id_number,service_point[,verified_at,channel]"
    )
    imp.add_argument("file", type=Path)
    add_db_arguments(imp)
    imp.set_defaults(handler=_residents_import)
    logs = sub.add_parser("audit", help="the audit log")
    lsub = logs.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = lsub.add_parser("export", help="the whole audit log as CSV")
    export.add_argument("--out", type=Path)
    add_db_arguments(export)
    export.set_defaults(handler=_audit_export)


def _users(sub: Sub) -> None:
    users = sub.add_parser("users", help="staff accounts of the review site")
    usub = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = usub.add_parser("add", help="a new account; prints a one-time password last")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=staff.ROLES)
    add_db_arguments(add)
    add.set_defaults(handler=_users_add)
    listing = usub.add_parser("list", help="accounts, roles, locks (never a password)")
    add_db_arguments(listing)
    listing.set_defaults(handler=_users_list)
    for action, what in (
        ("reset", "a new one-time password (unlocks, ends sessions)"),
        ("disable", "the account can no longer log in (ends sessions)"),
    ):
        parser = usub.add_parser(action, help=what)
        parser.add_argument("name")
        add_db_arguments(parser)
        parser.set_defaults(handler=_users_reset if action == "reset" else _users_disable)


def _review(sub: Sub) -> None:
    review = sub.add_parser("review", help="checks awaiting review")
    rsub = review.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = rsub.add_parser("list", help="checks awaiting review, oldest first")
    listing.add_argument("--json", action="store_true")
    add_db_arguments(listing)
    listing.set_defaults(handler=_review_list)
    decide = rsub.add_parser("decide", help="decide a check awaiting review (audited)")
    decide.add_argument("case_id")
    decide.add_argument("--decision", required=True, choices=[str(v) for v in Verdict])
    decide.add_argument(
        "--reason",
        required=True,
        help=f"verified: {Reason.REVIEWER_APPROVED}; not_verified: one of "
        + ", ".join(REJECTION_REASONS),
    )
    decide.add_argument("--reviewer", required=True, help="the staff account deciding")
    decide.add_argument("--note", default="", help="a note kept with the decision")
    decide.add_argument("--terminal-id", help="needed only when two terminals used the id")
    add_db_arguments(decide)
    decide.set_defaults(handler=_review_decide)


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"kiosk-central: {message}", file=sys.stderr)
    return code


def _users_add(args: argparse.Namespace) -> int:
    with _db(args) as db:
        password = staff.add_user(db, args.name, args.role)
    print(f"Staff account {args.name!r} ({args.role}); one-time password, to be changed at "
          "first login:")  # fmt: skip
    print(password)
    return EXIT_OK


def _users_reset(args: argparse.Namespace) -> int:
    with _db(args) as db:
        password = staff.reset_user(db, args.name)
    print(f"New one-time password for {args.name!r}, to be changed at first login:")
    print(password)
    return EXIT_OK


def _users_disable(args: argparse.Namespace) -> int:
    with _db(args) as db:
        staff.disable_user(db, args.name)
    print(f"staff account {args.name!r} disabled")
    return EXIT_OK


def _users_list(args: argparse.Namespace) -> int:
    with _db(args) as db:
        print(json.dumps({"users": staff.list_users(db)}, indent=2, ensure_ascii=False))
    return EXIT_OK


def _review_list(args: argparse.Namespace) -> int:
    with _db(args) as db:
        cases = [case.listed() for case in decision_store.review_queue(db, limit=1_000_000)]
    if args.json:
        print(json.dumps({"cases": cases}, ensure_ascii=False))
        return EXIT_OK
    for case in cases:
        print(f"{case['received_at']}  {case['terminal_id']}  {case['case_id']}  {case['reason']}")
    print(f"{len(cases)} awaiting review", file=sys.stderr)
    return EXIT_OK


def _review_decide(args: argparse.Namespace) -> int:
    verdict = Verdict(args.decision)
    allowed = [str(Reason.REVIEWER_APPROVED)] if verdict is Verdict.VERIFIED else list(
        map(str, REJECTION_REASONS)
    )  # fmt: skip
    if args.reason not in allowed:
        return _fail(f"--reason for {verdict} is one of: {', '.join(allowed)}", EXIT_USAGE)
    with _db(args) as db:
        if staff.active_user(db, args.reviewer) is None:
            return _fail(f"no active staff account named {args.reviewer!r}", EXIT_USAGE)
        terminals = [args.terminal_id] if args.terminal_id else decision_store.terminals_of_case(
            db, args.case_id
        )  # fmt: skip
        if len(terminals) > 1:
            return _fail("several terminals sent a case with this id: add --terminal-id", 2)
        if not terminals:
            return _fail("no pending check with this id")
        try:
            decision = decision_store.decide(
                db, terminal_id=terminals[0], case_id=args.case_id, verdict=verdict,
                reason=Reason(args.reason), decided_by=DecidedBy.REVIEW,
                awaiting=decision_store.AWAITING_REVIEW, actor=f"cli:{args.reviewer}",
                reviewer=args.reviewer, note=args.note.strip()[:500],
            )  # fmt: skip
        except (decision_store.NotAwaiting, decision_store.UnknownCase) as exc:
            return _fail(str(exc))
    print(json.dumps(_decided(decision.case_id, decision.terminal_id, decision)))
    return EXIT_OK


def _decided(case_id: str, terminal_id: str, decision: Any) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "terminal_id": terminal_id,
        "decision": str(decision.verdict),
        "reason": str(decision.reason),
        "decided_at": decision.decided_at,
        "decided_by": str(decision.decided_by),
    }


def _decide(args: argparse.Namespace) -> int:
    with _db(args) as db:
        if args.once:
            tally = run_jobs(Matcher(db), worker_name())
            print(json.dumps(tally.as_dict()))
            return EXIT_OK
        worker = DecideWorker(db, poll_s=args.poll)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        worker.start()
        stop.wait()
        worker.stop()
    return EXIT_OK


def _residents_import(args: argparse.Namespace) -> int:
    rows = parse_residents(read_import_file(args.file.read_bytes()))
    with _db(args) as db:
        counts = import_residents(db, rows, actor="cli")
    print(json.dumps(counts))
    return EXIT_OK


def _audit_export(args: argparse.Namespace) -> int:
    with _db(args) as db:
        audit.record(db, actor="cli", action="export_audit")
        out = args.out.open("w", encoding="utf-8", newline="") if args.out else sys.stdout
        try:
            for piece in audit.export_csv(db):
                out.write(piece)
        finally:
            if args.out:
                out.close()
    return EXIT_OK


class _db:  # noqa: N801 - used as `with _db(args) as db`
    def __init__(self, args: argparse.Namespace) -> None:
        self.db = open_db(args)

    def __enter__(self) -> PlatformDB:
        return self.db

    def __exit__(self, *exc: object) -> None:
        self.db.close()
