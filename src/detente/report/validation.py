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
other file is refused (before the report is written): a table without a ``model`` column and
either ``mae`` or the predictions' columns, or with text where those columns hold numbers.
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
    import io

    from detente.files import read_bytes

    raw = read_bytes(path, what="validation file")
    try:
        if path.suffix.lower() == ".parquet":
            df = pd.read_parquet(io.BytesIO(raw))
        else:
            df = pd.read_csv(io.BytesIO(raw))
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DetenteError(f"{path}: cannot read the validation table ({msg})") from None
    if df.empty:
        raise DetenteError(f"{path}: the validation table is empty")
    cols = set(df.columns)
    numeric = [c for c in ("mae", "abs_error", "error", "outcome", "forecast") if c in cols]
    if "model" not in cols or not numeric:
        raise DetenteError(
            f"{path}: not a validation table from detente validate (it needs a 'model' column "
            f"and 'mae' or 'abs_error', 'error', 'outcome' and 'forecast'; found "
            f"{', '.join(map(str, df.columns[:8]))})"
        )
    for c in numeric:
        bad = pd.to_numeric(df[c], errors="coerce").isna() & df[c].notna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 2
            raise DetenteError(
                f"{path}:{row}: column {c!r} must hold numbers (got {df[c][bad].iloc[0]!r})"
            )
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
