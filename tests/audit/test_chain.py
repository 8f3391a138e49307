"""The audit trail is append-only and hash-chained; `tamin audit verify` names the first broken row."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from tamin.accounts.roles import Role
from tamin.audit import triggers
from tamin.audit.models import AppendOnlyError, AuditEntry
from tamin.audit.services import GENESIS, record, verify
from tamin.registry import services


@pytest.fixture
def chain(world) -> list[AuditEntry]:
    staff = world.users[Role.BRANCH_STAFF]
    for mobile in ("09120000001", "09120000002", "09120000003", "09120000004"):
        services.update_person(staff, world.worker_a, {"mobile": mobile})
    return list(AuditEntry.objects.order_by("seq"))


def test_chain_links_and_verifies(chain) -> None:
    assert [e.seq for e in chain] == [1, 2, 3, 4]
    assert chain[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    report = verify()
    assert report.ok and report.checked == 4


def test_rows_cannot_be_changed_or_deleted(chain) -> None:
    entry = chain[1]
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    for sql in (
        f"UPDATE {triggers.TABLE} SET action = 'forged' WHERE seq = 2",
        f"DELETE FROM {triggers.TABLE} WHERE seq = 2",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert verify().ok


def _tamper(sql: str) -> None:
    with triggers.suspended(), connection.cursor() as cur:
        cur.execute(sql)


def test_changed_content_is_found_and_named(chain) -> None:
    _tamper(f'UPDATE {triggers.TABLE} SET after = \'{{"mobile": "09129999999"}}\' WHERE seq = 3')
    report = verify()
    assert not report.ok and report.first_broken_seq == 3 and report.checked == 2
    assert "hash" in report.reason
    with pytest.raises(CommandError, match="seq=3"):
        call_command("audit", "verify")


def test_a_removed_row_is_found(chain) -> None:
    _tamper(f"DELETE FROM {triggers.TABLE} WHERE seq = 2")
    report = verify()
    assert not report.ok and report.first_broken_seq == 3 and "missing" in report.reason


def test_rehashed_forgery_breaks_the_next_link(chain) -> None:
    """A forger who recomputes the hash of the row they changed still breaks the following row's link."""
    from tamin.audit.services import entry_hash

    row = AuditEntry.objects.filter(seq=2).values().get()
    fields = {
        k: row[k]
        for k in (
            "seq",
            "at",
            "actor_id",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "before",
            "prev_hash",
        )
    }
    forged = entry_hash(**fields, after={"mobile": "09129999999"})
    _tamper(
        f"UPDATE {triggers.TABLE} SET after = '{{\"mobile\": \"09129999999\"}}', hash = '{forged}' "
        "WHERE seq = 2"
    )
    report = verify()
    assert not report.ok and report.first_broken_seq == 3 and "previous" in report.reason


def test_cli_reports_an_intact_chain(chain, capsys) -> None:
    call_command("audit", "verify")
    assert "4 rows verified" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_record_needs_the_write_transaction() -> None:
    with pytest.raises(RuntimeError):
        record(None, "x.y", object_type="x", object_id="1")
