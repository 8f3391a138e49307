"""Pension slips in the portal: a pensioner's own slips by month and as PDF, branch staff's pensioners,
everyone else refused; a slip outside one's scope is not found."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tamin.accounts.roles import Role as R
from tamin.benefits import deductions, payroll
from tamin.benefits.models import PayrollLine, PensionAward
from tamin.benefits.slip_pdf import slip_context
from tamin.core.jalali import JalaliMonth
from tamin.core.text import to_ascii_digits
from tamin.portal.templatetags.jalali import rial
from tamin.registry.models import FamilyRelation
from tests.conftest import make_person


@pytest.fixture
def paid(world) -> SimpleNamespace:
    def award(person, base: int) -> PensionAward:
        return PensionAward.objects.create(
            person=person, kind="retirement", start_year=1403, start_month=6, base_amount=base
        )

    w = SimpleNamespace(world=world)
    w.own = award(world.unemployed, 100_000_000)  # the pensioner user's own award
    w.pensioner_a = make_person(300000001, "پروین", "اعتمادی", sex="female", branch=world.branch_a)
    w.pensioner_b = make_person(300000002, "جواد", "نیکو", branch=world.branch_b)
    w.award_a = award(w.pensioner_a, 60_000_000)
    w.award_b = award(w.pensioner_b, 200_000_000)
    for m in (3, 4):
        payroll.run_payroll(world.users[R.ADMIN], JalaliMonth(1404, m))
    w.line = lambda a, m=4: PayrollLine.objects.get(award=a, run__month=m)
    return w


def slip_url(line: PayrollLine, pdf: bool = False) -> str:
    return reverse("portal:slip_pdf" if pdf else "portal:slip", kwargs={"line_id": line.pk})


def test_pensioner_sees_own_slips_by_month_and_pdf(signed_in, paid) -> None:
    client = signed_in(R.PENSIONER)
    body = client.get(reverse("portal:slips")).content.decode()
    for m in (3, 4):
        assert slip_url(paid.line(paid.own, m)) in body
        assert slip_url(paid.line(paid.own, m), pdf=True) in body
    assert slip_url(paid.line(paid.award_a)) not in body and "اعتمادی" not in body
    page = client.get(slip_url(paid.line(paid.own)))
    assert page.status_code == 200
    text = page.content.decode()
    assert rial(141_316_050) in text  # 100,000,000 × 1.32 + 9,316,050 (rules.md E7)
    assert "تیر ۱۴۰۴" in text  # month 4 = Tir
    assert rial(9_316_050) in text and "۳۲٪" in text  # the increase's arithmetic, in Persian
    assert "کمک هزینهٔ مسکن" in text and rial(9_000_000) in text  # unmarried, no children: housing only
    assert "حق اولاد" not in text and "قسط وام" not in text  # rows with nothing paid or taken are left out
    pdf = client.get(slip_url(paid.line(paid.own), pdf=True))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf.content))
    fonts = {f["/BaseFont"] for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("Vazirmatn" in str(f) for f in fonts), fonts
    logical = reader.pages[0].extract_text()
    visual = to_ascii_digits(reader.pages[0].extract_text(extraction_mode="layout")).replace("\u066c", "")
    assert "فیش" in logical and "مستمری" in logical
    assert "141316050" in visual.replace(",", "") and paid.world.unemployed.national_code in visual
    assert pdf["Cache-Control"] == "private, no-store"
    # Someone else's slip does not exist for this pensioner.
    assert client.get(slip_url(paid.line(paid.award_a))).status_code == 404
    assert client.get(slip_url(paid.line(paid.award_b), pdf=True)).status_code == 404


def test_branch_staff_see_their_branchs_pensioners_only(signed_in, paid) -> None:
    staff_a = signed_in(R.BRANCH_STAFF)
    body = staff_a.get(reverse("portal:slips")).content.decode()
    assert slip_url(paid.line(paid.award_a)) in body and "اعتمادی" in body
    assert "نیکو" not in body and slip_url(paid.line(paid.own)) not in body  # no branch: not theirs
    assert staff_a.get(slip_url(paid.line(paid.award_a))).status_code == 200
    assert staff_a.get(slip_url(paid.line(paid.award_b))).status_code == 404
    assert staff_a.get(slip_url(paid.line(paid.award_b), pdf=True)).status_code == 404
    found = staff_a.get(reverse("portal:slips"), {"national_code": paid.pensioner_a.national_code})
    assert found.content.decode().count("/slips/") >= 2
    none = staff_a.get(reverse("portal:slips"), {"national_code": paid.pensioner_b.national_code})
    assert slip_url(paid.line(paid.award_b)) not in none.content.decode()
    staff_b = signed_in(paid.world.staff_b)
    assert staff_b.get(slip_url(paid.line(paid.award_b))).status_code == 200
    assert staff_b.get(slip_url(paid.line(paid.award_a))).status_code == 404


@pytest.mark.parametrize(
    "role", [R.INSURED, R.EMPLOYER, R.PROVIDER, R.PROVINCE_MANAGER, R.HQ_MANAGER, R.ADMIN]
)
def test_other_roles_are_refused(signed_in, paid, role) -> None:
    client = signed_in(role)
    assert client.get(reverse("portal:slips")).status_code == 403
    assert client.get(slip_url(paid.line(paid.award_a))).status_code == 403
    assert client.get(slip_url(paid.line(paid.award_a), pdf=True)).status_code == 403


def test_slip_derivation_ends_at_the_paid_pension(paid) -> None:
    for a in (paid.own, paid.award_a, paid.award_b):
        line = paid.line(a)
        ctx = slip_context(line)
        assert ctx["increases"][-1]["pension"] == line.pension_after
        assert ctx["gross"] - ctx["total_deductions"] == line.net


def test_nav_link_for_slip_roles_only(signed_in, paid) -> None:
    url = reverse("portal:slips")
    assert f'href="{url}"' in signed_in(R.PENSIONER).get(reverse("portal:home")).content.decode()
    assert f'href="{url}"' not in signed_in(R.INSURED).get(reverse("portal:home")).content.decode()


def test_slip_shows_each_allowance_and_deduction_with_its_label(signed_in, paid) -> None:
    world = paid.world
    child = make_person(300000010, "سینا", "حسینی", born=dt.date(2014, 1, 1), insured=False)
    FamilyRelation.objects.create(
        person=world.unemployed, relative=child, kind="child", valid_from=child.birth_date
    )
    deductions.add_deduction(
        world.users[R.ADMIN], paid.own, "loan", JalaliMonth(1404, 5), amount=12_000_000, months=10
    )
    payroll.run_payroll(world.users[R.ADMIN], JalaliMonth(1404, 5))
    line = paid.line(paid.own, 5)
    # unmarried, one child: 10,390,968 + housing 9,000,000; the loan 12,000,000 a month
    assert (line.family_allowance, line.child_allowance, line.housing_allowance) == (0, 10_390_968, 9_000_000)
    assert line.net == 141_316_050 + 10_390_968 + 9_000_000 - 12_000_000 == 148_707_018
    client = signed_in(R.PENSIONER)
    text = client.get(slip_url(line)).content.decode()
    for label, amount in (("حق اولاد", 10_390_968), ("کمک هزینهٔ مسکن", 9_000_000), ("قسط وام", 12_000_000)):
        assert label in text and rial(amount) in text, label
    assert rial(148_707_018) in text
    assert "در پارامترها نیست" not in text  # every component has a value in 1404
    assert "تأیید نشده" in text  # the child and housing amounts are marked as not confirmed
    ctx = slip_context(line)
    assert ctx["gross"] - ctx["total_deductions"] == line.net
    visual = (
        to_ascii_digits(
            PdfReader(io.BytesIO(client.get(slip_url(line, pdf=True)).content))
            .pages[0]
            .extract_text(extraction_mode="layout")
        )
        .replace("\u066c", "")
        .replace(",", "")
    )
    assert "12000000" in visual and "10390968" in visual and "148707018" in visual
