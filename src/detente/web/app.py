"""The web app: a JSON API under ``/api`` and a single page of our own.

``create_app(workdir)`` returns a FastAPI application. Everything a user uploads is
written under ``workdir/uploads`` with a generated name (never the name the browser sent),
bodies larger than :data:`MAX_BODY` are refused before they are read, and every bad
request is answered with HTTP 422 (or 413, 404) and ``{"detail": "<one line>"}`` naming
the field at fault.
"""

from __future__ import annotations

import contextlib
import math
import re
import shutil
import tempfile
import threading
import uuid
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

import detente
from detente import api
from detente.errors import DetenteError, ParameterError, UnknownNameError, plain_message
from detente.models import get_model
from detente.scenario import DEFAULT_SCENARIO, Scenario, build_scenario, embedded_names
from detente.scenario.embedded import load_embedded
from detente.scenario.io import read_scenario, scenario_to_dict
from detente.web import whatif as W

STATIC = Path(__file__).resolve().parent / "static"
#: Largest upload accepted (bytes of the file).
MAX_UPLOAD = 1_000_000
#: Largest request body accepted; below Starlette's in-memory spool size (1 MiB), so an
#: upload is never spooled to a temporary file outside the working directory.
MAX_BODY = 1_040_000
#: Uploaded scenarios kept in memory (the oldest is forgotten first).
MAX_UPLOADS = 200
UPLOAD_EXTENSIONS = (".yaml", ".yml", ".csv", ".txt", ".xml", ".tsv", ".tab")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}$")


# -- request bodies ----------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ForecastRequest(_Body):
    """``POST /api/forecast``: a scenario in the native layout and, optionally, models."""

    scenario: dict[str, Any] = Field(description="The scenario in the native (YAML) layout.")
    models: list[str] | None = Field(None, description="Models to run; default all that apply.")
    seed: int = Field(
        0, description="Seed for stochastic models (the same seed, the same forecast)."
    )


class WhatIfRequest(ForecastRequest):
    """``POST /api/whatif``: a scenario, a patch, and optionally models."""

    patch: str | dict[str, Any] | list[Any] = Field(
        description="Changes to apply: text (one change a line, see docs/web.md) or data."
    )


class ReportRequest(_Body):
    """``POST /api/report``: a scenario and the report format."""

    scenario: dict[str, Any]
    models: list[str] | None = None
    seed: int = 0
    format: str = Field("html", pattern="^(html|pdf)$")


# -- helpers -----------------------------------------------------------------------------


def _clean(v: Any) -> Any:
    """JSON-safe value: NaN and infinities become null."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _scenario_from(data: dict[str, Any], field: str = "scenario") -> Scenario:
    """Validate a scenario sent as JSON; problems are reported under ``field``."""
    return build_scenario(data, file=field)


def _forecast_payload(s: Scenario, models: list[str] | None, seed: int | None) -> dict:
    try:
        names = api.check_models(models) if models else api.default_models(s)
    except UnknownNameError as exc:
        raise ParameterError(f"field 'models': {exc}") from None
    skipped = []
    if models:
        results = api.run_models(s, names, seed=seed)
    else:
        # Models picked by default: one that cannot run on this scenario is left out
        # with its reason, rather than failing the whole request.
        results = {}
        for name in names:
            try:
                results[name] = api.run_model(s, name, seed=seed)
            except DetenteError as exc:
                skipped.append({"model": name, "reason": str(exc).splitlines()[0]})
        names = list(results)
    df = api.forecast_frame(s, results)
    table: dict[str, dict[str, Any]] = {m: {} for m in names}
    for rec in df.itertuples(index=False):
        table[rec.model][rec.issue] = _clean(float(rec.forecast))
    return {
        "scenario": s.id,
        "models": [
            {"name": m, "title": get_model(m).title, "dynamic": get_model(m).dynamic} for m in names
        ],
        "issues": [
            {
                "id": i.id,
                "name": i.label,
                "low": i.scale.low,
                "high": i.scale.high,
                "low_label": i.scale.low_label or "",
                "high_label": i.scale.high_label or "",
                "status_quo": None if i.status_quo is None else i.status_quo.value,
            }
            for i in s.issues
        ],
        "forecasts": [
            {k: _clean(v) for k, v in rec.items()} for rec in df.to_dict(orient="records")
        ],
        "table": table,
        "skipped": skipped,
        "history": _history_payload(s, results),
        "alliances": _alliance_payload(s),
        "headline": _headline_payload(s, results),
    }


def _headline_payload(s: Scenario, results: dict[str, Any]) -> dict[str, Any]:
    """The per-issue headline the page shows first (as the report's summary does)."""
    from detente.report.summary import MODEL_RANGE, fmt, interval_text, model_headline

    rows = model_headline(s, {m: r.forecast for m, r in results.items()}) if results else []
    return {
        "interval_label": MODEL_RANGE,
        "rows": [
            {
                "issue": r.issue,
                "forecast": _clean(r.forecast),
                "low": _clean(r.low),
                "high": _clean(r.high),
                "p_status_quo": r.p_status_quo,
                "words": r.words,
                "change": r.change,
                # printed as the report prints them, so the two never differ
                "forecast_text": fmt(r.forecast, 0),
                "interval_text": interval_text(r),
            }
            for r in rows
        ],
    }


def _history_payload(s: Scenario, results: dict[str, Any]) -> dict[str, Any]:
    """Round-by-round positions of the dynamic models' runs: per model, the number of rounds
    and per issue each actor's path (actors with a stance on the issue) and the forecast."""
    out: dict[str, Any] = {}
    labels = {a.id: a.label for a in s.actors}
    for name, res in results.items():
        if res.rounds is None:
            continue
        mask = s.to_arrays().mask
        issues = {}
        for k, iss in enumerate(s.issues):
            issues[iss.id] = {
                "forecast": _clean(float(res.forecast[k])),
                "actors": [
                    {
                        "id": a,
                        "label": labels[a],
                        "path": [_clean(float(v)) for v in res.rounds[:, i, k]],
                    }
                    for i, a in enumerate(s.actor_ids)
                    if mask[i, k]
                ],
            }
        out[name] = {"rounds": int(res.rounds.shape[0] - 1), "issues": issues}
    return out


def _alliance_payload(s: Scenario) -> dict[str, Any] | None:
    """The pairwise alignment of the actors (-1..1) the report's alliance map shows."""
    from detente.report.data import ALIGNMENT_EXPLAINED, alliances_for

    al = alliances_for(s)
    if al is None:
        return None
    return {
        "actors": list(al.actors),
        "labels": list(al.labels),
        "method": al.method,
        "explained": ALIGNMENT_EXPLAINED,
        "order": list(al.order),
        "matrix": [[_clean(float(v)) for v in row] for row in np.asarray(al.matrix)],
    }


def _safe_filename(name: str | None) -> str:
    """A display name for an upload: its last path part, with odd characters replaced."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", base).strip("._") or "upload"
    return base[:100]


class _BodyLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes with HTTP 413."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        length = None
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    length = int(v)
                except ValueError:
                    length = -1
        if length is None or length < 0:
            await _send_json(send, 411, "a request body needs a valid Content-Length header")
            return
        if length > self.limit:
            await _send_json(
                send, 413, f"request body too large: {length} bytes (limit {self.limit})"
            )
            return
        seen = 0

        async def counted():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(413, f"request body too large (limit {self.limit})")
            return msg

        await self.app(scope, counted, send)


async def _send_json(send, status: int, detail: str) -> None:
    import json

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
    field = ".".join(loc) or "body"
    msg = plain_message(err)  # our words, not pydantic's
    if err.get("type") == "json_invalid":
        return f"the request body is not valid JSON: {err.get('ctx', {}).get('error', msg)}"
    more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
    return f"field {field!r}: {msg}{more}"


# -- the app -----------------------------------------------------------------------------


def create_app(workdir: Path | None = None) -> FastAPI:
    """The detente web app.

    Parameters
    ----------
    workdir:
        The server's working directory; uploads are written under ``workdir/uploads``.
        Default: a new temporary directory, removed when the app shuts down.

    >>> app = create_app()
    >>> sorted(r.path for r in app.routes if r.path.startswith("/api/"))[:3]
    ['/api/forecast', '/api/models', '/api/report']
    """
    own_dir = workdir is None
    root = Path(tempfile.mkdtemp(prefix="detente-web-")) if own_dir else Path(workdir)
    root.mkdir(parents=True, exist_ok=True)
    uploads_dir = (root / "uploads").resolve()
    uploads_dir.mkdir(exist_ok=True)
    uploads: OrderedDict[str, Scenario] = OrderedDict()
    lock = threading.Lock()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if own_dir:
            shutil.rmtree(root, ignore_errors=True)

    app = FastAPI(
        title="detente",
        version=detente.__version__,
        summary="Forecast multilateral negotiations: scenarios, models, what-ifs and reports.",
        lifespan=lifespan,
        # FastAPI's /docs and /redoc pages load their scripts from a CDN: left out.
        docs_url=None,
        redoc_url=None,
    )
    app.state.workdir = root
    if own_dir:  # also removed when the app is dropped or the interpreter exits
        weakref.finalize(app, shutil.rmtree, root, True)
    app.state.uploads = uploads
    app.add_middleware(_BodyLimit, limit=MAX_BODY)

    @app.exception_handler(DetenteError)
    async def _detente_error(_req: Request, exc: DetenteError) -> JSONResponse:
        return JSONResponse({"detail": str(exc).splitlines()[0]}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_message(exc)}, status_code=422)

    def lookup(name: str) -> Scenario:
        if not _NAME.match(name):
            raise HTTPException(404, f"no scenario named {name!r}")
        with lock:
            if name in uploads:
                return uploads[name]
        if name in embedded_names():
            return load_embedded(name)
        raise HTTPException(404, f"no scenario named {name!r}")

    # -- API -----------------------------------------------------------------------------
    @app.get("/api/scenarios", tags=["scenarios"])
    def list_scenarios() -> dict:
        """The embedded scenarios and those uploaded to this server."""
        items = []
        for name in embedded_names():
            s = load_embedded(name)
            items.append(
                {
                    "name": name,
                    "title": s.title or name,
                    "actors": len(s.actors),
                    "issues": len(s.issues),
                    "origin": "embedded",
                }
            )
        with lock:
            for name, s in uploads.items():
                items.append(
                    {
                        "name": name,
                        "title": s.title or s.id,
                        "actors": len(s.actors),
                        "issues": len(s.issues),
                        "origin": "upload",
                    }
                )
        default = (
            DEFAULT_SCENARIO
            if DEFAULT_SCENARIO in embedded_names()
            else (items[0]["name"] if items else None)
        )
        return {"scenarios": items, "default": default}

    @app.get("/api/scenarios/{name}", tags=["scenarios"])
    def get_scenario(name: str) -> dict:
        """One scenario in the native layout (as ``POST /api/forecast`` takes it)."""
        return {"name": name, "scenario": scenario_to_dict(lookup(name))}

    @app.get("/api/models", tags=["models"])
    def list_models() -> dict:
        """The registered models."""
        return {"models": api.models_table().to_dict(orient="records")}

    @app.post("/api/forecast", tags=["forecast"])
    def post_forecast(req: ForecastRequest) -> dict:
        """Every model's forecast on every issue of the scenario given."""
        s = _scenario_from(req.scenario)
        return _forecast_payload(s, req.models, req.seed)

    @app.post("/api/whatif", tags=["forecast"])
    def post_whatif(req: WhatIfRequest) -> dict:
        """Forecasts before and after a patch, and their differences."""
        base = _scenario_from(req.scenario)
        changed = W.apply(base, req.patch)
        before = _forecast_payload(base, req.models, req.seed)
        after = _forecast_payload(changed, req.models, req.seed)
        rows = []
        for m in after["table"]:
            for iss in after["issues"]:
                b = before["table"][m].get(iss["id"])
                a = after["table"][m].get(iss["id"])
                rows.append(
                    {
                        "model": m,
                        "issue": iss["id"],
                        "before": b,
                        "after": a,
                        "change": None if a is None or b is None else a - b,
                    }
                )
        return {
            "scenario": base.id,
            "patched": scenario_to_dict(changed),
            "changes": W.describe(base, req.patch),
            "before": before,
            "after": after,
            "differences": rows,
        }

    @app.post("/api/upload", tags=["scenarios"])
    def upload(
        file: UploadFile = File(..., description="A scenario file (≤ 1 MB)."),
        issue: str | None = Form(None, description="DEU files: the isnr row."),
    ) -> dict:
        """Upload a scenario file in any supported format; returns it in the native layout."""
        data = file.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise HTTPException(413, f"field 'file': larger than the limit of {MAX_UPLOAD} bytes")
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
        token = uuid.uuid4().hex[:16]
        target = uploads_dir / f"{token}{ext}"
        assert target.parent == uploads_dir
        with open(target, "xb") as fh:
            fh.write(data)
        source = f"{target}#{issue}" if issue else str(target)
        try:
            s = read_scenario(source)
        except DetenteError as exc:
            target.unlink(missing_ok=True)
            msg = str(exc).splitlines()[0].replace(str(target), display)
            raise HTTPException(422, msg) from None
        if s.id == token:
            s = s.model_copy(update={"id": Path(display).stem})
        name = f"upload-{token}"
        with lock:
            uploads[name] = s
            while len(uploads) > MAX_UPLOADS:
                uploads.popitem(last=False)
        return {"name": name, "filename": display, "scenario": scenario_to_dict(s)}

    def report_response(s: Scenario, models: list[str] | None, seed: int, fmt: str) -> Response:
        from detente.report import collect, render_report

        try:
            data = collect(s, models, seed=seed)
        except UnknownNameError as exc:
            raise ParameterError(f"field 'models': {exc}") from None
        payload = render_report(data, fmt)
        stem = _safe_filename(s.id) or "scenario"
        media = "text/html; charset=utf-8" if fmt == "html" else "application/pdf"
        return Response(
            payload,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{stem}-report.{fmt}"'},
        )

    @app.get("/api/report", tags=["report"])
    def get_report(
        name: str = Query(DEFAULT_SCENARIO, description="A scenario name."),
        format: str = Query("html", pattern="^(html|pdf)$"),
        model: list[str] | None = Query(
            None, description="Models (repeatable); default all that apply."
        ),
    ) -> Response:
        """The report on a named (embedded or uploaded) scenario, as a download."""
        return report_response(lookup(name), model, 0, format)

    @app.post("/api/report", tags=["report"])
    def post_report(req: ReportRequest) -> Response:
        """The report on the scenario given (edited in the page, say), as a download."""
        return report_response(_scenario_from(req.scenario), req.models, req.seed, req.format)

    # -- the page ------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
