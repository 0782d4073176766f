"""The ``detente sweep`` and ``detente sensitivity`` commands.

:func:`add_commands` adds them to the CLI's typer app. Both print rich tables and write their
tables as CSV (and the sweep's raw results as Parquet) in ``--out``.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from detente.api import parse_model_params
from detente.errors import ParameterError
from detente.files import set_force

_out = Console(
    highlight=False, emoji=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160
)

SCENARIO_HELP = "A scenario file or an embedded name; default syria-astana-2017."
EXECUTOR_HELP = (
    "auto (default): Dask if --scheduler is given, else in process for one worker "
    "and a local process pool for more; inprocess, processes or dask (a local "
    "cluster of --workers unless --scheduler names one)."
)


def _fmt(v: object, digits: int = 2) -> str:
    if v is None:
        return "—"
    f = float(v)  # type: ignore[arg-type]
    return "—" if np.isnan(f) else f"{f:.{digits}f}"


def _models_and_params(scenario, model: list[str] | None, param: list[str] | None):
    from detente import api

    names = api.check_models(model) if model else api.default_models(scenario)
    return names, parse_model_params(param, names)


def _whatif_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("detente.analysis.whatif") is not None


def _apply_what_if(scenario, path: Path | None):
    """The patched scenario and the patch file's SHA-256 (``None`` without a patch)."""
    if path is None:
        return scenario, None
    if not _whatif_available():  # pragma: no cover - depends on the what-if module existing
        raise ParameterError("--what-if needs detente.analysis.whatif, which is not installed")
    from detente.analysis.whatif import apply_patch, load_patch

    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return apply_patch(scenario, load_patch(path)), digest


def _summary_table(title: str, summary: pd.DataFrame) -> Table:
    t = Table(title=title, title_justify="left")
    for col in ("model", "issue", "mean", "sd", "q05", "q25", "median", "q75", "q95"):
        t.add_column(col, justify="left" if col in ("model", "issue") else "right")
    for _, r in summary.iterrows():
        t.add_row(
            r["model"],
            r["issue"],
            _fmt(r["mean"]),
            _fmt(r["sd"]),
            _fmt(r["q05"]),
            _fmt(r["q25"]),
            _fmt(r["q50"]),
            _fmt(r["q75"]),
            _fmt(r["q95"]),
        )
    return t


def _within_table(within: pd.DataFrame, distance: float) -> Table:
    models = list(dict.fromkeys(within["model"]))
    t = Table(
        title=f"Probability that the outcome lies within {distance:g} of each actor's position",
        title_justify="left",
    )
    t.add_column("issue")
    t.add_column("actor")
    for m in models:
        t.add_column(m, justify="right")
    wide = within.pivot_table(
        index=["issue", "actor"], columns="model", values="probability", sort=False
    )
    for (iss, actor), row in wide.iterrows():
        t.add_row(iss, actor, *[_fmt(row.get(m)) for m in models])
    return t


def _tornado_table(torn: pd.DataFrame, top: int) -> Table:
    t = Table(
        title=f"Tornado: the {top} inputs with the largest swing per model and issue",
        title_justify="left",
    )
    for col in ("model", "issue", "input", "range", "at low", "at high", "swing"):
        t.add_column(col, justify="right" if col in ("at low", "at high", "swing") else "left")
    for (_, _), grp in torn.groupby(["model", "issue"], sort=False):
        for _, r in grp.head(top).iterrows():
            if r["swing"] <= 0:
                break
            t.add_row(
                r["model"],
                r["issue"],
                r["input"],
                f"{r['low']:g}..{r['high']:g}",
                _fmt(r["forecast_at_low"]),
                _fmt(r["forecast_at_high"]),
                _fmt(r["swing"]),
            )
    return t


def _sobol_table(sob: pd.DataFrame, top: int) -> Table:
    n = int(sob["n"].iloc[0]) if len(sob) else 0
    t = Table(
        title=f"Sobol indices (N = {n}, ± half-width of a bootstrap 95% interval): the "
        f"{top} groups with the largest total index",
        title_justify="left",
    )
    for col in ("model", "issue", "group", "first order", "total"):
        t.add_column(col, justify="right" if col in ("first order", "total") else "left")
    for (_, _), grp in sob.groupby(["model", "issue"], sort=False):
        for _, r in grp.head(top).iterrows():
            t.add_row(
                r["model"],
                r["issue"],
                r["group"],
                f"{_fmt(r['first_order'])} ± {_fmt(r['first_order_ci'])}",
                f"{_fmt(r['total'])} ± {_fmt(r['total_ci'])}",
            )
    return t


def sweep(
    scenario: str | None = typer.Argument(None, help=SCENARIO_HELP),
    runs: int = typer.Option(1000, "--runs", "-n", help="Number of Monte Carlo draws."),
    seed: int = typer.Option(0, "--seed", help="Seed (a non-negative integer)."),
    model: list[str] | None = typer.Option(
        None,
        "--model",
        "-m",
        help="A model to run (repeatable; 'all' for every model); "
        "default: every model applicable to the scenario.",
    ),
    param: list[str] | None = typer.Option(
        None, "--param", "-p", help="MODEL.NAME=VALUE (repeatable)."
    ),
    distribution: str = typer.Option(
        "pert", "--distribution", help="pert (default), triangular or uniform on each range."
    ),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder (resumed if it holds the same sweep)."
    ),
    chunk_size: int = typer.Option(250, "--chunk-size", help="Runs per chunk (Parquet file)."),
    executor: str = typer.Option("auto", "--executor", help=EXECUTOR_HELP),
    workers: int = typer.Option(1, "--workers", "-w", help="Number of workers."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Address of a Dask scheduler to run on."
    ),
    within: float = typer.Option(
        10.0, "--within", help="Distance for the within-distance probabilities."
    ),
    bins: int = typer.Option(20, "--bins", help="Histogram bins over each issue's scale."),
    tornado: bool = typer.Option(
        True, "--tornado/--no-tornado", help="Write the one-at-a-time sensitivity table."
    ),
    sobol: int = typer.Option(
        0,
        "--sobol",
        help="Base runs N of the Sobol indices (0: none; "
        "costs N x (groups + 2) runs of each model).",
    ),
    group: str = typer.Option(
        "actor", "--group", help="Sobol grouping: input, actor, kind or issue."
    ),
    what_if: Path | None = typer.Option(
        None, "--what-if", help="A what-if patch applied to the scenario before drawing."
    ),
    progress: bool | None = typer.Option(
        None, "--progress/--no-progress", help="Progress bar (default: on a terminal)."
    ),
    input_format: str | None = typer.Option(None, "--input-format"),
    force: bool = typer.Option(
        False, "--force", help="Replace output files even when they are read-only."
    ),
) -> None:
    """Monte Carlo over the scenario's uncertainty ranges: distributions of the forecasts,
    within-distance probabilities and sensitivity, written to --out (resumable)."""
    set_force(force)
    from detente.run.executors import make_executor
    from detente.run.sweep import run_sweep
    from detente.scenario import load

    s = load(scenario, format=input_format)
    s, patch_hash = _apply_what_if(s, what_if)
    names, params = _models_and_params(s, model, param)
    show = sys.stderr.isatty() if progress is None else progress
    with make_executor(executor, workers, scheduler) as ex:
        res = run_sweep(
            s,
            out,
            runs=runs,
            seed=seed,
            models=names,
            params=params,
            distribution=distribution,
            chunk_size=chunk_size,
            executor=ex,
            within=within,
            bins=bins,
            sensitivity=tornado,
            sobol_runs=sobol,
            group=group,
            patch_sha256=patch_hash,
            progress=show,
        )
        where = ex.describe()
    _out.print(
        _summary_table(
            f"{s.title or s.id}: {runs} draws ({distribution}), seed {seed}", res.summary
        )
    )
    _out.print(_within_table(res.within, within))
    if res.tornado is not None:
        _out.print(_tornado_table(res.tornado, 3))
    if res.sobol is not None and len(res.sobol):
        _out.print(_sobol_table(res.sobol, 3))
    reused = f", {res.chunks_reused} reused" if res.chunks_reused else ""
    _out.print(
        f"{res.chunks_computed} chunk(s) computed{reused} on {where} in "
        f"{res.seconds:.1f} s; results in {out}"
    )


def sensitivity(
    scenario: str | None = typer.Argument(None, help=SCENARIO_HELP),
    model: list[str] | None = typer.Option(
        None, "--model", "-m", help="A model (repeatable); default: all."
    ),
    param: list[str] | None = typer.Option(
        None, "--param", "-p", help="MODEL.NAME=VALUE (repeatable)."
    ),
    sobol: int = typer.Option(
        512, "--sobol", help="Base runs N of the Sobol indices (0: tornado only)."
    ),
    group: str = typer.Option(
        "actor", "--group", help="Sobol grouping: input, actor, kind or issue."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed (a non-negative integer)."),
    distribution: str = typer.Option(
        "pert", "--distribution", help="pert (default), triangular or uniform."
    ),
    executor: str = typer.Option("auto", "--executor", help=EXECUTOR_HELP),
    workers: int = typer.Option(1, "--workers", "-w", help="Number of workers."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Address of a Dask scheduler to run on."
    ),
    top: int = typer.Option(5, "--top", help="Rows shown per model and issue."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Folder for tornado.csv and sobol.csv."
    ),
    what_if: Path | None = typer.Option(None, "--what-if", help="A what-if patch."),
    input_format: str | None = typer.Option(None, "--input-format"),
    force: bool = typer.Option(
        False, "--force", help="Replace output files even when they are read-only."
    ),
) -> None:
    """Which inputs the forecasts are most sensitive to: a one-at-a-time tornado over each
    range and variance-based (Sobol) indices by group of inputs."""
    set_force(force)
    from detente.run.draws import check_distribution
    from detente.run.executors import make_executor
    from detente.run.sensitivity import sobol as sobol_fn
    from detente.run.sensitivity import tornado as tornado_fn
    from detente.scenario import load
    from detente.scenario.io import atomic_write_text

    if seed < 0:
        raise ParameterError(f"--seed must be a non-negative integer, got {seed}")
    if sobol < 0:
        raise ParameterError(f"--sobol must be 0 or more, got {sobol}")
    check_distribution(distribution)
    if out is not None and out.exists() and not out.is_dir():
        raise ParameterError(f"{out} exists and is not a folder")
    s = load(scenario, format=input_format)
    s, _ = _apply_what_if(s, what_if)
    names, params = _models_and_params(s, model, param)
    with make_executor(executor, workers, scheduler) as ex:
        torn = tornado_fn(s, names, params, seed=seed, executor=ex)
        sob = (
            sobol_fn(
                s,
                names,
                params,
                n=sobol,
                seed=seed,
                group=group,
                distribution=distribution,
                executor=ex,
            )
            if sobol
            else None
        )
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "tornado.csv", torn.to_csv(index=False, lineterminator="\n"))
        if sob is not None:
            atomic_write_text(out / "sobol.csv", sob.to_csv(index=False, lineterminator="\n"))
    _out.print(_tornado_table(torn, top))
    if sob is not None and len(sob):
        _out.print(_sobol_table(sob, top))
    if out is not None:
        _out.print(
            f"wrote {out / 'tornado.csv'}" + (f", {out / 'sobol.csv'}" if sob is not None else "")
        )


def add_commands(app: typer.Typer) -> None:
    """Add ``sweep`` and ``sensitivity`` to ``app`` (idempotent: a second call adds nothing)."""
    have = {
        c.name or (c.callback.__name__ if c.callback else None) for c in app.registered_commands
    }
    for name, fn in (("sweep", sweep), ("sensitivity", sensitivity)):
        if name not in have:
            app.command(name)(fn)
