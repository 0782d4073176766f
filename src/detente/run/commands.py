"""The ``detente sweep`` and ``detente sensitivity`` commands.

:func:`add_commands` adds them to the CLI's typer app. Both print a short ranked summary
(``--full``: every table) and write their tables as CSV (and the sweep's raw results as
Parquet) in ``--out``. Options are those of :mod:`detente.cli_options`; numpy, pandas and
the runners are imported when a command runs.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from detente.cli_options import (
    ForceOpt,
    FormatOpt,
    FullOpt,
    InputFormatOpt,
    ParamOpt,
    QuietOpt,
    ScenarioArg,
    SeedOpt,
    WhatIfOpt,
    choice_option,
    console,
    count_option,
    emit_frame,
    model_params,
    model_title,
    models_option,
    note,
    number,
    number_option,
    progress,
    resolve_models,
    set_quiet,
)
from detente.errors import ParameterError
from detente.files import set_force

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from rich.table import Table

EXECUTOR_HELP = (
    "auto (default): Dask if --scheduler is given, else in process for one worker "
    "and a local process pool for more; inprocess, processes or dask (a local "
    "cluster of --workers unless --scheduler names one)."
)
DISTRIBUTIONS = ("pert", "triangular", "uniform")  # = detente.run.draws.DISTRIBUTIONS
EXECUTORS = ("auto", "inprocess", "processes", "dask")  # = detente.run.executors.EXECUTORS
GROUPS = ("input", "actor", "kind", "issue")

ModelsOpt = Annotated[
    list[str] | None,
    models_option(
        "A model to run (repeatable, case-insensitive; 'all' for every model); "
        "default: every model applicable to the scenario."
    ),
]
DistributionOpt = Annotated[
    str,
    choice_option(
        "--distribution",
        choices=DISTRIBUTIONS,
        help="pert (default), triangular or uniform on each range.",
    ),
]
ExecutorOpt = Annotated[str, choice_option("--executor", choices=EXECUTORS, help=EXECUTOR_HELP)]
WorkersOpt = Annotated[int, count_option("--workers", "-w", low=1, help="Number of workers.")]
SchedulerOpt = Annotated[
    str | None, typer.Option("--scheduler", help="Address of a Dask scheduler to run on.")
]
GroupOpt = Annotated[
    str,
    choice_option("--group", choices=GROUPS, help="Sobol grouping: input, actor, kind or issue."),
]


def _fmt(v: object, digits: int = 2) -> str:
    return number(v, digits)


def _models_and_params(scenario, model: list[str] | None, param: list[str] | None):
    from detente import api

    chosen = resolve_models(model)
    names = chosen or api.default_models(scenario)
    return names, model_params(param, names, chosen=chosen)


def _apply_what_if(scenario, path: Path | None):
    """The patched scenario and the patch file's SHA-256 (``None`` without a patch)."""
    if path is None:
        return scenario, None
    from detente.analysis.whatif import apply_patch, load_patch

    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return apply_patch(scenario, load_patch(path)), digest


def input_label(scenario, row: Any) -> str:
    """A tornado input in words: ``Russia: position on Assad's future in power``."""
    kind = str(row["kind"])
    actor = row.get("actor")
    issue = row.get("input_issue")
    a = scenario.actor(actor).label if isinstance(actor, str) and actor else None
    i = scenario.issue(issue).label if isinstance(issue, str) and issue else None
    what = kind.replace("_", " ")
    if a and i:
        return f"{a}: {what} on {i}"
    if a:
        return f"{a}: {what}"
    if i:
        return f"{i}: {what}"
    return str(row["input"])


def group_label(scenario, group: str, kind: str) -> str:
    """A Sobol group in words (an actor's or an issue's name; an input as in
    :func:`input_label`)."""
    if kind == "actor" and group in scenario.actor_ids:
        return scenario.actor(group).label
    if kind == "issue" and group in scenario.issue_ids:
        return scenario.issue(group).label
    if kind == "input":
        parts = group.split(":")
        row = {
            "kind": parts[0],
            "actor": parts[1] if len(parts) > 1 and parts[1] in scenario.actor_ids else None,
            "input_issue": parts[-1] if parts[-1] in scenario.issue_ids else None,
            "input": group,
        }
        if parts[0] == "status_quo" and len(parts) > 1:
            row["input_issue"] = parts[1]
        return input_label(scenario, row)
    return group.replace("_", " ")


class _Counting:
    """An executor that reports each finished chunk to a progress bar."""

    def __init__(self, ex, advance) -> None:
        self.ex = ex
        self.advance = advance

    def map_chunks(self, fn, chunks, on_result) -> None:
        def done(i, result):
            on_result(i, result)
            self.advance(1)

        self.ex.map_chunks(fn, chunks, done)

    def describe(self) -> str:
        return self.ex.describe()

    def __getattr__(self, name: str):
        return getattr(self.ex, name)


# -- tables ------------------------------------------------------------------------------


def _distribution_table(s, summary: pd.DataFrame, title: str, digits: int) -> Table:
    """Issues x models: the median and the 90% interval of each forecast."""
    from rich.table import Table

    models = list(dict.fromkeys(summary["model"]))
    t = Table(
        title=title,
        title_justify="left",
        caption="each cell: median (5%-95% of the draws)",
        caption_justify="left",
    )
    t.add_column("issue", style="bold")
    for m in models:
        t.add_column(model_title(m), justify="right")
    by = summary.set_index(["model", "issue"])
    for iss in s.issues:
        cells = []
        for m in models:
            if (m, iss.id) not in by.index:
                cells.append("—")
                continue
            r = by.loc[(m, iss.id)]
            cells.append(
                f"{_fmt(r['q50'], digits)} ({_fmt(r['q05'], digits)}–{_fmt(r['q95'], digits)})"
            )
        t.add_row(iss.label, *cells)
    return t


def _summary_table(s, title: str, summary: pd.DataFrame) -> Table:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for col in ("model", "issue", "mean", "sd", "q05", "q25", "median", "q75", "q95"):
        t.add_column(col, justify="left" if col in ("model", "issue") else "right")
    for _, r in summary.iterrows():
        t.add_row(
            model_title(r["model"]),
            s.issue(r["issue"]).label,
            _fmt(r["mean"]),
            _fmt(r["sd"]),
            _fmt(r["q05"]),
            _fmt(r["q25"]),
            _fmt(r["q50"]),
            _fmt(r["q75"]),
            _fmt(r["q95"]),
        )
    return t


def _within_table(s, within: pd.DataFrame, distance: float) -> Table:
    from rich.table import Table

    models = list(dict.fromkeys(within["model"]))
    t = Table(
        title=f"Probability that the outcome lies within {distance:g} of each actor's position",
        title_justify="left",
    )
    t.add_column("issue")
    t.add_column("actor")
    for m in models:
        t.add_column(model_title(m), justify="right")
    wide = within.pivot_table(
        index=["issue", "actor"], columns="model", values="probability", sort=False
    )
    for (iss, actor), row in wide.iterrows():
        t.add_row(s.issue(iss).label, s.actor(actor).label, *[_fmt(row.get(m)) for m in models])
    return t


def _tornado_summary(s, torn: pd.DataFrame, top: int) -> Table:
    """Per issue, the ``top`` inputs with the largest swing (the largest over the models)."""
    from rich.table import Table

    t = Table(
        title=f"What each forecast depends on most: the {top} inputs with the largest swing",
        title_justify="left",
        caption="swing: how far the forecast moves when the input goes from the low to the "
        "high end of its range, the other inputs held (the largest over the models run, "
        "named); --full shows every model",
        caption_justify="left",
    )
    for col in ("issue", "input", "range", "swing", "model"):
        t.add_column(col, justify="right" if col in ("range", "swing") else "left")
    best = torn.sort_values("swing", ascending=False, kind="stable").drop_duplicates(
        ["issue", "input"]
    )
    for iss in s.issues:
        rows = best[(best["issue"] == iss.id) & (best["swing"] > 0)].head(top)
        for j, (_, r) in enumerate(rows.iterrows()):
            t.add_row(
                iss.label if j == 0 else "",
                input_label(s, r),
                f"{r['low']:g}–{r['high']:g}",
                _fmt(r["swing"], 1),
                model_title(r["model"]),
            )
    return t


def _tornado_table(s, torn: pd.DataFrame, top: int) -> Table:
    from rich.table import Table

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
                model_title(r["model"]),
                s.issue(r["issue"]).label,
                input_label(s, r),
                f"{r['low']:g}..{r['high']:g}",
                _fmt(r["forecast_at_low"]),
                _fmt(r["forecast_at_high"]),
                _fmt(r["swing"]),
            )
    return t


def _sobol_summary(s, sob: pd.DataFrame, group: str) -> Table:
    """Per issue, the group with the largest total index (mean over the models)."""
    from rich.table import Table

    n = int(sob["n"].iloc[0]) if len(sob) else 0
    t = Table(
        title=f"Share of each forecast's variance by {group} (Sobol, N = {n}): the largest",
        title_justify="left",
        caption="total index: the share of the forecast's variance that goes if this "
        "group's inputs are known (mean over the models); --full shows every model",
        caption_justify="left",
    )
    for col in ("issue", group, "total index", "next"):
        t.add_column(col, justify="right" if col == "total index" else "left")
    mean = sob.groupby(["issue", "group"], sort=False)["total"].mean().reset_index()
    for iss in s.issues:
        sub = mean[mean["issue"] == iss.id].sort_values("total", ascending=False)
        if sub.empty:
            continue
        first = sub.iloc[0]
        nxt = (
            f"{group_label(s, sub.iloc[1]['group'], group)} ({_fmt(sub.iloc[1]['total'])})"
            if len(sub) > 1
            else ""
        )
        t.add_row(iss.label, group_label(s, first["group"], group), _fmt(first["total"]), nxt)
    return t


def _sobol_table(s, sob: pd.DataFrame, top: int, group: str) -> Table:
    from rich.table import Table

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
                model_title(r["model"]),
                s.issue(r["issue"]).label,
                group_label(s, r["group"], group),
                f"{_fmt(r['first_order'])} ± {_fmt(r['first_order_ci'])}",
                f"{_fmt(r['total'])} ± {_fmt(r['total_ci'])}",
            )
    return t


# -- sweep -------------------------------------------------------------------------------


def sweep(
    scenario: ScenarioArg = None,
    runs: Annotated[
        int, count_option("--runs", "-n", low=1, help="Number of Monte Carlo draws.")
    ] = 1000,
    seed: SeedOpt = 0,
    model: ModelsOpt = None,
    param: ParamOpt = None,
    distribution: DistributionOpt = "pert",
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Output folder (resumed if it holds the same sweep)."),
    ] = ...,  # type: ignore[assignment]
    chunk_size: Annotated[
        int, count_option("--chunk-size", low=1, help="Runs per chunk (Parquet file).")
    ] = 250,
    executor: ExecutorOpt = "auto",
    workers: WorkersOpt = 1,
    scheduler: SchedulerOpt = None,
    within: Annotated[
        float,
        number_option("--within", low=0.0, help="Distance for the within-distance probabilities."),
    ] = 10.0,
    bins: Annotated[
        int, count_option("--bins", low=1, help="Histogram bins over each issue's scale.")
    ] = 20,
    tornado: Annotated[
        bool,
        typer.Option("--tornado/--no-tornado", help="Write the one-at-a-time sensitivity table."),
    ] = True,
    sobol: Annotated[
        int,
        count_option(
            "--sobol",
            low=0,
            help="Base runs N of the Sobol indices (0: none; costs N x (groups + 2) runs "
            "of each model).",
        ),
    ] = 0,
    group: GroupOpt = "actor",
    what_if: WhatIfOpt = None,
    progress_bar: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Progress bar (default: on a terminal, unless --quiet).",
            show_default=False,
        ),
    ] = None,
    input_format: InputFormatOpt = None,
    format: FormatOpt = "table",
    full: FullOpt = False,
    quiet: QuietOpt = False,
    force: ForceOpt = False,
) -> None:
    """Monte Carlo over the scenario's uncertainty ranges: distributions of the forecasts,
    within-distance probabilities and sensitivity, written to --out (resumable)."""
    set_force(force)
    from detente.cli_options import input_digits, load_scenario
    from detente.run.executors import make_executor
    from detente.run.sweep import run_sweep

    set_quiet(quiet)
    s = load_scenario(scenario, input_format)
    s, patch_hash = _apply_what_if(s, what_if)
    names, params = _models_and_params(s, model, param)
    show = (sys.stderr.isatty() and not quiet) if progress_bar is None else progress_bar
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
    reused = f", {res.chunks_reused} reused" if res.chunks_reused else ""
    done = (
        f"{res.chunks_computed} chunk(s) computed{reused} on {where} in "
        f"{res.seconds:.1f} s; results in {out}"
    )
    if format != "table":
        emit_frame(res.summary, format, key="summary", meta={"scenario": s.id, "runs": runs})
        note(done)
        return
    con = console()
    digits = input_digits(s)
    title = f"{s.title or s.id}: {runs} draws ({distribution}), seed {seed}"
    if full:
        con.print(_summary_table(s, title, res.summary))
        con.print(_within_table(s, res.within, within))
        if res.tornado is not None:
            con.print(_tornado_table(s, res.tornado, 3))
        if res.sobol is not None and len(res.sobol):
            con.print(_sobol_table(s, res.sobol, 3, group))
    else:
        con.print(_distribution_table(s, res.summary, title, digits))
        if res.tornado is not None:
            con.print(_tornado_summary(s, res.tornado, 3))
        if res.sobol is not None and len(res.sobol):
            con.print(_sobol_summary(s, res.sobol, group))
        con.print(
            "--full: every statistic, the within-distance probabilities and every model's "
            f"sensitivity; the tables are in {out}",
            soft_wrap=True,
        )
    con.print(done, soft_wrap=True)


# -- sensitivity -------------------------------------------------------------------------


def sensitivity(
    scenario: ScenarioArg = None,
    model: ModelsOpt = None,
    param: ParamOpt = None,
    sobol: Annotated[
        int,
        count_option("--sobol", low=0, help="Base runs N of the Sobol indices (0: tornado only)."),
    ] = 512,
    group: GroupOpt = "actor",
    seed: SeedOpt = 0,
    distribution: DistributionOpt = "pert",
    executor: ExecutorOpt = "auto",
    workers: WorkersOpt = 1,
    scheduler: SchedulerOpt = None,
    top: Annotated[
        int, count_option("--top", low=1, help="Rows shown per issue (and model, with --full).")
    ] = 3,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder for tornado.csv and sobol.csv."),
    ] = None,
    what_if: WhatIfOpt = None,
    input_format: InputFormatOpt = None,
    format: FormatOpt = "table",
    full: FullOpt = False,
    quiet: QuietOpt = False,
    force: ForceOpt = False,
) -> None:
    """Which inputs the forecasts are most sensitive to: a one-at-a-time tornado over each
    range and variance-based (Sobol) indices by group of inputs."""
    set_force(force)
    from detente.cli_options import load_scenario
    from detente.run.executors import make_executor
    from detente.run.sensitivity import sobol as sobol_fn
    from detente.run.sensitivity import tornado as tornado_fn
    from detente.scenario.io import atomic_write_text

    set_quiet(quiet)
    if out is not None and out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out}: exists and is not a folder")
    s = load_scenario(scenario, input_format)
    s, _ = _apply_what_if(s, what_if)
    names, params = _models_and_params(s, model, param)
    with make_executor(executor, workers, scheduler) as ex:
        with progress("tornado") as advance:
            torn = tornado_fn(s, names, params, seed=seed, executor=_Counting(ex, advance))
        sob = None
        if sobol:
            with progress("Sobol indices") as advance:
                sob = sobol_fn(
                    s,
                    names,
                    params,
                    n=sobol,
                    seed=seed,
                    group=group,
                    distribution=distribution,
                    executor=_Counting(ex, advance),
                )
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "tornado.csv", torn.to_csv(index=False, lineterminator="\n"))
        if sob is not None:
            atomic_write_text(out / "sobol.csv", sob.to_csv(index=False, lineterminator="\n"))
    if format != "table":
        import json

        import pandas as pd

        if format == "csv":
            emit_frame(torn, "csv")
        else:
            data = {
                "scenario": s.id,
                "tornado": json.loads(torn.to_json(orient="records")),
                "sobol": json.loads(
                    (sob if sob is not None else pd.DataFrame()).to_json(orient="records")
                ),
            }
            sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        con = console()
        if full:
            con.print(_tornado_table(s, torn, top))
            if sob is not None and len(sob):
                con.print(_sobol_table(s, sob, top, group))
        else:
            con.print(_tornado_summary(s, torn, top))
            if sob is not None and len(sob):
                con.print(_sobol_summary(s, sob, group))
    if out is not None:
        note(f"wrote {out / 'tornado.csv'}" + (f", {out / 'sobol.csv'}" if sob is not None else ""))


def add_commands(app: typer.Typer) -> None:
    """Add ``sweep`` and ``sensitivity`` to ``app`` (idempotent: a second call adds nothing)."""
    have = {
        c.name or (c.callback.__name__ if c.callback else None) for c in app.registered_commands
    }
    for name, fn in (("sweep", sweep), ("sensitivity", sensitivity)):
        if name not in have:
            app.command(name)(fn)
