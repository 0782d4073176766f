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
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from detente.models.base import ModelParams, ModelResult, register
from detente.models.baseline import actor_weights, weighted_mean
from detente.models.condorcet import CondorcetParams, condorcet, pooled_weights
from detente.scenario.arrays import ScenarioArrays


class PooledBlendParams(ModelParams):
    """Parameters of the pooled blend.

    share: weight of the Condorcet forecast in the blend (0.5, the default and the value
        validated, is the plain average; 0 gives the pooled compromise, 1 the pooled
        Condorcet model).
    """

    share: float = Field(0.5, ge=0.0, le=1.0)


@register("pooled_blend", PooledBlendParams, title="Pooled blend (compromise + Condorcet)")
def pooled_blend(arrays: ScenarioArrays, params: PooledBlendParams, rng=None) -> ModelResult:
    """The mean of the compromise and probabilistic Condorcet forecasts, weights pooled.

    Each actor's weight on an issue is the mean of its shares of the weight under capability
    x salience, salience, capability and equal weighting; the forecast averages the weighted
    mean of the positions and the expected winner of pairwise weighted votes. It beat the
    compromise model out of sample on the DEU III development half (``docs/validation.md``).
    """
    w = pooled_weights(arrays)
    mean = weighted_mean(arrays.position, w)
    fallback = weighted_mean(arrays.position, actor_weights(arrays, "capability"))
    mean = np.where(np.isnan(mean), fallback, mean)
    cond = condorcet(arrays, CondorcetParams(weights="pooled")).forecast
    f = (1.0 - params.share) * mean + params.share * cond
    return ModelResult(model="pooled_blend", forecast=f,
                       extras={"compromise": mean, "condorcet": cond})
