"""The expected-utility model: Scholz et al.'s Table 2, brute-force checks, properties."""

from __future__ import annotations

import csv
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import shared_path

from detente.errors import ParameterError
from detente.models import get_model
from detente.models.eum import challenge_utility, risk_exponents, win_probability
from detente.scenario.arrays import ScenarioArrays

SPEC = get_model("eum")


def run(arrays, preset=None, **params):
    return SPEC(arrays, SPEC.make_params({k: str(v) for k, v in params.items()}, preset=preset))


def emission_arrays(order=None):
    path = shared_path("parity", "eum", "emission_standards.csv")
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if order is not None:
        rows = [rows[i] for i in order]
    return ScenarioArrays.from_arrays(
        [float(r["capability"]) for r in rows],
        [float(r["position"]) for r in rows],
        [float(r["salience"]) for r in rows],
        actors=[r["actor"] for r in rows],
        issues=["emission"],
        low=4,
        high=10,
    )


def table2():
    path = shared_path("parity", "eum", "scholz_table2.csv")
    with open(path, newline="") as fh:
        return [(int(r["round"]), float(r["median"]), float(r["mean"])) for r in csv.DictReader(fh)]


def truncate(v: float) -> float:
    return math.floor(v * 10 + 1e-9) / 10


def random_arrays(seed, n=9, d=1, discrete=False):
    rng = np.random.default_rng(seed)
    if discrete:
        x = rng.choice([0.0, 25.0, 50.0, 75.0, 100.0], (n, d))
    else:
        x = rng.uniform(0, 100, (n, d))
    return ScenarioArrays.from_arrays(
        rng.uniform(0.1, 1, n), x, rng.uniform(5, 100, (n, d)), actors=[f"a{i}" for i in range(n)]
    )


# -- Scholz, Calbert & Smith (2011), Table 2 ------------------------------------------------------


def test_table2_parity():
    """Median after rounds 1..8, truncated to one decimal, equals Table 2 in at least 7 of 8
    rounds; the mean is within 0.1 of the published value in every round (Q = 1)."""
    res = run(emission_arrays(), preset="scholz2011", q=1)
    table = table2()
    assert [t for t, _, _ in table] == list(range(1, 9))
    assert res.n_rounds == 8
    medians = res.summary["median"][:, 0]
    means = res.summary["mean"][:, 0]
    hits = sum(truncate(medians[t]) == pytest.approx(med) for t, med, _ in table)
    assert hits >= 7, [(t, med, medians[t]) for t, med, _ in table]
    for t, _, mean in table:
        assert abs(means[t] - mean) <= 0.1 + 1e-12, (t, means[t], mean)
    # round 0 is the input: the weighted median of Table 1 is 7 years
    assert medians[0] == 7.0
    assert res.forecast[0] == pytest.approx(medians[8])


def test_independent_rerun():
    """The medians of the independent re-run quoted in shared/parity/eum/README.md."""
    rerun = [8.416, 9.611, 9.962, 9.962, 9.962, 7.472, 8.825, 9.671]
    res = run(emission_arrays(), preset="scholz2011")
    np.testing.assert_allclose(res.summary["median"][1:, 0], rerun, atol=5e-4)


def test_table2_does_not_depend_on_actor_order():
    # the emission data has exact ties (equally distant proposers on both sides)
    base = run(emission_arrays(), preset="scholz2011")
    for seed in range(3):
        perm = np.random.default_rng(seed).permutation(10)
        res = run(emission_arrays(perm), preset="scholz2011")
        np.testing.assert_allclose(res.summary["median"], base.summary["median"], atol=1e-12)
        np.testing.assert_allclose(res.rounds[:, :, 0], base.rounds[:, perm, 0], atol=1e-12)


# -- the pairwise quantities against brute force ---------------------------------------------------


def brute_probability(x, w, r, span, denominator):
    m = len(x)
    u = np.abs(x[:, None] - x[None, :]) / span  # u[k, a]
    u = u ** r[:, None]
    p = np.zeros((m, m))
    all_abs = sum(
        w[k] * abs(u[k, a] - u[k, b]) for k in range(m) for a in range(m) for b in range(m)
    )
    for a, b in itertools.product(range(m), range(m)):
        votes = [w[k] * (u[k, b] - u[k, a]) for k in range(m)]
        num = sum(v for v in votes if v > 0)
        den = all_abs if denominator == "all_pairs" else sum(abs(v) for v in votes)
        p[a, b] = num / den if den > 0 and x[a] != x[b] else 0.0
    return p


@pytest.mark.parametrize("denominator", ["all_pairs", "pair"])
@pytest.mark.parametrize("seed", range(4))
def test_win_probability_matches_brute_force(denominator, seed):
    rng = np.random.default_rng(seed)
    m = 7
    x = rng.uniform(0, 10, m)
    if seed % 2:  # duplicated positions and a voter exactly on a midpoint
        x[:3] = [2.0, 2.0, 6.0]
        x[3] = 4.0
    w = rng.uniform(0.1, 1, m)
    r = rng.uniform(0.5, 2, m)
    got = win_probability(x, w, r, 10.0, denominator)
    np.testing.assert_allclose(
        got, brute_probability(x, w, r, 10.0, denominator), rtol=1e-10, atol=1e-13
    )
    if denominator == "pair":
        differ = x[:, None] != x[None, :]
        np.testing.assert_allclose((got + got.T)[differ], 1.0)


def test_challenge_utility_closed_form():
    # with r = 1 and Q = 1: U_s = 2d, U_f = -2d, U_sq = 0, so E = 2d (1 - 2 s (1 - P))
    rng = np.random.default_rng(0)
    d, s, p = rng.uniform(0, 1, 20), rng.uniform(0, 1, 20), rng.uniform(0, 1, 20)
    e = challenge_utility(d, np.zeros(20), s, p, 1.0, 1.0, "median")
    np.testing.assert_allclose(e, 2 * d * (1 - 2 * s * (1 - p)))
    # Q = 0, T = 1: E = ... - U_b with U_b = 2 - 4 (1/2 - (d_mu + d) / 4)^r
    r, dmu = 1.7, 0.3
    e = challenge_utility(np.array(0.4), np.array(dmu), np.array(0.0), np.array(0.0), r, 0.0, 1.0)
    expected = (2 - 4 * (0.5 - 0.2) ** r) - (2 - 4 * (0.5 - (dmu + 0.4) / 4) ** r)
    assert float(e) == pytest.approx(expected)


def test_risk_exponents_range():
    np.testing.assert_allclose(risk_exponents(np.array([3.0, -1.0, 1.0])), [0.5, 2.0, 1.0])
    assert risk_exponents(np.array([2.0, 2.0])).tolist() == [1.0, 1.0]


# -- properties ------------------------------------------------------------------------------------

VARIANTS = [
    {},
    {"choice": "least_move", "compromise": "weighted"},
    {"choice": "priority", "capitulation": True},
    {"q": 0.5},
    {"q": 0.2, "t": 0.3, "probability": "pair", "perspective": "proposer"},
    {"vote_risk": "neutral", "risk": "neutral", "scale": "issue"},
]


@pytest.mark.parametrize(
    "variant", VARIANTS, ids=lambda v: ",".join(map(str, v.items())) or "default"
)
@pytest.mark.parametrize("seed", range(3))
def test_positions_and_risk_stay_in_range(variant, seed):
    a = random_arrays(seed, n=10, d=2, discrete=seed == 2)
    res = run(a, rounds=12, stop="none", **variant)
    assert res.rounds.shape == (13, 10, 2)
    lo, hi = a.position.min(axis=0), a.position.max(axis=0)
    assert np.all(res.rounds >= lo - 1e-9) and np.all(res.rounds <= hi + 1e-9)
    risk = res.per_round["risk"]
    assert np.all((risk >= 0.5 - 1e-12) & (risk <= 2 + 1e-12))
    # the most exposed actor gets 0.5 and the least exposed 2, unless all are equally exposed
    for t, k in itertools.product(range(13), range(2)):
        rk = risk[t, :, k]
        assert np.allclose(rk, 1.0) or (np.isclose(rk.min(), 0.5) and np.isclose(rk.max(), 2))
    med = res.summary["median"]
    assert np.all((med >= lo - 1e-9) & (med <= hi + 1e-9))


@pytest.mark.parametrize("variant", VARIANTS[:3], ids=["default", "least_move", "priority"])
@pytest.mark.parametrize("seed", range(3))
def test_permuting_actors_changes_nothing(variant, seed):
    a = random_arrays(seed, n=8, d=2, discrete=seed == 1)
    base = run(a, rounds=8, stop="none", **variant)
    perm = np.random.default_rng(100 + seed).permutation(8)
    b = ScenarioArrays.from_arrays(
        a.capability[perm],
        a.position[perm],
        a.salience[perm] * 100,
        actors=[a.actors[i] for i in perm],
    )
    res = run(b, rounds=8, stop="none", **variant)
    np.testing.assert_allclose(res.summary["median"], base.summary["median"], atol=1e-9)
    np.testing.assert_allclose(res.summary["mean"], base.summary["mean"], atol=1e-9)
    np.testing.assert_allclose(res.rounds, base.rounds[:, perm], atol=1e-9)
    np.testing.assert_allclose(res.per_round["risk"], base.per_round["risk"][:, perm], atol=1e-9)


@pytest.mark.parametrize("choice", ["priority", "least_move"])
def test_mirroring_the_scale_mirrors_the_run(choice):
    # without exact ties these choice rules do not depend on the direction of the scale
    for seed in range(3):
        a = random_arrays(seed, n=9)
        b = ScenarioArrays.from_arrays(a.capability, 100 - a.position, a.salience * 100)
        ra = run(a, rounds=8, stop="none", choice=choice)
        rb = run(b, rounds=8, stop="none", choice=choice)
        np.testing.assert_allclose(100 - rb.rounds, ra.rounds, atol=1e-8)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), factor=st.floats(1e-3, 1e3))
def test_scaling_capabilities_changes_nothing(seed, factor):
    a = random_arrays(seed, n=6)
    b = ScenarioArrays.from_arrays(a.capability * factor, a.position, a.salience * 100)
    ra, rb = run(a, rounds=6, stop="none"), run(b, rounds=6, stop="none")
    np.testing.assert_allclose(rb.summary["median"], ra.summary["median"], atol=1e-7)
    np.testing.assert_allclose(rb.rounds, ra.rounds, atol=1e-7)


def test_emission_capability_scale_does_not_matter():
    a = emission_arrays()
    b = ScenarioArrays.from_arrays(a.capability * 100, a.position, a.salience * 100, low=4, high=10)
    np.testing.assert_allclose(
        run(b, preset="scholz2011").summary["median"],
        run(a, preset="scholz2011").summary["median"],
        atol=1e-9,
    )


def test_actors_without_a_stance_are_left_out():
    rng = np.random.default_rng(5)
    n = 7
    x = rng.uniform(0, 100, (n, 2))
    s = rng.uniform(10, 90, (n, 2))
    x[2, 1] = np.nan
    s[2, 1] = np.nan
    c = rng.uniform(0.2, 1, n)
    both = run(ScenarioArrays.from_arrays(c, x, s), rounds=5, stop="none")
    keep = [i for i in range(n) if i != 2]
    alone = run(ScenarioArrays.from_arrays(c[keep], x[keep, 1], s[keep, 1]), rounds=5, stop="none")
    first = run(ScenarioArrays.from_arrays(c, x[:, 0], s[:, 0]), rounds=5, stop="none")
    assert np.isnan(both.rounds[:, 2, 1]).all() and np.isnan(both.per_round["risk"][:, 2, 1]).all()
    np.testing.assert_allclose(both.rounds[:, keep, 1], alone.rounds[:, :, 0])
    np.testing.assert_allclose(both.rounds[:, :, 0], first.rounds[:, :, 0])
    np.testing.assert_allclose(both.forecast, [first.forecast[0], alone.forecast[0]])
    assert not any(
        a2 == "A2"
        for e in both.events
        if e["issue"] == "I1"
        for a2 in (e.get("from"), e.get("to"), e.get("actor"))
    )


def test_events_agree_with_positions():
    res = run(emission_arrays(), preset="scholz2011", record="offers")
    ids = list(emission_arrays().actors)
    for t in range(1, res.n_rounds + 1):
        offers = [e for e in res.events if e["round"] == t and e["event"] == "offer"]
        moves = {e["actor"]: e for e in res.events if e["round"] == t and e["event"] == "move"}
        accepted = [e for e in offers if e["accepted"]]
        assert len(accepted) == len(moves)
        assert len({e["to"] for e in accepted}) == len(accepted)  # one offer each at most
        assert {e["type"] for e in offers} <= {"conflict", "compromise", "capitulation"}
        for e in accepted:
            mv = moves[e["to"]]
            assert mv["partner"] == e["from"] and mv["type"] == e["type"]
            assert res.rounds[t, ids.index(e["to"]), 0] == pytest.approx(e["position"])
            assert mv["to_position"] == pytest.approx(e["position"])
            assert mv["from_position"] == pytest.approx(res.rounds[t - 1, ids.index(e["to"]), 0])
            # the receiver expects the proposer to gain from challenging it
            assert e["eu_proposer"] > 0
        for i, name in enumerate(ids):
            if name not in moves:
                assert res.rounds[t, i, 0] == res.rounds[t - 1, i, 0]
        assert res.summary["offers"][t, 0] == len(offers)


def test_stop_rules():
    a = emission_arrays()
    res = run(a, preset="scholz2011", stop="median", rounds=8)
    med = res.summary["median"][:, 0]
    assert res.n_rounds < 8 and med[-1] == pytest.approx(med[-2])
    assert all(abs(med[t] - med[t - 1]) > 1e-9 for t in range(1, res.n_rounds))
    # everyone at one position: nothing to negotiate
    same = ScenarioArrays.from_arrays([1, 2, 3], [40, 40, 40], [50, 60, 70])
    res = run(same)
    assert res.n_rounds == 0 and res.forecast[0] == 40 and res.events == []
    res = run(same, rounds=4, stop="none")
    assert res.n_rounds == 4 and (res.rounds == 40).all()
    # a single actor
    res = run(ScenarioArrays.from_arrays([1], [30], [50]), rounds=3)
    assert res.forecast[0] == 30


def test_converged_run_is_a_fixed_point():
    # where a run stops as converged, one more round from its final positions moves no one
    found = 0
    for seed in range(8):
        a = random_arrays(seed, n=6)
        res = run(a, rounds=300, scale="issue")
        if res.n_rounds == 300:
            continue
        found += 1
        assert res.extras["stop_reason"][0].startswith("converged")
        final = ScenarioArrays.from_arrays(a.capability, res.rounds[-1], a.salience * 100)
        nxt = run(final, rounds=1, stop="none", scale="issue")
        np.testing.assert_allclose(nxt.rounds[1], res.rounds[-1], atol=1e-6)
    assert found


def test_params_are_validated():
    for bad in (
        {"q": "1.5"},
        {"q": "-0.1"},
        {"q": "nan"},
        {"t": "2"},
        {"t": "-0.5"},
        {"t": "often"},
        {"rounds": "-1"},
        {"choice": "best"},
        {"probability": "x"},
    ):
        with pytest.raises(ParameterError):
            SPEC.make_params(bad)
    assert SPEC.make_params({"t": "0.25"}).t == 0.25
    assert SPEC.make_params({"t": "median"}).t == "median"
    assert SPEC.make_params({"q": "0"}).q == 0.0
    p = SPEC.make_params(preset="scholz2011")
    assert p.q == 1.0 and p.rounds == 8 and p.stop == "none"
    with pytest.raises(ParameterError):
        SPEC.make_params(preset="no_such_preset")


def test_t_matters_only_when_q_below_one():
    a = random_arrays(4, n=8)
    r1 = run(a, rounds=5, stop="none", q=1, t=0)
    r2 = run(a, rounds=5, stop="none", q=1, t=1)
    np.testing.assert_array_equal(r1.rounds, r2.rounds)
    r3 = run(a, rounds=5, stop="none", q=0, t=0)
    r4 = run(a, rounds=5, stop="none", q=0, t=1)
    assert not np.allclose(r3.per_round["exposure"], r4.per_round["exposure"])
