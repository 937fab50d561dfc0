# lrcourse: every target sets up .venv itself. `pip install torch==2.13.0` is asked for first so a
# CPU wheel found locally (pip's find-links) wins over the registry's CUDA build.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
BOOKOPT := -W -n --keep-going
# Notebook kernels must draw inline: an inherited MPLBACKEND (e.g. Agg) would make every
# figure vanish from the book without an error.
NBENV   := env -u MPLBACKEND

.PHONY: book test lint pytest lessons bookcheck lab student bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

## make book: build the HTML book into _build/html
book: $(STAMP)
	$(NBENV) $(BIN)/jupyter-book build . $(BOOKOPT)
	@echo "Book: file://$(CURDIR)/_build/html/index.html"

## make test: ruff, pytest, the strict book build (which executes every lesson once), then the
## checks on those executions (no unexpected error, every expected one raised, time budget)
test: lint pytest bookcheck lessons

lint: $(STAMP)
	$(BIN)/ruff check lrcourse tests benchmarks
	$(BIN)/ruff format --check lrcourse tests benchmarks

pytest: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests

# Reads the book build's execution cache: run after bookcheck (make test does).
lessons: $(STAMP)
	$(BIN)/python -m pytest tests/executed_lessons.py

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
