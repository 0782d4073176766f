"""The DEU III development half against the reference figures of its README.

The figures (mean absolute error over the 164 scorable issues) come with the data set, from
an independent computation; they are asserted to within 0.05.
"""

from __future__ import annotations

import numpy as np
import pytest
from shared_data import shared_path

from detente.models import get_model
from detente.validation import error_summary, load_deu, run_model

README_MAE = {
    "unweighted_mean": 22.81,
    "salience_mean": 23.17,
    "size_salience_mean": 23.01,
    "salience_median": 26.47,
}
N_ISSUES = 164


@pytest.fixture(scope="module")
def dev_path():
    return shared_path("data", "deu3", "deu3_dev.tsv")


@pytest.fixture(scope="module")
def dev_size(dev_path):
    return load_deu(dev_path, "size")


def _mae(ds, model, **params):
    spec = get_model(model)
    run = run_model(ds, model, spec.params(**params))
    stats = error_summary(run.forecast, ds.outcomes)
    assert stats["n"] == N_ISSUES
    return stats["mae"]


def test_scorable_issues_and_proposals(dev_size):
    assert dev_size.n_cases == N_ISSUES
    assert all(c.arrays.n_actors >= 3 for c in dev_size.cases)
    # 68 proposals in the half; grouping keeps each proposal's issues together
    assert len({c.group for c in dev_size.cases}) == len(dev_size.groups) <= 68
    assert sum(len(g.scored) for g in dev_size.groups) == N_ISSUES


def test_unweighted_mean(dev_size):
    assert _mae(dev_size, "mean_voter") == pytest.approx(README_MAE["unweighted_mean"], abs=0.05)
    assert _mae(dev_size, "compromise", weights="equal") == pytest.approx(
        README_MAE["unweighted_mean"], abs=0.05
    )


def test_salience_weighted_mean(dev_size, dev_path):
    assert _mae(dev_size, "compromise", weights="salience") == pytest.approx(
        README_MAE["salience_mean"], abs=0.05
    )
    # the same through the capability choice: equal capability x salience
    assert _mae(load_deu(dev_path, "equal"), "compromise") == pytest.approx(
        README_MAE["salience_mean"], abs=0.05
    )


def test_size_times_salience_weighted_mean(dev_size):
    assert _mae(dev_size, "compromise") == pytest.approx(README_MAE["size_salience_mean"], abs=0.05)


def test_salience_weighted_median_lower_convention(dev_size):
    """The README's median is the lowest position at which the cumulative salience reaches
    half the total; computed here independently of the models from the loaded cases."""
    errors = []
    for case in dev_size.cases:
        x = case.arrays.position[:, 0]
        w = case.arrays.salience[:, 0]
        order = np.argsort(x, kind="stable")
        cum = np.cumsum(w[order])
        med = x[order][np.searchsorted(cum, cum[-1] / 2 - 1e-12)]
        errors.append(abs(med - case.outcome))
    assert np.mean(errors) == pytest.approx(README_MAE["salience_median"], abs=0.05)


def test_weighted_median_model_with_lower_ties(dev_size):
    assert _mae(dev_size, "weighted_median", weights="salience", tie="lower") == pytest.approx(
        README_MAE["salience_median"], abs=0.05
    )
