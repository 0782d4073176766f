"""The Spatial Model of Politics over a leading axis of draws equals the model run draw by draw.

The batched form (``detente.models.smp.model.run_smp_batched``) runs the turns of all draws of a chunk
together. Each draw's forecast must be exactly (bit for bit, NaN included) ``run_smp``'s on
that draw, itself KTAB-exact: on the Syria scenarios (missing stances, adapted inputs), on
random scenarios with ties (actors sharing positions, identical actors), under several
options, and through the documented fallback to the loop.
"""

from __future__ import annotations

import numpy as np
import pytest

import detente
from detente.models import get_model
from detente.models.smp import SMPInputError, SMPParams
from detente.models.smp import engine as smp_engine
from detente.models.smp import model as smp_model
from detente.models.smp.kernels import first_axis_sum, running_sum
from detente.run.batched import forecast_batch, forecast_loop, has_batched_form
from detente.run.draws import draw_batch
from detente.scenario.arrays import DrawBatch, ScenarioArrays

SMP = get_model("smp")


def assert_batch_equals_loop(batch: DrawBatch, params: SMPParams, rngs=None) -> np.ndarray:
    got = forecast_batch("smp", batch, params, rngs)
    want = forecast_loop("smp", batch, params, rngs)
    assert got.shape == want.shape == (len(batch), batch.base.n_issues)
    bad = np.flatnonzero(~np.all((got == want) | (np.isnan(got) & np.isnan(want)), axis=1))
    assert not len(bad), f"draws {bad.tolist()} differ from the single runs"
    return got


def test_smp_has_a_batched_form():
    assert has_batched_form("smp")


@pytest.fixture(scope="module")
def syria_draws():
    return {
        name: draw_batch(detente.load(name), seed=5, runs=range(80))[0]
        for name in ("syria-astana-2017", "syria-geneva-2018")
    }


@pytest.mark.parametrize("scenario", ["syria-astana-2017", "syria-geneva-2018"])
def test_syria_draws(scenario, syria_draws):
    batch = syria_draws[scenario]
    assert not batch.base.mask.all()  # missing stances: inputs="adapt" imputes them
    got = assert_batch_equals_loop(batch, SMPParams())
    assert (np.std(got, axis=0) > 0).any()  # the draws matter


def test_syria_draws_under_another_voting_rule(syria_draws):
    batch = syria_draws["syria-astana-2017"]
    sub = DrawBatch(
        batch.base,
        batch.capability[:20],
        batch.position[:20],
        batch.salience[:20],
        batch.status_quo[:20],
    )
    assert_batch_equals_loop(sub, SMPParams(voting_rule="PropBin"))


def doctest_batch(nb: int) -> DrawBatch:
    """Draws of the four-actor example of the ``detente.models.smp`` docstring; draw 0 is the
    example itself."""
    base = ScenarioArrays.from_arrays(
        [100, 60, 40, 30], [20, 60, 90, 45], [50, 60, 80, 70], actors=["A", "B", "C", "D"]
    )
    rng = np.random.default_rng(1)
    cap = base.capability * rng.uniform(0.7, 1.3, (nb, 4))
    pos = np.clip(base.position + np.round(rng.normal(0, 8, (nb, 4, 1)), 2), 0, 100)
    sal = base.salience * rng.uniform(0.8, 1.2, (nb, 4, 1))
    cap[0], pos[0], sal[0] = base.capability, base.position, base.salience
    return DrawBatch(base, cap, pos, sal, np.full((nb, 1), np.nan))


def test_doctest_scenario_draws():
    batch = doctest_batch(40)
    got = assert_batch_equals_loop(batch, SMPParams())
    np.testing.assert_array_equal(got[0], SMP(batch.base).forecast)


def random_batch(rng: np.random.Generator, nb: int, n: int, d: int, kind: str) -> DrawBatch:
    """Draws of a random complete scenario. ``ties``: actor 1 shares actor 0's position and
    the last two actors are identical (their challenges tie); ``grid``: positions on a
    coarse grid as well (many shared positions); ``over``: actor 0's saliences add up to
    more than 100 (inputs="adapt" divides them)."""
    cap = np.round(rng.uniform(1, 100, (nb, n)), 1)
    if kind == "grid":
        pos = rng.integers(0, 5, (nb, n, d)) * 25.0
    else:
        pos = np.round(rng.uniform(0, 100, (nb, n, d)), 2)
    sal = rng.uniform(0.05, 1, (nb, n, d))
    sal = sal / sal.sum(axis=-1, keepdims=True) * rng.uniform(0.3, 1.0, (nb, n, 1))
    if kind == "over":
        sal[:, 0] *= 1.3
    if kind in ("ties", "grid") and n >= 3:
        pos[:, 1] = pos[:, 0]
        cap[:, -1], pos[:, -1], sal[:, -1] = cap[:, -2], pos[:, -2], sal[:, -2]
    base = ScenarioArrays.from_arrays(cap[0], pos[0], 100 * sal[0])
    return DrawBatch(base, cap, pos, sal, np.full((nb, d), np.nan))


SIZES = [(2, 1), (3, 1), (5, 2), (8, 3), (12, 4), (30, 2)]
KINDS = ["plain", "ties", "grid", "over"]


def test_random_scenarios():
    rng = np.random.default_rng(11)
    for n, d in SIZES:
        for kind in KINDS[1:2] if n >= 30 else KINDS:  # (30 actors: slow single runs)
            assert_batch_equals_loop(
                random_batch(rng, 2 if n >= 30 else 5, n, d, kind), SMPParams()
            )


VARIANTS = [
    {"voting_rule": "Binary"},
    {"voting_rule": "PropBin"},
    {"bargain_model": "InitRcvrInterp"},
    {"bargain_model": "PWCompInterp"},
    {"big_r_range": "Min"},
    {"big_r_range": "Max"},
    {"victory_model": "Square"},
    {"voting_rule": "ASymProsp", "third_party_commit": "NoCommit", "interpolation": "S2PMax"},
    {"pce_model": "MarkovIncentive", "rounds": 6},
    {"rounds": 3, "position_tolerance": 0.05},
]


@pytest.mark.parametrize(
    "values", VARIANTS, ids=lambda v: ",".join(f"{k}={x}" for k, x in v.items())
)
def test_random_scenarios_under_options(values):
    rng = np.random.default_rng(23)
    params = SMPParams(**values)
    for (n, d), kind in zip(SIZES[1:5], ["grid", "ties", "grid", "ties"]):
        assert_batch_equals_loop(random_batch(rng, 4, n, d, kind), params)


def test_positions_beyond_the_scale():
    # Half the draws put positions outside 0..100: distances beyond 1 (KTAB's other utility
    # formula) in some draws and not in others.
    rng = np.random.default_rng(5)
    for n, d in ((4, 1), (7, 2)):
        batch = random_batch(rng, 8, n, d, "ties")
        pos = batch.position.copy()
        pos[::2] = 2.5 * pos[::2] - 60
        assert_batch_equals_loop(
            DrawBatch(batch.base, batch.capability, pos, batch.salience, batch.status_quo),
            SMPParams(),
        )


def test_an_issue_without_any_stance_gives_nan_as_the_loop():
    pos = np.array([[20, np.nan, 30], [60, np.nan, np.nan], [90, np.nan, 10], [45, np.nan, 80]])
    sal = np.array([[50, np.nan, 20], [60, np.nan, np.nan], [40, np.nan, 30], [70, np.nan, 20]])
    base = ScenarioArrays.from_arrays([100, 60, 40, 30], pos, sal)
    cap = base.capability * np.random.default_rng(0).uniform(0.8, 1.2, (5, 4))
    batch = DrawBatch(
        base,
        cap,
        np.repeat(base.position[None], 5, axis=0),
        np.repeat(base.salience[None], 5, axis=0),
        np.full((5, 3), np.nan),
    )
    got = assert_batch_equals_loop(batch, SMPParams())
    assert np.isnan(got[:, 1]).all()


def test_large_batches_run_in_slices(monkeypatch):
    monkeypatch.setattr(smp_model, "MAX_DRAWS", 3)
    assert_batch_equals_loop(doctest_batch(10), SMPParams())


def test_a_batch_of_one_equals_the_single_run():
    batch = doctest_batch(1)
    got = forecast_batch("smp", batch)
    np.testing.assert_array_equal(got[0], SMP(batch.arrays(0)).forecast)
    syria, _ = draw_batch(detente.load("syria-geneva-2018"), seed=2, runs=[7])
    np.testing.assert_array_equal(forecast_batch("smp", syria)[0], SMP(syria.arrays(0)).forecast)


def test_stochastic_transitions_draw_from_each_runs_generator():
    params = SMPParams(transitions="Stochastic")
    batch = doctest_batch(6)
    rngs = [np.random.default_rng(100 + b) for b in range(6)]
    got = forecast_batch("smp", batch, params, rngs)
    want = forecast_loop("smp", batch, params, [np.random.default_rng(100 + b) for b in range(6)])
    np.testing.assert_array_equal(got, want)
    # without generators, every run uses the model's default one, as the loop does
    np.testing.assert_array_equal(
        forecast_batch("smp", batch, params), forecast_loop("smp", batch, params)
    )


def test_accommodation_and_pruned_challenges_in_a_batch(monkeypatch):
    batch = doctest_batch(4)
    assert_batch_equals_loop(batch, SMPParams(accommodation=0.6))
    rng = np.random.default_rng(8)
    batch = random_batch(rng, 6, 9, 2, "plain")
    want = forecast_loop("smp", batch, SMPParams())
    # from PRUNE_MIN_ACTORS actors on, each draw's hopeless challenges are skipped: the same
    monkeypatch.setattr(smp_engine, "PRUNE_MIN_ACTORS", 4)
    np.testing.assert_array_equal(forecast_batch("smp", batch, SMPParams()), want)
    # scenarios too large for the all-draws challenge step run it draw by draw: the same
    monkeypatch.setattr(smp_engine, "PRUNE_MIN_ACTORS", 10**6)
    monkeypatch.setattr(smp_engine, "BATCH_BUDGET", 100)
    np.testing.assert_array_equal(forecast_batch("smp", batch, SMPParams()), want)


def test_finished_draws_are_frozen():
    # The same draw next to draws that run longer (or shorter) gives the same forecast.
    rng = np.random.default_rng(4)
    batch = random_batch(rng, 12, 8, 2, "plain")
    alone = [
        forecast_batch(
            "smp",
            DrawBatch(
                batch.base,
                batch.capability[b : b + 1],
                batch.position[b : b + 1],
                batch.salience[b : b + 1],
                batch.status_quo[b : b + 1],
            ),
        )[0]
        for b in range(12)
    ]
    np.testing.assert_array_equal(forecast_batch("smp", batch), np.stack(alone))
    turns = {SMP(batch.arrays(b)).extras["turns"] for b in range(12)}
    assert len(turns) > 1  # the draws do stop at different turns


def test_a_draw_the_smp_cannot_run_raises_as_the_loop():
    batch = doctest_batch(5)
    sal = batch.salience.copy()
    sal[3, 2] = 0.0  # actor C of draw 3 has zero salience on every issue
    bad = DrawBatch(batch.base, batch.capability, batch.position, sal, batch.status_quo)
    with pytest.raises(SMPInputError) as loop_err:
        forecast_loop("smp", bad)
    with pytest.raises(SMPInputError) as batch_err:
        forecast_batch("smp", bad)
    assert str(batch_err.value) == str(loop_err.value)


def test_sums_over_the_first_axis_are_sequential_whatever_the_shape():
    # numpy sums an (N, 1) array pairwise; the kernels add one term after the other always,
    # so a sum does not depend on how many others are computed with it.
    rng = np.random.default_rng(0)
    for _ in range(50):
        x = rng.standard_normal(20) * 10.0 ** rng.uniform(-6, 6, 20)
        want = 0.0
        for v in x:
            want += v
        for shape in ((20,), (20, 1), (20, 1, 1)):
            assert first_axis_sum(x.reshape(shape).copy()).ravel()[0] == want
        wide = np.repeat(x[:, None], 3, axis=1)
        assert np.all(running_sum(0.0, x[:, None]) == running_sum(0.0, wide)[0])
