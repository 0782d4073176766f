"""The ``detente validate`` command: every model against real outcomes.

:func:`add_commands` adds it to the CLI's typer app.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from detente.api import parse_model_params
from detente.errors import DetenteError
from detente.files import set_force
from detente.models import available_models, get_model
from detente.models.base import ModelParams
from detente.scenario.io import DEU_CAPABILITY, atomic_write_text
from detente.validation.dataset import load_dataset
from detente.validation.runner import REFERENCE, predictions_frame, run_models, summary_frame

_out = Console(
    highlight=False, emoji=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160
)


class ValidateError(DetenteError):
    """A bad request to ``detente validate``."""


def _num(v: float, digits: int = 2) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def _params(items: list[str] | None, names: list[str]) -> dict[str, ModelParams]:
    raw = parse_model_params(items, names, also=(REFERENCE,))
    return {m: get_model(m).make_params(v) for m, v in raw.items()}


def _model_names(model: list[str] | None) -> list[str]:
    if not model or "all" in model:
        return available_models()
    names = []
    for m in model:
        get_model(m)  # unknown names raise UnknownNameError
        if m not in names:
            names.append(m)
    return names


def validate(
    dataset: Annotated[
        str,
        typer.Argument(
            help="A DEU table (.tsv, tab- or semicolon-separated), a folder of YAML scenarios "
            "with meta.outcome, or one such scenario."
        ),
    ],
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="A model to run (repeatable; default: every registered model). "
            "The compromise model is always run as the reference.",
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", "-p", help="MODEL.NAME=VALUE (or NAME=VALUE when one model is named)."
        ),
    ] = None,
    capability: Annotated[
        str | None,
        typer.Option(
            "--capability",
            "-c",
            help=f"DEU tables: {', '.join(DEU_CAPABILITY)} (default size: the file's size row).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the summary (one row per model) as CSV."),
    ] = None,
    predictions: Annotated[
        Path | None,
        typer.Option(
            "--predictions", help="Write the forecast of every model on every issue as CSV."
        ),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the error distributions as a PNG.")
    ] = None,
    n_boot: Annotated[int, typer.Option("--boot", help="Bootstrap replicates.")] = 10_000,
    by: Annotated[
        str,
        typer.Option("--bootstrap-by", help="Resample whole proposals (default) or single issues."),
    ] = "proposal",
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and of stochastic models.")] = 0,
    force: Annotated[
        bool, typer.Option("--force", help="Replace output files even when they are read-only.")
    ] = False,
) -> None:
    """Run models on every scorable issue of a data set with outcomes and score them."""
    set_force(force)
    if by not in ("proposal", "issue"):
        raise ValidateError(f"--bootstrap-by must be proposal or issue, got {by!r}")
    if n_boot < 100:
        raise ValidateError(f"--boot must be at least 100, got {n_boot}")
    for path, ext in ((out, ".csv"), (predictions, ".csv"), (plot, ".png")):
        if path is not None and not path.parent.is_dir():
            raise ValidateError(f"{path}: the folder {path.parent} does not exist")
        if path is not None and ext == ".png" and path.suffix.lower() != ".png":
            raise ValidateError(f"{path}: --plot writes PNG; give a .png file name")
    names = _model_names(model)
    params = _params(param, names)
    ds = load_dataset(dataset, capability)
    runs = run_models(ds, names, params, seed=seed)
    summary = summary_frame(ds, runs, n_boot=n_boot, seed=seed, by_group=by == "proposal")
    preds = predictions_frame(ds, runs)
    cap = {
        "size": "size row of the file",
        "equal": "equal",
        "council": "Council voting weights by treaty period",
        "population": "population",
        "scenario": "as in each scenario",
    }.get(ds.capability, ds.capability)
    _out.print(
        f"{ds.name}: {ds.n_cases} scorable issues in {len(ds.groups)} proposals "
        f"({len(ds.dropped)} not scored); capability: {cap}"
    )
    table = Table(title_justify="left")
    for col in (
        "model",
        "n",
        "MAE",
        "RMSE",
        "median AE",
        "within 10",
        f"MAE - {REFERENCE} [95% CI]",
        "seconds",
        "note",
    ):
        table.add_column(col, justify="left" if col in ("model", "note") else "right")
    for _, r in summary.iterrows():
        diff = (
            "—"
            if not np.isfinite(r["diff"])
            else (
                "reference"
                if r["model"] == REFERENCE
                else f"{r['diff']:+.2f} [{r['diff_low']:+.2f}, {r['diff_high']:+.2f}]"
            )
        )
        table.add_row(
            r["model"],
            str(int(r["n"])),
            _num(r["mae"]),
            _num(r["rmse"]),
            _num(r["median_ae"]),
            _num(100 * r["within10"], 0) + "%" if np.isfinite(r["within10"]) else "—",
            diff,
            _num(r["seconds"]),
            r["note"],
        )
    _out.print(table)
    _out.print(
        f"interval: paired bootstrap ({n_boot} replicates, resampling "
        f"{'proposals' if by == 'proposal' else 'issues'}, seed {seed})"
    )
    if out is not None:
        atomic_write_text(out, summary.to_csv(index=False, lineterminator="\n"))
        _out.print(f"wrote {out}")
    if predictions is not None:
        atomic_write_text(predictions, preds.to_csv(index=False, lineterminator="\n"))
        _out.print(f"wrote {predictions}")
    if plot is not None:
        from detente.validation.plot import plot_errors

        plot_errors(preds, plot, title=f"{ds.name}: absolute errors ({ds.n_cases} issues)")
        _out.print(f"wrote {plot}")


def add_commands(app: typer.Typer) -> None:
    """Add ``validate`` to ``app``."""
    app.command("validate")(validate)
