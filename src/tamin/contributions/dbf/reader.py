"""Read a DSKKAR00/DSKWOR00 DBF pair of any layout into a `WageList`.

The field descriptors are the only truth about where a field sits: four layout families are in use
and the uploader evidently reads by field name (spec §1.0), so we do too. The records are mapped with
a numpy structured dtype straight over the file's bytes and every column is converted at once.

Nothing here trusts a length from the file before checking it against the file's size, so a hostile
or broken file costs at most its own size in memory.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tamin.contributions.dbf import columns
from tamin.contributions.dbf.encoding import detect
from tamin.contributions.dbf.errors import Problems, fail
from tamin.contributions.dbf.layouts import PERSIAN_TEXT, REQUIRED_KAR, REQUIRED_WOR, family
from tamin.contributions.wagelist import (
    HEADER_NUMBERS,
    HEADER_TEXTS,
    ROW_NUMBERS,
    ROW_TEXTS,
    SourceFile,
    WageList,
)

Source = str | os.PathLike[str] | tuple[str, bytes]

_NAME = re.compile(r"[A-Z0-9_]{1,11}")
_FLAG = "__deletion_flag__"  # lower case: cannot clash with a (upper-cased) DBF field name


def load(src: Source) -> tuple[str, bytes]:
    """A source as (name for messages, bytes)."""
    if isinstance(src, tuple):
        if len(src) != 2 or not isinstance(src[0], str) or not isinstance(src[1], bytes | bytearray):
            raise TypeError("a wage-list source is a path or a (name, bytes) pair")
        return src[0], bytes(src[1])
    path = Path(src)
    try:
        return str(path), path.read_bytes()
    except OSError as exc:
        raise fail("dbf.missing_file", str(path), detail=exc.strerror or "") from exc


@dataclass(frozen=True)
class Table:
    """One DBF table, parsed: its fields and its live (not deleted) records.

    `columns[name]` is an (n, k) uint8 view of that field without the columns that are blank in every
    record (k ≤ width; values are unchanged by dropping them). `record_numbers` are the records'
    positions in the file, counted from 1, for messages.
    """

    name: str
    fields: tuple[tuple[str, str, int], ...]
    layout: str
    columns: dict[str, np.ndarray]
    record_numbers: np.ndarray
    # (lowest, highest) byte of each field over all records, None for an all-blank field
    ranges: dict[str, tuple[int, int] | None]

    @property
    def n(self) -> int:
        return len(self.record_numbers)


def parse(name: str, data: bytes, problems: Problems) -> Table | None:
    """Parse one DBF file. Structural faults are added to `problems` and give None."""
    size = len(data)
    if size == 0:
        problems.add("dbf.empty", name)
        return None
    if size < 32:
        problems.add("dbf.truncated", name, detail=f"{size} بایت")
        return None
    count, header_len, record_len = struct.unpack_from("<IHH", data, 4)
    if header_len > size:
        problems.add("dbf.truncated", name, detail="سرآیند کامل نیست")
        return None
    fields: list[tuple[str, str, int]] = []
    pos = 32
    while pos < header_len and data[pos] != 0x0D:
        if pos + 32 > header_len:
            problems.add("dbf.bad_header", name, detail="پایان سرآیند پیدا نشد")
            return None
        desc = data[pos : pos + 32]
        raw_name = desc[:11].split(b"\x00", 1)[0]
        fname = raw_name.decode("latin-1").strip().upper()
        ftype = chr(desc[11])
        width = desc[16]
        if not _NAME.fullmatch(fname) or not ftype.isalpha() or width == 0:
            problems.add("dbf.bad_header", name, detail=f"توصیف فیلد شمارهٔ {len(fields) + 1}")
            return None
        if any(f[0] == fname for f in fields):
            problems.add("dbf.bad_header", name, field=fname, detail="فیلد تکراری")
            return None
        fields.append((fname, ftype.upper(), width))
        pos += 32
    if pos >= header_len or not fields:
        problems.add("dbf.bad_header", name, detail="فیلدی تعریف نشده یا پایان سرآیند پیدا نشد")
        return None
    expected = 1 + sum(w for _, _, w in fields)
    if record_len != expected:
        problems.add("dbf.record_length", name, detail=f"سرآیند {record_len}، فیلدها {expected}")
        return None
    available = (size - header_len) // record_len
    if count > available:
        problems.add("dbf.truncated", name, detail=f"{count} رکورد اعلام شده، {available} رکورد موجود")
        return None
    dtype = np.dtype([(_FLAG, "u1"), *((f, "u1", (w,)) for f, _, w in fields)])
    records = np.frombuffer(data, dtype=dtype, count=count, offset=header_len)
    flags = records[_FLAG]
    for i in np.flatnonzero((flags != 0x20) & (flags != 0x2A))[:20]:
        problems.add("dbf.bad_record", name, record=int(i) + 1)
    live = np.flatnonzero(flags == 0x20)
    if live.size != count:
        records = records[live]
    # One (n, record length) byte matrix; each field is a column slice of it (a view, no copy),
    # trimmed of the columns that are padding in every record: most of a C60 name is spaces, and
    # every later pass then touches only the bytes that hold something.
    matrix = records.view(np.uint8).reshape(len(records), record_len)
    if len(records):
        lows, highs = matrix.min(axis=0), matrix.max(axis=0)
    else:
        lows = highs = np.full(record_len, 0x20, dtype=np.uint8)
    used = (lows != 0x20) | (highs != 0x20)
    cols: dict[str, np.ndarray] = {}
    ranges: dict[str, tuple[int, int] | None] = {}
    offset = 1
    for f, _, w in fields:
        idx = np.flatnonzero(used[offset : offset + w])
        if idx.size:
            lo, hi = offset + int(idx[0]), offset + int(idx[-1]) + 1
            ranges[f] = (int(lows[lo:hi].min()), int(highs[lo:hi].max()))
        else:
            lo = hi = offset
            ranges[f] = None
        cols[f] = matrix[:, lo:hi]
        offset += w
    return Table(name, tuple(fields), family(fields), cols, live + 1, ranges)


@dataclass
class Decoded:
    """A table's columns converted: numbers, their blank masks, text, and what it was encoded in."""

    encoding: str
    numbers: dict[str, np.ndarray]
    blank: dict[str, np.ndarray]
    texts: dict[str, np.ndarray]


def convert(table: Table, numeric: tuple[str, ...], textual: tuple[str, ...],
            problems: Problems) -> Decoded | None:  # fmt: skip
    """Convert the fields we know by name; report every unreadable cell (up to the problem bound)."""
    # Persian fields transposed once (the layout the decoder wants) and counted for the detection.
    persian = {f: np.ascontiguousarray(table.columns[f].T) for f in textual
               if f in PERSIAN_TEXT and f in table.columns}  # fmt: skip
    hists = {f: np.bincount(t.ravel(), minlength=256) for f, t in persian.items()}
    encoding = detect(sum(hists.values(), np.zeros(256, dtype=np.int64)))
    if encoding is None:
        problems.add("dbf.encoding", table.name)
        return None
    out = Decoded(encoding, {}, {}, {})
    recs = table.record_numbers
    numeric_fields = [f for f, _, _ in table.fields if f in numeric]
    if numeric_fields and table.n:
        parsed = columns.numbers([table.columns[f] for f in numeric_fields])
        for j, fname in enumerate(numeric_fields):
            if parsed.not_numeric[:, j].any():
                for i in np.flatnonzero(parsed.not_numeric[:, j])[:100]:
                    shown = table.columns[fname][i].tobytes().decode("latin-1").strip()
                    problems.add("dbf.not_numeric", table.name, fname, int(recs[i]), detail=repr(shown)[:40])
            if parsed.too_large[:, j].any():
                for i in np.flatnonzero(parsed.too_large[:, j])[:100]:
                    problems.add("dbf.number_too_large", table.name, fname, int(recs[i]))
            out.numbers[fname] = parsed.values[:, j]
            out.blank[fname] = parsed.blank[:, j]
    else:
        for fname in numeric_fields:
            out.numbers[fname] = np.zeros(0, dtype=np.int64)
            out.blank[fname] = np.zeros(0, dtype=bool)
    for fname, _, _ in table.fields:
        if fname not in textual:
            continue
        if fname in persian:
            values, bad = columns.persian_text(persian[fname], hists[fname], encoding)
        else:
            span = table.ranges.get(fname)
            plain = span is None or (span[0] >= 0x20 and span[1] < 0x7F)
            values, bad = columns.ascii_text(table.columns[fname], encoding, plain)
        if bad.any():
            for i in np.flatnonzero(bad)[:100]:
                problems.add("dbf.bad_text", table.name, fname, int(recs[i]))
        out.texts[fname] = values
    return out


def _missing(table: Table, required: tuple[str, ...], problems: Problems) -> bool:
    names = {f for f, _, _ in table.fields}
    gone = [f for f in required if f not in names]
    for f in gone:
        problems.add("dbf.missing_field", table.name, field=f)
    return bool(gone)


def assemble(kar: Table | None, wor: Table | None, kar_enc: Decoded | None, wor_enc: Decoded | None,
             problems: Problems, layout: str | None = None) -> WageList:  # fmt: skip
    """Build the WageList from both converted tables, or raise every problem found on the way."""
    if kar is not None and kar_enc is not None:
        if kar.n == 0:
            problems.add("dbf.empty", kar.name, detail="رکورد کارگاه ندارد")
        elif kar.n > 1:
            problems.add("dbf.record_count", kar.name, detail=f"{kar.n} رکورد")
    problems.raise_if_any()
    assert kar is not None and wor is not None and kar_enc is not None and wor_enc is not None
    header: dict[str, int | str] = {}
    header_blank: dict[str, bool] = {}
    for f, values in kar_enc.numbers.items():
        header[f] = int(values[0])
        header_blank[f] = bool(kar_enc.blank[f][0])
    for f, values in kar_enc.texts.items():
        header[f] = str(values[0])
    rows: dict[str, np.ndarray] = {**wor_enc.numbers, **wor_enc.texts}
    return WageList(
        kar=SourceFile(kar.name, layout or kar.layout, kar_enc.encoding, kar.fields),
        wor=SourceFile(wor.name, layout or wor.layout, wor_enc.encoding, wor.fields),
        header=header,
        rows=rows,
        blank=dict(wor_enc.blank),
        header_blank=header_blank,
    )


def read_table(src: Source) -> Table:
    """One DBF file's structure and live records (no conversion); raises DbfError if unreadable."""
    problems = Problems()
    table = parse(*load(src), problems)
    problems.raise_if_any()
    assert table is not None
    return table


def read_list(kar: Source, wor: Source) -> WageList:
    """A DBF wage-list pair (any layout) as a WageList; raises DbfError naming every problem found."""
    problems = Problems()
    kar_t = parse(*load(kar), problems)
    wor_t = parse(*load(wor), problems)
    kar_d = wor_d = None
    if kar_t is not None and not _missing(kar_t, REQUIRED_KAR, problems):
        kar_d = convert(kar_t, HEADER_NUMBERS, HEADER_TEXTS, problems)
    if wor_t is not None and not _missing(wor_t, REQUIRED_WOR, problems):
        wor_d = convert(wor_t, ROW_NUMBERS, ROW_TEXTS, problems)
    return assemble(kar_t, wor_t, kar_d, wor_d, problems)


_PAIR = re.compile(r"(?P<prefix>.*)DSK(?P<which>KAR|WOR)00\.(?P<ext>DBF|TXT)", re.IGNORECASE)


def find_lists(directory: str | os.PathLike[str]) -> list[tuple[Path, Path]]:
    """Every DSKKAR00/DSKWOR00 pair below `directory` (names case-insensitive, .DBF or .TXT).

    Files pair up within one folder by extension and by any common name prefix, so
    `x_DSKKAR00.DBF` goes with `x_DSKWOR00.DBF`.
    """
    found: dict[tuple[str, str, str], dict[str, Path]] = {}
    for folder, _, files in os.walk(directory):
        for fn in files:
            m = _PAIR.fullmatch(fn)
            if m:
                key = (folder, m["prefix"].upper(), m["ext"].upper())
                found.setdefault(key, {})[m["which"].upper()] = Path(folder) / fn
    pairs = [(p["KAR"], p["WOR"]) for p in found.values() if "KAR" in p and "WOR" in p]
    return sorted(pairs)
