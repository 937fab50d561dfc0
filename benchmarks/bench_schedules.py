"""How much faster the closed forms are than stepping torch's schedulers (goal: >= 100x)."""

from __future__ import annotations

import time

import lrcourse as lc

STEPS = 100_000
CASES = {
    "OneCycleLR": {"max_lr": 0.1, "total_steps": STEPS},
    "CosineAnnealingWarmRestarts": {"T_0": 1_000, "T_mult": 2, "eta_min": 1e-4},
}


def best_of(fn, repeats: int) -> float:
    """The fastest of ``repeats`` wall-clock timings of ``fn()``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> dict[str, float]:
    ratios = {}
    print(f"lr_curve vs stepping torch, {STEPS:,} steps (best of several runs)")
    for name, kwargs in CASES.items():
        closed = best_of(lambda n=name, kw=kwargs: lc.lr_curve(n, STEPS, **kw), 20)
        torch_s = best_of(lambda n=name, kw=kwargs: lc.torch_lr_curve(n, STEPS, **kw), 2)
        ratios[name] = torch_s / closed
        verdict = "ok" if ratios[name] >= 100 else "BELOW GOAL"
        print(
            f"  {name:28s} closed form {closed * 1e3:8.2f} ms   torch {torch_s * 1e3:9.1f} ms"
            f"   ratio {ratios[name]:7.0f}x   (goal >= 100x: {verdict})"
        )
    return ratios


if __name__ == "__main__":
    main()
