"""Baseline models: hand-computed values, an independent brute-force optimum, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.models import get_model
from detente.models.baseline import weighted_median
from detente.scenario.arrays import ScenarioArrays

BASELINES = ["compromise", "mean_voter", "weighted_median", "nash"]


def run(name, arrays, **params):
    spec = get_model(name)
    return spec(arrays, spec.make_params({k: str(v) for k, v in params.items()})).forecast


# -- hand-computed values ---------------------------------------------------------------------


def test_compromise_hand_computed():
    # weights c*s: 2*0.5 = 1 and 1*1.0 = 1 -> plain mean of 10 and 70
    a = ScenarioArrays.from_arrays([2, 1], [10, 70], [50, 100])
    assert run("compromise", a)[0] == pytest.approx(40.0)
    # c = (1, 3), equal salience: (0*1 + 100*3) / 4
    a = ScenarioArrays.from_arrays([1, 3], [0, 100], [100, 100])
    assert run("compromise", a)[0] == pytest.approx(75.0)


def test_mean_voter_ignores_weights_and_missing():
    a = ScenarioArrays.from_arrays(
        [1, 9, 5], [[0, 1], [40, np.nan], [100, 3]], [[10, 10], [90, 10], [50, 10]]
    )
    np.testing.assert_allclose(run("mean_voter", a), [140 / 3, 2.0])


def test_weighted_median_hand_computed():
    a = ScenarioArrays.from_arrays([1, 1, 3], [0, 10, 20], [100, 100, 100])
    assert run("weighted_median", a)[0] == 20
    a = ScenarioArrays.from_arrays([1, 1, 1], [30, 10, 20], [100, 100, 100])
    assert run("weighted_median", a)[0] == 20
    # exactly half the weight on each side: the midpoint of the winning interval
    a = ScenarioArrays.from_arrays([1, 1], [0, 10], [100, 100])
    assert run("weighted_median", a)[0] == 5


def test_weighted_median_is_condorcet_winner():
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = rng.integers(3, 12)
        x = rng.uniform(0, 100, (n, 1))
        w = rng.uniform(0.1, 1, (n, 1))
        m = weighted_median(x, w)[0]
        # no other position beats m in a pairwise weighted vote
        for y in rng.uniform(0, 100, 30):
            closer_to_y = w[np.abs(x[:, 0] - y) < np.abs(x[:, 0] - m), 0].sum()
            closer_to_m = w[np.abs(x[:, 0] - m) < np.abs(x[:, 0] - y), 0].sum()
            assert closer_to_y <= closer_to_m + 1e-9


def test_nash_linear_two_actors_closed_form():
    # max w1 log(1 - t) + w2 log(t) at t = w2 / (w1 + w2)
    a = ScenarioArrays.from_arrays([1, 3], [0, 100], [100, 100])
    assert run("nash", a, utility="linear")[0] == pytest.approx(75.0, abs=1e-6)


def _brute_force_nash(x, w, span, kind, d=None):
    grid = np.linspace(x.min(), x.max(), 200_001)
    dist = np.abs(grid[:, None] - x[None, :]) / span
    u = 1 - dist**2 if kind == "quadratic" else 1 - dist
    gain = u - (0 if d is None else d[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        obj = np.where(
            (gain > 0).all(axis=1), (w * np.log(np.maximum(gain, 1e-300))).sum(1), -np.inf
        )
    return grid[np.argmax(obj)]


@pytest.mark.parametrize("kind", ["quadratic", "linear"])
def test_nash_matches_brute_force(kind):
    rng = np.random.default_rng(11)
    for _ in range(20):
        n = rng.integers(2, 8)
        x = rng.uniform(0, 100, n)
        c = rng.uniform(0.5, 5, n)
        s = rng.uniform(10, 100, n)
        a = ScenarioArrays.from_arrays(c, x, s)
        got = run("nash", a, utility=kind)[0]
        want = _brute_force_nash(x, c * s / 100, 100.0, kind)
        assert got == pytest.approx(want, abs=2e-3)


def test_nash_status_quo_disagreement():
    # status quo 90 lies on the Pareto set (between 40 and 100): nothing beats it for all
    a = ScenarioArrays.from_arrays([1, 1, 2], [0, 40, 100], [50, 100, 50], status_quo=[90])
    assert run("nash", a, disagreement="status_quo")[0] == 90
    # status quo outside the positions: an agreement exists and matches brute force
    x = np.array([20.0, 40.0, 60.0])
    a = ScenarioArrays.from_arrays([1, 2, 1], x, [100, 100, 100], status_quo=[95])
    sq_u = 1 - ((95 - x) / 100) ** 2
    want = _brute_force_nash(x, np.array([1.0, 2.0, 1.0]), 100.0, "quadratic", sq_u)
    assert run("nash", a, disagreement="status_quo")[0] == pytest.approx(want, abs=2e-3)


def test_missing_issue_gives_nan_and_zero_salience_falls_back():
    a = ScenarioArrays.from_arrays([1, 3], [[10, np.nan], [30, np.nan]], [[0, 5], [0, 5]])
    for name in BASELINES:
        f = run(name, a)
        assert np.isnan(f[1])
        assert 10 <= f[0] <= 30


# -- properties -----------------------------------------------------------------------------


@st.composite
def scenarios(draw, max_actors=8, max_issues=3):
    n = draw(st.integers(2, max_actors))
    d = draw(st.integers(1, max_issues))
    fl = st.floats(0, 100, allow_nan=False)
    x = np.array(draw(st.lists(st.lists(fl, min_size=d, max_size=d), min_size=n, max_size=n)))
    s = np.array(
        draw(st.lists(st.lists(st.floats(1, 100), min_size=d, max_size=d), min_size=n, max_size=n))
    )
    c = np.array(draw(st.lists(st.floats(0.01, 100), min_size=n, max_size=n)))
    return c, x, s


@pytest.mark.parametrize("name", BASELINES)
@settings(max_examples=60, deadline=None)
@given(data=scenarios(), seed=st.integers(0, 2**31))
def test_invariances(name, data, seed):
    c, x, s = data
    base = run(name, ScenarioArrays.from_arrays(c, x, s))
    # within the range of positions
    assert np.all(base >= x.min(axis=0) - 1e-6) and np.all(base <= x.max(axis=0) + 1e-6)
    # permuting actors changes nothing
    perm = np.random.default_rng(seed).permutation(len(c))
    np.testing.assert_allclose(
        run(name, ScenarioArrays.from_arrays(c[perm], x[perm], s[perm])), base, atol=1e-6
    )
    # scaling every capability by a constant changes nothing
    np.testing.assert_allclose(
        run(name, ScenarioArrays.from_arrays(c * 7.5, x, s)), base, atol=1e-6
    )
    # shifting the scale and the positions together shifts the forecast
    shifted = ScenarioArrays.from_arrays(c, x + 50, s, low=50, high=150)
    np.testing.assert_allclose(run(name, shifted), base + 50, atol=1e-6)


@pytest.mark.parametrize("name", BASELINES)
def test_unanimity(name):
    a = ScenarioArrays.from_arrays([1, 2, 3], [42, 42, 42], [10, 50, 90])
    assert run(name, a)[0] == pytest.approx(42)
