"""Run registered models over a data set and score them against the outcomes.

How models see the data: a model forecasts each scored issue from that issue's one-issue
arrays (the actors with a stance on it), unless it is registered with ``scope="proposal"``
(the exchange model): then it runs once on the arrays of a whole group (all issues of a
proposal together) and its forecasts of the scored issues are taken from that run.

A model may declare itself not applicable: it is registered with ``applicable=`` a function
``(arrays) -> str | None`` giving the reason (checked on each input), and any
:class:`~detente.errors.DetenteError` a model raises on an input is taken as the reason for
that input. A model that is not applicable to any case is reported as skipped with the
first reason.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from detente.errors import DetenteError
from detente.models import available_models, get_model
from detente.models.base import ModelParams, ModelSpec
from detente.scenario.arrays import ScenarioArrays
from detente.validation.dataset import Dataset
from detente.validation.scoring import error_summary, paired_bootstrap

REFERENCE = "compromise"


@dataclass
class ModelRun:
    """Forecasts of one model on every case of a data set (NaN where it gave none)."""

    model: str
    forecast: np.ndarray
    seconds: float
    skipped: str | None = None
    failures: dict[str, str] = field(default_factory=dict)


def _why_not(spec: ModelSpec, arrays: ScenarioArrays) -> str | None:
    return spec.not_applicable(arrays)


def run_model(
    dataset: Dataset, name: str, params: ModelParams | None = None, seed: int = 0
) -> ModelRun:
    """Forecast every case of ``dataset`` with model ``name``.

    Stochastic models get one generator per case (or per group for proposal-scope
    models), spawned from ``seed`` by position, so results do not depend on the order in
    which models run.
    """
    spec = get_model(name)
    p = params if params is not None else spec.params()
    f = np.full(dataset.n_cases, np.nan)
    failures: dict[str, str] = {}
    t0 = time.perf_counter()
    if spec.scope == "proposal":
        index = {c.issue: i for i, c in enumerate(dataset.cases)}
        seqs = np.random.SeedSequence(seed).spawn(len(dataset.groups))
        for g, ss in zip(dataset.groups, seqs):
            why = _why_not(spec, g.arrays)
            res = None
            if why is None:
                try:
                    res = spec(g.arrays, p, np.random.default_rng(ss))
                except DetenteError as exc:
                    why = str(exc)
            for iid, k in g.scored.items():
                if why is not None:
                    failures[iid] = why
                elif iid in index:
                    f[index[iid]] = float(res.forecast[k])
    else:
        seqs = np.random.SeedSequence(seed).spawn(dataset.n_cases)
        for i, (case, ss) in enumerate(zip(dataset.cases, seqs)):
            why = _why_not(spec, case.arrays)
            if why is None:
                try:
                    f[i] = float(spec(case.arrays, p, np.random.default_rng(ss)).forecast[0])
                except DetenteError as exc:
                    why = str(exc)
            if why is not None:
                failures[case.issue] = why
    secs = time.perf_counter() - t0
    skipped = None
    if failures and len(failures) >= dataset.n_cases:
        skipped = next(iter(failures.values()))
    return ModelRun(model=name, forecast=f, seconds=secs, skipped=skipped, failures=failures)


def run_models(
    dataset: Dataset,
    models: list[str] | None = None,
    params: Mapping[str, ModelParams] | None = None,
    seed: int = 0,
) -> list[ModelRun]:
    """Run several models (default: every registered model); the reference model
    (compromise) is always run first."""
    names = list(models) if models else available_models()
    if REFERENCE not in names:
        names = [REFERENCE, *names]
    else:
        names = [REFERENCE, *[n for n in names if n != REFERENCE]]
    params = params or {}
    return [run_model(dataset, n, params.get(n), seed) for n in names]


def predictions_frame(dataset: Dataset, runs: list[ModelRun]) -> pd.DataFrame:
    """One row per model and case: ``model, group, issue, outcome, forecast, error,
    abs_error`` (NaN forecast where the model gave none)."""
    groups = [c.group for c in dataset.cases]
    issues = [c.issue for c in dataset.cases]
    out = dataset.outcomes
    frames = []
    for r in runs:
        frames.append(
            pd.DataFrame(
                {
                    "model": r.model,
                    "group": groups,
                    "issue": issues,
                    "outcome": out,
                    "forecast": r.forecast,
                    "error": r.forecast - out,
                    "abs_error": np.abs(r.forecast - out),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def summary_frame(
    dataset: Dataset,
    runs: list[ModelRun],
    *,
    reference: str = REFERENCE,
    n_boot: int = 10_000,
    seed: int = 0,
    by_group: bool = True,
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per model: ``model, n, mae, rmse, median_ae, within10`` and the paired
    bootstrap interval of its MAE minus the reference model's (``diff, diff_low,
    diff_high``; resampling proposals when ``by_group``), ``seconds`` and a ``note``."""
    out = dataset.outcomes
    ref = next((r for r in runs if r.model == reference), None)
    ref_err = np.abs(ref.forecast - out) if ref is not None else None
    groups = dataset.case_groups if by_group else None
    rows: list[dict[str, Any]] = []
    for r in runs:
        stats = error_summary(r.forecast, out)
        row: dict[str, Any] = {
            "model": r.model,
            "n": stats["n"],
            "mae": stats["mae"],
            "rmse": stats["rmse"],
            "median_ae": stats["median_ae"],
            "within10": stats["within"],
        }
        if ref_err is not None and stats["n"] > 0:
            bi = paired_bootstrap(
                np.abs(r.forecast - out),
                ref_err,
                groups=groups,
                n_boot=n_boot,
                level=level,
                seed=seed,
            )
            row.update(diff=bi.diff, diff_low=bi.low, diff_high=bi.high)
        else:
            row.update(diff=np.nan, diff_low=np.nan, diff_high=np.nan)
        row["seconds"] = r.seconds
        if r.skipped is not None:
            row["note"] = f"skipped: {r.skipped}"
        elif r.failures:
            first = next(iter(r.failures.values()))
            row["note"] = f"{len(r.failures)} issue(s) not forecast: {first}"
        else:
            row["note"] = ""
        rows.append(row)
    return pd.DataFrame(rows)
