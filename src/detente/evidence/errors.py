"""Errors of the evidence extractor (all :class:`detente.errors.DetenteError` subclasses)."""

from __future__ import annotations

from detente.errors import DetenteError

__all__ = ["EvidenceInputError", "GoldFormatError"]


class EvidenceInputError(DetenteError):
    """An article, actor file, scenario or output path the extractor cannot use."""


class GoldFormatError(DetenteError):
    """A gold-standard file that is not in the PLOVER record format."""
