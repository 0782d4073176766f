"""One exception family for everything a user can get wrong.

Every error carries enough context to point at the offending spot: the file, the
line (where the format has lines), the actor, the issue and the field, and the
offending value. The CLI prints ``str(error)`` as one line and exits with code 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the format allows."""

    message: str
    file: str | None = None
    line: int | None = None
    actor: str | None = None
    issue: str | None = None
    field: str | None = None
    value: Any = None
    has_value: bool = False

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line is not None else "")
        elif self.line is not None:
            where = f"line {self.line}"
        parts = []
        if self.actor is not None:
            parts.append(f"actor {self.actor!r}")
        if self.issue is not None:
            parts.append(f"issue {self.issue!r}")
        if self.field is not None:
            parts.append(f"field {self.field!r}")
        loc = ", ".join(parts)
        msg = self.message
        if self.has_value:
            msg = f"{msg} (got {self.value!r})"
        head = ": ".join(p for p in (where, loc) if p)
        text = f"{head}: {msg}" if head else msg
        # one line, whatever the input held (a header with a quoted newline, say)
        return text.replace("\r", "\\r").replace("\n", "\\n")


class DetenteError(Exception):
    """Base class of every error detente raises on bad input or a bad request."""


@dataclass
class ScenarioError(DetenteError):
    """A scenario (or a file meant to hold one) has one or more problems."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        if not self.problems:
            return "invalid scenario"
        first = str(self.problems[0])
        more = len(self.problems) - 1
        return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


class ParameterError(DetenteError):
    """A model or command parameter is unknown or has an invalid value."""


class UnknownNameError(DetenteError):
    """A model, scenario or format name that detente does not know."""


class LimitError(DetenteError):
    """An input larger than the limits allow (see :mod:`detente.limits`)."""


class ScenarioLimitError(ScenarioError, LimitError):
    """A scenario larger than the limits allow (too many actors, issues or stances)."""
