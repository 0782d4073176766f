"""One interface for every forecasting model.

A model is a registered name, a typed parameter object with defaults, and a pure
function ``run(arrays, params, rng) -> ModelResult``. Models see only
:class:`~detente.scenario.arrays.ScenarioArrays`; they do no I/O, use no pandas and
no global random state (stochastic models take a ``numpy.random.Generator``).

Register a model with :func:`register`::

    class MyParams(ModelParams):
        alpha: float = 1.0

    @register("mine", MyParams, title="My model", dynamic=False)
    def run_mine(arrays, params, rng=None):
        ...
        return ModelResult(model="mine", forecast=forecast)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from detente.errors import ParameterError, UnknownNameError, plain_message
from detente.scenario.arrays import ScenarioArrays


class ModelParams(BaseModel):
    """Base class of every model's parameters: typed, immutable, validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def from_strings(cls, values: Mapping[str, str] | None = None, **presets: Any):
        """Build parameters from ``name=value`` strings (as given on the command line)."""
        data: dict[str, Any] = dict(presets)
        for key, raw in (values or {}).items():
            if key not in cls.model_fields:
                known = ", ".join(sorted(cls.model_fields)) or "none"
                raise ParameterError(f"unknown parameter {key!r} (known: {known})")
            data[key] = raw
        try:
            return cls(**data)
        except ValidationError as exc:
            err = exc.errors()[0]
            name = ".".join(str(p) for p in err["loc"])
            raise ParameterError(
                f"parameter {name!r}: {plain_message(err)} (got {err.get('input')!r})"
            ) from None


class NoParams(ModelParams):
    """For models without parameters."""


@dataclass
class ModelResult:
    """What a model run returns.

    Attributes
    ----------
    model:
        The registered name of the model.
    forecast:
        ``(d,)`` forecast per issue on the issue's scale; NaN where the model gives none
        (no actor has a stance, say).
    rounds:
        For dynamic models, ``(T + 1, n, d)`` positions per round, round 0 the input;
        ``None`` for static models.
    per_round:
        Further ``(T + 1, n, d)`` (or ``(T + 1, n)``) arrays, one column each in the
        history table (a risk exponent, a probability ...).
    summary:
        ``name -> (T + 1, d)`` arrays of per-round statistics (median, mean ...).
    events:
        Free-form records (offers, challenges, bargains ...), each a flat dict with at
        least ``round``; written as a table by the CLI and the API.
    extras:
        Anything else worth keeping (diagnostics, the stop reason ...).
    issues:
        The issue ids, in the order of the arrays (set by :class:`ModelSpec` when it runs the
        model); they label :attr:`forecast_series`.
    """

    model: str
    forecast: np.ndarray
    rounds: np.ndarray | None = None
    per_round: dict[str, np.ndarray] = field(default_factory=dict)
    summary: dict[str, np.ndarray] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    issues: tuple[str, ...] = ()

    @property
    def forecast_series(self):
        """The forecast as a pandas Series indexed by issue id, named after the model.

        >>> import detente
        >>> r = detente.run_model("syria-astana-2017", "compromise")
        >>> r.forecast_series.index[0], r.forecast_series.name
        ('assad', 'compromise')
        """
        import pandas as pd

        index = list(self.issues) or list(range(len(self.forecast)))
        return pd.Series(
            np.asarray(self.forecast, dtype=float),
            index=pd.Index(index, name="issue"),
            name=self.model,
        )

    @property
    def n_rounds(self) -> int:
        """Number of rounds played (0 for static models)."""
        return 0 if self.rounds is None else self.rounds.shape[0] - 1


RunFn = Callable[[ScenarioArrays, ModelParams, np.random.Generator | None], ModelResult]


@dataclass(frozen=True)
class ModelSpec:
    """A registered model."""

    name: str
    params: type[ModelParams]
    run: RunFn
    title: str
    dynamic: bool = False
    stochastic: bool = False
    baseline: bool = False
    description: str = ""
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def make_params(self, values: Mapping[str, str] | None = None, preset: str | None = None):
        base: dict[str, Any] = {}
        if preset is not None:
            if preset not in self.presets:
                known = ", ".join(sorted(self.presets)) or "none"
                raise ParameterError(
                    f"model {self.name!r} has no preset {preset!r} (known: {known})"
                )
            base = dict(self.presets[preset])
        return self.params.from_strings(values, **base)

    def not_applicable(self, arrays: ScenarioArrays) -> str | None:
        """None if the model can run on ``arrays``, else the reason it cannot.

        A model declares its own check by giving its run function an attribute
        ``not_applicable(arrays) -> str | None``.
        """
        check = getattr(self.run, "not_applicable", None)
        return None if check is None else check(arrays)

    @property
    def issue_scope(self) -> str:
        """``issue`` (each issue forecast on its own) or ``proposal`` (the model trades across
        the issues of one proposal, as the exchange model does); set by an attribute
        ``issue_scope`` of the run function."""
        return getattr(self.run, "issue_scope", "issue")

    def __call__(
        self,
        arrays: ScenarioArrays,
        params: ModelParams | None = None,
        rng: np.random.Generator | None = None,
    ) -> ModelResult:
        if params is None:
            params = self.params()
        if self.stochastic and rng is None:
            rng = np.random.default_rng(0)
        result = self.run(arrays, params, rng)
        if not result.issues and len(arrays.issues) == len(np.atleast_1d(result.forecast)):
            result.issues = tuple(arrays.issues)
        return result


_REGISTRY: dict[str, ModelSpec] = {}


def register(
    name: str,
    params: type[ModelParams] = NoParams,
    *,
    title: str,
    dynamic: bool = False,
    stochastic: bool = False,
    baseline: bool = False,
    presets: Mapping[str, Mapping[str, Any]] | None = None,
):
    """Decorator registering ``fn`` as model ``name``."""

    def deco(fn: RunFn) -> RunFn:
        if name in _REGISTRY:
            raise RuntimeError(f"model {name!r} registered twice")
        doc = (fn.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        _REGISTRY[name] = ModelSpec(
            name=name,
            params=params,
            run=fn,
            title=title,
            dynamic=dynamic,
            stochastic=stochastic,
            baseline=baseline,
            description=doc,
            presets=dict(presets or {}),
        )
        return fn

    return deco


def get_model(name: str) -> ModelSpec:
    """The registered model called ``name``."""
    _load_all()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownNameError(f"unknown model {name!r} (known: {known})") from None


def available_models(*, baseline_only: bool = False) -> list[str]:
    """Names of the registered models, in registration order."""
    _load_all()
    return [n for n, s in _REGISTRY.items() if s.baseline or not baseline_only]


def _load_all() -> None:
    # Importing the package registers every model module it lists.
    import detente.models  # noqa: F401
