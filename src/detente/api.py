"""The Python API: the same functions the CLI, the report and the web app call.

The functions here accept a scenario as a :class:`~detente.scenario.Scenario`, an embedded
name or a file path (``None``: the default scenario), load it once and hand the loaded
scenario to the services below (:mod:`detente.models.runner`, :mod:`detente.models.tables`),
which take a Scenario only. Everything else is re-exported from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.models import ModelParams, ModelResult, available_models, get_model
from detente.models import runner as _runner
from detente.models.runner import (
    applicable,
    check_models,
    default_models,
    make_params,
    parse_model_params,
)
from detente.models.tables import (
    FORECAST_COLUMNS,
    events_frame,
    forecast_frame,
    forecast_table,
    history_frame,
    models_table,
    parameters_table,
    probabilities_frame,
    summary_frame,
)
from detente.scenario import Scenario, load

if TYPE_CHECKING:  # pandas is imported where it is used, so a command starts fast
    import pandas as pd

__all__ = [
    "FORECAST_COLUMNS",
    "applicable",
    "available_models",
    "check_models",
    "default_models",
    "events_frame",
    "forecast",
    "forecast_frame",
    "forecast_table",
    "get_model",
    "history_frame",
    "make_params",
    "model_forecasts",
    "models_table",
    "parameters_table",
    "parse_model_params",
    "probabilities_frame",
    "run_model",
    "run_models",
    "summary_frame",
]

ScenarioLike = Scenario | str | Path | None


def run_model(
    scenario: ScenarioLike,
    model: str,
    params: Mapping[str, Any] | ModelParams | None = None,
    *,
    seed: int | None = None,
    preset: str | None = None,
) -> ModelResult:
    """Run one model on a scenario.

    Parameters
    ----------
    scenario:
        A :class:`~detente.scenario.Scenario`, an embedded scenario's name or a file path
        (``None``: the default scenario).
    model:
        A registered model name (see :func:`detente.available_models`).
    params:
        The model's parameters: a ``{name: value}`` mapping (values may be strings) or the
        model's parameter object; default: the model's defaults.
    seed:
        Seed of the generator a stochastic model draws from (default 0 for those).
    preset:
        A named parameter set of the model (``scholz2011`` for ``eum``, say).

    Returns
    -------
    ModelResult
        The forecast per issue and, for dynamic models, the rounds.

    Raises
    ------
    DetenteError
        The scenario cannot be loaded, the model is unknown, cannot run on the scenario, or
        a parameter is invalid.

    Examples
    --------
    >>> import detente
    >>> r = detente.run_model("syria-astana-2017", "compromise")
    >>> r.forecast.shape == (len(detente.load().issues),)
    True
    >>> detente.run_model("syria-astana-2017", "eum", {"rounds": 2}).n_rounds <= 2
    True
    """
    return _runner.run_model(load(scenario), model, params, seed=seed, preset=preset)


def run_models(
    scenario: ScenarioLike = None,
    models: Sequence[str] | None = None,
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int | None = None,
) -> dict[str, ModelResult]:
    """Each model's :class:`ModelResult` on the scenario (default: its default models), in
    the order given; see :func:`detente.models.runner.run_models`.

    >>> list(run_models("syria-astana-2017", ["nash", "compromise"]))
    ['nash', 'compromise']
    """
    return _runner.run_models(load(scenario), models, params=params, seed=seed)


def forecast(
    scenario: ScenarioLike = None,
    *,
    draws: int | None = None,
    seed: int = 0,
    distribution: str = "pert",
    no_agreement: float | None = None,
) -> pd.DataFrame:
    """The headline forecast: one row per issue with its distribution of outcomes.

    Columns ``issue, forecast, q10, q90, p_status_quo`` (the median, the 80% interval and the
    probability that the outcome lies within 1 point of the status quo), then the issue's
    name, the status quo, the scale, the decision rule, how far the models agree, flags where
    a dynamic model does not settle and the Monte Carlo standard errors (see
    :mod:`detente.headline`). The per-model table is :func:`model_forecasts`.

    Parameters
    ----------
    scenario:
        A :class:`~detente.scenario.Scenario`, an embedded scenario's name or a file path
        (``None``: the default scenario). It is loaded once.
    draws:
        Monte Carlo draws of the input ranges (default 500).
    seed:
        Seed of the draws.
    distribution:
        ``pert``, ``triangular`` or ``uniform``.
    no_agreement:
        P(no agreement) for issues whose forum need not decide (default: the shipped prior).

    Returns
    -------
    pandas.DataFrame
        One row per issue.

    Examples
    --------
    >>> import detente
    >>> df = detente.forecast(detente.load("syria-astana-2017"), draws=50)
    >>> list(df.columns[:5])
    ['issue', 'forecast', 'q10', 'q90', 'p_status_quo']
    """
    from detente.headline import DEFAULT_DRAWS, headline_frame

    return headline_frame(
        load(scenario),
        draws=DEFAULT_DRAWS if draws is None else draws,
        seed=seed,
        distribution=distribution,
        no_agreement=no_agreement,
    )


def model_forecasts(
    scenario: ScenarioLike = None,
    models: Sequence[str] | None = None,
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """Forecasts per issue from each model, as a tidy DataFrame (the detail behind the
    headline of :func:`forecast`).

    Parameters
    ----------
    scenario:
        A :class:`~detente.scenario.Scenario`, an embedded scenario's name or a file path
        (``None``: the default scenario). It is loaded once.
    models:
        Registered model names; default: every baseline and every other model that can run on
        the scenario (:func:`default_models`).
    params:
        ``{model: {parameter: value}}``.
    seed:
        Seed of the stochastic models' generators.

    Returns
    -------
    pandas.DataFrame
        One row per model and issue: ``issue, issue_name, model, forecast, low, high,
        low_label, high_label`` (the issue's scale bounds and what they mean).

    Examples
    --------
    >>> import detente
    >>> df = detente.model_forecasts(detente.load("syria-astana-2017"), ["compromise"])
    >>> list(df.columns[:4])
    ['issue', 'issue_name', 'model', 'forecast']
    >>> bool(((df["forecast"] >= df["low"]) & (df["forecast"] <= df["high"])).all())
    True
    """
    return forecast_table(load(scenario), models, params=params, seed=seed)
