// The playground page: a view of the run the server trains. It never does the math: it sends the
// controls, draws the newest frame it received, and keeps its settings in the URL's hash.
"use strict";

const $ = (id) => document.getElementById(id);
const GRID = 100;
const view = { session: null, settings: {}, defaults: {}, frame: null, drawn: null, grid: null, data: null,
  runId: null, points: [], events: [], lastKey: null, upload: null };

// -- the URL's hash: every setting that differs from the defaults, as key=JSON ---------------------
function readHash() {
  const out = {};
  const params = new URLSearchParams(location.hash.slice(1));
  for (const [key, text] of params) {
    try { out[key] = JSON.parse(text); } catch (e) { out[key] = text; }
  }
  return out;
}
function writeHash(settings) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(settings)) {
    if (JSON.stringify(value) !== JSON.stringify(view.defaults[key])) params.set(key, JSON.stringify(value));
  }
  history.replaceState(null, "", "#" + params.toString());
}

// -- the controls ------------------------------------------------------------------------------------
function parseControl(el) {
  const type = el.dataset.type, text = el.value.trim();
  if (type === "bool") return el.checked;
  if (type === "layers") {
    if (text === "") return [];
    return text.split(",").map((t) => (t.trim() !== "" && !isNaN(Number(t)) ? Number(t) : t.trim()));
  }
  if (type === "optional" && text === "") return null;
  if (type === "number" || type === "optional") return text !== "" && !isNaN(Number(text)) ? Number(text) : text;
  if (type === "seed") return text === "notebook" || text === "" || isNaN(Number(text)) ? text : Number(text);
  return el.value;
}
function showControl(el, value) {
  if (el.dataset.type === "bool") el.checked = !!value;
  else if (el.dataset.type === "layers") el.value = value.join(",");
  else el.value = value === null || value === undefined ? "" : String(value);
}
function showSettings(settings) {
  view.settings = settings;
  for (const el of document.querySelectorAll("[data-key]")) {
    if (el !== document.activeElement || el.getAttribute("aria-invalid") !== "true") showControl(el, settings[el.dataset.key]);
  }
  const generated = settings.dataset !== "notebook_moons";
  for (const id of ["noise", "n_samples"]) $(id).disabled = !generated || settings.dataset === "csv";
  for (const id of ["dev_fraction", "data_seed"]) $(id).disabled = !generated;
  writeHash(settings);
}
function clearRefusal() {
  $("refused").textContent = "";
  for (const el of document.querySelectorAll("[aria-invalid=true]")) {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  }
}

// -- the websocket -----------------------------------------------------------------------------------
let ws = null;
function send(message) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(message)); }

function connect() {
  ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
  ws.binaryType = "arraybuffer";
  ws.onopen = () => send({ type: "start", settings: readHash() });
  ws.onclose = () => { $("state").textContent = "disconnected from the server (reload the page)"; };
  ws.onmessage = (event) => {
    if (typeof event.data === "string") onText(JSON.parse(event.data));
    else onFrame(event.data);
  };
}

function onText(msg) {
  if (msg.type === "hello") {
    view.session = msg.session;
    view.defaults = msg.defaults;
    showSettings(msg.settings);
    $("download-model").href = "/api/model?session=" + msg.session;
    $("download-data").href = "/api/data.csv?session=" + msg.session;
  } else if (msg.type === "settings") {
    clearRefusal();
    showSettings(msg.settings);
  } else if (msg.type === "refused") {
    $("refused").textContent = msg.message;
    const el = view.lastKey && document.querySelector(`[data-key="${view.lastKey}"]`);
    if (el) {
      el.setAttribute("aria-invalid", "true");
      el.setAttribute("aria-describedby", "refused");
    }
  } else if (msg.type === "check") {
    $("check-result").textContent = msg.text;
  } else if (msg.type === "export") {
    $("export-box").hidden = false;
    $("export-command").value = msg.command;
    $("export-python").value = msg.python;
    $("export-notes").textContent = msg.notes.join("; ");
  }
}

function onFrame(buffer) {
  const bytes = new Uint8Array(buffer);
  const n = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  if (header.run_id !== view.runId) { view.runId = header.run_id; view.points = []; view.events = []; }
  view.points.push(...header.points);
  view.events.push(...header.events);
  if (header.data) view.data = header.data;
  view.frame = header;
  view.grid = bytes.subarray(8 + n);
}

// -- drawing: only the newest frame, once per animation frame ----------------------------------------
const fmt = (x, digits = 6) => (x === null || x === undefined ? "-" : Number(x).toPrecision(digits));

function draw() {
  const f = view.frame;
  if (f && f !== view.drawn) {
    view.drawn = f;
    $("iteration").textContent = String(f.iteration);
    $("train-cost").textContent = fmt(f.train_cost) + " (data term " + fmt(f.train_cost_data) + ")";
    $("dev-cost").textContent = fmt(f.dev_cost) + " (data term " + fmt(f.dev_cost_data) + ")";
    $("train-accuracy").textContent = fmt(f.train_accuracy, 4);
    $("dev-accuracy").textContent = fmt(f.dev_accuracy, 4);
    $("state").textContent = f.state;
    $("message").textContent = f.message;
    drawHeatmap(); drawCurves(); drawNetwork(f); drawLayers(f); drawDiagnosis(f);
  }
  requestAnimationFrame(draw);
}

function colour(p) { // 0: blue (class 0), 1: orange (class 1)
  const t = p / 255;
  return [Math.round(70 + t * (240 - 70)), Math.round(130 + t * (160 - 130)), Math.round(220 + t * (60 - 220))];
}
const offscreen = document.createElement("canvas");
offscreen.width = GRID; offscreen.height = GRID;

function drawHeatmap() {
  const canvas = $("heatmap"), ctx = canvas.getContext("2d");
  const octx = offscreen.getContext("2d"), image = octx.createImageData(GRID, GRID);
  for (let i = 0; i < GRID * GRID; i++) {
    const [r, g, b] = colour(view.grid[i]);
    image.data.set([r, g, b, 255], 4 * i);
  }
  octx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(offscreen, 0, 0, canvas.width, canvas.height);
  if (!view.data) return;
  const [x0, x1, y0, y1] = view.data.bounds;
  const px = (x) => ((x - x0) / (x1 - x0)) * canvas.width, py = (y) => ((y1 - y) / (y1 - y0)) * canvas.height;
  for (const [x, y, label] of view.data.train) {
    ctx.beginPath(); ctx.arc(px(x), py(y), 3.5, 0, 2 * Math.PI);
    ctx.fillStyle = label ? "#a33a00" : "#0b3d91"; ctx.fill();
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke();
  }
  for (const [x, y, label] of view.data.dev) {
    ctx.beginPath(); ctx.moveTo(px(x), py(y) - 5); ctx.lineTo(px(x) + 4.5, py(y) + 3.5); ctx.lineTo(px(x) - 4.5, py(y) + 3.5);
    ctx.closePath(); ctx.strokeStyle = label ? "#7a2200" : "#061f4d"; ctx.lineWidth = 2; ctx.stroke();
  }
}

function plot(canvas, series, log, yRange) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height, L = 44, B = 18;
  ctx.clearRect(0, 0, W, H);
  const pts = view.points;
  if (!pts.length) return;
  const xMax = Math.max(100, pts[pts.length - 1].iteration);
  const tr = (v) => (log ? Math.log10(Math.max(v, 1e-6)) : v);
  let lo = Infinity, hi = -Infinity;
  if (yRange) [lo, hi] = yRange;
  else for (const s of series) for (const p of pts) if (p[s.key] !== null) { lo = Math.min(lo, tr(p[s.key])); hi = Math.max(hi, tr(p[s.key])); }
  if (!(hi > lo)) { hi = lo + 1; }
  const X = (i) => L + (i / xMax) * (W - L - 6), Y = (v) => H - B - ((tr(v) - lo) / (hi - lo)) * (H - B - 6);
  ctx.fillStyle = "#555"; ctx.font = "10px sans-serif";
  const tick = (v) => (log ? Math.pow(10, v).toPrecision(3) : v.toFixed(2));
  ctx.fillText(tick(hi), 2, 12);
  ctx.fillText(tick(lo), 2, H - B);
  ctx.fillText("0", L, H - 4); ctx.fillText(String(xMax), W - 40, H - 4);
  for (const e of view.events) {
    ctx.strokeStyle = "#888"; ctx.setLineDash([3, 3]); ctx.beginPath();
    ctx.moveTo(X(e.iteration), 4); ctx.lineTo(X(e.iteration), H - B); ctx.stroke(); ctx.setLineDash([]);
    ctx.fillText(e.change, Math.min(X(e.iteration) + 2, W - 120), 12);
  }
  for (const s of series) {
    ctx.strokeStyle = s.colour; ctx.setLineDash(s.dash || []); ctx.lineWidth = 1.5; ctx.beginPath();
    let started = false;
    for (const p of pts) {
      if (p[s.key] === null) continue;
      if (started) ctx.lineTo(X(p.iteration), Y(p[s.key])); else { ctx.moveTo(X(p.iteration), Y(p[s.key])); started = true; }
    }
    ctx.stroke(); ctx.setLineDash([]);
  }
}

function drawCurves() {
  plot($("cost-plot"), [
    { key: "train_cost", colour: "#1f6fb2" }, { key: "train_cost_data", colour: "#1f6fb2", dash: [4, 3] },
    { key: "dev_cost", colour: "#c8501e" }, { key: "dev_cost_data", colour: "#c8501e", dash: [4, 3] },
  ], true);
  plot($("accuracy-plot"), [{ key: "train_accuracy", colour: "#1f6fb2" }, { key: "dev_accuracy", colour: "#c8501e" }], false, [0.4, 1]);
}

function drawNetwork(f) {
  const canvas = $("network"), ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const sizes = f.layer_sizes, cols = sizes.length;
  const pos = (l, j) => [20 + (l / (cols - 1)) * (W - 40), H / 2 + (j - (sizes[l] - 1) / 2) * Math.min(16, (H - 20) / sizes[l])];
  let wMax = 1e-9;
  for (const Wl of f.weights) for (const row of Wl) for (const w of row) wMax = Math.max(wMax, Math.abs(w));
  f.weights.forEach((Wl, i) => {
    Wl.forEach((row, j) => row.forEach((w, k) => {
      const [xa, ya] = pos(i, k), [xb, yb] = pos(i + 1, j);
      ctx.strokeStyle = w >= 0 ? "rgba(230,120,30,0.8)" : "rgba(40,100,200,0.8)";
      ctx.lineWidth = 0.3 + 3.5 * Math.abs(w) / wMax;
      ctx.beginPath(); ctx.moveTo(xa, ya); ctx.lineTo(xb, yb); ctx.stroke();
    }));
  });
  sizes.forEach((n, l) => { for (let j = 0; j < n; j++) { const [x, y] = pos(l, j); ctx.beginPath(); ctx.arc(x, y, 4, 0, 2 * Math.PI); ctx.fillStyle = "#333"; ctx.fill(); } });
}

function drawLayers(f) {
  $("layers").tBodies[0].innerHTML = f.layers.map((s) =>
    `<tr><td>${s.layer}</td><td class="w-norm">${fmt(s.w_norm, 5)}</td><td>${fmt(s.activation_mean, 3)}</td><td>${fmt(s.activation_std, 3)}</td>` +
    `<td>${fmt(s.gradient_mean, 3)}</td><td>${fmt(s.gradient_std, 3)}</td></tr>`).join("");
}

function drawDiagnosis(f) {
  const d = f.diagnosis;
  $("diagnosis").textContent = d ? `Bias/variance: ${d.summary}. Next step (basic recipe): ${d.next_step}.` : "";
}

// -- wiring ------------------------------------------------------------------------------------------
for (const el of document.querySelectorAll("[data-key]")) {
  el.addEventListener("change", () => {
    view.lastKey = el.dataset.key;
    clearRefusal();
    send({ type: "settings", settings: { [el.dataset.key]: parseControl(el) } });
  });
}
for (const action of ["play", "pause", "step", "reset"]) $(action).addEventListener("click", () => send({ type: "control", action }));
for (const button of document.querySelectorAll("[data-preset]")) {
  button.addEventListener("click", () => { view.lastKey = null; send({ type: "preset", name: button.dataset.preset }); });
}
$("gradcheck").addEventListener("click", () => { $("check-result").textContent = "checking..."; send({ type: "gradcheck" }); });
$("monotonic").addEventListener("click", () => { $("check-result").textContent = "checking..."; send({ type: "monotonic" }); });
$("export").addEventListener("click", () => send({ type: "export" }));
$("share").addEventListener("click", () => {
  $("check-result").textContent = "Link to this run: " + location.href;
  if (navigator.clipboard) navigator.clipboard.writeText(location.href).catch(() => {});
});

async function upload() {
  const file = $("upload").files[0];
  if (!file || !view.session) return;
  const query = new URLSearchParams({ session: view.session, name: file.name });
  if ($("columns").value.trim()) query.set("columns", $("columns").value.trim());
  $("upload-result").textContent = "uploading...";
  try {
    const reply = await (await fetch("/api/upload?" + query, { method: "POST", body: file })).json();
    $("upload-result").textContent = reply.ok
      ? `Loaded ${file.name}: features ${reply.chosen[0]}, ${reply.chosen[1]}, label ${reply.chosen[2]} (standardized); columns: ${reply.columns.join(", ")}`
      : reply.error;
    $("upload-result").className = reply.ok ? "note" : "error";
    if (reply.ok) showSettings(reply.settings);
  } catch (err) {
    $("upload-result").textContent = "upload failed: " + err;
    $("upload-result").className = "error";
  }
}
$("upload").addEventListener("change", upload);
$("columns").addEventListener("change", upload);

// a link pasted into this tab (the hash edited by hand): start its run
window.addEventListener("hashchange", () => location.reload());

connect();
requestAnimationFrame(draw);
