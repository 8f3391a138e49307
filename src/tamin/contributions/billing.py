"""Bills (برگ پرداخت), payments, how payments settle debts, and the debt statement of a workshop.

Due date: the last day of the month after the list's month (SSL Art. 39), of the second month after
for workshops under the five-worker exemption — `tamin.rules.penalties.payment_due_date`, from the
dated parameters in `rules/parameters/penalties.yaml`.

Allocation (a choice, documented here and in the statement's `allocation_rule`): a payment settles the
**principal of the oldest bill first** (by due date), then the next bill's principal; only when every
principal known at the payment's date is settled does money go to penalties, oldest bill first; what
is left is a credit carried to bills posted later. Why principal first: the insured person's months
count once their contribution is paid (SSL Art. 36 makes the employer liable, and an unpaid principal
keeps accruing the late-payment penalty, so settling it first is also cheapest for the employer),
while penalties are separate claims collected under SSL Art. 50. No SSO circular fixing the order was
found; this is a design decision, not a sourced rule.

Penalties come from `tamin.rules.penalties.late_payment_penalty` (day-exact, rates from the YAML):
each part of a bill's principal accrues from the day after its due date to the day it was paid; what is
still unpaid accrues to the statement's as-of date. A list sent after its deadline (which is the
payment deadline, SSL Art. 39) also owes the one-time late-list penalty
(`tamin.rules.penalties.late_list_penalty`), fixed on the bill when the list is posted from its amount,
due date and first submission day (`Bill.late_list_penalty`, recomputed on a correction's new amount
with the first submission day kept) and owed from the day after the deadline. It is a penalty like the
other: the statement's `penalty` counts both (its `late_list_penalty` column shows the late-list part),
payments reach it only once every principal is settled, oldest bill first; money left when no penalty
is owed yet waits as credit and settles a late-list penalty on the day it falls due. Inside one bill the
two penalties are one claim; where the split matters (a campaign that forgives one kind only,
`tamin.relief.forgiveness`) money paid toward a bill's penalties counts against its late-list penalty
first, as the older of the two (owed in full from the first day late).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction

from tamin.accounts import scope
from tamin.accounts.roles import Role
from tamin.audit.services import record, snapshot
from tamin.contributions.models import Bill, ContributionList, Payment
from tamin.core import jalali
from tamin.core.errors import Conflict, DomainError, Forbidden, NotFound, ProblemList
from tamin.core.jalali import JalaliMonth, format_jalali
from tamin.registry.models import Workshop
from tamin.relief.services import penalty_relief

PAYMENT_RECORDERS = frozenset({Role.BRANCH_STAFF, Role.ADMIN})
# A workshop's debt is the employer's business and the SSO's, not its workers'.
STATEMENT_READERS = frozenset(
    {Role.EMPLOYER, Role.BRANCH_STAFF, Role.PROVINCE_MANAGER, Role.HQ_MANAGER, Role.AUDITOR, Role.ADMIN}
)
ALLOCATION_RULE = "principal_first_oldest_bill_first"


# --- the penalty and deadline rules (tamin.rules.penalties) ------------------------------------------


def _rules() -> Any:
    try:
        from tamin.rules import penalties
    except ImportError as exc:  # the rules module is a separate unit of the code base
        raise DomainError(
            "penalty.unavailable", "قاعدهٔ محاسبهٔ جریمهٔ تأخیر در دسترس نیست.", "penalty"
        ) from exc
    return penalties


def due_date(month: JalaliMonth, *, small_workshop_exempt: bool) -> tuple[dt.date, str]:
    """The bill's due date and the law it follows."""
    rules = _rules()
    return (
        rules.payment_due_date(month, small_exempt=small_workshop_exempt),
        str(getattr(rules, "DEADLINE_LAW", "SSL Art. 39")),
    )


def late_payment_penalty(principal: np.ndarray, due: np.ndarray, paid_or_asof: np.ndarray) -> np.ndarray:
    if principal.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(_rules().late_payment_penalty(principal, due, paid_or_asof), dtype=np.int64)


def late_list_penalty(amount: np.ndarray, due: np.ndarray, first_submitted: np.ndarray) -> np.ndarray:
    """The one-time late-list penalty of each bill: its amount, its due date (the list deadline is the
    payment deadline, SSL Art. 39, the later one for small-workshop-exempt workshops) and the day the
    list was first sent. A negative amount (a correction below zero) owes none."""
    amount = np.maximum(np.asarray(amount, dtype=np.int64), 0)
    if amount.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(_rules().late_list_penalty(amount, due, first_submitted), dtype=np.int64)


def late_list_owed(penalty: np.ndarray, due: np.ndarray, on: np.ndarray | dt.date) -> np.ndarray:
    """The late-list penalty owed on a day: the whole one-time amount from the day after the deadline
    (a list not sent by then is late whatever day it comes), nothing before."""
    return np.where(np.asarray(due, dtype="datetime64[D]") < np.datetime64(on, "D"), penalty, 0).astype(
        np.int64
    )


# --- bills -------------------------------------------------------------------------------------------


def issue_or_adjust(cl: ContributionList, workshop: Workshop, *, today: dt.date | None = None) -> Bill:
    """The bill of a just-posted list: new, or (for a corrected list) the same bill with the new amounts,
    keeping the amount it replaced. Runs inside the posting transaction; audited with the list.

    The late-list penalty is fixed here: on the bill's amount, its due date and the day the list was
    first sent (`today` for a new bill). A correction recomputes it on the new amount with the first
    submission day kept, so correcting a list on time never makes it late, and correcting a late list
    neither escapes nor doubles the penalty."""
    month = JalaliMonth(cl.year, cl.month)
    due, source = due_date(month, small_workshop_exempt=workshop.small_workshop_exempt)
    today = today or jalali.today()
    amounts = {
        "insured_share": cl.insured_share,
        "employer_share": cl.employer_share,
        "unemployment_share": cl.unemployment_share,
        "hard_job_share": cl.hard_job_share,
        "state_share": cl.state_share,
        "amount": cl.billed,
    }
    bill = Bill.objects.select_for_update().filter(contribution_list=cl).first()
    if bill is None:
        return Bill.objects.create(
            contribution_list=cl,
            workshop=workshop,
            number=f"{workshop.code}-{cl.year:04d}{cl.month:02d}-{cl.list_no}",
            year=cl.year,
            month=cl.month,
            issued_on=today,
            due_on=due,
            due_source=source,
            first_submitted_on=today,
            late_list_penalty=_one_late_list_penalty(cl.billed, due, today),
            **amounts,
        )
    bill.previous_amount = bill.amount
    bill.version += 1
    for name, value in amounts.items():
        setattr(bill, name, value)
    first = bill.first_submitted_on or bill.issued_on  # bills from before the field: their issue day
    bill.first_submitted_on = first
    bill.late_list_penalty = _one_late_list_penalty(bill.amount, bill.due_on, first)
    bill.save()
    return bill


def _one_late_list_penalty(amount: int, due: dt.date, first_submitted: dt.date) -> int:
    return int(
        late_list_penalty(
            np.array([amount], dtype=np.int64),
            np.array([due], dtype="datetime64[D]"),
            np.array([first_submitted], dtype="datetime64[D]"),
        )[0]
    )


# --- payments ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    created: bool  # False: the same bank reference was already recorded with the same data


def _require_workshop(actor: Any, workshop: Workshop, roles: frozenset[str] | None = None) -> None:
    role = getattr(actor, "role", None) if getattr(actor, "is_authenticated", False) else None
    if role is None or not getattr(actor, "is_active", False) or (roles is not None and role not in roles):
        raise Forbidden("auth.forbidden", "شما اجازهٔ انجام این کار را ندارید.")
    if not scope.workshops(actor).filter(pk=workshop.pk).exists():
        raise Forbidden("auth.out_of_scope", "این کارگاه در حوزهٔ دسترسی شما نیست.")


def record_payment(
    actor: Any, *, workshop: Workshop, reference: str, amount: int, paid_on: dt.date
) -> PaymentResult:
    """Record a bank payment exactly once. The same reference again with the same workshop, amount and
    date is acknowledged (created=False, nothing written); with different data it is a Conflict (409)."""
    _require_workshop(actor, workshop, PAYMENT_RECORDERS)
    problems = ProblemList()
    reference = str(reference or "").strip()
    if not reference or len(reference) > 40:
        problems.add("payment.reference", "شناسهٔ پرداخت بانک باید ۱ تا ۴۰ نویسه باشد.", "reference")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        problems.add("payment.amount", "مبلغ پرداخت باید عدد صحیح مثبت (ریال) باشد.", "amount")
    if not isinstance(paid_on, dt.date):
        problems.add("payment.date", "تاریخ پرداخت نامعتبر است.", "paid_on")
    problems.raise_if_any()

    def same(p: Payment) -> PaymentResult:
        if p.workshop_id == workshop.pk and p.amount == amount and p.paid_on == paid_on:
            return PaymentResult(p, False)
        raise Conflict(
            "payment.reference_reused",
            "این شناسهٔ پرداخت پیش‌تر با اطلاعات دیگری ثبت شده است.",
            "reference",
        )

    existing = Payment.objects.filter(reference=reference).first()
    if existing is not None:
        return same(existing)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                reference=reference,
                workshop=workshop,
                amount=amount,
                paid_on=paid_on,
                recorded_by_id=getattr(actor, "pk", None),
            )
            settled = [
                a for a in _replay(workshop, max(paid_on, jalali.today())).allocations if a[0] == payment.pk
            ]
            after = snapshot(payment) | {
                "allocation_rule": ALLOCATION_RULE,
                "allocation": [{"bill": b, "principal": p, "penalty": q} for _, b, p, q in settled],
            }
            record(actor, "payment.record", payment, after=after)
    except IntegrityError:
        # A concurrent request recorded the same reference first.
        return same(Payment.objects.get(reference=reference))
    return PaymentResult(payment, True)


# --- statement ---------------------------------------------------------------------------------------


@dataclass
class _BillState:
    bill: Bill
    paid_principal: int = 0
    paid_penalty: int = 0
    seg_amount: list[int] = field(default_factory=list)
    seg_date: list[dt.date] = field(default_factory=list)

    @property
    def open_principal(self) -> int:
        return self.bill.amount - self.paid_principal


@dataclass(frozen=True)
class _Replay:
    states: list[_BillState]
    credit: int
    allocations: list[tuple[int, str, int, int]]  # (payment id, bill number, principal, penalty)
    paid_total: int


def _segment_penalties(states: list[_BillState]) -> np.ndarray:
    """Penalty of every paid part of every bill, summed per bill."""
    counts = [len(s.seg_amount) for s in states]
    if not sum(counts):
        return np.zeros(len(states), dtype=np.int64)
    amount = np.array([a for s in states for a in s.seg_amount], dtype=np.int64)
    paid = np.array([d for s in states for d in s.seg_date], dtype="datetime64[D]")
    due = np.repeat(np.array([s.bill.due_on for s in states], dtype="datetime64[D]"), counts)
    per_segment = late_payment_penalty(amount, due, paid)
    out = np.zeros(len(states), dtype=np.int64)
    np.add.at(out, np.repeat(np.arange(len(states)), counts), per_segment)
    return out


def _penalties_owed(states: list[_BillState], on: dt.date) -> np.ndarray:
    """Every bill's penalties as owed on `on` once its principal is settled: the late-payment penalty of
    its paid parts (fixed by then) and its late-list penalty if the deadline has passed."""
    late_list = np.array([s.bill.late_list_penalty for s in states], dtype=np.int64)
    due = np.array([s.bill.due_on for s in states], dtype="datetime64[D]")
    return _segment_penalties(states) + late_list_owed(late_list, due, on)


def _settle_penalties(
    states: list[_BillState], pool: list[list[int]], on: dt.date, allocations: list[tuple[int, str, int, int]]
) -> None:
    """Pay the penalties owed on `on`, oldest bill first, from `pool` ([payment id, Rials] left over,
    earliest payment first); each allocation names the payment whose money it is."""
    owed = _penalties_owed(states, on)
    for s, penalty in zip(states, owed.tolist(), strict=True):
        due = penalty - s.paid_penalty
        for part in pool:
            if due <= 0:
                break
            take = min(part[1], due)
            if take > 0:
                s.paid_penalty += take
                part[1] -= take
                due -= take
                allocations.append((part[0], s.bill.number, 0, take))
        if not any(part[1] for part in pool):
            break


def _replay(workshop: Workshop, as_of: dt.date) -> _Replay:
    """Apply the workshop's payments up to `as_of`, in date order, to the bills of months begun by then."""
    # A month's debt exists from that month on, whenever its list was posted (a late list still owes
    # from its due date), so bills are taken by their month, not by the day they were issued.
    bills = [
        b
        for b in Bill.objects.filter(workshop=workshop).order_by("due_on", "year", "month", "id")
        if JalaliMonth(b.year, b.month).first_day() <= as_of
    ]
    payments = list(
        Payment.objects.filter(workshop=workshop, paid_on__lte=as_of)
        .order_by("paid_on", "id")
        .values_list("id", "amount", "paid_on")
    )
    states = [_BillState(b) for b in bills]
    allocations: list[tuple[int, str, int, int]] = []
    # Money left once every principal and every penalty owed on its day was paid. A late-list penalty
    # falls due only after the deadline, so this credit settles it when it does (on a later payment's
    # day, or on `as_of`) before it is carried as credit: the same as filling the penalties owed on
    # `as_of` oldest bill first with all the money beyond the principals (relief.positions does that).
    carry: list[list[int]] = []
    for pid, amount, paid_on in payments:
        left = amount
        for s in states:
            if left == 0:
                break
            take = min(left, s.open_principal)
            if take > 0:
                s.paid_principal += take
                s.seg_amount.append(take)
                s.seg_date.append(paid_on)
                allocations.append((pid, s.bill.number, take, 0))
                left -= take
        if left > 0:
            carry.append([pid, left])
        if carry:
            # Every principal is settled: the penalties owed today are fixed amounts; pay them oldest first.
            _settle_penalties(states, carry, paid_on, allocations)
            carry = [part for part in carry if part[1] > 0]
    if carry:
        _settle_penalties(states, carry, as_of, allocations)
    credit = sum(part[1] for part in carry)
    return _Replay(states, credit, allocations, sum(p[1] for p in payments))


@dataclass(frozen=True)
class StatementLine:
    bill: str
    month: str
    list_no: str
    due_on: dt.date
    principal: int
    penalty: int
    paid_principal: int
    paid_penalty: int
    # Penalty forgiven by a campaign or frozen by an installment agreement; `penalty` is net of it.
    penalty_relief: int = 0
    # The late-list part of the penalty (before relief): the one-time penalty of a list sent after its
    # deadline, owed from the day after the deadline. `penalty` includes it.
    late_list_penalty: int = 0

    @property
    def late_payment_penalty(self) -> int:
        """The late-payment part of the penalty, before relief."""
        return self.penalty + self.penalty_relief - self.late_list_penalty

    @property
    def paid(self) -> int:
        return self.paid_principal + self.paid_penalty

    @property
    def outstanding(self) -> int:
        return self.principal + self.penalty - self.paid

    def as_dict(self) -> dict[str, Any]:
        return {
            "bill": self.bill,
            "month": self.month,
            "list_no": self.list_no,
            "due_on": format_jalali(self.due_on),
            "principal": self.principal,
            "penalty": self.penalty,
            "late_list_penalty": self.late_list_penalty,
            "late_payment_penalty": self.late_payment_penalty,
            "penalty_relief": self.penalty_relief,
            "paid_principal": self.paid_principal,
            "paid_penalty": self.paid_penalty,
            "paid": self.paid,
            "outstanding": self.outstanding,
        }


@dataclass(frozen=True)
class DebtStatement:
    workshop: str
    as_of: dt.date
    lines: tuple[StatementLine, ...]
    credit: int
    paid_total: int

    @property
    def principal(self) -> int:
        return sum(line.principal for line in self.lines)

    @property
    def penalty(self) -> int:
        return sum(line.penalty for line in self.lines)

    @property
    def late_list_penalty(self) -> int:
        return sum(line.late_list_penalty for line in self.lines)

    @property
    def penalty_relief(self) -> int:
        return sum(line.penalty_relief for line in self.lines)

    @property
    def outstanding(self) -> int:
        return sum(line.outstanding for line in self.lines) - self.credit

    def as_dict(self) -> dict[str, Any]:
        return {
            "workshop": self.workshop,
            "as_of": format_jalali(self.as_of),
            "allocation_rule": ALLOCATION_RULE,
            "lines": [line.as_dict() for line in self.lines],
            "principal": self.principal,
            "penalty": self.penalty,
            "late_list_penalty": self.late_list_penalty,
            "penalty_relief": self.penalty_relief,
            "paid": self.paid_total,
            "credit": self.credit,
            "outstanding": self.outstanding,
        }


def statement(actor: Any, workshop: Workshop | str, as_of: dt.date | None = None) -> DebtStatement:
    """What the workshop owes on `as_of` (default today): per bill principal, penalty, paid, outstanding."""
    if getattr(actor, "role", None) not in STATEMENT_READERS:
        raise Forbidden("auth.forbidden", "شما اجازهٔ دیدن بدهی کارگاه را ندارید.")
    if isinstance(workshop, str):
        found = scope.workshops(actor).filter(code=workshop).first()
        if found is None:
            raise NotFound("workshop.not_found", "کارگاهی با این کد در حوزهٔ دسترسی شما نیست.", "workshop")
        workshop = found
    _require_workshop(actor, workshop, STATEMENT_READERS)
    as_of = as_of or jalali.today()
    replay = _replay(workshop, as_of)
    states = replay.states
    paid_parts = _segment_penalties(states)
    open_principal = np.array([max(s.open_principal, 0) for s in states], dtype=np.int64)
    due = np.array([s.bill.due_on for s in states], dtype="datetime64[D]")
    unpaid_part = late_payment_penalty(
        open_principal, due, np.full(len(states), as_of, dtype="datetime64[D]")
    )
    late_list = late_list_owed(
        np.array([s.bill.late_list_penalty for s in states], dtype=np.int64), due, as_of
    )
    list_nos = dict(
        ContributionList.objects.filter(bill__in=[s.bill for s in states]).values_list("bill__id", "list_no")
    )
    relief = penalty_relief(workshop, as_of)
    lines = tuple(
        StatementLine(
            bill=s.bill.number,
            month=str(JalaliMonth(s.bill.year, s.bill.month)),
            list_no=list_nos.get(s.bill.pk, ""),
            due_on=s.bill.due_on,
            principal=s.bill.amount,
            penalty=int(paid_parts[i] + unpaid_part[i] + late_list[i]) - relief.get(s.bill.pk, 0),
            paid_principal=s.paid_principal,
            paid_penalty=s.paid_penalty,
            penalty_relief=relief.get(s.bill.pk, 0),
            late_list_penalty=int(late_list[i]),
        )
        for i, s in enumerate(states)
    )
    return DebtStatement(workshop.code, as_of, lines, replay.credit, replay.paid_total)
