"""Date resolution against an article date."""

from __future__ import annotations

import datetime as dt

from detente.evidence import extract
from detente.evidence.dates import find_dates, guess_document_date

REF = dt.date(2017, 1, 20)  # a Friday


def values(text, ref=REF, future=False):
    return [(d.text, d.value, d.precision) for d in find_dates(text, 0, len(text), ref, future)]


def test_explicit_dates():
    assert values("on June 19, 2018 and 19 June 2018 and 2016-12-30") == [
        ("June 19, 2018", "2018-06-19", "day"),
        ("19 June 2018", "2018-06-19", "day"),
        ("2016-12-30", "2016-12-30", "day"),
    ]


def test_partial_dates_take_the_latest_past_year():
    assert values("On Jan. 18 and on Dec. 30") == [
        ("Jan. 18", "2017-01-18", "day"),
        ("Dec. 30", "2016-12-30", "day"),
    ]
    assert values("in November 2015") == [("November 2015", "2015-11", "month")]
    assert values("in December") == [("December", "2016-12", "month")]
    assert values("since 2011") == [("2011", "2011", "year")]


def test_weekdays_and_relative_days():
    assert values("on Monday") == [("Monday", "2017-01-16", "day")]
    assert values("on Friday") == [("Friday", "2017-01-20", "day")]
    assert values("on Monday", future=True) == [("Monday", "2017-01-23", "day")]
    assert values("yesterday") == [("yesterday", "2017-01-19", "day")]
    assert values("last year") == [("last year", "2016", "year")]
    assert values("on Monday", ref=None) == [("Monday", None, "day")]


def test_dateline_and_event_dates():
    assert guess_document_date("December 20,2016\n\nText") == dt.date(2016, 12, 20)
    ev = extract("Turkey and Russia met on Tuesday.", date="2016-12-22")
    assert ev.events[0].date == "2016-12-20"
    ev = extract("Turkey and Russia met on Tuesday.")
    assert ev.events[0].date is None  # no reference date: left unresolved
