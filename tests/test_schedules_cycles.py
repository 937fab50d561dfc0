"""The cyclic rules written once (lrcourse.schedules.cycles): SGDR boundaries, OneCycleLR's
phases, CyclicLR's wave, checked against brute-force loops and torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lrcourse as lc
from lrcourse.schedules.cycles import (
    cycle_start,
    cyclic_position,
    one_cycle_phases,
    one_cycle_values,
    restart_phase,
    restart_starts,
)


def _walk(k: int, T_0: int, T_mult: int) -> tuple[int, int, int]:
    """The cycle of step k by walking the cycles one by one."""
    i, start, length = 0, 0, T_0
    while start + length <= k:
        start, length, i = start + length, length * T_mult, i + 1
    return i, k - start, length


@given(T_0=st.integers(1, 30), T_mult=st.integers(1, 4), last=st.integers(0, 2000))
def test_restart_phase_and_starts_agree_with_a_walk(T_0, T_mult, last):
    k = np.arange(last + 1)
    i, t_cur, t_i = restart_phase(k, T_0, T_mult)
    for step in (0, last // 3, last // 2, last):
        assert (i[step], t_cur[step], t_i[step]) == _walk(step, T_0, T_mult)
    starts, lengths = restart_starts(T_0, T_mult, last)
    assert starts[0] == 0 and starts[-1] <= last and starts[-1] + lengths[-1] > last
    assert [cycle_start(n, T_0, T_mult) for n in range(len(starts))] == starts.tolist()
    assert np.array_equal(np.flatnonzero(t_cur == 0), starts)


def test_one_cycle_values_pick_the_first_phase_that_has_not_ended_like_torch():
    ends, pairs = (2.0, 1.0, 5.0), ((0.0, 1.0), (1.0, 0.0), (0.5, 0.25))
    k = np.arange(7)
    got = one_cycle_values(k, ends, pairs, "linear")
    # torch's loop: the first phase with k <= end, else the last; start = previous end
    want = []
    for step in k:
        start = 0.0
        for j, (end, (b, e)) in enumerate(zip(ends, pairs, strict=True)):
            if step <= end or j == len(ends) - 1:
                want.append(b + (e - b) * (step - start) / (end - start))
                break
            start = end
    np.testing.assert_allclose(got, want, rtol=1e-15)


def test_a_zero_length_phase_torch_would_divide_by_zero_in_is_refused():
    with pytest.raises(ValueError, match="pct_start"):
        one_cycle_phases(0.1, 10, 0.1, 25.0, 1e4, False)  # warmup from step 0 to step 0
    with pytest.raises(ValueError, match="pct_start"):
        one_cycle_phases(0.1, 10, 1.0, 25.0, 1e4, False)  # anneal from step 9 to step 9
    phases = one_cycle_phases(0.1, 10, 0.7, 25.0, 1e4, True)
    assert phases.overlap and phases.ends == (6.0, 12.0, 9.0)


@pytest.mark.parametrize(("up", "down"), [(3, 3), (3, 7), (2.5, 0)])
def test_cyclic_position_rises_over_up_and_falls_over_down(up, down):
    k = np.arange(40)
    cycle, x = cyclic_position(k, float(up), float(down))
    assert x.min() >= 0 and x.max() <= 1 and cycle[0] == 1
    if down:
        assert x[0] == 0 and x[up] == pytest.approx(1.0) and x[up + down] == pytest.approx(0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lr = lc.lr_curve(
            "CyclicLR",
            40,
            base_lr=0.0 + 1e-3,
            max_lr=1e-3 + 1.0,
            step_size_up=up,
            step_size_down=down,
        )
    np.testing.assert_allclose(lr, 1e-3 + x, rtol=1e-12)
