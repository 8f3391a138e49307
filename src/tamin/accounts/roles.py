"""The roles of Tamin's users and what each is attached to (its scope)."""

from django.db import models


class Role(models.TextChoices):
    INSURED = "insured", "بیمه‌شده"
    PENSIONER = "pensioner", "مستمری‌بگیر"
    EMPLOYER = "employer", "کارفرما"
    PROVIDER = "provider", "ارائه‌دهندهٔ خدمات درمانی"
    BRANCH_STAFF = "branch_staff", "کارمند شعبه"
    PROVINCE_MANAGER = "province_manager", "مدیر استان"
    HQ_MANAGER = "hq_manager", "مدیر ستاد"
    AUDITOR = "auditor", "حسابرس"
    ADMIN = "admin", "مدیر سامانه"


# The object each role is scoped to; a user of that role without it sees nothing.
SCOPE_FIELD: dict[str, str | None] = {
    Role.INSURED: "person",
    Role.PENSIONER: "person",
    Role.EMPLOYER: "employer",
    Role.PROVIDER: None,
    Role.BRANCH_STAFF: "branch",
    Role.PROVINCE_MANAGER: "province",
    Role.HQ_MANAGER: None,
    Role.AUDITOR: None,
    Role.ADMIN: None,
}

NATIONWIDE_READ = frozenset({Role.HQ_MANAGER, Role.AUDITOR, Role.ADMIN})
STAFF_ROLES = frozenset({Role.BRANCH_STAFF, Role.PROVINCE_MANAGER, Role.HQ_MANAGER, Role.AUDITOR, Role.ADMIN})
