"""Shareable reports: one self-contained HTML file (or a PDF) per scenario.

>>> from detente.report import FORMATS
>>> FORMATS
('html', 'pdf')

:func:`build_report` runs every model on a scenario and writes the scenario (actors,
issues, positions and salience with their evidence), the forecasts side by side,
trajectories of the dynamic models, the alliance map and, when given, a sweep's
distributions and tornado and a validation table. The same inputs give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from detente.errors import ParameterError
from detente.report.data import ReportData, collect
from detente.report.html import render_html
from detente.scenario import Scenario
from detente.scenario.io import atomic_write_bytes

FORMATS = ("html", "pdf")


def render_report(data: ReportData, format: str = "html") -> bytes:
    """The report's bytes in ``format`` (``html`` or ``pdf``)."""
    if format == "html":
        return render_html(data).encode("utf-8")
    if format == "pdf":
        from detente.report.pdf import render_pdf

        return render_pdf(data)
    raise ParameterError(f"report format must be one of {', '.join(FORMATS)}, got {format!r}")


def report_format(out: str | Path, format: str | None = None) -> str:
    """The format to write: ``format`` if given, else from the extension of ``out``."""
    if format is not None:
        if format not in FORMATS:
            raise ParameterError(
                f"format must be one of {', '.join(FORMATS)}, got {format!r}", param="format"
            )
        return format
    return "pdf" if Path(out).suffix.lower() == ".pdf" else "html"


def write_atomic(path: str | Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` through a temporary file in the same folder."""
    atomic_write_bytes(path, payload)


def build_report(
    scenario: Scenario | str | None,
    out: str | Path,
    *,
    format: str | None = None,
    models: list[str] | None = None,
    seed: int = 0,
    sweep: str | Path | None = None,
    validation: str | Path | None = None,
) -> Path:
    """Write a report on ``scenario`` to ``out`` and return the path.

    The file is built in memory first and written through a temporary file, so a failure
    leaves no partial report and never clobbers an existing one.
    """
    fmt = report_format(out, format)
    data = collect(scenario, models, seed=seed, sweep=sweep, validation=validation)
    payload = render_report(data, fmt)
    write_atomic(out, payload)
    return Path(out)


__all__ = [
    "FORMATS",
    "ReportData",
    "build_report",
    "collect",
    "render_html",
    "render_report",
    "report_format",
]
