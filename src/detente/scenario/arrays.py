"""The numeric view of a scenario: what every model sees.

Models never see YAML, pandas or strings beyond the id tuples kept here for
labelling results. Missing stances are NaN in ``position`` and ``salience`` and
False in ``mask``.

:class:`ScenarioArrays` holds one scenario; :class:`DrawBatch` holds ``B`` scenarios of one
structure (same actors, issues, stances and scales) with the numbers on a leading axis, as a
Monte Carlo sweep draws them. A model's batched form takes a :class:`DrawBatch`; a single run
is a batch of one (:meth:`ScenarioArrays.as_batch`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

RULES = ("none", "consensus", "vote", "unilateral")
"""Decision rule names by code: ``ScenarioArrays.rule[k]`` is an index into this tuple."""
RULE_NONE, RULE_CONSENSUS, RULE_VOTE, RULE_UNILATERAL = range(4)


@dataclass(frozen=True, eq=False)
class ScenarioArrays:
    """Arrays of one scenario.

    Attributes
    ----------
    actors, issues:
        Ids, in scenario order (n actors, d issues).
    capability:
        ``(n,)`` positive floats, any unit.
    position:
        ``(n, d)`` positions on each issue's own scale (``low[k]..high[k]``); NaN where
        the actor has no stance.
    salience:
        ``(n, d)`` salience as a fraction in ``0..1`` (the scenario's 0..100 divided
        by 100); NaN where the actor has no stance.
    mask:
        ``(n, d)`` True where the actor has a stance on the issue.
    low, high:
        ``(d,)`` scale bounds of each issue.
    status_quo:
        ``(d,)`` status quo on the issue's scale, NaN where none is given.
    rule:
        ``(d,)`` int8 decision rule code per issue, an index into :data:`RULES` (``0``: none
        declared, ``1`` consensus, ``2`` vote, ``3`` unilateral).
    veto:
        ``(n, d)`` True for the veto players of each issue (consensus; the extra chambers of
        a vote).
    voters:
        ``(n, d)`` True for the actors whose weight counts in a vote (rule vote only).
    vote_weight:
        ``(n, d)`` voting weights where declared; NaN where an actor votes with its capability.
    threshold:
        ``(d,)`` share of the voting weight a change needs (rule vote), NaN otherwise.
    controller, setter:
        ``(d,)`` actor index of the controller (rule unilateral) and of the agenda setter;
        ``-1`` where there is none.
    must_decide:
        ``(d,)`` True where the forum must reach a decision.

    The decision fields default to "no rule declared" for every issue.
    """

    actors: tuple[str, ...]
    issues: tuple[str, ...]
    capability: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    mask: np.ndarray
    low: np.ndarray
    high: np.ndarray
    status_quo: np.ndarray
    rule: np.ndarray | None = None
    veto: np.ndarray | None = None
    voters: np.ndarray | None = None
    vote_weight: np.ndarray | None = None
    threshold: np.ndarray | None = None
    controller: np.ndarray | None = None
    setter: np.ndarray | None = None
    must_decide: np.ndarray | None = None

    def __post_init__(self) -> None:
        n, d = len(self.actors), len(self.issues)
        defaults = {
            "rule": lambda: np.zeros(d, dtype=np.int8),
            "veto": lambda: np.zeros((n, d), dtype=bool),
            "voters": lambda: np.zeros((n, d), dtype=bool),
            "vote_weight": lambda: np.full((n, d), np.nan),
            "threshold": lambda: np.full(d, np.nan),
            "controller": lambda: np.full(d, -1, dtype=np.int64),
            "setter": lambda: np.full(d, -1, dtype=np.int64),
            "must_decide": lambda: np.zeros(d, dtype=bool),
        }
        for key, make in defaults.items():
            if getattr(self, key) is None:
                object.__setattr__(self, key, make())

    @property
    def n_actors(self) -> int:
        return len(self.actors)

    @property
    def n_issues(self) -> int:
        return len(self.issues)

    @property
    def span(self) -> np.ndarray:
        """``(d,)`` width of each issue's scale."""
        return self.high - self.low

    def unit_position(self) -> np.ndarray:
        """Positions rescaled to ``0..1`` per issue (NaN stays NaN)."""
        return (self.position - self.low) / self.span

    def from_unit(self, values: np.ndarray) -> np.ndarray:
        """Map values on ``0..1`` back to each issue's scale (last axis = issues)."""
        return self.low + np.asarray(values) * self.span

    def select_issues(self, index) -> ScenarioArrays:
        """A view restricted to some issues (index: int, slice, list or bool mask)."""
        idx = np.atleast_1d(np.arange(self.n_issues)[index])
        return replace(
            self,
            issues=tuple(self.issues[i] for i in idx),
            position=self.position[:, idx],
            salience=self.salience[:, idx],
            mask=self.mask[:, idx],
            low=self.low[idx],
            high=self.high[idx],
            status_quo=self.status_quo[idx],
            rule=self.rule[idx],
            veto=self.veto[:, idx],
            voters=self.voters[:, idx],
            vote_weight=self.vote_weight[:, idx],
            threshold=self.threshold[idx],
            controller=self.controller[idx],
            setter=self.setter[idx],
            must_decide=self.must_decide[idx],
        )

    def select_actors(self, keep) -> ScenarioArrays:
        """A view restricted to some actors (``keep``: ``(n,)`` bool mask or indices); a
        controller or agenda setter who is dropped becomes ``-1`` (none).

        >>> a = ScenarioArrays.from_arrays([1, 2, 3], [0, 50, 100], [50, 50, 50],
        ...                                setter=[2])
        >>> b = a.select_actors([False, True, True])
        >>> b.actors, int(b.setter[0])
        (('A1', 'A2'), 1)
        """
        idx = np.atleast_1d(np.arange(self.n_actors)[np.asarray(keep)])
        new = np.full(self.n_actors + 1, -1, dtype=np.int64)  # old index -> new; -1 -> -1
        new[idx] = np.arange(idx.size)
        return replace(
            self,
            actors=tuple(self.actors[i] for i in idx),
            capability=self.capability[idx],
            position=self.position[idx],
            salience=self.salience[idx],
            mask=self.mask[idx],
            veto=self.veto[idx],
            voters=self.voters[idx],
            vote_weight=self.vote_weight[idx],
            controller=new[self.controller],
            setter=new[self.setter],
        )

    def voting_weight(self, capability: np.ndarray | None = None) -> np.ndarray:
        """``(..., n, d)`` each actor's voting weight: the declared weight where there is one,
        else its capability (``capability``, of shape ``(..., n)``, defaults to the scenario's).
        """
        c = self.capability if capability is None else np.asarray(capability)
        return np.where(np.isnan(self.vote_weight), c[..., :, None], self.vote_weight)

    def with_numbers(
        self, *, capability=None, position=None, salience=None, status_quo=None
    ) -> ScenarioArrays:
        """The same scenario with some numbers replaced (salience as fractions); positions and
        saliences stay NaN where there is no stance."""

        def arr(v, old):
            return old if v is None else np.asarray(v, dtype=float).reshape(old.shape)

        return replace(
            self,
            capability=arr(capability, self.capability),
            position=np.where(self.mask, arr(position, self.position), np.nan),
            salience=np.where(self.mask, arr(salience, self.salience), np.nan),
            status_quo=arr(status_quo, self.status_quo),
        )

    def as_batch(self) -> DrawBatch:
        """This scenario as a batch of one draw.

        >>> a = ScenarioArrays.from_arrays([1, 2], [0, 100], [50, 50])
        >>> b = a.as_batch()
        >>> len(b), b.position.shape
        (1, (1, 2, 1))
        """
        return DrawBatch(
            base=self,
            capability=self.capability[None],
            position=self.position[None],
            salience=self.salience[None],
            status_quo=self.status_quo[None],
        )

    @classmethod
    def from_arrays(
        cls,
        capability,
        position,
        salience,
        *,
        actors=None,
        issues=None,
        low=0.0,
        high=100.0,
        status_quo=None,
        salience_scale: float = 100.0,
        rule=None,
        veto=None,
        voters=None,
        vote_weight=None,
        threshold=None,
        controller=None,
        setter=None,
        must_decide=None,
    ) -> ScenarioArrays:
        """Build arrays directly, for tests and programmatic use.

        ``salience`` is given on ``0..salience_scale`` (default 0..100) and stored as a
        fraction. ``position`` and ``salience`` may be 1-D for a one-issue scenario. The
        decision fields (see the class) are optional; ``rule`` may be given by name
        (``"vote"``) or code, per issue; ``veto`` and ``voters`` as ``(n, d)`` masks (or
        ``(n,)`` for one issue); ``controller`` and ``setter`` as actor indices (-1: none).

        >>> a = ScenarioArrays.from_arrays([1, 2], [0, 100], [50, 50])
        >>> a.position.shape, float(a.salience[0, 0])
        ((2, 1), 0.5)
        """
        c = np.asarray(capability, dtype=float).reshape(-1)
        x = np.asarray(position, dtype=float)
        s = np.asarray(salience, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        if s.ndim == 1:
            s = s[:, None]
        n, d = x.shape
        s = s / salience_scale
        mask = ~(np.isnan(x) | np.isnan(s))
        x = np.where(mask, x, np.nan)
        s = np.where(mask, s, np.nan)
        lo = np.broadcast_to(np.asarray(low, dtype=float), (d,)).copy()
        hi = np.broadcast_to(np.asarray(high, dtype=float), (d,)).copy()
        sq = (
            np.full(d, np.nan)
            if status_quo is None
            else np.broadcast_to(np.asarray(status_quo, dtype=float), (d,)).copy()
        )

        def per_issue(v, dtype):
            return None if v is None else np.broadcast_to(np.asarray(v, dtype=dtype), (d,)).copy()

        def per_stance(v, dtype):
            if v is None:
                return None
            v = np.asarray(v, dtype=dtype)
            return (v[:, None] if v.ndim == 1 else v).reshape(n, d).copy()

        if rule is not None:
            rule = [RULES.index(r) if isinstance(r, str) else int(r) for r in np.atleast_1d(rule)]
        return cls(
            actors=tuple(actors) if actors is not None else tuple(f"A{i}" for i in range(n)),
            issues=tuple(issues) if issues is not None else tuple(f"I{k}" for k in range(d)),
            capability=c,
            position=x,
            salience=s,
            mask=mask,
            low=lo,
            high=hi,
            status_quo=sq,
            rule=per_issue(rule, np.int8),
            veto=per_stance(veto, bool),
            voters=per_stance(voters, bool),
            vote_weight=per_stance(vote_weight, float),
            threshold=per_issue(threshold, float),
            controller=per_issue(controller, np.int64),
            setter=per_issue(setter, np.int64),
            must_decide=per_issue(must_decide, bool),
        )


@dataclass(frozen=True, eq=False)
class DrawBatch:
    """``B`` scenarios sharing one structure (actors, issues, stances, scales), their numbers on
    a leading axis: what a model's batched form takes.

    Attributes
    ----------
    base:
        The scenario the draws vary (ids, ``mask``, ``low``, ``high``; its numbers are those
        every draw starts from).
    capability:
        ``(B, n)`` positive floats.
    position:
        ``(B, n, d)`` on each issue's scale; NaN where ``base.mask`` is False.
    salience:
        ``(B, n, d)`` fractions 0..1; NaN where ``base.mask`` is False.
    status_quo:
        ``(B, d)``; NaN where the issue has none.

    Examples
    --------
    >>> a = ScenarioArrays.from_arrays([1, 3], [0, 100], [100, 100])
    >>> batch = DrawBatch.stack([a, a.with_numbers(capability=[3, 1])])
    >>> len(batch), batch.capability.tolist()
    (2, [[1.0, 3.0], [3.0, 1.0]])
    >>> batch.arrays(1).capability.tolist()
    [3.0, 1.0]
    """

    base: ScenarioArrays
    capability: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    status_quo: np.ndarray

    def __post_init__(self) -> None:
        nb = self.capability.shape[0] if np.ndim(self.capability) == 2 else -1
        n, d = self.base.n_actors, self.base.n_issues
        shapes = {
            "capability": (np.shape(self.capability), (nb, n)),
            "position": (np.shape(self.position), (nb, n, d)),
            "salience": (np.shape(self.salience), (nb, n, d)),
            "status_quo": (np.shape(self.status_quo), (nb, d)),
        }
        for name, (got, want) in shapes.items():
            if got != want:
                raise ValueError(f"DrawBatch.{name} must have shape {want}, got {got}")

    def __len__(self) -> int:
        return int(self.capability.shape[0])

    @property
    def n_actors(self) -> int:
        return self.base.n_actors

    @property
    def n_issues(self) -> int:
        return self.base.n_issues

    def arrays(self, b: int) -> ScenarioArrays:
        """The arrays of draw ``b``, as a model sees them."""
        return replace(
            self.base,
            capability=self.capability[b],
            position=self.position[b],
            salience=self.salience[b],
            status_quo=self.status_quo[b],
        )

    def take(self, rows) -> DrawBatch:
        """The batch of some draws (``rows``: an index array, slice or bool mask)."""
        return DrawBatch(
            base=self.base,
            capability=self.capability[rows],
            position=self.position[rows],
            salience=self.salience[rows],
            status_quo=self.status_quo[rows],
        )

    @classmethod
    def stack(cls, draws: list[ScenarioArrays]) -> DrawBatch:
        """The batch of scenarios of one structure (the first one is the base)."""
        if not draws:
            raise ValueError("DrawBatch.stack needs at least one scenario")
        base = draws[0]
        for a in draws[1:]:
            if (
                a.actors != base.actors
                or a.issues != base.issues
                or not np.array_equal(a.mask, base.mask)
            ):
                raise ValueError(
                    "DrawBatch.stack: the scenarios differ in actors, issues or stances"
                )
        return cls(
            base=base,
            capability=np.stack([a.capability for a in draws]),
            position=np.stack([a.position for a in draws]),
            salience=np.stack([a.salience for a in draws]),
            status_quo=np.stack([a.status_quo for a in draws]),
        )
