"""The exchange, Condorcet and pooled blend models over a leading axis of draws equal the
registered models run draw by draw, exactly (bit for bit), for every parameter choice: on
drawn Syria scenarios, on random scenarios with missing stances, zero saliences and tied
positions, and on a batch of one.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from draw_helpers import batch_from

import detente
from detente.models import get_model
from detente.models.baseline import ordered_sum
from detente.run.batched import forecast_batch, forecast_loop, has_batched_form
from detente.run.draws import draw_batch
from detente.scenario.arrays import DrawBatch

VARIANTS = {
    "exchange": [
        {},
        {"rounds": 0},
        {"rounds": 5},
        {"min_gain": 0.5},
        {"min_gain": 0.0, "rounds": 2},
    ],
    "condorcet": [
        {},
        {"weights": "pooled"},
        {"weights": "salience"},
        {"weights": "capability"},
        {"weights": "equal"},
        {"estimate": "mode"},
        {"sharpness": 0.0},
        {"sharpness": 3.5, "weights": "pooled", "estimate": "mode"},
    ],
    "pooled_blend": [{}, {"share": 0.0}, {"share": 1.0}, {"share": 0.25}],
}
CASES = [(name, values) for name, variants in VARIANTS.items() for values in variants]


def assert_batch_equals_loop(name: str, batch: DrawBatch, values: dict) -> np.ndarray:
    params = get_model(name).params(**values)
    got = forecast_batch(name, batch, params)
    want = forecast_loop(name, batch, params)
    assert got.shape == (len(batch), batch.base.n_issues)
    assert np.array_equal(got, want, equal_nan=True)
    return got


def random_batch(rng: np.random.Generator, nb: int, n: int, d: int) -> DrawBatch:
    """Draws of a random scenario: positions on a coarse grid in half of the draws (tied
    positions, tied gains; some a hair apart), some stances missing (a whole issue in some
    scenarios), some saliences 0 (all of an issue's in some draws)."""
    pos = rng.uniform(0, 100, size=(nb, n, d))
    grid = rng.random(nb) < 0.5
    pos[grid] = rng.integers(0, 5, size=(int(grid.sum()), n, d)) * 25.0
    # positions a hair apart (within the Condorcet model's tolerance 1e-9 x range, or just
    # beyond it) in some draws on the grid
    near = grid & (rng.random(nb) < 0.5)
    pos[near] += rng.choice([0.0, 5e-8, 1e-7, 2e-7], size=(int(near.sum()), n, d))
    pos = np.clip(pos, 0.0, 100.0)
    sal = rng.uniform(0, 1, size=(nb, n, d))
    sal[rng.random((nb, n, d)) < 0.15] = 0.0
    sal[rng.random(nb) < 0.2, :, 0] = 0.0
    cap = rng.uniform(1, 100, size=(nb, n))
    # equal capabilities and saliences on a grid: many equal gains of exchanges
    even = rng.random(nb) < 0.3
    sal[even] = rng.choice([0.2, 0.4, 0.8], size=(int(even.sum()), n, d))
    cap[even] = 10.0
    mask = rng.random((n, d)) < 0.8
    mask[:2] = True
    if d > 2 and rng.random() < 0.3:
        mask[:, -1] = False
    return batch_from(cap, pos, sal, mask)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_the_models_have_batched_forms(name):
    assert has_batched_form(name)


@functools.cache
def syria_draws(scenario: str) -> DrawBatch:
    return draw_batch(detente.load(scenario), seed=11, runs=range(25))[0]


@pytest.mark.parametrize("scenario", ["syria-astana-2017", "syria-geneva-2018"])
@pytest.mark.parametrize("name,values", CASES)
def test_syria_draws(scenario, name, values):
    batch = syria_draws(scenario)
    got = assert_batch_equals_loop(name, batch, values)
    assert np.isfinite(got).all()
    if values != {"rounds": 0} or name != "exchange":
        assert (got.std(axis=0) > 0).any()  # the draws matter


@pytest.mark.parametrize("name,values", CASES)
def test_random_scenarios(name, values):
    rng = np.random.default_rng(sum(map(ord, name + str(values))))
    for n, d in ((1, 1), (3, 1), (9, 1), (6, 3), (12, 2), (5, 4)):
        assert_batch_equals_loop(name, random_batch(rng, 12, n, d), values)


def test_exchange_rounds_to_the_end_and_equal_gains(monkeypatch):
    # many rounds, the draws stopping at different rounds; candidate exchanges of equal gain
    # (the tie rule: candidate order) in the draws of the random batches
    from detente.models import exchange

    ties = []
    choose = exchange._choose

    def spy(b, gain, key, slots, n_slots):
        pairs = set(zip(b.tolist(), gain.tolist()))
        ties.append(b.size - len(pairs))
        return choose(b, gain, key, slots, n_slots)

    monkeypatch.setattr(exchange, "_choose", spy)
    rng = np.random.default_rng(3)
    for n, d in ((4, 2), (6, 3)):
        batch = random_batch(rng, 30, n, d)
        assert_batch_equals_loop("exchange", batch, {"rounds": 1000})
        rounds = {
            get_model("exchange")(batch.arrays(b), exchange.ExchangeParams(rounds=1000)).n_rounds
            for b in range(len(batch))
        }
        assert len(rounds) > 2
    assert sum(ties) > 0


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_batch_of_one_is_the_single_run(name):
    a = syria_draws("syria-geneva-2018").base
    batch = DrawBatch(a, a.capability[None], a.position[None], a.salience[None], a.status_quo[None])
    for values in VARIANTS[name]:
        params = get_model(name).params(**values)
        assert np.array_equal(
            forecast_batch(name, batch, params)[0],
            get_model(name)(a, params).forecast,
            equal_nan=True,
        )


def test_a_draw_alone_or_among_others():
    # one draw's forecast does not depend on the draws batched with it
    rng = np.random.default_rng(5)
    batch = random_batch(rng, 10, 7, 3)
    for name in VARIANTS:
        whole = forecast_batch(name, batch)
        for lo, hi in ((0, 1), (3, 7), (9, 10)):
            part = DrawBatch(
                batch.base,
                batch.capability[lo:hi],
                batch.position[lo:hi],
                batch.salience[lo:hi],
                batch.status_quo[lo:hi],
            )
            assert np.array_equal(forecast_batch(name, part), whole[lo:hi], equal_nan=True)


def test_exchange_in_parts(monkeypatch):
    # a batch too big for one array of candidate exchanges is played in parts, same result
    from detente.models import exchange

    batch = syria_draws("syria-astana-2017")
    whole = forecast_batch("exchange", batch)
    monkeypatch.setattr(exchange, "_MAX_CANDIDATES", 2000)
    assert np.array_equal(forecast_batch("exchange", batch), whole)


def test_pooled_blend_is_the_blend_of_its_parts_batched():
    batch = syria_draws("syria-astana-2017")
    mean = forecast_batch("pooled_blend", batch, get_model("pooled_blend").params(share=0.0))
    cond = forecast_batch("condorcet", batch, get_model("condorcet").params(weights="pooled"))
    assert np.array_equal(
        forecast_batch("pooled_blend", batch, get_model("pooled_blend").params(share=1.0)), cond
    )
    np.testing.assert_allclose(forecast_batch("pooled_blend", batch), (mean + cond) / 2, rtol=1e-14)


def test_ordered_sum_rounds_alike_alone_and_among_others():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, size=(30, 40))  # 30 actors: pairwise sums would differ
    together = ordered_sum(x, axis=0)
    for k in range(40):
        assert ordered_sum(x[:, k], axis=0) == together[k]
        assert ordered_sum(x[:, k : k + 1], axis=0)[0] == together[k]
    assert ordered_sum(np.empty((0, 3)), axis=0).tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(ordered_sum(x, axis=1), x.sum(axis=1), rtol=1e-13)
    long = rng.uniform(0, 1, size=(3, 100))  # the cumulative-sum branch
    np.testing.assert_allclose(ordered_sum(long, axis=1), long.sum(axis=1), rtol=1e-13)
    assert ordered_sum(long, axis=1)[0] == np.cumsum(long[0])[-1]


def test_condorcet_in_parts(monkeypatch):
    # votes too many for one array are computed in parts, same result
    from detente.models import condorcet

    batch = syria_draws("syria-geneva-2018")
    for name in ("condorcet", "pooled_blend"):
        whole = forecast_batch(name, batch)
        with monkeypatch.context() as m:
            m.setattr(condorcet, "_MAX_VOTE_ELEMENTS", 3000)
            assert np.array_equal(forecast_batch(name, batch), whole)
