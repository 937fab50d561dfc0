"""`make lab` renders the lessons' MyST: the jupyterlab-myst extension is installed and on.

JupyterLab finds a prebuilt extension in the Jupyter data path's ``labextensions`` folders and
loads it unless its page config disables it; the server half (which trusts a notebook's
rendered Markdown) is switched on in ``jupyter_server_config.d``. (``jupyter labextension
list`` flags 2.7.0, the newest release, with an X: it was built against ``@jupyter/ydoc`` 3 and
JupyterLab 4.6 shares version 4. Lab loads it anyway, and it renders the lessons' MyST.)
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import jupyterlab_myst
from jupyter_core.paths import jupyter_config_path, jupyter_path
from jupyterlab_server.config import get_federated_extensions, get_page_config

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = "jupyterlab-myst"


def _pinned(package: str) -> str:
    pins = (ROOT / "pyproject.toml").read_text(encoding="utf8")
    return re.search(rf'"{package}==([^"]+)"', pins).group(1)


def test_the_lab_extension_is_installed_at_the_pinned_version_and_enabled():
    paths = jupyter_path("labextensions")
    found = get_federated_extensions(paths)
    assert EXTENSION in found, f"{EXTENSION} is not in any of {paths}"
    assert found[EXTENSION]["version"] == _pinned("jupyterlab-myst") == jupyterlab_myst.__version__
    assert [p["dest"] for p in jupyterlab_myst._jupyter_labextension_paths()] == [EXTENSION]
    disabled = get_page_config(paths, logger=logging.getLogger(__name__)).get(
        "disabledExtensions", {}
    )
    off = disabled if isinstance(disabled, list) else [k for k, v in disabled.items() if v]
    assert not [name for name in off if name.startswith(EXTENSION)]


def test_the_server_extension_is_enabled():
    enabled = {}
    for folder in jupyter_config_path():
        for path in sorted(Path(folder).glob("jupyter_server_config.d/*.json")):
            settings = json.loads(path.read_text(encoding="utf8"))
            enabled.update(settings.get("ServerApp", {}).get("jpserver_extensions", {}))
    assert enabled.get("jupyterlab_myst") is True
