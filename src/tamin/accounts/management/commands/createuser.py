"""`tamin createuser USERNAME --role ROLE [--password P] [--national-code|--employer|--branch|--province]`."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamin.accounts import services
from tamin.accounts.roles import SCOPE_FIELD, Role
from tamin.core.errors import DomainError
from tamin.core.idcodes import normalize_national_code
from tamin.registry.models import Branch, Employer, Person, Province


class Command(BaseCommand):
    help = "Create a user with a role and the scope that role needs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", help="prompted for when omitted")
        parser.add_argument("--national-code", help="insured / pensioner: the person")
        parser.add_argument("--employer", type=int, help="employer: the employer's id")
        parser.add_argument("--branch", help="branch_staff: the branch code")
        parser.add_argument("--province", help="province_manager: the province code")

    def handle(self, *args: Any, **opts: Any) -> None:
        role = opts["role"]
        field = SCOPE_FIELD[role]
        scope: dict[str, Any] = {}
        try:
            if field == "person":
                code = normalize_national_code(opts["national_code"] or "")
                scope["person"] = Person.objects.get(national_code=code)
            elif field == "employer":
                scope["employer"] = Employer.objects.get(pk=opts["employer"])
            elif field == "branch":
                scope["branch"] = Branch.objects.get(code=opts["branch"])
            elif field == "province":
                scope["province"] = Province.objects.get(code=opts["province"])
        except (
            Person.DoesNotExist,
            Employer.DoesNotExist,
            Branch.DoesNotExist,
            Province.DoesNotExist,
        ) as exc:
            raise CommandError(f"the {field} for role {role} was not found") from exc
        except DomainError as err:
            raise CommandError(f"{err.code}: {err.message}") from err
        password = opts["password"] or getpass.getpass("password: ")
        try:
            user = services.create_user(None, opts["username"], role, password, **scope)
        except DomainError as err:
            raise CommandError(f"{err.code}: {err.message}") from err
        self.stdout.write(f"created {user.username} ({role})")
