"""The hostile-input corpus: every case ends in a one-line error naming the file (and line),
exit code 2, within a memory and a time bound, and leaves the output file untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import CASES, GOOD

HERE = Path(__file__).resolve().parent
#: Each case's bound (the alarm in runner.py is 10 s; the work takes milliseconds).
MAX_SECONDS = 3.0
SENTINEL = "written before: must survive\n"


def _materialise(case, folder: Path) -> Path:
    p = folder / case.name
    if case.kind == "fifo":
        os.mkfifo(p)
    elif case.kind == "dir":
        p.mkdir()
    elif isinstance(case.content, bytes):
        p.write_bytes(case.content)
    else:
        p.write_text(case.content, encoding="utf-8")
    return p


def _run_all(argvs: list[list[str]]) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, str(HERE / "runner.py")],
        input=json.dumps(argvs),
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    argvs, outs = [], []
    for case in CASES:
        path = _materialise(case, folder)
        out = folder / f"out-{case.name}.yaml"
        out.write_text(SENTINEL)
        outs.append(out)
        argvs.append(["convert", str(path), str(out), *case.args])
    return {c.name: (r, out) for c, r, out in zip(CASES, _run_all(argvs), outs, strict=True)}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_is_refused_in_one_line(case, results):
    res, out = results[case.name]
    lines = res["stderr"].strip().splitlines()
    assert res["code"] == 2, res
    assert len(lines) == 1 and lines[0].startswith("detente: error: "), res["stderr"]
    msg = lines[0]
    assert case.name in msg, msg  # names the file
    if case.line is not None:
        assert f"{case.name}:{case.line}:" in msg, msg
    for w in case.words:
        assert w in msg, msg
    assert res["seconds"] < MAX_SECONDS, (case.name, res["seconds"])
    assert out.read_text() == SENTINEL  # nothing already written is touched


def test_the_corpus_is_checked_against_a_good_file(tmp_path):
    """The harness itself: a good file converts (exit 0) within the same bounds."""
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    (res,) = _run_all([["convert", str(good), str(tmp_path / "out.csv"), "-q"]])
    assert res["code"] == 0 and res["stderr"] == "", res
    assert (tmp_path / "out.csv").read_text().startswith("actor,issue,capability")


def test_the_bounds_hold_a_runaway_case(tmp_path):
    """The memory bound is real: expanding the alias bomb (what the old line-number walk and
    any JSON or dump of the data do) runs out of memory under the bound instead of taking
    the machine."""
    from corpus import alias_bomb

    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb())
    code = (
        "import json, sys, yaml\n"
        "json.dumps(yaml.safe_load(open(sys.argv[1]).read()))\n"
        "print('built')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", _bounded(code), str(bomb)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # PyYAML's own safe_load builds the bomb: under the bound it runs out of memory.
    assert proc.returncode != 0 and "built" not in proc.stdout


def _bounded(code: str) -> str:
    return (
        "import resource\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 28, 1 << 28))\n"
        "import signal; signal.alarm(60)\n" + code
    )


def test_report_with_a_malformed_validation_file_writes_nothing(tmp_path):
    bad = tmp_path / "validation.csv"
    bad.write_text("colour,size\nred,3\n")
    report = tmp_path / "report.html"
    argv = ["report", "syria-astana-2017", "--out", str(report), "--validation", str(bad)]
    bad_numbers = tmp_path / "predictions.csv"
    bad_numbers.write_text("model,issue,outcome,forecast\neum,x,50,lots\neum,y,1,2\n")
    argv2 = ["report", "syria-astana-2017", "--out", str(report), "--validation", str(bad_numbers)]
    r1, r2 = _run_all([argv, argv2])
    for res, words in (
        (r1, ("not a validation table", "'model'")),
        (r2, ("'forecast'", "numbers")),
    ):
        assert res["code"] == 2, res
        lines = res["stderr"].strip().splitlines()
        assert len(lines) == 1 and all(w in lines[0] for w in words), res["stderr"]
    assert not report.exists()


def test_read_only_targets_are_kept_unless_forced(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    target = tmp_path / "out.yaml"
    target.write_text(SENTINEL)
    target.chmod(0o440)
    r1, r2 = _run_all(
        [["convert", str(good), str(target)], ["convert", str(good), str(target), "--force"]]
    )
    assert r1["code"] == 2 and "read-only" in r1["stderr"] and str(target) in r1["stderr"]
    assert ".tmp" not in r1["stderr"]
    assert r2["code"] == 0, r2
    assert "actors:" in target.read_text()
    assert oct(target.stat().st_mode & 0o777) == oct(0o440)  # the mode is kept


def test_hostile_sweep_folders_are_refused_in_one_line(tmp_path):
    deep = tmp_path / "deep"
    deep.mkdir()
    (deep / "manifest.json").write_text("[" * 3000 + "]" * 3000)
    listed = tmp_path / "listed"
    listed.mkdir()
    (listed / "manifest.json").write_text("[1, 2]")
    report = tmp_path / "r.html"
    r1, r2, r3 = _run_all(
        [
            ["report", "syria-astana-2017", "--out", str(report), "--sweep", str(deep)],
            ["report", "syria-astana-2017", "--out", str(report), "--sweep", str(listed)],
            ["sweep", "syria-astana-2017", "--runs", "10", "--out", str(listed)],
        ]
    )
    for res in (r1, r2, r3):
        lines = res["stderr"].strip().splitlines()
        assert res["code"] == 2 and len(lines) == 1, res
        assert "manifest" in lines[0] and "manifest.json" in lines[0], lines[0]
    assert not report.exists()
