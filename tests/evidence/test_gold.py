"""Scoring on PLOVER gold-standard records, and the scores the issue asks for on the dev half."""

from __future__ import annotations

import json

import pytest
from shared_data import shared_path

from detente.evidence import GoldFormatError, evaluate_gold, read_gold
from detente.evidence.gold import score_records


def _write(tmp_path, records):
    p = tmp_path / "gold.json"
    p.write_text(json.dumps([{"id": "doc", "event": "DOCUMENT"}] + records), encoding="utf-8")
    return p


def _rec(i, text, event, src, tgt, markup=""):
    return {
        "id": f"r{i}",
        "text": text,
        "event": event,
        "source": [{"actorText": c, "code": c} for c in src],
        "target": [{"actorText": c, "code": c} for c in tgt] if tgt else "",
        "textInfo": {"markup": markup},
    }


def test_read_gold_parses_sides_and_reciprocity(tmp_path):
    p = _write(
        tmp_path,
        [
            _rec(1, "a", "AGREE", ["USA", "JOR"], [], "(SRC/TAR: A) and (SRC/TAR: B)"),
            _rec(2, "b", "FIGHT", ["TUR"], ["RUS"]),
        ],
    )
    recs = read_gold(p)
    assert len(recs) == 2
    assert recs[0].reciprocal and recs[0].targets == frozenset()
    assert recs[0].triples() == {("USA", "AGREE", "JOR"), ("JOR", "AGREE", "USA")}
    assert recs[1].triples() == {("TUR", "FIGHT", "RUS")}


def test_scores_of_perfect_and_empty_predictions(tmp_path):
    recs = read_gold(
        _write(
            tmp_path,
            [
                _rec(1, "a", "FIGHT", ["TUR"], ["RUS"]),
                _rec(2, "b", "DEMAND", ["IRN"], ["USA", "GBR"]),
            ],
        )
    )
    perfect = [
        {
            "event": r.event,
            "sources": set(r.sources),
            "targets": set(r.targets),
            "reciprocal": False,
        }
        for r in recs
    ]
    m = score_records(recs, perfect)
    assert m["event_accuracy"] == 1.0 and m["triple_f1"] == 1.0
    assert m["source_f1"] == 1.0 and m["target_f1"] == 1.0 and m["triple_tp"] == 3
    empty = [{"event": None, "sources": set(), "targets": set(), "reciprocal": False} for _ in recs]
    m = score_records(recs, empty)
    assert m["event_accuracy"] == 0.0 and m["triple_f1"] == 0.0 and m["triple_fn"] == 3
    half = [
        perfect[0],
        {"event": "DEMAND", "sources": {"IRN"}, "targets": {"USA"}, "reciprocal": False},
    ]
    m = score_records(recs, half)
    assert m["triple_precision"] == 1.0 and m["triple_recall"] == pytest.approx(2 / 3)


def test_evaluate_gold_on_written_records(tmp_path):
    p = _write(
        tmp_path,
        [
            _rec(1, "Ankara threatened to cut ties with Tehran.", "THREATEN", ["TUR"], ["IRN"]),
            _rec(2, "Saudi police arrested two Yemeni activists.", "COERCE", ["SAU"], ["YEM"]),
        ],
    )
    m = evaluate_gold(p)
    assert m["n_records"] == 2 and m["event_accuracy"] == 1.0 and m["triple_f1"] == 1.0


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("{not json", "not valid JSON"),
        ('{"a": 1}', "expected a JSON array"),
        ('[{"id": "x", "event": "DOCUMENT"}]', "no gold records"),
        ('[{"id": "x"}]', "needs 'text' and 'event'"),
    ],
)
def test_bad_gold_files(tmp_path, content, fragment):
    p = tmp_path / "g.json"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(GoldFormatError) as exc:
        read_gold(p)
    assert fragment in str(exc.value) and str(p) in str(exc.value)


def test_dev_gold_meets_the_targets_of_the_issue():
    # Targets from issue 8: event accuracy >= 0.75, triple F1 >= 0.6 on the dev half.
    m = evaluate_gold(shared_path("data", "plover", "plover_gsr_dev.json"))
    assert m["n_records"] == 170
    assert m["event_accuracy"] >= 0.75
    assert m["triple_f1"] >= 0.6
    assert set(m["per_category"]) <= {
        "AGREE",
        "ASSAULT",
        "AID",
        "COERCE",
        "CONCEDE",
        "CONSULT",
        "COOPERATE",
        "DEMAND",
        "DISAPPROVE",
        "FIGHT",
        "INVESTIGATE",
        "MOBILIZE",
        "PROTEST",
        "REJECT",
        "RETREAT",
        "SANCTION",
        "SUPPORT",
        "THREATEN",
    }
