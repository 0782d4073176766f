"""Generic checks every registered model must pass, as scikit-learn's
``parametrize_with_checks`` runs its estimator checks: each check is parametrised over the
registry, so a newly registered model is checked without a line of test code.

- the registry entry: a title, a description, valid declarations, picklable parameters;
- results: a :class:`ModelResult` of the declared shape, forecasts within the positions' range,
  rounds exactly when the model declares itself dynamic, inputs left untouched;
- the batched form equals the single run draw by draw, bit for bit (with generators for
  stochastic models), on complete scenarios and on scenarios with missing stances, under the
  default parameters and under every value of every choice parameter (a draw the single run
  refuses, the batch refuses with the same error);
- invariances: relabelling (reordering) the actors and scaling every capability by a constant
  leave the forecast unchanged;
- bad parameters (an unknown name, an invalid value of each field) raise ParameterError;
- the same seed gives the same result.
"""

from __future__ import annotations

import inspect
import pickle
import re

import numpy as np
import pytest

from detente.errors import DetenteError, ParameterError
from detente.models import ModelResult, available_models, get_model
from detente.scenario.arrays import DrawBatch, ScenarioArrays

MODELS = available_models()


def _arrays(seed=0, n=7, d=2, missing=False):
    """A random scenario; saliences of each actor add up to at most 100 (as the SMP needs);
    with ``missing``, some actors have no stance on some issues."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 100, (n, d)).round(2)
    sal = rng.uniform(10, 100 / d, (n, d)).round(2)
    if missing:
        gone = rng.random((n, d)) < 0.25
        gone[:3] = False  # every issue keeps some stances
        pos[gone] = np.nan
        sal[gone] = np.nan
    return ScenarioArrays.from_arrays(
        rng.uniform(0.5, 5, n).round(3),
        pos,
        sal,
        actors=[f"a{i}" for i in range(n)],
        issues=[f"i{k}" for k in range(d)],
        status_quo=rng.uniform(0, 100, d).round(2),
    )


def _applies(name, arrays):
    why = get_model(name).not_applicable(arrays)
    if why is not None:
        pytest.skip(f"{name} does not apply: {why}")


def _run(name, arrays, seed=1):
    spec = get_model(name)
    _applies(name, arrays)
    rng = np.random.default_rng(seed) if spec.stochastic else None
    return spec(arrays, spec.params(), rng)


def _batch(base: ScenarioArrays, nb: int, seed: int) -> DrawBatch:
    """``nb`` draws of ``base``'s numbers (same stances), the first one ``base`` itself."""
    rng = np.random.default_rng(seed)
    draws = [base]
    for _ in range(nb - 1):
        draws.append(
            base.with_numbers(
                capability=base.capability * rng.uniform(0.5, 1.5, base.n_actors),
                position=np.clip(base.position + rng.normal(0, 8, base.position.shape), 0, 100),
                salience=base.salience * rng.uniform(0.6, 1.0, base.salience.shape),
            )
        )
    return DrawBatch.stack(draws)


@pytest.fixture(params=MODELS)
def model(request):
    return request.param


# -- the registry entry ------------------------------------------------------------------


def test_registry_entry(model):
    spec = get_model(model)
    assert spec.name == model and spec.title and spec.description
    assert spec.scope in ("issue", "proposal")
    params = spec.params()
    assert pickle.loads(pickle.dumps(params)) == params
    assert spec.params(**params.model_dump()) == params
    assert list(inspect.signature(spec.run).parameters)[:3] == ["arrays", "params", "rng"]
    if spec.batched is not None:
        assert len(inspect.signature(spec.batched).parameters) == 3  # batch, params, rngs
    for preset in spec.presets:
        assert isinstance(spec.make_params(preset=preset), spec.params)


def test_applicable_says_why_not(model):
    spec = get_model(model)
    assert spec.not_applicable(_arrays()) is None or isinstance(spec.not_applicable(_arrays()), str)
    if spec.applicable is not None:
        # the run refuses, with an error of the family, what ``applicable`` turns down
        one_actor = ScenarioArrays.from_arrays([1.0], [[50.0]], [[50.0]])
        why = spec.not_applicable(one_actor)
        if why is not None:
            with pytest.raises(DetenteError):
                spec(one_actor)


# -- results -----------------------------------------------------------------------------


@pytest.mark.parametrize("missing", [False, True])
def test_result_shape_and_range(model, missing):
    arrays = _arrays(missing=missing)
    res = _run(model, arrays)
    assert isinstance(res, ModelResult) and res.model == model
    assert res.forecast.shape == (arrays.n_issues,)
    lo, hi = np.nanmin(arrays.position, axis=0), np.nanmax(arrays.position, axis=0)
    assert np.all(res.forecast >= lo - 1e-6) and np.all(res.forecast <= hi + 1e-6)
    if get_model(model).dynamic:
        assert res.rounds is not None and res.rounds.shape[1:] == arrays.position.shape
        np.testing.assert_allclose(res.rounds[0], arrays.position)
    else:
        assert res.rounds is None and res.n_rounds == 0


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


# -- batched equals single ---------------------------------------------------------------


@pytest.mark.parametrize("missing", [False, True])
def test_batched_equals_single_runs(model, missing):
    spec = get_model(model)
    base = _arrays(11, n=6, d=3, missing=missing)
    _applies(model, base)
    batch = _batch(base, 9, seed=12)
    params = spec.params()
    seeds = range(20, 29)
    rngs = [np.random.default_rng(s) for s in seeds] if spec.stochastic else None
    got = spec.forecast_batch(batch, params, rngs)
    assert got.shape == (len(batch), base.n_issues)
    for b, seed in enumerate(seeds):
        rng = np.random.default_rng(seed) if spec.stochastic else None
        np.testing.assert_array_equal(got[b], spec(batch.arrays(b), params, rng).forecast)
    # a batch of one is the single run
    np.testing.assert_array_equal(
        spec.forecast_batch(base.as_batch(), params, None if rngs is None else [None])[0],
        spec(base, params).forecast,
    )


# -- invariances -------------------------------------------------------------------------


def test_relabelling_actors_does_not_change_the_forecast(model):
    arrays = _arrays(5)
    perm = np.random.default_rng(6).permutation(arrays.n_actors)
    moved = ScenarioArrays.from_arrays(
        arrays.capability[perm],
        arrays.position[perm],
        100 * arrays.salience[perm],
        actors=[arrays.actors[i] for i in perm],
        issues=arrays.issues,
        status_quo=arrays.status_quo,
    )
    np.testing.assert_allclose(
        _run(model, moved).forecast, _run(model, arrays).forecast, rtol=0, atol=1e-6
    )


def test_scaling_capabilities_does_not_change_the_forecast(model):
    arrays = _arrays(7)
    scaled = arrays.with_numbers(capability=7.3 * arrays.capability)
    np.testing.assert_allclose(
        _run(model, scaled).forecast, _run(model, arrays).forecast, rtol=0, atol=1e-6
    )


# -- bad parameters ----------------------------------------------------------------------


def test_unknown_parameter_is_rejected(model):
    with pytest.raises(ParameterError, match="no_such_parameter"):
        get_model(model).make_params({"no_such_parameter": "1"})


def test_invalid_parameter_values_are_rejected(model):
    spec = get_model(model)
    for field in spec.params.model_fields:
        with pytest.raises(ParameterError, match=field):
            spec.make_params({field: "not-a-value"})


def test_another_models_parameters_are_rejected(model):
    from detente.models import ModelParams, NoParams

    class Other(ModelParams):
        pass

    spec = get_model(model)
    wrong = Other() if spec.params is NoParams else NoParams()
    with pytest.raises(ParameterError, match=spec.params.__name__):
        spec(_arrays(), wrong)
    with pytest.raises(ParameterError):
        spec.forecast_batch(_arrays().as_batch(), wrong)


def _option_values():
    """``(model, {field: value})`` for every value of every choice (``Literal``) field of every
    model's parameters other than its default."""
    import typing

    out = []
    for name in MODELS:
        fields = get_model(name).params.model_fields
        for field, info in fields.items():
            args = typing.get_args(info.annotation)
            if typing.get_origin(info.annotation) is typing.Literal:
                out += [(name, {field: v}) for v in args if v != info.default]
    return out


@pytest.mark.parametrize("model,values", _option_values(), ids=str)
def test_batched_equals_single_runs_for_every_option(model, values):
    spec = get_model(model)
    base = _arrays(13, n=5, d=2, missing=True)
    _applies(model, base)
    batch = _batch(base, 4, seed=14)
    params = spec.params(**values)
    rngs = [np.random.default_rng(s) for s in range(4)] if spec.stochastic else None
    try:
        want = [
            spec(batch.arrays(b), params, np.random.default_rng(b) if rngs else None).forecast
            for b in range(len(batch))
        ]
    except DetenteError as exc:  # refused under this option: the batch refuses alike
        with pytest.raises(type(exc), match=re.escape(str(exc))):
            spec.forecast_batch(batch, params, rngs)
        return
    np.testing.assert_array_equal(spec.forecast_batch(batch, params, rngs), np.stack(want))


# -- the built-in list: which module registers which model ----------------------------------


def test_builtin_list_names_every_model_and_its_module():
    """Every model a built-in module registers is in BUILTIN, with that module (so the lazy
    import of :func:`get_model` finds it), and nothing else is."""
    from detente.models.base import BUILTIN

    registered = {
        name: get_model(name).run.__module__
        for name in MODELS
        if get_model(name).run.__module__.startswith("detente.models.")
    }
    assert set(registered) == set(BUILTIN)
    for name, module in registered.items():
        parts = module.split(".")
        assert parts[2] == BUILTIN[name], (name, module)
    assert MODELS[: len(BUILTIN)] == list(BUILTIN)


def test_get_model_imports_only_the_module_it_needs():
    """Asking for one model imports its module and not the others'; listing imports all."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from detente.models import get_model, available_models\n"
        "get_model('smp')\n"
        "print(sorted(m for m in sys.modules if m.startswith('detente.models.')"
        " and m.count('.') == 2))\n"
        "available_models()\n"
        "print('detente.models.eum' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "['detente.models.base', 'detente.models.smp']"
    assert out[1] == "True"
