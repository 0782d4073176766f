"""``detente validate`` through a typer app holding only it."""

from __future__ import annotations

import csv

import pytest
import typer
from typer.testing import CliRunner

from detente.errors import DetenteError
from detente.validation.commands import add_commands

HEADER = "prnr\tisnr\tpcom\tpep\tpde\tpfr\tscom\tsep\tsde\tsfr\trp\tout\n"
SIZE = "\t\t4.1\t4.1\t4.1\t2.8\t\t\t\t\t\t\n"
ROWS = [
    "p1\tp1i1\t100\t0\t50\t50\t50\t50\t50\t50\t0\t60\n",
    "p1\tp1i2\t0\t100\t100\t0\t80\t20\t40\t10\t\t100\n",
    "p2\tp2i1\t0\t100\t50\t50\t50\t50\t20\t90\t0\t40\n",
    "p3\tp3i1\t20\t100\t0\t50\t50\t50\t30\t30\t0\t10\n",
]


@pytest.fixture
def app():
    a = typer.Typer()
    add_commands(a)

    @a.command("noop")
    def noop() -> None:  # a second command so that "validate" is a subcommand
        pass

    return a


@pytest.fixture
def table(tmp_path):
    f = tmp_path / "deu.tsv"
    f.write_text(HEADER + SIZE + "".join(ROWS))
    return f


def test_validate_writes_summary_predictions_and_plot(app, table, tmp_path):
    out, preds, png = tmp_path / "s.csv", tmp_path / "p.csv", tmp_path / "e.png"
    res = CliRunner().invoke(
        app,
        [
            "validate",
            str(table),
            "-m",
            "mean_voter",
            "-m",
            "exchange",
            "-m",
            "condorcet",
            "--out",
            str(out),
            "--predictions",
            str(preds),
            "--plot",
            str(png),
            "--boot",
            "200",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "4 scorable issues in 3 proposals" in res.output and "size row" in res.output
    rows = list(csv.DictReader(out.open()))
    assert [r["model"] for r in rows] == [
        "forecast",
        "compromise",
        "mean_voter",
        "exchange",
        "condorcet",
    ]
    assert {"crps", "coverage80", "brier"} <= set(rows[0])
    rows = rows[1:]
    assert {"model", "n", "mae"} <= set(rows[0])
    assert all(r["n"] == "4" for r in rows)
    # mean voter on p1i1: mean(100, 0, 50, 50) = 50 against 60 -> error 10 (and so on)
    expected = [abs(50 - 60), abs(50 - 100), abs(50 - 40), abs(42.5 - 10)]
    assert float(rows[1]["mae"]) == pytest.approx(sum(expected) / 4)
    pred = list(csv.DictReader(preds.open()))
    assert len(pred) == 20
    assert [*pred[0]][:8] == [
        "issue",
        "model",
        "forecast",
        "q10",
        "q90",
        "p_status_quo",
        "outcome",
        "status_quo",
    ]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_validate_params_and_errors(app, table, tmp_path):
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "validate",
            str(table),
            "-m",
            "condorcet",
            "-p",
            "condorcet.estimate=mode",
            "--boot",
            "200",
        ],
    )
    assert res.exit_code == 0, res.output
    for args in (
        ["-m", "no_such_model"],
        ["-p", "bogus=1", "-m", "condorcet"],
        ["-p", "estimate=mode"],
        ["--bootstrap-by", "nation"],
        ["--capability", "gdp"],
        ["--plot", str(tmp_path / "x.jpg")],
        ["--out", str(tmp_path / "nowhere" / "s.csv")],
    ):
        res = runner.invoke(app, ["validate", str(table), *args])
        # the CLI entry point turns DetenteError into one line and exit code 2
        assert isinstance(res.exception, DetenteError), (args, res.output)
    assert not (tmp_path / "x.jpg").exists()
