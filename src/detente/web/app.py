"""The web app: a JSON API under ``/api`` and a single page of our own.

``create_app(workdir)`` returns a FastAPI application. Everything a user uploads is
written under ``workdir/uploads`` with a generated name (never the name the browser sent),
deleted when it cannot be read and expired after a time and beyond a total size; bodies
larger than the limit are refused before they are read, and every bad request is answered
with HTTP 422 (or 413, 404, 503) and ``{"detail": "<one line>"}`` naming the field at fault.
Model runs, uploads and reports run off the event loop in a pool of processes
(:mod:`detente.web.jobs`), each request within a time limit; the sizes and times are those
of :mod:`detente.limits`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
import shutil
import tempfile
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    UploadFile,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

import detente
from detente import api
from detente import limits as limits_mod
from detente.errors import DetenteError, LimitError, plain_message
from detente.limits import Limits
from detente.scenario import DEFAULT_SCENARIO, Scenario, embedded_names
from detente.scenario.embedded import load_embedded
from detente.scenario.io import scenario_to_dict
from detente.scenario.validate import check_size
from detente.web import jobs as J
from detente.web.payload import clean as _clean  # noqa: F401  (kept for importers)

log = logging.getLogger("detente.web")

STATIC = Path(__file__).resolve().parent / "static"
#: Largest upload accepted (bytes of the file), by default (see :mod:`detente.limits`).
MAX_UPLOAD = Limits().max_upload_bytes
#: Largest request body accepted, by default; below Starlette's in-memory spool size (1 MiB),
#: so an upload is never spooled to a temporary file outside the working directory.
MAX_BODY = Limits().max_body_bytes
#: Uploaded scenarios kept, by default (the oldest is forgotten first).
MAX_UPLOADS = Limits().max_uploads
UPLOAD_EXTENSIONS = (".yaml", ".yml", ".csv", ".txt", ".xml", ".tsv", ".tab")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}$")
_SEED_MAX = 2**63 - 1


# -- request bodies ----------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ForecastRequest(_Body):
    """``POST /api/forecast``: a scenario in the native layout and, optionally, models."""

    scenario: dict[str, Any] = Field(description="The scenario in the native (YAML) layout.")
    models: list[str] | None = Field(
        None, max_length=50, description="Models to run; default all that apply."
    )
    seed: int = Field(
        0,
        ge=0,
        le=_SEED_MAX,
        description="Seed for stochastic models (the same seed, the same forecast).",
    )
    history: bool = Field(
        False, description="Also return the dynamic models' round-by-round positions."
    )
    alliances: bool = Field(False, description="Also return the actors' pairwise alignment.")
    headline: bool = Field(
        False,
        description="Also return the headline forecast per issue (median, 80% interval, "
        "chance that the status quo holds; Monte Carlo over the input ranges).",
    )

    def extras(self) -> tuple[str, ...]:
        return tuple(k for k in ("history", "alliances", "headline") if getattr(self, k))


class WhatIfRequest(ForecastRequest):
    """``POST /api/whatif``: a scenario, a patch, and optionally models."""

    patch: str | dict[str, Any] | list[Any] = Field(
        description="Changes to apply: text (one change a line, see docs/web.md) or data."
    )


class ReportRequest(_Body):
    """``POST /api/report``: a scenario and the report format."""

    scenario: dict[str, Any]
    models: list[str] | None = Field(None, max_length=50)
    seed: int = Field(0, ge=0, le=_SEED_MAX)
    format: str = Field("html", pattern="^(html|pdf)$")


# -- the server's state ------------------------------------------------------------------


@dataclass
class Upload:
    """An uploaded scenario: the file kept under ``uploads/`` and what it holds."""

    scenario: Scenario
    path: Path
    size: int
    added: float


@dataclass
class WebState:
    """What the routes share: the working directory, the uploads, the workers, the limits."""

    root: Path
    own_dir: bool
    uploads_dir: Path
    jobs: J.Jobs
    limits: Limits
    uploads: OrderedDict[str, Upload] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expire_uploads(self, now: float | None = None) -> None:
        """Forget (and delete) uploads older than the time limit, then the oldest ones
        while there are too many or their files are too large together."""
        now = time.time() if now is None else now
        lim = self.limits
        dropped: list[Upload] = []
        with self.lock:
            for name in list(self.uploads):
                if now - self.uploads[name].added > lim.upload_ttl_seconds:
                    dropped.append(self.uploads.pop(name))
            total = sum(u.size for u in self.uploads.values())
            while self.uploads and (
                len(self.uploads) > lim.max_uploads or total > lim.upload_total_bytes
            ):
                _, u = self.uploads.popitem(last=False)
                total -= u.size
                dropped.append(u)
        for u in dropped:
            u.path.unlink(missing_ok=True)

    def lookup(self, name: str) -> Scenario:
        if not _NAME.match(name):
            raise HTTPException(404, f"no scenario named {name!r}")
        self.expire_uploads()
        with self.lock:
            if name in self.uploads:
                return self.uploads[name].scenario
        if name in embedded_names():
            return _embedded(name)
        raise HTTPException(404, f"no scenario named {name!r}")


@functools.lru_cache(maxsize=64)
def _embedded(name: str) -> Scenario:
    return load_embedded(name)


async def _state(request: Request) -> WebState:  # async: no thread hop per request
    return request.app.state.web


# -- helpers -----------------------------------------------------------------------------


def _safe_filename(name: str | None) -> str:
    """A display name for an upload: its last path part, with odd characters replaced."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", base).strip("._") or "upload"
    return base[:100]


def _write_new(target: Path, data: bytes) -> None:
    with open(target, "xb") as fh:  # never replaces a file
        fh.write(data)


def _json_response(payload: bytes) -> Response:
    return Response(payload, media_type="application/json")


def _check_scenario_size(data: dict[str, Any]) -> None:
    """Refuse an over-limit scenario here, in milliseconds, before a worker sees it."""
    check_size(data, "scenario")


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def json_depth(raw: bytes) -> int:
    """How deeply the arrays and objects of the JSON text ``raw`` nest (strings skipped).

    >>> json_depth(b'{"a": [1, {"b": "]]"}]}')
    3
    """
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    arr = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((arr == ord("[")) | (arr == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


class _BodyLimit:
    """ASGI middleware: a request body needs a Content-Length within the limit (else 411 or
    413, before it is read), and JSON nested deeper than the limit is refused (422)."""

    def __init__(self, app, state: WebState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        lim = self.state.limits
        length, ctype = None, b""
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    length = int(v)
                except ValueError:
                    length = -1
            elif k == b"content-type":
                ctype = v
        if length is None or length < 0:
            await _send_json(send, 411, "a request body needs a valid Content-Length header")
            return
        if length > lim.max_body_bytes:
            await _send_json(
                send,
                413,
                f"request body too large: {length} bytes (limit max_body_bytes "
                f"{lim.max_body_bytes})",
            )
            return
        if b"json" in ctype:
            await self._json(scope, receive, send, lim)
            return
        seen = 0

        async def counted():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > lim.max_body_bytes:
                    raise HTTPException(413, f"request body too large (limit {lim.max_body_bytes})")
            return msg

        await self.app(scope, counted, send)

    async def _json(self, scope, receive, send, lim: Limits) -> None:
        chunks, seen = [], 0
        while True:
            msg = await receive()
            if msg["type"] != "http.request":
                return
            chunks.append(msg.get("body", b""))
            seen += len(chunks[-1])
            if seen > lim.max_body_bytes:
                await _send_json(send, 413, f"request body too large (limit {lim.max_body_bytes})")
                return
            if not msg.get("more_body"):
                break
        body = b"".join(chunks)
        depth = json_depth(body)
        if depth > lim.max_json_depth:
            await _send_json(
                send,
                422,
                f"the request body nests {depth} levels deep (limit max_json_depth "
                f"{lim.max_json_depth})",
            )
            return
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class _NoReset:
    """ASGI middleware: an unexpected error is answered 500 with one line and logged, and the
    connection stays usable (Starlette would re-raise it and the server close the
    connection, so the client's next request on it would be reset)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(msg):
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            log.exception("error in %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await _send_json(send, 500, f"internal error ({type(exc).__name__})")


async def _send_json(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _validation_message(exc: RequestValidationError) -> str:
    errs = exc.errors()
    if not errs:
        return "invalid request"
    err = errs[0]
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
    field_name = ".".join(loc) or "body"
    msg = plain_message(err)  # our words, not pydantic's
    if err.get("type") == "json_invalid":
        return f"the request body is not valid JSON: {err.get('ctx', {}).get('error', msg)}"
    more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
    return f"field {field_name!r}: {msg}{more}"


# -- routes ------------------------------------------------------------------------------

scenario_routes = APIRouter(tags=["scenarios"])
forecast_routes = APIRouter(tags=["forecast"])
report_routes = APIRouter(tags=["report"])


@scenario_routes.get("/api/scenarios")
def list_scenarios(st: WebState = Depends(_state)) -> dict:
    """The embedded scenarios and those uploaded to this server."""
    items = []
    for name in embedded_names():
        s = _embedded(name)
        items.append(
            {
                "name": name,
                "title": s.title or name,
                "actors": len(s.actors),
                "issues": len(s.issues),
                "origin": "embedded",
            }
        )
    st.expire_uploads()
    with st.lock:
        for name, u in st.uploads.items():
            items.append(
                {
                    "name": name,
                    "title": u.scenario.title or u.scenario.id,
                    "actors": len(u.scenario.actors),
                    "issues": len(u.scenario.issues),
                    "origin": "upload",
                }
            )
    default = (
        DEFAULT_SCENARIO
        if DEFAULT_SCENARIO in embedded_names()
        else (items[0]["name"] if items else None)
    )
    return {"scenarios": items, "default": default}


@scenario_routes.get("/api/scenarios/{name}")
def get_scenario(name: str, st: WebState = Depends(_state)) -> dict:
    """One scenario in the native layout (as ``POST /api/forecast`` takes it)."""
    return {"name": name, "scenario": scenario_to_dict(st.lookup(name))}


@scenario_routes.get("/api/models", tags=["models"])
def list_models() -> dict:
    """The registered models."""
    return {"models": api.models_table().to_dict(orient="records")}


@scenario_routes.get("/api/limits", tags=["models"])
def get_limits(st: WebState = Depends(_state)) -> dict:
    """The limits this server applies (sizes, counts and times; see docs/web.md)."""
    return {"limits": limits_mod.as_dict(st.limits)}


@scenario_routes.post("/api/upload")
async def upload(
    file: UploadFile = File(..., description="A scenario file (≤ 1 MB)."),
    issue: str | None = Form(None, description="DEU files: the isnr row."),
    st: WebState = Depends(_state),
) -> dict:
    """Upload a scenario file in any supported format; returns it in the native layout."""
    started = time.time()
    limit = st.limits.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"field 'file': larger than the limit of {limit} bytes")
    display = _safe_filename(file.filename)
    ext = Path(display).suffix.lower()
    if ext not in UPLOAD_EXTENSIONS:
        raise HTTPException(
            422,
            f"field 'file': unsupported file type {ext or '(none)'!r} "
            f"(expected one of {', '.join(UPLOAD_EXTENSIONS)})",
        )
    if issue is not None and not _NAME.match(issue):
        raise HTTPException(422, f"field 'issue': not a valid issue id {issue!r}")
    st.expire_uploads()
    token = uuid.uuid4().hex[:16]
    target = st.uploads_dir / f"{token}{ext}"
    assert target.parent == st.uploads_dir
    kept = False
    try:
        _write_new(target, data)
        source = f"{target}#{issue}" if issue else str(target)
        s = await st.jobs.run(J.upload_job, source, display, str(target), started=started)
        if s.id == token:
            s = s.model_copy(update={"id": Path(display).stem})
        name = f"upload-{token}"
        with st.lock:
            st.uploads[name] = Upload(s, target, len(data), time.time())
        kept = True
    finally:
        if not kept:  # refused, failed or timed out: nothing stays behind
            target.unlink(missing_ok=True)
    st.expire_uploads()
    return {"name": name, "filename": display, "scenario": scenario_to_dict(s)}


@forecast_routes.post("/api/forecast")
async def post_forecast(req: ForecastRequest, st: WebState = Depends(_state)) -> Response:
    """Every model's forecast on every issue of the scenario given (with the dynamic models'
    histories and the actors' alignment when ``history`` and ``alliances`` are true)."""
    started = time.time()
    _check_scenario_size(req.scenario)
    payload = await st.jobs.run(
        J.forecast_job, req.scenario, req.models, req.seed, req.extras(), started=started
    )
    return _json_response(payload)


@forecast_routes.post("/api/whatif")
async def post_whatif(req: WhatIfRequest, st: WebState = Depends(_state)) -> Response:
    """Forecasts before and after a patch, and their differences."""
    started = time.time()
    _check_scenario_size(req.scenario)
    payload = await st.jobs.run(
        J.whatif_job, req.scenario, req.patch, req.models, req.seed, req.extras(), started=started
    )
    return _json_response(payload)


def _report_response(payload: bytes, s_id: str, fmt: str) -> Response:
    stem = _safe_filename(s_id) or "scenario"
    media = "text/html; charset=utf-8" if fmt == "html" else "application/pdf"
    return Response(
        payload,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{stem}-report.{fmt}"'},
    )


@report_routes.get("/api/report")
async def get_report(
    name: str = Query(DEFAULT_SCENARIO, description="A scenario name."),
    format: str = Query("html", pattern="^(html|pdf)$"),
    model: list[str] | None = Query(
        None, description="Models (repeatable); default all that apply."
    ),
    st: WebState = Depends(_state),
) -> Response:
    """The report on a named (embedded or uploaded) scenario, as a download."""
    started = time.time()
    s = st.lookup(name)
    payload = await st.jobs.run(J.report_job, s, model, 0, format, started=started)
    return _report_response(payload, s.id, format)


@report_routes.post("/api/report")
async def post_report(req: ReportRequest, st: WebState = Depends(_state)) -> Response:
    """The report on the scenario given (edited in the page, say), as a download."""
    started = time.time()
    _check_scenario_size(req.scenario)
    payload = await st.jobs.run(
        J.report_job, req.scenario, req.models, req.seed, req.format, started=started
    )
    sid = req.scenario.get("id") if isinstance(req.scenario.get("id"), str) else "scenario"
    return _report_response(payload, sid, req.format)


# -- the app, step by step ---------------------------------------------------------------


def _make_state(workdir: Path | None, workers: int | None, limits: Limits | None) -> WebState:
    own_dir = workdir is None
    root = Path(tempfile.mkdtemp(prefix="detente-web-")) if own_dir else Path(workdir)
    root.mkdir(parents=True, exist_ok=True)
    uploads_dir = (root / "uploads").resolve()
    uploads_dir.mkdir(exist_ok=True)
    lim = limits or limits_mod.current()
    return WebState(root, own_dir, uploads_dir, J.Jobs(workers, lim), lim)


def _make_fastapi(st: WebState) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        st.jobs.start()
        try:
            yield
        finally:
            st.jobs.close()
            if st.own_dir:
                shutil.rmtree(st.root, ignore_errors=True)

    app = FastAPI(
        title="detente",
        version=detente.__version__,
        summary="Forecast multilateral negotiations: scenarios, models, what-ifs and reports.",
        lifespan=lifespan,
        # FastAPI's /docs and /redoc pages load their scripts from a CDN: left out.
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = st
    app.state.workdir = st.root
    app.state.uploads = st.uploads
    # Also cleaned up when the app is dropped or the interpreter exits.
    weakref.finalize(app, st.jobs.close)
    if st.own_dir:
        weakref.finalize(app, shutil.rmtree, st.root, True)
    return app


def _add_middleware(app: FastAPI, st: WebState) -> None:
    app.add_middleware(_BodyLimit, state=st)
    app.add_middleware(_NoReset)  # added last: the outermost of the two


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DetenteError)
    async def _detente_error(_req: Request, exc: DetenteError) -> JSONResponse:
        status = 413 if isinstance(exc, LimitError) else 422
        return JSONResponse({"detail": str(exc).splitlines()[0]}, status_code=status)

    @app.exception_handler(J.JobError)
    async def _job_error(_req: Request, exc: J.JobError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_message(exc)}, status_code=422)


def _add_page(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def create_app(
    workdir: Path | None = None, *, workers: int | None = None, limits: Limits | None = None
) -> FastAPI:
    """The detente web app.

    Parameters
    ----------
    workdir:
        The server's working directory; uploads are written under ``workdir/uploads``.
        Default: a new temporary directory, removed when the app shuts down.
    workers:
        Processes that run the models (default: one per core; 0 runs them in threads of
        the server process, for tests and embedding).
    limits:
        The sizes and times to apply (default: :func:`detente.limits.current`).

    Returns
    -------
    FastAPI
        The app; its workers start with the app (or at the first request).

    Examples
    --------
    >>> app = create_app()
    >>> sorted(p for p in app.openapi()["paths"] if p.startswith("/api/"))[:3]
    ['/api/forecast', '/api/limits', '/api/models']
    """
    st = _make_state(workdir, workers, limits)
    app = _make_fastapi(st)
    _add_middleware(app, st)
    _add_error_handlers(app)
    for router in (scenario_routes, forecast_routes, report_routes):
        app.include_router(router)
    _add_page(app)
    return app
