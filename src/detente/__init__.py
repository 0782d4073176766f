"""detente: model, simulate and forecast multilateral negotiations.

The names below are imported when first used (module ``__getattr__``), so that importing
the package, or starting the ``detente`` command, does not pull in pandas and the models
before they are needed.

>>> import detente
>>> s = detente.load("syria-astana-2017")
>>> list(detente.forecast(s, draws=50).columns[:5])
['issue', 'forecast', 'q10', 'q90', 'p_status_quo']
>>> {"compromise", "mean_voter", "nash"} <= set(detente.model_forecasts(s)["model"])
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.errors import DetenteError, ScenarioError
from detente.lazy import lazy_names

__version__ = "0.1.0"

# name -> the module that defines it; imported on first access.
_LAZY = {
    "events_frame": "detente.api",
    "forecast": "detente.api",
    "history_frame": "detente.api",
    "model_forecasts": "detente.api",
    "probabilities_frame": "detente.api",
    "run_model": "detente.api",
    "summary_frame": "detente.api",
    "ModelParams": "detente.models",
    "ModelResult": "detente.models",
    "available_models": "detente.models",
    "get_model": "detente.models",
    "Scenario": "detente.scenario",
    "embedded_names": "detente.scenario",
    "load": "detente.scenario",
    "read_scenario": "detente.scenario",
    "write_scenario": "detente.scenario",
}

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

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from detente.api import (
        events_frame,
        forecast,
        history_frame,
        model_forecasts,
        probabilities_frame,
        run_model,
        summary_frame,
    )
    from detente.models import ModelParams, ModelResult, available_models, get_model
    from detente.scenario import Scenario, embedded_names, load, read_scenario, write_scenario


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
