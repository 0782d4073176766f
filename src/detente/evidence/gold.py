"""Scoring the extractor on PLOVER gold-standard records.

Each record is one sentence with its gold event category, source actors and target actors
(ISO-3166 alpha-3 or group codes). The extractor reads the sentence and its main event is
compared with the record:

- ``event_accuracy``: share of records whose main event has the gold category (a record with
  no event coded counts as wrong);
- ``source_*`` and ``target_*``: precision, recall and F1 of the actor codes, micro-averaged
  over records (each record contributes the sets of codes on each side);
- ``triple_*``: the same for (source code, category, target code) triples, the product of the
  source and target sets (an empty side counts as the empty code). Records whose actors are
  all marked as both source and target ("SRC/TAR", no separate target) are reciprocal: their
  triples are the ordered pairs of distinct source codes, and a reciprocal event coded by the
  extractor is expanded the same way.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from detente.evidence.actors import ActorDictionary, default_actors
from detente.evidence.errors import GoldFormatError
from detente.evidence.events import CodedEvent, Lexicon
from detente.evidence.learn import Models, code_sentence, default_models, prepare
from detente.evidence.mentions import find_mentions

__all__ = [
    "GoldRecord",
    "main_as_codes",
    "predict_record",
    "predict_records",
    "read_gold",
    "score_records",
    "training_overlap",
]


class GoldRecord:
    """One gold record: text, category, source and target code sets, reciprocity."""

    __slots__ = ("event", "id", "markup", "reciprocal", "sources", "targets", "text")

    def __init__(
        self,
        id: str,
        text: str,
        event: str,
        sources: frozenset[str],
        targets: frozenset[str],
        reciprocal: bool,
        markup: str = "",
    ) -> None:
        self.id = id
        self.text = text
        self.event = event
        self.sources = sources
        self.targets = targets
        self.reciprocal = reciprocal
        self.markup = markup

    def triples(self) -> set[tuple[str, str, str]]:
        return _triples(self.sources, self.event, self.targets, self.reciprocal)


def _codes(side: Any) -> frozenset[str]:
    if not isinstance(side, list):
        return frozenset()  # "", null, or a stray string: no actor on this side
    out = set()
    for a in side:
        if isinstance(a, dict) and isinstance(a.get("code"), str) and a["code"].strip():
            out.add(a["code"].strip().upper())
    return frozenset(out)


def _triples(
    src: Iterable[str], event: str, tgt: Iterable[str], reciprocal: bool
) -> set[tuple[str, str, str]]:
    src, tgt = set(src), set(tgt)
    if reciprocal and len(src) >= 2 and not tgt:
        return {(a, event, b) for a in src for b in src if a != b}
    return {(a, event, b) for a in (src or {""}) for b in (tgt or {""})}


def read_gold(path: str | Path) -> list[GoldRecord]:
    """The records of a PLOVER gold-standard JSON file (documentation records skipped)."""
    from detente.errors import DetenteError
    from detente.files import read_text

    p = Path(path)
    try:
        data = json.loads(read_text(p, what="gold file"))
    except DetenteError as exc:
        raise GoldFormatError(str(exc)) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise GoldFormatError(f"{p}: not valid JSON ({exc})") from exc
    if not isinstance(data, list):
        raise GoldFormatError(f"{p}: expected a JSON array of PLOVER records")
    out: list[GoldRecord] = []
    for k, r in enumerate(data):
        if not isinstance(r, dict):
            raise GoldFormatError(f"{p}: record {k} is not an object")
        if r.get("event") == "DOCUMENT":
            continue
        text, event = r.get("text"), r.get("event")
        if not isinstance(text, str) or not isinstance(event, str) or not event:
            raise GoldFormatError(
                f"{p}: record {k} ({r.get('id', 'no id')}) needs 'text' and 'event'"
            )
        src, tgt = _codes(r.get("source")), _codes(r.get("target"))
        markup = (
            ((r.get("textInfo") or {}).get("markup") or "")
            if isinstance(r.get("textInfo"), dict)
            else ""
        )
        reciprocal = not tgt and len(src) >= 2 and "SRC/TAR" in markup
        out.append(
            GoldRecord(
                str(r.get("id", k)), text, event.strip().upper(), src, tgt, reciprocal, markup
            )
        )
    if not out:
        raise GoldFormatError(f"{p}: no gold records (only documentation or an empty array)")
    return out


def predict_records(
    texts: Sequence[str],
    actors: ActorDictionary | None = None,
    lexicon: Lexicon | None = None,
    models: Models | None = None,
) -> list[dict[str, Any]]:
    """The extractor's main event for each gold sentence, as codes (each text is read as a
    document of its own)."""
    actors = actors or default_actors()

    def mentions_of(toks: list, text: str) -> list:
        context = frozenset(re.findall(r"[A-Za-z][A-Za-z'-]+", text))
        return find_mentions(toks, text, actors, context)

    sents = prepare([(t, 0, len(t)) for t in texts], mentions_of, lexicon)
    out = []
    for s in sents:
        events = code_sentence(s, models, always=True)
        out.append(main_as_codes(next((e for e in events if e.main), None)))
    return out


def predict_record(
    text: str, actors: ActorDictionary | None = None, lexicon: Lexicon | None = None
) -> dict[str, Any]:
    """The extractor's main event for one gold sentence, as codes."""
    return predict_records([text], actors, lexicon)[0]


def main_as_codes(main: CodedEvent | None) -> dict[str, Any]:
    """A main event as the sets of codes :func:`score_records` compares."""
    if main is None:
        return {"event": None, "sources": set(), "targets": set(), "reciprocal": False}
    return {
        "event": main.plover,
        "cameo": main.cameo,
        "sources": {m.code for m in main.sources if m.code},
        "targets": {m.code for m in main.targets if m.code},
        "reciprocal": main.reciprocal,
        "confidence": main.confidence,
    }


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score_records(records: list[GoldRecord], predictions: list[dict[str, Any]]) -> dict[str, Any]:
    """Metrics of ``predictions`` (from :func:`predict_record`) against ``records``."""
    n = len(records)
    correct = 0
    counts = {k: Counter() for k in ("source", "target", "triple")}
    per_cat: dict[str, Counter] = {}
    for rec, pred in zip(records, predictions):
        ok = pred["event"] == rec.event
        correct += ok
        c = per_cat.setdefault(rec.event, Counter())
        c["n"] += 1
        c["correct"] += ok
        for side, gold, got in (
            ("source", rec.sources, pred["sources"]),
            ("target", rec.targets, pred["targets"]),
        ):
            counts[side]["tp"] += len(gold & got)
            counts[side]["fp"] += len(got - gold)
            counts[side]["fn"] += len(gold - got)
        gt = rec.triples()
        pt = (
            _triples(pred["sources"], pred["event"] or "", pred["targets"], pred["reciprocal"])
            if pred["event"]
            else set()
        )
        counts["triple"]["tp"] += len(gt & pt)
        counts["triple"]["fp"] += len(pt - gt)
        counts["triple"]["fn"] += len(gt - pt)
    out: dict[str, Any] = {
        "n_records": n,
        "event_correct": correct,
        "event_accuracy": correct / n if n else 0.0,
    }
    for side, c in counts.items():
        p, r, f = _prf(c["tp"], c["fp"], c["fn"])
        out[f"{side}_precision"] = p
        out[f"{side}_recall"] = r
        out[f"{side}_f1"] = f
        out[f"{side}_tp"] = c["tp"]
        out[f"{side}_fp"] = c["fp"]
        out[f"{side}_fn"] = c["fn"]
    out["per_category"] = {
        k: {"n": v["n"], "correct": v["correct"], "accuracy": v["correct"] / v["n"]}
        for k, v in sorted(per_cat.items())
    }
    return out


def training_overlap(records: Sequence[GoldRecord], models: Models | None = None) -> int:
    """How many ``records`` have a sentence the shipped models were trained on."""
    import hashlib

    models = models or default_models()
    seen = set(models.meta.get("text_sha256") or ())
    return sum(hashlib.sha256(r.text.encode("utf-8")).hexdigest()[:16] in seen for r in records)
