"""What the demo population is calibrated to: the shared reference figures, each kept with its source.

Everything here is pure (no database): the figures are read from the CSV files shipped in
`tamin/demo/data/` and turned into per-province targets for a given scale. Each number the demo uses
is a `Figure` that says whether it was published (and where) or modelled (and how), so the build can
print exactly which is which.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from tamin.core.text import normalize

DATA_DIR = Path(__file__).resolve().parent / "data"
NATIONAL = "کل کشور"
TARGET_YEAR = 1404
SEED_FILE = "shared/seeds/"

# The national population the SSO quotes with its coverage figures: "all funds, ~85 million
# population" (sso_stats.csv, share_population_social_insurance_all_funds_pct). Khuzestan's own
# 1404 figure (5M against 4.71M in the 1395 census, +6.1 %) grows at the same pace as 85M against
# the census's 79.9M (+6.3 %), which is why the census is scaled up to it rather than used as is.
NATIONAL_POPULATION = 85_000_000
NATIONAL_POPULATION_SOURCE = (
    "sso_stats.csv: share_population_social_insurance_all_funds_pct, note «all funds, ~85 million population»"
)

SPLIT_KEYS = ("main_insured", "dependent_insured", "main_pensioners", "dependent_pensioners")


@dataclass(frozen=True)
class Figure:
    """One number the demo is calibrated to."""

    label: str
    value: float
    year: str
    source: str
    published: bool

    @property
    def kind(self) -> str:
        return "published" if self.published else "modelled"


@dataclass(frozen=True)
class ProvinceCalibration:
    code: str
    name_fa: str
    name_en: str
    census_1395: int
    population: Figure  # the most recent figure, scaled to TARGET_YEAR when modelled
    coverage: Figure  # share of the population the SSO covers, 0..1
    workshops: Figure  # active workshops, full scale
    # 1395 census counts by age group (rows, AGE_GROUPS order) and sex (columns: male, female).
    age_sex: np.ndarray


@dataclass(frozen=True)
class Calibration:
    provinces: dict[str, ProvinceCalibration]
    age_groups: tuple[tuple[int, int], ...]  # [low, high) in whole years
    national_population: Figure
    covered_share: Figure
    split: dict[str, Figure]  # SPLIT_KEYS -> persons, one consistent year
    workshops_national: Figure
    one_person_workshops: Figure
    workshops_over_50: Figure
    main_insured_female_share: Figure
    notes: tuple[str, ...] = field(default=())

    @property
    def split_year(self) -> str:
        return self.split["main_insured"].year

    def split_shares(self) -> dict[str, float]:
        total = sum(f.value for f in self.split.values())
        return {k: f.value / total for k, f in self.split.items()}

    def figures(self) -> list[Figure]:
        """Every figure used, national first, for the build's summary."""
        out = [
            self.national_population,
            self.covered_share,
            *self.split.values(),
            self.workshops_national,
            self.one_person_workshops,
            self.workshops_over_50,
            self.main_insured_female_share,
        ]
        for p in self.provinces.values():
            out.extend([p.population, p.coverage, p.workshops])
        return out


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def year_key(text: str) -> int:
    """Sortable year: '1404' and 'c.1404' → 1404, '1400-1401' → 1401, 'n.d.' → 0 (least recent)."""
    years = re.findall(r"\d{4}", text or "")
    return int(years[-1]) if years else 0


def _age_group(label: str) -> tuple[int, int]:
    label = label.strip()
    if label.startswith(">"):
        low = int(label[1:])
        return low, low + 5
    low, high = label.split("-")
    return int(low), int(high) + 1


def _latest(rows: list[dict[str, str]]) -> dict[str, str] | None:
    """The most recent row; among equally recent ones, the first listed."""
    if not rows:
        return None
    best = max(year_key(_when(r)) for r in rows)
    return next(r for r in rows if year_key(_when(r)) == best)


def _when(row: dict[str, str]) -> str:
    return row.get("year") or row.get("when") or ""


def _consistent_split(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """The latest year whose published national figures add up: insured = main + dependants and
    pensioners = main + dependent pensioners (several sources disagree; this picks a coherent set)."""
    by_year: dict[int, dict[str, list[dict[str, str]]]] = {}
    for r in rows:
        if r["province"] == NATIONAL and year_key(r["year"]):
            by_year.setdefault(year_key(r["year"]), {}).setdefault(r["indicator"], []).append(r)
    for year in sorted(by_year, reverse=True):
        ind = by_year[year]
        if not all(k in ind for k in (*SPLIT_KEYS, "insured_total", "pensioners_total")):
            continue
        for main in ind["main_insured"]:
            for dep in ind["dependent_insured"]:
                if not any(
                    int(t["value"]) == int(main["value"]) + int(dep["value"]) for t in ind["insured_total"]
                ):
                    continue
                for mp in ind["main_pensioners"]:
                    for dp in ind["dependent_pensioners"]:
                        total = int(mp["value"]) + int(dp["value"])
                        if any(int(t["value"]) == total for t in ind["pensioners_total"]):
                            return dict(zip(SPLIT_KEYS, (main, dep, mp, dp), strict=True))
    raise ValueError("sso_stats.csv: no year with a consistent insured/pensioner split")


def _published(
    label: str, row: dict[str, str], value: float | None = None, source: str | None = None
) -> Figure:
    return Figure(
        label=label,
        value=float(row["value"]) if value is None else value,
        year=row.get("year") or row.get("when") or "",
        source=source or row.get("source") or "",
        published=True,
    )


@cache
def load() -> Calibration:
    provinces_rows = read_csv("provinces.csv")
    stats = read_csv("sso_stats.csv")
    seeds = read_csv("seed_figures.csv")
    code_by_name = {normalize(r["name_fa"]): r["code"] for r in provinces_rows}

    def province_rows(rows: list[dict[str, str]], scope_field: str, indicator: str) -> dict[str, list]:
        out: dict[str, list[dict[str, str]]] = {}
        for r in rows:
            if r["indicator"] == indicator and r[scope_field] != NATIONAL:
                out.setdefault(code_by_name[normalize(r[scope_field])], []).append(r)
        return out

    def seed_source(r: dict[str, str]) -> str:
        return f"seed_figures.csv ({SEED_FILE}{r['seed']}): «{r['quote_fa']}»"

    # Age/sex structure, 1395 census.
    age_rows = read_csv("population_age_sex_1395.csv")
    groups: list[tuple[int, int]] = []
    for r in age_rows:
        g = _age_group(r["age_group"])
        if g not in groups:
            groups.append(g)
    groups.sort()
    cells: dict[str, np.ndarray] = {}
    for r in age_rows:
        arr = cells.setdefault(r["province_code"], np.zeros((len(groups), 2), dtype=np.int64))
        arr[groups.index(_age_group(r["age_group"]))] = (int(r["male"]), int(r["female"]))

    # Population: the most recent figure per province. Published later figures are kept as they are;
    # the other provinces share the rest of the national estimate in proportion to the 1395 census.
    census = {r["code"]: int(r["population_1395"]) for r in provinces_rows}
    published_pop: dict[str, Figure] = {}
    for r in provinces_rows:
        if r["pop_estimate"]:
            published_pop[r["code"]] = Figure(
                "population",
                float(r["pop_estimate"]),
                r["pop_estimate_year"],
                "provinces.csv pop_estimate (Statistical Centre estimate)",
                True,
            )
    for code, rows in province_rows(seeds, "scope", "population").items():
        row = _latest(rows)
        assert row is not None
        current = published_pop.get(code)
        if current is None or year_key(row["when"]) >= year_key(current.year):
            published_pop[code] = Figure(
                "population", float(row["value"]), row["when"], seed_source(row), True
            )
    rest_target = NATIONAL_POPULATION - sum(f.value for f in published_pop.values())
    rest_census = sum(v for c, v in census.items() if c not in published_pop)
    growth = rest_target / rest_census
    population = {
        code: published_pop.get(code)
        or Figure(
            "population",
            round(census[code] * growth),
            str(TARGET_YEAR),
            f"modelled: 1395 census × {growth:.4f} (the national {NATIONAL_POPULATION:,} less published "
            "provincial figures, shared by census population)",
            False,
        )
        for code in census
    }

    # Coverage: a published rate; else published covered persons over the population; else modelled.
    coverage: dict[str, Figure] = {}
    for code, rows in province_rows(stats, "province", "coverage_rate_pct").items():
        row = _latest(rows)
        assert row is not None
        coverage[code] = _published("coverage", row, float(row["value"]) / 100)
    for code, rows in province_rows(seeds, "scope", "medical_booklet_share").items():
        row = _latest(rows)
        if code not in coverage and row is not None:
            coverage[code] = Figure(
                "coverage",
                float(row["value"]) / 100,
                row["when"],
                seed_source(row) + " — medical-booklet share, read as coverage (the national 53 % matches)",
                True,
            )
    covered_rows = {
        code: [r for r in rows if year_key(r["year"]) == 0 or year_key(r["year"]) >= 1399]
        for code, rows in province_rows(stats, "province", "covered_population").items()
    }
    for code, rows in province_rows(seeds, "scope", "covered_population").items():
        covered_rows.setdefault(code, []).extend(
            {**r, "year": r["when"], "source": seed_source(r)} for r in rows
        )
    for code, rows in covered_rows.items():
        row = _latest(rows)
        if code in coverage or row is None:
            continue
        rate = float(row["value"]) / population[code].value
        coverage[code] = Figure(
            "coverage",
            rate,
            row["year"],
            f"{row['source']} — {int(row['value']):,} covered ÷ population {population[code].value:,.0f}",
            True,
        )
    covered_national = next(
        r
        for r in seeds
        if r["scope"] == NATIONAL
        and r["indicator"] == "covered_population_share"
        and year_key(r["when"]) == TARGET_YEAR
    )
    covered_share = Figure(
        "covered share (national)",
        float(covered_national["value"]) / 100,
        covered_national["when"],
        seed_source(covered_national),
        True,
    )
    known = sum(population[c].value * f.value for c, f in coverage.items())
    unknown_pop = sum(population[c].value for c in census if c not in coverage)
    rest_rate = (covered_share.value * NATIONAL_POPULATION - known) / unknown_pop
    for code in census:
        if code not in coverage:
            coverage[code] = Figure(
                "coverage",
                rest_rate,
                str(TARGET_YEAR),
                f"modelled: the rate ({rest_rate:.1%}) that brings the nation to {covered_share.value:.0%} "
                "given the published provinces",
                False,
            )

    # Workshops: published provincial counts; the rest of the national count shared by covered workers.
    national_rows = [r for r in stats if r["province"] == NATIONAL]

    def national(indicator: str) -> dict[str, str]:
        row = _latest([r for r in national_rows if r["indicator"] == indicator])
        if row is None:
            raise ValueError(f"sso_stats.csv: no national {indicator}")
        return row

    ws_national = _published("active workshops (national)", national("active_workshops"))
    ws_pub: dict[str, Figure] = {}
    for code, rows in province_rows(stats, "province", "active_workshops").items():
        row = _latest(rows)
        assert row is not None
        ws_pub[code] = _published("active workshops", row)
    for code, rows in province_rows(seeds, "scope", "active_workshops").items():
        row = _latest(rows)
        assert row is not None
        if code not in ws_pub or year_key(row["when"]) >= year_key(ws_pub[code].year):
            ws_pub[code] = Figure(
                "active workshops", float(row["value"]), row["when"], seed_source(row), True
            )
    weight = {c: population[c].value * coverage[c].value for c in census if c not in ws_pub}
    ws_rest = ws_national.value - sum(f.value for f in ws_pub.values())
    workshops = {
        code: ws_pub.get(code)
        or Figure(
            "active workshops",
            ws_rest * weight[code] / sum(weight.values()),
            str(TARGET_YEAR),
            "modelled: the national count less published provinces, shared by covered population",
            False,
        )
        for code in census
    }

    split_rows = _consistent_split(stats)
    split = {k: _published(k, row) for k, row in split_rows.items()}
    male = _latest([r for r in national_rows if r["indicator"] == "main_insured_male"])
    female = _latest([r for r in national_rows if r["indicator"] == "main_insured_female"])
    assert male is not None and female is not None
    female_share = Figure(
        "female share of main insured",
        int(female["value"]) / (int(male["value"]) + int(female["value"])),
        female["year"],
        female["source"],
        True,
    )
    one_person = national("one_person_workshops")
    over_50 = national("workshops_over_50_staff")

    provinces = {}
    for r in provinces_rows:
        code = r["code"]
        provinces[code] = ProvinceCalibration(
            code=code,
            name_fa=r["name_fa"],
            name_en=r["name_en"],
            census_1395=census[code],
            population=population[code],
            coverage=coverage[code],
            workshops=workshops[code],
            age_sex=cells[code],
        )
    return Calibration(
        provinces=provinces,
        age_groups=tuple(groups),
        national_population=Figure(
            "population (national)", NATIONAL_POPULATION, str(TARGET_YEAR), NATIONAL_POPULATION_SOURCE, True
        ),
        covered_share=covered_share,
        split=split,
        workshops_national=ws_national,
        one_person_workshops=Figure(
            "one-person workshops (share)",
            int(one_person["value"]) / ws_national.value,
            one_person["year"],
            one_person["source"],
            True,
        ),
        workshops_over_50=Figure(
            "workshops over 50 staff (share)",
            int(over_50["value"]) / ws_national.value,
            over_50["year"],
            over_50["source"],
            True,
        ),
        main_insured_female_share=female_share,
        notes=(
            f"Population: 1395 census scaled to the national {NATIONAL_POPULATION:,} (×{growth:.4f}) except "
            f"where a later provincial figure is published ({', '.join(sorted(published_pop))}).",
            "Age and sex: the 1395 census structure of each province, 5-year groups, uniform within a group.",
            f"Covered persons split as the SSO's national figures for {split['main_insured'].year}.",
        ),
    )


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to `weights` summing exactly to `total` (Hamilton's method)."""
    w = np.asarray(weights, dtype=np.float64)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(w.shape, dtype=np.int64)
    exact = w / w.sum() * total
    base = np.floor(exact).astype(np.int64)
    short = total - int(base.sum())
    if short:
        # Ties go to the earlier cell: stable and deterministic.
        order = np.argsort(-(exact - base), kind="stable")
        base[order[:short]] += 1
    return base


@dataclass(frozen=True)
class ProvincePlan:
    """The integer targets of one province at one scale."""

    code: str
    persons: int
    covered: int
    main_insured: int
    dependants: int
    pensioners: int
    pensioner_dependants: int
    workshops: int
    cells: np.ndarray  # persons by (age group, sex), summing to `persons`


def plan(cal: Calibration, scale: float, codes: list[str] | None = None) -> list[ProvincePlan]:
    shares = cal.split_shares()
    out = []
    for code in codes or sorted(cal.provinces):
        p = cal.provinces[code]
        persons = round(p.population.value * scale)
        cells = largest_remainder(persons, p.age_sex.reshape(-1)).reshape(p.age_sex.shape)
        covered = round(persons * p.coverage.value)
        main = round(covered * shares["main_insured"])
        pensioners = round(covered * shares["main_pensioners"])
        pensioner_deps = round(covered * shares["dependent_pensioners"])
        deps = covered - main - pensioners - pensioner_deps
        workshops = max(1, math.floor(p.workshops.value * scale + 0.5)) if main else 0
        out.append(
            ProvincePlan(code, persons, covered, main, deps, pensioners, pensioner_deps, workshops, cells)
        )
    return out
