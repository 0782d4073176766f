"""The report as a PDF, written offline by matplotlib's PDF backend.

The PDF holds the same content as the HTML report, page by page: tables are drawn as
matplotlib tables on A4 pages (long ones continue on further pages), figures each take a
page of their own size. Dates are left out of the metadata, so the same inputs give the
same bytes.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

import detente
from detente.report import figures as F
from detente.report.data import ReportData
from detente.report.html import _validation_parts
from detente.report.sweep import histogram_panels, tornado_groups
from detente.scenario.describe import evidence_text, value_text

A4 = (8.27, 11.69)
FONT = 7.0
LINE = 0.145  # inches per text line at FONT points, with padding
TOP, BOTTOM, LEFT = 0.8, 0.6, 0.5


def _cell(v: Any, digits: int = 1) -> str:
    if isinstance(v, (float, np.floating)):
        return "—" if np.isnan(v) else f"{v:.{digits}f}"
    return "" if v is None else str(v)


class _Writer:
    def __init__(self, pdf: PdfPages) -> None:
        self.pdf = pdf

    def save(self, fig: Figure) -> None:
        with F.LOCK, matplotlib.rc_context(F.RC):
            self.pdf.savefig(fig)

    def text_page(self, title: str, lines: Sequence[str]) -> None:
        with F.LOCK, matplotlib.rc_context(F.RC):
            fig = Figure(figsize=A4)
            fig.text(LEFT / A4[0], 1 - TOP / A4[1], title, fontsize=16, fontweight="bold", va="top")
            y = 1 - (TOP + 0.5) / A4[1]
            for line in lines:
                for part in textwrap.wrap(line, 100) or [""]:
                    fig.text(LEFT / A4[0], y, part, fontsize=9, va="top")
                    y -= 0.18 / A4[1]
        self.save(fig)

    def table(
        self,
        title: str,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        widths: Sequence[float],
    ) -> None:
        """Draw a table over as many A4 pages as it needs; ``widths`` in characters."""
        total = float(sum(widths))
        avail_w = A4[0] - 2 * LEFT
        wrapped = [
            [textwrap.wrap(_cell(c), int(w)) or [""] for c, w in zip(r, widths)] for r in rows
        ]
        head = [textwrap.wrap(h, int(w)) or [""] for h, w in zip(header, widths)]
        avail_h = A4[1] - TOP - BOTTOM - 0.4
        pages: list[list[int]] = [[]]
        used = LINE * max(len(c) for c in head)
        for i, row in enumerate(wrapped):
            h = LINE * max(len(c) for c in row)
            if pages[-1] and used + h > avail_h:
                pages.append([])
                used = LINE * max(len(c) for c in head)
            pages[-1].append(i)
            used += h
        for p, idx in enumerate(pages):
            with F.LOCK, matplotlib.rc_context(F.RC):
                fig = Figure(figsize=A4)
                more = f" (continued, page {p + 1} of {len(pages)})" if p else ""
                fig.text(
                    LEFT / A4[0],
                    1 - TOP / A4[1],
                    title + more,
                    fontsize=12,
                    fontweight="bold",
                    va="top",
                )
                body = [head] + [wrapped[i] for i in idx]
                heights = [LINE * max(len(c) for c in r) for r in body]
                top = 1 - (TOP + 0.35) / A4[1]
                ax = fig.add_axes(
                    (
                        LEFT / A4[0],
                        top - sum(heights) / A4[1],
                        avail_w / A4[0],
                        sum(heights) / A4[1],
                    )
                )
                ax.axis("off")
                tab = ax.table(
                    cellText=[["\n".join(c) for c in r] for r in body],
                    colWidths=[w / total for w in widths],
                    loc="upper left",
                    cellLoc="left",
                    edges="horizontal",
                )
                tab.auto_set_font_size(False)
                tab.set_fontsize(FONT)
                frac = [h / sum(heights) for h in heights]
                for (r, _c), cell in tab.get_celld().items():
                    cell.set_height(frac[r])
                    cell.set_edgecolor("#CCCCCC")
                    cell.PAD = 0.02
                    if r == 0:
                        cell.set_text_props(fontweight="bold")
                        cell.set_facecolor("#F0F2F4")
            self.save(fig)


def render_pdf(data: ReportData) -> bytes:
    """The report as PDF bytes (see the module docstring)."""
    s = data.scenario
    buf = io.BytesIO()
    meta = {
        "Title": f"{s.title or s.id}: detente report",
        "Creator": None,
        "Producer": None,
        "CreationDate": None,
        "ModDate": None,
        "Subject": f"generated by detente {detente.__version__}",
    }
    ft = data.forecast_table()
    with PdfPages(buf, metadata=meta) as pdf:
        w = _Writer(pdf)
        lines = (
            [
                f"{s.id}"
                + (f", {s.date}" if s.date else "")
                + f": {len(s.actors)} actors, {len(s.issues)} issues, {len(data.models)} models",
                "",
            ]
            + [f"{k}: {v}" for k, v in data.inputs.items()]
            + [f"generated by: detente {detente.__version__}", ""]
        )
        if s.description:
            lines += [s.description, ""]
        lines += ["Models:"] + [
            f"  {m}: {data.titles[m]}. {data.descriptions[m]}" for m in data.models
        ]
        lines += [f"  {m} is left out: {why}" for m, why in sorted(data.skipped.items())]
        w.text_page(s.title or s.id, lines)
        w.table(
            "Forecasts by model",
            ["issue", "scale"] + list(data.models),
            [
                [iss.label, iss.scale.describe()] + [ft[m][k] for m in data.models]
                for k, iss in enumerate(s.issues)
            ],
            [22, 30] + [10] * len(data.models),
        )
        w.save(F.forecasts_figure(s, ft, data.titles))
        w.table(
            "Actors",
            ["actor", "name", "kind", "capability", "evidence"],
            [
                [
                    a.id,
                    a.name or "",
                    a.kind.value,
                    value_text(a.capability),
                    evidence_text(s, a.capability),
                ]
                for a in s.actors
            ],
            [14, 20, 12, 14, 50],
        )
        w.table(
            "Issues",
            ["issue", "name", "scale", "status quo", "description"],
            [
                [i.id, i.label, i.scale.describe(), value_text(i.status_quo), i.description or ""]
                for i in s.issues
            ],
            [14, 20, 34, 12, 30],
        )
        for iss in s.issues:
            rows = []
            for a in s.actors:
                st = s.stance(a.id, iss.id)
                if st is not None:
                    ev = "; ".join(
                        x
                        for x in (evidence_text(s, st.position), evidence_text(s, st.salience))
                        if x
                    )
                    rows.append([a.label, value_text(st.position), value_text(st.salience), ev])
            w.save(F.positions_figure(s, iss))
            w.table(
                f"{iss.label}: positions and salience",
                ["actor", "position", "salience", "evidence"],
                rows,
                [20, 14, 12, 64],
            )
        for m in data.dynamic:
            res = data.results[m]
            w.save(
                F.trajectories_figure(
                    s, np.asarray(res.rounds, dtype=float), res.forecast, data.titles[m]
                )
            )
        if data.alliances is not None:
            al = data.alliances
            w.save(F.alliance_figure(al.labels, al.capability, al.matrix))
            w.table(
                "Alignment matrix",
                ["actor"] + al.labels,
                [
                    [lab] + [float(al.matrix[i, j]) for j in range(len(al.labels))]
                    for i, lab in enumerate(al.labels)
                ],
                [16] + [8] * len(al.labels),
            )
        if data.sweep is not None:
            _sweep_pages(w, data)
        for v in data.validation:
            for item in _validation_parts(v, lambda fig, _caption: fig, lambda df, _digits: df):
                if isinstance(item, pd.DataFrame):
                    _frame_pages(w, f"Validation: {v.name}", item)
                else:
                    w.save(item)
    return buf.getvalue()


def _frame_pages(w: _Writer, title: str, df) -> None:
    cols = [str(c) for c in df.columns]
    widths = [
        max(6, min(30, max([len(c)] + [len(_cell(v)) for v in df[c].head(50)]))) for c in df.columns
    ]
    w.table(title, cols, [list(r) for r in df.itertuples(index=False)], widths)


def _sweep_pages(w: _Writer, data: ReportData) -> None:
    sw = data.sweep
    panels = histogram_panels(sw, data.scenario.issues)
    if panels:
        w.save(F.histograms_figure(panels, "Forecasts over the sweep's runs"))
    if sw.summary is not None:
        _frame_pages(w, "Sweep: summary", sw.summary)
    labels = {i.id: i.label for i in data.scenario.issues}
    for label, rows, base in tornado_groups(sw, data.models, labels=labels):
        w.save(F.tornado_figure(rows, base, f"Sensitivity: {label}", "forecast"))
    for name, df in sorted(sw.tables.items()):
        _frame_pages(w, f"Sweep: {name}", df)
