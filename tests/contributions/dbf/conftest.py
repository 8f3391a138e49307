"""Paths to the real sample lists and the name lists their redacted names were drawn from."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tamin.core.text import normalize

DATA = Path("/work/shared/data")
SAMPLES = DATA / "dbf_samples"

LISTDISK = (SAMPLES / "listdisk_v6_output_1403-09_redacted_DSKKAR00.DBF",
            SAMPLES / "listdisk_v6_output_1403-09_redacted_DSKWOR00.DBF")  # fmt: skip
KOSHA = (SAMPLES / "s1_maxlen_layout_1401-05_redacted_DSKKAR00.DBF",
         SAMPLES / "s1_maxlen_layout_1401-05_redacted_DSKWOR00.DBF")  # fmt: skip
EXTENDED = (SAMPLES / "extended_26x31_layout_1404-07_redacted_DSKKAR00.DBF",
            SAMPLES / "extended_26x31_layout_1404-07_redacted_DSKWOR00.DBF")  # fmt: skip
TEMPLATE = (SAMPLES / "listdisk_v6_template_DSKKAR00.DBF", SAMPLES / "listdisk_v6_template_DSKWOR00.DBF")
TXT = (SAMPLES / "txt_variant_1404-08_redacted_DSKKAR00.txt",
       SAMPLES / "txt_variant_1404-08_redacted_DSKWOR00.txt")  # fmt: skip

DBF_LISTS = {"B": LISTDISK, "C": KOSHA, "D": EXTENDED}


def _key(name: str) -> str:
    # Some generators drop the ZWNJ in compound names (علی‌آبادی → علیآبادی); compare without it.
    return normalize(name).replace("\u200c", "").replace(" ", "")


@pytest.fixture(scope="session")
def given_names() -> set[str]:
    names = {_key(line) for f in ("names_male_fa.txt", "names_female_fa.txt")
             for line in (DATA / f).read_text(encoding="utf-8").splitlines() if line.strip()}  # fmt: skip
    with (DATA / "names_first_fa.csv").open(encoding="utf-8") as fh:
        names |= {_key(row["name_fa"]) for row in csv.DictReader(fh)}
    return names


@pytest.fixture(scope="session")
def surnames() -> set[str]:
    names = {_key(line) for line in (DATA / "names_last_fa.txt").read_text(encoding="utf-8").splitlines()
             if line.strip()}  # fmt: skip
    with (DATA / "names_last_fa_top30_sabteahval.csv").open(encoding="utf-8") as fh:
        names |= {_key(row["name_fa"]) for row in csv.DictReader(fh)}
    return names


key = _key
