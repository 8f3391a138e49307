"""Column decoders shared by the DBF and TXT readers: whole columns at once, as numpy arrays.

A column arrives as an (n, width) uint8 block, one row per record. Each decoder returns the values and
a mask of the rows it could not read, so the caller can name every bad record in one report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tamin.contributions.dbf import iransystem
from tamin.contributions.dbf.encoding import CP1256, decoder

_POW10U = np.array([10**i for i in range(20)], dtype=np.uint64)
MAX_DIGITS = 18  # 10**18 - 1 fits in int64; 19-digit numbers do not all do
SMALL = 8  # tables this short are parsed value by value


@dataclass
class Numbers:
    """Parsed number fields (one column per field, in the order asked)."""

    values: np.ndarray  # (n, fields) int64; 0 where blank or unreadable
    blank: np.ndarray  # all spaces: reads as 0
    not_numeric: np.ndarray  # anything but one run of digits among spaces
    too_large: np.ndarray  # more digits than int64 holds


def _number(raw: bytes) -> tuple[int, bool, bool, bool]:
    """One number field: (value, blank, not_numeric, too_large), the rules of `numbers`."""
    text = raw.replace(b"\x00", b" ").strip(b" ")
    if not text:
        return 0, True, False, False
    if not text.isdigit():
        return 0, False, True, False
    if len(text) > MAX_DIGITS:
        return 0, False, False, True
    return int(text), False, False, False


def numbers(blocks: list[np.ndarray]) -> Numbers:
    """ASCII numbers, left or right aligned, zero or space padded; all blank reads 0.

    Each field is transposed (one row per byte position, one column per record) and read by Horner's
    rule one byte position at a time: a few dozen operations on record-long arrays per field,
    whatever the number of records.
    """
    n = blocks[0].shape[0]
    fields = len(blocks)
    if n <= SMALL:
        # The workshop file has one record: array set-up would cost more than the parsing.
        parsed = np.array([[_number(b[i].tobytes()) for b in blocks] for i in range(n)], dtype=object)
        parsed = parsed.reshape(n, fields, 4)
        return Numbers(
            parsed[:, :, 0].astype(np.int64),
            parsed[:, :, 1].astype(bool),
            parsed[:, :, 2].astype(bool),
            parsed[:, :, 3].astype(bool),
        )
    values = np.zeros((fields, n), dtype=np.int64)
    blank = np.ones((fields, n), dtype=bool)
    not_numeric = np.zeros((fields, n), dtype=bool)
    too_large = np.zeros((fields, n), dtype=bool)
    for j, block in enumerate(blocks):
        k = block.shape[1]
        if k == 0 or n == 0:
            continue
        t = np.ascontiguousarray(block.T)
        d = t - np.uint8(0x30)  # wraps below '0', so one comparison finds the digits
        dig = d < 10
        # one run of digits among spaces: "1 2" and "12-" are not numbers
        starts = dig[0].astype(np.int32)
        if k > 1:
            starts += (dig[1:] & ~dig[:-1]).sum(axis=0, dtype=np.int32)
        bad = (~dig & (t != 0x20) & (t != 0)).any(axis=0) | (starts > 1)
        count = dig.sum(axis=0, dtype=np.int32)
        not_numeric[j], blank[j] = bad, (count == 0) & ~bad
        big = ~bad & (count > MAX_DIGITS)
        too_large[j] = big
        if k <= 19:
            # Spaces count as zeros, so trailing spaces (left-aligned values) multiply the value by
            # ten each; they are divided out after. 19 places fit uint64.
            dz = np.where(dig, d, np.uint8(0)).astype(np.uint64)
            v = dz[0].copy()
            for c in range(1, k):
                np.multiply(v, np.uint64(10), out=v)
                v += dz[c]
            trailing = ~dig[-1] & (count > 0)
            if trailing.any():  # left-aligned values (v6 writes DSW_SPOUSE so)
                end = np.full(n, k, dtype=np.intp)
                end[trailing] = 0
                for c in range(k):
                    end[trailing & dig[c]] = c + 1
                v //= _POW10U[k - end]
            values[j] = v.astype(np.int64)
        else:  # a wide field from an unusual writer: skip spaces explicitly
            v = values[j]
            for c in range(k):
                np.add(v * 10, d[c], out=v, where=dig[c] & ~big)
    values[not_numeric | too_large] = 0
    return Numbers(values.T, blank.T, not_numeric.T, too_large.T)


def persian_text(t: np.ndarray, hist: np.ndarray, encoding: str) -> tuple[np.ndarray, np.ndarray]:
    """Persian text fields to logical, normalised Unicode. Returns (values, bad rows).

    `t` is the field transposed (one row per byte position, one column per record), `hist` its byte
    counts: the per-row search for bad bytes only runs when the histogram holds any.
    """
    n = t.shape[1]
    if encoding == CP1256 or n <= SMALL:
        return _by_unique(np.ascontiguousarray(t.T), decoder(encoding))
    bad = np.zeros(n, dtype=bool)
    if iransystem.has_bad_bytes(hist):
        bad = iransystem.bad_rows(t.T)
        t = np.where(bad, np.uint8(0x20), t)
        hist = np.bincount(t.ravel(), minlength=256)
    return iransystem.decode_transposed(t, hist), bad


_ASCII_OK = np.zeros(256, dtype=bool)
_ASCII_OK[0x20:0x7F] = True
_ASCII_OK[0] = True


def ascii_text(block: np.ndarray, encoding: str, plain: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """IDs, dates, codes: stripped. Rows with other bytes go through the file's text decoder (some
    generators write Persian digits); rows it cannot read are flagged. `plain=True` says the caller
    knows every byte is printable ASCII."""
    n = block.shape[0]
    if n == 0:
        return np.full(0, "", dtype="<U1"), np.zeros(0, dtype=bool)
    if block.shape[1] == 0:
        return np.full(n, "", dtype="<U1"), np.zeros(n, dtype=bool)
    if plain is None:
        plain = bool(block.min() >= 0x20 and block.max() < 0x7F)
    if plain:  # the usual case: printable ASCII throughout
        ok = np.ones(n, dtype=bool)
        cps = block.astype(np.uint32)
    else:
        ok = _ASCII_OK[block].all(axis=1)
        cps = np.where(block == 0, 0x20, block).astype(np.uint32)
        cps[~ok] = 0x20
    out = np.strings.strip(iransystem.to_unicode(cps))
    bad = np.zeros(n, dtype=bool)
    odd = np.flatnonzero(~ok)
    if odd.size:
        decode = decoder(encoding)
        fixed: list[tuple[int, str]] = []
        for i in odd:
            try:
                fixed.append((int(i), decode(block[i].tobytes())))
            except ValueError:
                bad[i] = True
        if fixed:
            width = max(out.dtype.itemsize // 4, *(len(s) for _, s in fixed))
            out = out.astype(f"<U{width}")
            for i, s in fixed:
                out[i] = s
    return out, bad


def _by_unique(block: np.ndarray, decode: Callable[[bytes], str]) -> tuple[np.ndarray, np.ndarray]:
    """Decode each distinct value once (names, places and jobs repeat), then spread back."""
    n = block.shape[0]
    if n == 0:
        return np.full(0, "", dtype="<U1"), np.zeros(0, dtype=bool)
    if n <= SMALL:
        rows, inverse = list(block), np.arange(n)
    else:
        keys = np.ascontiguousarray(block).view(f"V{block.shape[1]}").ravel() if block.shape[1] else None
        if keys is None:
            return np.full(n, "", dtype="<U1"), np.zeros(n, dtype=bool)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        rows = [block[i] for i in first]
    texts, bad_u = [], np.zeros(len(rows), dtype=bool)
    for k, row in enumerate(rows):
        try:
            texts.append(decode(row.tobytes()))
        except ValueError:
            texts.append("")
            bad_u[k] = True
    values = np.array(texts, dtype=f"<U{max(1, *(len(t) for t in texts))}")
    inverse = np.asarray(inverse).reshape(-1)
    return values[inverse], bad_u[inverse]
