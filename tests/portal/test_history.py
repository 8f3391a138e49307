"""History pages: a person's months and totals, the objection form, the branch's queue and the
accept/reject form. Each refuses outside the user's role and scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tamin.accounts.roles import Role
from tamin.core.text import to_persian_digits
from tamin.records import services
from tamin.records.models import HistoryMonth, Objection
from tests.records.test_history import month, second_workshop  # noqa: F401  (fixture)

R = Role


@pytest.fixture
def recorded(world, second_workshop):  # noqa: F811
    for m in range(1, 13):
        month(world.worker_a, world.workshop_a, 1402, m, 31 if m <= 6 else 30 if m < 12 else 29)
    month(world.worker_a, second_workshop, 1403, 2, 20, subject=77_000_000)
    world.second_workshop = second_workshop
    return world


def history_url(world, person=None):
    return reverse(
        "portal:person_history", kwargs={"national_code": (person or world.worker_a).national_code}
    )


def test_insured_sees_months_years_and_totals(signed_in, recorded):
    page = signed_in(R.INSURED).get(reverse("portal:history"))
    assert page.status_code == 200
    body = page.content.decode()
    # 365 days of 1402 and 20 of 1403: one whole year and 20 days.
    assert 'data-testid="total-days">۳۸۵ روز<' in body
    assert 'data-testid="total-years">۱<' in body
    assert "فروردین ۱۴۰۲" in body and "اسفند ۱۴۰۲" in body and "اردیبهشت ۱۴۰۳" in body
    assert body.index('سال <span class="num">۱۴۰۳') < body.index('سال <span class="num">۱۴۰۲')  # newest first
    assert "۷۷٬۰۰۰٬۰۰۰" in body
    assert reverse("portal:objection_new", kwargs={"national_code": recorded.worker_a.national_code}) in body
    assert reverse("portal:history") in body  # the menu link


def test_employer_sees_only_the_months_it_reported(signed_in, recorded):
    body = signed_in(R.EMPLOYER).get(history_url(recorded)).content.decode()
    assert to_persian_digits(recorded.workshop_a.code) in body
    assert to_persian_digits(recorded.second_workshop.code) not in body
    assert "objection" not in body  # no objection buttons for an employer


def test_history_refusals(signed_in, recorded):
    cases = [
        (recorded.insured_b, history_url(recorded)),
        (recorded.staff_b, history_url(recorded)),
        (R.PROVIDER, history_url(recorded)),
        (R.PENSIONER, history_url(recorded)),
        (R.EMPLOYER, reverse("portal:history")),  # no history of its own
        (R.BRANCH_STAFF, reverse("portal:history")),
        (
            recorded.insured_b,
            reverse("portal:objection_new", kwargs={"national_code": recorded.worker_a.national_code}),
        ),
        (
            R.EMPLOYER,
            reverse("portal:objection_new", kwargs={"national_code": recorded.worker_a.national_code}),
        ),
        (R.INSURED, reverse("portal:objection_queue")),
        (R.EMPLOYER, reverse("portal:objection_queue")),
    ]
    for who, url in cases:
        page = signed_in(who).get(url)
        assert page.status_code == 403, (who, url)
        assert "۷۷٬۰۰۰٬۰۰۰" not in page.content.decode()


def test_insured_objects_to_a_missing_month(signed_in, recorded):
    client = signed_in(R.INSURED)
    url = reverse("portal:objection_new", kwargs={"national_code": recorded.worker_a.national_code})
    form = client.get(url, {"kind": "wrong", "period": "1402/3", "workshop": recorded.workshop_a.code})
    assert form.status_code == 200 and 'value="1402/3"' in form.content.decode()
    done = client.post(
        url,
        {
            "kind": "missing",
            "period": "۱۴۰۳/۰۵",
            "workshop": to_persian_digits(recorded.workshop_a.code),
            "statement": "مرداد کار کرده‌ام ولی در سابقه نیست",
            "claimed_days": "۳۱",
            "claimed_wage": "۱۲۰٬۰۰۰٬۰۰۰",
        },
    )
    assert done.status_code == 302 and done["Location"] == reverse("portal:history")
    obj = Objection.objects.get()
    assert (obj.year, obj.month, obj.kind, obj.claimed_days, obj.claimed_wage) == (
        1403,
        5,
        "missing",
        31,
        120_000_000,
    )
    page = client.get(reverse("portal:history")).content.decode()
    assert 'data-testid="objections"' in page and "در دست بررسی" in page


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"period": "1403-13"}, 400, "jalali.range", "period"),
        ({"period": "mordad"}, 400, "jalali.format", "period"),
        ({"workshop": "0000000000"}, 400, "workshop.unknown", "workshop"),
        ({"kind": ""}, 400, "objection.kind", "kind"),
        ({"statement": ""}, 400, "objection.statement", "statement"),
        ({"claimed_days": "۴۰"}, 400, "objection.days", "claimed_days"),
        ({"claimed_wage": "12.5"}, 400, "money.format", "claimed_wage"),
        ({"kind": "wrong"}, 404, "objection.no_month", "kind"),
        ({"period": "1402/01"}, 409, "objection.month_exists", "kind"),
    ],
)
def test_objection_form_shows_each_problem_on_its_field(signed_in, recorded, change, status, code, field):
    data = {
        "kind": "missing",
        "period": "1403/05",
        "workshop": recorded.workshop_a.code,
        "statement": "کار کرده‌ام",
    }
    url = reverse("portal:objection_new", kwargs={"national_code": recorded.worker_a.national_code})
    page = signed_in(R.INSURED).post(url, data | change)
    assert page.status_code == status
    assert f'data-error-code="{code}" data-error-field="{field}"' in page.content.decode()
    assert not Objection.objects.exists()


def _objection(world, person=None, m=5):
    person = person or world.worker_a
    mine = person == world.worker_a
    return services.file_objection(
        world.users[R.INSURED] if mine else world.insured_b,
        person,
        workshop=world.workshop_a if mine else world.workshop_b,
        year=1403,
        month=m,
        kind="missing",
        statement="کار کرده‌ام",
        claimed_days=31,
        claimed_wage=90_000_000,
    )


def test_queue_shows_the_branchs_objections_only(signed_in, recorded):
    a = _objection(recorded)
    b = _objection(recorded, recorded.worker_b)
    resolve_a = reverse("portal:objection_resolve", kwargs={"pk": a.pk})
    resolve_b = reverse("portal:objection_resolve", kwargs={"pk": b.pk})
    mine = signed_in(R.BRANCH_STAFF).get(reverse("portal:objection_queue")).content.decode()
    assert resolve_a in mine and resolve_b not in mine and recorded.worker_b.last_name not in mine
    theirs = signed_in(recorded.staff_b).get(reverse("portal:objection_queue")).content.decode()
    assert resolve_b in theirs and resolve_a not in theirs
    # A province manager reads the queue but does not resolve.
    manager = signed_in(R.PROVINCE_MANAGER).get(reverse("portal:objection_queue")).content.decode()
    assert recorded.worker_a.last_name in manager and resolve_a not in manager
    for who in (recorded.staff_b, R.PROVINCE_MANAGER, R.INSURED, R.HQ_MANAGER):
        assert signed_in(who).get(resolve_a).status_code == 403, who


def test_staff_accept_an_objection_and_the_month_appears(signed_in, recorded):
    obj = _objection(recorded)
    staff = signed_in(R.BRANCH_STAFF)
    url = reverse("portal:objection_resolve", kwargs={"pk": obj.pk})
    form = staff.get(url)
    assert form.status_code == 200 and 'value="31"' in form.content.decode()  # prefilled from the claim
    done = staff.post(
        url, {"decision": "accept", "reason": "فیش حقوقی دیده شد", "days": "۳۱", "wage_subject": "90000000"}
    )
    assert done.status_code == 302 and done["Location"] == reverse("portal:objection_queue")
    hm = HistoryMonth.objects.get(person=recorded.worker_a, year=1403, month=5)
    assert (hm.days, hm.wage_subject) == (31, 90_000_000)
    assert Objection.objects.get().status == "accepted"
    again = staff.post(url, {"decision": "reject", "reason": "دوباره"})
    assert again.status_code == 409 and 'data-error-code="objection.resolved"' in again.content.decode()
    history = signed_in(R.INSURED).get(reverse("portal:history")).content.decode()
    assert "مرداد ۱۴۰۳" in history and "رسیدگی به اعتراض" in history


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"decision": "", "reason": "x"}, "objection.decision", "decision"),
        ({"decision": "reject", "reason": " "}, "objection.reason", "reason"),
        ({"decision": "accept", "reason": "x", "days": "32", "wage_subject": "1"}, "objection.days", "days"),
        ({"decision": "accept", "reason": "x", "days": "31"}, "objection.wage_subject", "wage_subject"),
    ],
)
def test_resolve_form_shows_each_problem_on_its_field(signed_in, recorded, data, code, field):
    obj = _objection(recorded)
    page = signed_in(R.BRANCH_STAFF).post(reverse("portal:objection_resolve", kwargs={"pk": obj.pk}), data)
    assert page.status_code == 400
    assert f'data-error-code="{code}" data-error-field="{field}"' in page.content.decode()
    assert (
        Objection.objects.get().status == "open"
        and not HistoryMonth.objects.filter(year=1403, month=5).exists()
    )


def test_home_pages_sum_up_the_history(signed_in, recorded):
    home = signed_in(R.INSURED).get(reverse("portal:home")).content.decode()
    summary = home[home.index('data-testid="history-summary"') :]
    assert '۱</span> سال و <span class="num">۲۰</span> روز' in summary and "۳۸۵" in summary
    assert reverse("portal:history") in summary
    pensioner = signed_in(R.PENSIONER).get(reverse("portal:home")).content.decode()
    assert 'data-testid="history-summary"' in pensioner and "۳۸۵" not in pensioner
