"""Error statistics, the paired bootstrap and cross-validation folds."""

from __future__ import annotations

import numpy as np
import pytest

from detente.errors import ParameterError
from detente.validation import error_summary, paired_bootstrap
from detente.validation.crossval import group_folds, select_by_cv


def test_error_summary_by_hand():
    s = error_summary(np.array([0.0, 15.0, 50.0, np.nan]), np.array([10.0, 15.0, 20.0, 5.0]))
    assert s["n"] == 3
    assert s["mae"] == pytest.approx((10 + 0 + 30) / 3)
    assert s["rmse"] == pytest.approx(np.sqrt((100 + 0 + 900) / 3))
    assert s["median_ae"] == 10.0
    assert s["within"] == pytest.approx(2 / 3)  # an error of exactly 10 counts as within


def test_bootstrap_identical_models_give_zero():
    e = np.random.default_rng(3).uniform(0, 50, 40)
    r = paired_bootstrap(e, e.copy(), n_boot=500)
    assert (r.diff, r.low, r.high) == (0.0, 0.0, 0.0)
    assert not r.excludes_zero


def test_bootstrap_same_seed_same_interval_and_mirror():
    rng = np.random.default_rng(4)
    a, b = rng.uniform(0, 50, 60), rng.uniform(0, 50, 60)
    g = np.repeat(np.arange(20), 3)
    r1 = paired_bootstrap(a, b, groups=g, n_boot=800, seed=11)
    r2 = paired_bootstrap(a, b, groups=g, n_boot=800, seed=11)
    assert (r1.low, r1.high) == (r2.low, r2.high)
    m = paired_bootstrap(b, a, groups=g, n_boot=800, seed=11)
    assert m.diff == pytest.approx(-r1.diff)
    assert m.low == pytest.approx(-r1.high) and m.high == pytest.approx(-r1.low)
    assert r1.low <= r1.diff <= r1.high


def test_bootstrap_ignores_missing_pairs():
    a = np.array([1.0, 2.0, np.nan, 4.0])
    b = np.array([0.0, np.nan, 3.0, 1.0])
    r = paired_bootstrap(a, b, n_boot=300)
    assert r.n == 2 and r.diff == pytest.approx(2.0)


def test_bootstrap_coverage_under_the_null():
    """With no true difference the 95% interval holds zero in about 95% of data sets."""
    rng = np.random.default_rng(5)
    hits = 0
    trials = 300
    for t in range(trials):
        d = rng.normal(0, 5, 80)
        base = rng.uniform(10, 30, 80)
        r = paired_bootstrap(base + d, base, n_boot=400, seed=t)
        hits += r.low <= 0 <= r.high
    # binomial sd at 0.95 and 300 trials is 1.3 percentage points
    assert 0.89 <= hits / trials <= 0.99


def test_grouped_bootstrap_is_wider_when_groups_share_errors():
    rng = np.random.default_rng(6)
    g = np.repeat(np.arange(15), 6)
    shared = rng.normal(0, 6, 15)[g]  # a per-group effect: cases are not independent
    a = 20 + shared + rng.normal(0, 1, g.size)
    b = np.full(g.size, 20.0)
    flat = paired_bootstrap(a, b, n_boot=2000, seed=1)
    grouped = paired_bootstrap(a, b, groups=g, n_boot=2000, seed=1)
    assert grouped.high - grouped.low > 1.5 * (flat.high - flat.low)


def test_bootstrap_rejects_bad_arguments():
    with pytest.raises(ParameterError):
        paired_bootstrap(np.ones(3), np.ones(4))
    with pytest.raises(ParameterError):
        paired_bootstrap(np.ones(3), np.ones(3), level=1.5)


def test_group_folds_keep_groups_together():
    g = np.array([5, 5, 1, 1, 1, 9, 2, 2, 7, 3])
    f = group_folds(g, 3, seed=0)
    for label in np.unique(g):
        assert len(set(f[g == label])) == 1
    counts = np.bincount(np.unique(np.c_[g, f], axis=0)[:, 1], minlength=3)
    assert counts.max() - counts.min() <= 1
    with pytest.raises(ParameterError):
        group_folds(g, 7, seed=0)


def test_selection_cv_picks_the_better_candidate_out_of_fold():
    rng = np.random.default_rng(7)
    o = rng.uniform(0, 100, 60)
    g = np.repeat(np.arange(20), 3)
    good = o + rng.normal(0, 2, 60)
    bad = o + rng.normal(0, 20, 60)
    sel = select_by_cv({"bad": bad, "good": good}, o, g, k=5, repeats=2, seed=0)
    assert all(p == "good" for picks in sel.chosen for p in picks)
    assert np.allclose(sel.forecast, good[None, :])
    assert sel.abs_errors(o).mean() == pytest.approx(np.abs(good - o).mean())
