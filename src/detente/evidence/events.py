"""Event coding: trigger phrases and their frames to CAMEO codes and PLOVER categories, with
source and target actors found from the sentence's shape.

The method is rule-based and needs no parser:

1. Trigger phrases of the lexicon (``data/triggers.yaml``) are matched on inflection
   candidates of the tokens; overlapping matches keep the longest (ties go to the phrase whose
   words match as written, then to a fixed order of codes, so coding never depends on hashing).
2. Frames ("threatened to", "will", "demanded that", "refused to", "not") combine with the act
   that follows them: a threat to act is THREATEN, a stated intent to do something co-operative
   is AGREE and to do something hostile is THREATEN, a demand is DEMAND, a refusal REJECT.
3. The source is the nearest actor mention before the event that is not the object of a
   preposition (a pronoun subject falls back to the sentence's first actor; a relative clause or
   an apposition between subject and verb is skipped); the target is the first mention after
   the trigger, not past a new clause ("following ...", ", which ..."); both grow over
   co-ordinations ("Russia and Iran", "Russia as well as China"). Passive verbs swap the roles
   ("was killed by"); with no agent, the state where it happened is the doer ("was arrested in
   Lebanon"). "X must ..." makes X the target of a demand. The city where talks are held or a
   deal signed is a venue, not a target. "Talks between X and Y" and mutual verbs ("exchanged
   fire", "clashed") with a plural subject are reciprocal.
4. The sentence's main event is the first one outside a subordinate clause (the object of a
   subordinate act, "in condemning the attack", is subordinate too).
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from detente.evidence.mentions import _PREPOSITIONS, Mention
from detente.evidence.text import Token, lemmas

__all__ = ["CodedEvent", "Lexicon", "cameo_table", "code_events", "default_lexicon", "plover_of"]

COOPERATIVE = frozenset(["AGREE", "CONSULT", "SUPPORT", "COOPERATE", "AID", "CONCEDE", "RETREAT"])
HOSTILE = frozenset(["PROTEST", "MOBILIZE", "SANCTION", "COERCE", "ASSAULT", "FIGHT", "THREATEN"])
RECIPROCAL = frozenset(["AGREE", "CONSULT", "COOPERATE", "SUPPORT"])

_BOUNDARY = frozenset(';:.!?()[]"“”')
_SUBORDINATORS = frozenset(
    [
        "after",
        "following",
        "because",
        "since",
        "when",
        "while",
        "as",
        "if",
        "unless",
        "before",
        "despite",
        "although",
        "though",
        "whereas",
        "until",
        "who",
        "which",
        "whose",
        "whom",
        "where",
        "amid",
    ]
)
_GENERIC_VIOLENCE = frozenset(("190",))
_GERUND_LEADS = frozenset(("by", "after", "before", "while", "without", "since", "when", "in"))
_PRONOUNS = frozenset(["it", "they", "he", "she", "we", "its", "their", "his", "her"])
_BE = frozenset(["be", "is", "are", "was", "were", "been", "being"])
_SPEECH = frozenset(
    [
        "say",
        "said",
        "says",
        "tell",
        "told",
        "announce",
        "announced",
        "announces",
        "report",
        "reported",
        "reports",
        "add",
        "added",
        "adds",
        "state",
        "stated",
        "states",
        "declare",
        "declared",
    ]
)


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
    subordinate: bool = False
    main: bool = False


def _is_subordinate(toks: list[Token], low: list[str], start: int) -> bool:
    """Whether a subordinating word stands between the clause start and ``start``."""
    k = start - 1
    while k >= 0:
        if toks[k].text in ",;:" or toks[k].text in _BOUNDARY:
            # A comma closes an introductory subordinate clause only when one opened it.
            if toks[k].text == ",":
                k -= 1
                continue
            break
        if low[k] in _SUBORDINATORS:
            # The subordinate clause ends at the next comma before ``start``, if any.
            for m in range(k + 1, start):
                if toks[m].text == ",":
                    return False
            return True
        k -= 1
    return False


_LINK_WORDS = frozenset(("and", ",", "the", "&", "both", "his", "her", "its", "their"))


def _chain(mentions: list[Mention], m: Mention, low: list[str], step: int) -> list[Mention]:
    """``m`` and the mentions co-ordinated with it to the left (step -1) or right (step +1):
    "Russia, Iran and Turkey". A chain counts only as far as its last "and"."""
    group = [m]
    links: list[bool] = []
    cur = m
    while True:
        if step < 0:
            cands = [x for x in mentions if x.tj <= cur.ti and cur.ti - x.tj <= 3]
            nxt = max(cands, key=lambda x: x.tj) if cands else None
            between = low[nxt.tj : cur.ti] if nxt else []
        else:
            cands = [x for x in mentions if x.ti >= cur.tj and x.ti - cur.tj <= 3]
            nxt = min(cands, key=lambda x: x.ti) if cands else None
            between = low[cur.tj : nxt.ti] if nxt else []
        if between[-3:] == ["as", "well", "as"]:
            between = between[:-3] + ["and"]  # "Russia as well as China"
        if (
            nxt is None
            or not between
            or not all(w in _LINK_WORDS for w in between)
            or not ("and" in between or "," in between or "&" in between)
        ):
            break
        group.append(nxt)
        links.append("and" in between or "&" in between)
        cur = nxt
    if step < 0:
        # Reading leftwards, the "and" is the first link: "A, B and C" from C.
        keep = 1 + (len(links) if links and links[0] else 0)
        group = group[:keep]
        group.reverse()
    else:
        last_and = max((k for k, x in enumerate(links) if x), default=-1)
        group = group[: last_and + 2]
    return group


_DETS = frozenset(
    [
        "the",
        "a",
        "an",
        "its",
        "their",
        "his",
        "her",
        "this",
        "that",
        "these",
        "those",
        "last",
        "recent",
    ]
)


def _in_pp(low: list[str], start: int) -> bool:
    """Whether a (nominal) trigger sits in a prepositional phrase: "under the ... plan"."""
    k = start - 1
    steps = 0
    while k >= 0 and steps < 3 and (low[k] in _DETS or low[k].endswith(("al", "ed", "ic"))):
        k -= 1
        steps += 1
    return k >= 0 and low[k] in _PREPOSITIONS and low[k] != "to"


def _coord_left(
    mentions: list[Mention], m: Mention, toks: list[Token], low: list[str]
) -> list[Mention]:
    return _chain(mentions, m, low, -1)


def _coord_right(
    mentions: list[Mention], m: Mention, toks: list[Token], low: list[str]
) -> list[Mention]:
    return _chain(mentions, m, low, +1)


def _in_prep(m: Mention, low: list[str]) -> bool:
    k = m.ti - 1
    while k >= 0 and low[k] in ("the", "a", "an", "two", "three", "several", "some", "its"):
        k -= 1
    return k >= 0 and low[k] in _PREPOSITIONS


def _subject(mentions: list[Mention], before: int, low: list[str]) -> Mention | None:
    cands = [m for m in mentions if m.tj <= before]
    for m in cands:
        if not _in_prep(m, low):
            return m
    return cands[0] if cands else None


_RELATIVES = frozenset(["who", "which", "whose", "whom", "where", "that"])


def _before_aside(mentions: list[Mention], start: int, toks: list[Token], low: list[str]) -> int:
    """Where the subject must end when a comma-delimited aside stands between it and the verb.

    "Iran, which supports the Syrian government, sent ...": the relative clause is skipped and
    the subject is sought before its opening comma. "Lavrov, Russia's foreign minister, said":
    an apposition after a named head is skipped too (the head is the subject). Otherwise (no
    aside, or an apposition naming the head itself: "The guarantors, Russia, Turkey and Iran,
    met") ``start`` is returned unchanged.
    """
    k = start - 1
    while k >= 0 and low[k] in ("also", "then", "later", "now", "jointly", "again"):
        k -= 1
    if k < 1 or toks[k].text != ",":
        return start
    o = k - 1
    while o >= 0 and toks[o].text != "," and toks[o].text not in _BOUNDARY and k - o <= 30:
        o -= 1
    if o < 1 or toks[o].text != ",":
        return start
    if low[o + 1] in _RELATIVES:
        return o
    head = [m for m in mentions if m.tj == o]
    if (
        head
        and any(m.ti > o and m.tj <= k for m in mentions)
        and not any(low[j] in ("and", "&") for j in range(o + 1, k))
    ):
        return o
    return start


def _find_source(
    mentions: list[Mention], start: int, toks: list[Token], low: list[str]
) -> list[Mention]:
    left = [m for m in mentions if m.tj <= start]
    if not left:
        return []
    if start > 0 and low[start - 1] in _GERUND_LEADS and low[start].endswith("ing"):
        # "Russia backed the regime by vetoing ...": the doer is the clause's subject.
        subj = _subject(mentions, start, low)
        return _coord_right(mentions, subj, toks, low) if subj else []
    k = start - 1
    while k >= 0 and low[k] in ("also", "then", "later", "now", "fervently", "strongly"):
        k -= 1
    if k >= 0 and low[k] in ("and", "but") and not any(m.ti == start for m in mentions):
        # A second verb of the same subject: "Russia and Iran back X and reject Y". The
        # subject is the first one of the clause.
        c = k - 1
        while c >= 0 and toks[c].text not in ",;:" and low[c] not in _SUBORDINATORS:
            c -= 1
        subj = _subject([m for m in mentions if m.ti > c], k, low) or _subject(mentions, k, low)
        if subj is not None:
            return _coord_right(mentions, subj, toks, low)
    start = _before_aside(mentions, start, toks, low)
    left = [m for m in mentions if m.tj <= start] or left
    # A pronoun subject closer than any mention refers back to the sentence subject.
    nearest = max(left, key=lambda m: m.tj)
    for k in range(start - 1, nearest.tj - 1, -1):
        if low[k] in ("it", "they", "he", "she", "we"):
            subj = _subject(mentions, k, low)
            return _coord_right(mentions, subj, toks, low) if subj else []
    for m in sorted(left, key=lambda m: -m.tj):
        if not _in_prep(m, low):
            return _coord_left(mentions, m, toks, low)
    return _coord_left(mentions, nearest, toks, low)


_TARGET_STOPS = frozenset(["who", "which", "whose", "whom", "where", "while", "whereas", "but"])
_TIME_CLAUSES = frozenset(
    [
        "following",
        "after",
        "before",
        "because",
        "since",
        "unless",
        "although",
        "though",
        "until",
        "despite",
        "amid",
    ]
)


def _find_target(
    mentions: list[Mention], after: int, toks: list[Token], low: list[str], exclude: set[str | None]
) -> list[Mention]:
    for m in mentions:
        if m.ti < after:
            continue
        # Stop at an attribution ("..., officials said") or a new sentence part.
        if any(
            toks[k].text in ";" or low[k] in _SPEECH and k > after + 1 for k in range(after, m.ti)
        ):
            return []
        if any(
            low[k] in _TARGET_STOPS and toks[k - 1].text == "," or low[k] in _TIME_CLAUSES
            for k in range(after, m.ti)
        ):
            # A new clause ("following a government offensive", ", which ...") holds no target.
            return []
        if _attribution(m, toks, low):
            return []
        if m.actor is not None and m.actor in exclude:
            continue
        return _coord_right(mentions, m, toks, low)
    return []


def _attribution(m: Mention, toks: list[Token], low: list[str]) -> bool:
    """Whether ``m`` is the speaker of a trailing attribution: ", a UN official said"."""
    k = m.ti - 1
    while k >= 0 and (low[k] in _DETS or low[k] in ("two", "three", "several", "senior", "top")):
        k -= 1
    if k < 0:
        return False
    if low[k] in ("according", "to") and k >= 1 and low[k - 1] == "according":
        return True
    if low[k] in _SPEECH:
        return True
    if low[k] != ",":
        return False
    for j in range(m.tj, min(len(low), m.tj + 3)):
        if low[j] in _SPEECH:
            return True
    return False


def code_events(
    toks: list[Token], mentions: list[Mention], lexicon: Lexicon | None = None
) -> list[CodedEvent]:
    """Events in one sentence, in order, the main one flagged."""
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

    for ev in events:
        _assign_actors(ev, toks, low, mentions, wrappers)
        ev.subordinate = _is_subordinate(toks, low, ev.ti) or _in_pp(low, ev.ti)
    for prev, ev in itertools.pairwise(events):
        # The object of a subordinate act is part of it: "in condemning the attack".
        if (
            prev.subordinate
            and not ev.subordinate
            and prev.tj <= ev.ti <= prev.tj + 3
            and all(low[k] in _DETS for k in range(prev.tj, ev.ti))
        ):
            ev.subordinate = True
    if events:
        main = min(events, key=lambda e: (e.subordinate, e.ti))
        main.main = True
        if main.cameo in _GENERIC_VIOLENCE:
            # "were killed by a roadside bomb": the weapon says which kind of violence it was.
            for e in events:
                by_weapon = e.ti > main.tj and e.ti - main.tj <= 4 and "by" in low[main.tj : e.ti]
                if (
                    e is not main
                    and e.cameo not in _GENERIC_VIOLENCE
                    and e.plover in ("FIGHT", "ASSAULT")
                    and (not e.subordinate or by_weapon)
                ):
                    main.cameo, main.plover = e.cameo, e.plover
                    main.trigger_spans = main.trigger_spans + e.trigger_spans
                    break
    return events


_CROWDS = frozenset(
    [
        "protesters",
        "protestors",
        "demonstrators",
        "marchers",
        "students",
        "workers",
        "strikers",
        "villagers",
        "residents",
        "farmers",
        "peasants",
        "refugees",
        "citizens",
        "youths",
        "people",
        "crowd",
        "crowds",
        "mob",
        "supporters",
        "activists",
        "women",
        "teachers",
        "miners",
        "worshippers",
        "prisoners",
        "inmates",
        "population",
    ]
)
# Verbs whose plural subject acts on itself: "India and Pakistan exchanged fire", "... clashed".
_MUTUAL = ("exchang", "swap", "clash", "fought", "fight")
_VENUE_CATEGORIES = frozenset(
    ["CONSULT", "AGREE", "SUPPORT", "COOPERATE", "PROTEST", "RETREAT", "CONCEDE"]
)


def _is_venue(m: Mention, low: list[str], ev: CodedEvent) -> bool:
    """Whether ``m`` names where an act took place rather than a party to it: a city after "in"
    or "at" ("talks in Geneva", "signed an accord in Beijing"); for talks also "to" ("returned
    to Geneva"). The place of a visit is its host ("arrived in Moscow")."""
    if m.ti == 0 or ev.cameo.startswith("042"):
        return False
    prep = low[m.ti - 1]
    if m.kind == "place":
        return prep in ("in", "at") or (prep == "to" and ev.plover == "CONSULT")
    # A capital after "in" is where a deal was signed or a protest held; for talks it is a
    # party (the host: "talks in Astana") unless its state already takes part ("Turkish and
    # Russian officials met in Ankara").
    if m.how != "capital" or prep not in ("in", "at"):
        return False
    return ev.plover != "CONSULT" or m.code in {x.code for x in ev.sources}


_LOCATIVES = frozenset(["in", "near", "outside", "at", "inside", "around"])


def _place_after(mentions: list[Mention], after: int, low: list[str]) -> Mention | None:
    """The state or place of a locative phrase within a few words after ``after``."""
    for m in mentions:
        if m.ti < after or m.ti - after > 10:
            continue
        if any(low[j] in _SUBORDINATORS or low[j] in (",", ";") for j in range(after, m.ti)):
            return None
        k = m.ti - 1
        while k >= after and (low[k] in _DETS or low[k] in _REGION or low[k] == "of"):
            k -= 1
        if (
            k >= after
            and low[k] in _LOCATIVES
            and m.code
            and (m.kind in ("state", "place") or m.how == "capital")
        ):
            return m
        return None
    return None


_PARTICIPLES = frozenset(
    [
        "held",
        "led",
        "brokered",
        "hosted",
        "convened",
        "organised",
        "organized",
        "sponsored",
        "mediated",
        "chaired",
        "backed",
        "signed",
        "agreed",
        "proposed",
        "launched",
        "arranged",
        "called",
        "initiated",
    ]
)
_MEETINGS = frozenset(
    [
        "talks",
        "talk",
        "meeting",
        "meetings",
        "summit",
        "conference",
        "negotiations",
        "consultations",
        "deal",
        "agreement",
        "accord",
        "truce",
        "ceasefire",
        "process",
        "round",
        "session",
    ]
)


def _nominal_passive_by(ev: CodedEvent, toks: list[Token], low: list[str]) -> int | None:
    """Where the "by" of a passive whose subject is the event's noun stands: "the talks were
    convened by ...", "the deal was brokered by ..."; None for any other construction."""
    _, b = ev.trigger_spans[-1]
    if ev.plover not in _VENUE_CATEGORIES or low[b - 1] not in _MEETINGS:
        return None
    k = b
    if k < len(low) and low[k] in _BE:
        k += 1
        if k < len(low) and low[k].endswith("ly"):
            k += 1  # "were jointly convened by"
        if k + 1 < len(low) and low[k] in _PARTICIPLES and low[k + 1] == "by":
            return k + 1
    return None


def _agents(mentions: list[Mention], by: int, toks: list[Token], low: list[str]) -> list[Mention]:
    """The agents named after a passive's "by": a co-ordinated list, with the members of a
    group the list describes in an apposition that ends the clause ("by France and the two
    other powers with troops nearby, Germany and Poland")."""
    first = [m for m in mentions if m.ti > by and m.ti - by <= 4]
    if not first:
        return []
    group = _coord_right(mentions, first[0], toks, low)
    end = group[-1].tj
    if end < len(low) and low[end] == "and":
        comma = next(
            (
                k
                for k in range(end + 1, min(len(low), end + 16))
                if toks[k].text in ",;" or toks[k].text in _BOUNDARY
            ),
            None,
        )
        if (
            comma is not None
            and toks[comma].text == ","
            and comma - end > 2
            and not any(m.ti == end + 1 for m in mentions)
        ):
            tail = [m for m in mentions if m.ti == comma + 1]
            if tail:
                members = _coord_right(mentions, tail[0], toks, low)
                stop = members[-1].tj
                if len(members) >= 2 and (
                    stop >= len(low) or toks[stop].text in _BOUNDARY or toks[stop].text == ","
                ):
                    group = group + members
    return group


_REGION = frozenset(
    [
        "northern",
        "southern",
        "eastern",
        "western",
        "central",
        "north",
        "south",
        "east",
        "west",
        "capital",
        "city",
        "town",
        "village",
        "province",
        "region",
    ]
)


def _assign_actors(
    ev: CodedEvent,
    toks: list[Token],
    low: list[str],
    mentions: list[Mention],
    wrappers: list[_Match],
) -> None:
    first_span = ev.trigger_spans[0]
    anchor_end = ev.trigger_spans[-1][1]
    must = (
        low[first_span[0]] in ("must", "should", "ought", "have", "need") and ev.plover == "DEMAND"
    )
    # Passive: "were killed (by X)", "was arrested".
    act_ti = ev.trigger_spans[-1][0]
    passive = (act_ti >= 1 and low[act_ti - 1] in _BE) or (
        act_ti >= 2 and low[act_ti - 2] in _BE and low[act_ti - 1].endswith("ly")
    )
    passive = (
        passive
        and (
            low[act_ti].endswith("ed")
            or low[act_ti]
            in (
                "shot",
                "struck",
                "beaten",
                "taken",
                "held",
                "hit",
                "killed",
                "slain",
                "driven",
                "thrown",
                "overrun",
                "seized",
                "forced",
                "sent",
            )
        )
        and ev.frame is None
        and not (act_ti + 1 < len(low) and low[act_ti + 1] == "to")
        and low[act_ti]
        not in (
            "engaged",
            "involved",
            "committed",
            "prepared",
            "determined",
            "interested",
            "concerned",
            "opposed",
            "based",
        )
    )
    if must:
        tgt = [m for m in mentions if m.tj <= ev.ti and ev.ti - m.tj <= 2]
        if tgt:
            target = _coord_left(mentions, tgt[-1], toks, low)
            ev.targets = target
            src = _subject(mentions, target[0].ti, low)
            ev.sources = _coord_left(mentions, src, toks, low) if src else []
            return
    by = _nominal_passive_by(ev, toks, low)
    if by is not None:
        # "The Moscow talks were convened by Turkey and Iran": the by-phrase names the
        # parties. A capital before the noun is, as after "talks in", the host of talks (a
        # party unless its state is among the conveners) and the venue of anything else.
        ev.passive = True
        ev.sources = _agents(mentions, by, toks, low)
        codes = {m.code for m in ev.sources if m.code}
        host = [m for m in mentions if m.tj == first_span[0] and m.how == "capital"]
        ev.targets = host if ev.plover == "CONSULT" and host and host[0].code not in codes else []
        if ev.plover in RECIPROCAL and not ev.targets and len(codes) >= 2:
            ev.reciprocal = True
        return
    if passive:
        ev.passive = True
        left = [m for m in mentions if m.tj <= act_ti]
        if left:
            ev.targets = _coord_left(mentions, max(left, key=lambda m: m.tj), toks, low)
        by = [
            m
            for m in mentions
            if m.ti >= anchor_end and m.ti - anchor_end <= 4 and "by" in low[anchor_end : m.ti]
        ]
        ev.sources = _coord_right(mentions, by[0], toks, low) if by else []
        if not ev.sources and ev.plover in ("FIGHT", "ASSAULT", "COERCE"):
            # "was arrested in Lebanon", "were killed ... outside the Iraqi city of Basra": with
            # no agent named, the state where it happened is coded as the doer.
            place = _place_after(mentions, anchor_end, low)
            ev.sources = [place] if place is not None else []
        return
    ev.sources = _find_source(mentions, ev.ti, toks, low)
    if not ev.sources:
        # An introductory clause ("After casting six vetoes ..., Russia agreed"): its doer is
        # the subject of the main clause after the comma.
        comma = next((k for k in range(anchor_end, len(toks)) if toks[k].text == ","), None)
        if comma is not None and (low[0] in _SUBORDINATORS or low[0] in _PREPOSITIONS):
            after = [m for m in mentions if m.ti > comma]
            if after and after[0].ti - comma <= 4:
                ev.sources = _coord_right(mentions, after[0], toks, low)
    src_ids = {id(m) for m in ev.sources}
    ev.targets = [
        m
        for m in _find_target(mentions, first_span[0] + 1, toks, low, set())
        if id(m) not in src_ids
    ]
    if (
        ev.cameo in ("110", "140")
        and low[act_ti].startswith("protest")
        and (
            any(m.role in _CROWDS for m in ev.sources)
            or any(w in ("thousands", "hundreds", "dozens") for w in low[:act_ti])
        )
    ):
        # People protesting in numbers demonstrate; a government "protests" in words.
        ev.cameo, ev.plover = "141", plover_of("141")
    if ev.plover in _VENUE_CATEGORIES:
        # A city where talks are held or a deal is signed is the venue, not a party: "talks in
        # Geneva", "signed an accord in Beijing".
        kept = [m for m in ev.targets if not _is_venue(m, low, ev)]
        if not kept and ev.targets:
            # Past the venue: "demonstrated in Cairo against the president".
            kept = [
                m
                for m in _find_target(mentions, ev.targets[-1].tj, toks, low, set())
                if id(m) not in src_ids and not _is_venue(m, low, ev)
            ]
            if (
                kept
                and low[kept[0].ti - 1] not in ("against", "with", "to", "for")
                and not (kept[0].ti >= 2 and low[kept[0].ti - 2] in ("against", "with", "to"))
            ):
                kept = []
        ev.targets = kept
    if (
        not ev.sources
        and len(ev.targets) >= 2
        and ev.targets[0].ti > 0
        and low[ev.targets[0].ti - 1] == "between"
        and ev.targets[0].ti - 1 <= anchor_end + 3
    ):
        # "Talks between Russia and Turkey", "fighting between Armenia and Azerbaijan": the
        # parties act on each other.
        ev.sources, ev.targets = ev.targets, []
        if len({m.code for m in ev.sources if m.code}) >= 2:
            ev.reciprocal = True
    src_codes = {m.code for m in ev.sources if m.code}
    tgt_codes = {m.code for m in ev.targets if m.code}
    mutual = any(low[k].startswith(_MUTUAL) for a, b in ev.trigger_spans for k in range(a, b))
    if (ev.plover in RECIPROCAL or mutual) and not tgt_codes and len(src_codes) >= 2:
        ev.reciprocal = True
        ev.targets = []
