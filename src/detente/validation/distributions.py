"""Scoring distributions on a data set: the headline forecast and every model as a distribution.

Used by ``detente validate``. Every model gets a distribution so that its CRPS is comparable
with the headline's: its forecast plus its residuals on the DEU III development half, clipped
to the scale (a point model's own record of error). The headline forecast is the ensemble of
:mod:`detente.validation.ensemble`.

Two regimes:

- **the development half itself** (recognised by its SHA-256, recorded in the shipped values):
  nested cross-validation, 10 outer folds by proposal. In each outer fold the ensemble is
  fitted on the other proposals only (with its own inner cross-validation) and each model's
  residual spread comes from its errors on those proposals. Every score is out of fold.
- **any other file**: the shipped values (fitted once on the whole development half), so every
  score is out of sample. A model whose residuals were not shipped has no spread (its CRPS is
  its absolute error).

A forum whose cases need not decide (``must_decide`` false, as in scenario files without
decision rules) gets the no-agreement prior in the headline's ``p_status_quo``, as
``detente forecast`` does, and the base rate it is compared with is combined with the same
prior; DEU cases must decide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from detente.validation.dataset import Dataset
from detente.validation.ensemble import (
    Ensemble,
    EnsembleData,
    Predictions,
    combine_no_agreement,
    fit,
    group_folds,
    per_issue_scores,
    point_model,
    predict,
)
from detente.validation.runner import ModelRun

HEADLINE = "forecast"


@dataclass
class Scored:
    """Distributions of the headline and of every model on a data set.

    ``regime`` is ``nested-cv`` or ``shipped``; ``predictions`` maps ``forecast`` and each
    model name to its :class:`~detente.validation.ensemble.Predictions` (unit scale);
    ``point`` maps each model to its point forecasts (scale units); ``low`` and ``span`` give
    the cases' scales.
    """

    regime: str
    predictions: dict[str, Predictions]
    point: dict[str, np.ndarray]
    low: np.ndarray
    span: np.ndarray
    note: str = ""


def _unit(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    low = np.array([c.arrays.low[0] for c in ds.cases])
    span = np.array([c.arrays.span[0] for c in ds.cases])
    return low, span


def _fill_members(f: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Members without a forecast on a case take the weighted mean of the others."""
    ok = np.isfinite(f)
    w = np.where(ok, weights[None, :], 0.0)
    tot = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.where(ok, f, 0.0) @ weights / tot[:, 0]
    return np.where(ok, f, centre[:, None])


def score_distributions(
    ds: Dataset, runs: list[ModelRun], source: str | None = None, outer_folds: int = 10
) -> Scored:
    """Distributions of the headline and of each model run on ``ds`` (see the module
    docstring); ``source`` is the data set's file (to recognise the development half)."""
    from detente.validation.headline_fit import (
        core_model,
        dataset_ensemble_data,
        file_sha256,
        shipped,
    )

    values = shipped()
    ens_shipped = Ensemble.from_dict(values)
    by_name = {r.model: r for r in runs}
    low, span = _unit(ds)
    nested = (
        source is not None
        and _is_file(source)
        and file_sha256(source) == values["fitted_on"]["sha256"]
    )
    cm = values.get("core_model") or core_model()
    data = dataset_ensemble_data(ds, ens_shipped.members, runs=dict(by_name), core=cm, strict=False)
    must = np.array([bool(c.arrays.must_decide[0]) for c in ds.cases])
    p_none = np.where(must, 0.0, float(values["no_agreement_prior"]))
    y = data.outcome
    preds: dict[str, Predictions] = {}
    point = {r.model: r.forecast for r in runs}
    if nested:
        folds = group_folds(data.groups, outer_folds)
        ens_parts = []
        model_parts: dict[str, list] = {r.model: [] for r in runs}
        order = []
        for f in np.unique(folds):
            test = np.flatnonzero(folds == f)
            train = np.flatnonzero(folds != f)
            order.append(test)
            ens = fit(data.take(train))
            pr = predict(ens, data.take(test), p_none[test])
            pr.base_rate = combine_no_agreement(ens.base_rate, p_none[test])
            ens_parts.append(pr)
            for r in runs:
                fu = (r.forecast - low) / span
                res = (y - fu)[train]
                res = res[np.isfinite(res)]
                model_parts[r.model].append(
                    point_model(fu[test], res if res.size else np.zeros(1), data.take(test))
                )
        idx = np.concatenate(order)
        preds[HEADLINE] = _stitch(ens_parts, idx, ds.n_cases)
        for m, parts in model_parts.items():
            preds[m] = _stitch(parts, idx, ds.n_cases)
        note = f"nested cross-validation, {outer_folds} outer folds by proposal"
        regime = "nested-cv"
    else:
        filled = _fill_members(data.forecasts, ens_shipped.weights)
        full = EnsembleData(
            data.members, filled, y, data.status_quo, data.core, data.tol, data.groups
        )
        pr = predict(ens_shipped, full, p_none)
        pr.base_rate = combine_no_agreement(ens_shipped.base_rate, p_none)
        preds[HEADLINE] = pr
        shipped_res = values.get("model_residuals", {})
        missing = []
        for r in runs:
            fu = (r.forecast - low) / span
            res = np.array(shipped_res.get(r.model, [0.0]), dtype=float)
            if r.model not in shipped_res:
                missing.append(r.model)
            preds[r.model] = point_model(fu, res, data)
        note = "shipped values (fitted on the DEU III development half): out of sample"
        if missing:
            note += f"; no shipped residuals (no spread) for {', '.join(missing)}"
        regime = "shipped"
    return Scored(regime, preds, point, low, span, note)


def _is_file(source) -> bool:
    from pathlib import Path

    return Path(source).is_file()


def _stitch(parts: list[Predictions], idx: np.ndarray, n: int) -> Predictions:
    k = max(p.values.shape[1] for p in parts)
    vals = np.zeros((n, k))
    wts = np.zeros((n, k))
    cat = {
        name: np.full(n, np.nan)
        for name in ("p_status_quo", "outcome", "status_quo", "tol", "base_rate")
    }
    start = 0
    for p in parts:
        rows = idx[start : start + p.values.shape[0]]
        start += p.values.shape[0]
        vals[rows, : p.values.shape[1]] = p.values
        wts[rows, : p.values.shape[1]] = p.weights
        for name, arr in cat.items():
            v = getattr(p, name)
            if v is not None:
                arr[rows] = v
    return Predictions(
        vals,
        wts,
        cat["p_status_quo"],
        cat["outcome"],
        cat["status_quo"],
        cat["tol"],
        cat["base_rate"],
    )


def distribution_columns(scored: Scored, model: str) -> dict[str, np.ndarray]:
    """Per case, in scale units: ``forecast`` (the model's point forecast; the median for the
    headline), ``q10``, ``q90``, ``p_status_quo`` and per-case ``crps`` and ``covered``."""
    pr = scored.predictions[model]
    qs = pr.quantiles((0.1, 0.5, 0.9))
    low, span = scored.low, scored.span
    sc = per_issue_scores(pr, span)
    if model == HEADLINE:
        fc = low + qs[:, 1] * span
    else:
        fc = scored.point[model]
    ok = np.isfinite(fc)
    return {
        "forecast": fc,
        "q10": np.where(ok, low + qs[:, 0] * span, np.nan),
        "q90": np.where(ok, low + qs[:, 2] * span, np.nan),
        "p_status_quo": np.where(ok, pr.p_status_quo, np.nan),
        "crps": np.where(ok, sc["crps"], np.nan),
        "covered": np.where(ok, sc["covered"], np.nan),
        "sq_hit": sc["sq_hit"],
        "base_rate": pr.base_rate if pr.base_rate is not None else np.full(len(fc), np.nan),
    }


def distribution_frames(
    ds: Dataset, scored: Scored, models: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(per-model scores, per-issue predictions)``.

    The first has a row per model and one ``forecast`` row: ``model, crps, coverage80,
    brier, brier_base_rate`` (on the cases the model forecast). The second a row per issue
    and model: ``issue, model, forecast, q10, q90, p_status_quo, outcome, status_quo,
    group``.
    """
    rows, frames = [], []
    outcome = ds.outcomes
    sq = np.array([c.arrays.status_quo[0] for c in ds.cases])
    for m in [HEADLINE, *models]:
        cols = distribution_columns(scored, m)
        ok = np.isfinite(cols["forecast"])
        hq = ok & np.isfinite(cols["sq_hit"]) & np.isfinite(cols["p_status_quo"])
        rows.append(
            {
                "model": m,
                "crps": float(np.nanmean(cols["crps"][ok])) if ok.any() else np.nan,
                "coverage80": float(np.nanmean(cols["covered"][ok])) if ok.any() else np.nan,
                "brier": float(((cols["p_status_quo"] - cols["sq_hit"])[hq] ** 2).mean())
                if hq.any()
                else np.nan,
                "brier_base_rate": float(((cols["base_rate"] - cols["sq_hit"])[hq] ** 2).mean())
                if hq.any()
                else np.nan,
            }
        )
        frames.append(
            pd.DataFrame(
                {
                    "issue": [c.issue for c in ds.cases],
                    "model": m,
                    "forecast": cols["forecast"],
                    "q10": cols["q10"],
                    "q90": cols["q90"],
                    "p_status_quo": cols["p_status_quo"],
                    "outcome": outcome,
                    "status_quo": sq,
                    "group": [c.group for c in ds.cases],
                }
            )
        )
    return pd.DataFrame(rows), pd.concat(frames, ignore_index=True)
