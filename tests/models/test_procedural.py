"""The procedural models against cases worked by hand from the formulas of
``../shared/specs/procedural.md`` (pivots, winsets, core; Romer-Rosenthal; Tsebelis 2002), and
their batched forms against single runs.

Notation as in the spec: status quo q, ideals x_i, weights w_i (total W), threshold T; upper
pivot m+ (largest m with weight{x_i >= m} >= T W), lower pivot m- (smallest m with
weight{x_i <= m} >= T W); a veto player at e adds e to both sides; core [U, L] with
U = min(m+, e...), L = max(m-, e...).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from draw_helpers import batch_from

import detente
from detente.models import get_model
from detente.run.batched import forecast_batch, forecast_loop, has_batched_form
from detente.run.draws import draw_batch
from detente.scenario.arrays import RULE_CONSENSUS, RULE_NONE, RULE_UNILATERAL, RULE_VOTE
from detente.scenario.arrays import ScenarioArrays as SA

MODELS = ("veto_player", "agenda_setter", "unilateral", "procedural")


def run(name, arrays):
    res = get_model(name)(arrays)
    return res.forecast, res.extras["status_quo_holds"], res


# -- consensus: the veto players' unanimity core ------------------------------------------


def consensus(q, setter=-1):
    # Veto players at 20, 50 and 80 (actors 0-2); a fourth actor at 5 has no veto.
    return SA.from_arrays(
        [1, 1, 1, 4],
        [20, 50, 80, 5],
        [50, 50, 50, 50],
        status_quo=q,
        rule="consensus",
        veto=[True, True, True, False],
        setter=setter,
    )


@pytest.mark.parametrize(
    "q,want,holds",
    [
        (60.0, 60.0, True),  # inside the core [20, 80]: nobody can move it
        (20.0, 20.0, True),  # on its edge
        (90.0, 80.0, False),  # right of the core: to its nearest point, 80
        (5.0, 20.0, False),  # left of it: to 20
    ],
)
def test_veto_player_consensus(q, want, holds):
    f, h, res = run("veto_player", consensus(q))
    assert f[0] == want and h[0] == holds
    np.testing.assert_array_equal(res.extras["core"][0], [20.0, 80.0])


def test_agenda_setter_consensus():
    # Setter: actor 3 at 5. q = 90: L = max e = 80 < q, so the setter may move left as far as
    # 2L - q = 70 (where the veto player at 80 is indifferent): max(5, 70) = 70.
    f, h, res = run("agenda_setter", consensus(90.0, setter=3))
    assert f[0] == 70.0 and not h[0] and res.extras["proposer"] == ("A3",)
    # q = 60, inside the core: L = 80 > q, no move left is possible: q holds.
    f, h, _ = run("agenda_setter", consensus(60.0, setter=3))
    assert f[0] == 60.0 and h[0]
    # q = 100 and setter at 80 (a veto player): max(80, 2*80 - 100 = 60) = 80, its own ideal.
    f, _, _ = run("agenda_setter", consensus(100.0, setter=2))
    assert f[0] == 80.0


# -- a qualified-majority vote, with and without a second chamber --------------------------


def vote(q, threshold, setter=-1, veto=None, weights=(1, 1, 1, 1, 1)):
    n = len(weights)
    pos = [0, 20, 40, 60, 80][:n]
    return SA.from_arrays(
        weights,
        pos,
        [50] * n,
        status_quo=q,
        rule="vote",
        threshold=threshold,
        voters=[True] * n,
        veto=veto if veto is not None else [False] * n,
        setter=setter,
    )


def test_pivots_by_hand():
    # Five equal voters at 0, 20, 40, 60, 80; T = 0.8 needs weight 4 of 5. From the top,
    # {80, 60, 40, 20} first reaches 4: m+ = 20. From the bottom, {0, 20, 40, 60}: m- = 60.
    from detente.models.procedural import pivots

    x = np.array([[0.0], [20.0], [40.0], [60.0], [80.0]])
    up, down = pivots(x, np.ones_like(x), np.array([0.8]))
    assert (up[0], down[0]) == (20.0, 60.0)
    # T = 1 (unanimity): m+ = min x = 0, m- = max x = 80.
    up, down = pivots(x, np.ones_like(x), np.array([1.0]))
    assert (up[0], down[0]) == (0.0, 80.0)
    # Weights 3, 1, 1 at 10, 50, 90 with T = 0.7 (needs 3.5 of 5): from the top 90 (1),
    # 50 (2), 10 (5): m+ = 10; from the bottom 10 (3), 50 (4): m- = 50.
    x = np.array([[10.0], [50.0], [90.0]])
    up, down = pivots(x, np.array([[3.0], [1.0], [1.0]]), np.array([0.7]))
    assert (up[0], down[0]) == (10.0, 50.0)


def test_qualified_majority_core_and_setter():
    # Core [20, 60] (above). q = 50 holds under both models.
    for name in ("veto_player", "agenda_setter", "procedural"):
        f, h, _ = run(name, vote(50.0, 0.8, setter=0))
        assert f[0] == 50.0 and h[0]
    # q = 70: the veto-player model moves it to the core's nearest point, 60.
    f, h, _ = run("veto_player", vote(70.0, 0.8))
    assert f[0] == 60.0 and not h[0]
    # The setter at 0 proposes max(0, 2 m- - q) = max(0, 120 - 70) = 50: the voters at 0, 20
    # and 40 prefer 50 to 70 and the one at 60 is indifferent, 4 of 5 = T.
    f, h, _ = run("agenda_setter", vote(70.0, 0.8, setter=0))
    assert f[0] == 50.0 and not h[0]
    f, _, res = run("procedural", vote(70.0, 0.8, setter=0))
    assert f[0] == 50.0 and res.extras["model_applied"] == ("agenda_setter",)


def test_second_chamber_veto():
    # Add a sixth actor, a veto player at 65 who does not vote (the Parliament under
    # co-decision): L = max(m-, 65) = 65, and the setter at 0 reaches max(0, 130 - 70) = 60.
    a = SA.from_arrays(
        [1, 1, 1, 1, 1, 1],
        [0, 20, 40, 60, 80, 65],
        [50] * 6,
        status_quo=70.0,
        rule="vote",
        threshold=0.8,
        voters=[True] * 5 + [False],
        veto=[False] * 5 + [True],
        setter=0,
    )
    f, h, res = run("agenda_setter", a)
    assert f[0] == 60.0 and not h[0]
    np.testing.assert_array_equal(res.extras["core"][0], [20.0, 65.0])
    # A veto player at 75 keeps q = 70 inside the core [20, 75]: the status quo holds.
    a = dataclasses.replace(a, position=np.array([[0.0], [20], [40], [60], [80], [75]]))
    f, h, _ = run("procedural", a)
    assert f[0] == 70.0 and h[0]


def test_setter_on_the_blocked_side_keeps_the_status_quo():
    # Weights 3, 1, 1 at 10, 50, 90, T = 0.7: core [10, 50]. q = 80, setter at 90 (actor 2):
    # a move right needs U = 10 > 80; none is possible, q holds, while the veto-player model
    # takes q to the core's nearest point, 50.
    a = SA.from_arrays(
        [3, 1, 1],
        [10, 50, 90],
        [50, 50, 50],
        status_quo=80.0,
        rule="vote",
        threshold=0.7,
        voters=[True, True, True],
        setter=2,
    )
    assert run("agenda_setter", a)[0][0] == 80.0
    assert run("veto_player", a)[0][0] == 50.0
    # The setter at 10 (actor 0): max(10, 2 * 50 - 80) = 20.
    assert run("agenda_setter", dataclasses.replace(a, setter=np.array([0])))[0][0] == 20.0


def test_simple_majority_empty_core_takes_the_midpoint():
    # Two equal voters at 0 and 80 with T = 1/2: m+ = 80 > m- = 0, an empty core: the
    # veto-player model gives the midpoint 40 (the weighted median's convention).
    a = SA.from_arrays(
        [1, 1], [0, 80], [50, 50], status_quo=10.0, rule="vote", threshold=0.5, voters=[1, 1]
    )
    f, h, _ = run("veto_player", a)
    assert f[0] == 40.0 and not h[0]


# -- unilateral control ----------------------------------------------------------------------


def uni(cap_a):
    # Controller (actor 2) at 80, q = 20. Actor 0 (capability cap_a, salience 50) at 10
    # prefers q (|10 - 20| < |10 - 80|); actor 1 (capability 1, salience 100) at 60 prefers
    # 80 (|60 - 80| < |60 - 20|); actor 3 at 50, halfway, is indifferent and counts for
    # neither side. v = capability x salience: S = 1 x 0.5 (controller) + 1 x 1 = 1.5.
    return SA.from_arrays(
        [cap_a, 1, 1, 50],
        [10, 60, 80, 50],
        [50, 100, 50, 100],
        status_quo=20.0,
        rule="unilateral",
        controller=2,
    )


def test_unilateral_by_hand():
    # O = 2 x 0.5 = 1 <= S = 1.5: the controller imposes 80; support share 1.5 / 2.5 = 0.6.
    f, h, res = run("unilateral", uni(2))
    assert f[0] == 80.0 and not h[0]
    assert res.extras["support_share"][0] == pytest.approx(0.6)
    assert res.extras["controller"] == ("A2",)
    # O = 4 x 0.5 = 2 > 1.5: those opposed hold the status quo; share 1.5 / 3.5.
    f, h, res = run("unilateral", uni(4))
    assert f[0] == 20.0 and h[0]
    assert res.extras["support_share"][0] == pytest.approx(1.5 / 3.5)
    # The veto-player view of the same rule: the controller is the only veto player.
    assert run("veto_player", uni(4))[0][0] == 80.0


def test_unilateral_without_a_controller_takes_the_strongest():
    # No rule: the actor with the largest capability x salience (actor 3, 50 x 1) controls;
    # it sits at 50, preferred to q = 20 by actors 1, 2 and itself.
    a = dataclasses.replace(uni(2), rule=np.array([RULE_NONE], dtype=np.int8))
    f, _, res = run("unilateral", a)
    assert res.extras["controller"] == ("A3",) and f[0] == 50.0


# -- the procedural model: each issue by its rule, and the fallback ----------------------


def test_procedural_applies_each_rule_and_falls_back_to_consensus():
    # Four issues, actors at 10, 50, 90 (capabilities 1, 2, 3, salience 50):
    # 0 consensus of actors 0, 1 (core [10, 50]), q = 70 -> 50;
    # 1 vote T = 1 among all with setter actor 2 (90), q = 30: U = 10 < 30, no move right: 30;
    # 2 unilateral, controller actor 2 at 90, q = 40: actor 0 (v 0.5) prefers q, actors 1
    #   (v 1; |50-90| = 40 > |50-40| = 10) prefers q too; S = 1.5 >= O = 1.5: 90;
    # 3 no rule: consensus of all, core [10, 90], q = 95 -> 90.
    x = np.array([[10.0] * 4, [50.0] * 4, [90.0] * 4])
    a = SA.from_arrays(
        [1, 2, 3],
        x,
        np.full((3, 4), 50.0),
        status_quo=[70.0, 30.0, 40.0, 95.0],
        rule=["consensus", "vote", "unilateral", "none"],
        veto=[[True, False, False, False], [True, False, False, False], [False] * 4],
        voters=[[False, True, False, False]] * 3,
        threshold=[np.nan, 1.0, np.nan, np.nan],
        controller=[-1, -1, 2, -1],
        setter=[-1, 2, -1, -1],
    )
    f, h, res = run("procedural", a)
    np.testing.assert_array_equal(f, [50.0, 30.0, 90.0, 90.0])
    np.testing.assert_array_equal(h, [False, True, False, False])
    assert res.extras["model_applied"] == (
        "veto_player",
        "agenda_setter",
        "unilateral",
        "veto_player",
    )
    assert res.extras["rule"][3] == "consensus (all)" and res.extras["fallback"][3]


def test_no_status_quo_no_forecast():
    a = SA.from_arrays([1, 1], [[10, 10], [90, 90]], [[50, 50], [50, 50]], status_quo=[50, np.nan])
    for name in MODELS:
        f, h, _ = run(name, a)
        assert np.isfinite(f[0]) and np.isnan(f[1]) and not h[1]
    none = SA.from_arrays([1, 1], [10, 90], [50, 50])
    assert get_model("procedural").not_applicable(none) is not None


# -- properties ------------------------------------------------------------------------------


def random_rules(rng, base, n, d):
    """``base`` with random decision rules (every kind, with and without setters)."""
    rule = rng.integers(0, 4, size=d).astype(np.int8)
    mask = base.mask
    veto = mask & (rng.random((n, d)) < 0.4)
    voters = mask & (rng.random((n, d)) < 0.8)
    controller = np.full(d, -1)
    setter = np.full(d, -1)
    for k in range(d):
        have = np.flatnonzero(mask[:, k])
        if rule[k] == RULE_CONSENSUS and not veto[:, k].any():
            veto[have[0], k] = True
        if rule[k] == RULE_VOTE and not voters[:, k].any():
            voters[have, k] = True
        if rule[k] == RULE_UNILATERAL:
            controller[k] = rng.choice(have)
            veto[:, k] = False
        elif rule[k] != RULE_NONE and rng.random() < 0.6:
            setter[k] = rng.choice(have)
        if rule[k] != RULE_VOTE:
            voters[:, k] = False
    threshold = np.where(rule == RULE_VOTE, rng.choice([0.5, 0.6, 2 / 3, 0.74, 1.0], d), np.nan)
    vote_weight = np.where(voters & (rng.random((n, d)) < 0.5), rng.uniform(1, 30, (n, d)), np.nan)
    return dataclasses.replace(
        base,
        rule=rule,
        veto=veto,
        voters=voters,
        vote_weight=vote_weight,
        threshold=threshold,
        controller=controller,
        setter=setter,
    )


def random_batch(seed, nb=15, n=7, d=5):
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 100, size=(nb, n, d))
    pos[::3] = rng.integers(0, 5, size=pos[::3].shape) * 25.0  # ties in some draws
    sal = rng.uniform(0, 1, size=(nb, n, d))
    sal[rng.random((nb, n, d)) < 0.1] = 0.0
    cap = rng.uniform(1, 100, size=(nb, n))
    mask = rng.random((n, d)) < 0.85
    mask[:2] = True
    sq = rng.uniform(0, 100, size=(nb, d))
    sq[::4] = rng.integers(0, 5, size=sq[::4].shape) * 25.0  # at actors' positions
    batch = batch_from(cap, pos, sal, mask, sq)
    return dataclasses.replace(batch, base=random_rules(rng, batch.base, n, d))


@pytest.mark.parametrize("name", MODELS)
def test_batched_equals_single_runs(name):
    assert has_batched_form(name)
    for seed in range(6):
        batch = random_batch(seed)
        got = forecast_batch(name, batch)
        want = forecast_loop(name, batch)
        assert np.array_equal(got, want, equal_nan=True)
        assert np.isfinite(got).all()


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("scenario", ["syria-astana-2017", "syria-geneva-2018"])
def test_batched_on_syria_draws(name, scenario):
    batch, _ = draw_batch(detente.load(scenario), seed=3, runs=range(20))
    got = forecast_batch(name, batch)
    assert np.array_equal(got, forecast_loop(name, batch), equal_nan=True)


@pytest.mark.parametrize("name", MODELS)
def test_outcome_is_the_status_quo_or_within_the_positions(name):
    # The status quo holds, or the outcome is a point between the actors' positions (a core
    # point, a setter's ideal or a pivot's indifference point, the controller's position);
    # and status_quo_holds says which.
    from detente.models.procedural import outcome_batch

    for seed in range(10, 16):
        batch = random_batch(seed)
        f, holds = outcome_batch(name, batch)
        lo = np.nanmin(batch.position, axis=1)
        hi = np.nanmax(batch.position, axis=1)
        q = batch.status_quo
        inside = (f >= lo - 1e-9) & (f <= hi + 1e-9)
        assert (inside | (f == q)).all()
        assert (f[holds] == q[holds]).all()


@pytest.mark.parametrize("name", MODELS)
def test_relabelling_and_scaling_capabilities_change_nothing(name):
    rng = np.random.default_rng(4)
    batch = random_batch(21, nb=1)
    a = batch.arrays(0)
    f = get_model(name)(a).forecast
    perm = rng.permutation(a.n_actors)
    inv = np.argsort(perm)
    b = a.select_actors(perm)  # the controller and setter indices follow their actors
    assert all(b.actors[inv[i]] == a.actors[i] for i in range(a.n_actors))
    np.testing.assert_array_equal(get_model(name)(b).forecast, f)
    scaled = dataclasses.replace(a, capability=a.capability * 8.0, vote_weight=a.vote_weight * 8.0)
    np.testing.assert_array_equal(get_model(name)(scaled).forecast, f)
