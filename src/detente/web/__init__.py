"""The local web app: ``detente serve`` (see :mod:`detente.web.app` and docs/web.md).

>>> make_server(create_app()).config.host
'127.0.0.1'
"""

from __future__ import annotations

from pathlib import Path

from detente.web.app import MAX_UPLOAD, create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def make_server(
    app=None, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, log_level: str = "info"
):
    """A :class:`uvicorn.Server` for ``app`` (default: a new app), bound to ``host:port``.

    The default host is the loopback address: the app is reachable from this machine only
    unless another host is given.
    """
    import uvicorn

    config = uvicorn.Config(
        app if app is not None else create_app(),
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
    )
    return uvicorn.Server(config)


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, workdir: Path | None = None) -> None:
    """Run the web app until interrupted."""
    make_server(create_app(workdir), host, port).run()


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "MAX_UPLOAD", "create_app", "make_server", "serve"]
