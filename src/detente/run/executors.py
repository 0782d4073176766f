"""Where the chunks of a sweep run: in process, on a local process pool, or on Dask.

Every executor has one method, :meth:`Executor.map_chunks`, which applies a picklable
function to each chunk and hands each result, as soon as it is ready, to a callback running
in the calling process (which writes it to disk). Results may arrive in any order; since each
run's random numbers depend only on the seed and the run index (see :mod:`detente.run.draws`),
what is computed does not depend on the executor or the number of workers.

Executors are context managers: leaving the ``with`` block shuts the workers down (and a Dask
cluster the executor started itself).

>>> with InProcess() as ex:
...     got = {}
...     ex.map_chunks(abs, [-1, -2], lambda i, r: got.__setitem__(i, r))
>>> got
{0: 1, 1: 2}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Self

from detente.errors import ParameterError
from detente.procs import process_pool, sigterm_as_interrupt, terminate

OnResult = Callable[[int, Any], None]


class Executor:
    """Base class: runs ``fn`` on chunks; subclasses say where."""

    name = "executor"
    workers = 1

    def map_chunks(
        self, fn: Callable[[Any], Any], chunks: Sequence[Any], on_result: OnResult
    ) -> None:
        """Call ``on_result(i, fn(chunks[i]))`` for every chunk, in completion order.

        An exception raised by ``fn`` or by ``on_result`` stops the work still pending and
        propagates; the results already handed to ``on_result`` stay handed.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release the workers."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> str:
        """A short description for messages, e.g. ``2 local processes``."""
        return self.name


class InProcess(Executor):
    """Runs every chunk in the calling process, one after the other."""

    name = "in-process"

    def map_chunks(self, fn, chunks, on_result) -> None:
        for i, chunk in enumerate(chunks):
            on_result(i, fn(chunk))


class ProcessPool(Executor):
    """Runs chunks on ``workers`` local processes (started with ``spawn``, so no state
    leaks from the parent). At most ``2 * workers`` chunks are queued at a time. Workers exit
    when the parent is gone (:mod:`detente.procs`); on Ctrl-C or SIGTERM they are stopped at
    once and the chunks already written stay for a resume."""

    name = "processes"

    def __init__(self, workers: int = 2) -> None:
        if workers < 1:
            raise ParameterError(f"workers must be at least 1, got {workers}", param="workers")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = process_pool(self.workers)
        return self._pool

    def map_chunks(self, fn, chunks, on_result) -> None:
        with sigterm_as_interrupt():
            self._map_chunks(fn, chunks, on_result)

    def _map_chunks(self, fn, chunks, on_result) -> None:
        pool = self._get_pool()
        pending: dict[Any, int] = {}
        todo = iter(enumerate(chunks))
        try:
            for i, chunk in todo:
                pending[pool.submit(fn, chunk)] = i
                if len(pending) >= 2 * self.workers:
                    break
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=pending.__getitem__):
                    i = pending.pop(fut)
                    on_result(i, fut.result())
                    nxt = next(todo, None)
                    if nxt is not None:
                        pending[pool.submit(fn, nxt[1])] = nxt[0]
        except BaseException:
            for fut in pending:
                fut.cancel()
            # Stop the workers now rather than wait for their chunks: what is written stays.
            terminate(pool)
            self._pool = None
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def describe(self) -> str:
        return f"{self.workers} local process{'es' if self.workers != 1 else ''}"


ENVIRON_KEY = "distributed.nanny.pre-spawn-environ"
"""Dask's setting of the environment its worker processes start with."""


def _worker_environ(environ: dict) -> dict:
    """The environment of a local cluster's workers: Dask's, without ``MALLOC_TRIM_THRESHOLD_``.

    Dask sets that variable (to 64 kB) so that long-lived workers give freed memory back to the
    system. It also switches off glibc's adaptive threshold for serving large allocations from
    fresh pages, so each of the models' many short-lived arrays of a few hundred kB costs a
    round of page faults: measured on the benchmark sweep, the models ran about 2x slower (the
    batched Nash bisection 7x) in Dask workers than in the calling process. A sweep's workers
    live only as long as the sweep, so the variable is left out.
    """
    return {k: v for k, v in dict(environ).items() if k != "MALLOC_TRIM_THRESHOLD_"}


class Dask(Executor):
    """Runs chunks on a Dask distributed cluster.

    Parameters
    ----------
    address:
        The scheduler of an existing cluster (``tcp://host:8786``); every worker must have
        detente installed. ``None`` starts a local cluster for the duration of the sweep.
    workers:
        Number of workers of a local cluster (one thread each).
    processes:
        Whether a local cluster's workers are processes (default) or threads of this
        process (quick to start; for tests and small sweeps).

    ``dask.distributed`` is imported only when the executor starts, so the command line
    starts fast.
    """

    name = "dask"

    def __init__(
        self, address: str | None = None, workers: int = 2, processes: bool = True
    ) -> None:
        if workers < 1:
            raise ParameterError(f"workers must be at least 1, got {workers}", param="workers")
        self.address = address
        self.workers = workers
        self.processes = processes
        self._client = None
        self._cluster = None

    def _get_client(self):
        if self._client is None:
            try:
                from distributed import Client, LocalCluster
            except ImportError as exc:  # pragma: no cover - dask is a dependency
                raise ParameterError("the Dask executor needs dask[distributed] installed") from exc
            if self.address:
                try:
                    self._client = Client(self.address, timeout=30)
                except OSError as exc:
                    raise ParameterError(
                        f"cannot reach the Dask scheduler at {self.address}: {exc}"
                    ) from None
            else:
                import dask

                with dask.config.set(
                    {ENVIRON_KEY: _worker_environ(dask.config.get(ENVIRON_KEY, {}))}
                ):
                    self._cluster = LocalCluster(
                        n_workers=self.workers,
                        threads_per_worker=1,
                        processes=self.processes,
                        dashboard_address=None,
                    )
                self._client = Client(self._cluster)
        return self._client

    def map_chunks(self, fn, chunks, on_result) -> None:
        from distributed import as_completed

        client = self._get_client()
        futures = client.map(fn, list(chunks), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut in as_completed(futures):
                on_result(index[fut.key], fut.result())
        except BaseException:
            client.cancel(futures)
            raise

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def describe(self) -> str:
        if self.address:
            return f"Dask at {self.address}"
        kind = "processes" if self.processes else "threads"
        return f"local Dask cluster ({self.workers} worker {kind})"


EXECUTORS = ("auto", "inprocess", "processes", "dask")


def make_executor(kind: str = "auto", workers: int = 1, scheduler: str | None = None) -> Executor:
    """The executor a command line asks for.

    ``auto`` is Dask when a scheduler address is given, else in process for one worker and a
    process pool for more. ``dask`` without an address starts a local cluster of ``workers``.
    """
    if kind not in EXECUTORS:
        raise ParameterError(f"unknown executor {kind!r} (known: {', '.join(EXECUTORS)})")
    if workers < 1:
        raise ParameterError(f"workers must be at least 1, got {workers}", param="workers")
    if scheduler and kind not in ("auto", "dask"):
        raise ParameterError(f"scheduler needs the dask executor, not {kind!r}", param="scheduler")
    if kind == "auto":
        kind = "dask" if scheduler else ("inprocess" if workers == 1 else "processes")
    if kind == "inprocess":
        return InProcess()
    if kind == "processes":
        return ProcessPool(workers)
    return Dask(address=scheduler, workers=workers)
