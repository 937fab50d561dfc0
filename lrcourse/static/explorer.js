// explorer.js: the schedule explorer's one front end, in a live notebook and in the static page.
//
// An anywidget module (`export default { render }`): lrcourse.widgets.Explorer serves it, with
// lrcurve.js bundled in, as its `_esm`; the explorer's text/html representation runs the same
// code with a small local model (lrcourse.widgets.static_model_js) when there is no kernel.
// The model's keys are the Explorer's synced traitlets:
//   schedule, registry ({schedules: {name: entry}}: the schedule's entry and its sub-schedules'),
//   sliders ([{name, kind, low, high, choices, help}] from the registry, ranges widened to
//   hold the values), params (slider values), fixed (the other keyword arguments as JSON),
//   steps, steps_max, lr, lr_low, lr_high, weight_decay (null: none), wd_low, wd_high,
//   log_scale, overlay_torch, torch_lrs (the torch curve the kernel sends, [] if none),
//   metric (ReduceLROnPlateau's metric, longest run), metric_given, error (the kernel's
//   message, null if none), has_kernel, python_lrs (the kernel's curve where the fixed
//   arguments have no JavaScript form, else []), notes.
// The curve is lrCurve(...) of lrcurve.js, computed here on every input event and drawn as SVG.
// The element carries class "lrc-explorer", data-schedule and lrcState() (the contract of
// tests/book_in_browser.py).

import { completeKwargs, lrCurve, syntheticMetric } from "./lrcurve.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 300;
const COLORS = { curve: "#0072B2", torch: "#000000", shrink: "#009E73", error: "#b00020" };

// ----------------------------------------------------------------------------- numbers

/** A value as short text: up to 4 significant digits (the slider readouts). */
function short(value) {
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value !== "number") return JSON.stringify(value);
  if (Number.isInteger(value)) return String(value);
  const text = Number(value.toPrecision(4)).toString();
  return text.includes("e") ? Number(value).toExponential(2) : text;
}

/** lrcourse.decay.cumulative_shrink: prod_{j <= k} (1 - lr_j * wd); null if a factor <= 0. */
export function cumulativeShrink(lrs, wd) {
  const out = new Float64Array(lrs.length);
  let product = 1;
  for (let k = 0; k < lrs.length; k++) {
    const step = lrs[k] * wd;
    if (step >= 1) throw new Error(`weight_decay must be < 1 / lr at every step (step ${k})`);
    product *= 1 - step;
    out[k] = product;
  }
  return out;
}

/**
 * What the explorer draws for the model's values (`get(key)` reads the model): the
 * keyword arguments of lc.lr_curve (`params`, metrics included for ReduceLROnPlateau), the
 * curve `lrs` (null after an error), `shrink` (with a weight decay) and `error`.
 */
export function computeState(get) {
  const schedule = get("schedule");
  const registry = get("registry");
  const steps = get("steps");
  const lr = get("lr");
  const params = { ...get("params"), ...get("fixed_json") };
  const state = { schedule, steps, lr, params, lrs: null, shrink: null, error: null };
  let metrics;
  if (registry.schedules[schedule].needs_metrics) {
    const metric = get("metric");
    if (get("metric_given")) metrics = metric.slice(0, steps);
    else metrics = Array.from(syntheticMetric(metric, steps, params.mode === "max" ? "max" : "min"));
  }
  try {
    const python = get("python_lrs");
    if (python && python.length) state.lrs = Float64Array.from(python);
    else state.lrs = lrCurve(schedule, steps, lr, completeKwargs(registry, schedule, params), metrics);
    const wd = get("weight_decay");
    if (wd !== null && wd !== undefined) state.shrink = cumulativeShrink(state.lrs, wd);
  } catch (err) {
    state.error = String(err.message || err);
  }
  if (metrics !== undefined) state.params = { ...state.params, metrics };
  return state;
}

/** About five round tick values covering [lo, hi]. */
function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}

function tickText(value) {
  if (value === 0) return "0";
  const a = Math.abs(value);
  if (a >= 1e4 || a < 1e-3) return value.toExponential(0).replace("e", "e");
  return String(Number(value.toPrecision(3)));
}

// ----------------------------------------------------------------------------- drawing

function svgNode(tag, attrs, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

/**
 * An SVG path through (k, values[k]) on the plot box; at most two points per pixel column
 * (the column's extremes) so that a 10,000-step curve draws as fast as a 500-step one.
 */
function pathData(values, xOf, yOf, usable) {
  const n = values.length;
  const parts = [];
  let pen = "M";
  let column = null;
  let lo = 0;
  let hi = 0;
  const flush = () => {
    if (column === null) return;
    parts.push(`${pen}${column.toFixed(1)} ${yOf(lo).toFixed(1)}`);
    if (hi !== lo) parts.push(`L${column.toFixed(1)} ${yOf(hi).toFixed(1)}`);
    pen = "L";
  };
  for (let k = 0; k < n; k++) {
    const v = values[k];
    if (!usable(v)) {
      flush();
      column = null;
      pen = "M";
      continue;
    }
    const x = Math.round(xOf(k) * 2) / 2;
    if (x !== column) {
      flush();
      column = x;
      lo = hi = v;
    } else {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  flush();
  return parts.join("");
}

/** The drawing's width in SVG units: narrower on a phone, so that its text stays readable. */
function fitWidth(svg, el) {
  const width = el.clientWidth > 0 && el.clientWidth < 520 ? 420 : WIDTH;
  svg.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
  return width;
}

function draw(svg, state, torch, logWanted, width) {
  const WIDTH = width; // eslint-disable-line no-shadow
  svg.replaceChildren();
  const right = state.shrink ? 56 : 14;
  const box = { left: 62, right: WIDTH - right, top: 12, bottom: HEIGHT - 36 };
  const lrs = state.lrs;
  const steps = Math.max(state.steps, 1);
  const xOf = (k) => box.left + ((box.right - box.left) * k) / Math.max(steps - 1, 1);
  svgNode("rect", { x: box.left, y: box.top, width: box.right - box.left,
    height: box.bottom - box.top, fill: "none", stroke: "#ccc" }, svg);
  // x axis
  for (const t of niceTicks(0, steps - 1)) {
    const x = xOf(t);
    svgNode("line", { x1: x, x2: x, y1: box.bottom, y2: box.bottom + 4, stroke: "#555" }, svg);
    svgNode("text", { x, y: box.bottom + 16, "text-anchor": "middle", "font-size": 11 }, svg)
      .textContent = String(t);
  }
  svgNode("text", { x: (box.left + box.right) / 2, y: HEIGHT - 4, "text-anchor": "middle",
    "font-size": 12 }, svg).textContent = "step";
  if (!lrs || lrs.length === 0) return false;
  const series = torch && torch.length === lrs.length ? [lrs, torch] : [lrs];
  let positive = false;
  for (const v of lrs) if (v > 0) { positive = true; break; }
  const log = logWanted && positive;
  const t = log ? (v) => Math.log10(v) : (v) => v;
  const usable = log ? (v) => v > 0 : Number.isFinite;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const v of s) {
      if (usable(v)) {
        const y = t(v);
        if (y < lo) lo = y;
        if (y > hi) hi = y;
      }
    }
  }
  if (!(hi > lo)) {
    const pad = Math.abs(hi) * 0.05 || (log ? 0.5 : 0.05);
    lo -= pad;
    hi += pad;
  } else {
    const pad = (hi - lo) * 0.04;
    lo -= pad;
    hi += pad;
  }
  const yOf = (v) => box.bottom - ((box.bottom - box.top) * (t(v) - lo)) / (hi - lo);
  const yOfT = (y) => box.bottom - ((box.bottom - box.top) * (y - lo)) / (hi - lo);
  let ticks = niceTicks(lo, hi);
  if (log) {
    const decades = [];
    for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) decades.push(e);
    if (decades.length >= 2) ticks = decades;
  }
  for (const y of ticks) {
    const py = yOfT(y);
    svgNode("line", { x1: box.left - 4, x2: box.right, y1: py, y2: py, stroke: "#eee" }, svg);
    svgNode("text", { x: box.left - 6, y: py + 4, "text-anchor": "end", "font-size": 11 }, svg)
      .textContent = tickText(log ? 10 ** y : y);
  }
  svgNode("text", { x: 12, y: (box.top + box.bottom) / 2, "text-anchor": "middle",
    "font-size": 12, transform: `rotate(-90 12 ${(box.top + box.bottom) / 2})` }, svg)
    .textContent = log ? "learning rate (log)" : "learning rate";
  svgNode("path", { d: pathData(lrs, xOf, yOf, usable), fill: "none", stroke: COLORS.curve,
    "stroke-width": 2, class: "lrc-curve" }, svg);
  if (series.length > 1) {
    svgNode("path", { d: pathData(torch, xOf, yOf, usable), fill: "none", stroke: COLORS.torch,
      "stroke-width": 1.2, "stroke-dasharray": "5 4", class: "lrc-torch" }, svg);
  }
  if (state.shrink) {
    const yS = (v) => box.bottom - ((box.bottom - box.top) * v) / 1.02;
    for (const v of [0, 0.25, 0.5, 0.75, 1]) {
      svgNode("text", { x: box.right + 6, y: yS(v) + 4, "font-size": 11, fill: COLORS.shrink },
        svg).textContent = String(v);
    }
    const mid = (box.top + box.bottom) / 2;
    svgNode("text", { x: WIDTH - 8, y: mid, "text-anchor": "middle", "font-size": 11,
      fill: COLORS.shrink, transform: `rotate(90 ${WIDTH - 8} ${mid})` }, svg)
      .textContent = "factor left by weight decay";
    svgNode("path", { d: pathData(state.shrink, xOf, yS, Number.isFinite), fill: "none",
      stroke: COLORS.shrink, "stroke-width": 1.5, class: "lrc-shrink" }, svg);
  }
  return log !== logWanted;
}

// ----------------------------------------------------------------------------- controls

const STYLE = `
.lrc-explorer { font: 14px/1.4 system-ui, sans-serif; max-width: 680px; box-sizing: border-box;
  border: 1px solid #ddd; border-radius: 6px; padding: 8px; margin: 0.5em 0; }
.lrc-explorer .lrc-head { margin-bottom: 6px; }
.lrc-explorer .lrc-row { display: grid; grid-template-columns: minmax(5.5em, 9em) 1fr 5em;
  align-items: center; gap: 6px; }
.lrc-explorer .lrc-row input[type=range] { width: 100%; min-width: 0; margin: 4px 0; }
.lrc-explorer .lrc-row output { font-variant-numeric: tabular-nums; text-align: right; }
.lrc-explorer .lrc-row label { overflow-wrap: anywhere; }
.lrc-explorer .lrc-toggles label { margin-right: 1.2em; white-space: nowrap; }
.lrc-explorer svg { width: 100%; height: auto; display: block; }
.lrc-explorer .lrc-msg { font-size: 12px; min-height: 1.4em; }
.lrc-explorer .lrc-msg.lrc-error { color: ${COLORS.error}; }
`;

/** The explorer's root: its class, its style, and JupyterLab's shortcuts (which would take the
 * arrow keys from the sliders) suppressed inside it. */
function prepare(el) {
  addStyle(el);
  el.classList.add("lrc-explorer");
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  el.setAttribute("data-p-suppress-shortcuts", "true");
  if (!el.lrcKeysKept) {
    // A notebook's page handlers see keys after the controls (and JupyterLab's cancel the
    // arrows' default action): a key meant for one of the controls stops here.
    el.addEventListener("keydown", (event) => {
      if (event.target.matches("input, select")) event.stopPropagation();
    });
    el.lrcKeysKept = true;
  }
  el.replaceChildren();
}

function addStyle(el) {
  const root = el.getRootNode();
  const doc = root.head ? root.head : root.nodeType === 11 ? root : document.head;
  if (doc.querySelector && doc.querySelector("style[data-lrc-explorer]")) return;
  const style = document.createElement("style");
  style.setAttribute("data-lrc-explorer", "");
  style.textContent = STYLE;
  doc.appendChild(style);
}

let uid = 0;

/** One labelled range slider: `toValue` maps its position to the value, `toPosition` back. */
function rangeRow(parent, name, label, help, spec) {
  const id = `lrc-${++uid}-${name}`;
  const row = document.createElement("div");
  row.className = "lrc-row";
  const lab = document.createElement("label");
  lab.htmlFor = id;
  lab.textContent = label;
  if (help) lab.title = help;
  const input = document.createElement("input");
  input.type = "range";
  input.id = id;
  input.name = name;
  const out = document.createElement("output");
  out.htmlFor = id;
  row.append(lab, input, out);
  parent.appendChild(row);
  return { input, out, ...spec };
}

function setRange(control, low, high, step) {
  control.input.min = String(low);
  control.input.max = String(high);
  control.input.step = String(step);
}

/** The range slider's bounds and step for a registry kind, positions in value or log10 space. */
function sliderBounds(kind, low, high) {
  if (kind === "log") {
    const lo = Math.log10(low);
    const hi = Math.log10(high);
    return [lo, hi, (hi - lo) / 200];
  }
  if (kind === "int") return [low, high, 1];
  return [low, high, (high - low) / 200];
}

function render({ model, el }) {
  prepare(el);
  el.dataset.schedule = model.get("schedule");
  const schedule = model.get("schedule");
  const info = model.get("registry").schedules[schedule];

  const head = document.createElement("div");
  head.className = "lrc-head";
  const title = document.createElement("b");
  title.textContent = schedule;
  head.append(title, `: ${info.summary}`);
  for (const note of model.get("notes")) {
    const small = document.createElement("small");
    small.textContent = note;
    head.append(document.createElement("br"), small);
  }
  const controlsBox = document.createElement("div");
  const controls = {};
  const changeParam = (name, value) => {
    model.set("params", { ...model.get("params"), [name]: value });
    model.set("error", null);
    model.save_changes();
  };
  const changeKey = (key, value) => {
    model.set(key, value);
    model.set("error", null);
    model.save_changes();
  };

  for (const p of model.get("sliders")) {
    if (p.kind === "bool" || p.kind === "choice") {
      const id = `lrc-${++uid}-${p.name}`;
      const row = document.createElement("div");
      row.className = "lrc-row";
      const lab = document.createElement("label");
      lab.htmlFor = id;
      lab.textContent = p.name;
      if (p.help) lab.title = p.help;
      let input;
      if (p.kind === "bool") {
        input = document.createElement("input");
        input.type = "checkbox";
        input.addEventListener("change", () => changeParam(p.name, input.checked));
      } else {
        input = document.createElement("select");
        p.choices.forEach((choice, i) => {
          const option = document.createElement("option");
          option.value = String(i);
          option.textContent = typeof choice === "string" ? choice : JSON.stringify(choice);
          input.appendChild(option);
        });
        input.addEventListener("change", () => changeParam(p.name, p.choices[Number(input.value)]));
      }
      input.id = id;
      input.name = p.name;
      row.append(lab, input, document.createElement("span"));
      controlsBox.appendChild(row);
      controls[p.name] = { input, kind: p.kind, choices: p.choices };
      continue;
    }
    const control = rangeRow(controlsBox, p.name, p.name, p.help, { kind: p.kind });
    control.input.addEventListener("input", () => changeParam(p.name, control.value()));
    controls[p.name] = control;
  }
  const extras = [
    ["steps", "steps", "int", "the number of scheduler.step() calls drawn"],
    ["lr", "lr (initial)", "log", "the optimizer's lr before the schedule"],
  ];
  if (model.get("weight_decay") !== null) {
    extras.push(["weight_decay", "weight_decay", "log", "each step shrinks a weight by lr_t * wd"]);
  }
  for (const [key, label, kind, help] of extras) {
    const control = rangeRow(controlsBox, key, label, help, { kind, key });
    control.input.addEventListener("input", () => changeKey(key, control.value()));
    controls[key] = control;
  }
  for (const control of Object.values(controls)) {
    if (control.input.type !== "range") continue;
    control.value = () => {
      const x = Number(control.input.value);
      if (control.kind === "log") return 10 ** x;
      return control.kind === "int" ? Math.round(x) : x;
    };
  }

  const toggles = document.createElement("div");
  toggles.className = "lrc-toggles";
  const checkbox = (label, key) => {
    const lab = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = key;
    box.addEventListener("change", () => {
      model.set(key, box.checked);
      model.save_changes();
    });
    lab.append(box, ` ${label}`);
    toggles.appendChild(lab);
    return box;
  };
  const logBox = checkbox("log scale", "log_scale");
  const overlayBox = model.get("has_kernel") ? checkbox("overlay torch", "overlay_torch") : null;

  const svg = svgNode("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img",
    "aria-label": `learning rate of ${schedule} against the step` });
  const message = document.createElement("div");
  message.className = "lrc-msg";
  message.setAttribute("aria-live", "polite");
  el.append(head, controlsBox, toggles, svg, message);

  let state = null;
  let pending = false;

  /** Bring each control to the model's value (a value set from Python widens the range). */
  function syncControls() {
    const params = model.get("params");
    for (const p of model.get("sliders")) {
      const control = controls[p.name];
      const value = params[p.name];
      if (p.kind === "bool") control.input.checked = Boolean(value);
      else if (p.kind === "choice") {
        const i = p.choices.findIndex((c) => JSON.stringify(c) === JSON.stringify(value));
        control.input.value = String(Math.max(i, 0));
      } else {
        setRange(control, ...sliderBounds(p.kind, p.low, p.high));
        showRange(control, value);
      }
    }
    setRange(controls.steps, 1, model.get("steps_max"), 1);
    showRange(controls.steps, model.get("steps"));
    setRange(controls.lr, ...sliderBounds("log", model.get("lr_low"), model.get("lr_high")));
    showRange(controls.lr, model.get("lr"));
    if (controls.weight_decay) {
      setRange(controls.weight_decay,
        ...sliderBounds("log", model.get("wd_low"), model.get("wd_high")));
      showRange(controls.weight_decay, model.get("weight_decay"));
    }
    logBox.checked = Boolean(model.get("log_scale"));
    if (overlayBox) overlayBox.checked = Boolean(model.get("overlay_torch"));
  }

  function showRange(control, value) {
    if (control.value() !== value) {
      control.input.value = String(control.kind === "log" ? Math.log10(value) : value);
    }
    control.out.value = short(value);
    control.input.setAttribute("aria-valuetext", short(value));
  }

  function redraw() {
    pending = false;
    const t0 = performance.now();
    syncControls();
    state = computeState((key) => model.get(key));
    const kernelError = model.get("error");
    const error = state.error || kernelError;
    const torch = model.get("overlay_torch") ? model.get("torch_lrs") : null;
    const fellBack = draw(svg, state.error ? { ...state, lrs: null } : state, torch,
      Boolean(model.get("log_scale")), fitWidth(svg, el));
    el.lrcLastRedrawMs = performance.now() - t0;
    message.classList.toggle("lrc-error", Boolean(error));
    if (error) {
      message.textContent = `Not drawn: ${error}`;
      return;
    }
    const lrs = state.lrs;
    let min = Infinity;
    let max = -Infinity;
    for (const v of lrs) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    let text = lrs.length
      ? `step 0: ${short(lrs[0])} · final: ${short(lrs[lrs.length - 1])} · min: ${short(min)}` +
        ` · max: ${short(max)}`
      : "no steps";
    if (torch && torch.length === lrs.length) {
      let gap = 0;
      for (let k = 0; k < lrs.length; k++) gap = Math.max(gap, Math.abs(torch[k] - lrs[k]));
      text += ` · largest gap to torch: ${gap.toPrecision(2)}`;
    }
    if (state.shrink && state.shrink.length) {
      text += ` · weight decay leaves: ${short(state.shrink[state.shrink.length - 1])}`;
    }
    if (fellBack) text += " · (no positive values: linear axis)";
    message.textContent = text;
  }

  function schedule_() {
    if (pending) return;
    pending = true;
    queueMicrotask(redraw);
  }

  el.lrcState = () => ({
    schedule: state.schedule,
    steps: state.steps,
    lr: state.lr,
    params: state.params,
    lrs: state.error || !state.lrs ? [] : Array.from(state.lrs),
  });
  el.lrcRedraw = () => {
    redraw();
    return el.lrcLastRedrawMs;
  };
  const keys = ["params", "steps", "lr", "weight_decay", "log_scale", "overlay_torch",
    "torch_lrs", "error", "sliders", "steps_max", "lr_low", "lr_high", "wd_low", "wd_high",
    "python_lrs", "fixed_json"];
  for (const key of keys) model.on(`change:${key}`, schedule_);
  redraw();
  return () => {
    for (const key of keys) model.off(`change:${key}`, schedule_);
  };
}

// ----------------------------------------------------------------------------- the range test

const DASHES = { ":": "2 3", "-.": "6 3 2 3", "--": "6 4", "-": "" };

/**
 * Chapter 9's range-test explorer for the page without a kernel (precomputed sweeps): the
 * model (lrcourse.rangetest.RangeTestExplorer.static_state()) holds the recording's `lrs` and
 * raw `losses`, one slider per setting over precomputed `values`, the smoothed curve per beta
 * (`smoothed[betaIndex]`) and, per "i,j,k" of slider positions, the replayed test: `n`
 * iterations, `stopped`, each rule's `suggestions` (or an `error`). `rules`: colour and dash.
 */
function renderRangeTest({ model, el }) {
  prepare(el);
  const head = document.createElement("div");
  head.className = "lrc-head";
  const title = document.createElement("b");
  title.textContent = "LR range test replayed";
  head.append(title, `: ${model.get("summary")}`);
  const box = document.createElement("div");
  const controls = model.get("sliders").map((spec, i) => {
    const control = rangeRow(box, spec.name, spec.name, spec.help, {});
    setRange(control, 0, spec.values.length - 1, 1);
    control.input.value = String(model.get("index")[i]);
    control.input.addEventListener("input", () => {
      const index = [...model.get("index")];
      index[i] = Number(control.input.value);
      model.set("index", index);
    });
    return { control, spec };
  });
  const svg = svgNode("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img",
    "aria-label": "smoothed loss against the learning rate, with each rule's suggestion" });
  const message = document.createElement("div");
  message.className = "lrc-msg";
  message.setAttribute("aria-live", "polite");
  el.append(head, box, svg, message);
  let current = null;

  function redraw() {
    const index = model.get("index");
    const settings = {};
    controls.forEach(({ control, spec }, i) => {
      const value = spec.values[index[i]];
      settings[spec.name] = value;
      control.input.value = String(index[i]);
      control.out.value = short(value);
      control.input.setAttribute("aria-valuetext", short(value));
    });
    const replay = model.get("cases")[index.join(",")];
    current = { ...settings, ...replay };
    const WIDTH = fitWidth(svg, el); // eslint-disable-line no-shadow
    svg.replaceChildren();
    message.classList.toggle("lrc-error", Boolean(replay.error));
    if (replay.error) {
      message.textContent = `Not drawn: ${replay.error}`;
      return;
    }
    const lrs = model.get("lrs");
    const losses = model.get("losses");
    const smoothed = model.get("smoothed")[index[0]].slice(0, replay.n);
    const b = { left: 62, right: WIDTH - 14, top: 12, bottom: HEIGHT - 36 };
    const lo = Math.log10(lrs[0]);
    const hi = Math.log10(lrs[lrs.length - 1]);
    const xOf = (lr) => b.left + ((b.right - b.left) * (Math.log10(lr) - lo)) / (hi - lo || 1);
    const finite = smoothed.filter((v) => v !== null && Number.isFinite(v));
    const top = Math.max(smoothed[0], Math.min(...finite)) * 1.6;
    const yOf = (v) => b.bottom - ((b.bottom - b.top) * Math.min(v, top)) / top;
    svgNode("rect", { x: b.left, y: b.top, width: b.right - b.left, height: b.bottom - b.top,
      fill: "none", stroke: "#ccc" }, svg);
    for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) {
      const x = xOf(10 ** e);
      svgNode("line", { x1: x, x2: x, y1: b.bottom, y2: b.bottom + 4, stroke: "#555" }, svg);
      svgNode("text", { x, y: b.bottom + 16, "text-anchor": "middle", "font-size": 11 }, svg)
        .textContent = `1e${e}`;
    }
    for (const y of niceTicks(0, top)) {
      const py = yOf(y);
      svgNode("line", { x1: b.left - 4, x2: b.right, y1: py, y2: py, stroke: "#eee" }, svg);
      svgNode("text", { x: b.left - 6, y: py + 4, "text-anchor": "end", "font-size": 11 }, svg)
        .textContent = tickText(y);
    }
    svgNode("text", { x: (b.left + b.right) / 2, y: HEIGHT - 4, "text-anchor": "middle",
      "font-size": 12 }, svg).textContent = "learning rate (log)";
    svgNode("text", { x: 12, y: (b.top + b.bottom) / 2, "text-anchor": "middle", "font-size": 12,
      transform: `rotate(-90 12 ${(b.top + b.bottom) / 2})` }, svg).textContent = "loss";
    const line = (values, attrs) => {
      const points = [];
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v !== null && Number.isFinite(v)) {
          points.push(`${xOf(lrs[i]).toFixed(1)},${yOf(v).toFixed(1)}`);
        }
      }
      svgNode("polyline", { points: points.join(" "), fill: "none", ...attrs }, svg);
    };
    line(losses.slice(0, replay.n), { stroke: "#bbb", "stroke-width": 1, class: "lrc-raw" });
    line(smoothed, { stroke: COLORS.curve, "stroke-width": 2, class: "lrc-curve" });
    const rules = model.get("rules");
    const parts = [];
    for (const [rule, lr] of Object.entries(replay.suggestions)) {
      const style = rules[rule];
      const x = xOf(lr);
      svgNode("line", { x1: x, x2: x, y1: b.top, y2: b.bottom, stroke: style.color,
        "stroke-width": 1.3, "stroke-dasharray": DASHES[style.linestyle] || "" }, svg);
      parts.push(`${rule} ${short(lr)}`);
    }
    const stop = replay.stopped ? "stopped early" : "no stop";
    message.textContent = `${replay.n} iterations, ${stop}; ${parts.join(", ")}`;
  }

  el.lrcState = () => current;
  model.on("change:index", redraw);
  redraw();
}

/**
 * A model for the page without a kernel: anywidget's get/set/on/off/save_changes over a plain
 * object (`data`: the Explorer's synced values, lrcourse.widgets.Explorer.static_state()).
 */
export function localModel(data) {
  const handlers = {};
  return {
    get: (key) => data[key],
    set: (key, value) => {
      data[key] = value;
      for (const handler of [...(handlers[`change:${key}`] || [])]) handler();
    },
    on: (event, handler) => {
      (handlers[event] ||= []).push(handler);
    },
    off: (event, handler) => {
      handlers[event] = (handlers[event] || []).filter((h) => h !== handler);
    },
    save_changes: () => {},
  };
}

export default { render, renderRangeTest };
