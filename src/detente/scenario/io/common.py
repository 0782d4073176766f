"""What the format modules share: the error (:class:`~detente.errors.FormatError`, defined in
:mod:`detente.errors` and re-exported here and by :mod:`detente.scenario.io`), reading a file,
CSV helpers."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from detente import files
from detente.errors import FormatError, Problem, ScenarioLimitError
from detente.limits import current


def fail(file: str, message: str, line: int | None = None, value: Any = ...) -> FormatError:
    """A :class:`FormatError` with one problem at ``file``:``line``."""
    return FormatError(
        [
            Problem(
                message=message,
                file=file,
                line=line,
                value=None if value is ... else value,
                has_value=value is not ...,
            )
        ]
    )


def too_many(file: str, what: str, n: int, line: int | None = None) -> ScenarioLimitError:
    """The error for ``n`` ``what`` (actors, issues, stances) over the limit in force."""
    limit = getattr(current(), f"max_{what}")
    return ScenarioLimitError(
        [
            Problem(
                message=f"too many {what}: {n} (limit max_{what} {limit})",
                file=file,
                line=line,
                field=what,
            )
        ]
    )


def whole_number(raw: str, name: str, file: str, line: int, minimum: int = 0) -> int:
    """A cell that must hold a whole number of at least ``minimum``."""
    try:
        v = float(raw)
    except (TypeError, ValueError):
        raise fail(file, f"{name} must be a whole number", line=line, value=raw) from None
    if not math.isfinite(v) or not v.is_integer() or v < minimum:
        raise fail(
            file, f"{name} must be a whole number of at least {minimum}", line=line, value=raw
        )
    return int(v)


def first_row(text: str) -> list[str]:
    for row in csv.reader(io.StringIO(text)):
        if row:
            return row
    return []


def read_text(path: Path) -> str:
    """The text of a scenario file (a regular file, UTF-8, at most ``max_file_bytes``)."""
    return files.read_text(path)


def number(raw: str, file: str, line: int, column: str) -> float | None:
    raw = raw.strip()
    if raw == "":
        return None
    try:
        v = float(raw)
    except ValueError:
        raise fail(file, f"column {column!r} must be a number", line=line, value=raw) from None
    if not math.isfinite(v):
        raise fail(file, f"column {column!r} must be a finite number", line=line, value=raw)
    return v


def dict_rows(
    text: str, file: str, delimiter: str = ","
) -> tuple[list[str], list[tuple[int, dict]]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, dict]] = []
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if header is None:
            header = [h.strip() for h in row]
            continue
        if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
            raise fail(
                file, f"row has {len(row)} fields but the header has {len(header)}", line=line
            )
        rows.append((line, {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}))
    if header is None:
        raise fail(file, "the file is empty")
    return header, rows


def require_columns(header: list[str], needed: tuple[str, ...], file: str) -> None:
    missing = [c for c in needed if c not in header]
    if missing:
        raise fail(
            file,
            f"missing column(s) {', '.join(missing)} (header: {','.join(header)[:200]!r})",
            line=1,
        )


def refuse_unknown_columns(header: list[str], known: tuple[str, ...], file: str) -> None:
    unknown = [c for c in header if c not in known]
    if unknown:
        raise fail(
            file,
            f"unknown column(s) {', '.join(map(repr, unknown))} (known: {', '.join(known)})",
            line=1,
        )


def value_range(lo: float | None, hi: float | None) -> list[float] | None:
    if lo is None and hi is None:
        return None
    return [lo, hi]


def fmt(v: float | None) -> str:
    if v is None:
        return ""
    return (
        repr(float(v)) if not float(v).is_integer() else str(int(v)) if abs(v) < 1e15 else repr(v)
    )


def round10(v: float) -> float:
    r = round(v, 10)
    return r


def stem(path: Path | str) -> str:
    return Path(str(path)).stem


def slug(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "_" for c in text.strip())
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")
