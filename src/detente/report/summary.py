"""The report's one-screen summary: the forecast per issue in words, the key alliances and
what is uncertain, computed from what the report already holds.

The per-issue table is a list of :class:`HeadlineRow`; today its forecast is the median of
the models' forecasts and its interval the range the models span. A calibrated headline
(median, an 80% interval, the chance that the status quo holds) fills the same rows with
``interval_label`` naming its interval and ``p_status_quo`` set, and the page and the report
show it without other change.

>>> from detente.scenario.model import Scale
>>> in_words(90.0, Scale(low=0, high=100, low_label="none", high_label="all"))
'close to “all”'
>>> in_words(50.0, Scale(low=0, high=100, low_label="none", high_label="all"))
'midway between “none” and “all”'
>>> in_words(5.0, Scale(low=0, high=10))
'in the middle of the 0–10 scale'
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from detente.scenario.model import Issue, Scale, Scenario

#: The one definition of alignment that the report, the page and the CLI use.
ALIGNMENT_EXPLAINED = (
    "Alignment runs from −1 to 1: 1 means two actors take the same positions on the issues "
    "they share, −1 that they stand at opposite ends of every scale, 0 that they are half a "
    "scale apart on average; each issue counts by how much both care about it (salience)."
)

#: The same in a few words, for captions.
ALIGNMENT_SHORT = "alignment runs from −1 (opposite ends of every scale) to 1 (the same positions)"

#: How the headline's interval is described when it is the spread of the models.
MODEL_RANGE = "range of the models' forecasts"
#: How the headline's interval is described when it comes from the headline forecast.
HEADLINE_INTERVAL = "80% interval"
#: Alignment at or above which two actors are put in one bloc in the summary.
BLOC_THRESHOLD = 0.5
#: Alignment at or below which a pair is named as opposed.
OPPOSED_THRESHOLD = -0.2


@dataclass
class HeadlineRow:
    """One issue's headline forecast: a central value, an interval and, when known, the
    chance that the status quo holds."""

    issue: str
    label: str
    scale: Scale
    forecast: float
    low: float
    high: float
    status_quo: float | None = None
    p_status_quo: float | None = None
    words: str = ""
    change: str = ""
    flags: str = ""
    rule: str = ""
    if_agreement: str = ""


@dataclass
class Summary:
    """What the report's first screen says."""

    rows: list[HeadlineRow]
    interval_label: str = MODEL_RANGE
    source: str = ""
    blocs: list[list[str]] = field(default_factory=list)
    opposed: list[tuple[str, str, float]] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)

    @property
    def has_p_status_quo(self) -> bool:
        """Whether any row carries a chance that the status quo holds."""
        return any(r.p_status_quo is not None for r in self.rows)


def fmt(v: object, digits: int = 1) -> str:
    """A number for a table cell: fixed digits, a proper minus sign, a dash when missing."""
    if v is None:
        return "—"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(f):
        return "—"
    return f"{f:.{digits}f}".replace("-", "−")


def interval_text(row: HeadlineRow) -> str:
    """The headline's interval as the page and the report print it: ``58 to 86``."""
    return f"{fmt(row.low, 0)} to {fmt(row.high, 0)}"


def in_words(value: float, scale: Scale) -> str:
    """Where ``value`` lies on ``scale``, in the words of the scale's ends."""
    if not np.isfinite(value):
        return "no forecast"
    f = (value - scale.low) / (scale.high - scale.low)
    if not (scale.low_label or scale.high_label):  # a bare scale: say where on it
        where = "low" if f <= 0.15 else "high" if f >= 0.85 else "middle" if 0.4 <= f <= 0.6 else ""
        span = f"the {scale.low:g}–{scale.high:g} scale"
        return (
            f"at the {where} end of {span}"
            if where in ("low", "high")
            else (f"in the middle of {span}" if where else f"at {value:.0f} on {span}")
        )
    lo = quote(scale.low_label or f"{scale.low:g}")
    hi = quote(scale.high_label or f"{scale.high:g}")
    if f <= 0.15:
        return f"close to {lo}"
    if f >= 0.85:
        return f"close to {hi}"
    if 0.4 <= f <= 0.6:
        return f"midway between {lo} and {hi}"
    if f < 0.5:
        return f"between the two ends, nearer {lo}"
    return f"between the two ends, nearer {hi}"


def quote(text: str) -> str:
    """``text`` in typographic double quotes."""
    return f"“{text}”"


def change_words(value: float, status_quo: float | None, scale: Scale) -> str:
    """The move from the status quo in words ("little change" within 5% of the scale)."""
    if status_quo is None or not np.isfinite(value):
        return ""
    d = value - status_quo
    if abs(d) < 0.05 * (scale.high - scale.low):
        return f"little change from the status quo ({status_quo:g})"
    toward = scale.high_label if d > 0 else scale.low_label
    where = f" toward {quote(toward)}" if toward else ""
    sign = "+" if d > 0 else "−"
    return f"a move of {sign}{abs(d):.0f} from the status quo ({status_quo:g}){where}"


def model_headline(scenario: Scenario, table: dict[str, Sequence[float]]) -> list[HeadlineRow]:
    """Headline rows from the models' forecasts: the median and the range across models."""
    rows = []
    for k, iss in enumerate(scenario.issues):
        vals = np.array([float(v[k]) for v in table.values()], dtype=float)
        vals = vals[np.isfinite(vals)]
        if vals.size:
            mid, lo, hi = float(np.median(vals)), float(vals.min()), float(vals.max())
        else:
            mid = lo = hi = float("nan")
        rows.append(_row(iss, mid, lo, hi))
    return rows


def interval_svg(row: HeadlineRow, width: int = 150, height: int = 18) -> str:
    """The row's interval drawn on its issue's scale, as a small inline SVG: the scale as a
    grey line, the interval as a blue bar, the forecast as a dark dot and the status quo as
    a red tick.

    >>> r = HeadlineRow("x", "X", Scale(), forecast=40.0, low=30.0, high=60.0, status_quo=50.0)
    >>> svg = interval_svg(r)
    >>> svg.startswith("<svg") and 'class="interval"' in svg and "<circle" in svg
    True
    """
    lo, hi = row.scale.low, row.scale.high
    pad = 5.0

    def x(v: float) -> float:
        return pad + (width - 2 * pad) * (float(v) - lo) / (hi - lo)

    mid = height / 2
    axis = (
        f'<line x1="{pad:.1f}" y1="{mid:.1f}" x2="{width - pad:.1f}" y2="{mid:.1f}" '
        'stroke="#bbb" stroke-width="1"/>'
    )
    parts = [axis]
    if math.isfinite(row.low) and math.isfinite(row.high):
        parts.append(
            f'<rect x="{x(row.low):.1f}" y="{mid - 4:.1f}" '
            f'width="{max(x(row.high) - x(row.low), 1.0):.1f}" height="8" fill="#2f6fab" '
            'fill-opacity="0.55"/>'
        )
    if row.status_quo is not None and math.isfinite(row.status_quo):
        parts.append(
            f'<line x1="{x(row.status_quo):.1f}" y1="{mid - 7:.1f}" x2="{x(row.status_quo):.1f}" '
            f'y2="{mid + 7:.1f}" stroke="#b2182b" stroke-width="2"/>'
        )
    if math.isfinite(row.forecast):
        parts.append(f'<circle cx="{x(row.forecast):.1f}" cy="{mid:.1f}" r="3.5" fill="#1b3f66"/>')
    title = f"{row.label}: forecast {fmt(row.forecast, 0)}, {interval_text(row)}"
    return (
        f'<svg class="interval" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img"><title>{html.escape(title)}</title>'
        + "".join(parts)
        + "</svg>"
    )


def headline_rows(scenario: Scenario, frame) -> list[HeadlineRow]:
    """Rows from the headline forecast (the table of :func:`detente.headline.headline_frame`):
    the median, the 80% interval, the chance that the status quo holds, the decision rule and
    the words where a dynamic model does not settle."""
    by_issue = {r["issue"]: r for r in frame.to_dict(orient="records")}
    rows = []
    for iss in scenario.issues:
        r = by_issue[iss.id]
        p_sq = r["p_status_quo"]
        p_sq = None if p_sq is None or not math.isfinite(float(p_sq)) else float(p_sq)
        row = _row(iss, float(r["forecast"]), float(r["q10"]), float(r["q90"]), p_sq)
        row.flags = str(r.get("flags") or "")
        rule = str(r.get("rule") or "")
        row.rule = rule + ("" if r.get("must_decide", True) else "; may end with no agreement")
        row.if_agreement = if_agreement_text(r)
        rows.append(row)
    return rows


def if_agreement_text(r: dict) -> str:
    """For an issue whose forum may end with nothing, the forecast should it agree (the
    headline's ``*_if_agreement`` columns): ``37 (5 to 62), no change 17%``; empty where the
    forum must decide (the headline is that forecast) or the columns are missing.

    >>> if_agreement_text({"must_decide": False, "forecast_if_agreement": 36.6,
    ...     "q10_if_agreement": 5.2, "q90_if_agreement": 61.5, "p_status_quo_if_agreement": 0.17})
    '37 (5 to 62), no change 17%'
    """
    if r.get("must_decide", True):
        return ""
    vals = [r.get(k) for k in ("forecast_if_agreement", "q10_if_agreement", "q90_if_agreement")]
    if any(v is None or not math.isfinite(float(v)) for v in vals):
        return ""
    mid, lo, hi = (float(v) for v in vals)
    text = f"{fmt(mid, 0)} ({fmt(lo, 0)} to {fmt(hi, 0)})"
    p = r.get("p_status_quo_if_agreement")
    if p is not None and math.isfinite(float(p)):
        text += f", no change {100 * float(p):.0f}%"
    return text


def _row(iss: Issue, mid: float, lo: float, hi: float, p_sq: float | None = None) -> HeadlineRow:
    sq = None if iss.status_quo is None else float(iss.status_quo.value)
    return HeadlineRow(
        issue=iss.id,
        label=iss.label,
        scale=iss.scale,
        forecast=mid,
        low=lo,
        high=hi,
        status_quo=sq,
        p_status_quo=p_sq,
        words=in_words(mid, iss.scale),
        change=change_words(mid, sq, iss.scale),
    )


def blocs(labels: Sequence[str], matrix: np.ndarray, threshold: float = BLOC_THRESHOLD):
    """Groups of two or more actors joined by chains of pairs aligned at ``threshold`` or
    more (single linkage), largest first; and the most opposed pairs (up to three)."""
    m = np.asarray(matrix, dtype=float)
    n = len(labels)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if np.isfinite(m[i, j]) and m[i, j] >= threshold:
                parent[max(find(i), find(j))] = min(find(i), find(j))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    out = [[labels[i] for i in g] for g in groups.values() if len(g) > 1]
    out.sort(key=lambda g: -len(g))
    pairs = [
        (float(m[i, j]), i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if np.isfinite(m[i, j]) and m[i, j] <= OPPOSED_THRESHOLD
    ]
    pairs.sort()
    opposed = [(labels[i], labels[j], v) for v, i, j in pairs[:3]]
    return out, opposed


def uncertain_points(scenario: Scenario, rows: Sequence[HeadlineRow], top: int = 3) -> list[str]:
    """Sentences on what is least certain: the issues with the widest interval and the
    inputs with the widest stated ranges (as a share of their scale)."""
    out = []
    spread = sorted(
        (r for r in rows if np.isfinite(r.high - r.low)),
        key=lambda r: -(r.high - r.low) / (r.scale.high - r.scale.low),
    )
    wide = [r for r in spread if (r.high - r.low) / (r.scale.high - r.scale.low) >= 0.1][:top]
    if wide:
        out.append(
            "The forecasts are least settled on "
            + "; ".join(f"{r.label} ({r.low:.0f} to {r.high:.0f})" for r in wide)
            + "."
        )
    else:
        out.append("The forecasts agree within a tenth of every scale.")
    inputs = []
    labels = {a.id: a.label for a in scenario.actors}
    for st in scenario.stances:
        rng = st.position.range
        if rng is None:
            continue
        iss = scenario.issue(st.issue)
        width = (rng[1] - rng[0]) / (iss.scale.high - iss.scale.low)
        inputs.append((-width, labels[st.actor], iss.label, rng))
    inputs.sort(key=lambda t: (t[0], t[1], t[2]))
    if inputs and inputs[0][0] < 0:
        out.append(
            "The least certain inputs are the positions of "
            + "; ".join(
                f"{who} on {what} ({r[0]:g} to {r[1]:g})" for _, who, what, r in inputs[:top]
            )
            + "."
        )
    return out


def input_name(key: str, names: dict[str, str]) -> str:
    """A sweep input such as ``position:russia:assad`` in words (``position of Russia on
    Assad's future``); anything else as it is.

    >>> input_name("capability:iran", {"iran": "Iran"})
    'capability of Iran'
    >>> input_name("position:iran:assad", {"iran": "Iran", "assad": "Assad"})
    'position of Iran on Assad'
    """
    parts = str(key).split(":")
    if len(parts) in (2, 3) and parts[0] in ("position", "salience", "capability"):
        text = f"{parts[0]} of {names.get(parts[1], parts[1])}"
        if len(parts) == 3:
            text += f" on {names.get(parts[2], parts[2])}"
        return text
    return str(key)


def sweep_points(groups, top: int = 3) -> str | None:
    """A sentence on the sweep's inputs that move a forecast most, from the report's tornado
    groups ``(issue label, [(input in words, outcome at low, outcome at high)], baseline)``."""
    rows = [
        (abs(hi - lo), name, label, lo, hi) for label, items, _ in groups for name, lo, hi in items
    ]
    if not rows:
        return None
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    return (
        "In the sweep, the forecasts move most with the "
        + "; the ".join(
            f"{name} ({label}: {fmt(lo, 0)} to {fmt(hi, 0)})"
            for _, name, label, lo, hi in rows[:top]
        )
        + "."
    )
