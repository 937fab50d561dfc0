"""Offline data for the experiments: sklearn's bundled digits and a seeded synthetic stream.

Nothing here downloads anything. Every function is deterministic given its ``seed``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from .validation import as_choice, as_int, as_real, fail

__all__ = [
    "DigitsData",
    "SplitData",
    "TeacherStudentStream",
    "load_digits_data",
    "make_classification_data",
    "make_sequence_data",
    "teacher_student_stream",
]


@dataclass(frozen=True)
class SplitData:
    """A fixed train/validation split: float32 inputs, int64 labels.

    Any object with these four attributes can be passed to :func:`lrcourse.fit`.
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_val: torch.Tensor
    y_val: torch.Tensor

    @property
    def n_features(self) -> int:
        """Number of input features (64 for digits)."""
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of classes (10 for digits)."""
        return int(torch.cat([self.y_train, self.y_val]).max().item()) + 1

    def __repr__(self) -> str:
        return (
            f"SplitData(train={tuple(self.X_train.shape)}, val={tuple(self.X_val.shape)}, "
            f"classes={self.n_classes})"
        )


DigitsData = SplitData  # the name chapter 1 uses


def load_digits_data(seed: int = 0, val_fraction: float = 0.25) -> SplitData:
    """sklearn's bundled 8x8 digits (1797 images, 10 classes), scaled to [0, 1], split.

    Pixels are divided by 16 (their maximum), so ``x in [0, 1]^64``. The split is stratified
    (every class keeps its share in both parts) and fixed by ``seed``.

    Example::

        >>> d = load_digits_data(seed=0)
        >>> d.X_train.shape, d.X_val.shape
        (torch.Size([1347, 64]), torch.Size([450, 64]))
    """
    from sklearn.datasets import load_digits

    seed, val_fraction = as_int("seed", seed, low=0), _fraction(val_fraction)
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    return _stratified_split(X, y, val_fraction, seed)


class TeacherStudentStream:
    """Online linear regression: a fresh batch every step from a fixed random teacher.

    ``x ~ N(0, I_dim)``, ``y = x . w* + noise * eps`` with ``eps ~ N(0, 1)`` and a teacher
    ``w* ~ N(0, I_dim)`` drawn once from ``seed``. Because every batch is new, the model never
    overfits, and the only thing that keeps SGD at a constant LR above the best possible
    loss is gradient noise. For a linear student ``w`` the population mean-squared error is
    exact:

    .. math::  L(w) = E[(x \\cdot w - y)^2] = \\lVert w - w^* \\rVert^2 + \\sigma^2,

    so ``optimal_loss = noise**2`` and ``population_loss(w)`` needs no sampling.

    Example::

        >>> s = teacher_student_stream(dim=20, batch_size=8, noise=0.5, seed=0)
        >>> x, y = next(s.batches())
        >>> x.shape, y.shape, s.optimal_loss
        (torch.Size([8, 20]), torch.Size([8]), 0.25)
    """

    def __init__(self, dim: int, batch_size: int, noise: float, seed: int) -> None:
        self.dim = dim
        self.batch_size = batch_size
        self.noise = float(noise)
        self.seed = seed
        gen = torch.Generator().manual_seed(seed)
        self.teacher: torch.Tensor = torch.randn(dim, generator=gen, dtype=torch.float64)

    @property
    def optimal_loss(self) -> float:
        """The lowest achievable mean-squared error: the label-noise variance ``noise**2``."""
        return self.noise**2

    def batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """An endless iterator of ``(x, y)`` float32 batches; each call restarts the same stream.

        Two runs that each call ``batches()`` see identical data, so differences between
        them come from the schedule alone.
        """
        gen = torch.Generator().manual_seed(self.seed + 1_000_003)
        w = self.teacher.to(torch.float32)
        while True:
            x = torch.randn(self.batch_size, self.dim, generator=gen)
            eps = torch.randn(self.batch_size, generator=gen)
            yield x, x @ w + self.noise * eps

    def population_loss(self, w: torch.Tensor | np.ndarray) -> float:
        """Exact expected squared error of the linear predictor ``x . w``: ``|w - w*|^2 + s^2``."""
        w = torch.as_tensor(w, dtype=torch.float64).detach().cpu().reshape(-1)
        if w.numel() != self.dim:
            raise fail("w", f"an array of {self.dim} numbers", got=f"{w.numel()} entries")
        return float(((w - self.teacher) ** 2).sum()) + self.optimal_loss

    def __repr__(self) -> str:
        return (
            f"TeacherStudentStream(dim={self.dim}, batch_size={self.batch_size}, "
            f"noise={self.noise}, seed={self.seed})"
        )


def teacher_student_stream(
    dim: int = 20, batch_size: int = 8, noise: float = 1.0, seed: int = 0
) -> TeacherStudentStream:
    """A seeded online teacher-student regression task (see :class:`TeacherStudentStream`).

    For SGD with a constant LR ``eta`` on the mean-squared error, the excess loss settles at
    a noise floor ``~ eta * noise**2 * dim / batch_size`` (to first order in ``eta``): it is
    proportional to the LR, which is why decaying the LR lowers it.

    Example::

        >>> s = teacher_student_stream(dim=20, batch_size=8, noise=1.0, seed=0)
        >>> s.population_loss(s.teacher) == s.optimal_loss
        True
    """
    return TeacherStudentStream(
        as_int("dim", dim, low=1),
        as_int("batch_size", batch_size, low=1),
        as_real("noise", noise, low=0.0),
        as_int("seed", seed, low=0),
    )


def make_classification_data(
    seed: int = 0,
    n_samples: int = 2000,
    n_features: int = 20,
    n_classes: int = 4,
    val_fraction: float = 0.25,
    label_noise: float = 0.05,
) -> SplitData:
    """A seeded synthetic classification task (sklearn's ``make_classification``), split.

    ``n_features`` standardised inputs of which half are informative, ``n_classes`` classes
    in two Gaussian clusters each, and a fraction ``label_noise`` of labels flipped at random
    (so no model reaches 100%). Same ``seed``, same data; nothing is downloaded.

    Example::

        >>> d = make_classification_data(seed=0, n_samples=400)
        >>> d.X_train.shape, d.n_classes
        (torch.Size([300, 20]), 4)
    """
    from sklearn.datasets import make_classification

    seed, val_fraction = as_int("seed", seed, low=0), _fraction(val_fraction)
    n_samples = as_int("n_samples", n_samples, low=20)
    n_features = as_int("n_features", n_features, low=2)
    n_classes = as_int("n_classes", n_classes, low=2)
    label_noise = as_real("label_noise", label_noise, low=0.0, high=1.0, high_open=True)
    informative = max(2, n_features // 2)
    if n_classes * 2 > 2**informative:  # two clusters per class on the informative corners
        raise fail(
            "n_classes", f"<= {2 ** (informative - 1)} for n_features={n_features}", n_classes
        )
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=informative,
        n_redundant=0,
        n_classes=n_classes,
        flip_y=label_noise,
        random_state=seed,
    )
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    return _stratified_split(X, y, val_fraction, seed)


def make_sequence_data(
    task: str = "reverse",
    *,
    length: int = 8,
    vocab: int = 10,
    n_samples: int = 4000,
    val_fraction: float = 0.25,
    seed: int = 0,
) -> SplitData:
    """A seeded synthetic sequence-to-sequence task: ``X`` token sequences, ``y`` the answer.

    ``task="reverse"``: ``y`` is ``X`` backwards; ``"sort"``: ``y`` is ``X`` sorted. Tokens are
    uniform in ``[0, vocab)``; both ``X`` and ``y`` are int64 of shape ``(N, length)``, so a
    model maps ``(N, L)`` to logits ``(N, L, vocab)`` (see ``lc.sequence_cross_entropy``).
    Chance accuracy per token is ``1 / vocab``.

    Example::

        >>> d = make_sequence_data("reverse", length=4, vocab=5, n_samples=100, seed=0)
        >>> bool((d.y_train == d.X_train.flip(1)).all())
        True
    """
    task = as_choice("task", task, ("reverse", "sort"))
    length, vocab = as_int("length", length, low=2), as_int("vocab", vocab, low=2)
    n_samples = as_int("n_samples", n_samples, low=8)
    seed, val_fraction = as_int("seed", seed, low=0), _fraction(val_fraction)
    gen = torch.Generator().manual_seed(seed)
    X = torch.randint(0, vocab, (n_samples, length), generator=gen)
    y = X.flip(1) if task == "reverse" else X.sort(dim=1).values
    n_val = max(1, int(round(n_samples * val_fraction)))
    return SplitData(X_train=X[n_val:], y_train=y[n_val:], X_val=X[:n_val], y_val=y[:n_val])


def _stratified_split(X: np.ndarray, y: np.ndarray, val_fraction: float, seed: int) -> SplitData:
    """A stratified train/validation split by ``seed``, as float32 / int64 tensors."""
    from sklearn.model_selection import train_test_split

    X_tr, X_va, y_tr, y_va = train_test_split(
        X.astype(np.float32), y, test_size=val_fraction, random_state=seed, stratify=y
    )
    return SplitData(
        X_train=torch.from_numpy(np.ascontiguousarray(X_tr)),
        y_train=torch.from_numpy(y_tr.astype(np.int64)),
        X_val=torch.from_numpy(np.ascontiguousarray(X_va)),
        y_val=torch.from_numpy(y_va.astype(np.int64)),
    )


def _fraction(val_fraction: object) -> float:
    """``val_fraction`` in the open interval (0, 1)."""
    return as_real("val_fraction", val_fraction, low=0.0, high=1.0, low_open=True, high_open=True)
