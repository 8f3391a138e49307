"""Building the demo database: generate every province, insert in bulk, add the demo users, audit once.

`build()` is the whole population step inside one transaction (tests call it directly); the `demo`
command adds migrating, wiping a previous demo and printing. Rows are written set-wise: `COPY` on
PostgreSQL, `executemany` on SQLite, with ids assigned here so foreign keys need no round trip.
Nothing in this module loops over persons in Python except the final conversion of columns to rows
that the database driver consumes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max

from tamin.accounts.models import ApiToken, User
from tamin.accounts.roles import Role
from tamin.audit import triggers
from tamin.audit.models import AuditEntry
from tamin.audit.services import record
from tamin.benefits.models import PayrollLine, PayrollRun, PensionAward, PensionClaim, PensionDeduction
from tamin.contributions.models import Bill, ContributionList, ListRow, Payment
from tamin.core import jalali
from tamin.demo import calibration, population, workforce
from tamin.demo.population import DEPENDANT, MAIN_INSURED, NOT_COVERED, PENSIONER
from tamin.records.models import Objection, RecordedMonth
from tamin.registry.models import (
    Branch,
    County,
    Employer,
    Employment,
    FamilyRelation,
    Person,
    Workshop,
)
from tamin.registry.models import (
    Sequence as Counter,
)
from tamin.registry.services.identifiers import (
    INSURANCE_NUMBER_SEQUENCE,
    INSURANCE_NUMBER_START,
    reserve_block,
)
from tamin.relief.models import ForgivenessLine, ForgivenessRun, Installment, InstallmentAgreement

MAX_SCALE = 0.05
DEFAULT_SCALE = 0.001
DEFAULT_SEED = 1404
AUDIT_ACTION = "demo.build"
USER_PREFIX = "demo-"
PASSWORD_BYTES = 12  # token_urlsafe(12): 16 characters
# Tables a demo owns beyond the reference data (provinces, counties, branches stay).
DEMO_MODELS: tuple[type[models.Model], ...] = (
    # Pensions and the payroll (tamin.demo.pensions), children first; claims point at awards.
    PensionClaim,
    PensionDeduction,
    PayrollLine,
    PayrollRun,
    PensionAward,
    # The contribution cycle (tamin.demo.contributions), children first.
    ForgivenessLine,
    ForgivenessRun,
    Installment,
    InstallmentAgreement,
    Objection,
    RecordedMonth,
    Payment,
    Bill,
    ListRow,
    ContributionList,
    FamilyRelation,
    Employment,
    Workshop,
    ApiToken,
    User,
    Employer,
    Person,
    Counter,
)


class DemoError(Exception):
    """Bad options or data too small to build from; the command turns it into a CommandError."""


@dataclass(frozen=True)
class BuildOptions:
    scale: float = DEFAULT_SCALE
    seed: int = DEFAULT_SEED
    province: str | None = None
    today: dt.date | None = None  # the reference date; today in Tehran unless given (tests fix it)
    months: int = 0  # months of wage lists, bills and payments before the reference month (`tamin demo`: 6)
    payroll_months: int = 0  # pension payroll months ending at the reference month (`tamin demo`: 6)
    # Old debts forgiven by a real campaign (tamin.demo.relief); None: only in the full demo (months and
    # payroll_months both set, as `tamin demo` builds it), so narrower builds keep their exact counts.
    forgiveness: bool | None = None


@dataclass
class DemoUser:
    username: str
    role: str
    password: str
    scope: dict[str, str]
    description: str


@dataclass
class BuildResult:
    options: BuildOptions
    reference: dt.date
    counts: dict[str, int]
    per_province: list[dict[str, Any]]
    users: list[DemoUser]
    timings: dict[str, float]
    calibration: calibration.Calibration
    notes: list[str] = field(default_factory=list)
    months: tuple[jalali.JalaliMonth, ...] = ()  # of the contribution cycle, oldest first
    payroll_months: tuple[jalali.JalaliMonth, ...] = ()  # of the pension payroll, oldest first
    late_increase_year: int | None = None  # the yearly increase the payroll replays as decided late

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


def province_code(raw: str | None) -> str | None:
    """'6' or '06' → '06'; None stays None; an unknown code is a DemoError."""
    if raw is None or raw == "":
        return None
    code = raw.strip()
    if code.isdigit() and len(code) <= 2:
        code = code.zfill(2)
    provinces = calibration.load().provinces
    if code not in provinces:
        known = ", ".join(f"{c} {p.name_en}" for c, p in sorted(provinces.items()))
        raise DemoError(f"unknown province code {raw!r}: use a Statistical Centre code ({known})")
    return code


def check_scale(scale: float) -> float:
    if not (0 < scale <= MAX_SCALE):  # also refuses NaN
        raise DemoError(
            f"--scale must be above 0 and at most {MAX_SCALE} (the share of the real population), got {scale}"
        )
    return scale


def check_months(months: int) -> int:
    from tamin.demo.contributions import MAX_MONTHS

    if not 0 <= months <= MAX_MONTHS:
        raise DemoError(f"--months must be 0–{MAX_MONTHS} (0: no wage lists), got {months}")
    return months


def check_payroll_months(months: int) -> int:
    from tamin.demo.pensions import MAX_PAYROLL_MONTHS

    if not 0 <= months <= MAX_PAYROLL_MONTHS:
        raise DemoError(f"--payroll-months must be 0–{MAX_PAYROLL_MONTHS} (0: no pensions), got {months}")
    return months


def reference_date(raw: str | None) -> dt.date | None:
    """The date the population is "as of": Jalali (1404/07/09) or ISO Gregorian (2025-10-01)."""
    if not raw:
        return None
    text = raw.strip()
    try:
        if int(text[:4]) < 1700:
            return jalali.parse_jalali_date(text, field="date")
        return dt.date.fromisoformat(text)
    except (ValueError, jalali.InvalidJalaliDate):
        raise DemoError(f"--date must be a date like 1404/07/09 or 2025-10-01, got {raw!r}") from None


# --------------------------------------------------------------------------------------------------
# Generation


@dataclass
class _Counties:
    ids: np.ndarray
    names: list[str]
    branch_ids: np.ndarray
    branch_codes: np.ndarray
    weights: np.ndarray
    modelled: int  # counties without a 1395 figure


def _counties(codes: list[str]) -> dict[str, _Counties]:
    branches: dict[int, tuple[int, str]] = {}
    for b in Branch.objects.order_by("code").values("id", "code", "county_id"):
        branches.setdefault(b["county_id"], (b["id"], b["code"]))
    rows = (
        County.objects.filter(province__code__in=codes)
        .order_by("code")
        .values("id", "name_fa", "population_1395", "province__code")
    )
    out: dict[str, _Counties] = {}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["id"] in branches:
            grouped.setdefault(r["province__code"], []).append(r)
    for code in codes:
        rs = grouped.get(code)
        if not rs:
            raise DemoError(
                f"province {code} has no counties with a branch: was the reference migration applied?"
            )
        pops = np.array([r["population_1395"] or 0 for r in rs], dtype=np.float64)
        known = pops[pops > 0]
        # Counties created after the census: as large as the smallest counted county (modelled).
        pops[pops <= 0] = known.min() if known.size else 1.0
        out[code] = _Counties(
            ids=np.array([r["id"] for r in rs]),
            names=[r["name_fa"] for r in rs],
            branch_ids=np.array([branches[r["id"]][0] for r in rs]),
            branch_codes=np.array([branches[r["id"]][1] for r in rs]),
            weights=pops / pops.sum(),
            modelled=int((np.array([r["population_1395"] or 0 for r in rs]) <= 0).sum()),
        )
    return out


@dataclass
class _Generated:
    """The whole build as global columns."""

    province: np.ndarray  # province code per person
    pop: dict[str, np.ndarray]
    ws: dict[str, np.ndarray]
    er: dict[str, np.ndarray]
    em: dict[str, np.ndarray]
    rel: dict[str, np.ndarray]
    per_province: list[dict[str, Any]]


def _generate(rng: np.random.Generator, codes: list[str], scale: float, reference: dt.date) -> _Generated:
    cal = calibration.load()
    counties = _counties(codes)
    plans = calibration.plan(cal, scale, codes)
    female_share = cal.main_insured_female_share.value
    parts: list[tuple[calibration.ProvincePlan, population.Population, workforce.Workforce]] = []
    for plan in plans:
        c = counties[plan.code]
        pop = population.generate(rng, plan, cal.age_groups, c.weights, reference, female_share)
        wf = workforce.generate(rng, pop, plan, c.names, reference)
        parts.append((plan, pop, wf))

    cols: dict[str, list[np.ndarray]] = {}

    def add(table: str, **arrays: np.ndarray) -> None:
        for k, v in arrays.items():
            cols.setdefault(f"{table}.{k}", []).append(np.asarray(v))

    p_off = w_off = e_off = 0
    per_province = []
    for plan, pop, wf in parts:
        c = counties[plan.code]
        n = pop.size
        add(
            "pop",
            province=np.full(n, plan.code),
            male=pop.male,
            birth=pop.birth,
            age=pop.age,
            first=pop.first_name,
            last=pop.last_name,
            father=pop.father_name,
            status=pop.status,
            county=c.ids[pop.county],
            branch=c.branch_ids[pop.county],
        )
        # Relations of covered households: the head (worker or pensioner) to the spouse and children.
        cc = np.flatnonzero(pop.covered_couple)
        kids = np.flatnonzero(pop.couple_of >= 0)
        kids = kids[pop.covered_couple[pop.couple_of[kids]]]
        add(
            "rel",
            person=np.concatenate([pop.husband[cc], pop.husband[pop.couple_of[kids]]]) + p_off,
            relative=np.concatenate([pop.wife[cc], kids]) + p_off,
            kind=np.concatenate([np.full(cc.size, "spouse"), np.full(kids.size, "child")]),
            since=np.concatenate([pop.married_on[cc], pop.birth[kids]]),
        )
        add(
            "ws",
            county=c.ids[wf.ws_county],
            branch=c.branch_ids[wf.ws_county],
            branch_code=c.branch_codes[wf.ws_county],
            activity=wf.ws_activity,
            employer=wf.ws_employer + e_off,
            opened=wf.ws_opened,
            name=wf.ws_name,
            address=wf.ws_address,
            postal=wf.ws_postal,
            size=wf.ws_size,
        )
        add(
            "er",
            legal=wf.er_legal,
            person=np.where(wf.er_person >= 0, wf.er_person + p_off, -1),
            name=wf.er_name,
            registration=wf.er_registration,
        )
        add(
            "em",
            person=wf.em_person + p_off,
            workshop=wf.em_workshop + w_off,
            start=wf.em_start,
            end=wf.em_end,
            job=wf.em_job,
        )
        status = pop.status
        per_province.append(
            {
                "code": plan.code,
                "name": cal.provinces[plan.code].name_fa,
                "name_en": cal.provinces[plan.code].name_en,
                "persons": n,
                "covered": int((status != NOT_COVERED).sum()),
                "covered_target": plan.covered,
                "main_insured": int((status == MAIN_INSURED).sum()),
                "dependants": int((status == DEPENDANT).sum()),
                "pensioners": int((status == PENSIONER).sum()),
                "employers": int(wf.er_legal.size),
                "workshops": int(wf.ws_county.size),
                "workshops_target": plan.workshops,
                "employments": int(wf.em_person.size),
                "relations": int(cc.size + kids.size),
                "counties_modelled": c.modelled,
            }
        )
        p_off += n
        w_off += wf.ws_county.size
        e_off += wf.er_legal.size

    def table(prefix: str) -> dict[str, np.ndarray]:
        return {k.split(".", 1)[1]: np.concatenate(v) for k, v in cols.items() if k.startswith(prefix + ".")}

    pop = table("pop")
    return _Generated(pop["province"], pop, table("ws"), table("er"), table("em"), table("rel"), per_province)


# --------------------------------------------------------------------------------------------------
# Writing


def _dates(values: np.ndarray) -> list[str | None]:
    text = np.datetime_as_string(values.astype("datetime64[D]")).astype(object)
    text[np.isnat(values)] = None
    return text.tolist()


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def insert(model: type[models.Model], columns: dict[str, Sequence[Any]]) -> int:
    """Insert columns (field name → values) in one statement stream: COPY on PostgreSQL,
    executemany elsewhere. Values must already be in database form (str dates, ints, None)."""
    if not columns:
        return 0
    n_rows = len(next(iter(columns.values())))
    # Fields the demo has no figure for take their model default: raw SQL would not apply it, and a
    # field added later (a flag defaulting to False) must not break the demo.
    columns = dict(columns)
    for f in model._meta.concrete_fields:
        if f.name not in columns and f.has_default() and not f.primary_key:
            columns[f.name] = [f.get_default()] * n_rows
    names = list(columns)
    rows = list(zip(*(columns[n] for n in names), strict=True))
    if not rows:
        return 0
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    cols = ", ".join(qn(model._meta.get_field(n).column) for n in names)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(names))})", rows)
    return len(rows)


def _reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql)


def _workshop_serials(
    branch_codes: np.ndarray, activity_codes: np.ndarray, opened: np.ndarray
) -> tuple[np.ndarray, dict[str, int], dict[str, int]]:
    """Serial per (branch, activity), oldest workshop first, after any serials already issued.
    Returns the serials, the counters that existed and the new last value of every counter."""
    names = np.char.add(np.char.add("workshop:", branch_codes.astype("U3")), np.char.add(":", activity_codes))
    groups, group_of = np.unique(names, return_inverse=True)
    existing = dict(Counter.objects.filter(name__in=groups.tolist()).values_list("name", "last"))
    order = np.lexsort((np.arange(names.size), opened.astype(np.int64), group_of))
    first_in_group = np.searchsorted(group_of[order], np.arange(groups.size))
    serial = np.empty(names.size, dtype=np.int64)
    serial[order] = np.arange(names.size) - first_in_group[group_of[order]] + 1
    serial += np.array([existing.get(g, 0) for g in groups.tolist()], dtype=np.int64)[group_of]
    if serial.size and serial.max() > 9999:
        raise DemoError("more than 9,999 workshops of one activity in one branch: lower --scale")
    last = np.zeros(groups.size, dtype=np.int64)
    np.maximum.at(last, group_of, serial)
    return serial, existing, dict(zip(groups.tolist(), last.tolist(), strict=True))


def _write(g: _Generated, rng: np.random.Generator, reference: dt.date) -> dict[str, Any]:
    """Insert everything; returns the ids and codes the demo users are picked from."""
    n = g.province.size
    stamp = connection.ops.adapt_datetimefield_value(
        dt.datetime.combine(reference, dt.time(0, 0), tzinfo=jalali._tehran())
    )
    codes = population.national_codes(rng, n)
    id_cards = population.id_card_numbers(rng, g.pop["birth"], codes)
    mobiles = population.mobiles(rng, g.pop["age"])

    # Insurance numbers, in the order people first started insured work (pensioners come first).
    status = g.pop["status"]
    insured = (status == MAIN_INSURED) | (status == PENSIONER)
    first_start = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_start, g.em["person"], g.em["start"].astype(np.int64))
    holders = np.flatnonzero(insured)
    holders = holders[np.lexsort((holders, first_start[holders]))]
    insurance = np.full(n, None, dtype=object)
    if holders.size:
        first = reserve_block(INSURANCE_NUMBER_SEQUENCE, int(holders.size), INSURANCE_NUMBER_START)
        insurance[holders] = np.char.zfill((first + np.arange(holders.size)).astype("U10"), 10)

    person_id = _next_id(Person) + np.arange(n)
    sex = np.where(g.pop["male"], "male", "female")
    insert(
        Person,
        {
            "id": person_id.tolist(),
            "national_code": codes.tolist(),
            "insurance_number": insurance.tolist(),
            "first_name": g.pop["first"].tolist(),
            "last_name": g.pop["last"].tolist(),
            "father_name": g.pop["father"].tolist(),
            "birth_date": _dates(g.pop["birth"]),
            "sex": sex.tolist(),
            "nationality": ["IR"] * n,
            "id_card_number": id_cards.tolist(),
            "mobile": mobiles.tolist(),
            "death_date": [None] * n,
            "is_pensioner": (status == PENSIONER).tolist(),
            "branch": g.pop["branch"].tolist(),
            "registered_at": [stamp] * n,
            "updated_at": [stamp] * n,
        },
    )

    er = g.er
    n_er = er["legal"].size
    employer_id = _next_id(Employer) + np.arange(n_er)
    national_id = np.full(n_er, None, dtype=object)
    national_id[er["legal"]] = workforce.legal_ids(rng, int(er["legal"].sum())).tolist()
    insert(
        Employer,
        {
            "id": employer_id.tolist(),
            "kind": np.where(er["legal"], "legal", "natural").tolist(),
            "person": np.where(er["person"] >= 0, person_id[er["person"]], None).tolist(),
            "name": er["name"].tolist(),
            "national_id": national_id.tolist(),
            "registration_number": er["registration"].tolist(),
            "registered_at": [stamp] * n_er,
        },
    )

    ws = g.ws
    n_ws = ws["county"].size
    activity_codes = np.array([a.code for a in workforce.ACTIVITIES])[ws["activity"]]
    activity_names = np.array([a.name for a in workforce.ACTIVITIES], dtype=object)[ws["activity"]]
    serial, existing, last = _workshop_serials(ws["branch_code"], activity_codes, ws["opened"])
    ws_codes = np.char.add(
        np.char.add(ws["branch_code"].astype("U3"), activity_codes), np.char.zfill(serial.astype("U4"), 4)
    )
    workshop_id = _next_id(Workshop) + np.arange(n_ws)
    insert(
        Workshop,
        {
            "id": workshop_id.tolist(),
            "code": ws_codes.tolist(),
            "name": ws["name"].tolist(),
            "address": ws["address"].tolist(),
            "postal_code": ws["postal"].tolist(),
            "branch": ws["branch"].tolist(),
            "activity_code": activity_codes.tolist(),
            "activity": activity_names.tolist(),
            "employer": employer_id[ws["employer"]].tolist(),
            "status": ["active"] * n_ws,
            "opened_on": _dates(ws["opened"]),
            "closed_on": [None] * n_ws,
        },
    )
    # Later registrations continue each (branch, activity) series after the demo's serials.
    Counter.objects.bulk_create(
        [Counter(name=k, last=v) for k, v in sorted(last.items()) if k not in existing], batch_size=2000
    )
    updates = [Counter(name=k, last=v) for k, v in last.items() if k in existing]
    for c in updates:
        Counter.objects.filter(name=c.name).update(last=c.last)

    em = g.em
    titles = workforce.job_titles()
    title_codes = np.array(sorted(titles))
    title_names = np.array([titles[c] for c in title_codes.tolist()], dtype=object)
    n_em = em["person"].size
    employment_id = _next_id(Employment) + np.arange(n_em)
    insert(
        Employment,
        {
            "id": employment_id.tolist(),
            "person": person_id[em["person"]].tolist(),
            "workshop": workshop_id[em["workshop"]].tolist(),
            "start_date": _dates(em["start"]),
            "end_date": _dates(em["end"]),
            "job_code": em["job"].tolist(),
            "job_title": title_names[np.searchsorted(title_codes, em["job"])].tolist(),
        },
    )

    rel = g.rel
    n_rel = rel["person"].size
    insert(
        FamilyRelation,
        {
            "id": (_next_id(FamilyRelation) + np.arange(n_rel)).tolist(),
            "person": person_id[rel["person"]].tolist(),
            "relative": person_id[rel["relative"]].tolist(),
            "kind": rel["kind"].tolist(),
            "valid_from": _dates(rel["since"]),
            "valid_to": [None] * n_rel,
        },
    )
    _reset_sequences([Person, Employer, Workshop, Employment, FamilyRelation])
    return {
        "person_id": person_id,
        "national_code": codes,
        "insurance": insurance,
        "workshop_id": workshop_id,
        "workshop_code": ws_codes,
        "employer_id": employer_id,
        "national_id": national_id,
        "counts": {
            "persons": n,
            "insurance_numbers": int(holders.size),
            "employers": n_er,
            "employers_legal": int(er["legal"].sum()),
            "workshops": n_ws,
            "employments": n_em,
            "employments_current": int(np.isnat(em["end"]).sum()),
            "relations": n_rel,
            "workshops_one_worker": int((ws["size"] == 1).sum()),
            "workshops_over_50": int((ws["size"] > 50).sum()),
            "largest_workshop": int(ws["size"].max()) if n_ws else 0,
            "workshop_serial_counters": len(last),
        },
    }


# --------------------------------------------------------------------------------------------------
# Demo users


def _pick(rng: np.random.Generator, candidates: np.ndarray, score: np.ndarray) -> int:
    best = candidates[score == score.max()]
    return int(best[rng.integers(0, best.size)])


def _users(g: _Generated, ids: dict[str, Any], rng: np.random.Generator) -> list[DemoUser]:
    pop, em, rel, ws = g.pop, g.em, g.rel, g.ws
    n = pop["status"].size
    current = np.isnat(em["end"])
    job_of = np.full(n, -1, dtype=np.int64)
    job_of[em["person"][current]] = em["workshop"][current]
    has_past = np.zeros(n, dtype=bool)
    has_past[em["person"][~current]] = True
    spouse = np.zeros(n, dtype=bool)
    spouse[rel["person"][rel["kind"] == "spouse"]] = True
    child = np.zeros(n, dtype=bool)
    child[rel["person"][rel["kind"] == "child"]] = True

    insured = np.flatnonzero((pop["status"] == MAIN_INSURED) & (job_of >= 0) & spouse & child)
    if insured.size == 0:
        raise DemoError("no insured worker with a spouse and a child was generated: raise --scale")
    # The branch with most such families (a provincial capital, usually), a workshop big enough to
    # show a list and small enough to read, someone with a job history.
    ws_branch = ws["branch"][job_of[insured]]
    branches, counts = np.unique(ws_branch, return_counts=True)
    branch = branches[np.argmax(counts)]
    insured = insured[ws_branch == branch]
    size = ws["size"][job_of[insured]]
    score = has_past[insured].astype(int) + ((size >= 3) & (size <= 40)) + (pop["branch"][insured] == branch)
    who = _pick(rng, insured, score)
    w = int(job_of[who])
    employer = int(ws["employer"][w])

    pensioners = np.flatnonzero(pop["status"] == PENSIONER)
    if pensioners.size == 0:
        raise DemoError("no pensioner was generated: raise --scale")
    p_score = 2 * (pop["branch"][pensioners] == branch) + spouse[pensioners]
    pensioner = _pick(rng, pensioners, p_score)

    branch_obj = Branch.objects.select_related("county__province").get(pk=int(branch))
    province = branch_obj.county.province
    workshop_code = str(ids["workshop_code"][w])
    er_legal = bool(g.er["legal"][employer])
    er_person = int(g.er["person"][employer])

    def person_scope(i: int) -> dict[str, str]:
        return {
            "national_code": str(ids["national_code"][i]),
            "insurance_number": str(ids["insurance"][i]),
            "name": f"{pop['first'][i]} {pop['last'][i]}",
        }

    branch_scope = {
        "branch": branch_obj.code,
        "branch_name": branch_obj.name_fa,
        "province": province.code,
        "province_name": province.name_fa,
    }
    employer_scope = {"employer": str(g.er["name"][employer]), "workshop": workshop_code}
    if er_legal:
        employer_scope["employer_national_id"] = str(ids["national_id"][employer])
    else:
        employer_scope["national_code"] = str(ids["national_code"][er_person])
    provider = f"پلی‌کلینیک تخصصی تأمین اجتماعی {branch_obj.county.name_fa}"
    specs: list[tuple[str, dict[str, Any], dict[str, str], str]] = [
        (
            Role.INSURED,
            {"person_id": int(ids["person_id"][who])},
            {**person_scope(who), "workshop": workshop_code, **branch_scope},
            f"insured worker at workshop {workshop_code}, with spouse and children",
        ),
        (
            Role.PENSIONER,
            {"person_id": int(ids["person_id"][pensioner])},
            {**person_scope(pensioner), **branch_scope},
            "pensioner (past employment ended)",
        ),
        (
            Role.EMPLOYER,
            {"employer_id": int(ids["employer_id"][employer])},
            {**employer_scope, **branch_scope},
            f"employer of workshop {workshop_code} ({'legal' if er_legal else 'natural'} person)",
        ),
        (Role.PROVIDER, {"provider_name": provider}, {"provider": provider}, provider),
        (
            Role.BRANCH_STAFF,
            {"branch_id": int(branch)},
            branch_scope,
            f"branch {branch_obj.code} {branch_obj.name_fa}",
        ),
        (
            Role.PROVINCE_MANAGER,
            {"province_id": province.pk},
            {"province": province.code, "province_name": province.name_fa},
            f"province {province.code} {province.name_en}",
        ),
        (Role.HQ_MANAGER, {}, {}, "nationwide (read)"),
        (Role.AUDITOR, {}, {}, "nationwide (read, audit trail)"),
        (Role.ADMIN, {}, {}, "everything"),
    ]
    out = []
    for role, fk, scope, description in specs:
        password = secrets.token_urlsafe(PASSWORD_BYTES)
        first, last = STAFF_NAMES.get(role, ("", ""))
        user = User(username=f"{USER_PREFIX}{role}", role=role, first_name=first, last_name=last, **fk)
        user.set_password(password)
        user.save()
        out.append(DemoUser(user.username, str(role), password, scope, description))
    return out


# Staff accounts carry a person's name in the portal header; these are demo names, not real staff.
STAFF_NAMES = {
    Role.BRANCH_STAFF: ("مریم", "احمدی"),
    Role.PROVINCE_MANAGER: ("حسن", "کریمی"),
    Role.HQ_MANAGER: ("رضا", "موسوی"),
    Role.AUDITOR: ("فاطمه", "حسینی"),
    Role.ADMIN: ("مدیر", "سامانه"),
}


# --------------------------------------------------------------------------------------------------
# Entry points


def build(options: BuildOptions) -> BuildResult:
    """Generate and insert a demo population into a migrated database without demo data."""
    scale = check_scale(options.scale)
    check_months(options.months)
    check_payroll_months(options.payroll_months)
    code = province_code(options.province)
    codes = [code] if code else sorted(calibration.load().provinces)
    reference = options.today or jalali.today()
    rng = np.random.Generator(np.random.PCG64(options.seed))
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    generated = _generate(rng, codes, scale, reference)
    timings["generate"] = time.perf_counter() - t0
    with transaction.atomic():
        if User.objects.filter(username__startswith=USER_PREFIX).exists():
            raise DemoError("demo users already exist: wipe the previous demo first")
        t0 = time.perf_counter()
        ids = _write(generated, rng, reference)
        timings["insert"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        users = _users(generated, ids, rng)
        timings["users"] = time.perf_counter() - t0
        status = generated.pop["status"]
        counts = {
            **ids["counts"],
            "covered": int((status != NOT_COVERED).sum()),
            "main_insured": int((status == MAIN_INSURED).sum()),
            "dependants": int((status == DEPENDANT).sum()),
            "pensioners": int((status == PENSIONER).sum()),
            "users": len(users),
        }
        record(
            None,
            AUDIT_ACTION,
            object_type="demo",
            object_id=f"seed-{options.seed}",
            after={
                "seed": options.seed,
                "scale": scale,
                "province": code,
                "reference_date": reference.isoformat(),
                "counts": counts,
                "users": [u.username for u in users],
            },
        )
    cal = calibration.load()
    result = BuildResult(
        options, reference, counts, generated.per_province, users, timings, cal, list(cal.notes)
    )
    if options.months:
        _contribution_cycle(result, users)
    if options.forgiveness or (options.forgiveness is None and options.months and options.payroll_months):
        _forgiveness(result, users)
    if options.payroll_months:
        _pensions(result, users)
        _claims(result, users)
    return result


def _forgiveness(result: BuildResult, users: list[DemoUser]) -> None:
    """A few workshops' old debts, settled inside a real campaign's window and forgiven by it."""
    from tamin.demo import relief

    employer = next(u for u in users if u.role == Role.EMPLOYER)
    try:
        done = relief.run(
            result.reference,
            seed=result.options.seed,
            usernames={u.role: u.username for u in users},
            workshop=employer.scope["workshop"],
        )
    except relief.ReliefError as exc:
        raise DemoError(str(exc)) from exc
    result.counts.update(done.counts)
    result.timings.update(done.timings)
    result.notes.extend(done.notes)


def _contribution_cycle(result: BuildResult, users: list[DemoUser]) -> None:
    """Wage lists, bills, payments, an instalment plan and an objection for the demo just built."""
    from tamin.demo import contributions

    o = result.options
    employer = next(u for u in users if u.role == Role.EMPLOYER)
    try:
        cycle = contributions.run(
            result.reference,
            months=o.months,
            seed=o.seed,
            usernames={u.role: u.username for u in users},
            workshop=employer.scope["workshop"],
        )
    except contributions.CycleError as exc:
        raise DemoError(str(exc)) from exc
    result.counts.update(cycle.counts)
    result.timings.update(cycle.timings)
    result.notes.extend(cycle.notes)
    result.months = cycle.months


def _claims(result: BuildResult, users: list[DemoUser]) -> None:
    """Insured near retirement with a legacy history, and pension claims awaiting the branch."""
    from tamin.demo import claims

    names = {u.role: u.username for u in users}
    try:
        done = claims.run(result.reference, staff=names[Role.BRANCH_STAFF], checker=names[Role.ADMIN])
    except claims.ClaimsError as exc:
        raise DemoError(str(exc)) from exc
    result.counts.update(done.counts)
    result.timings.update(done.timings)
    result.notes.extend(done.notes)


def _pensions(result: BuildResult, users: list[DemoUser]) -> None:
    """Pension awards for the demo's pensioners and the payroll months ending at the reference month."""
    from tamin.demo import pensions

    o = result.options
    pensioner = next((u.username for u in users if u.role == Role.PENSIONER), None)
    try:
        done = pensions.run(result.reference, months=o.payroll_months, seed=o.seed, pensioner=pensioner)
    except pensions.PensionsError as exc:
        raise DemoError(str(exc)) from exc
    result.counts.update(done.counts)
    result.timings.update(done.timings)
    result.notes.extend(done.notes)
    result.payroll_months = done.months
    result.late_increase_year = done.late_year


def database_state() -> str:
    """'empty', 'demo' (a previous demo build is there) or 'foreign' (data `tamin demo` did not make)."""
    tables = set(connection.introspection.table_names())
    if AuditEntry._meta.db_table in tables and AuditEntry.objects.filter(action=AUDIT_ACTION).exists():
        return "demo"
    for model in (Person, Employer, Workshop):
        if model._meta.db_table in tables and model.objects.exists():
            return "foreign"
    return "empty"


def wipe() -> None:
    """Remove a previous demo from the current database (reference data stays). The audit table is
    append-only; on PostgreSQL it is truncated with its triggers suspended, ids restart at 1."""
    if connection.vendor == "postgresql":
        tables = [m._meta.db_table for m in (*DEMO_MODELS, AuditEntry)]
        tables += [User.groups.through._meta.db_table, User.user_permissions.through._meta.db_table]
        tables.append("django_session")
        existing = set(connection.introspection.table_names())
        qn = connection.ops.quote_name
        with transaction.atomic(), triggers.suspended(), connection.cursor() as cur:
            cur.execute(
                f"TRUNCATE {', '.join(qn(t) for t in tables if t in existing)} RESTART IDENTITY CASCADE"
            )
        return
    with transaction.atomic(), triggers.suspended():
        clear_population(audit=True)


def clear_population(audit: bool = False) -> None:
    """Delete demo rows in foreign-key order (tests, and databases that cannot simply be dropped).
    With `audit`, the audit rows go too; the caller must have suspended the append-only triggers."""
    tables = [
        User.groups.through._meta.db_table,
        User.user_permissions.through._meta.db_table,
        "django_admin_log",
        *(m._meta.db_table for m in DEMO_MODELS),
    ]
    if audit:
        tables.insert(0, AuditEntry._meta.db_table)
    existing = set(connection.introspection.table_names())
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cur:
        for table in tables:
            if table in existing:
                cur.execute(f"DELETE FROM {qn(table)}")


def persons_digest() -> str:
    """SHA-256 of the persons table's content (ids and row order aside): equal builds, equal digest."""
    h = hashlib.sha256()
    fields = (
        "national_code",
        "insurance_number",
        "first_name",
        "last_name",
        "father_name",
        "birth_date",
        "sex",
        "nationality",
        "id_card_number",
        "mobile",
        "death_date",
        "branch__code",
        "registered_at",
    )
    for row in Person.objects.order_by("national_code").values_list(*fields).iterator(chunk_size=5000):
        h.update(repr(row).encode())
        h.update(b"\n")
    return h.hexdigest()
