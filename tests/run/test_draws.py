"""Draws: within the ranges, fixed values fixed, reproducible by seed and run index."""

from __future__ import annotations

import numpy as np
import pytest

from detente.errors import ParameterError
from detente.run.draws import (
    DISTRIBUTIONS,
    Input,
    InputSampler,
    apply_inputs,
    draw_batch,
    run_seed,
    scenario_inputs,
)


def test_inputs_are_the_ranged_numbers(ranged):
    names = [x.name for x in scenario_inputs(ranged)]
    assert "capability:c" not in names  # no range
    assert "position:c:x" not in names and "salience:d:x" not in names
    assert "status_quo:x" in names and "position:a:y" in names
    everything = scenario_inputs(ranged, uncertain_only=False)
    # 4 capabilities, 7 stances x 2, one status quo
    assert len(everything) == 4 + 14 + 1
    assert all(x.low == x.high == x.value for x in everything if not x.uncertain)


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_draws_stay_within_ranges_and_bounds(ranged, distribution):
    batch, values = draw_batch(ranged, seed=11, runs=range(400), distribution=distribution)
    inputs = scenario_inputs(ranged)
    low = np.array([x.low for x in inputs])
    high = np.array([x.high for x in inputs])
    assert ((values >= low) & (values <= high)).all()
    # every ranged input actually varies
    assert (values.std(axis=0) > 0).all()
    base = ranged.to_arrays()
    assert (batch.capability > 0).all()
    assert np.array_equal(batch.capability[:, 2], np.full(400, base.capability[2]))  # fixed
    sal = batch.salience[:, base.mask]
    assert ((sal >= 0) & (sal <= 1)).all()
    for k in range(base.n_issues):
        p = batch.position[:, base.mask[:, k], k]
        assert ((p >= base.low[k]) & (p <= base.high[k])).all()
    # no stance stays no stance
    assert np.isnan(batch.position[:, 3, 1]).all() and np.isnan(batch.salience[:, 3, 1]).all()
    # a fixed position is never drawn
    assert (batch.position[:, 2, 0] == 50).all()


def test_same_seed_same_draws_independent_of_chunking(ranged):
    _, whole = draw_batch(ranged, seed=5, runs=range(50))
    _, again = draw_batch(ranged, seed=5, runs=range(50))
    _, part = draw_batch(ranged, seed=5, runs=range(20, 35))
    _, other = draw_batch(ranged, seed=6, runs=range(50))
    assert np.array_equal(whole, again)
    assert np.array_equal(whole[20:35], part)
    assert not np.array_equal(whole, other)


def test_run_seed_is_spawned_by_run_index():
    parent = np.random.SeedSequence(42)
    child = parent.spawn(10)[7]
    expected = child.spawn(2)[1]
    got = run_seed(42, 7, 1)
    assert np.array_equal(got.generate_state(4), expected.generate_state(4))
    with pytest.raises(ParameterError):
        run_seed(-1, 0, 0)


@pytest.mark.parametrize(
    "distribution,mean",
    [
        # Analytic means on [low, high] = [0, 10] with the value (mode) at 2.
        ("pert", (0 + 4 * 2 + 10) / 6),
        ("triangular", (0 + 2 + 10) / 3),
        ("uniform", 5.0),
    ],
)
def test_distribution_means(distribution, mean):
    x = Input("position", None, None, -1, -1, 2.0, 0.0, 10.0)
    sampler = InputSampler([x], distribution)
    v = sampler.sample_runs(3, range(20000))[:, 0]
    se = v.std() / np.sqrt(v.size)
    assert abs(v.mean() - mean) < 5 * se


def test_pert_mode_is_the_value():
    x = Input("position", None, None, -1, -1, 7.0, 0.0, 10.0)
    v = InputSampler([x], "pert").sample_runs(1, range(20000))[:, 0]
    counts, _ = np.histogram(v, bins=10, range=(0, 10))
    assert int(np.argmax(counts)) in (6, 7)  # the peak is in a bin touching 7


def test_unknown_distribution_is_refused():
    with pytest.raises(ParameterError, match="unknown distribution"):
        InputSampler([], "normal")


def test_apply_inputs_clips_to_bounds(ranged):
    inputs = scenario_inputs(ranged)
    base = ranged.to_arrays()
    vals = np.array([[x.high + 1e6 for x in inputs], [x.low - 1e6 for x in inputs]])
    b = apply_inputs(base, inputs, vals)
    assert (b.capability > 0).all()
    assert np.nanmax(b.salience) <= 1 and np.nanmin(b.salience) >= 0
    assert np.nanmax(b.position[:, :, 0]) <= 100 and np.nanmin(b.position[:, :, 1]) >= -10
    assert b.status_quo[0, 0] == 100 and b.status_quo[1, 0] == 0
