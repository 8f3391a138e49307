"""Posted wage lists, their rows, the bills they raise and the payments that settle them.

A list is identified by workshop + Jalali month + list number. Rows keep every DBF field the employer
sent (so `tamin wagelist export` writes the same pair back) next to the price Tamin computed.
Rows are written set-based (COPY / executemany, see `posting.py`), never through the ORM one by one,
so the table layout below is also the column list of those bulk writes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class ListStatus(models.TextChoices):
    POSTED = "posted", "ثبت‌شده"
    CORRECTED = "corrected", "اصلاحی"
    SUPPLEMENTARY = "supplementary", "مکمل"


class PricingBasis(models.Model):
    """The part of a price's derivation that every list priced for the same month on the same parameters
    shares: the month, the values looked up and their citations (≈ 3.5 KB of JSON). Stored once and
    referenced by each list (`ContributionList.basis`) instead of copied into each of a month's ~100,000
    lists; `digest` is the SHA-256 of its canonical JSON (`basis_digest`)."""

    digest = models.CharField("چکیده", max_length=64, unique=True)
    body = models.JSONField("مبنای محاسبه")

    class Meta:
        verbose_name = "مبنای محاسبه"
        verbose_name_plural = "مبناهای محاسبه"

    def __str__(self) -> str:
        return self.digest[:12]


# The keys of a derivation that belong to one list (pricing.Derivation.as_dict); the rest is the basis.
OWN_DERIVATION_KEYS = ("exemptions", "counts")


def basis_digest(body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class ContributionList(models.Model):
    """One wage list (لیست بیمه) as posted. A corrected list (اصلاحی) replaces it in place: same key,
    `version` + 1, new rows; a supplementary list (مکمل) is another list number for the same month."""

    # Indexed by the list key (workshop, year, month, list_no), which serves look-ups by workshop.
    workshop = models.ForeignKey(
        "registry.Workshop", on_delete=models.PROTECT, related_name="lists", db_index=False
    )
    year = models.PositiveSmallIntegerField("سال")
    month = models.PositiveSmallIntegerField("ماه")
    list_no = models.CharField("شماره لیست", max_length=12)
    status = models.CharField("وضعیت", max_length=13, choices=ListStatus.choices)
    version = models.PositiveIntegerField("نسخه", default=1)
    content_hash = models.CharField("چکیدهٔ محتوا", max_length=64)
    rows = models.PositiveIntegerField("تعداد ردیف")
    # The header as the employer sent it (DSK_* fields), for export and for messages.
    header = models.JSONField("سرصفحه")
    layout = models.CharField("قالب فایل", max_length=8, blank=True)
    source = models.CharField("فایل‌ها", max_length=300, blank=True)
    total_days = models.BigIntegerField("جمع روزها", default=0)
    wage_subject = models.BigIntegerField("دستمزد مشمول", default=0)
    insured_share = models.BigIntegerField("سهم بیمه‌شده", default=0)
    employer_share = models.BigIntegerField("سهم کارفرما", default=0)
    unemployment_share = models.BigIntegerField("بیمهٔ بیکاری", default=0)
    hard_job_share = models.BigIntegerField("مشاغل سخت", default=0)
    state_share = models.BigIntegerField("سهم دولت", default=0)
    # The derivation (why the price is what it is) is `basis` (shared by the month's lists) + this list's
    # own part; read it whole through `derivation`. Lists posted before the split keep it all here.
    basis = models.ForeignKey(
        PricingBasis, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    own_derivation = models.JSONField("شرح محاسبهٔ لیست", default=dict, db_column="derivation")
    posted_at = models.DateTimeField("ثبت")
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["workshop_id", "year", "month", "list_no"]
        verbose_name = "لیست بیمه"
        verbose_name_plural = "لیست‌های بیمه"
        constraints = [
            models.UniqueConstraint(fields=["workshop", "year", "month", "list_no"], name="list_key"),
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="list_month"),
        ]

    def __str__(self) -> str:
        return f"{self.workshop_id} {self.year}-{self.month:02d} #{self.list_no}"

    @property
    def derivation(self) -> dict[str, Any]:
        """The whole derivation, as pricing gave it to `posting.post_list` / `batch.post_batch`."""
        own = dict(self.own_derivation or {})
        return own if self.basis_id is None else {**self.basis.body, **own}  # type: ignore[union-attr]

    @derivation.setter
    def derivation(self, value: dict[str, Any]) -> None:
        # Kept whole, unshared: `posting.post_list` splits it (split_derivation) to share the basis.
        self.basis = None
        self.own_derivation = value or {}

    @property
    def billed(self) -> int:
        return self.insured_share + self.employer_share + self.unemployment_share + self.hard_job_share


# (db column, DBF field) of the text and number fields a row keeps as sent.
ROW_TEXT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("insurance_number", "DSW_ID1"),
    ("first_name", "DSW_FNAME"),
    ("last_name", "DSW_LNAME"),
    ("father_name", "DSW_DNAME"),
    ("id_card_number", "DSW_IDNO"),
    ("id_card_place", "DSW_IDPLC"),
    ("id_card_date", "DSW_IDATE"),
    ("birth_date", "DSW_BDATE"),
    ("sex", "DSW_SEX"),
    ("nationality", "DSW_NAT"),
    ("job_title", "DSW_OCP"),
    ("start_date", "DSW_SDATE"),
    ("end_date", "DSW_EDATE"),
    ("job_code", "DSW_JOB"),
    ("national_code", "PER_NATCOD"),
)
ROW_NUMBER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("days", "DSW_DD"),
    ("daily_wage", "DSW_ROOZ"),
    ("monthly_wage", "DSW_MAH"),
    ("benefits", "DSW_MAZ"),
    ("insurable", "DSW_MASH"),
    ("total_pay", "DSW_TOTL"),
    ("insured_declared", "DSW_BIME"),
    ("percent_rate", "DSW_PRATE"),
    ("seniority_daily", "DSW_INC"),
    ("marriage_allowance", "DSW_SPOUSE"),
)
# The price Tamin computed for each row (B's CheckResult.price arrays).
ROW_PRICE_COLUMNS: tuple[str, ...] = (
    "wage_subject",
    "insured_share",
    "employer_share",
    "unemployment_share",
    "hard_job_share",
    "state_share",
)


class ListRow(models.Model):
    """One worker line of a posted list."""

    # No database foreign keys here (db_constraint=False): a month's ~1.3 M rows would cost ~1.3 M
    # per-row trigger checks. The writers check them set-based instead (posting.check_persons: one query
    # per batch; the list is the one just written), the ORM still cascades/protects on delete, and
    # tests/contributions/test_batch.py checks that a row naming no person is refused. The list's index
    # is the unique (list, row_no) one.
    contribution_list = models.ForeignKey(
        ContributionList, on_delete=models.CASCADE, related_name="lines", db_constraint=False, db_index=False
    )
    row_no = models.PositiveIntegerField("ردیف")
    # Indexed (Meta): a person's history (records.HistoryMonth, a view over these rows) is read by person.
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="list_rows",
        db_constraint=False,
        db_index=False,
    )
    insurance_number = models.CharField("شماره بیمه", max_length=10, blank=True)
    first_name = models.CharField("نام", max_length=100, blank=True)
    last_name = models.CharField("نام خانوادگی", max_length=100, blank=True)
    father_name = models.CharField("نام پدر", max_length=100, blank=True)
    id_card_number = models.CharField("شماره شناسنامه", max_length=15, blank=True)
    id_card_place = models.CharField("محل صدور", max_length=100, blank=True)
    id_card_date = models.CharField("تاریخ صدور", max_length=10, blank=True)
    birth_date = models.CharField("تاریخ تولد", max_length=10, blank=True)
    sex = models.CharField("جنسیت", max_length=3, blank=True)
    nationality = models.CharField("ملیت", max_length=10, blank=True)
    job_title = models.CharField("شرح شغل", max_length=100, blank=True)
    start_date = models.CharField("شروع به کار", max_length=10, blank=True)
    end_date = models.CharField("ترک کار", max_length=10, blank=True)
    job_code = models.CharField("کد شغل", max_length=10, blank=True)
    national_code = models.CharField("کد ملی", max_length=10)
    days = models.BigIntegerField("روز کارکرد")
    daily_wage = models.BigIntegerField("دستمزد روزانه")
    monthly_wage = models.BigIntegerField("دستمزد ماهانه")
    benefits = models.BigIntegerField("مزایای مشمول")
    insurable = models.BigIntegerField("جمع مشمول اعلامی")
    total_pay = models.BigIntegerField("جمع کل")
    insured_declared = models.BigIntegerField("سهم بیمه‌شدهٔ اعلامی")
    percent_rate = models.BigIntegerField("نرخ پورسانتاژ")
    seniority_daily = models.BigIntegerField("پایه سنوات روزانه")
    marriage_allowance = models.BigIntegerField("حق تأهل")
    hard_job = models.BooleanField("مشاغل سخت", default=False)
    wage_subject = models.BigIntegerField("دستمزد مشمول")
    insured_share = models.BigIntegerField("سهم بیمه‌شده")
    employer_share = models.BigIntegerField("سهم کارفرما")
    unemployment_share = models.BigIntegerField("بیمهٔ بیکاری")
    hard_job_share = models.BigIntegerField("مشاغل سخت")
    state_share = models.BigIntegerField("سهم دولت")

    class Meta:
        ordering = ["contribution_list_id", "row_no"]
        verbose_name = "ردیف لیست"
        verbose_name_plural = "ردیف‌های لیست"
        indexes = [models.Index(fields=["person"], name="list_row_person")]
        constraints = [
            models.UniqueConstraint(fields=["contribution_list", "row_no"], name="list_row_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contribution_list_id}:{self.row_no}"


class Bill(models.Model):
    """برگ پرداخت: what one list owes. A corrected list changes the amounts in place and the bill keeps
    the amount it replaced, so it shows the difference; the audit trail keeps every earlier version."""

    contribution_list = models.OneToOneField(ContributionList, on_delete=models.PROTECT, related_name="bill")
    # Indexed by (workshop, due_on), which serves look-ups by workshop.
    workshop = models.ForeignKey(
        "registry.Workshop", on_delete=models.PROTECT, related_name="bills", db_index=False
    )
    number = models.CharField("شماره", max_length=40)  # unique (Meta): no pattern index on PostgreSQL
    year = models.PositiveSmallIntegerField("سال")
    month = models.PositiveSmallIntegerField("ماه")
    insured_share = models.BigIntegerField("سهم بیمه‌شده")
    employer_share = models.BigIntegerField("سهم کارفرما")
    unemployment_share = models.BigIntegerField("بیمهٔ بیکاری")
    hard_job_share = models.BigIntegerField("مشاغل سخت")
    # The state's 3 % is paid through the budget (SSL Art. 28 Tabsareh 2): recorded, never billed.
    state_share = models.BigIntegerField("سهم دولت (غیرقابل مطالبه از کارفرما)")
    amount = models.BigIntegerField("مبلغ قابل پرداخت")
    previous_amount = models.BigIntegerField("مبلغ پیش از اصلاح", null=True, blank=True)
    version = models.PositiveIntegerField("نسخه", default=1)
    issued_on = models.DateField("تاریخ صدور")
    due_on = models.DateField("مهلت پرداخت")
    due_source = models.CharField("مبنای مهلت", max_length=300)
    # The day the list was first sent (the first version's issue day, kept across corrections): the
    # list deadline is the payment deadline (SSL Art. 39), so a list sent after `due_on` owes the
    # one-time late-list penalty (tamin.rules.penalties.late_list_penalty) on the bill's amount.
    first_submitted_on = models.DateField("تاریخ نخستین ارسال لیست", null=True, blank=True)
    late_list_penalty = models.BigIntegerField("جریمهٔ تأخیر در ارسال لیست", default=0)
    updated_at = models.DateTimeField("آخرین تغییر", auto_now=True)

    class Meta:
        ordering = ["workshop_id", "due_on", "id"]
        verbose_name = "برگ پرداخت"
        verbose_name_plural = "برگ‌های پرداخت"
        indexes = [models.Index(fields=["workshop", "due_on"])]
        constraints = [models.UniqueConstraint(fields=["number"], name="bill_number_unique")]

    def __str__(self) -> str:
        return self.number

    @property
    def difference(self) -> int:
        return self.amount - (self.previous_amount if self.previous_amount is not None else 0)


class Payment(models.Model):
    """A bank payment, recorded once per bank reference."""

    reference = models.CharField("شناسهٔ پرداخت بانک", max_length=40, unique=True)
    workshop = models.ForeignKey("registry.Workshop", on_delete=models.PROTECT, related_name="payments")
    amount = models.BigIntegerField("مبلغ")
    paid_on = models.DateField("تاریخ پرداخت")
    recorded_at = models.DateTimeField("ثبت", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["workshop_id", "paid_on", "id"]
        verbose_name = "پرداخت"
        verbose_name_plural = "پرداخت‌ها"
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"
