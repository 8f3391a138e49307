import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tamin.core.idcodes import (
    InvalidNationalCode,
    is_valid_national_code,
    national_code_check_digit,
    normalize_national_code,
    valid_national_codes,
    with_check_digit,
    with_check_digits,
)

# rules.md §10 E1
E1_VALID = [
    "0932833810", "0123456789", "0499370899", "0790419904", "1583250689", "0684159414", "4400276201",
    "2540201288", "7400076205", "7340416501", "68415941",
]  # fmt: skip
E1_INVALID = [
    "1234567890", "12345678", "0010000000", "0000000000", "1111111111", "3333333333", "9990419904",
    "7781234567", "9869876543",
]  # fmt: skip


@pytest.mark.parametrize("code", E1_VALID)
def test_e1_valid(code: str) -> None:
    assert is_valid_national_code(code)
    assert normalize_national_code(code) == code.zfill(10)


@pytest.mark.parametrize("code", E1_INVALID)
def test_e1_invalid(code: str) -> None:
    assert not is_valid_national_code(code)


def test_e1_vectorised() -> None:
    codes = np.array(E1_VALID + E1_INVALID)
    expected = [True] * len(E1_VALID) + [False] * len(E1_INVALID)
    assert valid_national_codes(codes).tolist() == expected
    assert valid_national_codes(codes.astype("S")).tolist() == expected
    assert valid_national_codes(np.array(E1_VALID + E1_INVALID, dtype=object)).tolist() == expected


def test_check_digit_worked_examples() -> None:
    # computerteacher.ir: S = 220, r = 0 → 0; math SE: S = 156, r = 2 → 9.
    assert national_code_check_digit("093283381") == 0
    assert national_code_check_digit("012345678") == 9
    assert with_check_digit("093283381") == "0932833810"
    for bad in ("09328338", "0932833810", "09328338a", "۰۹۳۲۸۳۳۸۱"):
        with pytest.raises(ValueError):
            national_code_check_digit(bad)


@pytest.mark.parametrize(
    "raw", ["۰۹۳۲۸۳۳۸۱۰", "٠٩٣٢٨٣٣٨١٠", " 0932833810 ", "093-283381-0", "\u200f0932833810", "093 283 381 0"]
)
def test_accepts_typed_forms(raw: str) -> None:
    assert normalize_national_code(raw) == "0932833810"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1234567", "national_code.format"),
        ("12345678901", "national_code.format"),
        ("09328338x0", "national_code.format"),
        ("", "national_code.format"),
        ("0932833810.", "national_code.format"),
        ("1111111111", "national_code.same_digits"),
        ("00000000", "national_code.same_digits"),
        ("0010000000", "national_code.format"),  # zero serial
        ("1230000003", "national_code.format"),  # zero serial with a correct check digit
        ("1234567890", "national_code.checksum"),
        ("0932833811", "national_code.checksum"),
    ],
)
def test_refusal_codes(raw: str, code: str) -> None:
    with pytest.raises(InvalidNationalCode) as err:
        normalize_national_code(raw)
    assert err.value.code == code
    assert err.value.field == "national_code"
    assert any("\u0600" <= c <= "\u06ff" for c in err.value.message)  # a Persian message


def test_zero_serial_is_refused_even_with_a_correct_check_digit() -> None:
    # 1·10 + 2·9 + 3·8 = 52, 52 mod 11 = 8 → 3: the check digit is right, the serial is not.
    assert national_code_check_digit("123000000") == 3
    assert not is_valid_national_code("1230000003")
    assert not valid_national_codes(np.array(["1230000003"]))[0]


def test_field_is_named_and_non_text_refused() -> None:
    with pytest.raises(InvalidNationalCode) as err:
        normalize_national_code("12", field="father_national_code")
    assert err.value.field == "father_national_code"
    with pytest.raises(InvalidNationalCode):
        normalize_national_code(932833810)  # type: ignore[arg-type]
    assert not is_valid_national_code(None)  # type: ignore[arg-type]


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(nine_digits)
def test_with_check_digit_passes_unless_a_structural_rule_refuses(first9: str) -> None:
    code = with_check_digit(first9)
    structural = len(set(code)) == 1 or code[3:9] == "000000"
    assert is_valid_national_code(code) == (not structural)
    for wrong in set("0123456789") - {code[9]}:
        assert not is_valid_national_code(code[:9] + wrong)


# Mostly digit strings of plausible lengths, with some Persian digits, letters and signs mixed in.
code_strings = st.one_of(
    nine_digits.map(with_check_digit),
    nine_digits.map(with_check_digit).map(lambda c: c.lstrip("0") or "0"),
    st.text(alphabet="0123456789", min_size=0, max_size=12),
    st.text(alphabet="0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩ab+", min_size=7, max_size=11),
)


@given(st.lists(code_strings, min_size=1, max_size=30))
def test_vector_agrees_with_scalar(codes: list[str]) -> None:
    expected = [is_valid_national_code(c) for c in codes]
    assert valid_national_codes(np.array(codes, dtype="U12")).tolist() == expected
    assert valid_national_codes(np.array(codes)).tolist() == expected
    ascii_codes = [c for c in codes if c.isascii()]
    if ascii_codes:
        got = valid_national_codes(np.array(ascii_codes, dtype="S12")).tolist()
        assert got == [is_valid_national_code(c) for c in ascii_codes]


def test_vector_handles_shapes_and_narrow_dtypes() -> None:
    grid = np.array([["0932833810", "1234567890"], ["68415941", ""]])
    assert valid_national_codes(grid).tolist() == [[True, False], [True, False]]
    assert valid_national_codes(np.array(["68415941"], dtype="S8")).tolist() == [True]
    assert valid_national_codes(np.array([], dtype="U10")).shape == (0,)
    assert valid_national_codes(np.array([""], dtype="U1")).tolist() == [False]
    assert valid_national_codes(np.array([b"0932833810\x00"], dtype="S11")).tolist() == [True]
    assert valid_national_codes(np.array([b"093283\x003810"], dtype="S11")).tolist() == [False]
    with pytest.raises(TypeError):
        valid_national_codes(np.array([932833810]))


@given(hnp.arrays(np.int64, st.integers(0, 50), elements=st.integers(0, 10**9 - 1)))
def test_with_check_digits_matches_scalar(prefixes: np.ndarray) -> None:
    codes = with_check_digits(prefixes)
    assert codes.dtype == np.dtype("U10")
    assert codes.tolist() == [with_check_digit(f"{p:09d}") for p in prefixes.tolist()]


def test_with_check_digits_refuses_bad_prefixes() -> None:
    with pytest.raises(ValueError):
        with_check_digits(np.array([10**9]))
    with pytest.raises(ValueError):
        with_check_digits(np.array([-1]))
    with pytest.raises(TypeError):
        with_check_digits(np.array([1.0]))
