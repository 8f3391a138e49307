"""Person and workshop pages: whoever has the record in scope sees it; others get a Persian 403."""

from __future__ import annotations

from tamin.accounts.roles import Role
from tamin.core.idcodes import with_check_digit
from tamin.core.text import to_persian_digits as fa

UNREGISTERED = with_check_digit("012345670")
REFUSAL = "دسترسی به این صفحه برای شما ممکن نیست"


def test_insured_opens_own_page_only(signed_in, world) -> None:
    client = signed_in(Role.INSURED)
    page = client.get(f"/persons/{world.worker_a.national_code}/").content.decode()
    assert "پروندهٔ علی رضایی" in page and "زهرا رضایی" in page
    for other in (world.worker_b, world.spouse_a):
        response = client.get(f"/persons/{other.national_code}/")
        assert response.status_code == 403
        body = response.content.decode()
        assert REFUSAL in body and "این پرونده در حوزهٔ دسترسی شما نیست" in body
        assert other.full_name not in body


def test_person_page_accepts_persian_digits_in_the_address(signed_in, world) -> None:
    response = signed_in(Role.INSURED).get(f"/persons/{fa(world.worker_a.national_code)}/")
    assert response.status_code == 200


def test_unknown_person_is_404_for_nationwide_readers_and_403_for_the_rest(signed_in, world) -> None:
    assert signed_in(Role.HQ_MANAGER).get(f"/persons/{UNREGISTERED}/").status_code == 404
    assert signed_in(Role.BRANCH_STAFF).get(f"/persons/{UNREGISTERED}/").status_code == 403
    assert signed_in(Role.INSURED).get(f"/persons/{UNREGISTERED}/").status_code == 403
    response = signed_in(Role.AUDITOR).get("/persons/not-a-code/")
    assert response.status_code == 404 and "یافت نشد" in response.content.decode()


def test_branch_staff_links_to_family_they_serve(signed_in, world) -> None:
    page = signed_in(Role.BRANCH_STAFF).get(f"/persons/{world.worker_a.national_code}/").content.decode()
    assert f'href="/persons/{world.spouse_a.national_code}/"' in page
    assert f'href="/workshops/{world.workshop_a.code}/"' in page
    spouse = signed_in(Role.BRANCH_STAFF).get(f"/persons/{world.spouse_a.national_code}/").content.decode()
    assert "بیمه‌شدهٔ اصلی" in spouse and "علی رضایی" in spouse


def test_insured_sees_family_names_without_links_to_their_files(signed_in, world) -> None:
    page = signed_in(Role.INSURED).get("/").content.decode()
    assert "زهرا رضایی" in page and f'href="/persons/{world.spouse_a.national_code}/"' not in page


def test_employer_sees_a_worker_but_not_the_workers_family(signed_in, world) -> None:
    client = signed_in(Role.EMPLOYER)
    page = client.get(f"/persons/{world.worker_a.national_code}/").content.decode()
    assert "علی رضایی" in page and "تراشکاری احمدی" in page
    assert "زهرا رضایی" not in page and "خانواده" not in page
    assert client.get(f"/persons/{world.worker_b.national_code}/").status_code == 403


def test_provider_opens_no_person_or_workshop_page(signed_in, world) -> None:
    client = signed_in(Role.PROVIDER)
    assert client.get(f"/persons/{world.worker_a.national_code}/").status_code == 403
    assert client.get(f"/workshops/{world.workshop_a.code}/").status_code == 403


def test_workshop_page_for_staff(signed_in, world) -> None:
    page = signed_in(Role.BRANCH_STAFF).get(f"/workshops/{world.workshop_a.code}/").content.decode()
    for text in (
        "تراشکاری احمدی",
        fa(world.workshop_a.code),
        "محمد احمدی",
        "۱۳۸۳/۱۰/۱۲",
        "علی رضایی",
        fa(world.worker_a.national_code),
        "۱۳۹۱/۰۱/۱۳",
    ):
        assert text in page, text
    assert signed_in(Role.BRANCH_STAFF).get(f"/workshops/{world.workshop_b.code}/").status_code == 403
    assert signed_in(Role.HQ_MANAGER).get("/workshops/0000000000/").status_code == 404


def test_staff_b_cannot_open_branch_a_files(signed_in, world) -> None:
    client = signed_in(world.staff_b)
    assert client.get(f"/persons/{world.worker_a.national_code}/").status_code == 403
    assert client.get(f"/persons/{world.worker_b.national_code}/").status_code == 200


def test_control_character_in_the_address_is_a_persian_400(signed_in) -> None:
    response = signed_in(Role.BRANCH_STAFF).get("/persons/0012345679%00/")
    assert response.status_code == 400
    body = response.content.decode()
    assert "text.control_character" in body and 'dir="rtl"' in body
