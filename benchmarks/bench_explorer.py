"""How fast the explorer's kernel side follows a slider change at 10,000 steps (budget: 50 ms).

The picture is drawn in the browser (lrcourse/static/explorer.js; tests/book_in_browser.py
prints the time of one redraw there). In a live notebook the kernel also recomputes, for
``panel.curve``, the errors and the torch overlay: this times that, ``panel.last_redraw_s``
(the closed-form curve and, with the overlay on, torch's). Each case makes 30 slider changes
(after a few warm-up redraws) and reports the median and the 90th percentile, and the median's
ratio to the budget. Then, with chromium and a built book, the redraw in the browser (the
curve by lrcurve.js and its SVG, budget 5 ms: issue 12), as the browser test times it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

import lrcourse as lc

STEPS = 10_000
BUDGET_S = 0.050
CHANGES = 30
WARMUP = 3

#: name -> (fixed kwargs, the slider moved, the 30 values it moves through)
CASES: dict[str, tuple[dict, str, list]] = {
    "CosineAnnealingLR": ({}, "T_max", list(range(100, 500, 13))[:CHANGES]),
    "OneCycleLR": (
        {"total_steps": STEPS},
        "pct_start",
        list(np.round(np.linspace(0.1, 0.6, CHANGES), 4)),
    ),
    "CyclicLR": ({}, "step_size_up", list(range(20, 200, 6))[:CHANGES]),
    "ReduceLROnPlateau": ({}, "patience", list(range(CHANGES))),
    "warmup_stable_decay": ({"total_steps": STEPS}, "decay_steps", list(range(100, 3100, 100))),
    "SequentialLR": ({}, "lr", list(np.round(np.geomspace(1e-3, 1.0, CHANGES), 6))),
}


def time_redraws(name: str, fixed: dict, control: str, values: list, **panel_kw) -> np.ndarray:
    """Seconds per slider change: ``panel.last_redraw_s`` for each of ``values``."""
    panel = lc.explore(name, STEPS, **fixed)
    panel.set(**panel_kw)
    for value in values[:WARMUP]:
        panel.set(**{control: value})
    times = []
    for value in values:
        panel.set(**{control: value})
        if panel.error is not None:
            raise RuntimeError(f"{name} {control}={value}: {panel.error}")
        assert panel.curve is not None and panel.curve.size == STEPS
        times.append(panel.last_redraw_s)
    return np.asarray(times)


def main() -> dict[str, float]:
    ratios = {}
    print(
        f"explorer redraw after a slider change, {STEPS:,} steps, median of {CHANGES} changes "
        f"(budget {BUDGET_S * 1e3:.0f} ms)"
    )
    for name, (fixed, control, values) in CASES.items():
        for log in (False, True):
            t = time_redraws(name, fixed, control, values, log=log)
            median, p90 = float(np.median(t)), float(np.percentile(t, 90))
            key = f"{name}{' (log y)' if log else ''}"
            ratios[key] = median / BUDGET_S
            verdict = "ok" if median < BUDGET_S else "OVER BUDGET"
            print(
                f"  {key:30s} {control:13s} median {median * 1e3:6.1f} ms   p90 {p90 * 1e3:6.1f} ms"
                f"   ratio to budget {ratios[key]:5.2f}   ({verdict})"
            )
    # for information: the torch overlay steps the real scheduler 10,000 times (not budgeted)
    t = time_redraws(
        "CosineAnnealingLR", {}, "T_max", [100, 200, 300, 400, 500], overlay_torch=True
    )
    print(f"  (info) with the torch overlay on: median {np.median(t) * 1e3:.0f} ms per change")
    median_ms = browser_redraw()
    if median_ms is not None:
        ratios["browser"] = median_ms / BROWSER_BUDGET_MS
    return ratios


# ----------------------------------------------------------------------------- in the browser

BROWSER_BUDGET_MS = 5.0
_PAGE = Path(__file__).resolve().parents[1] / "_build" / "html"


def browser_redraw() -> float | None:
    """Milliseconds of one redraw of a 10,000-step curve in the built book's first explorer
    (Chromium, headless; ``lrcCurve`` and the SVG); ``None`` without chromium or a built book."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    page = _PAGE / "lessons" / "01_why_schedule.html"
    if chromium is None or not page.is_file():
        print("  browser: skipped (needs chromium and a built book: make book)")
        return None
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from book_in_browser import CHROMIUM_ARGS, time_redraw  # the browser test's timing

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            found = time_redraw(browser.new_page(), page.as_uri())
        finally:
            browser.close()
    assert found["points"] == STEPS
    verdict = "ok" if found["median"] < BROWSER_BUDGET_MS else "OVER BUDGET"
    print(
        f"  browser redraw (curve + SVG), {STEPS:,} steps: median {found['median']:.2f} ms   "
        f"p90 {found['p90']:.2f} ms   ratio to {BROWSER_BUDGET_MS:.0f} ms "
        f"{found['median'] / BROWSER_BUDGET_MS:5.2f}   ({verdict})"
    )
    return found["median"]


if __name__ == "__main__":
    main()
