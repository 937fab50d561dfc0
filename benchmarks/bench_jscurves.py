"""How fast lrcurve.js computes a 10,000-step curve of every schedule (budget: 5 ms a redraw).

The static page's explorers redraw from ``lrCurve`` (lrcourse/static/lrcurve.js) with no
kernel. This times the curve alone in V8 as the ``mini-racer`` wheel embeds it (the browser
runs the same engine; the drawing is the browser test's to time): each schedule's
registry defaults and example at 10,000 steps, in batches of curves timed inside the engine
after a warm-up (the embedded V8 has only ``Date.now``, a millisecond clock, so a batch is
timed whole), the median batch's time per curve and its ratio to the budget.
"""

from __future__ import annotations

import json

from py_mini_racer import MiniRacer

from lrcourse import web

STEPS = 10_000
BUDGET_MS = 5.0
BATCHES = 9
CURVES = 20  # per batch

_TIMER = """
function timeCurve(name, steps, lr, given, metrics, batches, curves) {
  const kw = completeKwargs(REGISTRY, name, given);
  for (let i = 0; i < 5; i++) lrCurve(name, steps, lr, kw, metrics); // warm-up (the JIT)
  const times = [];
  for (let b = 0; b < batches; b++) {
    const t0 = Date.now();
    for (let i = 0; i < curves; i++) lrCurve(name, steps, lr, kw, metrics);
    times.push((Date.now() - t0) / curves);
  }
  times.sort((x, y) => x - y);
  return times[(batches - 1) >> 1];
}
"""


def cases(registry: dict) -> dict[str, dict]:
    """name -> the explorer's starting keyword arguments, stretched to ``STEPS`` steps."""
    out = {}
    for name, info in registry["schedules"].items():
        kwargs = {p["name"]: p["default"] for p in info["params"]} | info["example"]
        if "total_steps" in kwargs:
            kwargs["total_steps"] = STEPS
        out[name] = kwargs
    return out


def main() -> dict[str, float]:
    registry = web.registry_dict(metric_steps=STEPS)
    metric = registry["metrics"]["ReduceLROnPlateau"]
    ctx = MiniRacer()
    ratios = {}
    try:
        ctx.eval(web.lrcurve_script())
        ctx.eval(f"const REGISTRY = JSON.parse({json.dumps(json.dumps(registry))});")
        ctx.eval(_TIMER)
        print(
            f"lrcurve.js in V8 (mini-racer), {STEPS:,} steps, "
            f"median of {BATCHES} batches of {CURVES} curves"
        )
        for name, kwargs in cases(registry).items():
            needs = registry["schedules"][name]["needs_metrics"]
            args = [name, STEPS, 0.1, kwargs, metric if needs else None, BATCHES, CURVES]
            ms = float(ctx.eval(f"timeCurve(...{json.dumps(args)})"))
            ratios[name] = ms / BUDGET_MS
            verdict = "ok" if ms < BUDGET_MS else "OVER BUDGET"
            print(
                f"  {name:42s} {ms:7.3f} ms   ratio to the {BUDGET_MS:.0f} ms budget "
                f"{ratios[name]:5.3f}   ({verdict})"
            )
    finally:
        ctx.close()
    return ratios


if __name__ == "__main__":
    main()
