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
// A model's title without its parenthesis: "Nash bargaining solution".
const shortTitle = (title) => title.split(" (")[0];
const scaleText = (iss) => `${iss.low} = ${iss.low_label || "low"}; ${iss.high} = ${iss.high_label || "high"}`;
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

// Errors are shown next to the control that caused them: where is one of scenario,
// upload, report, forecast (the inputs) and whatif.
function showError(where, err) {
  const box = $(`${where}-error`);
  if (err) {
    box.textContent = String(err.message || err);
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  } else {
    box.textContent = "";
    box.hidden = true;
  }
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
  showError("scenario", null);
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
    const res = await (await postJSON("/api/forecast", { scenario: state.scenario, history: true, alliances: true, headline: true })).json();
    if (my !== state.seq) return;  // a newer request is on its way
    if (isBaseline) state.baseline = res;
    state.result = res;
    renderForecasts();
    showError("forecast", null);
    status(`${res.models.length} models, ${res.issues.length} issues`);
  } catch (err) {
    if (my !== state.seq) return;
    showError("forecast", err);
    status("not updated");
  }
}

function renderForecasts() {
  const res = state.result;
  const base = state.baseline;
  renderHeadline();
  const head = el("tr", {}, el("th", { text: "issue (what the ends of its scale mean)" }));
  for (const m of res.models) {
    head.append(el("th", { class: "num", title: `${m.title} (${m.name})`, text: shortTitle(m.title) }));
  }
  const body = el("tbody");
  for (const iss of res.issues) {
    const tr = el("tr", {}, el("td", {}, iss.name,
      el("div", { class: "scale", text: scaleText(iss) })));
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
  $("forecast-table").replaceChildren(
    el("h3", { text: "Forecasts by model" }),
    el("p", { class: "caption", text: "Each model's forecast of where each issue settles, on " +
      "the issue's own scale; in brackets the change from the scenario as loaded." }),
    el("div", { class: "scroll" },
      el("table", { id: "forecasts-grid" }, el("thead", {}, head), body)), ...notes);
  renderCharts();
  renderHistory();
  renderAlliance();
}

// The headline: one forecast per issue, its interval and what it means, before the detail.
function renderHeadline() {
  const res = state.result;
  const hl = res.headline;
  if (!hl || !hl.rows.length) { $("headline").replaceChildren(); return; }
  const withP = hl.rows.some((r) => r.p_status_quo !== null && r.p_status_quo !== undefined);
  const head = el("tr", {}, el("th", { text: "issue" }),
    el("th", { text: "where it is likely to settle" }), el("th", { class: "num", text: "forecast" }),
    el("th", { class: "num", text: hl.interval_label }));
  if (withP) head.append(el("th", { class: "num", text: "chance the status quo holds" }));
  head.append(el("th", { class: "num", text: "status quo" }), el("th", { text: "on the scale" }));
  const issues = Object.fromEntries(res.issues.map((i) => [i.id, i]));
  const body = el("tbody");
  for (const r of hl.rows) {
    const iss = issues[r.issue];
    const name = el("td", { text: iss.name });
    if (r.flags) name.append(el("div", { class: "scale", text: `[!] ${r.flags}` }));
    const words = el("td", { class: "words" }, r.words, el("div", { class: "scale", text: r.change }));
    if (r.rule) words.append(el("div", { class: "scale", text: `decided by ${r.rule}` }));
    if (r.if_agreement) {
      words.append(el("div", { class: "scale", text: `if they agree: ${r.if_agreement}` }));
    }
    const tr = el("tr", { "data-issue": r.issue }, name, words,
      el("td", { class: "num", text: r.forecast_text }),
      el("td", { class: "num", text: r.interval_text }));
    if (withP) {
      tr.append(el("td", { class: "num", text: r.p_status_quo === null ? "—" :
        `${Math.round(100 * r.p_status_quo)}%` }));
    }
    tr.append(el("td", { class: "num", text: iss.status_quo === null ? "—" : fmt(iss.status_quo, 0) }));
    const bar = el("td");
    bar.insertAdjacentHTML("beforeend", r.interval_svg);  // the report's drawing (escaped there)
    tr.append(bar);
    body.append(tr);
  }
  const se = hl.max_se === null ? "" : `; Monte Carlo error at most ${hl.max_se.toFixed(1)} points`;
  $("headline").replaceChildren(
    el("p", { class: "caption", text: `The forecast per issue: the median of ${hl.draws} Monte Carlo ` +
      `draws of the inputs' ranges through the models' ensemble, with its ${hl.interval_label} and ` +
      `the chance that the status quo holds${se}. On the scale: the blue bar is the interval, the ` +
      `dot the forecast, the red tick the status quo; [!] marks an issue where a dynamic model ` +
      `does not settle.` }),
    el("div", { class: "scroll" }, el("table", { id: "headline-table" }, el("thead", {}, head), body)));
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

// Text width in the user units of an SVG that is already in the document.
function textWidth(g, text, cls) {
  const t = svg("text", { x: 0, y: -100, class: cls || "" }, text);
  g.append(t);
  const w = t.getComputedTextLength();
  t.remove();
  return w;
}

// Greedy lanes: labels sorted by position go into the first lane where they fit.
function lanes(items, gap) {
  const ends = [];
  for (const it of [...items].sort((a, b) => a.x0 - b.x0)) {
    let k = ends.findIndex((e) => e + gap <= it.x0);
    if (k < 0) { k = ends.length; ends.push(-Infinity); }
    ends[k] = it.x1;
    it.lane = k;
  }
  return ends.length;
}

function renderCharts() {
  const res = state.result;
  const s = state.scenario;
  const box = $("charts");
  box.replaceChildren(el("h3", { text: "Forecasts on each issue's scale" }),
    el("p", { class: "caption", text: "One chart per issue. Grey circles are the actors, " +
      "named above them (a larger circle: the actor cares more); each model's forecast has " +
      "its own colour and marker, on the model's row; the dashed line is the status quo." }));
  const names = Object.fromEntries(s.actors.map((a) => [a.id, a.name || a.id]));
  const W = 720, right = 44, laneH = 14;
  for (const iss of res.issues) {
    const holder = el("div", { class: "chart" });
    box.append(holder);
    const g = svg("svg", { viewBox: `0 0 ${W} 100`, role: "img", class: "forecast-chart",
                           "data-issue": iss.id, "aria-label": `Forecasts on ${iss.name}` });
    holder.append(g);
    const left = 12 + Math.max(...res.models.map((m) => textWidth(g, shortTitle(m.title))),
                               textWidth(g, "actors", "muted"));
    const pad = 10;  // room for a circle at either end of the scale
    const x = (v) => left + pad + (W - left - right - 2 * pad) * (v - iss.low) / (iss.high - iss.low);
    // actor labels in lanes above their circles, never on top of each other
    const stances = s.stances.filter((t) => t.issue === iss.id);
    const labels = stances.map((st) => {
      const text = names[st.actor] || st.actor;
      const w = textWidth(g, text, "small");
      const cx = x(val(st.position));
      const x0 = Math.min(Math.max(cx - w / 2, 2), W - 2 - w);
      return { st, text, cx, x0, x1: x0 + w };
    });
    const nl = lanes(labels, 8);
    const top = 24, actorY = top + nl * laneH + 12, rowsY = actorY + 22;
    const axisY = rowsY + 18 * res.models.length;
    g.append(svg("text", { x: 4, y: 14, "font-weight": "bold" }, iss.name));
    g.append(svg("text", { x: left - 8, y: actorY + 4, "text-anchor": "end", class: "muted" }, "actors"));
    // leader lines first, then the names on top of them (with a white halo)
    for (const lb of labels) lb.y = actorY - 14 - lb.lane * laneH;  // lane 0 nearest the circles
    for (const lb of labels) {
      g.append(svg("line", { x1: lb.cx, x2: lb.cx, y1: lb.y + 3, y2: actorY, stroke: "#bbb",
                             "stroke-width": 0.7 }));
    }
    for (const lb of labels) {
      g.append(svg("text", { x: lb.x0, y: lb.y, class: "small actor-label", "data-actor": lb.st.actor },
                   lb.text));
    }
    for (const lb of labels) {
      const c = svg("circle", { cx: lb.cx, cy: actorY, r: 2 + 7 * Math.sqrt(val(lb.st.salience) / 100),
                                fill: "#999", "fill-opacity": 0.45, stroke: "#555", class: "actor-marker",
                                "data-actor": lb.st.actor });
      c.append(svg("title", {}, `${lb.text}: position ${val(lb.st.position)}, salience ${val(lb.st.salience)}`));
      g.append(c);
    }
    if (iss.status_quo !== null && iss.status_quo !== undefined) {
      g.append(svg("line", { x1: x(iss.status_quo), x2: x(iss.status_quo), y1: actorY - 10,
                             y2: axisY, stroke: "#000", "stroke-dasharray": "4 3" }));
    }
    res.models.forEach((m, k) => {
      const y = rowsY + 18 * k;
      const v = res.table[m.name][iss.id];
      g.append(svg("text", { x: left - 8, y: y + 4, "text-anchor": "end" }, shortTitle(m.title)));
      g.append(svg("line", { x1: left, x2: W - right, y1: y, y2: y, stroke: "#eee" }));
      if (v === null) return;
      const st = seriesStyle(k);
      const mk = marker(st.shape, x(v), y, 5, st.colour);
      mk.append(svg("title", {}, `${m.title}: ${fmt(v)}`));
      g.append(mk);
      g.append(svg("text", { x: x(v) + 9, y: y + 4, class: "muted small value-label" }, fmt(v)));
    });
    // the axis: numbers on the ticks, what the ends mean on a line (or two) below
    g.append(svg("line", { x1: x(iss.low), x2: x(iss.high), y1: axisY, y2: axisY, stroke: "#333" }));
    for (let k = 0; k <= 4; k++) {
      const v = iss.low + (iss.high - iss.low) * k / 4;
      g.append(svg("line", { x1: x(v), x2: x(v), y1: axisY, y2: axisY + 4, stroke: "#333" }));
      g.append(svg("text", { x: x(v), y: axisY + 15, "text-anchor": "middle", class: "muted small" },
                   fmt(v, 0)));
    }
    const lowText = `← ${iss.low} = ${iss.low_label || "low"}`;
    const highText = `${iss.high} = ${iss.high_label || "high"} →`;
    const both = textWidth(g, lowText, "small") + textWidth(g, highText, "small") + 16;
    const oneLine = both <= W - left - right + 30;
    const endY = axisY + 30;
    g.append(svg("text", { x: left, y: endY, class: "muted small scale-end" }, lowText));
    g.append(svg("text", { x: W - right + 30, y: oneLine ? endY : endY + 13, "text-anchor": "end",
                           class: "muted small scale-end" }, highText));
    if (iss.status_quo !== null && iss.status_quo !== undefined) {
      const sq = `status quo ${fmt(iss.status_quo, 0)}`;
      const sw = textWidth(g, sq, "small");
      const sx = Math.min(Math.max(x(iss.status_quo) - sw / 2, left), W - 2 - sw);
      g.append(svg("text", { x: sx, y: (oneLine ? endY : endY + 13) + 14, class: "small" }, sq));
    }
    const H = (oneLine ? endY : endY + 13) + 20;
    g.setAttribute("viewBox", `0 0 ${W} ${H}`);
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
  const titles = Object.fromEntries(state.result.models.map((m) => [m.name, m.title]));
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
    el("label", {}, "model ", pick("history-model", models.map((m) => [m, titles[m] || m]),
      state.histModel, (e) => { state.histModel = e.target.value; renderHistory(); })), " ",
    el("label", {}, "issue ", pick("history-issue", issues.map((i) => [i.id, i.name]),
      state.histIssue, (e) => { state.histIssue = e.target.value; renderHistory(); })));
  const run = hist[state.histModel];
  const iss = issues.find((i) => i.id === state.histIssue);
  const data = run.issues[iss.id];
  const holder = el("div", { class: "chart" });
  box.replaceChildren(el("h3", { text: "Round by round" }), controls, holder,
    el("p", { class: "caption", text: "Each line is one actor's position after each round of " +
      `offers under ${titles[state.histModel] || state.histModel} (round 0: the inputs), named ` +
      "at its end; the dashed line is the model's forecast." }));
  const g = svg("svg", { id: "history-chart", role: "img",
                         "aria-label": `${state.histModel}: positions on ${iss.name} by round` });
  holder.append(g);
  // the right margin holds the longest name in full
  const widest = Math.max(0, ...data.actors.map((a) => textWidth(g, a.label)));
  const plotW = 460, left = 44, top = 12, bottom = 34, H = 300;
  const right = widest + 14, W = left + plotW + right;
  g.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const T = Math.max(run.rounds, 1);
  const x = (t) => left + plotW * t / T;
  const y = (v) => top + (H - top - bottom) * (iss.high - v) / (iss.high - iss.low);
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
  // names at the right end, nudged apart so that none overlaps another or leaves the chart
  ends.sort((p, q) => q.v - p.v);
  const lo = top + 8, hi = H - bottom + 2;
  const gap = ends.length > 1 ? Math.min(12, (hi - lo) / (ends.length - 1)) : 12;
  let prev = -Infinity;
  for (const e of ends) { e.y = Math.max(y(e.v) + 4, prev + gap, lo); prev = e.y; }
  let next = Infinity;
  for (let k = ends.length - 1; k >= 0; k--) {
    ends[k].y = Math.min(ends[k].y, next - gap, hi);
    next = ends[k].y;
  }
  for (const e of ends) {
    g.append(svg("text", { x: x(T) + 6, y: e.y, fill: e.colour, class: "line-label" }, e.label));
  }
  if (data.forecast !== null) {
    g.append(svg("line", { x1: left, x2: x(T), y1: y(data.forecast), y2: y(data.forecast),
                           stroke: "#000", "stroke-dasharray": "5 3", id: "history-forecast" }));
    g.append(svg("text", { x: left + 4, y: y(data.forecast) - 4 }, `forecast ${fmt(data.forecast)}`));
  }
  g.append(svg("text", { x: left + 4, y: top + 2, class: "muted small" },
               `${iss.high} = ${iss.high_label || "high"}`));
  g.append(svg("text", { x: left + 4, y: y(iss.low) - 4, class: "muted small" },
               `${iss.low} = ${iss.low_label || "low"}`));
}

// Alignment: the same scale, colours and words as the report's heat map.
const ALIGN = { neg: [0xD5, 0x5E, 0x00], mid: [0xBB, 0xBB, 0xBB], pos: [0x00, 0x72, 0xB2] };
function shade(v) {
  if (v === null) return "#fff";
  const f = Math.min(1, Math.abs(v));
  const end = v >= 0 ? ALIGN.pos : ALIGN.neg;
  const c = ALIGN.mid.map((m, k) => Math.round(m + (end[k] - m) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function renderAlliance() {
  const box = $("alliance");
  const al = state.result.alliances;
  if (!al) { box.replaceChildren(); return; }
  const n = al.actors.length;
  const order = al.order && al.order.length === n ? al.order : [...Array(n).keys()];
  const holder = el("div", { class: "chart" });
  box.replaceChildren(el("h3", { text: "Alignment of actors" }),
    el("p", { class: "caption", text: `${al.explained} Blue cells agree, vermillion cells ` +
      "disagree, grey cells are about half a scale apart (the bar on the right is the key). " +
      "Close allies are placed next to each other; column numbers match the numbered rows; " +
      "hover a cell for the pair." }), holder);
  const g = svg("svg", { id: "alliance-chart", role: "img",
                         "aria-label": "Alignment of every pair of actors" });
  holder.append(g);
  const rowText = order.map((i, k) => `${k + 1}. ${al.labels[i]}`);
  const cell = n <= 16 ? 34 : 20, top = 24;
  const left = 10 + Math.max(...rowText.map((t) => textWidth(g, t)));
  const keyX = left + n * cell + 24, keyW = 14;
  const keyLabels = [[1, "1 same positions"], [0, "0 half a scale apart"], [-1, "−1 opposite ends"]];
  const W = keyX + keyW + 8 + Math.max(...keyLabels.map(([, t]) => textWidth(g, t, "small"))) + 4;
  const H = top + n * cell + 14;
  g.setAttribute("viewBox", `0 0 ${W} ${H}`);
  rowText.forEach((t, k) => {
    g.append(svg("text", { x: left - 6, y: top + k * cell + cell / 2 + 4, "text-anchor": "end" }, t));
    g.append(svg("text", { x: left + k * cell + cell / 2, y: top - 6, "text-anchor": "middle",
                           class: "muted" }, k + 1));
  });
  order.forEach((i, r) => order.forEach((j, c) => {
    const v = al.matrix[i][j];
    const rect = svg("rect", { x: left + c * cell, y: top + r * cell, width: cell - 1, height: cell - 1,
                               fill: shade(v), class: "alliance-cell" });
    rect.append(svg("title", {}, `${al.labels[i]} – ${al.labels[j]}: ${fmt(v, 2)}`));
    g.append(rect);
    if (n <= 16) {
      g.append(svg("text", { x: left + c * cell + cell / 2 - 0.5, y: top + r * cell + cell / 2 + 3.5,
                             "text-anchor": "middle", class: "small", "pointer-events": "none",
                             fill: v !== null && Math.abs(v) > 0.55 ? "#fff" : "#1b1b1b" },
                   v === null ? "–" : fmt(v, 2).replace("-", "−")));
    }
  }));
  // the key: a vertical colour bar from -1 (bottom) to 1 (top)
  const grad = svg("linearGradient", { id: "alignment-key", x1: 0, y1: 1, x2: 0, y2: 0 });
  for (const [off, v] of [[0, -1], [0.5, 0], [1, 1]]) {
    grad.append(svg("stop", { offset: off, "stop-color": shade(v) }));
  }
  const defs = svg("defs");
  defs.append(grad);
  g.append(defs);
  const k0 = top, k1 = top + n * cell - 1;
  g.append(svg("rect", { x: keyX, y: k0, width: keyW, height: k1 - k0, fill: "url(#alignment-key)",
                         stroke: "#999", "stroke-width": 0.5, class: "alignment-key" }));
  for (const [v, t] of keyLabels) {
    const yy = k0 + (k1 - k0) * (1 - v) / 2;
    g.append(svg("line", { x1: keyX + keyW, x2: keyX + keyW + 4, y1: yy, y2: yy, stroke: "#333" }));
    g.append(svg("text", { x: keyX + keyW + 7, y: yy + 4, class: "small key-label" }, t));
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

// The headline now and if the what-if held: per issue the forecast, its interval and the
// chance that the status quo holds, side by side, with the change of the forecast.
function whatIfHeadline(res) {
  const now = res.before.headline, then = res.after.headline;
  if (!now || !then || !then.rows.length) return [];
  const before = Object.fromEntries(now.rows.map((r) => [r.issue, r]));
  const names = Object.fromEntries(res.after.issues.map((i) => [i.id, i.name]));
  const withP = then.rows.some((r) => r.p_status_quo !== null && r.p_status_quo !== undefined);
  const pct = (p) => (p === null || p === undefined ? "—" : `${Math.round(100 * p)}%`);
  const head = el("tr", {}, el("th", { text: "issue" }),
    el("th", { class: "num", text: "forecast now" }), el("th", { class: "num", text: "what if" }),
    el("th", { class: "num", text: `${then.interval_label} now` }),
    el("th", { class: "num", text: "what if" }));
  if (withP) {
    head.append(el("th", { class: "num", text: "status quo holds: now" }),
      el("th", { class: "num", text: "what if" }));
  }
  head.append(el("th", { text: "what if, on the scale" }));
  const body = el("tbody");
  for (const r of then.rows) {
    const b = before[r.issue];
    const after = el("td", { class: "num" }, el("span", { class: "value", text: r.forecast_text }));
    if (b && r.forecast !== null && b.forecast !== null) {
      const d = r.forecast - b.forecast;
      if (Math.abs(d) >= 0.5) {
        after.append(el("span", { class: `delta ${d > 0 ? "up" : "down"}`,
          text: ` (${d > 0 ? "+" : "−"}${Math.abs(d).toFixed(0)})` }));
      }
    }
    const tr = el("tr", { "data-issue": r.issue }, el("td", { text: names[r.issue] || r.issue }),
      el("td", { class: "num", text: b ? b.forecast_text : "—" }), after,
      el("td", { class: "num", text: b ? b.interval_text : "—" }),
      el("td", { class: "num", text: r.interval_text }));
    if (withP) tr.append(el("td", { class: "num", text: b ? pct(b.p_status_quo) : "—" }),
      el("td", { class: "num", text: pct(r.p_status_quo) }));
    const bar = el("td");
    bar.insertAdjacentHTML("beforeend", r.interval_svg);  // the report's drawing (escaped there)
    tr.append(bar);
    body.append(tr);
  }
  return [el("div", { class: "scroll" },
    el("table", { id: "whatif-headline-table" }, el("thead", {}, head), body))];
}

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
      { scenario: state.scenario, patch: $("whatif-text").value, headline: true })).json();
    state.patched = res.patched;
    $("whatif-apply").disabled = false;
    const headline = whatIfHeadline(res);
    // issues down, models across: "now → what if (change)"
    const models = res.after.models.map((m) => m.name);
    const cells = {};
    for (const r of res.differences) cells[`${r.model}|${r.issue}`] = r;
    const head = el("tr", {}, el("th", { text: "issue" }));
    for (const m of res.after.models) {
      head.append(el("th", { class: "num", title: `${m.title} (${m.name})`, text: shortTitle(m.title) }));
    }
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
      el("p", { class: "hint", text: "What if " + res.changes.join("; ") + ":" }),
      ...headline,
      el("p", { class: "hint", text: "Each model's forecast if so (in brackets: the change from now)" }),
      el("div", { class: "scroll" },
        el("table", { id: "whatif-table" }, el("thead", {}, head), body)));
    showError("whatif", null);
  } catch (err) {
    state.patched = null;
    $("whatif-apply").disabled = true;
    $("whatif-result").replaceChildren();
    showError("whatif", err);
  }
}

// -- report ------------------------------------------------------------------------------

async function downloadReport(format) {
  showError("report", null);
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
    showError("report", err);
    status("");
  }
}

// -- wiring ------------------------------------------------------------------------------

async function upload(event) {
  event.preventDefault();
  const file = $("upload-file").files[0];
  showError("upload", null);
  if (!file) { showError("upload", "choose a file to upload first"); return; }
  const form = new FormData();
  form.append("file", file);
  const issue = $("upload-issue").value.trim();
  if (issue) form.append("issue", issue);
  try {
    const res = await (await call("/api/upload", { method: "POST", body: form })).json();
    await loadList(res.name);
    await openScenario(res.name, res.scenario);
  } catch (err) {
    showError("upload", err);
  }
}

async function start() {
  $("scenario-select").addEventListener("change",
    (e) => openScenario(e.target.value).catch((err) => showError("scenario", err)));
  $("upload-form").addEventListener("submit", upload);
  $("reset").addEventListener("click",
    () => openScenario(state.name, state.original).catch((err) => showError("scenario", err)));
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
    else showError("scenario", "no scenario available: upload one");
  } catch (err) {
    showError("scenario", err);
  }
}

document.addEventListener("DOMContentLoaded", start);
