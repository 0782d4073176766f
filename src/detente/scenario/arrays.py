"""The numeric view of a scenario: what every model sees.

Models never see YAML, pandas or strings beyond the id tuples kept here for
labelling results. Missing stances are NaN in ``position`` and ``salience`` and
False in ``mask``.
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
