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

from detente.scenario.arrays import RULES, ScenarioArrays

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


class DecisionRule(str, Enum):
    """How an issue is decided (see :class:`Decision`)."""

    consensus = "consensus"
    vote = "vote"
    unilateral = "unilateral"


class Decision(_Frozen):
    """How an issue is decided: who can block a change, who proposes, whether the forum must
    decide.

    ``consensus``: nothing changes unless every veto player (``veto_players``, actor ids)
    agrees. ``vote``: a change needs the support of a ``threshold`` share (in (0, 1]) of the
    voting weight of the ``voters`` (default: every actor with a stance on the issue; voting
    weight: the actor's capability, or ``weights`` where given), and of every listed veto
    player (a second chamber, as the European Parliament under co-decision). ``unilateral``:
    one actor (``controller``), who controls the ground, decides alone, checked by the strength
    of those opposed. ``agenda_setter`` (optional, any rule but unilateral): the actor who makes
    the proposal (a mediator, the European Commission). ``must_decide``: the forum must reach a
    decision (True for EU legislation that was adopted) or may end with nothing (talks among
    warring parties; the default). The models using this are in
    :mod:`detente.models.procedural` and ``docs/procedural.md``.
    """

    rule: DecisionRule
    veto_players: tuple[_Id, ...] = ()
    threshold: float | None = None
    controller: _Id | None = None
    agenda_setter: _Id | None = None
    voters: tuple[_Id, ...] = ()
    weights: dict[_Id, float] | None = None
    must_decide: bool = False
    evidence: tuple[Evidence, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _accept_one_evidence(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("evidence"), dict):
            data = {**data, "evidence": [data["evidence"]]}
        return data

    @field_validator("threshold")
    @classmethod
    def _threshold_ok(cls, t: float | None) -> float | None:
        if t is None:
            return t
        if not (math.isfinite(t) and 0.0 < t <= 1.0):
            raise ValueError("threshold must be a share in (0, 1]")
        return t

    @field_validator("weights")
    @classmethod
    def _weights_ok(cls, w: dict[str, float] | None) -> dict[str, float] | None:
        if w is None:
            return w
        for a, v in w.items():
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"voting weight of {a!r} must be a positive number")
        return w

    @model_validator(mode="after")
    def _fields_fit_the_rule(self) -> Decision:
        given = {k for k in RULE_FIELDS if getattr(self, k)}
        problems = rule_field_problems(self.rule.value, given)
        if problems:
            raise ValueError(problems[0][1])
        for key in ("veto_players", "voters"):
            ids = getattr(self, key)
            if len(set(ids)) != len(ids):
                raise ValueError(f"{key} names an actor twice")
        return self


RULE_FIELDS = ("veto_players", "threshold", "controller", "agenda_setter", "voters", "weights")
_RULE_NEEDS = {
    "consensus": ("veto_players", "the actors who can block"),
    "vote": ("threshold", "the share of voting weight a change needs, in (0, 1]"),
    "unilateral": ("controller", "the actor who decides"),
}
_RULE_ALLOWS = {
    "consensus": {"veto_players", "agenda_setter"},
    "vote": {"threshold", "voters", "weights", "veto_players", "agenda_setter"},
    "unilateral": {"controller"},
}


def rule_field_problems(rule: str, given: set[str]) -> list[tuple[str, str]]:
    """``(field, message)`` for each way the fields ``given`` do not fit decision ``rule``:
    a field the rule needs and lacks, or one it cannot use. Empty when they fit.

    >>> rule_field_problems("vote", {"controller"})[0][1]
    'rule vote needs threshold (the share of voting weight a change needs, in (0, 1])'
    """
    if rule not in _RULE_NEEDS:
        return [("rule", f"unknown decision rule (known: {', '.join(_RULE_NEEDS)})")]
    out = []
    need, what = _RULE_NEEDS[rule]
    if need not in given:
        out.append((need, f"rule {rule} needs {need} ({what})"))
    for key in sorted(given - _RULE_ALLOWS[rule]):
        users = [r for r, ok in _RULE_ALLOWS.items() if key in ok]
        out.append((key, f"{key} applies to rule {' or '.join(users)}, not {rule}"))
    return out


class Issue(_Frozen):
    """A dimension of the negotiation."""

    id: _Id
    name: str | None = None
    description: str | None = None
    scale: Scale = Field(default_factory=Scale)
    status_quo: Value | None = None
    decision: Decision | None = None

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
    """A negotiation encoded as data: actors, issues and each actor's stance on each issue,
    with the evidence and uncertainty range of every value. Validated once, immutable.

    Build one with :func:`detente.load` (a name or a file) or
    :func:`detente.scenario.build_scenario` (a mapping, as in a YAML file).

    Examples
    --------
    >>> import detente
    >>> s = detente.load("syria-astana-2017")
    >>> s.actor_ids[:3], s.issue_ids[0]
    (('russia', 'iran', 'turkey'), 'assad')
    >>> s.to_arrays().position.shape == (len(s.actors), len(s.issues))
    True
    """

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
        rule = np.zeros(d, dtype=np.int8)
        veto = np.zeros((n, d), dtype=bool)
        voters = np.zeros((n, d), dtype=bool)
        vote_weight = np.full((n, d), np.nan)
        threshold = np.full(d, np.nan)
        controller = np.full(d, -1, dtype=np.int64)
        setter = np.full(d, -1, dtype=np.int64)
        must_decide = np.zeros(d, dtype=bool)
        for k, iss in enumerate(self.issues):
            dec = iss.decision
            if dec is None:
                continue
            rule[k] = RULES.index(dec.rule.value)
            for a in dec.veto_players:
                veto[a_index[a], k] = True
            if dec.rule is DecisionRule.vote:
                threshold[k] = dec.threshold
                if dec.voters:
                    for a in dec.voters:
                        voters[a_index[a], k] = True
                else:
                    voters[:, k] = ~np.isnan(x[:, k])
                for a, w in (dec.weights or {}).items():
                    vote_weight[a_index[a], k] = w
            if dec.controller is not None:
                controller[k] = a_index[dec.controller]
            if dec.agenda_setter is not None:
                setter[k] = a_index[dec.agenda_setter]
            must_decide[k] = dec.must_decide
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
            rule=rule,
            veto=veto,
            voters=voters,
            vote_weight=vote_weight,
            threshold=threshold,
            controller=controller,
            setter=setter,
            must_decide=must_decide,
        )
