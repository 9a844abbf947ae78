# The single entry to every workflow. `make demo` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOCSO := $(BIN)/hocso
HOCSO_PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/hocso
export HOCSO_PORT

.PHONY: setup demo serve test test-pg e2e bench lint format ci clean browser messages

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

setup: $(BIN)/.installed

# Sets up, migrates the SQLite database under var/, loads the small demo province when the
# database is empty, prints the demo accounts and serves on http://127.0.0.1:$(HOCSO_PORT).
demo: setup
	mkdir -p var
	$(HOCSO) migrate --noinput
	$(HOCSO) seed-demo --scale small --if-empty
	$(HOCSO) compilemessages --ignore='.venv/*' -v 0
	bash scripts/serve.sh

serve: setup
	bash scripts/serve.sh

test: setup
	$(HOCSO) compilemessages --ignore='.venv/*' -v 0
	$(BIN)/pytest -m "not e2e" -q

test-pg: setup
	$(HOCSO) compilemessages --ignore='.venv/*' -v 0
	HOCSO_DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not e2e" -q

# Browser journeys: Playwright (Python) driving Debian's chromium (`make browser` installs it).
e2e: setup browser
	$(HOCSO) compilemessages --ignore='.venv/*' -v 0
	$(BIN)/pytest -m e2e -q

browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

bench: setup
	@for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done
	@$(BIN)/python benchmarks/exam_load.py

lint: setup
	mkdir -p var
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(HOCSO) makemigrations --check --dry-run
	HOCSO_PRODUCTION=1 HOCSO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) HOCSO_ALLOWED_HOSTS=hocso.example \
		$(HOCSO) check --deploy --fail-level WARNING

format: setup
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

messages: setup
	cd src/hocso && ../../$(HOCSO) makemessages -l en --ignore='static/*' --no-obsolete
	-$(BIN)/python scripts/check_translations.py

ci: lint test test-pg e2e

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
