"""Distribution scores of ``detente validate`` and the shipped headline values."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest
from shared_data import shared_path

from detente.validation.dataset import load_dataset
from detente.validation.distributions import distribution_frames, score_distributions
from detente.validation.headline_fit import dumps, refit, shipped
from detente.validation.runner import run_models

HEADER = "prnr\tisnr\tpcom\tpep\tpde\tpfr\tscom\tsep\tsde\tsfr\trp\tout\n"
SIZE = "\t\t4.1\t4.1\t4.1\t2.8\t\t\t\t\t\t\n"
ROWS = [
    "p1\tp1i1\t100\t0\t50\t50\t50\t50\t50\t50\t0\t60\n",
    "p1\tp1i2\t0\t100\t100\t0\t80\t20\t40\t10\t\t100\n",
    "p2\tp2i1\t0\t100\t50\t50\t50\t50\t20\t90\t0\t40\n",
    "p3\tp3i1\t20\t100\t0\t50\t50\t50\t30\t30\t0\t10\n",
]


def test_other_files_are_scored_with_the_shipped_residuals(tmp_path):
    f = tmp_path / "deu.tsv"
    f.write_text(HEADER + SIZE + "".join(ROWS))
    ds = load_dataset(f)
    runs = run_models(ds, ["compromise"])
    scored = score_distributions(ds, runs, str(f))
    assert scored.regime == "shipped"
    res, pred = distribution_frames(ds, scored, ["compromise"])
    # the compromise's CRPS by the kernel formula, from the shipped residuals (0..100 scale)
    r = np.array(shipped()["model_residuals"]["compromise"]) * 100
    want = []
    for fc, y in zip(runs[0].forecast, ds.outcomes):
        x = np.clip(fc + r, 0, 100)
        want.append(np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean())
    got = res.set_index("model").loc["compromise", "crps"]
    assert got == pytest.approx(np.mean(want), rel=1e-9)
    comp = pred[pred["model"] == "compromise"]
    assert comp["forecast"].tolist() == pytest.approx(runs[0].forecast.tolist())
    assert (comp["q10"] <= comp["forecast"] + 1e-9).all()
    head = pred[pred["model"] == "forecast"]
    assert ((head["q10"] <= head["forecast"]) & (head["forecast"] <= head["q90"])).all()
    # the issue without a status quo has no chance of "no change"
    assert np.isnan(head.set_index("issue").loc["p1i2", "p_status_quo"])


@pytest.fixture(scope="module")
def dev_refit():
    path = shared_path("data", "deu3", "deu3_dev.tsv")
    return path, *refit(path)


def test_refit_gives_the_shipped_file_byte_for_byte(dev_refit):
    _, values, _ = dev_refit
    text = resources.files("detente").joinpath("data", "headline.json").read_text("utf-8")
    assert dumps(values) == text
    assert json.loads(text)["fitted_on"]["issues"] == 164


def test_what_the_headline_must_show_on_the_development_half(dev_refit):
    """Issue 12: nested cross-validated on the DEU III development half, the headline's CRPS
    is below the compromise's, its 80% intervals cover 75-85% of outcomes, its MAE is no
    worse than the compromise's and its p_status_quo beats the base rate's Brier score."""
    _, _, info = dev_refit
    head, comp = info["scores"]["ensemble"], info["scores"]["compromise"]
    assert head["crps"] < comp["crps"]  # the compromise with its residual spread
    assert 0.75 <= head["coverage80"] <= 0.85
    assert head["mae"] <= comp["mae"]
    assert head["brier"] < head["brier_base"]


def test_validate_on_the_development_half_is_the_nested_cross_validation(dev_refit):
    """``detente validate`` recognises the development half and reports the fit script's
    nested scores in its ``forecast`` row."""
    path, values, _ = dev_refit
    ds = load_dataset(path)
    runs = run_models(ds, ["compromise"])
    scored = score_distributions(ds, runs, str(path))
    assert scored.regime == "nested-cv"
    res, _ = distribution_frames(ds, scored, ["compromise"])
    head = res.set_index("model").loc["forecast"]
    want = values["nested_cv"]["scores"]["ensemble"]
    assert head["crps"] == pytest.approx(want["crps"], abs=1e-5)
    assert head["coverage80"] == pytest.approx(want["coverage80"], abs=1e-5)
    assert head["brier"] == pytest.approx(want["brier"], abs=1e-5)
