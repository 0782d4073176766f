"""The probabilistic Condorcet model: the expected outcome of pairwise votes between positions.

Every distinct position an actor takes on an issue is a candidate outcome. In a contest
between candidates a and b, each actor votes, with its weight (capability x salience by
default), for the candidate nearer its own position, and splits its weight equally when both
are as near. The probability that a beats b is a's share of the weight,

    P(a > b) = (sum_i w_i [|x_i - a| < |x_i - b|] + 1/2 sum_i w_i [|x_i - a| = |x_i - b|]) / W,

so P(a > b) + P(b > a) = 1. A candidate is the outcome when it wins every contest; taking the
contests as independent, its chance is proportional to the product of its winning
probabilities, p_a = prod_b P(a > b) / Z. The forecast is the expected outcome sum_a p_a a.

This is the probabilistic reading of the Condorcet winner used in the DEU model comparisons
(Stokman and colleagues; see Thomson, Stokman, Achen & Koenig, eds., *The European Union
Decides*, 2006): with a clear weighted median the forecast is near it; with evenly balanced
camps it moves towards the middle. With ``estimate="mode"`` the most probable candidate is
returned instead of the expectation.

The votes (one per issue and draw) are computed many at once by one function: a single run
computes the votes of its issues together, the batched form of the Monte Carlo sweeps
(``condorcet_batched``) the votes of one issue in all draws together. A vote's result does not
depend on the votes computed with it (the candidates are padded with exact zeros to the largest
number of candidates, and every sum is taken in order with
:func:`~detente.models.baseline.ordered_sum`), so each draw's forecast is exactly that of a
single run.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from detente.models.base import ModelParams, ModelResult, register
from detente.models.baseline import WeightKind, kind_weights, ordered_sum
from detente.scenario.arrays import DrawBatch, ScenarioArrays

POOLED: tuple[WeightKind, ...] = ("capability_salience", "salience", "capability", "equal")
"""The weighting conventions averaged by ``weights="pooled"``."""

#: Largest ``votes x voters x candidates x candidates`` array built at once; more votes are
#: computed in parts.
_MAX_VOTE_ELEMENTS = 4_000_000


class CondorcetParams(ModelParams):
    """Parameters of the probabilistic Condorcet model.

    weights: each actor's voting weight (default capability x salience); ``pooled`` averages
        each actor's share of the weight on the issue over the conventions capability x
        salience, salience, capability and equal (for when it is unclear which is right).
    estimate: ``mean`` (default), the expected outcome; ``mode``, the most probable candidate.
    sharpness: exponent on the product of winning probabilities before normalising (1, the
        default, is the model as stated; 0 makes every candidate equally likely; large values
        approach the most probable candidate).
    """

    weights: Literal["capability_salience", "salience", "capability", "equal", "pooled"] = (
        "capability_salience"
    )
    estimate: Literal["mean", "mode"] = "mean"
    sharpness: float = Field(1.0, ge=0.0, le=100.0)


def batch_pooled_weights(
    capability: np.ndarray, salience: np.ndarray, mask: np.ndarray
) -> np.ndarray:
    """:func:`pooled_weights` over a leading axis of draws: ``(B, n, d)``."""
    total = np.zeros(salience.shape)
    count = np.zeros((salience.shape[0], salience.shape[2]))
    for kind in POOLED:
        w = kind_weights(capability, salience, mask, kind)
        s = ordered_sum(w, axis=1)
        ok = s > 0
        total += np.where(ok[:, None, :], w / np.where(ok, s, 1.0)[:, None, :], 0.0)
        count += ok
    return np.where(count[:, None, :] > 0, total / np.maximum(count, 1)[:, None, :], 0.0)


def pooled_weights(arrays: ScenarioArrays) -> np.ndarray:
    """``(n, d)`` mean over :data:`POOLED` of each actor's share of the weight on each issue.

    A convention whose weights sum to zero on an issue (all saliences zero) is left out of
    the mean there.
    """
    return batch_pooled_weights(arrays.capability[None], arrays.salience[None], arrays.mask)[0]


def _win_probabilities(
    x: np.ndarray, w: np.ndarray, voter: np.ndarray, sharpness: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`win_probabilities` of ``G`` votes at once: ``x, w (G, m)``, of which the voters
    with ``voter`` true (at least one per vote) take part (the others have weight 0).

    Returns ``(G, K)`` candidates (``inf`` beyond a vote's own candidates), ``(G, K)``
    probabilities (0 there) and each vote's number of candidates ``(G,)``. A vote's results
    do not depend on the others, nor on the voters left out or the padding: every sum is taken
    in order and the padding adds exact zeros (``log 1``, ``exp(-inf)``, weight 0).
    """
    ng, m = x.shape
    x = np.where(voter, x, np.inf)
    # positions closer than a billionth of their range count as one candidate
    xs = np.sort(x, axis=1)
    n_voters = np.count_nonzero(voter, axis=1)
    tol = 1e-9 * np.maximum(1.0, xs[np.arange(ng), n_voters - 1] - xs[:, 0])
    first = np.empty((ng, m), dtype=bool)
    first[:, 0] = True
    with np.errstate(invalid="ignore"):
        np.greater(np.diff(xs, axis=1), tol[:, None], out=first[:, 1:])
    first[:, 1:] &= np.arange(1, m)[None, :] < n_voters[:, None]
    slot = np.cumsum(first, axis=1) - 1
    count = slot[:, -1] + 1
    k = int(count.max())
    cand = np.full((ng, k), np.inf)
    cand[np.nonzero(first)[0], slot[first]] = xs[first]
    valid = np.arange(k)[None, :] < count[:, None]
    # every voter at the last candidate not above its position + tol (as np.searchsorted)
    at = np.count_nonzero(cand[:, None, :] <= (x + tol[:, None])[:, :, None], axis=2) - 1
    x = np.take_along_axis(cand, np.clip(at, 0, count[:, None] - 1), axis=1)
    # distance of every voter to every candidate: (G, m, K)
    dist = np.abs(x[:, :, None] - cand[:, None, :])
    # votes[a, b]: weight preferring a over b, plus half the weight indifferent between them
    # (distances that differ by less than the tolerance are equal: 99.99 lies as far from
    # 99.98 as from 100, though rounding says otherwise, as 0.01 does from 0 and 0.02)
    da, db = dist[:, :, :, None], dist[:, :, None, :]
    with np.errstate(invalid="ignore"):  # inf - inf beyond a vote's candidates: no tie
        tie = np.abs(da - db) <= tol[:, None, None, None]
    pref = ((da < db) & ~tie) + 0.5 * tie
    w = np.where(voter, w, 0.0)
    votes = ordered_sum(w[:, :, None, None] * pref, axis=1)
    total = ordered_sum(w, axis=1)
    prob = votes / total[:, None, None]
    diag = np.arange(k)
    prob[:, diag, diag] = 1.0
    prob = np.where(valid[:, None, :], prob, 1.0)
    # products in log space (a probability can be 0: a candidate nobody prefers to another)
    with np.errstate(divide="ignore"):
        logp = ordered_sum(np.log(prob), axis=2)
    # cannot happen with positive total weight; kept safe
    none = np.all(np.isneginf(logp) | ~valid, axis=1)
    logp = np.zeros((ng, k)) if sharpness == 0 else sharpness * logp
    logp = np.where(valid, logp, -np.inf)
    with np.errstate(invalid="ignore"):
        p = np.exp(logp - logp.max(axis=1, keepdims=True))
        p = p / ordered_sum(p, axis=1)[:, None]
    p = np.where(none[:, None], np.where(valid, 1.0 / count[:, None], 0.0), p)
    return cand, p, count


def win_probabilities(
    x: np.ndarray, w: np.ndarray, sharpness: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Candidates (the distinct positions in ``x``) and the probability that each is the outcome.

    Parameters
    ----------
    x:
        ``(m,)`` positions of the voters (no NaN).
    w:
        ``(m,)`` non-negative voting weights, not all zero.
    sharpness:
        Exponent on the products before normalising (1: the model as stated).

    Returns
    -------
    candidates, probabilities:
        ``(k,)`` sorted distinct positions and their probabilities (summing to 1).

    >>> c, p = win_probabilities(np.array([0.0, 100.0]), np.array([1.0, 1.0]))
    >>> c.tolist(), p.tolist()
    ([0.0, 100.0], [0.5, 0.5])
    """
    x = np.asarray(x, dtype=float)[None]
    cand, p, _ = _win_probabilities(
        x, np.asarray(w, dtype=float)[None], np.ones(x.shape, dtype=bool), sharpness
    )
    return cand[0], p[0]


def _votes(
    x: np.ndarray, w: np.ndarray, w_cap: np.ndarray, voter: np.ndarray, sharpness: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``G`` votes (see :func:`_win_probabilities`): the expected outcomes, the most probable
    candidates and the numbers of candidates, each ``(G,)``. Where every weight of a vote is
    zero (every salience 0), the capabilities ``w_cap`` are the weights."""
    ng, m = x.shape
    if ng == 0:
        return np.empty(0), np.empty(0), np.empty(0, dtype=int)
    w = np.where((ordered_sum(w, axis=1) <= 0)[:, None], w_cap, w)
    step = max(1, _MAX_VOTE_ELEMENTS // m**3)  # (votes, voters, candidates, candidates)
    if ng > step:  # in parts (each vote's results do not depend on the others)
        parts = [
            _votes(
                x[lo : lo + step],
                w[lo : lo + step],
                w_cap[lo : lo + step],
                voter[lo : lo + step],
                sharpness,
            )
            for lo in range(0, ng, step)
        ]
        return tuple(np.concatenate(a) for a in zip(*parts))  # type: ignore[return-value]
    cand, p, count = _win_probabilities(x, w, voter, sharpness)
    expected = ordered_sum(p * np.where(np.isfinite(cand), cand, 0.0), axis=1)
    mode = np.take_along_axis(cand, np.argmax(p, axis=1)[:, None], axis=1)[:, 0]
    return expected, mode, count


def condorcet_scenario(
    arrays: ScenarioArrays, w_all: np.ndarray, sharpness: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model on one scenario, the issues as ``d`` votes at once: the expected outcomes,
    the most probable candidates and the numbers of candidates (each ``(d,)``)."""
    mask = arrays.mask
    d = arrays.n_issues
    expected = np.full(d, np.nan)
    mode = np.full(d, np.nan)
    n_cand = np.zeros(d, dtype=int)
    act = np.flatnonzero(mask.any(axis=0))
    if act.size:
        w_cap = np.where(mask, arrays.capability[:, None], 0.0)
        e, m, c = _votes(arrays.position.T[act], w_all.T[act], w_cap.T[act], mask.T[act], sharpness)
        expected[act], mode[act], n_cand[act] = e, m, c
    return expected, mode, n_cand


def condorcet_draws(
    capability: np.ndarray,
    position: np.ndarray,
    w_all: np.ndarray,
    mask: np.ndarray,
    sharpness: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The model on ``B`` draws (``capability (B, n)``, ``position (B, n, d)``, voting
    weights ``w_all (B, n, d)``), each issue's votes of all draws at once: the expected
    outcomes and the most probable candidates, ``(B, d)`` each. Equal to
    :func:`condorcet_scenario` draw by draw (the same votes, only grouped and padded
    differently)."""
    nb, _, d = position.shape
    expected = np.full((nb, d), np.nan)
    mode = np.full((nb, d), np.nan)
    for k in range(d):
        idx = np.flatnonzero(mask[:, k])
        if idx.size == 0:
            continue
        expected[:, k], mode[:, k], _ = _votes(
            position[:, idx, k],
            w_all[:, idx, k],
            capability[:, idx],
            np.ones((nb, idx.size), dtype=bool),
            sharpness,
        )
    return expected, mode


def _weights(
    capability: np.ndarray, salience: np.ndarray, mask: np.ndarray, params: CondorcetParams
) -> np.ndarray:
    if params.weights == "pooled":
        return batch_pooled_weights(capability, salience, mask)
    return kind_weights(capability, salience, mask, params.weights)


def condorcet(arrays: ScenarioArrays, params: CondorcetParams, rng=None) -> ModelResult:
    """The probabilistic Condorcet model: the expected winner of pairwise weighted votes.

    Each actor's position is a candidate; the chance that a candidate is the outcome is the
    product of its probabilities of winning each pairwise vote (its share of the weight of
    the voters nearer to it). The forecast is the expected outcome. Where all weights on an
    issue are zero, capability alone is used.
    """
    w_all = _weights(arrays.capability[None], arrays.salience[None], arrays.mask, params)[0]
    forecast, mode, n_cand = condorcet_scenario(arrays, w_all, params.sharpness)
    f = mode if params.estimate == "mode" else forecast
    return ModelResult(
        model="condorcet",
        forecast=f,
        extras={"expected": forecast, "most_probable": mode, "candidates": n_cand},
    )


def condorcet_batched(batch: DrawBatch, params: CondorcetParams, rngs=None) -> np.ndarray:
    """``(B, d)`` forecasts on every draw of a :class:`~detente.scenario.arrays.DrawBatch`, each
    issue's votes of all draws computed together by the operations of a single run (every
    parameter choice)."""
    mask = batch.base.mask
    forecast, mode = condorcet_draws(
        batch.capability,
        batch.position,
        _weights(batch.capability, batch.salience, mask, params),
        mask,
        params.sharpness,
    )
    return mode if params.estimate == "mode" else forecast


register(
    "condorcet",
    CondorcetParams,
    run=condorcet,
    batched=condorcet_batched,
    title="Probabilistic Condorcet",
)
