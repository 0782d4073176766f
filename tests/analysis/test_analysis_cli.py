"""``detente alliances`` and ``detente pivotal``: outputs, files and one-line errors."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from analysis_helpers import triangle

from detente.analysis.commands import add_commands
from detente.cli import app, main
from detente.scenario.io import dump_yaml


@pytest.fixture(scope="module", autouse=True)
def _commands():
    add_commands(app)


@pytest.fixture
def scenario_file(tmp_path):
    f = tmp_path / "tri.yaml"
    f.write_text(dump_yaml(triangle()), encoding="utf-8")
    return f


def cli(capsys, *args):
    with pytest.raises(SystemExit) as info:
        main(list(args))
    captured = capsys.readouterr()
    return info.value.code or 0, captured.out, captured.err


def test_add_commands_is_idempotent():
    add_commands(app)
    add_commands(app)
    names = [c.name for c in app.registered_commands]
    assert names.count("alliances") == 1 and names.count("pivotal") == 1


def test_alliances_table(capsys, scenario_file):
    code, out, err = cli(
        capsys,
        "alliances",
        str(scenario_file),
        "-m",
        "compromise",
        "--group",
        "g=x,y",
        "--settle",
        "x=c",
    )
    assert code == 0, err
    for text in (
        "a – b",
        "a – c",
        "concentration",
        "[g]",
        "Coalitions: Compromise",
        "Aim reached: x settled at c's position (90)",
        "Forecasts after",
    ):
        assert text in out


def test_alliances_json_and_csv(capsys, scenario_file, tmp_path):
    code, out, err = cli(
        capsys,
        "alliances",
        str(scenario_file),
        "-m",
        "weighted_median",
        "--format",
        "json",
        "--settle",
        "y=remove",
        "--settle",
        "z=0",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["scenario"] == "triangle" and len(data["pairs"]) == 3
    assert data["coalitions"]["model"] == "weighted_median"
    assert [s["label"] for s in data["shocks"]] == ["y removed", "z settled at 0"]
    assert "sqrt" in data["definitions"]["weight"]
    target = tmp_path / "pairs.csv"
    code, out, err = cli(
        capsys,
        "alliances",
        str(scenario_file),
        "-m",
        "compromise",
        "--format",
        "csv",
        "--out",
        str(target),
        "--actors",
        "a,b",
        "--settle",
        "x=b",
    )
    assert code == 0, err
    assert out == ""  # csv went to the file
    df = pd.read_csv(target)
    assert df[["actor_a", "actor_b"]].values.tolist() == [["a", "b"]]
    assert {"alignment", "concentration", "align:x"} <= set(df.columns)
    assert any(c.startswith("after:x settled at b") for c in df.columns)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--settle", "x"], "--settle takes ISSUE=ACTOR"),
        (["--settle", "q=a"], "unknown issue 'q'"),
        (["--settle", "x=zed"], "neither an actor"),
        (["--group", "g=x,nope"], "unknown issue(s) nope"),
        (["--actors", "a,zz"], "unknown actor(s) zz"),
        (["--format", "xml"], "--format must be one of"),
        (["--weighting", "odd"], "--weighting must be one of"),
        (["-m", "nosuchmodel"], "unknown model"),
    ],
)
def test_alliances_errors_are_one_line(capsys, scenario_file, args, words):
    code, _, err = cli(capsys, "alliances", str(scenario_file), *args)
    assert code == 2
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


def test_what_if_option(capsys, scenario_file, tmp_path):
    patch = tmp_path / "p.yaml"
    patch.write_text("join:\n  - {actors: [a, b], as: ab}\n", encoding="utf-8")
    code, out, err = cli(
        capsys,
        "alliances",
        str(scenario_file),
        "-m",
        "compromise",
        "--what-if",
        str(patch),
        "--format",
        "json",
    )
    assert code == 0, err
    pairs = json.loads(out)["pairs"]
    assert {(p["actor_a"], p["actor_b"]) for p in pairs} == {("ab", "c")}
    bad = tmp_path / "bad.yaml"
    bad.write_text("join:\n  - {actors: [a, q]}\n", encoding="utf-8")
    code, out, err = cli(capsys, "pivotal", str(scenario_file), "--what-if", str(bad))
    assert code == 2
    assert err.startswith(f"detente: error: {bad}:2:") and "no such actor" in err


def test_pivotal_table_and_csv(capsys, scenario_file, tmp_path):
    code, out, err = cli(capsys, "pivotal", str(scenario_file), "-m", "compromise", "--step", "5")
    assert code == 0, err
    assert "Pivotal actors on triangle" in out and "--full" in out  # the ranked summary
    code, out, err = cli(
        capsys, "pivotal", str(scenario_file), "-m", "compromise", "--step", "5", "--full"
    )
    assert code == 0, err
    assert "Pivotal actors: Compromise" in out and "removed %" in out
    code, out, err = cli(
        capsys, "pivotal", str(scenario_file), "-m", "compromise", "--format", "csv", "--no-ranges"
    )
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out))
    assert set(df["change"]) == {"removed", "+10", "-10"}
    target = tmp_path / "piv.json"
    code, out, err = cli(capsys, "pivotal", str(scenario_file), "-m", "nash", "--out", str(target))
    assert code == 0, err
    data = json.loads(target.read_text())
    assert [r["rank"] for r in data["ranking"]] == [1, 2, 3]


def test_forecast_what_if_once_wired(capsys, scenario_file, tmp_path):
    """``detente forecast --what-if`` (wired by the CLI) forecasts the patched scenario."""
    import inspect

    from detente import cli as cli_module
    from detente.analysis.whatif import apply_patch, load_patch
    from detente.api import model_forecasts as forecast

    if "what_if" not in inspect.signature(cli_module.forecast).parameters:
        pytest.skip("detente forecast has no --what-if option yet")
    patch = tmp_path / "p.yaml"
    patch.write_text("set: [{actor: a, issue: x, position: 60}]\n", encoding="utf-8")
    code, out, err = cli(
        capsys,
        "forecast",
        str(scenario_file),
        "-m",
        "compromise",
        "--no-baselines",
        "--format",
        "csv",
        "--what-if",
        str(patch),
    )
    assert code == 0, err
    got = pd.read_csv(io.StringIO(out))
    want = forecast(apply_patch(triangle(), load_patch(patch)), ["compromise"])
    assert got["forecast"].round(9).tolist() == want["forecast"].round(9).tolist()
    assert (
        got["forecast"].round(9).tolist()
        != forecast(triangle(), ["compromise"])["forecast"].round(9).tolist()
    )
