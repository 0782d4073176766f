"""Sensitivity: the tornado against direct model runs, Sobol indices against analytic values."""

from __future__ import annotations

import numpy as np
import pytest

from detente import api
from detente.errors import ParameterError
from detente.run.draws import Input, InputSampler, scenario_inputs
from detente.run.executors import InProcess, ProcessPool
from detente.run.sensitivity import input_groups, sobol, sobol_indices, tornado
from detente.scenario import build_scenario


def test_tornado_input_without_range_has_no_swing(ranged):
    t = tornado(ranged, ["compromise", "nash"])
    fixed = t[t["input"] == "capability:c"]
    assert len(fixed) == 4  # two models x two issues, reported anyway
    assert (fixed["swing"] == 0).all()
    assert (fixed["forecast_at_low"] == fixed["forecast"]).all()
    ranged_cap = t[(t["input"] == "capability:a") & (t["issue"] == "x")]
    assert (ranged_cap["swing"] > 0).all()
    # only-uncertain mode leaves fixed numbers out
    assert "capability:c" not in set(tornado(ranged, ["compromise"], uncertain_only=True)["input"])


def test_tornado_matches_direct_runs_at_the_range_ends(ranged_data):
    s = build_scenario(ranged_data)
    t = tornado(s, ["compromise", "weighted_median"]).set_index(["model", "issue", "input"])
    for end, col in ((0, "forecast_at_low"), (1, "forecast_at_high")):
        data = build_scenario(ranged_data).model_dump(mode="json")
        st = next(x for x in data["stances"] if x["actor"] == "b" and x["issue"] == "x")
        st["position"]["value"] = st["position"]["range"][end]
        changed = build_scenario(data)
        for model in ("compromise", "weighted_median"):
            want = api.run_model(changed, model).forecast[0]
            assert t.loc[(model, "x", "position:b:x"), col] == pytest.approx(want)
    base = api.run_model(s, "compromise").forecast
    assert t.loc[("compromise", "y", "capability:a"), "forecast"] == pytest.approx(base[1])
    # rows of each model and issue are sorted by decreasing swing
    sw = t.loc[("compromise", "x")]["swing"].to_numpy()
    assert (np.diff(sw) <= 0).all()


def test_tornado_same_with_chunks_and_processes(ranged):
    a = tornado(ranged, ["nash"])
    with ProcessPool(2) as ex:
        b = tornado(ranged, ["nash"], executor=ex, chunk_size=7)
    np.testing.assert_array_equal(a["swing"].to_numpy(), b["swing"].to_numpy())


def _uniform_inputs(widths):
    return [Input("position", None, None, -1, -1, 0.0, -w / 2, w / 2) for w in widths]


def test_sobol_additive_model_matches_analytic_indices():
    # Y = sum a_i X_i with X_i uniform of width w_i: Var = sum a_i^2 w_i^2 / 12, no
    # interactions, so S_i = T_i = a_i^2 w_i^2 / sum_j a_j^2 w_j^2.
    a = np.array([1.0, 2.0, 0.5, 0.0])
    w = np.array([2.0, 1.0, 4.0, 3.0])
    share = (a * w) ** 2 / ((a * w) ** 2).sum()
    sampler = InputSampler(_uniform_inputs(w), "uniform")
    first, total, var, first_ci, total_ci = sobol_indices(
        lambda v, r: (v @ a)[:, None], sampler, [[0], [1], [2], [3]], n=4000, seed=3
    )
    np.testing.assert_allclose(first[:, 0], share, atol=0.03)
    np.testing.assert_allclose(total[:, 0], share, atol=0.03)
    assert var[0] == pytest.approx(((a * w) ** 2).sum() / 12, rel=0.05)
    # the bootstrap intervals are honest: the analytic values lie inside twice their width
    assert (first_ci[:3, 0] > 0).all() and (total_ci[:3, 0] > 0).all()
    assert (np.abs(first[:, 0] - share) <= 2 * first_ci[:, 0] + 1e-12).all()
    assert (np.abs(total[:, 0] - share) <= 2 * total_ci[:, 0] + 1e-12).all()
    # a group's indices are the sum of its members' in an additive model
    first_g, total_g, *_ = sobol_indices(
        lambda v, r: (v @ a)[:, None], sampler, [[0, 1], [2, 3]], n=4000, seed=3
    )
    np.testing.assert_allclose(first_g[:, 0], [share[:2].sum(), share[2:].sum()], atol=0.03)
    np.testing.assert_allclose(total_g[:, 0], [share[:2].sum(), share[2:].sum()], atol=0.03)


def test_sobol_ishigami_matches_published_indices():
    # Ishigami & Homma (1990), a = 7, b = 0.1, X_i uniform on [-pi, pi]; analytic indices as
    # tabulated by Saltelli et al. (2010): S = (0.3139, 0.4424, 0), T = (0.5576, 0.4424, 0.2437).
    def ishigami(v, runs):
        x1, x2, x3 = v.T
        return (np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1))[:, None]

    sampler = InputSampler(_uniform_inputs([2 * np.pi] * 3), "uniform")
    first, total, *_ = sobol_indices(
        ishigami, sampler, [[0], [1], [2]], n=8192, seed=1, chunk_size=2048
    )
    np.testing.assert_allclose(first[:, 0], [0.3139, 0.4424, 0.0], atol=0.05)
    np.testing.assert_allclose(total[:, 0], [0.5576, 0.4424, 0.2437], atol=0.05)


def test_sobol_independent_of_chunking_and_executor(ranged):
    a = sobol(ranged, ["compromise"], n=64, seed=2, group="kind", chunk_size=64)
    with ProcessPool(2) as ex:
        b = sobol(ranged, ["compromise"], n=64, seed=2, group="kind", chunk_size=10, executor=ex)
    c = sobol(
        ranged, ["compromise"], n=64, seed=2, group="kind", chunk_size=13, executor=InProcess()
    )
    np.testing.assert_allclose(a["total"].to_numpy(), b["total"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(a["first_order"].to_numpy(), c["first_order"].to_numpy(), rtol=1e-12)


def test_sobol_on_a_scenario(ranged):
    df = sobol(ranged, ["compromise", "mean_voter"], n=1024, seed=0, group="kind")
    assert set(df["group"]) == {"capability", "position", "salience", "status_quo"}
    mv = df[df["model"] == "mean_voter"].set_index(["issue", "group"])
    # the mean voter ignores capabilities, saliences and the status quo
    for g in ("capability", "salience", "status_quo"):
        assert mv.loc[("x", g), "total"] == pytest.approx(0.0, abs=1e-12)
    assert mv.loc[("x", "position"), "total"] == pytest.approx(1.0, abs=0.05)
    assert mv.loc[("x", "position"), "first_order"] == pytest.approx(1.0, abs=0.05)
    comp = df[df["model"] == "compromise"]
    assert (comp["total"] >= -1e-12).all()


def test_groupings(ranged):
    inputs = scenario_inputs(ranged)
    by_actor = input_groups(inputs, "actor")
    assert set(by_actor) == {"a", "b", "c", "d", "status_quo"}
    assert sorted(j for g in by_actor.values() for j in g) == list(range(len(inputs)))
    assert set(input_groups(inputs, "issue")) == {"capability", "x", "y"}
    assert len(input_groups(inputs, "input")) == len(inputs)
    with pytest.raises(ParameterError):
        input_groups(inputs, "colour")


# -- the Sobol estimators against SALib ------------------------------------------------------


def _ishigami(values, runs, a=7.0, b=0.1):
    x1, x2, x3 = values.T
    return (np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1))[:, None]


def test_sobol_estimates_match_salib_on_the_same_samples():
    # SALib (the field's reference library) on the outputs of our Sobol design: its
    # estimators (Saltelli 2010 first order, Jansen 1999 total) give our numbers, and its
    # analysis and the Ishigami function's analytic indices agree with ours.
    from SALib.analyze import sobol as salib

    from detente.run.draws import Input, InputSampler
    from detente.run.sensitivity import SobolTask, sobol_estimates

    xs = [Input("position", None, None, -1, -1, 0.0, -np.pi, np.pi) for _ in range(3)]
    groups = ((0,), (1,), (2,))
    n = 4096
    ya, yb, yab = SobolTask(_ishigami, InputSampler(xs, "uniform"), groups, 3)((0, n))
    first, total, var = sobol_estimates(ya, yb, yab)
    # 1. the same estimators, on the same (centred) outputs: the same numbers
    c = np.concatenate([ya, yb]).mean(axis=0)
    for g in range(3):
        np.testing.assert_allclose(
            first[g], salib.first_order(ya - c, yab[g] - c, yb - c), rtol=1e-12, atol=1e-15
        )
        np.testing.assert_allclose(
            total[g], salib.total_order(ya - c, yab[g] - c, yb - c), rtol=1e-12, atol=1e-15
        )
    # 2. SALib's whole analysis of the same outputs (rows A, AB_1..AB_3, B; it centres on the
    # mean of all of them, a slightly different constant)
    y = np.concatenate([ya, np.moveaxis(yab, 0, 1)[:, :, 0], yb], axis=1).reshape(-1)
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    si = salib.analyze(problem, y, calc_second_order=False, num_resamples=50, seed=1)
    np.testing.assert_allclose(first[:, 0], si["S1"], atol=0.02)
    np.testing.assert_allclose(total[:, 0], si["ST"], atol=1e-9)
    # 3. the analytic indices of the Ishigami function (a = 7, b = 0.1)
    np.testing.assert_allclose(first[:, 0], [0.3139, 0.4424, 0.0], atol=0.05)
    np.testing.assert_allclose(total[:, 0], [0.5576, 0.4424, 0.2437], atol=0.05)
    # the output's variance: a^2 / 8 + b pi^4 / 5 + b^2 pi^8 / 18 + 1 / 2
    np.testing.assert_allclose(var, 13.8446, rtol=0.05)
