"""The exchange model (Stokman and van Oosten)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.models import get_model
from detente.models.exchange import ExchangeParams
from detente.scenario.arrays import ScenarioArrays

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
