from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tamin.core.errors import DomainError
from tamin.core.money import apply_percent, format_rial, parse_rial, round_half_up_div

amounts = st.integers(-(10**13) + 1, 10**13 - 1)
percents = st.one_of(
    st.integers(0, 100),
    st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False),
    st.fractions(min_value=0, max_value=100, max_denominator=1000),
)


def reference_round(q: Fraction) -> int:
    """Half away from zero, straight from the definition."""
    magnitude = int(abs(q) + Fraction(1, 2))
    return magnitude if q >= 0 else -magnitude


@pytest.mark.parametrize(
    ("n", "d", "expected"),
    [(5, 2, 3), (-5, 2, -3), (5, -2, -3), (-5, -2, 3), (7, 3, 2), (8, 3, 3), (-7, 2, -4), (0, 7, 0),
     (1, 3, 0), (-1, 3, 0), (3, 2, 2), (-3, 2, -2)],
)  # fmt: skip
def test_round_half_up_div_examples(n: int, d: int, expected: int) -> None:
    assert round_half_up_div(n, d) == expected


@given(amounts, st.integers(-(10**6), 10**6).filter(bool))
def test_round_half_up_div_matches_definition(n: int, d: int) -> None:
    assert round_half_up_div(n, d) == reference_round(Fraction(n, d))


@given(hnp.arrays(np.int64, st.integers(0, 40), elements=amounts), st.integers(1, 10**6))
def test_round_half_up_div_array_matches_scalar(n: np.ndarray, d: int) -> None:
    got = round_half_up_div(n, d)
    assert got.dtype == np.int64
    assert got.tolist() == [round_half_up_div(x, d) for x in n.tolist()]
    assert round_half_up_div(n, np.full(n.shape, -d)).tolist() == [
        round_half_up_div(x, -d) for x in n.tolist()
    ]


def test_round_half_up_div_refusals() -> None:
    with pytest.raises(ZeroDivisionError):
        round_half_up_div(1, 0)
    with pytest.raises(ZeroDivisionError):
        round_half_up_div(np.array([1, 2]), np.array([1, 0]))
    with pytest.raises(TypeError):
        round_half_up_div(1.5, 2)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        round_half_up_div(np.array([1.5]), 2)
    with pytest.raises(TypeError):
        round_half_up_div(True, 2)  # type: ignore[call-overload]


# rules.md §10 E2: 1398 minimum contributions. The source rounds each amount half up to the Rial,
# and the total is round(base × 30 %), not the sum of the rounded shares.
@pytest.mark.parametrize(
    ("base", "insured", "employer", "total"),
    [(18_574_437, 1_300_211, 4_272_121, 5_572_331), (18_068_810, 1_264_817, 4_155_826, 5_420_643)],
)
def test_e2_contributions(base: int, insured: int, employer: int, total: int) -> None:
    assert apply_percent(base, 7) == insured
    assert apply_percent(base, 23) == employer
    assert apply_percent(base, 30) == total
    shares = apply_percent(np.array([base, base, base]), 7), apply_percent(np.array([base]), 30)
    assert shares[0].tolist() == [insured] * 3 and shares[1].tolist() == [total]


def test_e2_total_is_not_the_sum_of_rounded_shares() -> None:
    assert apply_percent(18_574_437, 7) + apply_percent(18_574_437, 23) == 5_572_332


def test_apply_percent_exact_rates() -> None:
    assert apply_percent(1_000, Decimal("7.5")) == 75
    assert apply_percent(1_001, Decimal("7.5")) == 75  # 75.075
    assert apply_percent(10, Decimal("5")) == 1  # 0.5 rounds up
    assert apply_percent(-10, 5) == -1  # and away from zero below it
    assert apply_percent(3, Fraction(50, 3)) == 1  # 0.5 exactly, not 0.4999… as a float would give
    assert apply_percent(1, Decimal("0.1")) == 0


@given(amounts, percents)
def test_apply_percent_matches_definition(amount: int, percent: int | Decimal | Fraction) -> None:
    assert apply_percent(amount, percent) == reference_round(amount * Fraction(percent) / 100)


@given(hnp.arrays(np.int64, st.integers(0, 40), elements=amounts), percents)
def test_apply_percent_array_matches_scalar(amounts_: np.ndarray, percent: int | Decimal | Fraction) -> None:
    got = apply_percent(amounts_, percent)
    assert got.dtype == np.int64
    assert got.tolist() == [apply_percent(a, percent) for a in amounts_.tolist()]


def test_apply_percent_refuses_floats_and_overflow() -> None:
    with pytest.raises(TypeError):
        apply_percent(100, 7.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        apply_percent(100.0, 7)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        apply_percent(np.array([100.0]), 7)
    with pytest.raises(TypeError):
        apply_percent(100, "7")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        apply_percent(np.array([10**13]), Fraction(10**7 + 1, 10**6))
    # The documented range: any amount below 10**13 with a percent of up to three decimals is safe.
    assert apply_percent(np.array([10**13 - 1]), Decimal("99.999")).tolist() == [
        apply_percent(10**13 - 1, Decimal("99.999"))
    ]


def test_format_rial() -> None:
    assert format_rial(12_345_678) == "۱۲٬۳۴۵٬۶۷۸"
    assert format_rial(12_345_678, persian=False) == "12,345,678"
    assert format_rial(0) == "۰"
    assert format_rial(-1_500, persian=False) == "-1,500"
    assert format_rial(np.int64(1000), persian=False) == "1,000"
    with pytest.raises(TypeError):
        format_rial(12.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("۱۲٬۳۴۵٬۶۷۸", 12_345_678), ("12,345,678", 12_345_678), ("12345", 12_345), (" ۱۲۳ ", 123),
     ("٣٬٠٠٠", 3_000), ("0", 0), ("1,000", 1_000)],
)  # fmt: skip
def test_parse_rial(text: str, expected: int) -> None:
    assert parse_rial(text) == expected


@pytest.mark.parametrize(
    "text", ["12.5", "۱۲٫۵", "-100", "−100", "1,23,456", "12,3456", "", "abc", "1 000", ",100"]
)
def test_parse_rial_refusals(text: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_rial(text, field="wage")
    assert (err.value.code, err.value.field) == ("money.format", "wage")


def test_parse_rial_refuses_non_text() -> None:
    with pytest.raises(TypeError):
        parse_rial(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_rial(125)  # type: ignore[arg-type]


@given(st.integers(0, 10**15), st.booleans())
def test_format_parse_round_trip(amount: int, persian: bool) -> None:
    assert parse_rial(format_rial(amount, persian=persian)) == amount
