"""Iran System, the DOS Persian code page the SSO wage list is written in (spec §2.1).

Iran System stores *glyphs*, not letters: each letter has a code per joining form, and a string is
stored in visual order (reversed, with runs of digits and Latin kept left to right). Decoding maps
glyphs back to letters, undoes the reversal and normalises; encoding shapes each letter for its
context exactly as ListDisk does (ا after a non-joiner is `0x90`, ی alone is `0xFD`, ل+ا is the
ligature `0xF2`) and reverses.

Two decoders: `decode` (one string, the reference) and `decode_block` (a whole column of fixed-width
fields at once, numpy). The block decoder handles the common rows (letters, spaces, punctuation)
without a Python loop and hands rows with digits, Latin letters or brackets (which need the bidi
run handling) to `decode`; a test holds the two to the same output.
"""

from __future__ import annotations

import re

import numpy as np

from tamin.core.text import normalize

# --- the code page -----------------------------------------------------------------------------

# byte -> the letter it shows (the glyph form is dropped). 0xF2 (the لا ligature) is two letters and is
# handled apart. 0xB0–0xDF are box drawing: never text.
_DECODE: dict[int, str] = {
    **{0x80 + i: str(i) for i in range(10)},  # Persian digits; normalised to ASCII straight away
    0x8A: "،",
    0x8B: "\u0640",  # tatweel, dropped by normalisation
    0x8C: "؟",
    0x8D: "آ",
    0x8E: "ئ",
    0x8F: "ء",
    0x90: "ا",
    0x91: "ا",
    0x92: "ب",
    0x93: "ب",
    0x94: "پ",
    0x95: "پ",
    0x96: "ت",
    0x97: "ت",
    0x98: "ث",
    0x99: "ث",
    0x9A: "ج",
    0x9B: "ج",
    0x9C: "چ",
    0x9D: "چ",
    0x9E: "ح",
    0x9F: "ح",
    0xA0: "خ",
    0xA1: "خ",
    0xA2: "د",
    0xA3: "ذ",
    0xA4: "ر",
    0xA5: "ز",
    0xA6: "ژ",
    0xA7: "س",
    0xA8: "س",
    0xA9: "ش",
    0xAA: "ش",
    0xAB: "ص",
    0xAC: "ص",
    0xAD: "ض",
    0xAE: "ض",
    0xAF: "ط",
    0xE0: "ظ",
    0xE1: "ع",
    0xE2: "ع",
    0xE3: "ع",
    0xE4: "ع",
    0xE5: "غ",
    0xE6: "غ",
    0xE7: "غ",
    0xE8: "غ",
    0xE9: "ف",
    0xEA: "ف",
    0xEB: "ق",
    0xEC: "ق",
    0xED: "ک",
    0xEE: "ک",
    0xEF: "گ",
    0xF0: "گ",
    0xF1: "ل",
    0xF3: "ل",
    0xF4: "م",
    0xF5: "م",
    0xF6: "ن",
    0xF7: "ن",
    0xF8: "و",
    0xF9: "ه",
    0xFA: "ه",
    0xFB: "ه",
    0xFC: "ی",
    0xFD: "ی",
    0xFE: "ی",
    0xFF: " ",  # NBSP
}
LAM_ALEF = 0xF2

# letter -> glyph codes by form: (isolated, final, initial, medial).
_FORMS: dict[str, tuple[int, int, int, int]] = {
    "ا": (0x90, 0x91, 0x90, 0x91),
    "آ": (0x8D,) * 4,
    "ء": (0x8F,) * 4,
    "ئ": (0x8E,) * 4,
    "د": (0xA2,) * 4,
    "ذ": (0xA3,) * 4,
    "ر": (0xA4,) * 4,
    "ز": (0xA5,) * 4,
    "ژ": (0xA6,) * 4,
    "ط": (0xAF,) * 4,
    "ظ": (0xE0,) * 4,
    "و": (0xF8,) * 4,
    "ع": (0xE1, 0xE2, 0xE4, 0xE3),
    "غ": (0xE5, 0xE6, 0xE8, 0xE7),
    "ه": (0xF9, 0xF9, 0xFB, 0xFA),
    "ی": (0xFD, 0xFC, 0xFE, 0xFE),
    "ل": (0xF1, 0xF1, 0xF3, 0xF3),
}
# Letters with one code for isolated/final and one for initial/medial.
for _letter, _code in (
    ("ب", 0x92), ("پ", 0x94), ("ت", 0x96), ("ث", 0x98), ("ج", 0x9A), ("چ", 0x9C), ("ح", 0x9E),
    ("خ", 0xA0), ("س", 0xA7), ("ش", 0xA9), ("ص", 0xAB), ("ض", 0xAD), ("ف", 0xE9), ("ق", 0xEB),
    ("ک", 0xED), ("گ", 0xEF), ("م", 0xF4), ("ن", 0xF6),
):  # fmt: skip
    _FORMS[_letter] = (_code, _code, _code + 1, _code + 1)

# Letters that join the letter after them; the rest of _FORMS join only the letter before (ء neither).
_DUAL = frozenset("بپتثجچحخسشصضطظعغفقکگلمنهیئ")
_JOINS_BACK = _DUAL | frozenset("اآدذرزژو")
_OTHER = {"،": 0x8A, "؟": 0x8C, **{str(i): 0x80 + i for i in range(10)}}

# Spellings Iran System cannot hold, folded before encoding (spec §2.1: ة/ۀ→ه; hamza seats as ListDisk).
_FOLD = str.maketrans({"ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا", "ٱ": "ا", "ؤ": "و", "\u200c": " "})
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")

# Runs that stay left to right inside visual text: digits and Latin, with single separators between
# them (1403/09/01, 12.5). The pattern reads the same backwards, so one regex serves both directions.
_LTR_RUN = re.compile(r"[A-Za-z0-9]+(?:[/.:,\-][A-Za-z0-9]+)*")
_MIRROR = str.maketrans("()[]{}<>", ")(][}{><")


class EncodeError(ValueError):
    """A character Iran System has no code for; `char` says which."""

    def __init__(self, char: str) -> None:
        self.char = char
        super().__init__(f"no Iran System code for {char!r} (U+{ord(char):04X})")


# --- decoding ----------------------------------------------------------------------------------


def _visual_to_logical(visual: str) -> str:
    logical = visual[::-1]
    out, pos = [], 0
    for m in _LTR_RUN.finditer(logical):
        out.append(logical[pos : m.start()].translate(_MIRROR))
        out.append(m.group()[::-1])
        pos = m.end()
    out.append(logical[pos:].translate(_MIRROR))
    return "".join(out)


def decode(raw: bytes) -> str:
    """One field's bytes (visual Iran System) to logical, normalised text.

    A value with no byte above 0x7F is plain ASCII written left to right (ListDisk writes `4` in
    DSK_DISC that way), so it is not reversed. Box-drawing and control bytes raise `ValueError`.
    """
    raw = raw.replace(b"\x00", b" ")
    if max(raw, default=0) < 0x80:
        text = raw.decode("ascii")
        if any(c < 0x20 or c == 0x7F for c in raw):
            raise ValueError("control byte in text")
        return normalize(text)
    chars = []
    for b in raw:
        if b == LAM_ALEF:
            chars.append("ال")  # visual order: alef is drawn left of lam
        elif b >= 0x80:
            ch = _DECODE.get(b)
            if ch is None:
                raise ValueError(f"byte 0x{b:02X} is not Iran System text")
            chars.append(ch)
        elif b < 0x20 or b == 0x7F:
            raise ValueError(f"control byte 0x{b:02X} in text")
        else:
            chars.append(chr(b))
    return normalize(_visual_to_logical("".join(chars)))


# Tables for the block decoder. A visual byte becomes one letter, or two for the ligature, which in
# logical order is ل then ا.
_FIRST = np.zeros(256, dtype=np.uint32)
_FIRST[0x20:0x7F] = np.arange(0x20, 0x7F)
_FIRST[0x00] = 0x20  # NUL padding from some writers reads as a space
for _b, _ch in _DECODE.items():
    _FIRST[_b] = ord(_ch)
_FIRST[LAM_ALEF] = ord("ل")
_ALEF = np.uint32(ord("ا"))
# For the string-function path: padding bytes are spaces, the ligature a private-use placeholder.
_PLACEHOLDER = "\ue000"
_GLYPH = _FIRST.copy()
_GLYPH[[0x00, 0xFF]] = 0x20
_GLYPH[LAM_ALEF] = ord(_PLACEHOLDER)

_BAD_BYTE = np.ones(256, dtype=bool)
_BAD_BYTE[0x20:0x7F] = False
_BAD_BYTE[0] = False
_BAD_BYTE[list(_DECODE)] = False
_BAD_BYTE[LAM_ALEF] = False

_SPACE = np.zeros(256, dtype=bool)
_SPACE[[0x00, 0x20, 0xFF]] = True

# Rows containing any of these need `decode`: digits, Latin and brackets for the bidi runs, tatweel
# because normalisation drops it before squeezing spaces.
_SLOW = np.zeros(256, dtype=bool)
_SLOW[[*range(0x30, 0x3A), *range(0x41, 0x5B), *range(0x61, 0x7B), *range(0x80, 0x8A), 0x8B]] = True
_SLOW[[ord(c) for c in "()[]{}<>"]] = True


def bad_rows(block: np.ndarray) -> np.ndarray:
    """Rows of an (n, width) uint8 block holding bytes that are not Iran System text."""
    return _BAD_BYTE[block].any(axis=1)


def has_bad_bytes(hist: np.ndarray) -> bool:
    """Whether a byte histogram (256 counts) holds any byte that is not Iran System text."""
    return bool(hist[_BAD_BYTE].any())


def to_unicode(cps: np.ndarray) -> np.ndarray:
    """(n, m) uint32 code points, zero padded at the end, to a numpy unicode array of length n."""
    n, m = cps.shape
    if n == 0 or m == 0:
        return np.full(n, "", dtype="<U1")
    return np.ascontiguousarray(cps).view(f"<U{m}").reshape(n)


def decode_block(block: np.ndarray) -> np.ndarray:
    """An (n, width) uint8 block of Iran System fields to a numpy unicode array of normalised text.

    The same result as `decode` on every row (a test holds them to it), for all rows at once. The
    caller rules out bad bytes first (`bad_rows`); what they decode to is unspecified.
    """
    return decode_transposed(np.ascontiguousarray(block.T))


def decode_transposed(t: np.ndarray, hist: np.ndarray | None = None) -> np.ndarray:
    """`decode_block` on the transposed block: one row per byte position, one column per record.

    A field is a few dozen bytes wide and thousands of records long; numpy is fast along the long
    axis and slow at many short reductions, hence the layout. `hist` (the block's byte counts, if the
    caller has them) lets whole steps be skipped when no byte needs them.

    Each byte becomes its letter (the ligature a placeholder), visual rows (those with a byte above
    0x7F) are reversed, and numpy's string functions strip the padding and expand the ligature. The
    few rows that need more go through `decode`, once per distinct value: bidi runs (digits, Latin,
    brackets), tatweel, and runs of spaces inside the text.
    """
    k, n = t.shape
    if n == 0 or k == 0:
        return np.full(n, "", dtype="<U1")
    if hist is None:
        hist = np.bincount(t.ravel(), minlength=256)
    cps = np.take(_GLYPH, t)
    visual = t.max(axis=0) >= 0x80
    if visual.any():
        cps = np.where(visual, cps[::-1], cps)
    result = np.strings.strip(to_unicode(np.ascontiguousarray(cps.T)), " ")
    slow = np.zeros(n, dtype=bool)
    if hist[_SLOW].any():
        slow |= visual & np.take(_SLOW, t).any(axis=0)
    double = np.strings.find(result, "  ") >= 0
    if double.any():
        slow |= double
    if hist[LAM_ALEF]:
        result = np.strings.replace(result, _PLACEHOLDER, "لا")
    rows = np.flatnonzero(slow)
    if rows.size:
        result = _decode_rows(t, rows, result, result.dtype.itemsize // 4)
    return result


def _decode_rows(t: np.ndarray, rows: np.ndarray, result: np.ndarray, width: int) -> np.ndarray:
    """Overwrite `result[rows]` with `decode` of those records, each distinct value decoded once."""
    raw = np.ascontiguousarray(t[:, rows].T)
    # Rows as one opaque value each, so np.unique groups equal ones without a Python loop.
    keys = raw.view(f"V{raw.shape[1]}").ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    texts = [decode(raw[i].tobytes()) for i in first]
    longest = max(len(x) for x in texts)
    if longest > width:
        result = result.astype(f"<U{longest}")
    result[rows] = np.array(texts, dtype=f"<U{max(longest, 1)}")[inverse.ravel()]
    return result


# --- encoding ----------------------------------------------------------------------------------


def prepare(text: str) -> str:
    """The logical text that will be encoded: normalised, with spellings Iran System lacks folded."""
    return normalize(normalize(text).translate(_FOLD))


def _shape(text: str) -> list[bytes]:
    """Glyph bytes per logical character (b"" for the alef swallowed by a لا ligature)."""
    out: list[bytes] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        forms = _FORMS.get(ch)
        if forms is None:
            code = _OTHER.get(ch)
            if code is None:
                if " " <= ch <= "~":
                    code = ord(ch)
                else:
                    raise EncodeError(ch)
            out.append(bytes((code,)))
            i += 1
            continue
        if ch == "ل" and i + 1 < n and text[i + 1] == "ا":
            out += [bytes((LAM_ALEF,)), b""]
            i += 2
            continue
        joined_before = i > 0 and text[i - 1] in _DUAL
        joins_after = ch in _DUAL and i + 1 < n and text[i + 1] in _JOINS_BACK
        form = (2 if joins_after else 0) + (1 if joined_before else 0)
        # form index: 0 isolated, 1 final, 2 initial, 3 medial
        out.append(bytes((forms[(0, 1, 2, 3)[form]],)))
        i += 1
    return out


def encode(text: str, width: int | None = None) -> bytes:
    """Logical text to visual Iran System, shaped as ListDisk shapes it.

    With `width`, the logical text is cut to fit before encoding (cutting the visual bytes would drop
    the beginning of the text); the result is not padded. Text with no Persian letter is written as
    ASCII, left to right. Raises `EncodeError` for a character with no code.
    """
    text = prepare(text)
    if width is not None:
        text = _fit(text, width)
    return _encode_prepared(text)


def _encode_prepared(text: str) -> bytes:
    if not _ARABIC_SCRIPT.search(text):
        for ch in text:
            if not " " <= ch <= "~":
                raise EncodeError(ch)
        return text.encode("ascii")
    glyphs = _shape(text)
    units: list[bytes] = []
    pos = 0
    for m in _LTR_RUN.finditer(text):
        units += [g.translate(_MIRROR_BYTES) for g in glyphs[pos : m.start()]]
        units.append(b"".join(glyphs[m.start() : m.end()]))
        pos = m.end()
    units += [g.translate(_MIRROR_BYTES) for g in glyphs[pos:]]
    return b"".join(reversed(units))


_MIRROR_BYTES = bytes.maketrans(b"()[]{}<>", b")(][}{><")


def _fit(text: str, width: int) -> str:
    """The longest prefix of `text` whose encoding fits `width` bytes, without a trailing space."""
    if len(text) <= width:
        return text
    # Each character takes at most one byte, so `width` characters always fit; ligatures may let a
    # few more in.
    k = width
    while k < len(text) and len(_encode_prepared(text[: k + 1].rstrip())) <= width:
        k += 1
    return text[:k].rstrip()
