import datetime as dt
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tamin.core.jalali import JalaliMonth, parse_jalali_date
from tamin.rules import params
from tamin.rules.params import ParameterError, ParameterSet, load_parameters

GOOD = """
rate.example:
  description: An example rate
  unit: percent
  values:
    - from: 1390/01/01
      until: 1390/12/29
      value: 5
      source: "Law A — https://example.org/a"
      confidence: legal
    - from: 1392/01/01
      value: 6
      source: "Law B"
      confidence: secondary
    - from: 1393/07/01
      value: 7
      source: "Circular C"
      confidence: unverified
      note: not yet confirmed
"""


def write(directory: Path, text: str, name: str = "example.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def good(tmp_path: Path) -> ParameterSet:
    write(tmp_path, GOOD)
    return load_parameters(tmp_path)


def j(text: str) -> dt.date:
    return parse_jalali_date(text)


def test_value_on_dates_of_every_kind(good: ParameterSet) -> None:
    assert good.names() == ["rate.example"]
    assert "rate.example" in good
    assert good.value("rate.example", "1390/01/01") == 5
    assert good.value("rate.example", j("1390/12/29")) == 5
    assert good.value("rate.example", dt.datetime.combine(j("1392/01/01"), dt.time(23, 0))) == 6
    assert good.value("rate.example", JalaliMonth(1393, 7)) == 7
    assert good.value("rate.example", "۱۴۰۴/۰۱/۰۱") == 7
    with pytest.raises(TypeError):
        good.value("rate.example", 1390)  # type: ignore[arg-type]


def test_entry_carries_its_derivation(good: ParameterSet) -> None:
    e = good.entry("rate.example", "1393/06/31")
    assert (e.value, e.start_jalali, e.end_jalali, e.until) == (6, "1392/01/01", "1393/06/31", None)
    assert (e.source, e.confidence) == ("Law B", "secondary")
    first = good.entry("rate.example", "1390/05/05")
    assert first.until == first.end == j("1390/12/29")
    last = good.entry("rate.example", "1500/01/01")
    assert (last.end, last.note) == (None, "not yet confirmed")
    p = good.parameter("rate.example")
    assert (p.description, p.unit, p.file, len(p.entries)) == (
        "An example rate",
        "percent",
        "example.yaml",
        3,
    )


@pytest.mark.parametrize("on", ["1389/12/29", "1391/01/01", "1391/12/30", "1300/01/01"])
def test_no_value_before_the_first_and_in_gaps(good: ParameterSet, on: str) -> None:
    with pytest.raises(ParameterError) as err:
        good.value("rate.example", on)
    assert err.value.code == "parameter.no_value"
    assert on in err.value.message


def test_unknown_parameter(good: ParameterSet) -> None:
    with pytest.raises(ParameterError) as err:
        good.value("rate.nope", "1400/01/01")
    assert err.value.code == "parameter.unknown"


def test_until_on_the_last_value_ends_the_parameter(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("note: not yet confirmed", "note: x\n      until: 1394/12/29"))
    p = load_parameters(tmp_path)
    assert p.value("rate.example", "1394/12/29") == 7
    with pytest.raises(ParameterError):
        p.value("rate.example", "1395/01/01")


def test_entries_may_be_written_in_any_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
        a.b:
          description: d
          unit: rial
          values:
            - {from: 1400/01/01, value: 2, source: s, confidence: legal}
            - {from: 1399/01/01, value: 1, source: s, confidence: legal}
        """,
    )
    p = load_parameters(tmp_path)
    assert [e.value for e in p.parameter("a.b").entries] == [1, 2]
    assert p.entry("a.b", "1399/12/30").end_jalali == "1399/12/30"


def test_numbers_are_exact(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
        a.dec:
          description: d
          unit: ratio
          values:
            - {from: 1400/01/01, value: 0.1, source: s, confidence: legal}
            - {from: 1401/01/01, value: 1.23456789012345678901, source: s, confidence: legal}
            - {from: 1402/01/01, value: 7.0, source: s, confidence: legal}
            - {from: 1403/01/01, value: 1_393_250, source: s, confidence: legal}
            - {from: 1404/01/01, value: 2.5e-3, source: s, confidence: legal}
        """,
    )
    p = load_parameters(tmp_path)
    got = [e.value for e in p.parameter("a.dec").entries]
    assert got == [Decimal("0.1"), Decimal("1.23456789012345678901"), 7, 1_393_250, Decimal("0.0025")]
    assert [type(v) for v in got] == [Decimal, Decimal, int, int, Decimal]


def entry(**fields: str | None) -> str:
    """A flow-style entry: a valid one, with `fields` replaced (None removes a key)."""
    merged = {"from": "1400/01/01", "value": "5", "source": "s", "confidence": "legal", **fields}
    return "{" + ", ".join(f"{k}: {v}" for k, v in merged.items() if v is not None) + "}"


ENTRY = entry()


def param(values: str = f"[{ENTRY}]", head: str = "description: d\n  unit: percent") -> str:
    return f"a.b:\n  {head}\n  values: {values}\n"


REFUSALS = [
    ("no source", param(f"[{entry(source=None)}]"), "parameter.source"),
    ("empty source", param(f"[{entry(source=repr('  '))}]"), "parameter.source"),
    ("no description", param(head="unit: percent"), "parameter.description"),
    ("empty description", param(head="description: ''\n  unit: percent"), "parameter.description"),
    ("no unit", param(head="description: d"), "parameter.unit"),
    ("unknown unit", param(head="description: d\n  unit: toman"), "parameter.unit"),
    ("flag not 0 or 1", param(head="description: d\n  unit: flag"), "parameter.flag"),
    ("impossible date", param(f"[{entry(**{'from': '1404/07/31'})}]"), "parameter.date"),
    ("unparseable date", param(f"[{entry(**{'from': 'soon'})}]"), "parameter.date"),
    ("gregorian date", param(f"[{entry(**{'from': '2020-01-01'})}]"), "parameter.date"),
    ("no from", param(f"[{entry(**{'from': None})}]"), "parameter.date"),
    ("until before from", param(f"[{entry(until='1399/12/01')}]"), "parameter.date"),
    ("same from", param(f"[{ENTRY}, {ENTRY}]"), "parameter.overlap"),
    ("until past next from",
     param(f"[{entry(**{'from': '1399/01/01', 'until': '1400/01/01'})}, {ENTRY}]"), "parameter.overlap"),
    ("quoted number", param(f"[{entry(value=repr('5'))}]"), "parameter.number"),
    ("infinite", param(f"[{entry(value='.inf')}]"), "parameter.number"),
    ("octal-looking", param(f"[{entry(value='010')}]"), "parameter.number"),
    ("sexagesimal", param(f"[{entry(value='1:30')}]"), "parameter.number"),
    ("boolean", param(f"[{entry(value='yes')}]"), "parameter.number"),
    ("no value", param(f"[{entry(value=None)}]"), "parameter.number"),
    ("bad confidence", param(f"[{entry(confidence='sure')}]"), "parameter.confidence"),
    ("no confidence", param(f"[{entry(confidence=None)}]"), "parameter.confidence"),
    ("misspelt key", param(f"[{entry(untill='1400/02/01')}]"), "parameter.format"),
    ("unknown key", param(head="description: d\n  unit: percent\n  units: rial"), "parameter.format"),
    ("no values", "a.b:\n  description: d\n  unit: percent\n", "parameter.format"),
    ("empty values", param("[]"), "parameter.format"),
    ("entry not a mapping", param("[5]"), "parameter.format"),
    ("bad name", param().replace("a.b:", "A B:"), "parameter.format"),
    ("duplicate parameter in a file", param() + param(), "parameter.file"),
    ("yaml syntax", "a.b: [unclosed\n", "parameter.file"),
    ("not a mapping", "- a\n- b\n", "parameter.file"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "text", "code"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_loader_refusals(tmp_path: Path, case: str, text: str, code: str) -> None:
    write(tmp_path, text, name="bad.yaml")
    with pytest.raises(ParameterError) as err:
        load_parameters(tmp_path)
    assert err.value.code == code, err.value.problems
    problem = err.value.problems[0]
    assert problem.message.startswith("bad.yaml: ")  # names the file …
    if code not in ("parameter.file",) and case != "bad name":
        assert "a.b" in problem.message  # … the parameter …
        assert problem.field == "a.b"


def test_refusal_names_the_offending_entry(tmp_path: Path) -> None:
    text = param(f"[{ENTRY}, {entry(**{'from': '1401/01/01', 'source': None})}]")
    write(tmp_path, text, name="rates.yaml")
    with pytest.raises(ParameterError) as err:
        load_parameters(tmp_path)
    assert err.value.code == "parameter.source"
    assert "rates.yaml" in err.value.message and "a.b" in err.value.message
    assert "ردیف 2" in err.value.message and "1401/01/01" in err.value.message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    bad = f"[{entry(source=None)}, {entry(**{'from': '1401/13/01'})}]"
    write(tmp_path, param(bad, head="description: d\n  unit: toman"))
    with pytest.raises(ParameterError) as err:
        load_parameters(tmp_path)
    assert sorted(p.code for p in err.value.problems) == [
        "parameter.date",
        "parameter.source",
        "parameter.unit",
    ]


def test_a_parameter_defined_in_two_files_is_refused(tmp_path: Path) -> None:
    write(tmp_path, param(), name="one.yaml")
    write(tmp_path, param(), name="two.yaml")
    with pytest.raises(ParameterError) as err:
        load_parameters(tmp_path)
    assert err.value.code == "parameter.duplicate"
    assert "one.yaml" in err.value.message and "two.yaml" in err.value.message


def test_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ParameterError) as err:
        load_parameters(tmp_path / "nowhere")
    assert err.value.code == "parameter.file"


def days(*jalali: str) -> np.ndarray:
    return np.array([j(s) for s in jalali], dtype="datetime64[D]")


def test_vector(good: ParameterSet) -> None:
    got = good.vector("rate.example", days("1390/01/01", "1392/05/05", "1393/07/01", "1390/12/29"))
    assert got.dtype == np.int64
    assert got.tolist() == [5, 6, 7, 5]
    grid = days("1390/01/01", "1392/01/01", "1393/07/01", "1400/01/01").reshape(2, 2)
    assert good.vector("rate.example", grid).tolist() == [[5, 6], [7, 7]]
    as_ns = days("1392/01/01").astype("datetime64[ns]") + np.timedelta64(20, "h")
    assert good.vector("rate.example", as_ns).tolist() == [6]
    objects = np.array([j("1392/01/01")], dtype=object)
    assert good.vector("rate.example", objects).tolist() == [6]
    assert good.vector("rate.example", days()).shape == (0,)


def test_vector_names_the_first_date_without_a_value(good: ParameterSet) -> None:
    with pytest.raises(ParameterError) as err:
        good.vector("rate.example", days("1392/01/01", "1391/03/01", "1389/01/01"))
    assert err.value.code == "parameter.no_value"
    assert "1391/03/01" in err.value.message and "1389/01/01" not in err.value.message
    with pytest.raises(ParameterError):
        good.vector("rate.example", np.array(["NaT"], dtype="datetime64[D]"))


def test_vector_refuses_ambiguous_dates(good: ParameterSet) -> None:
    for bad in (np.array(["1400/01/01"]), np.array(["2021-03-21"]), np.array([18707])):
        with pytest.raises(TypeError):
            good.vector("rate.example", bad)


def test_non_integer_parameters_need_vector_scaled(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
        a.rate:
          description: d
          unit: percent
          values:
            - {from: 1400/01/01, value: 7, source: s, confidence: legal}
            - {from: 1401/01/01, value: 7.5, source: s, confidence: legal}
            - {from: 1402/01/01, value: 0.125, source: s, confidence: legal}
        """,
    )
    p = load_parameters(tmp_path)
    dates = days("1400/06/01", "1401/06/01", "1402/06/01")
    with pytest.raises(TypeError, match="vector_scaled"):
        p.vector("a.rate", dates)
    numerators, denominator = p.vector_scaled("a.rate", dates)
    assert (numerators.tolist(), denominator) == ([56, 60, 1], 8)
    assert [Decimal(int(n)) / denominator for n in numerators] == [p.value("a.rate", d.item()) for d in dates]


@given(st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2040, 12, 31)))
def test_vector_agrees_with_value(day: dt.date) -> None:
    shipped = params.default_parameters()
    for name in shipped.names():
        try:
            expected = shipped.value(name, day)
        except ParameterError:
            with pytest.raises(ParameterError):
                shipped.vector_scaled(name, np.array([day], dtype="datetime64[D]"))
            continue
        numerators, denominator = shipped.vector_scaled(name, np.array([day], dtype="datetime64[D]"))
        assert Decimal(int(numerators[0])) / denominator == expected
        if shipped.parameter(name).is_integer:
            assert shipped.vector(name, np.array([day], dtype="datetime64[D]")).tolist() == [expected]


@given(st.lists(st.dates(min_value=dt.date(2018, 3, 21), max_value=dt.date(2035, 1, 1)), max_size=50))
def test_vector_of_many_dates_agrees_with_value(dates: list[dt.date]) -> None:
    arr = np.array(dates, dtype="datetime64[D]")
    got = params.vector("wage.minimum_daily", arr).tolist()
    assert got == [params.value("wage.minimum_daily", d) for d in dates]


def test_module_level_parameters_are_loaded_once() -> None:
    assert params.PARAMETERS is params.default_parameters()
    assert params.value("contribution.rate.insured", "1404/01/01") == 7
    with pytest.raises(AttributeError):
        params.NOT_A_THING  # noqa: B018


def test_rules_and_core_do_not_import_django() -> None:
    code = (
        "import sys, tamin.rules.params, tamin.rules.wages, tamin.core.jalali, tamin.core.idcodes, "
        "tamin.core.money, tamin.core.text; tamin.rules.params.PARAMETERS; "
        "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')]; "
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr + result.stdout
