"""lrcourse's LR range test next to torch-lr-finder's, on the same model, data and sweep.

torch-lr-finder is a benchmark-only dependency (``make bench`` installs it). Both sweep the LR
geometrically from 1e-5 to 10 over 100 batches of 32 digits with SGD (momentum 0.9) on the same
seeded MLP; torch-lr-finder smooths with ``smooth_f=0.05`` and stops at 5x the best loss, so
lrcourse runs with the matching ``beta=0.95`` and ``diverge_factor=5``. Printed: seconds per
test, and the suggested LRs side by side (torch-lr-finder offers only "steepest").
"""

from __future__ import annotations

import contextlib
import io
import time
import warnings

import matplotlib
import numpy as np
import torch

import lrcourse as lc

matplotlib.use("Agg")

SWEEP = {"start_lr": 1e-5, "end_lr": 10.0, "num_iter": 100}
SEEDS = (0, 1, 2)


def _ours(data, seed):
    model = lc.mlp(64, 64, 10, seed=seed)
    opt = torch.optim.SGD(model.parameters(), lr=SWEEP["start_lr"], momentum=0.9)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # torch-lr-finder's settings lag 1.1 decades at the end: matched on purpose, not advised
        warnings.simplefilter("ignore", lc.rangetest.SmoothingLagWarning)
        test = lc.lr_range_test(
            model,
            data,
            opt,
            beta=0.95,
            diverge_factor=5.0,
            batch_size=32,
            seed=seed,
            progress=False,
            **SWEEP,
        )
    return time.perf_counter() - start, test.suggestions()


def _theirs(data, seed):
    from torch_lr_finder import LRFinder

    model = lc.mlp(64, 64, 10, seed=seed)
    opt = torch.optim.SGD(model.parameters(), lr=SWEEP["start_lr"], momentum=0.9)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(data.X_train, data.y_train),
        batch_size=32,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    quiet = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        finder = LRFinder(model, opt, torch.nn.CrossEntropyLoss(), device="cpu")
        finder.range_test(
            loader, end_lr=SWEEP["end_lr"], num_iter=SWEEP["num_iter"], smooth_f=0.05, diverge_th=5
        )
        elapsed = time.perf_counter() - start
        _, steepest = finder.plot(suggest_lr=True, skip_start=0, skip_end=1)
        finder.reset()
    matplotlib.pyplot.close("all")
    return elapsed, {"steepest": float(steepest)}


def main() -> None:
    try:
        import torch_lr_finder  # noqa: F401
    except ImportError:
        print("torch-lr-finder is not installed: run `make bench` (it installs it)")
        return
    data = lc.load_digits_data(seed=0)
    torch.set_num_threads(1)
    print(
        "LR range test, digits MLP 64-64-10, SGD(momentum=0.9), 100 batches of 32, "
        "LR 1e-5 -> 10 (geometric)"
    )
    print(
        f"{'seed':>4}  {'lrcourse s':>10}  {'torch-lr-finder s':>17}  {'ratio':>6}  "
        f"{'steepest (ours / theirs)':>26}  {'valley':>9}  {'min/10':>9}"
    )
    ratios = []
    for seed in SEEDS:
        t_ours, ours = _ours(data, seed)
        t_theirs, theirs = _theirs(data, seed)
        ratios.append(t_theirs / t_ours)
        print(
            f"{seed:4d}  {t_ours:10.3f}  {t_theirs:17.3f}  {ratios[-1]:5.1f}x  "
            f"{ours['steepest']:12.3g} / {theirs['steepest']:<11.3g}  {ours['valley']:9.3g}  "
            f"{ours['min_div_10']:9.3g}"
        )
    print(
        f"lrcourse is {np.median(ratios):.1f}x the speed of torch-lr-finder (median); where the "
        "two 'steepest' rules differ, it is because lrcourse differentiates the bias-corrected "
        "smoothed loss against log LR, torch-lr-finder the uncorrected one against the index."
    )


if __name__ == "__main__":
    main()
