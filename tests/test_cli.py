"""The command line: outputs, formats, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

import detente
from detente.cli import main


def cli(capsys, *args):
    with pytest.raises(SystemExit) as info:
        main(list(args))
    captured = capsys.readouterr()
    return info.value.code or 0, captured.out, captured.err


def test_forecast_default_scenario_table(capsys):
    code, out, err = cli(capsys, "forecast", "--draws", "40")
    assert code == 0, err
    s = detente.load()
    for iss in s.issues:
        assert iss.label.split()[0] in out  # (rich may fold a long label over lines)
        assert iss.scale.low_label.split()[0] in out  # the scale is explained
    assert "80% interval" in out and "no change" in out and "Monte Carlo" in out


def test_forecast_models_table(capsys):
    code, out, err = cli(capsys, "forecast", "--models", "all")
    assert code == 0, err
    for m in ("compromise", "mean_voter", "weighted_median", "nash"):
        assert m in out


def test_forecast_csv_and_json_agree_with_api(capsys):
    code, out, _ = cli(capsys, "forecast", "--format", "csv", "-m", "compromise", "--no-baselines")
    assert code == 0
    import io

    df = pd.read_csv(io.StringIO(out))
    api = detente.model_forecasts(detente.load(), ["compromise"])
    assert list(df["forecast"].round(9)) == list(api["forecast"].round(9))
    code, out, _ = cli(capsys, "forecast", "--format", "json", "-m", "nash")
    data = json.loads(out)
    assert data["scenario"] == "syria-astana-2017"
    assert {r["model"] for r in data["forecasts"]} == {"nash"}  # -m shows the model named
    code, out, _ = cli(capsys, "forecast", "-f", "json", "-m", "nash", "--baselines")
    assert {r["model"] for r in json.loads(out)["forecasts"]} >= {"compromise", "nash"}


def test_forecast_headline_csv_and_json_agree_with_api(capsys):
    code, out, err = cli(capsys, "forecast", "-f", "csv", "--draws", "40", "--seed", "3")
    assert code == 0, err
    import io

    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns[:5]) == ["issue", "forecast", "q10", "q90", "p_status_quo"]
    want = detente.forecast(detente.load(), draws=40, seed=3)
    assert df["forecast"].round(9).tolist() == want["forecast"].round(9).tolist()
    assert df["p_status_quo"].round(9).tolist() == want["p_status_quo"].round(9).tolist()
    code, out, _ = cli(capsys, "forecast", "-f", "json", "--draws", "40", "--seed", "3")
    data = json.loads(out)
    assert [r["q90"] for r in data["headline"]] == pytest.approx(want["q90"].tolist())


def test_scenarios_and_show(capsys):
    code, out, _ = cli(capsys, "scenarios")
    assert code == 0 and "syria-astana-2017" in out and "syria-geneva-2018" in out
    code, out, _ = cli(capsys, "show", "syria-geneva-2018")
    assert code == 0 and "Russia" in out and "Sources" not in out  # evidence only if asked
    assert len(out.splitlines()) < 120
    code, out, _ = cli(capsys, "show", "syria-geneva-2018", "--evidence")
    assert code == 0 and "Russia" in out and "Sources" in out


def test_convert_and_validate(tmp_path, capsys):
    target = tmp_path / "astana.csv"
    code, _, err = cli(capsys, "convert", "syria-astana-2017", str(target))
    assert code == 0, err
    code, out, _ = cli(capsys, "validate-scenario", str(target))
    assert code == 0 and "valid" in out
    back = detente.load(str(target))
    assert back.actor_ids == detente.load().actor_ids


@pytest.mark.parametrize(
    "args, needle",
    [
        (["forecast", "no-such-scenario"], "no-such-scenario"),
        (["forecast", "--model", "bogus"], "bogus"),
        (["forecast", "--format", "xml"], "--format"),
        (["forecast", "--draws", "3"], "--draws"),
        (["forecast", "--no-agreement", "1.5"], "--no-agreement"),
        (["forecast", "-m", "nash", "-p", "utility=cubic"], "utility"),
        (["forecast", "-m", "nash", "-p", "nope=1"], "nope"),
        (["convert", "syria-astana-2017", "out.xyz"], "extension"),
    ],
)
def test_errors_are_one_line_exit_2(capsys, tmp_path, monkeypatch, args, needle):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, *args)
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], err
    assert "Traceback" not in err


def test_validate_scenario_lists_every_problem(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "actor,issue,capability,position,salience\na,x,-1,10,50\nb,x,1,200,50\nc,x,1,10,500\n"
    )
    code, _, err = cli(capsys, "validate-scenario", str(bad))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 4  # three problems and the count
    assert f"{bad}:2" in lines[0] and f"{bad}:3" in err and f"{bad}:4" in err


def test_console_script_runs():
    # the installed entry point, as a user runs it
    proc = subprocess.run(
        [sys.executable, "-m", "detente.cli", "forecast", "-f", "csv"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("issue,forecast,q10,q90,p_status_quo,issue_name")


def test_simulate_writes_history_from_round_zero(tmp_path, capsys):
    from shared_data import shared_path

    src = shared_path("parity", "eum", "emission_standards.csv")
    hist = tmp_path / "h.csv"
    code, out, err = cli(
        capsys,
        "simulate",
        str(src),
        "--model",
        "eum",
        "--rounds",
        "5",
        "--param",
        "q=1",
        "--history",
        str(hist),
    )
    assert code == 0, err
    df = pd.read_csv(hist)
    assert list(df.columns[:4]) == ["round", "actor", "issue", "position"]
    assert sorted(df["round"].unique()) == [0, 1, 2, 3, 4, 5]
    inp = pd.read_csv(src).set_index("actor")["position"]
    r0 = df[df["round"] == 0].set_index("actor")["position"]
    assert (r0.sort_index() == inp.sort_index()).all()
    assert "median" in out


def test_simulate_refuses_static_model(capsys):
    code, _, err = cli(capsys, "simulate", "--model", "compromise")
    assert code == 2 and "static" in err


def test_library_errors_speak_of_parameters_and_the_cli_of_its_options(tmp_path, capsys):
    # The library names the parameter (what Python and web users pass); the CLI maps it to
    # its option.
    from detente.errors import ParameterError
    from detente.run.sweep import run_sweep
    from detente.scenario import load

    with pytest.raises(ParameterError) as err:
        run_sweep(load("syria-astana-2017"), tmp_path / "s", runs=0)
    assert str(err.value) == "runs must be at least 1, got 0" and err.value.param == "runs"
    with pytest.raises(ParameterError) as err:
        run_sweep(load("syria-astana-2017"), tmp_path / "s", runs=5, chunk_size=0)
    assert str(err.value).startswith("chunk_size must be at least 1")
    for argv, want in (
        (["sweep", "-n", "0", "--out", str(tmp_path / "a")], "--runs must be at least 1, got 0"),
        (
            ["sweep", "-n", "5", "--chunk-size", "0", "--out", str(tmp_path / "b")],
            "--chunk-size must be at least 1, got 0",
        ),
    ):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2
        err_text = capsys.readouterr().err
        assert err_text.strip() == f"detente: error: {want}"


def test_forecast_models_all_skips_models_that_cannot_run(capsys, tmp_path):
    f = tmp_path / "nosq.yaml"
    f.write_text(
        "id: nosq\nactors: [{id: a, capability: 3}, {id: b, capability: 2}, {id: c, capability: 1}]\n"
        "issues: [{id: x}]\nstances:\n"
        "  - {actor: a, issue: x, position: 80, salience: 60}\n"
        "  - {actor: b, issue: x, position: 50, salience: 50}\n"
        "  - {actor: c, issue: x, position: 10, salience: 40}\n"
    )
    code, out, err = cli(capsys, "forecast", str(f), "--models", "all")
    assert code == 0, err
    assert "Veto players does not run here" in out
    # said plainly when the EUM's actors all end at a's starting position (read from its run)
    import numpy as np

    r = detente.run_model(detente.load(str(f)), "eum")
    collapsed = bool(np.allclose(r.rounds[-1][:, 0], r.rounds[0][0, 0]))
    assert ("every actor ends at a's starting position" in out) == collapsed
