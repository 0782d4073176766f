"""The Spatial Model of Politics (``smp``): parity with KTAB, agreement with a plain scalar
re-statement of KTAB's code for every option, and properties.

Parity references are KTAB's own runs in ../shared/parity/ktab (skipped when absent).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from shared_data import shared_path
from smp_reference import Reference

from detente.models import get_model
from detente.models.smp import SMPInputError, SMPParams
from detente.models.smp.engine import Engine


def engine_run(c, s, x, params, accommodation=None, rng=None):
    """The history of one run of the engine (a batch of one)."""
    engine = Engine(c[None], s[None], params, accommodation, [rng])
    return engine.run(x[None], history=True)[2][0]


from detente.scenario.arrays import ScenarioArrays
from detente.scenario.ktab_xml import read_ktab_xml, read_ktab_xml_scenario

SCENARIOS = [
    "dummyData_3Dim",
    "SOE-Pol-Comp",
    "SOE-Policy",
    "SOE-Competitive",
    "dummyData_6Dim",
    "dummyData-a040",
    "dummyData-a080",
]

SMP = get_model("smp")


# -- KTAB's files ---------------------------------------------------------------------


def read_ktab_csv(path: Path) -> ScenarioArrays:
    """KTAB's CSV input: ``name,desc,nActors,nDims`` / header / ``actor,desc,cap,pos,sal...``."""
    rows = [[c.strip() for c in r] for r in csv.reader(path.open())]
    rows = [r for r in rows if any(r)]
    n, d = int(float(rows[0][2])), int(float(rows[0][3]))
    names, cap, pos, sal = [], [], [], []
    for r in rows[2 : 2 + n]:
        names.append(r[0])
        cap.append(float(r[2]))
        pos.append([float(r[3 + 2 * k]) for k in range(d)])
        sal.append([float(r[4 + 2 * k]) for k in range(d)])
    return ScenarioArrays.from_arrays(
        cap, pos, sal, actors=names, issues=[rows[1][3 + 2 * k] for k in range(d)]
    )


def read_reference(name: str, actors: tuple[str, ...], d: int):
    """KTAB's positions (T + 1, n, d) and printed probabilities (T + 1, n)."""
    index = {a: i for i, a in enumerate(actors)}
    rows = list(csv.DictReader(shared_path("parity", "ktab", f"{name}.positions.csv").open()))
    turns = max(int(r["turn"]) for r in rows)
    pos = np.full((turns + 1, len(actors), d), np.nan)
    for r in rows:
        pos[int(r["turn"]), index[r["actor"]], int(r["dimension"])] = float(r["position"])
    prob = np.full((turns + 1, len(actors)), np.nan)
    for r in csv.DictReader(shared_path("parity", "ktab", f"{name}.probabilities.csv").open()):
        prob[int(r["turn"]), index[r["actor"]]] = float(r["probability"])
    return pos, prob


@pytest.fixture(scope="module")
def parity_runs():
    cache: dict[str, tuple] = {}

    def get(name: str):
        if name not in cache:
            arrays = read_ktab_csv(shared_path("parity", "ktab", f"{name}.csv"))
            cache[name] = (arrays, SMP(arrays))
        return cache[name]

    return get


@pytest.mark.parametrize("name", SCENARIOS)
def test_parity_with_ktab(name, parity_runs):
    arrays, res = parity_runs(name)
    pos, prob = read_reference(name, arrays.actors, arrays.n_issues)
    assert res.n_rounds == pos.shape[0] - 1, "number of turns"
    assert res.rounds.shape == pos.shape
    assert np.abs(res.rounds - pos).max() <= 0.01
    # KTAB's positions are multiples of 0.01: ours are the same ones
    np.testing.assert_array_equal(np.round(res.rounds, 2), np.round(pos, 2))
    # KTAB prints probabilities with 4 decimals
    assert np.abs(res.per_round["probability"] - prob).max() <= 5e-5 + 1e-9
    assert res.extras["stop_reason"] == "converged"


def test_parity_spot_checks(parity_runs):
    # README: dummyData_3Dim's SActor-00 ends at (78.56, 31.76, 74.05); SActor-02 never moves
    arrays, res = parity_runs("dummyData_3Dim")
    i0, i2 = arrays.actors.index("SActor-00"), arrays.actors.index("SActor-02")
    np.testing.assert_allclose(res.rounds[-1, i0], [78.56, 31.76, 74.05], atol=1e-9)
    np.testing.assert_array_equal(res.rounds[:, i2], np.tile([82.45, 90.89, 0.07], (11, 1)))
    arrays, res = parity_runs("SOE-Pol-Comp")
    assert res.n_rounds == 27
    np.testing.assert_allclose(res.rounds[-1, arrays.actors.index("XJ")], [43.18, 43.30], atol=1e-9)


def test_forecast_is_the_most_probable_final_position(parity_runs):
    arrays, res = parity_runs("SOE-Policy")
    final = res.rounds[-1]
    hit = np.flatnonzero(np.all(np.abs(final - res.forecast) < 1e-9, axis=1))
    assert len(hit) > 0
    prob = res.per_round["probability"][-1]
    assert prob[hit].max() == pytest.approx(prob.max())
    np.testing.assert_allclose(res.summary["most_probable"][-1], res.forecast)
    w = arrays.capability / arrays.capability.sum()
    np.testing.assert_allclose(res.summary["weighted_mean"], np.einsum("i,tik->tk", w, res.rounds))


def test_events_match_the_moves(parity_runs):
    arrays, res = parity_runs("dummyData_6Dim")
    idx = {a: i for i, a in enumerate(arrays.actors)}
    assert res.events
    moved = np.zeros((res.n_rounds + 1, arrays.n_actors), dtype=bool)
    for ev in res.events:
        t = ev["round"]
        assert ev["value"] > 1e-5 and 0 < ev["probability"] < 1
        for who, flag in (("challenger", "challenger_adopted"), ("target", "target_adopted")):
            i = idx[ev[who]]
            new = [ev[f"{who}_to:{iss}"] for iss in arrays.issues]
            if ev[flag]:
                np.testing.assert_allclose(res.rounds[t, i], new, atol=1e-9)
                moved[t, i] = True
    # an actor adopts at most one bargain per round and every move comes from one
    changed = np.any(np.abs(np.diff(res.rounds, axis=0)) > 1e-12, axis=2)
    assert not np.any(changed & ~moved[1:])


# -- agreement with the scalar re-statement of KTAB's code -----------------------------

OPTIONS = {
    "victory_model": ["Linear", "Square", "Quartic", "Octic", "Binary"],
    "pce_model": ["Conditional", "MarkovIncentive", "MarkovUniform"],
    "voting_rule": ["Binary", "PropBin", "Prop", "PropCbc", "Cubic", "ASymProsp"],
    "big_r_adjust": ["None", "OneThird", "Half", "TwoThirds", "Full"],
    "big_r_range": ["Min", "Mid", "Max"],
    "third_party_commit": ["NoCommit", "SemiCommit", "FullCommit"],
    "interpolation": ["S1P1", "S2P2", "S2PMax"],
    "bargain_model": ["InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"],
    "transitions": ["Deterministic", "Stochastic"],
}


def random_unit_scenario(seed: int, n: int, d: int):
    rng = np.random.default_rng(seed)
    c = np.round(rng.uniform(5, 100, n), 1)
    x = np.round(rng.uniform(0, 100, (n, d)), 2) / 100
    s = rng.uniform(0.1, 1, (n, d))
    s = np.round(s / s.sum(1, keepdims=True) * rng.uniform(40, 95, (n, 1)), 1) / 100
    return c, x, s


def option_cases():
    """Every option value once (others at KTAB's defaults), then random combinations."""
    cases = [
        {k: v}
        for k, vals in OPTIONS.items()
        for v in vals
        if v != SMPParams.model_fields[k].default
    ]
    rng = np.random.default_rng(2024)
    cases += [{k: vals[rng.integers(len(vals))] for k, vals in OPTIONS.items()} for _ in range(12)]
    return cases


@pytest.mark.parametrize("case", range(len(option_cases())))
def test_engine_matches_scalar_reference(case, monkeypatch):
    opts = option_cases()[case]
    params = SMPParams(**opts, rounds=10)
    n, d = 4 + case % 3, 1 + case % 2
    c, x, s = random_unit_scenario(100 + case, n, d)
    if case % 2:  # also exercise the pruned evaluation of challenges on small cases
        monkeypatch.setattr("detente.models.smp.engine.PRUNE_MIN_ACTORS", 3)
    run = engine_run(c, s, x, params, rng=np.random.default_rng(case))
    ref_pos, ref_prob, _ = Reference(
        c, x, s, params.model_dump(), rng=np.random.default_rng(case)
    ).run()
    np.testing.assert_array_equal(np.stack(run.positions), ref_pos)
    np.testing.assert_allclose(np.stack(run.probability), ref_prob, rtol=0, atol=1e-12)


def test_accommodation_matches_scalar_reference():
    c, x, s = random_unit_scenario(7, 5, 2)
    a = 0.4 * np.eye(5)
    a[1, 3] = 0.3
    params = SMPParams(rounds=8)
    run = engine_run(c, s, x, params, accommodation=a)
    ref_pos, ref_prob, _ = Reference(c, x, s, params.model_dump(), accommodation=a).run()
    np.testing.assert_allclose(np.stack(run.positions), ref_pos, atol=1e-12)
    np.testing.assert_allclose(np.stack(run.probability), ref_prob, atol=1e-12)


def test_pruned_challenges_equal_full_evaluation(monkeypatch):
    rng = np.random.default_rng(3)
    n = 60
    arrays = ScenarioArrays.from_arrays(
        rng.uniform(1, 5, n),
        np.round(rng.normal(60, 12, (n, 2)).clip(0, 100), 2),
        np.round(rng.uniform(5, 45, (n, 2)), 2),
    )
    params = SMPParams(rounds=6)
    monkeypatch.setattr("detente.models.smp.engine.PRUNE_MIN_ACTORS", 10)
    pruned = SMP(arrays, params)
    monkeypatch.setattr("detente.models.smp.engine.PRUNE_MIN_ACTORS", 10**9)
    full = SMP(arrays, params)
    np.testing.assert_array_equal(pruned.rounds, full.rounds)
    np.testing.assert_array_equal(pruned.per_round["probability"], full.per_round["probability"])


# -- properties --------------------------------------------------------------------------


def small_arrays(seed: int = 0, n: int = 7, d: int = 2) -> ScenarioArrays:
    c, x, s = random_unit_scenario(seed, n, d)
    return ScenarioArrays.from_arrays(c, 100 * x, 100 * s, actors=[f"a{i}" for i in range(n)])


@pytest.mark.parametrize("field", list(OPTIONS))
def test_every_option_runs(field):
    arrays = small_arrays(1)
    lo, hi = arrays.position.min(axis=0), arrays.position.max(axis=0)
    for value in OPTIONS[field]:
        res = SMP(arrays, SMPParams(**{field: value}, rounds=12), np.random.default_rng(0))
        t1 = res.n_rounds + 1
        assert 2 <= res.n_rounds <= 12
        assert res.rounds.shape == (t1, arrays.n_actors, arrays.n_issues)
        prob = res.per_round["probability"]
        assert prob.shape == (t1, arrays.n_actors)
        assert np.all((prob >= 0) & (prob <= 1 + 1e-12))
        # bargains interpolate coordinate by coordinate (then round to 4 decimals)
        assert np.all(res.rounds >= lo - 0.005) and np.all(res.rounds <= hi + 0.005)
        assert res.summary["weighted_mean"].shape == (t1, arrays.n_issues)
        assert res.forecast.shape == (arrays.n_issues,)


def test_stochastic_runs_are_reproducible():
    arrays = small_arrays(4, n=8)
    params = SMPParams(transitions="Stochastic")
    a = SMP(arrays, params, np.random.default_rng(11))
    b = SMP(arrays, params, np.random.default_rng(11))
    np.testing.assert_array_equal(a.rounds, b.rounds)
    np.testing.assert_array_equal(a.per_round["probability"], b.per_round["probability"])
    assert a.events == b.events


@pytest.mark.parametrize("seed", [0, 5, 9])
def test_permuting_actors_permutes_the_result(seed):
    arrays = small_arrays(seed, n=8)
    perm = np.random.default_rng(seed).permutation(arrays.n_actors)
    shuffled = ScenarioArrays.from_arrays(
        arrays.capability[perm],
        arrays.position[perm],
        100 * arrays.salience[perm],
        actors=[arrays.actors[i] for i in perm],
    )
    a, b = SMP(arrays), SMP(shuffled)
    assert a.n_rounds == b.n_rounds
    np.testing.assert_allclose(b.rounds, a.rounds[:, perm], atol=1e-9)
    # KTAB merges positions less than 0.1 apart into the first distinct position met in
    # actor order and elects among those representatives. Where "less than 0.1 apart" is
    # not transitive (a chain a ~ b ~ c with a, c apart) the actor order decides how many
    # distinct positions there are; elsewhere it only picks representatives a little apart.
    checked = 0
    for t in range(a.n_rounds + 1):
        x = a.rounds[t]
        close = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1)) < 0.1
        if np.array_equal((close.astype(int) @ close.astype(int)) > 0, close):
            np.testing.assert_allclose(
                b.per_round["probability"][t], a.per_round["probability"][t, perm], atol=1e-2
            )
            checked += 1
    assert checked >= a.n_rounds // 2


def test_issue_scale_does_not_matter():
    arrays = small_arrays(2)
    low, high = np.array([-1.0, 10.0]), np.array([1.0, 30.0])
    moved = ScenarioArrays.from_arrays(
        arrays.capability,
        low + arrays.position / 100 * (high - low),
        100 * arrays.salience,
        low=low,
        high=high,
    )
    a, b = SMP(arrays), SMP(moved)
    assert a.n_rounds == b.n_rounds
    np.testing.assert_allclose(b.rounds, low + a.rounds / 100 * (high - low), atol=1e-9)
    np.testing.assert_array_equal(b.rounds[0], moved.position)


def test_round_limit_and_full_record():
    arrays = small_arrays(3)
    res = SMP(arrays, SMPParams(rounds=3, stop_ratio=0.0, record="full"))
    assert res.n_rounds == 3 and res.extras["stop_reason"] == "max_rounds"
    vals = res.extras["challenge_values"]
    assert vals.shape == (3, arrays.n_actors, arrays.n_actors)
    assert np.all(np.isnan(np.diagonal(vals, axis1=1, axis2=2)))
    for ev in res.events:  # each challenge is the challenger's best
        i, j = arrays.actors.index(ev["challenger"]), arrays.actors.index(ev["target"])
        row = vals[ev["round"] - 1, i]
        assert ev["value"] == pytest.approx(np.nanmax(row), abs=1e-12)
        assert ev["value"] == pytest.approx(row[j], abs=1e-12)
    assert SMP(arrays, SMPParams(record="none")).events == []


def test_bad_inputs_raise_clear_errors():
    arrays = small_arrays(0)
    pos = arrays.position.copy()
    pos[2, 1] = np.nan
    strict = SMPParams(inputs="strict")
    with pytest.raises(SMPInputError, match="a2.*no stance.*I1"):
        SMP(
            ScenarioArrays.from_arrays(
                arrays.capability, pos, 100 * arrays.salience, actors=arrays.actors
            ),
            strict,
        )
    cap = arrays.capability.copy()
    cap[0] = 0
    with pytest.raises(SMPInputError, match="positive capability"):
        SMP(ScenarioArrays.from_arrays(cap, arrays.position, 100 * arrays.salience))
    sal = 100 * arrays.salience
    sal[1] = [70, 40]
    with pytest.raises(SMPInputError, match="more than 100"):
        SMP(ScenarioArrays.from_arrays(arrays.capability, arrays.position, sal), strict)
    with pytest.raises(SMPInputError, match="unknown actor"):
        SMP(arrays, SMPParams(ideal_adjustment=(("a0", "zz", 0.5),)))


def test_params_accept_ktab_names():
    p = SMPParams.from_ktab(
        {
            "VotingRule": "Proportional",
            "BigRAdjust": "No",
            "PCEModel": "markovincentive",
            "BargnModel": "PWCompInterp",
        }
    )
    assert (p.voting_rule, p.big_r_adjust, p.pce_model, p.bargain_model) == (
        "Prop",
        "None",
        "MarkovIncentive",
        "PWCompInterp",
    )
    assert SMPParams() == SMPParams(
        victory_model="Linear",
        pce_model="Conditional",
        voting_rule="Prop",
        big_r_adjust="OneThird",
        big_r_range="Mid",
        third_party_commit="SemiCommit",
        interpolation="S2P2",
        bargain_model="InitOnlyInterp",
        transitions="Deterministic",
        rounds=100,
    )


# -- KTAB's XML files ---------------------------------------------------------------------


def ktab_xml(
    arrays: ScenarioArrays,
    name: str,
    params: dict[str, str] | None = None,
    blank: tuple[int, int] | None = None,
) -> str:
    """A KTAB XML scenario, written from the layout of KTAB's schema."""
    out = [
        '\ufeff<?xml version="1.0" encoding="UTF-8"?>',
        "<Scenario>",
        f"  <name>{name}</name>",
        "  <desc>written by the tests</desc>",
        "  <prngSeed>0042</prngSeed>",
    ]
    if params:
        out.append("  <ModelParameters>")
        out += [f"    <{k}>{v}</{k}>" for k, v in params.items()]
        out.append("  </ModelParameters>")
    out.append("  <Dimensions>")
    out += [f"    <dName>{iss}</dName>" for iss in arrays.issues]
    out += ["  </Dimensions>", "  <Actors>"]
    for i, a in enumerate(arrays.actors):
        out += [
            "    <Actor>",
            f"      <name>{a}</name>",
            f"      <description>actor {a}</description>",
            f"      <capability>{float(arrays.capability[i])!r}</capability>",
            "      <Position>",
        ]
        for k in range(arrays.n_issues):
            v = "" if blank == (i, k) else repr(float(arrays.position[i, k]))
            out.append(f"        <dCoord>{v}</dCoord>")
        out += ["      </Position>", "      <Salience>"]
        out += [
            f"        <dSal>{float(100 * arrays.salience[i, k])!r}</dSal>"
            for k in range(arrays.n_issues)
        ]
        out += ["      </Salience>", "    </Actor>"]
    out += ["  </Actors>", "</Scenario>"]
    return "\n".join(out)


def test_read_ktab_xml(tmp_path):
    arrays = small_arrays(6, n=4, d=2)
    path = tmp_path / "four.xml"
    path.write_text(
        ktab_xml(
            arrays,
            "Four",
            {"VictoryProbModel": "Square", "VotingRule": "PropCbc", "BigRAdjust": "No"},
        ),
        encoding="utf-8",
    )
    desc = read_ktab_xml(path)
    assert desc["name"] == "Four" and desc["seed"] == 42
    assert desc["dimensions"] == list(arrays.issues)
    assert [a["name"] for a in desc["actors"]] == list(arrays.actors)
    assert desc["actors"][1]["description"] == "actor a1"
    np.testing.assert_array_equal(desc["positions"], arrays.position)
    np.testing.assert_allclose(desc["saliences"], 100 * arrays.salience)
    np.testing.assert_array_equal([a["capability"] for a in desc["actors"]], arrays.capability)
    assert desc["parameters"] == {
        "victory_model": "Square",
        "voting_rule": "PropCbc",
        "big_r_adjust": "No",
    }
    p = SMPParams(**desc["parameters"])
    assert (p.victory_model, p.voting_rule, p.big_r_adjust) == ("Square", "PropCbc", "None")
    s = read_ktab_xml_scenario(path)
    np.testing.assert_array_equal(s.to_arrays().position, arrays.position)
    assert s.meta["ktab_model_parameters"]["VotingRule"] == "PropCbc"


def test_read_ktab_xml_rejects_an_empty_coordinate(tmp_path):
    from detente.errors import ScenarioError

    arrays = small_arrays(6, n=4, d=2)
    path = tmp_path / "bad.xml"
    path.write_text(ktab_xml(arrays, "Bad", blank=(2, 1)), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad.xml.*actor 'a2', issue 'I1'.*empty"):
        read_ktab_xml(path)


def test_ktab_xml_scenario_runs_like_the_csv(tmp_path, parity_runs):
    arrays, res = parity_runs("dummyData_3Dim")
    path = tmp_path / "dummyData_3Dim.xml"
    path.write_text(ktab_xml(arrays, "DummyData_3Dim"), encoding="utf-8")
    from_xml = read_ktab_xml_scenario(path).to_arrays()
    again = SMP(from_xml)
    np.testing.assert_array_equal(again.rounds, res.rounds)


def test_option_cases_cover_every_value():
    seen = {k: set() for k in OPTIONS}
    for case in option_cases():
        for k, v in case.items():
            seen[k].add(v)
    for k, vals in OPTIONS.items():
        assert seen[k] | {SMPParams.model_fields[k].default} == set(vals)
        assert set(vals) == set(SMPParams.model_fields[k].annotation.__args__)


def test_padded_election_equals_the_election_without_padding():
    from detente.models.smp import kernels as K

    rng = np.random.default_rng(8)
    u = rng.uniform(0.2, 1.0, (3, 9, 6))  # 3 queues, 9 voters, up to 6 options
    w = rng.uniform(1, 10, 9)
    sizes = [6, 4, 2]
    valid = np.arange(6)[None, :] < np.array(sizes)[:, None]
    vote = K.make_vote("Prop")
    padded = K.election(u, w, vote, "Linear", "Conditional", valid=valid)
    for g, m in enumerate(sizes):
        alone = K.election(u[g, :, :m], w, vote, "Linear", "Conditional")
        np.testing.assert_array_equal(padded[g, :m], alone)
        assert np.all(padded[g, m:] == 0)


def test_distinct_positions_carry_the_reported_probabilities(parity_runs):
    arrays, res = parity_runs("SOE-Pol-Comp")
    ex = res.extras
    assert len(ex["distinct_positions"]) == res.n_rounds + 1
    for t in range(res.n_rounds + 1):
        p = ex["distinct_probabilities"][t]
        assert p.sum() == pytest.approx(1.0)
        pos = ex["distinct_positions"][t]
        # every actor reports the probability of a distinct position less than 0.1 away
        for i in range(arrays.n_actors):
            near = np.linalg.norm(pos - res.rounds[t, i], axis=1) < 0.1
            assert np.any(np.isclose(p[near], res.per_round["probability"][t, i]))
        np.testing.assert_allclose(res.summary["most_probable"][t], pos[np.argmax(p)])


@pytest.mark.parametrize("seed", [3, 5, 6])
def test_identical_actors_break_ties_as_ktab(seed, monkeypatch):
    # Two actors with identical data: challenges against them tie (up to the order in which
    # KTAB adds the third parties' votes); the first one is taken, as in KTAB.
    rng = np.random.default_rng(seed)
    c = np.round(rng.uniform(5, 100, 7), 1)
    x = np.round(rng.uniform(0, 100, (7, 1)), 2) / 100
    s = np.round(rng.uniform(30, 90, (7, 1)), 1) / 100
    c[6], x[6], s[6] = c[5], x[5], s[5]
    params = SMPParams(rounds=8)
    engine = Engine(c[None], s[None], params)
    target = engine.challenges(engine.setup(x[None], x[None].copy())).target[0]
    tied = [i for i in range(5) if target[i] in (5, 6)]
    assert tied and all(target[i] == 5 for i in tied)
    ref_pos, _, _ = Reference(c, x, s, params.model_dump()).run()
    for prune in (3, 10**6):
        monkeypatch.setattr("detente.models.smp.engine.PRUNE_MIN_ACTORS", prune)
        np.testing.assert_array_equal(np.stack(engine_run(c, s, x, params).positions), ref_pos)


def test_adapted_inputs_follow_their_definition():
    from detente.models.smp.model import adapt_inputs

    arrays = small_arrays(0)
    # KTAB-valid input is never changed
    same, notes = adapt_inputs(arrays)
    assert same is arrays and notes == {}
    # a missing stance: salience 0, capability-weighted mean position of the others
    pos = arrays.position.copy()
    pos[2, 1] = np.nan
    sal = 100 * arrays.salience
    sal[1] = [70, 40]  # total 110 > 100
    a = ScenarioArrays.from_arrays(arrays.capability, pos, sal, actors=arrays.actors)
    b, notes = adapt_inputs(a)
    others = np.arange(a.n_actors) != 2
    c = a.capability[others]
    assert b.position[2, 1] == pytest.approx((c * pos[others, 1]).sum() / c.sum())
    assert b.salience[2, 1] == 0 and b.mask.all()
    np.testing.assert_allclose(b.salience[others], a.salience[others] / 1.1)
    assert notes == {"imputed_stances": 1, "salience_divisor": pytest.approx(1.1)}
    res = SMP(a)
    assert np.isnan(res.rounds[:, 2, 1]).all()  # no stance stays missing in the history
    assert np.isfinite(res.forecast).all()
