"""The probabilistic Condorcet model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.models import available_models, get_model
from detente.models.condorcet import CondorcetParams, win_probabilities
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
