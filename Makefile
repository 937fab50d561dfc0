# lrcourse: every target sets up .venv itself (torch first, CPU wheel, so no CUDA packages).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
BOOKOPT := -W -n --keep-going

.PHONY: book test lint pytest nbval bookcheck lab student bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

## make book: build the HTML book into _build/html
book: $(STAMP)
	$(BIN)/jupyter-book build . $(BOOKOPT)
	@echo "Book: file://$(CURDIR)/_build/html/index.html"

## make test: ruff, pytest, every notebook under nbval, and the strict book build
test: lint pytest nbval bookcheck

lint: $(STAMP)
	$(BIN)/ruff check lrcourse tests benchmarks
	$(BIN)/ruff format --check lrcourse tests benchmarks

pytest: $(STAMP)
	$(BIN)/python -m pytest tests

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax -p no:randomly lessons

bookcheck: $(STAMP)
	$(BIN)/jupyter-book build . $(BOOKOPT)

## make lab: open the notebooks in JupyterLab
lab: $(STAMP)
	$(BIN)/jupyter lab lessons

## make student: student copies of the lessons, solutions removed, into _build/student
student: $(STAMP)
	$(BIN)/python -m lrcourse.student lessons _build/student

## make bench: speed figures (printed as ratios)
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build .pytest_cache
