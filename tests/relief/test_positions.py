"""The column engine (relief.positions) gives the debt statement's figures, bill by bill, for many
workshops at once: same allocation (principal first, oldest bill first), same penalty segments."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tamin.accounts.roles import Role
from tamin.contributions import billing
from tamin.relief.positions import positions
from tamin.relief.services import load_positions
from tests.relief.factories import J, bill, payment


def _compare(world, as_of: dt.date, penalties: list[int]) -> None:
    pos = load_positions(None, as_of)
    admin = world.users[Role.ADMIN]
    for ws in (world.workshop_a, world.workshop_b):
        st = billing.statement(admin, ws, as_of)
        mine = pos.workshop == ws.pk
        got = list(
            zip(
                pos.principal[mine].tolist(),
                pos.penalty[mine].tolist(),
                pos.paid_principal[mine].tolist(),
                pos.paid_penalty[mine].tolist(),
                strict=True,
            )
        )
        want = [
            (x.principal, x.penalty + x.penalty_relief, x.paid_principal, x.paid_penalty) for x in st.lines
        ]
        assert got == want, (ws.code, as_of)
        penalties.append(sum(x.penalty + x.penalty_relief for x in st.lines))
        assert pos.credit.get(ws.pk, 0) == st.credit


@pytest.mark.django_db
def test_positions_agree_with_the_statement(world):
    a, b = world.workshop_a, world.workshop_b
    for month, amount in ((10, 123_456_789), (11, 98_765_432), (12, 150_000_001)):
        bill(a, 1403, month, amount)
    bill(a, 1404, 1, 77_777_777)
    bill(b, 1403, 11, 310_000_000)
    bill(b, 1403, 12, 0)  # an empty list owes nothing
    bill(b, 1404, 1, 45_000_000)
    # Workshop A pays late and in pieces that straddle bills, then more than it owes.
    payment(a, "A1", 50_000_000, "1403/12/20")
    payment(a, "A2", 150_000_000, "1404/01/15")
    payment(a, "A3", 100_000_000, "1404/02/10")
    payment(a, "A4", 170_000_000, "1404/03/05")
    # Workshop B pays once, part of its first bill.
    payment(b, "B1", 200_000_000, "1404/01/31")
    penalties: list[int] = []
    for day in ("1404/01/10", "1404/02/01", "1404/02/20", "1404/03/20"):
        _compare(world, J(day), penalties)
    assert min(penalties[2:]) > 0  # the figures compared include late-payment penalties
    pos = load_positions(None, J("1404/03/20"))
    a_rows = pos.workshop == a.pk
    assert (pos.paid_principal[a_rows] == pos.principal[a_rows]).all()
    assert pos.principal_paid_on[a_rows].tolist() == [
        J("1404/01/15"),
        J("1404/02/10"),
        J("1404/03/05"),
        J("1404/03/05"),
    ]
    assert pos.credit.get(a.pk, 0) > 0 and pos.paid_penalty[a_rows].sum() == pos.penalty[a_rows].sum()
    assert np.isnat(pos.principal_paid_on[pos.workshop == b.pk][0])


def test_payments_of_a_workshop_without_bills_are_credit():
    pos = positions(
        {
            "id": [1],
            "workshop": [10],
            "month": [140301],
            "due": np.array(["2024-05-20"], "datetime64[D]"),
            "amount": [5],
        },
        {
            "workshop": np.array([7, 7]),
            "on": np.array(["2024-05-01", "2024-05-02"], "datetime64[D]"),
            "amount": np.array([3, 4]),
        },
        dt.date(2024, 5, 10),
    )
    assert pos.credit == {7: 7} and pos.paid_principal.tolist() == [0] and pos.penalty.tolist() == [0]
