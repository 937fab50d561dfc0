"""lrcourse.data: the digits split and the teacher-student stream."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from lrcourse.data import load_digits_data, teacher_student_stream


def test_digits_split_shapes_dtypes_and_scaling():
    d = load_digits_data(seed=0, val_fraction=0.25)
    assert d.X_train.dtype == torch.float32 and d.X_val.dtype == torch.float32
    assert d.y_train.dtype == torch.int64
    assert len(d.X_train) + len(d.X_val) == 1797
    assert len(d.X_val) == pytest.approx(0.25 * 1797, abs=1)
    assert d.n_features == 64 and d.n_classes == 10
    both = torch.cat([d.X_train, d.X_val])
    assert both.min() == 0.0 and both.max() == 1.0  # pixels 0..16 divided by 16


def test_digits_split_is_stratified_and_disjoint():
    d = load_digits_data(seed=3)
    tr = np.bincount(d.y_train.numpy(), minlength=10) / len(d.y_train)
    va = np.bincount(d.y_val.numpy(), minlength=10) / len(d.y_val)
    assert np.abs(tr - va).max() < 0.01
    train_rows = {tuple(r) for r in d.X_train.numpy().round(4)}
    val_rows = [tuple(r) for r in d.X_val.numpy().round(4)]
    # digits has a few duplicate images, but the split must not copy the val set into train
    assert sum(r in train_rows for r in val_rows) < 5


def test_digits_same_seed_same_split_other_seed_other_split():
    a, b, c = load_digits_data(1), load_digits_data(1), load_digits_data(2)
    assert torch.equal(a.X_train, b.X_train) and torch.equal(a.y_val, b.y_val)
    assert not torch.equal(a.X_train, c.X_train)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"val_fraction": 0.0}, "val_fraction"),
        ({"val_fraction": 1.0}, "val_fraction"),
        ({"val_fraction": "half"}, "val_fraction"),
    ],
)
def test_digits_bad_args(kwargs, name):
    with pytest.raises(ValueError, match=name):
        load_digits_data(**kwargs)


def test_stream_batches_shapes_and_restart():
    s = teacher_student_stream(dim=7, batch_size=5, noise=0.3, seed=4)
    first = list(itertools.islice(s.batches(), 3))
    again = list(itertools.islice(s.batches(), 3))
    for (x, y), (x2, y2) in zip(first, again, strict=True):
        assert x.shape == (5, 7) and y.shape == (5,)
        assert torch.equal(x, x2) and torch.equal(y, y2)
    assert not torch.equal(first[0][0], first[1][0])  # a fresh batch every step


def test_stream_labels_follow_the_teacher_with_the_stated_noise():
    s = teacher_student_stream(dim=10, batch_size=4000, noise=0.5, seed=1)
    x, y = next(s.batches())
    resid = y - x @ s.teacher.float()
    assert resid.var().item() == pytest.approx(0.25, rel=0.1)
    assert s.optimal_loss == 0.25


def test_population_loss_is_exact():
    s = teacher_student_stream(dim=6, batch_size=8, noise=0.7, seed=2)
    assert s.population_loss(s.teacher) == pytest.approx(0.49)
    w = s.teacher + torch.tensor([1.0, 0, 0, 0, 0, 2.0], dtype=torch.float64)
    assert s.population_loss(w) == pytest.approx(0.49 + 5.0)
    # and it agrees with a Monte Carlo estimate on a big fresh batch
    big = teacher_student_stream(dim=6, batch_size=200_000, noise=0.7, seed=2)
    x, y = next(big.batches())
    mc = ((x.double() @ w - y.double()) ** 2).mean().item()
    assert mc == pytest.approx(s.population_loss(w), rel=0.02)
    with pytest.raises(ValueError, match="w must be an array of 6 numbers"):
        s.population_loss(torch.zeros(5))


def test_stream_teacher_depends_on_seed():
    a = teacher_student_stream(5, 2, 1.0, seed=0).teacher
    b = teacher_student_stream(5, 2, 1.0, seed=0).teacher
    c = teacher_student_stream(5, 2, 1.0, seed=1).teacher
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"dim": 0}, "dim"),
        ({"dim": 2.5}, "dim"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"noise": "loud"}, "noise"),
        ({"seed": -3}, "seed"),
    ],
)
def test_stream_bad_args(kwargs, name):
    args = {"dim": 3, "batch_size": 2, "noise": 1.0, "seed": 0} | kwargs
    with pytest.raises(ValueError, match=name):
        teacher_student_stream(**args)
