// The controls and the URL: reading a control's value as the server expects it, showing the settings
// the server accepted, keeping them in the URL's hash, and showing a refusal beside its control.
// Nothing here checks a value: the server does (settings.py), and says why it refuses one.

export const $ = (id) => document.getElementById(id);

// -- the URL's hash: every setting that differs from the defaults, as key=JSON ---------------------
export function readHash() {
  const out = {};
  for (const [key, text] of new URLSearchParams(location.hash.slice(1))) {
    try { out[key] = JSON.parse(text); } catch (e) { out[key] = text; }
  }
  return out;
}

export function writeHash(settings, defaults) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(settings)) {
    if (JSON.stringify(value) !== JSON.stringify(defaults[key])) params.set(key, JSON.stringify(value));
  }
  history.replaceState(null, "", "#" + params.toString());
}

// -- a control's value, as typed (a number where it reads as one; the server refuses the rest) ------
const asNumber = (t) => (t !== "" && !isNaN(Number(t)) ? Number(t) : t);

export function parseControl(el) {
  const type = el.dataset.type, text = el.value.trim();
  if (type === "bool") return el.checked;
  if (type === "layers") return text === "" ? [] : text.split(",").map((t) => asNumber(t.trim()));
  if (type === "floats") return text.includes(",") ? text.split(",").map((t) => asNumber(t.trim())) : asNumber(text);
  if (type === "optional" && text === "") return null;
  if (type === "number" || type === "optional") return asNumber(text);
  if (type === "seed") return text === "notebook" || text === "" || isNaN(Number(text)) ? text : Number(text);
  return el.value;
}

function showControl(el, value) {
  if (el.dataset.type === "bool") el.checked = !!value;
  else if (Array.isArray(value)) el.value = value.join(",");
  else el.value = value === null || value === undefined ? "" : String(value);
}

// Which data controls mean something for which dataset (the others are disabled, and say so).
const USES = {
  noise: (d) => !["notebook_moons", "csv"].includes(d),
  n_samples: (d) => !["notebook_moons", "csv"].includes(d),
  classes: (d) => ["blobs", "spirals"].includes(d),
  dev_fraction: (d) => d !== "notebook_moons",
  test_fraction: (d) => d !== "notebook_moons",
  data_seed: (d) => d !== "notebook_moons",
};

export function showSettings(settings, defaults) {
  for (const el of document.querySelectorAll("[data-key]")) {
    if (el !== document.activeElement || el.getAttribute("aria-invalid") !== "true") showControl(el, settings[el.dataset.key]);
  }
  for (const [id, uses] of Object.entries(USES)) $(id).disabled = !uses(settings.dataset);
  for (const el of document.querySelectorAll(".csv-only")) el.hidden = settings.dataset !== "csv";
  if (settings.csv_columns) ["csv_x", "csv_y", "csv_label"].forEach((id, i) => { $(id).value = String(settings.csv_columns[i]); });
  $("remove-points").disabled = !settings.added.length;
  writeHash(settings, defaults);
}

// -- a refusal: the server's reason, right after the control it is about ----------------------------
export function showRefusal(message, key) {
  const box = $("refused"), el = key && (document.querySelector(`[data-key="${key}"]`) || $(key));
  box.textContent = message;
  if (el && !el.hidden) {
    el.insertAdjacentElement("afterend", box);
    el.setAttribute("aria-invalid", "true");
    el.setAttribute("aria-describedby", "refused");
  } else {
    $("settings-top").insertAdjacentElement("afterend", box);
  }
}

export function clearRefusal() {
  $("refused").textContent = "";
  for (const el of document.querySelectorAll("[aria-invalid=true]")) {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  }
}

// -- the CSV's columns: three lists filled from the uploaded header --------------------------------
export function showColumns(columns, chosen) {
  for (const [i, id] of ["csv_x", "csv_y", "csv_label"].entries()) {
    $(id).replaceChildren(...columns.map((name, j) => new Option(name, String(j))));
    $(id).value = String(chosen[i]);
  }
}

export function chosenColumns() {
  return ["csv_x", "csv_y", "csv_label"].map((id) => Number($(id).value));
}

export function showClasses(classes) {
  const select = $("point_class"), before = select.value;
  if ([...select.options].map((o) => o.text).join() === classes.join()) return;
  select.replaceChildren(...classes.map((name, k) => new Option(`class ${name}`, String(k))));
  if (Number(before) < classes.length) select.value = before;
}
