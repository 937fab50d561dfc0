"""lrcourse.data: the digits split, the teacher-student stream, the synthetic tasks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from feedback import argument_tests, assert_named

from lrcourse.data import (
    load_digits_data,
    make_classification_data,
    make_sequence_data,
    teacher_student_stream,
)


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


def test_synthetic_classification_is_seeded_split_and_standardised():
    a, b = make_classification_data(seed=3), make_classification_data(seed=3)
    c = make_classification_data(seed=4)
    assert torch.equal(a.X_train, b.X_train) and torch.equal(a.y_val, b.y_val)
    assert not torch.equal(a.X_train, c.X_train)
    assert a.X_train.shape == (1500, 20) and a.X_val.shape == (500, 20)
    assert a.X_train.dtype == torch.float32 and a.y_train.dtype == torch.int64
    assert a.n_classes == 4
    X = torch.cat([a.X_train, a.X_val])
    assert torch.allclose(X.mean(0), torch.zeros(20), atol=1e-5)
    assert torch.allclose(X.std(0, unbiased=False), torch.ones(20), atol=1e-4)


@pytest.mark.parametrize("task", ["reverse", "sort"])
def test_sequence_data_answers_are_right(task):
    d = make_sequence_data(task, length=6, vocab=7, n_samples=200, seed=1)
    X = torch.cat([d.X_train, d.X_val])
    y = torch.cat([d.y_train, d.y_val])
    expected = X.flip(1) if task == "reverse" else X.sort(1).values
    assert torch.equal(y, expected) and X.max() < 7 and X.shape == (200, 6)
    assert len(d.X_val) == 50
    again = make_sequence_data(task, length=6, vocab=7, n_samples=200, seed=1)
    assert torch.equal(again.X_train, d.X_train)


# ----------------------------------------------------------------------------- arguments

# every public function with valid, small arguments (each numeric one is varied below)
CALLS = [
    (load_digits_data, {"seed": 1, "val_fraction": 0.25}),
    (teacher_student_stream, {"dim": 5, "batch_size": 3, "noise": 0.5, "seed": 2}),
    (
        make_classification_data,
        {"seed": 1, "n_samples": 60, "n_features": 6, "n_classes": 3, "val_fraction": 0.5},
    ),
    (make_classification_data, {"n_samples": 60, "label_noise": 0.25}),
    (make_sequence_data, {"length": 4, "vocab": 5, "n_samples": 40, "seed": 3}),
    (make_sequence_data, {"n_samples": 40, "val_fraction": 0.5}),
]


BAD = [
    (load_digits_data, {}, "seed", -1),
    (load_digits_data, {}, "seed", 1.5),
    (load_digits_data, {}, "val_fraction", 0.0),
    (load_digits_data, {}, "val_fraction", 1.0),
    (load_digits_data, {}, "val_fraction", "half"),
    (teacher_student_stream, {}, "dim", 0),
    (teacher_student_stream, {}, "dim", 2.5),
    (teacher_student_stream, {}, "batch_size", 0),
    (teacher_student_stream, {}, "batch_size", True),
    (teacher_student_stream, {}, "noise", -0.1),
    (teacher_student_stream, {}, "noise", float("nan")),
    (teacher_student_stream, {}, "noise", "loud"),
    (teacher_student_stream, {}, "seed", -3),
    (make_classification_data, {}, "n_samples", 5),
    (make_classification_data, {}, "n_features", np.float64(4.0)),
    (make_classification_data, {}, "n_classes", 1),
    (make_classification_data, {"n_features": 2}, "n_classes", 4),
    (make_classification_data, {}, "val_fraction", 1.0),
    (make_classification_data, {}, "label_noise", -0.1),
    (make_classification_data, {}, "label_noise", 1.0),
    (make_classification_data, {}, "seed", -1),
    (make_sequence_data, {}, "task", "revers"),
    (make_sequence_data, {}, "length", 1),
    (make_sequence_data, {}, "vocab", torch.tensor(1)),
    (make_sequence_data, {}, "n_samples", 7),
    (make_sequence_data, {}, "val_fraction", -0.5),
    (make_sequence_data, {}, "seed", "0"),
]

test_numpy_and_torch_scalars_are_accepted, test_a_bad_value_is_refused_naming_the_parameter = (
    argument_tests(CALLS, BAD)
)


def test_a_misspelt_task_gets_a_suggestion():
    message = assert_named(make_sequence_data, {}, "task", "revers")
    assert "did you mean 'reverse'?" in message
