"""Models over a leading axis of Monte Carlo draws.

:func:`forecast_batch` gives the ``(B, d)`` forecasts of one model on a
:class:`~detente.scenario.arrays.DrawBatch` of ``B`` drawn scenarios: through the batched
form the model registered (``register(..., batched=...)``, see :mod:`detente.models.base`),
else draw by draw through its run function (:func:`forecast_loop`). The numbers are the same
either way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from detente.models import ModelParams, get_model
from detente.models.baseline import batch_weights
from detente.scenario.arrays import DrawBatch

__all__ = ["batch_weights", "forecast_batch", "forecast_loop", "has_batched_form"]


def has_batched_form(name: str) -> bool:
    """Whether model ``name`` is computed over all draws at once (else draw by draw).

    >>> has_batched_form("compromise")
    True
    """
    return get_model(name).batched is not None


def forecast_loop(
    name: str,
    batch: DrawBatch,
    params: ModelParams | None = None,
    rngs: Sequence[np.random.Generator | None] | None = None,
) -> np.ndarray:
    """``(B, d)`` forecasts of model ``name``, one registered-model call per draw.

    ``rngs`` gives each draw's generator (for stochastic models); ``None`` for none.
    """
    return get_model(name).forecast_loop(batch, params, rngs)


def forecast_batch(
    name: str,
    batch: DrawBatch,
    params: ModelParams | None = None,
    rngs: Sequence[np.random.Generator | None] | None = None,
) -> np.ndarray:
    """``(B, d)`` forecasts of model ``name`` on every draw of ``batch``.

    Uses the model's batched form where it has one, else :func:`forecast_loop`.

    >>> import numpy as np
    >>> from detente.run.draws import apply_inputs
    >>> from detente.scenario import ScenarioArrays
    >>> base = ScenarioArrays.from_arrays([1, 3], [0, 100], [100, 100])
    >>> batch = apply_inputs(base, [], np.empty((2, 0)))
    >>> forecast_batch("compromise", batch).tolist()
    [[75.0], [75.0]]
    """
    return get_model(name).forecast_batch(batch, params, rngs)
