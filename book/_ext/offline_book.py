"""The book reads offline and links nowhere dead (a local Sphinx extension).

MathJax: ``mathjax_path`` (``_config.yml``) names ``mathjax/tex-mml-chtml.js``, a path under
``_static``; this extension copies MathJax 3 there from the pinned pip package that ships it
(``django-static-mathjax``, whose files are MathJax's own ``es5`` build; it needs no Django):
the loader and every component it may fetch later (TeX extensions, fonts, menu, a11y).

Repository and launch buttons: ``repository.url`` in ``_config.yml`` is the one setting. Empty
(the project has no public address yet), the repository button and the Binder/Colab launch
buttons are left out; set, the repository button appears and the launch buttons listed under
``launch_buttons`` link to it.
"""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

MATHJAX_PACKAGE = "mathjax"  # django-static-mathjax's import name
MATHJAX_ENTRY = "tex-mml-chtml.js"
# what the entry script may load later from its own folder ([mathjax]/...)
MATHJAX_PARTS = ("a11y", "adaptors", "input", "output", "sre", "ui")
STATIC_DIR = "mathjax"
LAUNCH_KEYS = ("binderhub_url", "jupyterhub_url", "colab_url", "jupyterlite_url", "thebe")


def mathjax_source() -> Path:
    """MathJax 3's ``es5`` folder in the installed package (an error naming the pin if the
    package is missing or is not MathJax 3)."""
    try:
        root = Path(str(resources.files(MATHJAX_PACKAGE))) / "static" / "mathjax"
    except ModuleNotFoundError as err:
        raise ConfigError(
            "MathJax is served from the book's own files: install the dev dependencies "
            "(pyproject.toml pins django-static-mathjax)"
        ) from err
    version = json.loads((root / "package.json").read_text(encoding="utf8"))["version"]
    if not version.startswith("3.") or not (root / "es5" / MATHJAX_ENTRY).is_file():
        raise ConfigError(f"expected MathJax 3's es5/{MATHJAX_ENTRY} in {root}, got {version}")
    return root / "es5"


def copy_mathjax(destination: Path) -> None:
    """MathJax's entry script, the components it loads and its licence, into ``destination``."""
    source = mathjax_source()
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / MATHJAX_ENTRY, destination / MATHJAX_ENTRY)
    shutil.copy2(source.parent / "LICENSE", destination / "LICENSE")
    for part in MATHJAX_PARTS:
        shutil.copytree(source / part, destination / part, dirs_exist_ok=True)


def repository_buttons(theme_options: dict[str, Any]) -> dict[str, Any]:
    """The theme options with the repository and launch buttons on exactly when
    ``repository_url`` is set (non-empty)."""
    options = dict(theme_options)
    if options.get("repository_url"):
        options["use_repository_button"] = True
        return options
    options.pop("repository_url", None)
    for button in ("use_repository_button", "use_issues_button", "use_edit_page_button"):
        options[button] = False
    launch = dict(options.get("launch_buttons") or {})
    for key in LAUNCH_KEYS:
        launch.pop(key, None)
    options["launch_buttons"] = launch
    return options


def _config_inited(app: Sphinx, config: Config) -> None:
    config.html_theme_options = repository_buttons(config.html_theme_options)
    if not str(config.mathjax_path).startswith(f"{STATIC_DIR}/"):
        raise ConfigError(f"mathjax_path must be {STATIC_DIR}/{MATHJAX_ENTRY} (served locally)")
    mathjax_source()  # fail early, before any notebook is read


def _build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        copy_mathjax(Path(app.outdir) / "_static" / STATIC_DIR)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _config_inited)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
