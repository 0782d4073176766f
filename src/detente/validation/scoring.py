"""Error statistics and the paired bootstrap of a difference in mean absolute error."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detente.errors import ParameterError


def error_summary(
    forecast: np.ndarray, outcome: np.ndarray, *, within: float = 10.0
) -> dict[str, float]:
    """Error statistics of forecasts against outcomes (NaN forecasts are left out).

    Returns ``n``, ``mae`` (mean absolute error), ``rmse``, ``median_ae`` and
    ``within`` (share of cases with an absolute error of at most ``within``).

    >>> s = error_summary(np.array([0.0, 10.0, 50.0]), np.array([0.0, 20.0, 20.0]))
    >>> s["n"], round(s["mae"], 3), s["median_ae"], round(s["within"], 3)
    (3, 13.333, 10.0, 0.667)
    """
    f = np.asarray(forecast, dtype=float)
    o = np.asarray(outcome, dtype=float)
    ok = np.isfinite(f) & np.isfinite(o)
    e = np.abs(f[ok] - o[ok])
    if e.size == 0:
        return {"n": 0, "mae": np.nan, "rmse": np.nan, "median_ae": np.nan, "within": np.nan}
    return {
        "n": int(e.size),
        "mae": float(e.mean()),
        "rmse": float(np.sqrt((e**2).mean())),
        "median_ae": float(np.median(e)),
        "within": float((e <= within + 1e-9).mean()),
    }


@dataclass(frozen=True)
class BootstrapInterval:
    """A mean difference and its bootstrap percentile interval."""

    diff: float
    low: float
    high: float
    n: int
    level: float

    @property
    def excludes_zero(self) -> bool:
        return bool(self.low > 0 or self.high < 0)


def paired_bootstrap(
    err_a: np.ndarray,
    err_b: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    n_boot: int = 10_000,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
) -> BootstrapInterval:
    """Percentile interval of ``mean(err_a) - mean(err_b)`` over paired cases.

    Cases where either error is NaN are left out. With ``groups`` (an integer or string
    label per case), whole groups are resampled (a cluster bootstrap: the issues of one
    proposal are not independent), and each replicate's difference is the mean over the
    cases it holds; without, single cases are resampled.

    Parameters
    ----------
    err_a, err_b:
        ``(m,)`` absolute errors of two models on the same cases.
    groups:
        ``(m,)`` group label per case, or None.
    n_boot:
        Number of bootstrap replicates.
    level:
        Coverage of the interval (0..1).
    seed:
        Seed or numpy Generator (the result is the same for the same seed).

    >>> a = np.array([1.0, 2.0, 3.0, 4.0]); b = a + 1.0
    >>> r = paired_bootstrap(a, b, n_boot=200)
    >>> r.diff, r.low, r.high
    (-1.0, -1.0, -1.0)
    """
    if not 0 < level < 1:
        raise ParameterError(f"level must be in (0, 1), got {level!r}")
    if n_boot < 1:
        raise ParameterError(f"n_boot must be at least 1, got {n_boot!r}")
    a = np.asarray(err_a, dtype=float)
    b = np.asarray(err_b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ParameterError("the two error vectors must be 1-D and of the same length")
    ok = np.isfinite(a) & np.isfinite(b)
    d = (a - b)[ok]
    m = d.size
    if m == 0:
        return BootstrapInterval(np.nan, np.nan, np.nan, 0, level)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    alpha = (1.0 - level) / 2.0
    if groups is None:
        reps = np.empty(n_boot)
        chunk = max(1, 2_000_000 // max(m, 1))
        for start in range(0, n_boot, chunk):
            stop = min(n_boot, start + chunk)
            idx = rng.integers(0, m, size=(stop - start, m))
            reps[start:stop] = d[idx].mean(axis=1)
    else:
        g = np.asarray(groups)[ok]
        _, gi = np.unique(g, return_inverse=True)
        k = int(gi.max()) + 1
        sums = np.bincount(gi, weights=d, minlength=k)
        counts = np.bincount(gi, minlength=k).astype(float)
        # each replicate draws k groups with replacement: count how often each is drawn
        draws = rng.multinomial(k, np.full(k, 1.0 / k), size=n_boot)
        reps = (draws @ sums) / (draws @ counts)
    lo, hi = np.quantile(reps, [alpha, 1.0 - alpha])
    return BootstrapInterval(float(d.mean()), float(lo), float(hi), int(m), level)
