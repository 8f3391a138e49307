"""Each role's home shows that role's own data, counted from its scope, and nobody else's."""

from __future__ import annotations

import datetime as dt

import pytest

from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.core.idcodes import with_check_digit
from tamin.core.jalali import format_jalali_fa
from tamin.core.text import to_persian_digits as fa
from tamin.registry import services
from tamin.registry.models import Employment
from tests.conftest import make_person, make_user


def home(signed_in, role: str) -> str:
    response = signed_in(role).get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_insured_sees_own_file_employments_family_and_coverage(signed_in, world) -> None:
    page = home(signed_in, Role.INSURED)
    for text in (
        "علی رضایی",
        fa(world.worker_a.national_code),
        fa(world.worker_a.insurance_number),
        "حسن",
        "۱۳۶۴/۰۱/۰۱",
        "مرد",  # birth date 1985-03-21, sex
        "تراشکاری احمدی",
        fa(world.workshop_a.code),
        "۱۳۹۱/۰۱/۱۳",
        "۷۲۲۳۰۱",  # the current job
        "زهرا رضایی",
        "همسر",
        "مریم رضایی",
        "فرزند",
        "۱۳۹۴/۰۲/۱۱",  # family and the child's birth
        "دارای پوشش درمانی",
        "بیمه‌شدهٔ اصلی",
        'href="/pension/conditions/"',
        'href="/estimate/"',
    ):
        assert text in page, text
    for other in ("حسین کریمی", fa(world.worker_b.national_code), "کارخانه جنوب", "رضا حسینی"):
        assert other not in page, other


def test_insured_past_job_is_listed_apart_from_the_current_one(signed_in, world) -> None:
    Employment.objects.create(
        person=world.worker_a,
        workshop=world.workshop_b,
        start_date=dt.date(2008, 1, 1),
        end_date=dt.date(2011, 12, 31),
    )
    page = home(signed_in, Role.INSURED)
    assert "کارگاه‌های پیشین" in page
    assert page.index("تراشکاری احمدی") < page.index("کارگاه‌های پیشین") < page.index("کارخانه جنوب")
    assert format_jalali_fa(dt.date(2011, 12, 31)) in page
    # Their past workshop is theirs to open; its other workers are not shown to them.
    assert (
        "حسین کریمی"
        not in signed_in(Role.INSURED).get(f"/workshops/{world.workshop_b.code}/").content.decode()
    )


def test_a_dependent_is_covered_through_the_main_insured(signed_in, world) -> None:
    child = make_user("child-a", Role.INSURED, person=world.child_a)
    page = signed_in(child).get("/").content.decode()
    assert "دارای پوشش درمانی" in page and "افراد تحت تکفل" in page
    assert fa(world.worker_a.national_code) in page  # through whom


def test_insured_without_work_is_not_covered(signed_in, world) -> None:
    user = make_user("unemployed-insured", Role.INSURED, person=world.unemployed)
    assert "بدون پوشش درمانی جاری" in signed_in(user).get("/").content.decode()


def test_pensioner_sees_profile_family_and_links_to_slips_and_award(signed_in, world) -> None:
    page = home(signed_in, Role.PENSIONER)
    assert "رضا حسینی" in page and fa(world.unemployed.national_code) in page
    assert 'href="/slips/"' in page and 'href="/claims/"' in page
    assert "علی رضایی" not in page and "حسین کریمی" not in page


def test_employer_sees_its_workshops_with_current_worker_counts(signed_in, world) -> None:
    page = home(signed_in, Role.EMPLOYER)
    for text in (
        "محمد احمدی",
        fa(world.owner_a.national_code),
        "تراشکاری احمدی",
        fa(world.workshop_a.code),
        world.branch_a.name_fa,
        "فعال",
        "۱۳۸۳/۱۰/۱۲",
    ):
        assert text in page, text
    assert '<td class="num">۱</td>' in page  # one current worker
    assert "کارخانه جنوب" not in page and "شرکت نمونه جنوب" not in page


def test_employer_workshop_page_lists_current_workers_only(signed_in, world) -> None:
    gone = make_person(123456007, "سعید", "مرادی")
    Employment.objects.create(
        person=gone, workshop=world.workshop_a, start_date=dt.date(2010, 1, 1), end_date=dt.date(2011, 1, 1)
    )
    page = signed_in(Role.EMPLOYER).get(f"/workshops/{world.workshop_a.code}/").content.decode()
    assert "علی رضایی" in page and fa(world.worker_a.national_code) in page
    assert "سعید مرادی" not in page
    assert signed_in(Role.EMPLOYER).get(f"/workshops/{world.workshop_b.code}/").status_code == 403


def test_provider_home_is_the_eligibility_form_only(signed_in, world) -> None:
    page = home(signed_in, Role.PROVIDER)
    assert 'name="national_code"' in page and 'hx-post="/eligibility/"' in page
    for name in ("علی رضایی", "حسین کریمی", "تراشکاری احمدی"):
        assert name not in page


def test_branch_staff_sees_branch_counts_and_recent_registrations(signed_in, world) -> None:
    page = home(signed_in, Role.BRANCH_STAFF)
    assert world.branch_a.name_fa in page and fa(world.branch_a.code) in page
    # worker_a and owner_a are registered at branch A.
    assert '<div class="fs-3 num" data-testid="registered-persons">۲</div>' in page
    assert 'فعال: <span class="num fw-bold">۱</span>' in page
    assert "علی رضایی" in page and "محمد احمدی" in page
    assert "حسین کریمی" not in page and world.branch_b.name_fa not in page
    assert 'action="/persons/search/"' in page and 'href="/persons/new/"' in page and 'href="/admin/"' in page


def test_province_manager_sees_a_row_per_branch_of_the_province(signed_in, world) -> None:
    page = home(signed_in, Role.PROVINCE_MANAGER)
    assert world.province_a.name_fa in page and world.branch_a.name_fa in page
    assert world.branch_b.name_fa not in page and world.province_b.name_fa not in page


def test_hq_manager_sees_every_province(signed_in, world) -> None:
    page = home(signed_in, Role.HQ_MANAGER)
    assert world.province_a.name_fa in page and world.province_b.name_fa in page
    assert "تیپ استان" in page


def test_management_tables_count_from_scope(world) -> None:
    from tamin.portal import dashboards

    _, ctx = dashboards.province_manager(world.users[Role.PROVINCE_MANAGER])
    row = next(t for t in ctx["tallies"] if t.code == world.branch_a.code)
    assert (row.workshops, row.current_employments, row.registered_persons) == (1, 1, 2)
    assert (ctx["totals"].workshops, ctx["totals"].current_employments) == (1, 1)
    _, ctx = dashboards.hq_manager(world.users[Role.HQ_MANAGER])
    by_code = {t.code: t for t in ctx["tallies"]}
    assert by_code[world.province_b.code].registered_persons == 1
    assert ctx["totals"].workshops == 2 and ctx["totals"].current_employments == 2


def test_auditor_sees_latest_entries_with_jalali_times_and_verifies_on_click(signed_in, world) -> None:
    services.register_person(
        world.users[Role.BRANCH_STAFF],
        {
            "national_code": with_check_digit("012345670"),
            "first_name": "سارا",
            "last_name": "محمدی",
            "birth_date": "1375/02/03",
            "sex": "female",
        },
    )
    entry = AuditEntry.objects.get()
    client = signed_in(Role.AUDITOR)
    page = client.get("/").content.decode()
    assert "ثبت شخص" in page and "person.register" in page and "staff-a" in page
    assert format_jalali_fa(entry.at.astimezone(dt.timezone(dt.timedelta(hours=3, minutes=30)))) in page
    assert 'hx-post="/audit/verify/"' in page
    # The chain is not verified until asked: it can be slow on a national table.
    assert "زنجیرهٔ ممیزی سالم است" not in page
    response = client.post("/audit/verify/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-ok="true"' in response.content.decode() and "<html" not in response.content.decode()


def test_admin_sees_counts_and_links_to_the_admin(signed_in, world) -> None:
    page = home(signed_in, Role.ADMIN)
    assert 'href="/admin/"' in page and 'href="/admin/accounts/user/"' in page
    assert "اشخاص" in page and "کاربران" in page


@pytest.mark.parametrize("role", [Role.INSURED, Role.EMPLOYER, Role.BRANCH_STAFF, Role.PROVINCE_MANAGER])
def test_a_user_without_a_scope_object_gets_an_empty_home(signed_in, world, role: str) -> None:
    orphan = make_user(f"orphan-{role}", role)
    page = signed_in(orphan).get("/").content.decode()
    assert "حساب شما هنوز به پرونده یا حوزه‌ای وصل نشده است" in page
    assert "علی رضایی" not in page
