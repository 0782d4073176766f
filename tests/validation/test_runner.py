"""How validation runs models: issue and proposal scope, models that decline, the summary."""

from __future__ import annotations

import numpy as np
import pytest

from detente.errors import DetenteError
from detente.models.base import ModelResult, ModelSpec, NoParams
from detente.scenario.arrays import ScenarioArrays
from detente.validation import runner
from detente.validation.dataset import _assemble


def _dataset():
    a = ScenarioArrays.from_arrays(
        [1, 1, 1],
        [[0, 10], [50, 20], [100, 30]],
        [[50, 50], [50, 50], [50, 50]],
        actors=["a", "b", "c"],
        issues=["p1i1", "p1i2"],
    )
    b = ScenarioArrays.from_arrays(
        [1, 1, 1, 1],
        [0, 0, 100, 100],
        [10, 20, 30, 40],
        actors=["a", "b", "c", "d"],
        issues=["p2i1"],
    )
    return _assemble(
        "toy", {"p1": [(a, {"p1i1": 40.0, "p1i2": 25.0})], "p2": [(b, 60.0)]}, "scenario"
    )


def _spec(fn, **declared):
    return ModelSpec(name=fn.__name__, params=NoParams, run=fn, title=fn.__name__, **declared)


def test_issue_scope_sees_one_issue_and_its_actors(monkeypatch):
    seen = []

    def first_position(arrays, params, rng):
        seen.append((arrays.issues, arrays.actors))
        return ModelResult(model="x", forecast=arrays.position[0].copy())

    monkeypatch.setattr(runner, "get_model", lambda name: _spec(first_position))
    ds = _dataset()
    run = runner.run_model(ds, "first_position")
    assert seen == [
        (("p1i1",), ("a", "b", "c")),
        (("p1i2",), ("a", "b", "c")),
        (("p2i1",), ("a", "b", "c", "d")),
    ]
    assert run.forecast.tolist() == [0.0, 10.0, 0.0] and run.skipped is None


def test_proposal_scope_sees_all_issues_of_a_proposal(monkeypatch):
    seen = []

    def issue_count(arrays, params, rng):
        seen.append(arrays.issues)
        return ModelResult(model="x", forecast=np.full(arrays.n_issues, float(arrays.n_issues)))

    monkeypatch.setattr(runner, "get_model", lambda name: _spec(issue_count, scope="proposal"))
    run = runner.run_model(_dataset(), "issue_count")
    assert seen == [("p1i1", "p1i2"), ("p2i1",)]
    assert run.forecast.tolist() == [2.0, 2.0, 1.0]


def test_models_that_decline(monkeypatch):
    def picky(arrays, params, rng):
        if arrays.n_actors > 3:
            raise DetenteError("too many actors")
        return ModelResult(model="x", forecast=np.zeros(arrays.n_issues))

    def never(arrays, params, rng):  # pragma: no cover - declined before running
        raise AssertionError("should not run")

    specs = {
        "picky": _spec(picky),
        "never": _spec(never, applicable=lambda a: "needs a budget"),
    }
    monkeypatch.setattr(runner, "get_model", lambda name: specs[name])
    ds = _dataset()
    p = runner.run_model(ds, "picky")
    assert np.isnan(p.forecast[2]) and p.failures == {"p2i1": "too many actors"}
    assert p.skipped is None
    n = runner.run_model(ds, "never")
    assert n.skipped == "needs a budget" and np.isnan(n.forecast).all()
    table = runner.summary_frame(
        ds, [runner.ModelRun("compromise", np.array([40.0, 25, 50]), 0), p, n], n_boot=200
    )
    rows = table.set_index("model")
    assert rows.loc["picky", "n"] == 2 and "1 issue(s) not forecast" in rows.loc["picky", "note"]
    assert rows.loc["never", "note"] == "skipped: needs a budget"
    # compromise errors 0, 0, 10; picky 40, 25 on the two issues it forecast
    assert rows.loc["compromise", "mae"] == pytest.approx(10 / 3)
    assert rows.loc["picky", "mae"] == pytest.approx(32.5)
    assert rows.loc["picky", "diff"] == pytest.approx(32.5)


def test_predictions_frame_rows():
    ds = _dataset()
    runs = [runner.ModelRun("m", np.array([30.0, 25.0, np.nan]), 0.0)]
    df = runner.predictions_frame(ds, runs)
    assert df["issue"].tolist() == ["p1i1", "p1i2", "p2i1"]
    assert df["group"].tolist() == ["p1", "p1", "p2"]
    assert df["abs_error"].tolist()[:2] == [10.0, 0.0] and np.isnan(df["abs_error"].iloc[2])
