"""Scenarios: the data model, validation, formats and the embedded scenarios."""

from __future__ import annotations

from pathlib import Path

from detente.scenario.arrays import DrawBatch, ScenarioArrays
from detente.scenario.embedded import DEFAULT_SCENARIO, embedded_names, load_embedded
from detente.scenario.io import FORMATS, WRITABLE, read_scenario, write_scenario
from detente.scenario.model import (
    Actor,
    ActorKind,
    Basis,
    Decision,
    DecisionRule,
    Evidence,
    Issue,
    Scale,
    Scenario,
    Source,
    Stance,
    Value,
)
from detente.scenario.validate import build_scenario


def load(
    source: str | Path | Scenario | None = None, format: str | None = None, **options
) -> Scenario:
    """Load a scenario: an embedded name, a file path (any supported format) or a Scenario.

    Parameters
    ----------
    source:
        An embedded scenario's name (see :func:`embedded_names`), a file path (see
        :func:`read_scenario`; ``FILE#ISSUE`` picks a DEU row) or a :class:`Scenario`
        (returned as it is); ``None``: the default embedded scenario (``syria-astana-2017``).
    format, **options:
        Passed to :func:`read_scenario` for a file.

    Returns
    -------
    Scenario
        Validated and immutable.

    Examples
    --------
    >>> import detente
    >>> s = detente.load("syria-astana-2017")
    >>> "russia" in s.actor_ids
    True
    >>> detente.load() == s and detente.load(s) is s
    True
    """
    if isinstance(source, Scenario):
        return source
    if source is None:
        source = DEFAULT_SCENARIO
    text = str(source)
    if format is None and not Path(text.split("#", 1)[0]).exists() and text in embedded_names():
        return load_embedded(text)
    if format is None and "/" not in text and "." not in text and not Path(text).exists():
        # Looks like a name, not a path: say so rather than "no such file".
        return load_embedded(text)
    return read_scenario(text, format=format, **options)


__all__ = [
    "DEFAULT_SCENARIO",
    "FORMATS",
    "WRITABLE",
    "Actor",
    "ActorKind",
    "Basis",
    "Decision",
    "DecisionRule",
    "DrawBatch",
    "Evidence",
    "Issue",
    "Scale",
    "Scenario",
    "ScenarioArrays",
    "Source",
    "Stance",
    "Value",
    "build_scenario",
    "embedded_names",
    "load",
    "load_embedded",
    "read_scenario",
    "write_scenario",
]
