"""`tamin serve`: serve an existing database with waitress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
THREADS = 8


def check_database() -> list[str]:
    """Refuse a database that has never been migrated; return the migrations still to apply."""
    conn = connections["default"]
    if conn.vendor == "sqlite":
        name = str(conn.settings_dict["NAME"])
        # Opening a missing SQLite file would create an empty one: look first.
        if name != ":memory:" and not name.startswith("file:") and not Path(name).exists():
            raise CommandError(f"No database at {name}: run `tamin demo` first (or `tamin migrate`).")
    try:
        if not MigrationRecorder(conn).applied_migrations():
            raise CommandError(
                "The database has no migrations applied: run `tamin demo` first (or `tamin migrate`)."
            )
        executor = MigrationExecutor(conn)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CommandError(f"Cannot use the database ({exc}): run `tamin demo` first.") from exc
    return [f"{m.app_label}.{m.name}" for m, _backwards in pending]


def serve(host: str, port: int, stdout: OutputWrapper) -> None:
    """Serve the portal, API and back office until interrupted."""
    import waitress

    from tamin.wsgi import application

    if not 0 < port < 65536:
        raise CommandError(f"--port must be 1–65535, got {port}")
    pending = check_database()
    if pending:
        stdout.write(
            f"Warning: {len(pending)} migration(s) not applied ({', '.join(pending[:3])}…): "
            "run `tamin migrate`."
        )
    credentials = Path(settings.VAR_DIR) / "demo-credentials.json"
    stdout.write(f"Tamin is serving at http://{host}:{port}/ (Ctrl+C to stop)")
    if credentials.exists():
        stdout.write(f"Demo users and passwords: {credentials}")
    connections.close_all()  # waitress threads open their own connections
    try:
        waitress.serve(application, host=host, port=port, threads=THREADS)
    except OSError as exc:
        raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from exc


class Command(BaseCommand):
    help = "Serve an existing Tamin database (portal, API, back office) with waitress."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--host", default=DEFAULT_HOST, help=f"interface to listen on (default {DEFAULT_HOST})"
        )
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")

    def handle(self, *args: Any, **options: Any) -> None:
        serve(options["host"], options["port"], self.stdout)
