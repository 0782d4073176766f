"""The pooled blend of the compromise and Condorcet models."""

from __future__ import annotations

import numpy as np
import pytest

from detente.models import get_model
from detente.models.condorcet import CondorcetParams
from detente.models.pooled import PooledBlendParams
from detente.scenario.arrays import ScenarioArrays

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
