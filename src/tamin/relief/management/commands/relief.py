"""`tamin relief forgive CAMPAIGN_ID [--as-of YYYY/MM/DD] [--dry-run] [--json]` and
`tamin relief campaigns [--json]`.

`forgive` applies a penalty forgiveness campaign to every workshop's bills on the as-of day (default
today) and prints the figures: workshops, bills, Rials forgiven per penalty kind; with --json one JSON
object with the lines per workshop. Applying the same campaign on the same day again changes nothing and
prints the stored figures. --dry-run computes and prints, writes nothing. Exit 2 on bad input.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamin.core.errors import DomainError
from tamin.core.jalali import parse_jalali_date
from tamin.core.money import format_rial

EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    help = "Penalty forgiveness campaigns (بخشودگی جرائم): list them, or apply one to every workshop."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        forgive = sub.add_parser("forgive", help="apply a campaign to every workshop's bills")
        forgive.add_argument(
            "campaign", help="campaign id, e.g. c1402_khordad (see `tamin relief campaigns`)"
        )
        forgive.add_argument("--as-of", dest="as_of", help="Jalali day YYYY/MM/DD (default today)")
        forgive.add_argument("--dry-run", action="store_true", help="compute and print, write nothing")
        forgive.add_argument("--json", action="store_true", help="one JSON object, with lines per workshop")
        forgive.add_argument("--actor", help="username recorded in the audit trail (default the system)")
        campaigns = sub.add_parser("campaigns", help="the campaigns the parameters define")
        campaigns.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            if opts["action"] == "campaigns":
                self.campaigns(opts["json"])
            else:
                self.forgive(opts)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}", returncode=EXIT_BAD_INPUT) from None

    def campaigns(self, as_json: bool) -> None:
        from tamin.rules.forgiveness import campaigns

        found = [c.as_dict() for c in campaigns()]
        if as_json:
            self.stdout.write(json.dumps(found, ensure_ascii=False))
            return
        for c in found:
            self.stdout.write(f"{c['id']}\t{c['window'][0]}–{c['window'][1]}\t{c['title']}")

    def forgive(self, opts: dict[str, Any]) -> None:
        from tamin.relief.forgiveness import apply_campaign

        as_of = parse_jalali_date(opts["as_of"], field="--as-of") if opts.get("as_of") else None
        report = apply_campaign(
            self._actor(opts.get("actor")), opts["campaign"], as_of, dry_run=opts["dry_run"]
        )
        if opts["json"]:
            self.stdout.write(json.dumps(report.as_dict(lines=True), ensure_ascii=False))
            return
        f = report.forgiven
        status = {
            "applied": "اعمال شد",
            "unchanged": "پیش‌تر اعمال شده بود؛ تغییری نکرد",
            "dry_run": "آزمایشی",
        }
        self.stdout.write(
            "\n".join(
                [
                    f"{report.campaign} ({report.summary()['as_of']}): {status[report.status]}",
                    f"workshops: {report.workshops}",
                    f"bills: {report.bills}",
                    f"late_list forgiven: {format_rial(f['late_list'], persian=False)} rial",
                    f"late_payment forgiven: {format_rial(f['late_payment'], persian=False)} rial",
                    f"total forgiven: {format_rial(f['total'], persian=False)} rial",
                    f"covered bills: {report.covered_bills}, pending (window open, condition not yet met): "
                    f"{report.pending_bills}",
                ]
            )
        )

    def _actor(self, username: str | None) -> Any:
        from tamin.contributions.posting import SystemActor

        if not username:
            return SystemActor()
        from tamin.accounts.models import User

        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--actor: no active user {username!r}", returncode=EXIT_BAD_INPUT)
        return user
