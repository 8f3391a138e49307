"""Penalty forgiveness campaigns (بخشودگی جرائم), rules.md §3.3; parameters/forgiveness.yaml.

A campaign is read entirely from dated parameters named forgiveness.<id>.* (the YAML header explains
them), so a new campaign is a YAML change, not a code change. `forgiven` is vectorised over debts: one
pass of numpy per campaign, whatever the number of debts.

Debts are columns (numpy arrays of one length):
    month                 int, the list month as yyyymm (140407 = Mehr 1404)
    principal             int64 Rials (reported back, not used in the amounts)
    late_list_penalty     int64 Rials
    late_payment_penalty  int64 Rials
    principal_paid_on     datetime64[D], the day the principal was paid in full; NaT if not
  optional, for campaigns that accept instalments:
    agreement_signed_on   datetime64[D], the day an instalment agreement was signed; NaT if none
    installment_months    int, that agreement's number of monthly instalments
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from tamin.core.jalali import format_jalali
from tamin.rules.params import ParameterError, ParameterSet, default_parameters
from tamin.rules.penalties import month_of, mul_div_half_up

PREFIX = "forgiveness."
PAID_IN_FULL = 1  # the principal paid in full by the deadline
PAID_OR_INSTALLED = 2  # ... or an instalment agreement signed by the deadline
CONDITIONS = {
    PAID_IN_FULL: "پرداخت کامل اصل بدهی تا پایان مهلت",
    PAID_OR_INSTALLED: "پرداخت کامل اصل بدهی یا امضای قرارداد تقسیط تا پایان مهلت",
}
KINDS = ("late_list", "late_payment")
_NAME = re.compile(r"forgiveness\.([a-z0-9_]+)\.condition")


@dataclass(frozen=True)
class Campaign:
    """One forgiveness campaign as the parameters define it."""

    id: str
    title: str
    start: dt.date
    deadline: dt.date
    condition: int
    percents: tuple[tuple[int, int], ...]  # (max instalment months, percent forgiven); 0 = paid in full
    covers: tuple[str, ...]  # penalty kinds forgiven
    source: str
    confidence: str
    note: str | None

    def covers_kind(self, kind: str) -> bool:
        return kind in self.covers

    def percent_for(self, months: int) -> int:
        """Share forgiven for a plan of `months` instalments (0 = paid in full); 0 if none applies."""
        for limit, percent in self.percents:
            if months <= limit:
                return percent
        return 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "window": [format_jalali(self.start), format_jalali(self.deadline)],
            "condition": CONDITIONS[self.condition],
            "percent_by_months": {str(m): pct for m, pct in self.percents},
            "covers": list(self.covers),
            "source": self.source,
            "confidence": self.confidence,
        }


def _params(params: ParameterSet | None) -> ParameterSet:
    return default_parameters() if params is None else params


def _campaign(p: ParameterSet, cid: str, entry_index: int) -> Campaign:
    base = f"{PREFIX}{cid}."
    condition = p.parameter(base + "condition")
    window = condition.entries[entry_index]
    if window.end is None:
        raise ParameterError(
            "forgiveness.window", f"مهلت طرح بخشودگی {cid} تاریخ پایان (until) ندارد.", base + "condition"
        )
    if window.value not in CONDITIONS:
        raise ParameterError("forgiveness.condition", f"شرط طرح {cid} ناشناخته است.", base + "condition")
    percents: list[tuple[int, int]] = []
    for name in p.names():
        if name.startswith(base + "percent."):
            value = p.value(name, window.start)
            if value != int(value):
                raise ParameterError("forgiveness.percent", f"درصد بخشودگی {name} باید عدد صحیح باشد.", name)
            percents.append((int(name.rsplit(".", 1)[1]), int(value)))
    covers = tuple(k for k in KINDS if int(p.value(f"{base}covers.{k}", window.start)) == 1)
    return Campaign(
        cid,
        condition.description,
        window.start,
        window.end,
        int(window.value),
        tuple(sorted(percents)),
        covers,
        window.source,
        window.confidence,
        condition.note,
    )


def campaigns(on: dt.date | None = None, *, params: ParameterSet | None = None) -> list[Campaign]:
    """Every campaign (on=None) or those whose application window includes `on`, oldest first."""
    p = _params(params)
    found: list[Campaign] = []
    for name in p.names():
        m = _NAME.fullmatch(name)
        if not m:
            continue
        for i, e in enumerate(p.parameter(name).entries):
            if on is None or e.covers(on):
                found.append(_campaign(p, m[1], i))
    return sorted(found, key=lambda c: (c.start, c.id))


def campaign(cid: str, *, params: ParameterSet | None = None) -> Campaign:
    for c in campaigns(params=params):
        if c.id == cid:
            return c
    raise ParameterError("forgiveness.unknown", f"طرح بخشودگی {cid} تعریف نشده است.", cid)


def _month_first_days(yyyymm: np.ndarray) -> np.ndarray:
    unique, inverse = np.unique(np.asarray(yyyymm, dtype=np.int64), return_inverse=True)
    firsts = np.array([month_of(int(m)).first_day() for m in unique.tolist()], dtype="datetime64[D]")
    return firsts[inverse]


def forgiven(
    campaign: Campaign,
    debts: dict[str, np.ndarray],
    as_of: dt.date,
    *,
    params: ParameterSet | None = None,
) -> dict[str, np.ndarray]:
    """Per debt: whether the campaign covers it, whether its condition holds on `as_of`, and the amounts.

    Returns arrays: covered, condition_met, pending (window still open, not yet met), percent,
    late_list_forgiven, late_payment_forgiven, total_forgiven. An instalment agreement meets the
    condition only if signed by the deadline for a number of months the campaign's table holds; if
    both routes hold, the larger share applies. Forgiveness bought with an instalment plan is lost
    when the plan becomes void (installments.missed), which the billing service enforces.
    """
    p = _params(params)
    n = len(debts["month"])
    covered = p.vector(f"{PREFIX}{campaign.id}.debt_months", _month_first_days(debts["month"])) == 1
    limit = np.datetime64(min(campaign.deadline, as_of), "D")
    paid_on = np.asarray(debts["principal_paid_on"]).astype("datetime64[D]")
    paid = ~np.isnat(paid_on) & (paid_on <= limit)
    percent = np.where(paid, campaign.percent_for(0), 0).astype(np.int64)
    if campaign.condition == PAID_OR_INSTALLED and "agreement_signed_on" in debts:
        signed_on = np.asarray(debts["agreement_signed_on"]).astype("datetime64[D]")
        months = np.asarray(debts.get("installment_months", np.zeros(n, np.int64)), dtype=np.int64)
        limits = np.array([m for m, _ in campaign.percents] + [np.iinfo(np.int64).max], dtype=np.int64)
        shares = np.array([pct for _, pct in campaign.percents] + [0], dtype=np.int64)
        band = np.searchsorted(limits, np.maximum(months, 1), side="left")
        signed = ~np.isnat(signed_on) & (signed_on <= limit) & (months >= 1)
        percent = np.maximum(percent, np.where(signed, shares[band], 0))
    met = covered & (percent > 0)
    percent = np.where(met, percent, 0)
    pending = covered & ~met & (np.datetime64(as_of, "D") <= np.datetime64(campaign.deadline, "D"))
    out: dict[str, np.ndarray] = {
        "covered": covered,
        "condition_met": met,
        "pending": pending,
        "percent": percent,
    }
    total = np.zeros(n, dtype=np.int64)
    for kind in KINDS:
        amount = np.asarray(debts[f"{kind}_penalty"], dtype=np.int64)
        share = mul_div_half_up(amount, percent, 100) if campaign.covers_kind(kind) else np.zeros(n, np.int64)
        out[f"{kind}_forgiven"] = share
        total += share
    out["total_forgiven"] = total
    return out


def forgiven_explained(
    campaign: Campaign, debt: dict[str, Any], as_of: dt.date, *, params: ParameterSet | None = None
) -> dict[str, Any]:
    """One debt (scalars under the same keys as `forgiven`'s columns) with the campaign's derivation."""
    column: dict[str, np.ndarray] = {}
    for key, value in debt.items():
        dtype = "datetime64[D]" if key.endswith("_on") else np.int64
        column[key] = np.array([np.datetime64("NaT") if value is None else value], dtype=dtype)
    result = {k: v[0].item() for k, v in forgiven(campaign, column, as_of, params=params).items()}
    return {
        "rule": "forgiveness",
        "campaign": campaign.as_dict(),
        "as_of": format_jalali(as_of),
        "debt_month": str(month_of(int(debt["month"]))),
        **result,
    }
