"""``detente serve``: added to the CLI by :func:`add_commands`."""

from __future__ import annotations

from pathlib import Path

import typer

from detente.cli_options import PortOpt


def serve(
    host: str = typer.Option(
        "127.0.0.1", help="Address to bind; the default serves this machine only."
    ),
    port: PortOpt = 8000,
    workdir: Path | None = typer.Option(
        None, "--workdir", help="Folder for uploads (default: a temporary folder removed on exit)."
    ),
) -> None:
    """Run the local web app (open http://HOST:PORT/ in a browser)."""
    from detente import web

    typer.echo(f"detente: serving on http://{host}:{port}/ (Ctrl-C stops)")
    web.serve(host=host, port=port, workdir=workdir)


def add_commands(app: typer.Typer) -> None:
    """Add ``serve`` to the ``detente`` command line."""
    app.command("serve")(serve)
