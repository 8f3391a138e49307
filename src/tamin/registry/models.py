"""Who and where: provinces, counties, branches, persons and families, employers, workshops, employments."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class Province(models.Model):
    code = models.CharField("کد آماری", max_length=2, unique=True)
    iso_code = models.CharField("ISO 3166-2", max_length=6, unique=True)
    name_fa = models.CharField("نام", max_length=60)
    name_en = models.CharField("نام لاتین", max_length=60)
    capital_fa = models.CharField("مرکز استان", max_length=60)
    population_1395 = models.PositiveIntegerField("جمعیت ۱۳۹۵")
    male_1395 = models.PositiveIntegerField("مرد ۱۳۹۵")
    female_1395 = models.PositiveIntegerField("زن ۱۳۹۵")
    # The SSO's own province grouping ("تیپ"); only Khuzestan's is published, so most stay empty.
    sso_type = models.PositiveSmallIntegerField("تیپ استان در سازمان", null=True, blank=True)
    sso_type_source = models.CharField("منبع تیپ", max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "استان"
        verbose_name_plural = "استان‌ها"

    def __str__(self) -> str:
        return self.name_fa


class County(models.Model):
    code = models.CharField("کد", max_length=4, unique=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="counties")
    name_fa = models.CharField("نام", max_length=60)
    population_1395 = models.PositiveIntegerField("جمعیت ۱۳۹۵", null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "شهرستان"
        verbose_name_plural = "شهرستان‌ها"

    def __str__(self) -> str:
        return self.name_fa


class Branch(models.Model):
    # Three digits: the prefix of every workshop code the branch issues.
    code = models.CharField("کد شعبه", max_length=3, unique=True)
    name_fa = models.CharField("نام شعبه", max_length=100)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="branches")
    address = models.CharField("نشانی", max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "شعبه"
        verbose_name_plural = "شعبه‌ها"

    def __str__(self) -> str:
        return f"{self.name_fa} ({self.code})"


class Sex(models.TextChoices):
    MALE = "male", "مرد"
    FEMALE = "female", "زن"


class Person(models.Model):
    national_code = models.CharField("کد ملی", max_length=10, unique=True)
    # Assigned the first time the person registers with the SSO; residents known only from
    # the civil registry have none.
    insurance_number = models.CharField("شماره بیمه", max_length=10, unique=True, null=True, blank=True)
    first_name = models.CharField("نام", max_length=60)
    last_name = models.CharField("نام خانوادگی", max_length=80)
    father_name = models.CharField("نام پدر", max_length=60, blank=True)
    birth_date = models.DateField("تاریخ تولد")
    sex = models.CharField("جنسیت", max_length=6, choices=Sex.choices)
    nationality = models.CharField("تابعیت", max_length=2, default="IR")
    id_card_number = models.CharField("شماره شناسنامه", max_length=15, blank=True)
    mobile = models.CharField("تلفن همراه", max_length=11, blank=True)
    death_date = models.DateField("تاریخ فوت", null=True, blank=True)
    # A pensioner who works again is exempt from the unemployment premium (rules.md §1.2).
    is_pensioner = models.BooleanField("مستمری‌بگیر", default=False)
    branch = models.ForeignKey(
        Branch, verbose_name="شعبه", on_delete=models.PROTECT, null=True, blank=True, related_name="persons"
    )
    registered_at = models.DateTimeField("ثبت", auto_now_add=True)
    updated_at = models.DateTimeField("آخرین تغییر", auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "national_code"]
        verbose_name = "شخص"
        verbose_name_plural = "اشخاص"

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.national_code})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class RelationKind(models.TextChoices):
    SPOUSE = "spouse", "همسر"
    CHILD = "child", "فرزند"
    PARENT = "parent", "پدر/مادر"


class FamilyRelation(models.Model):
    """`relative` is the `kind` of `person` (a child of the insured, ...) from valid_from to valid_to."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="relations")
    relative = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="relation_of")
    kind = models.CharField("نسبت", max_length=6, choices=RelationKind.choices)
    valid_from = models.DateField("از تاریخ")
    valid_to = models.DateField("تا تاریخ", null=True, blank=True)

    class Meta:
        ordering = ["person_id", "kind", "valid_from"]
        verbose_name = "نسبت خانوادگی"
        verbose_name_plural = "نسبت‌های خانوادگی"
        constraints = [
            models.CheckConstraint(condition=~Q(person=F("relative")), name="relation_not_self"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="relation_dates"
            ),
            models.UniqueConstraint(
                fields=["person", "relative", "kind", "valid_from"], name="relation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.relative} — {self.get_kind_display()} {self.person}"


class EmployerKind(models.TextChoices):
    NATURAL = "natural", "حقیقی"
    LEGAL = "legal", "حقوقی"


class Employer(models.Model):
    kind = models.CharField("نوع", max_length=7, choices=EmployerKind.choices)
    # A natural-person employer is a registered person; a legal person has a national ID (شناسه ملی).
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="employer_roles"
    )
    name = models.CharField("نام", max_length=200)
    national_id = models.CharField("شناسه ملی", max_length=11, unique=True, null=True, blank=True)
    registration_number = models.CharField("شماره ثبت", max_length=20, blank=True)
    registered_at = models.DateTimeField("ثبت", auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "کارفرما"
        verbose_name_plural = "کارفرمایان"
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="natural") & Q(person__isnull=False) & Q(national_id__isnull=True))
                | (Q(kind="legal") & Q(person__isnull=True) & Q(national_id__isnull=False)),
                name="employer_kind_identity",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WorkshopStatus(models.TextChoices):
    ACTIVE = "active", "فعال"
    SUSPENDED = "suspended", "غیرفعال موقت"
    CLOSED = "closed", "بسته"


class Workshop(models.Model):
    # Ten digits: branch (3) + activity (3) + the branch's serial for that activity (4).
    code = models.CharField("کد کارگاه", max_length=10, unique=True)
    name = models.CharField("نام کارگاه", max_length=200)
    address = models.CharField("نشانی", max_length=300)
    postal_code = models.CharField("کد پستی", max_length=10, blank=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="workshops")
    activity_code = models.CharField("کد فعالیت", max_length=3)
    activity = models.CharField("فعالیت", max_length=120)
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="workshops")
    status = models.CharField("وضعیت", max_length=9, choices=WorkshopStatus.choices, default="active")
    opened_on = models.DateField("تاریخ شروع")
    closed_on = models.DateField("تاریخ تعطیل", null=True, blank=True)
    # Law of 1361/12/16: employer share of up to 5 workers paid by the state; later deadline (rules.md §1.2).
    small_workshop_exempt = models.BooleanField("معافیت کارگاه‌های تا پنج نفر", default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = "کارگاه"
        verbose_name_plural = "کارگاه‌ها"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Employment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="employments")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="employments")
    start_date = models.DateField("شروع")
    end_date = models.DateField("پایان", null=True, blank=True)
    job_code = models.CharField("کد شغل", max_length=6, blank=True)
    job_title = models.CharField("عنوان شغل", max_length=120, blank=True)
    # Certified hard and harmful by the Labour-office commission: the employer pays 4 % more.
    hard_job = models.BooleanField("مشاغل سخت و زیان‌آور", default=False)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = "اشتغال"
        verbose_name_plural = "اشتغال‌ها"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="employment_dates"
            ),
        ]
        indexes = [models.Index(fields=["workshop", "end_date"])]

    def __str__(self) -> str:
        return f"{self.person} @ {self.workshop}"


class Sequence(models.Model):
    """Counters for identifiers the SSO issues (insurance numbers, workshop serials)."""

    name = models.CharField(max_length=40, unique=True)
    last = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.last}"
