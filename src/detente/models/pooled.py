"""The pooled blend: the compromise and the probabilistic Condorcet model, over weightings.

Two things are uncertain when forecasting a collective decision from positions and
saliences: how the actors' views are aggregated (a weighted mean, as in the compromise
model, or majority contests, as in the Condorcet model) and what each actor's weight is
(capability x salience, salience, capability or an equal vote). The pooled blend averages
over both: each actor's weight on an issue is the mean of its shares of the weight under the
four conventions (:func:`detente.models.condorcet.pooled_weights`), and the forecast is the
mean of the compromise and the probabilistic Condorcet forecasts with those weights.

It has no parameter fitted to outcomes. It was chosen, against the alternatives listed in
``docs/validation.md``, by cross-validation by proposal on the development half of DEU III,
and fixed before any further evaluation.

Its batched form (``pooled_blend_batched``, for Monte Carlo sweeps) combines the batched forms
of its parts: the pooled weights and the Condorcet votes of every draw computed together by
:mod:`detente.models.condorcet`, and the weighted mean summed in order over the actors, so
that each draw's forecast is exactly that of a single run.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from detente.models.base import ModelParams, ModelResult, register
from detente.models.baseline import ordered_weighted_mean
from detente.models.condorcet import (
    batch_pooled_weights,
    condorcet_draws,
    condorcet_scenario,
)
from detente.scenario.arrays import DrawBatch, ScenarioArrays


class PooledBlendParams(ModelParams):
    """Parameters of the pooled blend.

    share: weight of the Condorcet forecast in the blend (0.5, the default and the value
        validated, is the plain average; 0 gives the pooled compromise, 1 the pooled
        Condorcet model).
    """

    share: float = Field(0.5, ge=0.0, le=1.0)


def _pooled_mean(
    capability: np.ndarray, position: np.ndarray, w: np.ndarray, mask: np.ndarray
) -> np.ndarray:
    """``(B, d)`` weighted means of the positions of ``B`` draws with the pooled weights
    ``w (B, n, d)``; where they sum to zero, with capabilities (as the compromise model)."""
    mean = ordered_weighted_mean(position, w, axis=1)
    w_cap = np.where(mask, capability[:, :, None], 0.0)
    fallback = ordered_weighted_mean(position, w_cap, axis=1)
    return np.where(np.isnan(mean), fallback, mean)


def _blend(mean: np.ndarray, cond: np.ndarray, params: PooledBlendParams) -> np.ndarray:
    return (1.0 - params.share) * mean + params.share * cond


def pooled_blend(arrays: ScenarioArrays, params: PooledBlendParams, rng=None) -> ModelResult:
    """The mean of the compromise and probabilistic Condorcet forecasts, weights pooled.

    Each actor's weight on an issue is the mean of its shares of the weight under capability
    x salience, salience, capability and equal weighting; the forecast averages the weighted
    mean of the positions and the expected winner of pairwise weighted votes. It beat the
    compromise model out of sample on the DEU III development half (``docs/validation.md``).
    """
    c = arrays.capability[None]
    w = batch_pooled_weights(c, arrays.salience[None], arrays.mask)
    mean = _pooled_mean(c, arrays.position[None], w, arrays.mask)[0]
    cond = condorcet_scenario(arrays, w[0], 1.0)[0]  # the Condorcet model with weights="pooled"
    return ModelResult(
        model="pooled_blend",
        forecast=_blend(mean, cond, params),
        extras={"compromise": mean, "condorcet": cond},
    )


def pooled_blend_batched(batch: DrawBatch, params: PooledBlendParams, rngs=None) -> np.ndarray:
    """``(B, d)`` forecasts on every draw of a :class:`~detente.scenario.arrays.DrawBatch`, from the
    batched pooled weights, weighted mean and Condorcet votes (every parameter choice)."""
    mask = batch.base.mask
    w = batch_pooled_weights(batch.capability, batch.salience, mask)
    mean = _pooled_mean(batch.capability, batch.position, w, mask)
    cond = condorcet_draws(batch.capability, batch.position, w, mask, 1.0)[0]
    return _blend(mean, cond, params)


register(
    "pooled_blend",
    PooledBlendParams,
    run=pooled_blend,
    batched=pooled_blend_batched,
    title="Pooled blend (compromise + Condorcet)",
)
