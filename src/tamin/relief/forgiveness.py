"""Applying a forgiveness campaign to every workshop's bills at once (`tamin relief forgive`).

One pass: every bill's position (principal paid when, penalty, penalty paid) comes from two queries and
`positions()`; the campaign rule (`tamin.rules.forgiveness.forgiven`) runs once over all of them; the
run and its lines are written in one transaction, set-based. A run is keyed by (campaign, as-of day):
the same key again changes nothing and gives back the stored figures. A later run of the same campaign
adds only what a better condition now allows on a bill (the difference), so a bill is never forgiven
twice for the same campaign.

What is forgiven is the penalty accrued up to the campaign's deadline (or the as-of day, if earlier),
less what a plan stops, other campaigns forgave, and what the employer already paid toward it; and never
more than the penalty still open on the as-of day. Each kind is counted apart (a campaign may forgive one
kind only): the late-list penalty is the one fixed on the bill when its list was posted late
(`Bill.late_list_penalty`, owed once its deadline has passed), the late-payment penalty the accrued one;
money the employer paid toward a bill's penalties counts against its late-list penalty first, as the
statement's allocation documents (`tamin.contributions.billing`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Sum

from tamin.audit.services import record
from tamin.contributions.models import Bill
from tamin.contributions.posting import bulk_insert
from tamin.core import jalali
from tamin.core.errors import DomainError
from tamin.core.jalali import format_jalali
from tamin.registry.models import Workshop
from tamin.relief.models import Basis, ForgivenessLine, ForgivenessRun, InstallmentAgreement
from tamin.relief.services import APPROVED, forgiven_amounts, load_positions, opening, require, waivers
from tamin.rules import forgiveness as rule
from tamin.rules.penalties import month_of

NAT = np.datetime64("NaT", "D")
KINDS = rule.KINDS  # ("late_list", "late_payment")


@dataclass
class RunReport:
    campaign: str
    title: str
    as_of: dt.date
    status: str  # applied | unchanged | dry_run
    run_id: int | None
    workshops: int
    bills: int
    forgiven: dict[str, int]  # late_list, late_payment, total
    covered_bills: int = 0
    pending_bills: int = 0
    lines: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "title": self.title,
            "as_of": format_jalali(self.as_of),
            "status": self.status,
            "run": self.run_id,
            "workshops": self.workshops,
            "bills": self.bills,
            "forgiven": self.forgiven,
            "covered_bills": self.covered_bills,
            "pending_bills": self.pending_bills,
        }

    def as_dict(self, lines: bool = False) -> dict[str, Any]:
        out = self.summary()
        if lines:
            out["by_workshop"] = by_workshop(self.lines)
        return out


def by_workshop(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lines grouped per workshop, with the workshop's totals, in workshop-code order."""
    groups: dict[str, dict[str, Any]] = {}
    for line in lines:
        g = groups.setdefault(
            line["workshop"],
            {
                "workshop": line["workshop"],
                "bills": 0,
                "late_list": 0,
                "late_payment": 0,
                "total": 0,
                "lines": [],
            },
        )
        g["bills"] += 1
        g["late_list"] += line["late_list_forgiven"]
        g["late_payment"] += line["late_payment_forgiven"]
        g["total"] += line["total_forgiven"]
        g["lines"].append(line)
    return [groups[k] for k in sorted(groups)]


def _stored(run: ForgivenessRun, c: rule.Campaign) -> RunReport:
    rows = list(
        ForgivenessLine.objects.filter(run=run)
        .order_by("workshop__code", "month", "bill_id")
        .values(
            "workshop__code",
            "bill__number",
            "month",
            "percent",
            "basis",
            "late_list_penalty",
            "late_payment_penalty",
            "late_list_forgiven",
            "late_payment_forgiven",
            "total_forgiven",
        )
    )
    lines = [
        {
            "workshop": r.pop("workshop__code"),
            "bill": r.pop("bill__number"),
            **r,
            "month": str(month_of(r["month"])),
        }
        for r in rows
    ]
    return RunReport(
        c.id,
        c.title,
        run.as_of,
        "unchanged",
        run.pk,
        run.workshops,
        run.bills,
        {
            "late_list": run.late_list_forgiven,
            "late_payment": run.late_payment_forgiven,
            "total": run.total_forgiven,
        },
        run.report.get("covered_bills", 0),
        run.report.get("pending_bills", 0),
        lines,
    )


def _prior(as_of: dt.date, campaign: str) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Bill id -> [late_list, late_payment] forgiven by other campaigns; the same by this one."""
    others = {
        b: np.array([ll, lp], dtype=np.int64)
        for b, ll, lp in ForgivenessLine.objects.filter(run__as_of__lte=as_of)
        .exclude(campaign=campaign)
        .values_list("bill_id")
        .annotate(ll=Sum("late_list_forgiven"), lp=Sum("late_payment_forgiven"))
    }
    same = {
        b: np.array([ll, lp], dtype=np.int64)
        for b, ll, lp in ForgivenessLine.objects.filter(campaign=campaign)
        .values_list("bill_id")
        .annotate(ll=Sum("late_list_forgiven"), lp=Sum("late_payment_forgiven"))
    }
    return others, same


def _lookup(values: dict[int, Any], bills: np.ndarray, default: Any = 0) -> list[Any]:
    return [values.get(b, default) for b in bills.tolist()]


def apply_campaign(
    actor: Any, campaign_id: str, as_of: dt.date | None = None, *, dry_run: bool = False
) -> RunReport:
    """Forgive what `campaign_id` allows on `as_of` (default today) on every workshop's bills."""
    require(actor, "forgiveness.run")
    c = rule.campaign(campaign_id)
    as_of = as_of or jalali.today()
    if as_of < c.start:
        raise DomainError(
            "forgiveness.not_open",
            f"طرح {c.id} از {format_jalali(c.start)} آغاز می‌شود؛ پیش از آن نمی‌توان آن را اعمال کرد.",
            "as_of",
        )
    existing = ForgivenessRun.objects.filter(campaign=c.id, as_of=as_of).first()
    if existing is not None:
        return _stored(existing, c)
    limit = min(as_of, c.deadline)

    base = load_positions(None, limit)  # the penalty accrued up to the deadline
    now = load_positions(None, as_of)  # what was paid and what is open today
    n = len(base.bill)
    idx = np.searchsorted(now.bill, base.bill, sorter=np.argsort(now.bill))
    at_now = np.argsort(now.bill)[idx] if n else np.zeros(0, dtype=np.int64)

    agreements = list(
        InstallmentAgreement.objects.filter(status__in=APPROVED, signed_on__lte=limit).order_by(
            "signed_on", "id"
        )
    )
    waived_then, _plans = waivers(agreements, limit)
    waived_now, plans_now = waivers(agreements, as_of)
    # A plan counts if signed by the deadline and not void on the as-of day; the latest one wins.
    signed: dict[int, tuple[dt.date, int, int]] = {}
    for a in agreements:
        s = plans_now.get(a.pk)
        if s is not None and s.state != "void":
            m = jalali.JalaliMonth.of(opening(a.signed_on))
            signed[a.workshop_id] = (a.signed_on, a.requested_months, a.pk, m.year * 100 + m.month)
    others, same = _prior(as_of, c.id)
    forgiven_now = forgiven_amounts(None, as_of, plans_now)

    by_others = np.array(_lookup(others, base.bill, np.zeros(2, dtype=np.int64)), dtype=np.int64).reshape(
        n, 2
    )
    # What the employer paid toward penalties settles the late-list penalty first, then late payment.
    paid = now.paid_penalty[at_now]
    paid_late_list = np.minimum(paid, base.late_list_penalty)
    late_list = np.maximum(base.late_list_penalty - paid_late_list - by_others[:, 0], 0)
    penalty = np.maximum(
        base.late_payment_penalty
        - np.array(_lookup(waived_then, base.bill), dtype=np.int64)
        - (paid - paid_late_list)
        - by_others[:, 1],
        0,
    )
    plan_of_bill = [signed.get(w) for w in base.workshop.tolist()]
    covered_by_plan = np.array(
        [p is not None and m <= p[3] for p, m in zip(plan_of_bill, base.month.tolist(), strict=True)],
        dtype=bool,
    )
    debts: dict[str, np.ndarray] = {
        "month": base.month,
        "principal": base.principal,
        "late_list_penalty": late_list,
        "late_payment_penalty": penalty,
        "principal_paid_on": now.principal_paid_on[at_now],
    }
    paid_only = rule.forgiven(c, debts, as_of)
    debts["agreement_signed_on"] = np.array(
        [
            p[0] if (p is not None and cov) else NAT
            for p, cov in zip(plan_of_bill, covered_by_plan, strict=True)
        ],
        dtype="datetime64[D]",
    )
    debts["installment_months"] = np.array(
        [
            p[1] if (p is not None and cov) else 0
            for p, cov in zip(plan_of_bill, covered_by_plan, strict=True)
        ],
        dtype=np.int64,
    )
    result = rule.forgiven(c, debts, as_of)
    by_plan = result["condition_met"] & ~(
        paid_only["condition_met"] & (paid_only["percent"] >= result["percent"])
    )

    # Only the difference from what this campaign already forgave, within the penalty open today.
    prior = np.array([same.get(b, np.zeros(2, dtype=np.int64)) for b in base.bill.tolist()], dtype=np.int64)
    prior = prior.reshape(n, 2)
    open_now = np.maximum(
        now.open_penalty[at_now]
        - np.array(_lookup(waived_now, base.bill), dtype=np.int64)
        - np.array(_lookup(forgiven_now, base.bill), dtype=np.int64),
        0,
    )
    ll = np.maximum(result["late_list_forgiven"] - prior[:, 0], 0)
    lp = np.minimum(np.maximum(result["late_payment_forgiven"] - prior[:, 1], 0), open_now)
    ll = np.minimum(ll, np.maximum(open_now - lp, 0))
    total = ll + lp
    keep = result["condition_met"] & (total > 0)

    codes = dict(
        Workshop.objects.filter(pk__in=np.unique(base.workshop[keep]).tolist()).values_list("pk", "code")
    )
    numbers = dict(Bill.objects.filter(pk__in=base.bill[keep].tolist()).values_list("pk", "number"))
    k = np.flatnonzero(keep)
    basis = np.where(by_plan[k], Basis.INSTALLMENT.value, Basis.PAID.value)
    lines = [
        {
            "workshop": codes[int(base.workshop[i])],
            "bill": numbers[int(base.bill[i])],
            "month": str(month_of(int(base.month[i]))),
            "percent": int(result["percent"][i]),
            "basis": str(basis[j]),
            "late_list_penalty": int(debts["late_list_penalty"][i]),
            "late_payment_penalty": int(penalty[i]),
            "late_list_forgiven": int(ll[i]),
            "late_payment_forgiven": int(lp[i]),
            "total_forgiven": int(total[i]),
        }
        for j, i in enumerate(k.tolist())
    ]
    lines.sort(key=lambda r: (r["workshop"], r["month"], r["bill"]))
    figures = {"late_list": int(ll[k].sum()), "late_payment": int(lp[k].sum()), "total": int(total[k].sum())}
    report = RunReport(
        c.id,
        c.title,
        as_of,
        "dry_run" if dry_run else "applied",
        None,
        len(np.unique(base.workshop[k])),
        len(k),
        figures,
        int(result["covered"].sum()),
        int(result["pending"].sum()),
        lines,
    )
    if dry_run:
        return report

    try:
        with transaction.atomic():
            run = ForgivenessRun.objects.create(
                campaign=c.id,
                as_of=as_of,
                ran_by=getattr(actor, "username", None) or str(actor),
                workshops=report.workshops,
                bills=report.bills,
                late_list_forgiven=figures["late_list"],
                late_payment_forgiven=figures["late_payment"],
                total_forgiven=figures["total"],
                report={k_: v for k_, v in report.summary().items() if k_ not in ("status", "run")},
            )
            cols = {
                "run_id": np.full(len(k), run.pk, dtype=np.int64),
                "campaign": np.full(len(k), c.id),
                "workshop_id": base.workshop[k],
                "bill_id": base.bill[k],
                "month": base.month[k],
                "percent": result["percent"][k],
                "basis": basis.astype(str),
                "late_list_penalty": debts["late_list_penalty"][k],
                "late_payment_penalty": penalty[k],
                "late_list_forgiven": ll[k],
                "late_payment_forgiven": lp[k],
                "total_forgiven": total[k],
            }
            bulk_insert(ForgivenessLine._meta.db_table, cols)
            # Lines bought with a plan point at it, so a void plan takes them back: one UPDATE per plan.
            for workshop_id, (_, _, agreement_id, _) in signed.items():
                ForgivenessLine.objects.filter(
                    run=run, workshop_id=workshop_id, basis=Basis.INSTALLMENT
                ).update(agreement_id=agreement_id)
            record(
                actor, "forgiveness.run", run, after=report.summary() | {"run": run.pk, "status": "applied"}
            )
    except IntegrityError:
        # The same (campaign, day) was applied concurrently: give back what that run wrote.
        return _stored(ForgivenessRun.objects.get(campaign=c.id, as_of=as_of), c)
    report.run_id = run.pk
    return report
