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
    code, out, err = cli(capsys, "forecast")
    assert code == 0, err
    s = detente.load()
    for iss in s.issues:
        assert iss.label in out
        assert iss.scale.low_label in out  # the scale is explained
    for m in ("compromise", "mean_voter", "weighted_median", "nash"):
        assert m in out


def test_forecast_csv_and_json_agree_with_api(capsys):
    code, out, _ = cli(capsys, "forecast", "--format", "csv", "-m", "compromise", "--no-baselines")
    assert code == 0
    import io

    df = pd.read_csv(io.StringIO(out))
    api = detente.forecast(detente.load(), ["compromise"])
    assert list(df["forecast"].round(9)) == list(api["forecast"].round(9))
    code, out, _ = cli(capsys, "forecast", "--format", "json")
    data = json.loads(out)
    assert data["scenario"] == "syria-astana-2017"
    assert {r["model"] for r in data["forecasts"]} >= {"compromise", "nash"}


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
    assert proc.stdout.startswith("issue,issue_name,model,forecast")


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
