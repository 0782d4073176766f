"""Fit the headline ensemble on the DEU III development half, score it, ship its values.

Run ``python -m detente.validation.headline_fit DEV.tsv [--out FILE] [--check]`` from the
repository root to refit the values shipped in ``src/detente/data/headline.json``
(deterministic: the same file gives the same values, byte for byte) and print the nested
cross-validated scores of ``docs/headline.md``. ``--check`` compares with the shipped file
instead of writing it.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from detente.errors import DetenteError
from detente.models import available_models
from detente.validation.dataset import Dataset, load_dataset
from detente.validation.ensemble import (
    NO_CHANGE,
    Ensemble,
    EnsembleData,
    fit,
    nested_cv,
    per_issue_scores,
    score,
)
from detente.validation.runner import ModelRun, run_model

#: Candidate members: every model that forecasts every DEU issue and has a batched form.
CANDIDATES = (
    "compromise",
    "mean_voter",
    "weighted_median",
    "nash",
    "exchange",
    "condorcet",
    "pooled_blend",
    "eum",
)
#: The models that say whether the status quo lies in the core of the decision rule, tried
#: in this order (the first registered one is used).
CORE_MODELS = ("procedural", "veto_player")
SHIPPED = "headline.json"
FORMAT = "detente-headline/1"
#: Outer folds (by proposal) of the nested cross-validation.
OUTER_FOLDS = 10
#: P(no agreement) where the status quo lies outside the core, for forums that may end with
#: nothing. Not estimated (DEU III has no failed proposal): an explicit prior, "as likely as
#: not", that the analyst can change (``no_agreement`` in ``forecast_headline``).
NO_AGREEMENT_PRIOR = 0.5


def candidates() -> tuple[str, ...]:
    """The candidate members that are registered."""
    known = set(available_models())
    return tuple(m for m in CANDIDATES if m in known)


def core_model() -> str | None:
    """The registered model giving the core indicator, or None."""
    known = set(available_models())
    return next((m for m in CORE_MODELS if m in known), None)


def member_forecast(ds: Dataset, name: str, run: ModelRun | None = None) -> np.ndarray:
    """``(n_cases,)`` a member's forecasts (scale units) as the ensemble uses them: a dynamic
    model's is the mean over the whole cycle (or the unsettled tail) of its per-round
    forecast, not its last round (:func:`detente.analysis.convergence.cycle_values`)."""
    from detente.analysis.convergence import cycle_values
    from detente.models import get_model

    spec = get_model(name)
    if run is None:
        run = run_model(ds, name)
    if not spec.dynamic or spec.scope != "issue" or spec.stochastic:
        return run.forecast
    out = run.forecast.copy()
    for i, case in enumerate(ds.cases):
        if np.isfinite(out[i]):
            res = spec(case.arrays, spec.params(), None)
            out[i] = float(np.mean(cycle_values(res, case.arrays.span)[0]))
    return out


def dataset_ensemble_data(
    ds: Dataset,
    members: tuple[str, ...] | None = None,
    *,
    runs: dict[str, ModelRun] | None = None,
    core: str | None | bool = True,
    strict: bool = True,
) -> EnsembleData:
    """The :class:`EnsembleData` of a data set: every member on every issue.

    ``runs`` holds model runs already made (by name); ``core`` the model giving the core
    indicator (True: :func:`core_model`; None or False: none); with ``strict`` a member that
    does not forecast every issue is an error (as fitting needs), else its gaps stay NaN.
    """
    members = members or candidates()
    runs = {} if runs is None else runs
    lows = np.array([c.arrays.low[0] for c in ds.cases])
    spans = np.array([c.arrays.span[0] for c in ds.cases])
    f = np.empty((ds.n_cases, len(members)))
    for j, m in enumerate(members):
        run = runs.get(m) or run_model(ds, m)
        runs[m] = run
        if strict and np.isnan(run.forecast).any():
            bad = next(iter(run.failures.values()), "no forecast")
            raise DetenteError(f"member {m!r} does not forecast every issue: {bad}")
        f[:, j] = (member_forecast(ds, m, run) - lows) / spans
    sq = np.array([c.arrays.status_quo[0] for c in ds.cases])
    q = (sq - lows) / spans
    tol = np.full(ds.n_cases, NO_CHANGE)
    zeros = np.zeros(ds.n_cases)
    cm = core_model() if core is True else (core or None)
    if cm is not None:
        run = runs.get(cm) or run_model(ds, cm)
        runs[cm] = run
        fc = (run.forecast - lows) / spans
        zeros = (np.abs(fc - q) <= tol + 1e-12).astype(float)
    return EnsembleData(
        members=tuple(members),
        forecasts=f,
        outcome=(ds.outcomes - lows) / spans,
        status_quo=q,
        core=zeros,
        tol=tol,
        groups=ds.case_groups,
    )


def model_residuals(ds: Dataset, models: list[str] | None = None) -> dict[str, list[float]]:
    """Each registered model's residuals (outcome minus forecast, unit scale) on the issues of
    ``ds`` it forecasts: the spread a point model gets when its distribution is scored."""
    lows = np.array([c.arrays.low[0] for c in ds.cases])
    spans = np.array([c.arrays.span[0] for c in ds.cases])
    y = (ds.outcomes - lows) / spans
    out: dict[str, list[float]] = {}
    for m in models or available_models():
        run = run_model(ds, m)
        e = y - (run.forecast - lows) / spans
        e = e[np.isfinite(e)]
        if e.size:
            out[m] = [round(float(v), 6) for v in np.sort(e)]
    return out


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def refit(path: str | Path, outer_folds: int = OUTER_FOLDS) -> tuple[dict, dict]:
    """Fit the shipped values on the data set at ``path`` and score the fitting procedure by
    nested cross-validation. Returns the JSON-ready values and the scores (``ensemble`` and
    one entry per member, each from :func:`detente.validation.ensemble.score`)."""
    ds = load_dataset(path)
    data = dataset_ensemble_data(ds)
    ens = fit(data)
    pred, members, _ = nested_cv(data, outer_folds)
    scores = {"ensemble": score(pred), **{m: score(p) for m, p in members.items()}}
    values = {
        "format": FORMAT,
        "fitted_on": {
            "file": Path(path).name,
            "sha256": file_sha256(path),
            "issues": int(data.n),
            "proposals": int(np.unique(data.groups).size),
            "capability": ds.capability,
        },
        "core_model": core_model(),
        "no_agreement_prior": NO_AGREEMENT_PRIOR,
        **ens.to_dict(),
        "nested_cv": {
            "outer_folds": outer_folds,
            "scores": {k: {n: _round(v) for n, v in sc.items()} for k, sc in scores.items()},
        },
        "model_residuals": model_residuals(ds),
    }
    return values, {"scores": scores, "pred": pred, "members": members, "data": data}


def _round(v):
    if isinstance(v, float):
        return round(v, 6) if np.isfinite(v) else None
    return v


def dumps(values: dict) -> str:
    """The shipped file's text: keys in a fixed order, each list of numbers on one line."""

    def fmt(v, indent: int) -> str:
        pad = " " * indent
        if isinstance(v, dict):
            if not v:
                return "{}"
            items = [f"{pad} {json.dumps(k)}: {fmt(x, indent + 1)}" for k, x in v.items()]
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(v, list) and all(not isinstance(x, dict | list) for x in v):
            return "[" + ", ".join(json.dumps(x) for x in v) + "]"
        if isinstance(v, list):
            return "[\n" + ",\n".join(pad + " " + fmt(x, indent + 1) for x in v) + "\n" + pad + "]"
        return json.dumps(v)

    return fmt(values, 0) + "\n"


@lru_cache(maxsize=1)
def shipped() -> dict:
    """The shipped values (``src/detente/data/headline.json``)."""
    text = resources.files("detente").joinpath("data", SHIPPED).read_text(encoding="utf-8")
    data = json.loads(text)
    if data.get("format") != FORMAT:
        raise DetenteError(f"{SHIPPED}: format {data.get('format')!r}, expected {FORMAT!r}")
    return data


def shipped_ensemble() -> Ensemble:
    """The shipped :class:`~detente.validation.ensemble.Ensemble`."""
    return Ensemble.from_dict(shipped())


def _interval(x: np.ndarray, groups: np.ndarray, n_boot: int = 2000, seed: int = 0):
    """Grouped bootstrap 95% interval of the mean of ``x`` (NaN left out)."""
    ok = np.isfinite(x)
    x, g = x[ok], groups[ok]
    _, gi = np.unique(g, return_inverse=True)
    k = int(gi.max()) + 1
    sums = np.bincount(gi, weights=x, minlength=k)
    counts = np.bincount(gi, minlength=k).astype(float)
    draws = np.random.default_rng(seed).multinomial(k, np.full(k, 1.0 / k), size=n_boot)
    reps = (draws @ sums) / (draws @ counts)
    return float(np.quantile(reps, 0.025)), float(np.quantile(reps, 0.975))


def report(info: dict) -> str:
    """The table of nested cross-validated scores printed by ``main``."""
    lines = []
    data = info["data"]
    g = data.groups
    ens = per_issue_scores(info["pred"])
    comp = per_issue_scores(info["members"]["compromise"])
    comp_point = np.abs(data.forecasts[:, data.members.index("compromise")] - data.outcome) * 100
    hdr = f"{'':16} {'MAE':>6} {'CRPS':>6} {'cover80':>8} {'Brier':>7}"
    lines.append(hdr)
    for name, sc in info["scores"].items():
        lines.append(
            f"{name:16} {sc['mae']:6.2f} {sc['crps']:6.2f} {100 * sc['coverage80']:7.1f}% "
            f"{sc['brier']:7.4f}"
        )
    e = info["scores"]["ensemble"]
    lines.append(f"base rate Brier (training folds): {e['brier_base']:.4f} on {e['n_sq']} issues")
    lines.append("differences, headline minus compromise [grouped bootstrap 95% CI]:")
    for label, a, b in (
        ("CRPS - compromise's CRPS (residual spread)", ens["crps"], comp["crps"]),
        ("CRPS - compromise's absolute error (point)", ens["crps"], comp_point),
        ("MAE - compromise's MAE", ens["abs_error"], comp_point),
    ):
        lo, hi = _interval(a - b, g)
        lines.append(f"  {label}: {np.mean(a - b):+.2f} [{lo:+.2f}, {hi:+.2f}]")
    lo, hi = _interval(ens["covered"], g)
    lines.append(
        f"  coverage of the 80% interval: {100 * ens['covered'].mean():.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]"
    )
    hit = ens["sq_hit"]
    ok = np.isfinite(hit)
    d = (info["pred"].p_status_quo - hit) ** 2 - (info["pred"].base_rate - hit) ** 2
    lo, hi = _interval(np.where(ok, d, np.nan), g)
    lines.append(f"  Brier - base rate's Brier: {np.nanmean(d[ok]):+.4f} [{lo:+.4f}, {hi:+.4f}]")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Refit the shipped values (or ``--check`` them) and print the scores."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0].startswith("-"):
        raise SystemExit(
            "usage: python -m detente.validation.headline_fit DEV.tsv [--out FILE] [--check]"
        )
    target = Path(args[args.index("--out") + 1]) if "--out" in args else None
    values, info = refit(args[0])
    print(report(info))
    text = dumps(values)
    if "--check" in args:
        same = text == resources.files("detente").joinpath("data", SHIPPED).read_text("utf-8")
        print("shipped values: " + ("identical" if same else "DIFFERENT (refit them)"))
        if not same:
            raise SystemExit(1)
        return
    if target is not None:
        from detente.scenario.io import atomic_write_text

        atomic_write_text(target, text)
        print(f"wrote {target}")


if __name__ == "__main__":  # pragma: no cover
    main()
