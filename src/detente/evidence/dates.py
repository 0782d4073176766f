"""Dates in news text: explicit dates, months, years, weekdays and relative days.

Relative expressions are resolved against a reference date (the article's date): a weekday
means the latest such day on or before it (or the next one when the sentence speaks of the
future), "yesterday" the day before, a month without a year the latest such month not after it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["DateMention", "find_dates", "guess_document_date", "parse_iso_date"]

_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_MON = (
    r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_PATTERNS = [
    ("iso", re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b")),
    ("mdy", re.compile(_MON + r"\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s*(?P<y>(?:19|20)\d\d)\b")),
    (
        "dmy",
        re.compile(r"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s+" + _MON + r",?\s+(?P<y>(?:19|20)\d\d)\b"),
    ),
    ("md", re.compile(_MON + r"\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\b(?!\s*,?\s*(?:19|20)\d\d)")),
    (
        "dm",
        re.compile(r"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s+" + _MON + r"(?!\s*,?\s*(?:19|20)\d\d)"),
    ),
    ("my", re.compile(r"\b" + _MON + r"\s+(?:of\s+)?(?P<y>(?:19|20)\d\d)\b")),
    (
        "m",
        re.compile(
            r"\b(?:in|last|next|since|until|by|early|late|mid|mid-|this)\s+"
            + _MON
            + r"(?!\s*[0-3]?\d)(?!\s*,?\s*(?:19|20)\d\d)"
        ),
    ),
    ("y", re.compile(r"\b(?:in|since|until|by|of|early|late|mid-?)\s+(?P<y>(?:19|20)\d\d)\b")),
    ("wd", re.compile(r"\b(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")),
    (
        "rel",
        re.compile(
            r"\b(?P<rel>today|yesterday|tomorrow|last week|last month|last year|"
            r"this week|this month|this year|last weekend|next week|next month|"
            r"next year)\b",
            re.IGNORECASE,
        ),
    ),
]


@dataclass(frozen=True)
class DateMention:
    """A date expression: its span, the resolved date (ISO, shortened to the precision) and
    the precision (day, week, month, year)."""

    start: int
    end: int
    text: str
    value: str | None
    precision: str


def parse_iso_date(value: str) -> dt.date:
    """``YYYY-MM-DD`` to a date (ValueError otherwise)."""
    return dt.date.fromisoformat(value)


def _month_before(ref: dt.date | None, month: int, future: bool) -> int | None:
    if ref is None:
        return None
    if future:
        return ref.year if month >= ref.month else ref.year + 1
    return ref.year if month <= ref.month else ref.year - 1


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def find_dates(
    text: str, start: int, end: int, ref: dt.date | None, future: bool = False
) -> list[DateMention]:
    """Date expressions in ``text[start:end]``, resolved against ``ref`` where needed."""
    out: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    seg = text[start:end]
    for kind, rx in _PATTERNS:
        for m in rx.finditer(seg):
            a, b = m.start() + start, m.end() + start
            if any(a < y and x < b for x, y in taken):
                continue
            value, prec = _resolve(kind, m, ref, future)
            if kind == "m":
                a = m.start("mon") + start  # keep only the month word's span
            elif kind == "y":
                a = m.start("y") + start
            taken.append((a, b))
            out.append(DateMention(a, b, text[a:b], value, prec))
    out.sort(key=lambda d: d.start)
    return out


def _resolve(kind: str, m: re.Match, ref: dt.date | None, future: bool) -> tuple[str | None, str]:
    g = m.groupdict()
    mon = _MONTHS.get((g.get("mon") or "").lower().rstrip("."))
    if kind == "iso":
        d = _safe_date(int(g["y"]), int(g["m"]), int(g["d"]))
        return (d.isoformat() if d else None), "day"
    if kind in ("mdy", "dmy"):
        d = _safe_date(int(g["y"]), mon, int(g["d"]))
        return (d.isoformat() if d else None), "day"
    if kind in ("md", "dm"):
        y = _month_before(ref, mon, future and ref is not None and mon >= ref.month)
        d = _safe_date(y, mon, int(g["d"])) if y else None
        return (d.isoformat() if d else None), "day"
    if kind == "my":
        return f"{int(g['y']):04d}-{mon:02d}", "month"
    if kind == "m":
        lead = m.group(0).split()[0].lower()
        y = _month_before(ref, mon, lead == "next")
        return (f"{y:04d}-{mon:02d}" if y else None), "month"
    if kind == "y":
        return g["y"], "year"
    if kind == "wd":
        if ref is None:
            return None, "day"
        wd = _WEEKDAYS[g["wd"].lower()]
        if future:
            delta = (wd - ref.weekday()) % 7
            return (ref + dt.timedelta(days=delta)).isoformat(), "day"
        delta = (ref.weekday() - wd) % 7
        return (ref - dt.timedelta(days=delta)).isoformat(), "day"
    rel = g["rel"].lower()
    if ref is None:
        return None, "day"
    if rel == "today":
        return ref.isoformat(), "day"
    if rel == "yesterday":
        return (ref - dt.timedelta(days=1)).isoformat(), "day"
    if rel == "tomorrow":
        return (ref + dt.timedelta(days=1)).isoformat(), "day"
    if rel in ("last week", "last weekend"):
        return (ref - dt.timedelta(days=7)).isoformat(), "week"
    if rel == "this week":
        return ref.isoformat(), "week"
    if rel == "next week":
        return (ref + dt.timedelta(days=7)).isoformat(), "week"
    if rel == "last month":
        y, mth = (ref.year, ref.month - 1) if ref.month > 1 else (ref.year - 1, 12)
        return f"{y:04d}-{mth:02d}", "month"
    if rel == "this month":
        return f"{ref.year:04d}-{ref.month:02d}", "month"
    if rel == "next month":
        y, mth = (ref.year, ref.month + 1) if ref.month < 12 else (ref.year + 1, 1)
        return f"{y:04d}-{mth:02d}", "month"
    if rel == "last year":
        return str(ref.year - 1), "year"
    if rel == "next year":
        return str(ref.year + 1), "year"
    return str(ref.year), "year"


def guess_document_date(text: str) -> dt.date | None:
    """A full date in the first lines of an article (a dateline), if there is one."""
    head = text[:400]
    for kind in ("iso", "mdy", "dmy"):
        rx = dict(_PATTERNS)[kind]
        m = rx.search(head)
        if m:
            value, _ = _resolve(kind, m, None, False)
            if value:
                return dt.date.fromisoformat(value)
    # "December 20,2016" (no space after the comma) is matched by mdy's \s*.
    return None
