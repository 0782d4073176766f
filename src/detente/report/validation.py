"""Reading validation results for the report.

``detente validate`` writes two CSV files (see :mod:`detente.validation`):

- the summary (``--out``): one row per model with ``model, n, mae, rmse, median_ae,
  within10``, the paired-bootstrap interval of its MAE minus the reference model's
  (``diff, diff_low, diff_high``), ``seconds`` and a ``note``;
- the predictions (``--predictions``): one row per model and case with ``model, group,
  issue, outcome, forecast, error, abs_error``.

The report takes either (or both). From predictions it computes each model's number of
cases, mean and median absolute error and root mean squared error itself, and draws the
distribution of the absolute errors; from a summary with intervals it draws them. Any
other CSV is shown as a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from detente.errors import DetenteError

MAX_ROWS = 200


@dataclass
class ValidationData:
    """One validation file: its table and what the report draws from it."""

    name: str
    kind: str  # "summary", "predictions" or "table"
    table: pd.DataFrame
    summary: pd.DataFrame | None = None
    errors: dict[str, np.ndarray] | None = None
    truncated: int = 0


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DetenteError(f"{path}: no such validation file")
    try:
        df = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DetenteError(f"{path}: cannot read the validation table ({exc})") from None
    if df.empty:
        raise DetenteError(f"{path}: the validation table is empty")
    return df


def read_validation(path: Path) -> ValidationData:
    """Read one validation file (see the module docstring)."""
    path = Path(path)
    df = _read(path)
    cols = set(df.columns)
    if (
        "model" in cols
        and ({"outcome", "forecast"} <= cols or "abs_error" in cols or "error" in cols)
        and len(df) > df["model"].nunique()
    ):
        if "abs_error" in cols:
            err = pd.to_numeric(df["abs_error"], errors="coerce")
        elif "error" in cols:
            err = pd.to_numeric(df["error"], errors="coerce").abs()
        else:
            err = (
                pd.to_numeric(df["forecast"], errors="coerce")
                - pd.to_numeric(df["outcome"], errors="coerce")
            ).abs()
        order = list(dict.fromkeys(df["model"].astype(str)))
        rows, errors = [], {}
        for m in order:
            e = err[df["model"].astype(str) == m].to_numpy(dtype=float)
            e = e[np.isfinite(e)]
            errors[m] = e
            rows.append(
                {
                    "model": m,
                    "cases": int(e.size),
                    "mean_abs_error": float(e.mean()) if e.size else np.nan,
                    "median_abs_error": float(np.median(e)) if e.size else np.nan,
                    "rmse": float(np.sqrt(np.mean(e**2))) if e.size else np.nan,
                }
            )
        return ValidationData(
            name=path.name,
            kind="predictions",
            table=df.head(MAX_ROWS),
            summary=pd.DataFrame(rows),
            errors=errors,
            truncated=max(0, len(df) - MAX_ROWS),
        )
    if "model" in cols and "mae" in cols:
        return ValidationData(
            name=path.name,
            kind="summary",
            table=df.head(MAX_ROWS),
            truncated=max(0, len(df) - MAX_ROWS),
        )
    return ValidationData(
        name=path.name, kind="table", table=df.head(MAX_ROWS), truncated=max(0, len(df) - MAX_ROWS)
    )
