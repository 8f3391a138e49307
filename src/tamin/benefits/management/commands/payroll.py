"""`tamin payroll run YYYY-MM [--json] [--actor USERNAME]`: the pension payroll of one Jalali month.

Prints the line count and totals (or, with --json, one JSON object). Running a month again changes nothing
and says so (status "unchanged"). Bad input — a malformed month, an unknown actor, an actor who may not
run the payroll — exits 2 with the problem on stderr as `field: message [code]`.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamin.core.errors import DomainError

EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    help = "Run the monthly pension payroll: tamin payroll run YYYY-MM [--json]"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="compute and write the payroll of one month")
        run.add_argument("month", help="Jalali month, e.g. 1404-07")
        run.add_argument("--json", action="store_true", help="print one JSON object")
        run.add_argument("--actor", help="username recorded in the audit trail (default: the system)")

    def handle(self, *args: Any, **opts: Any) -> None:
        from tamin.accounts.models import User
        from tamin.benefits.payroll import run_payroll
        from tamin.contributions.posting import SystemActor
        from tamin.core.jalali import JalaliMonth

        try:
            month = JalaliMonth.parse(opts["month"], field="month")
            actor: Any = SystemActor()
            if opts.get("actor"):
                actor = User.objects.filter(username=opts["actor"], is_active=True).first()
                if actor is None:
                    raise DomainError(
                        "actor.unknown", f"کاربری به نام «{opts['actor']}» نیست یا فعال نیست.", "actor"
                    )
            result = run_payroll(actor, month)
        except DomainError as err:
            lines = [f"{p.field or '-'}: {p.message} [{p.code}]" for p in err.problems]
            raise CommandError("\n".join(lines), returncode=EXIT_BAD_INPUT) from None
        if opts["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        d = result.as_dict()
        self.stdout.write(d["message"])
        for key in (
            "lines",
            "total_pension",
            "total_allowances",
            "total_deductions",
            "total_arrears",
            "total_net",
        ):
            self.stdout.write(f"{key}: {d[key]:,}")
        if d["notes"].get("increases_undecided"):
            self.stdout.write(f"increases not decided yet: {d['notes']['increases_undecided']}")
