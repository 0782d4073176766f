"""Baseline models: compromise, mean voter, weighted median and Nash bargaining.

All four are static (one forecast per issue, no rounds) and vectorised over issues:
each works on the ``(n, d)`` arrays at once, ignoring actors without a stance on an
issue (NaN position). An issue nobody has a stance on gets a NaN forecast.

Their batched forms (for Monte Carlo sweeps) treat every issue of every draw as one column of
an ``(n, B * d)`` problem, solved at once by the same column-wise helpers (each column is
computed by the same operations as in the single run, so the results are equal).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from detente.models.base import ModelParams, ModelResult, NoParams, register
from detente.scenario.arrays import DrawBatch, ScenarioArrays

WeightKind = Literal["capability_salience", "capability", "salience", "equal"]


def actor_weights(arrays: ScenarioArrays, kind: WeightKind = "capability_salience") -> np.ndarray:
    """``(n, d)`` weights of each actor on each issue, 0 where it has no stance.

    ``capability_salience`` (the default of the compromise and median models) is
    ``c_i * s_ik``; the other choices drop one or both factors.
    """
    return kind_weights(arrays.capability, arrays.salience, arrays.mask, kind)


def kind_weights(
    capability: np.ndarray, salience: np.ndarray, mask: np.ndarray, kind: WeightKind
) -> np.ndarray:
    """:func:`actor_weights` from the arrays, with any leading axes (of draws, say):
    ``capability (..., n)``, ``salience (..., n, d)``, ``mask (n, d)`` -> ``(..., n, d)``."""
    c = np.asarray(capability)[..., :, None]
    s = np.nan_to_num(salience, nan=0.0)
    if kind == "capability_salience":
        w = c * s
    elif kind == "capability":
        w = np.broadcast_to(c, s.shape).astype(float)
    elif kind == "salience":
        w = s
    elif kind == "equal":
        w = np.ones_like(s)
    else:  # pragma: no cover - guarded by the Literal type of the parameters
        raise ValueError(kind)
    return np.where(mask, w, 0.0)


def weighted_mean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Column-wise weighted mean of ``x`` (n, d) with weights ``w`` (n, d); NaN where the
    weights sum to zero."""
    return ordered_weighted_mean(x, w, axis=0)


def ordered_sum(a: np.ndarray, axis: int) -> np.ndarray:
    """Sum of ``a`` along ``axis``, strictly in order (first element first).

    ``ndarray.sum`` adds pairwise along a contiguous axis and element by element along
    another, so one column can round differently alone and among others. Summed in order, a
    draw's numbers round the same alone and in a batch of draws: the batched forms of the
    exchange, Condorcet and pooled models use this for every sum over actors or candidates.

    >>> float(ordered_sum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)[1])
    6.0
    """
    a = np.moveaxis(np.asarray(a), axis, 0)
    if a.shape[0] == 0:
        return np.zeros(a.shape[1:], dtype=a.dtype)
    if a.shape[0] > 64:
        return np.cumsum(a, axis=0)[-1]  # also in order, one call
    out = a[0].copy()
    for x in a[1:]:
        out += x
    return out


def ordered_weighted_mean(x: np.ndarray, w: np.ndarray, axis: int) -> np.ndarray:
    """:func:`weighted_mean` along ``axis`` with the sums taken in order (see
    :func:`ordered_sum`); NaN where the weights sum to zero."""
    xs = np.nan_to_num(x, nan=0.0)
    tot = ordered_sum(w, axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, ordered_sum(w * xs, axis) / np.where(tot > 0, tot, 1.0), np.nan)


def weighted_median(
    x: np.ndarray, w: np.ndarray, *, rtol: float = 1e-12, tie: str = "midpoint"
) -> np.ndarray:
    """Column-wise weighted median of ``x`` (n, d) with non-negative weights ``w``.

    The median is the position at which the cumulative weight first reaches half the
    total. When it reaches exactly half at some position (so that the Condorcet winner
    of weighted majority voting is a whole interval), the midpoint of that interval is
    returned (``tie="midpoint"``), or its lower end (``tie="lower"``, the convention of the
    DEU reference figures). NaN where the weights sum to zero.

    >>> import numpy as np
    >>> float(weighted_median(np.array([[0.], [10.], [20.]]), np.array([[1.], [1.], [3.]]))[0])
    20.0
    >>> float(weighted_median(np.array([[0.], [10.]]), np.array([[1.], [1.]]))[0])
    5.0
    """
    x = np.asarray(x, dtype=float)
    w = np.where(np.isnan(x), 0.0, np.asarray(w, dtype=float))
    order = np.argsort(np.where(np.isnan(x), np.inf, x), axis=0, kind="stable")
    xs = np.take_along_axis(x, order, axis=0)
    ws = np.take_along_axis(w, order, axis=0)
    cum = np.cumsum(ws, axis=0)
    total = cum[-1] if cum.shape[0] else np.zeros(x.shape[1])
    half = total / 2.0
    tol = rtol * np.maximum(total, 1e-300)
    lower = np.argmax(cum >= half - tol, axis=0)
    upper = np.argmax(cum > half + tol, axis=0)
    cols = np.arange(x.shape[1])
    lo_val = xs[lower, cols]
    hi_val = xs[upper, cols]
    if tie == "lower":
        med = lo_val
    else:
        med = np.where(lower == upper, lo_val, (lo_val + hi_val) / 2.0)
    return np.where(total > 0, med, np.nan)


# -- compromise ----------------------------------------------------------------------------


class CompromiseParams(ModelParams):
    """Parameters of the compromise model.

    weights: what each actor's position is weighted by (default capability x salience).
    """

    weights: WeightKind = "capability_salience"


def compromise(arrays: ScenarioArrays, params: CompromiseParams, rng=None) -> ModelResult:
    """The compromise model: the capability x salience weighted mean of the positions.

    The model of van den Bos (1991) and Achen (2006), famously hard to beat on EU data.
    Where every weight on an issue is zero (all saliences zero), the capability-weighted
    mean is used instead.
    """
    w = actor_weights(arrays, params.weights)
    f = weighted_mean(arrays.position, w)
    fallback = weighted_mean(arrays.position, actor_weights(arrays, "capability"))
    f = np.where(np.isnan(f), fallback, f)
    return ModelResult(model="compromise", forecast=f)


def mean_voter(arrays: ScenarioArrays, params: NoParams, rng=None) -> ModelResult:
    """The mean voter: the plain, unweighted mean of the positions on each issue."""
    return ModelResult(
        model="mean_voter", forecast=weighted_mean(arrays.position, actor_weights(arrays, "equal"))
    )


# -- weighted median -----------------------------------------------------------------------


class MedianParams(ModelParams):
    """Parameters of the weighted median model.

    weights: each actor's voting weight (default capability x salience).
    tie: where exactly half the weight lies on each side of an interval, ``midpoint`` takes
        its middle and ``lower`` its lower end.
    """

    weights: WeightKind = "capability_salience"
    tie: Literal["midpoint", "lower"] = "midpoint"


def median(arrays: ScenarioArrays, params: MedianParams, rng=None) -> ModelResult:
    """The weighted median: the Condorcet winner of weighted majority voting in one dimension.

    With single-peaked preferences on a line, the position of the weighted median voter
    beats every other position in a pairwise weighted vote (Black 1948). Where the
    cumulative weight reaches exactly half, the midpoint of the winning interval is taken.
    Where all weights on an issue are zero, capability alone is used.
    """
    w = actor_weights(arrays, params.weights)
    f = weighted_median(arrays.position, w, tie=params.tie)
    fallback = weighted_median(arrays.position, actor_weights(arrays, "capability"), tie=params.tie)
    return ModelResult(model="weighted_median", forecast=np.where(np.isnan(f), fallback, f))


# -- Nash bargaining -----------------------------------------------------------------------


class NashParams(ModelParams):
    """Parameters of the Nash bargaining solution.

    utility: ``quadratic`` u_i(x) = 1 - ((x - x_i) / R)^2 or ``linear``
        u_i(x) = 1 - |x - x_i| / R, with R the width of the issue's scale.
    disagreement: ``floor`` d_i = 0, the utility of an outcome a whole scale away (so
        every outcome on the scale is acceptable to everyone), or ``status_quo``
        d_i = u_i(status quo) (only outcomes every actor prefers to the status quo are
        feasible; where there are none, the status quo is the forecast). Issues without a
        status quo fall back to ``floor``.
    weights: the bargaining power of each actor (default capability x salience).
    iterations: bisection steps (each halves the bracket).
    """

    utility: Literal["quadratic", "linear"] = "quadratic"
    disagreement: Literal["floor", "status_quo"] = "floor"
    weights: WeightKind = "capability_salience"
    iterations: int = 80


def _utility(x: np.ndarray, pos: np.ndarray, span: np.ndarray, kind: str) -> np.ndarray:
    dist = np.abs(x - pos) / span
    return 1.0 - dist**2 if kind == "quadratic" else 1.0 - dist


def _utility_slope(x: np.ndarray, pos: np.ndarray, span: np.ndarray, kind: str) -> np.ndarray:
    diff = (x - pos) / span
    return -2.0 * diff / span if kind == "quadratic" else -np.sign(diff) / span


def nash_columns(
    x: np.ndarray,
    w: np.ndarray,
    w_cap: np.ndarray,
    span: np.ndarray,
    status_quo: np.ndarray,
    params: NashParams,
) -> tuple[np.ndarray, np.ndarray]:
    """The Nash bargaining solution of every column of an (n, cols) problem, and whether it is
    the status quo for want of a deal.

    ``x`` positions (NaN: no stance), ``w`` bargaining weights, ``w_cap`` the capability
    weights used on a column whose weights are all zero, ``span`` and ``status_quo`` per column.
    A column is an issue of one scenario, or of one Monte Carlo draw: the columns are
    independent and every sum over actors is taken in order, so a column's solution does not
    depend on the others.
    """
    if not (w > 0).any(axis=0).all():  # issues with zero total weight: use capability
        w = np.where((w > 0).any(axis=0), w, w_cap)
    active = w > 0
    pos = np.where(active, x, np.nan)
    span = np.asarray(span, dtype=float)[None, :]
    lo = np.nanmin(np.where(active, x, np.inf), axis=0)
    hi = np.nanmax(np.where(active, x, -np.inf), axis=0)
    d = np.zeros_like(x)
    use_sq = np.zeros(x.shape[1], dtype=bool)
    pz = np.nan_to_num(pos)
    if params.disagreement == "status_quo":
        use_sq = ~np.isnan(status_quo)
        sqb = np.where(use_sq, status_quo, 0.0)[None, :]
        radius = np.abs(sqb - pz)
        d = np.where(use_sq[None, :], _utility(sqb, pz, span, params.utility), 0.0)
        f_lo = np.max(np.where(active, pz - radius, -np.inf), axis=0)
        f_hi = np.min(np.where(active, pz + radius, np.inf), axis=0)
        lo = np.where(use_sq, np.maximum(lo, f_lo), lo)
        hi = np.where(use_sq, np.minimum(hi, f_hi), hi)
    empty = ~(active.any(axis=0))
    no_deal = use_sq & (lo >= hi) & ~empty
    skip = empty | no_deal
    a = np.where(skip, 0.0, lo)
    b = np.where(skip, 0.0, hi)
    for _ in range(params.iterations):
        mid = (a + b) / 2.0
        gain = _utility(mid[None, :], pz, span, params.utility) - d
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(
                active,
                w
                * _utility_slope(mid[None, :], pz, span, params.utility)
                / np.maximum(gain, 1e-300),
                0.0,
            )
        slope = ordered_sum(terms, 0)
        a = np.where(slope > 0, mid, a)
        b = np.where(slope > 0, b, mid)
    f = (a + b) / 2.0
    f = np.where(no_deal, status_quo, f)
    f = np.where(empty, np.nan, f)
    return f, no_deal


def nash(arrays: ScenarioArrays, params: NashParams, rng=None) -> ModelResult:
    """The asymmetric Nash bargaining solution over the actors' utilities.

    Maximises sum_i w_i log(u_i(x) - d_i) over the outcomes x that every actor with a
    positive weight prefers to its disagreement point (Nash 1950; with bargaining powers
    w_i, Kalai 1977). The objective is concave, so its maximiser is unique and is found by
    bisection on the derivative, on all issues at once. With quadratic utilities the
    solution is close to the capability x salience weighted mean (Achen 2006).
    """
    f, no_deal = nash_columns(
        arrays.position,
        actor_weights(arrays, params.weights),
        actor_weights(arrays, "capability"),
        arrays.span,
        arrays.status_quo,
        params,
    )
    return ModelResult(model="nash", forecast=f, extras={"no_agreement": no_deal})


# -- batched forms (a leading axis of draws) -------------------------------------------------


def _columns(a: np.ndarray) -> np.ndarray:
    """``(B, n, d)`` -> ``(n, B * d)``: draw b's issue k is column ``b * d + k``."""
    nb, n, d = a.shape
    return np.ascontiguousarray(np.moveaxis(a, 1, 0)).reshape(n, nb * d)


def batch_weights(batch: DrawBatch, kind: WeightKind) -> np.ndarray:
    """``(B, n, d)`` actor weights of every draw (:func:`actor_weights` per draw)."""
    return kind_weights(batch.capability, batch.salience, batch.base.mask, kind)


def _shape_back(f: np.ndarray, batch: DrawBatch) -> np.ndarray:
    return f.reshape(len(batch), batch.n_issues)


def compromise_batched(batch: DrawBatch, params: CompromiseParams, rngs=None) -> np.ndarray:
    """:func:`compromise` on every draw of ``batch``, ``(B, d)``."""
    x = _columns(batch.position)
    f = weighted_mean(x, _columns(batch_weights(batch, params.weights)))
    fallback = weighted_mean(x, _columns(batch_weights(batch, "capability")))
    return _shape_back(np.where(np.isnan(f), fallback, f), batch)


def mean_voter_batched(batch: DrawBatch, params: NoParams, rngs=None) -> np.ndarray:
    """:func:`mean_voter` on every draw of ``batch``, ``(B, d)``."""
    x = _columns(batch.position)
    return _shape_back(weighted_mean(x, _columns(batch_weights(batch, "equal"))), batch)


def median_batched(batch: DrawBatch, params: MedianParams, rngs=None) -> np.ndarray:
    """:func:`median` on every draw of ``batch``, ``(B, d)``."""
    x = _columns(batch.position)
    f = weighted_median(x, _columns(batch_weights(batch, params.weights)), tie=params.tie)
    fallback = weighted_median(x, _columns(batch_weights(batch, "capability")), tie=params.tie)
    return _shape_back(np.where(np.isnan(f), fallback, f), batch)


def nash_batched(batch: DrawBatch, params: NashParams, rngs=None) -> np.ndarray:
    """:func:`nash` on every draw of ``batch``, ``(B, d)``: the issues of all draws as the
    columns of :func:`nash_columns`."""
    nb, d = len(batch), batch.n_issues
    f, _ = nash_columns(
        _columns(batch.position),
        _columns(batch_weights(batch, params.weights)),
        _columns(batch_weights(batch, "capability")),
        np.tile(batch.base.span, nb),
        batch.status_quo.reshape(nb * d),
        params,
    )
    return _shape_back(f, batch)


register(
    "compromise",
    CompromiseParams,
    run=compromise,
    batched=compromise_batched,
    title="Compromise (weighted mean)",
    baseline=True,
)
register(
    "mean_voter",
    NoParams,
    run=mean_voter,
    batched=mean_voter_batched,
    title="Mean voter (unweighted mean)",
    baseline=True,
)
register(
    "weighted_median",
    MedianParams,
    run=median,
    batched=median_batched,
    title="Weighted median (Condorcet winner)",
    baseline=True,
)
register(
    "nash",
    NashParams,
    run=nash,
    batched=nash_batched,
    title="Nash bargaining solution",
    baseline=True,
)
