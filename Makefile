# lrcourse: every target sets up .venv itself. `pip install torch==2.13.0` is asked for first so a
# CPU wheel found locally (pip's find-links) wins over the registry's CUDA build.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
BOOKOPT := -W -n --keep-going
# Notebook kernels must draw inline: an inherited MPLBACKEND (e.g. Agg) would make every
# figure vanish from the book without an error. On x86-64 the lessons run with the CPU's
# numerics pinned (the AVX2 kernels of ATen, oneDNN and NumPy, MKL's vendor-neutral code path,
# two threads): the chapters quote the figures their runs print, and without the pin a training
# run's last digits depend on the processor (tests/quoted_numbers.py checks every quoted figure
# against the run). Elsewhere (arm64) nothing is pinned.
X86_NUMERICS := ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=AVX2 \
	NPY_DISABLE_CPU_FEATURES=X86_V4 OMP_NUM_THREADS=2
NUMERICS := $(if $(filter x86_64,$(shell uname -m)),$(X86_NUMERICS))
# The kernels print no build-machine path in warnings and tracebacks (book/kernel_startup.py).
KERNEL_STARTUP := PYTHONSTARTUP=$(CURDIR)/book/kernel_startup.py
NBENV   := env -u MPLBACKEND $(NUMERICS) $(KERNEL_STARTUP)

.PHONY: book test lint pytest execute lessons bookcheck browser lab student bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

## make book: build the HTML book into _build/html
book: $(STAMP) execute
	$(NBENV) $(BIN)/jupyter-book build . $(BOOKOPT)
	@echo "Book: file://$(CURDIR)/_build/html/index.html"

## make test: ruff, pytest, every lesson executed once (two at a time, into the book's execution
## cache), the strict book build (which reuses those executions), the built book in a browser,
## then the checks on the executions
test: lint pytest execute bookcheck browser lessons

lint: $(STAMP)
	$(BIN)/ruff check lrcourse tests benchmarks conftest.py
	$(BIN)/ruff format --check lrcourse tests benchmarks conftest.py

pytest: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests --doctest-modules lrcourse

# Executes the lessons that changed into the book build's cache (jupyter-cache, one process per
# core). The build then only reads them; a lesson that raised is not cached, so the strict build
# runs it again and fails on the error.
JCACHE := $(BIN)/jcache
execute: $(STAMP)
	mkdir -p _build
	yes | $(JCACHE) notebook -p _build/.jupyter_cache add lessons/*.ipynb > /dev/null
	$(NBENV) $(JCACHE) project -p _build/.jupyter_cache execute -e local-parallel -t 120

# The built book in headless Chromium on a loopback server (tests/book_in_browser.py), then an
# explorer live in JupyterLab (tests/explorer_in_lab.py): run after bookcheck (make test does).
# Debian's chromium (.ci/run installs it), driven by playwright (a dev dependency); without
# chromium this prints one line and passes.
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser)
browser: $(STAMP)
	@if [ -z "$(CHROMIUM)" ]; then \
		echo "browser: SKIPPED the browser test: no chromium on PATH (Debian: apt-get install chromium)"; \
	else \
		CHROMIUM="$(CHROMIUM)" $(BIN)/python -m pytest tests/book_in_browser.py tests/explorer_in_lab.py; \
	fi

# Reads the book build's execution cache and its HTML (offline, no dead link, no build-machine
# path): run after bookcheck (make test does).
lessons: $(STAMP)
	$(BIN)/python -m pytest tests/executed_lessons.py tests/built_html.py

bookcheck: $(STAMP)
	$(NBENV) $(BIN)/jupyter-book build . $(BOOKOPT)
	@grep -q '<img[^>]*_images/[^>]*\.png' _build/html/book/intro.html || \
		{ echo "bookcheck: the introduction's figure is missing from the HTML"; exit 1; }

## make lab: open the notebooks in JupyterLab
lab: $(STAMP)
	$(NBENV) $(BIN)/jupyter lab lessons

## make student: student copies of the lessons, solutions removed, into _build/student
student: $(STAMP)
	rm -rf _build/student
	$(BIN)/python -m lrcourse.student lessons _build/student

## make bench: speed figures (printed as ratios)
bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build .pytest_cache
