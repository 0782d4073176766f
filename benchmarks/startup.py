"""Benchmark: how long a user waits for ``detente``, whole process, start to exit.

1. ``detente --help``. Target: under 0.3 s.
2. ``detente simulate dummyData-a080.csv -m smp`` (KTAB's 80-actor example, from
   ../shared/parity/ktab): the whole process, reading the file, running the Spatial Model of
   Politics to convergence and printing the table. Target: under 0.55 s, about 100x faster
   than KTAB's Release build on this machine (its wall time, in timings_release.csv).

Each command runs ``--repeat`` times (default 5) after one warm-up run (so the figures are
of a warm file cache and of compiled bytecode, as for an installed package, whose files pip
compiles when it installs them; the bytecode goes to a temporary PYTHONPYCACHEPREFIX, so the
source tree stays clean even where PYTHONDONTWRITEBYTECODE is set); the median is reported.
The command runs as the console script next to this Python (``detente``), or as
``python -m detente.cli`` when there is none, with this checkout's ``src`` first on
PYTHONPATH. (pyenv's ``detente`` shim, a bash script that finds the real one, adds about
0.1 s of its own; it is not what is timed.)

Besides the wall time, the CPU time of each process (user + system, from the kernel's
accounting of the child) is reported: on a machine shared with other work the wall time
grows with the load while the CPU time does not, and for this single-threaded work the two
agree on an idle machine. The load average is printed with the figures.

Usage (from the repository root)::

    python benchmarks/startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARITY = ROOT.parent / "shared" / "parity" / "ktab"
TARGET_HELP_S = 0.3
TARGET_SIMULATE_S = 0.55


def command() -> list[str]:
    """The ``detente`` console script of this Python, or ``python -m detente.cli``."""
    script = Path(sys.executable).parent / "detente"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "detente.cli"]


def wall(args: list[str], repeat: int, cache: str) -> tuple[list[float], list[float]]:
    """Wall and CPU times of ``repeat`` runs of ``args`` (after one warm-up); each must
    exit 0."""
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = cache
    walls, cpus = [], []
    for i in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, env=env, cwd=ROOT, check=False)
        dt = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr.decode()}")
        if i:
            walls.append(dt)
            cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return walls, cpus


def _fig(walls: list[float], cpus: list[float]) -> str:
    return (
        f"{statistics.median(walls):.3f} s wall (min {min(walls):.3f}, max {max(walls):.3f}), "
        f"{statistics.median(cpus):.3f} s CPU"
    )


def ktab_release(name: str) -> float:
    with (PARITY / "timings_release.csv").open() as fh:
        for r in csv.DictReader(fh):
            if r["scenario"] == name:
                return float(r["wall_s_median"])
    raise SystemExit(f"no Release timing for {name} in {PARITY / 'timings_release.csv'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    opts = ap.parse_args()
    cmd = command()
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"running {' '.join(Path(c).name for c in cmd)}; median of {opts.repeat} runs; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as cache:
        # How fast the machine is right now: a Python that starts and exits (this machine's
        # speed varies by a third between quiet and busy hours; the figures below move with it).
        walls, cpus = wall([sys.executable, "-c", "pass"], opts.repeat, cache)
        print(f"python -c pass (the machine's pace): {_fig(walls, cpus)}")
        walls, cpus = wall([*cmd, "--help"], opts.repeat, cache)
        med = statistics.median(walls)
        print(
            f"detente --help: {_fig(walls, cpus)}; target {TARGET_HELP_S} s: "
            f"{'met' if med < TARGET_HELP_S else 'NOT met'}"
        )
        ktab = PARITY / "timings_release.csv"
        for name, target in (("dummyData-a080", TARGET_SIMULATE_S), ("dummyData-a040", None)):
            path = PARITY / f"{name}.csv"
            if not path.is_file() or not ktab.is_file():
                print(f"skipped {name}: {path} or {ktab} is missing")
                continue
            walls, cpus = wall([*cmd, "simulate", str(path), "-m", "smp"], opts.repeat, cache)
            med = statistics.median(walls)
            ref = ktab_release(name)
            line = (
                f"detente simulate {name} -m smp: {_fig(walls, cpus)}; KTAB Release "
                f"{ref:.2f} s: {ref / med:.0f}x faster (wall), {ref / statistics.median(cpus):.0f}x "
                "(CPU)"
            )
            if target is not None:
                line += (
                    f"; target {target} s (about 100x): "
                    f"{'met' if med < target else 'NOT met'} (wall), "
                    f"{'met' if statistics.median(cpus) < target else 'NOT met'} (CPU)"
                )
            print(line)


if __name__ == "__main__":
    main()
