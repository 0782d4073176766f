"""The actor dictionary: canonical actors, their codes and the many names text uses for them.

The shipped dictionary (``data/actors.yaml``) covers the world's states (names, capitals,
demonyms), international organisations, the Syrian war's parties and a list of leaders; a user
file of the same shape extends it (see :func:`load_actors`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from detente import files
from detente.errors import DetenteError
from detente.evidence.errors import EvidenceInputError
from detente.evidence.text import tokenize
from detente.scenario.io.safe_yaml import load_yaml

__all__ = ["Actor", "ActorDictionary", "AliasEntry", "default_actors", "load_actors"]

_KINDS = frozenset(
    [
        "state",
        "government",
        "opposition",
        "organisation",
        "armed_group",
        "ethnic_group",
        "place",
        "person",
        "mediator",
        "observer",
    ]
)
_CODE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Actor:
    """A canonical actor: id, code (ISO-3166 alpha-3 or a group code), kind and display name."""

    id: str
    code: str
    kind: str
    name: str


@dataclass(frozen=True)
class AliasEntry:
    """One way of naming an actor: which actor, and how the name works in a sentence.

    ``how`` is one of ``alias`` (a name of the actor itself), ``demonym`` (an adjective or a
    noun for its people, which usually modifies a following noun), ``capital`` (a capital or
    other place standing for the state), ``person`` (someone who speaks for it) or ``context``
    (a generic description, active only when the document mentions a context word).
    """

    actor: str
    how: str
    text: str
    role: str | None = None
    context_words: tuple[str, ...] = ()


@dataclass
class ActorDictionary:
    """Canonical actors and a token trie of their aliases, matched case-sensitively."""

    actors: dict[str, Actor] = field(default_factory=dict)
    _trie: dict = field(default_factory=dict, repr=False)
    _n_aliases: int = 0

    # -- building -------------------------------------------------------------------------------
    def add_actor(self, actor: Actor) -> None:
        self.actors[actor.id] = actor

    def add_alias(self, entry: AliasEntry) -> None:
        """Index one alias (its capitalised form too when it starts with a lower-case letter)."""
        toks = [t.text for t in tokenize(entry.text)]
        if not toks:
            return
        variants = [toks]
        if toks[0][:1].islower():
            variants.append([toks[0][:1].upper() + toks[0][1:]] + toks[1:])
        for seq in variants:
            node = self._trie
            for t in seq:
                node = node.setdefault(t, {})
            entries = node.setdefault(None, [])
            if entry not in entries:
                entries.append(entry)
                self._n_aliases += 1

    @property
    def n_aliases(self) -> int:
        return self._n_aliases

    # -- lookup ---------------------------------------------------------------------------------
    def longest_match(self, words: list[str], i: int) -> tuple[int, list[AliasEntry]]:
        """The longest alias starting at ``words[i]``: (number of tokens, entries) or (0, [])."""
        node = self._trie
        best_len, best = 0, []
        j = i
        while j < len(words):
            node = node.get(words[j])
            if node is None:
                break
            j += 1
            if None in node:
                best_len, best = j - i, node[None]
        return best_len, best

    def lookup(self, name: str) -> list[AliasEntry]:
        """Entries whose alias is exactly ``name``."""
        words = [t.text for t in tokenize(name)]
        n, entries = self.longest_match(words, 0)
        return list(entries) if n == len(words) else []

    def __contains__(self, actor_id: object) -> bool:
        return actor_id in self.actors

    def __len__(self) -> int:
        return len(self.actors)


def _as_list(value: Any, what: str, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise EvidenceInputError(f"{where}: {what} must be a list of names")
    return [str(v) for v in value]


def _merge(dictionary: ActorDictionary, data: Any, where: str) -> None:
    if not isinstance(data, dict):
        raise EvidenceInputError(
            f"{where}: an actor file must be a mapping with 'actors' and/or 'people'"
        )
    unknown_keys = set(data) - {"actors", "people"}
    if unknown_keys:
        raise EvidenceInputError(
            f"{where}: unknown top-level key {min(unknown_keys)!r} "
            f"(expected 'actors' and/or 'people')"
        )
    for k, raw in enumerate(data.get("actors") or []):
        if not isinstance(raw, dict) or not raw.get("id"):
            raise EvidenceInputError(f"{where}: actors[{k}] needs an 'id'")
        aid = str(raw["id"])
        old = dictionary.actors.get(aid)
        code = str(raw.get("code") or (old.code if old else ""))
        if not _CODE.match(code):
            raise EvidenceInputError(
                f"{where}: actor {aid!r}: code must be three capital "
                f"letters (ISO-3166 alpha-3 or a group code), got {code!r}"
            )
        kind = str(raw.get("kind") or (old.kind if old else "state"))
        if kind not in _KINDS:
            raise EvidenceInputError(f"{where}: actor {aid!r}: unknown kind {kind!r}")
        name = str(raw.get("name") or (old.name if old else aid))
        dictionary.add_actor(Actor(aid, code, kind, name))
        names = [name] + _as_list(raw.get("aliases"), "aliases", f"{where}: actor {aid!r}")
        for a in names:
            dictionary.add_alias(AliasEntry(aid, "alias", a))
        for a in _as_list(raw.get("demonyms"), "demonyms", f"{where}: actor {aid!r}"):
            dictionary.add_alias(AliasEntry(aid, "demonym", a))
        for a in _as_list(raw.get("capital"), "capital", f"{where}: actor {aid!r}"):
            dictionary.add_alias(AliasEntry(aid, "capital", a))
        ctx_words = tuple(
            _as_list(raw.get("context_words"), "context_words", f"{where}: actor {aid!r}")
        )
        for a in _as_list(raw.get("context"), "context", f"{where}: actor {aid!r}"):
            dictionary.add_alias(AliasEntry(aid, "context", a, context_words=ctx_words))
    for k, raw in enumerate(data.get("people") or []):
        if not isinstance(raw, dict) or not raw.get("name") or not raw.get("of"):
            raise EvidenceInputError(f"{where}: people[{k}] needs a 'name' and an 'of'")
        of = str(raw["of"])
        if of not in dictionary.actors:
            raise EvidenceInputError(
                f"{where}: person {raw['name']!r}: unknown actor {of!r} in 'of'"
            )
        role = str(raw.get("role")) if raw.get("role") else None
        for a in [str(raw["name"])] + _as_list(
            raw.get("aliases"), "aliases", f"{where}: person {raw['name']!r}"
        ):
            dictionary.add_alias(AliasEntry(of, "person", a, role=role))


@lru_cache(maxsize=1)
def _shipped_text() -> str:
    return resources.files("detente.evidence").joinpath("data", "actors.yaml").read_text("utf-8")


def load_actors(*extra: str | Path, include_default: bool = True) -> ActorDictionary:
    """The actor dictionary: the shipped one, extended by user files in order.

    A user file has the shipped file's shape (``actors:`` and/or ``people:`` lists). An entry
    whose id already exists adds its aliases to that actor (and may change its code, kind or
    name); a new id adds an actor.

    >>> d = load_actors()
    >>> d.lookup("the Kremlin")[0].actor, d.lookup("Ankara")[0].actor
    ('russia', 'turkey')
    """
    d = ActorDictionary()
    if include_default:
        _merge(d, yaml.safe_load(_shipped_text()), "actors.yaml (shipped)")
    for path in extra:
        p = Path(path)
        # a bounded read of a regular file, and YAML without aliases (see safe_yaml)
        try:
            data = load_yaml(files.read_text(p, what="actor file"), str(p))
        except DetenteError as exc:
            raise EvidenceInputError(str(exc)) from None
        _merge(d, data, str(p))
    return d


_DEFAULT: ActorDictionary | None = None


def default_actors() -> ActorDictionary:
    """The shipped dictionary, built once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_actors()
    return _DEFAULT
