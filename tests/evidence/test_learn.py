"""The learned part of the extractor: the shipped models, their training and honest scoring."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from shared_data import shared_path

from detente.evidence.evaluate import evaluate_gold
from detente.evidence.gold import read_gold
from detente.evidence.learn import LinearModel, default_models
from detente.evidence.train import (
    _folds,
    examples_from_gold,
    fit_models,
    gold_roles,
    is_untouched,
)

DEV = ("data", "plover", "plover_gsr_dev.json")


@pytest.fixture(scope="module")
def dev_examples():
    return examples_from_gold(read_gold(shared_path(*DEV)))


def test_untouched_rule_is_the_documented_hash():
    # SHA-256 of the id, read as an integer, divisible by 5 (computed here independently).
    for rid in ("PLOVER-GSR01-AGREE-0001", "x", "PLOVER-GSR01-FIGHT-0014", "r17"):
        expected = int.from_bytes(hashlib.sha256(rid.encode()).digest(), "big") % 5 == 0
        assert is_untouched(rid) == expected
    recs = read_gold(shared_path(*DEV))
    share = sum(is_untouched(r.id) for r in recs) / len(recs)
    assert 0.1 < share < 0.3  # about a fifth


def test_linear_model_matches_scikit_learn_and_survives_json():
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    rows = [{f"f{j}": 1.0 for j in rng.choice(8, 3, replace=False)} for _ in range(60)]
    y = [("A", "B", "C")[int(r.get("f1", 0) + r.get("f2", 0) * 2) % 3] for r in rows]
    vec = DictVectorizer()
    clf = LogisticRegression(C=1.0, max_iter=1000).fit(vec.fit_transform(rows), y)
    ours = LinearModel.from_dict(
        json.loads(json.dumps(LinearModel.from_sklearn(vec, clf).to_dict(digits=10)))
    )
    ref = clf.predict_proba(vec.transform(rows))
    np.testing.assert_allclose(ours.predict_proba(rows), ref, atol=1e-8)
    assert ours.classes == ["A", "B", "C"]


def test_training_is_deterministic(dev_examples):
    part = dev_examples[:60]
    a = fit_models(part, 0.3, 0.1, 5.0).to_dict()
    b = fit_models(part, 0.3, 0.1, 5.0).to_dict()
    assert a == b


def test_cv_folds_are_grouped_and_disjoint(dev_examples):
    texts = [ex.record.text for ex in dev_examples]
    for train, test in _folds(dev_examples, 5, 7):
        assert not set(train) & set(test)
        assert len(train) + len(test) == len(dev_examples)
        # records sharing a sentence never straddle the split
        assert not {texts[i] for i in train} & {texts[i] for i in test}


def test_gold_roles_follow_the_markup(dev_examples):
    # Every mention overlapping a SRC span of a record's markup is labelled SOURCE.
    for ex in dev_examples[:40]:
        labels = gold_roles(ex.record, ex.sentence.mentions)
        assert len(labels) == len(ex.sentence.mentions)
        assert set(labels) <= {"SOURCE", "TARGET", "NONE"}


def test_shipped_model_is_small_and_carries_its_cv():
    from importlib import resources

    size = resources.files("detente.evidence").joinpath("data", "event_model.json")
    assert len(size.read_bytes()) < 300_000
    meta = default_models().meta
    cv = meta["cv"]
    for k in ("event_accuracy", "triple_f1"):
        lo, hi = cv[k + "_ci"]
        assert lo <= cv[k] <= hi
        assert 0.0 < lo < hi < 1.0
    assert cv["n_records"] == len(meta["text_sha256"])


def test_extract_eval_flags_in_sample_scores():
    m = evaluate_gold(shared_path(*DEV))
    assert m["in_sample_records"] == m["n_records"] == 170
    from detente.evidence.commands import format_eval

    lines = format_eval(m)
    assert "IN-SAMPLE" in lines[0]
    assert any("cross-validation" in ln for ln in lines)


def test_extract_eval_on_new_records_is_out_of_sample(tmp_path):
    recs = [
        {
            "id": "w1",
            "text": "Ankara threatened to cut diplomatic ties with Tehran.",
            "event": "THREATEN",
            "source": [{"code": "TUR"}],
            "target": [{"code": "IRN"}],
        },
        {
            "id": "w2",
            "text": "Jordanian police arrested three Syrian activists in Amman.",
            "event": "COERCE",
            "source": [{"code": "JOR"}],
            "target": [{"code": "SYR"}],
        },
    ]
    p = tmp_path / "gold.json"
    p.write_text(json.dumps(recs), encoding="utf-8")
    m = evaluate_gold(p)
    assert m["in_sample_records"] == 0
    assert m["event_accuracy"] == 1.0 and m["triple_f1"] == 1.0
    from detente.evidence.commands import format_eval

    assert "out-of-sample" in format_eval(m)[0]


def test_event_confidence_is_a_probability():
    from detente.evidence import extract

    e = next(x for x in extract("Turkey shot down a Russian warplane.").events if x.main)
    assert 0.0 < e.confidence <= 1.0


def test_empty_sentences_have_no_event():
    from detente.evidence.gold import predict_records

    assert predict_records([""])[0]["event"] is None


def test_group_decoding_keeps_one_group_per_side(dev_examples):
    """Reading roles by group keeps, on each side, a subset of what reading by mention keeps,
    made of mentions of equal probability (one co-ordinated group, or exact ties)."""
    from detente.evidence.learn import (
        assign_roles,
        choose_main,
        rank_candidates,
        role_probabilities,
    )

    role = default_models().role
    k_src, k_tgt = role.classes.index("SOURCE"), role.classes.index("TARGET")
    pruned = 0
    for ex in dev_examples[:80]:
        s = ex.sentence
        _, pred = choose_main(s, ex.record.event, rank_candidates(s))
        src_m, tgt_m, _ = assign_roles(s, pred, ex.record.event, role, "mention")
        src_g, tgt_g, _ = assign_roles(s, pred, ex.record.event, role, "group")
        assert {id(m) for m in src_g} <= {id(m) for m in src_m}
        assert {id(m) for m in tgt_g} <= {id(m) for m in tgt_m}
        assert bool(src_g) == bool(src_m) and bool(tgt_g) == bool(tgt_m)
        probs = role_probabilities(s, pred, ex.record.event, role)
        index = {id(m): k for k, m in enumerate(s.mentions)}
        for side, col in ((src_g, k_src), (tgt_g, k_tgt)):
            p = [probs[index[id(m)], col] for m in side]
            assert not p or np.allclose(p, p[0])
        pruned += len(src_m) + len(tgt_m) - len(src_g) - len(tgt_g)
    assert pruned > 0  # the rule does something on real sentences
    with pytest.raises(ValueError, match="decoding"):
        assign_roles(s, pred, ex.record.event, role, "sentence")
