"""``detente report``: added to the CLI by :func:`add_commands`."""

from __future__ import annotations

from pathlib import Path

import typer

from detente.scenario import DEFAULT_SCENARIO

SCENARIO_HELP = (
    f"A scenario file (YAML, CSV, KTAB CSV/XML, DEU FILE#ISSUE) or an embedded "
    f"name; default {DEFAULT_SCENARIO}."
)


def report(
    scenario: str | None = typer.Argument(None, help=SCENARIO_HELP),
    out: Path = typer.Option(
        Path("report.html"), "--out", "-o", help="The file to write (.html or .pdf)."
    ),
    format: str | None = typer.Option(
        None, "--format", "-f", help="html or pdf; default from the extension of --out."
    ),
    model: list[str] | None = typer.Option(
        None, "--model", "-m", help="A model to include (repeatable); default all that apply."
    ),
    sweep: Path | None = typer.Option(
        None,
        "--sweep",
        help="A sweep's output folder: adds its distributions and sensitivity tornado.",
    ),
    validation: list[Path] | None = typer.Option(
        None,
        "--validation",
        help="A CSV written by detente validate (--out or --predictions; "
        "repeatable): adds its tables and figures.",
    ),
    seed: int = typer.Option(0, help="Seed for stochastic models."),
    input_format: str | None = typer.Option(
        None, "--input-format", help="The scenario file's format."
    ),
) -> None:
    """Write a self-contained report (HTML, or PDF) on a scenario and every model's forecast."""
    from detente.report import build_report
    from detente.scenario import load

    s = load(scenario, format=input_format)
    path = build_report(
        s,
        out,
        format=format,
        models=model or None,
        seed=seed,
        sweep=sweep,
        validation=validation or None,
    )
    typer.echo(f"wrote {path}")


def add_commands(app: typer.Typer) -> None:
    """Add ``report`` to the ``detente`` command line."""
    app.command("report")(report)
