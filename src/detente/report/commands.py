"""``detente report`` and ``detente serve``: added to the CLI by :func:`add_commands`."""

from __future__ import annotations

from pathlib import Path

import typer

from detente.files import set_force
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
    force: bool = typer.Option(
        False, "--force", help="Replace output files even when they are read-only."
    ),
) -> None:
    """Write a self-contained report (HTML, or PDF) on a scenario and every model's forecast."""
    set_force(force)
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


def serve(
    host: str = typer.Option(
        "127.0.0.1", help="Address to bind; the default serves this machine only."
    ),
    port: int = typer.Option(8000, help="Port to listen on."),
    workdir: Path | None = typer.Option(
        None, "--workdir", help="Folder for uploads (default: a temporary folder removed on exit)."
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Processes that run the models (default: one per core)."
    ),
) -> None:
    """Run the local web app (open http://HOST:PORT/ in a browser)."""
    from detente import web

    typer.echo(f"detente: serving on http://{host}:{port}/ (Ctrl-C stops)")
    web.serve(host=host, port=port, workdir=workdir, workers=workers)


def add_commands(app: typer.Typer) -> None:
    """Add ``report`` and ``serve`` to the ``detente`` command line."""
    app.command("report")(report)
    app.command("serve")(serve)
