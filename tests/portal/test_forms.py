"""Forms hand input to the services; a refusal comes back next to its field as code + Persian message,
nothing is written, and the answer is never a 500."""

from __future__ import annotations

import re

import pytest

from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.core.idcodes import with_check_digit
from tamin.core.text import to_persian_digits as fa
from tamin.registry.models import Person

NEW_CODE = with_check_digit("012345670")


def form_data(**over: str) -> dict[str, str]:
    data = {
        "national_code": NEW_CODE,
        "first_name": "سارا",
        "last_name": "محمدی",
        "father_name": "رضا",
        "birth_date": "۱۳۷۵/۰۲/۰۳",
        "sex": "female",
        "id_card_number": "",
        "mobile": "",
    }
    data.update(over)
    return data


def error_for(page: str, field: str) -> list[str]:
    """The error codes shown next to `field`."""
    return re.findall(rf'data-error-code="([^"]+)" data-error-field="{field}"', page)


def test_registration_creates_the_person_and_an_audit_entry(signed_in, world) -> None:
    client = signed_in(Role.BRANCH_STAFF)
    response = client.post("/persons/new/", form_data())
    assert response.status_code == 302
    assert response["Location"] == f"/persons/{NEW_CODE}/"
    person = Person.objects.get(national_code=NEW_CODE)
    assert person.branch == world.branch_a and person.insurance_number
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_name, entry.object_id) == ("person.register", "staff-a", str(person.pk))
    page = client.get(response["Location"]).content.decode()
    assert "سارا محمدی ثبت شد" in page and fa(person.insurance_number) in page and "۱۳۷۵/۰۲/۰۳" in page


def test_registration_form_lists_every_field(signed_in, world) -> None:
    page = signed_in(Role.BRANCH_STAFF).get("/persons/new/").content.decode()
    for name in ("national_code", "first_name", "last_name", "father_name", "birth_date", "sex", "mobile"):
        assert f'name="{name}"' in page
    assert 'name="branch"' not in page  # branch staff register in their own branch
    assert 'name="branch"' in signed_in(Role.ADMIN).get("/persons/new/").content.decode()


@pytest.mark.parametrize(
    ("over", "field", "code", "status"),
    [
        ({"national_code": "1234567890"}, "national_code", "national_code.checksum", 400),
        ({"national_code": "12ab"}, "national_code", "national_code.format", 400),
        ({"national_code": "1111111111"}, "national_code", "national_code.same_digits", 400),
        ({"national_code": with_check_digit("123456001")}, "national_code", "person.duplicate", 409),
        ({"birth_date": "1375-2"}, "birth_date", "jalali.format", 400),
        ({"birth_date": "1375/13/01"}, "birth_date", "jalali.range", 400),
        ({"birth_date": "1500/01/01"}, "birth_date", "date.future", 400),
        ({"first_name": ""}, "first_name", "field.required", 400),
        ({"last_name": "Smith"}, "last_name", "name.script", 400),
        ({"sex": "x"}, "sex", "sex.invalid", 400),
        ({"mobile": "12345"}, "mobile", "mobile.format", 400),
    ],
)
def test_bad_registration_shows_the_code_next_to_the_field_and_writes_nothing(
    signed_in, world, over: dict[str, str], field: str, code: str, status: int
) -> None:
    persons = Person.objects.count()
    response = signed_in(Role.BRANCH_STAFF).post("/persons/new/", form_data(**over))
    page = response.content.decode()
    assert response.status_code == status
    assert code in error_for(page, field), page
    assert 'aria-invalid="true"' in page
    assert Person.objects.count() == persons and not AuditEntry.objects.exists()
    # The input is kept, so the clerk corrects rather than retypes.
    assert 'value="سارا"' in page or over.get("first_name") == ""


def test_every_problem_is_shown_at_once(signed_in, world) -> None:
    page = (
        signed_in(Role.BRANCH_STAFF)
        .post("/persons/new/", form_data(national_code="1234567890", birth_date="x", sex=""))
        .content.decode()
    )
    assert error_for(page, "national_code") == ["national_code.checksum"]
    assert error_for(page, "birth_date") == ["jalali.format"]
    assert error_for(page, "sex") == ["sex.invalid"]


def test_an_unknown_branch_is_a_field_error_for_the_admin(signed_in, world) -> None:
    response = signed_in(Role.ADMIN).post("/persons/new/", form_data(branch="999"))
    assert response.status_code == 400
    assert error_for(response.content.decode(), "branch") == ["branch.unknown"]
    assert not Person.objects.filter(national_code=NEW_CODE).exists()


def test_the_admin_registers_into_the_chosen_branch(signed_in, world) -> None:
    response = signed_in(Role.ADMIN).post("/persons/new/", form_data(branch=world.branch_b.code))
    assert response.status_code == 302
    assert Person.objects.get(national_code=NEW_CODE).branch == world.branch_b


def test_registration_is_refused_to_roles_that_may_not_register(signed_in, world) -> None:
    for role in (Role.INSURED, Role.PROVIDER, Role.HQ_MANAGER, Role.AUDITOR):
        response = signed_in(role).post("/persons/new/", form_data())
        assert response.status_code == 403
        assert "این بخش برای نقش شما باز نیست" in response.content.decode()
    assert not Person.objects.filter(national_code=NEW_CODE).exists()


def test_search_leads_to_the_person_page(signed_in, world) -> None:
    client = signed_in(Role.BRANCH_STAFF)
    response = client.get("/persons/search/", {"national_code": fa(world.worker_a.national_code)})
    assert response.status_code == 302 and response["Location"] == f"/persons/{world.worker_a.national_code}/"


@pytest.mark.parametrize(
    ("code", "shown", "status"),
    [
        ("1234567890", "national_code.checksum", 400),
        ("", "national_code.format", 400),
        (with_check_digit("123456004"), "auth.out_of_scope", 403),  # worker_b, another branch
        (NEW_CODE, "auth.out_of_scope", 403),  # nobody: same answer, so scope cannot be probed
    ],
)
def test_search_errors_are_shown_on_the_form(signed_in, world, code: str, shown: str, status: int) -> None:
    response = signed_in(Role.BRANCH_STAFF).get("/persons/search/", {"national_code": code})
    assert response.status_code == status
    page = response.content.decode()
    assert shown in error_for(page, "national_code")
    assert "حسین کریمی" not in page


def test_search_for_an_unknown_code_by_a_nationwide_reader_is_not_found(signed_in, world) -> None:
    response = signed_in(Role.HQ_MANAGER).get("/persons/search/", {"national_code": NEW_CODE})
    assert response.status_code == 404
    assert "person.not_found" in error_for(response.content.decode(), "national_code")


def test_eligibility_with_htmx_returns_the_answer_panel(signed_in, world) -> None:
    client = signed_in(Role.PROVIDER)
    response = client.post(
        "/eligibility/", {"national_code": world.child_a.national_code}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert 'data-covered="true"' in page and "افراد تحت تکفل" in page
    assert fa(world.worker_a.national_code) in page  # through whom
    assert "مریم" not in page  # providers get the answer, not the file


def test_eligibility_without_javascript_returns_the_whole_page(signed_in, world) -> None:
    response = signed_in(Role.PROVIDER).post(
        "/eligibility/", {"national_code": world.unemployed.national_code}
    )
    page = response.content.decode()
    assert response.status_code == 200 and '<html lang="fa" dir="rtl">' in page
    assert 'data-covered="false"' in page and "پوشش درمانی جاری ندارد" in page


def test_eligibility_of_an_unregistered_code_is_an_answer_not_an_error(signed_in, world) -> None:
    page = signed_in(Role.PROVIDER).post("/eligibility/", {"national_code": NEW_CODE}).content.decode()
    assert "این کد ملی در سامانه ثبت نیست" in page


def test_eligibility_with_a_bad_code_shows_the_error_on_the_field(signed_in, world) -> None:
    client = signed_in(Role.PROVIDER)
    response = client.post("/eligibility/", {"national_code": "123"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps 2xx only; the error is inside the panel
    assert error_for(response.content.decode(), "national_code") == ["national_code.format"]
    response = client.post("/eligibility/", {"national_code": "1234567890"})
    assert response.status_code == 400
    assert error_for(response.content.decode(), "national_code") == ["national_code.checksum"]
