"""A monthly wage list in memory: the one shape every reader produces and every check, price and
post consumes. No Django here (like `tamin.rules`), so `tamin wagelist check` runs without a database.

Fields keep their DBF names (`DSW_DD`, `PER_NATCOD`, ...) because every problem must name the field as
the employer's software wrote it. Text is decoded to logical Unicode and normalised
(`tamin.core.text.normalize`); numbers are int64 Rials or days; a blank number reads as 0 and is
flagged in `blank`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tamin.core.jalali import JalaliMonth

# Header (DSKKAR00) fields that hold numbers, whatever type the file declares them (one accepted
# generator types every field `C`, so numbers are read by name, not by dBase type).
HEADER_NUMBERS = (
    "DSK_KIND", "DSK_YY", "DSK_MM", "DSK_NUM", "DSK_TDD", "DSK_TROOZ", "DSK_TMAH", "DSK_TMAZ",
    "DSK_TMASH", "DSK_TTOTL", "DSK_TBIME", "DSK_TKOSO", "DSK_BIC", "DSK_RATE", "DSK_PRATE",
    "DSK_TBIM20", "DSK_BIMH", "DSK_INC", "DSK_SPOUSE",
)  # fmt: skip
HEADER_TEXTS = ("DSK_ID", "DSK_NAME", "DSK_FARM", "DSK_ADRS", "DSK_LISTNO", "DSK_DISC", "MON_PYM")

# Worker (DSKWOR00) fields that hold numbers (DSW_SPOUSE is C10 in v6 and N19 in the extended layout).
ROW_NUMBERS = (
    "DSW_YY", "DSW_MM", "DSW_DD", "DSW_ROOZ", "DSW_MAH", "DSW_MAZ", "DSW_MASH", "DSW_TOTL", "DSW_BIME",
    "DSW_PRATE", "DSW_KOSO", "DSW_BIME20", "DSW_INC", "DSW_SPOUSE",
)  # fmt: skip
ROW_TEXTS = (
    "DSW_ID", "DSW_LISTNO", "DSW_ID1", "DSW_FNAME", "DSW_LNAME", "DSW_DNAME", "DSW_IDNO", "DSW_IDPLC",
    "DSW_IDATE", "DSW_BDATE", "DSW_SEX", "DSW_NAT", "DSW_OCP", "DSW_SDATE", "DSW_EDATE", "DSW_JOB",
    "PER_NATCOD",
)  # fmt: skip

KAR = "DSKKAR00"
WOR = "DSKWOR00"


def full_year(yy: int) -> int:
    """`DSK_YY` holds the Jalali year mod 100 (`3` for 1403). Lists before 1370 never reach us."""
    return 1300 + yy if yy >= 70 else 1400 + yy


@dataclass(frozen=True)
class SourceFile:
    """Where a table came from, for messages: the file's name, its layout family and its encoding."""

    name: str  # e.g. "DSKWOR00.DBF" or the path as given on the command line
    layout: str  # "A" (v2.7), "B" (v6), "C" (S1 maximum), "D" (extended), "TXT", or "other"
    encoding: str  # "iran_system", "cp1256" or "ascii" (no Persian text at all)
    fields: tuple[tuple[str, str, int], ...] = ()  # (name, dBase type, width) as the file declares


@dataclass
class WageList:
    """One list: the header record and the worker rows as columns.

    `header[name]` is an int (HEADER_NUMBERS) or a str (HEADER_TEXTS), present only if the file has
    that field. `rows[name]` is a numpy array of length `n`: int64 for ROW_NUMBERS, a numpy unicode
    array (`<U…`) for ROW_TEXTS, present only if the file has that field. `blank[name]` (numbers only)
    is True where the field was empty.
    """

    kar: SourceFile
    wor: SourceFile
    header: dict[str, int | str]
    rows: dict[str, np.ndarray]
    blank: dict[str, np.ndarray] = field(default_factory=dict)
    header_blank: dict[str, bool] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.rows["PER_NATCOD"]) if "PER_NATCOD" in self.rows else 0

    @property
    def workshop(self) -> str:
        return str(self.header.get("DSK_ID", ""))

    @property
    def list_no(self) -> str:
        return str(self.header.get("DSK_LISTNO", ""))

    @property
    def month(self) -> JalaliMonth:
        """The list's Jalali month; raises `DomainError` if DSK_YY/DSK_MM do not make one."""
        return JalaliMonth(full_year(int(self.header.get("DSK_YY", 0))), int(self.header.get("DSK_MM", 0)))

    def column(self, name: str) -> np.ndarray:
        """A row column, or zeros / empty strings when this layout lacks it (e.g. DSW_INC in v2.7)."""
        if name in self.rows:
            return self.rows[name]
        if name in ROW_NUMBERS:
            return np.zeros(self.n, dtype=np.int64)
        return np.full(self.n, "", dtype="<U1")
