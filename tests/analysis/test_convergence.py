"""Cycles, non-convergence and consensus read from round histories."""

from __future__ import annotations

import numpy as np
import pytest

import detente
from detente.analysis.convergence import consensus, convergence, cycle_values
from detente.models import ModelResult


def result(series, n_actors: int = 2) -> ModelResult:
    med = np.asarray(series, dtype=float).reshape(-1, 1)
    return ModelResult(
        "m", med[-1].copy(), rounds=np.zeros((med.shape[0], n_actors, 1)), summary={"median": med}
    )


def test_two_cycle_in_words_and_values():
    c = convergence(result([20, 40, 14, 55, 14, 55, 14, 55]))[0]
    assert c.status == "cycle" and c.period == 2 and c.flagged
    assert c.text.startswith("oscillates between 14.0 and 55.0 every other round")
    assert c.since == 2
    assert sorted(cycle_values(result([20, 40, 14, 55, 14, 55, 14, 55]))[0]) == [14.0, 55.0]


def test_three_cycle_and_settled_and_drift():
    c = convergence(result([0, 10, 35, 35, 22.7, 35, 35, 22.7, 35, 35, 22.7]))[0]
    assert c.status == "cycle" and c.period == 3
    assert c.values == (35.0, 35.0, 22.7)
    s = convergence(result([0, 10, 30, 30, 30, 30]))[0]
    assert (s.status, s.since, s.flagged) == ("settled", 2, False)
    d = convergence(result([0, 10, 20, 31, 45, 62, 80]))[0]
    assert d.status == "not settled" and d.flagged and "between" in d.text


def test_tiny_moves_count_as_settled_and_short_runs_are_not_judged():
    # within half a percent of the scale over the last three rounds
    assert convergence(result([0, 50, 82.02, 82.02, 82.01, 82.01]))[0].status == "settled"
    assert convergence(result([0, 40]))[0].status == "fixed rounds"


def test_static_result():
    r = ModelResult("m", np.array([1.0, 2.0]))
    assert [c.status for c in convergence(r)] == ["static", "static"]
    assert [v.tolist() for v in cycle_values(r)] == [[1.0], [2.0]]


def test_consensus_names_the_actor_whose_start_it_is():
    rounds = np.array(
        [[[10.0, 70.0], [50.0, 20.0], [90.0, np.nan]], [[10.0, 70.0], [10.0, 70.0], [10.0, 70.0]]]
    )
    r = ModelResult("smp", rounds[-1, 0], rounds=rounds)
    assert consensus(r, ["russia", "iran", "usa"]) == (
        "every actor ends at russia's starting position on every issue"
    )
    rounds[-1, :, 0] = 30.0
    assert consensus(r, ["russia", "iran", "usa"]) == (
        "every actor ends at one common position on every issue"
    )
    rounds[-1, 2, 0] = 35.0
    assert consensus(r, ["russia", "iran", "usa"]) is None


def test_most_actors_at_the_forecast_is_said_too():
    first = np.array([[10.0], [20.0], [30.0], [40.0], [90.0]])
    last = np.array([[40.0], [40.0], [40.0], [40.0], [90.0]])
    r = ModelResult("smp", np.array([40.0]), rounds=np.stack([first, last]))
    assert consensus(r, ["a", "b", "c", "d", "e"]) == (
        "4 of 5 actors (a, b, c, d) end at the forecast on every issue they hold a stance on"
    )
    last[2, 0] = 70.0
    last[3, 0] = 60.0  # only two left together: not said
    assert (
        consensus(
            ModelResult("smp", np.array([40.0]), rounds=np.stack([first, last])),
            ["a", "b", "c", "d", "e"],
        )
        is None
    )


def test_eum_on_astana_kurdish_autonomy_cycles_between_55_and_13_98():
    # The issue report (issue 12): the EUM alternates between 55.0 and 13.98 on
    # kurdish_autonomy in rounds 5-10 of syria-astana-2017.
    s = detente.load("syria-astana-2017")
    r = detente.run_model(s, "eum")
    k = s.issue_ids.index("kurdish_autonomy")
    c = convergence(r, s.to_arrays().span)[k]
    assert c.status == "cycle" and c.flagged
    assert sorted({round(v, 2) for v in c.values}) == [13.98, 55.0]
    assert "14.0 and 55.0" in c.text
    assert c.since <= 5


@pytest.mark.parametrize("name", ["syria-astana-2017", "syria-geneva-2018"])
def test_settled_means_the_last_rounds_agree(name):
    s = detente.load(name)
    for model in ("eum", "smp"):
        r = detente.run_model(s, model)
        for k, c in enumerate(convergence(r, s.to_arrays().span)):
            if c.status == "settled":
                assert abs(c.values[0] - r.forecast[k]) < 1e-9


def test_a_long_group_is_named_by_its_first_six_and_its_count():
    # 8 of 9 actors collapse onto 50; the ninth stays at 0
    n = 9
    start = np.linspace(0, 100, n)[:, None]
    end = np.full((n, 1), 50.0)
    end[0, 0] = 0.0
    res = ModelResult(model="m", forecast=np.array([50.0]), rounds=np.stack([start, end]))
    text = consensus(res, tuple(f"a{i}" for i in range(n)), np.array([100.0]))
    assert text.startswith("8 of 9 actors (a1, a2, a3, a4, a5, a6 and 2 more)")
