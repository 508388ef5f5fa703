# Two commands do everything on a fresh machine with Python 3.11+:
#   make demo   — the kiosk on the embedded default (SQLite file, Tvarditsa catalogue, virtual printer)
#   make test   — lint (ruff, the import contracts) and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kiosk demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	# three workers on two cores: most tests wait on a browser, a server or a port, not the CPU;
	# a file's tests stay together so they share their module's fixtures
	$(BIN)/pytest -n 3 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	for script in bench/[!_]*.py; do PYTHONPATH=. $(BIN)/python $$script || exit 1; done

screenshots: $(STAMP)
	$(BIN)/kiosk screenshots

clean:
	rm -rf $(VENV) var .pytest_cache
