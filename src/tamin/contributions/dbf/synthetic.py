"""Synthetic but internally consistent wage lists, for tests and benchmarks of the file formats.

The arithmetic follows spec §1.3 (MAH = DD × (ROOZ + INC), MASH capped, BIME = 7 % rounded half up,
header = Σ rows), with 1403 amounts; national codes carry valid check digits. Not a demo population:
the numbers are plausible, not calibrated.
"""

from __future__ import annotations

import numpy as np

from tamin.contributions.wagelist import KAR, WOR, SourceFile, WageList
from tamin.core.idcodes import with_check_digits

FIRST = ("علی", "محمد", "زهرا", "فاطمه", "حسین", "مریم", "رضا", "سارا", "مهدی", "نرگس", "جلال", "شاپرک",
         "امیرحسین", "لاله", "کیانا", "پرویز")  # fmt: skip
LAST = ("احمدی", "محمدی", "حسینی", "رضایی", "کریمی", "جلالی", "موسوی", "علی آبادی", "ملایری", "قاسمی",
        "صادقی", "عباس زاده", "شجاعی", "غلامی")  # fmt: skip
PLACES = ("تهران", "اهواز", "شیراز", "مشهد", "یزد", "رشت", "اراک", "قم")
JOBS = ("کارگر ساده", "نگهبان", "راننده", "مدیر عامل", "کارمند اداری", "تکنسین فنی", "اپراتور(1)")

MIN_DAILY_1403 = 2_388_728
CEILING_1403 = 7 * MIN_DAILY_1403 * 30


def synthetic_list(n: int, seed: int = 0, workshop: str = "0968490066", yy: int = 3, mm: int = 9) -> WageList:
    """A list of `n` workers for Jalali 14yy/mm."""
    rng = np.random.default_rng(seed)
    dd = rng.integers(1, 31, n).astype(np.int64)
    dd[rng.random(n) < 0.8] = 30
    rooz = (MIN_DAILY_1403 + rng.integers(0, 4, n) * rng.integers(0, 2_000_000, n)).astype(np.int64)
    inc = np.where(rng.random(n) < 0.3, 70_000, 0).astype(np.int64)
    spouse = np.where(rng.random(n) < 0.5, 5_000_000, 0).astype(np.int64)
    mah = dd * (rooz + inc)
    maz = 23_000_000 + spouse + rng.integers(0, 10, n) * 1_000_000
    mash = np.minimum(mah + maz, CEILING_1403)
    totl = mah + maz + np.where(rng.random(n) < 0.3, 8_000_000, 0)
    bime = (mash * 7 + 50) // 100
    codes = with_check_digits(rng.integers(1_000_000, 999_999_999, n))
    pick = lambda pool: np.array(pool)[rng.integers(0, len(pool), n)]  # noqa: E731
    sex = np.where(rng.random(n) < 0.7, "مرد", "زن")
    rows: dict[str, np.ndarray] = {
        "DSW_ID": np.full(n, workshop),
        "DSW_YY": np.full(n, yy, dtype=np.int64),
        "DSW_MM": np.full(n, mm, dtype=np.int64),
        "DSW_LISTNO": np.full(n, "01"),
        "DSW_ID1": np.char.zfill(rng.integers(1, 99_999_999, n).astype(str), 8),
        "DSW_FNAME": pick(FIRST),
        "DSW_LNAME": pick(LAST),
        "DSW_DNAME": pick(FIRST),
        "DSW_IDNO": codes.copy(),
        "DSW_IDPLC": pick(PLACES),
        "DSW_IDATE": np.full(n, "0"),
        "DSW_BDATE": np.array([f"{y:02d}/{m:02d}/{d:02d}" for y, m, d in zip(
            rng.integers(40, 85, n), rng.integers(1, 13, n), rng.integers(1, 30, n), strict=True)]),
        "DSW_SEX": sex,
        "DSW_NAT": np.full(n, "ایرانی"),
        "DSW_OCP": pick(JOBS),
        "DSW_SDATE": np.full(n, ""),
        "DSW_EDATE": np.full(n, ""),
        "DSW_DD": dd,
        "DSW_ROOZ": rooz,
        "DSW_MAH": mah,
        "DSW_MAZ": maz,
        "DSW_MASH": mash,
        "DSW_TOTL": totl,
        "DSW_BIME": bime,
        "DSW_PRATE": np.zeros(n, dtype=np.int64),
        "DSW_JOB": np.char.zfill(rng.integers(10_000, 40_000, n).astype(str), 6),
        "PER_NATCOD": codes,
        "DSW_INC": inc,
        "DSW_SPOUSE": spouse,
    }  # fmt: skip
    header: dict[str, int | str] = {
        "DSK_ID": workshop, "DSK_NAME": "کارگاه نمونه آزمایشی", "DSK_FARM": "کارفرمای نمونه",
        "DSK_ADRS": "تهران خیابان نمونه پلاک 40", "DSK_KIND": 0, "DSK_YY": yy, "DSK_MM": mm,
        "DSK_LISTNO": "01", "DSK_DISC": "", "DSK_NUM": n, "DSK_TDD": int(dd.sum()),
        "DSK_TROOZ": int(rooz.sum()), "DSK_TMAH": int(mah.sum()), "DSK_TMAZ": int(maz.sum()),
        "DSK_TMASH": int(mash.sum()), "DSK_TTOTL": int(totl.sum()), "DSK_TBIME": int(bime.sum()),
        "DSK_TKOSO": int((mash.sum() * 20 + 50) // 100), "DSK_BIC": int((mash.sum() * 3 + 50) // 100),
        "DSK_RATE": 0, "DSK_PRATE": 0, "DSK_BIMH": 0, "MON_PYM": "", "DSK_INC": int((inc * dd).sum()),
        "DSK_SPOUSE": int(spouse.sum()),
    }  # fmt: skip
    return WageList(
        kar=SourceFile(f"{KAR}.DBF", "B", "iran_system"),
        wor=SourceFile(f"{WOR}.DBF", "B", "iran_system"),
        header=header,
        rows=rows,
        blank={},
        header_blank={},
    )
