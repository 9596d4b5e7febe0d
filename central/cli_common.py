"""What every `kiosk-central` command that opens the database shares: `--db` and `--files`.

--db PATH|URL   a SQLite file (the embedded default) or postgresql://USER@HOST/NAME
--files DIR     PostgreSQL: the folder of the platform's keys and attachments (or
                $KIOSK_CENTRAL_FILES); SQLite keeps them beside its file unless given
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from central.db import FILES_ENV, PlatformDB
from central.store import Target, parse_target

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 3


def add_db_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", required=True, help="the SQLite file, or a postgresql:// URL (no password)"
    )
    parser.add_argument(
        "--files",
        type=Path,
        help=f"PostgreSQL: the folder of the platform's keys and attachments (${FILES_ENV})",
    )


def files_dir(args: argparse.Namespace) -> Path | None:
    given = getattr(args, "files", None) or os.environ.get(FILES_ENV)
    return Path(given) if given else None


def target_of(args: argparse.Namespace) -> Target:
    return parse_target(str(args.db))


def open_db(args: argparse.Namespace) -> PlatformDB:
    return PlatformDB(target_of(args), files_dir=files_dir(args))
