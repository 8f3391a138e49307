"""Where every bill of many workshops stands on one day, computed over columns (no Django here).

The same allocation as the debt statement (`tamin.contributions.billing`, rule
`principal_first_oldest_bill_first`): a workshop's payments, in date order, fill its bills' principals
in due-date order; only money left once every principal is settled pays penalties, oldest bill first;
the rest is credit. With that rule the allocation is a merge of two cumulative sums per workshop, so it
is computed for all workshops at once: each stretch of money between consecutive break points of
"bills so far" and "payments so far" belongs to exactly one (bill, payment) pair, which is the statement's
segment (a part of a bill's principal paid on one day) and is charged the late-payment penalty alone,
rounded alone, as the statement does. tests/relief/test_positions.py holds both to the same figures.

A bill's late-list penalty (the one-time amount fixed when its list was posted late) is owed from the
day after its due date. Bills are in due-date order, so the penalties owed on any day form a prefix of a
workshop's bills; filling the penalties owed on `as_of` in bill order with all the money beyond the
principals is then what the statement's day-by-day replay (credit settling a late-list penalty when it
falls due) gives.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from tamin.rules.params import ParameterSet
from tamin.rules.penalties import late_payment_penalty

NAT = np.datetime64("NaT", "D")


@dataclass(frozen=True)
class Positions:
    """Per bill, in the input order (workshop, due date, month, id). Money in int64 Rials."""

    bill: np.ndarray  # ids
    workshop: np.ndarray
    month: np.ndarray  # yyyymm
    due: np.ndarray  # datetime64[D]
    principal: np.ndarray
    # Every penalty owed on as_of, before relief: the late-payment penalty (paid parts to their day, the
    # unpaid part to as_of) plus the late-list penalty if the deadline has passed.
    penalty: np.ndarray
    paid_principal: np.ndarray
    paid_penalty: np.ndarray
    principal_paid_on: np.ndarray  # datetime64[D], the day the principal was paid in full; NaT if not
    credit: dict[int, int]  # workshop id -> money left after every principal and penalty
    late_list_penalty: np.ndarray | None = None  # the late-list part of `penalty` (None: zeros)

    def __post_init__(self) -> None:
        if self.late_list_penalty is None:
            object.__setattr__(self, "late_list_penalty", np.zeros(len(self.bill), dtype=np.int64))

    @property
    def late_payment_penalty(self) -> np.ndarray:
        return self.penalty - self.late_list_penalty

    @property
    def open_penalty(self) -> np.ndarray:
        return self.penalty - self.paid_penalty

    @property
    def paid_late_list(self) -> np.ndarray:
        """What was paid toward the late-list penalty: a bill's penalty money settles it first (the older
        claim, owed in full from the first day late), then the late-payment penalty."""
        return np.minimum(self.paid_penalty, self.late_list_penalty)

    def take(self, mask: np.ndarray) -> Positions:
        cols = {
            name: getattr(self, name)[mask]
            for name in (
                "bill",
                "workshop",
                "month",
                "due",
                "principal",
                "penalty",
                "paid_principal",
                "paid_penalty",
                "principal_paid_on",
                "late_list_penalty",
            )
        }
        return Positions(**cols, credit=self.credit)


def _restart(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Cumulative sum of `values` restarting at each new `group` (rows sorted by group)."""
    total = np.cumsum(values)
    if not len(values):
        return total
    start = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    before = np.r_[0, total][start]
    return total - np.repeat(before, np.diff(np.r_[start, len(values)]))


def positions(
    bills: dict[str, np.ndarray],
    payments: dict[str, np.ndarray],
    as_of: dt.date,
    *,
    params: ParameterSet | None = None,
) -> Positions:
    """Bills (columns id, workshop, month, due, amount and optionally late_list, the bill's one-time
    late-list penalty; sorted by workshop then due date, month, id and
    already limited to months begun by `as_of`) and payments (columns workshop, on, amount; sorted by
    workshop then day and id, already limited to days up to `as_of`)."""
    b_ws = np.asarray(bills["workshop"], dtype=np.int64)
    amount = np.maximum(np.asarray(bills["amount"], dtype=np.int64), 0)
    due = np.asarray(bills["due"]).astype("datetime64[D]")
    n = len(b_ws)
    workshops, b_w = np.unique(b_ws, return_inverse=True)
    p_ws = np.asarray(payments["workshop"], dtype=np.int64)
    # Payments of workshops without bills only make credit; they take no part in the merge.
    p_w = np.searchsorted(workshops, p_ws)
    known = (p_w < len(workshops)) & (workshops[np.minimum(p_w, max(len(workshops) - 1, 0))] == p_ws)
    p_w = p_w[known]
    p_amount = np.asarray(payments["amount"], dtype=np.int64)[known]
    p_on = np.asarray(payments["on"]).astype("datetime64[D]")[known]

    b_cum = _restart(amount, b_w)
    p_cum = _restart(p_amount, p_w)
    bill_total = np.zeros(len(workshops), dtype=np.int64)
    np.add.at(bill_total, b_w, amount)
    pay_total = np.zeros(len(workshops), dtype=np.int64)
    np.add.at(pay_total, p_w, p_amount)
    cap = np.minimum(bill_total, pay_total)  # money that reaches principals
    # Each workshop gets its own stretch of one number line, so one sort serves them all.
    span = np.maximum(bill_total, pay_total) + 1
    offset = np.r_[0, np.cumsum(span)[:-1]].astype(np.int64)
    b_glob = b_cum + offset[b_w]
    p_glob = p_cum + offset[p_w]
    points = np.unique(
        np.concatenate(
            (
                offset,
                offset + cap,
                b_glob[b_cum <= cap[b_w]],
                p_glob[p_cum <= cap[p_w]],
            )
        )
    )
    lo, hi = points[:-1], points[1:]
    w_lo = np.searchsorted(offset, lo, side="right") - 1
    inside = hi <= offset[w_lo] + cap[w_lo]
    lo, hi = lo[inside], hi[inside]
    seg_bill = np.searchsorted(b_glob, hi, side="left")
    seg_pay = np.searchsorted(p_glob, hi, side="left")
    seg_amount = hi - lo

    paid_principal = np.zeros(n, dtype=np.int64)
    np.add.at(paid_principal, seg_bill, seg_amount)
    penalty = np.zeros(n, dtype=np.int64)
    if len(seg_amount):
        np.add.at(
            penalty, seg_bill, late_payment_penalty(seg_amount, due[seg_bill], p_on[seg_pay], params=params)
        )
    unpaid = amount - paid_principal
    if n:
        penalty += late_payment_penalty(unpaid, due, np.full(n, as_of, dtype="datetime64[D]"), params=params)
    late_list = np.asarray(bills.get("late_list", np.zeros(n, dtype=np.int64)), dtype=np.int64)
    late_list = np.where(due < np.datetime64(as_of, "D"), late_list, 0).astype(np.int64)
    penalty += late_list

    # The payment that covers a bill's last Rial is the day its principal was paid in full.
    full = (unpaid == 0) & (amount > 0)
    last = np.searchsorted(p_glob, b_glob[full], side="left")
    paid_on = np.full(n, NAT, dtype="datetime64[D]")
    paid_on[full] = p_on[last]
    paid_on[amount == 0] = np.minimum(due[amount == 0], np.datetime64(as_of, "D"))

    extra = np.maximum(pay_total - bill_total, 0)  # reaches penalties only once every principal is paid
    pen_before = _restart(penalty, b_w) - penalty
    paid_penalty = np.clip(extra[b_w] - pen_before, 0, penalty)
    pen_total = np.zeros(len(workshops), dtype=np.int64)
    np.add.at(pen_total, b_w, penalty)
    left = np.maximum(extra - pen_total, 0)
    credit = {int(w): int(c) for w, c in zip(workshops.tolist(), left.tolist(), strict=True) if c}
    # Workshops with payments but no bills: everything they paid is credit.
    orphan = ~known
    if orphan.any():
        o_ws = p_ws[orphan]
        o_amount = np.asarray(payments["amount"], dtype=np.int64)[orphan]
        ws_u, inv = np.unique(o_ws, return_inverse=True)
        sums = np.zeros(len(ws_u), dtype=np.int64)
        np.add.at(sums, inv, o_amount)
        credit.update({int(w): int(s) for w, s in zip(ws_u.tolist(), sums.tolist(), strict=True)})

    return Positions(
        bill=np.asarray(bills["id"], dtype=np.int64),
        workshop=b_ws,
        month=np.asarray(bills["month"], dtype=np.int64),
        due=due,
        principal=np.asarray(bills["amount"], dtype=np.int64),
        penalty=penalty,
        paid_principal=paid_principal,
        paid_penalty=paid_penalty,
        principal_paid_on=paid_on,
        credit=credit,
        late_list_penalty=late_list,
    )
