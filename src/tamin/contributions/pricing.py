"""The price of a wage list: every share per row and per list, with the derivation that explains it.

Pure (no Django). Rates and ceilings are the dated parameters in force on the first day of the list's
month; formulas are `tamin.rules.contributions`. What is billed to the employer (`total_due`) is the
insured 7 %, the employer 20 % (less any small-workshop exemption), the unemployment 3 % for covered
workers and the hard-and-harmful 4 %; the state's 3 % and the exempt employer share are recorded, not
billed (SSL Art. 28 Tabsareh 2; the 1361 small-workshop law).

Measured on the real lists (issue #3): DSK_TBIME and DSK_TKOSO are reproduced exactly for the ListDisk
1403-09, TXT 1404-08 and extended 1404-07 lists. DSK_BIC cannot be, without knowing which workers are
exempt from unemployment insurance (the ListDisk list leaves out two Iranian workers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from tamin.contributions.wagelist import WageList
from tamin.core.jalali import JalaliMonth, format_jalali
from tamin.core.text import normalize
from tamin.rules import contributions as formulas
from tamin.rules.params import Entry, ParameterSet, default_parameters
from tamin.rules.wages import CEILING_MULTIPLIER, MINIMUM_DAILY, monthly_ceiling

INSURED = "contribution.rate.insured"
EMPLOYER = "contribution.rate.employer"
UNEMPLOYMENT = "contribution.rate.unemployment"
HARD_JOB = "contribution.rate.hard_and_harmful"
STATE = "contribution.rate.state"
SMALL_WORKSHOP = "contribution.small_workshop.max_exempt_workers"

IRANIAN = "ایرانی"

# The per-row columns of a price, in the order they are reported.
ROW_COLUMNS = (
    "wage_subject", "insured_share", "employer_share", "employer_exempt", "unemployment_share",
    "hard_job_share", "state_share",
)  # fmt: skip


@dataclass(frozen=True)
class ParameterUse:
    """One parameter value a price relied on, as the derivation cites it."""

    name: str
    value: int | Decimal
    start: dt.date
    end: dt.date | None
    source: str
    confidence: str

    @classmethod
    def of(cls, name: str, entry: Entry) -> ParameterUse:
        return cls(name, entry.value, entry.start, entry.end, entry.source, entry.confidence)

    def as_dict(self) -> dict[str, object]:
        value = self.value if isinstance(self.value, int) else str(self.value)
        return {
            "name": self.name,
            "value": value,
            "from": format_jalali(self.start),
            "until": format_jalali(self.end) if self.end else None,
            "source": self.source,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Derivation:
    """Why the price is what it is: the date looked up, the values used, what was exempted, counts."""

    month: JalaliMonth
    on: dt.date
    days_in_month: int
    minimum_daily: int
    ceiling: int
    parameters: tuple[ParameterUse, ...]
    exemptions: tuple[str, ...]
    counts: dict[str, int]
    rounding: str = "each share rounded half up to the Rial per row; a list's share is the sum of its rows"
    ceiling_rule: str = (
        "contribution.ceiling_multiplier × wage.minimum_daily × days in the month; wage subject = "
        "min(max(DSW_MASH, DSW_MAH + DSW_MAZ), ceiling)"
    )

    def as_dict(self) -> dict[str, object]:
        return {
            "month": str(self.month),
            "parameters_on": format_jalali(self.on),
            "days_in_month": self.days_in_month,
            "minimum_daily_wage": self.minimum_daily,
            "ceiling": self.ceiling,
            "ceiling_rule": self.ceiling_rule,
            "rounding": self.rounding,
            "parameters": [p.as_dict() for p in self.parameters],
            "exemptions": list(self.exemptions),
            "counts": dict(self.counts),
        }


@dataclass(frozen=True)
class ListPrice:
    """Shares per row (`rows[column]`, int64, in list order) and their totals."""

    month: JalaliMonth
    rows: dict[str, np.ndarray]
    unemployment_covered: np.ndarray
    hard_job: np.ndarray
    derivation: Derivation
    totals: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        totals = {name: int(self.rows[name].sum()) for name in ROW_COLUMNS}
        totals["total_due"] = (
            totals["insured_share"]
            + totals["employer_share"]
            + totals["unemployment_share"]
            + totals["hard_job_share"]
        )
        object.__setattr__(self, "totals", totals)

    @property
    def total_due(self) -> int:
        return self.totals["total_due"]


def _iranian(nationality: np.ndarray) -> np.ndarray:
    """True where DSW_NAT says Iranian or is blank (blank lists in the real files are Iranian)."""
    values, inverse = np.unique(nationality, return_inverse=True)
    # One normalisation per distinct spelling, not per row.
    iranian = np.array([normalize(str(v)) in ("", IRANIAN) for v in values], dtype=bool)
    return iranian[inverse.reshape(-1)] if values.size else np.zeros(0, dtype=bool)


def default_unemployment_exempt(wl: WageList) -> np.ndarray:
    """Workers exempt from the unemployment premium when the caller does not say: foreign nationals.

    Other exempt groups (the employer's relatives, working pensioners, …) cannot be read from a
    list; real lists leave such Iranian workers out of DSK_BIC, so pass the mask when it is known.
    """
    return ~_iranian(wl.column("DSW_NAT"))


def _mask(value: np.ndarray | None, n: int, what: str) -> np.ndarray | None:
    if value is None:
        return None
    mask = np.asarray(value, dtype=bool)
    if mask.shape != (n,):
        raise ValueError(f"{what} must be a boolean array of the list's {n} rows, got shape {mask.shape}")
    return mask


def price_list(
    wl: WageList,
    *,
    unemployment_exempt: np.ndarray | None = None,
    hard_job: np.ndarray | None = None,
    small_workshop: bool = False,
    params: ParameterSet | None = None,
    unemployment_reasons: Sequence[str] = (),
) -> ListPrice:
    """Price a list. Raises DomainError if its DSK_YY/DSK_MM make no month, ParameterError if a
    parameter has no value on that month's first day."""
    p = default_parameters() if params is None else params
    month = wl.month
    on = month.first_day()
    n = wl.n
    exempt = _mask(unemployment_exempt, n, "unemployment_exempt")
    hard = _mask(hard_job, n, "hard_job")
    if exempt is None:
        exempt = default_unemployment_exempt(wl)
    if hard is None:
        hard = np.zeros(n, dtype=bool)
    covered = ~exempt

    entries = {name: p.entry(name, on) for name in (INSURED, EMPLOYER, UNEMPLOYMENT, HARD_JOB, STATE)}
    minimum = p.entry(MINIMUM_DAILY, on)
    multiplier = p.entry(CEILING_MULTIPLIER, on)
    ceiling = monthly_ceiling(month, params=p)

    base = formulas.wage_subject(wl.column("DSW_MAH"), wl.column("DSW_MAZ"), wl.column("DSW_MASH"), ceiling)
    base = np.maximum(base, 0)
    employer = formulas.share(base, entries[EMPLOYER].value)
    used = [ParameterUse.of(MINIMUM_DAILY, minimum), ParameterUse.of(CEILING_MULTIPLIER, multiplier)]
    used += [ParameterUse.of(name, e) for name, e in entries.items()]
    exemptions: list[str] = []
    if small_workshop:
        limit = p.entry(SMALL_WORKSHOP, on)
        used.append(ParameterUse.of(SMALL_WORKSHOP, limit))
        employer_exempt = formulas.small_workshop_exemption(employer, int(limit.value))
        exemptions.append(
            f"small_workshop: employer share of min({limit.value}, N) of N working rows paid by the "
            f"government, spread evenly over the rows ({SMALL_WORKSHOP})"
        )
    else:
        employer_exempt = np.zeros(n, dtype=np.int64)
    if exempt.any():
        exemptions.append(f"unemployment: {int(exempt.sum())} rows exempt from {UNEMPLOYMENT}")
        exemptions.extend(unemployment_reasons)  # why, by group (tamin.contributions.exemptions)

    rows = {
        "wage_subject": base,
        "insured_share": formulas.share(base, entries[INSURED].value),
        "employer_share": employer - employer_exempt,
        "employer_exempt": employer_exempt,
        "unemployment_share": formulas.share(base, entries[UNEMPLOYMENT].value, covered),
        "hard_job_share": formulas.share(base, entries[HARD_JOB].value, hard),
        "state_share": formulas.share(base, entries[STATE].value),
    }
    mah_maz = wl.column("DSW_MAH") + wl.column("DSW_MAZ")
    counts = {
        "rows": n,
        "working_rows": int((base > 0).sum()),
        "capped_rows": int((np.maximum(wl.column("DSW_MASH"), mah_maz) > ceiling).sum()),
        "unemployment_covered": int(covered.sum()),
        "unemployment_exempt": int(exempt.sum()),
        "hard_job_rows": int(hard.sum()),
        "small_workshop_exempt_rows": int((employer_exempt > 0).sum()),
    }
    derivation = Derivation(
        month=month,
        on=on,
        days_in_month=month.days,
        minimum_daily=int(minimum.value),
        ceiling=ceiling,
        parameters=tuple(used),
        exemptions=tuple(exemptions),
        counts=counts,
    )
    return ListPrice(month, rows, covered, hard, derivation)
