// detente web page: plain JavaScript, no libraries, talks to the JSON API under /api.
"use strict";

// Okabe-Ito colours (colour-blind safe); every model also gets its own marker shape.
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"];
const SHAPES = ["circle", "square", "triangle", "diamond", "down", "plus", "cross"];
const SVGNS = "http://www.w3.org/2000/svg";

// The k-th series: colours repeat after seven, shifted to another shape, so no two match.
function seriesStyle(k) {
  const cycle = Math.floor(k / PALETTE.length);
  return { colour: PALETTE[k % PALETTE.length], shape: SHAPES[(k + cycle) % SHAPES.length] };
}

const state = {
  name: null,        // the scenario picked or uploaded
  original: null,    // its native dict as loaded
  scenario: null,    // the native dict with the user's edits
  baseline: null,    // forecasts of the scenario as loaded
  result: null,      // forecasts of the edited scenario
  patched: null,     // the scenario a what-if produced
  seq: 0,            // request counter: late answers to old requests are dropped
  timer: null,
};

const $ = (id) => document.getElementById(id);
const clone = (x) => JSON.parse(JSON.stringify(x));
const val = (entry) => (entry !== null && typeof entry === "object" ? entry.value : entry);
const fmt = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? "—" : v.toFixed(d));

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// -- talking to the API ------------------------------------------------------------------

async function call(path, options = {}) {
  const r = await fetch(path, options);
  if (!r.ok) {
    let msg = `${r.status} ${r.statusText}`;
    if ((r.headers.get("content-type") || "").includes("json")) {
      const body = await r.json();
      msg = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    }
    throw new Error(msg);
  }
  return r;
}

const postJSON = (path, body) =>
  call(path, { method: "POST", headers: { "Content-Type": "application/json" },
               body: JSON.stringify(body) });

function showError(err) {
  const box = $("error");
  if (err) { box.textContent = String(err.message || err); box.hidden = false; }
  else { box.textContent = ""; box.hidden = true; }
}

function status(text) { $("status").textContent = text; }

// -- scenarios ---------------------------------------------------------------------------

async function loadList(select) {
  const data = await (await call("/api/scenarios")).json();
  const sel = $("scenario-select");
  sel.replaceChildren();
  for (const s of data.scenarios) {
    const label = `${s.title} (${s.actors} actors, ${s.issues} issues)` +
      (s.origin === "upload" ? " [uploaded]" : "");
    sel.append(el("option", { value: s.name, text: label }));
  }
  const pick = select || state.name || data.default;
  if (pick) sel.value = pick;
  return sel.value;
}

async function openScenario(name, scenario) {
  showError(null);
  if (!scenario) {
    scenario = (await (await call(`/api/scenarios/${encodeURIComponent(name)}`)).json()).scenario;
  }
  state.name = name;
  state.original = clone(scenario);
  state.scenario = clone(scenario);
  state.baseline = null;
  state.patched = null;
  $("whatif-apply").disabled = true;
  $("whatif-result").replaceChildren();
  $("scenario-title").textContent = `${scenario.title || scenario.id || name}` +
    (scenario.date ? ` (${scenario.date})` : "");
  renderEditor();
  suggestWhatIf();
  await runForecast(true);
}

// -- forecasts ---------------------------------------------------------------------------

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(() => runForecast(false), 120);
}

async function runForecast(isBaseline) {
  const my = ++state.seq;
  status("forecasting…");
  try {
    const res = await (await postJSON("/api/forecast", { scenario: state.scenario })).json();
    if (my !== state.seq) return;  // a newer request is on its way
    if (isBaseline) state.baseline = res;
    state.result = res;
    renderForecasts();
    showError(null);
    status(`${res.models.length} models, ${res.issues.length} issues`);
  } catch (err) {
    if (my !== state.seq) return;
    showError(err);
    status("not updated");
  }
}

function renderForecasts() {
  const res = state.result;
  const base = state.baseline;
  const head = el("tr", {}, el("th", { text: "issue" }));
  for (const m of res.models) head.append(el("th", { class: "num", title: m.title, text: m.name }));
  const body = el("tbody");
  for (const iss of res.issues) {
    // the scale's ends are on each chart below, and in the issue's tooltip here
    const tr = el("tr", {}, el("td", { text: iss.name, title: `${iss.low} = ` +
      `${iss.low_label || "low"}; ${iss.high} = ${iss.high_label || "high"}` }));
    for (const m of res.models) {
      const v = res.table[m.name][iss.id];
      const td = el("td", { class: "num forecast", "data-model": m.name, "data-issue": iss.id,
                            id: `fc-${m.name}-${iss.id}` });
      td.append(el("span", { class: "value", text: fmt(v) }));
      const b = base && base.table[m.name] ? base.table[m.name][iss.id] : null;
      if (b !== null && b !== undefined && v !== null && Math.abs(v - b) >= 0.05) {
        const d = v - b;
        td.append(el("span", { class: `delta ${d > 0 ? "up" : "down"}`,
                               text: `(${d > 0 ? "+" : "−"}${Math.abs(d).toFixed(1)})` }));
      }
      tr.append(td);
    }
    body.append(tr);
  }
  const notes = (res.skipped || []).map((s) => el("p", { class: "hint skipped",
    text: `${s.model} is left out: ${s.reason}` }));
  $("forecast-table").replaceChildren(el("div", { class: "scroll" },
    el("table", { id: "forecasts-grid" }, el("thead", {}, head), body)), ...notes);
  renderCharts();
}

// -- charts (SVG) ------------------------------------------------------------------------

function marker(shape, x, y, r, colour) {
  const common = { fill: colour, stroke: "#000", "stroke-width": 0.6 };
  const pts = (list) => svg("polygon", { ...common, points: list.map((p) => p.join(",")).join(" ") });
  switch (shape) {
    case "square": return svg("rect", { ...common, x: x - r, y: y - r, width: 2 * r, height: 2 * r });
    case "triangle": return pts([[x, y - r * 1.2], [x + r * 1.1, y + r * 0.8], [x - r * 1.1, y + r * 0.8]]);
    case "down": return pts([[x, y + r * 1.2], [x + r * 1.1, y - r * 0.8], [x - r * 1.1, y - r * 0.8]]);
    case "diamond": return pts([[x, y - r * 1.3], [x + r * 1.1, y], [x, y + r * 1.3], [x - r * 1.1, y]]);
    case "plus": return pts([[x - r / 3, y - r], [x + r / 3, y - r], [x + r / 3, y - r / 3], [x + r, y - r / 3],
      [x + r, y + r / 3], [x + r / 3, y + r / 3], [x + r / 3, y + r], [x - r / 3, y + r], [x - r / 3, y + r / 3],
      [x - r, y + r / 3], [x - r, y - r / 3], [x - r / 3, y - r / 3]]);
    case "cross": {
      const g = svg("g", { transform: `rotate(45 ${x} ${y})` });
      g.append(marker("plus", x, y, r, colour));
      return g;
    }
    default: return svg("circle", { ...common, cx: x, cy: y, r });
  }
}

function renderCharts() {
  const res = state.result;
  const s = state.scenario;
  const box = $("charts");
  box.replaceChildren();
  const W = 640, left = 150, right = 40;
  for (const iss of res.issues) {
    const rows = res.models.length;
    const H = 74 + 18 * rows;
    const x = (v) => left + (W - left - right) * (v - iss.low) / (iss.high - iss.low);
    const g = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img",
                           "aria-label": `Forecasts on ${iss.name}` });
    g.append(svg("text", { x: 4, y: 14, "font-weight": "bold" }, iss.name));
    const axisY = H - 28;
    g.append(svg("line", { x1: x(iss.low), x2: x(iss.high), y1: axisY, y2: axisY, stroke: "#333" }));
    for (const [v, lab, anchor] of [[iss.low, iss.low_label, "start"], [iss.high, iss.high_label, "end"]]) {
      g.append(svg("line", { x1: x(v), x2: x(v), y1: axisY, y2: axisY + 4, stroke: "#333" }));
      g.append(svg("text", { x: x(v), y: axisY + 16, "text-anchor": anchor, class: "muted" },
                   `${v} ${lab || ""}`.trim()));
    }
    // actors: grey circles on the top row, area by salience
    const actorY = 30;
    g.append(svg("text", { x: left - 8, y: actorY + 4, "text-anchor": "end", class: "muted" }, "actors"));
    for (const st of s.stances.filter((t) => t.issue === iss.id)) {
      const c = svg("circle", { cx: x(val(st.position)), cy: actorY,
                                r: 2 + 7 * Math.sqrt(val(st.salience) / 100),
                                fill: "#999", "fill-opacity": 0.45, stroke: "#555" });
      c.append(svg("title", {}, `${st.actor}: position ${val(st.position)}, salience ${val(st.salience)}`));
      g.append(c);
    }
    if (iss.status_quo !== null && iss.status_quo !== undefined) {
      g.append(svg("line", { x1: x(iss.status_quo), x2: x(iss.status_quo), y1: 20, y2: axisY,
                             stroke: "#000", "stroke-dasharray": "4 3" }));
      g.append(svg("text", { x: x(iss.status_quo) + 3, y: axisY - 4, class: "muted" }, "status quo"));
    }
    res.models.forEach((m, k) => {
      const y = 50 + 18 * k;
      const v = res.table[m.name][iss.id];
      g.append(svg("text", { x: left - 8, y: y + 4, "text-anchor": "end" }, m.name));
      g.append(svg("line", { x1: left, x2: W - right, y1: y, y2: y, stroke: "#eee" }));
      if (v === null) return;
      const st = seriesStyle(k);
      const mk = marker(st.shape, x(v), y, 5, st.colour);
      mk.append(svg("title", {}, `${m.title}: ${fmt(v)}`));
      g.append(mk);
      g.append(svg("text", { x: x(v) + 9, y: y + 4, class: "muted" }, fmt(v)));
    });
    box.append(el("div", { class: "chart" }, g));
  }
}

// -- the editor --------------------------------------------------------------------------

function setValue(holder, key, v) {
  const entry = holder[key];
  if (entry !== null && typeof entry === "object") {
    entry.value = v;
    if (Array.isArray(entry.range)) entry.range = [Math.min(entry.range[0], v), Math.max(entry.range[1], v)];
  } else {
    holder[key] = v;
  }
}

function editRow(label, opts) {
  // A slider and a number box kept in step; a change re-runs every model.
  const { min, max, step, value, original, onchange, kind, actor, issue } = opts;
  const tag = `${kind}-${actor}${issue ? "-" + issue : ""}`;
  const range = el("input", { type: "range", min, max, step, value, "aria-label": `${label} ${kind}`,
                              "data-kind": kind, "data-actor": actor, id: `r-${tag}` });
  const num = el("input", { type: "number", min, max, step: "any", value,
                            "aria-label": `${label} ${kind} value`, "data-kind": kind,
                            "data-actor": actor, id: `n-${tag}` });
  if (issue) { range.dataset.issue = issue; num.dataset.issue = issue; }
  const row = el("tr", { class: "edit-row" });
  const update = (source, other) => {
    const v = Number(source.value);
    if (source.value === "" || !Number.isFinite(v)) return;
    other.value = source.value;
    row.classList.toggle("changed", v !== original);
    onchange(v);
    schedule();
  };
  range.addEventListener("input", () => update(range, num));
  num.addEventListener("input", () => update(num, range));
  num.addEventListener("change", () => update(num, range));
  row.append(el("td", { text: label }), el("td", {}, range), el("td", {}, num));
  return row;
}

function renderEditor() {
  const s = state.scenario;
  const o = state.original;
  // originals by id: a what-if may have added, dropped or joined actors
  const origCap = Object.fromEntries(o.actors.map((a) => [a.id, val(a.capability)]));
  const origStance = Object.fromEntries(o.stances.map((st) => [`${st.actor}|${st.issue}`, st]));
  const caps = s.actors.map((a) => val(a.capability));
  const capMax = Math.max(...caps) * 2;
  const capTable = el("table", { id: "capability-table" },
    el("thead", {}, el("tr", {}, el("th", { text: "actor" }), el("th", { text: "capability" }),
                       el("th", { text: "" }))));
  const capBody = el("tbody");
  s.actors.forEach((a) => {
    capBody.append(editRow(a.name || a.id, {
      min: 0, max: capMax, step: capMax / 200, value: val(a.capability),
      original: origCap[a.id], kind: "capability", actor: a.id,
      onchange: (v) => setValue(a, "capability", v),
    }));
  });
  capTable.append(capBody);
  $("capabilities").replaceChildren(capTable);

  const names = Object.fromEntries(s.actors.map((a) => [a.id, a.name || a.id]));
  const blocks = [];
  for (const iss of s.issues) {
    const sc = iss.scale || {};
    const low = sc.low ?? 0, high = sc.high ?? 100;
    const table = el("table", {}, el("thead", {}, el("tr", {},
      el("th", { text: "actor" }), el("th", { text: "position" }), el("th", { text: "" }),
      el("th", { text: "salience" }), el("th", { text: "" }))));
    const body = el("tbody");
    s.stances.forEach((st) => {
      if (st.issue !== iss.id) return;
      const orig = origStance[`${st.actor}|${st.issue}`] || {};
      const pos = editRow(names[st.actor] || st.actor, {
        min: low, max: high, step: (high - low) / 200, value: val(st.position),
        original: val(orig.position), kind: "position", actor: st.actor, issue: iss.id,
        onchange: (v) => setValue(st, "position", v),
      });
      const sal = editRow("", {
        min: 0, max: 100, step: 1, value: val(st.salience), original: val(orig.salience),
        kind: "salience", actor: st.actor, issue: iss.id,
        onchange: (v) => setValue(st, "salience", v),
      });
      const tr = el("tr", { class: "edit-row" });
      tr.append(...pos.children, ...[...sal.children].slice(1));
      // keep the "changed" marks on the combined row
      const mark = () => tr.classList.toggle("changed",
        pos.classList.contains("changed") || sal.classList.contains("changed"));
      tr.addEventListener("input", () => setTimeout(mark));
      body.append(tr);
    });
    table.append(body);
    blocks.push(el("div", { class: "issue-block", id: `edit-${iss.id}` },
      el("h4", { text: iss.name || iss.id }),
      el("p", { class: "hint", text: `${low} = ${sc.low_label || "low"}; ${high} = ${sc.high_label || "high"}` }),
      table));
  }
  $("stances").replaceChildren(...blocks);
}

// -- what-if -----------------------------------------------------------------------------

function suggestWhatIf() {
  const s = state.scenario;
  const st = s.stances[0];
  if (!st) return;
  const iss = s.issues.find((i) => i.id === st.issue) || {};
  const sc = iss.scale || {};
  const mid = ((sc.low ?? 0) + (sc.high ?? 100)) / 2;
  $("whatif-text").value = `${st.actor}.${st.issue}.position = ${mid}\n${st.actor}.capability *= 1.5`;
}

async function runWhatIf() {
  try {
    const res = await (await postJSON("/api/whatif",
      { scenario: state.scenario, patch: $("whatif-text").value })).json();
    state.patched = res.patched;
    $("whatif-apply").disabled = false;
    // issues down, models across: "now → what if (change)"
    const models = res.after.models.map((m) => m.name);
    const cells = {};
    for (const r of res.differences) cells[`${r.model}|${r.issue}`] = r;
    const head = el("tr", {}, el("th", { text: "issue" }));
    for (const m of models) head.append(el("th", { class: "num", text: m }));
    const body = el("tbody");
    for (const iss of res.after.issues) {
      const tr = el("tr", {}, el("td", { text: iss.name }));
      for (const m of models) {
        const r = cells[`${m}|${iss.id}`];
        const td = el("td", { class: "num", "data-model": m, "data-issue": iss.id,
                              title: `now ${fmt(r.before)}, what if ${fmt(r.after)}` });
        td.append(el("span", { text: fmt(r.after) }));
        if (r.change !== null && Math.abs(r.change) >= 0.05) {
          td.append(el("span", { class: `delta ${r.change > 0 ? "up" : "down"}`,
            text: `(${r.change > 0 ? "+" : "−"}${Math.abs(r.change).toFixed(1)})` }));
        }
        tr.append(td);
      }
      body.append(tr);
    }
    $("whatif-result").replaceChildren(
      el("p", { class: "hint", text: "Forecasts if " + res.changes.join("; ") +
                                     " (in brackets: the change from now)" }),
      el("div", { class: "scroll" },
        el("table", { id: "whatif-table" }, el("thead", {}, head), body)));
    showError(null);
  } catch (err) {
    showError(err);
  }
}

// -- report ------------------------------------------------------------------------------

async function downloadReport(format) {
  status(`building the ${format.toUpperCase()} report…`);
  try {
    const r = await postJSON("/api/report", { scenario: state.scenario, format });
    const blob = await r.blob();
    const cd = r.headers.get("content-disposition") || "";
    const m = /filename="([^"]+)"/.exec(cd);
    const a = el("a", { href: URL.createObjectURL(blob), download: m ? m[1] : `report.${format}` });
    document.body.append(a);
    a.click();
    a.remove();
    status("report downloaded");
  } catch (err) {
    showError(err);
    status("");
  }
}

// -- wiring ------------------------------------------------------------------------------

async function upload(event) {
  event.preventDefault();
  const file = $("upload-file").files[0];
  if (!file) { showError("choose a file to upload first"); return; }
  const form = new FormData();
  form.append("file", file);
  const issue = $("upload-issue").value.trim();
  if (issue) form.append("issue", issue);
  try {
    const res = await (await call("/api/upload", { method: "POST", body: form })).json();
    await loadList(res.name);
    await openScenario(res.name, res.scenario);
  } catch (err) {
    showError(err);
  }
}

async function start() {
  $("scenario-select").addEventListener("change", (e) => openScenario(e.target.value).catch(showError));
  $("upload-form").addEventListener("submit", upload);
  $("reset").addEventListener("click", () => openScenario(state.name, state.original).catch(showError));
  $("whatif-run").addEventListener("click", runWhatIf);
  $("whatif-apply").addEventListener("click", () => {
    if (!state.patched) return;
    state.scenario = clone(state.patched);
    renderEditor();
    runForecast(false);
  });
  $("report-html").addEventListener("click", () => downloadReport("html"));
  $("report-pdf").addEventListener("click", () => downloadReport("pdf"));
  try {
    const name = await loadList();
    if (name) await openScenario(name);
    else showError("no scenario available: upload one");
  } catch (err) {
    showError(err);
  }
}

document.addEventListener("DOMContentLoaded", start);
