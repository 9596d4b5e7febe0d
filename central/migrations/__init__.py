"""The platform database's Alembic migrations: one chain for SQLite and PostgreSQL.

Run by `central.migrate` (every `kiosk-central` command that opens a database), never by the
`alembic` command line: there is no alembic.ini. A new revision goes in `versions/`, numbered
after the last, written for both backends (`op.batch_alter_table` where SQLite must rebuild a
table), and `central/tables.py` changes with it (a test compares the two).
"""
