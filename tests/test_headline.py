"""The headline forecast of a scenario: properties, reproducibility, the no-agreement rule."""

from __future__ import annotations

import numpy as np
import pytest

import detente
from detente import api
from detente.headline import headline, headline_frame, interval_chart
from detente.scenario import build_scenario


def scenario(must_decide: bool | None):
    issue = {
        "id": "x",
        "scale": {"low": 0, "high": 10, "low_label": "none", "high_label": "all"},
        "status_quo": {"value": 2, "range": [1, 3]},
    }
    if must_decide is not None:
        issue["decision"] = {
            "rule": "consensus",
            "veto_players": ["a", "b"],
            "must_decide": must_decide,
        }
    return build_scenario(
        {
            "id": "t",
            "actors": [
                {"id": "a", "capability": {"value": 3, "range": [2, 4]}},
                {"id": "b", "capability": 2},
                {"id": "c", "capability": 1},
            ],
            "issues": [issue],
            "stances": [
                {
                    "actor": "a",
                    "issue": "x",
                    "position": {"value": 8, "range": [7, 9]},
                    "salience": 60,
                },
                {"actor": "b", "issue": "x", "position": 6, "salience": 50},
                {"actor": "c", "issue": "x", "position": 1, "salience": 40},
            ],
        }
    )


def test_frame_is_ordered_and_within_the_scale():
    df = headline_frame(detente.load("syria-geneva-2018"), draws=60)
    assert list(df["issue"]) == list(detente.load("syria-geneva-2018").issue_ids)
    assert (df["q10"] <= df["forecast"]).all() and (df["forecast"] <= df["q90"]).all()
    assert (df["low"] <= df["q10"]).all() and (df["q90"] <= df["high"]).all()
    assert df["p_status_quo"].between(0, 1).all()
    assert (df[["se_forecast", "se_q10", "se_q90", "se_p_status_quo"]] >= 0).all().all()


def test_same_seed_same_figures_other_seed_other_draws():
    s = detente.load("syria-astana-2017")
    a = headline_frame(s, draws=40, seed=5)
    b = headline_frame(s, draws=40, seed=5)
    c = headline_frame(s, draws=40, seed=6)
    assert a.equals(b)
    assert not np.allclose(a["q90"], c["q90"]) or not np.allclose(a["q10"], c["q10"])


def test_no_agreement_combines_with_the_chance_given_agreement():
    must = headline_frame(scenario(True), draws=40).iloc[0]
    may = headline_frame(scenario(False), draws=40, no_agreement=0.3).iloc[0]
    assert must["p_no_agreement"] == 0.0 and may["p_no_agreement"] == 0.3
    assert may["p_status_quo"] == pytest.approx(0.3 + 0.7 * must["p_status_quo"])
    certain = headline_frame(scenario(False), draws=40, no_agreement=1.0).iloc[0]
    assert certain["p_status_quo"] == pytest.approx(1.0)
    # all the mass at the drawn status quo, which stays within its range
    assert 1.0 <= certain["q10"] <= certain["q90"] <= 3.0
    assert "consensus of a, b" in must["rule"]


def test_the_forecast_if_they_agree_is_the_headline_without_the_prior():
    cols = ["forecast", "q10", "q90", "p_status_quo"]
    agreed = [c + "_if_agreement" for c in cols]
    may = headline_frame(scenario(False), draws=40, no_agreement=0.3).iloc[0]
    none = headline_frame(scenario(False), draws=40, no_agreement=0.0).iloc[0]
    must = headline_frame(scenario(True), draws=40).iloc[0]
    # the same draws with no mass for "no agreement", whatever the prior
    assert list(may[agreed]) == list(none[cols]) == list(none[agreed])
    # where the forum must decide the headline is the forecast given agreement
    assert list(must[agreed]) == list(must[cols])
    # and the prior only adds to the chance that nothing changes
    assert may["p_status_quo"] == pytest.approx(0.3 + 0.7 * may["p_status_quo_if_agreement"])


def test_the_command_line_shows_the_forecast_if_they_agree(capsys, tmp_path):
    from detente.cli import main
    from detente.scenario.io import write_scenario

    path = tmp_path / "t.yaml"
    write_scenario(scenario(False), path)
    with pytest.raises(SystemExit) as done:
        main(["forecast", str(path), "--draws", "40"])
    assert done.value.code == 0
    row = headline_frame(scenario(False), draws=40).iloc[0]
    assert f"if they agree: {row['forecast_if_agreement']:.1f}" in capsys.readouterr().out


def test_a_cycling_member_is_flagged_and_its_cycle_used():
    h = headline(detente.load("syria-astana-2017"), draws=30)
    row = h.frame.set_index("issue").loc["kurdish_autonomy"]
    assert "eum cycles between 14.0 and 55.0" in row["flags"]
    assert h.convergence["eum"][detente.load().issue_ids.index("kurdish_autonomy")].flagged


def test_bad_arguments():
    from detente.errors import ParameterError

    with pytest.raises(ParameterError, match="draws"):
        headline_frame(scenario(True), draws=3)
    with pytest.raises(ParameterError, match="no_agreement"):
        headline_frame(scenario(True), draws=20, no_agreement=2.0)


def test_interval_chart_draws_every_issue(tmp_path):
    df = headline_frame(detente.load("syria-astana-2017"), draws=30)
    fig = interval_chart(df, title="t")
    ax = fig.axes[0]
    labels = [" ".join(t.get_text().replace(" [!]", "").split()) for t in ax.get_yticklabels()]
    assert labels == list(df["issue_name"])
    flagged = [t.get_text().endswith("[!]") for t in ax.get_yticklabels()]
    assert flagged == list(df["flags"] != "")
    fig.savefig(tmp_path / "c.png")
    assert (tmp_path / "c.png").stat().st_size > 1000


def test_api_forecast_is_the_headline():
    s = detente.load("syria-astana-2017")
    assert detente.forecast(s, draws=30, seed=2).equals(headline_frame(s, draws=30, seed=2))


def test_the_same_figures_for_any_number_of_workers():
    s = detente.load("syria-geneva-2018")
    one = headline_frame(s, draws=300, seed=4)
    two = headline_frame(s, draws=300, seed=4, workers=2)
    assert one.equals(two)


def test_a_member_that_cannot_run_is_left_out_with_a_note(monkeypatch):
    """A member that declares itself not applicable leaves the ensemble (weights
    renormalised) and the headline says so."""
    import dataclasses

    from detente.models import base, get_model

    spec = dataclasses.replace(get_model("eum"), applicable=lambda arrays: "not here")
    monkeypatch.setitem(base._REGISTRY, "eum", spec)
    h = headline(scenario(True), draws=20)
    assert "eum" not in h.members and abs(sum(h.members.values()) - 1.0) < 1e-12
    assert any("eum" in n for n in h.notes)
    assert np.isfinite(h.frame["forecast"]).all()


def test_model_runs_given_by_the_caller_give_the_same_headline():
    """The report and the page pass the runs they already made; the figures do not change."""
    s = detente.load("syria-geneva-2018")
    runs = api.run_models(s, seed=3)
    assert headline_frame(s, draws=40, seed=3, results=runs).equals(
        headline_frame(s, draws=40, seed=3)
    )
