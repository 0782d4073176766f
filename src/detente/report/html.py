"""The self-contained HTML report, rendered from the Jinja2 templates in ``templates/``.

Python gathers what each section shows (tables as :class:`Table`, figures as inline SVG);
the templates lay it out. Nothing in the page refers to the network or the local disk, and
nothing depends on the clock, the machine or the order of a dictionary: the same inputs give
the same bytes. The PDF is this same HTML printed by WeasyPrint (:mod:`detente.report.pdf`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

import detente
from detente.report import figures as F
from detente.report.data import ALIGNMENT_EXPLAINED, ALIGNMENT_SHORT, ReportData
from detente.report.summary import BLOC_THRESHOLD, fmt, input_name, interval_svg
from detente.report.sweep import histogram_panels, tornado_groups
from detente.scenario.describe import evidence_text, value_text
from detente.scenario.model import Issue, Scenario

TEMPLATES = Path(__file__).resolve().parent / "templates"
MANIFEST_KEYS = ("scenario", "runs", "seed", "distribution", "models")
#: Most value columns a table gets before it is split in two (so an A4 page holds it).
MAX_VALUE_COLUMNS = 9

SECTIONS = {
    "summary": "Summary",
    "forecasts": "Forecasts by model",
    "scenario": "The scenario",
    "positions": "Positions and salience by issue",
    "trajectories": "Round by round",
    "alliances": "Alliances",
    "sweep": "Monte Carlo sweep",
    "validation": "Validation",
    "notes": "How to read this report",
}


@dataclass
class Table:
    """A table for the templates: cells are escaped unless they are :class:`Markup`."""

    header: list[Any]
    rows: list[list[Any]]
    numeric: set[int] = field(default_factory=set)
    classes: dict[int, str] = field(default_factory=dict)
    caption: str = ""
    title: str = ""
    id: str = ""


@dataclass
class Block:
    """One item of a free-form section: ``table``, ``figure``, ``h3``, ``note`` or ``p``."""

    kind: str
    value: Any
    caption: str = ""


def short_title(title: str) -> str:
    """A model's title without its parenthesis: ``Nash bargaining solution``."""
    return title.split(" (")[0]


def human(column: str) -> str:
    """A column name for a reader: ``shared_issues`` -> ``shared issues``."""
    return str(column).replace("_", " ").replace(":", ": ")


def split_columns(t: Table, keep: int = 1, most: int = MAX_VALUE_COLUMNS) -> list[Table]:
    """``t`` as one or more tables of at most ``most`` value columns, each repeating the
    first ``keep`` columns, so that a wide table fits a page instead of running off it."""
    n = len(t.header) - keep
    if n <= most:
        return [t]
    parts = math.ceil(n / most)
    size = math.ceil(n / parts)
    out = []
    for p in range(parts):
        cols = list(range(keep)) + list(
            range(keep + p * size, min(keep + (p + 1) * size, keep + n))
        )
        out.append(
            Table(
                [t.header[c] for c in cols],
                [[r[c] for c in cols] for r in t.rows],
                {i for i, c in enumerate(cols) if c in t.numeric},
                {i: t.classes[c] for i, c in enumerate(cols) if c in t.classes},
                t.caption if p == parts - 1 else "",
                t.title,
                f"{t.id}-{p + 1}" if t.id else "",
            )
        )
    return out


def frame_table(df: pd.DataFrame, digits: int = 3, labels: dict[str, str] | None = None) -> Table:
    """A DataFrame as a :class:`Table`: readable headers, numbers right-aligned with fixed
    digits, ids replaced by ``labels`` where given."""
    labels = labels or {}
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
            elif v is None or (isinstance(v, float) and math.isnan(v)):
                row.append("")
            else:
                row.append(labels.get(v, v) if isinstance(v, str) else v)
        rows.append(row)
    return Table([human(c) for c in df.columns], rows, set(numeric))


def chunks(n: int, size: int) -> list[list[int]]:
    """``range(n)`` in runs of nearly equal length, none longer than ``size``.

    >>> chunks(7, 3)
    [[0, 1], [2, 3, 4], [5, 6]]
    """
    parts = max(1, math.ceil(n / size))
    bounds = [round(p * n / parts) for p in range(parts + 1)]
    return [list(range(bounds[p], bounds[p + 1])) for p in range(parts)]


def _svg(fig) -> Markup:
    return Markup(F.to_svg(fig))


# -- sections ---------------------------------------------------------------------------


def _summary(data: ReportData) -> dict:
    sm = data.summary
    head = ["issue", "where it is likely to settle", "forecast", sm.interval_label]
    if sm.has_p_status_quo:
        head.append("chance the status quo holds")
    head += ["status quo", "on the scale"]
    rows = []
    for r in sm.rows:
        issue = Markup(escape(r.label)) + (
            Markup(f'<div class="scale">[!] {escape(r.flags)}</div>') if r.flags else ""
        )
        words = Markup(escape(r.words))  # the move from the status quo: its own column
        row = [issue, words, fmt(r.forecast, 0), f"{fmt(r.low, 0)} to {fmt(r.high, 0)}"]
        if sm.has_p_status_quo:
            row.append("—" if r.p_status_quo is None else f"{100 * r.p_status_quo:.0f}%")
        row.append(fmt(r.status_quo, 0))
        row.append(Markup(interval_svg(r, width=120)))
        rows.append(row)
    numeric = {2, 3} | ({4, 5} if sm.has_p_status_quo else {4})
    return {
        "table": Table(head, rows, numeric, {1: "words"}, id="headline"),
        "source": sm.source,
        "blocs": sm.blocs,
        "opposed": sm.opposed,
        "uncertain": sm.uncertain,
        "bloc_threshold": BLOC_THRESHOLD,
        "alignment_short": ALIGNMENT_SHORT,
    }


def _forecasts(data: ReportData) -> dict:
    s = data.scenario
    ft = data.forecast_table()
    head = ["issue"] + [short_title(data.titles[m]) for m in data.models]
    rows = []
    for k, iss in enumerate(s.issues):
        cell = Markup(f'{escape(iss.label)}<div class="scale">{escape(iss.scale.describe())}</div>')
        rows.append([cell] + [fmt(ft[m][k]) for m in data.models])
    t = Table(head, rows, set(range(1, 1 + len(data.models))), {0: "issue"}, id="forecasts-grid")
    models = Table(
        ["model", "id", "kind", "what it does"],
        [
            [
                data.titles[m],
                Markup(f'<span class="id">{escape(m)}</span>'),
                "dynamic" if data.results[m].rounds is not None else "static",
                data.descriptions[m],
            ]
            for m in data.models
        ],
    )
    per = F.panels_per_figure(F.forecast_panel_height(len(data.models)))
    short = {m: short_title(data.titles[m]) for m in data.models}
    rows_a = [r for r in (data.summary.rows if data.summary else []) if r.if_agreement]
    agreed = (
        Table(
            ["issue", "the summary's forecast", "if they agree"],
            [
                [
                    r.label,
                    f"{fmt(r.forecast, 0)} ({fmt(r.low, 0)} to {fmt(r.high, 0)})",
                    r.if_agreement,
                ]
                for r in rows_a
            ],
            set(),
            id="if-agreement",
        )
        if rows_a
        else None
    )
    return {
        "agreed": agreed,
        "tables": split_columns(t),
        "figures": [
            _svg(F.forecasts_figure(s, ft, short, issues=ks)) for ks in chunks(len(s.issues), per)
        ],
        "caption": "Each model's forecast (its own colour and marker) on each issue's scale; "
        "grey ticks at the top are the actors' positions, the dashed line the status quo.",
        "skipped": sorted(data.skipped.items()),
        "models": models,
    }


def _scenario(data: ReportData) -> dict:
    s = data.scenario
    out: dict[str, Any] = {"description": s.description, "sources": None}
    if s.sources:
        out["sources"] = Table(
            ["id", "publication", "date", "title", "file"],
            [[x.id, x.publication, x.date, x.title, x.file] for x in s.sources],
            classes={4: "ev"},
        )
    out["actors"] = Table(
        ["actor", "kind", "capability", "evidence"],
        [
            [a.label, a.kind.value, value_text(a.capability), evidence_text(s, a.capability)]
            for a in s.actors
        ],
        numeric={2},
        classes={3: "ev"},
    )
    rows = []
    for iss in s.issues:
        anchors = "; ".join(f"{k:g} = {v}" for k, v in sorted(iss.scale.anchors.items()))
        rows.append(
            [
                iss.label,
                f"{iss.scale.low:g}: {iss.scale.low_label or 'low'}",
                f"{iss.scale.high:g}: {iss.scale.high_label or 'high'}",
                anchors,
                value_text(iss.status_quo),
                iss.description or "",
            ]
        )
    out["issues"] = Table(
        ["issue", "low end", "high end", "anchors", "status quo", "description"],
        rows,
        classes={3: "ev", 5: "ev"},
    )
    return out


def _issue_block(s: Scenario, iss: Issue) -> dict:
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
    return {
        "id": iss.id,
        "label": iss.label,
        "scale": iss.scale.describe(),
        "figure": _svg(F.positions_figure(s, iss)),
        "caption": f"Where each actor stands on {iss.label}: the dot is the position, the pale "
        "bar its uncertainty range, the dot's size and the number above it the salience "
        "(how much the actor cares, 0–100); the dashed line is the status quo.",
        "table": Table(
            ["actor", "position", "salience", "evidence"],
            rows,
            numeric={1, 2},
            classes={3: "ev"},
        ),
    }


def _trajectories(data: ReportData) -> list[dict]:
    out = []
    per = F.panels_per_figure(F.TRAJECTORY_PANEL)
    for m in data.dynamic:
        res = data.results[m]
        rounds = np.asarray(res.rounds, dtype=float)
        out.append(
            {
                "title": data.titles[m],
                "rounds": f"{res.n_rounds} round{'s' if res.n_rounds != 1 else ''}",
                "figures": [
                    _svg(
                        F.trajectories_figure(
                            data.scenario, rounds, res.forecast, data.titles[m], issues=ks
                        )
                    )
                    for ks in chunks(rounds.shape[2], per)
                ],
                "caption": f"Positions round by round under {data.titles[m]}: one line per "
                "actor (colour and marker in the legend); the dashed black line is the "
                "model's forecast.",
            }
        )
    return out


def _alliances(data: ReportData) -> dict:
    al = data.alliances
    assert al is not None
    names = dict(zip(al.actors, al.labels))
    names.update({i.id: i.label for i in data.scenario.issues})
    tables = []
    for name, df in sorted(al.extra.items()):
        t = frame_table(df, 2, names)
        t.title = name
        tables.append(t)
    return {
        "figure": _svg(F.alignment_figure(al.labels, al.matrix, al.order)),
        "caption": "Alignment of every pair of actors: blue cells agree, vermillion cells "
        "disagree, grey cells are about half a scale apart (the colour bar is the key). "
        "Rows and columns are ordered so that close allies sit next to each other; column "
        "numbers match the numbered rows.",
        "tables": tables,
        "method": al.method,
    }


def _sweep(data: ReportData) -> list[Block]:
    sw = data.sweep
    assert sw is not None
    s = data.scenario
    out = [Block("p", f"Results read from the sweep folder {sw.name}.")]
    man = sw.manifest or {}
    if man:
        rows = [
            [k, ", ".join(map(str, v)) if isinstance(v, list) else v]
            for k, v in man.items()
            if k in MANIFEST_KEYS
        ]
        if "inputs" in man:
            rows.append(["uncertain inputs", len(man["inputs"])])
        out.append(Block("table", Table(["setting", "value"], rows)))
        if man.get("scenario") not in (None, s.id):
            out.append(
                Block("note", f"The sweep was run on scenario {man['scenario']}, not {s.id}.")
            )
    panels = histogram_panels(sw, s.issues)
    names = _names(data)
    if panels:
        groups = chunks(len(panels), F.panels_per_figure(F.HISTOGRAM_PANEL))
        for n, ks in enumerate(groups):
            out.append(
                Block(
                    "figure",
                    _svg(
                        F.histograms_figure(
                            [panels[k] for k in ks], "Forecasts over the sweep's runs"
                        )
                    ),
                    "Share of the runs whose forecast falls in each bin of the issue's "
                    "scale, one line per model."
                    if n == len(groups) - 1
                    else "",
                )
            )
    if sw.summary is not None:
        out += [Block("h3", "Summary"), Block("table", frame_table(sw.summary, 2, names))]
    elif sw.draws is not None:
        q = (
            sw.draws.groupby(["model", "issue"], sort=True)["forecast"]
            .describe(percentiles=[0.05, 0.5, 0.95])
            .reset_index()
        )
        q["count"] = q["count"].astype(int)
        cols = ["model", "issue", "count", "mean", "std", "5%", "50%", "95%"]
        out += [Block("h3", "Summary"), Block("table", frame_table(q[cols], 2, names))]
    if sw.tornado is not None:
        out += _tornados(data)
    for name, df in sorted(sw.tables.items()):
        out += [Block("h3", name), Block("table", frame_table(df, 3, names))]
    for note in sw.notes:
        out.append(Block("note", note))
    return out


def _tornados(data: ReportData) -> list[Block]:
    labels = {i.id: i.label for i in data.scenario.issues}
    out = [
        Block("h3", "Sensitivity"),
        Block(
            "p",
            "Each input moved alone to the low and to the high end of its range, all others "
            "at their values.",
        ),
    ]
    names = _names(data)
    groups = tornado_groups(data.sweep, data.models, labels=labels)
    groups = [
        (label, [(input_name(r[0], names), r[1], r[2]) for r in rows], base)
        for label, rows, base in groups
    ]
    for label, rows, base in groups:
        out.append(
            Block(
                "figure",
                _svg(F.tornado_figure(rows, base, f"Sensitivity: {label}", "forecast")),
                f"Tornado for {label}: the forecast with each input at the low (solid) and "
                "high (hatched) end of its range; the line is the forecast at the inputs' "
                "values.",
            )
        )
        out.append(
            Block(
                "table",
                Table(
                    ["input", "forecast at low end", "forecast at high end", "swing"],
                    [[name, fmt(lo, 2), fmt(hi, 2), fmt(abs(hi - lo), 2)] for name, lo, hi in rows],
                    numeric={1, 2, 3},
                ),
            )
        )
    return out


def _names(data: ReportData) -> dict[str, str]:
    """Human names for the ids a table may hold: actors, issues and models."""
    s = data.scenario
    out = {a.id: a.label for a in s.actors}
    out.update({i.id: i.label for i in s.issues})
    out.update({m: short_title(t) for m, t in data.titles.items()})
    return out


def _validation(data: ReportData) -> list[Block]:
    out = []
    for v in data.validation:
        out.append(Block("h3", v.name))
        out.extend(
            _validation_parts(
                v,
                lambda fig, caption: Block("figure", _svg(fig), caption),
                lambda df, digits: Block("table", frame_table(df, digits)),
            )
        )
        if v.truncated:
            out.append(Block("note", f"{v.truncated} more rows not shown."))
    return out


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


def _notes(_data: ReportData) -> list[Block]:
    return [
        Block(
            "p",
            "Numbers are on each issue's own scale; what its ends mean is written beside every "
            "table and under every axis. Salience is on 0–100 (how much an actor cares), "
            "capability in any unit (only ratios matter). Ranges in brackets are the analyst's "
            "uncertainty. " + ALIGNMENT_EXPLAINED + " Colours are Okabe and Ito's "
            "colour-blind-safe palette; series also differ by marker or line style.",
        )
    ]


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )


def render_html(data: ReportData) -> str:
    """The report as one HTML document (a string), from ``templates/report.html.j2``."""
    s = data.scenario
    body: list[tuple[str, Any]] = []
    if data.summary is not None and data.models:
        body.append(("summary", _summary(data)))
    body += [
        ("forecasts", _forecasts(data)),
        ("scenario", _scenario(data)),
        ("positions", [_issue_block(s, i) for i in s.issues]),
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
    env = _environment()
    return env.get_template("report.html.j2").render(
        title=s.title or s.id,
        subtitle=", ".join(x for x in (s.id, str(s.date or "")) if x),
        n_actors=len(s.actors),
        n_issues=len(s.issues),
        n_models=len(data.models),
        inputs=list(data.inputs.items()),
        version=detente.__version__,
        css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        sections=[{"id": k, "title": SECTIONS[k], "body": v} for k, v in body],
        alignment_explained=ALIGNMENT_EXPLAINED,
    )
