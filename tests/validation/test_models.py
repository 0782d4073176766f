"""The exchange, probabilistic Condorcet and pooled blend models."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.models import available_models, get_model
from detente.models.condorcet import CondorcetParams, win_probabilities
from detente.models.exchange import ExchangeParams
from detente.models.pooled import PooledBlendParams
from detente.scenario.arrays import ScenarioArrays


def test_registered():
    for name in ("exchange", "condorcet", "pooled_blend"):
        assert name in available_models()
    assert get_model("exchange").scope == "proposal"


# -- probabilistic Condorcet ---------------------------------------------------------------


def test_condorcet_by_hand():
    """Voters at 0 (weight 2), 50 and 100 (weight 1 each).

    P(0>50) = 2/4, P(0>100) = (2 + 1/2)/4 (the voter at 50 is indifferent), P(50>100) = 3/4;
    products: 0: 0.3125, 50: 0.375, 100: 0.09375; expected outcome 28.125 / 0.78125 = 36.
    """
    a = ScenarioArrays.from_arrays([2, 1, 1], [0, 50, 100], [50, 50, 50])
    res = get_model("condorcet")(a)
    assert res.forecast[0] == pytest.approx(36.0)
    mode = get_model("condorcet")(a, CondorcetParams(estimate="mode"))
    assert mode.forecast[0] == 50.0
    _, p = win_probabilities(np.array([0.0, 50.0, 100.0]), np.array([2.0, 1.0, 1.0]))
    assert p == pytest.approx(np.array([0.3125, 0.375, 0.09375]) / 0.78125)


def test_condorcet_sharpness_zero_is_mean_of_distinct_positions():
    a = ScenarioArrays.from_arrays([5, 1, 1, 1], [10, 10, 40, 100], [90, 10, 20, 30])
    res = get_model("condorcet")(a, CondorcetParams(sharpness=0.0))
    assert res.forecast[0] == pytest.approx(50.0)


positions = st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=8)


@settings(max_examples=40, deadline=None)
@given(positions, st.data())
def test_condorcet_properties(xs, data):
    n = len(xs)
    caps = data.draw(st.lists(st.floats(0.1, 10), min_size=n, max_size=n))
    sal = data.draw(st.lists(st.floats(1, 100), min_size=n, max_size=n))
    model = get_model("condorcet")
    f = model(ScenarioArrays.from_arrays(caps, xs, sal)).forecast[0]
    assert min(xs) - 1e-9 <= f <= max(xs) + 1e-9
    # mirror image of the scale gives the mirror image forecast
    fm = model(ScenarioArrays.from_arrays(caps, [100 - x for x in xs], sal)).forecast[0]
    assert fm == pytest.approx(100 - f, abs=1e-7)
    # scaling capabilities changes nothing; relabelling (reordering) actors changes nothing
    fs = model(ScenarioArrays.from_arrays([3 * c for c in caps], xs, sal)).forecast[0]
    perm = data.draw(st.permutations(range(n)))
    fp = model(
        ScenarioArrays.from_arrays(
            [caps[i] for i in perm], [xs[i] for i in perm], [sal[i] for i in perm]
        )
    ).forecast[0]
    assert fs == pytest.approx(f, abs=1e-7) and fp == pytest.approx(f, abs=1e-7)


def test_condorcet_unanimity_and_balanced_camps():
    m = get_model("condorcet")
    assert m(ScenarioArrays.from_arrays([1, 2, 3], [40, 40, 40], [10, 50, 90])).forecast[0] == 40
    f = m(ScenarioArrays.from_arrays([1, 1, 1, 1], [0, 0, 100, 100], [50] * 4)).forecast[0]
    assert f == pytest.approx(50.0)


# -- exchange ------------------------------------------------------------------------------


def _two_issue_trade():
    # A cares about issue l, B about issue k; they stand at opposite ends on both
    return ScenarioArrays.from_arrays(
        [1, 1], [[0, 0], [100, 100]], [[20, 80], [80, 20]], actors=["A", "B"], issues=["k", "l"]
    )


def test_exchange_by_hand():
    """Compromise outcomes 80 (k) and 20 (l). A moves its vote on k to 80 and B its vote on l
    to 20 (each exactly to the old outcome); both outcomes move by 16, each actor gains
    0.8 x 16 - 0.2 x 16 = 9.6. New outcomes: k = 0.2 x 80 + 0.8 x 100 = 96, l = 4."""
    res = get_model("exchange")(_two_issue_trade())
    assert res.forecast == pytest.approx([96.0, 4.0])
    assert len(res.events) == 1
    ev = res.events[0]
    assert (ev["actor"], ev["issue"], ev["partner"], ev["partner_issue"]) == ("A", "k", "B", "l")
    assert ev["shift"] == pytest.approx(80.0) and ev["partner_shift"] == pytest.approx(80.0)
    assert ev["gain"] == pytest.approx(9.6)
    assert res.rounds.shape == (2, 2, 2)


def test_exchange_without_trade_is_the_compromise():
    comp = get_model("compromise")
    ex = get_model("exchange")
    one = ScenarioArrays.from_arrays([1, 2, 3], [0, 40, 100], [30, 60, 90])
    assert ex(one).forecast == pytest.approx(comp(one).forecast)
    # proportional saliences: nobody cares relatively more about either issue
    same = ScenarioArrays.from_arrays([1, 2], [[0, 0], [100, 100]], [[20, 40], [30, 60]])
    assert ex(same).forecast == pytest.approx(comp(same).forecast)
    assert ex(_two_issue_trade(), ExchangeParams(rounds=0)).forecast == pytest.approx([80, 20])


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 6), st.integers(2, 4), st.integers(0, 10_000))
def test_exchange_properties(n, d, seed):
    rng = np.random.default_rng(seed)
    c = rng.uniform(0.5, 5, n)
    x = rng.choice([0.0, 25.0, 50.0, 75.0, 100.0], size=(n, d))
    s = rng.uniform(5, 100, (n, d))
    model = get_model("exchange")
    base = ScenarioArrays.from_arrays(c, x, s)
    f = model(base).forecast
    assert np.all(f >= x.min(axis=0) - 1e-9) and np.all(f <= x.max(axis=0) + 1e-9)
    # every exchange leaves both partners better off (equal gains, positive)
    for ev in model(base).events:
        assert ev["gain"] > 0
    f_scaled = model(ScenarioArrays.from_arrays(4 * c, x, s)).forecast
    assert f_scaled == pytest.approx(f)
    perm = rng.permutation(n)
    f_perm = model(ScenarioArrays.from_arrays(c[perm], x[perm], s[perm])).forecast
    assert f_perm == pytest.approx(f)


# -- pooled blend --------------------------------------------------------------------------


def test_pooled_blend_ends_and_middle():
    a = ScenarioArrays.from_arrays([4, 1, 1], [0, 60, 100], [20, 80, 50])
    blend = get_model("pooled_blend")
    mean = blend(a, PooledBlendParams(share=0.0)).forecast[0]
    cond = blend(a, PooledBlendParams(share=1.0)).forecast[0]
    mid = blend(a).forecast[0]
    assert mid == pytest.approx((mean + cond) / 2)
    assert cond == pytest.approx(
        get_model("condorcet")(a, CondorcetParams(weights="pooled")).forecast[0]
    )
    # pooled weights: mean over the four conventions of each actor's share
    shares = []
    for w in ([4 * 20, 1 * 80, 1 * 50], [20, 80, 50], [4, 1, 1], [1, 1, 1]):
        w = np.asarray(w, float)
        shares.append(w / w.sum())
    pooled = np.mean(shares, axis=0)
    assert mean == pytest.approx(float(pooled @ np.array([0, 60, 100])))
