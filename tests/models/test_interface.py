"""Generic checks every registered model must pass (in the manner of Axelrod's strategy tests).

New models are picked up automatically from the registry.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from detente.models import ModelResult, available_models, get_model
from detente.scenario.arrays import ScenarioArrays


def _arrays(seed=0, n=7, d=2):
    rng = np.random.default_rng(seed)
    return ScenarioArrays.from_arrays(
        rng.uniform(0.5, 5, n),
        rng.uniform(0, 100, (n, d)).round(2),
        rng.uniform(10, 100 / d, (n, d)).round(2),
        actors=[f"a{i}" for i in range(n)],
        issues=[f"i{k}" for k in range(d)],
        status_quo=rng.uniform(0, 100, d).round(2),
    )


def _run(name, arrays, seed=1):
    spec = get_model(name)
    why = spec.not_applicable(arrays)
    if why is not None:
        pytest.skip(f"{name} does not apply: {why}")
    rng = np.random.default_rng(seed) if spec.stochastic else None
    return spec(arrays, spec.params(), rng)


@pytest.fixture(params=available_models())
def model(request):
    return request.param


def test_registry_entry(model):
    spec = get_model(model)
    assert spec.name == model and spec.title and spec.description
    params = spec.params()
    assert pickle.loads(pickle.dumps(params)) == params
    assert spec.params(**params.model_dump()) == params


def test_result_shape_and_range(model):
    arrays = _arrays()
    res = _run(model, arrays)
    assert isinstance(res, ModelResult) and res.model == model
    assert res.forecast.shape == (arrays.n_issues,)
    lo, hi = arrays.position.min(axis=0), arrays.position.max(axis=0)
    assert np.all(res.forecast >= lo - 1e-6) and np.all(res.forecast <= hi + 1e-6)
    if get_model(model).dynamic:
        assert res.rounds is not None and res.rounds.shape[1:] == arrays.position.shape
        np.testing.assert_allclose(res.rounds[0], arrays.position)


def test_same_seed_same_result(model):
    arrays = _arrays(3)
    a, b = _run(model, arrays, seed=5), _run(model, arrays, seed=5)
    np.testing.assert_array_equal(a.forecast, b.forecast)
    if a.rounds is not None:
        np.testing.assert_array_equal(a.rounds, b.rounds)


def test_inputs_not_mutated(model):
    arrays = _arrays(4)
    before = {k: getattr(arrays, k).copy() for k in ("capability", "position", "salience")}
    _run(model, arrays)
    for k, v in before.items():
        np.testing.assert_array_equal(getattr(arrays, k), v)


def test_unknown_parameter_is_rejected(model):
    from detente.errors import ParameterError

    with pytest.raises(ParameterError, match="no_such_parameter"):
        get_model(model).make_params({"no_such_parameter": "1"})
