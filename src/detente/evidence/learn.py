"""Who did what to whom, from the parse and two small learned models.

A sentence is read in four steps:

1. **Candidates** (:func:`detente.evidence.events.find_candidates`): the CAMEO trigger lexicon
   and its frames propose events, each with a CAMEO code and a trigger.
2. **The predicate** of each candidate is its trigger's token in the dependency parse (for a
   framed act, "threatened to cut", the frame's token carries the subject and the act's token
   the object). The sentence's main candidate is the one whose predicate stands highest in the
   tree (nearest the root), so an act inside a subordinate or relative clause is not main.
3. **The event category** of the sentence comes from a multinomial logistic regression (the
   *event model*) over features of the sentence: its words (actor names replaced by their
   kind, so a country name never decides a category), the main predicate and the root verb
   with their negation, auxiliaries and clausal complements, and the categories the lexicon
   proposes. When the model's category differs from the main candidate's, the highest
   candidate of that category becomes main; if there is none, the predicate keeps the
   category with the category's most general CAMEO code.
4. **Roles**: each actor mention is classified SOURCE, TARGET or neither by a second logistic
   regression (the *role model*) over its dependency path to the predicate (the relation that
   attaches it, prepositions on the way, clause boundaries crossed), its side of the predicate,
   the predicate's voice and the mention's kind (state, capital, place, person, group).

Both models are trained on PLOVER gold records by ``python -m detente.evidence.train`` and
ship as ``data/event_model.json`` (vocabularies and coefficients; prediction needs numpy
only). Rules that remain encode the coding scheme: the lexicon, the frames, the actor
dictionary and CAMEO's reciprocal events (co-operative acts with two or more sources and no
target).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.evidence.events import (
    RECIPROCAL,
    CodedEvent,
    Lexicon,
    category_code,
    find_candidates,
)
from detente.evidence.mentions import Mention
from detente.evidence.text import Token, lemmas

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc
    from spacy.tokens import Token as PToken

__all__ = [
    "LinearModel",
    "Models",
    "Predicate",
    "Sentence",
    "code_sentence",
    "default_models",
    "event_features",
    "role_features",
    "role_probabilities",
    "subject_mentions",
]

ROLES = ("SOURCE", "TARGET", "NONE")
_SPEECH = frozenset(
    ["say", "tell", "announce", "report", "add", "state", "declare", "claim", "note", "quote"]
    + ["reiterate", "insist", "stress", "repeat", "assert", "affirm", "emphasize", "emphasise"]
    + ["confirm", "explain", "write", "remark", "reply", "respond", "comment", "indicate"]
)
_CLAUSES = frozenset(["relcl", "acl", "advcl", "ccomp", "csubj", "parataxis"])


# -- the parsed sentence --------------------------------------------------------------------------


@dataclass
class Sentence:
    """One sentence with its tokens, actor mentions, candidate events and parse.

    ``offset`` is where the sentence starts in the document (``toks`` and ``mentions`` carry
    document offsets; the parse has offsets relative to the sentence).
    """

    offset: int
    toks: list[Token]
    mentions: list[Mention]
    candidates: list[CodedEvent]
    doc: Doc
    _by_char: dict[int, int] = field(default_factory=dict, repr=False)
    _starts: list[int] = field(default_factory=list, repr=False)
    _heads: dict[int, PToken | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # One pass over the parse (spaCy makes a new Token object at each access).
        for t in self.doc:
            self._starts.append(t.idx)
            for c in range(t.idx, t.idx + len(t.text)):
                self._by_char[c] = t.i

    def token_at(self, pos: int) -> PToken | None:
        """The parse token covering document offset ``pos`` (or the next one)."""
        rel = pos - self.offset
        i = self._by_char.get(rel)
        if i is not None:
            return self.doc[i]
        k = bisect.bisect_left(self._starts, rel)
        return self.doc[k] if k < len(self._starts) else None

    def head(self, start: int, end: int) -> PToken | None:
        """The syntactic head of the document characters ``[start, end)``."""
        rel = range(start - self.offset, end - self.offset)
        ids = sorted({self._by_char[c] for c in rel if c in self._by_char})
        if not ids:
            return self.token_at(start)
        inside = set(ids)
        for i in ids:
            t = self.doc[i]
            if t.head.i not in inside or t.head.i == t.i:
                return t
        return self.doc[ids[0]]

    def toks_start_of(self, t: PToken) -> int:
        """The document offset of parse token ``t``."""
        return self.offset + t.idx

    def mention_head(self, m: Mention) -> PToken | None:
        """The head token of a mention (cached)."""
        key = id(m)
        if key not in self._heads:
            self._heads[key] = self.head(m.start, m.end)
        return self._heads[key]

    def root(self) -> PToken:
        roots = [t for t in self.doc if t.dep_ == "ROOT"]
        return roots[0] if roots else self.doc[0]


def _depth(t: PToken) -> int:
    d = 0
    while t.head.i != t.i and d < 100:
        t = t.head
        d += 1
    return d


def _base(word: str) -> list[str]:
    """Inflection candidates of a word, shortest last (features use all of them)."""
    return sorted(lemmas(word))


# -- predicates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Predicate:
    """Where an event sits in the parse: the frame's token (subject side) and the act's."""

    frame: PToken
    act: PToken


def candidate_predicate(s: Sentence, ev: CodedEvent) -> Predicate | None:
    """The parse tokens of a candidate's first (frame) and last (act) trigger words."""
    i0 = ev.trigger_spans[0][0]
    i1 = ev.trigger_spans[-1][0]
    f = s.token_at(s.toks[i0].start)
    a = s.token_at(s.toks[i1].start)
    if f is None or a is None:
        return None
    if f.i == a.i and a.tag_.startswith("NN") and a.dep_ in _NOMINAL_ARGS:
        # An event named by a noun takes its arguments from the verb it depends on: "Russia
        # launched an attack", "the talks were hosted by Kazakhstan", "talks ... ended".
        f = a.head
    elif f.tag_ == "MD" and f.head.dep_ == "ccomp" and _is_speech(f.head.head):
        # "Egypt said Israel must lift the blockade": a reported "must" is the speaker's
        # demand (CAMEO 10); the speech verb carries the demander.
        f = f.head.head
    return Predicate(f, a)


def _is_speech(t: PToken) -> bool:
    return any(b in _SPEECH for b in _base(t.text))


_NOMINAL_ARGS = frozenset(["nsubj", "nsubjpass", "dobj"])


def clause_predicate(s: Sentence) -> Predicate:
    """The predicate of a sentence without candidates: the root verb, or the clause a speech
    verb reports ("X said Y would ...": Y's verb)."""
    root = s.root()
    if any(b in _SPEECH for b in _base(root.text)):
        for c in root.children:
            if c.dep_ == "ccomp":
                return Predicate(c, c)
    return Predicate(root, root)


def rank_candidates(s: Sentence) -> list[tuple[int, CodedEvent, Predicate]]:
    """Candidates with a predicate, highest in the tree first (then leftmost)."""
    out = []
    for ev in s.candidates:
        p = candidate_predicate(s, ev)
        if p is not None:
            out.append((min(_depth(p.frame), _depth(p.act)), ev, p))
    out.sort(key=lambda x: (x[0], x[1].ti))
    return out


# -- features -------------------------------------------------------------------------------------


def _mention_tokens(s: Sentence) -> set[int]:
    inside: set[int] = set()
    for m in s.mentions:
        for c in range(m.start - s.offset, m.end - s.offset):
            if c in s._by_char:
                inside.add(s._by_char[c])
    return inside


def _verb_features(prefix: str, t: PToken, out: dict[str, float]) -> None:
    for b in _base(t.text):
        out[f"{prefix}={b}"] = 1.0
    out[f"{prefix}_tag={t.tag_}"] = 1.0
    for c in t.children:
        if c.dep_ == "neg":
            out[f"{prefix}_neg"] = 1.0
        elif c.dep_ in ("aux", "auxpass") and c.lower_ not in ("be", "is", "was", "were", "are"):
            out[f"{prefix}_aux={c.lower_}"] = 1.0
        elif c.dep_ in ("xcomp", "ccomp", "dobj", "prep", "prt"):
            for b in _base(c.text):
                out[f"{prefix}_{c.dep_}={b}"] = 1.0


def event_features(
    s: Sentence, main: tuple[CodedEvent, Predicate] | None, lexicon_weight: float = 1.0
) -> dict[str, float]:
    """Features of a sentence for the event model (see the module's docstring).

    ``lexicon_weight`` scales the features that come from the CAMEO lexicon (the candidates'
    categories); with L2 regularisation a larger value lets the model lean on them more than
    on single words. It is a design parameter chosen by cross-validation.
    """
    out: dict[str, float] = {}
    inside = _mention_tokens(s)
    kinds: set[str] = set()
    for m in s.mentions:
        kinds.add(m.kind or "unknown")
    for k in kinds:
        out[f"actor={k}"] = 1.0
    for t in s.doc:
        if t.i in inside or not t.is_alpha:
            continue
        for b in _base(t.text):
            out[f"w={b}"] = 1.0
    root = s.root()
    _verb_features("root", root, out)
    cp = clause_predicate(s)
    if cp.act.i != root.i:
        _verb_features("said", cp.act, out)
    for ev in s.candidates:
        out[f"lex={ev.plover}"] = lexicon_weight
    if main is not None:
        ev, p = main
        out[f"main={ev.plover}"] = lexicon_weight
        out[f"main2={ev.cameo[:2]}"] = 1.0
        out[f"frame={ev.frame}"] = 1.0
        _verb_features("pred", p.act, out)
        if p.frame.i != p.act.i:
            _verb_features("framew", p.frame, out)
    else:
        out["no_candidate"] = lexicon_weight
    return out


def _path(m: PToken, stops: set[int], limit: int = 12) -> tuple[list[str], PToken]:
    """Dependency relations from ``m`` up to the first token in ``stops`` (or the root)."""
    steps: list[str] = []
    t = m
    while t.i not in stops and t.head.i != t.i and len(steps) < limit:
        d = t.dep_
        if d == "pobj":
            d = f"pobj:{t.head.lower_}"
        steps.append(d)
        t = t.head
    return steps, t


def _passive(t: PToken) -> bool:
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in t.children)


def _active_voice(steps: list[str]) -> list[str]:
    """A passive predicate's dependency path in active terms: the passive subject is the
    object and the "by" agent the subject ("the talks were convened by Russia": Russia is
    the one who convened, as in "Russia convened the talks")."""
    out = []
    for st in steps:
        if st == "pobj:by":
            continue
        out.append({"nsubjpass": "dobj", "agent": "nsubj"}.get(st, st))
    return out


def role_features(
    s: Sentence,
    m: Mention,
    p: Predicate,
    category: str,
    subject_ids: frozenset[int] | set[int] = frozenset(),
) -> dict[str, float]:
    """Features of a mention's relation to an event's predicate, for the role model.

    ``subject_ids`` holds the ids of the mentions in the subject of the predicate's clause
    (:func:`subject_mentions`).
    """
    h = s.mention_head(m)
    out: dict[str, float] = {"bias": 1.0, f"kind={m.kind or 'unknown'}": 1.0}
    if m.how in ("capital", "demonym", "generic", "context"):
        out[f"how={m.how}"] = 1.0
    if h is None:
        out["nohead"] = 1.0
        return out
    anc = {p.act.i, p.frame.i}
    anc.update(a.i for a in p.frame.ancestors)
    steps, top = _path(h, anc)
    passive = _passive(p.act) or _passive(p.frame)
    if passive:
        steps = _active_voice(steps)
    rel = "act" if top.i == p.act.i else "frame" if top.i == p.frame.i else "above"
    attach = steps[-1] if steps else "self"
    side = "L" if h.i < p.frame.i else "R" if h.i > p.act.i else "M"
    if passive:  # word order in active terms too: a passive's doer follows its verb
        side = {"L": "R", "R": "L"}.get(side, side)
    out[f"attach={attach}"] = 1.0
    out[f"attach={attach}|rel={rel}"] = 1.0
    out[f"attach={attach}|rel={rel}|framed={p.frame.i != p.act.i}"] = 1.0
    out[f"attach={attach}|side={side}"] = 1.0
    out[f"side={side}"] = 1.0
    out[f"rel={rel}"] = 1.0
    out[f"first={steps[0] if steps else 'self'}"] = 1.0
    out[f"path={'/'.join(steps[:3])}"] = 1.0
    out[f"cat={category}|attach={attach}"] = 1.0
    out[f"ptag={p.act.tag_[:2]}|attach={attach}"] = 1.0
    out[f"ptag={p.act.tag_[:2]}|side={side}"] = 1.0
    out[f"kind={m.kind or 'unknown'}|attach={attach}"] = 1.0
    if _is_speaker(h, steps, p):
        out[f"speaker|attach={attach}"] = 1.0
    own_subject = any(c.dep_ in ("nsubj", "nsubjpass", "agent") for c in p.frame.children)
    out[f"own_subject={own_subject}|rel={rel}"] = 1.0
    if passive:
        out["passive"] = 1.0
        out[f"passive|attach={attach}"] = 1.0
    out[f"dist={min(abs(h.i - p.act.i) // 3, 4)}"] = 1.0
    _step_features(out, steps, m, category)
    _order_features(out, s, m, p, passive)
    out[f"in_subject={id(m) in subject_ids}"] = 1.0
    out[f"in_subject={id(m) in subject_ids}|cat={category}"] = 1.0
    return out


def _attribution(s: Sentence, m: Mention) -> bool:
    """Whether the mention is inside an "according to ..." phrase (the report's source)."""
    h = s.mention_head(m)
    steps = 0
    while h is not None and h.head.i != h.i and steps < 6:
        if h.lower_ == "to" and h.head.lower_ == "according":
            return True
        h, steps = h.head, steps + 1
    return False


def _is_speaker(h: PToken, steps: list[str], p: Predicate) -> bool:
    """Whether the mention attaches to a speech verb other than the predicate: the speaker of
    a "said" attribution is not a party to what was said."""
    if not steps:
        return False
    holder = h
    for _ in steps:
        holder = holder.head
    return _is_speech(holder) and holder.i not in (p.act.i, p.frame.i)


def _step_features(out: dict[str, float], steps: list[str], m: Mention, category: str) -> None:
    """Prepositions, clause boundaries, co-ordination and modifiers on the mention's path."""
    for st in steps:
        if st.startswith("pobj:"):
            out[f"prep={st[5:]}"] = 1.0
        if st in _CLAUSES:
            out[f"clause={st}"] = 1.0
        if st == "conj":
            out["conj"] = 1.0
        if st in ("appos", "poss", "compound", "amod"):
            out[f"mod={st}"] = 1.0
    preps = [st[5:] for st in steps if st.startswith("pobj:")]
    if preps:
        out[f"cat={category}|prep={preps[-1]}"] = 1.0
        out[f"kind={m.kind or 'unknown'}|prep={preps[-1]}"] = 1.0
        if m.how == "capital":
            out[f"capital|prep={preps[-1]}"] = 1.0


def _order_features(
    out: dict[str, float], s: Sentence, m: Mention, p: Predicate, passive: bool
) -> None:
    """Word order: how many mentions stand between this one and the predicate, and whether
    it is the sentence's first or last (swapped for a passive, read in active terms)."""
    first, last = (
        ("last_mention", "first_mention") if passive else ("first_mention", "last_mention")
    )
    pos, pos_act = s.toks_start_of(p.frame), s.toks_start_of(p.act)
    if m.end <= pos:
        n_between = sum(1 for x in s.mentions if m.end <= x.start and x.end <= pos)
        out[f"left_rank={min(n_between, 2)}"] = 1.0
    elif m.start >= pos_act:
        n_between = sum(1 for x in s.mentions if pos_act <= x.start and x.end <= m.start)
        out[f"right_rank={min(n_between, 2)}"] = 1.0
    out[f"{first}={not any(x.end <= m.start for x in s.mentions)}"] = 1.0
    out[f"{last}={not any(x.start >= m.end for x in s.mentions)}"] = 1.0


# -- linear models --------------------------------------------------------------------------------


class LinearModel:
    """A multinomial logistic regression over named binary features, as plain arrays.

    Built from a fitted scikit-learn ``DictVectorizer`` and ``LogisticRegression`` (or read
    from the shipped JSON); prediction needs numpy only.
    """

    def __init__(
        self,
        vocabulary: dict[str, int],
        classes: Sequence[str],
        coef: np.ndarray,
        intercept: np.ndarray,
    ) -> None:
        self.vocabulary = vocabulary
        self.classes = list(classes)
        self.coef = np.asarray(coef, dtype=float)
        self.intercept = np.asarray(intercept, dtype=float)

    @classmethod
    def from_sklearn(cls, vectorizer: Any, classifier: Any) -> LinearModel:
        coef = classifier.coef_
        intercept = classifier.intercept_
        classes = [str(c) for c in classifier.classes_]
        if len(classes) == 2:  # binary: one row for the second class
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        return cls(dict(vectorizer.vocabulary_), classes, coef, intercept)

    def to_dict(self, digits: int = 5) -> dict[str, Any]:
        names = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {
            "classes": self.classes,
            "features": names,
            "coef": [[round(float(x), digits) for x in row] for row in self.coef],
            "intercept": [round(float(x), digits) for x in self.intercept],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearModel:
        vocab = {n: i for i, n in enumerate(data["features"])}
        return cls(vocab, data["classes"], np.array(data["coef"]), np.array(data["intercept"]))

    def predict_proba(self, rows: Iterable[dict[str, float]]) -> np.ndarray:
        rows = list(rows)
        z = np.tile(self.intercept, (len(rows), 1))
        for r, feats in enumerate(rows):
            idx = [self.vocabulary[k] for k in feats if k in self.vocabulary]
            if idx:
                vals = np.array([feats[k] for k in feats if k in self.vocabulary])
                z[r] += self.coef[:, idx] @ vals
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


@dataclass
class Models:
    """The event model and the role model, with what they were trained on."""

    event: LinearModel
    role: LinearModel
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"meta": self.meta, "event": self.event.to_dict(), "role": self.role.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Models:
        return cls(
            LinearModel.from_dict(data["event"]),
            LinearModel.from_dict(data["role"]),
            dict(data.get("meta") or {}),
        )


@lru_cache(maxsize=1)
def default_models() -> Models:
    """The shipped models (``data/event_model.json``)."""
    text = resources.files("detente.evidence").joinpath("data", "event_model.json").read_text()
    return Models.from_dict(json.loads(text))


# -- coding a sentence ----------------------------------------------------------------------------


def choose_main(
    s: Sentence, category: str | None, ranked: list[tuple[int, CodedEvent, Predicate]]
) -> tuple[CodedEvent | None, Predicate]:
    """The main candidate for ``category`` (highest in the tree) and its predicate."""
    if category is not None:
        for _, ev, p in ranked:
            if ev.plover == category:
                return ev, p
    if ranked:
        return ranked[0][1], ranked[0][2]
    return None, clause_predicate(s)


def coordinated_groups(s: Sentence) -> list[list[int]]:
    """Indices of mentions joined by co-ordination or apposition in the parse ("Russia and
    Turkey", "the powers, Turkey and Iran"): co-ordinated actors play one role together."""
    heads = [s.mention_head(m) for m in s.mentions]
    by_tok: dict[int, list[int]] = {}
    for k, h in enumerate(heads):
        if h is not None:
            by_tok.setdefault(h.i, []).append(k)
    parent = list(range(len(heads)))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for k in range(len(heads) - 1):
        # "Russia as well as China": a co-ordinator the parser often reads as a preposition.
        a, b = s.mentions[k], s.mentions[k + 1]
        between = [t.lower for t in s.toks if a.end <= t.start and t.end <= b.start]
        if between == ["as", "well", "as"]:
            parent[find(k + 1)] = find(k)
    for k, h in enumerate(heads):
        t = h
        # Up through conj/appos links to the first conjunct, then join with a mention there.
        while t is not None and t.dep_ in ("conj", "appos") and t.head.i != t.i:
            t = t.head
            for j in by_tok.get(t.i, ()):
                parent[find(k)] = find(j)
        # A list attached to a noun without a mention is often a clause-final apposition the
        # parser hung on the nearest noun ("Russia and the two other powers involved in the
        # war, Turkey and Iran": "Turkey" on "war"); it names the members of the nearest
        # enclosing noun phrase that is itself co-ordinated with a mention ("powers").
        if t is not h and t is not None and t.i not in by_tok:
            for j in _enclosing_conjunct_mentions(t, by_tok):
                parent[find(k)] = find(j)
    groups: dict[int, list[int]] = {}
    for k in range(len(heads)):
        groups.setdefault(find(k), []).append(k)
    return list(groups.values())


_NOUN_LINKS = ("pobj", "prep", "acl", "amod", "poss", "compound", "nmod", "npadvmod")


def _enclosing_conjunct_mentions(t: Any, by_tok: dict[int, list[int]]) -> list[int]:
    """Mentions co-ordinated with the nearest noun above ``t`` (climbing through noun-phrase
    links only: prepositions, participles, modifiers) that is a conjunct or apposition of a
    mention; none when a clause or anything else intervenes."""
    steps = 0
    while t.dep_ in _NOUN_LINKS and t.head.i != t.i and steps < 8:
        t = t.head
        steps += 1
        if t.dep_ in ("conj", "appos"):
            u = t
            while u.dep_ in ("conj", "appos") and u.head.i != u.i:
                u = u.head
                if u.i in by_tok:
                    return by_tok[u.i]
            return []
    return []


def role_probabilities(s: Sentence, p: Predicate, category: str, role: LinearModel) -> np.ndarray:
    """The role model's probabilities (rows: mentions; columns: ``role.classes``), averaged
    over each group of co-ordinated mentions (:func:`coordinated_groups`)."""
    subj = {id(m) for m in subject_mentions(s, p.frame)}
    probs = role.predict_proba(role_features(s, m, p, category, subj) for m in s.mentions)
    for g in coordinated_groups(s):
        if len(g) > 1:
            probs[g] = probs[g].mean(axis=0)
    return probs


ROLE_DECODINGS = ("mention", "group")
"""How roles are read from the role model's probabilities: ``mention``, every mention takes
its most probable role; ``group``, the same, then on each side only the most probable
co-ordinated group is kept (an event has one doer and one target, each of which may be
several co-ordinated actors, as CAMEO codes it). The choice is a design parameter, made by
cross-validation (:mod:`detente.evidence.train`); models trained before it was one read
``mention``."""


def assign_roles(
    s: Sentence, p: Predicate, category: str, role: LinearModel, decoding: str = "mention"
) -> tuple[list[Mention], list[Mention], list[float]]:
    """Sources and targets of an event at predicate ``p``, with each one's probability.

    A mention is a source (target) when that is its most probable role, except that when the
    parse finds a subject of the predicate's clause (a passive's agent) only mentions inside
    it can be sources (others the model calls sources are left out). An event has a doer:
    when no mention is most probably a source, the co-ordinated group most probably one is
    taken if its probability reaches ``MIN_SOURCE``. With ``decoding="group"`` (see
    :data:`ROLE_DECODINGS`) each side then keeps only its most probable group (co-ordinated
    mentions share one probability, so a group is kept or dropped whole).
    """
    if decoding not in ROLE_DECODINGS:
        raise ValueError(f"decoding must be one of {ROLE_DECODINGS}, got {decoding!r}")
    if not s.mentions:
        return [], [], []
    probs = role_probabilities(s, p, category, role)
    k_src, k_tgt = role.classes.index("SOURCE"), role.classes.index("TARGET")
    best = probs.argmax(axis=1)
    subject = {id(m) for m in subject_mentions(s, p.frame)}
    if subject:
        # The parse names the doer: the subject (a passive's agent) of the predicate's clause.
        # Other mentions are not sources; those the model calls sources are left out (they
        # are most often speakers and other clauses' subjects, not targets).
        for k, m in enumerate(s.mentions):
            if best[k] == k_src and id(m) not in subject:
                best[k] = role.classes.index("NONE")
    if not (best == k_src).any():
        pool = [k for k, m in enumerate(s.mentions) if not subject or id(m) in subject]
        k = max(pool, key=lambda j: probs[j, k_src])
        if probs[k, k_src] >= MIN_SOURCE:
            for j in pool:
                if np.isclose(probs[j, k_src], probs[k, k_src]):
                    best[j] = k_src
    for k, m in enumerate(s.mentions):
        if _attribution(s, m):  # "according to X": who reports it, not a party to it
            best[k] = role.classes.index("NONE")
    if decoding == "group":
        for k_side in (k_src, k_tgt):
            on_side = np.flatnonzero(best == k_side)
            if len(on_side) > 1:
                top = probs[on_side, k_side].max()
                drop = on_side[~np.isclose(probs[on_side, k_side], top)]
                best[drop] = role.classes.index("NONE")
    sources, targets, conf = [], [], []
    for m, b, pr in zip(s.mentions, best, probs):
        if b == k_src:
            sources.append(m)
            conf.append(float(pr[b]))
        elif b == k_tgt:
            targets.append(m)
            conf.append(float(pr[b]))
    return sources, targets, conf


MIN_SOURCE = 0.2


def code_sentence(
    s: Sentence, models: Models | None = None, always: bool = False
) -> list[CodedEvent]:
    """The events of one parsed sentence, the main one flagged and coded by the models.

    Every candidate gets its sources and targets from the role model; the main one's category
    comes from the event model. With ``always``, a sentence without candidates still gets a
    main event at its clause predicate (used for scoring one-event gold sentences).
    """
    models = models or default_models()
    if len(s.doc) == 0:
        return []
    ranked = rank_candidates(s)
    main0 = (ranked[0][1], ranked[0][2]) if ranked else None
    weight = float(models.meta.get("lexicon_weight", 1.0))
    decoding = str(models.meta.get("role_decoding", "mention"))
    probs = models.event.predict_proba([event_features(s, main0, weight)])[0]
    k = int(np.argmax(probs))
    category = models.event.classes[k]
    main, pred = choose_main(s, category, ranked)
    events = list(s.candidates)
    if main is None:
        if not always:
            return []
        code = category_code(category)
        i = next((t.i for t in s.toks if t.start - s.offset >= pred.act.idx), 0)
        main = CodedEvent(code, category, i, i + 1, [(i, i + 1)], [], [])
        events.append(main)
    elif main.plover != category:
        main.cameo, main.plover = category_code(category), category
    main.main = True
    main.confidence = float(probs[k])
    preds = {id(ev): p for _, ev, p in ranked}
    for ev in events:
        p = pred if ev is main else preds.get(id(ev))
        if p is None:
            continue
        ev.sources, ev.targets, _ = assign_roles(s, p, ev.plover, models.role, decoding)
        ev.passive = _passive(p.act) or _passive(p.frame)
        _finish(s, ev, p)
    events.sort(key=lambda e: e.ti)
    return events


# Acts that a plural subject does to itself (CAMEO codes them between each pair).
_MUTUAL = ("exchang", "clash", "skirmish")


def _between(s: Sentence, p: Predicate) -> list[Mention]:
    """Mentions in a "between X and Y" phrase of the predicate: the parties of a mutual act
    ("talks between Russia and Turkey", "fighting between Armenia and Azerbaijan")."""
    preps = [c for t in (p.act, p.frame) for c in t.children if c.lower_ == "between"]
    if not preps:
        return []
    inside = {x.i for c in preps for x in c.subtree}
    return [m for m in s.mentions if (h := s.mention_head(m)) is not None and h.i in inside]


def _is_venue(s: Sentence, m: Mention, p: Predicate, category: str) -> bool:
    """Whether a mention names where an act took place rather than a party to it (CAMEO:
    locations are not targets): a place or capital in an "in/at/near" phrase of the predicate,
    except for visits and talks, whose host is a party ("arrived in Amman")."""
    if category == "CONSULT" or not (m.kind == "place" or m.how == "capital"):
        return False
    h = s.mention_head(m)
    if h is None or h.dep_ != "pobj":
        return False
    prep = h.head
    return prep.lower_ in ("in", "at", "near", "inside", "outside") and prep.head.i in (
        p.act.i,
        p.frame.i,
    )


def _finish(s: Sentence, ev: CodedEvent, p: Predicate) -> None:
    """The coding scheme's conventions on top of the role model: venues are no targets;
    "between X and Y" and mutual acts ("exchanged fire") with two or more sources, and
    co-operative acts with two or more sources and no target, are reciprocal."""
    ev.targets = [m for m in ev.targets if not _is_venue(s, m, p, ev.plover)]
    parties = _between(s, p)
    if len({m.code for m in parties if m.code}) >= 2:
        ev.sources, ev.targets = parties, [m for m in ev.targets if m not in parties]
        if not ev.targets:
            ev.reciprocal = True
            return
    codes = {m.code for m in ev.sources if m.code}
    mutual = p.act.lower_.startswith(_MUTUAL) or p.frame.lower_.startswith(_MUTUAL)
    if len(codes) >= 2 and not ev.targets and (ev.plover in RECIPROCAL or mutual):
        ev.reciprocal = True


def prepare(
    texts: Sequence[tuple[str, int, int]],
    mentions_of: Any,
    lexicon: Lexicon | None = None,
) -> list[Sentence]:
    """Parse sentences ``text[a:b]`` (given as triples) and find their candidates.

    ``mentions_of(toks, text)`` returns a sentence's actor mentions.
    """
    from detente.evidence.parse import parse
    from detente.evidence.text import tokenize

    # a sentence that runs over a wrapped line is parsed with the break as a space (the
    # same length, so offsets still match)
    docs = parse([t[a:b].replace("\n", " ") for t, a, b in texts])
    out = []
    for (t, a, b), doc in zip(texts, docs):
        toks = tokenize(t, a, b)
        mentions = mentions_of(toks, t)
        cands = find_candidates(toks, mentions, lexicon)
        out.append(Sentence(a, toks, mentions, cands, doc))
    return out


_CLAUSE_BREAKS = frozenset(
    [",", ";", ":", "(", ")", "who", "which", "that", "while", "after", "before", "when"]
)


def _subject_by_order(s: Sentence, tok: PToken) -> list[Mention]:
    """English word order when the parse gives the predicate no subject (a verb the tagger
    read as a noun, a fragment): the mentions just before it in the same clause (nothing but
    modifiers between), with those co-ordinated with them."""
    start = s.toks_start_of(tok)
    left = [k for k, m in enumerate(s.mentions) if m.end <= start]
    if not left:
        return []
    k = max(left, key=lambda j: s.mentions[j].end)
    gap = [t for t in s.toks if s.mentions[k].end <= t.start and t.end <= start]
    if len(gap) > 3 or any(t.lower in _CLAUSE_BREAKS for t in gap):
        return []
    group = next(g for g in coordinated_groups(s) if k in g)
    return [s.mentions[j] for j in sorted(group)]


_CLIMB = frozenset(
    ["xcomp", "conj", "advcl", "ccomp", "pcomp", "prep", "pobj", "dobj", "acomp", "aux", "neg"]
)


def subject_mentions(s: Sentence, tok: PToken) -> list[Mention]:
    """The actor mentions in the subject of the clause that governs ``tok``.

    From ``tok`` the parse is climbed through open complements, co-ordinated verbs and
    prepositional phrases ("Russia wants to back ...", "Iran met and backed ...") to the first
    verb with a subject; a relative clause's subject is the noun it modifies ("Iran, which
    backs ..."). Mentions inside that subject (not inside a clause within it) are returned.
    """
    t = tok
    subj: PToken | None = None
    for _ in range(12):
        agent = [c for c in t.children if c.dep_ == "agent"]
        if agent:  # a passive's doer is in its by-phrase, in active terms its subject
            inside = {x.i for x in agent[0].subtree}
            return [m for m in s.mentions if (h := s.mention_head(m)) is not None and h.i in inside]
        if any(c.dep_ == "nsubjpass" for c in t.children):
            return []  # a passive without a by-phrase: its subject is what was acted on
        found = [c for c in t.children if c.dep_ in ("nsubj", "csubj")]
        if found:
            subj = found[0]
            break
        if t.dep_ in ("relcl", "acl") and t.head.i != t.i:
            subj = t.head
            break
        if t.dep_ in _CLIMB and t.head.i != t.i:
            t = t.head
            continue
        break
    if subj is None:
        return _subject_by_order(s, tok)
    inside = set()
    stack = [subj]
    while stack:
        x = stack.pop()
        inside.add(x.i)
        stack.extend(c for c in x.children if c.dep_ not in ("relcl", "acl", "advcl"))
    return [m for m in s.mentions if (h := s.mention_head(m)) is not None and h.i in inside]
