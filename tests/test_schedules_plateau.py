"""ReduceLROnPlateau's rule written once (lrcourse.schedules.plateau): its states, the LR
curve read off it, and the chapter's trace built on it."""

from __future__ import annotations

import numpy as np

import lrcourse as lc
from lrcourse.schedules.plateau import plateau_rule


def test_the_rule_records_each_step():
    metrics = [1.0, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]
    states = list(
        plateau_rule(np.array(metrics), 1.0, patience=2, factor=0.5, cooldown=1, min_lr=0.2)
    )
    assert [s.action for s in states] == [
        "better",
        "better",
        "worse",
        "worse",
        "cut",
        "cooldown",
        "worse",
        "worse",
        "cut",
        "cooldown",
    ]
    cut = states[4]
    assert (cut.counted, cut.bad, cut.cooldown, cut.lr, cut.new_lr) == (3, 0, 1, 1.0, 0.5)
    assert states[5].in_cooldown and states[5].counted == 1 and states[5].bad == 0
    assert states[8].target == 0.25 and states[9].lr == 0.25
    assert [s.lr for s in states] == lc.lr_curve(
        "ReduceLROnPlateau",
        lr=1.0,
        metrics=metrics,
        patience=2,
        factor=0.5,
        cooldown=1,
        min_lr=0.2,
    ).tolist()


def test_a_cut_smaller_than_eps_is_skipped_and_min_lr_holds():
    states = list(plateau_rule(np.ones(12), 1.0, patience=0, factor=0.5, min_lr=0.3))
    actions = [s.action for s in states]
    assert actions[:3] == ["better", "cut", "cut"] and set(actions[3:]) == {"skipped"}
    assert states[-1].new_lr == 0.3


def test_the_chapter_trace_is_the_core_rule_in_words():
    metrics = lc.synthetic_metric(80, seed=3)
    kw = {"patience": 4, "factor": 0.5, "cooldown": 2, "threshold": 0.01}
    trace = lc.plateau_events(metrics, lr=0.2, **kw)
    states = list(
        plateau_rule(
            np.asarray(metrics),
            0.2,
            **(lc.SCHEDULES["ReduceLROnPlateau"].signature_defaults() | kw),
        )
    )
    assert [s.action for s in trace] == [s.action for s in states]
    assert [s.bar for s in trace] == [s.bar for s in states]
    np.testing.assert_array_equal(trace.lrs, [s.lr for s in states])
