"""What a report shows, gathered once from the scenario, the models and the optional inputs.

:func:`collect` runs every model and reads the optional sweep folder and validation file;
the HTML and PDF writers only lay out what it returns, so both show the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from detente.errors import DetenteError
from detente.models import ModelResult, get_model
from detente.models.runner import check_models, default_models, run_model
from detente.report.sweep import SweepData, read_sweep
from detente.report.validation import ValidationData, read_validation
from detente.scenario import Scenario, load


@dataclass
class Alliances:
    """A pairwise alignment matrix between actors and where it came from."""

    actors: list[str]
    labels: list[str]
    capability: np.ndarray
    matrix: np.ndarray
    method: str
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass
class ReportData:
    """Everything a report shows."""

    scenario: Scenario
    models: list[str]
    titles: dict[str, str]
    descriptions: dict[str, str]
    results: dict[str, ModelResult]
    forecasts: pd.DataFrame
    alliances: Alliances | None
    sweep: SweepData | None = None
    validation: list[ValidationData] = field(default_factory=list)
    seed: int = 0
    inputs: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def dynamic(self) -> list[str]:
        """The models that returned round-by-round positions."""
        return [m for m in self.models if self.results[m].rounds is not None]

    def forecast_table(self) -> dict[str, list[float]]:
        """``model -> [forecast per issue]`` in scenario order."""
        return {m: [float(v) for v in self.results[m].forecast] for m in self.models}


def collect(
    scenario: Scenario | str | None = None,
    models: list[str] | None = None,
    *,
    seed: int = 0,
    sweep: str | Path | None = None,
    validation: str | Path | Sequence[str | Path] | None = None,
) -> ReportData:
    """Run the models and read the optional inputs of a report.

    Parameters
    ----------
    scenario:
        A :class:`Scenario`, a file or an embedded name (see :func:`detente.load`).
    models:
        Model names; default :func:`detente.models.runner.default_models`.
    seed:
        Seed for stochastic models (the same seed gives the same report).
    sweep:
        A folder written by a Monte Carlo sweep (see :mod:`detente.report.sweep`).
    validation:
        Validation results: a CSV file or several (see :mod:`detente.report.validation`).
    """
    s = load(scenario)
    names = check_models(models) if models else default_models(s)
    results: dict[str, ModelResult] = {}
    skipped: dict[str, str] = {}
    for name in names:
        try:
            results[name] = run_model(s, name, seed=seed)
        except DetenteError as exc:
            if models:  # a model asked for by name must run
                raise
            skipped[name] = str(exc).splitlines()[0]
    names = [n for n in names if n in results]
    rows = []
    for name in names:
        for k, iss in enumerate(s.issues):
            rows.append(
                {
                    "issue": iss.id,
                    "issue_name": iss.label,
                    "model": name,
                    "forecast": float(results[name].forecast[k]),
                    "low": iss.scale.low,
                    "high": iss.scale.high,
                }
            )
    inputs = {"scenario": s.id, "models": ", ".join(names), "seed": str(seed)}
    sweep_data = read_sweep(Path(sweep)) if sweep is not None else None
    if sweep is not None:
        inputs["sweep"] = Path(sweep).name
    if validation is None:
        val_paths: list[Path] = []
    elif isinstance(validation, (str, Path)):
        val_paths = [Path(validation)]
    else:
        val_paths = [Path(v) for v in validation]
    val_data = [read_validation(p) for p in val_paths]
    if val_paths:
        inputs["validation"] = ", ".join(p.name for p in val_paths)
    return ReportData(
        scenario=s,
        models=names,
        titles={n: get_model(n).title for n in names},
        descriptions={n: get_model(n).description for n in names},
        results=results,
        forecasts=pd.DataFrame(rows),
        alliances=alliances_for(s),
        sweep=sweep_data,
        validation=val_data,
        seed=seed,
        inputs=inputs,
        skipped=skipped,
    )


# -- alliances --------------------------------------------------------------------------


def alliances_for(scenario: Scenario) -> Alliances | None:
    """The alliance map's data: the signed alignment of
    :func:`detente.analysis.alliances.alignment` and its closest and furthest pairs (None for a
    scenario of fewer than two actors)."""
    if len(scenario.actors) < 2:
        return None
    a = scenario.to_arrays()
    labels = [act.label for act in scenario.actors]
    matrix, method, extra = _alignment(scenario)
    return Alliances(list(a.actors), labels, a.capability, matrix, method, extra)


PAIR_COLUMNS = [
    "actor_a",
    "actor_b",
    "alignment",
    "concentration",
    "shared_issues",
    "best_issue",
    "worst_issue",
]
PAIRS_SHOWN = 12


def _alignment(scenario: Scenario) -> tuple[np.ndarray, str, dict]:
    """The alliance analysis's signed alignment (-1..1), a description and its pair table."""
    from detente.analysis.alliances import alignment

    al = alignment(scenario, signed=True)
    m = np.asarray(al.overall, dtype=float)
    method = (
        "detente.analysis.alliances.alignment (salience-weighted, "
        f"{al.weighting} weights, signed to −1..1)"
    )
    if al.excluded:
        method += f"; settled issues left out: {', '.join(al.excluded)}"
    extra: dict[str, pd.DataFrame] = {}
    pairs = al.pairs_frame()
    if not pairs.empty:
        pairs = pairs[[c for c in PAIR_COLUMNS if c in pairs.columns]]
        shown = pairs.head(PAIRS_SHOWN)
        if len(pairs) > PAIRS_SHOWN:
            shown = pd.concat([shown, pairs.tail(min(PAIRS_SHOWN // 2, len(pairs) - PAIRS_SHOWN))])
        extra[
            "Closest and furthest pairs (concentration 1: all agreement on one issue, an "
            "alliance of convenience; 0: equally aligned on every shared issue)"
        ] = shown
    return m, method, extra
