"""`kiosk-central` commands for the platform's data as a whole:

    kiosk-central migrate-db --from SQLITE --to URL [--files DIR]
        moves a SQLite platform's data to an empty PostgreSQL database (central/transfer.py);
        prints {"tables": {name: rows}, "attachments": files, "feed_position": n}
    kiosk-central attachments gc [--grace-hours 24] --db PATH|URL [--files DIR]
        deletes attachment files no case names, untouched for the grace period;
        prints {"files", "removed", "spared", "leftovers"}

Exit codes: 0 done, 2 bad argument (--from is not a SQLite file, --to not a PostgreSQL URL,
no --files for PostgreSQL), 3 data failure (the target holds data already, or other keys).
"""

from __future__ import annotations

import argparse
import json
import sys

import sqlalchemy as sa

from central.attachments import GRACE_S, AttachmentStore
from central.cli_common import EXIT_OK, EXIT_USAGE, add_db_arguments, files_dir, open_db
from central.db import FILES_ENV, PlatformDB
from central.store import UnsupportedDatabase, chunks, parse_target
from central.tables import case_attachments
from central.transfer import migrate_db

Sub = argparse._SubParsersAction


def register(sub: Sub) -> None:
    move = sub.add_parser("migrate-db", help="move a SQLite platform's data to PostgreSQL")
    move.add_argument("--from", dest="source", required=True, help="the SQLite file")
    move.add_argument("--to", dest="target", required=True, help="postgresql://... (empty)")
    move.add_argument(
        "--files", help=f"where the PostgreSQL platform keeps keys and attachments (${FILES_ENV})"
    )
    move.set_defaults(handler=_migrate_db)
    files = sub.add_parser("attachments", help="the attachment store beside the database")
    fsub = files.add_subparsers(dest="action", required=True, metavar="ACTION")
    gc = fsub.add_parser("gc", help="delete files no case names (left by failed transactions)")
    gc.add_argument(
        "--grace-hours",
        type=float,
        default=GRACE_S / 3600,
        help="spare files written or touched this recently (default 24)",
    )
    add_db_arguments(gc)
    gc.set_defaults(handler=_attachments_gc)


def _migrate_db(args: argparse.Namespace) -> int:
    source, target = parse_target(args.source), parse_target(args.target)
    if source.path is None:
        raise UnsupportedDatabase("--from takes the SQLite file of the platform to move")
    if not target.postgresql:
        raise UnsupportedDatabase("--to takes a postgresql:// URL (an empty database)")
    folder = files_dir(args)
    if folder is None:
        raise UnsupportedDatabase(
            f"--files DIR (or ${FILES_ENV}): where the PostgreSQL platform keeps its keys and "
            "attachments"
        )
    print(json.dumps(migrate_db(source, target, folder), sort_keys=True))
    return EXIT_OK


def _attachments_gc(args: argparse.Namespace) -> int:
    if args.grace_hours < 1:
        print(
            "kiosk-central: --grace-hours is at least 1 (transactions in flight)", file=sys.stderr
        )
        return EXIT_USAGE
    db = open_db(args)
    try:
        if not isinstance(db.attachments, AttachmentStore):
            raise UnsupportedDatabase("this platform keeps no attachment files")
        result = db.attachments.collect(lambda digests: named(db, digests), args.grace_hours * 3600)
    finally:
        db.close()
    print(json.dumps(result.as_dict()))
    return EXIT_OK


def named(db: PlatformDB, digests: list[str]) -> set[str]:
    """Which of `digests` a case's attachment names (committed rows)."""
    found: set[str] = set()
    for chunk in chunks(digests):
        found.update(
            row[0]
            for row in db.rows(
                sa.select(case_attachments.c.sha256)
                .where(case_attachments.c.sha256.in_(chunk))
                .distinct()
            )
        )
    return found
