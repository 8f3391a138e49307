"""Registry operations. Views, the API and batch jobs call these; they check rights, validate,
write in one transaction and record the write in the audit trail."""

from tamin.registry.services.eligibility import Eligibility
from tamin.registry.services.eligibility import check as check_eligibility
from tamin.registry.services.employers import register_employer
from tamin.registry.services.employments import end_employment, start_employment
from tamin.registry.services.families import add_family_relation, end_family_relation
from tamin.registry.services.lookups import get_employer, get_person, get_workshop
from tamin.registry.services.persons import (
    ensure_insurance_number,
    find_or_register_person,
    register_person,
    update_person,
)
from tamin.registry.services.workshops import register_workshop, update_workshop

__all__ = [
    "Eligibility",
    "add_family_relation",
    "check_eligibility",
    "end_employment",
    "end_family_relation",
    "ensure_insurance_number",
    "find_or_register_person",
    "get_employer",
    "get_person",
    "get_workshop",
    "register_employer",
    "register_person",
    "register_workshop",
    "start_employment",
    "update_person",
    "update_workshop",
]
