# `make demo` and `make test` set everything up on a fresh machine: a virtual
# environment in .venv with minigrad installed (editable) and Graphviz's `dot`.
# PyTorch comparisons in the tests run when torch is installed:
#   make test TORCH=torch==2.13.0     (what CI runs; the CPU wheel)
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
TORCH  ?=
OUT    ?= out/demo

.PHONY: demo test lint bench docs lessons results dot clean

demo: $(VENV)/.installed dot
	$(PY) -m models demo --out $(OUT)

test: $(VENV)/.installed dot
ifneq ($(TORCH),)
	$(PY) -m pip install -q "$(TORCH)"
endif
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

# every benchmark, its figures as JSON in $(BENCH_OUT), then benchmarks/RESULTS.md and the
# README's speed table written from them (make bench BENCH_FLAGS=--quick: a smoke run)
BENCH_OUT   ?= out/bench
BENCH_FLAGS ?=
BENCH_RUN    = PYTHONPATH=$(CURDIR) $(PY)

bench: $(VENV)/.installed
	$(BENCH_RUN) benchmarks/bench_engine.py $(BENCH_FLAGS) --json $(BENCH_OUT)/engine.json
	$(BENCH_RUN) benchmarks/bench_rnn.py $(BENCH_FLAGS) --json $(BENCH_OUT)/rnn.json
	$(BENCH_RUN) benchmarks/bench_rnn.py $(BENCH_FLAGS) --tuned-malloc --json $(BENCH_OUT)/rnn_tuned.json
	$(BENCH_RUN) benchmarks/bench_scaling.py $(BENCH_FLAGS) --json $(BENCH_OUT)/scaling.json
	$(BENCH_RUN) benchmarks/report.py $(BENCH_OUT)

# regenerate the pictures the README shows
docs: $(VENV)/.installed dot
	$(PY) examples/02_rnn_graph.py --out docs --formats svg

# The lessons (examples/06_* on): each one in full mode writes docs/lessons/NN_*.md,
# .json and PNGs (minutes each, on 2 cores); `make lessons` runs all of them in order,
# then assembles docs/RESULTS.md. A new lesson: add its number here (and its test in
# tests/test_lessons.py). One alone: make lesson-07, then make results.
LESSONS = 06 07 08 09 10 11 12
LESSON_RUN = OPENBLAS_NUM_THREADS=1 PYTHONPATH=$(CURDIR) $(PY)

lessons: $(VENV)/.installed
	@for n in $(LESSONS); do $(MAKE) --no-print-directory lesson-$$n || exit 1; done
	$(PY) docs/assemble_results.py

lesson-%: $(VENV)/.installed
	@test -n "$(wildcard examples/$*_*.py)" || { echo "no lesson examples/$*_*.py"; exit 1; }
	$(LESSON_RUN) $(firstword $(wildcard examples/$*_*.py)) --out docs/lessons

results: $(VENV)/.installed
	$(PY) docs/assemble_results.py

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,examples]'
	touch $@

# Graphviz's `dot` is a system program, not a Python package.
dot:
	@command -v dot >/dev/null 2>&1 || $(MAKE) --no-print-directory install-dot

install-dot:
	@if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz; \
	elif command -v brew >/dev/null 2>&1; then \
		brew install graphviz; \
	else \
		echo "Graphviz's 'dot' is missing and I cannot install it here."; \
		echo "Install Graphviz with your package manager (e.g. 'apt-get install graphviz',"; \
		echo "'dnf install graphviz', 'brew install graphviz', 'choco install graphviz')"; \
		echo "so that 'dot' is on PATH, then run make again."; \
		exit 1; \
	fi

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache .ruff_cache .hypothesis
