"""Persian text normalisation: one spelling for every name, address and number typed into Tamin.

The same name arrives with Arabic ي/ك from old systems, Persian ی/ک from new keyboards, Persian or
Arabic-Indic digits, invisible bidi marks pasted from Word, and stray ZWNJs. Searching, matching and
de-duplicating people only work if all of those collapse to one form first.
"""

from __future__ import annotations

import re

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
ZWNJ = "\u200c"

_TO_ASCII_DIGITS = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, "0123456789" * 2)
_TO_PERSIAN_DIGITS = str.maketrans("0123456789" + ARABIC_INDIC_DIGITS, PERSIAN_DIGITS * 2)

# Harakat (U+064B–U+0652) and the superscript alef are vocalisation, not spelling; hamza above
# (U+0654) is kept because Persian uses it as part of the word (خانهٔ).
_DIACRITICS = "".join(chr(c) for c in range(0x064B, 0x0653)) + "\u0670"
# Invisible characters that change rendering but never meaning: ZWSP, ZWJ, LRM/RLM, the bidi
# embeddings and isolates, the Arabic letter mark, BOM and the soft hyphen.
_INVISIBLE = (
    "\u200b\u200d\u200e\u200f\u061c\ufeff\u00ad"
    + "".join(chr(c) for c in range(0x202A, 0x202F))
    + "".join(chr(c) for c in range(0x2066, 0x206A))
)
_TATWEEL = "\u0640"

_NORMALISE = str.maketrans(
    {
        "\u064a": "ی",  # Arabic yeh
        "\u0649": "ی",  # alef maksura
        "\u0643": "ک",  # Arabic kaf
        **{d: str(i) for i, d in enumerate(PERSIAN_DIGITS)},
        **{d: str(i) for i, d in enumerate(ARABIC_INDIC_DIGITS)},
        **dict.fromkeys(_DIACRITICS + _INVISIBLE + _TATWEEL),
    }
)

_ZWNJ_RUN = re.compile(ZWNJ + "{2,}")
# A ZWNJ only means something between two letters; anywhere else it is invisible noise.
_LETTER = r"[^\W\d_]"
_STRAY_ZWNJ = re.compile(rf"(?<!{_LETTER}){ZWNJ}|{ZWNJ}(?!{_LETTER})")
_WHITESPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Canonical form of Persian text: ی/ک, ASCII digits, no diacritics or invisible marks, one space."""
    if not isinstance(text, str):
        raise TypeError(f"normalize expects str, got {type(text).__name__}")
    out = text.translate(_NORMALISE)
    out = _ZWNJ_RUN.sub(ZWNJ, out)
    # ZWNJ handling comes before whitespace collapsing: dropping a ZWNJ that sat between two
    # spaces must not leave a double space behind.
    out = _STRAY_ZWNJ.sub("", out)
    return _WHITESPACE.sub(" ", out).strip()


def to_ascii_digits(s: str) -> str:
    """Persian and Arabic-Indic digits to ASCII; everything else untouched."""
    return s.translate(_TO_ASCII_DIGITS)


def to_persian_digits(s: str | int) -> str:
    """ASCII and Arabic-Indic digits to Persian (for display); an int is formatted first."""
    if isinstance(s, bool) or not isinstance(s, str | int):
        raise TypeError(f"to_persian_digits expects str or int, got {type(s).__name__}")
    return str(s).translate(_TO_PERSIAN_DIGITS)
