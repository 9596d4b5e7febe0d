"""The platform's database connection, on SQLite (the embedded default) or PostgreSQL, through
SQLAlchemy Core.

    store = Store(parse_target("/var/lib/kiosk-central/central.sqlite3"))
    store = Store(parse_target("postgresql://kiosk-central@/central"))
    with store.transaction() as tx:          # one transaction: committed, or rolled back
        tx.execute(sa.update(...))
        tx.feed_entry(terminal_id, case_id, "received", at)   # numbered at commit
    rows = store.rows(sa.select(...))        # one statement, outside any transaction

**SQLite**: one connection behind a lock, as before the port (WAL, `synchronous=FULL`,
`secure_delete`, foreign keys on; files 0600). A transaction begins with `BEGIN IMMEDIATE`,
so it holds the write lock from its first statement and never has to upgrade a read lock
(another process, `kiosk-central decide`, may write to the same file).

**PostgreSQL**: a pool of connections per process (psycopg 3), READ COMMITTED. Reads that
are one statement run without a transaction. What must not race across processes is made
safe by the database: constraints, conditional UPDATEs, row locks (`FOR UPDATE`, `SKIP
LOCKED` where work is claimed), never an in-process lock.

**The feed's order.** Every change a transaction adds to the pull feed is numbered as the
transaction's last statement, from the one-row `feed_position` counter. The counter's row lock
is held until the transaction commits, so the next transaction that numbers feed entries
waits for this one's commit: numbers are handed out in commit order, without gaps, and a
reader that has seen number n has seen every number below n (docs/platform.md, "the feed").
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from psycopg import RawCursor
from sqlalchemy import event
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import StaticPool

from central.errors import CentralError
from central.files import create_private, private_folder, tighten
from central.tables import feed_entries, feed_position

MEMORY = ":memory:"
POSTGRES_SCHEMES = ("postgresql", "postgres")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):/")
POOL_SIZE = 8  # per process; a worker runs at most this many statements at once, and waits
POOL_OVERFLOW = 8
POOL_RECYCLE_S = 1800


class UnsupportedDatabase(CentralError):
    """`--db` names something this release cannot serve (exit 2)."""


@dataclass(frozen=True)
class Target:
    """What `--db` names: a SQLite file (or `:memory:`), or a PostgreSQL database."""

    url: URL
    path: Path | None = None  # the SQLite file; None for :memory: and PostgreSQL

    @property
    def postgresql(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @property
    def memory(self) -> bool:
        return not self.postgresql and self.path is None

    def __str__(self) -> str:
        """For messages and logs: never the password a URL may carry."""
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)


def parse_target(db: str | Path) -> Target:
    """A SQLite file path (the default) or a `postgresql://` URL; UnsupportedDatabase for any
    other URL. Messages name the URL's scheme only: a URL may carry a password."""
    text = str(db)
    if text == MEMORY:
        return Target(URL.create("sqlite+pysqlite", database=MEMORY))
    found = _URL.match(text)
    if found is None:
        path = Path(text)
        return Target(URL.create("sqlite+pysqlite", database=str(path)), path)
    scheme = found.group(1).lower()
    if scheme.split("+")[0] not in POSTGRES_SCHEMES:
        raise UnsupportedDatabase(
            f"--db takes a SQLite file path or a postgresql:// URL, not a {scheme}: URL"
        )
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError:
        raise UnsupportedDatabase("--db: this postgresql:// URL cannot be read") from None
    # psycopg 3 is the driver this release ships, whatever the URL asked for.
    return Target(url.set(drivername="postgresql+psycopg"))


class Tx:
    """One transaction's connection, and the feed entries it adds (numbered at commit)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self._feed: list[tuple[dict[str, str], Callable[[int], None] | None]] = []

    def execute(self, statement: Any, params: Any = None) -> Any:
        """The result of one statement (typed loosely: rows unpack by position)."""
        return self.conn.execute(statement, params)

    def insert(self, table: sa.Table) -> Any:
        """An INSERT that can take `.on_conflict_do_nothing()` / `.on_conflict_do_update()`
        (the same API on both dialects)."""
        if self.dialect == "postgresql":
            return pg_dialect.insert(table)
        return sqlite_dialect.insert(table)

    def insert_many(self, statement: Any, rows: list[dict[str, Any]]) -> None:
        """A many-row `INSERT ... ON CONFLICT`; on PostgreSQL as multi-row statements, not
        one per row.

        SQLAlchemy batches an ON CONFLICT insert into multi-row statements only when it
        returns something, so this one returns its table's first key column (and drops it).
        With DO UPDATE, no two rows may share a key: PostgreSQL refuses to update a row
        twice in one statement."""
        if rows and self.dialect != "postgresql":  # SQLite's executemany is fast as it is
            self.conn.execute(statement, rows)
        elif rows:
            table = statement.table
            key = next(iter(table.primary_key.columns or table.columns))
            self.conn.execute(statement.returning(key), rows).all()

    def feed_entry(
        self,
        terminal_id: str,
        case_id: str,
        event: str,
        at: str,
        then: Callable[[int], None] | None = None,
    ) -> None:
        """A change for the pull feed; its number is given when the transaction commits,
        and `then(number)` runs then (still inside the transaction)."""
        row = {"terminal_id": terminal_id, "case_id": case_id, "event": event, "at": at}
        self._feed.append((row, then))

    def number_feed_entries(self) -> None:
        """The transaction's last statements: take the next feed positions (the counter's
        row lock is held until commit) and store the entries with them."""
        if not self._feed:
            return
        if self.dialect == "postgresql":
            first = self._number_in_one_statement()
        else:
            count = len(self._feed)
            last = self.conn.execute(
                sa.update(feed_position)
                .where(feed_position.c.id == 1)
                .values(last=feed_position.c.last + count)
                .returning(feed_position.c.last)
            ).scalar_one()
            first = int(last) - count + 1
            self.conn.execute(
                sa.insert(feed_entries),
                [{"seq": first + n, **row} for n, (row, _) in enumerate(self._feed)],
            )
        for n, (_, then) in enumerate(self._feed):
            if then is not None:
                then(first + n)
        self._feed.clear()

    def _number_in_one_statement(self) -> int:
        """PostgreSQL: take the positions and store the entries in one statement (the
        counter's UPDATE in a CTE holds its row lock until commit, as above); the first
        position taken."""
        rows = [row for row, _ in self._feed]
        taken = self.conn.execute(
            _NUMBER_FEED_ENTRIES,
            {
                "count": len(rows),
                **{f"{name}s": [row[name] for row in rows] for name in FEED_ENTRY_FIELDS},
            },
        )
        return min(int(seq) for (seq,) in taken)


FEED_ENTRY_FIELDS = ("terminal_id", "case_id", "event", "at")
_NUMBER_FEED_ENTRIES = sa.text(
    """
    WITH taken AS (
        UPDATE feed_position SET last = last + :count WHERE id = 1 RETURNING last
    )
    INSERT INTO feed_entries (seq, terminal_id, case_id, event, at)
    SELECT taken.last - :count + entry.n, entry.terminal_id, entry.case_id, entry.event,
           entry.at
    FROM taken, unnest(
        CAST(:terminal_ids AS text[]), CAST(:case_ids AS text[]),
        CAST(:events AS text[]), CAST(:ats AS text[])
    ) WITH ORDINALITY AS entry(terminal_id, case_id, event, at, n)
    RETURNING seq
    """
)


@dataclass
class Store:
    """The database connection(s) of one process."""

    target: Target
    engine: Engine = field(init=False)
    _reader: Engine = field(init=False)
    _lock: Any = field(init=False)

    def __post_init__(self) -> None:
        if self.target.postgresql:
            self.engine = sa.create_engine(
                self.target.url,
                pool_size=POOL_SIZE,
                max_overflow=POOL_OVERFLOW,
                # No ping before each checkout (a round trip per transaction): a connection
                # the server dropped fails one statement, and SQLAlchemy then replaces the
                # whole pool; terminals resend what was refused.
                pool_recycle=POOL_RECYCLE_S,
                # PostgreSQL's own `$1` placeholders, sent as they are (psycopg's RawCursor):
                # with `%(name)s` ones, psycopg re-parses every long multi-row INSERT, which
                # cost a worker more CPU than the rows' SQL itself.
                paramstyle="numeric_dollar",
                connect_args={"application_name": "kiosk-central", "cursor_factory": RawCursor},
            )
            # A many-row INSERT goes as multi-row INSERTs (SQLAlchemy's "insertmanyvalues"),
            # not one statement per row: psycopg's per-row sends cost the worker more CPU
            # than the rows themselves.
            self.engine.dialect.use_insertmanyvalues_wo_returning = True
            self._reader = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            self._lock = contextlib.nullcontext()
        else:
            self.engine = _sqlite_engine(self.target)
            self._reader = self.engine
            self._lock = threading.RLock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A transaction: committed when the block ends, rolled back when it raises."""
        with (
            self._lock,
            self.engine.connect() as conn,
            conn.execution_options(kiosk_write=True).begin(),
        ):
            tx = Tx(conn)
            yield tx
            tx.number_feed_entries()

    def write_one(self, statement: Any, params: Any = None) -> None:
        """One write statement that is a transaction of its own. On PostgreSQL it is sent
        alone (the server commits it as one transaction: no BEGIN and COMMIT round trips);
        on SQLite it is written as `transaction()` writes."""
        if not self.target.postgresql:
            with self.transaction() as tx:
                tx.execute(statement, params)
            return
        with self._reader.connect() as conn:
            conn.execute(statement, params)

    def rows(self, statement: Any, params: Any = None) -> list[tuple[Any, ...]]:
        """The rows of one statement (a read)."""
        with self._lock, self._reader.connect() as conn:
            return [tuple(row) for row in conn.execute(statement, params)]

    @contextlib.contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection for several reads in one transaction (one snapshot on SQLite)."""
        with self._lock, self.engine.connect() as conn, conn.begin():
            yield conn

    def raw_connection_pragma(self, sql: str) -> None:
        """A SQLite PRAGMA outside any transaction (foreign keys off while migrating)."""
        with self._lock, self.engine.connect() as conn:
            conn.connection.dbapi_connection.execute(sql)  # type: ignore[union-attr]

    def close(self) -> None:
        with self._lock:
            self.engine.dispose()


def _sqlite_engine(target: Target) -> Engine:
    path = target.path
    if path is not None:
        if not path.parent.exists():
            private_folder(path.parent)
        create_private(path)  # 0600 before SQLite opens it; -wal and -shm take its mode
    engine = sa.create_engine(
        target.url,
        poolclass=StaticPool,
        connect_args={"check_same_thread": False, "timeout": 10.0},
    )

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # pysqlite begins nothing; `on_begin` does
        if path is not None:
            dbapi_conn.execute("PRAGMA journal_mode = WAL")
        dbapi_conn.execute("PRAGMA synchronous = FULL")
        dbapi_conn.execute("PRAGMA secure_delete = ON")  # deleted keys leave no copy
        dbapi_conn.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("kiosk_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    if path is not None:
        with engine.connect() as conn:  # WAL now, so the -wal and -shm files exist to tighten
            conn.exec_driver_sql("SELECT 1")
        for suffix in ("-wal", "-shm"):
            tighten(path.with_name(path.name + suffix))
    return engine


def chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """`items` in pieces (an IN list stays under every backend's limit on parameters)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
