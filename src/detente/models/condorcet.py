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
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from detente.models.base import ModelParams, ModelResult, register
from detente.models.baseline import WeightKind, actor_weights
from detente.scenario.arrays import ScenarioArrays

POOLED: tuple[WeightKind, ...] = ("capability_salience", "salience", "capability", "equal")
"""The weighting conventions averaged by ``weights="pooled"``."""


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

    weights: Literal["capability_salience", "salience", "capability", "equal", "pooled"] = \
        "capability_salience"
    estimate: Literal["mean", "mode"] = "mean"
    sharpness: float = Field(1.0, ge=0.0, le=100.0)


def pooled_weights(arrays: ScenarioArrays) -> np.ndarray:
    """``(n, d)`` mean over :data:`POOLED` of each actor's share of the weight on each issue.

    A convention whose weights sum to zero on an issue (all saliences zero) is left out of
    the mean there.
    """
    total = np.zeros(arrays.mask.shape)
    count = np.zeros(arrays.n_issues)
    for kind in POOLED:
        w = actor_weights(arrays, kind)
        s = w.sum(axis=0)
        ok = s > 0
        total += np.where(ok[None, :], w / np.where(ok, s, 1.0)[None, :], 0.0)
        count += ok
    return np.where(count[None, :] > 0, total / np.maximum(count, 1)[None, :], 0.0)


def win_probabilities(x: np.ndarray, w: np.ndarray, sharpness: float = 1.0
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
    # positions closer than a billionth of their range count as one candidate
    xs = np.sort(x)
    tol = 1e-9 * max(1.0, float(xs[-1] - xs[0]))
    cand = xs[np.r_[True, np.diff(xs) > tol]]
    x = cand[np.clip(np.searchsorted(cand, x + tol, side="right") - 1, 0, cand.size - 1)]
    # distance of every voter to every candidate: (m, k)
    dist = np.abs(x[:, None] - cand[None, :])
    # votes[a, b]: weight preferring a over b, plus half the weight indifferent between them
    closer = (dist[:, :, None] < dist[:, None, :]).astype(float)
    tie = (dist[:, :, None] == dist[:, None, :]).astype(float)
    votes = np.einsum("i,iab->ab", w, closer + 0.5 * tie)
    total = w.sum()
    prob = votes / total
    np.fill_diagonal(prob, 1.0)
    # products in log space (a probability can be 0: a candidate nobody prefers to another)
    with np.errstate(divide="ignore"):
        logp = np.log(prob).sum(axis=1)
    if np.all(np.isneginf(logp)):  # cannot happen with positive total weight; kept safe
        return cand, np.full(cand.size, 1.0 / cand.size)
    logp = sharpness * logp
    if sharpness == 0:
        logp = np.zeros(cand.size)
    p = np.exp(logp - logp.max())
    return cand, p / p.sum()


@register("condorcet", CondorcetParams, title="Probabilistic Condorcet")
def condorcet(arrays: ScenarioArrays, params: CondorcetParams, rng=None) -> ModelResult:
    """The probabilistic Condorcet model: the expected winner of pairwise weighted votes.

    Each actor's position is a candidate; the chance that a candidate is the outcome is the
    product of its probabilities of winning each pairwise vote (its share of the weight of
    the voters nearer to it). The forecast is the expected outcome. Where all weights on an
    issue are zero, capability alone is used.
    """
    w_all = pooled_weights(arrays) if params.weights == "pooled" \
        else actor_weights(arrays, params.weights)
    w_cap = actor_weights(arrays, "capability")
    d = arrays.n_issues
    forecast = np.full(d, np.nan)
    mode = np.full(d, np.nan)
    n_cand = np.zeros(d, dtype=int)
    for k in range(d):
        m = arrays.mask[:, k]
        if not m.any():
            continue
        x = arrays.position[m, k]
        w = w_all[m, k]
        if w.sum() <= 0:
            w = w_cap[m, k]
        cand, p = win_probabilities(x, w, params.sharpness)
        forecast[k] = float(p @ cand)
        mode[k] = float(cand[np.argmax(p)])
        n_cand[k] = cand.size
    f = mode if params.estimate == "mode" else forecast
    return ModelResult(model="condorcet", forecast=f,
                       extras={"expected": forecast, "most_probable": mode,
                               "candidates": n_cand})

