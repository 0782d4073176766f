"""The local web app: ``detente serve`` (see :mod:`detente.web.app` and docs/web.md).

>>> make_server(create_app()).config.host
'127.0.0.1'
"""

from __future__ import annotations

from pathlib import Path

from detente.limits import Limits, current
from detente.web.app import MAX_UPLOAD, create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _timed_protocol(read_seconds: float):
    """uvicorn's HTTP/1.1 protocol with a deadline for reading each request: a client has
    ``read_seconds`` from connecting (or from the previous response) to send a request's
    headers and body, else the connection is closed (uvicorn has no such timeout)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TimedH11Protocol(H11Protocol):
        _read_timer = None

        def _arm(self) -> None:
            self._disarm()
            self._read_timer = self.loop.call_later(read_seconds, self._read_timeout)

        def _disarm(self) -> None:
            if self._read_timer is not None:
                self._read_timer.cancel()
                self._read_timer = None

        def _read_timeout(self) -> None:
            self._read_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE and self.conn.their_state is not (
                h11.SEND_BODY
            ):
                self._disarm()  # the whole request is in

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self._arm()

    return TimedH11Protocol


def make_server(
    app=None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    log_level: str = "info",
    limits: Limits | None = None,
):
    """A :class:`uvicorn.Server` for ``app`` (default: a new app), bound to ``host:port``.

    The default host is the loopback address: the app is reachable from this machine only
    unless another host is given. A client has ``header_seconds`` to send each request, an
    idle keep-alive connection is closed after ``keep_alive_seconds``, and more than
    ``max_connections`` open connections are answered 503 (:mod:`detente.limits`).
    """
    import uvicorn

    from detente.errors import ParameterError

    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ParameterError(f"port must be a whole number from 0 to 65535, got {port!r}")
    lim = limits or current()
    config = uvicorn.Config(
        app if app is not None else create_app(limits=lim),
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        http=_timed_protocol(lim.header_seconds),
        timeout_keep_alive=lim.keep_alive_seconds,  # type: ignore[arg-type]
        limit_concurrency=lim.max_connections,
        timeout_graceful_shutdown=5,
    )
    return uvicorn.Server(config)


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workdir: Path | None = None,
    workers: int | None = None,
) -> None:
    """Run the web app until interrupted (models run on ``workers`` processes, default one
    per core)."""
    make_server(create_app(workdir, workers=workers), host, port).run()


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "MAX_UPLOAD", "create_app", "make_server", "serve"]
