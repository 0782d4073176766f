"""Time ``detente validate`` on the DEU III development half with every registered model.

Target (issue 5): under 60 s for all models. Run from the repository root:

    python benchmarks/validate.py [--repeat N]

It runs the command's code path (load, every model on every scorable issue, the summary with
10 000 bootstrap replicates, the CSV files) in process and prints the wall time, the time per
model and the ratio to the 60 s target.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 60.0
DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "deu3" / "deu3_dev.tsv"


def main() -> None:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
    if not DATA.exists():
        raise SystemExit(f"{DATA} not found (the shared data folder beside the checkout)")
    t_import = time.perf_counter()
    import typer
    from typer.testing import CliRunner

    from detente.models import available_models
    from detente.validation.commands import add_commands
    from detente.validation.dataset import load_dataset
    from detente.validation.runner import run_models

    t_import = time.perf_counter() - t_import
    app = typer.Typer()
    add_commands(app)
    app.command("noop")(lambda: None)
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            t0 = time.perf_counter()
            res = CliRunner().invoke(
                app,
                [
                    "validate",
                    str(DATA),
                    "--out",
                    os.path.join(tmp, "s.csv"),
                    "--predictions",
                    os.path.join(tmp, "p.csv"),
                ],
            )
            best = min(best, time.perf_counter() - t0)
            if res.exit_code != 0:
                raise SystemExit(res.output)
    ds = load_dataset(DATA)
    runs = run_models(ds)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    )
    print(f"models: {', '.join(available_models())}")
    print("per model: " + ", ".join(f"{r.model} {r.seconds:.2f} s" for r in runs))
    print(f"imports {t_import:.2f} s")
    print(
        f"detente validate (dev half, {ds.n_cases} issues, all models): {best:.2f} s "
        f"(best of {repeat}); target {TARGET_S:.0f} s; ratio {best / TARGET_S:.2f}"
    )


if __name__ == "__main__":
    main()
