"""`tamin token create USERNAME`, `tamin token revoke PREFIX`, `tamin token list [USERNAME]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamin.accounts import services
from tamin.accounts.models import ApiToken, User
from tamin.core.errors import DomainError


class Command(BaseCommand):
    help = "Issue, revoke and list API bearer tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token for a user; it is printed once")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for, e.g. the payroll software")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix (tmn_…) or id")
        revoke.add_argument("token")
        listing = sub.add_parser("list", help="list tokens")
        listing.add_argument("username", nargs="?")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except DomainError as err:
            raise CommandError(f"{err.code}: {err.message}") from err

    def _create(self, opts: dict[str, Any]) -> None:
        user = User.objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"no user named {opts['username']!r}")
        _, raw = services.issue_token(None, user, opts["name"])
        self.stdout.write(raw)
        self.stderr.write(f"token for {user.username} ({user.role}); it is shown only this once")

    def _revoke(self, opts: dict[str, Any]) -> None:
        ref = opts["token"]
        qs = (
            ApiToken.objects.filter(pk=int(ref))
            if ref.isdigit()
            else ApiToken.objects.filter(key_prefix=ref[:12])
        )
        tokens = list(qs[:2])
        if not tokens:
            raise CommandError(f"no token matches {ref!r}")
        if len(tokens) > 1:
            raise CommandError(f"{ref!r} matches more than one token; use its id")
        services.revoke_token(None, tokens[0])
        self.stdout.write(f"revoked {tokens[0].key_prefix}… of {tokens[0].user.username}")

    def _list(self, opts: dict[str, Any]) -> None:
        qs = ApiToken.objects.select_related("user").order_by("id")
        if opts.get("username"):
            qs = qs.filter(user__username=opts["username"])
        for t in qs:
            state = "revoked" if t.revoked_at else "active"
            self.stdout.write(f"{t.pk}\t{t.key_prefix}…\t{t.user.username}\t{state}\t{t.name}")
