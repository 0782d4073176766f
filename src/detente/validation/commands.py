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

from detente.cli_options import (
    ForceOpt,
    FormatOpt,
    ParamOpt,
    QuietOpt,
    SeedOpt,
    choice_option,
    count_option,
    emit_frame,
    model_params,
    model_title,
    models_option,
    note,
    progress,
    resolve_models,
    set_quiet,
)
from detente.errors import DetenteError
from detente.files import set_force
from detente.models import available_models, get_model
from detente.models.base import ModelParams
from detente.scenario.io import DEU_CAPABILITY, atomic_write_text
from detente.validation.dataset import load_dataset
from detente.validation.distributions import HEADLINE, distribution_frames, score_distributions
from detente.validation.runner import REFERENCE, predictions_frame, run_models, summary_frame

_out = Console(
    highlight=False, emoji=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160
)


class ValidateError(DetenteError):
    """A bad request to ``detente validate``."""


def _num(v: float, digits: int = 2) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def _params(items: list[str] | None, names: list[str], chosen) -> dict[str, ModelParams]:
    raw = model_params(items, names, chosen=chosen, also=(REFERENCE,))
    return {m: get_model(m).make_params(v) for m, v in raw.items()}


def _model_names(model: list[str] | None) -> list[str]:
    return resolve_models(model) or available_models()


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
        models_option(
            "A model to run (repeatable, case-insensitive; default: every registered model). "
            "The compromise model is always run as the reference."
        ),
    ] = None,
    param: ParamOpt = None,
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
            "--predictions",
            help="Write every model's and the headline's forecast, 80%% interval and chance "
            "of no change on every issue as CSV.",
        ),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the error distributions as a PNG.")
    ] = None,
    n_boot: Annotated[
        int, count_option("--boot", low=100, help="Bootstrap replicates (at least 100).")
    ] = 10_000,
    by: Annotated[
        str,
        choice_option(
            "--bootstrap-by",
            choices=("proposal", "issue"),
            help="Resample whole proposals (default) or single issues.",
        ),
    ] = "proposal",
    seed: SeedOpt = 0,
    format: FormatOpt = "table",
    quiet: QuietOpt = False,
    force: ForceOpt = False,
) -> None:
    """Run models on every scorable issue of a data set with outcomes and score them."""
    set_force(force)
    for path, ext in ((out, ".csv"), (predictions, ".csv"), (plot, ".png")):
        if path is not None and not path.parent.is_dir():
            raise ValidateError(f"{path}: the folder {path.parent} does not exist")
        if path is not None and ext == ".png" and path.suffix.lower() != ".png":
            raise ValidateError(f"{path}: --plot writes PNG; give a .png file name")
    set_quiet(quiet)
    names = _model_names(model)
    params = _params(param, names, resolve_models(model))
    ds = load_dataset(dataset, capability)
    with progress(f"validate: {len(names)} models on {ds.n_cases} issues"):
        runs = run_models(ds, names, params, seed=seed)
        summary = summary_frame(ds, runs, n_boot=n_boot, seed=seed, by_group=by == "proposal")
    preds = predictions_frame(ds, runs)
    scored = score_distributions(ds, runs, dataset)
    summary, dist_preds = _with_distributions(ds, scored, runs, summary, n_boot, seed, by)
    cap = {
        "size": "size row of the file",
        "equal": "equal",
        "council": "Council voting weights by treaty period",
        "population": "population",
        "scenario": "as in each scenario",
    }.get(ds.capability, ds.capability)
    written = []
    if out is not None:
        atomic_write_text(out, summary.to_csv(index=False, lineterminator="\n"))
        written.append(out)
    if predictions is not None:
        atomic_write_text(predictions, dist_preds.to_csv(index=False, lineterminator="\n"))
        written.append(predictions)
    if plot is not None:
        from detente.validation.plot import plot_errors

        plot_errors(preds, plot, title=f"{ds.name}: absolute errors ({ds.n_cases} issues)")
        written.append(plot)
    if format != "table":
        emit_frame(summary, format, key="models", meta={"dataset": ds.name, "n": ds.n_cases})
        for path in written:
            note(f"wrote {path}")
        return
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
        "CRPS",
        "cover80",
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
            f"{model_title(r['model'])} ({r['model']})",
            str(int(r["n"])),
            _num(r["mae"]),
            _num(r["rmse"]),
            _num(r["median_ae"]),
            _num(100 * r["within10"], 0) + "%" if np.isfinite(r["within10"]) else "—",
            diff,
            _num(r["crps"]),
            _num(100 * r["coverage80"], 0) + "%" if np.isfinite(r["coverage80"]) else "—",
            _num(r["seconds"]),
            r["note"],
        )
    _out.print(table)
    _out.print(
        f"interval: paired bootstrap ({n_boot} replicates, resampling "
        f"{'proposals' if by == 'proposal' else 'issues'}, seed {seed})"
    )
    head = summary[summary["model"] == HEADLINE].iloc[0]
    _out.print(
        f"{HEADLINE}: the headline distribution ({scored.note}); each model as a distribution: "
        "its forecast plus its residuals on the development half. CRPS in points (lower is "
        "better); cover80: share of outcomes within the 80% interval. Brier of p_status_quo "
        f"{_num(head['brier'], 4)} (base rate {_num(head['brier_base_rate'], 4)}).",
        soft_wrap=True,
    )
    for path in written:
        note(f"wrote {path}")


def _with_distributions(ds, scored, runs, summary, n_boot: int, seed: int, by: str):
    """The summary with the distribution scores and a ``forecast`` (headline) row, and the
    per-issue predictions of every model and the headline."""
    import pandas as pd

    from detente.validation.scoring import error_summary, paired_bootstrap

    dist, dist_preds = distribution_frames(ds, scored, [r.model for r in runs])
    med = dist_preds.loc[dist_preds["model"] == HEADLINE, "forecast"].to_numpy()
    out = ds.outcomes
    stats = error_summary(med, out)
    ref = next((r for r in runs if r.model == REFERENCE), None)
    row = {
        "model": HEADLINE,
        "n": stats["n"],
        "mae": stats["mae"],
        "rmse": stats["rmse"],
        "median_ae": stats["median_ae"],
        "within10": stats["within"],
        "diff": np.nan,
        "diff_low": np.nan,
        "diff_high": np.nan,
        "seconds": np.nan,
        "note": scored.regime,
    }
    if ref is not None:
        bi = paired_bootstrap(
            np.abs(med - out),
            np.abs(ref.forecast - out),
            groups=ds.case_groups if by == "proposal" else None,
            n_boot=n_boot,
            seed=seed,
        )
        row.update(diff=bi.diff, diff_low=bi.low, diff_high=bi.high)
    summary = pd.concat([pd.DataFrame([row]), summary], ignore_index=True)
    summary = summary.merge(dist, on="model", how="left")
    cols = ["model", "n", "mae", "crps", "coverage80", "brier", "brier_base_rate"]
    summary = summary[cols + [c for c in summary.columns if c not in cols]]
    errs = dist_preds["forecast"] - dist_preds["outcome"]
    dist_preds = dist_preds.assign(error=errs, abs_error=errs.abs())
    return summary, dist_preds


def add_commands(app: typer.Typer) -> None:
    """Add ``validate`` to ``app``."""
    app.command("validate")(validate)
