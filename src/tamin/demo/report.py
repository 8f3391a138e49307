"""What `tamin demo` prints, and the credentials file it leaves in VAR_DIR."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table

from tamin.demo.build import BuildResult
from tamin.demo.calibration import Figure

CREDENTIALS_FILE = "demo-credentials.json"


def console(stream: TextIO) -> Console:
    probe = Console(file=stream)
    return Console(file=stream, width=probe.width if probe.is_terminal else 150, highlight=False)


def _pct(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "–"


def _source(text: str) -> str:
    """Sources as read: a news address by its site (the full address is in sso_stats.csv)."""
    if text.startswith("http"):
        site = urlsplit(text).hostname or text
        return f"{site.removeprefix('www.')} (sso_stats.csv)"
    return text


def _figure_value(f: Figure) -> str:
    if f.value < 1.5 and f.label != "population":
        return f"{f.value:.1%}"
    return f"{f.value:,.0f}"


def print_summary(out: Console, result: BuildResult, migrate_seconds: float | None = None) -> None:
    c = result.counts
    o = result.options
    scope = f"province {o.province}" if o.province else "all 31 provinces"
    out.print(
        f"[bold]Tamin demo[/bold]: {scope}, scale {o.scale:g} of the real population, seed {o.seed}, "
        f"reference date {result.reference.isoformat()}"
    )
    for note in result.notes:
        out.print(f"  • {note}")

    t = Table(title="Generated", show_edge=False)
    t.add_column("what")
    t.add_column("count", justify="right")
    t.add_column("note")
    covered_target = sum(p["covered_target"] for p in result.per_province)
    t.add_row("persons (civil registry)", f"{c['persons']:,}", "every one with a valid, unique national code")
    t.add_row(
        "  SSO-covered",
        f"{c['covered']:,}",
        f"{_pct(c['covered'], c['persons'])} of persons (target {_pct(covered_target, c['persons'])})",
    )
    t.add_row(
        "    main insured",
        f"{c['main_insured']:,}",
        f"{_pct(c['main_insured'], c['covered'])} of covered, "
        "each with an insurance number and a current employment",
    )
    t.add_row(
        "    dependants",
        f"{c['dependants']:,}",
        f"{_pct(c['dependants'], c['covered'])} of covered, spouses and children through family relations",
    )
    t.add_row(
        "    pensioners",
        f"{c['pensioners']:,}",
        f"{_pct(c['pensioners'], c['covered'])} of covered, insurance number and an ended employment",
    )
    t.add_row(
        "employers",
        f"{c['employers']:,}",
        f"{c['employers_legal']:,} legal persons, {c['employers'] - c['employers_legal']:,} natural persons",
    )
    cal = result.calibration
    t.add_row(
        "workshops",
        f"{c['workshops']:,}",
        f"active; {_pct(c['workshops_one_worker'], c['workshops'])} with one insured worker (published "
        f"{cal.one_person_workshops.value:.1%}), {_pct(c['workshops_over_50'], c['workshops'])} over 50 "
        f"({cal.workshops_over_50.value:.1%}), largest {c['largest_workshop']:,}",
    )
    t.add_row(
        "employments",
        f"{c['employments']:,}",
        f"{c['employments_current']:,} current, "
        f"{c['employments'] - c['employments_current']:,} ended (job history, pensioners)",
    )
    t.add_row("family relations", f"{c['relations']:,}", "spouse and child rows of covered households")
    t.add_row(
        "insurance numbers", f"{c['insurance_numbers']:,}", "reserved from the insurance_number sequence"
    )
    t.add_row("demo users", f"{c['users']}", "one per role")
    if result.payroll_months:
        _payroll_row(t, result)
    if c.get("lists") is not None and result.months:
        _cycle_rows(t, result)
    out.print(t)

    shares = cal.split_shares()
    dependants = shares["dependent_insured"] + shares["dependent_pensioners"]
    out.print(
        f"Covered split target ({cal.split_year}, published): main insured {shares['main_insured']:.1%}, "
        f"dependants {dependants:.1%}, pensioners {shares['main_pensioners']:.1%}"
    )

    p = Table(
        title="By province (deps: dependants, pens: pensioners, jobs: employments; pub: published, "
        "mod: modelled)",
        show_edge=False,
    )
    for col, justify in (
        ("code", "left"),
        ("province", "left"),
        ("persons", "right"),
        ("covered", "right"),
        ("target", "right"),
        ("main", "right"),
        ("deps", "right"),
        ("pens", "right"),
        ("shops", "right"),
        ("jobs", "right"),
        ("basis: population · coverage · shops", "left"),
    ):
        p.add_column(col, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for row in result.per_province:
        pc = cal.provinces[row["code"]]
        basis = " · ".join(
            f"pub {f.year}" if f.published else "mod" for f in (pc.population, pc.coverage, pc.workshops)
        )
        p.add_row(
            row["code"],
            row["name_en"],
            f"{row['persons']:,}",
            _pct(row["covered"], row["persons"]),
            f"{pc.coverage.value:.0%}",
            f"{row['main_insured']:,}",
            f"{row['dependants']:,}",
            f"{row['pensioners']:,}",
            f"{row['workshops']:,}",
            f"{row['employments']:,}",
            basis,
        )
    out.print(p)

    f = Table(title="Calibration figures (published with source, or modelled and how)", show_edge=False)
    for col in ("figure", "value", "year", "kind", "source"):
        f.add_column(col, overflow="fold")
    national = [
        cal.national_population,
        cal.covered_share,
        *cal.split.values(),
        cal.workshops_national,
        cal.one_person_workshops,
        cal.workshops_over_50,
        cal.main_insured_female_share,
    ]
    rows: list[tuple[str, Figure]] = [("", fig) for fig in national]
    if len(result.per_province) <= 3:
        for row in result.per_province:
            pc = cal.provinces[row["code"]]
            rows += [(pc.name_en, fig) for fig in (pc.population, pc.coverage, pc.workshops)]
    for prefix, fig in rows:
        label = f"{prefix} {fig.label}".strip()
        f.add_row(label, _figure_value(fig), fig.year, fig.kind, _source(fig.source))
    out.print(f)
    if len(result.per_province) > 3:
        published = sum(
            fig.published
            for pc in cal.provinces.values()
            for fig in (pc.population, pc.coverage, pc.workshops)
        )
        out.print(
            f"Provincial figures: {published} of {3 * len(cal.provinces)} published, the rest modelled "
            "(see the last column above; sources in tamin/demo/data/)."
        )

    seconds = dict(result.timings)
    if migrate_seconds is not None:
        seconds = {"migrate": migrate_seconds, **seconds}
    total = sum(seconds.values())
    parts = ", ".join(f"{k} {v:.1f}s" for k, v in seconds.items())
    rate = c["persons"] / (result.timings.get("generate", 0) + result.timings.get("insert", 0) or 1)
    out.print(f"Built in {total:.1f}s ({parts}); {rate:,.0f} persons/s generated and inserted.")


def _cycle_rows(t: Table, result: BuildResult) -> None:
    c = result.counts
    span = f"{result.months[0]}–{result.months[-1]}" if len(result.months) > 1 else str(result.months[0])
    t.add_row(
        "wage lists",
        f"{c['lists']:,}",
        f"{span}, one per active workshop and month, posted by the batch import; "
        f"{c['list_rows']:,} rows → {c['history_months']:,} history months",
    )
    t.add_row(
        "bills",
        f"{c['bills']:,}",
        f"{c['billed']:,} Rials billed; {c['unpaid_bills']:,} not settled ({c['overdue_bills']:,} overdue)",
    )
    t.add_row(
        "payments",
        f"{c['payments']:,}",
        f"{c['paid']:,} Rials paid, {c['late_payments']:,} late; outstanding {c['outstanding']:,} Rials "
        f"including {c['penalties']:,} of penalties",
    )
    t.add_row(
        "relief",
        f"{c['agreements'] + c['objections']}",
        f"{c['agreements']} instalment plan (demo employer's workshop), {c['objections']} open objection "
        "(demo insured)",
    )
    if c.get("forgiveness_runs"):
        t.add_row(
            "forgiveness",
            f"{c['forgiveness_lines']:,}",
            f"bills forgiven by {c['forgiveness_runs']} campaign run: {c['forgiveness_workshops']} workshops "
            f"paid old lists' principal in the window, {c['forgiven']:,} Rials of penalties forgiven; "
            f"{c['forgiveness_missed']} paid too late ({c['forgiveness_lists']} old lists)",
        )


def _payroll_row(t: Table, result: BuildResult) -> None:
    c = result.counts
    months = result.payroll_months
    late = f", {result.late_increase_year} increase decided late" if result.late_increase_year else ""
    t.add_row(
        "pension awards",
        f"{c['pension_awards']:,}",
        f"{c.get('pension_awards_retirement', 0):,} retirement, {c.get('pension_awards_disability', 0):,} "
        f"disability, {c.get('pension_awards_survivors', 0):,} survivors; "
        f"{c['pension_awards_pro_rata']:,} pro rata; payroll {months[0]}–{months[-1]} ({c['payroll_months']} "
        f"months{late}): {c['payroll_last_net']:,} Rials paid in {months[-1]}, "
        f"{c['payroll_arrears']:,} Rials of arrears",
    )


def print_users(out: Console, result: BuildResult, path: Path | None) -> None:
    t = Table(title="Demo users", show_edge=False)
    for col in ("username", "role", "password", "scope"):
        t.add_column(col, overflow="fold")
    for u in result.users:
        detail = ", ".join(
            f"{k} {v}" for k, v in u.scope.items() if k in ("national_code", "workshop", "branch", "province")
        )
        t.add_row(u.username, u.role, u.password, f"{u.description}{' — ' + detail if detail else ''}")
    out.print(t)
    if path is not None:
        out.print(f"Credentials written to {path} (mode 0600).")


def credentials(result: BuildResult) -> dict[str, dict[str, Any]]:
    return {
        u.username: {"password": u.password, "role": u.role, **u.scope, "scope": u.description}
        for u in result.users
    }


def write_credentials(result: BuildResult, var_dir: Path) -> Path:
    """Write the demo passwords where only the owner can read them."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / CREDENTIALS_FILE
    data = json.dumps(credentials(result), ensure_ascii=False, indent=2) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an older file may have been created with wider permissions
        os.write(fd, data.encode())
    finally:
        os.close(fd)
    return path
