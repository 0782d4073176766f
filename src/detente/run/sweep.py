"""Monte Carlo sweeps: many draws of a scenario through several models, chunked to Parquet.

A sweep of ``runs`` draws is cut into chunks of ``chunk_size`` consecutive runs. Each chunk is
computed by an executor (see :mod:`detente.run.executors`) and written, as soon as it is done,
to two Parquet files in the output folder::

    OUT/manifest.json               the sweep's arguments (checked on resume)
    OUT/forecasts/part-000000.parquet   run, model, issue, forecast (long format)
    OUT/inputs/part-000000.parquet      run and one column per uncertain input (scenario units)
    OUT/summary.csv                 per model and issue: mean, sd, quantiles, min, max
    OUT/histogram.csv               per model and issue: counts in equal bins of the scale
    OUT/within.csv                  per model, issue and actor: P(|forecast - position| <= D)
    OUT/tornado.csv                 one-at-a-time sensitivity (see detente.run.sensitivity)
    OUT/sobol.csv                   variance-based indices (when asked for)

Files are written to a temporary name and renamed, so a file that exists is complete. A sweep
started again with the same arguments and output folder computes only the chunks whose
forecast file is missing, so a sweep killed midway resumes and ends with exactly the result of
an uninterrupted run (the draws of run ``r`` depend only on the seed and ``r``). A sweep started
with different arguments on a folder holding another sweep is refused.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente.errors import DetenteError, ParameterError
from detente.files import read_text, write_atomic, write_atomic_with
from detente.limits import check_count
from detente.models import ModelParams
from detente.run.draws import (
    STREAM_MODEL,
    InputSampler,
    apply_inputs,
    check_distribution,
    run_generator,
    scenario_inputs,
)
from detente.run.executors import Executor, InProcess
from detente.run.sensitivity import resolve_models, sobol, tornado
from detente.scenario.model import Scenario

MANIFEST = "manifest.json"
FORMAT = "detente-sweep/1"
DEFAULT_CHUNK_SIZE = 250
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Manifest entries that must match for a sweep to resume.
CHECKED = (
    "format",
    "scenario_sha256",
    "patch_sha256",
    "models",
    "params",
    "runs",
    "seed",
    "chunk_size",
    "distribution",
    "inputs",
)


class SweepError(DetenteError):
    """A sweep cannot start or resume (e.g. its folder holds a sweep with other arguments)."""


# -- the work of one chunk -------------------------------------------------------------------


@dataclass(frozen=True)
class SweepTask:
    """Computes one chunk ``(index, first run, stop run)`` of a sweep (picklable)."""

    scenario: Scenario
    models: tuple[str, ...]
    params: tuple[ModelParams, ...]
    seed: int
    distribution: str

    def __call__(self, chunk: tuple[int, int, int]) -> dict[str, Any]:
        from detente.models import get_model
        from detente.run.batched import forecast_batch

        _, start, stop = chunk
        runs = range(start, stop)
        inputs = scenario_inputs(self.scenario)
        values = InputSampler(inputs, self.distribution).sample_runs(self.seed, runs)
        batch = apply_inputs(self.scenario.to_arrays(), inputs, values)
        forecasts, seconds = [], {}
        for name, params in zip(self.models, self.params):
            t0 = time.perf_counter()
            rngs = None
            if get_model(name).stochastic:
                rngs = [run_generator(self.seed, r, STREAM_MODEL) for r in runs]
            forecasts.append(forecast_batch(name, batch, params, rngs))
            seconds[name] = time.perf_counter() - t0
        return {"values": values, "forecasts": np.stack(forecasts), "seconds": seconds}


def plan_chunks(runs: int, chunk_size: int) -> list[tuple[int, int, int]]:
    """``(index, start, stop)`` of every chunk."""
    return [(i, a, min(a + chunk_size, runs)) for i, a in enumerate(range(0, runs, chunk_size))]


# -- files -----------------------------------------------------------------------------------


def _part(out: Path, kind: str, index: int) -> Path:
    return out / kind / f"part-{index:06d}.parquet"


def _write_parquet_atomic(table, path: Path) -> None:
    import pyarrow.parquet as pq

    write_atomic_with(path, lambda tmp: pq.write_table(table, tmp))


def _write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, text)


def _forecast_table(
    chunk: tuple[int, int, int],
    result: Mapping[str, Any],
    models: Sequence[str],
    issues: Sequence[str],
):
    import pyarrow as pa

    _, start, stop = chunk
    f = np.asarray(result["forecasts"])  # (M, B, d)
    nm, nb, d = f.shape
    return pa.table(
        {
            "run": pa.array(np.repeat(np.arange(start, stop, dtype=np.int64), nm * d)),
            "model": pa.array(
                np.tile(np.repeat(np.array(models, dtype=object), d), nb), type=pa.string()
            ),
            "issue": pa.array(np.tile(np.array(issues, dtype=object), nb * nm), type=pa.string()),
            "forecast": pa.array(np.moveaxis(f, 0, 1).reshape(-1), type=pa.float64()),
        }
    )


def _inputs_table(chunk: tuple[int, int, int], result: Mapping[str, Any], names: Sequence[str]):
    import pyarrow as pa

    _, start, stop = chunk
    v = np.asarray(result["values"])
    cols = {"run": pa.array(np.arange(start, stop, dtype=np.int64))}
    for j, name in enumerate(names):
        cols[name] = pa.array(v[:, j], type=pa.float64())
    return pa.table(cols)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON form (evidence included)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chunk_done(out: Path, chunk: tuple[int, int, int], rows: int) -> bool:
    import pyarrow.parquet as pq

    path = _part(out, "forecasts", chunk[0])
    if not path.is_file() or not _part(out, "inputs", chunk[0]).is_file():
        return False
    try:
        return pq.read_metadata(path).num_rows == rows
    except (OSError, ValueError):  # an unreadable file (ArrowInvalid is a ValueError)
        return False


def _check_folder(out: Path, manifest: dict[str, Any]) -> None:
    path = out / MANIFEST
    if path.is_file():
        try:
            old = json.loads(read_text(path, what="sweep manifest"))
        except (DetenteError, ValueError, RecursionError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SweepError(f"{path}: unreadable sweep manifest ({msg})") from None
        if not isinstance(old, dict):
            raise SweepError(f"{path}: unreadable sweep manifest (not a JSON object)")
        diff = [k for k in CHECKED if old.get(k) != manifest.get(k)]
        if diff:
            what = "; ".join(
                f"{k}: {_short(old.get(k))} there, {_short(manifest.get(k))} now" for k in diff
            )
            raise SweepError(
                f"{out} holds a sweep with other arguments ({what}); resume it with "
                f"the same arguments or choose another --out"
            )
        return
    if out.exists():
        if not out.is_dir():
            raise SweepError(f"{out} exists and is not a folder")
        if any(out.iterdir()):
            raise SweepError(
                f"{out} is not empty and holds no sweep ({MANIFEST} is missing); "
                f"choose a new or empty folder"
            )


def _short(v: Any) -> str:
    text = json.dumps(v, sort_keys=True)
    return text if len(text) <= 40 else text[:37] + "..."


# -- the sweep -------------------------------------------------------------------------------


@dataclass
class SweepResult:
    """What a sweep produced (all tables are also files in ``out``)."""

    out: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame
    histogram: pd.DataFrame
    within: pd.DataFrame
    tornado: pd.DataFrame | None
    sobol: pd.DataFrame | None
    chunks_computed: int
    chunks_reused: int
    seconds: float
    model_seconds: dict[str, float] = field(default_factory=dict)


def run_sweep(
    scenario: Scenario,
    out: str | Path,
    *,
    runs: int,
    seed: int = 0,
    models: Sequence[str] | None = None,
    params: Mapping[str, ModelParams | Mapping[str, str]] | None = None,
    distribution: str = "pert",
    chunk_size: int | None = None,
    executor: Executor | None = None,
    within: float = 10.0,
    bins: int = 20,
    sensitivity: bool = True,
    sobol_runs: int = 0,
    group: str = "actor",
    patch_sha256: str | None = None,
    progress: bool = False,
    on_chunk: Callable[[int], None] | None = None,
) -> SweepResult:
    """Run (or resume) a Monte Carlo sweep of ``scenario`` and write it to ``out``.

    Parameters
    ----------
    scenario:
        The scenario (already patched, if a what-if patch applies; give the patch's hash as
        ``patch_sha256`` so that the manifest records it).
    out:
        The output folder: created if missing; if it holds a sweep, that sweep is resumed
        (same arguments) or the call is refused (other arguments).
    runs, seed:
        Number of draws and the seed (a non-negative integer).
    models, params:
        Models to run (default: every model applicable to the scenario) and their parameters
        (``{model: ModelParams or {name: value}}``).
    distribution:
        ``pert`` (default), ``triangular`` or ``uniform`` (see :mod:`detente.run.draws`).
    chunk_size:
        Runs per chunk (default 250); part of the manifest.
    executor:
        Where chunks run (default: in process).
    within:
        The distance ``D`` of ``within.csv``, in scale points.
    bins:
        Number of histogram bins over each issue's scale.
    sensitivity:
        Whether to write the tornado table.
    sobol_runs:
        Base sample size ``N`` of the Sobol indices (0: none); they cost ``N (G + 2)`` runs.
    group:
        How inputs are grouped for the Sobol indices (see :mod:`detente.run.sensitivity`).
    progress:
        Show a progress bar (rich, on standard error).
    on_chunk:
        Called with each chunk's index after its files are written (for progress reports and
        tests).
    """
    t_start = time.perf_counter()
    out = Path(out)
    if runs < 1:
        raise ParameterError(f"runs must be at least 1, got {runs}", param="runs")
    check_count("draws", runs)
    if seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed}", param="seed")
    chunk_size = DEFAULT_CHUNK_SIZE if chunk_size is None else chunk_size
    if chunk_size < 1:
        raise ParameterError(f"chunk_size must be at least 1, got {chunk_size}", param="chunk_size")
    if within < 0:
        raise ParameterError(f"within must be non-negative, got {within}", param="within")
    if bins < 1:
        raise ParameterError(f"bins must be at least 1, got {bins}", param="bins")
    check_distribution(distribution)
    names, plist = resolve_models(scenario, models, params)
    inputs = scenario_inputs(scenario)
    input_names = [x.name for x in inputs]
    manifest = {
        "format": FORMAT,
        "scenario": scenario.id,
        "scenario_sha256": scenario_hash(scenario),
        "patch_sha256": patch_sha256,
        "models": list(names),
        "params": {n: p.model_dump(mode="json") for n, p in zip(names, plist)},
        "runs": int(runs),
        "seed": int(seed),
        "chunk_size": int(chunk_size),
        "distribution": distribution,
        "inputs": input_names,
        "issues": list(scenario.issue_ids),
    }
    _check_folder(out, manifest)
    out.mkdir(parents=True, exist_ok=True)
    (out / "forecasts").mkdir(exist_ok=True)
    (out / "inputs").mkdir(exist_ok=True)
    if not (out / MANIFEST).is_file():
        _write_text_atomic(out / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    for stale in list((out / "forecasts").glob(".*.tmp")) + list((out / "inputs").glob(".*.tmp")):
        stale.unlink(missing_ok=True)

    d = len(scenario.issues)
    chunks = plan_chunks(runs, chunk_size)
    todo = [c for c in chunks if not _chunk_done(out, c, (c[2] - c[1]) * len(names) * d)]
    model_seconds = {n: 0.0 for n in names}
    task = SweepTask(scenario, names, plist, seed, distribution)

    def write(i: int, result: dict[str, Any]) -> None:
        chunk = todo[i]
        _write_parquet_atomic(
            _inputs_table(chunk, result, input_names), _part(out, "inputs", chunk[0])
        )
        _write_parquet_atomic(
            _forecast_table(chunk, result, names, scenario.issue_ids),
            _part(out, "forecasts", chunk[0]),
        )
        for k, v in result["seconds"].items():
            model_seconds[k] += v
        if on_chunk is not None:
            on_chunk(chunk[0])

    ex = executor or InProcess()
    if todo:
        if progress:
            _with_progress(ex, task, todo, write, runs, chunks)
        else:
            ex.map_chunks(task, todo, write)

    cube, values = load_cube(out, chunks, names, scenario.issue_ids, len(inputs))
    positions = drawn_positions(scenario.to_arrays(), inputs, values)
    summary = summary_table(cube, names, scenario)
    hist = histogram_table(cube, names, scenario, bins)
    near = within_table(cube, positions, names, scenario, within)
    _write_text_atomic(out / "summary.csv", summary.to_csv(index=False, lineterminator="\n"))
    _write_text_atomic(out / "histogram.csv", hist.to_csv(index=False, lineterminator="\n"))
    _write_text_atomic(out / "within.csv", near.to_csv(index=False, lineterminator="\n"))
    torn = sob = None
    if sensitivity:
        torn = tornado(scenario, names, dict(zip(names, plist)), seed=seed, executor=ex)
        _write_text_atomic(out / "tornado.csv", torn.to_csv(index=False, lineterminator="\n"))
    if sobol_runs:
        sob = sobol(
            scenario,
            names,
            dict(zip(names, plist)),
            n=sobol_runs,
            seed=seed,
            group=group,
            distribution=distribution,
            executor=ex,
        )
        _write_text_atomic(out / "sobol.csv", sob.to_csv(index=False, lineterminator="\n"))
    return SweepResult(
        out=out,
        manifest=manifest,
        summary=summary,
        histogram=hist,
        within=near,
        tornado=torn,
        sobol=sob,
        chunks_computed=len(todo),
        chunks_reused=len(chunks) - len(todo),
        seconds=time.perf_counter() - t_start,
        model_seconds=model_seconds,
    )


def _with_progress(ex: Executor, task: SweepTask, todo, write, runs: int, chunks) -> None:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    done_runs = runs - sum(c[2] - c[1] for c in todo)
    columns = (
        TextColumn("sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        tid = bar.add_task("sweep", total=runs, completed=done_runs)

        def step(i: int, result: dict[str, Any]) -> None:
            write(i, result)
            bar.advance(tid, todo[i][2] - todo[i][1])

        ex.map_chunks(task, todo, step)


# -- reading and summarising -----------------------------------------------------------------


def read_parts(out: str | Path, n_chunks: int | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """The forecasts (long table, sorted by run) and drawn input values ``(runs, m)`` of a
    sweep folder."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    if n_chunks is None:
        man = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        n_chunks = len(plan_chunks(man["runs"], man["chunk_size"]))
    missing = [i for i in range(n_chunks) if not _part(out, "forecasts", i).is_file()]
    if missing:
        raise SweepError(
            f"{out}: {len(missing)} chunk(s) missing (first: {missing[0]}); "
            f"run the sweep again to finish it"
        )
    ft = pa.concat_tables([pq.read_table(_part(out, "forecasts", i)) for i in range(n_chunks)])
    it = pa.concat_tables([pq.read_table(_part(out, "inputs", i)) for i in range(n_chunks)])
    values = (
        np.column_stack([it.column(j).to_numpy() for j in range(1, it.num_columns)])
        if it.num_columns > 1
        else np.empty((it.num_rows, 0))
    )
    return ft.to_pandas(), values


def load_cube(
    out: Path,
    chunks: Sequence[tuple[int, int, int]],
    models: Sequence[str],
    issues: Sequence[str],
    n_inputs: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``(M, runs, d)`` forecasts and ``(runs, m)`` drawn inputs, read chunk by chunk.

    The chunk files are read column by column into preallocated arrays (no long table in
    memory); each file's model and issue columns are checked against the expected layout.
    """
    import pyarrow.parquet as pq

    runs = chunks[-1][2] if chunks else 0
    nm, d = len(models), len(issues)
    cube = np.empty((nm, runs, d))
    values = np.empty((runs, n_inputs))
    want_models = np.repeat(np.array(models, dtype=object), d)
    want_issues = np.tile(np.array(issues, dtype=object), nm)
    for index, start, stop in chunks:
        path = _part(out, "forecasts", index)
        table = pq.read_table(path)
        nb = stop - start
        if table.num_rows != nb * nm * d:
            raise SweepError(f"{path}: {table.num_rows} rows, expected {nb * nm * d}")
        head = slice(0, nm * d)
        got_m = np.array(table.column("model").slice(0, nm * d).to_pylist(), dtype=object)
        got_i = np.array(table.column("issue").slice(0, nm * d).to_pylist(), dtype=object)
        if not (
            np.array_equal(got_m, want_models[head]) and np.array_equal(got_i, want_issues[head])
        ):
            raise SweepError(f"{path}: models or issues differ from the sweep's manifest")
        f = table.column("forecast").to_numpy().reshape(nb, nm, d)
        cube[:, start:stop, :] = np.moveaxis(f, 1, 0)
        it = pq.read_table(_part(out, "inputs", index))
        for j in range(n_inputs):
            values[start:stop, j] = it.column(j + 1).to_numpy()
    return cube, values


def drawn_positions(base, inputs, values: np.ndarray) -> np.ndarray:
    """``(runs, n, d)`` positions of every run (drawn where ranged, clipped to the scale)."""
    pos = np.repeat(base.position[None, :, :], values.shape[0], axis=0)
    for j, x in enumerate(inputs):
        if x.kind == "position":
            pos[:, x.row, x.col] = np.clip(values[:, j], base.low[x.col], base.high[x.col])
    return pos


def summary_table(cube: np.ndarray, models: Sequence[str], scenario: Scenario) -> pd.DataFrame:
    """Per model and issue: runs, mean, sd, the quantiles of :data:`QUANTILES`, min, max."""
    recs = []
    for a, name in enumerate(models):
        for k, iss in enumerate(scenario.issues):
            v = cube[a, :, k]
            ok = v[~np.isnan(v)]
            row: dict[str, Any] = {"model": name, "issue": iss.id, "runs": int(ok.size)}
            if ok.size:
                row.update(mean=float(ok.mean()), sd=float(ok.std(ddof=1)) if ok.size > 1 else 0.0)
                for q, val in zip(QUANTILES, np.quantile(ok, QUANTILES)):
                    row[f"q{round(q * 100):02d}"] = float(val)
                row.update(min=float(ok.min()), max=float(ok.max()))
            recs.append(row)
    cols = (
        ["model", "issue", "runs", "mean", "sd"]
        + [f"q{round(q * 100):02d}" for q in QUANTILES]
        + ["min", "max"]
    )
    return pd.DataFrame(recs, columns=cols)


def histogram_table(
    cube: np.ndarray, models: Sequence[str], scenario: Scenario, bins: int = 20
) -> pd.DataFrame:
    """Per model and issue, counts of forecasts in ``bins`` equal bins of the issue's scale
    (the last bin includes the scale's high end)."""
    recs = []
    for a, name in enumerate(models):
        for k, iss in enumerate(scenario.issues):
            v = cube[a, :, k]
            counts, edges = np.histogram(
                v[~np.isnan(v)], bins=bins, range=(iss.scale.low, iss.scale.high)
            )
            total = max(int(counts.sum()), 1)
            for b in range(bins):
                recs.append(
                    (
                        name,
                        iss.id,
                        float(edges[b]),
                        float(edges[b + 1]),
                        int(counts[b]),
                        counts[b] / total,
                    )
                )
    return pd.DataFrame(recs, columns=["model", "issue", "bin_low", "bin_high", "count", "share"])


def within_table(
    cube: np.ndarray,
    positions: np.ndarray,
    models: Sequence[str],
    scenario: Scenario,
    distance: float,
) -> pd.DataFrame:
    """Per model, issue and actor with a stance: the share of runs whose forecast lies within
    ``distance`` of the actor's position in that run (``positions`` ``(runs, n, d)``, the
    drawn positions)."""
    recs = []
    for a, name in enumerate(models):
        f = cube[a]  # (R, d)
        for k, iss in enumerate(scenario.issues):
            for i, actor in enumerate(scenario.actor_ids):
                p = positions[:, i, k]
                if np.isnan(p).all():
                    continue
                ok = ~np.isnan(f[:, k])
                hit = np.abs(f[ok, k] - p[ok]) <= distance
                recs.append(
                    (
                        name,
                        iss.id,
                        actor,
                        float(distance),
                        float(hit.mean()) if hit.size else float("nan"),
                    )
                )
    return pd.DataFrame(recs, columns=["model", "issue", "actor", "distance", "probability"])
