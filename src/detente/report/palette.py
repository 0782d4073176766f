"""Colours and markers that stay distinguishable for colour-blind readers.

The categorical palette is Okabe and Ito's eight colours (*Color Universal Design*, 2008),
ordered so that the first few are the most distinct. Series use the first seven (black is
kept for forecasts and reference lines); beyond seven a colour repeats with another marker
and line style, so no two series look the same.

>>> series_style(0)["color"], series_style(7)["color"] == series_style(0)["color"]
('#0072B2', True)
>>> series_style(0)["marker"] != series_style(7)["marker"]
True
"""

from __future__ import annotations

from typing import Any

#: Okabe-Ito colours, most distinct first (black last: it is kept for reference lines).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

#: Seven colours used for series (black is reserved for forecasts and reference lines).
SERIES: tuple[str, ...] = OKABE_ITO[:7]
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X")
LINESTYLES: tuple[str, ...] = ("-", "--", "-.", ":")

#: Ends of the diverging scale used for alignment (negative = vermillion, positive = blue).
NEGATIVE = "#D55E00"
POSITIVE = "#0072B2"
NEUTRAL = "#BBBBBB"
REFERENCE = "#000000"


def series_style(i: int) -> dict[str, Any]:
    """Colour, marker and line style of the ``i``-th series (colour and marker together
    differ for the first 49)."""
    colour = SERIES[i % len(SERIES)]
    cycle = i // len(SERIES)
    return {
        "color": colour,
        "marker": MARKERS[(i + cycle) % len(MARKERS)],
        "linestyle": LINESTYLES[cycle % len(LINESTYLES)],
    }


def diverging(value: float) -> tuple[float, float, float]:
    """RGB colour of ``value`` in -1..1 on the vermillion–grey–blue scale."""
    v = max(-1.0, min(1.0, float(value)))
    end = POSITIVE if v >= 0 else NEGATIVE
    a = _rgb(NEUTRAL)
    b = _rgb(end)
    t = abs(v)
    return tuple(a[k] + (b[k] - a[k]) * t for k in range(3))  # type: ignore[return-value]


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return tuple(int(h[k : k + 2], 16) / 255.0 for k in (0, 2, 4))  # type: ignore[return-value]
