"""The headline ensemble: its parts against independent computations, and its properties."""

from __future__ import annotations

import numpy as np
import pytest

from detente.validation.ensemble import (
    EnsembleData,
    combine_no_agreement,
    fit,
    fit_logistic,
    lad_simplex_weights,
    nested_cv,
    predict,
    score,
    weighted_quantiles,
)


def synthetic(n_groups: int = 40, per: int = 3, seed: int = 0) -> EnsembleData:
    """Outcomes near member 0, a second member that is noise; a status quo that holds on
    some issues."""
    rng = np.random.default_rng(seed)
    n = n_groups * per
    truth = rng.uniform(0.1, 0.9, n)
    f0 = np.clip(truth + rng.normal(0, 0.08, n), 0, 1)
    f1 = rng.uniform(0, 1, n)
    q = rng.uniform(0, 1, n)
    holds = rng.random(n) < 0.2
    y = np.where(holds, q, truth)
    q = np.where(rng.random(n) < 0.2, np.nan, q)
    return EnsembleData(
        members=("good", "noise"),
        forecasts=np.column_stack([f0, f1]),
        outcome=y,
        status_quo=q,
        core=holds.astype(float) * (rng.random(n) < 0.8),
        tol=np.full(n, 0.01),
        groups=np.repeat(np.arange(n_groups), per),
    )


def test_weighted_quantiles_equal_numpys_inverted_cdf():
    rng = np.random.default_rng(1)
    v = rng.normal(size=201)
    got = weighted_quantiles(v, np.ones_like(v), [0.1, 0.5, 0.9])
    want = np.quantile(v, [0.1, 0.5, 0.9], method="inverted_cdf")
    assert got == pytest.approx(want)


def test_lad_weights_find_the_exact_member():
    rng = np.random.default_rng(2)
    y = rng.uniform(size=30)
    f = np.column_stack([rng.uniform(size=30), y, rng.uniform(size=30)])
    assert lad_simplex_weights(f, y) == pytest.approx([0.0, 1.0, 0.0], abs=1e-9)


def test_logistic_matches_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 2))
    y = (rng.random(200) < 1 / (1 + np.exp(-(0.5 + x @ [1.5, -1.0])))).astype(float)
    ours = fit_logistic(x, y, C=0.7)
    sk = LogisticRegression(C=0.7, tol=1e-10, max_iter=10_000).fit(x, y)
    assert ours == pytest.approx([sk.intercept_[0], *sk.coef_[0]], abs=1e-4)


def test_atoms_put_exactly_p_at_the_status_quo():
    data = synthetic()
    ens = fit(data)
    v, w, p = ens.atoms(data.forecasts, data.status_quo, data.core, data.tol)
    assert w.sum(axis=1) == pytest.approx(np.ones(data.n))
    hq = np.isfinite(data.status_quo)
    near = np.abs(v - np.nan_to_num(data.status_quo)[:, None]) <= data.tol[:, None] + 1e-12
    assert (w * near).sum(axis=1)[hq] == pytest.approx(p[hq])
    assert np.isnan(p[~hq]).all() and (w[~hq, -1] == 0).all()
    # a forum that may end with nothing: P(sq) = P(none) + (1 - P(none)) P(sq | agreement)
    _, w2, p2 = ens.atoms(data.forecasts, data.status_quo, data.core, data.tol, 0.3)
    assert p2[hq] == pytest.approx(0.3 + 0.7 * p[hq])
    assert (w2 * near).sum(axis=1)[hq] == pytest.approx(p2[hq])
    assert float(combine_no_agreement(0.0, 0.25)) == 0.25


def test_crps_of_one_atom_is_the_absolute_error():
    data = synthetic()
    ens = fit(data)
    pr = predict(ens, data.take(np.arange(5)))
    pr.values = pr.values[:, :1] * 0 + 0.3
    pr.weights = np.ones((5, 1))
    assert score(pr)["crps"] == pytest.approx(100 * np.abs(0.3 - pr.outcome).mean())


def test_fit_prefers_the_informative_member_and_is_calibrated_out_of_fold():
    data = synthetic(n_groups=60)
    ens = fit(data)
    assert ens.weights[0] > ens.weights[1]
    pred, members, _ = nested_cv(data, 10)
    sc = score(pred)
    assert 0.7 <= sc["coverage80"] <= 0.9
    assert sc["crps"] < score(members["noise"])["crps"]
    assert sc["brier"] < sc["brier_base"]


def test_out_of_fold_predictions_ignore_their_own_outcomes():
    """Nested: changing the outcomes of one proposal leaves its own predictions unchanged."""
    data = synthetic()
    pred, _, _ = nested_cv(data, 5)
    g = data.groups == 7
    y2 = data.outcome.copy()
    y2[g] = 1.0 - y2[g]
    changed = EnsembleData(
        data.members, data.forecasts, y2, data.status_quo, data.core, data.tol, data.groups
    )
    pred2, _, _ = nested_cv(changed, 5)
    assert pred2.values[g] == pytest.approx(pred.values[g])
    assert pred2.weights[g] == pytest.approx(pred.weights[g])
