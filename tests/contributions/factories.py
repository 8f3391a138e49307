"""Wage lists built from Python dicts, for tests that must not depend on the DBF reader.

`worker(serial, **fields)` is one valid row (a 1404 minimum-wage worker unless told otherwise);
`make_list(rows, ...)` builds the WageList and, unless `header` overrides them, header totals that
agree with the rows exactly as a correct generator writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tamin.contributions.wagelist import ROW_NUMBERS, ROW_TEXTS, SourceFile, WageList
from tamin.core.idcodes import with_check_digit
from tamin.core.money import apply_percent

MIN_1404 = 3_463_656
WORKSHOP = "9000000001"


def worker(serial: int = 1, **fields: object) -> dict[str, object]:
    """A valid row: 30 days at the 1404 minimum, housing + grocery (31,000,000) as benefits.

    Amount fields not given are derived from DD, ROOZ, INC and MAZ the way ListDisk derives them.
    """
    row: dict[str, object] = {
        "DSW_ID1": f"{10_000_000 + serial}",
        "DSW_FNAME": "علی",
        "DSW_LNAME": "رضایی",
        "DSW_DNAME": "حسن",
        "DSW_IDNO": "1281",
        "DSW_IDPLC": "تهران",
        "DSW_IDATE": "0",
        "DSW_BDATE": "57/08/27",
        "DSW_SEX": "مرد",
        "DSW_NAT": "ایرانی",
        "DSW_OCP": "کارگر",
        "DSW_SDATE": "",
        "DSW_EDATE": "",
        "DSW_JOB": "027208",
        "PER_NATCOD": with_check_digit(f"{123_400_000 + serial:09d}"),
        "DSW_DD": 30,
        "DSW_ROOZ": MIN_1404,
        "DSW_INC": 0,
        "DSW_MAZ": 31_000_000,
        "DSW_SPOUSE": 0,
        "DSW_PRATE": 0,
    }
    row.update(fields)
    dd, rooz, inc = int(row["DSW_DD"]), int(row["DSW_ROOZ"]), int(row["DSW_INC"])  # type: ignore[call-overload]
    row.setdefault("DSW_MAH", dd * (rooz + inc))
    row.setdefault("DSW_MASH", int(row["DSW_MAH"]) + int(row["DSW_MAZ"]))  # type: ignore[call-overload]
    row.setdefault("DSW_TOTL", row["DSW_MASH"])
    row.setdefault("DSW_BIME", apply_percent(int(row["DSW_MASH"]), 7))  # type: ignore[call-overload]
    return row


def make_list(
    rows: Iterable[Mapping[str, object]] = (),
    *,
    year: int = 1404,
    month: int = 7,
    header: Mapping[str, object] | None = None,
    layout: str = "B",
    kar_name: str = "DSKKAR00.DBF",
    wor_name: str = "DSKWOR00.DBF",
    list_no: str = "01",
) -> WageList:
    """A WageList of `rows` (dicts of DBF field → value); DSW_ID/YY/MM/LISTNO default to the header's."""
    rows = [dict(r) for r in rows]
    for r in rows:
        r.setdefault("DSW_ID", WORKSHOP)
        r.setdefault("DSW_YY", year % 100)
        r.setdefault("DSW_MM", month)
        r.setdefault("DSW_LISTNO", list_no)
    names = sorted({name for r in rows for name in r})
    columns: dict[str, np.ndarray] = {}
    for name in names:
        values = [r.get(name, 0 if name in ROW_NUMBERS else "") for r in rows]
        if name in ROW_NUMBERS:
            columns[name] = np.array(values, dtype=np.int64)
        elif name in ROW_TEXTS:
            columns[name] = np.array([str(v) for v in values], dtype=str)
        else:
            raise KeyError(f"{name} is not a DSKWOR00 field")
    if not rows:
        columns = {name: np.zeros(0, dtype=np.int64) for name in ROW_NUMBERS}
        columns.update({name: np.zeros(0, dtype="<U1") for name in ROW_TEXTS})

    def total(name: str) -> int:
        return int(columns[name].sum()) if name in columns else 0

    mash = columns.get("DSW_MASH", np.zeros(0, dtype=np.int64))
    head: dict[str, int | str] = {
        "DSK_ID": WORKSHOP,
        "DSK_NAME": "کارگاه نمونه",
        "DSK_FARM": "کارفرمای نمونه",
        "DSK_ADRS": "تهران",
        "DSK_KIND": 0,
        "DSK_YY": year % 100,
        "DSK_MM": month,
        "DSK_LISTNO": list_no,
        "DSK_DISC": "",
        "DSK_NUM": len(rows),
        "DSK_TDD": total("DSW_DD"),
        "DSK_TROOZ": total("DSW_ROOZ"),
        "DSK_TMAH": total("DSW_MAH"),
        "DSK_TMAZ": total("DSW_MAZ"),
        "DSK_TMASH": total("DSW_MASH"),
        "DSK_TTOTL": total("DSW_TOTL"),
        "DSK_TBIME": total("DSW_BIME"),
        "DSK_TKOSO": int(apply_percent(mash, 20).sum()) if mash.size else 0,
        "DSK_BIC": int(apply_percent(mash, 3).sum()) if mash.size else 0,
        "DSK_RATE": 0,
        "DSK_PRATE": 0,
        "DSK_BIMH": 0,
        "MON_PYM": "",
        "DSK_INC": int((columns["DSW_INC"] * columns["DSW_DD"]).sum()) if rows else 0,
        "DSK_SPOUSE": total("DSW_SPOUSE"),
    }
    head.update(header or {})
    head = {k: v for k, v in head.items() if v is not None}  # header={"DSK_INC": None} drops a field
    fields = tuple((name, "N" if name in ROW_NUMBERS else "C", 10) for name in names)
    return WageList(
        kar=SourceFile(kar_name, layout, "iran_system"),
        wor=SourceFile(wor_name, layout, "iran_system", fields),
        header=head,  # type: ignore[arg-type]
        rows=columns,
        blank={name: np.zeros(len(rows), dtype=bool) for name in names if name in ROW_NUMBERS},
    )


def columns_list(
    columns: Mapping[str, list[int]], *, year: int, month: int, header: Mapping[str, object] | None = None
) -> WageList:
    """A list from numeric columns (e.g. copied from a real list); identities are generated."""
    n = len(next(iter(columns.values())))
    rows = [worker(i + 1, **{name: values[i] for name, values in columns.items()}) for i in range(n)]
    return make_list(rows, year=year, month=month, header=header)


SAMPLES = Path("/work/shared/data/dbf_samples")
# The real lists of wage-list-dbf.md §5 (stem → extension); every one must check without errors.
SAMPLE_LISTS = {
    "listdisk_v6_output_1403-09": "DBF",
    "extended_26x31_layout_1404-07": "DBF",
    "s1_maxlen_layout_1401-05": "DBF",
    "txt_variant_1404-08": "txt",
}


def sample_paths(stem: str) -> tuple[Path, Path]:
    ext = SAMPLE_LISTS[stem]
    return SAMPLES / f"{stem}_redacted_DSKKAR00.{ext}", SAMPLES / f"{stem}_redacted_DSKWOR00.{ext}"


def reader() -> ModuleType:
    """tamin.contributions.dbf, or a skip while its reader (another engineer's part) is not in place."""
    dbf = pytest.importorskip("tamin.contributions.dbf")
    if not hasattr(dbf, "read_list"):
        pytest.skip("the DBF reader (tamin.contributions.dbf.read_list) is not in place yet")
    return dbf


def read_sample(stem: str) -> WageList:
    dbf = reader()
    kar, wor = sample_paths(stem)
    return dbf.read_txt_list(kar, wor) if SAMPLE_LISTS[stem] == "txt" else dbf.read_list(kar, wor)
