"""`tamin calc pension --input CASE.json` and `tamin calc benefit --input CASE.json`: stateless calculators.

A case is JSON (issue #4):
    {"kind": "retirement" | "disability" | "survivors", "sex": "male" | "female",
     "birth_date": "1345/05/10", "application_date": "1404/07/01",
     "history": [{"month": "1403-12", "days": 30, "wage": 123456789, "hard_job": false}, …], …}
disability adds "event_date", "disability_percent", "work_related", "dependants";
survivors adds "death_date", "work_related", "deceased_pension" (when the deceased was a pensioner) and
"survivors": [{"relation": "spouse" | "child" | "father" | "mother", "birth_date", "studying", "disabled",
"dependent", "remarried", "receives_sso_pension"}].
`benefit` kinds: "sickness" ("start_date", "sick_days", "dependants", "hospitalised", "work_related"),
"maternity" ("child_birth_date", "multiple"), "marriage" ("marriage_date", "first_marriage"),
"funeral" ("death_date").

Prints one JSON object: eligible, case (or reasons), credited_days, credited_years, average_wage,
pension / amount (int Rials) and the derivation. Bad input: exit 2, each problem on stderr as
`field: message [code]`, fields named as JSON paths (history.3.month, 0-based like the API).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamin.core.errors import DomainError, ProblemList
from tamin.core.jalali import InvalidJalaliDate, parse_jalali_date

EXIT_BAD_INPUT = 2
PENSION_KINDS = ("retirement", "disability", "survivors")
BENEFIT_KINDS = ("sickness", "maternity", "marriage", "funeral")
RELATIONS = ("spouse", "child", "father", "mother")


class CaseReader:
    """Reads fields of a case, collecting every problem with its JSON path."""

    def __init__(self, data: Mapping[str, Any], problems: ProblemList) -> None:
        self.data = data
        self.problems = problems

    def date(
        self, key: str, *, required: bool = True, data: Mapping[str, Any] | None = None, prefix: str = ""
    ) -> dt.date | None:
        src = self.data if data is None else data
        raw = src.get(key)
        if raw is None:
            if required:
                self.problems.add("case.required", "این فیلد لازم است.", prefix + key)
            return None
        try:
            return (
                parse_jalali_date(raw, field=prefix + key)
                if isinstance(raw, str)
                else self._bad_date(prefix + key)
            )
        except InvalidJalaliDate as exc:
            self.problems.extend(exc)
            return None

    def _bad_date(self, field: str) -> None:
        self.problems.add("jalali.format", "تاریخ باید متن شمسی مانند 1404/07/01 باشد.", field)
        return None

    def boolean(
        self, key: str, default: bool = False, *, data: Mapping[str, Any] | None = None, prefix: str = ""
    ) -> bool:
        raw = (self.data if data is None else data).get(key, default)
        if not isinstance(raw, bool):
            self.problems.add("case.type", "باید true یا false باشد.", prefix + key)
            return default
        return raw

    def integer(
        self,
        key: str,
        *,
        low: int = 0,
        high: int | None = None,
        required: bool = True,
        data: Mapping[str, Any] | None = None,
        prefix: str = "",
    ) -> int | None:
        raw = (self.data if data is None else data).get(key)
        if raw is None:
            if required:
                self.problems.add("case.required", "این فیلد لازم است.", prefix + key)
            return None
        if (
            isinstance(raw, bool)
            or not isinstance(raw, int)
            or raw < low
            or (high is not None and raw > high)
        ):
            span = f"از {low}" + (f" تا {high}" if high is not None else " به بالا")
            self.problems.add("case.number", f"باید عدد صحیح {span} باشد.", prefix + key)
            return None
        return raw

    def choice(self, key: str, options: tuple[str, ...]) -> str | None:
        raw = self.data.get(key)
        if raw not in options:
            self.problems.add("case.choice", f"باید یکی از {', '.join(options)} باشد.", key)
            return None
        return str(raw)


def read_case(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DomainError("case.file", f"فایل پرونده خوانده نشد: {exc.strerror}", "input") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DomainError(
            "case.json", f"JSON نامعتبر است (سطر {exc.lineno}، ستون {exc.colno}).", "input"
        ) from None
    if not isinstance(data, dict):
        raise DomainError("case.type", "پرونده باید یک شیء JSON باشد.", "input")
    return data


def _history(data: Mapping[str, Any], problems: ProblemList, required: bool = True) -> Any:
    from tamin.rules.pensions import Histories

    if "history" not in data:
        if required:
            problems.add("case.required", "سابقه (history) لازم است.", "history")
        return None
    try:
        return Histories.from_records(data["history"])
    except DomainError as exc:
        problems.extend(exc)
        return None


def _check_after(problems: ProblemList, h: Any, on: dt.date | None, field: str) -> None:
    """Months after the decision date cannot count: name the first one."""
    from tamin.core.jalali import JalaliMonth

    if h is None or on is None:
        return
    last = JalaliMonth.of(on).index
    late = [i for i, m in enumerate(h.month.tolist()) if m > last]
    if late:
        problems.add(
            "case.history_after", f"ماه‌های سابقه پس از تاریخ {field} است.", f"history.{late[0]}.month"
        )


def pension(data: Mapping[str, Any]) -> dict[str, Any]:
    from tamin.rules import pensions as P

    problems = ProblemList()
    r = CaseReader(data, problems)
    kind = r.choice("kind", PENSION_KINDS)
    sex = r.choice("sex", ("male", "female"))
    birth = r.date("birth_date")
    on = r.date("application_date")
    h = _history(data, problems)
    if birth and on and birth >= on:
        problems.add("case.date_order", "تاریخ تولد باید پیش از تاریخ درخواست باشد.", "birth_date")
    extra: dict[str, Any] = {}
    if kind == "disability":
        extra["event_date"] = r.date("event_date", required=False) or on
        extra["percent"] = r.integer("disability_percent", high=100)
        extra["work_related"] = r.boolean("work_related")
        extra["dependants"] = r.boolean("dependants")
        _check_after(problems, h, extra["event_date"], "event_date")
    elif kind == "survivors":
        extra["death_date"] = r.date("death_date")
        extra["work_related"] = r.boolean("work_related")
        extra["deceased_pension"] = r.integer("deceased_pension", required=False)
        extra["survivors"] = _survivors(data, r, problems)
        _check_after(problems, h, extra["death_date"], "death_date")
    else:
        _check_after(problems, h, on, "application_date")
    problems.raise_if_any()
    assert birth and on and h is not None and kind  # narrowed by raise_if_any
    case = P.PersonCase(sex == "male", birth, on, h)
    if kind == "retirement":
        return P.retirement_explained(case)
    if kind == "disability":
        return P.disability_explained(case, **extra)
    return P.survivors_explained(case, **extra)


def _survivors(data: Mapping[str, Any], r: CaseReader, problems: ProblemList) -> list[Any]:
    from tamin.rules.pensions import Survivor

    raw = data.get("survivors")
    if not isinstance(raw, list):
        problems.add("case.required", "فهرست بازماندگان (survivors) لازم است.", "survivors")
        return []
    out = []
    for i, item in enumerate(raw):
        prefix = f"survivors.{i}."
        if not isinstance(item, dict) or item.get("relation") not in RELATIONS:
            problems.add(
                "case.choice", f"relation باید یکی از {', '.join(RELATIONS)} باشد.", prefix + "relation"
            )
            continue
        flags = {
            k: r.boolean(k, d, data=item, prefix=prefix)
            for k, d in (
                ("studying", False),
                ("disabled", False),
                ("dependent", True),
                ("remarried", False),
                ("receives_sso_pension", False),
            )
        }
        birth = r.date("birth_date", required=item["relation"] == "child", data=item, prefix=prefix)
        out.append(Survivor(item["relation"], birth, **flags))
    return out


def benefit(data: Mapping[str, Any]) -> dict[str, Any]:
    from tamin.rules import short_term as S

    problems = ProblemList()
    r = CaseReader(data, problems)
    kind = r.choice("kind", BENEFIT_KINDS)
    if kind == "funeral":
        death = r.date("death_date")
        problems.raise_if_any()
        assert death
        return S.funeral_explained(death)
    h = _history(data, problems)
    result: dict[str, Any]
    if kind == "sickness":
        start = r.date("start_date")
        days = r.integer("sick_days", low=1)
        dep, hosp, work = r.boolean("dependants"), r.boolean("hospitalised"), r.boolean("work_related")
        problems.raise_if_any()
        assert start and days
        result = S.sickness_explained(
            h, start=start, sick_days=days, dependants=dep, hospitalised=hosp, work_related=work
        )
    elif kind == "maternity":
        birth = r.date("child_birth_date")
        multiple = r.boolean("multiple")
        problems.raise_if_any()
        assert birth
        result = S.maternity_explained(h, birth=birth, multiple=multiple)
    else:
        marriage = r.date("marriage_date")
        first = r.boolean("first_marriage", True)
        problems.raise_if_any()
        assert marriage
        result = S.marriage_explained(h, marriage=marriage, first_marriage=first)
    return result


class Command(BaseCommand):
    help = (
        "Stateless calculators: a pension or a short-term benefit for one case, with its derivation (JSON)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        for name, text in (
            ("pension", "retirement, disability or survivors' pension"),
            ("benefit", "sickness, maternity, marriage or funeral benefit"),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("--input", required=True, help="the case as a JSON file")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            data = read_case(opts["input"])
            result = pension(data) if opts["what"] == "pension" else benefit(data)
        except DomainError as exc:
            lines = [f"{p.field or 'input'}: {p.message} [{p.code}]" for p in exc.problems]
            raise CommandError("\n".join(lines), returncode=EXIT_BAD_INPUT) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
