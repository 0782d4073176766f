"""``detente report``: added to the CLI by :func:`add_commands`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from detente.cli_options import (
    ForceOpt,
    InputFormatOpt,
    QuietOpt,
    ScenarioArg,
    SeedOpt,
    check_suffix,
    choice_option,
    models_option,
    note,
    resolve_models,
    set_quiet,
)
from detente.errors import ParameterError
from detente.files import set_force

REPORT_SUFFIXES = (".html", ".pdf")


def report(
    scenario: ScenarioArg = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The file to write (.html or .pdf).")
    ] = Path("report.html"),
    format: Annotated[
        str | None,
        choice_option(
            "--format",
            "-f",
            choices=("html", "pdf"),
            help="html or pdf; default from the extension of --out.",
        ),
    ] = None,
    model: Annotated[
        list[str] | None,
        models_option("A model to include (repeatable); default all that apply."),
    ] = None,
    sweep: Annotated[
        Path | None,
        typer.Option(
            "--sweep",
            help="A sweep's output folder: adds its distributions and sensitivity tornado.",
        ),
    ] = None,
    validation: Annotated[
        list[Path] | None,
        typer.Option(
            "--validation",
            help="A CSV written by detente validate (--out or --predictions; "
            "repeatable): adds its tables and figures.",
        ),
    ] = None,
    seed: SeedOpt = 0,
    input_format: InputFormatOpt = None,
    quiet: QuietOpt = False,
    force: ForceOpt = False,
) -> None:
    """Write a self-contained report (HTML, or PDF) on a scenario and every model's forecast."""
    set_force(force)
    from detente.cli_options import load_scenario, progress
    from detente.report import build_report

    set_quiet(quiet)
    suffix = check_suffix(out, REPORT_SUFFIXES, "--out")
    if format is not None and suffix != f".{format}":
        raise ParameterError(f"--out {out}: a {format} report's file name must end in .{format}")
    s = load_scenario(scenario, input_format)
    with progress("report"):
        path = build_report(
            s,
            out,
            format=format,
            models=resolve_models(model) or None,
            seed=seed,
            sweep=sweep,
            validation=validation or None,
        )
    note(f"wrote {path}")


def add_commands(app: typer.Typer) -> None:
    """Add ``report`` to the ``detente`` command line."""
    app.command("report")(report)
