// The curves: cost (log scale), accuracy and each layer's ||W||_F against iterations, with a few round
// ticks on each axis and a mark wherever a setting changed.

export const CLASS_COLOURS = [[70, 130, 220], [240, 160, 60], [80, 170, 90], [170, 90, 200], [220, 70, 70],
  [140, 100, 60], [60, 180, 190], [230, 120, 180]];
export const LAYER_COLOURS = ["#1f6fb2", "#c8501e", "#2e8b57", "#8e44ad", "#b8860b", "#d6336c", "#17a2b8", "#555"];

// Round steps: 1, 2 or 5 times a power of ten, so that about `count` of them span `range`.
function step(range, count) {
  const raw = range / count, power = Math.pow(10, Math.floor(Math.log10(raw)));
  return [1, 2, 5, 10].map((k) => k * power).find((s) => s >= raw);
}

function label(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6) return v / 1e6 + "M";
  if (a >= 1e3) return v / 1e3 + "k";
  return String(Number(v.toPrecision(3)));
}

function linearTicks(lo, hi, count) {
  const s = step(hi - lo, count), out = [];
  for (let v = Math.ceil(lo / s - 1e-9) * s; v <= hi + 1e-9 * s; v += s) out.push(Number(v.toPrecision(12)));
  return out;
}

// On a log axis (values as log10): the powers of ten inside, or 1-2-5 of each decade when few.
function logTicks(lo, hi) {
  const out = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const k of hi - lo < 2.5 ? [1, 2, 5] : [1]) {
      const v = Math.log10(k) + e;
      if (v >= lo - 1e-9 && v <= hi + 1e-9) out.push(v);
    }
  }
  return out.length >= 2 ? out : [lo, hi];
}

// The labels of an axis from lo to hi (log10 values on a log axis), as drawn.
export function tickLabels(lo, hi, log) {
  return log ? logTicks(lo, hi).map((v) => label(Math.pow(10, v))) : linearTicks(lo, hi, 4).map(label);
}

// Keep at most `limit` points of a growing series: every other one goes, the last always stays.
export function thin(points, limit = 1500) {
  if (points.length <= limit) return points;
  const kept = points.filter((_, i) => i % 2 === 0);
  if (kept[kept.length - 1] !== points[points.length - 1]) kept.push(points[points.length - 1]);
  return kept;
}

// series: [{ points, x: (p) => iteration, y: (p) => value or null, colour, dash, width }]
export function plot(canvas, series, { log = false, range = null, events = [] } = {}) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height, L = 40, B = 16, T = 14;
  ctx.clearRect(0, 0, W, H);
  const tr = (v) => (log ? Math.log10(Math.max(v, 1e-8)) : v);
  let xMax = 100, lo = Infinity, hi = -Infinity;
  for (const s of series) for (const p of s.points) {
    xMax = Math.max(xMax, s.x(p));
    const v = s.y(p);
    if (v !== null && v !== undefined && !range) { lo = Math.min(lo, tr(v)); hi = Math.max(hi, tr(v)); }
  }
  if (range) [lo, hi] = range;
  if (!(hi > lo)) { lo = isFinite(lo) ? lo - 0.5 : 0; hi = lo + 1; }
  const X = (i) => L + (i / xMax) * (W - L - 8), Y = (v) => H - B - ((v - lo) / (hi - lo)) * (H - B - T);
  ctx.font = "10px sans-serif"; ctx.lineWidth = 1;
  for (const v of log ? logTicks(lo, hi) : linearTicks(lo, hi, 4)) {
    ctx.strokeStyle = "#eee"; ctx.beginPath(); ctx.moveTo(L, Y(v)); ctx.lineTo(W - 8, Y(v)); ctx.stroke();
    ctx.fillStyle = "#555"; ctx.textAlign = "right"; ctx.fillText(label(log ? Math.pow(10, v) : v), L - 3, Y(v) + 3);
  }
  ctx.textAlign = "center";
  for (const i of linearTicks(0, xMax, 4)) ctx.fillText(label(i), Math.min(X(i), W - 14), H - 3);
  ctx.textAlign = "left";
  for (const e of events) {
    ctx.strokeStyle = "#999"; ctx.setLineDash([3, 3]); ctx.beginPath();
    ctx.moveTo(X(e.iteration), T); ctx.lineTo(X(e.iteration), H - B); ctx.stroke(); ctx.setLineDash([]);
    ctx.fillStyle = "#444";
    const text = e.change.length > 40 ? e.change.slice(0, 39) + "\u2026" : e.change;
    ctx.fillText(text, Math.max(L, Math.min(X(e.iteration) + 2, W - 8 - ctx.measureText(text).width)), 10);
  }
  for (const s of series) {
    ctx.strokeStyle = s.colour; ctx.setLineDash(s.dash || []); ctx.lineWidth = s.width || 1.5; ctx.beginPath();
    let started = false;
    for (const p of s.points) {
      const v = s.y(p);
      if (v === null || v === undefined) { started = false; continue; }
      if (started) ctx.lineTo(X(s.x(p)), Y(tr(v))); else { ctx.moveTo(X(s.x(p)), Y(tr(v))); started = true; }
    }
    ctx.stroke(); ctx.setLineDash([]);
  }
}

const at = (p) => p.iteration;

export function drawCurves(view) {
  const pts = view.points, rec = view.recorded, ev = { events: view.events };
  const key = (k) => (p) => p[k];
  plot(document.getElementById("cost-plot"), [
    { points: rec, x: (r) => r[0], y: (r) => r[1], colour: "#aaa", width: 1 },
    { points: pts, x: at, y: key("train_cost"), colour: "#1f6fb2" },
    { points: pts, x: at, y: key("train_cost_data"), colour: "#1f6fb2", dash: [4, 3] },
    { points: pts, x: at, y: key("dev_cost"), colour: "#c8501e" },
    { points: pts, x: at, y: key("dev_cost_data"), colour: "#c8501e", dash: [4, 3] },
  ], { log: true, ...ev });
  plot(document.getElementById("accuracy-plot"), [
    { points: pts, x: at, y: key("train_accuracy"), colour: "#1f6fb2" },
    { points: pts, x: at, y: key("dev_accuracy"), colour: "#c8501e" },
  ], { range: [Math.min(0.4, ...pts.map((p) => p.dev_accuracy ?? 1), ...pts.map((p) => p.train_accuracy ?? 1)), 1], ...ev });
  const layers = pts.length ? pts[pts.length - 1].w_norms.length : 0;
  const top = Math.max(1e-3, ...pts.flatMap((p) => p.w_norms.filter((v) => v !== null)));
  plot(document.getElementById("norm-plot"), Array.from({ length: layers }, (_, l) => (
    { points: pts, x: at, y: (p) => p.w_norms[l], colour: LAYER_COLOURS[l % LAYER_COLOURS.length] })),
  { range: [0, top * 1.05], ...ev });
  document.getElementById("norm-legend").innerHTML = Array.from({ length: layers }, (_, l) =>
    `<span style="color:${LAYER_COLOURS[l % LAYER_COLOURS.length]}">&#9473; W${l + 1}</span>`).join(" ");
}
