# atomcomm: two commands on a fresh machine (Python 3.11, pip, apt).
#   make lab    install, create the demo database, start JupyterLab on notebooks/ (127.0.0.1)
#   make test   install with dev tools, then ruff, mypy and the whole pytest suite (unit, integration, notebooks)
#   make bench  benchmarks (ratios measured in one run)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
PORT   ?= 8888

.PHONY: lab test lint typecheck pytest bench sysdeps sysdeps-test demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP) $@

sysdeps:
	@bash scripts/sysdeps.sh runtime

sysdeps-test:
	@bash scripts/sysdeps.sh test

data/demo.sqlite: | $(STAMP)
	$(BIN)/atomcomm demo init

demo: $(STAMP)
	$(BIN)/atomcomm demo init

lab: sysdeps $(STAMP) data/demo.sqlite
	@bash scripts/lab.sh $(PORT)

lint: $(DEVSTAMP)
	$(BIN)/ruff check atomcomm tests benchmarks scripts
	$(BIN)/ruff format --check atomcomm tests benchmarks scripts

typecheck: $(DEVSTAMP)
	$(BIN)/mypy atomcomm

pytest: $(DEVSTAMP)
	bash scripts/pytest.sh

test: sysdeps sysdeps-test $(DEVSTAMP) lint typecheck pytest

bench: sysdeps $(DEVSTAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
