"""Analyses that compose models: alliances and coalitions, what-if patches, pivotal actors.

- :mod:`detente.analysis.alliances`: pairwise alignment per issue and overall, how
  concentrated each pair's agreement is, the coalitions a model produces, and "aim
  reached" shocks (:func:`~detente.analysis.alliances.settle`).
- :mod:`detente.analysis.whatif`: YAML what-if patches (:func:`load_patch`,
  :func:`apply_patch`).
- :mod:`detente.analysis.pivotal`: how much each forecast moves when an actor is removed
  or moves.
- :mod:`detente.analysis.convergence`: whether a dynamic model's rounds settle, cycle or
  drift, and whether its actors collapse onto one position, in words.
"""

from __future__ import annotations

from detente.analysis.alliances import (
    Alignment,
    Coalitions,
    Shock,
    alignment,
    alignment_arrays,
    coalitions,
    settle,
)
from detente.analysis.pivotal import pivotal, pivotal_ranking
from detente.analysis.whatif import Patch, PatchError, apply_patch, load_patch, parse_patch

__all__ = [
    "Alignment",
    "Coalitions",
    "Patch",
    "PatchError",
    "Shock",
    "alignment",
    "alignment_arrays",
    "apply_patch",
    "coalitions",
    "load_patch",
    "parse_patch",
    "pivotal",
    "pivotal_ranking",
    "settle",
]
