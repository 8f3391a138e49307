"""Employers, workshops and employments for one province's insured workers and pensioners.

Workshops are spread over counties in proportion to the insured workers living there; every workshop
has at least one worker and the rest go by heavy-tailed weights, which reproduces the published
shape: about a third of workshops with one insured worker and a few percent over fifty. Large
workshops belong to legal persons (companies), small ones mostly to a resident of the county.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from tamin.core.text import normalize
from tamin.demo.calibration import DATA_DIR, ProvincePlan, largest_remainder
from tamin.demo.population import DEPENDANT, MAIN_INSURED, NOT_COVERED, PENSIONER, YEAR, Population

# Workshop sizes (insured workers): one each, plus a share of the rest by weight — none for a
# third of workshops, log-normal(0, 1.1) for most, ×60 for 0.8 % (the large employers). With the
# ~11 insured workers per workshop that the published counts imply, this reproduces the published
# shape at any scale: ~31 % one-worker workshops (published 32.8 %), 2.5–3 % over fifty (2.5 %),
# most with five or fewer, and a few with hundreds.
SIZE_SIGMA = 1.1
ONE_WORKER = 0.3
LARGE_SHARE = 0.008
LARGE_FACTOR = 60.0
LARGE = 5  # above this, a workshop draws from the "large" activity weights
LEGAL_SHARE_BY_SIZE = ((50, 0.95), (20, 0.75), (5, 0.30), (0, 0.08))  # (size >= …, P(legal))
WORKSHOPS_PER_LEGAL_EMPLOYER = 1 / 0.85
PAST_JOB_SHARE = 0.35
EMPLOYER_AGES = (25.0, 75.0)
OWNER_MALE_WEIGHT = 6.0  # small-business owners are mostly men (modelled)


@dataclass(frozen=True)
class Activity:
    """A workshop activity. Codes are ISIC Rev.4 groups: the SSO's own table is not public."""

    code: str
    name: str
    shop: str  # how a small workshop is named: «<shop> <owner's surname>»
    company: str  # how a company in this line is named: «شرکت <company> <brand>»
    small: float  # relative weight among workshops of up to LARGE workers
    large: float  # … and among larger ones
    jobs: tuple[str, ...]  # ISCO-08 unit groups


ACTIVITIES: tuple[Activity, ...] = (
    Activity(
        "011",
        "کشت محصولات زراعی و دامداری",
        "کشت و دامداری",
        "کشت و صنعت",
        4,
        2,
        ("6111", "6121", "9211", "8341"),
    ),
    Activity(
        "061",
        "استخراج نفت خام و گاز طبیعی",
        "خدمات چاه",
        "خدمات نفت و گاز",
        0.1,
        1,
        ("8113", "3117", "3134", "2145"),
    ),
    Activity("081", "استخراج سنگ، شن و ماسه", "معدن", "معدنی", 0.5, 1, ("8111", "8112", "9311", "8342")),
    Activity("105", "تولید فراورده‌های لبنی", "لبنیات", "صنایع لبنی", 2, 3, ("7513", "8160", "9321", "8332")),
    Activity(
        "107",
        "تولید نان و فراورده‌های نانوایی",
        "نانوایی",
        "صنایع غذایی",
        9,
        2,
        ("7517", "7518", "9412", "5230"),
    ),
    Activity("141", "تولید پوشاک", "تولیدی پوشاک", "پوشاک", 4, 4, ("7537", "8153", "7532", "9329")),
    Activity(
        "222",
        "تولید محصولات پلاستیکی",
        "کارگاه پلاستیک",
        "صنایع پلاستیک",
        1,
        4,
        ("8142", "9329", "7233", "4324"),
    ),
    Activity(
        "251", "ساخت محصولات فلزی سازه‌ای", "آهنگری", "صنایع فلزی", 3, 5, ("7212", "7214", "7221", "9329")
    ),
    Activity(
        "293",
        "ساخت قطعات و لوازم خودرو",
        "قطعه‌سازی",
        "قطعه‌سازی خودرو",
        1,
        4,
        ("8211", "7225", "3115", "3122"),
    ),
    Activity("351", "تولید و توزیع برق", "خدمات برق", "نیرو", 0, 1, ("3131", "7413", "2151")),
    Activity(
        "410", "ساخت ساختمان", "پیمانکاری ساختمان", "ساختمانی", 5, 8, ("7111", "9314", "7114", "7411", "1323")
    ),
    Activity("452", "تعمیر و نگهداری خودرو", "تعمیرگاه خودرو", "خدمات خودرو", 8, 1, ("7231", "9122", "5245")),
    Activity(
        "463", "عمده‌فروشی مواد غذایی", "پخش مواد غذایی", "بازرگانی", 2, 3, ("4324", "8322", "3322", "9333")
    ),
    Activity(
        "471",
        "خرده‌فروشی در فروشگاه‌های غیرتخصصی",
        "سوپرمارکت",
        "فروشگاه‌های زنجیره‌ای",
        14,
        3,
        ("5224", "5230", "9334"),
    ),
    Activity("477", "خرده‌فروشی سایر کالاها", "فروشگاه", "تجاری", 8, 1, ("5224", "5230", "4120")),
    Activity("493", "حمل‌ونقل جاده‌ای", "باربری", "حمل‌ونقل", 3, 3, ("8332", "8322", "4323")),
    Activity("551", "هتل و مهمان‌پذیر", "مهمان‌پذیر", "هتل", 1, 1, ("4224", "5131", "9112", "1411")),
    Activity(
        "561", "رستوران و اغذیه‌فروشی", "رستوران", "خدمات پذیرایی", 7, 2, ("5120", "5131", "9412", "9411")
    ),
    Activity(
        "620",
        "برنامه‌نویسی و خدمات رایانه‌ای",
        "خدمات رایانه‌ای",
        "فناوری اطلاعات",
        2,
        2,
        ("2512", "2514", "3512", "2522"),
    ),
    Activity("692", "حسابداری و حسابرسی", "مؤسسهٔ حسابداری", "خدمات مالی", 2, 1, ("2411", "4311", "3313")),
    Activity("801", "خدمات حفاظتی و نگهبانی", "نگهبانی", "خدمات حفاظتی", 0, 1, ("5414", "4110")),
    Activity("812", "خدمات نظافت ساختمان", "خدمات نظافتی", "خدمات نظافتی", 1, 2, ("9112", "5151")),
    Activity(
        "851",
        "آموزش پیش‌دبستانی و ابتدایی غیردولتی",
        "مهدکودک",
        "مجتمع آموزشی",
        2,
        1,
        ("2342", "2341", "5311"),
    ),
    Activity("862", "مطب و درمانگاه", "درمانگاه", "خدمات درمانی", 3, 2, ("2211", "2221", "3221", "3344")),
    Activity("960", "آرایشگاه و خدمات شخصی", "آرایشگاه", "خدمات آرایشی", 7, 0, ("5143",)),
)
BRANDS = np.array(
    [
        "پارس",
        "زاگرس",
        "البرز",
        "سپهر",
        "آریا",
        "نوین",
        "کیان",
        "مهر",
        "آفتاب",
        "ستاره",
        "پیشرو",
        "پویا",
        "سپاهان",
        "خلیج فارس",
        "کارون",
        "دماوند",
        "ایرانیان",
        "آرمان",
        "نگین",
        "بهار",
        "تابان",
        "رویان",
        "امید",
        "فجر",
        "سبلان",
        "هامون",
        "اروند",
        "ماهان",
        "آتیه",
        "پاسارگاد",
        "کوثر",
        "رهاورد",
        "سینا",
        "توس",
        "آسیا",
        "نیک",
        "بامداد",
        "پرتو",
        "شایان",
        "پیروز",
    ]
)
COMPANY_FORMS = np.array(["(سهامی خاص)", "(با مسئولیت محدود)", "(تعاونی)", "(سهامی عام)"])
COMPANY_FORM_P = np.array([0.55, 0.30, 0.12, 0.03])
STREETS = np.array(
    [
        "امام خمینی",
        "انقلاب",
        "آزادی",
        "شهید بهشتی",
        "طالقانی",
        "شریعتی",
        "جمهوری",
        "فردوسی",
        "حافظ",
        "سعدی",
        "ولیعصر",
        "مطهری",
        "کشاورز",
        "پاسداران",
        "شهدا",
        "بسیج",
        "نواب",
        "کارگر",
        "صنعت",
        "جهاد",
        "معلم",
        "امام رضا",
        "شهید چمران",
        "شهید رجایی",
        "بهار",
        "نبوت",
        "سلمان فارسی",
        "باهنر",
    ]
)


@cache
def job_titles() -> dict[str, str]:
    """ISCO-08 unit groups (4 digits) and their Persian titles."""
    with (DATA_DIR / "occupation_codes_isco08_fa.csv").open(encoding="utf-8", newline="") as fh:
        return {
            r["code"]: normalize(r["title_fa"])
            for r in csv.DictReader(fh)
            if r["level"] == "4" and r["title_fa"].strip()
        }


@dataclass
class Workforce:
    """One province's employers, workshops and employments as columns (province-local indexes)."""

    # Workshops
    ws_county: np.ndarray
    ws_activity: np.ndarray
    ws_employer: np.ndarray
    ws_opened: np.ndarray  # datetime64[D]
    ws_name: np.ndarray
    ws_address: np.ndarray
    ws_postal: np.ndarray
    ws_size: np.ndarray  # current insured workers
    # Employers
    er_legal: np.ndarray  # bool
    er_person: np.ndarray  # person index, -1 for companies
    er_name: np.ndarray
    er_registration: np.ndarray
    # Employments
    em_person: np.ndarray
    em_workshop: np.ndarray
    em_start: np.ndarray  # datetime64[D]
    em_end: np.ndarray  # datetime64[D], NaT while current
    em_job: np.ndarray  # ISCO unit group


def _weighted_pick(
    rng: np.random.Generator, cumulative: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """For each i, an index in [lo[i], hi[i]) drawn with the weights whose running sum is `cumulative`."""
    base = np.where(lo > 0, cumulative[np.maximum(lo - 1, 0)], 0.0)
    top = cumulative[hi - 1]
    target = base + rng.random(lo.size) * (top - base)
    return np.clip(np.searchsorted(cumulative, target, side="right"), lo, hi - 1)


def _days(years: np.ndarray | float) -> np.ndarray:
    return np.floor(np.asarray(years) * YEAR).astype(np.int64)


def generate(
    rng: np.random.Generator,
    pop: Population,
    plan: ProvincePlan,
    county_names: list[str],
    reference: dt.date,
) -> Workforce:
    ref = np.datetime64(reference, "D").astype(np.int64)
    birth = pop.birth.astype(np.int64)
    n_counties = len(county_names)

    # Current jobs. Workshops go to counties by the insured workers living there; their sizes are
    # one worker each plus a share of the rest in proportion to log-normal weights (largest
    # remainder, province-wide so the shape holds at any scale). Workers then fill the places county
    # by county; where a county's places and workers differ, some work in the next county.
    workers = np.flatnonzero(pop.status == MAIN_INSURED)
    per_county = np.bincount(pop.county[workers], minlength=n_counties)
    k = largest_remainder(min(plan.workshops, workers.size), per_county)
    n_ws = int(k.sum())
    ws_county = np.repeat(np.arange(n_counties), k)
    u = rng.random(n_ws)
    weight = np.where(u < ONE_WORKER, 0.0, rng.lognormal(0.0, SIZE_SIGMA, n_ws))
    weight[u >= 1.0 - LARGE_SHARE] *= LARGE_FACTOR
    if n_ws and weight.sum() <= 0:  # a tiny province whose only workshops drew "one worker"
        weight[:] = 1.0
    size = 1 + largest_remainder(workers.size - n_ws, weight)
    order = np.lexsort((rng.permutation(workers.size), pop.county[workers]))
    workers = workers[order]
    assign = np.repeat(np.arange(n_ws), size)

    tenure = np.minimum(rng.exponential(6.0, workers.size), np.maximum(pop.age[workers] - 18.0, 0.0))
    start = ref - _days(tenure)

    # Earlier jobs for some workers, and the one past job of each pensioner, in workshops weighted by
    # size (people who spent decades in insured work mostly did so in larger workshops).
    by_size = np.cumsum(size.astype(np.float64))
    past = rng.random(workers.size) < PAST_JOB_SHARE
    p_end = start - rng.integers(15, 400, workers.size)
    p_start = p_end - rng.integers(180, 6 * 365, workers.size)
    past &= p_start >= birth[workers] + _days(18.0)
    pensioners = np.flatnonzero(pop.status == PENSIONER)
    male = pop.male[pensioners]
    retire_age = np.where(male, rng.uniform(50, 62, pensioners.size), rng.uniform(45, 57, pensioners.size))
    retired = birth[pensioners] + _days(retire_age)
    late = retired > ref - 30
    retired[late] = ref - rng.integers(30, 700, int(late.sum()))
    r_start = np.maximum(
        retired - _days(rng.uniform(20, 32, pensioners.size)), birth[pensioners] + _days(16.0)
    )

    n_past = int(past.sum())
    if n_ws:
        whole = np.zeros(n_past + pensioners.size, dtype=np.int64)
        old_ws = _weighted_pick(rng, by_size, whole, whole + n_ws)
    else:
        old_ws = np.zeros(0, dtype=np.int64)
        pensioners = pensioners[:0]
        retired, r_start = retired[:0], r_start[:0]
    em_person = np.concatenate([workers, workers[past], pensioners])
    em_workshop = np.concatenate([assign, old_ws]).astype(np.int64)
    em_start = np.concatenate([start, p_start[past], r_start])
    em_end = np.concatenate([np.full(workers.size, np.iinfo(np.int64).min), p_end[past], retired])

    # Activities by size, the employer's kind by size, and the opening date before any employment.
    large = size > LARGE
    act = np.empty(n_ws, dtype=np.int64)
    for flag, column in ((False, "small"), (True, "large")):
        w = np.array([getattr(a, column) for a in ACTIVITIES], dtype=np.float64)
        act[large == flag] = rng.choice(len(ACTIVITIES), size=int((large == flag).sum()), p=w / w.sum())
    p_legal = np.select([size >= s for s, _ in LEGAL_SHARE_BY_SIZE], [p for _, p in LEGAL_SHARE_BY_SIZE], 0.0)
    legal = rng.random(n_ws) < p_legal
    earliest = np.full(n_ws, ref - _days(0.3))
    np.minimum.at(earliest, em_workshop, em_start)
    opened = np.minimum(ref - _days(0.3 + rng.exponential(8.0, n_ws)), earliest) - rng.integers(0, 730, n_ws)

    jobs_table, jobs_count = _jobs_table()
    em_act = act[em_workshop]
    em_job = jobs_table[em_act, np.floor(rng.random(em_act.size) * jobs_count[em_act]).astype(np.int64)]

    # Employers. Companies may run several workshops; a natural employer is a county resident of
    # working age who is not an insured worker or pensioner (and may own two workshops).
    ws_employer = np.empty(n_ws, dtype=np.int64)
    legal_ws = rng.permutation(np.flatnonzero(legal))
    n_companies = math.ceil(legal_ws.size / WORKSHOPS_PER_LEGAL_EMPLOYER)
    company_of = np.concatenate(
        [np.arange(n_companies), rng.integers(0, max(n_companies, 1), legal_ws.size - n_companies)]
    )
    ws_employer[legal_ws] = company_of

    natural_ws = np.flatnonzero(~legal)
    cands = np.flatnonzero(
        np.isin(pop.status, (NOT_COVERED, DEPENDANT))
        & (pop.age >= EMPLOYER_AGES[0])
        & (pop.age < EMPLOYER_AGES[1])
    )
    if cands.size == 0:
        cands = np.flatnonzero(pop.age >= EMPLOYER_AGES[0])
    cands = cands[np.argsort(pop.county[cands], kind="stable")]
    c_count = np.bincount(pop.county[cands], minlength=n_counties)
    c_start = np.concatenate([[0], np.cumsum(c_count)[:-1]])
    wcounty = ws_county[natural_ws]
    here = c_count[wcounty] > 0
    lo = np.where(here, c_start[wcounty], 0)
    hi = np.where(here, c_start[wcounty] + c_count[wcounty], cands.size)
    owner_weight = np.cumsum(np.where(pop.male[cands], OWNER_MALE_WEIGHT, 1.0))
    owner = cands[_weighted_pick(rng, owner_weight, lo, hi)] if natural_ws.size else cands[:0]
    owners, owner_of = np.unique(owner, return_inverse=True)
    ws_employer[natural_ws] = n_companies + owner_of

    er_legal = np.concatenate([np.ones(n_companies, dtype=bool), np.zeros(owners.size, dtype=bool)])
    er_person = np.concatenate([np.full(n_companies, -1, dtype=np.int64), owners])
    company_act = np.zeros(n_companies, dtype=np.int64)
    company_act[company_of[::-1]] = act[legal_ws[::-1]]  # the activity of each company's first workshop
    company = np.array([a.company for a in ACTIVITIES], dtype=object)[company_act]
    brand = BRANDS[rng.integers(0, BRANDS.size, n_companies)].astype(object)
    form = COMPANY_FORMS[rng.choice(COMPANY_FORMS.size, size=n_companies, p=COMPANY_FORM_P)].astype(object)
    company_names = "شرکت " + company + " " + brand + " " + form
    owner_names = pop.first_name[owners] + " " + pop.last_name[owners]
    er_name = np.concatenate([company_names, owner_names])
    er_registration = np.where(er_legal, rng.integers(1_000, 600_000, er_legal.size).astype("U6"), "").astype(
        object
    )

    # Names and addresses.
    several = np.bincount(ws_employer, minlength=er_legal.size)[ws_employer] > 1
    county_arr = np.array(county_names, dtype=object)
    shop = np.array([a.shop for a in ACTIVITIES], dtype=object)[act]
    owner_last = np.where(
        er_person[ws_employer] >= 0, pop.last_name[np.maximum(er_person[ws_employer], 0)], ""
    )
    ws_name = np.where(legal, er_name[ws_employer], shop + " " + owner_last)
    ws_name = np.where(legal & several, ws_name + " - واحد " + county_arr[ws_county], ws_name)
    street = STREETS[rng.integers(0, STREETS.size, n_ws)].astype(object)
    alley = rng.integers(1, 40, n_ws).astype("U2").astype(object)
    plaque = rng.integers(1, 300, n_ws).astype("U3").astype(object)
    ws_address = county_arr[ws_county] + "، خیابان " + street + "، کوچه " + alley + "، پلاک " + plaque
    head = np.array([1, 3, 4, 6, 7, 8, 9])[rng.integers(0, 7, (n_ws, 5))]
    tail = rng.integers(0, 10, (n_ws, 5))
    tail[:, 4] = np.where(tail.sum(axis=1) == 0, 1, tail[:, 4])
    digits = np.concatenate([head, tail], axis=1) + ord("0")
    ws_postal = np.ascontiguousarray(digits.astype(np.uint32)).view("U10").reshape(n_ws)

    return Workforce(
        ws_county=ws_county,
        ws_activity=act,
        ws_employer=ws_employer,
        ws_opened=opened.astype("datetime64[D]"),
        ws_name=ws_name,
        ws_address=ws_address,
        ws_postal=ws_postal,
        ws_size=size,
        er_legal=er_legal,
        er_person=er_person,
        er_name=er_name,
        er_registration=er_registration,
        em_person=em_person,
        em_workshop=em_workshop,
        em_start=em_start.astype("datetime64[D]"),
        em_end=em_end.astype("datetime64[D]"),
        em_job=em_job,
    )


@cache
def _jobs_table() -> tuple[np.ndarray, np.ndarray]:
    width = max(len(a.jobs) for a in ACTIVITIES)
    table = np.array([list(a.jobs) + [a.jobs[0]] * (width - len(a.jobs)) for a in ACTIVITIES], dtype="U4")
    return table, np.array([len(a.jobs) for a in ACTIVITIES])


def legal_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` distinct valid 11-digit national IDs of legal persons (شناسهٔ ملی): 10 digits starting «10»,
    then the check digit: d = digit₁₀ + 2, r = Σ (d + digitᵢ)·[29, 27, 23, 19, 17][i mod 5] mod 11,
    r = 0 when it is 10."""
    out = np.zeros(0, dtype=np.int64)
    while out.size < n:
        body = 10**9 + rng.choice(10**8, size=n - out.size + 8, replace=False)  # "10" + 8 digits
        body = body[(body // 10) % 10**6 != 0]  # digits 4–9 must not all be zero
        out = np.concatenate([out, body])
        out = out[np.sort(np.unique(out, return_index=True)[1])]
    body = out[:n]
    powers = 10 ** np.arange(9, -1, -1, dtype=np.int64)
    digits = (body.reshape(-1, 1) // powers) % 10
    shift = digits[:, 9:10] + 2
    weights = np.array([29, 27, 23, 19, 17] * 2, dtype=np.int64)
    r = ((shift + digits) * weights).sum(axis=1) % 11
    r = np.where(r == 10, 0, r)
    chars = (np.concatenate([digits, r[:, None]], axis=1) + ord("0")).astype(np.uint32)
    return np.ascontiguousarray(chars).view("U11").reshape(n)


__all__ = ["ACTIVITIES", "PENSIONER", "Workforce", "generate", "job_titles", "legal_ids"]
