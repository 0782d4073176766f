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
from detente.report.summary import (  # noqa: F401  (the alignment words live there)
    ALIGNMENT_EXPLAINED,
    ALIGNMENT_SHORT,
    HEADLINE_INTERVAL,
    Summary,
    blocs,
    headline_rows,
    input_name,
    model_headline,
    sweep_points,
    uncertain_points,
)
from detente.report.sweep import SweepData, read_sweep, tornado_groups
from detente.report.validation import ValidationData, read_validation
from detente.scenario import Scenario, load


@dataclass
class Alliances:
    """A pairwise alignment matrix between actors and where it came from.

    ``order`` lists the actors' indices so that close allies sit next to each other (see
    :func:`alliance_order`); figures and the page draw the matrix in that order.
    """

    actors: list[str]
    labels: list[str]
    capability: np.ndarray
    matrix: np.ndarray
    method: str
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.order:
            self.order = alliance_order(self.matrix)


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
    summary: Summary | None = None

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
    alliances = alliances_for(s)
    summary = _headline_summary(s, {n: results[n] for n in names}, seed)
    if alliances is not None:
        summary.blocs, summary.opposed = blocs(alliances.labels, alliances.matrix)
    if sweep_data is not None and sweep_data.tornado is not None:
        words = {a.id: a.label for a in s.actors} | {i.id: i.label for i in s.issues}
        by_model = "model" in sweep_data.tornado.columns  # labels end with " (model)"
        groups = [
            (
                label.rsplit(" (", 1)[0] if by_model else label,
                [(input_name(r[0], words), r[1], r[2]) for r in rows],
                base,
            )
            for label, rows, base in tornado_groups(sweep_data, names, labels=words)
        ]
        point = sweep_points(groups)
        if point:
            summary.uncertain.append(point)
    return ReportData(
        scenario=s,
        models=names,
        titles={n: get_model(n).title for n in names},
        descriptions={n: get_model(n).description for n in names},
        results=results,
        forecasts=pd.DataFrame(rows),
        alliances=alliances,
        sweep=sweep_data,
        validation=val_data,
        seed=seed,
        inputs=inputs,
        skipped=skipped,
        summary=summary,
    )


REPORT_DRAWS = 500
"""Monte Carlo draws of the report's headline (as ``detente forecast``)."""


def _headline_summary(s: Scenario, results: dict[str, ModelResult], seed: int) -> Summary:
    """The summary's rows: the headline forecast (median, 80% interval, chance that the
    status quo holds; :func:`detente.headline.headline_frame`, reusing the report's model
    runs), or, where the scenario gives the headline nothing to run, the median and range of
    the models' forecasts, said so."""
    from detente.headline import headline_frame, monte_carlo_error

    try:
        frame = headline_frame(s, draws=REPORT_DRAWS, seed=seed, results=results)
    except DetenteError as exc:
        rows = model_headline(s, {n: r.forecast for n, r in results.items()})
        why = str(exc).splitlines()[0]
        source = f"the median of {len(results)} models' forecasts; no headline: {why}"
        return Summary(rows=rows, source=source, uncertain=uncertain_points(s, rows))
    rows = headline_rows(s, frame)
    se = monte_carlo_error(frame)[0]
    source = (
        f"the headline forecast: {REPORT_DRAWS} Monte Carlo draws of the input ranges through "
        "the models' ensemble fitted on EU decisions (DEU III), seed "
        f"{seed}; Monte Carlo error at most {se:.1f} points"
    )
    return Summary(
        rows=rows,
        interval_label=HEADLINE_INTERVAL,
        source=source,
        uncertain=uncertain_points(s, rows),
    )


# -- alliances --------------------------------------------------------------------------


def alliance_order(matrix: np.ndarray) -> list[int]:
    """An order of the actors that puts close allies next to each other.

    Spectral seriation (Atkins, Boman and Hendrickson, *SIAM J. Comput.* 28, 1998): the
    actors are sorted by the Fiedler vector of the Laplacian of the similarity
    ``(1 + alignment) / 2`` (a missing pair counts as 0.5). The vector's sign is fixed so
    that the first actor in scenario order scores at most 0, and ties keep scenario order,
    so the order does not depend on the eigen-solver.

    >>> m = np.array([[1, -1, .9], [-1, 1, -.8], [.9, -.8, 1]])
    >>> alliance_order(m)
    [0, 2, 1]
    """
    a = np.nan_to_num(np.asarray(matrix, dtype=float), nan=0.0)
    n = a.shape[0]
    if n < 3:
        return list(range(n))
    sim = (1.0 + (a + a.T) / 2) / 2
    np.fill_diagonal(sim, 0.0)
    lap = np.diag(sim.sum(axis=1)) - sim
    _, vecs = np.linalg.eigh(lap)
    v = vecs[:, 1]
    if v[0] > 0:
        v = -v
    return [int(i) for i in np.lexsort((np.arange(n), np.round(v, 12)))]


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
