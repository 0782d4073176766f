"""Reading a Monte Carlo sweep's output folder for the report.

The report understands the folder :func:`detente.run.sweep.run_sweep` writes
(``detente-sweep/1``)::

    manifest.json            the sweep's arguments (runs, seed, models, inputs ...)
    forecasts/part-*.parquet run, model, issue, forecast
    summary.csv              per model and issue: runs, mean, sd, quantiles, min, max
    histogram.csv            per model and issue: bin_low, bin_high, count, share
    tornado.csv              per model, issue and input: forecast, forecast_at_low,
                             forecast_at_high, swing (and the input's value, low, high)
    within.csv, sobol.csv    further tables, shown when small enough

It also reads a plainer folder: any CSV or Parquet table with ``model, issue, forecast``
columns and several rows per model and issue is taken as the draws (histograms are then
binned here), and a table with an ``input`` column and the outcome at the input's
``low`` and ``high`` end (optionally ``baseline``) as the sensitivity table.

Files are read in name order, so the report does not depend on the file system's order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente.errors import DetenteError

INPUT_COLUMNS = ("input", "parameter", "variable", "factor")
MAX_TABLE_ROWS = 200
BINS = 20
TOP_INPUTS = 12


@dataclass
class SweepData:
    """The parts of a sweep folder the report shows.

    ``tornado`` is normalised to ``model`` (optional), ``issue`` (optional), ``input``,
    ``baseline``, ``low`` and ``high`` (the outcome with the input at either end).
    """

    name: str
    manifest: dict[str, Any] | None = None
    draws: pd.DataFrame | None = None
    histogram: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    tornado: pd.DataFrame | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _read_table(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DetenteError(f"{path}: cannot read the sweep table ({exc})") from None


def _normalise_tornado(df: pd.DataFrame) -> pd.DataFrame | None:
    cols = set(df.columns)
    keep = [c for c in ("model", "issue") if c in cols]
    if {"input", "forecast", "forecast_at_low", "forecast_at_high"} <= cols:
        out = df[keep + ["input"]].copy()
        out["baseline"] = df["forecast"].astype(float)
        out["low"] = df["forecast_at_low"].astype(float)
        out["high"] = df["forecast_at_high"].astype(float)
        return out
    col = next((c for c in INPUT_COLUMNS if c in cols), None)
    if col is not None and {"low", "high"} <= cols:
        out = df[keep].copy()
        out["input"] = df[col].astype(str)
        out["low"] = df["low"].astype(float)
        out["high"] = df["high"].astype(float)
        out["baseline"] = df["baseline"].astype(float) if "baseline" in cols else np.nan
        return out
    return None


def _is_draws(df: pd.DataFrame) -> bool:
    return {"model", "issue", "forecast"} <= set(df.columns) and len(df) > df.groupby(
        ["model", "issue"]
    ).ngroups


def read_sweep(folder: Path) -> SweepData:
    """Read the tables of a sweep's output folder (see the module docstring)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DetenteError(f"{folder}: no such sweep folder")
    data = SweepData(name=folder.name)
    manifest = folder / "manifest.json"
    if manifest.is_file():
        from detente.files import read_text

        try:
            data.manifest = json.loads(read_text(manifest, what="manifest"))
        except (ValueError, RecursionError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DetenteError(f"{manifest}: not a readable manifest ({msg})") from None
        if not isinstance(data.manifest, dict):
            raise DetenteError(f"{manifest}: not a readable manifest (not a JSON object)")
    parts = (
        sorted((folder / "forecasts").glob("*.parquet")) if (folder / "forecasts").is_dir() else []
    )
    if parts:
        data.draws = pd.concat([_read_table(p) for p in parts], ignore_index=True)
    for path in sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".parquet")
    ):
        df = _read_table(path)
        stem = path.stem
        cols = set(df.columns)
        if stem == "summary" and {"model", "issue"} <= cols:
            data.summary = df
        elif stem == "histogram" and {"model", "issue", "bin_low", "bin_high", "count"} <= cols:
            data.histogram = df
        elif data.draws is None and _is_draws(df):
            data.draws = df
        elif data.tornado is None and (t := _normalise_tornado(df)) is not None:
            data.tornado = t
        elif len(df) <= MAX_TABLE_ROWS:
            data.tables[path.name] = df
        else:
            data.notes.append(f"{path.name}: {len(df)} rows, not shown here")
    if (
        data.draws is None
        and data.histogram is None
        and data.tornado is None
        and data.summary is None
        and not data.tables
    ):
        raise DetenteError(
            f"{folder}: no sweep results found (a detente sweep folder, or CSV/"
            "Parquet tables with model, issue, forecast columns)"
        )
    return data


def histogram_panels(sweep: SweepData, issues) -> list[tuple[str, dict, tuple[float, float]]]:
    """``(issue label, {model: (edges, counts)}, (low, high))`` per issue with results.

    Bin counts come from the sweep's ``histogram.csv`` when it has one, else from binning
    the draws into :data:`BINS` equal bins of the scale.
    """
    panels = []
    for iss in issues:
        series: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if sweep.histogram is not None:
            sub = sweep.histogram[sweep.histogram["issue"].astype(str) == iss.id]
            for model, g in sorted(sub.groupby("model"), key=lambda kv: str(kv[0])):
                g = g.sort_values("bin_low")
                edges = np.append(g["bin_low"].to_numpy(float), g["bin_high"].to_numpy(float)[-1])
                series[str(model)] = (edges, g["count"].to_numpy(float))
        elif sweep.draws is not None:
            sub = sweep.draws[sweep.draws["issue"].astype(str) == iss.id]
            for model, g in sorted(sub.groupby("model"), key=lambda kv: str(kv[0])):
                v = g["forecast"].to_numpy(float)
                counts, edges = np.histogram(
                    v[np.isfinite(v)], bins=BINS, range=(iss.scale.low, iss.scale.high)
                )
                series[str(model)] = (edges, counts.astype(float))
        if series:
            panels.append((iss.label, series, (iss.scale.low, iss.scale.high)))
    return panels


def tornado_groups(
    sweep: SweepData,
    models: list[str] | None = None,
    top: int = TOP_INPUTS,
    labels: dict[str, str] | None = None,
) -> list[tuple[str, list[tuple[str, float, float]], float]]:
    """``(label, [(input, outcome at low, outcome at high)], baseline)`` for each issue.

    With several models in the table, only the first of ``models`` found there (else the
    table's first) is drawn, so the report holds one tornado per issue. Inputs that move
    nothing are left out; at most ``top`` inputs, the widest swings.
    """
    df = sweep.tornado
    if df is None or df.empty:
        return []
    if "model" in df.columns:
        present = list(dict.fromkeys(df["model"].astype(str)))
        pick = next((m for m in (models or []) if m in present), present[0])
        df = df[df["model"].astype(str) == pick]
    keys = ["issue"] if "issue" in df.columns else []
    groups = list(df.groupby(keys, sort=False)) if keys else [((), df)]
    out = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join((labels or {}).get(str(v), str(v)) for v in key) or "outcome"
        if "model" in sweep.tornado.columns:
            label = f"{label} ({g['model'].iloc[0]})"
        base = g["baseline"].astype(float)
        base = (
            float(base.iloc[0])
            if base.notna().any()
            else float((g["low"].mean() + g["high"].mean()) / 2)
        )
        swing = (g["high"] - g["low"]).abs()
        g = g.assign(_swing=swing)
        g = g[g["_swing"] > 0].sort_values(["_swing", "input"], ascending=[False, True])
        rows = [(str(r.input), float(r.low), float(r.high)) for r in g.head(top).itertuples()]
        if rows:
            out.append((label, rows, base))
    return out
