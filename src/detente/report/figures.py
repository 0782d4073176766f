"""The report's figures, drawn with matplotlib's object API (no pyplot, no global state).

Every function returns a :class:`matplotlib.figure.Figure`; :func:`to_svg` and
:func:`to_png` turn one into bytes that are identical for identical inputs (fixed hash
salt, no dates, fixed dpi). Colours come from :mod:`detente.report.palette` (Okabe-Ito),
and every series also differs by marker or line style, so the figures read in grey too.
"""

from __future__ import annotations

import functools
import io
import textwrap
import threading
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg", force=False)

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from detente.report.palette import (
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    REFERENCE,
    series_style,
)
from detente.scenario.model import Issue, Scenario

#: rcParams every figure is drawn and saved under.
RC = {
    "svg.hashsalt": "detente-report",
    # Text stays text: the PDF (WeasyPrint) and the browser lay it out with DejaVu Sans,
    # readers can search and copy it, and the layout tests can measure it.
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 8.0,
    "legend.frameon": False,
    "pdf.compression": 6,
    "path.simplify": True,
}
DPI = 110
WIDTH = 7.5  # inches: fits an A4 page and a laptop screen

# rcParams are process-global: figures are drawn and saved under one lock so that the web
# app's worker threads never see each other's settings.
LOCK = threading.RLock()

ALIGNMENT_CMAP = LinearSegmentedColormap.from_list(
    "detente-alignment", [NEGATIVE, NEUTRAL, POSITIVE]
)


# ``vert`` gave way to ``orientation`` in matplotlib 3.10.
_MPL = tuple(int(p) for p in matplotlib.__version__.split(".")[:2] if p.isdigit())
_HORIZONTAL = {"orientation": "horizontal"} if _MPL >= (3, 10) else {"vert": False}


def _styled(fn):
    """Run a figure function under the report's rcParams (fonts are fixed at creation)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with LOCK, matplotlib.rc_context(RC):
            return fn(*args, **kwargs)

    return wrapper


def _wrap(text: str, width: int = 24) -> str:
    return "\n".join(textwrap.wrap(text, width)) if text else ""


def _scale_axis(ax, issue: Issue, *, width_in: float = 5.0) -> None:
    """Limit the x axis to the issue's scale: numbers on the ticks, and what each end means
    written on a line of its own below them (left end left-aligned, right end right-aligned,
    each wrapped to under half the axis, so neither runs into a number or the other)."""
    lo, hi = issue.scale.low, issue.scale.high
    pad = (hi - lo) * 0.04
    ax.set_xlim(lo - pad, hi + pad)
    ticks = np.linspace(lo, hi, 5)
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    chars = max(16, int(width_in * 0.45 / 0.062))  # ~0.062 in a character at 8 pt
    for frac, end, text, ha in (
        (0.0, lo, issue.scale.low_label, "left"),
        (1.0, hi, issue.scale.high_label, "right"),
    ):
        x = (end - (lo - pad)) / ((hi + pad) - (lo - pad))
        arrow = "←\u00a0" if frac == 0.0 else ""
        tail = "\u00a0→" if frac == 1.0 else ""  # no break before the arrow
        ax.annotate(
            _wrap(f"{arrow}{end:g} = {text or ('low' if frac == 0 else 'high')}{tail}", chars),
            (x, 0.0),
            xycoords="axes fraction",
            xytext=(0, -20),
            textcoords="offset points",
            ha=ha,
            va="top",
            fontsize=7.5,
            color="#444444",
        )
    for a in sorted(issue.scale.anchors):
        ax.axvline(a, color="#DDDDDD", linewidth=0.8, zorder=0)


@_styled
def positions_figure(scenario: Scenario, issue: Issue) -> Figure:
    """Each actor's position on ``issue`` (with its range), marker area by salience.

    The status quo, when the scenario gives one, is a dashed vertical line.
    """
    rows = []
    for a in scenario.actors:
        st = scenario.stance(a.id, issue.id)
        if st is not None:
            rows.append((a.label, st.position, st.salience.value))
    n = len(rows)
    fig = Figure(figsize=(WIDTH, 1.5 + 0.36 * max(n, 1)), dpi=DPI)
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    for yy, (label, pos, sal) in zip(y, rows):
        if pos.range is not None:
            ax.plot(
                [pos.range[0], pos.range[1]],
                [yy, yy],
                color=POSITIVE,
                linewidth=2.0,
                alpha=0.35,
                solid_capstyle="butt",
            )
        ax.scatter(
            [pos.value],
            [yy],
            s=20 + 2.6 * sal,
            color=POSITIVE,
            edgecolor="white",
            linewidth=0.6,
            zorder=3,
        )
        ax.annotate(
            f"{sal:g}",
            (pos.value, yy),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7,
            color="#444444",
        )
    if issue.status_quo is not None:
        _status_quo_line(ax, issue.status_quo.value)
    ax.set_yticks(y, [_wrap(r[0], 30) for r in rows])
    ax.set_ylim(-0.7, n - 0.2)
    _scale_axis(ax, issue)
    ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
    fig.tight_layout()
    return fig


def _status_quo_line(ax, value: float) -> None:
    """A dashed line at the status quo, labelled just above the axes."""
    ax.axvline(value, color=REFERENCE, linestyle="--", linewidth=1.0)
    ax.annotate(
        f"status quo {value:g}",
        (value, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=7.5,
    )


def forecast_panel_height(n_models: int) -> float:
    """Height in inches of one issue's panel in :func:`forecasts_figure`."""
    return 1.0 + 0.21 * max(n_models, 1)


#: Height in inches a figure may take so that it fits an A4 page with its heading.
PAGE_FIGURE_HEIGHT = 9.0


def panels_per_figure(panel_height: float, extra: float = 0.6) -> int:
    """How many panels of ``panel_height`` inches one page-sized figure holds."""
    return max(1, int((PAGE_FIGURE_HEIGHT - extra) // panel_height))


@_styled
def forecasts_figure(
    scenario: Scenario,
    table: Mapping[str, Sequence[float]],
    titles: Mapping[str, str] | None = None,
    issues: Sequence[int] | None = None,
) -> Figure:
    """Every model's forecast on every issue: one panel per issue, one row per model.

    ``table`` maps a model name to its forecasts, one per issue in scenario order;
    ``issues`` picks the issues (indices) to draw, default all. Actors' positions are
    shown as small grey ticks for reference.
    """
    models = list(table)
    ks = list(range(len(scenario.issues))) if issues is None else list(issues)
    d = len(ks)
    arrays = scenario.to_arrays()
    panel_h = forecast_panel_height(len(models))
    fig = Figure(figsize=(WIDTH, panel_h * d + 0.4), dpi=DPI)
    axes = fig.subplots(d, 1, squeeze=False)[:, 0]
    y = np.arange(len(models))[::-1]
    for p_i, (ax, k) in enumerate(zip(axes, ks)):
        issue = scenario.issues[k]
        xs = arrays.position[arrays.mask[:, k], k]
        ax.scatter(
            xs,
            np.full(xs.shape, y.max() + 0.8 if len(y) else 0.8),
            marker="|",
            s=60,
            color="#888888",
            linewidth=1.0,
            label="actor positions" if p_i == 0 else None,
        )
        for m_i, (yy, name) in enumerate(zip(y, models)):
            v = float(table[name][k])
            st = series_style(m_i)
            if np.isfinite(v):
                ax.scatter(
                    [v],
                    [yy],
                    color=st["color"],
                    marker=st["marker"],
                    s=42,
                    zorder=3,
                    edgecolor="black",
                    linewidth=0.4,
                )
                ax.annotate(
                    f"{v:.1f}",
                    (v, yy),
                    xytext=(7, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=7,
                )
        if issue.status_quo is not None:
            ax.axvline(
                issue.status_quo.value,
                color=REFERENCE,
                linestyle="--",
                linewidth=0.9,
                label="status quo" if p_i == 0 else None,
            )
        labels = [(titles or {}).get(m, m) for m in models]
        ax.set_yticks(y, [_wrap(t, 30) for t in labels])
        ax.set_ylim(-0.7, (y.max() if len(y) else 0) + 1.3)
        _scale_axis(ax, issue)
        ax.set_title(issue.label, loc="left")
        ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="upper right", ncols=2)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


#: Height in inches of one issue's panel in :func:`trajectories_figure`.
TRAJECTORY_PANEL = 2.0


@_styled
def trajectories_figure(
    scenario: Scenario,
    rounds: np.ndarray,
    forecast: Sequence[float],
    title: str,
    issues: Sequence[int] | None = None,
) -> Figure:
    """Round-by-round positions of a dynamic model: one panel per issue, a line per actor.

    ``rounds`` is ``(T + 1, n, d)`` (round 0 the input); the model's forecast is the
    dashed black line; ``issues`` picks the issues (indices) to draw, default all.
    """
    t1 = rounds.shape[0]
    ks = list(range(rounds.shape[2])) if issues is None else list(issues)
    d = len(ks)
    fig = Figure(figsize=(WIDTH, TRAJECTORY_PANEL * d + 0.6), dpi=DPI, layout="constrained")
    axes = fig.subplots(d, 1, squeeze=False, sharex=True)[:, 0]
    t = np.arange(t1)
    seen: set[str] = set()  # each actor in the legend once, wherever it first appears
    for p_i, (ax, k) in enumerate(zip(axes, ks)):
        issue = scenario.issues[k]
        for i, actor in enumerate(scenario.actors):
            path = rounds[:, i, k]
            if np.all(np.isnan(path)):
                continue
            st = series_style(i)
            ax.plot(
                t,
                path,
                color=st["color"],
                linestyle=st["linestyle"],
                marker=st["marker"],
                markersize=3.5,
                markevery=max(1, t1 // 5),  # a few markers a line: enough to tell them apart
                linewidth=1.3,
                label=None if actor.id in seen else _wrap(actor.label, 24),
            )
            seen.add(actor.id)
        f = float(forecast[k])
        if np.isfinite(f):
            ax.axhline(
                f,
                color=REFERENCE,
                linestyle="--",
                linewidth=1.0,
                label="forecast" if p_i == 0 else None,
            )
        lo, hi = issue.scale.low, issue.scale.high
        ax.set_ylim(lo - 0.04 * (hi - lo), hi + 0.04 * (hi - lo))
        ax.set_yticks(np.linspace(lo, hi, 5))
        scale_text = _wrap(issue.scale.describe(), 80)
        ax.set_title(issue.label, loc="left", pad=7 + 9.5 * (scale_text.count("\n") + 1))
        ax.text(
            0.0,
            1.02,
            scale_text,
            transform=ax.transAxes,
            fontsize=7.5,
            color="#444444",
            va="bottom",
        )
        ax.grid(color="#EEEEEE", linewidth=0.6)
    axes[-1].set_xlabel("round")
    if t1 <= 21:
        axes[-1].set_xticks(t)
    fig.suptitle(title, x=0.01, ha="left", fontsize=10, fontweight="bold")
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.append(h)
            labels.append(lab)
    last = [i for i, lab in enumerate(labels) if lab == "forecast"]  # the forecast last
    keep = [i for i in range(len(labels)) if i not in last] + last
    fig.legend([handles[i] for i in keep], [labels[i] for i in keep], loc="outside right upper")
    return fig


@_styled
def alignment_figure(
    labels: Sequence[str],
    matrix: np.ndarray,
    order: Sequence[int] | None = None,
    title: str = "Alignment of every pair of actors",
) -> Figure:
    """The alignment matrix as a labelled heat map, allies next to each other.

    ``matrix`` is a symmetric ``(n, n)`` alignment in -1..1 (1: the same positions, -1:
    opposite ends of every scale; NaN: no shared issue, drawn white with a dash). Rows and
    columns follow ``order`` (default: scenario order); rows carry the actors' names with a
    number, columns the same numbers; up to 16 actors each cell shows its value. The colour
    bar is the legend of the scale.
    """
    m = np.asarray(matrix, dtype=float)
    n = len(labels)
    idx = list(order) if order is not None else list(range(n))
    sub = m[np.ix_(idx, idx)]
    names = [f"{k + 1}. {_wrap(labels[i], 28)}" for k, i in enumerate(idx)]
    two_lines = sum(1 for s in names if "\n" in s)
    fig = Figure(figsize=(WIDTH, 1.3 + 0.34 * n + 0.08 * two_lines), dpi=DPI)
    ax = fig.add_subplot()
    # 64 steps: no visible banding, and a colour bar of 64 shapes rather than 256
    cmap = ALIGNMENT_CMAP.resampled(64).with_extremes(bad="#FFFFFF")
    edges = np.arange(n + 1) - 0.5
    im = ax.pcolormesh(  # vector cells: sharp in the PDF, no embedded bitmap
        edges,
        edges,
        np.ma.masked_invalid(sub),
        cmap=cmap,
        vmin=-1.0,
        vmax=1.0,
        edgecolors="white",
        linewidth=0.6,
    )
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    if n <= 16:
        for r in range(n):
            for c in range(n):
                v = sub[r, c]
                ax.text(
                    c,
                    r,
                    "–" if not np.isfinite(v) else f"{v:.2f}".replace("-", "−"),
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if np.isfinite(v) and abs(v) > 0.55 else "#1b1b1b",
                )
    ax.set_yticks(np.arange(n), names)
    ax.set_xticks(np.arange(n), [str(k + 1) for k in range(n)])
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    cb = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02, ticks=[-1, -0.5, 0, 0.5, 1])
    cb.solids.set_rasterized(False)  # vector, like the cells (no bitmap in the SVG)
    cb.solids.set_edgecolor("face")
    cb.ax.set_yticklabels(["−1 opposite", "−0.5", "0", "0.5", "1 same"])
    cb.set_label("alignment", labelpad=2)
    ax.set_title(title, loc="left", pad=18)
    fig.tight_layout()
    return fig


#: Height in inches of one issue's panel in :func:`histograms_figure`.
HISTOGRAM_PANEL = 1.9


@_styled
def histograms_figure(
    panels: Sequence[tuple[str, Mapping[str, tuple[np.ndarray, np.ndarray]], tuple[float, float]]],
    title: str,
) -> Figure:
    """Distributions of forecasts over a sweep: one panel per issue, a step line per model.

    ``panels`` holds ``(issue label, {model: (bin edges, counts)}, (low, high))``; counts
    are drawn as shares of the model's runs, so models with different run counts compare.
    """
    d = len(panels)
    fig = Figure(figsize=(WIDTH, HISTOGRAM_PANEL * d + 0.7), dpi=DPI, layout="constrained")
    axes = fig.subplots(d, 1, squeeze=False)[:, 0]
    for p_i, (ax, (label, series, (lo, hi))) in enumerate(zip(axes, panels)):
        for m_i, (model, (edges, counts)) in enumerate(series.items()):
            counts = np.asarray(counts, dtype=float)
            total = counts.sum()
            if total <= 0:
                continue
            st = series_style(m_i)
            ax.stairs(
                counts / total,
                np.asarray(edges, dtype=float),
                color=st["color"],
                linestyle=st["linestyle"],
                linewidth=1.6,
                label=model if p_i == 0 else None,
            )
        ax.set_xlim(lo, hi)
        ax.set_title(label, loc="left")
        ax.set_ylabel("share of runs")
        ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside right upper")
    fig.suptitle(title, x=0.01, ha="left", fontsize=10, fontweight="bold")
    return fig


@_styled
def tornado_figure(
    rows: Sequence[tuple[str, float, float]], baseline: float, title: str, xlabel: str
) -> Figure:
    """A tornado chart: for each input, the outcome at its low and high end.

    ``rows`` holds ``(input label, outcome at low, outcome at high)``; bars are sorted by
    swing, the widest on top, around the ``baseline`` outcome.
    """
    rows = sorted(rows, key=lambda r: (abs(r[2] - r[1]), r[0]))
    n = len(rows)
    names = [_wrap(r[0], 40) for r in rows]
    lines = max([s.count("\n") + 1 for s in names] or [1])
    row_h = max(0.3, 0.15 * lines + 0.08)  # room for every line of the longest name
    fig = Figure(figsize=(WIDTH, 1.2 + row_h * max(n, 1)), dpi=DPI)
    ax = fig.add_subplot()
    for yy, (label, lo, hi) in enumerate(rows):
        ax.barh(
            yy,
            lo - baseline,
            left=baseline,
            color=NEGATIVE,
            height=0.6,
            label="input at low end" if yy == 0 else None,
        )
        ax.barh(
            yy,
            hi - baseline,
            left=baseline,
            color=POSITIVE,
            height=0.6,
            hatch="//",
            edgecolor="white",
            linewidth=0,
            label="input at high end" if yy == 0 else None,
        )
    ax.axvline(baseline, color=REFERENCE, linewidth=1.0)
    ax.set_yticks(np.arange(n), names)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


@_styled
def errors_figure(errors: Mapping[str, np.ndarray], title: str) -> Figure:
    """Absolute forecast errors per model as horizontal box plots (median, quartiles,
    1.5 IQR whiskers, outliers as small rings), the mean as a black diamond."""
    models = list(errors)
    fig = Figure(figsize=(WIDTH, 1.0 + 0.4 * max(len(models), 1)), dpi=DPI)
    ax = fig.add_subplot()
    y = np.arange(len(models))[::-1] + 1
    data = [np.asarray(errors[m], dtype=float) for m in models]
    keep = [i for i, v in enumerate(data) if v.size]
    if keep:
        ax.boxplot(
            [data[i] for i in keep],
            positions=[y[i] for i in keep],
            **_HORIZONTAL,
            widths=0.55,
            patch_artist=True,
            boxprops={"facecolor": "#DCE9F5", "edgecolor": "#333333"},
            medianprops={"color": POSITIVE, "linewidth": 2.0},
            flierprops={
                "marker": "o",
                "markersize": 3,
                "markerfacecolor": "none",
                "markeredgecolor": "#777777",
            },
        )
        ax.scatter(
            [data[i].mean() for i in keep],
            [y[i] for i in keep],
            marker="D",
            s=22,
            color=REFERENCE,
            zorder=3,
            label="mean",
        )
        ax.legend(loc="lower right")
    ax.set_yticks(y, models)
    ax.set_xlabel("absolute error (scale points)")
    ax.set_title(title, loc="left")
    ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
    fig.tight_layout()
    return fig


@_styled
def intervals_figure(
    labels: Sequence[str],
    mid: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    title: str,
    xlabel: str,
) -> Figure:
    """Point estimates with intervals, one row per label, and a line at zero."""
    n = len(labels)
    fig = Figure(figsize=(WIDTH, 1.0 + 0.35 * max(n, 1)), dpi=DPI)
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    for yy, m, lo, hi in zip(y, mid, low, high):
        if not np.isfinite(m):
            continue
        if np.isfinite(lo) and np.isfinite(hi):
            ax.plot([lo, hi], [yy, yy], color=POSITIVE, linewidth=2.0)
        ax.scatter([m], [yy], color=POSITIVE, edgecolor="black", linewidth=0.5, s=30, zorder=3)
    ax.axvline(0.0, color=REFERENCE, linewidth=0.9, linestyle="--")
    ax.set_yticks(y, list(labels))
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
    fig.tight_layout()
    return fig


def to_svg(fig: Figure) -> str:
    """The figure as an inline SVG element (no XML prolog), identical for identical input."""
    buf = io.StringIO()
    with LOCK, matplotlib.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:].strip()


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes at the fixed dpi, without time stamps."""
    buf = io.BytesIO()
    with LOCK, matplotlib.rc_context(RC):
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()
