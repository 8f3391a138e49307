"""Who on a wage list is exempt from the 3 % unemployment premium, and why: the law in one place.

The Unemployment Insurance Law (UIL, 1369/06/26) Art. 1 covers the insured who are subject to the
Labour Law; its Tabsareh excludes pensioners and the totally disabled, the self-employed and the
voluntarily insured, and foreign nationals; Labour Law Art. 188 puts family workshops outside the
Labour Law. Which of these groups is exempt on a date is in `rules/parameters/unemployment.yaml`
(one 0/1 switch per group), so a change of law is a new dated value there. This module finds the
groups among the rows of one or many lists from the registry:

- foreign: the list's DSW_NAT is not Iranian (blank is Iranian), or the registry's nationality is
  not IR;
- pensioner: an active retirement award that started by the list's month; or, for a person with no
  retirement or disability award on record (legacy data), the registry's `is_pensioner` flag. The
  flag alone is not enough where awards exist, because approving a partial-disability award sets it
  too, and a partial-disability pensioner is not "totally disabled": he stays covered;
- disabled: an active disability award, not pro rata (pro rata = partial disability, SSL Art. 70),
  started by the list's month;
- employer: the natural-person employer on his own workshop's list;
- employer_relative: the employer's spouse, parent or child (a FamilyRelation in either direction
  in force on any day of the month), where the workshop-month is a family workshop (every row is the
  employer or such a relative) — or on any list when `unemployment.exempt.employer_relatives` is 1.

"Family workshop" is judged on the rows of one list (or of one workshop and month): pass whole lists.
A row gets the first reason that applies, in REASONS order. Four queries per call whatever the size
(the id lists travel as one array parameter), no query per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import connection

from tamin.contributions.pricing import IRANIAN, ParameterUse
from tamin.contributions.wagelist import WageList
from tamin.core.errors import DomainError
from tamin.core.jalali import JalaliMonth
from tamin.core.text import normalize
from tamin.rules.params import ParameterError, ParameterSet, default_parameters

REASONS = ("foreign", "pensioner", "disabled", "employer", "employer_relative")
# The switch that decides each reason (the family-workshop rule also exempts the employer himself).
SWITCHES = {
    "foreign": "unemployment.exempt.foreign_nationals",
    "pensioner": "unemployment.exempt.pensioners",
    "disabled": "unemployment.exempt.totally_disabled",
    "employer": "unemployment.exempt.employer",
    "employer_relative": "unemployment.exempt.employer_relatives",
}
FAMILY_WORKSHOP = "unemployment.exempt.family_workshop"
BASIS = {
    "foreign": "UIL Art. 1 Tabsareh item 3",
    "pensioner": "UIL Art. 1 Tabsareh item 1",
    "disabled": "UIL Art. 1 Tabsareh item 1 (total disability only)",
    "employer": "UIL Art. 1 with Labour Law Arts. 2 and 188",
    "employer_relative": "UIL Art. 1 with Labour Law Art. 188",
}
REGISTRY_IRANIAN = "IR"
COVERED = -1  # reason code of a row that pays the premium
_FIRST_DEGREE = ("spouse", "child", "parent")  # RelationKind values; Labour Law Art. 188


@dataclass(frozen=True)
class Exemption:
    """Per row: exempt or not, and why (`reason`: index into REASONS, COVERED where liable)."""

    mask: np.ndarray
    reason: np.ndarray
    parameters: tuple[ParameterUse, ...]
    # Months before the law (no switch in force): their rows are left covered, and pricing them fails
    # on contribution.rate.unemployment, which starts the same day, so the list's check reports it.
    months_without_rules: tuple[JalaliMonth, ...] = ()

    @property
    def reasons(self) -> np.ndarray:
        """The reason's name per row; "" where the row pays the premium."""
        names = np.array([*REASONS, ""])
        return names[self.reason]  # COVERED (-1) picks the last name, ""

    def counts(self) -> dict[str, int]:
        """Rows per reason, every reason present (0 when none)."""
        found = np.bincount(self.reason[self.mask], minlength=len(REASONS))
        return {name: int(k) for name, k in zip(REASONS, found, strict=True)}

    def describe(self) -> tuple[str, ...]:
        """One line per reason that applied, for a price's derivation (`Derivation.exemptions`)."""
        return tuple(
            f"unemployment exempt as {name}: {k} rows — {BASIS[name]} ({SWITCHES[name]}"
            + (f", {FAMILY_WORKSHOP})" if name in ("employer", "employer_relative") else ")")
            for name, k in self.counts().items()
            if k
        )

    def part(self, start: int, stop: int) -> Exemption:
        """The rows start:stop, e.g. one list of a batch; parameters are those of the whole call."""
        return Exemption(
            self.mask[start:stop], self.reason[start:stop], self.parameters, self.months_without_rules
        )


def of_list(wl: WageList, workshop_id: int | None, person_ids: np.ndarray) -> Exemption:
    """`unemployment_exempt` for the rows of one list (its month, its workshop): what the import and the
    portal's upload and form use, so a list is priced the same whichever way it comes."""
    n = wl.n
    try:
        first = np.datetime64(wl.month.first_day(), "D")
    except DomainError:  # no valid month: the check reports it, and no row is exempt by the registry
        first = np.datetime64("NaT", "D")
    return unemployment_exempt(
        np.full(n, workshop_id or 0, dtype=np.int64),
        np.asarray(person_ids, dtype=np.int64),
        np.full(n, first, dtype="datetime64[D]"),
        listed_nationality=wl.column("DSW_NAT"),
    )


def unemployment_exempt(
    workshop_ids: np.ndarray,
    person_ids: np.ndarray,
    on: JalaliMonth | dt.date | np.ndarray,
    *,
    listed_nationality: np.ndarray | None = None,
    lists: np.ndarray | None = None,
    params: ParameterSet | None = None,
) -> Exemption:
    """The rows exempt from the unemployment premium, with the reason for each.

    workshop_ids, person_ids: int per row; 0 = not (yet) in the registry (only the listed
    nationality can then exempt the row). on: the list's month for every row, or a date per row
    (datetime64 or date; each row's Jalali month is the month of its date; NaT = no valid month,
    the row stays covered and the list's check reports the month). listed_nationality: DSW_NAT.
    lists: a list number per row (e.g. its position in a batch); the family-workshop rule is judged
    on each list's rows, so a batch decides as importing its lists one by one would. Without it, the
    rows of one workshop and month are judged together.
    Rows of a month before the law (no switch in force) stay covered: see months_without_rules.
    Raises ParameterError if a switch is not defined or is neither 0 nor 1.
    """
    persons = np.asarray(person_ids, dtype=np.int64).reshape(-1)
    workshops = np.asarray(workshop_ids, dtype=np.int64).reshape(-1)
    n = persons.size
    if workshops.shape != (n,):
        raise ValueError(f"workshop_ids must have the {n} rows of person_ids, got shape {workshops.shape}")
    p = default_parameters() if params is None else params
    month, valid = _month_index(on, n)
    reason = np.full(n, COVERED, dtype=np.int64)
    months, inverse = np.unique(month[valid], return_inverse=True)
    if months.size == 0:  # no rows, or none with a month: nothing to look up
        return Exemption(np.zeros(n, dtype=bool), reason, (), ())
    at = np.zeros(n, dtype=np.int64)  # each row's position in `months` (meaningless where not valid)
    at[valid] = inverse.reshape(-1)
    used: dict[tuple[str, dt.date], ParameterUse] = {}
    on_month: dict[str, np.ndarray] = {}
    ruled = np.ones(months.size, dtype=bool)
    for name in (*SWITCHES.values(), FAMILY_WORKSHOP):
        parameter = p.parameter(name)  # an unknown name is a broken install: raise
        on_month[name] = np.zeros(months.size, dtype=bool)
        for k, m in enumerate(months.tolist()):
            try:
                entry = parameter.entry(JalaliMonth.from_index(m).first_day())
            except ParameterError:
                ruled[k] = False  # before the law: contribution.rate.unemployment has no value either
                continue
            if entry.value not in (0, 1):
                raise ParameterError(
                    "parameter.switch", f"پارامتر {name} باید ۰ یا ۱ باشد، نه {entry.value}.", name
                )
            on_month[name][k] = entry.value == 1
            used.setdefault((name, entry.start), ParameterUse.of(name, entry))
    without = tuple(JalaliMonth.from_index(m) for m in months[~ruled].tolist())
    valid &= ruled[at]
    switch = {name: valid & on[at] for name, on in on_month.items()}
    first = np.array([JalaliMonth.from_index(m).first_day() for m in months.tolist()], dtype="datetime64[D]")
    last = np.array([JalaliMonth.from_index(m).last_day() for m in months.tolist()], dtype="datetime64[D]")
    row_first = np.where(valid, first[at], np.datetime64("NaT"))
    row_last = np.where(valid, last[at], np.datetime64("NaT"))

    facts = _facts(workshops, persons, month, valid, row_first, row_last, listed_nationality)
    if lists is None:
        span = int(month.max()) + 1
        group = workshops * span + month
    else:
        group = np.asarray(lists, dtype=np.int64).reshape(-1)
        if group.shape != (n,):
            raise ValueError(f"lists must have one value per row ({n}), got shape {group.shape}")
    in_family_workshop = _family_workshop(group, workshops, valid, facts["employer"] | facts["relative"])
    family = switch[FAMILY_WORKSHOP] & in_family_workshop
    found = {
        "foreign": facts["foreign"] & switch[SWITCHES["foreign"]],
        "pensioner": facts["pensioner"] & switch[SWITCHES["pensioner"]],
        "disabled": facts["disabled"] & switch[SWITCHES["disabled"]],
        "employer": facts["employer"] & (switch[SWITCHES["employer"]] | family),
        "employer_relative": facts["relative"] & (switch[SWITCHES["employer_relative"]] | family),
    }
    for code in reversed(range(len(REASONS))):  # the first reason in REASONS order wins
        reason[found[REASONS[code]] & valid] = code
    return Exemption(reason != COVERED, reason, tuple(used.values()), without)


# --- inputs --------------------------------------------------------------------------------------------


def _month_index(on: JalaliMonth | dt.date | np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(Jalali month index per row, valid mask)."""
    if isinstance(on, JalaliMonth):
        return np.full(n, on.index, dtype=np.int64), np.ones(n, dtype=bool)
    if isinstance(on, dt.date):
        return np.full(n, JalaliMonth.of(on).index, dtype=np.int64), np.ones(n, dtype=bool)
    arr = np.asarray(on)
    if arr.dtype.kind in "USiuf":
        raise TypeError(f"on must be a JalaliMonth, a date or dates (datetime64), got dtype {arr.dtype}")
    days = arr.astype("datetime64[D]").reshape(-1)
    if days.shape != (n,):
        raise ValueError(f"on must give one date per row ({n}), got shape {days.shape}")
    valid = ~np.isnat(days)
    month = np.zeros(n, dtype=np.int64)
    distinct, inverse = np.unique(days[valid], return_inverse=True)
    # One calendar conversion per distinct day, not per row.
    month[valid] = np.array([JalaliMonth.of(d).index for d in distinct.tolist()], dtype=np.int64)[inverse]
    return month, valid


def _listed_foreign(listed: np.ndarray | None, n: int) -> np.ndarray:
    if listed is None:
        return np.zeros(n, dtype=bool)
    values, inverse = np.unique(np.asarray(listed, dtype=str).reshape(-1), return_inverse=True)
    if inverse.size != n:
        raise ValueError(f"listed_nationality must have one value per row ({n}), got {inverse.size}")
    # Blank is Iranian in the real files; one normalisation per distinct spelling.
    foreign = np.array([normalize(v).strip() not in ("", IRANIAN) for v in values.tolist()], dtype=bool)
    return foreign[inverse] if values.size else np.zeros(0, dtype=bool)


# --- the registry's facts --------------------------------------------------------------------------------


def _any_of(column: str, ids: list[int]) -> tuple[str, list[object]]:
    """`column` is one of `ids` (Python ints), as one SQL parameter however many there are."""
    if not ids:
        return "1 = 0", []
    text = ",".join(map(str, ids))
    # One text parameter parsed by the server: adapting 65,000 ints one by one costs more than the query.
    if connection.vendor == "postgresql":
        return f"{column} = ANY(CAST(%s AS bigint[]))", ["{" + text + "}"]
    # SQLite: a JSON array unpacked by json_each; no bound-parameter limit, so no chunking.
    return f"{column} IN (SELECT value FROM json_each(%s))", ["[" + text + "]"]


def _table(model_label: str) -> str:
    from django.apps import apps

    return connection.ops.quote_name(apps.get_model(model_label)._meta.db_table)


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray, missing: object) -> np.ndarray:
    """values[k] where keys[k] == wanted (keys sorted and unique), `missing` elsewhere."""
    if keys.size == 0:
        return np.full(wanted.shape, missing, dtype=values.dtype)
    at = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
    return np.where(keys[at] == wanted, values[at], missing)


def _facts(
    workshops: np.ndarray,
    persons: np.ndarray,
    month: np.ndarray,
    valid: np.ndarray,
    row_first: np.ndarray,
    row_last: np.ndarray,
    listed_nationality: np.ndarray | None,
) -> dict[str, np.ndarray]:
    n = persons.size
    known = persons > 0
    person_ids = np.unique(persons[known]).tolist()
    with connection.cursor() as cur:
        # Persons: only those the registry marks foreign or pensioner come back.
        where, args = _any_of("id", person_ids)
        cur.execute(
            f"SELECT id, is_pensioner, nationality FROM {_table('registry.Person')} "
            f"WHERE {where} AND (is_pensioner = %s OR nationality <> %s) ORDER BY id",
            [*args, True, REGISTRY_IRANIAN],
        )
        rows = cur.fetchall()
        marked = np.array([r[0] for r in rows], dtype=np.int64)
        flagged = _lookup(marked, np.array([bool(r[1]) for r in rows], dtype=bool), persons, False)
        registry_foreign = _lookup(
            marked, np.array([r[2] != REGISTRY_IRANIAN for r in rows], dtype=bool), persons, False
        )

        # Retirement and disability awards, any status: an award on record overrides the bare flag.
        where, args = _any_of("person_id", person_ids)
        cur.execute(
            f"SELECT person_id, kind, pro_rata, status, start_year, start_month "
            f"FROM {_table('benefits.PensionAward')} WHERE {where} AND kind IN (%s, %s)",
            [*args, "retirement", "disability"],
        )
        awards = cur.fetchall()

        # The natural-person employer of each workshop.
        where, args = _any_of("w.id", np.unique(workshops[workshops > 0]).tolist())
        cur.execute(
            f"SELECT w.id, e.person_id FROM {_table('registry.Workshop')} w "
            f"JOIN {_table('registry.Employer')} e ON e.id = w.employer_id "
            f"WHERE {where} AND e.kind = %s AND e.person_id IS NOT NULL ORDER BY w.id",
            [*args, "natural"],
        )
        owners = cur.fetchall()
        owner = _lookup(
            np.array([r[0] for r in owners], dtype=np.int64),
            np.array([r[1] for r in owners], dtype=np.int64),
            workshops,
            0,
        )

        # The employers' first-degree relations in force at some time in the months asked about.
        relations: list[tuple[int, int, object, object]] = []
        employers = np.unique(owner[owner > 0]).tolist()
        if employers and valid.any():
            a_sql, a_args = _any_of("person_id", employers)
            b_sql, b_args = _any_of("relative_id", employers)
            window = [row_last[valid].max().item(), row_first[valid].min().item()]
            cur.execute(
                f"SELECT person_id, relative_id, valid_from, valid_to "
                f"FROM {_table('registry.FamilyRelation')} WHERE ({a_sql} OR {b_sql}) "
                f"AND kind IN (%s, %s, %s) AND valid_from <= %s AND (valid_to IS NULL OR valid_to >= %s)",
                [*a_args, *b_args, *_FIRST_DEGREE, *window],
            )
            relations = cur.fetchall()

    retired, disabled = _awards(awards, persons, month)
    has_award = np.isin(persons, np.array([a[0] for a in awards], dtype=np.int64))
    employer = known & (owner > 0) & (persons == owner)
    relative = known & (owner > 0) & ~employer
    relative &= _related(relations, set(employers), owner, persons, row_first, row_last)
    return {
        "foreign": _listed_foreign(listed_nationality, n) | registry_foreign,
        "pensioner": retired | (flagged & ~has_award),
        "disabled": disabled,
        "employer": employer,
        "relative": relative,
    }


def _awards(awards: list[tuple], persons: np.ndarray, month: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(retired, totally disabled) per row: an active award of that kind started by the row's month."""
    never = np.iinfo(np.int64).max
    since: dict[str, dict[int, int]] = {"retired": {}, "disabled": {}}
    for person, kind, pro_rata, status, year, mon in awards:
        if status != "active":
            continue  # stopped: when it stopped is not recorded, so it does not exempt any month
        if kind == "retirement":
            group = since["retired"]
        elif not pro_rata:
            group = since["disabled"]
        else:
            continue  # partial disability: covered
        start = JalaliMonth(int(year), int(mon)).index
        group[int(person)] = min(start, group.get(int(person), never))
    out = []
    for group in since.values():
        keys = np.array(sorted(group), dtype=np.int64)
        starts = np.array([group[k] for k in keys.tolist()], dtype=np.int64)
        out.append(month >= _lookup(keys, starts, persons, never))
    return out[0], out[1]


def _related(
    relations: list[tuple[int, int, object, object]],
    employers: set[int],
    owner: np.ndarray,
    persons: np.ndarray,
    row_first: np.ndarray,
    row_last: np.ndarray,
) -> np.ndarray:
    """Rows whose person is the workshop employer's spouse, parent or child on a day of the month.

    FamilyRelation says `relative` is the `kind` of `person`; every kind here is first degree both
    ways (my child's parent is me), so either end being the employer makes the other his relative.
    """
    n = persons.size
    if not relations:
        return np.zeros(n, dtype=bool)
    pairs: list[tuple[int, int, object, object]] = []
    for person, rel, start, end in relations:
        if person in employers:
            pairs.append((person, rel, start, end))
        if rel in employers:
            pairs.append((rel, person, start, end))
    scale = int(max(persons.max(), max(max(p[0], p[1]) for p in pairs))) + 1
    key = np.array([p[0] * scale + p[1] for p in pairs], dtype=np.int64)
    order = np.argsort(key, kind="stable")
    key = key[order]
    start = np.array([pairs[i][2] for i in order.tolist()], dtype="datetime64[D]")
    end = np.array(
        [pairs[i][3] if pairs[i][3] is not None else "9999-12-31" for i in order.tolist()],
        dtype="datetime64[D]",
    )
    row_key = owner * scale + persons
    lo = np.searchsorted(key, row_key, side="left")
    hi = np.searchsorted(key, row_key, side="right")
    out = np.zeros(n, dtype=bool)
    # A pair has few intervals (a marriage, a divorce, a remarriage): loop over their number, not rows.
    for j in range(int((hi - lo).max())):
        i = lo + j
        has = i < hi
        k = np.minimum(i, key.size - 1)
        out |= has & (start[k] <= row_last) & (end[k] >= row_first)  # NaT compares False
    return out


def _family_workshop(
    group: np.ndarray, workshops: np.ndarray, valid: np.ndarray, family: np.ndarray
) -> np.ndarray:
    """Rows of a group (one list) whose every row is the employer or his first-degree relative."""
    _, at = np.unique(group, return_inverse=True)
    at = at.reshape(-1)
    outsiders = np.bincount(at, weights=(~family | ~valid).astype(np.int64))
    return (workshops > 0) & (outsiders[at] == 0)
