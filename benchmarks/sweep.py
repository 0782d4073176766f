"""Benchmark: a 10,000-draw Monte Carlo sweep of syria-astana-2017.

Runs the models of issue 6's target (the four baselines, the expected-utility model ``eum``
and the spatial model ``smp``; ``--all-models``: every default model of the scenario) over
10,000 draws of its uncertainty ranges, with 1 worker (in process) and 2 local worker processes
(and, with ``--dask``, a 2-worker local Dask cluster), checks that the results are identical,
and prints:

- each model's cost per draw (batched over the draw axis, or a loop of single runs),
- the wall time of each sweep, the ratio to the 60 s target and the speed-up of 2 workers,
- the cost of the tornado (one-at-a-time sensitivity) of the same models.

Usage::

    python benchmarks/sweep.py [--runs 10000] [--workers 1 2] [--dask] [--all-models | -m MODEL ...]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TARGET_SECONDS = 60.0
TARGET_MODELS = ("compromise", "mean_voter", "weighted_median", "nash", "eum", "smp")


def per_model_costs(scenario, models, probe_loop: int = 100, chunk: int = 250):
    """Seconds per draw of each model on one core: in its batched form on chunks of ``chunk``
    draws (as a sweep runs it), and looped draw by draw over ``probe_loop`` draws."""
    from detente.run.batched import forecast_batch, forecast_loop, has_batched_form
    from detente.run.draws import draw_batch

    rows = []
    small, _ = draw_batch(scenario, seed=0, runs=range(probe_loop))
    big, _ = draw_batch(scenario, seed=0, runs=range(chunk * 4))
    for name in models:
        forecast_loop(name, _slice(small, 0, 2))  # warm up (imports, caches)
        t0 = time.perf_counter()
        forecast_loop(name, small)
        loop = (time.perf_counter() - t0) / probe_loop
        batched = None
        if has_batched_form(name):
            parts = [_slice(big, a, a + chunk) for a in range(0, chunk * 4, chunk)]
            forecast_batch(name, parts[0])  # warm up (imports, caches)
            t0 = time.perf_counter()
            for part in parts:
                forecast_batch(name, part)
            batched = (time.perf_counter() - t0) / (chunk * 4)
        rows.append((name, loop, batched))
    return rows


def _slice(batch, a: int, b: int):
    from detente.scenario.arrays import DrawBatch

    return DrawBatch(
        batch.base,
        batch.capability[a:b],
        batch.position[a:b],
        batch.salience[a:b],
        batch.status_quo[a:b],
    )


def complete_variant(scenario):
    """``scenario`` restricted to the actors with a stance on every issue, each actor's
    saliences (values and ranges) scaled down so that even their range highs add up to at most
    100: the input KTAB's spatial model (``smp``) requires. A benchmark device only: it changes
    the scenario's meaning, so its forecasts are not a forecast of the negotiation."""
    from detente.scenario import build_scenario

    a = scenario.to_arrays()
    keep = {x for i, x in enumerate(a.actors) if a.mask[i].all()}
    data = scenario.model_dump(mode="json")
    data["actors"] = [x for x in data["actors"] if x["id"] in keep]
    data["stances"] = [x for x in data["stances"] if x["actor"] in keep]
    for actor in keep:
        stances = [x for x in data["stances"] if x["actor"] == actor]
        top = sum((x["salience"]["range"] or [0, x["salience"]["value"]])[1] for x in stances)
        f = min(1.0, 100.0 / top) if top > 0 else 1.0
        for x in stances:
            sal = x["salience"]
            sal["value"] *= f
            if sal["range"]:
                sal["range"] = [sal["range"][0] * f, sal["range"][1] * f]
    data["id"] = f"{scenario.id}-complete"
    return build_scenario(data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="syria-astana-2017")
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument("--chunk-size", type=int, default=250)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--dask", action="store_true", help="also run on a 2-worker local Dask cluster")
    ap.add_argument(
        "-m", "--model", action="append", help="models (default: the baselines, eum and smp)"
    )
    ap.add_argument(
        "--all-models",
        action="store_true",
        help="every default model of the scenario (adds exchange, condorcet, ...)",
    )
    ap.add_argument(
        "--probe", type=int, default=100, help="draws used to time each looped (unbatched) model"
    )
    ap.add_argument(
        "--variant",
        action="store_true",
        help="sweep the scenario's smp-ready variant (see complete_variant) instead: "
        "the actors with every stance, saliences scaled to KTAB's limit",
    )
    args = ap.parse_args(argv)

    import detente
    from detente import api
    from detente.run.executors import Dask, InProcess, ProcessPool
    from detente.run.sensitivity import tornado
    from detente.run.sweep import read_parts, run_sweep

    s = detente.load(args.scenario)
    if args.variant:
        s = complete_variant(s)
    if args.model:
        models = args.model
    elif args.all_models:
        models = api.default_models(s)
    else:
        models = [n for n in TARGET_MODELS if api.applicable(n, s) is None]
    skipped = [
        n for n in api.available_models() if n not in models and api.applicable(n, s) is not None
    ]
    from detente.run.draws import scenario_inputs

    m = len(scenario_inputs(s))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}"
    )
    print(
        f"scenario: {s.id}: {len(s.actors)} actors, {len(s.issues)} issues, {m} uncertain "
        f"inputs; {args.runs} draws; models: {', '.join(models)}"
    )
    for n in skipped:
        print(f"  not applicable: {n}: {api.applicable(n, s)}")
    print()
    print(
        f"per-model cost (one core; batched on chunks of {args.chunk_size} draws, looped "
        f"over {args.probe} draws):"
    )
    print(
        f"  {'model':<16} {'loop ms/draw':>13} {'batched ms/draw':>16} {'speed-up':>9} "
        f"{'s per 10k draws':>16}"
    )
    total = 0.0
    for name, loop, batched in per_model_costs(s, models, args.probe, args.chunk_size):
        cost = loop if batched is None else batched
        total += cost
        bt = "-" if batched is None else f"{batched * 1e3:.3f}"
        sp = "-" if batched is None else f"{loop / batched:.1f}x"
        print(f"  {name:<16} {loop * 1e3:>13.3f} {bt:>16} {sp:>9} {cost * 1e4:>16.1f}")
    print(f"  {'all':<16} {'':>13} {'':>16} {'':>9} {total * 1e4:>16.1f}")
    print()

    tmp = Path(tempfile.mkdtemp(prefix="detente-bench-"))
    results = {}
    same = True
    try:
        runs = []
        for k in args.workers:
            runs.append(
                (
                    f"{k} worker{'s' if k > 1 else ''}"
                    + (" (in process)" if k == 1 else " (processes)"),
                    k,
                    (lambda k=k: InProcess() if k == 1 else ProcessPool(k)),
                )
            )
        if args.dask:
            runs.append(
                ("2 workers (Dask local cluster)", 2, lambda: Dask(workers=2, processes=True))
            )
        print(
            f"sweep of {args.runs} draws, chunks of {args.chunk_size} (target "
            f"{TARGET_SECONDS:.0f} s):"
        )
        base_time = None
        for label, k, make in runs:
            out = tmp / label.split()[0] / label.split()[-1].strip("()")
            t0 = time.perf_counter()
            with make() as ex:
                run_sweep(
                    s,
                    out,
                    runs=args.runs,
                    seed=args.seed,
                    models=models,
                    chunk_size=args.chunk_size,
                    executor=ex,
                    sensitivity=False,
                )
            wall = time.perf_counter() - t0
            base_time = base_time or wall
            results[label] = read_parts(out)
            print(
                f"  {label:<34} {wall:>7.1f} s   {args.runs / wall:>7.0f} draws/s   "
                f"ratio to target {wall / TARGET_SECONDS:>5.2f}   speed-up "
                f"{base_time / wall:>4.2f}x"
            )
        first = next(iter(results.values()))
        same = all(
            first[0].equals(r[0]) and np.array_equal(first[1], r[1], equal_nan=True)
            for r in results.values()
        )
        print(f"  identical results across executors: {same}")
        print()
        t0 = time.perf_counter()
        torn = tornado(s, models, seed=args.seed)
        n_all = len(scenario_inputs(s, uncertain_only=False))
        print(
            f"tornado ({n_all} inputs x 2 ends + 1 = {2 * n_all + 1} runs per model, "
            f"{len(torn)} rows): {time.perf_counter() - t0:.1f} s"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
