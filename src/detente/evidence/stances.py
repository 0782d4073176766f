"""Stances: sentences in which an actor takes a side on one of a scenario's issues.

Issue matching is keyword-based, per issue id: a small mapping of our own for the Syria
scenarios' issues (below), plus the distinctive words of each issue's name. Each keyword has a
polarity: +1 when it names more of what the issue's scale measures ("Assad", "ceasefire",
"Turkish military presence"), -1 when it names less ("Assad's ouster", "withdrawal of the
militias"). A stance cue ("back", "oppose", "reject", "call for") has a polarity too; the
suggested direction on the issue's scale is their product, and the actor is the cue's subject,
found as an event's source is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.evidence.actors import ActorDictionary
from detente.evidence.errors import EvidenceInputError
from detente.evidence.model import Evidence, StanceRecord
from detente.evidence.text import Token, lemmas, tokenize

if TYPE_CHECKING:  # pragma: no cover
    from detente.evidence.learn import Sentence
    from detente.scenario.model import Scenario

__all__ = ["ISSUE_KEYWORDS", "find_stances", "issue_keywords", "resolve_scenario"]

# issue id -> (keywords toward the high end, keywords toward the low end). Matched as token
# sequences, case-insensitively.
ISSUE_KEYWORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "assad": (
        (
            "Assad",
            "Assad regime",
            "Assad government",
            "Syrian regime",
            "Syrian government",
            "the regime",
            "Damascus",
            "Bashar al-Assad",
            "Assad's rule",
            "Assad in power",
        ),
        (
            "Assad's ouster",
            "ouster of Assad",
            "Assad's removal",
            "removal of Assad",
            "removing Assad",
            "remove Assad",
            "Assad's departure",
            "Assad must go",
            "anti-Assad",
            "regime change",
            "Assad to step down",
            "Assad to leave",
            "topple Assad",
            "toppling Assad",
            "overthrow Assad",
            "collapse of the regime",
            "its collapse",
        ),
    ),
    "transition": (
        (
            "political transition",
            "transition",
            "transitional",
            "new constitution",
            "constitutional committee",
            "constitutional commission",
            "constitution",
            "political resolution",
            "political solution",
            "political settlement",
            "share power",
            "power-sharing",
            "power sharing",
            "Resolution 2254",
            "2254",
            "elections",
            "reform",
            "reforms",
            "national dialogue",
        ),
        ("military solution", "military victory", "reconciliation deals", "surrender"),
    ),
    "ceasefire": (
        (
            "ceasefire",
            "cease-fire",
            "ceasefires",
            "truce",
            "cessation of hostilities",
            "de-escalation",
            "monitors",
            "monitoring",
            "peace talks",
            "end the war",
            "ending the Syrian conflict",
            "end the Syrian conflict",
            "ending the war",
        ),
        (
            "military solution",
            "offensive",
            "offensives",
            "reclaim",
            "recapture",
            "air strikes",
            "airstrikes",
            "war in Syria",
            "continuing its war",
            "violations",
        ),
    ),
    "kurdish_autonomy": (
        (
            "Kurdish autonomy",
            "autonomy",
            "self-rule",
            "self rule",
            "federal",
            "federalism",
            "Kurdish state",
            "Kurdish region",
            "Kurds",
            "Kurdish",
            "PYD",
            "YPG",
            "SDF",
            "Rojava",
            "Syrian Kurds",
        ),
        ("disarm the YPG", "against the Kurds", "Kurdish separatism"),
    ),
    "foreign_militias": (
        (
            "militias",
            "militia",
            "Hezbollah",
            "foreign fighters",
            "proxy militias",
            "proxies",
            "Shia militia",
            "Shia militias",
            "Shiite militias",
            "Iranian-backed militias",
            "Iranian-trained",
        ),
        (
            "withdraw its allied foreign militias",
            "withdrawal of foreign militias",
            "withdraw the militias",
            "monopoly over arms",
            "strong state",
        ),
    ),
    "turkish_presence": (
        (
            "Turkish military presence",
            "Turkish troops",
            "Turkish military",
            "Turkish forces",
            "Turkey's military intervention",
            "Turkish intervention",
            "sending troops into Syria",
            "troops into Syria",
            "buffer zone",
            "safe zone",
            "Euphrates Shield",
            "Turkey's military",
            "Turkish presence",
        ),
        ("Turkish withdrawal", "withdrawal of Turkish troops", "Syrian sovereignty"),
    ),
    "us_role": (
        (
            "U.S.",
            "US",
            "United States",
            "Americans",
            "Washington",
            "U.S.-led coalition",
            "Trump administration",
            "Obama's administration",
            "Obama administration",
            "American",
            "the West",
            "Western",
        ),
        ("exclusion of the US", "sideline both Obama's administration", "without the Americans"),
    ),
}

_POSITIVE_CUES = (
    "support",
    "back",
    "favour",
    "favor",
    "endorse",
    "want",
    "seek",
    "call for",
    "demand",
    "insist on",
    "push for",
    "accept",
    "welcome",
    "defend",
    "protect",
    "preserve",
    "secure",
    "safeguard",
    "maintain",
    "keep",
    "strengthen",
    "prefer",
    "aim to",
    "agree to",
    "agree on",
    "confirm",
    "guarantee",
    "champion",
    "work for",
    "pursue",
    "invite",
    "press for",
    "backer",
    "backers",
    "sponsor",
    "broker",
    "shore up",
    "prop up",
    "abide by",
    "strengthen",
    "stand by",
    "allied with",
)
_NEGATIVE_CUES = (
    "oppose",
    "reject",
    "be against",
    "stand against",
    "speak against",
    "strongly against",
    "firmly against",
    "resist",
    "criticize",
    "criticise",
    "condemn",
    "object to",
    "undermine",
    "sabotage",
    "curb",
    "remove",
    "oust",
    "exclude",
    "sideline",
    "spoil",
    "veto",
    "prevent",
    "block",
    "limit",
    "reduce",
    "push back",
    "violate",
    "violating",
    "challenge",
    "accuse",
    "hinder",
    "disrupt",
    "end",
    "supplant",
    "push out",
    "drive out",
    "opposed to",
    "hostile to",
    "antagonistic",
)
# Verbs of breaching an object: a cue aimed at the breach is a stance for the object.
_BREACH = frozenset(
    ["break", "breach", "violate", "undermine", "sabotage", "wreck", "flout", "derail"]
)
_OBJECT_WINDOW = 6

# How strongly a cue states a stance (general English, not fitted to any text): verbs of
# forceful action or absolute refusal are strong, plain support or opposition medium, mild
# approval or limiting weak; intensifiers strengthen, hedges weaken.
_STRONG_CUES = frozenset(
    [
        "condemn",
        "veto",
        "oust",
        "sabotage",
        "insist on",
        "demand",
        "drive out",
        "push out",
        "guarantee",
        "champion",
        "prop up",
        "shore up",
        "hostile to",
        "antagonistic",
    ]
)
_WEAK_CUES = frozenset(
    [
        "welcome",
        "accept",
        "prefer",
        "limit",
        "reduce",
        "challenge",
        "keep",
        "invite",
        "confirm",
        "want",
        "seek",
        "aim to",
        "favour",
        "favor",
    ]
)
_INTENSIFIERS = frozenset(
    [
        "strongly",
        "firmly",
        "fervently",
        "vehemently",
        "categorically",
        "resolutely",
        "adamantly",
        "staunchly",
        "staunch",
        "fully",
        "unequivocally",
        "repeatedly",
        "always",
        "totally",
        "completely",
    ]
)
_HEDGES = frozenset(
    [
        "may",
        "might",
        "could",
        "would",
        "reportedly",
        "apparently",
        "possibly",
        "perhaps",
        "probably",
        "cautiously",
        "tacitly",
        "reluctantly",
        "appear",
        "appears",
        "appeared",
        "seem",
        "seems",
        "seemed",
        "signal",
        "signals",
        "signaled",
        "signalled",
        "hint",
        "hints",
        "hinted",
        "consider",
        "considering",
        "considers",
        "partly",
        "somewhat",
    ]
)
_BASE_INTENSITY = {"strong": 1.0, "medium": 0.7, "weak": 0.4}


def cue_intensity(low: list[str], ci: int, cj: int, cue_text: str) -> tuple[float, bool, str]:
    """How strongly the words ``low[ci:cj]`` state a stance: (intensity 0-1, hedged, reason).

    The cue's class gives the base (strong 1.0, medium 0.7, weak 0.4); an intensifier within
    three words before it multiplies by 1.4, a hedge in the clause before it (up to six words)
    by 0.5; the result is capped at 1.

    >>> cue_intensity(["russia", "strongly", "backs", "assad"], 2, 3, "back")
    (0.98, False, "'back' medium 0.7, intensifier 'strongly' x1.4")
    >>> cue_intensity(["iran", "may", "oppose", "it"], 2, 3, "oppose")
    (0.35, True, "'oppose' medium 0.7, hedge 'may' x0.5")
    """
    cls = "strong" if cue_text in _STRONG_CUES else "weak" if cue_text in _WEAK_CUES else "medium"
    value = _BASE_INTENSITY[cls]
    reason = [f"'{cue_text}' {cls} {value}"]
    before = low[max(0, ci - 3) : ci]
    strong = [w for w in before if w in _INTENSIFIERS]
    if strong:
        value *= 1.4
        reason.append(f"intensifier '{strong[-1]}' x1.4")
    clause = []
    for w in reversed(low[max(0, ci - 6) : ci]):
        if w in (",", ";", ":", "and", "but"):
            break
        clause.append(w)
    hedges = [w for w in clause if w in _HEDGES]
    if hedges:
        value *= 0.5
        reason.append(f"hedge '{hedges[0]}' x0.5")
    return round(min(1.0, value), 3), bool(hedges), ", ".join(reason)


_GENERIC_NAME_WORDS = frozenset(
    [
        "future",
        "power",
        "role",
        "presence",
        "scope",
        "political",
        "issue",
        "issues",
        "question",
        "status",
        "level",
        "degree",
        "extent",
        "future's",
        "settlement",
        "process",
        "whether",
        "which",
        "their",
        "about",
        "with",
        "from",
        "into",
        "over",
        "under",
        "syria",
        "syrian",
    ]
)


def _norm(word: str) -> str:
    return word.replace("’", "'")


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    sign: int
    text: str


def _phrases(items: tuple[str, ...] | list[str], sign: int) -> list[_Phrase]:
    """Phrases as token tuples; a word with a capital letter is matched with its case."""
    out = []
    for it in items:
        toks = tuple(
            _norm(t.text) if any(c.isupper() for c in t.text) else _norm(t.text.lower())
            for t in tokenize(it)
        )
        if toks:
            out.append(_Phrase(toks, sign, it))
    return out


_CUES = _phrases(_POSITIVE_CUES, +1) + _phrases(_NEGATIVE_CUES, -1)
_CUE_INDEX: dict[str, list[_Phrase]] = {}


def issue_keywords(issue_id: str, name: str | None = None) -> list[_Phrase]:
    """Keyword phrases for an issue: the built-in mapping plus the distinctive name words."""
    pos, neg = ISSUE_KEYWORDS.get(issue_id, ((), ()))
    out = _phrases(pos, +1) + _phrases(neg, -1)
    if name:
        # Distinctive name words: proper names and adjectives ("Kurdish", "Assad's").
        for w in re.findall(r"[A-Z][A-Za-z'-]{3,}", name):
            w = re.sub(r"['’]s$", "", w)
            if w.lower() not in _GENERIC_NAME_WORDS and not any(
                p.words == (w,) or p.words == (w.lower(),) for p in out
            ):
                out.append(_Phrase((w,), +1, w))
    # Longest first, so "Assad's ouster" wins over "Assad".
    out.sort(key=lambda p: -len(p.words))
    return out


def _word_ok(w: str, tok: str, low: str, lem: frozenset[str], use_lemmas: bool) -> bool:
    tok, low = _norm(tok), _norm(low)
    if w != w.lower():
        return tok == w or (tok.lower() == w.lower() and tok[:1].isupper())
    return low == w or (use_lemmas and w in lem)


def _index(phrases: list[_Phrase]) -> dict[str, list[_Phrase]]:
    idx: dict[str, list[_Phrase]] = {}
    for p in phrases:
        idx.setdefault(p.words[0].lower(), []).append(p)
    for v in idx.values():
        v.sort(key=lambda p: -len(p.words))
    return idx


def _find_phrases(
    toks: list[Token],
    low: list[str],
    lem: list[frozenset[str]],
    index: dict[str, list[_Phrase]],
    use_lemmas: bool,
) -> list[tuple[int, int, _Phrase]]:
    """Non-overlapping phrase matches, longest first at each position, left to right."""
    found: list[tuple[int, int, _Phrase]] = []
    n = len(low)
    i = 0
    while i < n:
        keys = {_norm(low[i])}
        if use_lemmas:
            keys.update(lem[i])
        best: tuple[int, int, _Phrase] | None = None
        for key in keys:
            for p in index.get(key, ()):
                k = len(p.words)
                if i + k > n or (best is not None and k <= best[1] - best[0]):
                    continue
                if all(
                    _word_ok(w, toks[i + j].text, low[i + j], lem[i + j], use_lemmas)
                    for j, w in enumerate(p.words)
                ):
                    best = (i, i + k, p)
                    break
        if best is not None:
            found.append(best)
            i = best[1]
        else:
            i += 1
    return found


def resolve_scenario(scenario: Scenario | str | Path) -> Scenario:
    """A scenario object from an object, a file or an embedded name."""
    from detente.errors import DetenteError
    from detente.scenario import Scenario, load

    if isinstance(scenario, Scenario):
        return scenario
    try:
        return load(str(scenario))
    except DetenteError:
        raise
    except Exception as exc:  # pragma: no cover - defensive: loader bugs become input errors
        raise EvidenceInputError(f"{scenario}: cannot load scenario ({exc})") from exc


def _scale_label(issue: Any, direction: int) -> str | None:
    scale = getattr(issue, "scale", None)
    if scale is None:
        return None
    return scale.high_label if direction > 0 else scale.low_label


def find_stances(
    text: str,
    evidence: Evidence,
    scenario: Scenario | str | Path,
    actors: ActorDictionary,
    parsed: list[Sentence],
) -> list[StanceRecord]:
    """Stance statements in ``text`` bearing on ``scenario``'s issues.

    ``parsed`` holds the evidence's sentences as parsed by the pipeline (tokens, mentions and
    dependency parse); a cue's actor is the subject of the clause the cue's verb governs.
    """
    from detente.evidence.learn import (
        Predicate,
        default_models,
        role_probabilities,
        subject_mentions,
    )

    role = default_models().role
    k_src = role.classes.index("SOURCE")

    sc = resolve_scenario(scenario)
    global _CUE_INDEX
    if not _CUE_INDEX:
        _CUE_INDEX = _index(_CUES)
    issues = [(iss, _index(issue_keywords(iss.id, iss.name))) for iss in sc.issues]
    out: list[StanceRecord] = []
    for si, ((a, b), sent) in enumerate(zip(evidence.sentences, parsed)):
        toks: list[Token] = sent.toks
        if not toks:
            continue
        low = [t.lower for t in toks]
        lem = [lemmas(t.text) for t in toks]
        cues = _find_phrases(toks, low, lem, _CUE_INDEX, use_lemmas=True)
        # Not "in favor of", not passive "supported by".
        cues = [
            c
            for c in cues
            if not (c[0] > 0 and low[c[0] - 1] == "in")
            and not (c[1] < len(low) and low[c[1]] == "by")
        ]
        if not cues:
            continue
        hits: list[tuple[int, int, _Phrase, Any]] = []
        for iss, kws in issues:
            hits.extend(
                (i, j, p, iss) for i, j, p in _find_phrases(toks, low, lem, kws, use_lemmas=False)
            )
        if not hits:
            continue
        for ci, cj, cue in cues:
            # The cue's object: issue keywords starting within a few words after it.
            near = [
                h
                for h in hits
                if cj <= h[0] <= cj + _OBJECT_WINDOW
                and not any(toks[k].text in ";.,:" for k in range(cj, h[0]))
            ]
            if not near:
                continue
            first = min(h[0] for h in near)
            chosen = [h for h in near if h[0] == first]
            cue_tok = sent.token_at(toks[ci].start)
            srcs = [m for m in subject_mentions(sent, cue_tok) if m.actor] if cue_tok else []
            if not srcs:
                continue
            negated = any(
                low[k] in ("not", "never", "no") and not (k + 1 < len(low) and low[k + 1] == "only")
                for k in range(max(0, ci - 3), ci)
            )
            # Confidence: the role model's probability that the actor is the doer at the cue.
            pr = role_probabilities(
                sent, Predicate(cue_tok, cue_tok), "SUPPORT" if cue.sign > 0 else "REJECT", role
            )
            conf = {id(m): float(pr[k, k_src]) for k, m in enumerate(sent.mentions)}
            intensity, hedged, why = cue_intensity(low, ci, cj, cue.text)
            for ki, kj, kw, iss in chosen:
                # "accused Iran of breaking the truce": the cue is against the breach, so
                # for the truce
                breach = any(lem[k] & _BREACH for k in range(cj, ki))
                direction = cue.sign * kw.sign * (-1 if negated else 1) * (-1 if breach else 1)
                for m in srcs:
                    if m.ti >= ki and m.tj <= kj:
                        continue  # the keyword is the actor itself
                    name = actors.actors[m.actor].name if m.actor in actors.actors else m.actor
                    verb = "supports more" if direction > 0 else "wants less"
                    out.append(
                        StanceRecord(
                            actor=m.actor,
                            code=m.code,
                            issue=iss.id,
                            direction=direction,
                            cue=text[toks[ci].start : toks[cj - 1].end],
                            keyword=text[toks[ki].start : toks[kj - 1].end],
                            sentence=si,
                            sentence_start=a,
                            sentence_end=b,
                            cue_offsets=(toks[ci].start, toks[cj - 1].end),
                            keyword_offsets=(toks[ki].start, toks[kj - 1].end),
                            summary=f"{name} — {verb} — {iss.id} ({'+' if direction > 0 else '-'})",
                            toward=_scale_label(iss, direction),
                            text=text[a:b].strip(),
                            confidence=round(conf.get(id(m), 0.0), 3),
                            intensity=intensity,
                            hedged=hedged,
                            intensity_reason=why,
                        )
                    )
    # One record per (actor, issue, sentence).
    seen: set[tuple[str, str, int]] = set()
    unique = []
    for s in out:
        key = (s.actor, s.issue, s.sentence)
        if key not in seen:
            seen.add(key)
            unique.append(s)
    return unique
