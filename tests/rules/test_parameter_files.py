"""The parameter files shipped with Tamin: every change tested on both sides, and the published figures."""

import datetime as dt
import re

import numpy as np
import pytest

from tamin.core.jalali import format_jalali
from tamin.rules.params import PARAMETER_DIR, Entry, ParameterError, load_parameters

SHIPPED = load_parameters()
ONE_DAY = dt.timedelta(days=1)


def boundaries() -> list[tuple[str, dt.date, object]]:
    """(parameter, date, expected) on both sides of every start and end, generated from the files.

    `expected` is a value, or ParameterError where no value is in force (before the first value,
    in a gap, after a final `until`).
    """
    cases: list[tuple[str, dt.date, object]] = []
    for name in SHIPPED.names():
        entries = SHIPPED.parameter(name).entries
        for i, e in enumerate(entries):
            before: Entry | None = entries[i - 1] if i else None
            after: Entry | None = entries[i + 1] if i + 1 < len(entries) else None
            cases.append((name, e.start, e.value))
            prior_covers = before is not None and before.end == e.start - ONE_DAY
            cases.append(
                (name, e.start - ONE_DAY, before.value if prior_covers and before else ParameterError)
            )
            if e.end is not None:
                cases.append((name, e.end, e.value))
                next_covers = after is not None and after.start == e.end + ONE_DAY
                cases.append(
                    (name, e.end + ONE_DAY, after.value if next_covers and after else ParameterError)
                )
    return cases


BOUNDARIES = boundaries()


@pytest.mark.parametrize(
    ("name", "day", "expected"), BOUNDARIES, ids=[f"{n}@{format_jalali(d)}" for n, d, _ in BOUNDARIES]
)
def test_every_change_on_both_sides(name: str, day: dt.date, expected: object) -> None:
    vector_day = np.array([day], dtype="datetime64[D]")
    if expected is ParameterError:
        with pytest.raises(ParameterError):
            SHIPPED.value(name, day)
        with pytest.raises(ParameterError):
            SHIPPED.vector_scaled(name, vector_day)
    else:
        assert SHIPPED.value(name, day) == expected
        assert SHIPPED.value(name, format_jalali(day)) == expected
        if SHIPPED.parameter(name).is_integer:
            assert SHIPPED.vector(name, vector_day).tolist() == [expected]


def test_boundaries_cover_every_entry() -> None:
    starts = {(n, d) for n, d, _ in BOUNDARIES}
    for name in SHIPPED.names():
        for e in SHIPPED.parameter(name).entries:
            assert (name, e.start) in starts and (name, e.start - ONE_DAY) in starts


def test_every_file_is_loaded_and_holds_parameters() -> None:
    # A YAML file the loader skipped (wrong suffix, empty) would be a rule silently not applied.
    on_disk = {p.name for p in PARAMETER_DIR.glob("*.yaml")}
    assert {"contributions.yaml", "wages.yaml"} <= on_disk
    assert {SHIPPED.parameter(n).file for n in SHIPPED.names()} == on_disk


@pytest.mark.parametrize("name", SHIPPED.names())
def test_every_value_is_sourced_and_doubts_are_explained(name: str) -> None:
    for e in SHIPPED.parameter(name).entries:
        assert e.source.strip()
        assert re.search(r"https?://|code base", e.source), (
            f"{name} {e.start_jalali}: source without an address"
        )
        if e.confidence == "unverified":
            assert e.note and len(e.note) > 40, f"{name} {e.start_jalali}: unverified without saying why"


# Published figures, hard-coded: rules.md §1.1, §2.1 and §10.
MINIMUM_DAILY = {
    "1391/01/01": 129_900, "1391/12/30": 129_900, "1397/01/01": 370_423, "1398/01/01": 505_627,
    "1399/01/01": 611_809, "1399/04/01": 636_809, "1400/01/01": 885_165, "1401/01/01": 1_393_250,
    "1402/01/01": 1_769_428, "1403/01/01": 2_388_728, "1404/01/01": 3_463_656, "1405/01/01": 5_541_850,
}  # fmt: skip


@pytest.mark.parametrize(("on", "expected"), MINIMUM_DAILY.items())
def test_published_minimum_daily_wage(on: str, expected: int) -> None:
    assert SHIPPED.value("wage.minimum_daily", on) == expected


def test_published_rates() -> None:
    rate = SHIPPED.value
    assert [rate(f"contribution.rate.{k}", "1354/07/01") for k in ("insured", "employer", "state")] == [
        7,
        18,
        3,
    ]
    assert rate("contribution.rate.employer", "1354/12/30") == 18  # 1354 was a leap year
    assert [rate(f"contribution.rate.{k}", "1355/01/01") for k in ("insured", "employer", "state")] == [
        7,
        20,
        3,
    ]
    on = "1404/07/01"
    employer_list = rate("contribution.rate.employer", on) + rate("contribution.rate.unemployment", on)
    assert employer_list == 23
    assert rate("contribution.rate.insured", on) + employer_list == 30
    assert rate("contribution.rate.hard_and_harmful", on) == 4
    assert rate("contribution.ceiling_multiplier", on) == 7
    with pytest.raises(ParameterError):
        rate("contribution.rate.insured", "1354/06/31")
    with pytest.raises(ParameterError):
        rate("contribution.rate.unemployment", "1369/06/25")
