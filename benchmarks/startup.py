"""Benchmark: how long a user waits for ``detente``, whole process, start to exit.

1. ``detente --help``. Target: under 0.3 s.
2. ``detente simulate dummyData-a080.csv -m smp`` (KTAB's 80-actor example, from
   ../shared/parity/ktab): the whole process, reading the file, running the Spatial Model of
   Politics to convergence and printing the table. Target: under 0.55 s, about 100x faster
   than KTAB's Release build on this machine (its wall time, in timings_release.csv).

Each command runs ``--repeat`` times (default 5) after one warm-up run (so the figures are
of a warm file cache, as for a user who runs the tool twice); the median is reported. The
command runs as the console script next to this Python (``detente``), or as
``python -m detente.cli`` when there is none; PYTHONPATH is passed on, so a source tree on
it is what runs. (pyenv's ``detente`` shim, a bash script that finds the real one, adds
about 0.1 s of its own; it is not what is timed.)

Usage (from the repository root)::

    python benchmarks/startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import subprocess
import sys
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


def wall(args: list[str], repeat: int) -> list[float]:
    """Wall times of ``repeat`` runs of ``args`` (after one warm-up); each must exit 0."""
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    times = []
    for i in range(repeat + 1):
        t0 = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, env=env, cwd=ROOT, check=False)
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr.decode()}")
        if i:
            times.append(dt)
    return times


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
        f"running {' '.join(Path(c).name for c in cmd)}; median of {opts.repeat} runs"
    )
    help_t = wall([*cmd, "--help"], opts.repeat)
    med = statistics.median(help_t)
    print(
        f"detente --help: {med:.3f} s (min {min(help_t):.3f}, max {max(help_t):.3f}); "
        f"target {TARGET_HELP_S} s: {'met' if med < TARGET_HELP_S else 'NOT met'}"
    )
    a080 = PARITY / "dummyData-a080.csv"
    if not a080.is_file():
        print(f"skipped the simulate benchmark: {a080} is missing")
        return
    sim_t = wall([*cmd, "simulate", str(a080), "-m", "smp"], opts.repeat)
    med = statistics.median(sim_t)
    ktab = ktab_release("dummyData-a080")
    print(
        f"detente simulate dummyData-a080 -m smp: {med:.3f} s (min {min(sim_t):.3f}, "
        f"max {max(sim_t):.3f}); KTAB Release {ktab:.2f} s: {ktab / med:.0f}x faster "
        f"(target {TARGET_SIMULATE_S} s, about 100x): "
        f"{'met' if med < TARGET_SIMULATE_S else 'NOT met'}"
    )
    a040 = PARITY / "dummyData-a040.csv"
    if a040.is_file():
        t40 = statistics.median(wall([*cmd, "simulate", str(a040), "-m", "smp"], opts.repeat))
        print(
            f"detente simulate dummyData-a040 -m smp: {t40:.3f} s; KTAB Release "
            f"{ktab_release('dummyData-a040'):.2f} s: {ktab_release('dummyData-a040') / t40:.0f}x"
        )


if __name__ == "__main__":
    main()
