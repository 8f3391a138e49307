"""Database selection from TAMIN_DATABASE_URL, and that the PostgreSQL pass really runs on PostgreSQL."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from tamin.settings import database_from_url


def test_postgres_url_is_read() -> None:
    db = database_from_url("postgresql://postgres:s%40cret@127.0.0.1:5432/test")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "postgres",
        "s@cret",
        "127.0.0.1",
        "5432",
        "test",
    )


def test_other_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        database_from_url("mysql://root@localhost/db")


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_it_was_given() -> None:
    url = os.environ.get("TAMIN_DATABASE_URL", "")
    assert connection.vendor == ("postgresql" if url.startswith("postgres") else "sqlite")
