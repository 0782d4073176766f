"""The extract and extract-eval commands (on a typer app of the test's own)."""

from __future__ import annotations

import csv
import io
import json

import pytest
import typer
from shared_data import shared_path
from typer.testing import CliRunner

from detente.evidence import EvidenceInputError
from detente.evidence.commands import add_commands

ARTICLE = (
    "<html><body><p>December 20, 2016</p><p>Russia, Iran and Turkey met in Moscow on "
    "Tuesday.</p><p>Iran rejected any Turkish military presence in Syria.</p>"
    "</body></html>"
)


@pytest.fixture(scope="module")
def app():
    a = typer.Typer()

    @a.callback()
    def _root() -> None:
        pass

    add_commands(a)
    return a


def test_extract_html_to_json_and_draft(app, tmp_path):
    art = tmp_path / "a.html"
    art.write_text(ARTICLE, encoding="utf-8")
    out, draft = tmp_path / "ev.json", tmp_path / "draft.yaml"
    r = CliRunner().invoke(
        app,
        [
            "extract",
            str(art),
            "--out",
            str(out),
            "--scenario",
            "syria-astana-2017",
            "--draft",
            str(draft),
        ],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    ev = data["articles"][0]
    assert ev["source"] == "a.html" and ev["date"] == "2016-12-20"
    meet = next(e for e in ev["events"] if e["event"] == "CONSULT")
    assert {s["actor"] for s in meet["source"]} == {"russia", "iran", "turkey"}
    assert meet["date"] == "2016-12-20"
    assert any(s["issue"] == "turkish_presence" and s["direction"] == -1 for s in ev["stances"])
    assert draft.exists() and "wrote draft" in r.output


def test_extract_csv(app, tmp_path):
    art = tmp_path / "a.txt"
    art.write_text("Turkey shot down a Russian warplane in November 2015.", encoding="utf-8")
    out = tmp_path / "ev.csv"
    r = CliRunner().invoke(app, ["extract", str(art), "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0]["event"] == "FIGHT" and rows[0]["source_code"] == "TUR"
    assert rows[0]["target_code"] == "RUS" and rows[0]["date"] == "2015-11"


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["extract", "missing.txt"], "no such article file"),
        (["extract", "{art}", "--draft", "d.yaml"], "needs --scenario"),
        (["extract", "{art}", "--out", "x.txt"], "must end in .json or .csv"),
        (["extract", "{art}", "--date", "20-01-2017"], "YYYY-MM-DD"),
    ],
)
def test_extract_errors(app, tmp_path, args, fragment):
    art = tmp_path / "a.txt"
    art.write_text("Russia met Turkey.", encoding="utf-8")
    args = [a.replace("{art}", str(art)) for a in args]
    r = CliRunner().invoke(app, args)
    assert isinstance(r.exception, EvidenceInputError)
    assert fragment in str(r.exception) and "\n" not in str(r.exception)


def test_extract_eval_writes_metrics(app, tmp_path):
    gold = shared_path("data", "plover", "plover_gsr_dev.json")
    out = tmp_path / "m.json"
    r = CliRunner().invoke(app, ["extract-eval", str(gold), "--out", str(out)])
    assert r.exit_code == 0, r.output
    m = json.loads(out.read_text(encoding="utf-8"))
    for k in ("event_accuracy", "source_f1", "target_f1", "triple_f1", "triple_tp"):
        assert k in m
    assert f"{m['event_accuracy']:.3f}" in r.output
    assert "IN-SAMPLE" in r.output and "cross-validation" in r.output


def test_extract_eval_cross_validates_the_given_file(app, tmp_path):
    # --cv N trains on folds of the file's own records and scores the rest; here 12 records
    # written for this test (two per category, so every fold holds both classes' kinds).
    texts = {
        "THREATEN": [
            "Ankara threatened to cut diplomatic ties with Tehran.",
            "Cairo threatened to expel the Libyan ambassador.",
        ],
        "COERCE": [
            "Jordanian police arrested three Syrian activists in Amman.",
            "Kenyan police detained two Ugandan journalists.",
        ],
        "FIGHT": [
            "Turkish jets shot down a Russian warplane near the border.",
            "Indian troops shelled Pakistani positions on Monday.",
        ],
        "DEMAND": [
            "Iran demanded that Turkey withdraw its troops.",
            "Egypt urged Israel to lift the blockade.",
        ],
        "SANCTION": [
            "Iraq expelled two Iranian diplomats.",
            "France imposed sanctions on Syria.",
        ],
        "AID": [
            "The Kremlin sent humanitarian aid to Armenia.",
            "Japan gave emergency aid to Nepal.",
        ],
    }
    recs = [{"id": "doc", "event": "DOCUMENT"}]
    for cat, items in texts.items():
        for k, t in enumerate(items):
            recs.append({"id": f"{cat}-{k}", "text": t, "event": cat, "source": [], "target": []})
    gold = tmp_path / "g.json"
    gold.write_text(json.dumps(recs), encoding="utf-8")
    out = tmp_path / "m.json"
    r = CliRunner().invoke(app, ["extract-eval", str(gold), "--cv", "1", "--out", str(out)])
    assert r.exit_code == 0, r.output
    m = json.loads(out.read_text(encoding="utf-8"))
    assert m["in_sample_records"] == 0 and "out-of-sample" in r.output
    fcv = m["cross_validated_file"]
    assert fcv["n_records"] == 12 and fcv["repeats"] == 1
    assert 0.0 <= fcv["event_accuracy"] <= 1.0
    assert "cross-validated on g.json itself" in r.output


def test_extract_eval_cv_on_too_few_sentences_names_the_file(app, tmp_path):
    gold = tmp_path / "tiny.json"
    rec = {"id": "a", "text": "Iraq expelled two Iranian diplomats.", "event": "SANCTION"}
    gold.write_text(json.dumps([rec]), encoding="utf-8")
    r = CliRunner().invoke(app, ["extract-eval", str(gold), "--cv", "1"])
    assert r.exit_code != 0
    assert "tiny.json" in str(r.exception) and "distinct sentences" in str(r.exception)
