"""Reading and writing scenarios in every supported format.

Formats (name: what it is):

- ``yaml``: the native format, one scenario per file, with evidence and ranges.
- ``long-csv``: one row per actor and issue: ``actor,issue,capability,position,salience``
  with optional extra columns (names, kinds, scales, ranges, evidence, decision rules).
- ``issue-csv``: one issue: ``actor,capability,position,salience`` (as in the
  expected-utility literature).
- ``ktab-csv``: KTAB's Spatial Model of Politics input (scenario line, header, one row per
  actor with position and salience pairs).
- ``ktab-xml``: KTAB's XML scenario files (read only).
- ``deu``: one issue row of a DEU (Decision-making in the European Union) table, selected
  with ``FILE#ISSUE`` (the ``isnr`` value); the whole file is read by
  :mod:`detente.validation` where that exists. The issue's decision rule is derived from the
  row's ``proc`` and ``counvte``.

One module per format (:mod:`~detente.scenario.io.yaml_format`,
:mod:`~detente.scenario.io.long_csv`, :mod:`~detente.scenario.io.issue_csv`,
:mod:`~detente.scenario.io.ktab_csv`, :mod:`~detente.scenario.io.deu`, with the EU actors'
weights in :mod:`~detente.scenario.io.eu_council`; KTAB XML in :mod:`detente.scenario.ktab_xml`);
this module detects the format and dispatches. Files are read only when they are regular
files within :attr:`~detente.limits.Limits.max_file_bytes`, YAML through the safe loader of
:mod:`~detente.scenario.io.safe_yaml`. Detection goes by extension, then by the header;
``format=`` overrides it. Every writer goes through :func:`detente.files.write_atomic`, so a
failed write never leaves a half-written or clobbered file.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from detente.errors import FormatError, UnknownNameError
from detente.files import write_atomic
from detente.lazy import lazy_names
from detente.scenario.io.common import fail, first_row, read_text, slug, stem
from detente.scenario.model import Scenario

# Each format's module is imported when a file of that format is read or written, or when one
# of its names is asked for (below), so that reading one format does not pay for the others.
_MODULE_OF = {
    **dict.fromkeys(
        (
            "DEU_CAPABILITY",
            "DEU_COUNCIL_RULES",
            "DEU_PROCEDURES",
            "deu_decision",
            "deu_row_to_scenario",
            "read_deu",
            "read_deu_table",
            "write_deu",
        ),
        "deu",
    ),
    **dict.fromkeys(
        (
            "_QMV_2004",
            "_QMV_EU15",
            "_QMV_NICE",
            "DEU_ACTORS",
            "EU_POPULATION",
            "_deu_date",
            "deu_council_weights",
            "deu_qmv_threshold",
        ),
        "eu_council",
    ),
    **dict.fromkeys(("read_issue_csv", "write_issue_csv"), "issue_csv"),
    **dict.fromkeys(("read_ktab_csv", "write_ktab_csv"), "ktab_csv"),
    **dict.fromkeys(("LONG_DECISION", "read_long_csv", "write_long_csv"), "long_csv"),
    **dict.fromkeys(("dump_yaml", "read_yaml", "scenario_to_dict"), "yaml_format"),
    **dict.fromkeys(("load_yaml", "parse_yaml"), "safe_yaml"),
}


__getattr__, __dir__ = lazy_names(
    __name__, {name: f"{__name__}.{module}" for name, module in _MODULE_OF.items()}, globals()
)


def _named(name: str) -> Any:
    return __getattr__(name)


FORMATS = ("yaml", "long-csv", "issue-csv", "ktab-csv", "ktab-xml", "deu")
WRITABLE = ("yaml", "long-csv", "issue-csv", "ktab-csv", "deu")


# -- detection ---------------------------------------------------------------------------


def detect_format(path: str | Path, text: str | None = None) -> str:
    """Guess the format of ``path`` from its extension and, for CSV, its header."""
    p = Path(str(path).split("#", 1)[0])
    ext = p.suffix.lower()
    if ext in (".yaml", ".yml"):
        return "yaml"
    if ext == ".xml":
        return "ktab-xml"
    if ext in (".tsv", ".tab"):
        return "deu"
    if ext in (".csv", ".txt", ""):
        if text is None:
            text = read_text(p)
        first = [c.strip().lower() for c in first_row(text)]
        if "issue" in first and "actor" in first:
            return "long-csv"
        if "actor" in first:
            return "issue-csv"
        if "prnr" in first or "isnr" in first:
            return "deu"
        lines = text.splitlines()
        if len(lines) > 1 and lines[1].split(",")[0].strip().lower() == "actor":
            return "ktab-csv"
        raise fail(
            str(p),
            f"cannot tell the format from the header; give --format (one of {', '.join(FORMATS)})",
            line=1,
        )
    raise fail(
        str(p), f"unknown file extension {ext!r}; give --format (one of {', '.join(FORMATS)})"
    )


def read_scenario(path: str | Path, format: str | None = None, **options: Any) -> Scenario:
    """Read a scenario file in any supported format.

    Parameters
    ----------
    path:
        The file; ``FILE#ISSUE`` picks one row (issue) of a DEU table.
    format:
        One of ``FORMATS`` (``yaml``, ``long-csv``, ``issue-csv``, ``ktab-csv``, ``ktab-xml``,
        ``deu``); default: guessed from the extension and the content.
    **options:
        Options of the format's reader (``capability=`` for DEU tables, say).

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        The file cannot be read or its content is invalid (the message names the file, the
        line where the format has lines, and the field).

    Examples
    --------
    >>> import tempfile, os, detente
    >>> path = os.path.join(tempfile.mkdtemp(), "astana.csv")
    >>> write_scenario(detente.load("syria-astana-2017"), path, "long-csv")
    'long-csv'
    >>> read_scenario(path).actor_ids == detente.load("syria-astana-2017").actor_ids
    True
    """
    raw = str(path)
    selector = None
    if "#" in raw and not Path(raw).exists():
        raw, selector = raw.split("#", 1)
    p = Path(raw)
    if format is not None and format not in FORMATS:
        raise UnknownNameError(f"unknown format {format!r} (known: {', '.join(FORMATS)})")
    text = read_text(p)
    try:
        return _read_text_as(p, text, format, selector, **options)
    except csv.Error as exc:
        raise fail(str(p), f"not readable as CSV: {exc}") from None


def _read_text_as(
    p: Path, text: str, format: str | None, selector: str | None, **options: Any
) -> Scenario:
    fmt = format or detect_format(p, text)
    if fmt == "ktab-xml":
        from detente.scenario.ktab_xml import read_ktab_xml_scenario

        return read_ktab_xml_scenario(p, text)
    if fmt == "deu":
        return _named("read_deu")(p, text, selector, **options)
    readers = {
        "yaml": "read_yaml",
        "long-csv": "read_long_csv",
        "issue-csv": "read_issue_csv",
        "ktab-csv": "read_ktab_csv",
    }
    read: Callable[[Path, str], Scenario] = _named(readers[fmt])
    return read(p, text)


def format_for_output(path: str | Path, format: str | None = None) -> str:
    """The format to write ``path`` in: ``format`` if given, else from the extension."""
    if format is not None:
        if format not in WRITABLE:
            raise UnknownNameError(
                f"cannot write format {format!r} (writable: {', '.join(WRITABLE)})"
            )
        return format
    ext = Path(path).suffix.lower()
    if ext in (".yaml", ".yml"):
        return "yaml"
    if ext in (".tsv", ".tab"):
        return "deu"
    if ext == ".csv":
        return "long-csv"
    raise UnknownNameError(
        f"{path}: cannot tell the output format from the extension "
        f"{ext!r}; give --to (one of {', '.join(WRITABLE)})"
    )


def scenario_to_text(s: Scenario, format: str) -> str:
    """``s`` as the text of a file in ``format``."""
    writers = {
        "yaml": "dump_yaml",
        "long-csv": "write_long_csv",
        "issue-csv": "write_issue_csv",
        "ktab-csv": "write_ktab_csv",
        "deu": "write_deu",
    }
    if format not in writers:
        raise UnknownNameError(f"cannot write format {format!r} (writable: {', '.join(WRITABLE)})")
    write: Callable[[Scenario], str] = _named(writers[format])
    return write(s)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (:func:`detente.files.write_atomic`)."""
    write_atomic(path, text)


def atomic_write_bytes(path: str | Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` atomically (:func:`detente.files.write_atomic`)."""
    write_atomic(path, payload)


def write_scenario(s: Scenario, path: str | Path, format: str | None = None) -> str:
    """Write a scenario to a file, atomically (a failed write leaves any old file whole).

    Parameters
    ----------
    s:
        The scenario.
    path:
        The file to write.
    format:
        One of ``WRITABLE`` (``yaml``, ``long-csv``, ``issue-csv``, ``ktab-csv``, ``deu``);
        default: from the extension (``.yaml``, ``.csv``: long CSV).

    Returns
    -------
    str
        The format written.

    Examples
    --------
    >>> import tempfile, os, detente
    >>> path = os.path.join(tempfile.mkdtemp(), "astana.yaml")
    >>> write_scenario(detente.load("syria-astana-2017"), path)
    'yaml'
    >>> read_scenario(path) == detente.load("syria-astana-2017")
    True
    """
    fmt = format_for_output(path, format)
    text = scenario_to_text(s, fmt)  # build first: a failing writer never touches the file
    atomic_write_text(path, text)
    return fmt


__all__ = [
    "DEU_ACTORS",
    "DEU_CAPABILITY",
    "DEU_COUNCIL_RULES",
    "DEU_PROCEDURES",
    "EU_POPULATION",
    "FORMATS",
    "LONG_DECISION",
    "WRITABLE",
    "_QMV_2004",
    "_QMV_EU15",
    "_QMV_NICE",
    "FormatError",
    "_deu_date",
    "atomic_write_bytes",
    "atomic_write_text",
    "detect_format",
    "deu_council_weights",
    "deu_decision",
    "deu_qmv_threshold",
    "deu_row_to_scenario",
    "dump_yaml",
    "fail",
    "format_for_output",
    "load_yaml",
    "parse_yaml",
    "read_deu",
    "read_deu_table",
    "read_issue_csv",
    "read_ktab_csv",
    "read_long_csv",
    "read_scenario",
    "read_text",
    "read_yaml",
    "scenario_to_dict",
    "scenario_to_text",
    "slug",
    "stem",
    "write_deu",
    "write_issue_csv",
    "write_ktab_csv",
    "write_long_csv",
    "write_scenario",
]
