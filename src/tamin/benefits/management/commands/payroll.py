"""`tamin payroll run YYYY-MM [--json] [--actor USERNAME]`: the pension payroll of one Jalali month.
`tamin payroll deduction AWARD KIND YYYY-MM [--amount N] [--months N] [--persons N] [--creditor TEXT]
[--reference TEXT] [--json] [--actor USERNAME]`: add a monthly deduction (loan, supplementary,
court_order) to an award, from that month.

`run` prints the line count and totals (or, with --json, one JSON object). Running a month again changes
nothing and says so (status "unchanged"). Bad input — a malformed month, an unknown actor or award, an
actor who may not do it, a bad amount — exits 2 with the problem on stderr as `field: message [code]`.
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
        ded = sub.add_parser("deduction", help="add a monthly deduction to an award")
        ded.add_argument("award", type=int, help="pension award id")
        ded.add_argument("kind", choices=["loan", "supplementary", "court_order"])
        ded.add_argument("start", help="first Jalali month, e.g. 1404-07")
        ded.add_argument("--amount", type=int, help="Rials a month (loan, court_order)")
        ded.add_argument("--months", type=int, help="number of months (default: until ended)")
        ded.add_argument("--persons", type=int, default=1, help="persons covered (supplementary)")
        ded.add_argument("--creditor", default="")
        ded.add_argument("--reference", default="")
        ded.add_argument("--json", action="store_true", help="print one JSON object")
        ded.add_argument("--actor", help="username recorded in the audit trail (default: the system)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            if opts["action"] == "deduction":
                self._deduction(opts)
            else:
                self._run(opts)
        except DomainError as err:
            lines = [f"{p.field or '-'}: {p.message} [{p.code}]" for p in err.problems]
            raise CommandError("\n".join(lines), returncode=EXIT_BAD_INPUT) from None

    def _actor(self, opts: dict[str, Any]) -> Any:
        from tamin.accounts.models import User
        from tamin.contributions.posting import SystemActor

        if not opts.get("actor"):
            return SystemActor()
        actor = User.objects.filter(username=opts["actor"], is_active=True).first()
        if actor is None:
            raise DomainError("actor.unknown", f"کاربری به نام «{opts['actor']}» نیست یا فعال نیست.", "actor")
        return actor

    def _deduction(self, opts: dict[str, Any]) -> None:
        from tamin.benefits.deductions import add_deduction
        from tamin.benefits.models import PensionAward
        from tamin.core.jalali import JalaliMonth

        start = JalaliMonth.parse(opts["start"], field="start")
        actor = self._actor(opts)
        award = PensionAward.objects.select_related("person").filter(pk=opts["award"]).first()
        if award is None:
            raise DomainError("award.unknown", f"حکم مستمری شمارهٔ {opts['award']} نیست.", "award")
        d = add_deduction(
            actor,
            award,
            opts["kind"],
            start,
            amount=opts["amount"],
            months=opts["months"],
            covered_persons=opts["persons"],
            creditor=opts["creditor"],
            reference=opts["reference"],
        )
        out = {
            "id": d.pk,
            "award": award.pk,
            "kind": d.kind,
            "amount": d.amount,
            "covered_persons": d.covered_persons,
            "start": str(d.start),
            "end": str(d.end) if d.end else None,
        }
        if opts["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False))
        else:
            self.stdout.write(f"کسر {d.get_kind_display()} برای حکم {award.pk} از {d.start.label_fa} ثبت شد.")

    def _run(self, opts: dict[str, Any]) -> None:
        from tamin.benefits.payroll import run_payroll
        from tamin.core.jalali import JalaliMonth

        month = JalaliMonth.parse(opts["month"], field="month")
        result = run_payroll(self._actor(opts), month)
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
