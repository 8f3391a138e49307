import pytest
from hypothesis import given
from hypothesis import strategies as st

from tamin.core.text import normalize, to_ascii_digits, to_persian_digits

ZWNJ = "\u200c"

# Characters normalize() has an opinion about, mixed with arbitrary text by the properties below.
_INTERESTING = list(
    "يىكیکئ ابپتسشمنوهـ"
    "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩0123456789"
    "\u064b\u064e\u064f\u0650\u0651\u0652\u0654\u0670"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2069\ufeff\u00ad"
    " \t\n\r\u00a0\u2003\u3000\u202f-.,"
)
persianish = st.text(alphabet=st.sampled_from(_INTERESTING) | st.characters(), max_size=40)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("علي", "علی"),
        ("مصطفى", "مصطفی"),
        ("كاظم", "کاظم"),
        ("۱۴۰۴/۰۷/۰۱", "1404/07/01"),
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("تهـــران", "تهران"),
        ("مُحَمَّد", "محمد"),
        ("  علی \t\n  رضایی\u00a0\u2003زاده  ", "علی رضایی زاده"),
        ("می\u200cروم", "می\u200cروم"),
        ("\u200cمی\u200cروم\u200c", "می\u200cروم"),
        ("می\u200c\u200c\u200cروم", "می\u200cروم"),
        ("می \u200c روم", "می روم"),
        ("علی\u200c رضا", "علی رضا"),
        ("۱۲\u200cالف", "12الف"),
        ("\u202bعلی\u202c\u200f", "علی"),
        ("\ufeffکد\u200bملی", "کدملی"),
        ("خانهٔ ما", "خانهٔ ما"),
        ("", ""),
    ],
)
def test_normalize_examples(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_refuses_non_text() -> None:
    with pytest.raises(TypeError):
        normalize(123)  # type: ignore[arg-type]


@given(persianish)
def test_normalize_is_idempotent(s: str) -> None:
    once = normalize(s)
    assert normalize(once) == once


@given(persianish)
def test_normalize_output_has_one_form(s: str) -> None:
    out = normalize(s)
    assert not set(out) & set("يىكـ۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩\u200b\u200d\u200e\u200f\u202b\ufeff\u064e")
    assert out == out.strip()
    assert "  " not in out
    assert all(not c.isspace() or c == " " for c in out)
    assert not out.startswith(ZWNJ) and not out.endswith(ZWNJ)
    assert ZWNJ * 2 not in out
    for i, c in enumerate(out):
        if c == ZWNJ:
            assert out[i - 1].isalpha() and out[i + 1].isalpha()


def test_digit_conversions() -> None:
    assert to_ascii_digits("کد ۰۹۳۲۸٣٣٨١٠") == "کد 0932833810"
    assert to_persian_digits("1404/07") == "۱۴۰۴/۰۷"
    assert to_persian_digits("٣") == "۳"
    assert to_persian_digits(1404) == "۱۴۰۴"
    assert to_persian_digits(-12) == "-۱۲"
    with pytest.raises(TypeError):
        to_persian_digits(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_persian_digits(True)


@given(st.text(alphabet="0123456789/-: ", max_size=30))
def test_digit_round_trip(s: str) -> None:
    assert to_ascii_digits(to_persian_digits(s)) == s
