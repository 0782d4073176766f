"""Benchmark: the Spatial Model of Politics (``smp``) against KTAB's ``smpc``.

1. dummyData-a040 and dummyData-a080 (KTAB's own example files, from ../shared/parity/ktab):
   wall time of a whole run (best of ``--repeat``), checked against KTAB's positions, and the
   ratio to KTAB's time in timings.csv (11.92 s and 114.24 s). Target: at least 100x faster
   than KTAB on a080.
2. A 250-actor scenario (KTAB's maximum), generated with a fixed seed in the manner of KTAB's
   dummyData files (one issue; capabilities log-normal, positions around 64, saliences
   5..80): time to convergence. Target: under 30 s.
3. Memory: the peak memory (tracemalloc) of one turn for n and 2n actors, whose ratio is
   about 4 when memory grows as O(n^2) (8 would be O(n^3)).

Usage (from the repository root)::

    python benchmarks/smp.py [--repeat 3] [--actors 250] [--no-memory]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import time
import tracemalloc
from pathlib import Path

import numpy as np

PARITY = Path(__file__).resolve().parents[1].parent / "shared" / "parity" / "ktab"
TARGET_RATIO = 100.0
TARGET_250_S = 30.0


def generated(n: int, seed: int = 20250, d: int = 1):
    """A KTAB-style random scenario with ``n`` actors (fixed seed)."""
    from detente.scenario.arrays import ScenarioArrays

    rng = np.random.default_rng(seed)
    c = np.round(np.exp(rng.normal(0.2, 0.5, n)), 2)
    x = np.round(np.clip(rng.normal(64, 10, (n, d)), 0, 100), 2)
    s = np.round(rng.uniform(5, 80, (n, d)) / d, 2)
    return ScenarioArrays.from_arrays(c, x, s, actors=[f"Act-{1001 + i}" for i in range(n)])


def ktab_times() -> dict[str, float]:
    with (PARITY / "timings.csv").open() as fh:
        return {r["scenario"]: float(r["wall_s"]) for r in csv.DictReader(fh)}


def ktab_positions(name: str, actors: tuple[str, ...], d: int) -> np.ndarray:
    index = {a: i for i, a in enumerate(actors)}
    with (PARITY / f"{name}.positions.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    turns = max(int(r["turn"]) for r in rows)
    out = np.full((turns + 1, len(actors), d), np.nan)
    for r in rows:
        out[int(r["turn"]), index[r["actor"]], int(r["dimension"])] = float(r["position"])
    return out


def timed(model, arrays, repeat: int):
    best, res = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = model(arrays)
        best = min(best, time.perf_counter() - t0)
    return best, res


def peak_memory_of_one_turn(model, params_cls, n: int) -> float:
    arrays = generated(n)
    tracemalloc.start()
    model(arrays, params_cls(rounds=1, record="none"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--actors", type=int, default=250)
    ap.add_argument("--no-memory", action="store_true")
    args = ap.parse_args()

    import detente
    from detente.models import get_model
    from detente.models.smp import SMPParams

    model = get_model("smp")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.processor() or ''}"
        f" Python {platform.python_version()}, numpy {np.__version__}"
    )
    model(generated(12))  # warm up

    if PARITY.exists():
        times = ktab_times()
        print(
            f"\n{'scenario':16s} {'actors':>6s} {'turns':>5s} {'detente s':>10s} "
            f"{'KTAB s':>8s} {'ratio':>8s}  same as KTAB"
        )
        for name in ("dummyData-a040", "dummyData-a080"):
            arrays = detente.load(str(PARITY / f"{name}.csv")).to_arrays()
            sec, res = timed(model, arrays, args.repeat)
            ref = ktab_positions(name, arrays.actors, arrays.n_issues)
            same = res.rounds.shape == ref.shape and bool(np.all(np.abs(res.rounds - ref) <= 0.01))
            ratio = times[name] / sec
            print(
                f"{name:16s} {arrays.n_actors:6d} {res.n_rounds:5d} {sec:10.3f} "
                f"{times[name]:8.2f} {ratio:7.0f}x  {'yes' if same else 'NO'}"
            )
        print(
            f"target: at least {TARGET_RATIO:.0f}x on dummyData-a080: "
            f"{'met' if ratio >= TARGET_RATIO else 'NOT met'} ({ratio:.0f}x)"
        )
    else:
        print(f"{PARITY} not found: KTAB comparison skipped")

    arrays = generated(args.actors)
    t0 = time.perf_counter()
    c0 = time.process_time()
    res = model(arrays)
    sec, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"\n{args.actors} actors (generated, seed 20250): {res.n_rounds} turns "
        f"({res.extras['stop_reason']}) in {sec:.2f} s wall, {cpu:.2f} s CPU, "
        f"{sec / res.n_rounds:.3f} s per turn; target under {TARGET_250_S:.0f} s: "
        f"{'met' if sec < TARGET_250_S else 'NOT met'} ({TARGET_250_S / sec:.1f}x margin)"
    )

    if not args.no_memory:
        half = args.actors // 2
        m1 = peak_memory_of_one_turn(model, SMPParams, half)
        m2 = peak_memory_of_one_turn(model, SMPParams, args.actors)
        print(
            f"\npeak memory of one turn: {m1:.1f} MiB for {half} actors, {m2:.1f} MiB for "
            f"{args.actors}: ratio {m2 / m1:.2f} (O(n^2) gives 4, O(n^3) 8)"
        )


if __name__ == "__main__":
    main()
