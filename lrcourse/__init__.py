"""lrcourse: the helper package behind the learning-rate schedules course.

What a learner calls is exported at the top level (``__all__``); result classes, name lists
and helpers stay in their modules (``lrcourse.training.History``, ``lrcourse.schedules.
COMBINABLE``, ...). The book's API reference page documents every module::

    import lrcourse as lc
    lc.lr_curve("CosineAnnealingLR", 100, lr=0.1, T_max=100)
"""

from . import exercises as _exercises

# --- schedules: closed forms, the torch reference, the registry ---
from .schedules import (
    SCHEDULES,
    check_schedule,
    cosine_with_warmup,
    inverse_sqrt,
    join,
    linear_warmup,
    linear_with_warmup,
    transformers_constant_with_warmup,
    transformers_cosine_warmup_with_min_lr,
    transformers_cosine_with_hard_restarts,
    transformers_cosine_with_warmup,
    transformers_inverse_sqrt,
    transformers_linear_with_warmup,
    transformers_polynomial_decay_with_warmup,
    transformers_warmup_stable_decay,
    lr_curve,
    momentum_curve,
    per_batch,
    schedule_names,
    stepping_table,
    warmup_stable_decay,
)
from .reference import make_optimizer, make_scheduler, momentum_curve_torch, torch_lr_curve

# --- plotting and explorers ---
from .plotting import house_style, plot_curves, plot_losses, plot_lr_vs_loss, style_axes
from .widgets import explore, synthetic_metric

# --- data, models, training ---
from .data import (
    load_digits_data,
    make_classification_data,
    make_sequence_data,
    teacher_student_stream,
)
from .models import mlp, sequence_cross_entropy, small_cnn, tiny_transformer
from .training import device, fit, scaled, scheduler_from_spec, torch_threads
from .online import run_online
from .harness import compare, knob_sweep, train_classifier

# --- weight decay ---
from .decay import (
    cumulative_shrink,
    decay_groups,
    decay_half_life,
    effective_decay,
    split_decay,
    weight_norm,
)

# --- the range test ---
from .rangetest import (
    SUGGESTION_RULES,
    explore_range_test,
    good_band,
    lr_range_test,
    naive_lr_sweep,
    plot_rules,
    restop,
    smooth_losses,
    smoothing_lag,
    sweep_lrs,
    synthetic_range_test,
)

# --- chapter modules: they trace, narrate and plot what the core computes ---
from .landscape import (  # ch01
    empirical_stability_limit,
    gd_trajectory,
    plot_trajectories,
    quadratic_bowl,
    stability_limit,
)
from .callorder import get_lr_vs_last, intended_lrs, plot_traces, record_lrs, run_loop  # ch02
from .restarts import (  # ch04
    at_cycle_ends,
    cycle_ends,
    cycle_lengths,
    cycle_position,
    evaluate_snapshots,
    first_cycle_for,
    fit_snapshots,
    restart_step,
    restart_steps,
    snapshot_predictions,
)
from .plateau import detection_tradeoff, noisy_plateau_metric, plateau_events, plot_plateau  # ch05
from .warmup import (  # ch06
    adaptive_lr_spread,
    layer_grad_norms,
    radam_rectifier,
    radam_rho,
    radam_sgd_steps,
    radam_updates,
    stability_scan,
    untuned_linear_warmup,
)
from .cyclic import (  # ch07
    cycle_peaks,
    epochs_to_reach,
    momentum_of,
    one_cycle_phases,
    trace_schedule,
)
from .combined import branch_cooldowns, naive_product  # ch08
from .weightdecay import (  # ch10
    decay_share,
    effective_lr,
    l2_vs_decoupled,
    norm_mlp,
    plot_decay_budget,
    scale_invariance,
    train_norm_mlp,
    untouched_norm,
    zero_input_features,
)
from .adamw import decay_grid, trace_constant_inputs  # ch11

# --- the schedule doctor, resuming a run (ch12) ---
from .doctor import diagnose
from .resume import resume_run

# --- practice (ch12): TensorBoard logs, gradient accumulation, mixed precision ---
from .lrlog import read_lr_log
from .practice import accumulation_run, amp_run

# --- casebook (ch12) ---
from .casebook import CASEBOOK, UNSEEN_PITFALLS, run_casebook

# --- exercises: every chapter's check_* functions ---
from .exercises import *  # noqa: F403

__all__ = [
    # schedules
    "SCHEDULES",
    "check_schedule",
    "cosine_with_warmup",
    "inverse_sqrt",
    "join",
    "linear_warmup",
    "linear_with_warmup",
    "lr_curve",
    "make_optimizer",
    "make_scheduler",
    "momentum_curve",
    "momentum_curve_torch",
    "per_batch",
    "schedule_names",
    "stepping_table",
    "torch_lr_curve",
    "transformers_constant_with_warmup",
    "transformers_cosine_warmup_with_min_lr",
    "transformers_cosine_with_hard_restarts",
    "transformers_cosine_with_warmup",
    "transformers_inverse_sqrt",
    "transformers_linear_with_warmup",
    "transformers_polynomial_decay_with_warmup",
    "transformers_warmup_stable_decay",
    "untuned_linear_warmup",
    "warmup_stable_decay",
    # plotting and explorers
    "explore",
    "house_style",
    "plot_curves",
    "plot_losses",
    "plot_lr_vs_loss",
    "style_axes",
    "synthetic_metric",
    # data, models, training
    "compare",
    "device",
    "fit",
    "knob_sweep",
    "load_digits_data",
    "make_classification_data",
    "make_sequence_data",
    "mlp",
    "run_online",
    "scaled",
    "scheduler_from_spec",
    "sequence_cross_entropy",
    "small_cnn",
    "teacher_student_stream",
    "tiny_transformer",
    "torch_threads",
    "train_classifier",
    # weight decay
    "cumulative_shrink",
    "decay_groups",
    "decay_half_life",
    "effective_decay",
    "split_decay",
    "weight_norm",
    # the range test
    "SUGGESTION_RULES",
    "explore_range_test",
    "good_band",
    "lr_range_test",
    "naive_lr_sweep",
    "plot_rules",
    "restop",
    "smooth_losses",
    "smoothing_lag",
    "sweep_lrs",
    "synthetic_range_test",
    # chapter modules
    "adaptive_lr_spread",
    "at_cycle_ends",
    "branch_cooldowns",
    "cycle_ends",
    "cycle_lengths",
    "cycle_peaks",
    "cycle_position",
    "decay_grid",
    "decay_share",
    "detection_tradeoff",
    "effective_lr",
    "empirical_stability_limit",
    "epochs_to_reach",
    "evaluate_snapshots",
    "first_cycle_for",
    "fit_snapshots",
    "gd_trajectory",
    "get_lr_vs_last",
    "intended_lrs",
    "l2_vs_decoupled",
    "layer_grad_norms",
    "momentum_of",
    "naive_product",
    "noisy_plateau_metric",
    "norm_mlp",
    "one_cycle_phases",
    "plateau_events",
    "plot_decay_budget",
    "plot_plateau",
    "plot_traces",
    "plot_trajectories",
    "quadratic_bowl",
    "radam_rectifier",
    "radam_rho",
    "radam_sgd_steps",
    "radam_updates",
    "record_lrs",
    "restart_step",
    "restart_steps",
    "run_loop",
    "scale_invariance",
    "snapshot_predictions",
    "stability_limit",
    "stability_scan",
    "trace_constant_inputs",
    "trace_schedule",
    "train_norm_mlp",
    "untouched_norm",
    "zero_input_features",
    # the schedule doctor, resuming a run
    "diagnose",
    "resume_run",
    # practice (ch12)
    "accumulation_run",
    "amp_run",
    "read_lr_log",
    # casebook (ch12)
    "CASEBOOK",
    "UNSEEN_PITFALLS",
    "run_casebook",
    # exercises (each chapter module lists its checkers)
    *_exercises.__all__,
]

__version__ = "0.1.0"
