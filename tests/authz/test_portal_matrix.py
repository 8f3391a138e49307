"""Walks every portal page with every role (and anonymous) and checks who gets what.

The table is explicit. A page added to the portal's URLs without a row here fails
`test_every_portal_page_has_a_row`. Each request runs in a savepoint that is rolled back, so a write by one
role cannot change the next role's answer.

Outcomes: "200"/"403"/"404"/"405" are statuses; "login", "home" and "person" are redirects to the login
page, the home page and the person page.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tamin.accounts.roles import Role
from tamin.core.idcodes import with_check_digit

R = Role
ANON = "anonymous"
ALL = [r.value for r in Role]
NATIONWIDE = (R.HQ_MANAGER, R.AUDITOR, R.ADMIN)
STAFF = (R.BRANCH_STAFF, R.PROVINCE_MANAGER, R.HQ_MANAGER, R.AUDITOR, R.ADMIN)
ELIGIBILITY = (R.PROVIDER, R.BRANCH_STAFF, R.PROVINCE_MANAGER, R.HQ_MANAGER, R.ADMIN)
REGISTRARS = (R.BRANCH_STAFF, R.ADMIN)
AUDITORS = (R.AUDITOR, R.ADMIN)
WAGELIST_SENDERS = (R.EMPLOYER, R.BRANCH_STAFF, R.ADMIN)
WAGELIST_READERS = (R.EMPLOYER, *STAFF)
CLAIM_READERS = (R.INSURED, R.PENSIONER, *STAFF)


def only(outcome: str, *roles: str, others: str = "403", anonymous: str = "login") -> dict[str, str]:
    table = {role: (outcome if role in roles else others) for role in ALL}
    table[ANON] = anonymous
    return table


def every(outcome: str, anonymous: str = "login") -> dict[str, str]:
    return only(outcome, *ALL, anonymous=anonymous)


# Who reads the files of side A (branch A, Tehran): worker_a and workshop_a.
SIDE_A = only("200", R.INSURED, R.EMPLOYER, R.BRANCH_STAFF, R.PROVINCE_MANAGER, *NATIONWIDE)
NEW_PERSON = {
    "national_code": with_check_digit("012345670"),
    "first_name": "سارا",
    "last_name": "محمدی",
    "birth_date": "1375/02/03",
    "sex": "female",
}

# label -> (url name, method, url kwargs, data, expected outcome per role)
MATRIX: dict[str, tuple[str, str, dict[str, str], dict[str, str] | None, dict[str, str]]] = {
    "home": ("home", "GET", {}, None, every("200")),
    "login page": ("login", "GET", {}, None, every("home", anonymous="200")),
    "logout": ("logout", "POST", {}, None, every("login")),
    "logout by GET": ("logout", "GET", {}, None, every("405", anonymous="405")),
    "person in side A": ("person_detail", "GET", {"national_code": "worker_a"}, None, SIDE_A),
    "person in side B": (
        "person_detail",
        "GET",
        {"national_code": "worker_b"},
        None,
        only("200", *NATIONWIDE),
    ),
    "person's spouse": (
        "person_detail",
        "GET",
        {"national_code": "spouse_a"},
        None,
        only("200", R.BRANCH_STAFF, R.PROVINCE_MANAGER, *NATIONWIDE),
    ),
    "unregistered person": (
        "person_detail",
        "GET",
        {"national_code": with_check_digit("012345670")},
        None,
        only("404", *NATIONWIDE),
    ),
    "malformed national code": (
        "person_detail",
        "GET",
        {"national_code": "12345"},
        None,
        every("404"),
    ),
    "workshop in side A": ("workshop_detail", "GET", {"code": "workshop_a"}, None, SIDE_A),
    "workshop in side B": ("workshop_detail", "GET", {"code": "workshop_b"}, None, only("200", *NATIONWIDE)),
    "unknown workshop": ("workshop_detail", "GET", {"code": "9999999999"}, None, only("404", *NATIONWIDE)),
    "person search form": ("person_search", "GET", {}, None, only("200", *STAFF)),
    "person search hit": (
        "person_search",
        "GET",
        {},
        {"national_code": "worker_a"},
        only("person", *STAFF),
    ),
    "registration form": ("person_register", "GET", {}, None, only("200", *REGISTRARS)),
    "registration": ("person_register", "POST", {}, NEW_PERSON, only("person", *REGISTRARS)),
    "eligibility form": ("eligibility", "GET", {}, None, only("200", *ELIGIBILITY)),
    "eligibility query": ("eligibility", "POST", {}, {"national_code": "child_a"}, only("200", *ELIGIBILITY)),
    "audit log": ("audit", "GET", {}, None, only("200", *AUDITORS)),
    "audit chain check": ("audit_verify", "POST", {}, None, only("200", *AUDITORS)),
    "audit chain check by GET": ("audit_verify", "GET", {}, None, every("405")),
    # wage lists: senders are the employer, branch staff and admin; the world has no posted list, so list
    # 999999 is "not found" to nationwide readers and "not yours" to the rest. A send without files is
    # the form again with its problems (400); the live check answers 200 with the problems in the panel.
    "wage lists": ("wagelist_list", "GET", {}, None, only("200", *WAGELIST_READERS)),
    "wage list upload form": ("wagelist_upload", "GET", {}, None, only("200", *WAGELIST_SENDERS)),
    "wage list upload without files": (
        "wagelist_upload",
        "POST",
        {},
        {"action": "check"},
        only("400", *WAGELIST_SENDERS),
    ),
    "wage list entry form": ("wagelist_manual", "GET", {}, None, only("200", *WAGELIST_SENDERS)),
    "wage list live check": ("wagelist_manual_check", "POST", {}, {}, only("200", *WAGELIST_SENDERS)),
    "wage list live check by GET": ("wagelist_manual_check", "GET", {}, None, every("405")),
    "unknown wage list": ("wagelist_detail", "GET", {"list_id": "999999"}, None, only("404", *NATIONWIDE)),
    # debts: the employer and SSO staff (the world has no bills, so statements are empty but readable);
    # payments are recorded at the branch. A worker may see the workshop, never its debt.
    "debt list": ("statements", "GET", {}, None, only("200", R.EMPLOYER, *STAFF)),
    "statement in side A": (
        "workshop_statement",
        "GET",
        {"code": "workshop_a"},
        None,
        only("200", R.EMPLOYER, *STAFF),
    ),
    "statement in side B": (
        "workshop_statement",
        "GET",
        {"code": "workshop_b"},
        None,
        only("200", *NATIONWIDE),
    ),
    "statement PDF in side A": (
        "workshop_statement_pdf",
        "GET",
        {"code": "workshop_a"},
        None,
        only("200", R.EMPLOYER, *STAFF),
    ),
    "payment form": ("payment_new", "GET", {}, None, only("200", *REGISTRARS)),
    # the insurance history: one's own, or a file in one's scope (an employer sees the months it reported);
    # objections are filed by the person or at their branch and resolved by the branch (999999: none such).
    "my history": ("history", "GET", {}, None, only("200", R.INSURED, R.PENSIONER)),
    "history in side A": ("person_history", "GET", {"national_code": "worker_a"}, None, SIDE_A),
    "history in side B": (
        "person_history",
        "GET",
        {"national_code": "worker_b"},
        None,
        only("200", *NATIONWIDE),
    ),
    "objection form": (
        "objection_new",
        "GET",
        {"national_code": "worker_a"},
        None,
        only("200", R.INSURED, R.BRANCH_STAFF, R.ADMIN),
    ),
    "objection": (
        "objection_new",
        "POST",
        {"national_code": "worker_a"},
        {"kind": "missing", "period": "1403/05", "workshop": "workshop_a", "statement": "کار کرده‌ام"},
        {**only("person", R.BRANCH_STAFF, R.ADMIN), R.INSURED: "302 /history/"},
    ),
    "objection queue": ("objection_queue", "GET", {}, None, only("200", *STAFF)),
    "unknown objection": ("objection_resolve", "GET", {"pk": "999999"}, None, only("404", R.ADMIN)),
    # pension slips: the pensioner's own and branch staff's pensioners, nobody else (the world has no
    # payroll, so the list is empty and slip 999999 is "not found" to the two roles that may read slips)
    "pension slips": ("slips", "GET", {}, None, only("200", R.PENSIONER, R.BRANCH_STAFF)),
    "unknown pension slip": (
        "slip",
        "GET",
        {"line_id": "999999"},
        None,
        only("404", R.PENSIONER, R.BRANCH_STAFF),
    ),
    "unknown pension slip PDF": (
        "slip_pdf",
        "GET",
        {"line_id": "999999"},
        None,
        only("404", R.PENSIONER, R.BRANCH_STAFF),
    ),
    # pension claims: the insured sees their conditions and applies; claims are read by the person and SSO
    # staff in scope (never the employer or a provider), prepared/approved/rejected by branch staff and the
    # admin. The world has no claim: 999999 is "not found" to whoever may reach it. A staff application
    # without a national code is the list again with the problem (400).
    "my pension conditions": ("pension_conditions", "GET", {}, None, only("200", R.INSURED)),
    "pension claims": ("claims", "GET", {}, None, only("200", *CLAIM_READERS)),
    "pension claim by staff without data": ("claim_new", "POST", {}, {}, only("400", *REGISTRARS)),
    "unknown pension claim": ("claim", "GET", {"claim_id": "999999"}, None, only("404", *CLAIM_READERS)),
    "unknown pension claim prepare": (
        "claim_prepare",
        "POST",
        {"claim_id": "999999"},
        {},
        only("404", *REGISTRARS),
    ),
    "unknown pension claim approve": (
        "claim_approve",
        "POST",
        {"claim_id": "999999"},
        {},
        only("404", *REGISTRARS),
    ),
    "unknown pension claim reject": (
        "claim_reject",
        "POST",
        {"claim_id": "999999"},
        {},
        only("404", *REGISTRARS),
    ),
    "unknown pension claim withdraw": (
        "claim_withdraw",
        "POST",
        {"claim_id": "999999"},
        {},
        only("404", R.INSURED, *REGISTRARS),
    ),
    "unknown pension award PDF": (
        "claim_award_pdf",
        "GET",
        {"claim_id": "999999"},
        None,
        only("404", *CLAIM_READERS),
    ),
    # pension estimate: the insured person's own form; staff on a person in their scope. worker_a has no
    # recorded month, so asking for an estimate is the form again with the problem (400).
    "my pension estimate": ("estimate", "GET", {}, None, only("200", R.INSURED)),
    "my pension estimate without history": (
        "estimate",
        "GET",
        {},
        {"until": "1420/01/01"},
        only("400", R.INSURED),
    ),
    "pension estimate in side A": (
        "person_estimate",
        "GET",
        {"national_code": "worker_a"},
        None,
        only("200", *STAFF),
    ),
    "pension estimate in side B": (
        "person_estimate",
        "GET",
        {"national_code": "worker_b"},
        None,
        only("200", *NATIONWIDE),
    ),
}


def _walk(patterns: list) -> Iterator[str | None]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns)
        elif isinstance(p, URLPattern):
            yield p.name


def portal_url_names() -> set[str | None]:
    resolvers = [
        p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace == "portal"
    ]
    assert resolvers, "the portal URLs are not included under the 'portal' namespace"
    return {name for r in resolvers for name in _walk(r.url_patterns)}


def test_every_portal_page_has_a_row() -> None:
    names = portal_url_names()
    assert None not in names, "every portal URL needs a name"
    assert names == {row[0] for row in MATRIX.values()}


def _resolve(world, value: str) -> str:
    """Values that name a `world` fixture become its national code or workshop code."""
    obj = getattr(world, value, None)
    if obj is None:
        return value
    return getattr(obj, "national_code", None) or obj.code


def _outcome(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/login/"):
            return "login"
        if location == "/":
            return "home"
        if location.startswith("/persons/"):
            return "person"
        return f"302 {location}"
    return str(response.status_code)


@pytest.mark.parametrize("label", sorted(MATRIX))
def test_page_by_role(world, label: str) -> None:
    name, method, kwargs, data, expected = MATRIX[label]
    url = reverse(f"portal:{name}", kwargs={k: _resolve(world, v) for k, v in kwargs.items()})
    payload = {k: _resolve(world, v) for k, v in (data or {}).items()}
    got = {}
    for who in [ANON, *ALL]:
        client = Client()
        if who != ANON:
            client.force_login(world.users[who])
        with transaction.atomic():
            response = client.get(url, payload) if method == "GET" else client.post(url, payload)
            transaction.set_rollback(True)
        got[who] = _outcome(response)
        if response.status_code in (403, 404):
            # Refusals are the Persian pages, and say nothing about the record asked for.
            body = response.content.decode()
            assert '<html lang="fa" dir="rtl">' in body
            assert world.worker_b.last_name not in body or who in NATIONWIDE
    assert got == expected
