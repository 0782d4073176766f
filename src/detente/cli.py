"""The ``detente`` command line: a thin layer over :mod:`detente.api`.

Every command reports bad input as one line on standard error and exits with code 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from detente import api
from detente.errors import DetenteError, ParameterError, ScenarioError
from detente.files import set_force
from detente.scenario import DEFAULT_SCENARIO, FORMATS, WRITABLE, embedded_names, load
from detente.scenario.describe import evidence_text, value_text
from detente.scenario.io import (
    atomic_write_text,
    format_for_output,
    read_scenario,
    scenario_to_text,
)

app = typer.Typer(
    name="detente",
    help="Model, simulate and forecast multilateral negotiations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(
    highlight=False, emoji=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160
)

SCENARIO_HELP = (
    f"A scenario file (YAML, CSV, KTAB CSV/XML, DEU FILE#ISSUE) or an embedded "
    f"name; default {DEFAULT_SCENARIO}."
)


def _fmt(v: float, digits: int = 1) -> str:
    return "—" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{digits}f}"


def _parse_params(items: list[str] | None) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(f"--param takes NAME=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        params[k.strip()] = v.strip()
    return params


def _write_frame(df: pd.DataFrame, path: Path) -> None:
    atomic_write_text(path, df.to_csv(index=False, lineterminator="\n"))


# -- forecast ----------------------------------------------------------------------------


@app.command()
def forecast(
    scenario: str | None = typer.Argument(None, help=SCENARIO_HELP),
    model: list[str] | None = typer.Option(
        None,
        "--model",
        "-m",
        help="A model to run (repeatable; 'all' for every model). "
        "Named models are shown beside the baselines unless --no-baselines.",
    ),
    baselines: bool = typer.Option(
        True, "--baselines/--no-baselines", help="Show the baseline models too."
    ),
    format: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
    param: list[str] | None = typer.Option(
        None, "--param", "-p", help="MODEL.NAME=VALUE (or NAME=VALUE when one model is named)."
    ),
    seed: int | None = typer.Option(None, help="Seed for stochastic models."),
    input_format: str | None = typer.Option(
        None, "--input-format", help=f"One of {', '.join(FORMATS)}."
    ),
    what_if: Path | None = typer.Option(
        None, "--what-if", help="A what-if patch (YAML) applied to the scenario first."
    ),
) -> None:
    """Forecast every issue of a scenario with each model, side by side."""
    if format not in ("table", "json", "csv"):
        raise ParameterError(f"--format must be table, json or csv, got {format!r}")
    s = load(scenario, format=input_format)
    if what_if is not None:
        from detente.analysis.whatif import apply_patch, load_patch

        s = apply_patch(s, load_patch(what_if))
    if model:
        named = api.check_models(model)
        base = [n for n in api.default_models(s) if _is_baseline(n)] if baselines else []
        names = list(dict.fromkeys(base + named))
    else:
        names = api.default_models(s)
    params = _model_params(param, names)
    df = api.forecast(s, names, params=params, seed=seed)
    if format == "csv":
        sys.stdout.write(df.to_csv(index=False, lineterminator="\n"))
        return
    if format == "json":
        sys.stdout.write(
            json.dumps(
                {"scenario": s.id, "forecasts": json.loads(df.to_json(orient="records"))}, indent=2
            )
            + "\n"
        )
        return
    _forecast_table(s, df, names)


def _model_params(items: list[str] | None, names: list[str]) -> dict[str, dict[str, str]]:
    # A NAME=VALUE item goes to the one non-baseline model named, if there is one.
    non_base = [n for n in names if not _is_baseline(n)]
    default = non_base[0] if len(non_base) == 1 else None
    return api.parse_model_params(items, names, default=default)


def _is_baseline(name: str) -> bool:
    from detente.models import get_model

    return get_model(name).baseline


def _forecast_table(s, df: pd.DataFrame, names: list[str]) -> None:
    from detente.models import get_model

    table = Table(title=f"{s.title or s.id}: forecasts per issue", title_justify="left")
    table.add_column("issue", style="bold")
    for n in names:
        table.add_column(n, justify="right")
    for iss in s.issues:
        sub = df[df["issue"] == iss.id].set_index("model")["forecast"]
        table.add_row(iss.label, *[_fmt(sub.get(n)) for n in names])
    out.print(table)
    out.print("[bold]Scales[/bold]")
    for iss in s.issues:
        out.print(f"  {iss.label}: {iss.scale.describe()}", soft_wrap=True)
    out.print("[bold]Models[/bold]")
    for n in names:
        out.print(f"  {n}: {get_model(n).title}", soft_wrap=True)
    skipped = [
        m for m in api.default_models(None) if m not in names and api.applicable(m, s) is not None
    ]
    for m in skipped:
        out.print(f"  ({m} does not run here: {api.applicable(m, s)})", soft_wrap=True)


# -- scenarios, show, convert, validate-scenario ------------------------------------------


@app.command()
def scenarios() -> None:
    """List the embedded scenarios."""
    table = Table(title="Embedded scenarios", title_justify="left")
    for col in ("name", "title", "date", "actors", "issues"):
        table.add_column(col)
    for name in embedded_names():
        s = load(name)
        table.add_row(
            name + (" (default)" if name == DEFAULT_SCENARIO else ""),
            s.title or "",
            str(s.date or ""),
            str(len(s.actors)),
            str(len(s.issues)),
        )
    out.print(table)


@app.command()
def models() -> None:
    """List the registered models."""
    table = Table(title="Models", title_justify="left")
    for col in ("model", "title", "kind", "description"):
        table.add_column(col, overflow="fold")
    for _, r in api.models_table().iterrows():
        kind = "baseline" if r["baseline"] else ("dynamic" if r["dynamic"] else "static")
        table.add_row(r["model"], r["title"], kind, r["description"])
    out.print(table)


@app.command()
def show(
    scenario: str | None = typer.Argument(None, help=SCENARIO_HELP),
    evidence: bool = typer.Option(
        True, "--evidence/--no-evidence", help="Show the evidence of every value."
    ),
    input_format: str | None = typer.Option(None, "--input-format"),
) -> None:
    """Print a scenario's actors, issues and positions with their evidence."""
    s = load(scenario, format=input_format)
    out.print(f"[bold]{s.title or s.id}[/bold] ({s.id})" + (f", {s.date}" if s.date else ""))
    if s.description:
        out.print(s.description)
    if s.sources:
        st = Table(title="Sources", title_justify="left")
        for col in ("id", "publication", "date", "file"):
            st.add_column(col)
        for src in s.sources:
            st.add_row(src.id, src.publication or "", str(src.date or ""), src.file or "")
        out.print(st)
    at = Table(title="Actors", title_justify="left")
    for col in ("id", "name", "kind", "capability"):
        at.add_column(col)
    if evidence:
        at.add_column("evidence", overflow="fold")
    for a in s.actors:
        row = [a.id, a.name or "", a.kind.value, value_text(a.capability)]
        if evidence:
            row.append(evidence_text(s, a.capability, with_file=True))
        at.add_row(*row)
    out.print(at)
    it = Table(title="Issues", title_justify="left")
    for col in ("id", "name", "scale", "status quo"):
        it.add_column(col, overflow="fold")
    for iss in s.issues:
        it.add_row(iss.id, iss.label, iss.scale.describe(), value_text(iss.status_quo))
    out.print(it)
    for iss in s.issues:
        t = Table(title=f"{iss.label} ({iss.scale.describe()})", title_justify="left")
        for col in ("actor", "position", "salience"):
            t.add_column(col)
        if evidence:
            t.add_column("evidence", overflow="fold")
        for a in s.actors:
            stn = s.stance(a.id, iss.id)
            if stn is None:
                continue
            row = [a.label, value_text(stn.position), value_text(stn.salience)]
            if evidence:
                row.append(
                    evidence_text(s, stn.position, with_file=True)
                    + " | salience: "
                    + evidence_text(s, stn.salience, with_file=True)
                )
            t.add_row(*row)
        out.print(t)


@app.command()
def convert(
    source: str = typer.Argument(..., help="Input scenario (file or embedded name)."),
    target: Path = typer.Argument(..., help="Output file; format from the extension or --to."),
    input_format: str | None = typer.Option(None, "--from", help=f"One of {', '.join(FORMATS)}."),
    output_format: str | None = typer.Option(None, "--to", help=f"One of {', '.join(WRITABLE)}."),
    force: bool = typer.Option(
        False, "--force", help="Replace output files even when they are read-only."
    ),
) -> None:
    """Convert a scenario between formats (YAML, long CSV, one-issue CSV, KTAB CSV, DEU row)."""
    set_force(force)
    s = load(source, format=input_format)
    fmt = format_for_output(target, output_format)
    atomic_write_text(target, scenario_to_text(s, fmt))
    out.print(f"wrote {target} ({fmt}: {len(s.actors)} actors, {len(s.issues)} issues)")


@app.command("validate-scenario")
def validate_scenario(
    file: str = typer.Argument(..., help="The scenario file to check."),
    input_format: str | None = typer.Option(None, "--format"),
) -> None:
    """Check a scenario file and report every problem, one per line."""
    try:
        s = read_scenario(file, format=input_format)
    except ScenarioError as exc:
        for p in exc.problems:
            typer.echo(str(p), err=True)
        n = len(exc.problems)
        typer.echo(f"{file}: {n} problem{'s' if n != 1 else ''}", err=True)
        raise typer.Exit(2) from None
    out.print(
        f"{file}: valid ({len(s.actors)} actors, {len(s.issues)} issues, {len(s.stances)} stances)"
    )


# -- simulate ----------------------------------------------------------------------------


@app.command()
def simulate(
    scenario: str | None = typer.Argument(None, help=SCENARIO_HELP),
    model: str = typer.Option("eum", "--model", "-m", help="A dynamic model (eum, smp ...)."),
    rounds: int | None = typer.Option(None, "--rounds", help="Maximum number of rounds."),
    param: list[str] | None = typer.Option(None, "--param", "-p", help="NAME=VALUE."),
    preset: str | None = typer.Option(None, "--preset", help="A named parameter preset."),
    seed: int | None = typer.Option(None, help="Seed for stochastic runs."),
    history: Path | None = typer.Option(
        None, "--history", help="Write round,actor,issue,position,... as CSV."
    ),
    probabilities: Path | None = typer.Option(
        None, "--probabilities", help="Write round,actor,probability as CSV."
    ),
    events: Path | None = typer.Option(None, "--events", help="Write the events as CSV."),
    input_format: str | None = typer.Option(None, "--input-format"),
    force: bool = typer.Option(
        False, "--force", help="Replace output files even when they are read-only."
    ),
) -> None:
    """Run a dynamic model round by round; print a summary and write the history."""
    set_force(force)
    from detente.models import get_model

    spec = get_model(model)
    if not spec.dynamic:
        raise ParameterError(f"model {model!r} is static; simulate runs dynamic models")
    s = load(scenario, format=input_format)
    params = _parse_params(param)
    if rounds is not None:
        if "rounds" not in spec.params.model_fields:
            raise ParameterError(f"model {model!r} has no round limit parameter")
        from detente.limits import check_count

        check_count("rounds", rounds)
        params["rounds"] = str(rounds)
    res = api.run_model(s, model, spec.make_params(params, preset=preset), seed=seed)
    hist = api.history_frame(s, res)
    prob = api.probabilities_frame(s, res) if probabilities is not None else None
    # Build every output before writing any, so a failure leaves no partial set of files.
    if history is not None:
        _write_frame(hist, history)
    if prob is not None:
        _write_frame(prob, probabilities)
    if events is not None:
        _write_frame(api.events_frame(res), events)
    _simulate_table(s, res, hist)
    written = [str(p) for p in (history, probabilities, events) if p is not None]
    if written:
        out.print("wrote " + ", ".join(written))


def _stat(v: float) -> str:
    if np.isfinite(v) and float(v).is_integer() and abs(v) < 1e9:
        return str(int(v))
    return _fmt(v, 3)


def _simulate_table(s, res, hist: pd.DataFrame) -> None:
    table = Table(title=f"{res.model} on {s.id}: {res.n_rounds} rounds", title_justify="left")
    table.add_column("round", justify="right")
    table.add_column("issue")
    stats = list(res.summary)
    for name in stats or ["mean position"]:
        table.add_column(name, justify="right")
    table.add_column("actors moved", justify="right")
    prev = None
    for t in range(res.rounds.shape[0]):
        cur = res.rounds[t]
        for k, iss in enumerate(s.issues):
            vals = (
                [_stat(float(np.asarray(res.summary[n])[t, k])) for n in stats]
                if stats
                else [_stat(float(np.nanmean(cur[:, k])))]
            )
            moved = (
                "" if prev is None else str(int(np.nansum(np.abs(cur[:, k] - prev[:, k]) > 1e-9)))
            )
            table.add_row(str(t), iss.id, *vals, moved)
        prev = cur
    out.print(table)
    out.print(
        "forecast: "
        + ", ".join(
            f"{iss.id} = {_fmt(float(res.forecast[k]), 3)}" for k, iss in enumerate(s.issues)
        )
    )


# -- entry point -------------------------------------------------------------------------


def _add_area_commands() -> None:
    """Commands contributed by other areas of the package."""
    import importlib

    for mod in (
        "detente.analysis.commands",
        "detente.validation.commands",
        "detente.evidence.commands",
        "detente.report.commands",
        "detente.run.commands",
    ):
        importlib.import_module(mod).add_commands(app)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: runs the app and turns detente errors into exit code 2."""
    _add_area_commands()
    try:
        app(args=argv, standalone_mode=True)
    except DetenteError as exc:
        typer.echo(f"detente: error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        name = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        typer.echo(f"detente: error: {name}{exc.strerror or exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("detente: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
