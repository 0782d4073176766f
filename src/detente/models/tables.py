"""Tables (tidy pandas DataFrames) of model results, as every interface shows them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.errors import DetenteError
from detente.models.base import ModelParams, ModelResult, available_models, get_model
from detente.models.runner import run_models
from detente.scenario.model import Scenario

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


def forecast_table(
    scenario: Scenario,
    models: Sequence[str] | None = None,
    *,
    params: Mapping[str, Mapping[str, Any] | ModelParams] | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """Forecasts per issue from each model (default: the default models), as a tidy table:
    :func:`forecast_frame` of :func:`~detente.models.runner.run_models`.

    >>> from detente.scenario import load
    >>> df = forecast_table(load("syria-astana-2017"), ["compromise"])
    >>> list(df.columns[:4]), df["model"].unique().tolist()
    (['issue', 'issue_name', 'model', 'forecast'], ['compromise'])
    """
    return forecast_frame(scenario, run_models(scenario, models, params=params, seed=seed))


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
    """Round-by-round positions of a dynamic model's run, as a tidy table.

    Parameters
    ----------
    scenario:
        The scenario the model ran on (for the actor and issue ids).
    result:
        A dynamic model's result (``result.rounds`` is not None).

    Returns
    -------
    pandas.DataFrame
        ``round, actor, issue, position`` and one column per further per-round array of the
        result (the EUM's ``risk`` and ``exposure``, say); round 0 is the input. Actors
        without a stance on an issue have no row for it.

    Raises
    ------
    DetenteError
        The model is static.

    Examples
    --------
    >>> import detente
    >>> s = detente.load("syria-astana-2017")
    >>> h = detente.history_frame(s, detente.run_model(s, "eum", {"rounds": 3}))
    >>> list(h.columns[:4]), int(h["round"].max())
    (['round', 'actor', 'issue', 'position'], 3)
    """
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
    """Per-round statistics of a dynamic model's run, as a tidy table.

    Parameters
    ----------
    scenario:
        The scenario the model ran on.
    result:
        A dynamic model's result.

    Returns
    -------
    pandas.DataFrame
        ``round, issue`` and one column per statistic the model reports
        (``result.summary``: the EUM's median and mean and its counts of offers, say).

    Raises
    ------
    DetenteError
        The model is static.

    Examples
    --------
    >>> import detente
    >>> s = detente.load("syria-astana-2017")
    >>> t = detente.summary_frame(s, detente.run_model(s, "eum", {"rounds": 3}))
    >>> list(t.columns[:4]), len(t) == 4 * len(s.issues)
    (['round', 'issue', 'median', 'mean'], True)
    """
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
    """The events of a model's run (offers, challenges, bargains ...) as a table.

    Parameters
    ----------
    result:
        A model's result.

    Returns
    -------
    pandas.DataFrame
        One row per event, with at least a ``round`` column for a model that records events
        (the columns are the model's own); empty for a model that records none.

    Examples
    --------
    >>> import detente
    >>> r = detente.run_model("syria-astana-2017", "eum", {"rounds": 3})
    >>> e = detente.events_frame(r)
    >>> list(e.columns[:4]), set(e["event"]) <= {"offer", "move"}
    (['round', 'issue', 'event', 'from'], True)
    >>> detente.events_frame(detente.run_model("syria-astana-2017", "compromise")).empty
    True
    """
    import pandas as pd

    return pd.DataFrame(result.events)


def probabilities_frame(scenario: Scenario, result: ModelResult) -> pd.DataFrame:
    """Each actor's reported probability per round, where the model reports one (the SMP:
    the probability that the actor's position prevails).

    Parameters
    ----------
    scenario:
        The scenario the model ran on.
    result:
        The model's result, with a ``probability`` per-round array.

    Returns
    -------
    pandas.DataFrame
        ``round, actor, probability``.

    Raises
    ------
    DetenteError
        The model reports no probabilities.

    Examples
    --------
    >>> import detente
    >>> s = detente.load("syria-astana-2017")
    >>> p = detente.probabilities_frame(s, detente.run_model(s, "smp"))
    >>> list(p.columns), bool(p["probability"].between(0, 1).all())
    (['round', 'actor', 'probability'], True)
    """
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
