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
        )

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
    ) -> ScenarioArrays:
        """Build arrays directly, for tests and programmatic use.

        ``salience`` is given on ``0..salience_scale`` (default 0..100) and stored as a
        fraction. ``position`` and ``salience`` may be 1-D for a one-issue scenario.

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
