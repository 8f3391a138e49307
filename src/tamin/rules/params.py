"""Legislation as data: the value of a legal parameter on a date, from dated YAML files with sources.

File format (src/tamin/rules/parameters/*.yaml), one mapping of parameter name to::

    contribution.rate.insured:
      description: Insured person's share of the wage subject to contribution (SSL Art. 28)
      unit: percent                 # one of UNITS
      note: optional, about the parameter as a whole
      values:
        - from: 1355/01/01          # Jalali, inclusive
          until: 1391/12/30         # optional inclusive end; without it a value runs to the next `from`
          value: 7
          source: "SSL Art. 28 Tabsareh 1 — https://…"
          confidence: legal         # legal | secondary | unverified
          note: optional free text  # required in practice for `unverified`: say what is missing

Numbers are exact. Write them unquoted: an integer (underscores allowed, 5_541_850) is an int; a
decimal (7.5) is read from its text straight into a Decimal, never through a float. A decimal with
an integral value (7.0) is stored as the int 7. Quoted numbers, octal-looking 07, .inf and .nan are
refused. Every refusal is a ParameterError naming the file, the parameter and the entry.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from tamin.core.errors import DomainError, Problem, ProblemList
from tamin.core.jalali import InvalidJalaliDate, JalaliMonth, format_jalali, parse_jalali_date

PARAMETER_DIR = Path(__file__).parent / "parameters"
UNITS = frozenset(
    {"rial", "rial_per_day", "percent", "per_mille_per_day", "ratio", "days", "months", "years", "count",
     "multiplier", "flag"}
)  # fmt: skip  # flag: a dated switch, 1 (the rule applies) or 0
CONFIDENCE = ("legal", "secondary", "unverified")

Number = int | Decimal
DateLike = dt.date | JalaliMonth | str

_NAME = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*")
_PARAMETER_KEYS = {"description", "unit", "values", "note"}
_ENTRY_KEYS = {"from", "until", "value", "source", "confidence", "note"}
_OPEN_END = np.datetime64("9999-12-31", "D")
_INT64_MAX = 2**63 - 1


class ParameterError(DomainError):
    """A parameter file that cannot be trusted, or a question the parameters cannot answer."""


@dataclass(frozen=True)
class Entry:
    """One dated value with its legal source: what a derivation cites."""

    value: Number
    start: dt.date
    until: dt.date | None  # the inclusive end written in the file, if any
    end: dt.date | None  # the last day in force (until, or the day before the next value); None = open
    source: str
    confidence: str
    note: str | None = None

    @property
    def start_jalali(self) -> str:
        return format_jalali(self.start)

    @property
    def end_jalali(self) -> str:
        return format_jalali(self.end)

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    entries: tuple[Entry, ...]  # sorted by start, non-overlapping
    file: str
    note: str | None = None
    _starts: list[dt.date] = field(init=False, repr=False, compare=False)
    _start64: np.ndarray = field(init=False, repr=False, compare=False)
    _end64: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Lookup tables built once: bisect for one date, searchsorted for millions.
        starts = [e.start for e in self.entries]
        ends = [np.datetime64(e.end, "D") if e.end else _OPEN_END for e in self.entries]
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_start64", np.array(starts, dtype="datetime64[D]"))
        object.__setattr__(self, "_end64", np.array(ends, dtype="datetime64[D]"))

    @property
    def is_integer(self) -> bool:
        return all(isinstance(e.value, int) for e in self.entries)

    def entry(self, day: dt.date) -> Entry:
        i = bisect.bisect_right(self._starts, day) - 1
        if i < 0 or not self.entries[i].covers(day):
            raise _no_value(self.name, day)
        return self.entries[i]

    def indexes(self, dates: np.ndarray) -> np.ndarray:
        """Index of the entry in force on each date; ParameterError on the first date without one."""
        days = _as_days(dates)
        idx = np.searchsorted(self._start64, days, side="right") - 1
        ok = (idx >= 0) & (days <= self._end64[np.maximum(idx, 0)])  # NaT compares False
        if not ok.all():
            bad = days.reshape(-1)[np.argmax(~ok.reshape(-1))]
            raise _no_value(self.name, None if np.isnat(bad) else bad.item())
        return idx


def _no_value(name: str, day: dt.date | None) -> ParameterError:
    when = format_jalali(day) if day else "(تاریخ خالی)"
    return ParameterError("parameter.no_value", f"پارامتر {name} در تاریخ {when} مقداری ندارد.", name)


def _as_days(dates: np.ndarray) -> np.ndarray:
    arr = np.asarray(dates)
    if arr.dtype.kind in "USiuf":
        # Strings could be Jalali or Gregorian and integers have no unit: refuse rather than guess.
        raise TypeError(f"dates must be datetime64 or date objects, got dtype {arr.dtype}")
    return arr.astype("datetime64[D]")


def _as_day(on: DateLike) -> dt.date:
    if isinstance(on, JalaliMonth):
        return on.first_day()
    if isinstance(on, dt.datetime):
        return on.date()
    if isinstance(on, dt.date):
        return on
    if isinstance(on, str):
        return parse_jalali_date(on, field="on")
    raise TypeError(f"expected a date, JalaliMonth or Jalali string, got {type(on).__name__}")


class ParameterSet:
    """All parameters loaded from one directory."""

    def __init__(self, parameters: Mapping[str, Parameter]) -> None:
        self._parameters = dict(parameters)

    def names(self) -> list[str]:
        return sorted(self._parameters)

    def __contains__(self, name: object) -> bool:
        return name in self._parameters

    def parameter(self, name: str) -> Parameter:
        try:
            return self._parameters[name]
        except KeyError:
            raise ParameterError(
                "parameter.unknown", f"پارامتری به نام {name} تعریف نشده است.", name
            ) from None

    def entry(self, name: str, on: DateLike) -> Entry:
        return self.parameter(name).entry(_as_day(on))

    def value(self, name: str, on: DateLike) -> Number:
        return self.entry(name, on).value

    def vector(self, name: str, dates: np.ndarray) -> np.ndarray:
        """int64 values on each date (same shape). Integer parameters only: see vector_scaled."""
        p = self.parameter(name)
        if not p.is_integer:
            raise TypeError(f"{name} has non-integer values; use vector_scaled() for exact arithmetic")
        values = np.array([e.value for e in p.entries], dtype=np.int64)
        return values[p.indexes(dates)]

    def vector_scaled(self, name: str, dates: np.ndarray) -> tuple[np.ndarray, int]:
        """(numerators, denominator): value = numerator / denominator exactly, one denominator for all."""
        p = self.parameter(name)
        fractions = [Fraction(e.value) for e in p.entries]
        denominator = math.lcm(*(f.denominator for f in fractions))
        numerators = [int(f * denominator) for f in fractions]
        if max(abs(n) for n in numerators) > _INT64_MAX:
            raise OverflowError(f"{name} scaled by {denominator} does not fit in int64")
        return np.array(numerators, dtype=np.int64)[p.indexes(dates)], denominator


# --- loading ---------------------------------------------------------------------------------------


class _BadNumber(str):
    """A YAML number that cannot be read exactly; reported with its context during validation."""


class _Loader(yaml.SafeLoader):
    """SafeLoader with exact numbers and no silently overwritten duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                break  # SafeLoader's own check below reports unhashable keys
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int | _BadNumber:
    text = str(loader.construct_scalar(node)).replace("_", "")
    # YAML 1.1 would read 010 as octal 8 and 1:30 as 90; only plain decimal integers are accepted.
    return int(text) if re.fullmatch(r"[-+]?(?:0|[1-9]\d*)", text) else _BadNumber(node.value)


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> Decimal | _BadNumber:
    text = str(loader.construct_scalar(node)).replace("_", "")
    if re.fullmatch(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", text):
        return Decimal(text)
    return _BadNumber(node.value)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _read_value(raw: object) -> Number | str:
    """The exact number, or a Persian explanation of why it is not one."""
    if isinstance(raw, _BadNumber):
        return f"«{raw}» عدد دقیق نیست (هشت‌هشتی، بی‌نهایت یا نامعتبر)"
    if isinstance(raw, str):
        return f"«{raw}» متن است نه عدد؛ عددها را بدون گیومه بنویسید"
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal):
        return f"«{raw}» عدد نیست"
    if isinstance(raw, Decimal) and raw == raw.to_integral_value():
        return int(raw)
    return raw


class _FileReader:
    """Validates one file, collecting every problem so an editor sees them all at once."""

    def __init__(self, path: Path, problems: ProblemList) -> None:
        self.path = path
        self.file = path.name
        self.problems = problems

    def problem(self, code: str, where: str, what: str, name: str | None = None) -> None:
        self.problems.add(code, f"{self.file}: {where}: {what}", name, self.file)

    def read(self) -> list[Parameter]:
        try:
            data = yaml.load(self.path.read_text(encoding="utf-8"), Loader=_Loader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            self.problem("parameter.file", "خواندن فایل", str(exc))
            return []
        if not isinstance(data, dict):
            self.problem("parameter.file", "ساختار", "فایل باید نگاشتی از نام پارامتر به تعریف آن باشد")
            return []
        found = (self.parameter(name, body) for name, body in data.items())
        return [p for p in found if p is not None]

    def parameter(self, name: object, body: object) -> Parameter | None:
        where = f"{name}"
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            self.problem("parameter.format", where, "نام پارامتر باید مانند contribution.rate.insured باشد")
            return None
        if not isinstance(body, dict):
            self.problem("parameter.format", where, "تعریف پارامتر باید نگاشت باشد", name)
            return None
        ok = True
        if unknown := set(body) - _PARAMETER_KEYS:
            self.problem("parameter.format", where, f"کلیدهای ناشناخته {sorted(map(str, unknown))}", name)
            ok = False
        description, unit, values = body.get("description"), body.get("unit"), body.get("values")
        if not isinstance(description, str) or not description.strip():
            self.problem("parameter.description", where, "شرح (description) ندارد", name)
            ok = False
        if not isinstance(unit, str) or unit not in UNITS:
            what = "واحد (unit) ندارد" if unit is None else f"واحد «{unit}» پذیرفته نیست"
            self.problem("parameter.unit", where, f"{what}؛ یکی از {sorted(UNITS)}", name)
            ok = False
        if not isinstance(values, list) or not values:
            self.problem("parameter.format", where, "فهرست مقادیر (values) ندارد", name)
            return None
        entries = [self.entry(name, i, raw) for i, raw in enumerate(values, 1)]
        if not ok or any(e is None for e in entries):
            return None
        if unit == "flag" and (bad := [e for e in entries if e is not None and e.value not in (0, 1)]):
            self.problem("parameter.flag", where, f"یک کلید (flag) فقط ۰ یا ۱ است، نه {bad[0].value}", name)
            return None
        dated = self.periods(name, [e for e in entries if e is not None])
        if dated is None:
            return None
        note = body.get("note")
        return Parameter(name, str(description), str(unit), dated, self.file, str(note) if note else None)

    def entry(self, name: str, i: int, raw: object) -> Entry | None:
        if not isinstance(raw, dict):
            self.problem("parameter.format", f"{name}، ردیف {i}", "هر مقدار باید نگاشت باشد", name)
            return None
        where = f"{name}، ردیف {i} (از {raw.get('from')})"
        before = len(self.problems.problems)
        if unknown := set(raw) - _ENTRY_KEYS:
            self.problem("parameter.format", where, f"کلیدهای ناشناخته {sorted(map(str, unknown))}", name)
        start = self.date(name, where, raw.get("from"), "from", required=True)
        until = self.date(name, where, raw.get("until"), "until", required=False)
        if "value" not in raw:
            self.problem("parameter.number", where, "مقدار (value) ندارد", name)
        value = _read_value(raw.get("value"))
        if isinstance(value, str) and "value" in raw:
            self.problem("parameter.number", where, value, name)
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            self.problem(
                "parameter.source", where, "منبع (source) ندارد؛ هر مقدار باید منبع داشته باشد", name
            )
        confidence = raw.get("confidence")
        if confidence not in CONFIDENCE:
            self.problem("parameter.confidence", where, f"اعتبار باید یکی از {list(CONFIDENCE)} باشد", name)
        if start and until and until < start:
            self.problem("parameter.date", where, "تاریخ پایان (until) پیش از تاریخ شروع است", name)
        if len(self.problems.problems) > before or start is None or isinstance(value, str):
            return None
        note = raw.get("note")
        return Entry(
            value, start, until, until, str(source).strip(), str(confidence), str(note) if note else None
        )

    def date(self, name: str, where: str, raw: object, key: str, required: bool) -> dt.date | None:
        if raw is None:
            if required:
                self.problem("parameter.date", where, f"تاریخ {key} ندارد", name)
            return None
        if not isinstance(raw, str):
            # An unquoted 2020-01-01 arrives as a Gregorian date object; Jalali is what the law says.
            self.problem(
                "parameter.date", where, f"{key}: «{raw}» باید تاریخ شمسی مانند 1404/01/01 باشد", name
            )
            return None
        try:
            return parse_jalali_date(raw, field=key)
        except InvalidJalaliDate as exc:
            self.problem("parameter.date", where, f"{key}: {exc.message}", name)
            return None

    def periods(self, name: str, entries: list[Entry]) -> tuple[Entry, ...] | None:
        """Sorts the entries, refuses overlaps, and fills in each one's effective end."""
        entries.sort(key=lambda e: e.start)
        out: list[Entry] = []
        for here, after in zip(entries, [*entries[1:], None], strict=True):
            end = here.until
            if after is not None:
                if after.start == here.start or (here.until is not None and here.until >= after.start):
                    self.problem(
                        "parameter.overlap",
                        f"{name}، مقدار از {here.start_jalali}",
                        f"با مقدار از {after.start_jalali} هم‌پوشانی دارد",
                        name,
                    )
                    return None
                end = here.until or after.start - dt.timedelta(days=1)
            out.append(
                Entry(here.value, here.start, here.until, end, here.source, here.confidence, here.note)
            )
        return tuple(out)


def load_parameters(directory: Path | None = None) -> ParameterSet:
    """Every *.yaml in `directory` (default: the package's parameters/), validated as a whole."""
    directory = PARAMETER_DIR if directory is None else Path(directory)
    problems = ProblemList()
    if not directory.is_dir():
        problems.add("parameter.file", f"پوشه پارامترها پیدا نشد: {directory}")
    found: dict[str, Parameter] = {}
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        for p in _FileReader(path, problems).read():
            if p.name in found:
                problems.problems.append(
                    Problem(
                        "parameter.duplicate",
                        f"{p.file}: {p.name}: پیش‌تر در {found[p.name].file} تعریف شده است",
                        p.name,
                        p.file,
                    )
                )
            found[p.name] = p
    problems.raise_if_any(ParameterError)
    return ParameterSet(found)


# --- the parameters shipped with Tamin, loaded on first use ------------------------------------------

PARAMETERS: ParameterSet  # provided lazily by __getattr__ below


@cache
def default_parameters() -> ParameterSet:
    return load_parameters()


def __getattr__(name: str) -> Any:
    if name == "PARAMETERS":
        return default_parameters()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def value(name: str, on: DateLike) -> Number:
    return default_parameters().value(name, on)


def entry(name: str, on: DateLike) -> Entry:
    return default_parameters().entry(name, on)


def vector(name: str, dates: np.ndarray) -> np.ndarray:
    return default_parameters().vector(name, dates)


def vector_scaled(name: str, dates: np.ndarray) -> tuple[np.ndarray, int]:
    return default_parameters().vector_scaled(name, dates)
