"""Worker processes that never outlive their parent.

Sweeps and the web server run work on pools of processes. A pool made by :func:`process_pool`
starts its workers with ``spawn`` (no state leaks from the parent) and an initializer that
watches the parent: a worker whose parent is gone (killed with SIGKILL, say, when nothing can
clean up) exits within :data:`WATCH_SECONDS`. :func:`terminate` stops a pool at once (running
tasks included) and :func:`sigterm_as_interrupt` turns SIGTERM into ``KeyboardInterrupt`` while
a pool works, so the same clean-up runs for Ctrl-C and for ``kill``.

>>> with process_pool(1) as pool:
...     pool.submit(abs, -3).result()
3
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

__all__ = ["WATCH_SECONDS", "process_pool", "sigterm_as_interrupt", "terminate"]

WATCH_SECONDS = 0.5
"""How often a worker checks that its parent is still there."""


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


def _init_worker(
    parent: int, init: Callable[..., Any] | None, args: tuple, own_session: bool = False
) -> None:
    if os.getppid() != parent:  # the parent died while this worker started
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if own_session and hasattr(os, "setsid"):
        with contextlib.suppress(OSError):
            os.setsid()
    # The parent handles Ctrl-C and stops the workers; they should not print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if init is not None:
        init(*args)


def process_pool(
    workers: int,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple = (),
    max_tasks_per_child: int | None = None,
    own_session: bool = False,
) -> ProcessPoolExecutor:
    """A :class:`~concurrent.futures.ProcessPoolExecutor` of ``workers`` spawned processes
    that exit when this process is gone (then ``initializer(*initargs)`` in each).

    ``own_session``: each worker starts its own session (``setsid``). Linux's autogroup
    scheduling (on by default on desktops) shares the CPU fairly between sessions, not
    processes: workers left in their parent's session share one session's part of a busy
    machine however many there are, so a pool could not use more than one core's worth.
    """
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(os.getpid(), initializer, tuple(initargs), own_session),
        max_tasks_per_child=max_tasks_per_child,
    )


def terminate(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool`` now: cancel what is queued, kill the workers, do not wait for tasks."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for p in processes:
        with contextlib.suppress(Exception):
            p.kill()
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        with contextlib.suppress(Exception):
            p.join(2.0)


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Inside this block (in the main thread), SIGTERM raises ``KeyboardInterrupt``."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)
