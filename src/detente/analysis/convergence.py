"""Does a dynamic model settle? Cycles and non-convergence read from its round history.

A dynamic model's forecast is read from its last round. When the rounds settle, that is the
model's answer; when they cycle (the expected-utility model on some issues alternates between
two positions until the round cap stops it) or keep drifting, the last round is an accident of
the cap. :func:`convergence` reads a :class:`~detente.models.ModelResult`'s history, issue by
issue, and says which case holds, in words; :func:`cycle_values` gives the values the
forecast takes over the whole cycle (or over the unsettled tail), which the headline uses in
place of the last round. Nothing here runs a model: it works on the history a run returns.

The series examined per issue is the model's per-round forecast: the first per-round
statistic of ``result.summary`` whose last round equals the forecast (the EUM's weighted
median, the SMP's most probable position), else the capability-free mean of the positions.

Rules, in this order (widths: the issue's scale):

- **cycle**: the last ``2p + 1`` rounds repeat with period ``p`` (2 to :data:`MAX_PERIOD`,
  the smallest that fits; equal within 1e-6 of the width) and the last cycle spans more than
  half a percent of the width.
- **settled**: the last three rounds lie within half a percent of the width; it says from
  which round.
- **not settled**: neither; the range of the last half of the rounds is reported.

Separately, :func:`consensus` says when the actors collapse onto one position (within half a
percent of each scale): every actor on every issue, and whose starting position that is; or at
least half of them (at least three), and whether that position is the forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detente.models.base import ModelResult

MAX_PERIOD = 6
#: Two values are the same round to round within this share of the scale's width.
EXACT = 1e-6
#: A series has settled when its last three rounds lie within this share of the width.
SETTLE = 0.005
STATUSES = ("settled", "cycle", "not settled", "fixed rounds", "static")
#: Fewer round values than this (round 0 included) are not judged: the model plays a fixed,
#: small number of rounds (the exchange model's one round, say).
MIN_ROUNDS = 4


@dataclass(frozen=True)
class IssueConvergence:
    """How one issue's per-round forecast ends.

    Attributes
    ----------
    status:
        ``settled``, ``cycle``, ``not settled``, ``fixed rounds`` (fewer than
        :data:`MIN_ROUNDS` round values: not judged) or ``static`` (a model without rounds).
    period:
        The cycle's length in rounds (1 when settled, 0 when not settled or static).
    values:
        The values of one cycle in round order (one value when settled; the tail's values
        when not settled).
    since:
        The round from which the series is settled or cycles (-1 otherwise).
    text:
        The verdict in words, e.g. ``oscillates between 14.0 and 55.0 every other round``.
    """

    status: str
    period: int
    values: tuple[float, ...]
    since: int
    text: str

    @property
    def flagged(self) -> bool:
        """Whether the last round is not a settled answer."""
        return self.status in ("cycle", "not settled")


def forecast_series(result: ModelResult) -> np.ndarray | None:
    """``(T + 1, d)`` per-round forecast of a dynamic result (see the module docstring);
    None for a static result."""
    if result.rounds is None:
        return None
    f = np.asarray(result.forecast, dtype=float)
    for arr in result.summary.values():
        a = np.asarray(arr, dtype=float)
        if a.ndim == 2 and a.shape[1] == f.size and a.shape[0] == result.rounds.shape[0]:
            last = a[-1]
            same = (np.abs(last - f) <= 1e-9 * np.maximum(1.0, np.abs(f))) | (
                np.isnan(last) & np.isnan(f)
            )
            if same.all():
                return a
    with np.errstate(invalid="ignore"):
        return np.nanmean(result.rounds, axis=1)


def _fmt(v: float) -> str:
    return f"{v:.1f}"


def _issue(series: np.ndarray, width: float) -> IssueConvergence:
    s = series[np.isfinite(series)]
    t1 = s.size
    if t1 == 0:
        return IssueConvergence("settled", 1, (float("nan"),), 0, "no forecast")
    if t1 < MIN_ROUNDS:
        return IssueConvergence(
            "fixed rounds",
            1,
            (float(s[-1]),),
            t1 - 1,
            f"plays {t1 - 1} round{'s' if t1 != 2 else ''} by design",
        )
    exact = EXACT * width
    settle = SETTLE * width
    for p in range(2, MAX_PERIOD + 1):
        if t1 < 2 * p + 1:
            break
        w = s[t1 - 2 * p - 1 :]
        cyc = s[t1 - p :]
        if not np.all(np.abs(w[p:] - w[:-p]) <= exact) or np.ptp(cyc) <= settle:
            continue
        since = t1 - 1
        while since - p >= 0 and abs(s[since - p] - s[since]) <= exact:
            since -= 1
        start = max(0, since + 1 - p)
        distinct = sorted({round(float(v), 9) for v in cyc})
        if p == 2:
            text = (
                f"oscillates between {_fmt(distinct[0])} and {_fmt(distinct[1])} every other round"
            )
        elif len(distinct) == 2:
            text = (
                f"cycles between {_fmt(distinct[0])} and {_fmt(distinct[1])} "
                f"({', '.join(_fmt(v) for v in cyc)}) every {p} rounds"
            )
        else:
            text = f"cycles through {', '.join(_fmt(v) for v in cyc)} every {p} rounds"
        text += f" from round {start}; its last round ({_fmt(s[-1])}) depends on the round cap"
        return IssueConvergence("cycle", p, tuple(float(v) for v in cyc), start, text)
    last = s[t1 - min(t1, 3) :]
    if np.ptp(last) <= settle:
        since = t1 - 1
        while since > 0 and abs(s[since - 1] - s[-1]) <= settle:
            since -= 1
        return IssueConvergence(
            "settled", 1, (float(s[-1]),), since, f"settled at {_fmt(s[-1])} from round {since}"
        )
    tail = min(t1, max(3, t1 // 2))
    window = s[t1 - tail :]
    lo, hi = float(window.min()), float(window.max())
    return IssueConvergence(
        "not settled",
        0,
        tuple(float(v) for v in window),
        -1,
        f"has not settled: moved between {_fmt(lo)} and {_fmt(hi)} in the last {tail} rounds",
    )


def convergence(result: ModelResult, span: np.ndarray | None = None) -> list[IssueConvergence]:
    """How each issue of a model run ends (one :class:`IssueConvergence` per issue).

    Parameters
    ----------
    result:
        A model run; a static one gives ``static`` for every issue.
    span:
        ``(d,)`` scale widths (for the tolerance); default 100.

    Examples
    --------
    >>> import numpy as np
    >>> from detente.models import ModelResult
    >>> med = np.array([[20.0], [40.0], [14.0], [55.0], [14.0], [55.0], [14.0], [55.0]])
    >>> r = ModelResult("m", med[-1], rounds=np.zeros((8, 2, 1)), summary={"median": med})
    >>> convergence(r)[0].text.split(" from")[0]
    'oscillates between 14.0 and 55.0 every other round'
    """
    series = forecast_series(result)
    d = np.asarray(result.forecast).size
    if series is None:
        return [IssueConvergence("static", 0, (), -1, "static model") for _ in range(d)]
    widths = np.full(d, 100.0) if span is None else np.asarray(span, dtype=float)
    return [_issue(series[:, k], float(widths[k])) for k in range(d)]


def cycle_values(result: ModelResult, span: np.ndarray | None = None) -> list[np.ndarray]:
    """Per issue, the values the forecast takes over the whole cycle (one value when it
    settles or the model is static; the unsettled tail's values when it does not settle)."""
    out = []
    f = np.asarray(result.forecast, dtype=float)
    for k, c in enumerate(convergence(result, span)):
        out.append(np.array(c.values if c.status != "static" else (f[k],), dtype=float))
    return out


def consensus(
    result: ModelResult, actors: tuple[str, ...] | list[str], span: np.ndarray | None = None
) -> str | None:
    """Words when the actors collapse onto one position: every actor at one position on every
    issue (naming the actor whose starting positions those are, if one's are), or at least
    half of them at one position on every issue each holds a stance on (naming them, and
    saying when that position is the forecast); None otherwise.

    >>> import numpy as np
    >>> from detente.models import ModelResult
    >>> rounds = np.array([[[10.0], [50.0], [90.0]], [[10.0], [10.0], [10.0]]])
    >>> consensus(ModelResult("smp", rounds[-1, 0], rounds=rounds), ["russia", "iran", "usa"])
    "every actor ends at russia's starting position on every issue"
    """
    if result.rounds is None or result.rounds.shape[0] < 2:
        return None
    last, first = result.rounds[-1], result.rounds[0]
    d = last.shape[1]
    widths = np.full(d, 100.0) if span is None else np.asarray(span, dtype=float)
    tol = SETTLE * widths
    held = np.isfinite(last)
    # together[i, j]: i and j end at the same point on every issue both hold a stance on
    close = (np.abs(last[:, None, :] - last[None, :, :]) <= tol) | ~(held[:, None] & held[None])
    together = close.all(axis=-1) & held.any(axis=1)[:, None] & held.any(axis=1)[None, :]
    active = np.flatnonzero(held.any(axis=1))
    if active.size < 2:
        return None
    best = max(active, key=lambda i: (int(together[i, active].sum()), -i))
    group = [int(j) for j in active if together[best, j]]
    if len(group) == active.size:
        common = np.nanmax(last, axis=0)
        for i, a in enumerate(actors):
            own = first[i]
            ok = np.isnan(own) | (np.abs(own - common) <= tol)
            if np.all(ok) and np.isfinite(own).any():
                return f"every actor ends at {a}'s starting position on every issue"
        return "every actor ends at one common position on every issue"
    if 2 * len(group) < active.size or len(group) < 3:
        return None
    f = np.asarray(result.forecast, dtype=float)
    at_forecast = all(
        np.all(np.isnan(last[j]) | (np.abs(last[j] - f) <= tol) | np.isnan(f)) for j in group
    )
    shown = [actors[j] for j in group[:6]]  # a long list says no more than its count does
    names = ", ".join(shown) + (f" and {len(group) - 6} more" if len(group) > 6 else "")
    where = "the forecast" if at_forecast else "one common position"
    return (
        f"{len(group)} of {active.size} actors ({names}) end at {where} on every issue "
        "they hold a stance on"
    )
