"""The expected-utility model over a leading axis of draws equals the model run draw by draw.

Every issue of every draw is an independent game; the batched form plays the games of all
draws together. Its forecasts must be exactly (bit for bit) those of the registered model on
each draw, whatever the batch, including ties between offers, games that stop at different
rounds and degenerate games (one actor, every actor at one position, no salience).
"""

from __future__ import annotations

import numpy as np
import pytest
from draw_helpers import batch_from

import detente
from detente.models import get_model
from detente.models.eum import PairGeometry, win_probability
from detente.run.batched import forecast_batch, forecast_loop, has_batched_form
from detente.run.draws import draw_batch
from detente.scenario.arrays import DrawBatch

SPEC = get_model("eum")

VARIANTS = [
    {},
    {"stop": "none", "rounds": 6},
    {"stop": "median", "q": 0.6},
    {"q": 0.5, "t": 0.3},
    {"probability": "pair", "choice": "least_move", "perspective": "proposer"},
    {"capitulation": True, "compromise": "weighted", "choice": "priority", "scale": "issue"},
    {"risk": "neutral", "vote_risk": "neutral"},
]


def assert_batch_equals_loop(batch: DrawBatch, params) -> np.ndarray:
    got = forecast_batch("eum", batch, params)
    want = forecast_loop("eum", batch, params)
    np.testing.assert_array_equal(got, want)
    return got


def test_eum_has_a_batched_form():
    assert has_batched_form("eum")


@pytest.mark.parametrize("scenario", ["syria-astana-2017", "syria-geneva-2018"])
@pytest.mark.parametrize("values", VARIANTS[:4])
def test_syria_draws(scenario, values):
    batch, _ = draw_batch(detente.load(scenario), seed=11, runs=range(25))
    got = assert_batch_equals_loop(batch, SPEC.params(**values))
    assert (np.nanstd(got, axis=0) > 0).any()  # the draws matter


def random_batch(rng: np.random.Generator, nb: int, n: int, d: int, grid: bool) -> DrawBatch:
    """Draws of a random scenario; on a coarse grid of positions when ``grid`` (many actors
    share a position, so offers tie), some stances missing, some saliences 0."""
    if grid:
        pos = rng.integers(0, 5, size=(nb, n, d)) * 25.0
    else:
        pos = rng.uniform(0, 100, size=(nb, n, d))
    sal = rng.uniform(0, 1, size=(nb, n, d))
    sal[rng.random((nb, n, d)) < 0.15] = 0.0
    cap = rng.uniform(1, 100, size=(nb, n))
    mask = rng.random((n, d)) < 0.85
    mask[:2] = True
    return batch_from(cap, pos, sal, mask)


@pytest.mark.parametrize("values", VARIANTS)
@pytest.mark.parametrize("grid", [False, True])
def test_random_scenarios(values, grid):
    rng = np.random.default_rng(7)
    params = SPEC.params(**values)
    for n, d in ((3, 1), (6, 3), (15, 2)):
        assert_batch_equals_loop(random_batch(rng, 25, n, d, grid), params)


def test_degenerate_games():
    # issue 0: one actor only; issue 1: every actor at one position in every draw; issue 2:
    # nobody cares (capability weights); issue 3: positions equal in half of the draws only
    nb, n = 8, 4
    pos = np.full((nb, n, 4), 50.0)
    pos[:, 1:, 0] = np.nan
    pos[:, :, 3] = np.where(np.arange(nb)[:, None] % 2 == 0, 50.0, np.linspace(0, 100, n)[None, :])
    pos[:, :, 2] = np.linspace(10, 90, n)[None, :]
    sal = np.where(np.isnan(pos), np.nan, 0.5)
    sal[:, :, 2] = 0.0
    cap = np.tile([40.0, 30.0, 20.0, 10.0], (nb, 1))
    batch = batch_from(cap, pos, sal, ~np.isnan(pos[0]))
    for values in ({}, {"stop": "none"}):
        got = assert_batch_equals_loop(batch, SPEC.params(**values))
        assert np.all(got[:, 0] == 50.0) and np.all(got[:, 1] == 50.0)


def test_batch_of_one_is_the_single_run():
    s = detente.load("syria-astana-2017")
    a = s.to_arrays()
    batch = DrawBatch(a, a.capability[None], a.position[None], a.salience[None], a.status_quo[None])
    np.testing.assert_array_equal(forecast_batch("eum", batch)[0], SPEC(a).forecast)


def test_the_geometry_of_a_game_does_not_depend_on_the_batch():
    # each game's probabilities of success are the same alone or among others
    rng = np.random.default_rng(3)
    x = rng.integers(0, 6, size=(30, 9)).astype(float)
    w = rng.uniform(0, 1, size=(30, 9))
    r = rng.uniform(0.5, 2, size=(30, 9))
    span = np.ptp(x, axis=1) + 1.0
    together = PairGeometry(x, span)
    for g in range(30):
        alone = PairGeometry(x[g : g + 1], span[g : g + 1])
        np.testing.assert_array_equal(together.n_left[g], alone.n_left[0])
        o = alone.order[0]
        both = together.probability(
            np.take_along_axis(w, together.order, 1), np.take_along_axis(r, together.order, 1)
        )[g]
        one = alone.probability(w[g, o][None], r[g, o][None])[0]
        np.testing.assert_array_equal(both, one)
        # and the one-game helper agrees with it (in the actors' order)
        np.testing.assert_array_equal(win_probability(x[g], w[g], r[g], span[g])[np.ix_(o, o)], one)


def test_strictly_below_counts_match_a_direct_count():
    rng = np.random.default_rng(5)
    xs = np.sort(rng.integers(0, 4, size=(50, 7)).astype(float), axis=1)
    mid = 0.5 * (xs[:, :, None] + xs[:, None, :])
    geom = PairGeometry(xs, np.ones(50))
    direct = (xs[:, None, None, :] < mid[:, :, :, None]).sum(axis=3)
    np.testing.assert_array_equal(geom.n_left, direct)
