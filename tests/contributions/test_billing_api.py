"""Debt statements (JSON and PDF), payments once per bank reference, and who may see or record them."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader

from tamin.accounts.models import ApiToken
from tamin.accounts.permissions import READERS, WRITERS
from tamin.accounts.roles import Role
from tamin.contributions import billing
from tamin.contributions.models import Payment
from tamin.contributions.statement_pdf import statement_pdf
from tamin.core.jalali import parse_jalali_date
from tamin.core.text import to_ascii_digits
from tamin.portal.pdf import FONT_DIR
from tamin.portal.pdf import fetcher as _fetcher
from tests.contributions.db_factories import wage_list
from tests.contributions.test_posting import post

R = Role
AS_OF = "1404/05/15"


def call(client, user, method: str, path: str, body: dict | None = None):
    token = ApiToken.issue(user)[1]
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def billed(world):
    """Two posted lists of workshop A (months 1 and 2 of 1404): two bills, nothing paid yet."""
    b1 = post(world, wage_list(world.workshop_a.code, month=1)).bill
    b2 = post(world, wage_list(world.workshop_a.code, month=2)).bill
    world.bills = (b1, b2)
    return world


def payment(world, reference="BANK-0001", amount=10_000_000, paid_on="1404/03/05"):
    return {"reference": reference, "workshop": world.workshop_a.code, "amount": amount, "paid_on": paid_on}


def test_permission_rows_match_the_billing_service():
    # The portal's menu and decorators read the table; the service decides. They must agree.
    assert WRITERS["payment.record"] == billing.PAYMENT_RECORDERS
    assert READERS["debt.read"] == billing.STATEMENT_READERS


def test_payment_created_acknowledged_on_replay_and_conflict_on_reuse(client, billed):
    staff = billed.users[R.BRANCH_STAFF]
    first = call(client, staff, "POST", "/payments", payment(billed))
    assert first.status_code == 201, first.content
    body = first.json()
    assert (
        body["created"] is True
        and body["paid_on"] == "1404/03/05"
        and body["workshop"] == billed.workshop_a.code
    )
    again = call(client, staff, "POST", "/payments", payment(billed))
    assert again.status_code == 200 and again.json()["created"] is False
    assert Payment.objects.count() == 1
    clash = call(client, staff, "POST", "/payments", payment(billed, amount=20_000_000))
    assert clash.status_code == 409
    assert clash.json()["errors"][0] == {
        "code": "payment.reference_reused",
        "message": "این شناسهٔ پرداخت پیش‌تر با اطلاعات دیگری ثبت شده است.",
        "field": "reference",
    }
    assert Payment.objects.get().amount == 10_000_000


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"amount": 1.5}, "amount", "request.invalid"),
        ({"amount": "1000"}, "amount", "request.invalid"),  # money is an integer, never text or float
        ({"amount": 0}, "amount", "request.invalid"),
        ({"amount": 10**19}, "amount", "request.invalid"),
        ({"paid_on": "1404/13/01"}, "paid_on", "jalali.range"),
        ({"paid_on": "yesterday"}, "paid_on", "jalali.format"),
        ({"reference": ""}, "reference", "request.invalid"),
    ],
)
def test_payment_input_is_checked(client, billed, change, field, code):
    response = call(client, billed.users[R.BRANCH_STAFF], "POST", "/payments", payment(billed) | change)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["code"], error["field"]) == (code, field)
    assert not Payment.objects.exists()


def test_payments_are_recorded_by_the_workshops_branch_only(client, billed):
    for user, code in [
        (billed.users[R.EMPLOYER], "auth.forbidden"),  # an employer cannot say it paid
        (billed.users[R.PROVINCE_MANAGER], "auth.forbidden"),
        (billed.staff_b, "auth.out_of_scope"),  # another branch's workshop
        (billed.insured_b, "auth.out_of_scope"),
    ]:
        response = call(client, user, "POST", "/payments", payment(billed))
        assert response.status_code == 403, user.username
        assert response.json()["errors"][0]["code"] == code
    assert not Payment.objects.exists()


def test_statement_json_matches_the_service_and_follows_as_of(client, billed):
    staff = billed.users[R.BRANCH_STAFF]
    call(client, staff, "POST", "/payments", payment(billed))
    response = call(
        client,
        billed.users[R.EMPLOYER],
        "GET",
        f"/workshops/{billed.workshop_a.code}/statement?as_of={AS_OF}",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    expected = billing.statement(staff, billed.workshop_a, parse_jalali_date(AS_OF)).as_dict()
    assert body == expected
    assert body["as_of"] == AS_OF and len(body["lines"]) == 2
    b1, b2 = billed.bills
    first = body["lines"][0]
    assert (first["bill"], first["principal"], first["paid_principal"]) == (b1.number, b1.amount, 10_000_000)
    assert first["penalty"] > 0  # bill 1 was due 1404/02/31
    assert body["outstanding"] == b1.amount + b2.amount + body["penalty"] - 10_000_000
    # Before the payment was made it counts for nothing.
    early = call(
        client, staff, "GET", f"/workshops/{billed.workshop_a.code}/statement?as_of=1404/03/01"
    ).json()
    assert early["paid"] == 0 and early["lines"][0]["paid_principal"] == 0


def test_statement_refusals(client, billed):
    code = billed.workshop_a.code
    cases = [
        (billed.users[R.INSURED], f"/workshops/{code}/statement", 403, "auth.forbidden"),  # a worker
        (billed.users[R.PROVIDER], f"/workshops/{code}/statement", 403, "auth.forbidden"),
        (billed.staff_b, f"/workshops/{code}/statement", 403, "auth.out_of_scope"),
        (
            billed.users[R.EMPLOYER],
            f"/workshops/{billed.workshop_b.code}/statement",
            403,
            "auth.out_of_scope",
        ),
        (billed.users[R.HQ_MANAGER], "/workshops/9999999999/statement", 404, "workshop.not_found"),
        (billed.users[R.EMPLOYER], f"/workshops/{code}/statement?as_of=1404-99-99", 400, "jalali.range"),
        (billed.users[R.EMPLOYER], f"/workshops/{code}/statement.pdf", 200, None),
        (billed.users[R.INSURED], f"/workshops/{code}/statement.pdf", 403, "auth.forbidden"),
        (billed.staff_b, f"/workshops/{code}/statement.pdf", 403, "auth.out_of_scope"),
        (billed.users[R.INSURED], f"/workshops/{code}/payments", 403, "auth.forbidden"),
        (billed.staff_b, f"/workshops/{code}/payments", 403, "auth.out_of_scope"),
    ]
    for user, path, status, error in cases:
        response = call(client, user, "GET", path)
        assert response.status_code == status, (user.username, path, response.content[:300])
        if error:
            assert response.json()["errors"][0]["code"] == error
            assert str(billed.bills[0].amount) not in response.content.decode()


def test_payments_list_is_the_workshops_payments_in_date_order(client, billed):
    staff = billed.users[R.BRANCH_STAFF]
    call(client, staff, "POST", "/payments", payment(billed, "B-2", 5_000_000, "1404/04/01"))
    call(client, staff, "POST", "/payments", payment(billed, "B-1", 7_000_000, "1404/03/01"))
    body = call(
        client, billed.users[R.EMPLOYER], "GET", f"/workshops/{billed.workshop_a.code}/payments"
    ).json()
    assert body["count"] == 2
    assert [(p["reference"], p["amount"], p["paid_on"]) for p in body["items"]] == [
        ("B-1", 7_000_000, "1404/03/01"),
        ("B-2", 5_000_000, "1404/04/01"),
    ]
    assert "created" not in body["items"][0]


def _pdf_text(pdf: bytes) -> tuple[str, str]:
    """(logical text, visual text): pypdf reads Persian words in order in its default mode and digit runs
    in order in layout mode; digits are compared as ASCII without separators."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    visual = to_ascii_digits(page.extract_text(extraction_mode="layout")).replace("\u066c", "")
    return page.extract_text(), visual


def test_statement_pdf_has_the_workshop_code_and_outstanding_in_persian(client, billed):
    staff = billed.users[R.BRANCH_STAFF]
    call(client, staff, "POST", "/payments", payment(billed))
    response = call(
        client,
        billed.users[R.EMPLOYER],
        "GET",
        f"/workshops/{billed.workshop_a.code}/statement.pdf?as_of={AS_OF}",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'inline; filename="statement-{billed.workshop_a.code}-14040515.pdf"'
    )
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    st = billing.statement(staff, billed.workshop_a, parse_jalali_date(AS_OF))
    logical, visual = _pdf_text(pdf)
    assert billed.workshop_a.code in visual
    assert str(st.outstanding) in visual and str(st.lines[0].penalty) in visual
    assert "14040515" in visual.replace("/", "")  # the as-of date, Jalali
    assert "ریال" in logical and "مانده" in logical
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("Vazirmatn" in f for f in fonts), fonts
    assert "Tamin" in str(reader.metadata.get("/Producer", "")) + str(reader.metadata.get("/Creator", ""))


def test_statement_pdf_renders_an_empty_statement(billed):
    st = billing.statement(billed.users[R.ADMIN], billed.workshop_b)
    pdf = statement_pdf(st, billed.workshop_b)
    assert pdf.startswith(b"%PDF")
    assert "برگ پرداختی" in _pdf_text(pdf)[0].replace("\u200c", "")


def test_pdf_renderer_fetches_only_the_vendored_font():
    fetcher = _fetcher()
    for url in [
        "https://example.com/font.woff2",
        "file:///etc/passwd",
        (FONT_DIR / "../../../x.css").as_uri(),
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    response = fetcher.fetch((FONT_DIR / "Vazirmatn-Regular.woff2").as_uri())
    assert response.read(4) == b"\x00\x01\x00\x00"  # unpacked once to TrueType for speed
