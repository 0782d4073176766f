"""detente: model, simulate and forecast multilateral negotiations.

>>> import detente
>>> s = detente.load("syria-astana-2017")
>>> df = detente.forecast(s, draws=50)
>>> list(df.columns[:5])
['issue', 'forecast', 'q10', 'q90', 'p_status_quo']
>>> {"compromise", "mean_voter", "nash"} <= set(detente.model_forecasts(s)["model"])
True
"""

from detente.api import (
    events_frame,
    forecast,
    history_frame,
    model_forecasts,
    probabilities_frame,
    run_model,
    summary_frame,
)
from detente.errors import DetenteError, ScenarioError
from detente.models import ModelParams, ModelResult, available_models, get_model
from detente.scenario import Scenario, embedded_names, load, read_scenario, write_scenario

__version__ = "0.1.0"

__all__ = [
    "DetenteError",
    "ModelParams",
    "ModelResult",
    "Scenario",
    "ScenarioError",
    "available_models",
    "embedded_names",
    "events_frame",
    "forecast",
    "get_model",
    "history_frame",
    "load",
    "model_forecasts",
    "probabilities_frame",
    "read_scenario",
    "run_model",
    "summary_frame",
    "write_scenario",
]
