"""The self-contained HTML report: one file, inline CSS, figures as inline SVG.

Nothing in the page refers to the network or the local disk, and nothing depends on the
clock, the machine or the order of a dictionary: the same inputs give the same bytes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

import detente
from detente.report import figures as F
from detente.report.data import ReportData
from detente.report.sweep import histogram_panels, tornado_groups
from detente.scenario.describe import evidence_text, value_text
from detente.scenario.model import Issue, Scenario

CSS = """
:root { --ink: #1b1b1b; --muted: #5a5a5a; --line: #d9d9d9; --band: #f4f6f8;
        --accent: #0072B2; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); margin: 0; background: #fff; }
main { max-width: 68rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
header.top { border-bottom: 3px solid var(--accent); margin-bottom: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.5rem 0 .5rem; padding-top: .5rem;
     border-top: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .4rem; }
p.lead { color: var(--muted); margin: .25rem 0 1rem; }
nav ol { columns: 2; margin: .5rem 0 1rem; padding-left: 1.4rem; }
a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .88rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left;
         vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.issue { min-width: 12rem; }
div.scale { color: var(--muted); font-size: .8rem; line-height: 1.3; }
td.ev { color: var(--muted); font-size: .82rem; }
figure { margin: .75rem 0 1.5rem; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .85rem; margin-top: .25rem; }
dl.inputs { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem;
            font-size: .85rem; color: var(--muted); }
dl.inputs dt { font-weight: 600; }
dl.inputs dd { margin: 0; }
.note { background: var(--band); border-left: 4px solid var(--accent); padding: .5rem .8rem;
        font-size: .88rem; }
.scroll { overflow-x: auto; }
@media print { h2 { break-before: page; } figure { break-inside: avoid; } }
"""

MANIFEST_KEYS = ("scenario", "runs", "seed", "distribution", "models")

SECTIONS = {
    "forecasts": "Forecasts by model",
    "scenario": "The scenario",
    "positions": "Positions and salience by issue",
    "trajectories": "Round by round",
    "alliances": "Alliance map",
    "sweep": "Monte Carlo sweep",
    "validation": "Validation",
    "notes": "How to read this report",
}


def esc(value: Any) -> str:
    """HTML-escaped text of ``value`` (empty for None)."""
    return "" if value is None else html.escape(str(value), quote=True)


def fmt(v: Any, digits: int = 1) -> str:
    """A number for a table cell: fixed digits, a dash for missing values."""
    if v is None:
        return "—"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return esc(v)
    if math.isnan(f):
        return "—"
    return f"{f:.{digits}f}"


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    numeric: Sequence[int] = (),
    classes: dict[int, str] | None = None,
) -> str:
    """An HTML table; cells are escaped unless they are already :class:`Raw`."""
    numeric = set(numeric)
    classes = classes or {}
    out = ['<div class="scroll"><table><thead><tr>']
    for i, h in enumerate(header):
        cls = ' class="num"' if i in numeric else ""
        # long snake_case names may break after an underscore
        out.append(f"<th{cls}>{esc(h).replace('_', '_<wbr>')}</th>")
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for i, cell in enumerate(row):
            cls = "num" if i in numeric else classes.get(i, "")
            attr = f' class="{cls}"' if cls else ""
            text = cell.html if isinstance(cell, Raw) else esc(cell)
            out.append(f"<td{attr}>{text}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


class Raw:
    """Markup that :func:`table` inserts as it is."""

    def __init__(self, markup: str) -> None:
        self.html = markup


def frame_table(df: pd.DataFrame, digits: int = 3) -> str:
    """A DataFrame as an HTML table, numbers right-aligned with fixed digits."""
    numeric = [
        i
        for i, c in enumerate(df.columns)
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
    ]
    integer = {i for i in numeric if pd.api.types.is_integer_dtype(df[df.columns[i]])}
    rows = []
    for rec in df.itertuples(index=False):
        row = []
        for i, v in enumerate(rec):
            if i in integer:
                row.append(str(v))  # counts stay whole numbers
            elif i in numeric:
                row.append(fmt(v, digits))
            else:
                row.append("" if v is None or (isinstance(v, float) and math.isnan(v)) else v)
        rows.append(row)
    return table([str(c) for c in df.columns], rows, numeric)


def figure(fig, caption: str) -> str:
    """A matplotlib figure as an inline SVG with a caption."""
    return f"<figure>{F.to_svg(fig)}<figcaption>{esc(caption)}</figcaption></figure>"


# -- sections ---------------------------------------------------------------------------


def _forecasts(data: ReportData) -> str:
    s = data.scenario
    ft = data.forecast_table()
    head = ["issue (scale)"] + list(data.models)
    rows = []
    for k, iss in enumerate(s.issues):
        cell = Raw(f'{esc(iss.label)}<div class="scale">{esc(iss.scale.describe())}</div>')
        rows.append([cell] + [fmt(ft[m][k]) for m in data.models])
    num = list(range(1, 1 + len(data.models)))
    parts = [
        "<p>Each model's forecast of where each issue settles, on the issue's own scale.</p>",
        table(head, rows, num, classes={0: "issue"}),
        figure(
            F.forecasts_figure(s, ft, data.titles),
            "Forecasts by model on each issue's scale; grey ticks are the actors' "
            "positions, the dashed line the status quo.",
        ),
        "".join(
            f'<p class="note">{esc(m)} is left out: {esc(why)}</p>'
            for m, why in sorted(data.skipped.items())
        ),
        "<h3>The models</h3>",
        table(
            ["model", "name", "kind", "what it does"],
            [
                [
                    m,
                    data.titles[m],
                    "dynamic" if data.results[m].rounds is not None else "static",
                    data.descriptions[m],
                ]
                for m in data.models
            ],
        ),
    ]
    return "".join(parts)


def _scenario(data: ReportData) -> str:
    s = data.scenario
    parts = []
    if s.description:
        parts.append(f"<p>{esc(s.description)}</p>")
    if s.sources:
        parts.append("<h3>Sources</h3>")
        parts.append(
            table(
                ["id", "publication", "date", "title", "file"],
                [[x.id, x.publication, x.date, x.title, x.file] for x in s.sources],
            )
        )
    parts.append("<h3>Actors</h3>")
    parts.append(
        table(
            ["actor", "name", "kind", "capability", "evidence"],
            [
                [
                    a.id,
                    a.name,
                    a.kind.value,
                    value_text(a.capability),
                    evidence_text(s, a.capability),
                ]
                for a in s.actors
            ],
            numeric=[3],
            classes={4: "ev"},
        )
    )
    parts.append("<h3>Issues</h3>")
    rows = []
    for iss in s.issues:
        anchors = "; ".join(f"{k:g} = {v}" for k, v in sorted(iss.scale.anchors.items()))
        rows.append(
            [
                iss.id,
                iss.label,
                f"{iss.scale.low:g}: {iss.scale.low_label or 'low'}",
                f"{iss.scale.high:g}: {iss.scale.high_label or 'high'}",
                anchors,
                value_text(iss.status_quo),
                iss.description,
            ]
        )
    parts.append(
        table(
            ["issue", "name", "low end", "high end", "anchors", "status quo", "description"], rows
        )
    )
    return "".join(parts)


def _issue_block(s: Scenario, iss: Issue) -> str:
    rows = []
    for a in s.actors:
        st = s.stance(a.id, iss.id)
        if st is None:
            continue
        ev = evidence_text(s, st.position)
        sal_ev = evidence_text(s, st.salience)
        if sal_ev:
            ev = (ev + " | " if ev else "") + "salience: " + sal_ev
        rows.append([a.label, value_text(st.position), value_text(st.salience), ev])
    return "".join(
        [
            f'<h3 id="issue-{esc(iss.id)}">{esc(iss.label)}</h3>',
            f'<p class="lead">Scale: {esc(iss.scale.describe())}</p>',
            figure(
                F.positions_figure(s, iss),
                f"Positions on {iss.label}: marker area and the number above it show salience "
                "(0–100), the pale bar the range; the dashed line is the status quo.",
            ),
            table(
                ["actor", "position", "salience", "evidence"],
                rows,
                numeric=[1, 2],
                classes={3: "ev"},
            ),
        ]
    )


def _trajectories(data: ReportData) -> str:
    parts = [
        (
            "<p>Dynamic models play rounds of offers; each line is an actor's position after "
            "each round (round 0 is the input), the dashed line the model's forecast.</p>"
        )
    ]
    for m in data.dynamic:
        res = data.results[m]
        parts.append(f"<h3>{esc(data.titles[m])} ({esc(m)}): {res.n_rounds} rounds</h3>")
        parts.append(
            figure(
                F.trajectories_figure(
                    data.scenario, np.asarray(res.rounds, dtype=float), res.forecast, data.titles[m]
                ),
                f"Positions round by round under {data.titles[m]}.",
            )
        )
    return "".join(parts)


def _alliances(data: ReportData) -> str:
    al = data.alliances
    assert al is not None
    labels = al.labels
    rows = []
    for i, lab in enumerate(labels):
        rows.append([lab] + [fmt(al.matrix[i, j], 2) for j in range(len(labels))])
    parts = [
        (
            f"<p>Pairwise alignment of the actors, from −1 (always on opposite sides) to +1 "
            f"(always together). Method: {esc(al.method)}.</p>"
        ),
        figure(
            F.alliance_figure(labels, al.capability, al.matrix),
            "Alliance map: actors on a circle; solid blue edges join aligned actors, dashed "
            "vermillion edges opposed ones; wider means stronger.",
        ),
        table(["actor"] + labels, rows, numeric=list(range(1, len(labels) + 1))),
    ]
    for name, df in sorted(al.extra.items()):
        parts.append(f"<h3>{esc(name)}</h3>" + frame_table(df))
    return "".join(parts)


def _sweep(data: ReportData) -> str:
    sw = data.sweep
    assert sw is not None
    s = data.scenario
    parts = [f"<p>Results read from the sweep folder <code>{esc(sw.name)}</code>.</p>"]
    man = sw.manifest or {}
    if man:
        rows = [
            [k, ", ".join(map(str, v)) if isinstance(v, list) else v]
            for k, v in man.items()
            if k in MANIFEST_KEYS
        ]
        if "inputs" in man:
            rows.append(["uncertain inputs", len(man["inputs"])])
        parts.append(table(["setting", "value"], rows))
        if man.get("scenario") not in (None, s.id):
            parts.append(
                f'<p class="note">The sweep was run on scenario '
                f"{esc(man['scenario'])}, not {esc(s.id)}.</p>"
            )
    panels = histogram_panels(sw, s.issues)
    if panels:
        parts.append(
            figure(
                F.histograms_figure(panels, "Forecasts over the sweep's runs"),
                "Share of the runs whose forecast falls in each bin of the issue's "
                "scale, one line per model.",
            )
        )
    if sw.summary is not None:
        parts.append("<h3>Summary</h3>" + frame_table(sw.summary, 2))
    elif sw.draws is not None:
        q = (
            sw.draws.groupby(["model", "issue"], sort=True)["forecast"]
            .describe(percentiles=[0.05, 0.5, 0.95])
            .reset_index()
        )
        q["count"] = q["count"].astype(int)
        parts.append(
            "<h3>Summary</h3>"
            + frame_table(q[["model", "issue", "count", "mean", "std", "5%", "50%", "95%"]], 2)
        )
    if sw.tornado is not None:
        parts.append(_tornados(data))
    for name, df in sorted(sw.tables.items()):
        parts.append(f"<h3>{esc(name)}</h3>" + frame_table(df))
    for note in sw.notes:
        parts.append(f'<p class="note">{esc(note)}</p>')
    return "".join(parts)


def _tornados(data: ReportData) -> str:
    labels = {i.id: i.label for i in data.scenario.issues}
    parts = [
        "<h3>Sensitivity</h3>",
        (
            "<p>Each input moved alone to the low and to the high "
            "end of its range, all others at their values.</p>"
        ),
    ]
    for label, rows, base in tornado_groups(data.sweep, data.models, labels=labels):
        parts.append(
            figure(
                F.tornado_figure(rows, base, f"Sensitivity: {label}", "forecast"),
                f"Tornado for {label}: the forecast with each input at the low "
                "(solid) and high (hatched) end of its range; the line is the "
                "forecast at the inputs' values.",
            )
        )
        parts.append(
            table(
                ["input", "forecast at low end", "forecast at high end", "swing"],
                [[name, fmt(lo, 2), fmt(hi, 2), fmt(abs(hi - lo), 2)] for name, lo, hi in rows],
                numeric=[1, 2, 3],
            )
        )
    return "".join(parts)


def _validation(data: ReportData) -> str:
    parts = []
    for v in data.validation:
        parts.append(f"<h3>{esc(v.name)}</h3>")
        parts.extend(_validation_parts(v, figure, frame_table))
        if v.truncated:
            parts.append(f'<p class="note">{v.truncated} more rows not shown.</p>')
    return "".join(parts)


def _validation_parts(v, show_figure, show_table) -> list:
    """The figures and tables of one validation file, laid out by the callables given."""
    out = []
    if v.kind == "predictions":
        out.append(show_table(v.summary, 2))
        out.append(
            show_figure(
                F.errors_figure(v.errors, "Absolute error by model"),
                "Absolute errors of each model's forecasts against the "
                "outcomes: box = quartiles, bar = median, diamond = mean.",
            )
        )
        out.append(show_table(v.table, 2))
    elif v.kind == "summary":
        df = v.table
        if {"diff", "diff_low", "diff_high"} <= set(df.columns):
            ok = df[np.isfinite(pd.to_numeric(df["diff"], errors="coerce"))]
            if len(ok):
                out.append(
                    show_figure(
                        F.intervals_figure(
                            list(ok["model"].astype(str)),
                            ok["diff"].astype(float),
                            ok["diff_low"].astype(float),
                            ok["diff_high"].astype(float),
                            "Mean absolute error minus the reference model's",
                            "difference in mean absolute error (scale points; below 0: better)",
                        ),
                        "Each model's mean absolute error minus the reference's, with its paired "
                        "bootstrap interval.",
                    )
                )
        out.append(show_table(df, 2))
    else:
        out.append(show_table(v.table, 3))
    return out


def _notes(data: ReportData) -> str:
    return (
        "<p>Numbers are on each issue's own scale; what its ends mean is written beside every "
        "table and under every axis. Salience is on 0–100 (how much an actor cares), "
        "capability in any unit (only ratios matter). Ranges in brackets are the analyst's "
        "uncertainty. Colours are Okabe and Ito's colour-blind-safe palette; series also "
        "differ by marker or line style.</p>"
    )


def render_html(data: ReportData) -> str:
    """The report as one HTML document (a string)."""
    s = data.scenario
    title = s.title or s.id
    body: list[tuple[str, str]] = [
        ("forecasts", _forecasts(data)),
        ("scenario", _scenario(data)),
        ("positions", "".join(_issue_block(s, i) for i in s.issues)),
    ]
    if data.dynamic:
        body.append(("trajectories", _trajectories(data)))
    if data.alliances is not None:
        body.append(("alliances", _alliances(data)))
    if data.sweep is not None:
        body.append(("sweep", _sweep(data)))
    if data.validation:
        body.append(("validation", _validation(data)))
    body.append(("notes", _notes(data)))
    nav = "".join(f'<li><a href="#{k}">{esc(SECTIONS[k])}</a></li>' for k, _ in body)
    inputs = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in data.inputs.items())
    sections = "".join(
        f'<section id="{k}"><h2>{esc(SECTIONS[k])}</h2>{html_}</section>' for k, html_ in body
    )
    sub = ", ".join(x for x in (s.id, str(s.date or "")) if x)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="detente {esc(detente.__version__)}">'
        f"<title>{esc(title)}: detente report</title><style>{CSS}</style></head><body><main>"
        f'<header class="top"><h1>{esc(title)}</h1><p class="lead">{esc(sub)}: '
        f"{len(s.actors)} actors, {len(s.issues)} issues, {len(data.models)} models</p>"
        f'<dl class="inputs">{inputs}<dt>generated by</dt><dd>detente '
        f"{esc(detente.__version__)}</dd></dl></header>"
        f'<nav aria-label="Contents"><ol>{nav}</ol></nav>{sections}</main></body></html>\n'
    )
