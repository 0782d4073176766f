"""The scenario: actors, issues and stances, with evidence and uncertainty.

A :class:`Scenario` is validated once, when it is built (see
:func:`detente.scenario.validate.build_scenario`), and immutable afterwards. The
numeric view used by the models is :meth:`Scenario.to_arrays`.
"""

from __future__ import annotations

import datetime as _dt
import math
from enum import Enum
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from detente.scenario.arrays import ScenarioArrays

_Id = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ActorKind(str, Enum):
    """What kind of party an actor is."""

    state = "state"
    government = "government"
    opposition = "opposition"
    organisation = "organisation"
    armed_group = "armed_group"
    mediator = "mediator"
    observer = "observer"


class Basis(str, Enum):
    """Whether a value is stated (or clearly reported) in a source, or an analyst's assumption."""

    stated = "stated"
    assumption = "assumption"


class Source(_Frozen):
    """A document values are drawn from."""

    id: _Id
    file: str | None = None
    publication: str | None = None
    date: _dt.date | None = None
    title: str | None = None
    author: str | None = None


class Evidence(_Frozen):
    """Why a value is what it is: a source and a paraphrase in our own words."""

    source: str | None = None
    paraphrase: str | None = None
    basis: Basis = Basis.stated
    reason: str | None = None

    @model_validator(mode="after")
    def _needs_support(self) -> Evidence:
        if self.basis is Basis.stated and not self.source:
            raise ValueError("evidence stated in a source must name the source")
        if self.basis is Basis.assumption and not (self.reason or self.paraphrase):
            raise ValueError("an assumption must give its reason")
        return self


def _finite(v: float) -> float:
    if not math.isfinite(v):
        raise ValueError("must be a finite number")
    return v


class Value(_Frozen):
    """A number with an optional uncertainty range and its evidence."""

    value: float
    range: tuple[float, float] | None = None
    evidence: tuple[Evidence, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _accept_scalar(cls, data: Any) -> Any:
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return {"value": data}
        # ValueError, not TypeError: pydantic reports only the former as a validation error.
        if isinstance(data, bool):
            raise ValueError("must be a number, not true or false")  # noqa: TRY004
        if isinstance(data, str):
            raise ValueError("must be a number, not text")  # noqa: TRY004
        if isinstance(data, list):
            raise ValueError(  # noqa: TRY004
                "must be a number or a mapping with value, range and evidence"
            )
        if isinstance(data, dict) and isinstance(data.get("evidence"), dict):
            data = {**data, "evidence": [data["evidence"]]}
        return data

    @field_validator("value")
    @classmethod
    def _value_finite(cls, v: float) -> float:
        return _finite(v)

    @field_validator("range")
    @classmethod
    def _range_ok(cls, r: tuple[float, float] | None) -> tuple[float, float] | None:
        if r is None:
            return r
        lo, hi = r
        _finite(lo), _finite(hi)
        if lo > hi:
            raise ValueError(f"range low {lo:g} is above range high {hi:g}")
        return r

    @model_validator(mode="after")
    def _range_contains_value(self) -> Value:
        if self.range is not None and not (self.range[0] <= self.value <= self.range[1]):
            raise ValueError(
                f"range [{self.range[0]:g}, {self.range[1]:g}] does not contain the value "
                f"{self.value:g}"
            )
        return self

    @property
    def low(self) -> float:
        return self.value if self.range is None else self.range[0]

    @property
    def high(self) -> float:
        return self.value if self.range is None else self.range[1]


class Actor(_Frozen):
    """A party to the negotiation."""

    id: _Id
    name: str | None = None
    kind: ActorKind = ActorKind.state
    capability: Value
    notes: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.id


class Scale(_Frozen):
    """An issue's scale: bounds and what the ends (and optional anchors) mean."""

    low: float = 0.0
    high: float = 100.0
    low_label: str | None = None
    high_label: str | None = None
    anchors: dict[float, str] = Field(default_factory=dict)

    @field_validator("low", "high")
    @classmethod
    def _bound_finite(cls, v: float) -> float:
        return _finite(v)

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if not self.low < self.high:
            raise ValueError(f"scale low {self.low:g} must be below scale high {self.high:g}")
        for a in self.anchors:
            if not self.low <= a <= self.high:
                raise ValueError(f"anchor {a:g} lies outside the scale {self.low:g}..{self.high:g}")
        return self

    def describe(self) -> str:
        """One line saying what the ends of the scale mean."""
        lo = self.low_label or "low"
        hi = self.high_label or "high"
        return f"{self.low:g} = {lo}; {self.high:g} = {hi}"


class Issue(_Frozen):
    """A dimension of the negotiation."""

    id: _Id
    name: str | None = None
    description: str | None = None
    scale: Scale = Field(default_factory=Scale)
    status_quo: Value | None = None

    @property
    def label(self) -> str:
        return self.name or self.id


class Stance(_Frozen):
    """An actor's position on an issue and how much the issue matters to it."""

    actor: _Id
    issue: _Id
    position: Value
    salience: Value


class Scenario(_Frozen):
    """A negotiation encoded as data."""

    id: str = "scenario"
    title: str | None = None
    description: str | None = None
    date: _dt.date | None = None
    sources: tuple[Source, ...] = ()
    actors: tuple[Actor, ...]
    issues: tuple[Issue, ...]
    stances: tuple[Stance, ...]
    meta: dict[str, Any] = Field(default_factory=dict)

    # -- lookups -----------------------------------------------------------------
    @property
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.actors)

    @property
    def issue_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.issues)

    def actor(self, actor_id: str) -> Actor:
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)

    def issue(self, issue_id: str) -> Issue:
        for i in self.issues:
            if i.id == issue_id:
                return i
        raise KeyError(issue_id)

    def stance(self, actor_id: str, issue_id: str) -> Stance | None:
        for st in self.stances:
            if st.actor == actor_id and st.issue == issue_id:
                return st
        return None

    def source(self, source_id: str) -> Source | None:
        for s in self.sources:
            if s.id == source_id:
                return s
        return None

    # -- numeric view ------------------------------------------------------------
    def to_arrays(self) -> ScenarioArrays:
        """The numeric view of the scenario (see :class:`ScenarioArrays`)."""
        n, d = len(self.actors), len(self.issues)
        a_index = {a.id: i for i, a in enumerate(self.actors)}
        i_index = {s.id: k for k, s in enumerate(self.issues)}
        x = np.full((n, d), np.nan)
        s = np.full((n, d), np.nan)
        for st in self.stances:
            i, k = a_index[st.actor], i_index[st.issue]
            x[i, k] = st.position.value
            s[i, k] = st.salience.value / 100.0
        return ScenarioArrays(
            actors=self.actor_ids,
            issues=self.issue_ids,
            capability=np.array([a.capability.value for a in self.actors], dtype=float),
            position=x,
            salience=s,
            mask=~np.isnan(x),
            low=np.array([i.scale.low for i in self.issues], dtype=float),
            high=np.array([i.scale.high for i in self.issues], dtype=float),
            status_quo=np.array(
                [np.nan if i.status_quo is None else i.status_quo.value for i in self.issues],
                dtype=float,
            ),
        )
