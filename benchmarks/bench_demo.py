"""How long `tamin demo` takes to build its database, and how many persons per second.

Plain script: `python benchmarks/bench_demo.py [postgresql://…]`. Builds into a fresh SQLite file in
a temporary directory (or the PostgreSQL database given, which must not hold other data): migrate,
generate and insert at the default scale (~85,000 people nationwide), then once more at 5× to show
how it scales. Prints seconds per phase and persons per second.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time


def main() -> None:
    var_dir = tempfile.mkdtemp(prefix="tamin-bench-demo-")
    os.environ["TAMIN_VAR_DIR"] = var_dir
    os.environ.pop("TAMIN_DATABASE_URL", None)
    if len(sys.argv) > 1:
        os.environ["TAMIN_DATABASE_URL"] = sys.argv[1]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tamin.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tamin.demo.build import DEFAULT_SCALE, BuildOptions, build, database_state, wipe

    if database_state() == "foreign":
        sys.exit("the database holds data the demo did not create: give an empty one")
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    for scale in (DEFAULT_SCALE, DEFAULT_SCALE * 5):
        t0 = time.perf_counter()
        if database_state() == "demo":
            wipe()
        call_command("migrate", interactive=False, verbosity=0)
        migrate = time.perf_counter() - t0
        result = build(BuildOptions(scale=scale))
        total = migrate + result.seconds
        persons = result.counts["persons"]
        phases = ", ".join(f"{k} {v:.2f}s" for k, v in {"migrate/wipe": migrate, **result.timings}.items())
        rate = persons / (result.timings["generate"] + result.timings["insert"])
        c = result.counts
        print(
            f"scale {scale:g}: {persons:,} persons, {c['employments']:,} employments, {c['relations']:,} "
            f"relations, {c['workshops']:,} workshops in {total:.2f}s ({phases}); "
            f"{rate:,.0f} persons/s generated and inserted, {persons / total:,.0f} persons/s overall"
        )


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(os.environ.get("TAMIN_VAR_DIR", ""), ignore_errors=True)
