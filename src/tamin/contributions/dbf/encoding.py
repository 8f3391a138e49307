"""Which code page a file's Persian text is in, decided from the bytes, never from the LDID byte.

The official v6 templates declare cp1256 (LDID 0x7E) yet every real file is Iran System (spec §2.1).
The two are told apart by where the high bytes fall: Iran System keeps 0xB0–0xDF for box drawing, while
cp1256 puts most Persian letters there (ا = 0xC7, ر = 0xD1).
"""

from __future__ import annotations

import numpy as np

from tamin.contributions.dbf import iransystem

IRAN_SYSTEM = "iran_system"
CP1256 = "cp1256"
ASCII = "ascii"

_BOX = np.zeros(256, dtype=bool)
_BOX[0xB0:0xE0] = True

# High bytes that cp1256 maps to Arabic-script letters, digits and punctuation, ZWNJ or NBSP.
_CP1256_TEXT = np.zeros(256, dtype=bool)
for _b in range(0x80, 0x100):
    _ch = bytes((_b,)).decode("cp1256", errors="replace")
    _CP1256_TEXT[_b] = "\u0600" <= _ch <= "\u06ff" or _ch in "\u200c\u00a0"


def detect(hist: np.ndarray) -> str | None:
    """`iran_system`, `cp1256`, `ascii` (no byte above 0x7F) or None when the text is neither."""
    high = int(hist[0x80:].sum())
    if high == 0:
        return ASCII
    box = int(hist[_BOX].sum())
    if box == 0:
        return IRAN_SYSTEM
    cp_share = hist[_CP1256_TEXT].sum() / high
    is_share = 1 - box / high
    if cp_share >= 0.9 and cp_share > is_share:
        return CP1256
    # A few stray box bytes in otherwise clean Iran System: keep the encoding and let the reader
    # report the fields that hold them.
    if is_share >= 0.98:
        return IRAN_SYSTEM
    return None


def decode_cp1256(raw: bytes) -> str:
    """One cp1256 field (logical order, as Windows writes it) to normalised text."""
    from tamin.core.text import normalize

    raw = raw.replace(b"\x00", b" ")
    if any(c < 0x20 or c == 0x7F for c in raw):
        raise ValueError("control byte in text")
    return normalize(raw.decode("cp1256", errors="strict"))


def decoder(encoding: str):
    """The scalar decoder for an encoding (ascii text goes through Iran System's: with no byte above
    0x7F it is read left to right, unchanged)."""
    return decode_cp1256 if encoding == CP1256 else iransystem.decode
