"""The built HTML book reads offline and links nowhere dead (run after the book build).

Over every page of ``_build/html``: every script, stylesheet, image, font and CSS import is one
of the book's own files (math renders from the MathJax copied into ``_static``); every
internal link reaches a file and its anchor an id there; external links go only to the
references' own addresses (``book/references.bib``) and, when ``repository.url`` is set in
``_config.yml``, to the repository; and no page shows a path of the machine that built it.
Like ``executed_lessons.py`` it is not collected by a plain ``pytest tests``: ``make lessons``
runs it after the build. The browser test checks the same pages as rendered.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import defaultdict
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
import yaml
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf8"))
MATHJAX = "_static/mathjax/tex-mml-chtml.js"
# attributes that make the browser fetch something (<a href> is a link, checked apart)
FETCHED = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


class Page(HTMLParser):
    """One HTML file's fetched resources, links, ids and visible-or-not text."""

    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.fetched: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.inline_styles: list[str] = []
        self._in_style = False
        self.feed(path.read_text(encoding="utf8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in ("id", "name") if tag == "a" else ("id",):
            if values.get(name):
                self.ids.add(values[name])
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        for attr in FETCHED.get(tag, ()):
            if values.get(attr):
                urls = values[attr].split(",") if attr == "srcset" else [values[attr]]
                self.fetched.extend(u.strip().split(" ")[0] for u in urls)
        if values.get("style"):
            self.inline_styles.append(values["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.inline_styles.append(data)


def _is_external(url: str) -> bool:
    return bool(urlsplit(url).scheme) or url.startswith("//")


def _local_target(source: Path, url: str) -> Path:
    """The file a relative URL in ``source`` names (a folder means its index.html)."""
    target = (source.parent / unquote(urlsplit(url).path)).resolve()
    return target / "index.html" if target.is_dir() else target


@cache
def pages() -> dict[Path, Page]:
    if not (HTML / "index.html").is_file():
        pytest.fail(f"no built book at {HTML}: run `make bookcheck` first")
    # _static's *.html are the theme's template macros, not pages
    found = sorted(p for p in HTML.rglob("*.html") if HTML / "_static" not in p.parents)
    return {path: Page(path) for path in found}


def _stylesheets() -> list[Path]:
    return sorted(HTML.rglob("*.css"))


def _bad_resource(source: Path, url: str) -> str | None:
    """Why the browser could not load ``url`` from the book's own files (None if it can)."""
    if url.startswith(("data:", "#")) or not url:
        return None
    if _is_external(url):
        return "not one of the book's files"
    target = _local_target(source, url)
    if not target.is_file():
        return "missing"
    if HTML.resolve() not in target.parents:
        return "outside the book"
    return None


def _report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}: {', '.join(sorted(set(what)))}" for where, what in problems.items())


def test_every_page_loads_only_the_books_own_files():
    problems: dict[str, list[str]] = defaultdict(list)
    for path, page in pages().items():
        css_urls = [a or b for text in page.inline_styles for a, b in CSS_URL.findall(text)]
        for url in [*page.fetched, *css_urls]:
            if why := _bad_resource(path, url):
                problems[str(path.relative_to(HTML))].append(f"{url} ({why})")
    assert not problems, "pages that fetch what the book does not hold:\n" + _report(problems)


def test_every_stylesheet_import_and_font_is_local():
    problems: dict[str, list[str]] = defaultdict(list)
    fonts = 0
    for sheet in _stylesheets():
        for a, b in CSS_URL.findall(sheet.read_text(encoding="utf8", errors="replace")):
            url = a or b
            fonts += bool(re.search(r"\.(woff2?|ttf|otf|eot)\b", url))
            if why := _bad_resource(sheet, url):
                problems[str(sheet.relative_to(HTML))].append(f"{url} ({why})")
    assert not problems, "stylesheets that fetch what the book does not hold:\n" + _report(problems)
    assert fonts, "no stylesheet names a font file: is the theme's icon font gone?"


def test_math_renders_from_the_books_own_mathjax():
    """Every page that has math loads MathJax 3 from ``_static``, with the fonts it asks for
    (the CHTML output's woff files) and the TeX extensions it loads on demand."""
    assert (HTML / MATHJAX).is_file()
    assert list((HTML / "_static/mathjax/output/chtml/fonts/woff-v2").glob("*.woff"))
    assert (HTML / "_static/mathjax/input/tex/extensions/ams.js").is_file()
    with_math = [p for p, page in pages().items() if 'class="math' in p.read_text("utf8")]
    assert len(with_math) >= 10, "math on fewer than ten pages: is dollarmath still on?"
    for path in with_math:
        loaded = {_local_target(path, u) for u in pages()[path].fetched if not _is_external(u)}
        assert (HTML / MATHJAX).resolve() in loaded, f"{path.name} has math but no MathJax"


def test_no_page_loads_require_js_or_a_widget_manager():
    for path in pages():
        text = path.read_text(encoding="utf8")
        for needle in ("require.min.js", "embed-amd.js", "data-jupyter-widgets-cdn"):
            assert needle not in text, f"{path.relative_to(HTML)} loads {needle}"


def test_every_internal_link_and_anchor_resolves():
    problems: dict[str, list[str]] = defaultdict(list)
    for path, page in pages().items():
        for href in page.links:
            if not href or _is_external(href) or href.startswith(("mailto:", "javascript:")):
                continue
            url, anchor = urldefrag(href)
            target = _local_target(path, url) if url else path.resolve()
            if not target.is_file():
                problems[str(path.relative_to(HTML))].append(f"{href} (no such file)")
            elif anchor and target.suffix == ".html":
                ids = pages()[target].ids if target in pages() else set()
                if unquote(anchor) not in ids:
                    problems[str(path.relative_to(HTML))].append(f"{href} (no such id)")
    assert not problems, "links that lead nowhere:\n" + _report(problems)


def _allowed_external() -> set[str]:
    """The addresses of the references (their url, doi and arXiv eprint) and the repository's
    (when set)."""
    allowed = set()
    for entry in parse_file(str(ROOT / "book" / "references.bib")).entries.values():
        fields = {key.lower(): value for key, value in entry.fields.items()}
        if "url" in fields:
            allowed.add(fields["url"])
        if "doi" in fields:
            allowed.add(f"https://doi.org/{fields['doi']}")
        if "eprint" in fields:
            allowed.add(f"https://arxiv.org/abs/{fields['eprint']}")
    return allowed


def test_external_links_go_only_to_the_references_and_the_repository():
    allowed = _allowed_external()
    repository = (CONFIG.get("repository") or {}).get("url") or None
    problems: dict[str, list[str]] = defaultdict(list)
    for path, page in pages().items():
        for href in page.links:
            if not _is_external(href) or href in allowed:
                continue
            if repository and repository.rstrip("/") in href:
                continue
            problems[str(path.relative_to(HTML))].append(href)
    assert not problems, "links to addresses the book does not cite:\n" + _report(problems)


def test_the_repository_buttons_follow_the_setting():
    """``repository.url`` empty: no repository button and no Binder or Colab launch link."""
    if (CONFIG.get("repository") or {}).get("url"):
        pytest.skip("repository.url is set: its links are checked above")
    for path in pages():
        text = path.read_text(encoding="utf8")
        for needle in ("mybinder.org", "colab.research.google.com", "github.com"):
            assert needle not in text, f"{path.relative_to(HTML)} links to {needle}"


def test_no_page_shows_a_path_of_the_build_machine():
    """Warnings and tracebacks name files from the top of their package (lrcourse/
    _book_kernel.py), not as the build machine has them."""
    machine = {"site-packages", "ipykernel_", sys.prefix, str(ROOT), str(Path.home())}
    machine.add(tempfile.gettempdir().rstrip("/") + "/")
    found: dict[str, list[str]] = defaultdict(list)
    shown = [*pages(), *HTML.rglob("*.ipynb"), *HTML.rglob("*.txt")]
    for path in shown:
        text = path.read_text(encoding="utf8", errors="replace")
        for needle in machine:
            if needle in text:
                found[str(path.relative_to(HTML))].append(needle)
    assert not found, "pages that show the build machine's paths:\n" + _report(found)
