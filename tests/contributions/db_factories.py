"""Wage lists built in memory for the database-side tests (posting, billing, transfer, crash)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from tamin.contributions.wagelist import SourceFile, WageList
from tamin.core.idcodes import with_check_digit
from tamin.registry.models import Person

DAILY_1404 = 3_463_656  # minimum daily wage of 1404


def national_codes(start: int, n: int) -> list[str]:
    return [with_check_digit(f"{start + i:09d}") for i in range(n)]


def wage_list(
    workshop: str,
    year: int = 1404,
    month: int = 2,
    *,
    list_no: str = "01",
    codes: list[str] | None = None,
    n: int = 3,
    days: int = 31,
    daily: int = DAILY_1404,
    start: int = 712_345_000,
) -> WageList:
    codes = codes if codes is not None else national_codes(start, n)
    n = len(codes)
    dd = np.full(n, days, dtype=np.int64)
    rooz = np.full(n, daily, dtype=np.int64) + np.arange(n, dtype=np.int64)
    mah = dd * rooz
    maz = np.full(n, 31_000_000, dtype=np.int64)
    mash = mah + maz
    rows: dict[str, np.ndarray] = {
        "DSW_ID": np.full(n, workshop),
        "DSW_YY": np.full(n, year % 100, dtype=np.int64),
        "DSW_MM": np.full(n, month, dtype=np.int64),
        "DSW_LISTNO": np.full(n, list_no),
        "DSW_ID1": np.array([f"{80000000 + i}" for i in range(n)]),
        "DSW_FNAME": np.full(n, "علی"),
        "DSW_LNAME": np.array([f"کارگر{i}" for i in range(n)]),
        "DSW_DNAME": np.full(n, "حسن"),
        "DSW_IDNO": np.full(n, "123"),
        "DSW_IDPLC": np.full(n, "تهران"),
        "DSW_IDATE": np.full(n, "0"),
        "DSW_BDATE": np.full(n, "13650101"),
        "DSW_SEX": np.full(n, "مرد"),
        "DSW_NAT": np.full(n, "ایرانی"),
        "DSW_OCP": np.full(n, "کارگر ساده"),
        "DSW_SDATE": np.full(n, ""),
        "DSW_EDATE": np.full(n, ""),
        "DSW_DD": dd,
        "DSW_ROOZ": rooz,
        "DSW_MAH": mah,
        "DSW_MAZ": maz,
        "DSW_MASH": mash,
        "DSW_TOTL": mash,
        "DSW_BIME": (mash * 7 + 50) // 100,
        "DSW_PRATE": np.zeros(n, dtype=np.int64),
        "DSW_JOB": np.full(n, "722301"),
        "PER_NATCOD": np.array(codes),
        "DSW_INC": np.zeros(n, dtype=np.int64),
        "DSW_SPOUSE": np.zeros(n, dtype=np.int64),
    }
    header: dict[str, int | str] = {
        "DSK_ID": workshop,
        "DSK_NAME": "کارگاه نمونه",
        "DSK_FARM": "کارفرما",
        "DSK_ADRS": "تهران",
        "DSK_KIND": 0,
        "DSK_YY": year % 100,
        "DSK_MM": month,
        "DSK_LISTNO": list_no,
        "DSK_DISC": "",
        "DSK_NUM": n,
        "DSK_TDD": int(dd.sum()),
        "DSK_TROOZ": int(rooz.sum()),
        "DSK_TMAH": int(mah.sum()),
        "DSK_TMAZ": int(maz.sum()),
        "DSK_TMASH": int(mash.sum()),
        "DSK_TTOTL": int(mash.sum()),
        "DSK_TBIME": int(rows["DSW_BIME"].sum()),
        "DSK_TKOSO": int((mash.sum() * 20 + 50) // 100),
        "DSK_BIC": int((mash.sum() * 3 + 50) // 100),
        "DSK_RATE": 23,
        "DSK_PRATE": 0,
        "DSK_BIMH": 0,
        "MON_PYM": "",
        "DSK_INC": 0,
        "DSK_SPOUSE": 0,
    }
    return WageList(
        kar=SourceFile("DSKKAR00.DBF", "B", "iran_system"),
        wor=SourceFile("DSKWOR00.DBF", "B", "iran_system"),
        header=header,
        rows=rows,
    )


def priced(wl: WageList, **kwargs):
    from tamin.contributions.pricing import price_list

    return price_list(wl, **kwargs)


def person_ids(codes: list[str]) -> np.ndarray:
    """The registry ids of `codes` (row by row), registering the ones not there yet."""
    have = set(Person.objects.filter(national_code__in=codes).values_list("national_code", flat=True))
    Person.objects.bulk_create(
        [
            Person(
                national_code=c,
                first_name="علی",
                last_name="کارگر",
                birth_date=dt.date(1986, 3, 21),
                sex="male",
            )
            for c in dict.fromkeys(codes)
            if c not in have
        ]
    )
    ids = dict(Person.objects.filter(national_code__in=codes).values_list("national_code", "id"))
    return np.array([ids[c] for c in codes], dtype=np.int64)
