// The playground page: a view of the run the server trains. It never does the math: it sends the
// controls, draws the newest frame it received, and keeps its settings in the URL's hash.

import { $, chosenColumns, clearRefusal, parseControl, readHash, showClasses, showColumns, showRefusal,
  showSettings } from "./controls.js";
import { drawHeatmap, drawNetwork, legend, networkNote, toData } from "./draw.js";
import { drawCurves, thin } from "./plots.js";

const view = { session: null, settings: {}, defaults: {}, frame: null, drawn: null, planes: null, data: null,
  runId: null, points: [], events: [], recorded: [], lastKey: null, frames: 0, waiters: [] };
// For tests and the benchmark: the state, and a promise of the first frame that satisfies a test.
window.playground = {
  view,
  whenFrame: (test) => new Promise((resolve) => view.waiters.push({ test, resolve })),
  version: () => view.version || 0,
};

// -- the websocket -----------------------------------------------------------------------------------
let ws = null;
function send(message) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(message)); }
function sendSettings(settings, key) {
  view.lastKey = key;
  clearRefusal();
  send({ type: "settings", settings });
}

function connect() {
  ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
  ws.binaryType = "arraybuffer";
  ws.onopen = () => send({ type: "start", settings: readHash() });
  ws.onclose = () => { $("state").textContent = "disconnected from the server (reload the page)"; };
  ws.onmessage = (event) => (typeof event.data === "string" ? onText(JSON.parse(event.data)) : onFrame(event.data));
}

function accept(settings, version) {
  view.settings = settings;
  if (version !== undefined) view.version = version;
  showSettings(settings, view.defaults);
}

function onText(msg) {
  if (msg.type === "hello") {
    view.session = msg.session;
    view.defaults = msg.defaults;
    accept(msg.settings);
    $("download-model").href = "/api/model?session=" + msg.session;
    $("download-data").href = "/api/data.csv?session=" + msg.session;
  } else if (msg.type === "settings") {
    clearRefusal();
    accept(msg.settings, msg.version);
  } else if (msg.type === "refused") {
    showRefusal(msg.message, view.lastKey);
    if (msg.settings) accept(msg.settings);
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
  const bytes = new Uint8Array(buffer), n = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  if (header.run_id !== view.runId) { view.runId = header.run_id; view.points = []; view.events = []; view.recorded = []; }
  view.points = thin(view.points.concat(header.points));
  view.recorded = thin(view.recorded.concat(header.recorded));
  for (const e of header.events) { // changes taken at the same iteration: one mark
    const last = view.events[view.events.length - 1];
    if (last && last.iteration === e.iteration) last.change += "; " + e.change;
    else view.events.push({ ...e });
  }
  if (header.data) {
    view.data = header.data;
    showClasses(header.data.classes);
    if ($("classes").disabled) $("classes").value = String(header.data.classes.length); // the data's own
  }
  view.frame = header;
  view.planes = bytes.subarray(8 + n);
  view.frames += 1;
  schedule();
  view.waiters = view.waiters.filter((w) => !(w.test(header) && (w.resolve(header), true)));
}

// -- drawing: only the newest frame, once per animation frame ----------------------------------------
const fmt = (x, digits = 6) => (x === null || x === undefined ? "-" : Number(x).toPrecision(digits));
const cost = (J, J0) => (J === null || J === undefined ? "-" : `${fmt(J)} (data term ${fmt(J0)})`);

// The heat map at every frame; the numbers, curves, network and table (slower to draw, and no one reads
// them faster) at most 15 times a second while the run plays, and always on its last frame.
function schedule() {
  if (!view.scheduled) { view.scheduled = true; requestAnimationFrame(draw); }
}

function draw(now) {
  view.scheduled = false; // a new frame asks for the next drawing: nothing runs while the run is idle
  const f = view.frame;
  if (!f) return;
  if (f !== view.drawn) {
    view.drawn = f;
    drawHeatmap($("heatmap"), $("points"), f, view.planes, view.data);
  }
  if (f !== view.drawnSlow) {
    if (f.state !== "playing" || !(now - view.drawnAll < 66)) {
      view.drawnAll = now;
      view.drawnSlow = f;
      drawSlow(f);
    } else {
      schedule(); // this frame's slow parts, a little later
    }
  }
}

function drawSlow(f) {
  $("iteration").textContent = String(f.iteration);
  $("train-cost").textContent = cost(f.train_cost, f.train_cost_data);
  $("dev-cost").textContent = cost(f.dev_cost, f.dev_cost_data);
  $("train-accuracy").textContent = fmt(f.train_accuracy, 4);
  $("dev-accuracy").textContent = fmt(f.dev_accuracy, 4);
  $("test-cost").textContent = f.test_cost === null ? "no test set" : cost(f.test_cost, f.test_cost_data);
  $("test-accuracy").textContent = f.test_accuracy === null ? "no test set" : fmt(f.test_accuracy, 4);
  $("state").textContent = f.state;
  $("message").textContent = f.message;
  $("heatmap-legend").innerHTML = legend(f, view.data);
  drawCurves(view);
  view.crossed = drawNetwork($("network"), f);
  $("network-note").textContent = networkNote(f);
  drawLayers(f);
  const d = f.diagnosis;
  $("diagnosis").textContent = d ? `Bias/variance: ${d.summary}. Next step (basic recipe): ${d.next_step}.` : "";
}

function drawLayers(f) {
  $("layers").tBodies[0].innerHTML = f.layers.map((s) =>
    `<tr><td>${s.layer}</td><td class="w-norm">${fmt(s.w_norm, 5)}</td><td>${fmt(s.activation_mean, 3)}</td><td>${fmt(s.activation_std, 3)}</td>` +
    `<td>${fmt(s.gradient_mean, 3)}</td><td>${fmt(s.gradient_std, 3)}</td></tr>`).join("");
}

// -- wiring ------------------------------------------------------------------------------------------
for (const el of document.querySelectorAll("[data-key]")) {
  el.addEventListener("change", () => sendSettings({ [el.dataset.key]: parseControl(el) }, el.dataset.key));
}
for (const id of ["csv_x", "csv_y", "csv_label"]) {
  $(id).addEventListener("change", () => sendSettings({ csv_columns: chosenColumns() }, id));
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
$("heatmap").addEventListener("click", (event) => {
  if (!view.data) return;
  const [x, y] = toData($("heatmap"), view.data, event).map((v) => Number(v.toFixed(4)));
  sendSettings({ added: [...view.settings.added, [x, y, Number($("point_class").value || 0)]] }, "point_class");
});
$("remove-points").addEventListener("click", () => sendSettings({ added: [] }, null));

async function upload() {
  const file = $("upload").files[0];
  if (!file || !view.session) return;
  const query = new URLSearchParams({ session: view.session, name: file.name });
  $("upload-result").textContent = "uploading...";
  try {
    const reply = await (await fetch("/api/upload?" + query, { method: "POST", body: file })).json();
    $("upload-result").className = reply.ok ? "note" : "error";
    if (!reply.ok) { $("upload-result").textContent = reply.error; return; }
    $("upload-result").textContent = `Loaded ${file.name}: ${reply.columns.length - 1} features (standardized), ` +
      `label ${reply.columns[reply.chosen[2]]} with ${reply.classes.length} classes` +
      (reply.settings.output === "softmax" && reply.classes.length > 2 ? " (output: softmax)" : "");
    showColumns(reply.columns, reply.chosen);
    accept(reply.settings, reply.version);
  } catch (err) {
    $("upload-result").textContent = "upload failed: " + err;
    $("upload-result").className = "error";
  }
}
$("upload").addEventListener("change", upload);

// a link pasted into this tab (the hash edited by hand): start its run
window.addEventListener("hashchange", () => location.reload());

connect();
