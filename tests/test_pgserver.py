"""The tests' throw-away PostgreSQL server: a real cluster, started as an unprivileged user."""

from __future__ import annotations

import pwd

import sqlalchemy as sa
from pgserver import PostgresServer


def test_each_test_gets_its_own_empty_database(postgres_server: PostgresServer) -> None:
    first, second = postgres_server.create_database(), postgres_server.create_database()
    assert first != second
    engine = sa.create_engine(first)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (x int)"))
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        other = sa.create_engine(second)
        with other.connect() as conn:
            tables = conn.execute(sa.text("SELECT count(*) FROM pg_tables WHERE tablename = 't'"))
            assert tables.scalar_one() == 0
        other.dispose()
    finally:
        engine.dispose()


def test_the_server_never_runs_as_root(postgres_server: PostgresServer) -> None:
    owner = postgres_server.psql("SELECT pg_catalog.current_setting('data_directory')")
    assert owner == str(postgres_server.data)
    assert pwd.getpwuid(postgres_server.data.stat().st_uid).pw_name != "root"
