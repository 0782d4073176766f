"""``detente serve``: added to the CLI by :func:`add_commands`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from detente.cli_options import PortOpt, count_option


def serve(
    host: str = typer.Option(
        "127.0.0.1", help="Address to bind; the default serves this machine only."
    ),
    port: PortOpt = 8000,
    workdir: Path | None = typer.Option(
        None, "--workdir", help="Folder for uploads (default: a temporary folder removed on exit)."
    ),
    workers: Annotated[
        int | None,
        count_option(
            "--workers",
            low=1,
            high=256,
            help="Processes that run the models (default: one per core).",
        ),
    ] = None,
) -> None:
    """Run the local web app (open http://HOST:PORT/ in a browser)."""
    from detente import web

    typer.echo(f"detente: serving on http://{host}:{port}/ (Ctrl-C stops)")
    web.serve(host=host, port=port, workdir=workdir, workers=workers)


def add_commands(app: typer.Typer) -> None:
    """Add ``serve`` to the ``detente`` command line."""
    app.command("serve")(serve)
