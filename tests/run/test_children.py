"""Worker processes never outlive their parent: a sweep killed with SIGKILL (no clean-up
possible) leaves no worker or resource tracker behind, and SIGTERM stops a sweep's pool."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out |= {int(p) for p in (task / "children").read_text().split()}
    except OSError:
        pass
    return out


def _descendants(pid: int) -> set[int]:
    todo, seen = [pid], set()
    while todo:
        for c in _children(todo.pop()):
            if c not in seen:
                seen.add(c)
                todo.append(c)
    return seen


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_sweep(tmp_path: Path) -> subprocess.Popen:
    argv = [
        sys.executable,
        "-m",
        "detente.cli",
        "sweep",
        "syria-astana-2017",
        "--runs",
        "1000000",
        "--chunk-size",
        "5000",
        "--executor",
        "processes",
        "--workers",
        "2",
        "--out",
        str(tmp_path / "sweep"),
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for_workers(proc: subprocess.Popen, n: int, timeout: float = 120.0) -> set[int]:
    t0 = time.time()
    while time.time() - t0 < timeout:
        kids = _descendants(proc.pid)
        if len(kids) >= n:
            time.sleep(1.0)  # let them start working
            return _descendants(proc.pid)
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended early: {proc.stderr.read().decode()[-500:]}")
        time.sleep(0.1)
    pytest.fail("the sweep's workers did not start")


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_workers_die_with_their_parent(tmp_path, how):
    proc = _start_sweep(tmp_path)
    kids: set[int] = set()
    try:
        kids = _wait_for_workers(proc, 2)
        os.kill(proc.pid, getattr(signal, how))
        proc.wait(30)
        t0 = time.time()
        while any(_alive(k) for k in kids) and time.time() - t0 < 10:
            time.sleep(0.1)
        left = [k for k in kids if _alive(k)]
        assert not left, f"still running {time.time() - t0:.1f} s after {how}: {left}"
        assert time.time() - t0 < 5.0
    finally:
        if proc.poll() is None:
            proc.kill()
        for k in kids | _descendants(proc.pid):
            try:
                os.kill(k, signal.SIGKILL)
            except OSError:
                pass
    if how == "SIGTERM":
        assert proc.returncode != 0
