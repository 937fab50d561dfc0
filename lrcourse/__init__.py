"""lrcourse: the helper package behind the learning-rate schedules course.

Everything a lesson calls lives here, is tested, and is exported at the top level::

    import lrcourse as lc
    lc.lr_curve("CosineAnnealingLR", 100, lr=0.1, T_max=100)
"""

# --- schedules (closed forms, registry, modern factor functions) ---
from .registry import Param, ScheduleInfo
from .schedules import (
    COMBINABLE,
    MODERN,
    SCHEDULES,
    TORCH_SCHEDULERS,
    Factor,
    check_schedule,
    constant_with_warmup,
    cosine_with_warmup,
    inverse_sqrt,
    linear_with_warmup,
    lr_curve,
    momentum_curve,
    schedule_names,
    schedule_spec,
    warmup_stable_decay,
)

# --- reference (stepping the real torch schedulers) ---
from .reference import make_optimizer, make_scheduler, momentum_curve_torch, torch_lr_curve

# --- plotting and widgets ---
from .plotting import (
    HOUSE_COLORS,
    house_style,
    plot_curves,
    plot_losses,
    plot_lr_vs_loss,
    schedule_label,
    style_axes,
)
from .widgets import Explorer, explore, synthetic_metric

# --- data, models, training ---
from .data import (
    DigitsData,
    SplitData,
    TeacherStudentStream,
    load_digits_data,
    make_classification_data,
    make_sequence_data,
    teacher_student_stream,
)
from .landscape import (
    QuadraticBowl,
    Trajectory,
    empirical_stability_limit,
    gd_trajectory,
    plot_trajectories,
    quadratic_bowl,
    stability_limit,
)
from .models import TinyTransformer, mlp, sequence_cross_entropy, small_cnn, tiny_transformer
from .training import History, device, fit, scaled, scheduler_from_spec, torch_threads
from .online import OnlineHistory, run_online
from .harness import Comparison, compare, train_classifier

# --- chapter helpers (one line each) ---
from .callorder import (
    GetLrComparison,
    LoopHistory,
    LRTrace,
    get_lr_vs_last,
    intended_lrs,
    plot_traces,
    record_lrs,
    run_loop,
)  # ch02
from .restarts import (  # ch04
    SnapshotRun,
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
from .plateau import (  # ch05
    Detection,
    DetectionTable,
    PlateauStep,
    PlateauTrace,
    detection_tradeoff,
    noisy_plateau_metric,
    plateau_events,
    plot_plateau,
)

from .warmup import (
    GradNorms,
    StabilityScan,
    adaptive_lr_spread,
    layer_grad_norms,
    linear_warmup,
    radam_rectifier,
    radam_rho,
    radam_sgd_steps,
    radam_updates,
    stability_scan,
    untuned_linear_warmup,
)  # ch06
from .cyclic import (  # ch07
    OneCyclePhase,
    OneCyclePlan,
    ScheduleTrace,
    cycle_peaks,
    epochs_to_reach,
    momentum_of,
    one_cycle_phases,
    trace_schedule,
)
from .combined import CooldownBranches, branch_cooldowns, naive_product  # ch08
from .rangetest import (  # ch09: the range test
    SUGGESTION_RULES,
    Band,
    NaiveSweep,
    RangeTest,
    RangeTestExplorer,
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

# --- exercises ---
from .exercises import *  # noqa: F403  (every chapter's check_* functions)

__version__ = "0.1.0"
