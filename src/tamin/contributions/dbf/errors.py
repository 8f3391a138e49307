"""The one error the wage-list reader and writer raise: `DbfError`, carrying every problem found.

Each problem names the file, the record (counted from 1, as a DBF viewer shows it) and the field, with
a stable code and a Persian message, so an employer can find the cell at fault in their own software.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tamin.core.errors import DomainError, Problem

# Enough to show an employer every kind of mistake without building a million-row report from a
# garbage file.
MAX_PROBLEMS = 100

MESSAGES: dict[str, str] = {
    "dbf.missing_file": "فایل پیدا نشد یا خوانده نشد",
    "dbf.empty": "فایل خالی است",
    "dbf.truncated": "فایل ناقص است (کوتاه‌تر از آن است که سرآیندش می‌گوید)",
    "dbf.bad_header": "سرآیند فایل DBF معتبر نیست",
    "dbf.record_length": "طول رکورد در سرآیند با مجموع طول فیلدها برابر نیست",
    "dbf.bad_record": "نشانهٔ ابتدای رکورد معتبر نیست (فایل خراب است)",
    "dbf.record_count": "فایل کارگاه باید دقیقاً یک رکورد داشته باشد",
    "dbf.missing_field": "فیلد لازم در فایل نیست",
    "dbf.not_numeric": "مقدار این فیلد عدد نیست",
    "dbf.number_too_large": "عدد این فیلد بیش از حد بزرگ است",
    "dbf.encoding": "کدگذاری متن فارسی فایل شناخته نشد (نه ایران‌سیستم است و نه ویندوز ۱۲۵۶)",
    "dbf.bad_text": "این فیلد نویسه‌های نامعتبر دارد",
    "dbf.column_count": "تعداد ستون‌های این سطر با قالب فایل متنی لیست نمی‌خواند",
    "dbf.too_wide": "عدد در طول فیلد جا نمی‌شود",
    "dbf.negative": "عدد منفی در فایل لیست مجاز نیست",
    "dbf.too_long": "مقدار در طول فیلد جا نمی‌شود و کوتاه کردنش مجاز نیست",
    "dbf.not_ascii": "این فیلد فقط ارقام و حروف لاتین می‌پذیرد",
    "dbf.unencodable": "این متن نویسه‌ای دارد که در ایران‌سیستم نیست",
    "dbf.unknown_layout": "قالب فایل خواسته‌شده شناخته نیست",
}


class DbfError(DomainError):
    """A wage-list file could not be read or written. `problems` holds them all (at most MAX_PROBLEMS)."""

    def __init__(
        self,
        code: str,
        message: str,
        field: str | None = None,
        record: str | int | None = None,
        file: str | None = None,
    ) -> None:
        super().__init__(code, message, field, record)
        self.problems = [Problem(code, message, field, record, file=file)]


def problem(code: str, file: str | None, field: str | None = None, record: int | None = None,
            detail: str = "") -> Problem:  # fmt: skip
    message = MESSAGES[code] + (f": {detail}" if detail else "")
    return Problem(code, message, field=field, record=record, file=file)


@dataclass
class Problems:
    """Collects problems up to MAX_PROBLEMS (the rest are counted, not kept) and raises them at once."""

    items: list[Problem] = field(default_factory=list)
    dropped: int = 0

    def add(self, code: str, file: str | None, field: str | None = None, record: int | None = None,
            detail: str = "") -> None:  # fmt: skip
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(problem(code, file, field, record, detail))
        else:
            self.dropped += 1

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_PROBLEMS

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise DbfError.of(self.items)


def fail(code: str, file: str | None, field: str | None = None, record: int | None = None,
         detail: str = "") -> DbfError:  # fmt: skip
    """A DbfError with one problem, to `raise`."""
    return DbfError.of([problem(code, file, field, record, detail)])
