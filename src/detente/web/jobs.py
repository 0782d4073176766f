"""The web app's work, run off the event loop: in a pool of processes sized to the cores.

Every request that runs models, reads an upload or renders a report becomes a *job*: a plain
function of picklable arguments that returns the response's bytes (JSON is encoded in the
worker too). :class:`Jobs` runs them on a :func:`detente.procs.process_pool`, so requests
run side by side on every core while the event loop stays free to accept and refuse
requests. Each job has a deadline (:attr:`~detente.limits.Limits.request_seconds` from when
the request arrived): the worker stops the job with a timer signal when the deadline
passes, which frees the worker, and the request is answered 503; a worker that does not
come back (stuck in native code) is killed with its pool, which is started again.

With ``workers=0`` jobs run in threads of the server process instead (for tests and
embedding): the request is still answered 503 at the deadline, but the thread runs on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente import limits as limits_mod
from detente.errors import DetenteError, LimitError, ParameterError, UnknownNameError
from detente.limits import Limits

log = logging.getLogger("detente.web")

#: Seconds a job may overrun its deadline in a worker before the pool is killed and restarted.
GRACE_SECONDS = 2.0


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class JobError(Exception):
    """A job's refusal: an HTTP status and a one-line detail (picklable)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail


class _Deadline(BaseException):
    """Raised in a worker by the timer signal (a BaseException, so no handler eats it)."""


@dataclass(frozen=True)
class Outcome:
    """What a job sends back: ``ok`` with a value, or an HTTP status and detail."""

    ok: bool
    value: Any = None
    status: int = 200
    detail: str = ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _on_alarm(_signum: int, _frame: Any) -> None:
    raise _Deadline


def run_job(fn: Callable[..., Any], deadline: float, lim: Limits, args: tuple) -> Outcome:
    """Run ``fn(*args)`` under the limits ``lim`` until the wall-clock ``deadline``."""
    remaining = deadline - time.time()
    if remaining <= 0:
        return Outcome(False, status=503, detail="the request waited too long for a worker")
    use_alarm = (
        hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    if use_alarm:
        before = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, remaining)
    try:
        with limits_mod.using(lim):
            return Outcome(True, fn(*args))
    except _Deadline:
        return Outcome(False, status=503, detail=_timeout_detail(lim))
    except JobError as exc:
        return Outcome(False, status=exc.status, detail=exc.detail)
    except LimitError as exc:
        return Outcome(False, status=413, detail=_first_line(exc))
    except DetenteError as exc:
        return Outcome(False, status=422, detail=_first_line(exc))
    except RecursionError:
        return Outcome(False, status=422, detail="the input is nested too deeply")
    except MemoryError:
        return Outcome(False, status=413, detail="the request needs more memory than allowed")
    except Exception as exc:  # a bug: logged, answered 500 without a traceback
        log.exception("job %s failed", getattr(fn, "__name__", fn))
        return Outcome(False, status=500, detail=f"internal error ({type(exc).__name__})")
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, before)


def _timeout_detail(lim: Limits) -> str:
    return (
        f"the request took longer than {lim.request_seconds:g} s (limit request_seconds); "
        "try fewer models or a smaller scenario"
    )


def _warm() -> int:
    """Import and run once what the jobs need (in each worker when the pool starts), so the
    first requests do not pay for it."""
    from detente.scenario import load
    from detente.web.payload import forecast_payload

    with contextlib.suppress(DetenteError):
        forecast_payload(load(), None, 0, ("history", "alliances"))
    return os.getpid()


class Jobs:
    """Runs jobs on ``workers`` processes (0: threads of this process)."""

    def __init__(self, workers: int | None = None, limits: Limits | None = None) -> None:
        self.workers = default_workers() if workers is None else int(workers)
        if self.workers < 0:
            raise ParameterError(f"workers must be at least 0, got {workers}")
        self.limits = limits
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    # -- the pool ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the workers (and warm them up) now rather than at the first request."""
        if self.workers == 0:
            return
        pool = self._get_pool()
        for _ in range(self.workers):
            pool.submit(_warm)

    def _get_pool(self) -> ProcessPoolExecutor:
        from detente.procs import process_pool

        with self._lock:
            if self._pool is None:
                # own sessions: under Linux's autogroup scheduling each worker then gets its
                # own share of a busy machine (see detente.procs.process_pool)
                self._pool = process_pool(self.workers, own_session=True)
            return self._pool

    def _restart(self, broken: ProcessPoolExecutor, why: str) -> None:
        from detente.procs import terminate

        with self._lock:
            if self._pool is broken:
                self._pool = None
        log.warning("%s; the worker pool is restarted", why)
        terminate(broken)

    def close(self) -> None:
        """Stop the workers."""
        from detente.procs import terminate

        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            terminate(pool)

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and the load benchmark)."""
        pool = self._pool
        return sorted((getattr(pool, "_processes", None) or {}).keys()) if pool else []

    # -- running ----------------------------------------------------------------------------
    async def run(self, fn: Callable[..., Any], *args: Any, started: float | None = None) -> Any:
        """The value of ``fn(*args)``, or :class:`JobError` (503 at the deadline)."""
        lim = self.limits or limits_mod.current()
        start = time.time() if started is None else started
        deadline = start + lim.request_seconds
        wait = max(0.0, deadline - time.time())
        if self.workers == 0:
            fut = asyncio.get_running_loop().run_in_executor(None, run_job, fn, deadline, lim, args)
            try:
                out = await asyncio.wait_for(asyncio.shield(fut), wait + 0.05)
            except TimeoutError:
                raise JobError(503, _timeout_detail(lim)) from None
        else:
            pool = self._get_pool()
            try:
                cfut = pool.submit(run_job, fn, deadline, lim, args)
            except RuntimeError:  # the pool was shut down or broke: start it again
                self._restart(pool, "the worker pool was closed")
                pool = self._get_pool()
                cfut = pool.submit(run_job, fn, deadline, lim, args)
            try:
                out = await asyncio.wait_for(asyncio.wrap_future(cfut), wait + GRACE_SECONDS)
            except TimeoutError:
                if not cfut.cancel():  # running and not stopping: free the worker by force
                    self._restart(pool, "a worker overran its deadline")
                raise JobError(503, _timeout_detail(lim)) from None
            except BrokenExecutor as exc:  # a worker died
                self._restart(pool, f"a worker stopped ({exc})")
                raise JobError(503, "the server's worker stopped; try again") from None
        if not out.ok:
            raise JobError(out.status, out.detail)
        return out.value


# -- the jobs -----------------------------------------------------------------------------


def clean_json(obj: Any) -> Any:
    """``obj`` with NaN and infinities as None and numpy scalars as Python numbers."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.generic):
        return clean_json(obj.item())
    if isinstance(obj, dict):
        return {k: clean_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_json(v) for v in obj]
    return obj


def to_json(payload: Any) -> bytes:
    """``payload`` as compact JSON bytes (NaN and infinities as null)."""
    try:
        return json.dumps(payload, allow_nan=False, separators=(",", ":")).encode()
    except (TypeError, ValueError):
        return json.dumps(clean_json(payload), separators=(",", ":")).encode()


def forecast_job(data: dict, models: list[str] | None, seed: int, extras: tuple[str, ...]) -> bytes:
    from detente.scenario import build_scenario
    from detente.web.payload import forecast_payload

    s = build_scenario(data, file="scenario")
    return to_json(forecast_payload(s, models, seed, extras))


def whatif_job(
    data: dict, patch: Any, models: list[str] | None, seed: int, extras: tuple[str, ...]
) -> bytes:
    from detente.scenario import build_scenario
    from detente.web.payload import whatif_payload

    s = build_scenario(data, file="scenario")
    return to_json(whatif_payload(s, patch, models, seed, extras))


def upload_job(source: str, display: str, target: str):
    """Read an uploaded file (``source`` is its path, with ``#ISSUE`` for DEU rows)."""
    from detente.scenario.io import read_scenario

    try:
        return read_scenario(source)
    except DetenteError as exc:
        status = 413 if isinstance(exc, LimitError) else 422
        raise JobError(status, _first_line(exc).replace(target, display)) from None


def report_job(scenario: Any, models: list[str] | None, seed: int, fmt: str) -> bytes:
    from detente.report import collect, render_report
    from detente.scenario import Scenario, build_scenario

    s = scenario if isinstance(scenario, Scenario) else build_scenario(scenario, file="scenario")
    try:
        data = collect(s, models, seed=seed)
    except UnknownNameError as exc:
        raise ParameterError(f"field 'models': {exc}") from None
    return render_report(data, fmt)
