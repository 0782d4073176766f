"""Pivotal actors: how much each forecast depends on each actor.

For every actor and every model, the change in each issue's forecast when

- ``removed``: the actor is taken out of the negotiation;
- ``+STEP`` / ``-STEP``: the actor's position moves by ``step`` points on every issue it
  holds a stance on (clipped to the scale), all issues at once;
- ``range_low`` / ``range_high``: the actor's position moves to the low / high end of its
  uncertainty range on every issue where the scenario gives one (actors without ranges
  have no such rows).

Everything else is held fixed, and stochastic models get the same seed in every run, so a
change is the effect of the perturbation alone. The perturbations are made on the numeric
view (:class:`~detente.scenario.arrays.ScenarioArrays`), so removing the only actor with a
stance on an issue gives a NaN forecast there rather than an error.

>>> from detente.scenario import build_scenario
>>> s = build_scenario({"actors": [{"id": "a", "capability": 1}, {"id": "b", "capability": 1},
...     {"id": "c", "capability": 2}], "issues": [{"id": "x"}], "stances": [
...     {"actor": "a", "issue": "x", "position": 0, "salience": 50},
...     {"actor": "b", "issue": "x", "position": 50, "salience": 50},
...     {"actor": "c", "issue": "x", "position": 100, "salience": 50}]})
>>> df = pivotal(s, ["compromise"], ranges=False)
>>> float(df.query("actor == 'c' and change == 'removed'")["delta"].iloc[0])
-37.5
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from detente.errors import DetenteError, ParameterError
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.model import Scenario

COLUMNS = ["model", "actor", "change", "issue", "base", "forecast", "delta", "delta_scale"]


def _remove(arrays: ScenarioArrays, i: int) -> ScenarioArrays:
    return arrays.select_actors(np.arange(arrays.n_actors) != i)


def _moved(arrays: ScenarioArrays, i: int, new_row: np.ndarray) -> ScenarioArrays:
    x = arrays.position.copy()
    x[i] = np.where(arrays.mask[i], np.clip(new_row, arrays.low, arrays.high), np.nan)
    return replace(arrays, position=x)


def _position_ranges(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lo, hi, has)`` (n, d): ends of each stance's position range; ``has`` marks a range."""
    n, d = len(scenario.actors), len(scenario.issues)
    lo, hi = np.full((n, d), np.nan), np.full((n, d), np.nan)
    has = np.zeros((n, d), dtype=bool)
    a_ix = {a: i for i, a in enumerate(scenario.actor_ids)}
    k_ix = {k: j for j, k in enumerate(scenario.issue_ids)}
    for st in scenario.stances:
        i, k = a_ix[st.actor], k_ix[st.issue]
        lo[i, k], hi[i, k] = st.position.low, st.position.high
        has[i, k] = st.position.range is not None and st.position.low < st.position.high
    return lo, hi, has


def pivotal(
    scenario: Scenario,
    models: Sequence[str] | None = None,
    *,
    step: float = 10.0,
    ranges: bool = True,
    seed: int | None = 0,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    actors: Sequence[str] | None = None,
    on_step: Callable[[], None] | None = None,
) -> pd.DataFrame:
    """The change in every forecast when each actor is removed or moves.

    Parameters
    ----------
    scenario:
        The scenario.
    models:
        Registered model names; default the baselines and every registered dynamic model
        that can run on the scenario.
    step:
        Points on each issue's scale for the ``+step`` / ``-step`` moves (0 skips them).
    ranges:
        Also move each actor to the ends of its position uncertainty ranges.
    seed:
        Seed for stochastic models, the same in every run.
    params:
        Per-model parameters (``{model: {name: value}}``).
    actors:
        Only these actors (default all).
    on_step:
        Called after each model and actor (for a progress bar).

    Returns
    -------
    pandas.DataFrame
        Columns ``model, actor, change, issue, base, forecast, delta, delta_scale``
        (``delta`` on the issue's scale, ``delta_scale`` as a fraction of its width).
        ``frame.attrs["skipped"]`` maps defaulted models that refused the scenario to the
        reason; a perturbation a model refuses gives NaN rows.
    """
    from detente.analysis.alliances import default_analysis_models
    from detente.models import get_model
    from detente.models.runner import applicable, make_params

    if not np.isfinite(step) or step < 0:
        raise ParameterError(f"step must be a non-negative number, got {step!r}")
    names = list(models) if models else default_analysis_models(scenario)
    who = list(actors) if actors else list(scenario.actor_ids)
    unknown = [a for a in who if a not in scenario.actor_ids]
    if unknown:
        raise DetenteError(f"no actor(s) {', '.join(unknown)} in scenario {scenario.id!r}")
    arrays = scenario.to_arrays()
    lo, hi, has = _position_ranges(scenario)
    span = arrays.span
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    for name in names:
        spec = get_model(name)
        why = applicable(name, scenario)
        if why is not None:
            raise DetenteError(f"model {name!r} cannot run on scenario {scenario.id!r}: {why}")
        prm = make_params(name, (params or {}).get(name))

        def run(arr: ScenarioArrays, spec=spec, prm=prm) -> np.ndarray:
            check = getattr(spec.run, "applicable", None)
            if arr.n_actors == 0 or (check is not None and check(arr) is not None):
                return np.full(arrays.n_issues, np.nan)
            rng = np.random.default_rng(seed) if spec.stochastic else None
            return np.asarray(spec(arr, prm, rng).forecast, dtype=float)

        try:
            base = run(arrays)
        except DetenteError as exc:
            if models:  # a model asked for by name must run
                raise
            skipped[name] = str(exc)  # a defaulted model that refuses the scenario
            continue
        for a in who:
            i = arrays.actors.index(a)
            variants: list[tuple[str, ScenarioArrays]] = [("removed", _remove(arrays, i))]
            if step > 0:
                variants.append((f"+{step:g}", _moved(arrays, i, arrays.position[i] + step)))
                variants.append((f"-{step:g}", _moved(arrays, i, arrays.position[i] - step)))
            if ranges and has[i].any():
                variants.append(
                    ("range_low", _moved(arrays, i, np.where(has[i], lo[i], arrays.position[i])))
                )
                variants.append(
                    ("range_high", _moved(arrays, i, np.where(has[i], hi[i], arrays.position[i])))
                )
            for change, arr in variants:
                try:
                    f = run(arr)
                except DetenteError:  # the model refuses the perturbed scenario
                    f = np.full(arrays.n_issues, np.nan)
                for k, iid in enumerate(arrays.issues):
                    delta = f[k] - base[k]
                    rows.append(
                        {
                            "model": name,
                            "actor": a,
                            "change": change,
                            "issue": iid,
                            "base": float(base[k]),
                            "forecast": float(f[k]),
                            "delta": float(delta),
                            "delta_scale": float(delta / span[k]),
                        }
                    )
            if on_step is not None:
                on_step()
    out = pd.DataFrame(rows, columns=COLUMNS)
    out.attrs["skipped"] = skipped
    return out


def pivotal_ranking(frame: pd.DataFrame) -> pd.DataFrame:
    """Rank actors by how much the forecasts depend on them, per model.

    For each model and actor: ``removed``, the mean over issues of ``|delta_scale|`` when
    the actor is removed; ``moved``, the same for the larger of the two step moves;
    ``range``, the larger of the two range ends (NaN without ranges); ``max_issue``, the
    issue the removal moves most. ``rank`` orders actors by ``removed`` (1 = most
    pivotal), ties broken by ``moved``. Models keep the order of ``frame``.
    """
    if frame.empty:
        return pd.DataFrame(
            columns=[
                "model",
                "actor",
                "removed",
                "moved",
                "range",
                "max_issue",
                "max_change",
                "rank",
            ]
        )
    f = frame.assign(abs_scale=frame["delta_scale"].abs())
    rows = []
    for (model, actor), g in f.groupby(["model", "actor"], sort=False):
        mean_by = g.groupby("change", sort=False)["abs_scale"].mean()
        removed_rows = g[g["change"] == "removed"]
        steps = [c for c in mean_by.index if c.startswith(("+", "-"))]
        rng = [c for c in mean_by.index if c.startswith("range_")]
        if removed_rows["abs_scale"].notna().any():
            top = removed_rows.loc[removed_rows["abs_scale"].idxmax()]
            max_issue, max_change = top["issue"], float(top["delta"])
        else:
            max_issue, max_change = "", float("nan")
        rows.append(
            {
                "model": model,
                "actor": actor,
                "removed": float(mean_by.get("removed", np.nan)),
                "moved": float(mean_by[steps].max()) if steps else float("nan"),
                "range": float(mean_by[rng].max()) if rng else float("nan"),
                "max_issue": max_issue,
                "max_change": max_change,
            }
        )
    out = pd.DataFrame(rows)
    order = {m: n for n, m in enumerate(dict.fromkeys(frame["model"]))}
    out["_order"] = out["model"].map(order)
    out = out.sort_values(
        ["_order", "removed", "moved"],
        ascending=[True, False, False],
        na_position="last",
        kind="stable",
    ).drop(columns="_order")
    out["rank"] = out.groupby("model").cumcount() + 1
    return out.reset_index(drop=True)
