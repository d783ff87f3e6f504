// The heat map with the points over it, and the network drawing. Both draw what the newest frame
// says (the server computes every number); nothing here is the model's math.

import { CLASS_COLOURS } from "./plots.js";

export const GRID = 100;

// Colour tables, as little-endian RGBA words for a Uint32Array over the image's bytes.
const word = ([r, g, b]) => (255 << 24) | (b << 16) | (g << 8) | r;
// A sigmoid output: blue (class 0) to orange (class 1) through the probability of class 1 (p / 255).
const PROBABILITY = Uint32Array.from({ length: 256 }, (_, p) => {
  const t = p / 255, [a, b] = CLASS_COLOURS;
  return word(a.map((v, i) => Math.round(v + t * (b[i] - v))));
});
// A softmax output: the predicted class's colour, mixed with white where the network is less sure.
const BY_CLASS = CLASS_COLOURS.map((c) => Uint32Array.from({ length: 256 }, (_, sure) => {
  const t = 0.15 + 0.85 * (sure / 255);
  return word(c.map((v) => Math.round(255 + t * (v - 255))));
}));

const dark = (k) => CLASS_COLOURS[k % CLASS_COLOURS.length].map((v) => Math.round(v * 0.62));
const css = (rgb) => `rgb(${rgb.join(",")})`;
let image = null, words = null;

// The heat map is a GRID x GRID canvas that the page scales up (CSS); the points are drawn on a canvas
// over it, once per data. A frame costs GRID * GRID table look-ups and nothing else.
export function drawHeatmap(canvas, overlay, frame, planes, data) {
  const ctx = canvas.getContext("2d"), n = GRID * GRID, byClass = frame.heat_map === "class";
  if (!image) { image = ctx.createImageData(GRID, GRID); words = new Uint32Array(image.data.buffer); }
  if (byClass) for (let i = 0; i < n; i++) words[i] = BY_CLASS[planes[i] % BY_CLASS.length][planes[n + i]];
  else for (let i = 0; i < n; i++) words[i] = PROBABILITY[planes[i]];
  ctx.putImageData(image, 0, 0);
  canvas.style.imageRendering = byClass ? "pixelated" : "auto";
  if (data && overlay.drawn !== data) {
    overlay.drawn = data;
    const octx = overlay.getContext("2d");
    octx.clearRect(0, 0, overlay.width, overlay.height);
    drawPoints(octx, overlay, data);
  }
}

export function toData(canvas, data, event) {
  const r = canvas.getBoundingClientRect(), [x0, x1, y0, y1] = data.bounds; // inside the border:
  const u = (event.clientX - r.left - canvas.clientLeft) / canvas.clientWidth;
  const v = (event.clientY - r.top - canvas.clientTop) / canvas.clientHeight;
  return [x0 + u * (x1 - x0), y1 - v * (y1 - y0)];
}

function drawPoints(ctx, canvas, data) {
  const [x0, x1, y0, y1] = data.bounds;
  const px = (x) => ((x - x0) / (x1 - x0)) * canvas.width, py = (y) => ((y1 - y) / (y1 - y0)) * canvas.height;
  ctx.lineWidth = 1;
  for (const [x, y, k] of data.train) { // training points: filled dots
    ctx.beginPath(); ctx.arc(px(x), py(y), 4, 0, 2 * Math.PI);
    ctx.fillStyle = css(dark(k)); ctx.fill(); ctx.strokeStyle = "#fff"; ctx.stroke();
  }
  ctx.lineWidth = 2;
  for (const [x, y, k] of data.dev) { // dev points: triangles
    ctx.beginPath(); ctx.moveTo(px(x), py(y) - 5); ctx.lineTo(px(x) + 4.5, py(y) + 3.5); ctx.lineTo(px(x) - 4.5, py(y) + 3.5);
    ctx.closePath(); ctx.strokeStyle = css(dark(k)); ctx.stroke();
  }
  for (const [x, y, k] of data.test || []) { // test points: squares
    ctx.strokeStyle = css(dark(k)); ctx.strokeRect(px(x) - 3.5, py(y) - 3.5, 7, 7);
  }
}

export function legend(frame, data) {
  const marks = "&#9679; train &nbsp; &#9651; dev" + (data && data.test && data.test.length ? " &nbsp; &#9633; test" : "");
  if (!data || frame.heat_map !== "class") return `${marks} &nbsp; colour: probability of class 1 (blue 0, orange 1)`;
  const swatches = data.classes.map((name, k) => `<span class="swatch" style="background:${css(CLASS_COLOURS[k % 8])}"></span>${name}`);
  return `${marks} &nbsp; colour: predicted class ${swatches.join(" ")}, lighter where less sure`;
}

// -- the network: units in columns, weights as edges (colour: sign, width: size), dropped units crossed
export function drawNetwork(canvas, f) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height, top = 8, bottom = 30;
  ctx.clearRect(0, 0, W, H);
  const sizes = f.layer_sizes, cols = sizes.length, shown = sizes.map((n) => (f.weights ? n : Math.min(n, 24)));
  const gap = (l) => Math.min(16, (H - top - bottom) / Math.max(shown[l], 1));
  const pos = (l, j) => [24 + (l / (cols - 1)) * (W - 48), top + (H - top - bottom) / 2 + (j - (shown[l] - 1) / 2) * gap(l)];
  if (f.weights) {
    let wMax = 1e-9;
    for (const Wl of f.weights) for (const row of Wl) for (const w of row) wMax = Math.max(wMax, Math.abs(w));
    f.weights.forEach((Wl, i) => Wl.forEach((row, j) => row.forEach((w, k) => {
      const [xa, ya] = pos(i, k), [xb, yb] = pos(i + 1, j);
      ctx.strokeStyle = w >= 0 ? "rgba(230,120,30,0.8)" : "rgba(40,100,200,0.8)";
      ctx.lineWidth = 0.3 + 3.5 * Math.abs(w) / wMax;
      ctx.beginPath(); ctx.moveTo(xa, ya); ctx.lineTo(xb, yb); ctx.stroke();
    })));
  }
  const r = Math.max(1.5, Math.min(4, Math.min(...shown.map((_, l) => gap(l))) / 2.5)), crossed = [];
  shown.forEach((n, l) => {
    const dropped = new Set((f.dropped && f.dropped[l]) || []);
    for (let j = 0; j < n; j++) {
      const [x, y] = pos(l, j);
      ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
      if (dropped.has(j)) {
        crossed.push([x, y]);
        ctx.fillStyle = "#fff"; ctx.fill(); ctx.strokeStyle = "#c0392b"; ctx.lineWidth = 1.5; ctx.stroke();
        ctx.beginPath(); ctx.moveTo(x - r - 1, y - r - 1); ctx.lineTo(x + r + 1, y + r + 1);
        ctx.moveTo(x + r + 1, y - r - 1); ctx.lineTo(x - r - 1, y + r + 1); ctx.stroke();
      } else { ctx.fillStyle = "#333"; ctx.fill(); }
    }
    ctx.fillStyle = "#333"; ctx.font = "10px sans-serif"; ctx.textAlign = "center";
    const [x] = pos(l, 0), keep = l < f.keep.length && f.keep[l] < 1 ? ` keep ${f.keep[l]}` : "";
    ctx.fillText(String(sizes[l]) + (n < sizes[l] ? " (24 shown)" : ""), x, H - 16);
    if (keep) { ctx.fillStyle = "#c0392b"; ctx.fillText(keep, x, H - 4); }
  });
  ctx.textAlign = "left";
  return crossed; // where the dropped units are drawn
}

export function networkNote(f) {
  const parts = [];
  if (!f.weights) parts.push(`${f.layers.reduce((s, _, l) => s + f.layer_sizes[l] * f.layer_sizes[l + 1], 0)} weights: too many to draw at every frame (||W||_F per layer below)`);
  if (f.dropped) parts.push("crossed units: dropped by dropout for training example 1 at the next step");
  else if (f.keep.some((p) => p < 1)) parts.push("dropout is on (one step's masks are too many to show)");
  return parts.join("; ");
}
