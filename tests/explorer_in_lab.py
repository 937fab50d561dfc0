"""The explorer live in JupyterLab: the same front end as the static page, talking to a kernel.

Run by ``make browser`` after the book's browser test (not collected by ``pytest tests``: its
name does not start with ``test_``). A JupyterLab server on loopback (no token, a temporary
directory holding one notebook) is opened in headless Chromium (Debian's, through playwright);
the notebook's first cell shows ``lc.explore("StepLR", 60)``. Checked: the anywidget renders
``lrcourse/static/explorer.js`` (the ``.lrc-explorer`` element of the contract), a slider moved
by keyboard reaches the kernel (JupyterLab's shortcuts do not take the arrow keys), and the
torch overlay the kernel computes is drawn dashed. Skipped without chromium or playwright.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or ""
try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import sync_playwright
except ImportError:  # a pinned dev dependency: missing only outside `make`
    pytest.skip("lab test skipped: playwright is not installed", allow_module_level=True)
if not CHROMIUM or not Path(CHROMIUM).exists():
    pytest.skip("lab test skipped: no chromium", allow_module_level=True)

CELLS = [
    "import lrcourse as lc\npanel = lc.explore('StepLR', 60)\npanel",
    "print('STATE', panel.params['step_size'], panel.curve[-1], panel.torch_curve is not None)",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on loopback over a directory with ``explore.ipynb``; its URL."""
    root = tmp_path_factory.mktemp("lab")
    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c}
        for c in CELLS
    ]
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / "explore.ipynb").write_text(json.dumps(notebook))
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         "--IdentityProvider.token=", "--ServerApp.password=", "--allow-root",
         f"--ServerApp.root_dir={root}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/explore.ipynb"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_explorer_runs_live_in_jupyterlab(lab):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            page.goto(lab)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for(timeout=60_000)
            explorer = page.locator(".jp-OutputArea .lrc-explorer[data-schedule='StepLR']")
            for _ in range(3):  # a click while the page still settles can be lost
                page.locator(".jp-Cell").first.click()
                page.keyboard.press("Shift+Enter")
                try:
                    explorer.wait_for(timeout=30_000)
                    break
                except PlaywrightTimeoutError:
                    continue
            explorer.wait_for(timeout=1_000)
            slider = explorer.locator('input[type="range"][name="step_size"]')
            assert slider.input_value() == "30"
            slider.focus()
            page.keyboard.press("ArrowRight")
            assert slider.input_value() == "31"  # the arrow reached the slider
            explorer.locator('input[name="overlay_torch"]').check()
            explorer.locator("path.lrc-torch").wait_for(timeout=30_000)  # the kernel's curve
            assert "largest gap to torch: 0.0" in explorer.locator(".lrc-msg").inner_text()
            page.keyboard.press("Escape")
            page.locator(".jp-Cell").nth(1).click()
            page.keyboard.press("Shift+Enter")
            printed = page.locator(".jp-OutputArea-output", has_text="STATE")
            printed.wait_for(timeout=30_000)
            assert printed.inner_text().split() == ["STATE", "31", "0.010000000000000002", "True"]
        finally:
            browser.close()
