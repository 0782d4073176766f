"""Limits on the size of what detente accepts, in one place.

Every edge (the command line, the Python API, the web app) checks its input against the
same :class:`Limits`, so a hostile or careless input is refused with a one-line
:class:`~detente.errors.LimitError` before anything large is built. The defaults are far
above any real negotiation (the largest shipped data, the DEU tables, have 30 actors) and
far below what would take the machine down.

The limits in force come from :func:`current`: the defaults, changed by environment
variables ``DETENTE_<NAME>`` (``DETENTE_MAX_ACTORS=2000``) and, in a program, by
:func:`configure` or the :func:`using` context manager.

>>> from detente import limits
>>> limits.current().max_actors
500
>>> with limits.using(max_actors=3):
...     limits.check_count("actors", 4)
Traceback (most recent call last):
...
detente.errors.LimitError: too many actors: 4 (limit 3; see docs/scenario-format.md#limits)
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from typing import Any

from detente.errors import LimitError

__all__ = [
    "RANGES",
    "Limits",
    "check_bytes",
    "check_count",
    "configure",
    "current",
    "using",
]


@dataclass(frozen=True)
class Limits:
    """The sizes detente accepts (see docs/scenario-format.md#limits)."""

    max_actors: int = 500
    """Actors in one scenario."""
    max_issues: int = 100
    """Issues in one scenario."""
    max_stances: int = 20_000
    """Stances (actor, issue pairs) in one scenario."""
    max_sources: int = 1_000
    """Sources in one scenario."""
    max_rounds: int = 10_000
    """Rounds of a dynamic model asked for on the command line or in a sweep."""
    max_draws: int = 1_000_000
    """Monte Carlo draws (runs) of one sweep or sensitivity analysis."""
    max_file_bytes: int = 10_000_000
    """Size of a scenario, patch or table file read from disk."""
    max_yaml_depth: int = 40
    """Nesting of mappings and lists in a YAML document (a scenario needs 6)."""
    max_body_bytes: int = 1_040_000
    """Size of a web request body (below Starlette's in-memory spool of 1 MiB)."""
    max_json_depth: int = 40
    """Nesting of objects and arrays in a JSON request body."""
    max_upload_bytes: int = 1_000_000
    """Size of one uploaded file."""
    max_uploads: int = 200
    """Uploaded scenarios the web app keeps (the oldest is dropped first)."""
    upload_total_bytes: int = 50_000_000
    """Total size of the uploaded files kept on disk (the oldest are deleted first)."""
    upload_ttl_seconds: float = 3600.0
    """Seconds an uploaded scenario is kept."""
    request_seconds: float = 30.0
    """Time a web request may take (its model runs included) before it is answered 503."""
    header_seconds: float = 10.0
    """Time a web client has to send a request's headers."""
    keep_alive_seconds: float = 5.0
    """Time an idle keep-alive connection stays open."""
    max_connections: int = 200
    """Open web connections (more are answered 503)."""

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise LimitError(f"limit {f.name} must be a finite number, got {v!r}")
            if v <= 0:
                raise LimitError(f"limit {f.name} must be positive, got {v!r}")
            if f.type == "int" and not float(v).is_integer():
                raise LimitError(f"limit {f.name} must be a whole number, got {v!r}")


RANGES: dict[str, tuple[float, float]] = {
    "capability": (0.0, 1e12),
    "scale": (-1e9, 1e9),
    "salience": (0.0, 100.0),
}
"""The range of every number in a scenario: capability in (0, 1e12]; the ends of an issue's
scale within +-1e9 (positions and the status quo lie on the scale); salience 0..100. Every
number must be finite."""


def _from_environ(base: Limits) -> Limits:
    changes: dict[str, Any] = {}
    for f in fields(base):
        raw = os.environ.get(f"DETENTE_{f.name.upper()}")
        if raw is None:
            continue
        try:
            changes[f.name] = int(raw) if f.type == "int" else float(raw)
        except ValueError:
            raise LimitError(
                f"environment variable DETENTE_{f.name.upper()} must be a number, got {raw!r}"
            ) from None
    return replace(base, **changes) if changes else base


_default: Limits | None = None
_override: contextvars.ContextVar[Limits | None] = contextvars.ContextVar(
    "detente_limits", default=None
)


def current() -> Limits:
    """The limits in force: those of an enclosing :func:`using` block (in this thread or
    task), else the process's (defaults, ``DETENTE_*`` environment variables, :func:`configure`)."""
    global _default
    over = _override.get()
    if over is not None:
        return over
    if _default is None:
        _default = _from_environ(Limits())
    return _default


def configure(**changes: Any) -> Limits:
    """Change the process's limits; returns the new limits.

    Unknown names raise :class:`~detente.errors.LimitError`.
    """
    global _default
    current()
    _default = _replace(_default or Limits(), changes)
    return _default


def _replace(base: Limits, changes: dict[str, Any]) -> Limits:
    known = {f.name for f in fields(Limits)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise LimitError(
            f"unknown limit(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    return replace(base, **changes)


@contextlib.contextmanager
def using(limits: Limits | None = None, **changes: Any) -> Iterator[Limits]:
    """Use other limits inside a ``with`` block (``limits`` and/or single changes); the
    change holds for this thread or task only."""
    new = _replace(limits or current(), changes)
    token = _override.set(new)
    try:
        yield new
    finally:
        _override.reset(token)


_NAMES = {
    "actors": "max_actors",
    "issues": "max_issues",
    "stances": "max_stances",
    "sources": "max_sources",
    "rounds": "max_rounds",
    "draws": "max_draws",
}


def check_count(what: str, n: int, limits: Limits | None = None) -> None:
    """Raise :class:`~detente.errors.LimitError` when ``n`` ``what`` (``actors``,
    ``issues``, ``stances``, ``sources``, ``rounds``, ``draws``) exceed the limit."""
    lim = getattr(limits or current(), _NAMES[what])
    if n > lim:
        raise LimitError(f"too many {what}: {n} (limit {lim}; see docs/scenario-format.md#limits)")


def check_bytes(what: str, n: int, limit: int) -> None:
    """Raise :class:`~detente.errors.LimitError` when ``what`` has more than ``limit`` bytes."""
    if n > limit:
        raise LimitError(f"{what} is too large: {n} bytes (limit {limit})")


def as_dict(limits: Limits | None = None) -> dict[str, Any]:
    """The limits as a plain mapping (for documentation and the web API)."""
    return dataclasses.asdict(limits or current())
