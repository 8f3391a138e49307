"""Write a WageList as a DBF pair, by default in the ListDisk v6 layout (family B).

The header bytes copy the official template (LDID 0x7E, the template's own date bytes, no 0x1A end
byte), so a list we write is what ListDisk itself would write. Text is Iran System in visual order,
cut to the field width *before* encoding. IDs and amounts are never cut: a value that does not fit is
an error naming the record and field, because a silently shortened amount is a wrong legal filing.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from tamin.contributions.dbf import iransystem
from tamin.contributions.dbf.errors import Problems, fail
from tamin.contributions.dbf.layouts import LAYOUTS, PERSIAN_TEXT, Field, Layout
from tamin.contributions.wagelist import HEADER_NUMBERS, KAR, ROW_NUMBERS, WOR, WageList

_POW10 = 10 ** np.arange(19, dtype=np.int64)


def _number_block(values: np.ndarray, blank: np.ndarray, width: int, right: bool) -> tuple[np.ndarray, ...]:
    """Digits of non-negative int64 values in a (n, width) uint8 block, space padded.

    Returns (block, too_wide, negative). Blank cells (and bad ones) are all spaces.
    """
    n = len(values)
    v = values.astype(np.int64)
    negative = v < 0
    ndigits = 1 + (np.abs(v)[:, None] >= _POW10[None, 1:]).sum(axis=1)
    too_wide = ~negative & (ndigits > width)
    pos = np.arange(width)[None, :]
    exp = (width - 1) - pos if right else ndigits[:, None] - 1 - pos
    shown = (exp >= 0) & (exp < ndigits[:, None])
    digits = (v[:, None] // _POW10[np.clip(exp, 0, 18)]) % 10
    block = np.where(shown, digits + 0x30, 0x20).astype(np.uint8)
    block[blank | negative | too_wide] = 0x20
    return block.reshape(n, width), too_wide, negative


def _ascii_block(values: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left-aligned ASCII. Returns (block, too_long, not_ascii)."""
    n = len(values)
    s = np.asarray(values, dtype=str)
    m = max(s.dtype.itemsize // 4, 1)
    cps = np.ascontiguousarray(s.astype(f"<U{m}")).view(np.uint32).reshape(n, m)
    lengths = np.strings.str_len(s)
    not_ascii = ((cps != 0) & ((cps < 0x20) | (cps > 0x7E))).any(axis=1)
    too_long = ~not_ascii & (lengths > width)
    block = np.full((n, width), 0x20, dtype=np.uint8)
    k = min(m, width)
    ok = ~(too_long | not_ascii)
    part = cps[:, :k]
    block[:, :k] = np.where((part != 0) & ok[:, None], part, 0x20).astype(np.uint8)
    return block, too_long, not_ascii


def _persian_block(values: np.ndarray, width: int, file: str, fname: str, problems: Problems) -> np.ndarray:
    """Iran System, truncated before encoding; each distinct value is encoded once."""
    n = len(values)
    block = np.full((n, width), 0x20, dtype=np.uint8)
    if n == 0:
        return block
    uniq, inverse = np.unique(np.asarray(values, dtype=str), return_inverse=True)
    table = np.full((len(uniq), width), 0x20, dtype=np.uint8)
    for k, text in enumerate(uniq):
        try:
            raw = iransystem.encode(str(text), width)
        except iransystem.EncodeError as exc:
            for i in np.flatnonzero(inverse.reshape(-1) == k)[:10]:
                problems.add("dbf.unencodable", file, fname, int(i) + 1, detail=repr(exc.char))
            continue
        table[k, : len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    return table[inverse.reshape(-1)]


def table_bytes(fields: tuple[Field, ...], columns: dict[str, np.ndarray], blanks: dict[str, np.ndarray],
                n: int, numeric: tuple[str, ...], ldid: int, date: tuple[int, int, int], file: str,
                problems: Problems) -> bytes:  # fmt: skip
    """One dBase III table: header as the ListDisk template, then `n` records, no end byte."""
    record_len = 1 + sum(w for _, _, w in fields)
    header_len = 32 + 32 * len(fields) + 1
    head = bytearray(32)
    head[0] = 0x03
    head[1:4] = bytes(date)
    struct.pack_into("<IHH", head, 4, n, header_len, record_len)
    head[29] = ldid
    for name, ftype, width in fields:
        desc = bytearray(32)
        desc[:11] = name.encode("ascii").ljust(11, b"\x00")
        desc[11] = ord(ftype)
        desc[16] = width
        head += desc
    head.append(0x0D)
    out = np.full((n, record_len), 0x20, dtype=np.uint8)
    offset = 1
    for name, ftype, width in fields:
        values = columns[name]
        if name in numeric:
            blank = blanks.get(name)
            blank = np.zeros(n, dtype=bool) if blank is None else np.asarray(blank, dtype=bool)
            block, too_wide, negative = _number_block(values, blank, width, right=ftype != "C")
            for i in np.flatnonzero(too_wide)[:100]:
                problems.add("dbf.too_wide", file, name, int(i) + 1, detail=f"{int(values[i])} > N{width}")
            for i in np.flatnonzero(negative)[:100]:
                problems.add("dbf.negative", file, name, int(i) + 1, detail=str(int(values[i])))
        elif name in PERSIAN_TEXT:
            block = _persian_block(values, width, file, name, problems)
        else:
            block, too_long, not_ascii = _ascii_block(values, width)
            for i in np.flatnonzero(too_long)[:100]:
                problems.add("dbf.too_long", file, name, int(i) + 1, detail=repr(str(values[i])))
            for i in np.flatnonzero(not_ascii)[:100]:
                problems.add("dbf.not_ascii", file, name, int(i) + 1, detail=repr(str(values[i])))
        out[:, offset : offset + width] = block
        offset += width
    return bytes(head) + out.tobytes()


def _layout(layout: str | Layout) -> Layout:
    if isinstance(layout, Layout):
        return layout
    if layout not in LAYOUTS:
        raise fail("dbf.unknown_layout", None, detail=str(layout))
    return LAYOUTS[layout]


def list_bytes(wl: WageList, layout: str | Layout = "B") -> tuple[bytes, bytes]:
    """The (DSKKAR00, DSKWOR00) bytes of a list; raises DbfError with every value that cannot be written."""
    lay = _layout(layout)
    problems = Problems()
    kar_cols: dict[str, np.ndarray] = {}
    kar_blank: dict[str, np.ndarray] = {}
    for name, _, _ in lay.kar:
        value = wl.header.get(name)
        if name in HEADER_NUMBERS:
            try:
                number = int(value or 0)
            except (TypeError, ValueError):
                problems.add("dbf.not_numeric", f"{KAR}.DBF", name, 1, detail=repr(value)[:40])
                number = 0
            kar_cols[name] = np.array([number], dtype=np.int64)
            kar_blank[name] = np.array([bool(wl.header_blank.get(name, False)) and number == 0])
        else:
            kar_cols[name] = np.array(["" if value is None else str(value)])
    n = wl.n
    wor_cols: dict[str, np.ndarray] = {}
    wor_blank: dict[str, np.ndarray] = {}
    for name, _, _ in lay.wor:
        column = wl.column(name)
        if len(column) != n:
            column = np.resize(column, n)
        wor_cols[name] = column
        if name in ROW_NUMBERS and name in wl.blank:
            wor_blank[name] = np.asarray(wl.blank[name], dtype=bool) & (column == 0)
    kar = table_bytes(lay.kar, kar_cols, kar_blank, 1, HEADER_NUMBERS, lay.kar_ldid, lay.kar_date,
                      f"{KAR}.DBF", problems)  # fmt: skip
    wor = table_bytes(lay.wor, wor_cols, wor_blank, n, ROW_NUMBERS, lay.wor_ldid, lay.wor_date,
                      f"{WOR}.DBF", problems)  # fmt: skip
    problems.raise_if_any()
    return kar, wor


def write_list(
    wl: WageList, directory: str | os.PathLike[str], layout: str | Layout = "B"
) -> tuple[Path, Path]:
    """Write DSKKAR00.DBF and DSKWOR00.DBF into `directory` (created if needed); returns their paths.

    Nothing is written if any value cannot be.
    """
    kar, wor = list_bytes(wl, layout)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    kar_path, wor_path = folder / f"{KAR}.DBF", folder / f"{WOR}.DBF"
    kar_path.write_bytes(kar)
    wor_path.write_bytes(wor)
    return kar_path, wor_path
