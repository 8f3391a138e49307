"""Loading the reference data: provinces, counties and the starting branch per county."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
KHUZESTAN_TYPE_SOURCE = "ILNA 2025-12-21, SSO Khuzestan director general: «در صدر استان‌های تیپ یک کشور»"
SSO_TYPES = {"06": (1, KHUZESTAN_TYPE_SOURCE)}


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load(apps: Any) -> None:
    """Idempotent: existing rows (matched by code) are left as they are."""
    province_model = apps.get_model("registry", "Province")
    county_model = apps.get_model("registry", "County")
    branch_model = apps.get_model("registry", "Branch")
    provinces = {}
    for row in read_csv("provinces.csv"):
        sso_type, source = SSO_TYPES.get(row["code"], (None, ""))
        provinces[row["code"]], _ = province_model.objects.get_or_create(
            code=row["code"],
            defaults={
                "iso_code": row["iso_3166_2"],
                "name_fa": row["name_fa"],
                "name_en": row["name_en"],
                "capital_fa": row["capital_fa"],
                "population_1395": int(row["population_1395"]),
                "male_1395": int(row["male_1395"]),
                "female_1395": int(row["female_1395"]),
                "sso_type": sso_type,
                "sso_type_source": source,
            },
        )
    for number, row in enumerate(sorted(read_csv("counties.csv"), key=lambda r: r["county_code"]), start=1):
        county, _ = county_model.objects.get_or_create(
            code=row["county_code"],
            defaults={
                "province": provinces[row["province_code"]],
                "name_fa": row["name_fa"],
                "population_1395": int(row["population_1395"]) if row["population_1395"] else None,
            },
        )
        branch_model.objects.get_or_create(
            code=f"{number:03d}", defaults={"name_fa": f"شعبهٔ {row['name_fa']}", "county": county}
        )
