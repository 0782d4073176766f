"""The Python API: the same functions the CLI, the report and the web app call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.errors import DetenteError, ParameterError, UnknownNameError, did_you_mean
from detente.models import ModelParams, ModelResult, available_models, get_model
from detente.scenario import Scenario, load

if TYPE_CHECKING:  # pandas is imported where it is used, so a command starts fast
    import pandas as pd

FORECAST_COLUMNS = [
    "issue",
    "issue_name",
    "model",
    "forecast",
    "low",
    "high",
    "low_label",
    "high_label",
]


def default_models(scenario: Scenario | None = None) -> list[str]:
    """The models ``forecast`` runs when none are named: every baseline, then every other
    registered model that can run on ``scenario`` (see :func:`applicable`)."""
    names = available_models(baseline_only=True)
    for name in available_models():
        if name not in names and (scenario is None or applicable(name, scenario) is None):
            names.append(name)
    return names


def applicable(model: str, scenario: Scenario) -> str | None:
    """None if ``model`` can run on ``scenario``, else the reason it cannot."""
    return get_model(model).not_applicable(scenario.to_arrays())


def make_params(
    model: str, params: Mapping[str, Any] | ModelParams | None, preset: str | None = None
) -> ModelParams:
    spec = get_model(model)
    if isinstance(params, ModelParams):
        return params
    return spec.make_params({k: v for k, v in (params or {}).items()}, preset=preset)


def run_model(
    scenario: Scenario | str | None,
    model: str,
    params: Mapping[str, Any] | ModelParams | None = None,
    *,
    seed: int | None = None,
    preset: str | None = None,
) -> ModelResult:
    """Run one model on a scenario and return its :class:`ModelResult`.

    >>> import detente
    >>> r = detente.run_model("syria-astana-2017", "compromise")
    >>> r.forecast.shape == (len(detente.load().issues),)
    True
    """
    s = load(scenario)
    spec = get_model(model)
    why = applicable(model, s)
    if why is not None:
        raise DetenteError(f"model {model!r} cannot run on scenario {s.id!r}: {why}")
    rng = np.random.default_rng(seed) if (spec.stochastic or seed is not None) else None
    return spec(s.to_arrays(), make_params(model, params, preset), rng)


def forecast(
    scenario: Scenario | str | None = None,
    models: Sequence[str] | None = None,
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """Forecasts per issue from each model, as a tidy DataFrame.

    Columns: ``issue, issue_name, model, forecast, low, high, low_label, high_label``
    (the issue's scale bounds and what they mean).

    >>> import detente
    >>> df = detente.forecast(detente.load("syria-astana-2017"), ["compromise"])
    >>> list(df.columns[:4])
    ['issue', 'issue_name', 'model', 'forecast']
    """
    s = load(scenario)
    return forecast_frame(s, run_models(s, models, params=params, seed=seed))


def run_models(
    scenario: Scenario | str | None = None,
    models: Sequence[str] | None = None,
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int | None = None,
) -> dict[str, ModelResult]:
    """Each model's :class:`ModelResult` on the scenario (default: its default models), in
    the order given."""
    s = load(scenario)
    names = list(models) if models else default_models(s)
    for name in names:
        get_model(name)  # fail early on unknown names
    return {name: run_model(s, name, (params or {}).get(name), seed=seed) for name in names}


def forecast_frame(scenario: Scenario, results: Mapping[str, ModelResult]) -> pd.DataFrame:
    """The table of :func:`forecast` from model results (``{model: result}``)."""
    import pandas as pd

    rows = []
    for name, res in results.items():
        for k, iss in enumerate(scenario.issues):
            rows.append(
                {
                    "issue": iss.id,
                    "issue_name": iss.label,
                    "model": name,
                    "forecast": float(res.forecast[k]),
                    "low": iss.scale.low,
                    "high": iss.scale.high,
                    "low_label": iss.scale.low_label or "",
                    "high_label": iss.scale.high_label or "",
                }
            )
    return pd.DataFrame(rows, columns=FORECAST_COLUMNS)


def history_frame(scenario: Scenario, result: ModelResult) -> pd.DataFrame:
    """Round-by-round positions of a dynamic model: ``round, actor, issue, position`` and
    one column per extra per-round array of the result (round 0 is the input)."""
    import pandas as pd

    if result.rounds is None:
        raise DetenteError(f"model {result.model!r} is static: it has no rounds")
    t1, n, d = result.rounds.shape
    actors = np.array(scenario.actor_ids, dtype=object)
    issues = np.array(scenario.issue_ids, dtype=object)
    rr, ii, kk = np.meshgrid(np.arange(t1), np.arange(n), np.arange(d), indexing="ij")
    data: dict[str, Any] = {
        "round": rr.ravel(),
        "actor": actors[ii.ravel()],
        "issue": issues[kk.ravel()],
        "position": result.rounds.reshape(-1),
    }
    for name, arr in result.per_round.items():
        arr = np.asarray(arr)
        if arr.shape == (t1, n):
            arr = np.broadcast_to(arr[:, :, None], (t1, n, d))
        if arr.shape == (t1, n, d):
            data[name] = arr.reshape(-1)
    df = pd.DataFrame(data)
    return df[~np.isnan(df["position"].to_numpy(dtype=float))].reset_index(drop=True)


def summary_frame(scenario: Scenario, result: ModelResult) -> pd.DataFrame:
    """Per-round statistics of a dynamic model (``round, issue`` and one column each)."""
    import pandas as pd

    if result.rounds is None:
        raise DetenteError(f"model {result.model!r} is static: it has no rounds")
    t1 = result.rounds.shape[0]
    rows = []
    for t in range(t1):
        for k, iss in enumerate(scenario.issues):
            row: dict[str, Any] = {"round": t, "issue": iss.id}
            for name, arr in result.summary.items():
                row[name] = float(np.asarray(arr)[t, k])
            rows.append(row)
    return pd.DataFrame(rows)


def events_frame(result: ModelResult) -> pd.DataFrame:
    """The result's events (offers, challenges, bargains ...) as a table."""
    import pandas as pd

    return pd.DataFrame(result.events)


def probabilities_frame(scenario: Scenario, result: ModelResult) -> pd.DataFrame:
    """``round, actor, probability`` where the model reports one per actor and round."""
    import pandas as pd

    prob = result.per_round.get("probability")
    if prob is None:
        raise DetenteError(f"model {result.model!r} reports no probabilities")
    prob = np.asarray(prob)
    if prob.ndim == 3:
        prob = prob[:, :, 0]
    t1, n = prob.shape
    return pd.DataFrame(
        {
            "round": np.repeat(np.arange(t1), n),
            "actor": np.tile(np.array(scenario.actor_ids, dtype=object), t1),
            "probability": prob.reshape(-1),
        }
    )


def models_table() -> pd.DataFrame:
    """The registered models with their titles and kinds."""
    import pandas as pd

    rows = []
    for name in available_models():
        spec = get_model(name)
        rows.append(
            {
                "model": name,
                "title": spec.title,
                "dynamic": spec.dynamic,
                "baseline": spec.baseline,
                "description": spec.description,
            }
        )
    return pd.DataFrame(rows)


def parse_model_params(
    items: Iterable[str] | None,
    names: Sequence[str],
    *,
    default: str | None = None,
    also: Sequence[str] = (),
) -> dict[str, dict[str, str]]:
    """``MODEL.NAME=VALUE`` items (as given to ``--param``) grouped by model.

    An item without ``MODEL.`` goes to ``default``, or to the only model in ``names``.
    ``also`` lists further model names an item may address.

    >>> parse_model_params(["eum.rounds=5", "q=1"], ["eum"])
    {'eum': {'rounds': '5', 'q': '1'}}
    """
    params: dict[str, dict[str, str]] = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(f"--param takes MODEL.NAME=VALUE, got {item!r}")
        key, value = (p.strip() for p in item.split("=", 1))
        if "." in key:
            model, key = key.split(".", 1)
        elif default is not None or len(names) == 1:
            model = default if default is not None else names[0]
        else:
            raise ParameterError(
                f"--param {key}=...: say which model it is for, as MODEL.{key}=VALUE"
            )
        if model not in names and model not in also:
            raise ParameterError(f"--param {model}.{key}: model {model!r} is not among those run")
        params.setdefault(model, {})[key] = value
    return params


def check_models(names: Iterable[str]) -> list[str]:
    """Registered model names for ``names`` (case-insensitive; ``all`` for every model), in
    order and without repeats.

    >>> check_models(["NASH", "compromise", "nash"])
    ['nash', 'compromise']
    """
    known = available_models()
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


def parameters_table(model: str) -> pd.DataFrame:
    """A model's parameters: ``parameter, default, values, meaning`` (one row each).

    The meanings come from the parameter class's docstring (``name: meaning`` entries).

    >>> df = parameters_table("nash")
    >>> df.set_index("parameter").loc["utility", "default"]
    'quadratic'
    """
    import inspect
    import re
    import typing

    import pandas as pd

    cls = get_model(model).params
    meanings: dict[str, str] = {}
    current = None
    for line in inspect.cleandoc(cls.__doc__ or "").splitlines():
        m = re.match(r"^(\w+): (.*)$", line)
        if m and m.group(1) in cls.model_fields:
            current = m.group(1)
            meanings[current] = m.group(2).strip()
        elif current is not None and line.startswith((" ", "\t")) and line.strip():
            meanings[current] += " " + line.strip()
        else:
            current = None
    rows = []
    for name, info in cls.model_fields.items():
        rows.append(
            {
                "parameter": name,
                "default": _value_text(info.default),
                "values": _values_text(info.annotation, info.metadata, typing),
                "meaning": meanings.get(name, "").replace("``", ""),
            }
        )
    return pd.DataFrame(rows, columns=["parameter", "default", "values", "meaning"])


def _value_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    if v == ():
        return "none"
    return str(v)


def _values_text(annotation: Any, metadata: Sequence[Any], typing: Any) -> str:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return " | ".join(str(a) for a in args)
    if args and type(None) not in args and typing.get_origin(annotation) is not tuple:
        return " or ".join(_values_text(a, metadata, typing) for a in args)
    names = {bool: "true | false", int: "whole number", float: "number", str: "text"}
    text = names.get(annotation, "list" if typing.get_origin(annotation) is tuple else "")
    lo = next(
        (getattr(m, "ge", None) for m in metadata if getattr(m, "ge", None) is not None), None
    )
    hi = next(
        (getattr(m, "le", None) for m in metadata if getattr(m, "le", None) is not None), None
    )
    if lo is not None and hi is not None:
        text += f", {lo:g} to {hi:g}"
    elif lo is not None:
        text += f", at least {lo:g}"
    elif hi is not None:
        text += f", at most {hi:g}"
    return text
