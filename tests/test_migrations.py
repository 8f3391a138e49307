"""Migrations exist for every model change, and the reference data they load is complete."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tamin.registry.models import Branch, County, Province


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration() -> None:
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


@pytest.mark.django_db
def test_reference_data_loaded() -> None:
    assert Province.objects.count() == 31
    assert County.objects.count() == 448
    assert Branch.objects.count() == County.objects.count()
    khuzestan = Province.objects.get(code="06")
    assert khuzestan.name_fa == "خوزستان" and khuzestan.sso_type == 1 and "ILNA" in khuzestan.sso_type_source
    assert Province.objects.exclude(code="06").filter(sso_type__isnull=False).count() == 0
    assert Province.objects.get(code="23").population_1395 == 13267637
