"""Batched baselines give exactly what the registered models give draw by draw."""

from __future__ import annotations

import numpy as np
import pytest

from detente.models import get_model
from detente.run.batched import forecast_batch, forecast_loop, has_batched_form
from detente.run.draws import DrawBatch, apply_inputs, draw_batch, scenario_inputs
from detente.scenario.arrays import ScenarioArrays

BASELINES = ["compromise", "mean_voter", "nash", "weighted_median"]

PARAMS = [
    ("compromise", {}),
    ("compromise", {"weights": "capability"}),
    ("mean_voter", {}),
    ("weighted_median", {}),
    ("weighted_median", {"weights": "salience"}),
    ("weighted_median", {"tie": "lower"}),
    ("nash", {}),
    ("nash", {"utility": "linear"}),
    ("nash", {"disagreement": "status_quo"}),
    ("nash", {"disagreement": "status_quo", "utility": "linear", "weights": "equal"}),
]


@pytest.mark.parametrize("name,values", PARAMS)
def test_batched_equals_loop(ranged, name, values):
    batch, _ = draw_batch(ranged, seed=2, runs=range(60))
    params = get_model(name).make_params(values)
    assert has_batched_form(name)
    got = forecast_batch(name, batch, params)
    want = forecast_loop(name, batch, params)
    assert got.shape == (60, 2)
    np.testing.assert_array_equal(got, want)  # bit for bit: sums over actors in order
    # the draws matter: forecasts vary from draw to draw
    assert (got.std(axis=0) > 0).all()


@pytest.mark.parametrize("name", BASELINES)
def test_batched_equals_loop_with_zero_saliences(ranged, name):
    # Saliences of every actor on issue x drawn at 0 in half the draws: the models fall back
    # to capability weights there, per draw.
    inputs = scenario_inputs(ranged, uncertain_only=False)
    rng = np.random.default_rng(0)
    vals = np.array([[rng.uniform(x.low, x.high) for x in inputs] for _ in range(20)])
    for j, x in enumerate(inputs):
        if x.kind == "salience" and x.issue == "x":
            vals[::2, j] = 0.0
    batch = apply_inputs(ranged.to_arrays(), inputs, vals)
    for p in ({}, {"disagreement": "status_quo"}) if name == "nash" else ({},):
        params = get_model(name).make_params(p)
        np.testing.assert_array_equal(
            forecast_batch(name, batch, params), forecast_loop(name, batch, params)
        )


@pytest.mark.parametrize("name,values", PARAMS)
def test_one_issue_with_many_actors_is_exact(name, values):
    # One issue: a single run sums an (n, 1) column, which numpy would add pairwise; a batch
    # sums (n, B) columns one row after the other. Sums in order make the two agree exactly.
    rng = np.random.default_rng(9)
    nb, n = 30, 40
    pos = rng.uniform(0, 100, size=(nb, n, 1))
    sal = rng.uniform(0, 1, size=(nb, n, 1))
    cap = rng.uniform(1, 100, size=(nb, n))
    base = ScenarioArrays.from_arrays(cap[0], pos[0], 100 * sal[0])
    batch = DrawBatch(base, cap, pos, sal, rng.uniform(0, 100, size=(nb, 1)))
    params = get_model(name).make_params(values)
    np.testing.assert_array_equal(
        forecast_batch(name, batch, params), forecast_loop(name, batch, params)
    )


def test_loop_is_used_for_models_without_batched_form(ranged, monkeypatch):
    # A user's model without a batched form runs draw by draw, one registered call per draw.
    from detente.models import ModelResult, NoParams
    from detente.models.base import _REGISTRY, ModelSpec

    seen = []

    def run(arrays, params, rng=None):
        seen.append(arrays.capability.copy())
        return ModelResult(model="toy_min", forecast=np.nanmin(arrays.position, axis=0))

    monkeypatch.setitem(_REGISTRY, "toy_min", ModelSpec("toy_min", NoParams, run, "min"))
    assert not has_batched_form("toy_min")
    batch, _ = draw_batch(ranged, seed=4, runs=range(3))
    got = forecast_batch("toy_min", batch)
    assert len(seen) == 3
    for b in range(3):
        np.testing.assert_array_equal(seen[b], batch.capability[b])
        np.testing.assert_array_equal(got[b], np.nanmin(batch.position[b], axis=0))


def test_one_draw_batch_matches_the_scenario(ranged):
    base = ranged.to_arrays()
    batch = DrawBatch(
        base, base.capability[None], base.position[None], base.salience[None], base.status_quo[None]
    )
    for name in BASELINES:
        np.testing.assert_array_equal(
            forecast_batch(name, batch)[0], get_model(name)(base).forecast
        )


def test_a_model_can_register_its_own_batched_form(ranged, monkeypatch):
    from detente.models import ModelResult, NoParams
    from detente.models.base import _REGISTRY, ModelSpec

    def run(arrays, params, rng=None):
        return ModelResult(model="toy_max", forecast=np.nanmax(arrays.position, axis=0))

    calls = []

    def run_batched(batch, params, rngs):
        calls.append(len(batch))
        return np.nanmax(batch.position, axis=1)

    spec = ModelSpec("toy_max", NoParams, run, "max", batched=run_batched)
    monkeypatch.setitem(_REGISTRY, "toy_max", spec)
    batch, _ = draw_batch(ranged, seed=1, runs=range(8))
    assert has_batched_form("toy_max")
    got = forecast_batch("toy_max", batch)
    assert calls == [8]
    np.testing.assert_array_equal(got, forecast_loop("toy_max", batch))


@pytest.mark.parametrize("tie", ["midpoint", "lower"])
def test_batched_median_ties(tie):
    # Two actors of equal weight: exactly half the weight on each side of the interval.
    from detente.scenario import ScenarioArrays

    base = ScenarioArrays.from_arrays(
        [1, 1, 2], [[10, 0], [30, 50], [np.nan, 100]], [[50, 50], [50, 50], [np.nan, 25]]
    )
    batch = apply_inputs(base, [], np.empty((3, 0)))
    params = get_model("weighted_median").make_params({"tie": tie})
    got = forecast_batch("weighted_median", batch, params)
    np.testing.assert_array_equal(got, forecast_loop("weighted_median", batch, params))
    assert got[0, 0] == (20.0 if tie == "midpoint" else 10.0)
