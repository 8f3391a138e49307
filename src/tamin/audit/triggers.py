"""Database triggers that refuse UPDATE and DELETE on the audit table, whoever connects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditentry"
MESSAGE = "audit trail is append-only"

_SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
_SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_no_update", "DROP TRIGGER IF EXISTS audit_no_delete"]

# TRUNCATE is left to privileges (the application role should not own the table); test
# databases are flushed with it.
_POSTGRES = [
    "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
    f"DROP TRIGGER IF EXISTS audit_no_change ON {TABLE}",
    f"CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
]
_POSTGRES_DROP = [f"DROP TRIGGER IF EXISTS audit_no_change ON {TABLE}"]


def _statements(conn: BaseDatabaseWrapper, drop: bool) -> list[str]:
    if conn.vendor == "sqlite":
        return _SQLITE_DROP if drop else _SQLITE
    if conn.vendor == "postgresql":
        return _POSTGRES_DROP if drop else _POSTGRES
    return []


def install(conn: BaseDatabaseWrapper = default_connection) -> None:
    with conn.cursor() as cur:
        for sql in _statements(conn, drop=False):
            cur.execute(sql)


def remove(conn: BaseDatabaseWrapper = default_connection) -> None:
    with conn.cursor() as cur:
        for sql in _statements(conn, drop=True):
            cur.execute(sql)


@contextmanager
def suspended(conn: BaseDatabaseWrapper = default_connection) -> Iterator[None]:
    """For maintenance and for tests that flush or deliberately tamper with the table."""
    remove(conn)
    try:
        yield
    finally:
        install(conn)
