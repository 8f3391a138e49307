"""`tamin demo`: build the demo database (migrate, wipe a previous demo, generate) and serve it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from tamin.demo import report
from tamin.demo.build import (
    DEFAULT_SCALE,
    DEFAULT_SEED,
    BuildOptions,
    DemoError,
    build,
    check_months,
    check_payroll_months,
    check_scale,
    database_state,
    province_code,
    reference_date,
    wipe,
)
from tamin.demo.contributions import DEFAULT_MONTHS, MAX_MONTHS
from tamin.demo.management.commands.serve import DEFAULT_PORT, serve
from tamin.demo.pensions import DEFAULT_PAYROLL_MONTHS, MAX_PAYROLL_MONTHS

FOREIGN = (
    "The database already holds registry data that `tamin demo` did not create; refusing to wipe it. "
    "Point TAMIN_VAR_DIR (SQLite) or TAMIN_DATABASE_URL at a database of its own."
)


def _sqlite_file() -> Path | None:
    conn = connections["default"]
    if conn.vendor != "sqlite":
        return None
    name = str(conn.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


class Command(BaseCommand):
    help = (
        "Build a demo database: a synthetic population calibrated to published SSO figures, employers, "
        "workshops, employments, months of wage lists with their bills, payments and history, and one "
        "user per role; then serve it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--province", help="Statistical Centre code of one province (e.g. 06 Khuzestan, 23 Tehran)"
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=DEFAULT_SCALE,
            help=f"share of the real population to generate (default {DEFAULT_SCALE}, at most 0.05)",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
        )
        parser.add_argument(
            "--date",
            help="reference date, Jalali (1404/07/09) or ISO (2025-10-01); default today in Tehran. "
            "The same seed and date give the same database.",
        )
        parser.add_argument(
            "--months",
            type=int,
            default=DEFAULT_MONTHS,
            help=f"months of wage lists, bills and payments before the reference month (default "
            f"{DEFAULT_MONTHS}, at most {MAX_MONTHS}; 0 for none)",
        )
        parser.add_argument(
            "--payroll-months",
            type=int,
            default=DEFAULT_PAYROLL_MONTHS,
            help=f"pension payroll months ending at the reference month, with an award for every pensioner "
            f"(default {DEFAULT_PAYROLL_MONTHS}, at most {MAX_PAYROLL_MONTHS}; extended back to include one "
            "yearly increase decided late; 0 for no pensions)",
        )
        parser.add_argument("--no-serve", action="store_true", help="build only, do not start the server")
        parser.add_argument(
            "--port", type=int, default=DEFAULT_PORT, help=f"port to serve on (default {DEFAULT_PORT})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            code = province_code(options["province"])
            scale = check_scale(options["scale"])
            today = reference_date(options["date"])
            months = check_months(options["months"])
            payroll_months = check_payroll_months(options["payroll_months"])
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if not 0 < options["port"] < 65536:
            raise CommandError(f"--port must be 1–65535, got {options['port']}")
        out = report.console(self.stdout)

        t0 = time.perf_counter()
        try:
            self._prepare_database(out)
        except DatabaseError as exc:
            raise CommandError(f"Cannot prepare the database: {exc}") from exc
        migrate_seconds = time.perf_counter() - t0
        try:
            result = build(
                BuildOptions(
                    scale=scale,
                    seed=options["seed"],
                    province=code,
                    today=today,
                    months=months,
                    payroll_months=payroll_months,
                )
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        report.print_summary(out, result, migrate_seconds)
        path = report.write_credentials(result, Path(settings.VAR_DIR))
        report.print_users(out, result, path)
        if not options["no_serve"]:
            serve("127.0.0.1", options["port"], self.stdout)

    def _prepare_database(self, out: Any) -> None:
        """Migrate, and remove a previous demo: an SQLite file is deleted and recreated (the audit
        table is append-only); on PostgreSQL the demo tables are truncated."""
        sqlite = _sqlite_file()
        if sqlite is not None:
            sqlite.parent.mkdir(parents=True, exist_ok=True)
        state = database_state()
        if state == "foreign":
            raise CommandError(FOREIGN)
        if state == "demo" and sqlite is not None:
            connections.close_all()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
            out.print(f"Removed the previous demo database {sqlite}")
        call_command("migrate", interactive=False, verbosity=0)
        if database_state() == "demo":
            wipe()
            out.print("Removed the previous demo data")
