"""What the schedule tests share: valid keyword arguments for every scheduler (hypothesis
strategies) and the comparison of a closed form with torch (importable: pytest puts tests/ on
sys.path).

Tolerance: rtol=1e-9, with an absolute floor of 1e-12 times the curve's peak. The floor only
matters where an LR passes through (or next to) zero: at the bottom of a cosine, torch's
recursive update ``lr * (1 + cos(pi k/T)) / (1 + cos(pi (k-1)/T))`` divides two numbers that
are both rounding-sized, so torch itself carries ~1e-17-sized absolute noise there.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import lrcourse as lc

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

steps_st = st.integers(0, 300)
lr_st = st.sampled_from([0.0, 1e-4, 3e-3, 0.01, 0.1, 0.5, 1.0, 7.0])  # torch accepts lr=0
gamma_st = st.floats(0.01, 1.5)
factor_st = st.floats(0.01, 1.0)
eta_min_st = st.sampled_from([0.0, 0.0, 1e-4, 0.01, 0.05])


def nonzero_st(n: int):
    """An integer length in [-n, n] other than 0 (torch takes a negative one as its absolute
    value, with a warning here; 0 it divides by)."""
    return st.integers(-n, -1) | st.integers(1, n)


def length_st(n: int):
    """A non-zero length in [-n, n]: an integer, an integral float (torch computes with it as
    given) or a fractional one (torch's ``k % length == 0`` then fires only at some steps)."""
    return (
        nonzero_st(n)
        | nonzero_st(n).map(float)
        | st.floats(0.25, n).filter(lambda x: x != int(x))
        | st.sampled_from([-2.5, -1.5, 0.5, 1.5, 2.5, 7.5, 0.3])
    )


def fractional_st(n: int):
    """A number in (-3, n) that is not a whole number."""
    return st.floats(-3.0, n).filter(lambda x: x != int(x)) | st.sampled_from([-1.5, 0.5, 2.5])


def total_iters_st(n: int):
    """A total_iters as torch takes it: an integer in [-3, n], an integral float or a fractional
    one (torch's ``k == total_iters`` and ``k > total_iters`` then treat it as its floor)."""
    return st.integers(-3, n) | st.integers(-3, n).map(float) | fractional_st(n)


def count_st(n: int):
    """A patience or cooldown: torch compares its counters with any number, negative or not."""
    return st.integers(-2, n) | st.integers(-2, n).map(float) | st.sampled_from([-0.5, 0.5, 1.5])


#: a CosineAnnealingLR T_max, an integer or an integral float
t_max_st = nonzero_st(100) | nonzero_st(100).map(float)
#: fractional ones, alone (not composed): torch's recursion then divides by 1 + cos(pi (k-1)/T),
#: which can come near 0 (the last two amplify its rounding visibly); lr_curve runs the same
#: recursion, while SequentialLR's and ChainedScheduler's affine-map scan rounds differently
#: there, so they stay out of the composed cases
fractional_t_max_st = st.sampled_from(
    [2.5, -2.5, 0.5, 1.5, 10.25, 1.0888884466533, -1.9890114095893434]
)

#: a MultiStepLR milestone: torch fires at an integral one (int or float) and never at a
#: fractional or negative one
milestone_st = (
    st.integers(-5, 120) | st.integers(-5, 120).map(float) | st.floats(-5.0, 120.0) | st.just(0.5)
)


def assert_matches_torch(name, steps=None, *, lr=0.1, metrics=None, **kwargs):
    closed = lc.lr_curve(name, steps, lr=lr, metrics=metrics, **kwargs)
    ref = lc.torch_lr_curve(name, steps, lr=lr, metrics=metrics, **kwargs)
    assert closed.dtype == np.float64 and closed.shape == ref.shape
    peak = max(float(np.max(np.abs(ref), initial=0.0)), lr)
    np.testing.assert_allclose(closed, ref, rtol=1e-9, atol=1e-12 * peak, err_msg=name)
    return closed


# --- a strategy of valid keyword arguments for each scheduler ---------------------------------


def _decay_by(c):
    def fn(k):
        return c

    return fn


def _zigzag(k):
    return 0.9 if k % 2 else 1.05


def _hyperbolic(k):
    return 1.0 / (1.0 + 0.05 * k)


def _step_table(k):
    return [1.0, 0.5, 0.25][min(k // 20, 2)]


lambda_st = st.sampled_from(
    [_hyperbolic, _step_table, lc.cosine_with_warmup(5, 50), lc.inverse_sqrt(7)]
)
multiplicative_st = st.sampled_from([_decay_by(0.97), _decay_by(1.01), _zigzag, _hyperbolic])

KWARGS = {
    "LambdaLR": st.fixed_dictionaries({"lr_lambda": lambda_st}),
    "MultiplicativeLR": st.fixed_dictionaries({"lr_lambda": multiplicative_st}),
    "StepLR": st.fixed_dictionaries({"step_size": length_st(50), "gamma": gamma_st}),
    "MultiStepLR": st.fixed_dictionaries(
        {"milestones": st.lists(milestone_st, max_size=6), "gamma": gamma_st}
    ),
    "ConstantLR": st.fixed_dictionaries(
        {"factor": factor_st, "total_iters": st.integers(1, 80) | st.integers(1, 80).map(float)}
    )
    | st.fixed_dictionaries(  # never undone: factor 0 allowed
        {"factor": st.floats(0.0, 1.0), "total_iters": st.integers(-3, 0) | fractional_st(80)}
    ),
    "LinearLR": st.fixed_dictionaries(
        {
            "start_factor": factor_st,
            "end_factor": st.floats(0.0, 1.0),
            "total_iters": total_iters_st(80),
        }
    ),
    "ExponentialLR": st.fixed_dictionaries({"gamma": st.floats(0.5, 1.05)}),
    "PolynomialLR": st.fixed_dictionaries(
        {"total_iters": total_iters_st(120), "power": st.floats(0.0, 5.0)}
    ),
    "CosineAnnealingLR": st.fixed_dictionaries({"T_max": t_max_st, "eta_min": eta_min_st}),
    "CosineAnnealingWarmRestarts": st.fixed_dictionaries(
        {"T_0": st.integers(1, 40), "T_mult": st.integers(1, 3), "eta_min": eta_min_st}
    ),
}
COMBINABLE_KWARGS = dict(KWARGS)
KWARGS["CosineAnnealingLR"] = KWARGS["CosineAnnealingLR"] | st.fixed_dictionaries(
    {"T_max": fractional_t_max_st, "eta_min": eta_min_st}
)

KWARGS["CyclicLR"] = st.fixed_dictionaries(
    {
        "base_lr": st.sampled_from([1e-4, 1e-3, 0.01]),
        "max_lr": st.sampled_from([0.05, 0.1, 1.0]),
        "step_size_up": nonzero_st(40) | st.floats(0.5, 40.0),
        "step_size_down": st.none() | st.integers(-40, 40),
        "mode": st.sampled_from(["triangular", "triangular2", "exp_range"]),
        "gamma": st.floats(0.9, 1.0) | st.just(0.0),
        "cycle_momentum": st.booleans(),
    }
).filter(
    # a cycle of |up + down| < 1 steps: torch divides by zero (or overflows triangular2's
    # doubling amplitude to inf) within a few dozen steps; lr_curve refuses the inf
    lambda kw: kw["step_size_down"] is None or abs(kw["step_size_up"] + kw["step_size_down"]) >= 1
)
KWARGS["OneCycleLR"] = st.fixed_dictionaries(
    {
        "max_lr": st.sampled_from([0.01, 0.1, 1.0]),
        "pct_start": st.floats(0.05, 0.95),
        "anneal_strategy": st.sampled_from(["cos", "linear"]),
        "div_factor": st.sampled_from([1.0, 10.0, 25.0]),
        "final_div_factor": st.sampled_from([1.0, 100.0, 1e4]),
        "three_phase": st.booleans(),
    }
) | st.just({"max_lr": 0.1})
KWARGS["ReduceLROnPlateau"] = st.fixed_dictionaries(
    {
        "mode": st.sampled_from(["min", "max"]),
        "factor": st.floats(0.05, 0.95),
        "patience": count_st(6),  # torch accepts negative and fractional values of these
        "threshold": st.sampled_from([-0.01, 0.0, 1e-4, 0.01, 0.1]),
        "threshold_mode": st.sampled_from(["rel", "abs"]),
        "cooldown": count_st(5),
        "min_lr": st.sampled_from([-0.01, 0.0, 1e-3, 0.02]),
        "eps": st.sampled_from([-1e-3, 1e-8, 1e-3]),
    }
)

combinable_spec = st.sampled_from(sorted(COMBINABLE_KWARGS)).flatmap(
    lambda name: st.tuples(st.just(name), COMBINABLE_KWARGS[name])
)

_LINEAR_WITH_WARMUP = st.integers(0, 50).flatmap(
    lambda w: st.fixed_dictionaries(
        {"warmup_steps": st.just(w), "total_steps": st.integers(max(w, 1), 300)}
    )
)
_COSINE_WITH_WARMUP = st.integers(0, 50).flatmap(
    lambda w: st.fixed_dictionaries(
        {
            "warmup_steps": st.just(w),
            "total_steps": st.integers(max(w, 1), 300),
            "min_factor": st.just(0.0) | st.floats(0.0, 1.0),
        }
    )
)
_WARMUP_STABLE_DECAY = st.tuples(st.integers(0, 40), st.integers(1, 60)).flatmap(
    lambda wd: st.fixed_dictionaries(
        {
            "warmup_steps": st.just(wd[0]),
            "decay_steps": st.just(wd[1]),
            "total_steps": st.integers(wd[0] + wd[1], 300),
            "min_factor": st.just(0.0) | st.floats(0.0, 1.0),
            "cooldown": st.sampled_from(["linear", "1-sqrt", "cosine"]),
        }
    )
)
_HARD_RESTARTS = st.integers(0, 50).flatmap(
    lambda w: st.fixed_dictionaries(
        {
            "warmup_steps": st.just(w),
            "total_steps": st.integers(max(w, 1), 300),
            "num_cycles": st.integers(1, 6),
        }
    )
)
_POLYNOMIAL = st.integers(0, 50).flatmap(
    lambda w: st.fixed_dictionaries(
        {
            "warmup_steps": st.just(w),
            "total_steps": st.integers(w + 1, 300),  # the library divides by T - w
            "min_factor": st.just(0.0) | st.floats(0.0, 0.99),
            "power": st.sampled_from([1.0, 2.0, 0.5]) | st.floats(0.1, 4.0),
        }
    )
)
_COSINE_WARMUP_WITH_MIN_LR = st.integers(0, 50).flatmap(
    lambda w: st.fixed_dictionaries(
        {
            "warmup_steps": st.just(w),
            "total_steps": st.integers(max(w, 1), 300),
            "min_factor": st.just(0.0) | st.floats(0.0, 1.0),
            "warmup_factor": st.none() | st.floats(0.0, 1.0),
        }
    )
)

MODERN_KWARGS = {
    "linear_with_warmup": _LINEAR_WITH_WARMUP,
    "transformers_linear_with_warmup": _LINEAR_WITH_WARMUP,
    "cosine_with_warmup": _COSINE_WITH_WARMUP,
    "transformers_cosine_with_warmup": _COSINE_WITH_WARMUP,
    "transformers_constant_with_warmup": st.fixed_dictionaries(
        {"warmup_steps": st.integers(0, 50)}
    ),
    "inverse_sqrt": st.fixed_dictionaries({"warmup_steps": st.integers(1, 50)}),
    "linear_warmup": st.fixed_dictionaries({"warmup_steps": st.integers(1, 50)}),
    "untuned_linear_warmup": st.fixed_dictionaries({"beta2": st.floats(0.9, 0.999)}),
    "warmup_stable_decay": _WARMUP_STABLE_DECAY,
    "transformers_warmup_stable_decay": _WARMUP_STABLE_DECAY,
    "transformers_cosine_with_hard_restarts": _HARD_RESTARTS,
    "transformers_polynomial_decay_with_warmup": _POLYNOMIAL,
    "transformers_inverse_sqrt": st.fixed_dictionaries(
        {"warmup_steps": st.integers(0, 50), "timescale": st.none() | st.integers(1, 200)}
    ),
    "transformers_cosine_warmup_with_min_lr": _COSINE_WARMUP_WITH_MIN_LR,
}

#: each course warmup form and the transformers form it equals from step ``warmup_steps`` on
COURSE_AND_TRANSFORMERS = {
    "linear_with_warmup": "transformers_linear_with_warmup",
    "cosine_with_warmup": "transformers_cosine_with_warmup",
    "linear_warmup": "transformers_constant_with_warmup",
    "warmup_stable_decay": "transformers_warmup_stable_decay",
}

#: metric values with ties and near-ties for ReduceLROnPlateau
metric_values = st.sampled_from([1.0, 0.9, 0.9, 0.5, 0.5, 0.49995, 0.2, 2.0])
