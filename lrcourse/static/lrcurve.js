// lrcurve.js: every schedule of lrcourse's registry in closed form, in the browser.
//
// A faithful port of lrcourse/schedules/*.py (the Python code is the reference; each function
// here names the Python function it ports). tests/test_js_curves.py holds lrCurve equal to
// lc.lr_curve (hence to torch) to rtol 1e-9 on randomised configurations of every schedule.
//
// Contract, as lc.lr_curve: element k of lrCurve(name, steps, lr, kwargs, metrics) is the LR
// an optimizer holds after k calls to scheduler.step() (element 0: right after construction).
// `kwargs` must be complete: completeKwargs(registry, name, given) fills the defaults torch
// applies from the serialised registry (lrcourse.web.registry_json), so no default is typed
// here. Validation is light (the explorer offers valid values from the registry's ranges),
// but a curve that is not finite throws an Error instead of returning NaN.
//
// Callables (LambdaLR's and MultiplicativeLR's lr_lambda, CyclicLR's scale_fn) are given as
//   * a number c:            the function k -> c (MultiplicativeLR's "multiply by c each step");
//   * [factorName, kwargs]:  one of the course's factor schedules of the registry
//                            (e.g. ["cosine_with_warmup", {warmup_steps: 10, total_steps: 100}]),
//                            as lc.MODERN[factorName](**kwargs) in Python;
//   * a JavaScript function of the step (not serialisable; no Python counterpart).
//
// No dependencies. Written as an ES module; an engine that evaluates classic scripts only can
// run it with the `export ` keywords removed (lrcourse.web.lrcurve_script() does that).

// ----------------------------------------------------------------------------- helpers

/** Python's float `a % b` (the sign of the divisor); JS's `%` is C's fmod. */
function pyMod(a, b) {
  let m = a % b;
  if (m !== 0 && b < 0 !== m < 0) m += b;
  return m;
}

function isFractional(x) {
  return !Number.isInteger(x);
}

/** torch's `last_epoch == total_iters` never holds: total_iters <= 0 or fractional. */
function neverReached(total) {
  return total <= 0 || isFractional(total);
}

function clip01(x) {
  return Math.min(Math.max(x, 0), 1);
}

function fill(n, fn) {
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = fn(k);
  return out;
}

// ----------------------------------------------------------------------------- factor schedules
// (factors.py) Each factor schedule joins pieces at boundaries: piece i runs from boundary
// b_{i-1} on, on the local step s - b_{i-1} (`join`); the last boundary passed wins.

function join(pieces, boundaries) {
  return (s) => {
    let piece = pieces[0];
    let start = 0;
    for (let i = 0; i < boundaries.length; i++) {
      if (s >= boundaries[i]) {
        piece = pieces[i + 1];
        start = boundaries[i];
      }
    }
    return piece(s - start);
  };
}

/** factors.ramp: (u + start) * rise / length, at most 1 with `cap`. */
function ramp(length, start = 0, rise = 1, cap = false) {
  return (u) => {
    const value = ((u + start) * rise) / length;
    return cap ? Math.min(1, value) : value;
  };
}

const one = () => 1;

/** _Warmup.warmup_piece: the course's (t+1)/w (rampStart 1) or transformers' t/w (0). */
function warmupPiece(w, rampStart) {
  return ramp(Math.max(1, w), rampStart);
}

function linearWithWarmup(rampStart) {
  return ({ warmup_steps: w, total_steps: t }) => {
    const span = t - w;
    const decay = (u) => Math.max(0, (span - u) / Math.max(1, span));
    return join([warmupPiece(w, rampStart), decay], [w]);
  };
}

function cosineWithWarmup(rampStart) {
  return ({ warmup_steps: w, total_steps: t, min_factor: m }) => {
    const cosine = (u) => {
      const progress = clip01(u / Math.max(1, t - w));
      return 0.5 * (1 + Math.cos(Math.PI * progress)) * (1 - m) + m;
    };
    return join([warmupPiece(w, rampStart), cosine], [w]);
  };
}

function constantWithWarmup(rampStart) {
  return ({ warmup_steps: w }) => join([warmupPiece(w, rampStart), one], [w]);
}

const COOLDOWNS = {
  linear: (p) => 1 - p,
  "1-sqrt": (p) => 1 - Math.sqrt(p),
  cosine: (p) => 0.5 * (1 + Math.cos(Math.PI * p)),
};

function warmupStableDecay(transformers) {
  return ({ warmup_steps: w, total_steps: t, decay_steps: d, min_factor: m, cooldown }) => {
    const left = COOLDOWNS[cooldown];
    if (left === undefined) throw new Error(`cooldown must be one of linear, 1-sqrt, cosine`);
    const cool = (u) => left(clip01(u / d)) * (1 - m) + m;
    let warmup = warmupPiece(w, transformers ? 0 : 1);
    if (transformers) {
      const up = warmup; // transformers' WSD warmup rises from min_factor
      warmup = (u) => up(u) * (1 - m) + m;
    }
    return join([warmup, one, cool], [w, t - d]);
  };
}

const FACTORS = {
  linear_with_warmup: linearWithWarmup(1),
  transformers_linear_with_warmup: linearWithWarmup(0),
  cosine_with_warmup: cosineWithWarmup(1),
  transformers_cosine_with_warmup: cosineWithWarmup(0),
  transformers_constant_with_warmup: constantWithWarmup(0),
  inverse_sqrt: ({ warmup_steps: w }) =>
    join([ramp(w, 1), (u) => Math.sqrt(w / (u + w))], [w - 1]),
  warmup_stable_decay: warmupStableDecay(false),
  transformers_warmup_stable_decay: warmupStableDecay(true),
  transformers_cosine_with_hard_restarts: ({ warmup_steps: w, total_steps: t, num_cycles: c }) => {
    const restarts = (u) => {
      const progress = u / Math.max(1, t - w);
      if (progress >= 1) return 0;
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * pyMod(c * progress, 1))));
    };
    return join([warmupPiece(w, 0), restarts], [w]);
  },
  transformers_polynomial_decay_with_warmup: ({
    warmup_steps: w,
    total_steps: t,
    min_factor: m,
    power: p,
  }) => {
    const decay = (u) => (1 - m) * clip01(1 - u / (t - w)) ** p + m;
    return join([warmupPiece(w, 0), decay], [w]);
  },
  transformers_inverse_sqrt: ({ warmup_steps: w, timescale }) => {
    const tau = timescale || w || 10000; // the library's default: w, or 10000 when w = 0
    const decay = (u) => 1 / Math.sqrt((Math.max(u, 0) + tau) / tau);
    return join([warmupPiece(w, 0), decay], [w]);
  },
  transformers_cosine_warmup_with_min_lr: ({
    warmup_steps: w,
    total_steps: t,
    min_factor: m,
    warmup_factor: a,
  }) => {
    const warmup =
      a == null // null or undefined: the course's ramp
        ? warmupPiece(w, 1)
        : (u) => a + ((1 - a) * u) / Math.max(1, w - 1);
    const cosine = (u) => {
      const progress = clip01((u + 1) / Math.max(1, t - w));
      return 0.5 * (1 + Math.cos(Math.PI * progress)) * (1 - m) + m;
    };
    return join([warmup, cosine], [w]);
  },
  linear_warmup: constantWithWarmup(1),
  untuned_linear_warmup: ({ beta2 }) => join([ramp(2, 1, 1 - beta2, true)], []),
};

/** The factor schedule `name` as a function of the step, for complete keyword arguments. */
export function factorFunction(name, kwargs) {
  const make = FACTORS[name];
  if (make === undefined) throw new Error(`unknown factor schedule ${name}`);
  return make(kwargs);
}

/** A callable argument (a number, [factorName, kwargs] or a function) as a function. */
export function asFunction(value, param) {
  if (typeof value === "function") return value;
  if (typeof value === "number") return () => value;
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string") {
    return factorFunction(value[0], value[1]);
  }
  throw new Error(`${param} must be a number, [factorName, kwargs] or a function`);
}

// ----------------------------------------------------------------------------- torch's schedulers
// (torch_schedulers.py) A closed form maps (n, base, kw) to the n LRs at steps 0..n-1.

function lambdaLR(n, base, kw) {
  const f = asFunction(kw.lr_lambda, "lr_lambda");
  return fill(n, (k) => base * f(k));
}

function multiplicativeLR(n, base, kw) {
  const f = asFunction(kw.lr_lambda, "lr_lambda");
  const out = new Float64Array(n);
  let product = 1;
  for (let k = 0; k < n; k++) {
    if (k > 0) product *= f(k);
    out[k] = base * product;
  }
  return out;
}

/** _step_hits: torch's recursive StepLR drops at j >= 1 where j % step_size == 0. */
function stepHit(j, stepSize) {
  return j >= 1 && pyMod(j, stepSize) === 0;
}

function stepLR(n, base, { step_size, gamma }) {
  const out = new Float64Array(n);
  let drops = 0;
  for (let k = 0; k < n; k++) {
    if (stepHit(k, step_size)) drops += 1;
    out[k] = base * gamma ** drops;
  }
  return out;
}

/** _reached: the milestones torch's `last_epoch in milestones` can hit (whole, >= 0). */
function reached(milestones) {
  return milestones.filter((m) => m >= 0 && !isFractional(m));
}

function multiStepLR(n, base, { milestones, gamma }) {
  const ms = reached(milestones);
  return fill(n, (k) => base * gamma ** ms.filter((m) => m <= k).length);
}

function constantLR(n, base, { factor, total_iters }) {
  if (neverReached(total_iters)) return fill(n, () => base * factor);
  return fill(n, (k) => base * (k < total_iters ? factor : 1));
}

function linearLR(n, base, { start_factor: s, end_factor: e, total_iters: total }) {
  if (total <= 0) return fill(n, () => base * s);
  const last = Math.floor(total);
  return fill(n, (k) => base * (s + ((e - s) * Math.min(k, last)) / total));
}

function exponentialLR(n, base, { gamma }) {
  return fill(n, (k) => base * gamma ** k);
}

function polynomialLR(n, base, { total_iters: total, power }) {
  if (total <= 0) return fill(n, () => base);
  const last = Math.floor(total);
  return fill(n, (k) => base * (1 - Math.min(k, last) / total) ** power);
}

/** _cosine_recursive: torch's recursion, as lr_curve runs it for a fractional T_max. */
function cosineRecursive(n, base, t, eta) {
  const out = new Float64Array(n);
  if (n > 0) out[0] = base;
  for (let k = 1; k < n; k++) {
    const lr = out[k - 1];
    if (pyMod(k - 1 - t, 2 * t) === 0) {
      out[k] = lr + ((base - eta) * (1 - Math.cos(Math.PI / t))) / 2;
      continue;
    }
    const below = 1 + Math.cos((Math.PI * (k - 1)) / t);
    if (below === 0) throw new Error(`T_max=${t}: torch divides by zero at step ${k}`);
    out[k] = ((1 + Math.cos((Math.PI * k) / t)) / below) * (lr - eta) + eta;
  }
  return out;
}

function cosineAnnealingLR(n, base, { T_max: t, eta_min: eta }) {
  if (isFractional(t)) return cosineRecursive(n, base, t, eta);
  return fill(n, (k) => eta + ((base - eta) * (1 + Math.cos((Math.PI * k) / t))) / 2);
}

/** cycles.restart_phase: the position T_cur in the current SGDR cycle and its length T_i. */
function restartPhase(k, T0, Tmult) {
  if (Tmult === 1) return [k % T0, T0];
  let start = 0;
  let length = T0;
  while (start + length <= k) {
    start += length;
    length *= Tmult;
  }
  return [k - start, length];
}

function warmRestarts(k, base, { T_0, T_mult, eta_min: eta }) {
  const [tCur, tI] = restartPhase(k, T_0, T_mult);
  return eta + ((base - eta) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
}

function cosineAnnealingWarmRestarts(n, base, kw) {
  return fill(n, (k) => warmRestarts(k, base, kw));
}

/** cycles.cyclic_position and cyclic_scale: the triangle wave and its amplitude. */
function cyclicLR(n, base, kw) {
  const up = kw.step_size_up;
  const down = kw.step_size_down ?? up;
  const total = up + down;
  const ratio = up / total;
  const scaleFn = kw.scale_fn == null ? null : asFunction(kw.scale_fn, "scale_fn");
  const { mode, gamma, base_lr: lo, max_lr: hi } = kw;
  if (scaleFn === null && !["triangular", "triangular2", "exp_range"].includes(mode)) {
    throw new Error(`mode must be triangular, triangular2 or exp_range, not ${mode}`);
  }
  return fill(n, (k) => {
    const cycle = Math.floor(1 + k / total);
    const x = 1 + k / total - cycle;
    const position = x <= ratio ? x / ratio : (x - 1) / (ratio < 1 ? ratio - 1 : 1);
    let amplitude;
    if (scaleFn !== null) amplitude = scaleFn(kw.scale_mode === "cycle" ? cycle : k);
    else if (mode === "triangular") amplitude = 1;
    else if (mode === "triangular2") amplitude = 1 / 2 ** (cycle - 1);
    else amplitude = gamma ** k;
    return lo + (hi - lo) * (position * amplitude);
  });
}

/** torch_schedulers.one_cycle_plan and cycles.one_cycle_phases: ends and LR pairs. */
function oneCyclePhases(kw) {
  let total = kw.total_steps;
  if (total == null) {
    if (kw.epochs == null || kw.steps_per_epoch == null) {
      throw new Error("OneCycleLR needs total_steps, or both epochs and steps_per_epoch");
    }
    total = kw.epochs * kw.steps_per_epoch;
  }
  const { max_lr: maxLr, pct_start: pct } = kw;
  const initial = maxLr / kw.div_factor;
  const floor = initial / kw.final_div_factor;
  let ends;
  let lrs;
  if (kw.three_phase) {
    ends = [pct * total - 1, 2 * pct * total - 2, total - 1];
    lrs = [
      [initial, maxLr],
      [maxLr, initial],
      [initial, floor],
    ];
  } else {
    ends = [pct * total - 1, total - 1];
    lrs = [
      [initial, maxLr],
      [maxLr, floor],
    ];
  }
  const lastStart = ends.length > 1 ? ends[ends.length - 2] : 0;
  if (ends[0] === 0 || ends[ends.length - 1] === lastStart) {
    throw new Error(`pct_start=${pct} leaves a phase of OneCycleLR without a step`);
  }
  return { total, ends, lrs };
}

function oneCycleLR(n, base, kw) {
  const { total, ends, lrs } = oneCyclePhases(kw);
  if (n - 1 > total) throw new Error(`OneCycleLR: steps must be <= total_steps + 1 = ${total + 1}`);
  const cos = kw.anneal_strategy === "cos";
  return fill(n, (k) => {
    let phase = ends.findIndex((end) => k <= end);
    if (phase < 0) phase = ends.length - 1;
    const start = phase === 0 ? 0 : ends[phase - 1];
    const pct = (k - start) / (ends[phase] - start);
    const [begin, end] = lrs[phase];
    if (cos) return end + ((begin - end) / 2) * (Math.cos(Math.PI * pct) + 1);
    return (end - begin) * pct + begin;
  });
}

/** plateau.plateau_rule: element k is the LR while metrics[k] is measured. */
function reduceLROnPlateau(n, base, kw, metrics) {
  if (!metrics || metrics.length < n) {
    throw new Error(`ReduceLROnPlateau needs metrics, at least steps=${n} values`);
  }
  const { mode, factor, threshold, threshold_mode: thresholdMode, min_lr: minLr, eps } = kw;
  const rel = thresholdMode === "rel";
  const scale = mode === "min" ? 1 - threshold : threshold + 1;
  const shift = mode === "min" ? -threshold : threshold;
  const barOf = (b) => (rel ? b * scale : b + shift);
  // torch compares its integer counters with any number
  const patience = Math.floor(kw.patience);
  const cooldown = Math.ceil(kw.cooldown);
  let best = mode === "min" ? Infinity : -Infinity;
  let lr = base;
  let bad = 0;
  let cool = 0;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    out[k] = lr;
    const a = metrics[k];
    const bar = barOf(best);
    if (mode === "min" ? a < bar : a > bar) {
      best = a;
      bad = 0;
    } else {
      bad += 1;
    }
    if (cool > 0) {
      cool -= 1;
      bad = 0;
    }
    if (bad > patience) {
      const target = Math.max(lr * factor, minLr);
      if (lr - target > eps) lr = target;
      cool = cooldown;
      bad = 0;
    }
  }
  return out;
}

// ----------------------------------------------------------------------------- composition
// (compose.py) torch composes its schedulers' recursive updates on the current LR; each is an
// affine map lr -> a lr + b. update(j, base, kw) is the map at local epoch j >= 1; initial
// what construction does; restart what SequentialLR's restart at a milestone does.

const scale = (a) => [a, 0];
const absolute = (b) => [0, b];

function closedAt0(name) {
  return (base, kw) => absolute(CLOSED[name](1, base, kw)[0]);
}

const UPDATES = {
  LambdaLR: {
    update: (j, base, kw) => absolute(base * asFunction(kw.lr_lambda, "lr_lambda")(j)),
    initial: closedAt0("LambdaLR"),
  },
  MultiplicativeLR: {
    update: (j, base, kw) => scale(asFunction(kw.lr_lambda, "lr_lambda")(j)),
    restart: (base, kw) => scale(asFunction(kw.lr_lambda, "lr_lambda")(0)),
  },
  StepLR: {
    update: (j, base, kw) => scale(stepHit(j, kw.step_size) ? kw.gamma : 1),
  },
  MultiStepLR: {
    update: (j, base, kw) =>
      scale(kw.gamma ** reached(kw.milestones).filter((m) => m === j).length),
    initial: (base, kw) => scale(kw.gamma ** kw.milestones.filter((m) => m === 0).length),
    restart: (base, kw) => absolute(base * kw.gamma ** kw.milestones.filter((m) => m <= 0).length),
  },
  ConstantLR: {
    update: (j, base, kw) =>
      scale(!neverReached(kw.total_iters) && j === kw.total_iters ? 1 / kw.factor : 1),
    initial: (base, kw) => scale(kw.factor),
    restart: (base, kw) => absolute(base * (kw.total_iters > 0 ? kw.factor : 1)),
  },
  LinearLR: {
    update: (j, base, { start_factor: s, end_factor: e, total_iters: total }) => {
      if (total <= 0 || j > total) return scale(1);
      return scale(1 + (e - s) / (total * s + (Math.min(j, total) - 1) * (e - s)));
    },
    initial: (base, kw) => scale(kw.start_factor),
    restart: (base, { start_factor: s, end_factor: e, total_iters: total }) =>
      absolute(base * (s + ((e - s) * Math.min(total, 0)) / total)),
  },
  ExponentialLR: {
    update: (j, base, kw) => scale(kw.gamma),
  },
  PolynomialLR: {
    update: (j, base, { total_iters: total, power }) => {
      if (total <= 0 || j > total) return scale(1);
      const jj = Math.min(j, total);
      return scale(((1 - jj / total) / (1 - (jj - 1) / total)) ** power);
    },
    restart: (base, { total_iters: total, power }) =>
      absolute(base * (1 - Math.min(total, 0) / total) ** power),
  },
  CosineAnnealingLR: {
    update: (j, base, { T_max: t, eta_min: eta }) => {
      if (pyMod(j - 1 - t, 2 * t) === 0) {
        return [1, ((base - eta) * (1 - Math.cos(Math.PI / t))) / 2]; // torch's special case
      }
      const r = (1 + Math.cos((Math.PI * j) / t)) / (1 + Math.cos((Math.PI * (j - 1)) / t));
      return [r, eta - r * eta];
    },
  },
  CosineAnnealingWarmRestarts: {
    update: (j, base, kw) => absolute(warmRestarts(j, base, kw)),
    initial: closedAt0("CosineAnnealingWarmRestarts"),
  },
};

/** The schedulers SequentialLR and ChainedScheduler compose (lrcourse.schedules.COMBINABLE). */
export const COMBINABLE = Object.keys(UPDATES);

function composable(spec) {
  const [name, kw] = spec;
  const rule = UPDATES[name];
  if (rule === undefined) throw new Error(`schedulers: ${name} cannot be composed`);
  return {
    update: rule.update,
    initial: rule.initial || (() => scale(1)),
    restart: rule.restart || closedAt0(name),
    kw,
  };
}

/** compose.sequential_lr: scheduler i runs from milestones[i-1], restarted at its epoch 0. */
function sequentialLR(n, base, { schedulers, milestones }) {
  const subs = schedulers.map(composable);
  const out = new Float64Array(n);
  let lr = base;
  for (let k = 0; k < n; k++) {
    const i = milestones.filter((m) => m <= k).length;
    const sub = subs[i];
    const start = i > 0 ? milestones[i - 1] : 0;
    let a;
    let b;
    if (k === 0) [a, b] = sub.initial(base, sub.kw);
    else if (k === start) [a, b] = sub.restart(base, sub.kw);
    else [a, b] = sub.update(k - start, base, sub.kw);
    lr = a * lr + b;
    out[k] = lr;
  }
  return out;
}

/** compose.chained_scheduler: every scheduler's update, in order, on the same LR each step. */
function chainedScheduler(n, base, { schedulers }) {
  const subs = schedulers.map(composable);
  const out = new Float64Array(n);
  let lr = base;
  for (let k = 0; k < n; k++) {
    for (const sub of subs) {
      const [a, b] = k === 0 ? sub.initial(base, sub.kw) : sub.update(k, base, sub.kw);
      lr = a * lr + b;
    }
    out[k] = lr;
  }
  return out;
}

// ----------------------------------------------------------------------------- the registry

const CLOSED = {
  LambdaLR: lambdaLR,
  MultiplicativeLR: multiplicativeLR,
  StepLR: stepLR,
  MultiStepLR: multiStepLR,
  ConstantLR: constantLR,
  LinearLR: linearLR,
  ExponentialLR: exponentialLR,
  PolynomialLR: polynomialLR,
  CosineAnnealingLR: cosineAnnealingLR,
  CosineAnnealingWarmRestarts: cosineAnnealingWarmRestarts,
  CyclicLR: cyclicLR,
  OneCycleLR: oneCycleLR,
  ReduceLROnPlateau: reduceLROnPlateau,
  SequentialLR: sequentialLR,
  ChainedScheduler: chainedScheduler,
};
for (const name of Object.keys(FACTORS)) {
  CLOSED[name] = (n, base, kw) => {
    const f = factorFunction(name, kw);
    return fill(n, (k) => base * f(k));
  };
}

/** Every schedule lrCurve computes (the test holds it equal to lrcourse.SCHEDULES' names). */
export function scheduleNames() {
  return Object.keys(CLOSED);
}

/**
 * `given` completed with the defaults torch applies (each parameter's `signature_default` in
 * the serialised registry), recursively for SequentialLR's and ChainedScheduler's schedulers.
 */
export function completeKwargs(registry, name, given) {
  const info = registry.schedules[name];
  if (info === undefined) throw new Error(`unknown schedule ${name}`);
  const out = {};
  for (const p of [...info.params, ...info.extra]) {
    if (!p.required) out[p.name] = p.signature_default;
  }
  Object.assign(out, given);
  if (Array.isArray(out.schedulers)) {
    out.schedulers = out.schedulers.map(([sub, kw]) => [sub, completeKwargs(registry, sub, kw)]);
  }
  return out;
}

/**
 * The learning rate at steps 0..steps-1 (a Float64Array), as lc.lr_curve(name, steps, lr=lr,
 * metrics=metrics, **kwargs) computes it. `kwargs` complete (see completeKwargs); `metrics`
 * (ReduceLROnPlateau only): one value per step.
 */
export function lrCurve(name, steps, lr, kwargs, metrics) {
  const closed = CLOSED[name];
  if (closed === undefined) throw new Error(`unknown schedule ${name}`);
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`steps must be an integer >= 0`);
  const curve = closed(steps, lr, kwargs, metrics);
  for (let k = 0; k < steps; k++) {
    if (!Number.isFinite(curve[k])) {
      throw new Error(`${name} gives the non-finite learning rate ${curve[k]} at step ${k}`);
    }
  }
  return curve;
}

/**
 * The explorer's metric for ReduceLROnPlateau: the first `steps` values of the shipped
 * lc.synthetic_metric (mode "min", a loss); mode "max" (an accuracy) is 1 - loss.
 */
export function syntheticMetric(shipped, steps, mode = "min") {
  if (steps > shipped.length) throw new Error(`only ${shipped.length} metric values ship`);
  const loss = shipped.slice(0, steps);
  return mode === "max" ? loss.map((m) => 1 - m) : loss;
}
