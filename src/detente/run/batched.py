"""Models over a leading axis of Monte Carlo draws.

:func:`forecast_batch` gives the ``(B, d)`` forecasts of one model on a
:class:`~detente.run.draws.DrawBatch` of ``B`` drawn scenarios. The four baselines have batched
forms: every issue of every draw is one column of an ``(n, B * d)`` problem, solved at once
with the column-wise helpers of :mod:`detente.models.baseline` (each column is computed by the
same operations as in the per-draw model, so the results are equal). A model without a batched
form is run draw by draw through its registered function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from detente.models import ModelParams, get_model
from detente.models.baseline import (
    CompromiseParams,
    MedianParams,
    NashParams,
    kind_weights,
    nash_columns,
    weighted_mean,
    weighted_median,
)
from detente.run.draws import DrawBatch

BatchedFn = Callable[..., np.ndarray]


def _columns(a: np.ndarray) -> np.ndarray:
    """``(B, n, d)`` -> ``(n, B * d)``: draw b's issue k is column ``b * d + k``."""
    nb, n, d = a.shape
    return np.ascontiguousarray(np.moveaxis(a, 1, 0)).reshape(n, nb * d)


def batch_weights(batch: DrawBatch, kind: str) -> np.ndarray:
    """``(B, n, d)`` actor weights of every draw (as
    :func:`detente.models.baseline.actor_weights` per draw)."""
    return kind_weights(batch.capability, batch.salience, batch.base.mask, kind)


def _shape_back(f: np.ndarray, batch: DrawBatch) -> np.ndarray:
    return f.reshape(len(batch), batch.base.n_issues)


def _compromise(batch: DrawBatch, params: CompromiseParams) -> np.ndarray:
    x = _columns(batch.position)
    f = weighted_mean(x, _columns(batch_weights(batch, params.weights)))
    fallback = weighted_mean(x, _columns(batch_weights(batch, "capability")))
    return _shape_back(np.where(np.isnan(f), fallback, f), batch)


def _mean_voter(batch: DrawBatch, params: ModelParams) -> np.ndarray:
    x = _columns(batch.position)
    return _shape_back(weighted_mean(x, _columns(batch_weights(batch, "equal"))), batch)


def _median(batch: DrawBatch, params: MedianParams) -> np.ndarray:
    x = _columns(batch.position)
    tie = getattr(params, "tie", "midpoint")
    f = weighted_median(x, _columns(batch_weights(batch, params.weights)), tie=tie)
    fallback = weighted_median(x, _columns(batch_weights(batch, "capability")), tie=tie)
    return _shape_back(np.where(np.isnan(f), fallback, f), batch)


def _nash(batch: DrawBatch, params: NashParams) -> np.ndarray:
    # The Nash model of detente.models.baseline, with the issues of all draws as columns.
    nb, d = len(batch), batch.base.n_issues
    f, _ = nash_columns(
        _columns(batch.position),
        _columns(batch_weights(batch, params.weights)),
        _columns(batch_weights(batch, "capability")),
        np.tile(batch.base.span, nb),
        batch.status_quo.reshape(nb * d),
        params,
    )
    return _shape_back(f, batch)


#: Models with a batched (leading draw axis) form, by registered name.
BATCHED: dict[str, BatchedFn] = {
    "compromise": _compromise,
    "mean_voter": _mean_voter,
    "weighted_median": _median,
    "nash": _nash,
}


def batched_form(name: str) -> BatchedFn | None:
    """The batched form of model ``name``, or ``None``.

    A model module can provide one without touching this module, by giving its registered
    run function a ``batched`` attribute (as it may give it ``applicable``)::

        def _run_batched(batch, params):          # stochastic models: (batch, params, rngs)
            ...                                   # -> (B, d) forecasts
        run_mymodel.batched = _run_batched

    ``batch`` has ``capability (B, n)``, ``position (B, n, d)``, ``salience (B, n, d)`` (fractions),
    ``status_quo (B, d)`` and ``base`` (the scenario's
    :class:`~detente.scenario.arrays.ScenarioArrays`: ``mask``, ``low``, ``high``, ids);
    ``rngs`` is one generator per draw. Row ``b`` of the result must equal the model's
    forecast on ``batch.arrays(b)``.
    """
    fn = getattr(get_model(name).run, "batched", None)
    return fn if fn is not None else BATCHED.get(name)


def has_batched_form(name: str) -> bool:
    """Whether model ``name`` is computed over all draws at once (else draw by draw)."""
    return batched_form(name) is not None


def forecast_loop(
    name: str,
    batch: DrawBatch,
    params: ModelParams | None = None,
    rngs: Sequence[np.random.Generator | None] | None = None,
) -> np.ndarray:
    """``(B, d)`` forecasts of model ``name``, one registered-model call per draw.

    ``rngs`` gives each draw's generator (for stochastic models); ``None`` for none.
    """
    spec = get_model(name)
    if params is None:
        params = spec.params()
    out = np.empty((len(batch), batch.base.n_issues))
    for b in range(len(batch)):
        rng = None if rngs is None else rngs[b]
        out[b] = spec(batch.arrays(b), params, rng).forecast
    return out


def forecast_batch(
    name: str,
    batch: DrawBatch,
    params: ModelParams | None = None,
    rngs: Sequence[np.random.Generator | None] | None = None,
) -> np.ndarray:
    """``(B, d)`` forecasts of model ``name`` on every draw of ``batch``.

    Uses the model's batched form where it has one (see :func:`batched_form`), else
    :func:`forecast_loop`.

    >>> import numpy as np
    >>> from detente.run.draws import apply_inputs
    >>> from detente.scenario import ScenarioArrays
    >>> base = ScenarioArrays.from_arrays([1, 3], [0, 100], [100, 100])
    >>> batch = apply_inputs(base, [], np.empty((2, 0)))
    >>> forecast_batch("compromise", batch).tolist()
    [[75.0], [75.0]]
    """
    spec = get_model(name)
    if params is None:
        params = spec.params()
    fn = batched_form(name)
    if fn is not None and isinstance(params, spec.params):
        if spec.stochastic:
            return fn(batch, params, rngs)
        return fn(batch, params)
    return forecast_loop(name, batch, params, rngs)
