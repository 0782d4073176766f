"""Forecasting models behind one interface (see :mod:`detente.models.base`).

Importing this package registers every model. The model modules are listed in
``_MODULES``; a module that is added must be listed here.
"""

from importlib import import_module

from detente.models.base import (
    BatchedFn,
    ModelParams,
    ModelResult,
    ModelSpec,
    NoParams,
    available_models,
    get_model,
    register,
    unregister,
)

_MODULES = ["baseline", "eum", "smp", "exchange", "condorcet", "pooled", "procedural"]
for _name in _MODULES:
    import_module(f"detente.models.{_name}")

__all__ = [
    "BatchedFn",
    "ModelParams",
    "ModelResult",
    "ModelSpec",
    "NoParams",
    "available_models",
    "get_model",
    "register",
    "unregister",
]
