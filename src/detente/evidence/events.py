"""Candidate events: trigger phrases and their frames to CAMEO codes and PLOVER categories.

This module holds the part of event coding that is the coding scheme itself: a lexicon of
English phrases for the CAMEO codes (``data/triggers.yaml``, written from the codebook's code
names and descriptions) mapped to PLOVER categories (``data/cameo_plover.csv``), and the
CAMEO rules by which a frame changes the act after it (a threat to act is THREATEN, a stated
intent to co-operate AGREE, a demand DEMAND, a refusal REJECT, a negated hostile act no
event).

1. Trigger phrases are matched on inflection candidates of the tokens; overlapping matches
   keep the longest (ties go to the phrase whose words match as written, then to a fixed order
   of codes, so coding never depends on hashing).
2. Frames ("threatened to", "will", "demanded that", "refused to", "not") combine with the act
   that follows them.

Who did what to whom, which candidate is the sentence's main event and its final category are
decided from the syntactic parse and the learned models in :mod:`detente.evidence.learn`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from detente.evidence.mentions import Mention
from detente.evidence.text import Token, lemmas

__all__ = [
    "CodedEvent",
    "Lexicon",
    "cameo_table",
    "category_code",
    "default_lexicon",
    "find_candidates",
    "plover_of",
]

COOPERATIVE = frozenset(["AGREE", "CONSULT", "SUPPORT", "COOPERATE", "AID", "CONCEDE", "RETREAT"])
HOSTILE = frozenset(["PROTEST", "MOBILIZE", "SANCTION", "COERCE", "ASSAULT", "FIGHT", "THREATEN"])
RECIPROCAL = frozenset(["AGREE", "CONSULT", "COOPERATE", "SUPPORT"])

_BOUNDARY = frozenset(';:.!?()[]"“”')
# -- the lexicon ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Item:
    words: frozenset[str]
    exact: bool
    gap: int


@dataclass(frozen=True, slots=True)
class Pattern:
    """One trigger phrase: its items, and what it codes (a CAMEO code or a frame name)."""

    items: tuple[_Item, ...]
    label: str
    text: str


def _compile(text: str, label: str, default_gap: int = 2) -> Pattern:
    items: list[_Item] = []
    gap = 0
    for raw in text.split():
        if raw == "..":
            gap = 5
            continue
        if raw.startswith(".."):
            gap, raw = 5, raw[2:]
        g = default_gap if items else 0
        if raw.startswith("~"):
            g, raw = 0, raw[1:]
        if gap:
            g, gap = gap, 0
        exact = raw.startswith("=")
        if exact:
            raw = raw[1:]
        items.append(_Item(frozenset(w.lower() for w in raw.split("|")), exact, g))
    if not items:
        raise ValueError(f"empty trigger pattern for {label}")
    return Pattern(tuple(items), label, text)


@dataclass
class Lexicon:
    """Compiled trigger patterns (acts and frames), indexed by their first word."""

    actions: dict[str, list[Pattern]] = field(default_factory=dict)
    wrappers: dict[str, list[Pattern]] = field(default_factory=dict)
    wrapper_alone: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, text: str) -> Lexicon:
        data = yaml.safe_load(text)
        lex = cls()
        for code, pats in (data.get("actions") or {}).items():
            for p in pats:
                pat = _compile(str(p), str(code))
                for w in pat.items[0].words:
                    lex.actions.setdefault(w, []).append(pat)
        for name, spec in (data.get("wrappers") or {}).items():
            lex.wrapper_alone[name] = spec.get("alone")
            for p in spec.get("patterns") or []:
                pat = _compile(str(p), str(name), default_gap=0)
                for w in pat.items[0].words:
                    lex.wrappers.setdefault(w, []).append(pat)
        return lex


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The shipped trigger lexicon."""
    text = resources.files("detente.evidence").joinpath("data", "triggers.yaml").read_text("utf-8")
    return Lexicon.from_yaml(text)


@lru_cache(maxsize=1)
def cameo_table() -> dict[str, tuple[str, str, str]]:
    """CAMEO code -> (name, PLOVER category, PLOVER mode), from ``data/cameo_plover.csv``."""
    text = (
        resources.files("detente.evidence").joinpath("data", "cameo_plover.csv").read_text("utf-8")
    )
    rows = csv.DictReader(ln for ln in text.splitlines() if not ln.startswith("#"))
    return {r["cameo"]: (r["name"], r["plover"], r["mode"]) for r in rows}


def plover_of(code: str) -> str:
    """The PLOVER category of a CAMEO code ('' for statements and unknown codes)."""
    table = cameo_table()
    for k in (code, code[:3], code[:2]):
        if k in table and table[k][1]:
            return table[k][1]
    return ""


def category_code(category: str) -> str:
    """The most general CAMEO code of a PLOVER category (the shortest, then the lowest)."""
    table = cameo_table()
    codes = [c for c, (_, cat, _) in table.items() if cat == category]
    if not codes:
        raise ValueError(f"unknown PLOVER category {category!r}")
    return min(codes, key=lambda c: (len(c), c))


# -- matching -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Match:
    ti: int
    tj: int
    label: str
    size: int
    text: str
    surface: int = 0  # pattern words equal to the token as written ("bombing"), not a lemma


def _match_all(
    index: dict[str, list[Pattern]], toks: list[Token], lem: list[frozenset[str]], low: list[str]
) -> list[_Match]:
    out: list[_Match] = []
    n = len(toks)
    for i in range(n):
        cands: list[Pattern] = []
        for w in lem[i]:
            cands.extend(index.get(w, ()))
        seen: set[int] = set()
        for p in cands:
            if id(p) in seen:
                continue
            seen.add(id(p))
            first = p.items[0]
            if first.exact and low[i] not in first.words:
                continue
            pos = i
            ok = True
            surface = int(low[i] in first.words)
            for item in p.items[1:]:
                found = -1
                for j in range(pos + 1, min(n, pos + 2 + item.gap)):
                    if item.exact:
                        hit = low[j] in item.words
                    else:
                        hit = not lem[j].isdisjoint(item.words)
                    if hit:
                        found = j
                        break
                    if toks[j].text in _BOUNDARY or (toks[j].text == "," and item.gap < 5):
                        break
                if found < 0:
                    ok = False
                    break
                pos = found
                surface += low[found] in item.words
            if ok:
                out.append(_Match(i, pos + 1, p.label, len(p.items), p.text, surface))
    return out


def _non_overlapping(matches: list[_Match]) -> list[_Match]:
    # Ties are broken by how many words match as written ("bombing" over "bomb"), then by the
    # more specific code and the code itself, so that the result never depends on set order.
    ranked = sorted(
        matches, key=lambda m: (-m.size, m.ti, -(m.tj - m.ti), -m.surface, -len(m.label), m.label)
    )
    taken: list[_Match] = []
    used: set[int] = set()
    for m in ranked:
        span = set(range(m.ti, m.tj))
        # The anchor (first token) may not be shared; inner gap tokens may.
        if m.ti in used or any(t.ti in span for t in taken):
            continue
        taken.append(m)
        used.update((m.ti, m.tj - 1))
    return sorted(taken, key=lambda m: m.ti)


# -- composition ----------------------------------------------------------------------------------

_INTENT_CODE = {
    "CONSULT": "036",
    "SUPPORT": "032",
    "COOPERATE": "031",
    "AID": "033",
    "CONCEDE": "035",
    "RETREAT": "035",
    "AGREE": "030",
}
_INTENT_SPECIFIC = {
    "087": "0356",
    "0871": "0356",
    "0873": "0356",
    "0874": "0356",
    "084": "0353",
    "085": "0354",
    "086": "0355",
    "081": "0351",
    "045": "039",
    "071": "0331",
    "072": "0332",
    "073": "0333",
    "074": "0334",
    "061": "0311",
    "062": "0312",
    "063": "0313",
    "064": "0314",
    "083": "034",
    "037": "037",
    "038": "038",
    "036": "036",
}
_THREAT_SPECIFIC = {
    "161": "1313",
    "162": "1311",
    "163": "1312",
    "164": "134",
    "165": "135",
    "166": "136",
    "1722": "1322",
    "1723": "1323",
    "1724": "1324",
    "175": "137",
    "191": "1381",
    "192": "1382",
    "204": "1385",
}
_THREAT_ROOT = {
    "16": "131",
    "17": "132",
    "18": "1383",
    "19": "1384",
    "20": "1383",
    "14": "133",
    "15": "138",
}
_DEMAND_CODE = {
    "CONSULT": "106",
    "SUPPORT": "102",
    "COOPERATE": "101",
    "AID": "103",
    "CONCEDE": "104",
    "RETREAT": "105",
    "AGREE": "107",
}
_DEMAND_SPECIFIC = {
    "081": "1051",
    "084": "1053",
    "085": "1054",
    "086": "1055",
    "087": "1056",
    "0871": "1056",
    "045": "108",
    "071": "1031",
    "072": "1032",
    "073": "1033",
    "074": "1034",
}
_REJECT_CODE = {
    "CONSULT": "125",
    "COOPERATE": "121",
    "AID": "122",
    "CONCEDE": "123",
    "RETREAT": "124",
}
_REJECT_SPECIFIC = {
    "084": "1243",
    "085": "1244",
    "086": "1245",
    "087": "1246",
    "0871": "1246",
    "045": "126",
    "057": "127",
}


def _threat_code(code: str) -> str:
    return _THREAT_SPECIFIC.get(code) or _THREAT_ROOT.get(code[:2], "130")


def _compose(frame: str, code: str) -> str | None:
    """The CAMEO code of ``frame`` applied to an act coded ``code`` (None: no event)."""
    cat = plover_of(code)
    if frame == "threaten":
        return code if cat == "THREATEN" else _threat_code(code)
    if frame == "hedge":
        return _threat_code(code) if cat in HOSTILE and cat != "THREATEN" else code
    if frame in ("intent", "pledge", "agree"):
        if cat in COOPERATIVE:
            return _INTENT_SPECIFIC.get(code) or _INTENT_CODE.get(cat, "030")
        if cat in HOSTILE:
            if frame == "agree":
                return "0312" if cat in ("FIGHT", "ASSAULT") else "030"
            return _threat_code(code) if cat != "THREATEN" else code
        return code
    if frame == "demand":
        if cat in ("DEMAND", "THREATEN", "REJECT"):
            return code
        return _DEMAND_SPECIFIC.get(code) or _DEMAND_CODE.get(cat, "100")
    if frame == "reject":
        if cat == "REJECT":
            return code
        return _REJECT_SPECIFIC.get(code) or _REJECT_CODE.get(cat, "120")
    if frame == "negate":
        if cat in COOPERATIVE:
            return _REJECT_SPECIFIC.get(code) or _REJECT_CODE.get(cat, "120")
        if cat in HOSTILE:
            return None
        return code
    return code


# -- events ---------------------------------------------------------------------------------------


@dataclass
class CodedEvent:
    """An event found in one sentence (token indices are the sentence's)."""

    cameo: str
    plover: str
    ti: int
    tj: int
    trigger_spans: list[tuple[int, int]]
    sources: list[Mention]
    targets: list[Mention]
    reciprocal: bool = False
    passive: bool = False
    frame: str | None = None
    main: bool = False
    confidence: float | None = None


def find_candidates(
    toks: list[Token], mentions: list[Mention], lexicon: Lexicon | None = None
) -> list[CodedEvent]:
    """Candidate events of one sentence from the trigger lexicon and frames, in order.

    Sources, targets and the main flag are left empty: :mod:`detente.evidence.learn` fills
    them from the parse.
    """
    lex = lexicon or default_lexicon()
    low = [t.lower for t in toks]
    lem = [lemmas(t.text) for t in toks]
    inside = set()
    for m in mentions:
        inside.update(range(m.ti, m.tj))
    # A capitalised word inside a sentence is a name, not a trigger ("in March 2011").
    proper = {
        i
        for i, t in enumerate(toks)
        if i > 0
        and t.is_cap
        and not t.text.isupper()
        and toks[i - 1].text not in ('"', "“", "(", ":")
    }
    actions = [
        a
        for a in _non_overlapping(_match_all(lex.actions, toks, lem, low))
        if a.ti not in inside and a.ti not in proper
    ]
    wrappers = [w for w in _match_all(lex.wrappers, toks, lem, low) if w.ti not in inside]
    # Longest wrapper per start.
    best: dict[int, _Match] = {}
    for w in wrappers:
        if w.ti not in best or (w.tj - w.ti, w.label) > (
            best[w.ti].tj - best[w.ti].ti,
            best[w.ti].label,
        ):
            best[w.ti] = w
    wrappers = sorted(best.values(), key=lambda w: w.ti)

    events: list[CodedEvent] = []
    used_wrappers: set[int] = set()
    consumed_actions: set[int] = set()
    for a in actions:
        frame = None
        for w in reversed(wrappers):
            if w.tj > a.ti:
                # A frame that overlaps the act's own phrase ("refuse to meet") is part of it.
                if w.ti <= a.ti < w.tj and w.ti != a.ti:
                    frame = w
                    break
                continue
            gap = toks[w.tj : a.ti]
            if len(gap) > 3 or any(t.text in _BOUNDARY or t.text == "," for t in gap):
                break
            if any(x.ti > w.ti and x.ti < a.ti for x in actions if x is not a):
                break
            frame = w
            break
        code: str | None = a.label
        spans = [(a.ti, a.tj)]
        start = a.ti
        fname = None
        if frame is not None and frame.ti != a.ti:
            fname = frame.label
            code = _compose(frame.label, a.label)
            used_wrappers.add(frame.ti)
            spans.insert(0, (frame.ti, frame.tj))
            start = frame.ti
            # A "never/not" before the frame ("will not") is handled by the frame itself.
            prev = [
                w
                for w in wrappers
                if w.tj <= frame.ti
                and frame.ti - w.tj <= 1
                and w.label in ("threaten", "reject", "demand")
            ]
            if prev and frame.label in ("intent", "agree", "pledge", "negate", "hedge"):
                outer = prev[-1]
                code = _compose(outer.label, code) if code else None
                used_wrappers.add(outer.ti)
                spans.insert(0, (outer.ti, outer.tj))
                start = outer.ti
                fname = outer.label
        elif frame is not None:
            used_wrappers.add(frame.ti)
        if code is None:
            consumed_actions.add(a.ti)
            continue
        cat = plover_of(code)
        if not cat:
            continue
        events.append(CodedEvent(code, cat, start, a.tj, spans, [], [], frame=fname))
    # An act that is itself the frame of a later act ("agreed" in "agreed to a ceasefire") is
    # told by the composed event.
    framed = {e.trigger_spans[0][0] for e in events if e.frame is not None}
    events = [e for e in events if e.frame is not None or e.ti not in framed]
    # Frames standing alone (no act after them) that the lexicon codes on their own.
    for w in wrappers:
        code = lex.wrapper_alone.get(w.label)
        if not code or w.ti in used_wrappers:
            continue
        if any(a.ti <= w.ti < a.tj or w.ti <= a.ti < w.tj for a in actions):
            continue
        events.append(
            CodedEvent(code, plover_of(code), w.ti, w.tj, [(w.ti, w.tj)], [], [], frame=w.label)
        )
    events.sort(key=lambda e: e.ti)
    return events
