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
    constant_with_warmup,
    cosine_with_warmup,
    inverse_sqrt,
    linear_with_warmup,
    lr_curve,
    momentum_curve,
    schedule_names,
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
from .training import (
    Comparison,
    History,
    OnlineHistory,
    compare,
    device,
    fit,
    run_online,
    scaled,
    scheduler_from_spec,
    torch_threads,
    train_classifier,
)

from .finder import SUGGESTION_RULES, RangeTest, lr_range_test, sweep_lrs

# --- chapter helpers (one line each) ---
# ch02
# ch04
# ch05
# ch06
# ch07
# ch08
# ch09

# --- exercises ---
from .exercises import *  # noqa: F403  (every chapter's check_* functions)

__version__ = "0.1.0"
