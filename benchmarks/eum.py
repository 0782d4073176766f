"""Benchmark of the expected-utility model (``eum``): 1,000 actors, one issue, 10 rounds.

Target: under 5 seconds on the project's 2-core machine. Prints the wall-clock and CPU time of
the run (median and best of ``--repeat`` runs) with the default parameters (which log moves,
not every offer, on an issue this large) and no stop rule, so that all 10 rounds are played.

Comparison with an existing replication: the best public Python replication we found is
jmckib/bdm-scholz-expected-utility-model (``bdm_scholz_model.py``), the one that reproduces
Scholz et al.'s published table. It is Python 2 code and is not part of this repository: to
compare, fetch it, make it importable under Python 3 (its ``print`` statements are the only
obstacle), and pass its path with ``--reference PATH`` (or set ``EUM_REFERENCE``). Its cost
grows as n^5 per round (an n^3 probability denominator for each of n^2 pairs), so it cannot run
on 1,000 actors: it is timed on the emission-standards example and on small random inputs, and
its time on the benchmark input is extrapolated from those (and labelled as such).

Usage::

    python benchmarks/eum.py [--actors 1000] [--rounds 10] [--repeat 3] [--reference PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib.util
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from detente.models import get_model
from detente.scenario.arrays import ScenarioArrays

ROOT = Path(__file__).resolve().parents[1]
EMISSION = ROOT.parent / "shared" / "parity" / "eum" / "emission_standards.csv"


def random_scenario(n: int, seed: int = 2011) -> ScenarioArrays:
    rng = np.random.default_rng(seed)
    return ScenarioArrays.from_arrays(
        rng.uniform(0.05, 1.0, n), rng.uniform(0, 100, n), rng.uniform(5, 100, n)
    )


def time_ours(arrays: ScenarioArrays, rounds: int, repeat: int) -> tuple[list[float], float]:
    spec = get_model("eum")
    params = spec.make_params({"rounds": str(rounds), "stop": "none"})
    walls, cpu = [], 0.0
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        res = spec(arrays, params)
        walls.append(time.perf_counter() - t0)
        cpu = time.process_time() - c0
        assert res.n_rounds == rounds
    return walls, cpu


def load_reference(path: str):
    spec = importlib.util.spec_from_file_location("eum_reference", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "BDMScholzModel"):
        raise ImportError(f"{path} has no BDMScholzModel (not the expected replication)")
    return module


def run_reference(module, c, x, s, rounds: int) -> tuple[float, np.ndarray]:
    """Time the reference over ``rounds`` rounds; return (seconds, positions per round)."""
    data = [
        {"Actor": f"A{i}", "Capability": c[i], "Position": x[i], "Salience": s[i]}
        for i in range(len(c))
    ]
    model = module.BDMScholzModel(data, q=1.0)
    traj = [[a.x for a in model.actors]]
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # it prints every offer it accepts
        for _ in range(rounds):
            model.update_risk_aversions()
            model.update_positions()
            traj.append([a.x for a in model.actors])
    return time.perf_counter() - t0, np.array(traj)


def ours_positions(c, x, s, rounds: int) -> tuple[float, np.ndarray]:
    spec = get_model("eum")
    arrays = ScenarioArrays.from_arrays(c, x, np.asarray(s) * 100)
    params = spec.make_params({"rounds": str(rounds)}, preset="scholz2011")
    t0 = time.perf_counter()
    res = spec(arrays, params)
    return time.perf_counter() - t0, res.rounds[:, :, 0]


def compare_with_reference(path: str, n_big: int, rounds: int, our_best: float) -> None:
    try:
        ref = load_reference(path)
    except (ImportError, OSError, SyntaxError) as exc:  # report it and carry on
        print(f"reference: not run: {exc}")
        return
    print(f"reference: {path}")
    if EMISSION.exists():
        with open(EMISSION, newline="") as fh:
            rows = list(csv.DictReader(fh))
        c = [float(r["capability"]) for r in rows]
        x = [float(r["position"]) for r in rows]
        s = [float(r["salience"]) / 100 for r in rows]
        t_ref, p_ref = run_reference(ref, c, x, s, 8)
        t_our, p_our = ours_positions(c, x, s, 8)
        print(
            f"  emission standards (10 actors, 8 rounds): reference {t_ref:.3f} s, "
            f"eum {t_our:.4f} s, ratio {t_ref / t_our:,.0f}x; positions agree to "
            f"{np.max(np.abs(p_ref - p_our)):.1e}"
        )
    sizes, per_round = [], []
    for n in (6, 8, 10, 12):
        rng = np.random.default_rng(n)
        c, x, s = rng.uniform(0.05, 1, n), rng.uniform(0, 100, n), rng.uniform(0.05, 1, n)
        t_ref, p_ref = run_reference(ref, c, x, s, 2)
        t_our, p_our = ours_positions(c, x, s, 2)
        sizes.append(n)
        per_round.append(t_ref / 2)
        print(
            f"  random, {n:2d} actors, 2 rounds: reference {t_ref:.3f} s, eum {t_our:.4f} s, "
            f"ratio {t_ref / t_our:,.0f}x; positions agree to "
            f"{np.max(np.abs(p_ref - p_our)):.1e}"
        )
    slope, icept = np.polyfit(np.log(sizes), np.log(per_round), 1)
    projected = float(np.exp(icept) * n_big**slope) * rounds
    print(
        f"  reference cost grows as n^{slope:.1f} per round; on {n_big} actors x {rounds} "
        f"rounds it would take about {projected:.1e} s ({projected / 3.15e7:.1e} years; "
        f"EXTRAPOLATED, not measured), {projected / our_best:.1e} x the eum time"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--actors", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--reference",
        default=os.environ.get("EUM_REFERENCE"),
        help="path of a Python 3 port of jmckib's bdm_scholz_model.py",
    )
    args = ap.parse_args(argv)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}"
    )
    arrays = random_scenario(args.actors)
    walls, cpu = time_ours(arrays, args.rounds, args.repeat)
    best, med = min(walls), statistics.median(walls)
    print(
        f"eum: {args.actors} actors, 1 issue, {args.rounds} rounds: median {med:.2f} s, "
        f"best {best:.2f} s wall, {cpu:.2f} s CPU (target < 5 s: "
        f"{'met' if med < 5 else 'MISSED'})"
    )
    if args.reference:
        compare_with_reference(args.reference, args.actors, args.rounds, best)
    else:
        print(
            "reference: none run. The best existing Python replication "
            "(jmckib/bdm-scholz-expected-utility-model) is Python 2 and is not shipped; pass "
            "--reference PATH to a Python 3 port of it to time it. It cannot run on "
            f"{args.actors} actors in any case (its cost grows as n^5 per round)."
        )


if __name__ == "__main__":
    sys.exit(main())
