# The two commands a new machine needs: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
DEMO_ARGS ?=

.PHONY: install syslibs demo serve test test-sqlite test-postgres bench lint browser clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: syslibs $(STAMP)

# WeasyPrint (PDF statements) shapes Persian through Debian's Pango; install it when missing.
syslibs:
	@if ! /sbin/ldconfig -p | grep -q 'libpangoft2-1.0.so.0'; then \
	  echo "installing Debian's Pango for PDF output"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	fi

# Debian's chromium for the Playwright tests; Playwright never downloads a browser here.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

demo: install
	$(VENV)/bin/tamin demo $(DEMO_ARGS)

serve: install
	$(VENV)/bin/tamin serve

test: install browser test-sqlite test-postgres

test-sqlite: install
	$(PY) -m pytest

# Under CI a missing PostgreSQL is a failure; on a workstation it is said and skipped.
test-postgres: install
	@if $(PY) scripts/pgcheck.py "$(PG_URL)"; then \
	  TAMIN_DATABASE_URL="$(PG_URL)" $(PY) -m pytest; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL is unreachable at $(PG_URL) and CI=true: failing the run"; exit 1; \
	else \
	  echo "PostgreSQL is unreachable at $(PG_URL): the PostgreSQL pass was SKIPPED"; \
	fi

bench: install
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

lint: install
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts

clean:
	rm -rf $(VENV) var/*.sqlite3 .pytest_cache
