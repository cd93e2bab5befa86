PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_BENCH := $(VENV)/.installed-bench

.PHONY: demo test bench bench-quality docs lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/ridgeback demo --out demo-run

test: $(STAMP_TEST)
	$(BIN)/lint-imports --no-cache
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 -q

bench: $(STAMP_TEST)
	$(BIN)/python benchmarks/bench_training.py

$(STAMP_BENCH): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $@ $(STAMP_TEST) $(STAMP_RUN)

# ridgeback tune (no hints) against LightGBM, scikit-learn's MLP, a CV linear model and RealMLP-TD,
# then which metric tune should select by: writes benchmarks/QUALITY.md (over an hour on a busy 2-core machine)
bench-quality: $(STAMP_BENCH)
	$(BIN)/python benchmarks/bench_quality.py --write
	$(BIN)/python benchmarks/bench_metric.py --write

docs: $(STAMP_TEST)
	$(BIN)/python docs/experiments/run_all.py

lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) demo-run build src/*.egg-info
