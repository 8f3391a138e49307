"""Check a wage list without writing anything: validate, price, and report both.

This is what `tamin wagelist check` prints and what an import runs before posting. Pure (no Django).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tamin.contributions.checks import ERROR, WARNING, check_wage_list
from tamin.contributions.pricing import ListPrice, price_list
from tamin.contributions.wagelist import WageList
from tamin.core.errors import DomainError, Problem
from tamin.rules.params import ParameterSet

# The money fields of a summary, from ListPrice.totals (None when the list could not be priced).
MONEY = (
    ("total_wage_subject", "wage_subject"), ("insured_share", "insured_share"),
    ("employer_share", "employer_share"), ("unemployment_share", "unemployment_share"),
    ("hard_job_share", "hard_job_share"), ("state_share", "state_share"),
    ("employer_exempt", "employer_exempt"), ("total_due", "total_due"),
)  # fmt: skip
ROW_SHARES = ("wage_subject", "insured_share", "employer_share", "unemployment_share", "hard_job_share")
# What the file declared, next to what Tamin computed, for the summary.
DECLARED = (
    ("DSK_TMASH", "wage_subject"), ("DSK_TBIME", "insured_share"), ("DSK_TKOSO", "employer_share"),
    ("DSK_BIC", "unemployment_share"),
)  # fmt: skip


def problem_dict(p: Problem) -> dict[str, Any]:
    """A wage-list problem as every output shows it: always the same six keys, for machines to match."""
    return {
        "code": p.code,
        "message": p.message,
        "file": p.file,
        "record": p.record,
        "field": p.field,
        "severity": p.severity,
    }


@dataclass(frozen=True)
class CheckResult:
    """A checked list: its problems (capped per code; `counts` has the full numbers) and its price."""

    wage_list: WageList
    problems: tuple[Problem, ...]
    counts: dict[str, int]
    price: ListPrice | None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def month_label(self) -> str:
        try:
            return str(self.wage_list.month)
        except DomainError:
            h = self.wage_list.header
            return f"{h.get('DSK_YY', '')}-{h.get('DSK_MM', '')}"

    def as_dict(self, rows: bool = False) -> dict[str, object]:
        """The JSON-ready summary (`tamin wagelist check --json` prints one per line)."""
        wl = self.wage_list
        totals = self.price.totals if self.price is not None else {}
        out: dict[str, object] = {
            "workshop": wl.workshop.strip(),
            "month": self.month_label,
            "list_no": wl.list_no.strip(),
            "kar": wl.kar.name,
            "wor": wl.wor.name,
            "layout": wl.wor.layout,
            "workers": wl.n,
            "total_days": int(wl.column("DSW_DD").sum()),
        }
        for key, column in MONEY:
            out[key] = totals.get(column)
        out["declared"] = {
            name: (int(wl.header[name]) if name in wl.header else None) for name, _ in DECLARED
        }
        out["ok"] = self.ok
        out["error_count"] = sum(self._severity_counts(ERROR).values())
        out["warning_count"] = sum(self._severity_counts(WARNING).values())
        out["errors"] = [problem_dict(p) for p in self.errors]
        out["warnings"] = [problem_dict(p) for p in self.warnings]
        out["derivation"] = self.price.derivation.as_dict() if self.price is not None else None
        if rows:
            out["rows"] = self._rows()
        return out

    def as_json(self, rows: bool = False) -> str:
        """`as_dict` as one line of JSON (Persian kept readable, not \\u-escaped)."""
        return json.dumps(self.as_dict(rows), ensure_ascii=False)

    def _severity_counts(self, severity: str) -> dict[str, int]:
        codes = {p.code for p in self.problems if p.severity == severity and p.code != "list.more"}
        return {code: self.counts.get(code, 0) for code in codes}

    def _rows(self) -> list[dict[str, object]]:
        wl = self.wage_list
        columns: dict[str, list[object]] = {
            "national_code": np.char.strip(np.asarray(wl.column("PER_NATCOD"), dtype=str)).tolist(),
            "first_name": np.asarray(wl.column("DSW_FNAME"), dtype=str).tolist(),
            "last_name": np.asarray(wl.column("DSW_LNAME"), dtype=str).tolist(),
            "days": wl.column("DSW_DD").tolist(),
            "daily_wage": wl.column("DSW_ROOZ").tolist(),
            "monthly_wage": wl.column("DSW_MAH").tolist(),
            "benefits": wl.column("DSW_MAZ").tolist(),
        }
        for name in ROW_SHARES:
            columns[name] = self.price.rows[name].tolist() if self.price is not None else [None] * wl.n
        keys = list(columns)
        return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]

    def summary(self) -> str:
        """A short readable report, Persian labels with English in brackets, amounts in Rials."""
        wl = self.wage_list
        d = self.as_dict()
        lines = [
            f"لیست کارگاه {d['workshop']} ماه {d['month']} شماره {d['list_no']} "
            f"({wl.kar.name} + {wl.wor.name}, layout {wl.wor.layout})",
            f"  کارکنان [workers]: {d['workers']}   روزهای کارکرد [days]: {d['total_days']}",
        ]
        labels = (
            ("total_wage_subject", "دستمزد مشمول [wage subject]"),
            ("insured_share", "سهم بیمه‌شده ۷٪ [insured]"),
            ("employer_share", "سهم کارفرما [employer]"),
            ("unemployment_share", "بیمه بیکاری [unemployment]"),
            ("hard_job_share", "مشاغل سخت [hard job]"),
            ("state_share", "سهم دولت، پرداخت‌نشدنی [state, not billed]"),
            ("total_due", "جمع قابل پرداخت [total due]"),
        )
        for key, label in labels:
            value = d[key]
            lines.append(f"  {label}: {'-' if value is None else f'{value:,}'}")
        if d["employer_exempt"]:
            lines.append(f"  معافیت کارگاه کوچک [small-workshop exemption]: {d['employer_exempt']:,}")
        lines.append(f"  خطا [errors]: {d['error_count']}   هشدار [warnings]: {d['warning_count']}")
        for p in self.problems:
            where = f"{p.file}" + (f" ردیف {p.record}" if p.record is not None else "") + f" {p.field or ''}"
            kind = "خطا" if p.severity == ERROR else "هشدار"
            lines.append(f"  - {kind} {p.code} [{where.strip()}]: {p.message}")
        return "\n".join(lines)


def check_list(
    wl: WageList,
    *,
    today: dt.date | None = None,
    unemployment_exempt: np.ndarray | None = None,
    hard_job: np.ndarray | None = None,
    small_workshop: bool = False,
    params: ParameterSet | None = None,
    limit: int | None = None,
    unemployment_reasons: Sequence[str] = (),
) -> CheckResult:
    """Validate and price one list. Never raises for a bad list: what is wrong is in `problems`, and
    `price` is None when the list has no valid month or the parameters do not cover it."""
    price: ListPrice | None = None
    try:
        wl.month  # noqa: B018 - a list without a month cannot be priced
        price = price_list(
            wl,
            unemployment_exempt=unemployment_exempt,
            hard_job=hard_job,
            small_workshop=small_workshop,
            params=params,
            unemployment_reasons=unemployment_reasons,
        )
    except DomainError:
        price = None  # reported by check_wage_list (header.month or list.no_parameters)
    extra = {} if limit is None else {"limit": limit}
    problems, counts = check_wage_list(wl, today=today, price=price, params=params, **extra)
    return CheckResult(wl, tuple(problems), dict(counts), price)
