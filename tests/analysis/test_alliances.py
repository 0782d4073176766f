"""Alignment, concentration, coalitions and "aim reached" shocks: properties that must hold."""

from __future__ import annotations

import numpy as np
import pytest
from analysis_helpers import make_scenario, triangle
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.analysis.alliances import (
    alignment,
    alignment_arrays,
    coalitions,
    concentration_index,
    graph_clusters,
    issue_alignment,
    line_clusters,
    moves_toward,
    settle,
)
from detente.errors import DetenteError, ParameterError
from detente.models import available_models
from detente.scenario import ScenarioArrays


@st.composite
def arrays(draw, min_actors=2, max_actors=6, max_issues=4):
    n = draw(st.integers(min_actors, max_actors))
    d = draw(st.integers(1, max_issues))
    num = st.floats(0, 100, allow_nan=False)
    x = np.array(draw(st.lists(num, min_size=n * d, max_size=n * d))).reshape(n, d)
    s = np.array(draw(st.lists(st.floats(1, 100), min_size=n * d, max_size=n * d))).reshape(n, d)
    holes = np.array(draw(st.lists(st.booleans(), min_size=n * d, max_size=n * d)))
    holes = holes.reshape(n, d) & (np.arange(n)[:, None] > 0)  # actor 0 holds every issue
    x = np.where(holes, np.nan, x)
    c = draw(st.lists(st.floats(0.1, 100), min_size=n, max_size=n))
    return ScenarioArrays.from_arrays(
        c, x, s, actors=[f"a{i}" for i in range(n)], issues=[f"k{k}" for k in range(d)]
    )


@settings(max_examples=60, deadline=None)
@given(arrays(), st.sampled_from(["geometric", "min", "mean", "equal"]))
def test_alignment_symmetric_unit_diagonal_in_range(arr, weighting):
    al = alignment_arrays(arr, weighting=weighting)
    per, ov = al.per_issue, al.overall
    assert np.allclose(per, per.transpose(1, 0, 2), equal_nan=True)
    assert np.allclose(ov, ov.T, equal_nan=True)
    assert np.all(np.isnan(per) | ((per >= 0) & (per <= 1)))
    assert np.all(np.isnan(ov) | ((ov >= -1e-12) & (ov <= 1 + 1e-12)))
    for i in range(arr.n_actors):
        held = arr.mask[i]
        assert np.all(per[i, i, held] == 1.0)
        assert np.isnan(per[i, i, ~held]).all()
        if held.any():
            assert ov[i, i] == pytest.approx(1.0)
        else:  # an actor without stances is aligned with no one, itself included
            assert np.isnan(ov[i]).all()
    # overall lies between the pair's lowest and highest per-issue alignment
    for i in range(arr.n_actors):
        for j in range(arr.n_actors):
            if np.isfinite(ov[i, j]):
                vals = per[i, j][np.isfinite(per[i, j])]
                assert vals.min() - 1e-12 <= ov[i, j] <= vals.max() + 1e-12
    c = al.concentration
    assert np.allclose(c, c.T, equal_nan=True)
    assert np.all(np.isnan(c) | ((c >= 0) & (c <= 1)))


@settings(max_examples=40, deadline=None)
@given(arrays(), st.randoms(use_true_random=False))
def test_relabelling_actors_permutes_the_matrices(arr, rnd):
    perm = list(range(arr.n_actors))
    rnd.shuffle(perm)
    p = np.array(perm)
    shuffled = ScenarioArrays.from_arrays(
        arr.capability[p],
        arr.position[p],
        arr.salience[p] * 100,
        actors=[arr.actors[i] for i in p],
        issues=arr.issues,
    )
    a, b = alignment_arrays(arr), alignment_arrays(shuffled)
    assert np.allclose(b.overall, a.overall[np.ix_(p, p)], equal_nan=True)
    assert np.allclose(b.per_issue, a.per_issue[np.ix_(p, p)], equal_nan=True)
    assert np.allclose(b.concentration, a.concentration[np.ix_(p, p)], equal_nan=True)


def test_issue_alignment_definition_and_signed_version():
    x = np.array([[0.0, -10.0], [25.0, 10.0], [100.0, 0.0]])
    low, high = np.array([0.0, -10.0]), np.array([100.0, 10.0])
    a = issue_alignment(x, low, high)
    assert a[0, 1, 0] == pytest.approx(0.75)
    assert a[0, 2, 0] == pytest.approx(0.0)
    assert a[0, 1, 1] == pytest.approx(0.0)  # opposite ends of -10..10
    assert a[0, 2, 1] == pytest.approx(0.5)
    signed = issue_alignment(x, low, high, signed=True)
    assert np.allclose(signed, 2 * a - 1)


def test_overall_alignment_weights_by_geometric_mean_salience():
    s = make_scenario(
        {"a": 1, "b": 1}, {"a": {"x": (0, 100), "y": (0, 25)}, "b": {"x": (0, 100), "y": (100, 64)}}
    )
    al = alignment(s)
    w_x, w_y = np.sqrt(100 * 100), np.sqrt(25 * 64)
    assert al.overall[0, 1] == pytest.approx((w_x * 1.0 + w_y * 0.0) / (w_x + w_y))
    eq = alignment(s, weighting="equal")
    assert eq.overall[0, 1] == pytest.approx(0.5)
    mn = alignment(s, weighting="min")
    assert mn.overall[0, 1] == pytest.approx(100 / (100 + 25))


def test_zero_salience_issue_carries_no_weight():
    s = make_scenario(
        {"a": 1, "b": 1}, {"a": {"x": (0, 50), "y": (0, 0)}, "b": {"x": (0, 50), "y": (100, 80)}}
    )
    assert alignment(s).overall[0, 1] == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 8), st.floats(0.01, 1.0), st.integers(0, 7))
def test_concentration_extremes(m, level, where):
    w = np.ones(m)
    assert concentration_index(np.full(m, level), w) == pytest.approx(0.0)
    one = np.zeros(m)
    one[where % m] = level
    assert concentration_index(one, w) == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=8))
def test_concentration_between_the_extremes(vals):
    a = np.array(vals)
    c = concentration_index(a, np.ones(a.size))
    if a.sum() == 0:
        assert np.isnan(c)
    else:
        assert 0.0 <= c <= 1.0 + 1e-12


def test_concentration_needs_two_shared_issues():
    assert np.isnan(concentration_index(np.array([0.7, np.nan]), np.ones(2)))
    assert np.isnan(concentration_index(np.array([0.7, 0.2]), np.array([1.0, 0.0])))


def test_concentration_of_broad_and_convenience_pairs_on_a_scenario():
    # b agrees with a a little everywhere; c agrees with a fully on x only
    s = make_scenario(
        {"a": 1, "b": 1, "c": 1},
        {
            "a": {"x": (0, 50), "y": (0, 50), "z": (0, 50)},
            "b": {"x": (40, 50), "y": (40, 50), "z": (40, 50)},
            "c": {"x": (0, 50), "y": (100, 50), "z": (100, 50)},
        },
    )
    al = alignment(s)
    assert al.concentration[0, 1] == pytest.approx(0.0)
    assert al.concentration[0, 2] == pytest.approx(1.0)
    df = al.pairs_frame(groups={"first": ["x"], "rest": ["y", "z"]})
    row = df[(df.actor_a == "a") & (df.actor_b == "c")].iloc[0]
    assert row["group:first"] == pytest.approx(1.0) and row["group:rest"] == pytest.approx(0.0)
    assert row["best_issue"] == "x"


def test_exclude_and_unknown_exclusion():
    s = triangle()
    al = alignment(s, exclude=["y"])
    assert np.all(al.weights[:, :, 1] == 0)
    with pytest.raises(DetenteError, match="unknown issue"):
        alignment(s, exclude=["nope"])
    with pytest.raises(ParameterError):
        alignment(s, weighting="cubic")  # type: ignore[arg-type]


def test_pairs_and_issue_frames_are_consistent():
    s = triangle()
    al = alignment(s)
    pairs = al.pairs_frame()
    assert len(pairs) == 3
    long = al.issue_frame()
    for _, r in long.iterrows():
        i, j = s.actor_ids.index(r.actor_a), s.actor_ids.index(r.actor_b)
        k = s.issue_ids.index(r.issue)
        assert r.alignment == pytest.approx(al.per_issue[i, j, k])
    # b has no stance on z: the pair (a, b) shares two issues
    ab = pairs[(pairs.actor_a == "a") & (pairs.actor_b == "b")].iloc[0]
    assert ab.shared_issues == 2 and np.isnan(ab["align:z"])


# -- clustering helpers ---------------------------------------------------------------------


def test_line_and_graph_clusters():
    assert line_clusters(np.array([10.0, 0.0, 21.5, 11.0]), 10.0).tolist() == [0, 0, 1, 0]
    d = np.array([[0, 0.05, 0.5], [0.05, 0, 0.5], [0.5, 0.5, 0.0]])
    assert graph_clusters(d, 0.1).tolist() == [0, 0, 1]
    # chaining: a-b and b-c close, a-c far
    d = np.array([[0, 0.1, 0.2], [0.1, 0, 0.1], [0.2, 0.1, 0.0]])
    assert graph_clusters(d, 0.1).tolist() == [0, 0, 0]


def test_moves_toward_sign_and_size():
    start = np.array([[0.0], [100.0], [50.0]])
    end = np.array([[30.0], [100.0], [50.0]])
    mask = np.ones((3, 1), dtype=bool)
    gain, moved = moves_toward(
        start, end, np.full((3, 1), 0.5), mask, np.array([0.0]), np.array([100.0])
    )
    assert gain[0, 1] == pytest.approx(0.3) and gain[0, 2] == pytest.approx(0.3)
    assert gain[1, 0] == pytest.approx(0.0)
    assert moved.tolist() == pytest.approx([0.3, 0.0, 0.0])


def test_static_coalitions_mark_the_forecast_group():
    s = make_scenario(
        {"a": 10, "b": 10, "c": 1},
        {"a": {"x": (0, 50)}, "b": {"x": (5, 50)}, "c": {"x": (100, 50)}},
    )
    co = coalitions(s, "weighted_median")
    assert not co.dynamic and co.forecast[0] == pytest.approx(5.0)
    pos = co.positions.set_index("actor")
    assert pos.loc["a", "with_forecast"] and pos.loc["b", "with_forecast"]
    assert not pos.loc["c", "with_forecast"]
    assert pos.loc["b", "nearest"] == "forecast"  # b sits on the forecast
    assert pos.loc["c", "nearest"] == "b"
    assert (co.positions["moved"] == 0).all()
    acts = co.actors.set_index("actor")
    assert acts.loc["a", "partners"] == "b" and acts.loc["c", "partners"] == ""
    assert acts.loc["c", "toward"] == ""
    with pytest.raises(ParameterError):
        coalitions(s, "compromise", tol=0)


@pytest.mark.skipif("eum" not in available_models(), reason="eum is not registered")
def test_dynamic_coalitions_report_moves():
    s = triangle()
    co = coalitions(s, "eum")
    assert co.dynamic
    pos = co.positions
    assert np.allclose(pos["end"] - pos["start"], pos["moved"])
    acts = co.actors
    assert set(acts["actor"]) == set(s.actor_ids)
    for _, r in acts.iterrows():
        assert (r["toward"] == "") == (r["toward_gain"] == 0.0)


# -- "aim reached" shocks -------------------------------------------------------------------


def test_settle_at_an_actor_moves_every_forecast_there_and_leaves_the_input_alone():
    s = triangle()
    before = s.model_dump()
    sh = settle(s, "x", at_actor="c", models=["compromise", "weighted_median", "nash"])
    assert s.model_dump() == before
    assert sh.value == 90.0
    arr = sh.scenario.to_arrays()
    assert np.all(arr.position[arr.mask[:, 0], 0] == 90.0)
    assert arr.status_quo[0] == 90.0
    fx = sh.forecasts[sh.forecasts.issue == "x"]
    assert np.allclose(fx["after"], 90.0)
    others = sh.forecasts[sh.forecasts.issue != "x"]
    assert np.allclose(others["change"], 0.0)  # per-issue models: the rest is unchanged
    # the settled issue leaves the alignment: after = alignment over y and z only
    expected = alignment(s, exclude=["x"]).overall
    for _, r in sh.pairs.iterrows():
        i, j = s.actor_ids.index(r.actor_a), s.actor_ids.index(r.actor_b)
        assert r.after == pytest.approx(expected[i, j], nan_ok=True)
    assert sh.scenario.meta["settled"] == {"x": 90.0}
    assert "settled at c's position" in sh.label


def test_settle_remove_and_value_and_errors():
    s = triangle()
    sh = settle(s, "y", remove=True, models=["compromise"])
    assert "y" not in sh.scenario.issue_ids
    assert sh.scenario.meta["removed_issues"] == ["y"]
    assert sh.forecasts[sh.forecasts.issue == "y"]["after"].isna().all()
    sh = settle(s, "z", value=0.0, models=["compromise"])
    assert sh.forecasts[sh.forecasts.issue == "z"]["after"].iloc[0] == pytest.approx(0.0)
    with pytest.raises(ParameterError):
        settle(s, "x")
    with pytest.raises(DetenteError, match="no such actor"):
        settle(s, "x", at_actor="nobody")
    with pytest.raises(DetenteError, match="outside the issue's scale"):
        settle(s, "z", value=50)
    with pytest.raises(DetenteError, match="no position on the issue"):
        settle(s, "z", at_actor="b")


def test_settle_with_redistribution_conserves_attention():
    s = make_scenario(
        {"a": 1, "b": 1},
        {
            "a": {"x": (0, 60), "y": (0, 20), "z": (0, 20)},
            "b": {"x": (50, 10), "y": (100, 10), "z": (50, 90)},
        },
    )
    sh = settle(s, "x", at_actor="a", redistribute=True, models=["compromise"])
    arr = sh.scenario.to_arrays()
    # a: 40 on the open issues gets 100 -> factor 2.5; b: 100 -> factor 1.1, capped at 100
    assert arr.salience[0, 1:].tolist() == pytest.approx([0.5, 0.5])
    assert arr.salience[1, 1:].tolist() == pytest.approx([0.11, 0.99])
    assert "redistributed" in sh.label
