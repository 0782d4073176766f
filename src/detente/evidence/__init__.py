"""Evidence from text: read news articles into actors, coded events and stances.

>>> from detente.evidence import extract
>>> ev = extract("Russia and Turkey agreed on Tuesday to a ceasefire in Syria.")
>>> [(e.event, sorted(e.source_codes)) for e in ev.events if e.main]
[('AGREE', ['RUS', 'TUR'])]

The pipeline is rule-based and needs no model download: sentence splitting, a dictionary of
actors and their aliases (``data/actors.yaml``, extensible), a trigger lexicon of CAMEO codes
(``data/triggers.yaml``) mapped to PLOVER categories (``data/cameo_plover.csv``), frames
(threats, promises, demands, refusals), source and target from the sentence's shape, dates,
and keyword-based stances on a scenario's issues. See docs/extract.md.
"""

from __future__ import annotations

from detente.evidence.actors import Actor, ActorDictionary, default_actors, load_actors
from detente.evidence.errors import EvidenceInputError, GoldFormatError
from detente.evidence.gold import evaluate_gold, read_gold
from detente.evidence.model import (
    ActorRef,
    EventRecord,
    Evidence,
    MentionRecord,
    StanceRecord,
    UnknownActor,
)
from detente.evidence.pipeline import extract, extract_file

__all__ = [
    "Actor",
    "ActorDictionary",
    "ActorRef",
    "EventRecord",
    "Evidence",
    "EvidenceInputError",
    "GoldFormatError",
    "MentionRecord",
    "StanceRecord",
    "UnknownActor",
    "default_actors",
    "evaluate_gold",
    "extract",
    "extract_file",
    "load_actors",
    "read_gold",
]
