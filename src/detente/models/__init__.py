"""Forecasting models behind one interface (see :mod:`detente.models.base`).

The built-in models are listed in :data:`detente.models.base.BUILTIN` with the module that
registers each; a module is imported when one of its models is first asked for
(:func:`get_model`), and :func:`available_models` imports them all. A model module that is
added must be listed there (a test checks it).
"""

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
