"""`tamin wagelist check|import|export`: monthly wage lists (DSKKAR00 + DSKWOR00) from the command line.

`check` validates and prices without the database: it reads the files, runs the pure checks and
prints, per list, a summary (or one JSON object per line with --json). Exit 0 when no list has
errors, 1 when some list has errors, 2 when a file cannot be read (the reason goes to stderr).
`import` and `export` hand over to tamin.contributions.transfer, which owns the database side.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

EXIT_ERRORS = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = "Check, import or export monthly wage lists (DSKKAR00 / DSKWOR00)."
    # `check` must run on a machine without a database: no system checks (they can touch it).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser(
            "check",
            help="validate and price lists without writing: KAR WOR, or a directory holding list pairs",
        )
        check.add_argument("paths", nargs="+", help="DSKKAR00 and DSKWOR00 (DBF or TXT), or one directory")
        check.add_argument("--json", action="store_true", help="one JSON object per list per line")
        check.add_argument("--rows", action="store_true", help="with --json: the priced rows too")
        check.add_argument(
            "--small-workshop",
            action="store_true",
            help="the workshop has the employer-share exemption for up to five workers",
        )
        check.add_argument("--today", help="Jalali date that decides what is a future month (tests)")

        imp = sub.add_parser("import", help="validate, price, bill and post lists to the insurance history")
        imp.add_argument("paths", nargs="+", help="DSKKAR00 and DSKWOR00, or a directory")
        imp.add_argument("--json", action="store_true")
        imp.add_argument("--actor", help="username recorded in the audit trail")

        exp = sub.add_parser("export", help="write a posted list back as DSKKAR00.DBF and DSKWOR00.DBF")
        exp.add_argument("workshop", help="workshop code")
        exp.add_argument("month", help="Jalali month, YYYY-MM")
        exp.add_argument("directory", help="directory to write the two files into")

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "check":
            code = self.check(opts)
        elif action == "import":
            from tamin.contributions.transfer import import_paths

            code = import_paths(
                [Path(p) for p in opts["paths"]],
                actor=opts.get("actor"),
                as_json=opts["json"],
                out=self.stdout,
            )
        else:
            from tamin.contributions.transfer import export_list

            code = export_list(opts["workshop"], opts["month"], Path(opts["directory"]), out=self.stdout)
        if code:
            raise CommandError(f"wagelist {action}: exit status {code}", returncode=code)

    def check(self, opts: dict[str, Any]) -> int:
        # Imported here so the command module loads even where the reader is not installed yet.
        from tamin.contributions.checking import check_list
        from tamin.core.errors import DomainError
        from tamin.core.jalali import parse_jalali_date

        today: dt.date | None = None
        if opts.get("today"):
            try:
                today = parse_jalali_date(opts["today"], field="--today")
            except DomainError as exc:
                raise CommandError(exc.message, returncode=EXIT_UNREADABLE) from None
        pairs = self.pairs(opts["paths"])
        unreadable: list[str] = []
        with_errors = 0
        for kar, wor in pairs:
            try:
                wl = read(kar, wor)
            except (DomainError, OSError, ValueError) as exc:
                unreadable.append(f"{kar} + {wor}: {describe(exc)}")
                continue
            result = check_list(wl, today=today, small_workshop=opts["small_workshop"])
            with_errors += not result.ok
            self.stdout.write(result.as_json(rows=opts["rows"]) if opts["json"] else result.summary())
        for line in unreadable:
            self.stderr.write(f"unreadable wage list: {line}")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} of {len(pairs)} wage lists could not be read", returncode=EXIT_UNREADABLE
            )
        if with_errors:
            raise CommandError(
                f"{with_errors} of {len(pairs)} wage lists have errors", returncode=EXIT_ERRORS
            )
        return 0

    def pairs(self, paths: list[str]) -> list[tuple[Path, Path]]:
        """The (KAR, WOR) pairs named on the command line: two files, or every pair below a directory."""
        if len(paths) == 2:
            kar, wor = Path(paths[0]), Path(paths[1])
            for path in (kar, wor):
                if not path.is_file():
                    raise CommandError(f"{path}: no such file", returncode=EXIT_UNREADABLE)
            return [(kar, wor)]
        if len(paths) == 1 and Path(paths[0]).is_dir():
            from tamin.contributions.dbf import find_lists

            found = find_lists(Path(paths[0]))
            if not found:
                raise CommandError(
                    f"{paths[0]}: no DSKKAR00/DSKWOR00 pair found below this directory",
                    returncode=EXIT_UNREADABLE,
                )
            return list(found)
        if len(paths) == 1:
            raise CommandError(
                f"{paths[0]}: give the two files of a list (DSKKAR00 DSKWOR00) or a directory",
                returncode=EXIT_UNREADABLE,
            )
        raise CommandError(
            "give the two files of one list (DSKKAR00 DSKWOR00) or one directory", returncode=EXIT_UNREADABLE
        )


def read(kar: Path, wor: Path) -> Any:
    """The WageList of a pair, DBF or the comma-separated TXT variant (by extension)."""
    from tamin.contributions.dbf import read_list, read_txt_list

    if kar.suffix.lower() == ".txt" or wor.suffix.lower() == ".txt":
        return read_txt_list(kar, wor)
    return read_list(kar, wor)


def describe(exc: Exception) -> str:
    """What is wrong, naming the file where the reader says which one."""
    problems = getattr(exc, "problems", None)
    if problems:
        parts = []
        for p in problems:
            where = " ".join(
                str(x) for x in (p.file, f"record {p.record}" if p.record else None, p.field) if x
            )
            parts.append(f"{p.code}: {p.message}" + (f" [{where}]" if where else ""))
        return "; ".join(parts)
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    return str(exc)
