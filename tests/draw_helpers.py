"""Building a DrawBatch straight from arrays, for the tests of the models' batched forms."""

from __future__ import annotations

import numpy as np

from detente.scenario.arrays import DrawBatch, ScenarioArrays


def batch_from(
    cap: np.ndarray,
    pos: np.ndarray,
    sal: np.ndarray,
    mask: np.ndarray,
    status_quo: np.ndarray | None = None,
) -> DrawBatch:
    """Draws ``cap (B, n)``, ``pos (B, n, d)``, ``sal (B, n, d)`` (fractions) of a scenario
    whose stances are ``mask (n, d)``; positions and saliences outside the mask become NaN, and
    the first draw is the base scenario."""
    nb, _, d = pos.shape
    pos = np.where(mask, pos, np.nan)
    sal = np.where(mask, sal, np.nan)
    base = ScenarioArrays.from_arrays(cap[0], np.nan_to_num(pos[0]), 100 * np.nan_to_num(sal[0]))
    base = ScenarioArrays(**{**base.__dict__, "mask": mask, "position": pos[0], "salience": sal[0]})
    sq = np.full((nb, d), np.nan) if status_quo is None else status_quo
    return DrawBatch(base, cap, pos, sal, sq)
