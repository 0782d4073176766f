"""Pivotal actors: removing or moving an actor, and the ranking."""

from __future__ import annotations

import numpy as np
import pytest
from analysis_helpers import make_scenario, triangle
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.analysis.pivotal import COLUMNS, pivotal, pivotal_ranking
from detente.errors import DetenteError, ParameterError
from detente.models import available_models, get_model
from detente.scenario import build_scenario
from detente.scenario.io import scenario_to_dict


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.5, 50), st.floats(0, 100), st.floats(1, 100)), min_size=2, max_size=5
    ),
    st.floats(0, 100),
    st.floats(0.5, 50),
)
def test_removing_or_moving_an_actor_with_zero_weight_changes_nothing(rows, x0, c0):
    actors = {"ghost": c0, **{f"a{i}": c for i, (c, _x, _s) in enumerate(rows)}}
    stances = {
        "ghost": {"x": (x0, 0)},
        **{f"a{i}": {"x": (x, s)} for i, (_c, x, s) in enumerate(rows)},
    }
    s = make_scenario(actors, stances)
    df = pivotal(s, ["compromise", "weighted_median"], actors=["ghost"], step=10)
    assert set(df["change"]) == {"removed", "+10", "-10"}
    assert np.allclose(df["delta"], 0.0, atol=1e-9)


def test_removal_changes_match_the_models_run_without_the_actor():
    s = triangle()
    df = pivotal(s, ["compromise", "nash"], step=0, ranges=False)
    assert list(df.columns) == COLUMNS
    assert set(df["change"]) == {"removed"}
    for model in ("compromise", "nash"):
        full = get_model(model)(s.to_arrays()).forecast
        for a in s.actor_ids:
            data = scenario_to_dict(s)
            data["actors"] = [r for r in data["actors"] if r["id"] != a]
            data["stances"] = [r for r in data["stances"] if r["actor"] != a]
            rest = build_scenario(data)
            cut = get_model(model)(rest.to_arrays()).forecast
            rows = df[(df.model == model) & (df.actor == a)].set_index("issue")
            for k, iid in enumerate(s.issue_ids):
                assert rows.loc[iid, "base"] == pytest.approx(full[k])
                assert rows.loc[iid, "delta"] == pytest.approx(cut[k] - full[k])
    # delta_scale divides by the issue's width (z runs -10..10)
    z = df[df.issue == "z"]
    assert np.allclose(z["delta_scale"], z["delta"] / 20.0)


def test_removing_the_only_actor_on_an_issue_gives_nan_not_an_error():
    s = make_scenario({"a": 1, "b": 1}, {"a": {"x": (0, 50), "y": (10, 50)}, "b": {"x": (100, 50)}})
    df = pivotal(s, ["compromise"], step=0, ranges=False)
    row = df[(df.actor == "a") & (df.issue == "y")].iloc[0]
    assert np.isnan(row["forecast"])


def test_steps_and_ranges():
    s = triangle()
    df = pivotal(s, ["compromise"], step=10)
    a = df[df.actor == "a"]
    assert {"removed", "+10", "-10", "range_low", "range_high"} <= set(a["change"])
    # only a has a position range (x: 0..20); the others get no range rows
    assert set(df[df.actor == "b"]["change"]) == {"removed", "+10", "-10"}
    arr = s.to_arrays()
    w = arr.capability[:, None] * arr.salience
    i = 0
    # moving a by +10 on x moves the compromise by w_a / sum(w) * 10
    share = w[i, 0] / np.nansum(w[:, 0])
    up = a[(a.change == "+10") & (a.issue == "x")].iloc[0]
    assert up["delta"] == pytest.approx(10 * share)
    low = a[(a.change == "range_low") & (a.issue == "x")].iloc[0]
    assert low["delta"] == pytest.approx(-10 * share)  # from 10 to the range end 0
    # ... and leaves issues where it has no range alone
    assert a[(a.change == "range_low") & (a.issue == "y")]["delta"].iloc[0] == 0
    # moves are clipped to the scale: a sits at -5 on -10..10, so -10 reaches only -10
    dn = a[(a.change == "-10") & (a.issue == "z")].iloc[0]
    w_z = w[[0, 2], 2]
    assert dn["delta"] == pytest.approx(-5 * w_z[0] / w_z.sum())


def test_ranking_orders_by_removal_effect():
    s = make_scenario(
        {"big": 10, "mid": 3, "small": 1},
        {"big": {"x": (0, 50)}, "mid": {"x": (100, 50)}, "small": {"x": (50, 50)}},
    )
    rank = pivotal_ranking(pivotal(s, ["compromise"], step=5, ranges=False))
    assert rank["actor"].tolist() == ["big", "mid", "small"]
    assert rank["rank"].tolist() == [1, 2, 3]
    assert rank.iloc[0]["max_issue"] == "x"
    assert rank["removed"].is_monotonic_decreasing
    assert pivotal_ranking(pivotal(s, ["compromise"]).iloc[0:0]).empty


def test_bad_requests():
    s = triangle()
    with pytest.raises(ParameterError):
        pivotal(s, ["compromise"], step=-1)
    with pytest.raises(DetenteError, match="no actor"):
        pivotal(s, ["compromise"], actors=["zz"])


@pytest.mark.skipif("eum" not in available_models(), reason="eum is not registered")
def test_default_models_include_the_dynamic_ones():
    s = triangle()
    df = pivotal(s, step=0, ranges=False, actors=["c"])
    assert "eum" in set(df["model"])
    assert {"compromise", "weighted_median", "nash", "mean_voter"} <= set(df["model"])
