"""The comma-separated TXT variant of the wage list (`DSKKAR00.TXT` / `DSKWOR00.TXT`, spec §4).

No header names the columns, so the column order is fixed: 22 or 24 columns for the workshop line
(no MON_PYM), 27 or 29 for worker lines (the legacy order, with DSW_BDATE after DSW_JOB). Values are
Iran System text padded with a few spaces; lines end in CRLF.
"""

from __future__ import annotations

import numpy as np

from tamin.contributions.dbf.errors import Problems
from tamin.contributions.dbf.reader import Decoded, Source, Table, assemble, convert, load
from tamin.contributions.wagelist import HEADER_NUMBERS, HEADER_TEXTS, ROW_NUMBERS, ROW_TEXTS, WageList

KAR_COLUMNS = (
    "DSK_ID", "DSK_NAME", "DSK_FARM", "DSK_ADRS", "DSK_KIND", "DSK_YY", "DSK_MM", "DSK_LISTNO",
    "DSK_DISC", "DSK_NUM", "DSK_TDD", "DSK_TROOZ", "DSK_TMAH", "DSK_TMAZ", "DSK_TMASH", "DSK_TTOTL",
    "DSK_TBIME", "DSK_TKOSO", "DSK_BIC", "DSK_RATE", "DSK_PRATE", "DSK_BIMH", "DSK_INC", "DSK_SPOUSE",
)  # fmt: skip
WOR_COLUMNS = (
    "DSW_ID", "DSW_YY", "DSW_MM", "DSW_LISTNO", "DSW_ID1", "DSW_FNAME", "DSW_LNAME", "DSW_DNAME",
    "DSW_IDNO", "DSW_IDPLC", "DSW_IDATE", "DSW_SEX", "DSW_NAT", "DSW_OCP", "DSW_SDATE", "DSW_EDATE",
    "DSW_DD", "DSW_ROOZ", "DSW_MAH", "DSW_MAZ", "DSW_MASH", "DSW_TOTL", "DSW_BIME", "DSW_PRATE",
    "DSW_JOB", "DSW_BDATE", "PER_NATCOD", "DSW_INC", "DSW_SPOUSE",
)  # fmt: skip


def parse_txt(name: str, data: bytes, names: tuple[str, ...], problems: Problems) -> Table | None:
    """Split the lines into fixed-width column blocks so the DBF column decoders apply unchanged."""
    if not data.strip(b" \t\r\n\x1a"):
        problems.add("dbf.empty", name)
        return None
    lines = [ln for ln in data.replace(b"\x1a", b"").split(b"\n") if ln.strip(b" \t\r")]
    cells = [ln.rstrip(b"\r").split(b",") for ln in lines]
    width = len(cells[0])
    allowed = (len(names) - 2, len(names))
    if width not in allowed:
        problems.add("dbf.column_count", name, record=1, detail=f"{width} ستون")
        return None
    for i, row in enumerate(cells):
        if len(row) != width:
            problems.add("dbf.column_count", name, record=i + 1, detail=f"{len(row)} ستون به جای {width}")
    if problems:
        return None
    cols: dict[str, np.ndarray] = {}
    fields = []
    for j, fname in enumerate(names[:width]):
        values = np.array([row[j] for row in cells], dtype=bytes)
        w = max(values.dtype.itemsize, 1)
        block = np.frombuffer(values.astype(f"S{w}").tobytes(), dtype=np.uint8).reshape(len(cells), w)
        cols[fname] = block
        fields.append((fname, "C", w))
    ranges = {f: (int(b.min()), int(b.max())) if b.size else None for f, b in cols.items()}
    return Table(name, tuple(fields), "TXT", cols, np.arange(1, len(cells) + 1), ranges)


def read_txt_list(kar: Source, wor: Source) -> WageList:
    """A TXT wage-list pair as a WageList (layout "TXT"); raises DbfError naming every problem."""
    problems = Problems()
    kar_t = parse_txt(*load(kar), KAR_COLUMNS, problems)
    wor_t = parse_txt(*load(wor), WOR_COLUMNS, problems)
    kar_d: Decoded | None = None
    wor_d: Decoded | None = None
    if kar_t is not None:
        kar_d = convert(kar_t, HEADER_NUMBERS, HEADER_TEXTS, problems)
    if wor_t is not None:
        wor_d = convert(wor_t, ROW_NUMBERS, ROW_TEXTS, problems)
    return assemble(kar_t, wor_t, kar_d, wor_d, problems, layout="TXT")
