"""A batch and a single post of the same list at the same time (PostgreSQL): the single post waits for
the batch and sees its list (`unchanged`), instead of one of the two failing on the list's unique key."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tamin.accounts.roles import Role
from tamin.contributions import batch, posting
from tamin.contributions.models import ContributionList, ListRow
from tests.contributions.db_factories import person_ids, priced, wage_list

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises every writer (BEGIN IMMEDIATE)"
)


@pytest.fixture
def reference(transactional_db):
    """The reference data, which an earlier transactional test's flush may have taken."""
    from django.apps import apps

    from tamin.registry import reference
    from tamin.registry.models import Branch

    if not Branch.objects.exists():
        reference.load(apps)


@pytest.mark.django_db(transaction=True)
def test_single_post_waits_for_the_batch_in_progress(reference, world, monkeypatch):
    wl = wage_list(world.workshop_a.code, n=3)
    price = priced(wl)
    ids = person_ids(wl.rows["PER_NATCOD"].tolist())
    staff = world.users[Role.BRANCH_STAFF]
    inside, go = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def hold(list_ids):  # the batch has written its rows and holds its locks
        inside.set()
        assert go.wait(30)

    monkeypatch.setattr(batch, "after_rows_hook", hold)

    def run_batch():
        try:
            item = batch.BatchItem(wl, price, world.workshop_a, ids, derivation=price.derivation.as_dict())
            outcome["batch"] = [r.status for r in batch.post_batch(world.users[Role.ADMIN], [item])]
        except Exception as err:  # reported by the main thread
            outcome["batch"] = err
        finally:
            connection.close()

    def run_single():
        try:
            outcome["single"] = posting.post_list(staff, wl, price, workshop=world.workshop_a, person_ids=ids)
        except Exception as err:
            outcome["single"] = err
        finally:
            connection.close()

    first = threading.Thread(target=run_batch)
    first.start()
    assert inside.wait(30)
    second = threading.Thread(target=run_single)
    second.start()
    second.join(1.5)
    waited = second.is_alive()  # still waiting for the batch's lock
    go.set()
    first.join(30)
    second.join(30)
    assert waited, "the single post did not wait for the batch"
    assert outcome["batch"] == ["posted"]
    single = outcome["single"]
    assert not isinstance(single, Exception), single
    assert single.status == "unchanged"
    assert ContributionList.objects.count() == 1 and ListRow.objects.count() == 3
