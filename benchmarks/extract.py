"""Benchmark: sentences per second of `detente extract` on one core.

Reads the five seed articles (../shared/seeds) and the PLOVER dev sentences
(../shared/data/plover), or, when ../shared is absent, a synthetic article built from the
actor dictionary, and times the whole pipeline (sentence splitting, mentions, the spaCy
dependency parse of every sentence with nlp.pipe, the lexicon's candidates, the learned event
and role models, dates, stances against the default scenario) after a warm-up (which loads the
parser). The process is pinned to one core. Target: at least 200 sentences per second.

    python benchmarks/extract.py [--repeat N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import time
from pathlib import Path

TARGET = 200.0
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _texts() -> list[str]:
    texts: list[str] = []
    seeds = sorted((SHARED / "seeds").glob("0*.txt"))
    for p in seeds:
        texts.append(p.read_text(encoding="utf-8"))
    gold = SHARED / "data" / "plover" / "plover_gsr_dev.json"
    if gold.exists():
        recs = [
            r for r in json.loads(gold.read_text(encoding="utf-8")) if r.get("event") != "DOCUMENT"
        ]
        texts.append("\n".join(r["text"] for r in recs))
    if not texts:
        from detente.evidence import default_actors

        names = [a.name for a in default_actors().actors.values() if a.kind == "state"]
        texts.append(
            "\n".join(
                f"{a} accused {b} of violating the ceasefire on Monday, and "
                f"said it would not attend talks in Geneva."
                for a, b in itertools.pairwise(names)
            )
        )
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from detente.evidence import default_actors, extract
    from detente.evidence.learn import default_models
    from detente.evidence.parse import load_parser
    from detente.evidence.stances import resolve_scenario

    t0 = time.perf_counter()
    actors = default_actors()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    load_parser()
    default_models()
    parser_s = time.perf_counter() - t0
    scenario = resolve_scenario("syria-astana-2017")
    texts = _texts()
    for t in texts:  # warm-up: caches, lazy imports
        extract(t, actors=actors, scenario=scenario)
    best = best_cpu = None
    n_sent = 0
    for _ in range(args.repeat):
        n_sent = 0
        t0, c0 = time.perf_counter(), time.process_time()
        for t in texts:
            ev = extract(t, actors=actors, scenario=scenario)
            n_sent += ev.n_sentences
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        best = dt if best is None else min(best, dt)
        best_cpu = dc if best_cpu is None else min(best_cpu, dc)
    rate = n_sent / best
    cpu_rate = n_sent / best_cpu
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, one core"
    )
    print(f"actor dictionary load: {load_s:.2f} s (once per process)")
    print(f"parser and model load: {parser_s:.2f} s (once per process)")
    print(
        f"{n_sent} sentences in {best:.3f} s wall clock (best of {args.repeat}): "
        f"{rate:.0f} sentences/s; ratio to the 200 sentences/s target: {rate / TARGET:.2f}x"
    )
    print(
        f"{n_sent} sentences in {best_cpu:.3f} s of CPU time on the one core: "
        f"{cpu_rate:.0f} sentences/s; ratio to the target: {cpu_rate / TARGET:.2f}x"
    )
    print(
        f"(load average {load:.1f}: on a shared machine the wall-clock figure falls with the "
        "load, the CPU-time figure much less)"
    )


if __name__ == "__main__":
    main()
