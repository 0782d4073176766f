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


_PLAIN = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "finite_number": "must be a finite number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a mapping",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "date_type": "must be a date (YYYY-MM-DD)",
}


def plain_message(err: dict[str, Any]) -> str:
    """A validation error of pydantic (one entry of ``ValidationError.errors()``) in our
    words, so that pydantic's wording never reaches a user.

    >>> plain_message({"type": "literal_error", "msg": "Input should be 'a' or 'b'",
    ...                "ctx": {"expected": "'a' or 'b'"}})
    "must be one of 'a' or 'b'"
    >>> plain_message({"type": "model_type", "msg": "...", "ctx": {"class_name": "Value"}})
    'must be a number, or a mapping with value (and range, evidence)'
    """
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    msg = str(err.get("msg", "invalid value"))
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind in ("literal_error", "enum"):
        return f"must be one of {ctx.get('expected', '')}".rstrip()
    if kind in ("model_type", "model_attributes_type", "dataclass_type"):
        if ctx.get("class_name") == "Value":
            return "must be a number, or a mapping with value (and range, evidence)"
        return "must be a mapping"
    for key, word in (
        ("greater_than_equal", "at least"),
        ("greater_than", "more than"),
        ("less_than_equal", "at most"),
        ("less_than", "less than"),
    ):
        if kind == key:
            bound = next(iter(ctx.values()), "")
            return f"must be {word} {bound}"
    if kind in ("too_short", "too_long"):
        n = ctx.get("min_length" if kind == "too_short" else "max_length")
        return f"must have {'at least' if kind == 'too_short' else 'at most'} {n} items"
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    if msg.startswith("Input should be "):
        return "must be " + msg[len("Input should be ") :]
    return msg


def did_you_mean(name: str, choices: Any) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` to ``name``, or ``""``.

    >>> did_you_mean("nahs", ["nash", "eum"])
    " (did you mean 'nash'?)"
    """
    import difflib

    choices = list(choices)
    lower = [str(c).lower() for c in choices]
    close = difflib.get_close_matches(str(name).lower(), lower, n=1, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean {choices[lower.index(close[0])]!r}?)"


class DetenteError(Exception):
    """Base class of every error detente raises on bad input or a bad request.

    ``param`` names the parameter the error is about, when it is about one: the message
    speaks of the parameter by that name (``runs must be at least 1, got 0``), and an
    interface may speak of it in its own terms (the CLI names its option, ``--runs``).

    >>> err = DetenteError("runs must be at least 1, got 0", param="runs")
    >>> str(err), err.param
    ('runs must be at least 1, got 0', 'runs')
    """

    param: str | None = None

    def __init__(self, *args: object, param: str | None = None) -> None:
        super().__init__(*args)
        if param is not None:
            self.param = param


@dataclass
class ScenarioError(DetenteError):
    """A scenario (or a file meant to hold one) has one or more problems.

    >>> err = ScenarioError([Problem("must be positive", file="s.yaml", line=4,
    ...                              actor="iran", field="capability", value=-1, has_value=True)])
    >>> str(err)
    "s.yaml:4: actor 'iran', field 'capability': must be positive (got -1)"
    """

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        if not self.problems:
            return "invalid scenario"
        first = str(self.problems[0])
        more = len(self.problems) - 1
        return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


class FormatError(ScenarioError):
    """A file that cannot be parsed in the format it claims."""


class ParameterError(DetenteError):
    """A model or command parameter is unknown or has an invalid value."""


class UnknownNameError(DetenteError):
    """A model, scenario or format name that detente does not know."""


class LimitError(DetenteError):
    """An input larger than the limits allow (see :mod:`detente.limits`)."""


class ScenarioLimitError(ScenarioError, LimitError):
    """A scenario larger than the limits allow (too many actors, issues or stances)."""
