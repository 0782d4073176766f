"""One interface for every forecasting model.

A model is a registered name, a typed parameter object with defaults, and a pure
function ``run(arrays, params, rng) -> ModelResult``. Models see only
:class:`~detente.scenario.arrays.ScenarioArrays` (one scenario) or
:class:`~detente.scenario.arrays.DrawBatch` (many draws of one); they do no I/O, use no pandas
and no global random state (stochastic models take a ``numpy.random.Generator``).

Everything about a model is declared in one call to :func:`register`::

    class MyParams(ModelParams):
        alpha: float = 1.0

    def run_mine(arrays, params, rng=None):
        ...
        return ModelResult(model="mine", forecast=forecast)

    register("mine", MyParams, run=run_mine, title="My model")

The keywords say what the model is and what it offers (see :func:`register`): ``batched`` (a
form over a leading axis of draws), ``applicable`` (when it can run), ``scope``, ``dynamic``,
``stochastic``, ``baseline``, ``presets``. ``docs/architecture.md`` has a complete example.
A model that ships with detente also has a line in :data:`BUILTIN` naming its module, which
is imported only when one of its models is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from detente.errors import ParameterError, UnknownNameError, plain_message
from detente.scenario.arrays import DrawBatch, ScenarioArrays


class ModelParams(BaseModel):
    """Base class of every model's parameters: typed, immutable, validated.

    >>> class MyParams(ModelParams):
    ...     rounds: int = 10
    >>> MyParams.from_strings({"rounds": "3"}).rounds
    3
    >>> MyParams.from_strings({"rounds": "many"})
    Traceback (most recent call last):
    ...
    detente.errors.ParameterError: parameter 'rounds': ...
    """

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

    >>> from detente.scenario.arrays import ScenarioArrays
    >>> res = get_model("compromise")(ScenarioArrays.from_arrays([1, 3], [0, 100], [100, 100]))
    >>> res.model, res.forecast.tolist(), res.n_rounds
    ('compromise', [75.0], 0)

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


RunFn = Callable[[ScenarioArrays, Any, "np.random.Generator | None"], ModelResult]
"""``run(arrays, params, rng) -> ModelResult``: the model on one scenario."""

BatchedFn = Callable[[DrawBatch, Any, "Sequence[np.random.Generator | None] | None"], np.ndarray]
"""``batched(batch, params, rngs) -> (B, d)`` forecasts: row ``b`` equals
``run(batch.arrays(b), params, rngs[b]).forecast`` bit for bit (``rngs`` is one generator per
draw for stochastic models, ``None`` otherwise)."""

ApplicableFn = Callable[[ScenarioArrays], "str | None"]
"""``applicable(arrays) -> None`` when the model can run on ``arrays``, else the reason why not."""

Scope = Literal["issue", "proposal"]


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: everything :func:`register` was told about it.

    Attributes
    ----------
    name, title, description:
        The registered name, a human title and the first paragraph of ``run``'s docstring.
    params:
        The :class:`ModelParams` subclass of the model's parameters.
    run:
        The model on one scenario (:data:`RunFn`).
    batched:
        The model on a batch of draws (:data:`BatchedFn`), or ``None``: then
        :meth:`forecast_batch` runs ``run`` draw by draw.
    applicable:
        :data:`ApplicableFn`, or ``None`` for a model that runs on every scenario.
    scope:
        ``issue`` (each issue is forecast on its own, so a model may be run on any subset of
        the issues) or ``proposal`` (the model trades across the issues it is given, as the
        exchange model does: validation passes a proposal's issues together).
    dynamic, stochastic, baseline:
        Whether the model plays rounds (``ModelResult.rounds``), draws from its generator, and
        is one of the simple baselines every forecast shows.
    presets:
        Named parameter sets, ``{preset: {parameter: value}}``.
    """

    name: str
    params: type[ModelParams]
    run: RunFn
    title: str
    batched: BatchedFn | None = None
    applicable: ApplicableFn | None = None
    scope: Scope = "issue"
    dynamic: bool = False
    stochastic: bool = False
    baseline: bool = False
    description: str = ""
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def make_params(self, values: Mapping[str, str] | None = None, preset: str | None = None):
        """The model's parameters from ``name=value`` strings over a preset's values."""
        base: dict[str, Any] = {}
        if preset is not None:
            if preset not in self.presets:
                known = ", ".join(sorted(self.presets)) or "none"
                raise ParameterError(
                    f"model {self.name!r} has no preset {preset!r} (known: {known})"
                )
            base = dict(self.presets[preset])
        return self.params.from_strings(values, **base)

    def _check_params(self, params: ModelParams | None) -> ModelParams:
        if params is None:
            return self.params()
        if not isinstance(params, self.params):
            raise ParameterError(
                f"model {self.name!r} takes {self.params.__name__}, got {type(params).__name__}"
            )
        return params

    def not_applicable(self, arrays: ScenarioArrays) -> str | None:
        """None if the model can run on ``arrays``, else the reason it cannot."""
        return None if self.applicable is None else self.applicable(arrays)

    def __call__(
        self,
        arrays: ScenarioArrays,
        params: ModelParams | None = None,
        rng: np.random.Generator | None = None,
    ) -> ModelResult:
        """Run the model on one scenario (default parameters; seed 0 for a stochastic model
        given no generator)."""
        params = self._check_params(params)
        if self.stochastic and rng is None:
            rng = np.random.default_rng(0)
        result = self.run(arrays, params, rng)
        if not result.issues and len(arrays.issues) == len(np.atleast_1d(result.forecast)):
            result.issues = tuple(arrays.issues)
        return result

    def forecast_loop(
        self,
        batch: DrawBatch,
        params: ModelParams | None = None,
        rngs: Sequence[np.random.Generator | None] | None = None,
    ) -> np.ndarray:
        """``(B, d)`` forecasts, one call of :attr:`run` per draw (``rngs``: one generator per
        draw, or ``None``)."""
        params = self._check_params(params)
        out = np.empty((len(batch), batch.n_issues))
        for b in range(len(batch)):
            out[b] = self(batch.arrays(b), params, None if rngs is None else rngs[b]).forecast
        return out

    def forecast_batch(
        self,
        batch: DrawBatch,
        params: ModelParams | None = None,
        rngs: Sequence[np.random.Generator | None] | None = None,
    ) -> np.ndarray:
        """``(B, d)`` forecasts on every draw of ``batch``: :attr:`batched` where the model has
        it, else :meth:`forecast_loop` (the numbers are the same)."""
        params = self._check_params(params)
        if self.batched is None:
            return self.forecast_loop(batch, params, rngs)
        return self.batched(batch, params, rngs)


_REGISTRY: dict[str, ModelSpec] = {}
"""Every registered model by name, in the order registered."""

BUILTIN: dict[str, str] = {
    "compromise": "baseline",
    "mean_voter": "baseline",
    "weighted_median": "baseline",
    "nash": "baseline",
    "eum": "eum",
    "smp": "smp",
    "exchange": "exchange",
    "condorcet": "condorcet",
    "pooled_blend": "pooled",
    "veto_player": "procedural",
    "agenda_setter": "procedural",
    "unilateral": "procedural",
    "procedural": "procedural",
}
"""The built-in models, in the order they are listed, and the module of
:mod:`detente.models` whose import registers each. A module is imported when one of its
models is first asked for (so that ``detente simulate -m smp`` does not import the other
models); :func:`available_models` imports them all. A test checks this map against what the
modules register."""


def _load(module: str) -> None:
    import_module(f"detente.models.{module}")


def _load_all() -> None:
    for module in dict.fromkeys(BUILTIN.values()):
        _load(module)


def model_names() -> list[str]:
    """Every model's name, without importing a model module: the built-in ones in their
    listed order (:data:`BUILTIN`), then any others in the order registered.

    >>> model_names()[:3]
    ['compromise', 'mean_voter', 'weighted_median']
    """
    return [*BUILTIN, *(n for n in _REGISTRY if n not in BUILTIN)]


def register(
    name: str,
    params: type[ModelParams] = NoParams,
    *,
    run: RunFn,
    title: str,
    batched: BatchedFn | None = None,
    applicable: ApplicableFn | None = None,
    scope: Scope = "issue",
    dynamic: bool = False,
    stochastic: bool = False,
    baseline: bool = False,
    presets: Mapping[str, Mapping[str, Any]] | None = None,
) -> ModelSpec:
    """Register a model under ``name`` and return its :class:`ModelSpec`.

    Parameters
    ----------
    name:
        The name users give (``detente forecast -m NAME``); unique.
    params:
        The :class:`ModelParams` subclass of its parameters (default :class:`NoParams`).
    run:
        ``run(arrays, params, rng) -> ModelResult``, the model on one scenario.
    title:
        A short human title.
    batched:
        ``batched(batch, params, rngs) -> (B, d)`` on a
        :class:`~detente.scenario.arrays.DrawBatch`, equal bit for bit to ``run`` draw by draw;
        ``None`` (default): sweeps call ``run`` draw by draw.
    applicable:
        ``applicable(arrays) -> None | reason``: when the model cannot run on some scenarios
        (the SMP needs every stance, say); ``None`` (default): it runs on every scenario.
    scope:
        ``issue`` (default) or ``proposal`` (see :class:`ModelSpec`).
    dynamic, stochastic, baseline:
        It plays rounds; it uses its generator; it is a baseline shown in every forecast.
    presets:
        Named parameter sets.

    Returns
    -------
    ModelSpec

    Examples
    --------
    >>> import numpy as np
    >>> from detente.models import ModelResult, get_model, register
    >>> def run_first(arrays, params, rng=None):
    ...     "The first actor's position."
    ...     return ModelResult(model="first_actor", forecast=arrays.position[0].copy())
    >>> spec = register("first_actor", run=run_first, title="First actor")
    >>> get_model("first_actor") is spec, spec.scope, spec.batched is None
    (True, 'issue', True)
    >>> unregister("first_actor")
    """
    if name in _REGISTRY:
        raise RuntimeError(f"model {name!r} registered twice")
    if scope not in ("issue", "proposal"):
        raise ValueError(f"scope must be 'issue' or 'proposal', got {scope!r}")
    if not (isinstance(params, type) and issubclass(params, ModelParams)):
        raise TypeError(f"params of model {name!r} must be a ModelParams subclass")
    doc = (run.__doc__ or "").strip().split("\n\n")[0]
    spec = ModelSpec(
        name=name,
        params=params,
        run=run,
        title=title,
        batched=batched,
        applicable=applicable,
        scope=scope,
        dynamic=dynamic,
        stochastic=stochastic,
        baseline=baseline,
        description=" ".join(doc.split()),
        presets=dict(presets or {}),
    )
    _REGISTRY[name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove model ``name`` from the registry (for tests and examples)."""
    _REGISTRY.pop(name, None)


def get_model(name: str) -> ModelSpec:
    """The registered model called ``name``.

    Parameters
    ----------
    name:
        A registered name (see :func:`available_models`).

    Returns
    -------
    ModelSpec
        Call it on :class:`~detente.scenario.arrays.ScenarioArrays` to run the model.

    Examples
    --------
    >>> from detente.scenario.arrays import ScenarioArrays
    >>> spec = get_model("compromise")
    >>> spec.title, spec.baseline
    ('Compromise (weighted mean)', True)
    >>> float(spec(ScenarioArrays.from_arrays([1, 3], [0, 100], [100, 100])).forecast[0])
    75.0
    """
    if name not in _REGISTRY and name in BUILTIN:
        _load(BUILTIN[name])
    try:
        return _REGISTRY[name]
    except KeyError:
        _load_all()
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownNameError(f"unknown model {name!r} (known: {known})") from None


def available_models(*, baseline_only: bool = False) -> list[str]:
    """Names of the registered models: the built-in ones in their listed order (see
    :data:`BUILTIN`), then any others in the order registered.

    Parameters
    ----------
    baseline_only:
        Only the baselines (compromise, mean voter, weighted median, Nash).

    Returns
    -------
    list of str

    Examples
    --------
    >>> available_models(baseline_only=True)
    ['compromise', 'mean_voter', 'weighted_median', 'nash']
    >>> "smp" in available_models()
    True
    """
    _load_all()
    return [
        n for n in model_names() if n in _REGISTRY and (_REGISTRY[n].baseline or not baseline_only)
    ]
