"""Wage-list pages: upload a pair (check only, or send), type a small list with live checks, read the
lists in scope. Every problem sits next to its row and field; refusals write nothing."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tamin.accounts.roles import Role
from tamin.audit.models import AuditEntry
from tamin.contributions import dbf, submission
from tamin.contributions.models import ContributionList, ListRow
from tamin.core.idcodes import with_check_digit
from tamin.core.jalali import format_jalali_fa
from tamin.registry.models import Person
from tests.contributions.db_factories import national_codes, wage_list

R = Role
UPLOAD = reverse("portal:wagelist_upload")
MANUAL = reverse("portal:wagelist_manual")
LIVE = reverse("portal:wagelist_manual_check")
LISTS = reverse("portal:wagelist_list")


def files(wl) -> dict[str, SimpleUploadedFile]:
    kar, wor = dbf.list_bytes(wl)
    return {"kar": SimpleUploadedFile("DSKKAR00.DBF", kar), "wor": SimpleUploadedFile("DSKWOR00.DBF", wor)}


def written() -> tuple[int, int, int, int]:
    return (
        ContributionList.objects.count(),
        ListRow.objects.count(),
        Person.objects.count(),
        AuditEntry.objects.count(),
    )


def html(response) -> str:
    return response.content.decode()


def test_upload_check_shows_the_priced_list_and_writes_nothing(world, signed_in) -> None:
    before = written()
    wl = wage_list(world.workshop_a.code, codes=national_codes(712_345_400, 2))
    r = signed_in(R.EMPLOYER).post(UPLOAD, {**files(wl), "action": "check"})
    assert r.status_code == 200
    page = html(r)
    assert 'data-ok="true"' in page and "لیست بی‌خطاست" in page
    total = r.context["summary"]["total_due"]
    assert total > 0 and f'data-testid="total-due">{_rial_fa(total)} ریال' in page
    assert format_jalali_fa(r.context["due_on"]) in page  # 1404/03/31 for Ordibehesht
    assert len(re.findall(r'<tr id="wl-row-\d+"', page)) == 2
    assert written() == before


def _rial_fa(amount: int) -> str:
    from tamin.core.money import format_rial

    return format_rial(amount)


def test_each_problem_is_shown_next_to_its_row(world, signed_in) -> None:
    wl = wage_list(world.workshop_a.code)
    wl.rows["PER_NATCOD"] = wl.rows["PER_NATCOD"].copy()
    wl.rows["PER_NATCOD"][1] = "1234567890"
    wl.rows["DSW_ROOZ"] = wl.rows["DSW_ROOZ"].copy()
    wl.rows["DSW_ROOZ"][2] = 1_000
    before = written()
    r = signed_in(R.BRANCH_STAFF).post(UPLOAD, {**files(wl), "action": "submit"})
    assert r.status_code == 400
    page = html(r)
    assert "ثبت نشد" in page
    row2 = page.split('<tr class="wl-row-problems" data-record="2">')[1].split("</tr>")[0]
    assert 'data-error-code="row.national_code"' in row2 and 'data-error-field="PER_NATCOD"' in row2
    assert "کد ملی" in row2 and "DSKWOR00.DBF" in row2
    row3 = page.split('<tr class="wl-row-problems" data-record="3">')[1].split("</tr>")[0]
    assert 'data-error-code="row.below_minimum"' in row3
    assert written() == before


def test_upload_sends_and_the_list_page_shows_it(world, signed_in) -> None:
    client = signed_in(R.EMPLOYER)
    wl = wage_list(world.workshop_a.code, codes=national_codes(712_345_500, 3))
    r = client.post(UPLOAD, {**files(wl), "action": "submit"})
    cl = ContributionList.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("portal:wagelist_detail", args=[cl.pk])
    page = html(client.get(r["Location"]))
    assert "لیست ثبت شد" in page
    assert f'data-testid="bill-amount">{_rial_fa(cl.bill.amount)} ریال' in page
    assert f'data-testid="bill-due">{format_jalali_fa(cl.bill.due_on)}' in page
    assert page.count("<tr>") >= 3
    listing = html(client.get(LISTS))
    assert f'data-list-id="{cl.pk}"' in listing and world.workshop_a.name in listing
    # Sent again: nothing changes, and the page says so.
    r = client.post(UPLOAD, {**files(wl), "action": "submit"}, follow=True)
    assert "چیزی تغییر نکرد" in html(r) and ContributionList.objects.count() == 1


def test_unreadable_or_oversized_files_name_the_file(world, signed_in, monkeypatch) -> None:
    client = signed_in(R.EMPLOYER)
    good = files(wage_list(world.workshop_a.code))
    before = written()
    r = client.post(UPLOAD, {"kar": good["kar"], "wor": SimpleUploadedFile("x_DSKWOR00.DBF", b"garbage")})
    assert r.status_code == 400
    page = html(r)
    assert 'data-testid="file-problems"' in page and "x_DSKWOR00.DBF" in page and "چیزی ثبت نشد" in page
    monkeypatch.setattr(submission, "MAX_FILE_BYTES", 100)
    r = client.post(UPLOAD, files(wage_list(world.workshop_a.code)))
    assert r.status_code == 400 and 'data-error-code="upload.too_large"' in html(r)
    r = client.post(UPLOAD, {"action": "submit"})
    assert r.status_code == 400 and html(r).count('data-error-code="upload.missing"') == 2
    assert written() == before


def test_nobody_sends_another_workshops_list(world, signed_in) -> None:
    before = written()
    wl = wage_list(world.workshop_b.code)
    for role in (R.EMPLOYER, R.BRANCH_STAFF):
        r = signed_in(role).post(UPLOAD, {**files(wl), "action": "submit"})
        assert r.status_code == 403 and world.workshop_b.name not in html(r)
    r = signed_in(R.INSURED).post(UPLOAD, {**files(wage_list(world.workshop_a.code)), "action": "submit"})
    assert r.status_code == 403
    r = signed_in(R.EMPLOYER).post(MANUAL, manual_data(world.workshop_b.code, [row(1)], action="submit"))
    assert r.status_code == 403
    assert written() == before


@pytest.fixture
def posted(world):
    """One list for each side, posted by the admin."""
    from tamin.contributions.transfer import import_list

    a = import_list(wage_list(world.workshop_a.code, month=2), actor=world.users[R.ADMIN])
    b = import_list(wage_list(world.workshop_b.code, month=3), actor=world.users[R.ADMIN])
    assert a.status == b.status == "posted"
    return a.summary["list_id"], b.summary["list_id"]


def test_lists_are_scoped(world, signed_in, posted) -> None:
    a, b = posted
    expected = {
        world.users[R.EMPLOYER]: {a},
        world.users[R.BRANCH_STAFF]: {a},
        world.staff_b: {b},
        world.users[R.PROVINCE_MANAGER]: {a},
        world.users[R.HQ_MANAGER]: {a, b},
    }
    for user, ids in expected.items():
        page = html(signed_in(user).get(LISTS))
        assert {int(x) for x in re.findall(r'data-list-id="(\d+)"', page)} == ids, user.username
        for list_id in (a, b):
            r = signed_in(user).get(reverse("portal:wagelist_detail", args=[list_id]))
            assert r.status_code == (200 if list_id in ids else 403), (user.username, list_id)
    for role in (R.INSURED, R.PROVIDER):
        assert signed_in(role).get(reverse("portal:wagelist_detail", args=[a])).status_code == 403
    hq = signed_in(R.HQ_MANAGER)
    page = html(hq.get(LISTS, {"month": "۱۴۰۴/۰۳"}))
    assert re.findall(r'data-list-id="(\d+)"', page) == [str(b)]
    r = hq.get(LISTS, {"month": "1404/13"})
    assert r.status_code == 400 and 'data-error-field="month"' in html(r)


# --- typing a list ----------------------------------------------------------------------------------


def row(serial: int, **fields: str) -> dict[str, str]:
    values = {
        "PER_NATCOD": with_check_digit(f"{712_345_600 + serial:09d}"),
        "DSW_ID1": f"{55_000_000 + serial}",
        "DSW_FNAME": "سارا",
        "DSW_LNAME": f"کارگر{serial}",
        "DSW_DNAME": "حسن",
        "DSW_SEX": "زن",
        "DSW_BDATE": "۱۳۶۵/۰۱/۱۵",
        "DSW_NAT": "ایرانی",
        "DSW_OCP": "کارگر ساده",
        "DSW_JOB": "722301",
        "DSW_DD": "۳۱",
        "DSW_ROOZ": "3,463,656",
        "DSW_MAZ": "31000000",
    }
    values.update(fields)
    return values


def manual_data(workshop: str, rows: list[dict[str, str]], action: str = "check", month: str = "1404/02",
                extra: int = 0) -> dict[str, str]:  # fmt: skip
    data = {
        "DSK_ID": workshop,
        "month": month,
        "DSK_LISTNO": "01",
        "action": action,
        "rows-TOTAL_FORMS": str(len(rows) + extra),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "10",
    }
    for i, values in enumerate(rows):
        data.update({f"rows-{i}-{k}": v for k, v in values.items()})
    for i in range(len(rows), len(rows) + extra):
        data[f"rows-{i}-DSW_NAT"] = "ایرانی"  # an untouched row
    return data


def test_entry_form_offers_only_own_workshops(world, signed_in) -> None:
    page = html(signed_in(R.EMPLOYER).get(MANUAL))
    assert world.workshop_a.code in page and world.workshop_b.code not in page
    assert 'hx-post="/wagelists/new/check/"' in page and 'id="row-check-0"' in page


def test_live_check_shows_each_rows_shares_and_problems(world, signed_in) -> None:
    client = signed_in(R.EMPLOYER)
    before = written()
    data = manual_data(world.workshop_a.code, [row(1), row(2, PER_NATCOD="1234567890", DSW_DD="۴۰")], extra=1)
    r = client.post(LIVE, data, headers={"HX-Request": "true"})
    assert r.status_code == 200
    page = html(r)
    first = page.split('<div id="row-check-0" hx-swap-oob="true">')[1].split('<div id="row-check-1"')[0]
    expected = r.context["rows"][0]["insured_share"]
    assert expected == (r.context["rows"][0]["wage_subject"] * 7 + 50) // 100
    assert f'data-testid="row-insured">{_rial_fa(expected)}' in first and "بی‌ایراد" in first
    second = page.split('<div id="row-check-1" hx-swap-oob="true">')[1].split('<div id="row-check-2"')[0]
    assert 'data-error-code="row.national_code"' in second and 'data-error-code="row.days"' in second
    blank = page.split('<div id="row-check-2" hx-swap-oob="true">')[1]
    assert "data-record" not in blank.split("</div>")[0]  # the untouched row is no record
    assert 'data-testid="wagelist-summary"' in page and written() == before


def test_typed_numbers_are_checked_where_typed(world, signed_in) -> None:
    before = written()
    data = manual_data(world.workshop_a.code, [row(1), row(2, DSW_DD="سی")], action="submit", month="")
    r = signed_in(R.EMPLOYER).post(MANUAL, data)
    assert r.status_code == 400
    page = html(r)
    assert re.search(r'id="id_rows-1-DSW_DD-error-1" data-error-code="form.not_number"', page)
    assert 'data-error-code="header.month"' in page and 'data-error-field="month"' in page
    assert written() == before


def test_typed_list_is_sent_like_a_file(world, signed_in) -> None:
    data = manual_data(
        world.workshop_a.code, [row(1), row(2, DSW_SEX="مرد", DSW_FNAME="رضا")], "submit", extra=1
    )
    r = signed_in(R.EMPLOYER).post(MANUAL, data)
    assert r.status_code == 302, html(r)[-3000:]
    cl = ContributionList.objects.get()
    assert (cl.workshop, cl.year, cl.month, cl.rows, cl.layout) == (world.workshop_a, 1404, 2, 2, "form")
    assert cl.bill.amount == cl.billed > 0
    lines = list(cl.lines.order_by("row_no"))
    assert [line.days for line in lines] == [31, 31] and lines[0].daily_wage == 3_463_656
    assert lines[0].insured_share == (lines[0].wage_subject * 7 + 50) // 100
    assert Person.objects.get(national_code=lines[0].national_code).sex == "female"


def test_add_row_keeps_what_was_typed(world, signed_in) -> None:
    data = manual_data(world.workshop_a.code, [row(1)], action="add_row")
    r = signed_in(R.EMPLOYER).post(MANUAL, data)
    assert r.status_code == 200
    page = html(r)
    assert 'id="id_rows-1-PER_NATCOD"' in page and 'value="کارگر1"' in page
    data = manual_data(world.workshop_a.code, [row(i) for i in range(10)], action="add_row")
    page = html(signed_in(R.EMPLOYER).post(MANUAL, data))
    assert 'id="id_rows-10-PER_NATCOD"' not in page and 'value="add_row"' not in page
