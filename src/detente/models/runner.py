"""Running registered models on a scenario: the services every interface shares.

The CLI, the Python API (:mod:`detente.api`), the analyses, the report and the web app all run
models through these functions. They take a loaded, validated
:class:`~detente.scenario.Scenario` (loading a name or a file is the interfaces' job, done once
at the edge) and return :class:`~detente.models.ModelResult` objects; the tables built from
results are in :mod:`detente.models.tables`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from detente.errors import DetenteError, ParameterError, UnknownNameError, did_you_mean
from detente.models.base import (
    ModelParams,
    ModelResult,
    available_models,
    get_model,
    model_names,
)
from detente.scenario.model import Scenario

__all__ = [
    "applicable",
    "check_models",
    "default_models",
    "make_params",
    "parse_model_params",
    "run_model",
    "run_models",
]


def _scenario(scenario: Scenario) -> Scenario:
    if not isinstance(scenario, Scenario):
        raise TypeError(
            f"expected a Scenario (load names and files with detente.load), got {scenario!r}"
        )
    return scenario


def applicable(model: str, scenario: Scenario) -> str | None:
    """None if ``model`` can run on ``scenario``, else the reason it cannot.

    >>> from detente.scenario import load
    >>> applicable("compromise", load("syria-astana-2017")) is None
    True
    """
    return get_model(model).not_applicable(_scenario(scenario).to_arrays())


def default_models(scenario: Scenario | None = None) -> list[str]:
    """The models a forecast runs when none are named: every baseline, then every other
    registered model that can run on ``scenario`` (see :func:`applicable`).

    >>> default_models()[:4]
    ['compromise', 'mean_voter', 'weighted_median', 'nash']
    """
    names = available_models(baseline_only=True)
    for name in available_models():
        if name not in names and (scenario is None or applicable(name, scenario) is None):
            names.append(name)
    return names


def make_params(
    model: str, params: Mapping[str, Any] | ModelParams | None, preset: str | None = None
) -> ModelParams:
    """``model``'s parameters: ``params`` itself if it is a parameter object, else built from
    a ``{name: value}`` mapping over the preset's values (see
    :meth:`~detente.models.ModelSpec.make_params`)."""
    if isinstance(params, ModelParams):
        return params
    return get_model(model).make_params(dict(params or {}), preset=preset)


def run_model(
    scenario: Scenario,
    model: str,
    params: Mapping[str, Any] | ModelParams | None = None,
    *,
    seed: int | None = None,
    preset: str | None = None,
) -> ModelResult:
    """Run one model on a scenario.

    A stochastic model (or any model given a ``seed``) gets ``numpy.random.default_rng(seed)``.
    Raises :class:`~detente.errors.DetenteError` when the model cannot run on the scenario.

    >>> from detente.scenario import load
    >>> s = load("syria-astana-2017")
    >>> run_model(s, "compromise").forecast.shape == (len(s.issues),)
    True
    """
    s = _scenario(scenario)
    spec = get_model(model)
    arrays = s.to_arrays()
    why = spec.not_applicable(arrays)
    if why is not None:
        raise DetenteError(f"model {model!r} cannot run on scenario {s.id!r}: {why}")
    rng = np.random.default_rng(seed) if (spec.stochastic or seed is not None) else None
    return spec(arrays, make_params(model, params, preset), rng)


def run_models(
    scenario: Scenario,
    models: Sequence[str] | None = None,
    *,
    params: Mapping[str, Mapping[str, Any] | ModelParams] | None = None,
    seed: int | None = None,
) -> dict[str, ModelResult]:
    """Each model's result on the scenario (default: :func:`default_models`), in the order
    given; ``params`` maps model names to their parameters.

    >>> from detente.scenario import load
    >>> list(run_models(load("syria-astana-2017"), ["nash", "compromise"]))
    ['nash', 'compromise']
    """
    s = _scenario(scenario)
    names = list(models) if models else default_models(s)
    for name in names:
        get_model(name)  # fail early on unknown names
    return {name: run_model(s, name, (params or {}).get(name), seed=seed) for name in names}


def check_models(names: Iterable[str]) -> list[str]:
    """Registered model names for ``names`` (case-insensitive; ``all`` for every model), in
    order and without repeats.

    >>> check_models(["NASH", "compromise", "nash"])
    ['nash', 'compromise']
    """
    known = model_names()  # names only: no model module is imported to check them
    by_lower = {m.lower(): m for m in known}
    out: list[str] = []
    for n in names:
        if n.strip().lower() == "all":
            out.extend(m for m in known if m not in out)
            continue
        m = by_lower.get(n.strip().lower())
        if m is None:
            raise UnknownNameError(
                f"unknown model {n!r}{did_you_mean(n, known)} (known: {', '.join(known)})"
            )
        if m not in out:
            out.append(m)
    if not out:
        raise UnknownNameError("no model named")
    return out


def parse_model_params(
    items: Iterable[str] | None,
    names: Sequence[str],
    *,
    default: str | None = None,
    also: Sequence[str] = (),
) -> dict[str, dict[str, str]]:
    """``MODEL.NAME=VALUE`` items grouped by model.

    An item without ``MODEL.`` goes to ``default``, or to the only model in ``names``.
    ``also`` lists further model names an item may address. Errors are
    :class:`~detente.errors.ParameterError` with ``param="param"``.

    >>> parse_model_params(["eum.rounds=5", "q=1"], ["eum"])
    {'eum': {'rounds': '5', 'q': '1'}}
    """
    params: dict[str, dict[str, str]] = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(f"param takes MODEL.NAME=VALUE, got {item!r}", param="param")
        key, value = (p.strip() for p in item.split("=", 1))
        if "." in key:
            model, key = key.split(".", 1)
        elif default is not None or len(names) == 1:
            model = default if default is not None else names[0]
        else:
            raise ParameterError(
                f"param {key}=...: say which model it is for, as MODEL.{key}=VALUE",
                param="param",
            )
        if model not in names and model not in also:
            raise ParameterError(
                f"param {model}.{key}: model {model!r} is not among those run", param="param"
            )
        params.setdefault(model, {})[key] = value
    return params
