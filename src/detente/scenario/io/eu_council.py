"""The actors of the DEU data and their weights: Council votes by treaty period and
populations (used by the ``deu`` reader's capability choices), and the Council's
qualified-majority thresholds by treaty period (used for the rows' decision rules).
"""

from __future__ import annotations

import datetime as _dt

DEU_ACTORS = (
    "com",
    "ep",
    "at",
    "be",
    "bu",
    "cr",
    "cy",
    "cz",
    "dk",
    "ee",
    "fi",
    "fr",
    "de",
    "el",
    "hu",
    "ie",
    "it",
    "lv",
    "lt",
    "lu",
    "mt",
    "nl",
    "pl",
    "pt",
    "ro",
    "si",
    "sk",
    "es",
    "se",
    "uk",
)


# Council votes under qualified majority voting, by treaty period.
# Amsterdam (EU15, until 30 April 2004): Art. 205(2) TEC as amended by the Treaty of Amsterdam.
_QMV_EU15 = {
    "de": 10,
    "fr": 10,
    "it": 10,
    "uk": 10,
    "es": 8,
    "be": 5,
    "el": 5,
    "nl": 5,
    "pt": 5,
    "at": 4,
    "se": 4,
    "dk": 3,
    "ie": 3,
    "fi": 3,
    "lu": 2,
}
# 1 May to 31 October 2004: Art. 26 of the 2003 Act of Accession (EU15 weights kept).
_QMV_2004 = {
    **_QMV_EU15,
    "pl": 8,
    "cz": 5,
    "hu": 5,
    "sk": 3,
    "lt": 3,
    "lv": 3,
    "si": 3,
    "ee": 3,
    "cy": 2,
    "mt": 2,
}
# Nice (1 November 2004 to 31 October 2014): Art. 205(2) TEC as amended by the Treaty of Nice
# and the 2003 and 2005 Acts of Accession; Croatia's 7 votes from the 2012 Act of Accession.
_QMV_NICE = {
    "de": 29,
    "fr": 29,
    "it": 29,
    "uk": 29,
    "es": 27,
    "pl": 27,
    "ro": 14,
    "nl": 13,
    "be": 12,
    "cz": 12,
    "el": 12,
    "hu": 12,
    "pt": 12,
    "at": 10,
    "bu": 10,
    "se": 10,
    "dk": 7,
    "ie": 7,
    "lt": 7,
    "sk": 7,
    "fi": 7,
    "cr": 7,
    "cy": 4,
    "ee": 4,
    "lv": 4,
    "lu": 4,
    "si": 4,
    "mt": 3,
}
EU_POPULATION = {
    "de": 81.8,
    "fr": 64.7,
    "uk": 62.0,
    "it": 60.3,
    "es": 46.0,
    "pl": 38.2,
    "ro": 21.5,
    "nl": 16.6,
    "el": 11.3,
    "be": 10.8,
    "pt": 10.6,
    "cz": 10.5,
    "hu": 10.0,
    "se": 9.3,
    "at": 8.4,
    "bu": 7.6,
    "dk": 5.5,
    "sk": 5.4,
    "fi": 5.4,
    "ie": 4.5,
    "cr": 4.4,
    "lt": 3.3,
    "lv": 2.2,
    "si": 2.0,
    "ee": 1.3,
    "cy": 0.8,
    "lu": 0.5,
    "mt": 0.4,
}
"""Population in millions, Eurostat (demo_pjan), 1 January 2010, rounded to 0.1 million."""


def _deu_date(raw: str):
    """The date in a DEU ``intro``/``finact`` cell, or None.

    Cells are ``dd-mm-yy`` or ``dd-mm-yyyy``; some copies hold ``yyyy-mm-dd`` values that
    are ``dd-mm-yy`` strings read the wrong way round by a spreadsheet (``1930-06-05`` for
    30 June 2005): those are read back as day = yyyy mod 100, year = 20dd (19dd above 50).
    """
    parts = raw.strip().split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    a, b, c = (int(p) for p in parts)
    if len(parts[0]) == 4:
        day, month, year = a % 100, b, (1900 + c if c > 50 else 2000 + c)
    else:
        day, month, year = a, b, (c if c > 100 else (1900 + c if c > 50 else 2000 + c))
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


def deu_council_weights(row: dict) -> tuple[str, dict[str, float]]:
    """The treaty period of a DEU row (by its ``intro`` date) and its Council weights.

    ``amsterdam`` (before 1 May 2004), ``accession2004`` (to 31 October 2004), ``nice`` (to
    31 October 2014) use the QMV votes above. ``lisbon`` (from 1 November 2014) has no
    weights: its double majority counts states (55 %) and population (65 %), so each state
    gets the mean of its share of the members and its share of the population, times 100.
    A row without a readable date is placed in the Nice period.
    """
    when = _deu_date(row.get("intro", "")) or _deu_date(row.get("finact", ""))
    if when is None or _dt.date(2004, 11, 1) <= when < _dt.date(2014, 11, 1):
        period, votes = "nice", dict(_QMV_NICE)
    elif when < _dt.date(2004, 5, 1):
        period, votes = "amsterdam", dict(_QMV_EU15)
    elif when < _dt.date(2004, 11, 1):
        period, votes = "accession2004", dict(_QMV_2004)
    else:
        period = "lisbon"
        pop = sum(EU_POPULATION.values())
        n = len(EU_POPULATION)
        votes = {a: 100.0 * (0.5 / n + 0.5 * v / pop) for a, v in EU_POPULATION.items()}
    top = max(votes.values())
    votes.update({"com": top, "ep": top})
    return period, {a: float(v) for a, v in votes.items()}


def deu_qmv_threshold(row: dict) -> tuple[str, float]:
    """The qualified-majority threshold of a DEU row, as a share of the Council weights of
    :func:`deu_council_weights`, by the treaty and membership at its ``intro`` date.

    Amsterdam (EU15): 62 of 87 votes; May-October 2004: 88 of 124 (Art. 26 of the 2003 Act of
    Accession); Nice: 232 of 321 (EU25, to 2006), 255 of 345 (EU27, from 2007), 260 of 352
    (EU28, from July 2013); Lisbon (from November 2014): 55 % of the states holding 65 % of the
    population, approximated on the blended weights (mean of state and population shares) by
    the share 0.60 that any coalition meeting both criteria reaches. The further conditions
    (a majority of the states under Nice, 62 % of the population on request) are not applied.

    >>> deu_qmv_threshold({"intro": "10-12-97"})
    ('amsterdam', 0.7126436781609196)
    """
    period, _ = deu_council_weights(row)
    if period == "amsterdam":
        return period, 62 / 87
    if period == "accession2004":
        return period, 88 / 124
    if period == "lisbon":
        return period, 0.60
    when = _deu_date(row.get("intro", "")) or _deu_date(row.get("finact", ""))
    if when is not None and when < _dt.date(2007, 1, 1):
        return period, 232 / 321
    if when is not None and when >= _dt.date(2013, 7, 1):
        return period, 260 / 352
    return period, 255 / 345
