# One-command set-up: `make demo` and `make test` create .venv when missing
# and (re)install the project only when pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: demo test lint bench clean sample

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 >/dev/null
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/siting plan data/sample/scenario.toml --out $(OUT)

# The suite runs on TEST_WORKERS processes (pytest-xdist), except the tests marked
# `timing`, whose assertions hold for a wall-clock budget on an otherwise idle
# machine: they run after the others, in one process.
TEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not timing"
	$(BIN)/python -m pytest -m timing

lint: $(STAMP)
	$(BIN)/ruff check siting tests benchmarks
	$(BIN)/ruff format --check siting tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks.zonal
	$(BIN)/python -m benchmarks.conservation
	$(BIN)/python -m benchmarks.demand
	$(BIN)/python -m benchmarks.network
	$(BIN)/python -m benchmarks.model
	$(BIN)/python -m benchmarks.solvers
	$(BIN)/python -m benchmarks.locate --quick
	$(BIN)/python -m benchmarks.buildings
	$(BIN)/python -m benchmarks.province --counties 12

sample: $(STAMP)
	$(BIN)/python data/generate_sample.py

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
