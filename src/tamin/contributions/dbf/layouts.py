"""The DBF layout families of the wage list (spec §1.0) and which fields hold what.

A reader never relies on these widths (it reads the descriptors); they serve to write a layout and to
name the family a file belongs to, for messages and statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

Field = tuple[str, str, int]  # (name, dBase type, width)

# The v6 layout (family B), as in the official ListDisk v6 templates.
B_KAR: tuple[Field, ...] = (
    ("DSK_ID", "C", 10), ("DSK_NAME", "C", 30), ("DSK_FARM", "C", 30), ("DSK_ADRS", "C", 40),
    ("DSK_KIND", "N", 1), ("DSK_YY", "N", 2), ("DSK_MM", "N", 2), ("DSK_LISTNO", "C", 12),
    ("DSK_DISC", "C", 30), ("DSK_NUM", "N", 5), ("DSK_TDD", "N", 6), ("DSK_TROOZ", "N", 12),
    ("DSK_TMAH", "N", 12), ("DSK_TMAZ", "N", 12), ("DSK_TMASH", "N", 12), ("DSK_TTOTL", "N", 12),
    ("DSK_TBIME", "N", 12), ("DSK_TKOSO", "N", 12), ("DSK_BIC", "N", 12), ("DSK_RATE", "N", 5),
    ("DSK_PRATE", "N", 2), ("DSK_BIMH", "N", 12), ("MON_PYM", "C", 3), ("DSK_INC", "N", 12),
    ("DSK_SPOUSE", "N", 12),
)  # fmt: skip
B_WOR: tuple[Field, ...] = (
    ("DSW_ID", "C", 10), ("DSW_YY", "N", 2), ("DSW_MM", "N", 2), ("DSW_LISTNO", "C", 12),
    ("DSW_ID1", "C", 8), ("DSW_FNAME", "C", 60), ("DSW_LNAME", "C", 60), ("DSW_DNAME", "C", 60),
    ("DSW_IDNO", "C", 15), ("DSW_IDPLC", "C", 30), ("DSW_IDATE", "C", 8), ("DSW_BDATE", "C", 8),
    ("DSW_SEX", "C", 3), ("DSW_NAT", "C", 10), ("DSW_OCP", "C", 50), ("DSW_SDATE", "C", 8),
    ("DSW_EDATE", "C", 8), ("DSW_DD", "N", 2), ("DSW_ROOZ", "N", 12), ("DSW_MAH", "N", 12),
    ("DSW_MAZ", "N", 12), ("DSW_MASH", "N", 12), ("DSW_TOTL", "N", 12), ("DSW_BIME", "N", 12),
    ("DSW_PRATE", "N", 2), ("DSW_JOB", "C", 6), ("PER_NATCOD", "C", 10), ("DSW_INC", "N", 12),
    ("DSW_SPOUSE", "C", 10),
)  # fmt: skip

# v2.7 (family A): v6 without the two 1403 columns, which were appended.
A_KAR = B_KAR[:-2]
A_WOR = B_WOR[:-2]

_S1_MAX = {
    "DSK_NAME": 100, "DSK_FARM": 100, "DSK_ADRS": 100, "DSK_DISC": 100, "DSW_ID1": 10,
    "DSW_FNAME": 100, "DSW_LNAME": 100, "DSW_DNAME": 100, "DSW_IDPLC": 100, "DSW_OCP": 100,
}  # fmt: skip


def _widen(fields: tuple[Field, ...], widths: dict[str, int]) -> tuple[Field, ...]:
    return tuple((n, t, widths.get(n, w)) for n, t, w in fields)


# Every width at the 1392 دستورالعمل maximum (family C), and its all-`C` variant (DSK_RATE C12).
C_KAR = _widen(A_KAR, _S1_MAX)
C_WOR = _widen(A_WOR, _S1_MAX)
C_KAR_ALL_C = tuple((n, "C", 12 if n == "DSK_RATE" else w) for n, _, w in C_KAR)
C_WOR_ALL_C = tuple((n, "C", w) for n, _, w in C_WOR)

# The third-party "extended" layout (family D), as in the accepted Mehr 1404 file.
D_KAR: tuple[Field, ...] = (
    *_widen(B_KAR[:21], {**_S1_MAX, "DSK_TMAH": 13, "DSK_TTOTL": 13}),
    ("DSK_TBIM20", "N", 12), ("DSK_BIMH", "N", 12), ("MON_PYM", "C", 3), ("DSK_INC", "N", 19),
    ("DSK_SPOUSE", "N", 19),
)  # fmt: skip
D_WOR: tuple[Field, ...] = (
    *_widen(B_WOR[:25], {"DSW_FNAME": 20, "DSW_LNAME": 25, "DSW_DNAME": 20}),
    ("DSW_KOSO", "N", 12), ("DSW_BIME20", "N", 12), ("PER_NATCOD", "C", 10), ("DSW_JOB", "C", 10),
    ("DSW_INC", "N", 19), ("DSW_SPOUSE", "N", 19),
)  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """A writable layout: both tables' fields, their LDID bytes and the header date bytes (YY MM DD).

    The date bytes are the templates' own: ListDisk copies the template header and never updates them.
    """

    family: str
    kar: tuple[Field, ...]
    wor: tuple[Field, ...]
    kar_ldid: int = 0x7E
    wor_ldid: int = 0x7E
    kar_date: tuple[int, int, int] = (7, 8, 8)
    wor_date: tuple[int, int, int] = (10, 10, 9)


LAYOUTS: dict[str, Layout] = {
    "A": Layout("A", A_KAR, A_WOR, wor_ldid=0x00),
    "B": Layout("B", B_KAR, B_WOR),
    "C": Layout("C", C_KAR, C_WOR, kar_ldid=0x00, wor_ldid=0x00),
    "C-all-C": Layout("C", C_KAR_ALL_C, C_WOR_ALL_C, kar_ldid=0x00, wor_ldid=0x00),
    "D": Layout("D", D_KAR, D_WOR),
}


def family(fields: tuple[Field, ...] | list[Field]) -> str:
    """The family ("A", "B", "C", "D") whose field names and widths a table declares, else "other".

    Types are not compared: one accepted generator declares every field `C`.
    """
    shape = [(n, w) for n, _, w in fields]
    for name in ("B", "A", "D", "C", "C-all-C"):
        lay = LAYOUTS[name]
        for table in (lay.kar, lay.wor):
            if shape == [(n, w) for n, _, w in table]:
                return lay.family
    return "other"


# Persian free text (Iran System or cp1256); the other character fields are ASCII (spec §2.1).
PERSIAN_TEXT = frozenset(
    {"DSK_NAME", "DSK_FARM", "DSK_ADRS", "DSK_DISC", "DSW_FNAME", "DSW_LNAME", "DSW_DNAME", "DSW_IDPLC",
     "DSW_SEX", "DSW_NAT", "DSW_OCP"}
)  # fmt: skip

# Without these a pair is not a wage list at all; the other fields are optional per layout.
REQUIRED_KAR = ("DSK_ID", "DSK_YY", "DSK_MM", "DSK_LISTNO")
REQUIRED_WOR = (
    "DSW_ID", "DSW_YY", "DSW_MM", "DSW_LISTNO", "DSW_ID1", "DSW_FNAME", "DSW_LNAME", "DSW_DD", "DSW_ROOZ",
    "DSW_MAH", "DSW_MAZ", "DSW_MASH", "DSW_TOTL", "DSW_BIME", "PER_NATCOD",
)  # fmt: skip
