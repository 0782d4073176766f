"""Cross-validation by group: the issues of one proposal never straddle training and testing.

The candidates compared here have no parameters fitted to outcomes: each is a fixed model
(with fixed parameters) whose forecasts are computed once. What cross-validation estimates
is the error of a *selection rule*: in each fold, the candidate with the lowest mean absolute
error on the training proposals is chosen and scored on the held-out proposals. The
out-of-fold forecasts then carry the cost of having chosen among many candidates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detente.errors import ParameterError


def group_folds(groups: np.ndarray, k: int, seed: int | np.random.Generator = 0) -> np.ndarray:
    """Fold index (0..k-1) of each case, assigning whole groups to folds at random.

    Groups are shuffled and dealt round-robin, so fold sizes in groups differ by at most one.

    >>> f = group_folds(np.array([0, 0, 1, 1, 2, 3]), 2, seed=1)
    >>> bool(f[0] == f[1] and f[2] == f[3])
    True
    """
    g = np.asarray(groups)
    uniq, inv = np.unique(g, return_inverse=True)
    if not 2 <= k <= uniq.size:
        raise ParameterError(
            f"folds must be between 2 and the number of groups ({uniq.size}), got {k}"
        )
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    perm = rng.permutation(uniq.size)
    fold_of_group = np.empty(uniq.size, dtype=int)
    fold_of_group[perm] = np.arange(uniq.size) % k
    return fold_of_group[inv]


@dataclass
class SelectionCV:
    """Out-of-fold results of selecting the best candidate on training folds.

    Attributes
    ----------
    forecast:
        ``(repeats, n)`` out-of-fold forecasts (each case predicted by the candidate chosen
        without its proposal).
    chosen:
        ``(repeats, k)`` names of the candidates chosen in each fold.
    """

    forecast: np.ndarray
    chosen: list[list[str]]

    def abs_errors(self, outcomes: np.ndarray) -> np.ndarray:
        """``(n,)`` absolute out-of-fold error per case, averaged over repeats."""
        return np.abs(self.forecast - np.asarray(outcomes)[None, :]).mean(axis=0)


def select_by_cv(
    candidates: dict[str, np.ndarray],
    outcomes: np.ndarray,
    groups: np.ndarray,
    *,
    k: int = 10,
    repeats: int = 1,
    seed: int = 0,
) -> SelectionCV:
    """Cross-validate the rule "use the candidate with the lowest training MAE".

    Parameters
    ----------
    candidates:
        name -> ``(n,)`` forecasts of a fixed model on every case (NaN counts as a miss of
        the whole scale, so a candidate that skips cases is not favoured).
    outcomes, groups:
        ``(n,)`` outcomes and group labels (proposals).
    k, repeats, seed:
        Folds, repetitions with fresh fold assignments, seed of the first assignment.

    Ties in training MAE go to the candidate listed first.
    """
    if not candidates:
        raise ParameterError("no candidates to select from")
    names = list(candidates)
    o = np.asarray(outcomes, dtype=float)
    fc = np.stack([np.asarray(candidates[n], dtype=float) for n in names])  # (m, n)
    err = np.abs(fc - o[None, :])
    err = np.where(np.isnan(err), 100.0, err)
    rng = np.random.default_rng(seed)
    out = np.full((repeats, o.size), np.nan)
    chosen: list[list[str]] = []
    for r in range(repeats):
        folds = group_folds(groups, k, rng)
        picks = []
        for f in range(k):
            test = folds == f
            best = int(np.argmin(err[:, ~test].mean(axis=1)))
            out[r, test] = fc[best, test]
            picks.append(names[best])
        chosen.append(picks)
    return SelectionCV(forecast=out, chosen=chosen)
