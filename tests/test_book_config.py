"""The book's configuration and bibliography: the settings the strict offline build relies on."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
import yaml
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf8"))
BIB = ROOT / "book" / "references.bib"

# The keys the course's chapters may cite (the shared bibliography contract).
REQUIRED_KEYS = {
    "robbins1951stochastic",
    "bottou2018optimization",
    "goodfellow2016deep",
    "smith2017cyclical",
    "smith2019superconvergence",
    "smith2018disciplined",
    "loshchilov2017sgdr",
    "loshchilov2019decoupled",
    "goyal2017accurate",
    "vaswani2017attention",
    "he2016deep",
    "liu2020radam",
    "xiong2020layer",
    "hagele2024scaling",
    "howard2018universal",
    "paszke2019pytorch",
    "wolf2020transformers",
    "zhang2019algorithmic",
}

_CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def _cited_keys() -> dict[str, set[str]]:
    """key -> the files citing it, over the book's pages and the lessons' markdown cells."""
    texts: dict[str, str] = {}
    for page in (ROOT / "book").glob("*.md"):
        texts[str(page.relative_to(ROOT))] = page.read_text(encoding="utf8")
    for path in (ROOT / "lessons").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        texts[str(path.relative_to(ROOT))] = "\n".join(
            c.source for c in nb.cells if c.cell_type == "markdown"
        )
    cited: dict[str, set[str]] = {}
    for name, text in texts.items():
        for group in _CITE.findall(text):
            for key in group.split(","):
                cited.setdefault(key.strip(), set()).add(name)
    return cited


def test_exclude_patterns_keep_non_book_files_out():
    # JB1 reads every .md under the root; these must be excluded or -W fails (DESIGN.md).
    patterns = set(CONFIG["exclude_patterns"])
    for needed in (".venv", ".pytest_cache", "_build", "README.md", ".hypothesis"):
        assert needed in patterns, f"exclude_patterns lacks {needed}"
    assert "**.ipynb_checkpoints" in patterns
    assert CONFIG["only_build_toc_files"] is True


def test_execution_fails_loudly_on_errors():
    execute = CONFIG["execute"]
    assert execute["execute_notebooks"] == "cache"
    assert execute["allow_errors"] is False
    assert execute["raise_on_error"] is True
    assert execute["timeout"] >= 60


def test_extensions_and_offline_build():
    sphinx = CONFIG["sphinx"]
    assert "sphinx_exercise" in sphinx["extra_extensions"]
    assert "sphinx_togglebutton" in sphinx["extra_extensions"]
    assert sphinx["recursive_update"] is True
    # No inventories to fetch: the build runs without a network.
    assert not sphinx["config"].get("intersphinx_mapping")
    assert {"dollarmath", "amsmath", "colon_fence", "deflist"} <= set(
        CONFIG["parse"]["myst_enable_extensions"]
    )


def _offline_book():
    """book/_ext/offline_book.py, the local Sphinx extension the build loads."""
    path = ROOT / "book" / "_ext" / "offline_book.py"
    spec = importlib.util.spec_from_file_location("offline_book", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_repository_address_is_one_setting_that_turns_the_buttons_on():
    """No link to an address that is not the project's: with ``repository.url`` empty the
    repository, Binder and Colab buttons are left out; set, they appear."""
    assert "offline_book" in CONFIG["sphinx"]["local_extensions"]
    url = CONFIG["repository"]["url"]
    assert url == "" or url.startswith("https://"), url
    assert "use_repository_button" not in CONFIG.get("html", {}), "repository.url decides it"
    theme = {
        "repository_url": url,
        "launch_buttons": CONFIG["launch_buttons"],
        "use_issues_button": True,
    }
    unset = _offline_book().repository_buttons({**theme, "repository_url": ""})
    assert "repository_url" not in unset
    assert not any(unset[b] for b in ("use_repository_button", "use_issues_button"))
    assert not {"binderhub_url", "colab_url"} & set(unset["launch_buttons"])
    set_ = _offline_book().repository_buttons({**theme, "repository_url": "https://x.org/a/b"})
    assert set_["use_repository_button"] is True
    assert set_["launch_buttons"]["binderhub_url"] == CONFIG["launch_buttons"]["binderhub_url"]


def test_mathjax_is_served_from_the_books_own_files():
    config = CONFIG["sphinx"]["config"]
    assert config["mathjax_path"] == "mathjax/tex-mml-chtml.js"  # relative to _static
    assert config["nb_ipywidgets_js"] == {}  # no require.js or widget manager from a CDN
    offline_book = _offline_book()
    source = offline_book.mathjax_source()  # the pinned package ships MathJax 3
    assert (source / offline_book.MATHJAX_ENTRY).is_file()
    for part in offline_book.MATHJAX_PARTS:
        assert (source / part).is_dir()
    pins = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'"django-static-mathjax==3\.[\d.]+"', pins)


def test_bibliography_parses_and_is_complete():
    assert CONFIG["bibtex_bibfiles"] == ["book/references.bib"]
    entries = parse_file(str(BIB)).entries
    missing = REQUIRED_KEYS - set(entries)
    assert not missing, f"references.bib lacks {sorted(missing)}"
    for key, entry in entries.items():
        assert entry.persons.get("author"), f"{key} has no author"
        assert entry.fields.get("title"), f"{key} has no title"
        year = int(entry.fields.get("year", 0))
        assert 1950 <= year <= 2030, f"{key} has year {year}"
        assert str(year) in key, f"{key}: its year {year} is not the one in its key"


def test_bibliography_keys_are_unique_in_the_file():
    keys = re.findall(r"^@\w+\{([^,]+),", BIB.read_text(encoding="utf8"), re.MULTILINE)
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("direction", ["every cited key exists", "every entry is cited"])
def test_citations_match_the_bibliography(direction):
    entries = set(parse_file(str(BIB)).entries)
    cited = _cited_keys()
    if direction == "every cited key exists":
        unknown = {k: sorted(v) for k, v in cited.items() if k not in entries}
        assert not unknown, f"cited but not in references.bib: {unknown}"
    else:
        uncited = sorted(entries - set(cited))
        assert not uncited, f"in references.bib but cited nowhere: {uncited}"


def test_setup_page_shows_the_numerics_the_makefile_pins():
    """The setup page tells learners the settings the book's runs use: the Makefile's own."""
    makefile = (ROOT / "Makefile").read_text()
    pinned = re.search(r"^X86_NUMERICS := (.*?)\n(?!\t)", makefile, re.M | re.S).group(1)
    settings = re.findall(r"\b[A-Z_0-9]+=\S+", pinned)
    assert len(settings) >= 5
    page = (ROOT / "book" / "setup.md").read_text()
    shown = re.findall(r"\b[A-Z_0-9]+=\S+", page.split("```bash")[-1].split("```")[0])
    assert shown == settings
    assert re.search(r"^NBENV\s*:=.*\$\(NUMERICS\)", makefile, re.M)
