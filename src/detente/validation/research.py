"""The model search behind ``docs/validation.md``: which fixed model beats the compromise?

Run ``python -m detente.validation.research DATA.tsv`` to reproduce the research log's
tables: every candidate's error on the data set with the grouped bootstrap interval of its
difference to the compromise model, then the cross-validated error of the rule "choose the
candidate with the lowest training error", folds by proposal.

The candidate grid is fixed here, before any look at held-out data; each candidate is a
registered model with fixed parameters (nothing is fitted to outcomes), plus the "tabled
compromise" (the actor position nearest the compromise), which is not registered because it
failed (see the docs).
"""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np

from detente.models import get_model
from detente.models.baseline import weighted_mean
from detente.models.condorcet import pooled_weights
from detente.validation.crossval import select_by_cv
from detente.validation.dataset import Dataset, load_dataset
from detente.validation.runner import run_model
from detente.validation.scoring import paired_bootstrap

WEIGHTS = ("capability_salience", "salience", "capability", "equal")


def candidate_grid() -> list[tuple[str, str, dict]]:
    """``(label, model, params)`` of every candidate, in order of listing."""
    grid: list[tuple[str, str, dict]] = []
    for w in WEIGHTS:
        grid.append((f"compromise[{w}]", "compromise", {"weights": w}))
    grid.append(("weighted_median", "weighted_median", {}))
    grid.append(("nash", "nash", {}))
    for rounds in (1, 3):
        grid.append((f"exchange[rounds={rounds}]", "exchange", {"rounds": rounds}))
    for w in (*WEIGHTS, "pooled"):
        for sharp in (0.5, 1.0, 2.0):
            grid.append(
                (
                    f"condorcet[{w},sharpness={sharp:g}]",
                    "condorcet",
                    {"weights": w, "sharpness": sharp},
                )
            )
    return grid


def tabled(dataset: Dataset, forecast: np.ndarray) -> np.ndarray:
    """The actor position nearest each forecast (the midpoint of two equally near)."""
    out = np.empty(dataset.n_cases)
    for i, (case, f) in enumerate(zip(dataset.cases, forecast)):
        xs = np.unique(case.arrays.position[:, 0])
        dist = np.abs(xs - f)
        out[i] = xs[dist <= dist.min() + 1e-9].mean()
    return out


def pooled_compromise(dataset: Dataset) -> np.ndarray:
    """The weighted mean with the pooled weights of :func:`pooled_weights`."""
    return np.array(
        [
            float(weighted_mean(c.arrays.position, pooled_weights(c.arrays))[0])
            for c in dataset.cases
        ]
    )


def candidate_forecasts(dataset: Dataset, grid: str = "all") -> dict[str, np.ndarray]:
    """Forecasts of every candidate on every case.

    ``grid="all"`` is the first, pre-declared grid (registered models with fixed parameters
    and the tabled compromise); ``grid="smooth"`` the second (see the docs): the first
    without the tabled compromise and the weighted median (forecasts that jump between
    actor positions), plus the compromise with pooled weights and the half-and-half blend
    of the pooled Condorcet and compromise forecasts.
    """
    res: dict[str, np.ndarray] = {}
    for label, name, params in candidate_grid():
        if grid == "smooth" and name == "weighted_median":
            continue
        spec = get_model(name)
        res[label] = run_model(dataset, name, spec.params(**params)).forecast
    if grid == "smooth":
        res["compromise[pooled]"] = pooled_compromise(dataset)
        res["blend[condorcet pooled, compromise pooled]"] = (
            res["condorcet[pooled,sharpness=1]"] + res["compromise[pooled]"]
        ) / 2.0
    else:
        for w in WEIGHTS:
            res[f"tabled_compromise[{w}]"] = tabled(dataset, res[f"compromise[{w}]"])
    return res


def main(argv: list[str] | None = None) -> None:
    """Print the research tables for a data set (default: the DEU III development half)."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        raise SystemExit(
            "usage: python -m detente.validation.research DATA [--folds K] "
            "[--repeats R] [--grid all|smooth]"
        )
    folds = int(args[args.index("--folds") + 1]) if "--folds" in args else 10
    grid = args[args.index("--grid") + 1] if "--grid" in args else "all"
    repeats = int(args[args.index("--repeats") + 1]) if "--repeats" in args else 20
    ds = load_dataset(args[0])
    o = ds.outcomes
    g = ds.case_groups
    fc = candidate_forecasts(ds, grid)
    ref = np.abs(fc["compromise[capability_salience]"] - o)
    print(
        f"{ds.name}: {ds.n_cases} issues in {len(ds.groups)} proposals; capability "
        f"{ds.capability}; grid {grid}; reference compromise[capability_salience] MAE {ref.mean():.2f}"
    )
    print(
        "\nEvery candidate on all issues (in-sample; difference to the compromise, grouped "
        "bootstrap 95% interval):"
    )
    for label, f in fc.items():
        e = np.abs(f - o)
        b = paired_bootstrap(e, ref, groups=g, n_boot=10_000, seed=1)
        print(
            f"  {label:42s} MAE {np.nanmean(e):6.2f}  diff {b.diff:+6.2f} "
            f"[{b.low:+6.2f}, {b.high:+6.2f}]"
        )
    sel = select_by_cv(fc, o, g, k=folds, repeats=repeats, seed=2026)
    e_cv = sel.abs_errors(o)
    b = paired_bootstrap(e_cv, ref, groups=g, n_boot=10_000, seed=1)
    per_rep = np.abs(sel.forecast - o[None, :]).mean(axis=1)
    print(f"\nSelection by {folds}-fold cross-validation by proposal, {repeats} repeats:")
    print(
        f"  out-of-fold MAE {e_cv.mean():.2f} (repeats range {per_rep.min():.2f}.."
        f"{per_rep.max():.2f}); difference to the compromise {b.diff:+.2f} "
        f"[{b.low:+.2f}, {b.high:+.2f}]"
    )
    counts = Counter(name for picks in sel.chosen for name in picks)
    print("  chosen in the folds: " + ", ".join(f"{n} x{c}" for n, c in counts.most_common()))


if __name__ == "__main__":  # pragma: no cover
    main()
