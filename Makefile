# Two entry points for a fresh machine: `make demo` serves with demo data, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo serve test lint openapi bench bench-quick clean

$(BIN)/precursor-alerts: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/precursor-alerts

demo: install
	$(BIN)/precursor-alerts serve --demo --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/precursor-alerts serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app migrations scripts bench

bench: install
	$(BIN)/python -m bench --output bench/results.json

bench-quick: install
	$(BIN)/python -m bench --quick --output bench-quick.json

openapi: install
	$(BIN)/python scripts/export_openapi.py

test: lint
	$(BIN)/python scripts/export_openapi.py --check
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
