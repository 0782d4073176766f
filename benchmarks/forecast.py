"""Time the whole ``detente forecast`` process (the Monte Carlo headline) on the default scenario.

Target (issue 12): under 3 s on 2 cores for the whole process: interpreter start, imports,
loading the scenario, 500 Monte Carlo draws through the ensemble's members, every model once
for the agreement and convergence columns, and printing the table. Run from the repository
root:

    python benchmarks/forecast.py [--repeat N] [--draws N]

It starts ``python -m detente.cli forecast`` as a subprocess (with this checkout's ``src``
first on ``PYTHONPATH``) ``N`` times (default 5) and prints the median and best wall time,
the ratio to the target, the process's CPU time (the figure to read on a machine busy with other
work) and the load average, and, to show where the time goes, the time of a process that only
imports the CLI and the in-process time of the headline computation alone.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 3.0
SRC = Path(__file__).resolve().parents[1] / "src"


CPU: list[float] = []


def _run(args: list[str]) -> float:
    """Wall time of one process; its CPU time (user + system) goes to ``CPU``."""
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, check=False
    )
    dt = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {proc.stderr.strip()}")
    return dt


def main() -> None:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 5
    draws = sys.argv[sys.argv.index("--draws") + 1] if "--draws" in sys.argv else "500"
    cmd = ["-m", "detente.cli", "forecast", "--draws", draws]
    _run(cmd)  # warm the file cache and the bytecode
    CPU.clear()
    whole = [_run(cmd) for _ in range(repeat)]
    cpu = statistics.median(CPU)
    imports = [_run(["-c", "import detente.cli"]) for _ in range(repeat)]
    sys.path.insert(0, str(SRC))
    import detente
    from detente.headline import headline

    s = detente.load()
    headline(s, draws=20)
    t0 = time.perf_counter()
    headline(s, draws=int(draws))
    compute = time.perf_counter() - t0
    med = statistics.median(whole)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"detente forecast ({draws} draws), whole process, {repeat} runs:")
    print(f"  median {med:.2f} s, best {min(whole):.2f} s; target {TARGET_S:.1f} s")
    print(f"  ratio median/target {med / TARGET_S:.2f}")
    print(f"  CPU time (user + system) of the process, median {cpu:.2f} s")
    print(f"  load average when done: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"  of which: a process that only imports detente.cli {statistics.median(imports):.2f} s")
    print(f"  headline computation alone, in process: {compute:.2f} s")


if __name__ == "__main__":
    main()
