"""Validation against real outcomes: data sets with outcomes, scoring, cross-validation.

>>> from detente.validation import error_summary
>>> error_summary([10.0], [0.0])["mae"]
10.0
"""

from detente.validation.dataset import (
    Case,
    Dataset,
    DatasetError,
    Group,
    load_dataset,
    load_deu,
    load_scenarios,
)
from detente.validation.runner import (
    ModelRun,
    predictions_frame,
    run_model,
    run_models,
    summary_frame,
)
from detente.validation.scoring import BootstrapInterval, error_summary, paired_bootstrap

__all__ = [
    "BootstrapInterval",
    "Case",
    "Dataset",
    "DatasetError",
    "Group",
    "ModelRun",
    "error_summary",
    "load_dataset",
    "load_deu",
    "load_scenarios",
    "paired_bootstrap",
    "predictions_frame",
    "run_model",
    "run_models",
    "summary_frame",
]
