"""The registry in the staff admin: read-only, each role seeing what its scope holds."""

from __future__ import annotations

from django.contrib import admin

from tamin.accounts import scope
from tamin.portal.adminkit import ScopedReadOnlyAdmin, jalali_column, related_column, titled_filter
from tamin.registry.models import (
    Branch,
    County,
    Employer,
    Employment,
    FamilyRelation,
    Person,
    Province,
    Workshop,
)

BY_PROVINCE = titled_filter("استان")


@admin.register(Province)
class ProvinceAdmin(ScopedReadOnlyAdmin):
    scoped_rows = staticmethod(scope.provinces)
    list_display = ("code", "name_fa", "capital_fa", "population_1395", "sso_type")
    search_fields = ("code", "name_fa", "name_en")


@admin.register(County)
class CountyAdmin(ScopedReadOnlyAdmin):
    scoped_rows = staticmethod(scope.counties)
    list_display = ("code", "name_fa", "province_column")
    list_select_related = ("province",)
    list_filter = (("province", BY_PROVINCE),)
    search_fields = ("code", "name_fa")
    province_column = related_column("province", "استان")


@admin.register(Branch)
class BranchAdmin(ScopedReadOnlyAdmin):
    scoped_rows = staticmethod(scope.branches)
    list_display = ("code", "name_fa", "county_column", "province_column")
    list_select_related = ("county__province",)
    list_filter = (("county__province", BY_PROVINCE),)
    search_fields = ("code", "name_fa")
    county_column = related_column("county", "شهرستان")

    @admin.display(description="استان", ordering="county__province__code")
    def province_column(self, obj: Branch) -> str:
        return obj.county.province.name_fa


@admin.register(Person)
class PersonAdmin(ScopedReadOnlyAdmin):
    scoped_rows = staticmethod(scope.persons)
    list_display = (
        "national_code",
        "insurance_number",
        "last_name",
        "first_name",
        "father_name",
        "birth_date_jalali",
        "sex",
        "branch",
        "registered_at_jalali",
    )
    list_select_related = ("branch",)
    list_filter = ("sex", ("branch__county__province", BY_PROVINCE))
    search_fields = ("=national_code", "=insurance_number", "last_name", "first_name")
    birth_date_jalali = jalali_column("birth_date", "تاریخ تولد")
    registered_at_jalali = jalali_column("registered_at", "ثبت")


@admin.register(FamilyRelation)
class FamilyRelationAdmin(ScopedReadOnlyAdmin):
    scoped_rows = staticmethod(scope.family_relations)
    list_display = ("person_column", "kind", "relative_column", "valid_from_jalali", "valid_to_jalali")
    list_select_related = ("person", "relative")
    list_filter = ("kind",)
    search_fields = ("=person__national_code", "=relative__national_code")
    person_column = related_column("person", "بیمه‌شدهٔ اصلی")
    relative_column = related_column("relative", "خویشاوند")
    valid_from_jalali = jalali_column("valid_from", "از تاریخ")
    valid_to_jalali = jalali_column("valid_to", "تا تاریخ")


@admin.register(Employer)
class EmployerAdmin(ScopedReadOnlyAdmin):
    scoped_rows = staticmethod(scope.employers)
    list_display = (
        "name",
        "kind",
        "national_id",
        "person_column",
        "registration_number",
        "registered_at_jalali",
    )
    list_select_related = ("person",)
    list_filter = ("kind",)
    search_fields = ("name", "=national_id", "=person__national_code")
    person_column = related_column("person", "شخص (کارفرمای حقیقی)")
    registered_at_jalali = jalali_column("registered_at", "ثبت")


@admin.register(Workshop)
class WorkshopAdmin(ScopedReadOnlyAdmin):
    scoped_rows = staticmethod(scope.workshops)
    list_display = (
        "code",
        "name",
        "employer_column",
        "branch_column",
        "activity",
        "status",
        "opened_on_jalali",
        "closed_on_jalali",
    )
    list_select_related = ("employer", "branch")
    list_filter = ("status", ("branch__county__province", BY_PROVINCE))
    search_fields = ("=code", "name", "employer__name")
    employer_column = related_column("employer", "کارفرما")
    branch_column = related_column("branch", "شعبه")
    opened_on_jalali = jalali_column("opened_on", "تاریخ شروع")
    closed_on_jalali = jalali_column("closed_on", "تاریخ تعطیل")


@admin.register(Employment)
class EmploymentAdmin(ScopedReadOnlyAdmin):
    scoped_rows = staticmethod(scope.employments)
    list_display = (
        "person_column",
        "workshop_column",
        "job_code",
        "job_title",
        "start_date_jalali",
        "end_date_jalali",
    )
    list_select_related = ("person", "workshop")
    search_fields = ("=person__national_code", "=workshop__code")
    person_column = related_column("person", "شخص")
    workshop_column = related_column("workshop", "کارگاه")
    start_date_jalali = jalali_column("start_date", "شروع")
    end_date_jalali = jalali_column("end_date", "پایان")
