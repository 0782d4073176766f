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
  histModel: null,  // the dynamic model and issue of the round-by-round chart
  histIssue: null,
};

const $ = (id) => document.getElementById(id);
const clone = (x) => JSON.parse(JSON.stringify(x));
const val = (entry) => (entry !== null && typeof entry === "object" ? entry.value : entry);
const short = (text, n) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
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
    const res = await (await postJSON("/api/forecast", { scenario: state.scenario, history: true, alliances: true })).json();
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
  renderHistory();
  renderAlliance();
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

// Round by round: each actor's position on one issue in a dynamic model's run.
function renderHistory() {
  const box = $("history");
  const hist = state.result.history || {};
  const models = Object.keys(hist);
  if (!models.length) { box.replaceChildren(); return; }
  if (!models.includes(state.histModel)) state.histModel = models[0];
  const issues = state.result.issues;
  if (!issues.some((i) => i.id === state.histIssue)) state.histIssue = issues[0].id;
  const pick = (id, options, current, onchange) => {
    const sel = el("select", { id, onchange });
    for (const [v, label] of options) {
      const o = el("option", { value: v, text: label });
      if (v === current) o.selected = true;
      sel.append(o);
    }
    return sel;
  };
  const controls = el("p", { class: "hint" },
    el("label", {}, "model ", pick("history-model", models.map((m) => [m, m]), state.histModel,
      (e) => { state.histModel = e.target.value; renderHistory(); })), " ",
    el("label", {}, "issue ", pick("history-issue", issues.map((i) => [i.id, i.name]),
      state.histIssue, (e) => { state.histIssue = e.target.value; renderHistory(); })));
  const run = hist[state.histModel];
  const iss = issues.find((i) => i.id === state.histIssue);
  const data = run.issues[iss.id];
  const W = 640, H = 300, left = 44, right = 130, top = 12, bottom = 34;
  const T = Math.max(run.rounds, 1);
  const x = (t) => left + (W - left - right) * t / T;
  const y = (v) => top + (H - top - bottom) * (iss.high - v) / (iss.high - iss.low);
  const g = svg("svg", { id: "history-chart", viewBox: `0 0 ${W} ${H}`, role: "img",
                         "aria-label": `${state.histModel}: positions on ${iss.name} by round` });
  g.append(svg("line", { x1: left, x2: left, y1: y(iss.high), y2: y(iss.low), stroke: "#333" }));
  g.append(svg("line", { x1: left, x2: x(T), y1: y(iss.low), y2: y(iss.low), stroke: "#333" }));
  for (const v of [iss.low, (iss.low + iss.high) / 2, iss.high]) {
    g.append(svg("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end", class: "muted" }, fmt(v, 0)));
  }
  const step = Math.max(1, Math.ceil(T / 10));
  for (let t = 0; t <= T; t += step) {
    g.append(svg("text", { x: x(t), y: H - bottom + 14, "text-anchor": "middle", class: "muted" }, t));
  }
  g.append(svg("text", { x: (left + x(T)) / 2, y: H - 4, "text-anchor": "middle", class: "muted" },
               "round"));
  const ends = [];
  data.actors.forEach((a, k) => {
    const pts = a.path.map((v, t) => (v === null ? null : `${x(t)},${y(v)}`)).filter((p) => p);
    const st = seriesStyle(k);
    const line = svg("polyline", { points: pts.join(" "), fill: "none", stroke: st.colour,
                                   "stroke-width": 1.8, class: "actor-path", "data-actor": a.id });
    const last = a.path[a.path.length - 1];
    line.append(svg("title", {}, `${a.label}: ${fmt(a.path[0])} → ${fmt(last)}`));
    g.append(line);
    if (last !== null) ends.push({ v: last, label: a.label, colour: st.colour });
  });
  // labels at the right end, nudged apart so that they do not overlap
  ends.sort((p, q) => q.v - p.v);
  let prev = -Infinity;
  for (const e of ends) {
    const yy = Math.max(y(e.v) + 4, prev + 11);
    prev = yy;
    const t = svg("text", { x: x(T) + 6, y: yy, fill: e.colour }, short(e.label, 20));
    t.append(svg("title", {}, e.label));
    g.append(t);
  }
  if (data.forecast !== null) {
    g.append(svg("line", { x1: left, x2: x(T), y1: y(data.forecast), y2: y(data.forecast),
                           stroke: "#000", "stroke-dasharray": "5 3", id: "history-forecast" }));
    g.append(svg("text", { x: left + 4, y: y(data.forecast) - 4 }, `forecast ${fmt(data.forecast)}`));
  }
  box.replaceChildren(el("h3", { text: "Round by round" }), controls,
                      el("div", { class: "chart" }, g));
}

// The alignment of every pair of actors (-1 opposed .. 1 aligned), as a heat map.
function shade(v) {
  if (v === null) return "#eee";
  const mix = (a, b, f) => Math.round(a + (b - a) * f);
  const [r, gg, b] = v >= 0 ? [0x00, 0x72, 0xB2] : [0xD5, 0x5E, 0x00];
  const f = Math.min(1, Math.abs(v));
  return `rgb(${mix(255, r, f)},${mix(255, gg, f)},${mix(255, b, f)})`;
}

function renderAlliance() {
  const box = $("alliance");
  const al = state.result.alliances;
  if (!al) { box.replaceChildren(); return; }
  const n = al.actors.length, cell = 24, left = 150, top = 110;
  const W = left + n * cell + 100, H = top + n * cell + 10;
  const g = svg("svg", { id: "alliance-chart", viewBox: `0 0 ${W} ${H}`, role: "img",
                         "aria-label": "Pairwise alignment of the actors" });
  al.labels.forEach((lab, i) => {
    g.append(svg("text", { x: left - 6, y: top + i * cell + cell / 2 + 4, "text-anchor": "end" },
                 short(lab, 22)));
    const cx = left + i * cell + cell / 2;
    g.append(svg("text", { x: cx, y: top - 6, transform: `rotate(-55 ${cx} ${top - 6})` },
                 short(lab, 18)));
  });
  al.matrix.forEach((row, i) => row.forEach((v, j) => {
    const r = svg("rect", { x: left + j * cell, y: top + i * cell, width: cell - 1, height: cell - 1,
                            fill: shade(v), class: "alliance-cell" });
    r.append(svg("title", {}, `${al.labels[i]} – ${al.labels[j]}: ${fmt(v, 2)}`));
    g.append(r);
  }));
  box.replaceChildren(el("h3", { text: "Alignment of actors" }),
    el("p", { class: "hint", text: `Blue: aligned, orange: opposed (−1..1). ${al.method}. ` +
      "detente alliances adds the concentration index and the effect of settling an issue." }),
    el("div", { class: "chart" }, g));
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
