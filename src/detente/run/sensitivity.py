"""Which inputs a forecast is most sensitive to.

Two methods, both over the uncertainty ranges of the scenario (see :mod:`detente.run.draws`):

**Tornado (one at a time).** Every number of the scenario is set in turn to the low and the high
end of its range, all others at their values, and each model is run. An input's *swing* on an
issue is the width of the interval spanned by the forecasts at its low end, its value and its
high end. A number without a range has a swing of zero by definition of the method: it is
reported anyway, so that a large zero-width input shows up as "give me a range".

**Variance-based (Sobol) indices.** With inputs drawn as in a sweep, the first-order index
``S_g`` of a group of inputs ``g`` is the share of the forecast's variance explained by ``g``
alone, and the total index ``T_g`` the share that involves ``g`` at all (alone or in
interaction). Estimated from two independent samples ``A`` and ``B`` of ``N`` rows and, for
every group, the matrix ``A_B^g`` (``A`` with the columns of ``g`` taken from ``B``), at a cost
of ``N (G + 2)`` model runs:

    S_g = mean(f(B) (f(A_B^g) - f(A))) / V          (Saltelli et al. 2010)
    T_g = mean((f(A) - f(A_B^g))^2) / (2 V)          (Jansen 1999)

with ``V`` the variance of ``f`` over the rows of ``A`` and ``B`` together and ``f`` centred
on its mean over those rows (which leaves the expectations unchanged and makes the first-order
estimate far less noisy when the forecast's mean is large against its spread). Row ``j`` of ``A``
is exactly run ``j`` of a sweep with the same seed (stream 0), row ``j`` of ``B`` comes from
stream 2 of run ``j``; stochastic models get run ``j``'s model stream for every matrix (common
random numbers), so the indices do not depend on chunking, executor or workers. Groups:
``input`` (each number alone), ``actor`` (an actor's capability, positions and saliences
together; status quos form one group), ``kind`` (capability, position, salience,
status_quo) or ``issue`` (the positions and saliences on an issue, and its status quo;
capabilities form one group).

References: A. Saltelli, P. Annoni, I. Azzini, F. Campolongo, M. Ratto, S. Tarantola (2010),
Variance based sensitivity analysis of model output, Computer Physics Communications 181;
M. J. W. Jansen (1999), Analysis of variance designs for model output, Computer Physics
Communications 117.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from detente.errors import ParameterError
from detente.models import ModelParams, get_model
from detente.run.batched import forecast_batch
from detente.run.draws import (
    STREAM_INPUTS,
    STREAM_MODEL,
    STREAM_SOBOL_B,
    Input,
    InputSampler,
    apply_inputs,
    run_generator,
    scenario_inputs,
)
from detente.run.executors import Executor, InProcess
from detente.scenario.model import Scenario

GROUPINGS = ("input", "actor", "kind", "issue")

TORNADO_COLUMNS = [
    "model",
    "issue",
    "input",
    "kind",
    "actor",
    "input_issue",
    "value",
    "low",
    "high",
    "forecast",
    "forecast_at_low",
    "forecast_at_high",
    "swing",
]
SOBOL_COLUMNS = [
    "model",
    "issue",
    "group",
    "inputs",
    "first_order",
    "first_order_ci",
    "total",
    "total_ci",
    "variance",
    "n",
]


@dataclass(frozen=True)
class ScenarioEvaluator:
    """Forecasts of several models on scenarios with given input values (picklable).

    Calling it with ``values`` ``(B, m)`` (the inputs' values in scenario units) and ``runs``
    ``(B,)`` (the run index giving each row's model stream) returns ``(B, M * d)`` forecasts,
    model-major (model ``j``, issue ``k`` in column ``j * d + k``).
    """

    scenario: Scenario
    models: tuple[str, ...]
    params: tuple[ModelParams, ...]
    inputs: tuple[Input, ...]
    seed: int = 0

    def forecasts(self, values: np.ndarray, runs: Sequence[int]) -> np.ndarray:
        """``(M, B, d)`` forecasts."""
        batch = apply_inputs(self.scenario.to_arrays(), self.inputs, values)
        out = []
        for name, params in zip(self.models, self.params):
            rngs = None
            if get_model(name).stochastic:
                rngs = [run_generator(self.seed, int(r), STREAM_MODEL) for r in runs]
            out.append(forecast_batch(name, batch, params, rngs))
        return np.stack(out) if out else np.empty((0, len(values), len(self.scenario.issues)))

    def __call__(self, values: np.ndarray, runs: Sequence[int]) -> np.ndarray:
        f = self.forecasts(values, runs)
        return np.moveaxis(f, 0, 1).reshape(f.shape[1], -1)


def resolve_models(
    scenario: Scenario,
    models: Sequence[str] | None,
    params: Mapping[str, ModelParams | Mapping[str, str]] | None,
) -> tuple[tuple[str, ...], tuple[ModelParams, ...]]:
    """Model names (default: every model applicable to ``scenario``) and their parameters."""
    from detente.errors import DetenteError
    from detente.models.runner import applicable, check_models, default_models

    names = tuple(check_models(models)) if models else tuple(default_models(scenario))
    params = dict(params or {})
    for key in params:
        if key not in names:
            raise ParameterError(f"parameters given for model {key!r}, which is not run")
    out = []
    for name in names:
        why = applicable(name, scenario)
        if why is not None:
            raise DetenteError(f"model {name!r} cannot run on scenario {scenario.id!r}: {why}")
        p = params.get(name)
        spec = get_model(name)
        out.append(p if isinstance(p, ModelParams) else spec.make_params(p))
    return names, tuple(out)


# -- tornado ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RowsTask:
    evaluator: ScenarioEvaluator
    values: np.ndarray

    def __call__(self, rows: tuple[int, int]) -> np.ndarray:
        a, b = rows
        return self.evaluator.forecasts(self.values[a:b], np.zeros(b - a, dtype=int))


def _row_chunks(total: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size, total)) for a in range(0, total, size)]


def tornado(
    scenario: Scenario,
    models: Sequence[str] | None = None,
    params: Mapping[str, ModelParams | Mapping[str, str]] | None = None,
    *,
    seed: int = 0,
    uncertain_only: bool = False,
    executor: Executor | None = None,
    chunk_size: int = 64,
) -> pd.DataFrame:
    """One-at-a-time sensitivity of each model's forecast to each input.

    Returns one row per model, issue and input with the forecast at the input's value
    (``forecast``), at its low and high end, and the ``swing`` (the width of the interval the
    three span), sorted by model, issue and decreasing swing. Inputs without a range have
    low = high = value and a swing of 0. ``seed`` gives stochastic models their generator
    (the same for every row).

    >>> import detente
    >>> from detente.scenario import build_scenario
    >>> s = build_scenario({"actors": [{"id": "a", "capability": {"value": 2,
    ...     "range": [1, 3]}}, {"id": "b", "capability": 2}], "issues": [{"id": "x"}],
    ...     "stances": [{"actor": "a", "issue": "x", "position": 0, "salience": 50},
    ...                 {"actor": "b", "issue": "x", "position": 100, "salience": 50}]})
    >>> t = tornado(s, ["compromise"])
    >>> row = t.iloc[0]
    >>> row["input"], [round(float(row[c]), 2) for c in ("forecast_at_low", "swing")]
    ('capability:a', [66.67, 26.67])
    """
    names, plist = resolve_models(scenario, models, params)
    inputs = tuple(scenario_inputs(scenario, uncertain_only=uncertain_only))
    m = len(inputs)
    value = np.array([x.value for x in inputs])
    rows = np.repeat(value[None, :], 2 * m + 1, axis=0)
    for j, x in enumerate(inputs):
        rows[1 + 2 * j, j] = x.low
        rows[2 + 2 * j, j] = x.high
    ev = ScenarioEvaluator(scenario, names, plist, inputs, seed)
    parts: dict[int, np.ndarray] = {}
    chunks = _row_chunks(len(rows), chunk_size)
    (executor or InProcess()).map_chunks(_RowsTask(ev, rows), chunks, parts.__setitem__)
    f = np.concatenate([parts[i] for i in range(len(chunks))], axis=1)  # (M, 2m+1, d)
    base, at_lo, at_hi = f[:, :1, :], f[:, 1::2, :], f[:, 2::2, :]
    lo = np.minimum(np.minimum(at_lo, at_hi), base)
    hi = np.maximum(np.maximum(at_lo, at_hi), base)
    swing = hi - lo
    recs = []
    for a, name in enumerate(names):
        for k, iss in enumerate(scenario.issue_ids):
            for j, x in enumerate(inputs):
                recs.append(
                    (
                        name,
                        iss,
                        x.name,
                        x.kind,
                        x.actor,
                        x.issue,
                        x.value,
                        x.low,
                        x.high,
                        float(base[a, 0, k]),
                        float(at_lo[a, j, k]),
                        float(at_hi[a, j, k]),
                        float(swing[a, j, k]),
                    )
                )
    df = pd.DataFrame(recs, columns=TORNADO_COLUMNS)
    order = {n: i for i, n in enumerate(names)}
    iorder = {n: i for i, n in enumerate(scenario.issue_ids)}
    df["_m"] = df["model"].map(order)
    df["_i"] = df["issue"].map(iorder)
    df = df.sort_values(["_m", "_i", "swing"], ascending=[True, True, False], kind="stable")
    return df.drop(columns=["_m", "_i"]).reset_index(drop=True)


# -- Sobol indices ---------------------------------------------------------------------------


def input_groups(inputs: Sequence[Input], by: str = "actor") -> dict[str, list[int]]:
    """Indices of ``inputs`` by group (see the module docstring for the groupings)."""
    if by not in GROUPINGS:
        raise ParameterError(f"unknown grouping {by!r} (known: {', '.join(GROUPINGS)})")
    groups: dict[str, list[int]] = {}
    for j, x in enumerate(inputs):
        if by == "input":
            key = x.name
        elif by == "kind":
            key = x.kind
        elif by == "actor":
            key = x.actor if x.actor is not None else "status_quo"
        else:
            key = x.issue if x.issue is not None else "capability"
        groups.setdefault(key, []).append(j)
    return groups


Evaluate = Callable[[np.ndarray, Sequence[int]], np.ndarray]


@dataclass(frozen=True)
class SobolTask:
    """Evaluates rows ``start..stop`` of the Sobol design (picklable when ``evaluate`` is)."""

    evaluate: Evaluate
    sampler: InputSampler
    groups: tuple[tuple[int, ...], ...]
    seed: int

    def __call__(self, chunk: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        start, stop = chunk
        runs = np.arange(start, stop)
        a = self.sampler.sample_runs(self.seed, runs, STREAM_INPUTS)
        b = self.sampler.sample_runs(self.seed, runs, STREAM_SOBOL_B)
        mats = [a, b]
        for g in self.groups:
            ab = a.copy()
            ab[:, list(g)] = b[:, list(g)]
            mats.append(ab)
        y = np.asarray(self.evaluate(np.concatenate(mats), np.tile(runs, len(mats))), float)
        y = y.reshape(len(mats), len(runs), -1)
        return y[0], y[1], y[2:]


def sobol_estimates(
    ya: np.ndarray, yb: np.ndarray, yab: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First-order and total indices from model outputs on the Sobol design.

    Parameters
    ----------
    ya, yb:
        ``(N, q)`` outputs on ``A`` and ``B``.
    yab:
        ``(G, N, q)`` outputs on ``A_B^g`` for every group.

    Returns
    -------
    first, total:
        ``(G, q)``: Saltelli (2010) first-order and Jansen (1999) total indices; NaN where
        the output does not vary.
    variance:
        ``(q,)`` the output's variance.
    """
    both = np.concatenate([ya, yb])
    var = np.var(both, axis=0)
    # Centring leaves both estimators' expectations unchanged (E[f(A_B^g) - f(A)] = 0) and
    # removes the variance the mean of f would otherwise add to the first-order estimate.
    centre = both.mean(axis=0)
    ya, yb, yab = ya - centre, yb - centre, yab - centre
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.mean(yb[None] * (yab - ya[None]), axis=1) / var
        total = 0.5 * np.mean((ya[None] - yab) ** 2, axis=1) / var
    ok = var > 1e-24 * np.maximum(1.0, centre**2)
    return np.where(ok, first, np.nan), np.where(ok, total, np.nan), var


class SobolIndices(NamedTuple):
    """Sobol indices of ``q`` outputs for ``G`` groups of inputs.

    ``first`` and ``total`` ``(G, q)``, the outputs' ``variance`` ``(q,)`` and the half-widths
    of bootstrap 95% intervals of the indices, ``first_ci`` and ``total_ci`` ``(G, q)``.
    """

    first: np.ndarray
    total: np.ndarray
    variance: np.ndarray
    first_ci: np.ndarray
    total_ci: np.ndarray


#: ``spawn_key`` of the bootstrap's generator (runs use two-element keys, so no clash).
_BOOTSTRAP_KEY = (0xB0075,)


def sobol_bootstrap(
    ya: np.ndarray, yb: np.ndarray, yab: np.ndarray, seed: int = 0, resamples: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Half-widths of percentile bootstrap 95% intervals of the first-order and total indices
    (rows of the design resampled with replacement ``resamples`` times)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=_BOOTSTRAP_KEY))
    n = ya.shape[0]
    firsts, totals = [], []
    for _ in range(resamples):
        idx = rng.integers(0, n, n)
        f, t, _ = sobol_estimates(ya[idx], yb[idx], yab[:, idx])
        firsts.append(f)
        totals.append(t)

    def half(samples: list[np.ndarray]) -> np.ndarray:
        arr = np.stack(samples)
        with np.errstate(invalid="ignore"):
            lo, hi = (
                np.nanpercentile(arr, [2.5, 97.5], axis=0)
                if np.isfinite(arr).any()
                else (np.full(arr.shape[1:], np.nan),) * 2
            )
        return (hi - lo) / 2.0

    return half(firsts), half(totals)


def sobol_indices(
    evaluate: Evaluate,
    sampler: InputSampler,
    groups: Sequence[Sequence[int]],
    n: int,
    seed: int = 0,
    *,
    executor: Executor | None = None,
    chunk_size: int = 256,
    resamples: int = 100,
) -> SobolIndices:
    """Sobol indices of any function of the sampler's inputs.

    ``evaluate(values, runs)`` maps ``(B, m)`` input values (and each row's base-sample index)
    to ``(B, q)`` outputs. Returns the indices of every group (see :func:`sobol_estimates`)
    with bootstrap intervals from ``resamples`` resamples (0: none, NaN half-widths).

    Examples
    --------
    An additive function of two uniform inputs, the second twice as wide: its share of the
    variance is 4/5.

    >>> from detente.run.draws import Input, InputSampler
    >>> xs = [Input("position", None, None, -1, -1, 0.0, -w, w) for w in (1.0, 2.0)]
    >>> res = sobol_indices(lambda v, runs: v.sum(axis=1)[:, None],
    ...                     InputSampler(xs, "uniform"), [[0], [1]], n=4000, seed=1)
    >>> [round(float(x), 1) for x in res.total[:, 0]]
    [0.2, 0.8]
    """
    if n < 2:
        raise ParameterError(f"Sobol indices need at least 2 base runs, got {n}")
    from detente.limits import check_count

    check_count("draws", n * (len(groups) + 2))
    task = SobolTask(evaluate, sampler, tuple(tuple(g) for g in groups), seed)
    chunks = _row_chunks(n, chunk_size)
    parts: dict[int, tuple] = {}
    (executor or InProcess()).map_chunks(task, chunks, parts.__setitem__)
    ya = np.concatenate([parts[i][0] for i in range(len(chunks))])
    yb = np.concatenate([parts[i][1] for i in range(len(chunks))])
    yab = np.concatenate([parts[i][2] for i in range(len(chunks))], axis=1)
    first, total, var = sobol_estimates(ya, yb, yab)
    if resamples:
        first_ci, total_ci = sobol_bootstrap(ya, yb, yab, seed, resamples)
    else:
        first_ci = total_ci = np.full_like(first, np.nan)
    return SobolIndices(first, total, var, first_ci, total_ci)


def sobol(
    scenario: Scenario,
    models: Sequence[str] | None = None,
    params: Mapping[str, ModelParams | Mapping[str, str]] | None = None,
    *,
    n: int = 256,
    seed: int = 0,
    group: str = "actor",
    distribution: str = "pert",
    executor: Executor | None = None,
    chunk_size: int = 64,
) -> pd.DataFrame:
    """Variance-based sensitivity indices of each model's forecast, by group of inputs.

    Costs ``n (G + 2)`` runs of each model (``G`` groups). Returns one row per model, issue
    and group: ``first_order`` and ``total`` with the half-widths of their bootstrap 95%
    intervals (``first_order_ci``, ``total_ci``), the forecast's ``variance`` and ``n``; sorted
    by model, issue and decreasing total index. Empty when the scenario has no ranges.
    """
    names, plist = resolve_models(scenario, models, params)
    inputs = tuple(scenario_inputs(scenario))
    groups = input_groups(inputs, group)
    if not inputs:
        return pd.DataFrame(columns=SOBOL_COLUMNS)
    ev = ScenarioEvaluator(scenario, names, plist, inputs, seed)
    sampler = InputSampler(inputs, distribution)
    res = sobol_indices(
        ev, sampler, list(groups.values()), n, seed, executor=executor, chunk_size=chunk_size
    )
    d = len(scenario.issues)
    recs = []
    for a, name in enumerate(names):
        for k, iss in enumerate(scenario.issue_ids):
            q = a * d + k
            for g, (key, idx) in enumerate(groups.items()):
                recs.append(
                    (
                        name,
                        iss,
                        key,
                        len(idx),
                        float(res.first[g, q]),
                        float(res.first_ci[g, q]),
                        float(res.total[g, q]),
                        float(res.total_ci[g, q]),
                        float(res.variance[q]),
                        n,
                    )
                )
    df = pd.DataFrame(recs, columns=SOBOL_COLUMNS)
    order = {m: i for i, m in enumerate(names)}
    iorder = {m: i for i, m in enumerate(scenario.issue_ids)}
    df["_m"] = df["model"].map(order)
    df["_i"] = df["issue"].map(iorder)
    df["_t"] = df["total"].fillna(-1.0)
    df = df.sort_values(["_m", "_i", "_t"], ascending=[True, True, False], kind="stable")
    return df.drop(columns=["_m", "_i", "_t"]).reset_index(drop=True)
