"""What every ``detente`` command shares: one definition and one check per option.

Each option a command takes is defined here once (its spelling, its type, its check and
its help), so the commands cannot drift apart: ``--param MODEL.NAME=VALUE``, ``--model``
(case-insensitive, with "did you mean"), ``--input-format`` (the scenario file's format),
``--format``/``-f`` (the format of what the command outputs), ``--quiet``, ``--seed``,
``--port``, counts, distances and probabilities. A bad value is a
:class:`~detente.errors.ParameterError` naming the option, which the CLI prints as one line
with exit code 2.

This module imports nothing heavy (no numpy, pandas or rich at import time), so that
``detente --help`` starts at once; what a command needs is imported when it runs.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from detente.errors import ParameterError, UnknownNameError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from rich.console import Console

# Kept equal to detente.scenario.DEFAULT_SCENARIO and detente.scenario.io.FORMATS (tested);
# written out here so that building the command line imports no scenario code.
DEFAULT_SCENARIO = "syria-astana-2017"
SCENARIO_FORMATS = ("yaml", "long-csv", "issue-csv", "ktab-csv", "ktab-xml", "deu")
TABLE_FORMATS = ("table", "csv", "json")

SCENARIO_HELP = (
    "A scenario file (YAML, CSV, KTAB CSV/XML, DEU FILE#ISSUE) or an embedded name; "
    f"default {DEFAULT_SCENARIO}."
)


# -- value types -------------------------------------------------------------------------


def check_number(
    value: Any,
    option: str,
    *,
    kind: type = float,
    low: float | None = None,
    high: float | None = None,
    what: str | None = None,
) -> Any:
    """``value`` as a finite ``kind`` (int or float) within ``[low, high]``.

    ``nan``, ``inf`` and text that is not a number are refused with a one-line
    :class:`ParameterError` naming the option.

    >>> check_number("2.5", "--within", low=0)
    2.5
    >>> check_number("nan", "--within", low=0)
    Traceback (most recent call last):
    ...
    detente.errors.ParameterError: --within must be a finite number, got 'nan'
    """
    name = what or ("whole number" if kind is int else "number")
    if isinstance(value, bool):
        raise ParameterError(f"{option} must be a {name}, got {value!r}")
    if isinstance(value, (int, float)):
        v = value
    else:
        text = str(value).strip()
        try:
            v = int(text) if kind is int else float(text)
        except ValueError:
            raise ParameterError(f"{option} must be a {name}, got {value!r}") from None
    if isinstance(v, float) and not math.isfinite(v):
        raise ParameterError(f"{option} must be a finite number, got {value!r}")
    if kind is int and isinstance(v, float):
        if not v.is_integer():
            raise ParameterError(f"{option} must be a {name}, got {value!r}")
        v = int(v)
    if low is not None and high is not None and not low <= v <= high:
        raise ParameterError(f"{option} must be between {low:g} and {high:g}, got {v}")
    if low is not None and v < low:
        raise ParameterError(f"{option} must be at least {low:g}, got {v}")
    if high is not None and v > high:
        raise ParameterError(f"{option} must be at most {high:g}, got {v}")
    return v


def number_parser(
    option: str,
    *,
    kind: type = float,
    low: float | None = None,
    high: float | None = None,
    what: str | None = None,
):
    """The ``parser`` of a number option (see :func:`check_number`)."""

    def parse(value: Any) -> Any:
        return check_number(value, option, kind=kind, low=low, high=high, what=what)

    parse.__name__ = "integer" if kind is int else "number"
    return parse


def choice_parser(option: str, choices: Sequence[str]):
    """The ``parser`` of an option taking one of ``choices`` (case-insensitive)."""

    def parse(value: Any) -> str:
        return pick(str(value), choices, what=option, kind="value")

    parse.__name__ = "choice"
    return parse


SEED_MAX = 2**63 - 1
SEED_HELP = "Seed of the random numbers (a whole number, 0 or more)."


# -- names -------------------------------------------------------------------------------


def pick(name: str, choices: Sequence[str], *, what: str, kind: str = "name") -> str:
    """``name`` matched case-insensitively against ``choices``; a one-line error otherwise.

    >>> pick("NASH", ["nash", "eum"], what="model")
    'nash'
    """
    wanted = name.strip().lower()
    for c in choices:
        if c.lower() == wanted:
            return c
    hint = did_you_mean(name, choices)
    if kind == "value":
        raise ParameterError(f"{what} must be one of {', '.join(choices)}, got {name!r}{hint}")
    raise UnknownNameError(f"{what}: unknown {kind} {name!r}{hint} (known: {', '.join(choices)})")


def resolve_model(name: str) -> str:
    """The registered model called ``name`` (case-insensitive), or a one-line error.

    >>> resolve_model("Weighted_Median")
    'weighted_median'
    """
    if name.strip().lower() == "all":
        raise ParameterError("--model: this command runs one model; 'all' names every model")
    return resolve_models([name])[0]


def resolve_models(names: Iterable[str] | None) -> list[str]:
    """Registered model names for ``--model`` values, in order, without repeats; ``all``
    stands for every registered model (:func:`detente.api.check_models`, with the option
    named in errors)."""
    names = list(names or [])
    if not names:
        return []
    from detente.api import check_models

    try:
        return check_models(names)
    except UnknownNameError as exc:
        raise UnknownNameError(f"--model: {exc}") from None


def is_baseline(name: str) -> bool:
    from detente.models import get_model

    return get_model(name).baseline


def model_params(
    items: Iterable[str] | None,
    names: Sequence[str],
    *,
    chosen: Sequence[str] | None = None,
    also: Sequence[str] = (),
) -> dict[str, dict[str, str]]:
    """``--param`` values grouped by model: ``MODEL.NAME=VALUE``, or a bare ``NAME=VALUE``
    when the user chose one model (``chosen``; default ``names``) or only one non-baseline
    model runs. Model names are case-insensitive; a parameter for a model that does not run
    is refused.

    >>> model_params(["eum.rounds=5", "q=1"], ["compromise", "eum"])
    {'eum': {'rounds': '5', 'q': '1'}}
    """
    from detente.models import get_model

    names = list(names)
    picked = list(chosen) if chosen else []
    if len(picked) == 1:
        default: str | None = picked[0]
    else:
        non_base = [n for n in names if not is_baseline(n)]
        default = names[0] if len(names) == 1 else (non_base[0] if len(non_base) == 1 else None)
    params: dict[str, dict[str, str]] = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(f"--param takes MODEL.NAME=VALUE, got {item!r}")
        key, value = (p.strip() for p in item.split("=", 1))
        if "." in key:
            model, key = (p.strip() for p in key.split(".", 1))
            model = pick(
                model, [*names, *also], what=f"--param {item}", kind="model among those run"
            )
        elif default is not None:
            model = default
        else:
            raise ParameterError(
                f"--param {item}: say which model it is for, as MODEL.{key}=VALUE "
                f"(models run: {', '.join(names)})"
            )
        if not key:
            raise ParameterError(f"--param takes MODEL.NAME=VALUE, got {item!r}")
        known = list(get_model(model).params.model_fields)
        if key not in known:
            raise ParameterError(
                f"--param {item}: model {model} has no parameter {key!r}"
                f"{did_you_mean(key, known)} (known: {', '.join(known) or 'none'})"
            )
        params.setdefault(model, {})[key] = value
    return params


def model_title(name: str) -> str:
    """A model's human name: its registered title without the parenthesis.

    >>> model_title("weighted_median")
    'Weighted median'
    """
    from detente.errors import UnknownNameError
    from detente.models import get_model

    try:
        title = get_model(name).title
    except UnknownNameError:  # a row that is not a model (the headline, say)
        return name
    return title.split(" (")[0]


# -- output ------------------------------------------------------------------------------


def check_suffix(path: Path, allowed: Sequence[str], option: str) -> str:
    """The lower-case suffix of ``path`` if it is one of ``allowed``; a one-line error
    otherwise.

    >>> check_suffix(Path("r.HTML"), (".html", ".pdf"), "--out")
    '.html'
    """
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise ParameterError(
            f"{option} {path}: the file name must end in {' or '.join(allowed)}"
            + (f", not {suffix}" if suffix else "")
        )
    return suffix


_STATE = {"quiet": False}


def set_quiet(quiet: bool) -> None:
    """Silence notes and progress bars (``--quiet``) for the rest of the command."""
    _STATE["quiet"] = bool(quiet)


def console() -> Console:
    """The console results are printed on (standard output)."""
    from rich.console import Console

    return Console(
        highlight=False,
        emoji=False,
        soft_wrap=False,
        width=None if sys.stdout.isatty() else 160,
    )


def note(message: str) -> None:
    """A message about what was done (``wrote FILE``), on standard error unless ``--quiet``."""
    if not _STATE["quiet"]:
        sys.stderr.write(message.rstrip("\n") + "\n")


@contextmanager
def progress(label: str, total: int | None = None) -> Iterator[Any]:
    """A progress bar on standard error (unless ``--quiet`` or standard error is not a
    terminal); yields ``advance(n=1)``."""
    if _STATE["quiet"] or not sys.stderr.isatty():
        yield lambda n=1: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    cols = [SpinnerColumn(), TextColumn(label), BarColumn(), TimeElapsedColumn()]
    if total is not None:
        cols.insert(3, MofNCompleteColumn())
    with Progress(*cols, console=Console(stderr=True), transient=True) as bar:
        tid = bar.add_task(label, total=total)
        yield lambda n=1: bar.advance(tid, n)


def emit_frame(df: pd.DataFrame, fmt: str, *, key: str = "rows", meta: dict | None = None) -> None:
    """Print ``df`` as CSV or as JSON (``{**meta, key: records}``) on standard output."""
    import json

    if fmt == "csv":
        sys.stdout.write(df.to_csv(index=False, lineterminator="\n"))
        return
    data = dict(meta or {})
    data[key] = json.loads(df.to_json(orient="records"))
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def decimals(values: Iterable[float], *, most: int = 3) -> int:
    """How many decimals ``values`` carry (at most ``most``): 0 for whole numbers.

    >>> decimals([10, 55.5, 70])
    1
    """
    d = 0
    for v in values:
        if v is None or not math.isfinite(v):
            continue
        text = f"{v:.{most}f}".rstrip("0")
        d = max(d, len(text.split(".")[1]) if "." in text else 0)
    return d


def number(v: Any, digits: int = 1) -> str:
    """``v`` with ``digits`` decimals; a dash for a missing value.

    >>> number(61.96, 0), number(float("nan"))
    ('62', '—')
    """
    if v is None:
        return "—"
    f = float(v)
    return "—" if not math.isfinite(f) else f"{f:.{digits}f}"


# -- the options -------------------------------------------------------------------------

ScenarioArg = Annotated[str | None, typer.Argument(help=SCENARIO_HELP, show_default=False)]
InputFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        parser=choice_parser("--input-format", SCENARIO_FORMATS),
        metavar="FORMAT",
        help="The scenario file's format (default: from its extension and contents): "
        + ", ".join(SCENARIO_FORMATS)
        + ".",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        parser=choice_parser("--format", TABLE_FORMATS),
        metavar="table|csv|json",
        help="Output: table, csv or json.",
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print only the results: no notes, no progress bars."),
]
_SEED_PARSER = number_parser(
    "--seed", kind=int, low=0, high=SEED_MAX, what="non-negative whole number"
)
SeedOpt = Annotated[
    int,
    typer.Option("--seed", parser=_SEED_PARSER, metavar="INTEGER", help=SEED_HELP),
]
OptionalSeedOpt = Annotated[
    int | None,
    typer.Option(
        "--seed",
        parser=_SEED_PARSER,
        metavar="INTEGER",
        help=SEED_HELP,
        show_default=False,
    ),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        "-p",
        help="A model parameter, MODEL.NAME=VALUE (repeatable); NAME=VALUE when one model "
        "is chosen. See detente models NAME.",
        show_default=False,
    ),
]
WhatIfOpt = Annotated[
    Path | None,
    typer.Option(
        "--what-if",
        help="A what-if patch (YAML) applied to the scenario first.",
        show_default=False,
    ),
]
ForceOpt = Annotated[
    bool,
    typer.Option("--force", help="Replace output files even when they are read-only."),
]
FullOpt = Annotated[
    bool, typer.Option("--full", help="Every table in full, not just the ranked summary.")
]
PortOpt = Annotated[
    int,
    typer.Option(
        "--port",
        parser=number_parser("--port", kind=int, low=1, high=65535, what="port number"),
        metavar="PORT",
        help="Port to listen on (1-65535).",
    ),
]


def models_option(help: str) -> Any:
    """``--model``/``--models``/``-m``, repeatable; values are resolved by
    :func:`resolve_models`."""
    return typer.Option("--model", "--models", "-m", help=help, show_default=False)


def count_option(*names: str, low: int = 1, high: int | None = None, help: str) -> Any:
    """A whole-number option with a range (the first of ``names`` names it in errors)."""
    return typer.Option(
        *names,
        parser=number_parser(names[0], kind=int, low=low, high=high),
        metavar="INTEGER",
        help=help,
    )


def number_option(
    *names: str, low: float | None = None, high: float | None = None, help: str
) -> Any:
    """A finite-number option with a range."""
    return typer.Option(
        *names,
        parser=number_parser(names[0], low=low, high=high),
        metavar="NUMBER",
        help=help,
    )


def probability_option(*names: str, help: str) -> Any:
    """A number from 0 to 1."""
    return number_option(*names, low=0.0, high=1.0, help=help)


def choice_option(*names: str, choices: Sequence[str], help: str) -> Any:
    """A case-insensitive choice among ``choices``."""
    return typer.Option(
        *names, parser=choice_parser(names[0], choices), metavar="|".join(choices), help=help
    )


# -- loading -----------------------------------------------------------------------------


def load_scenario(scenario: str | None, input_format: str | None, what_if: Path | None = None):
    """The scenario named on the command line, with a what-if patch applied if given."""
    from detente.scenario import load

    return apply_what_if(load(scenario, format=input_format), what_if)


def apply_what_if(s, what_if: Path | None):
    """``s`` with the what-if patch in the file ``what_if`` applied (``s`` without one)."""
    if what_if is None:
        return s
    from detente.analysis.whatif import apply_patch, load_patch

    return apply_patch(s, load_patch(what_if))


def input_digits(s) -> int:
    """The decimals a scenario's positions carry (at most 2): forecasts are shown with as
    many, since more would claim a precision the inputs do not have."""
    return decimals((st.position.value for st in s.stances), most=2)


__all__ = [
    "DEFAULT_SCENARIO",
    "SCENARIO_FORMATS",
    "TABLE_FORMATS",
    "apply_what_if",
    "check_number",
    "check_suffix",
    "choice_parser",
    "console",
    "decimals",
    "did_you_mean",
    "emit_frame",
    "input_digits",
    "load_scenario",
    "model_params",
    "model_title",
    "note",
    "number",
    "number_parser",
    "pick",
    "progress",
    "resolve_model",
    "resolve_models",
    "set_quiet",
]
