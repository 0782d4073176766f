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

from typing import TYPE_CHECKING

from detente.lazy import lazy_names

# name -> module; imported on first use, so that a command that needs one analysis (the
# convergence words of ``simulate``, say) does not import pandas through the others.
_LAZY = {
    "Alignment": "detente.analysis.alliances",
    "Coalitions": "detente.analysis.alliances",
    "Shock": "detente.analysis.alliances",
    "alignment": "detente.analysis.alliances",
    "alignment_arrays": "detente.analysis.alliances",
    "coalitions": "detente.analysis.alliances",
    "settle": "detente.analysis.alliances",
    "pivotal": "detente.analysis.pivotal",
    "pivotal_ranking": "detente.analysis.pivotal",
    "Patch": "detente.analysis.whatif",
    "PatchError": "detente.analysis.whatif",
    "apply_patch": "detente.analysis.whatif",
    "load_patch": "detente.analysis.whatif",
    "parse_patch": "detente.analysis.whatif",
}

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

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
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


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
