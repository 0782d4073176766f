"""The evidence records the extractor returns: mentions, unknown actors, events and stances.

Every record carries character offsets into the text it was read from (for HTML input, the
text made from the HTML), never a copy of the sentence: a reader checks it against the source.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "ActorRef",
    "EventRecord",
    "Evidence",
    "MentionRecord",
    "StanceRecord",
    "UnknownActor",
]


@dataclass(frozen=True)
class ActorRef:
    """An actor taking part in an event: canonical id (None if unknown), code, span."""

    actor: str | None
    code: str | None
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class MentionRecord:
    """A name of an actor in the text, resolved to a canonical actor where the dictionary can."""

    sentence: int
    start: int
    end: int
    text: str
    actor: str | None
    code: str | None
    kind: str | None
    how: str
    role: str | None = None


@dataclass(frozen=True)
class UnknownActor:
    """A name the dictionary does not know but the text treats as an actor."""

    text: str
    count: int
    offsets: tuple[tuple[int, int], ...]
    role: str | None = None


@dataclass(frozen=True)
class EventRecord:
    """One coded event: who did what to whom, with the trigger words and where it was read."""

    sentence: int
    sentence_start: int
    sentence_end: int
    event: str
    cameo: str
    cameo_name: str
    source: tuple[ActorRef, ...]
    target: tuple[ActorRef, ...]
    trigger: str
    trigger_offsets: tuple[tuple[int, int], ...]
    main: bool
    reciprocal: bool = False
    passive: bool = False
    frame: str | None = None
    date: str | None = None
    date_text: str | None = None
    date_precision: str | None = None
    summary: str = ""
    confidence: float | None = None

    @property
    def source_codes(self) -> set[str]:
        return {a.code for a in self.source if a.code}

    @property
    def target_codes(self) -> set[str]:
        return {a.code for a in self.target if a.code}

    @property
    def source_actors(self) -> set[str]:
        return {a.actor for a in self.source if a.actor}

    @property
    def target_actors(self) -> set[str]:
        return {a.actor for a in self.target if a.actor}


@dataclass(frozen=True)
class StanceRecord:
    """An actor's stated or attributed stance bearing on a scenario issue.

    ``direction`` is +1 when the stance pushes toward the high end of the issue's scale, -1
    toward the low end. ``text`` is the sentence, ``confidence`` the role model's probability
    that the actor is the one taking the stance, ``intensity`` (0-1) how strongly the
    sentence states it (the cue verb, intensifiers, hedges; ``intensity_reason`` says which).
    """

    actor: str
    code: str | None
    issue: str
    direction: int
    cue: str
    keyword: str
    sentence: int
    sentence_start: int
    sentence_end: int
    cue_offsets: tuple[int, int]
    keyword_offsets: tuple[int, int]
    summary: str
    toward: str | None = None
    text: str = ""
    confidence: float | None = None
    intensity: float | None = None
    hedged: bool = False
    intensity_reason: str = ""


@dataclass
class Evidence:
    """Everything read from one text."""

    source: str | None = None
    date: str | None = None
    n_sentences: int = 0
    sentences: list[tuple[int, int]] = field(default_factory=list)
    mentions: list[MentionRecord] = field(default_factory=list)
    unknown_actors: list[UnknownActor] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    stances: list[StanceRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (tuples become lists)."""
        d = asdict(self)
        d.pop("sentences", None)
        return d

    def main_events(self) -> list[EventRecord]:
        return [e for e in self.events if e.main]
