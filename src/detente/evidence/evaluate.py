"""Scoring the extractor on a gold-standard file, with the cross-validated figures that say
what to expect on new text (above :mod:`detente.evidence.gold` and
:mod:`detente.evidence.train`, which it uses both)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detente.evidence.actors import ActorDictionary, default_actors
from detente.evidence.errors import GoldFormatError
from detente.evidence.events import Lexicon
from detente.evidence.gold import (
    predict_records,
    read_gold,
    score_records,
    training_overlap,
)
from detente.evidence.learn import default_models
from detente.evidence.train import cross_validate, examples_from_gold


def evaluate_gold(
    path: str | Path,
    actors: ActorDictionary | None = None,
    lexicon: Lexicon | None = None,
    cv_repeats: int = 0,
) -> dict[str, Any]:
    """Score the extractor on a PLOVER gold-standard JSON file.

    Returns a dictionary with ``event_accuracy``, ``source_f1``, ``target_f1``, ``triple_f1``
    (and their precision, recall and counts), ``n_records`` and per-category accuracy, plus:

    - ``in_sample_records``: how many of the file's records the shipped models were trained
      on (when it is not 0, the scores on the file are in-sample and overstate what to expect
      on new text);
    - ``cross_validated``: the development records' scores under repeated grouped
      cross-validation, with 95 % intervals, stored with the shipped models when they were
      built (what to expect on new text);
    - ``cross_validated_file`` (with ``cv_repeats`` > 0): the same procedure run now on the
      file's own records (train on four fifths, score the rest, ``cv_repeats`` times).

    Examples
    --------
    >>> from detente.evidence.learn import default_models
    >>> sorted(default_models().meta["cv"])[:3]
    ['c_event', 'c_role', 'event_accuracy']
    """
    records = read_gold(path)
    actors = actors or default_actors()
    models = default_models()
    preds = predict_records([r.text for r in records], actors, lexicon)
    out = score_records(records, preds)
    out["gold_file"] = Path(path).name
    out["in_sample_records"] = training_overlap(records, models)
    out["model_trained_on"] = models.meta.get("trained_on")
    out["cross_validated"] = models.meta.get("cv")
    if cv_repeats > 0:
        cv_meta = models.meta.get("cv") or {}
        try:
            out["cross_validated_file"] = cross_validate(
                examples_from_gold(records, actors),
                float(models.meta.get("c_event", 1.0)),
                float(models.meta.get("c_role", 1.0)),
                float(models.meta.get("lexicon_weight", 1.0)),
                n_folds=int(cv_meta.get("n_folds", 5)),
                repeats=cv_repeats,
                role_decoding=str(models.meta.get("role_decoding", "mention")),
            )
        except GoldFormatError as exc:
            raise GoldFormatError(f"{path}: {exc}") from exc
    return out
