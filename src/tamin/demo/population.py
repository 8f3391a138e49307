"""The synthetic residents of a province: people, couples, children, and who the SSO covers.

Everything is column-wise numpy over the whole province; no Python loop runs per person. The steps:

1. ages and sexes: exactly the province's 1395 age/sex structure at the chosen size (largest
   remainder over the 5-year groups), ages uniform within a group;
2. couples: men from 20 and women from 18 are married with age-specific probabilities, and paired by
   age rank (with noise), so husbands are a few years older, as in the census;
3. children: the unmarried under 20 are given to a couple whose wife was 18–44 and husband at least
   19 at the birth, siblings at least 300 days apart; the few left over live on their own;
4. a county per household, weighted by the 1395 county populations;
5. names: Persian first names by sex and frequency, surnames from the father (wives keep their own,
   as in Iran), a father's name that is the father's first name when he is in the household;
6. coverage: pensioner households, then worker households and single workers, chosen in random order
   until the province's covered target and the SSO's national split are met.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np

from tamin.core.idcodes import valid_national_codes, with_check_digits
from tamin.core.text import normalize
from tamin.demo.calibration import DATA_DIR, ProvincePlan

YEAR = 365.2425
NOT_COVERED, MAIN_INSURED, DEPENDANT, PENSIONER = 0, 1, 2, 3
STATUS_LABELS = {
    NOT_COVERED: "not covered",
    MAIN_INSURED: "main insured",
    DEPENDANT: "dependant",
    PENSIONER: "pensioner",
}

# P(married) by 5-year age group (0-4 … 100+), modelled on the 1395 census marital-status tables:
# men marry later, widowhood makes older women single sooner than men.
MARRIED_MALE = np.array(
    [
        0,
        0,
        0,
        0,
        0.08,
        0.38,
        0.68,
        0.83,
        0.89,
        0.91,
        0.92,
        0.92,
        0.91,
        0.89,
        0.86,
        0.80,
        0.72,
        0.62,
        0.50,
        0.40,
        0.30,
    ]
)
MARRIED_FEMALE = np.array(
    [
        0,
        0,
        0,
        0.10,
        0.38,
        0.62,
        0.74,
        0.80,
        0.82,
        0.82,
        0.80,
        0.75,
        0.68,
        0.58,
        0.48,
        0.36,
        0.26,
        0.18,
        0.12,
        0.08,
        0.05,
    ]
)
MIN_MARRIAGE_AGE = {True: 20.0, False: 18.0}  # by `male`
CHILD_MAX_AGE = 20.0
MOTHER_AGE_AT_BIRTH = (18.0, 44.0)
FATHER_MIN_AGE_AT_BIRTH = 19.0
SIBLING_GAP_DAYS = 300
# Pensioners: men from 60 and women from 55 (early retirement and survivors make it younger).
PENSION_AGE = {True: 60.0, False: 55.0}
EARLY_PENSION_AGE = {True: 50.0, False: 45.0}
WORK_AGES = (18.0, 62.0)
DUAL_EARNER = 0.12  # the wife of an insured worker is insured through her own job
MOBILE_PREFIXES = np.array(
    [
        "0912",
        "0913",
        "0914",
        "0915",
        "0916",
        "0917",
        "0918",
        "0919",
        "0935",
        "0936",
        "0937",
        "0938",
        "0939",
        "0901",
        "0902",
        "0903",
        "0905",
        "0990",
        "0991",
        "0921",
    ]
)
# Since 1368 (March 1989) the identity card number of a newborn is the national code.
ID_CARD_IS_NATIONAL_CODE_FROM = np.datetime64("1989-03-21")
EXCLUDED_SURNAMES = {"هاشمی رفسنجانی"}


@dataclass(frozen=True)
class Names:
    male: np.ndarray
    male_p: np.ndarray
    female: np.ndarray
    female_p: np.ndarray
    last: np.ndarray
    last_p: np.ndarray


@cache
def load_names() -> Names:
    """Given names weighted by their published share; names without a share split what is left."""
    with (DATA_DIR / "names_first_fa.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for gender in ("MALE", "FEMALE"):
        names, shares = [], []
        for r in rows:
            if r["gender"] == gender:
                names.append(normalize(r["name_fa"]))
                shares.append(float(r["share_pct"] or 0))
        share = np.array(shares)
        listed = share > 0
        # The listed shares of both sexes add up to ~94 %; each sex's unlisted names share half the rest.
        rest = max(0.0, 100 - sum(float(r["share_pct"] or 0) for r in rows)) / 2
        share[~listed] = rest / max(1, int((~listed).sum()))
        uniq, first = np.unique(np.array(names), return_index=True)
        weights = np.zeros(len(uniq))
        np.add.at(weights, np.searchsorted(uniq, np.array(names)), share)
        order = np.sort(first)  # keep file order: deterministic and readable
        keep = np.searchsorted(uniq, np.array(names)[order])
        out[gender] = (uniq[keep], weights[keep] / weights[keep].sum())

    # Surnames: the Civil Registration's top 30 (counts for the first three; the rest on the Zipf
    # curve through those three), then the other listed surnames, each a little rarer than 30th.
    with (DATA_DIR / "names_last_fa_top30_sabteahval.csv").open(encoding="utf-8", newline="") as fh:
        top = list(csv.DictReader(fh))
    counts = {int(r["rank"]): float(r["count"]) for r in top if r["count"]}
    ranks = np.array(sorted(counts))
    slope = np.polyfit(np.log(ranks), np.log([counts[r] for r in ranks]), 1)
    weight_of: dict[str, float] = {}
    for r in top:
        rank = int(r["rank"])
        weight_of[normalize(r["name_fa"])] = counts.get(rank) or float(
            np.exp(np.polyval(slope, np.log(rank)))
        )
    tail = min(weight_of.values()) * 0.8
    for line in (DATA_DIR / "names_last_fa.txt").read_text(encoding="utf-8").splitlines():
        name = normalize(line)
        if name and name not in EXCLUDED_SURNAMES:
            weight_of.setdefault(name, tail)
    last = np.array(list(weight_of))
    last_p = np.array(list(weight_of.values()))
    return Names(*out["MALE"], *out["FEMALE"], last, last_p / last_p.sum())


@dataclass
class Population:
    """One province's residents as columns; indexes are positions in these arrays."""

    male: np.ndarray  # bool
    birth: np.ndarray  # datetime64[D]
    age: np.ndarray  # float years at the reference date
    county: np.ndarray  # index into the province's county list
    first_name: np.ndarray
    last_name: np.ndarray
    father_name: np.ndarray
    status: np.ndarray  # NOT_COVERED / MAIN_INSURED / DEPENDANT / PENSIONER
    # Couples: husband[c], wife[c], married[c]; children: couple_of[i] (-1 if none).
    husband: np.ndarray
    wife: np.ndarray
    married_on: np.ndarray
    couple_of: np.ndarray
    # Covered couples (worker or pensioner households) whose family is registered.
    covered_couple: np.ndarray  # bool per couple

    @property
    def size(self) -> int:
        return int(self.male.size)


def _draw(rng: np.random.Generator, values: np.ndarray, p: np.ndarray, n: int) -> np.ndarray:
    if n == 0:
        return np.array([], dtype=values.dtype)
    return values[rng.choice(values.size, size=n, p=p)]


def _prefix_reaching(cumulative: np.ndarray, target: float) -> int:
    """How many leading items it takes for `cumulative` to reach `target` (all of them if it never does)."""
    if target <= 0 or cumulative.size == 0:
        return 0
    return min(int(np.searchsorted(cumulative, target, side="left")) + 1, cumulative.size)


def _ages(rng: np.random.Generator, cells: np.ndarray, groups: tuple[tuple[int, int], ...]) -> tuple:
    sizes = cells.reshape(-1)  # (group, sex) row-major: group0 male, group0 female, group1 male, ...
    group = np.repeat(np.repeat(np.arange(len(groups)), 2), sizes)
    male = np.repeat(np.tile([True, False], len(groups)), sizes)
    low = np.array([g[0] for g in groups], dtype=np.float64)[group]
    high = np.array([g[1] for g in groups], dtype=np.float64)[group]
    age = low + rng.random(group.size) * (high - low)
    return male, age, group


def _pair(rng: np.random.Generator, male: np.ndarray, age: np.ndarray, group: np.ndarray) -> tuple:
    p = np.where(male, MARRIED_MALE[group], MARRIED_FEMALE[group])
    p = np.where(age >= np.where(male, MIN_MARRIAGE_AGE[True], MIN_MARRIAGE_AGE[False]), p, 0.0)
    married = rng.random(male.size) < p
    men = rng.permutation(np.flatnonzero(married & male))
    women = rng.permutation(np.flatnonzero(married & ~male))
    k = min(men.size, women.size)
    men, women = men[:k], women[:k]
    men = men[np.argsort(age[men] + rng.normal(0, 2.5, k), kind="stable")]
    women = women[np.argsort(age[women] + rng.normal(0, 2.5, k), kind="stable")]
    return men, women


def _children(
    rng: np.random.Generator,
    age: np.ndarray,
    birth_day: np.ndarray,
    husband: np.ndarray,
    wife: np.ndarray,
    is_spouse: np.ndarray,
) -> np.ndarray:
    """couple_of[i] for every person: the couple whose child i is, or -1."""
    couple_of = np.full(age.size, -1, dtype=np.int64)
    if wife.size == 0:
        return couple_of
    kids = np.flatnonzero((age < CHILD_MAX_AGE) & ~is_spouse)
    order = np.argsort(age[wife], kind="stable")
    wife_age = age[wife][order]
    for _round in range(4):
        pending = kids[couple_of[kids] < 0]
        if pending.size == 0:
            break
        lo = np.searchsorted(wife_age, age[pending] + MOTHER_AGE_AT_BIRTH[0], side="left")
        hi = np.searchsorted(wife_age, age[pending] + MOTHER_AGE_AT_BIRTH[1], side="right")
        has = hi > lo
        pick = lo + np.floor(rng.random(pending.size) * np.maximum(hi - lo, 0)).astype(np.int64)
        couple = order[np.minimum(pick, order.size - 1)]
        ok = has & (age[husband[couple]] - age[pending] >= FATHER_MIN_AGE_AT_BIRTH)
        couple_of[pending[ok]] = couple[ok]
        # Siblings at least SIBLING_GAP_DAYS apart: the newly placed child of a too-close pair goes back.
        assigned = np.flatnonzero(couple_of >= 0)
        srt = assigned[np.lexsort((birth_day[assigned], couple_of[assigned]))]
        same = couple_of[srt[1:]] == couple_of[srt[:-1]]
        close = same & (birth_day[srt[1:]] - birth_day[srt[:-1]] < SIBLING_GAP_DAYS)
        new = np.zeros(age.size, dtype=bool)
        new[pending[ok]] = True
        a, b = srt[:-1][close], srt[1:][close]
        undo = np.where(new[b], b, a)
        undo = undo[new[undo]]
        couple_of[undo] = -1
    return couple_of


def generate(
    rng: np.random.Generator,
    plan: ProvincePlan,
    groups: tuple[tuple[int, int], ...],
    county_weights: np.ndarray,
    reference: dt.date,
    female_share_main: float,
) -> Population:
    names = load_names()
    ref = np.datetime64(reference, "D")
    male, age, group = _ages(rng, plan.cells, groups)
    n = male.size
    birth = ref - np.floor(age * YEAR).astype("timedelta64[D]")
    birth_day = birth.astype(np.int64)

    husband, wife = _pair(rng, male, age, group)
    is_spouse = np.zeros(n, dtype=bool)
    is_spouse[husband] = True
    is_spouse[wife] = True
    couple_of = _children(rng, age, birth_day, husband, wife, is_spouse)
    n_couples = husband.size

    # Households: a couple with its children, or one person. Each lives in one county.
    singles = np.flatnonzero(~is_spouse & (couple_of < 0))
    unit_county = rng.choice(county_weights.size, size=n_couples + singles.size, p=county_weights)
    county = np.empty(n, dtype=np.int64)
    county[husband] = unit_county[:n_couples]
    county[wife] = unit_county[:n_couples]
    kids = np.flatnonzero(couple_of >= 0)
    county[kids] = unit_county[couple_of[kids]]
    county[singles] = unit_county[n_couples:]

    first = np.empty(n, dtype=object)
    first[male] = _draw(rng, names.male, names.male_p, int(male.sum()))
    first[~male] = _draw(rng, names.female, names.female_p, int((~male).sum()))
    last = _draw(rng, names.last, names.last_p, n).astype(object)
    last[kids] = last[husband[couple_of[kids]]]
    father = _draw(rng, names.male, names.male_p, n).astype(object)
    father[kids] = first[husband[couple_of[kids]]]

    # Marriage: the wife at 18–40 (mean 22), the husband at least 20; before the first child; past.
    oldest = np.full(n_couples, np.iinfo(np.int64).max)
    np.minimum.at(oldest, couple_of[kids], birth_day[kids])
    at_age = np.clip(rng.normal(22, 3.5, n_couples), 18, 40)
    married = birth_day[wife] + np.floor(at_age * YEAR).astype(np.int64)
    married = np.maximum(married, birth_day[husband] + int(20 * YEAR))
    married = np.minimum(married, oldest - SIBLING_GAP_DAYS)
    married = np.minimum(married, ref.astype(np.int64) - 1 - rng.integers(0, 60, n_couples))
    married = np.maximum(married, birth_day[wife] + int(16 * YEAR))
    married = np.minimum(married, ref.astype(np.int64))

    status, covered_couple = _coverage(
        rng, plan, male, age, husband, wife, couple_of, singles, female_share_main
    )
    return Population(
        male=male,
        birth=birth,
        age=age,
        county=county,
        first_name=first,
        last_name=last,
        father_name=father,
        status=status,
        husband=husband,
        wife=wife,
        married_on=married.astype("datetime64[D]"),
        couple_of=couple_of,
        covered_couple=covered_couple,
    )


def _weighted_order(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """A random order in which heavier items tend to come first (Efraimidis–Spirakis keys)."""
    keys = rng.random(weights.size) ** (1.0 / weights)
    return np.argsort(-keys, kind="stable")


def _coverage(rng, plan: ProvincePlan, male, age, husband, wife, couple_of, singles, female_share):
    n = male.size
    status = np.zeros(n, dtype=np.int8)
    covered_couple = np.zeros(husband.size, dtype=bool)
    nkids = np.bincount(couple_of[couple_of >= 0], minlength=husband.size)
    deps = 1 + nkids

    def mark_couples(chosen: np.ndarray, head_status: int, dual: np.ndarray | None = None) -> None:
        covered_couple[chosen] = True
        status[husband[chosen]] = head_status
        status[wife[chosen]] = DEPENDANT
        if dual is not None:
            status[wife[chosen[dual]]] = MAIN_INSURED
        kid = np.flatnonzero(couple_of >= 0)
        kid = kid[covered_couple[couple_of[kid]] & (status[kid] == NOT_COVERED)]
        status[kid] = DEPENDANT

    # 1. Pensioner couples until their dependants reach the target; then single pensioners (mostly
    #    widows: survivors are close to half of the SSO's pensioners). Where the old are too few
    #    (young, highly covered provinces), early retirement and survivors from 50 (men) / 45 (women).
    for ages in (PENSION_AGE, EARLY_PENSION_AGE):
        need = plan.pensioners - int((status == PENSIONER).sum())
        if need <= 0:
            break
        cands = rng.permutation(np.flatnonzero((age[husband] >= ages[True]) & ~covered_couple))
        need_deps = plan.pensioner_dependants - int(deps[covered_couple].sum())
        take = min(_prefix_reaching(np.cumsum(deps[cands]), need_deps), need)
        mark_couples(cands[:take], PENSIONER)
        need -= take
        old = singles[
            (status[singles] == NOT_COVERED)
            & (age[singles] >= np.where(male[singles], ages[True], ages[False]))
        ]
        old = old[_weighted_order(rng, np.where(male[old], 1.0, 2.0))]
        status[old[:need]] = PENSIONER
        if need > old.size:  # too few single elderly: more pensioner couples
            mark_couples(cands[take : take + need - old.size], PENSIONER)

    # 2. Worker couples until their dependants reach the target (a working wife is insured herself).
    work_couple = np.flatnonzero(
        (age[husband] >= WORK_AGES[0]) & (age[husband] < WORK_AGES[1]) & ~covered_couple
    )
    work_couple = rng.permutation(work_couple)
    dual = (rng.random(work_couple.size) < DUAL_EARNER) & (age[wife[work_couple]] < 60)
    couple_deps = deps[work_couple] - dual
    couple_main = 1 + dual.astype(np.int64)
    take = _prefix_reaching(np.cumsum(couple_deps), plan.dependants)
    take = min(take, int(np.searchsorted(np.cumsum(couple_main), plan.main_insured, side="right")))
    mark_couples(work_couple[:take], MAIN_INSURED, dual[:take])
    main_so_far = int(couple_main[:take].sum())

    # 3. Single workers up to the main-insured target, women up to the published female share.
    free = singles[
        (status[singles] == NOT_COVERED) & (age[singles] >= WORK_AGES[0]) & (age[singles] < WORK_AGES[1])
    ]
    free = rng.permutation(free)
    need = max(0, plan.main_insured - main_so_far)
    women_needed = max(0, round(female_share * plan.main_insured) - int(dual[:take].sum()))
    women = free[~male[free]][: min(women_needed, need)]
    men = free[male[free]][: need - women.size]
    if women.size + men.size < need:  # not enough men: more women
        women = free[~male[free]][: need - men.size]
    status[women] = MAIN_INSURED
    status[men] = MAIN_INSURED

    # 4. Short of the covered target (small or very covered provinces): more households, then singles.
    short = plan.covered - int((status != NOT_COVERED).sum())
    if short > 0:
        rest = work_couple[take:]
        rest_dual = dual[take:]
        more = _prefix_reaching(np.cumsum(1 + deps[rest]), short)
        mark_couples(rest[:more], MAIN_INSURED, rest_dual[:more])
        short = plan.covered - int((status != NOT_COVERED).sum())
    if short > 0:
        free = singles[
            (status[singles] == NOT_COVERED) & (age[singles] >= WORK_AGES[0]) & (age[singles] < WORK_AGES[1])
        ]
        status[rng.permutation(free)[:short]] = MAIN_INSURED
    return status, covered_couple


def national_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` distinct, valid national codes (random nine-digit prefixes plus the check digit)."""
    prefixes = np.zeros(0, dtype=np.int64)
    while True:
        keep = np.sort(np.unique(prefixes, return_index=True)[1])  # first occurrences, in draw order
        prefixes = prefixes[keep]
        codes = with_check_digits(prefixes)
        good = valid_national_codes(codes)
        if int(good.sum()) >= n:
            return codes[good][:n]
        prefixes = np.concatenate(
            [prefixes[good], rng.integers(0, 10**9, n - int(good.sum()) + n // 100 + 16)]
        )


def id_card_numbers(rng: np.random.Generator, birth: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The national code for people born since 1368; a small serial for those born before."""
    old = rng.lognormal(5.5, 1.6, birth.size).clip(1, 99_999).astype(np.int64).astype("U10")
    return np.where(birth >= ID_CARD_IS_NATIONAL_CODE_FROM, codes, old)


def mobiles(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    has = (age >= 18) & (rng.random(age.size) < 0.9)
    prefix = MOBILE_PREFIXES[rng.integers(0, MOBILE_PREFIXES.size, age.size)]
    number = np.char.zfill(rng.integers(0, 10**7, age.size).astype("U7"), 7)
    return np.where(has, np.char.add(prefix, number), "")
