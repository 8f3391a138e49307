"""Finding one record inside the caller's scope. Outside it the answer is the same whether or not
the record exists, so scope cannot be used to probe for people."""

from __future__ import annotations

from typing import Any

from tamin.accounts import scope
from tamin.accounts.roles import NATIONWIDE_READ
from tamin.core.errors import Forbidden, NotFound
from tamin.core.idcodes import InvalidNationalCode, normalize_national_code
from tamin.core.text import normalize, to_ascii_digits
from tamin.registry.models import Employer, Person, Workshop


def out_of_scope(user: Any, code: str, what: str, field: str) -> Exception:
    """Nationwide readers are told a record does not exist; everyone else that it is not theirs."""
    if getattr(user, "role", None) in NATIONWIDE_READ:
        return NotFound(f"{code}.not_found", f"{what} یافت نشد.", field)
    return Forbidden("auth.out_of_scope", "این پرونده در حوزهٔ دسترسی شما نیست.", field)


def get_person(user: Any, national_code: str) -> Person:
    try:
        code = normalize_national_code(national_code)
    except InvalidNationalCode:
        raise
    person = scope.persons(user).filter(national_code=code).first()
    if person is None:
        raise out_of_scope(user, "person", "شخص", "national_code")
    return person


def get_workshop(user: Any, code: str) -> Workshop:
    code = to_ascii_digits(normalize(code))
    workshop = scope.workshops(user).select_related("branch", "employer").filter(code=code).first()
    if workshop is None:
        raise out_of_scope(user, "workshop", "کارگاه", "code")
    return workshop


def get_employer(user: Any, employer_id: int) -> Employer:
    employer = scope.employers(user).filter(pk=employer_id).first()
    if employer is None:
        raise out_of_scope(user, "employer", "کارفرما", "id")
    return employer
