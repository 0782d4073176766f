"""The sweep and sensitivity commands, and a sweep killed outright then resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from detente.api import parse_model_params
from detente.errors import DetenteError, ParameterError
from detente.run.commands import add_commands
from detente.run.sweep import SweepError, read_parts, run_sweep
from detente.scenario import write_scenario


@pytest.fixture
def app():
    a = typer.Typer()
    add_commands(a)
    return a


@pytest.fixture
def toy_file(ranged, tmp_path):
    path = tmp_path / "toy.yaml"
    write_scenario(ranged, path)
    return path


def test_sweep_command_writes_and_resumes(app, toy_file, tmp_path):
    out = tmp_path / "sw"
    args = [
        "sweep",
        str(toy_file),
        "-n",
        "60",
        "--seed",
        "3",
        "-m",
        "compromise",
        "-m",
        "nash",
        "--out",
        str(out),
        "--chunk-size",
        "25",
        "--within",
        "5",
        "--sobol",
        "32",
        "--group",
        "kind",
        "--no-progress",
    ]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    for name in (
        "manifest.json",
        "summary.csv",
        "histogram.csv",
        "within.csv",
        "tornado.csv",
        "sobol.csv",
    ):
        assert (out / name).is_file(), name
    assert "3 chunk(s) computed" in r.output and "Compromise" in r.output
    forecasts, _ = read_parts(out)
    assert len(forecasts) == 60 * 2 * 2
    r2 = CliRunner().invoke(app, args)
    assert r2.exit_code == 0 and "0 chunk(s) computed, 3 reused" in r2.output
    r3 = CliRunner().invoke(app, [a if a != "60" else "61" for a in args])
    assert isinstance(r3.exception, SweepError)
    assert "runs: 60 there, 61 now" in str(r3.exception)


def test_sweep_command_params_and_errors(app, toy_file, tmp_path):
    r = CliRunner().invoke(
        app,
        [
            "sweep",
            str(toy_file),
            "-n",
            "10",
            "-m",
            "nash",
            "-p",
            "utility=linear",
            "--out",
            str(tmp_path / "a"),
            "--no-tornado",
        ],
    )
    assert r.exit_code == 0, r.output
    bad = [
        ["-m", "nash", "-p", "nash.colour=red"],
        ["--distribution", "normal"],
        ["--workers", "0"],
        ["--executor", "threads"],
        ["-m", "no_such_model"],
        ["-n", "0"],
        ["--seed", "-4"],
    ]
    for extra in bad:
        r = CliRunner().invoke(
            app, ["sweep", str(toy_file), "-n", "10", "--out", str(tmp_path / "b"), *extra]
        )
        assert isinstance(r.exception, DetenteError), (extra, r.output)


def test_sensitivity_command(app, toy_file, tmp_path):
    r = CliRunner().invoke(
        app,
        [
            "sensitivity",
            str(toy_file),
            "-m",
            "compromise",
            "--sobol",
            "64",
            "--out",
            str(tmp_path / "sens"),
        ],
    )
    assert r.exit_code == 0, r.output
    torn = pd.read_csv(tmp_path / "sens" / "tornado.csv")
    sob = pd.read_csv(tmp_path / "sens" / "sobol.csv")
    assert set(torn["model"]) == {"compromise"} and set(sob["group"]) >= {"a", "b"}
    assert "largest swing" in r.output and "Sobol" in r.output  # the ranked summary
    r = CliRunner().invoke(
        app,
        ["sensitivity", str(toy_file), "-m", "compromise", "--sobol", "64", "--full", "-q"],
    )
    assert r.exit_code == 0, r.output
    assert "Tornado" in r.output and "Sobol indices" in r.output


def test_add_commands_is_idempotent():
    a = typer.Typer()
    add_commands(a)
    add_commands(a)
    assert sorted(c.name for c in a.registered_commands) == ["sensitivity", "sweep"]


def test_parse_model_params():
    assert parse_model_params(["nash.utility=linear"], ["nash", "compromise"]) == {
        "nash": {"utility": "linear"}
    }
    with pytest.raises(ParameterError, match="say which model"):
        parse_model_params(["utility=linear"], ["nash", "compromise"])
    with pytest.raises(ParameterError, match="not among"):
        parse_model_params(["eum.q=1"], ["nash"])
    with pytest.raises(ParameterError, match="MODEL.NAME=VALUE"):
        parse_model_params(["nash"], ["nash"])


KILLED = """
import os, signal, sys
from detente.run.sweep import run_sweep
from detente.scenario import load

def die(i):
    if i == 2:
        os.kill(os.getpid(), signal.SIGKILL)

run_sweep(load(sys.argv[1]), sys.argv[2], runs=100, seed=9, chunk_size=20,
          models=["compromise", "weighted_median"], sensitivity=False, on_chunk=die)
"""


def test_killed_sweep_resumes_to_the_uninterrupted_result(ranged, toy_file, tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILLED), str(toy_file), str(out)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL
    done = sorted(p.name for p in (out / "forecasts").glob("part-*.parquet"))
    assert done == ["part-000000.parquet", "part-000001.parquet", "part-000002.parquet"]
    kw = {
        "runs": 100,
        "seed": 9,
        "chunk_size": 20,
        "models": ["compromise", "weighted_median"],
        "sensitivity": False,
    }
    res = run_sweep(ranged, out, **kw)
    assert (res.chunks_computed, res.chunks_reused) == (2, 3)
    run_sweep(ranged, tmp_path / "whole", **kw)
    a, va = read_parts(out)
    b, vb = read_parts(tmp_path / "whole")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert (va == vb).all()
    assert sorted(os.listdir(out / "forecasts")) == sorted(os.listdir(out / "inputs"))


def test_sweep_with_a_what_if_patch(app, toy_file, tmp_path):
    pytest.importorskip("detente.analysis.whatif")
    import json

    patch = tmp_path / "stronger_a.yaml"
    patch.write_text(
        "description: a doubles its capability\nset:\n"
        "  - {actor: a, capability: {value: 120, range: [100, 140]}}\n"
    )
    base = ["sweep", str(toy_file), "-n", "40", "-m", "compromise", "--no-tornado", "--no-progress"]
    r = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "plain")])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(
        app, [*base, "--out", str(tmp_path / "patched"), "--what-if", str(patch)]
    )
    assert r.exit_code == 0, r.output
    man = json.loads((tmp_path / "patched" / "manifest.json").read_text())
    assert len(man["patch_sha256"]) == 64
    plain, vp = read_parts(tmp_path / "plain")
    patched, vq = read_parts(tmp_path / "patched")
    j = man["inputs"].index("capability:a")
    assert (vq[:, j] >= 100).all() and (vp[:, j] <= 80).all()
    # a stronger "a" (position 90 on x) pulls the compromise on x up, on average
    x_plain = plain[plain.issue == "x"]["forecast"].to_numpy()
    x_patched = patched[patched.issue == "x"]["forecast"].to_numpy()
    assert x_patched.mean() > x_plain.mean()
    # resuming the patched sweep without the patch is refused
    r = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "patched")])
    assert isinstance(r.exception, SweepError) and "patch_sha256" in str(r.exception)


def test_errors_through_the_cli_are_one_line_exit_2(toy_file, tmp_path, capsys):
    from detente import cli

    add_commands(cli.app)  # what cli._add_area_commands does once wired (idempotent)
    out = tmp_path / "s"
    with pytest.raises(SystemExit) as info:
        cli.main(
            [
                "sweep",
                str(toy_file),
                "-n",
                "20",
                "-m",
                "compromise",
                "--out",
                str(out),
                "--no-progress",
            ]
        )
    assert (info.value.code or 0) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        cli.main(["sweep", str(toy_file), "-n", "30", "-m", "compromise", "--out", str(out)])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert err.startswith("detente: error: ") and "runs: 20 there, 30 now" in err
    assert len(err.strip().splitlines()) == 1
