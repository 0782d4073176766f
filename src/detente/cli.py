"""The ``detente`` command line: a thin layer over :mod:`detente.api`.

Every command reports bad input as one line on standard error and exits with code 2.
Options are defined once, in :mod:`detente.cli_options`; each command imports what it
needs when it runs, so that the command line starts at once.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from detente.cli_options import (
    SCENARIO_FORMATS,
    SCENARIO_HELP,
    ForceOpt,
    FormatOpt,
    FullOpt,
    InputFormatOpt,
    OptionalSeedOpt,
    ParamOpt,
    QuietOpt,
    ScenarioArg,
    WhatIfOpt,
    apply_what_if,
    choice_option,
    console,
    count_option,
    emit_frame,
    input_digits,
    is_baseline,
    load_scenario,
    model_params,
    model_title,
    models_option,
    note,
    number,
    probability_option,
    progress,
    resolve_model,
    resolve_models,
    set_quiet,
)
from detente.errors import DetenteError, ParameterError

# Commands defined in other areas of the package: name -> (module, one-line help). A module
# is imported only when one of its commands runs (or its full help is asked for), so that
# ``detente --help`` and ``detente forecast`` do not import what they do not use. Each help
# line is the beginning of the command's docstring (tested).
LAZY_COMMANDS = {
    "alliances": (
        "detente.analysis.commands",
        "Pairwise alignment per issue and overall, how concentrated it is",
    ),
    "pivotal": (
        "detente.analysis.commands",
        "Pivotal actors: the change in each forecast when an actor is removed or moves",
    ),
    "sweep": (
        "detente.run.commands",
        "Monte Carlo over the scenario's uncertainty ranges",
    ),
    "sensitivity": (
        "detente.run.commands",
        "Which inputs the forecasts are most sensitive to",
    ),
    "validate": (
        "detente.validation.commands",
        "Run models on every scorable issue of a data set with outcomes",
    ),
    "extract": (
        "detente.evidence.commands",
        "Read articles into actors, coded events (PLOVER/CAMEO) and stances",
    ),
    "extract-eval": (
        "detente.evidence.commands",
        "Score the event extractor on PLOVER gold-standard records",
    ),
    "report": (
        "detente.report.commands",
        "Write a self-contained report (HTML, or PDF) on a scenario",
    ),
    "serve": (
        "detente.web.commands",
        "Run the local web app",
    ),
}


class _LazyGroup(TyperGroup):
    """The ``detente`` group: commands of :data:`LAZY_COMMANDS` are built on first use."""

    def list_commands(self, ctx):
        names = list(super().list_commands(ctx))
        return names + [n for n in LAZY_COMMANDS if n not in names]

    def get_command(self, ctx, cmd_name):
        cmd = super().get_command(ctx, cmd_name)
        if cmd is None and cmd_name in LAZY_COMMANDS:
            import importlib

            sub = typer.Typer(rich_markup_mode=None, add_completion=False)
            importlib.import_module(LAZY_COMMANDS[cmd_name][0]).add_commands(sub)
            group = typer.main.get_group(sub)
            for name in group.list_commands(ctx):
                self.add_command(group.get_command(ctx, name), name)
            cmd = super().get_command(ctx, cmd_name)
        return cmd

    def format_commands(self, ctx, formatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = super().get_command(ctx, name)
            if cmd is None:
                rows.append((name, LAZY_COMMANDS[name][1]))
            elif not cmd.hidden:
                rows.append((name, cmd.short_help or cmd.get_short_help_str(200)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    cls=_LazyGroup,
    name="detente",
    help="Model, simulate and forecast multilateral negotiations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

WRITABLE = ("yaml", "long-csv", "issue-csv", "ktab-csv", "deu")  # = detente.scenario.WRITABLE


# -- forecast ----------------------------------------------------------------------------


@app.command(short_help="Forecast every issue: the headline, or each model side by side")
def forecast(
    scenario: ScenarioArg = None,
    model: Annotated[
        list[str] | None,
        models_option(
            "Show the per-model table instead of the headline: a model to run (repeatable, "
            "case-insensitive; 'all' for every model that applies to the scenario)."
        ),
    ] = None,
    baselines: Annotated[
        bool | None,
        typer.Option(
            "--baselines/--no-baselines",
            help="With --model: also show the baseline models.",
            show_default=False,
        ),
    ] = None,
    format: FormatOpt = "table",
    param: ParamOpt = None,
    seed: OptionalSeedOpt = None,
    draws: Annotated[
        int,
        count_option(
            "--draws", low=10, high=1_000_000, help="Monte Carlo draws of the input ranges."
        ),
    ] = 500,
    workers: Annotated[
        int,
        count_option(
            "--workers", low=1, high=256, help="Local processes (the same figures for any number)."
        ),
    ] = 1,
    no_agreement: Annotated[
        float | None,
        probability_option(
            "--no-agreement",
            help="P(no agreement) where the forum need not decide (default: the shipped prior).",
        ),
    ] = None,
    input_format: InputFormatOpt = None,
    what_if: WhatIfOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Forecast every issue: the headline (median, 80% interval, chance that nothing
    changes), or with --model each model's forecast side by side."""
    from detente import api

    set_quiet(quiet)
    base = load_scenario(scenario, input_format)
    s = apply_what_if(base, what_if)
    named = resolve_models(model)
    if not named:
        if param:
            raise ParameterError("--param applies to the per-model table: name the models (-m)")
        _forecast_headline(s, format, draws, 0 if seed is None else seed, no_agreement, workers)
        return
    if any(m.strip().lower() == "all" for m in model or []):
        # every model that can run here (those named one by one must run)
        explicit = {n.strip().lower() for n in model or []}
        named = [n for n in named if n in explicit or api.applicable(n, s) is None]
    extra = [n for n in api.default_models(s) if is_baseline(n)] if baselines else []
    names = list(dict.fromkeys(extra + named))
    params = model_params(param, names, chosen=named)
    with progress("forecast"):
        results = api.run_models(s, names, params=params, seed=seed)
        df = api.forecast_frame(s, results)
    df["flag"], df["consensus"] = _model_flags(s, results, df)
    if format != "table":
        emit_frame(df, format, key="forecasts", meta={"scenario": s.id})
        return
    _forecast_table(s, df, names, digits=input_digits(base))


def _model_flags(s, results, df) -> tuple[list[str], list[str]]:
    """Per row of the per-model frame: the words where a dynamic model does not settle; and
    per dynamic model whose actors collapse onto one position, the words for that."""
    from detente.analysis.convergence import consensus, convergence
    from detente.models import get_model

    span = s.to_arrays().span
    words: dict[tuple[str, str], str] = {}
    collapse: dict[str, str] = {}
    for name, res in results.items():
        if not get_model(name).dynamic or res.rounds is None:
            continue
        cons = consensus(res, s.actor_ids, span)
        if cons:
            collapse[name] = cons
        for iss, c in zip(s.issue_ids, convergence(res, span)):
            words[(name, iss)] = c.text if c.flagged else ""
    flags = [words.get((m, i), "") for m, i in zip(df["model"], df["issue"])]
    cons_col = [collapse.get(m, "") for m in df["model"]]
    return flags, cons_col


def _forecast_headline(s, format: str, draws: int, seed: int, no_agreement, workers: int) -> None:
    import json

    import numpy as np
    from rich.table import Table

    from detente.headline import headline, monte_carlo_error

    with progress("forecast"):
        h = headline(s, draws=draws, seed=seed, no_agreement=no_agreement, workers=workers)
    df = h.frame
    if format == "csv":
        sys.stdout.write(df.to_csv(index=False, lineterminator="\n"))
        return
    if format == "json":
        doc = {
            "scenario": s.id,
            "headline": json.loads(df.to_json(orient="records")),
            "members": h.members,
            "notes": h.notes,
        }
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    out = console()
    table = Table(
        title=f"{s.title or s.id}: the forecast per issue",
        title_justify="left",
    )
    for col, just in (
        ("issue", "left"),
        ("forecast (scale)", "left"),
        ("80% interval", "right"),
        ("no change", "right"),
        ("models", "left"),
        ("decided by", "left"),
    ):
        table.add_column(col, justify=just, overflow="fold")
    for _, r in df.iterrows():
        ends = (
            f"{number(r['low'], 0)} {r['low_label'] or 'low'} .. "
            f"{number(r['high'], 0)} {r['high_label'] or 'high'}"
        )
        if np.isfinite(r["status_quo"]):
            sq = f"{100 * r['p_status_quo']:.0f}% (stays at {number(r['status_quo'], 0)})"
        else:
            sq = "— (no status quo)"
        flag = " [!]" if r["flags"] else ""
        table.add_row(
            str(r["issue_name"]) + flag,
            f"{number(r['forecast'])} ({ends})",
            f"{number(r['q10'])} to {number(r['q90'])}",
            sq,
            str(r["agreement"]),
            str(r["rule"]) + ("" if r["must_decide"] else "; may end with nothing"),
        )
        if not r["must_decide"] and np.isfinite(r["forecast_if_agreement"]):
            p_a = r["p_status_quo_if_agreement"]
            table.add_row(
                "",
                f"if they agree: {number(r['forecast_if_agreement'])}",
                f"{number(r['q10_if_agreement'])} to {number(r['q90_if_agreement'])}",
                f"{100 * p_a:.0f}%" if np.isfinite(p_a) else "—",
                "",
                "",
                style="dim",
            )
    out.print(table)
    flagged = df[df["flags"] != ""]
    if len(flagged) or h.consensus:
        out.print("[bold][!] Dynamic models: cycles, drift, collapse[/bold]")
        for _, r in flagged.iterrows():
            out.print(f"  {r['issue_name']}: {r['flags']}", soft_wrap=True)
        for m, text in h.consensus.items():
            out.print(f"  {model_title(m)}: {text}", soft_wrap=True)
    se_q, se_p = monte_carlo_error(df)
    se_p = 0.0 if np.isnan(se_p) else se_p
    out.print(
        f"Monte Carlo: {draws} draws of the input ranges, seed {seed}; standard error at most "
        f"{se_q:.2f} points on a forecast or interval end, {100 * se_p:.1f} points on a chance.",
        soft_wrap=True,
    )
    members = ", ".join(f"{model_title(m)} {w:.2f}" for m, w in h.members.items())
    out.print(
        f"Ensemble fitted on the DEU III development half (docs/headline.md): {members}.",
        soft_wrap=True,
    )
    for text in h.notes:
        out.print(text, soft_wrap=True)
    out.print("Each model's forecast: detente forecast --models all", soft_wrap=True)


def _forecast_table(s, df, names: list[str], *, digits: int) -> None:
    from rich.table import Table

    from detente import api

    out = console()
    table = Table(title=f"{s.title or s.id}: forecasts per issue", title_justify="left")
    table.add_column("issue", style="bold")
    for n in names:
        table.add_column(model_title(n), justify="right")
    for iss in s.issues:
        sub = df[df["issue"] == iss.id].set_index("model")["forecast"]
        table.add_row(iss.label, *[number(sub.get(n), digits) for n in names])
    out.print(table)
    out.print("[bold]Scales[/bold]")
    for iss in s.issues:
        out.print(f"  {iss.label}: {iss.scale.describe()}", soft_wrap=True)
    out.print("[bold]Models[/bold]")
    for n in names:
        out.print(f"  {n}: {api.get_model(n).title}", soft_wrap=True)
    flagged = df[df["flag"] != ""]
    collapse = {m: t for m, t in zip(df["model"], df["consensus"]) if t}
    if len(flagged) or collapse:
        out.print("[bold][!] Dynamic models: cycles, drift, collapse[/bold]")
        for _, r in flagged.iterrows():
            out.print(
                f"  {model_title(r['model'])} on {r['issue_name']}: {r['flag']}", soft_wrap=True
            )
        for m, text in collapse.items():
            out.print(f"  {model_title(m)}: {text}", soft_wrap=True)
    for m in api.default_models(None):
        why = None if m in names else api.applicable(m, s)
        if why is not None:
            out.print(f"  ({model_title(m)} does not run here: {why})", soft_wrap=True)


# -- scenarios, models, show, convert, validate-scenario ----------------------------------


@app.command(short_help="List the embedded scenarios")
def scenarios(format: FormatOpt = "table") -> None:
    """List the embedded scenarios."""
    from detente.scenario import DEFAULT_SCENARIO, embedded_names, load

    rows = []
    for name in embedded_names():
        s = load(name)
        rows.append(
            {
                "name": name,
                "title": s.title or "",
                "date": str(s.date or ""),
                "actors": len(s.actors),
                "issues": len(s.issues),
                "default": name == DEFAULT_SCENARIO,
            }
        )
    if format != "table":
        import pandas as pd

        emit_frame(pd.DataFrame(rows), format, key="scenarios")
        return
    from rich.table import Table

    table = Table(title="Embedded scenarios", title_justify="left")
    for col in ("name", "title", "date", "actors", "issues"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["name"] + (" (default)" if r["default"] else ""),
            r["title"],
            r["date"],
            str(r["actors"]),
            str(r["issues"]),
        )
    console().print(table)


@app.command(short_help="List the models, or one model's parameters")
def models(
    name: Annotated[
        str | None,
        typer.Argument(help="A model: list its parameters with defaults and meanings."),
    ] = None,
    format: FormatOpt = "table",
) -> None:
    """List the registered models, or one model's parameters (detente models NAME)."""
    from detente import api

    if name is not None:
        _model_detail(resolve_model(name), format)
        return
    df = api.models_table()
    df.insert(1, "name", [model_title(m) for m in df["model"]])
    if format != "table":
        emit_frame(df, format, key="models")
        return
    from rich.table import Table

    table = Table(
        title="Models",
        title_justify="left",
        caption="detente models NAME lists a model's parameters",
        caption_justify="left",
    )
    for col in ("model", "name", "kind", "description"):
        table.add_column(col, overflow="fold")
    for _, r in df.iterrows():
        kind = "baseline" if r["baseline"] else ("dynamic" if r["dynamic"] else "static")
        table.add_row(r["model"], r["title"], kind, r["description"])
    console().print(table)


def _model_detail(name: str, format: str) -> None:
    from detente import api

    spec = api.get_model(name)
    df = api.parameters_table(name)
    if format != "table":
        emit_frame(df, format, key="parameters", meta={"model": name, "title": spec.title})
        return
    from rich.table import Table

    out = console()
    kind = "baseline" if spec.baseline else ("dynamic" if spec.dynamic else "static")
    out.print(f"[bold]{spec.title}[/bold] ({name}, {kind})")
    if spec.description:
        out.print(spec.description, soft_wrap=True)
    if df.empty:
        out.print("No parameters.")
        return
    table = Table(
        title=f"Parameters (set with --param {name}.NAME=VALUE)",
        title_justify="left",
        show_lines=True,
    )
    for col in ("parameter", "default", "values", "meaning"):
        table.add_column(col, overflow="fold")
    for _, r in df.iterrows():
        table.add_row(r["parameter"], r["default"], r["values"], r["meaning"])
    out.print(table)
    if spec.presets:
        out.print("presets (--preset): " + ", ".join(sorted(spec.presets)))


@app.command(short_help="Print a scenario's actors, issues and positions")
def show(
    scenario: ScenarioArg = None,
    evidence: Annotated[
        bool, typer.Option("--evidence", help="Also show the evidence behind every value.")
    ] = False,
    input_format: InputFormatOpt = None,
    format: FormatOpt = "table",
) -> None:
    """Print a scenario's actors, issues and positions (with --evidence, their sources)."""
    s = load_scenario(scenario, input_format)
    if format != "table":
        _show_data(s, format)
        return
    from rich.table import Table

    from detente.scenario.describe import decision_text, evidence_text, value_text

    out = console()
    out.print(f"[bold]{s.title or s.id}[/bold] ({s.id})" + (f", {s.date}" if s.date else ""))
    if s.description:
        out.print(s.description)
    if s.sources and evidence:
        st = Table(title="Sources", title_justify="left")
        for col in ("source", "publication", "date", "file"):
            st.add_column(col)
        for src in s.sources:
            st.add_row(src.id, src.publication or "", str(src.date or ""), src.file or "")
        out.print(st)
    at = Table(title="Actors", title_justify="left")
    for col in ("actor", "kind", "capability"):
        at.add_column(col)
    if evidence:
        at.add_column("evidence", overflow="fold")
    for a in s.actors:
        row = [a.label, a.kind.value.replace("_", " "), value_text(a.capability)]
        if evidence:
            row.append(evidence_text(s, a.capability, with_file=True))
        at.add_row(*row)
    out.print(at)
    it = Table(title="Issues", title_justify="left")
    for col in ("issue", "scale", "status quo", "decided by"):
        it.add_column(col, overflow="fold")
    for iss in s.issues:
        it.add_row(iss.label, iss.scale.describe(), value_text(iss.status_quo), decision_text(iss))
    out.print(it)
    if not evidence:
        _positions_table(s)
        out.print(
            "each cell: position (salience); detente show --evidence gives the ranges and "
            "the sources of every value",
            soft_wrap=True,
            markup=False,
        )
        return
    for iss in s.issues:
        t = Table(title=f"{iss.label} ({iss.scale.describe()})", title_justify="left")
        for col in ("actor", "position", "salience", "evidence"):
            t.add_column(col, overflow="fold" if col == "evidence" else "ellipsis")
        for a in s.actors:
            stn = s.stance(a.id, iss.id)
            if stn is None:
                continue
            t.add_row(
                a.label,
                value_text(stn.position),
                value_text(stn.salience),
                evidence_text(s, stn.position, with_file=True)
                + " | salience: "
                + evidence_text(s, stn.salience, with_file=True),
            )
        out.print(t)


def _positions_table(s) -> None:
    """One table of positions: a row per actor, a column per issue (position / salience)."""
    from rich.table import Table

    t = Table(title="Positions (salience)", title_justify="left")
    t.add_column("actor", style="bold")
    for iss in s.issues:
        t.add_column(iss.label, justify="right", overflow="fold")
    for a in s.actors:
        cells = []
        for iss in s.issues:
            stn = s.stance(a.id, iss.id)
            cells.append("—" if stn is None else f"{stn.position.value:g} ({stn.salience.value:g})")
        t.add_row(a.label, *cells)
    console().print(t)


def _show_data(s, format: str) -> None:
    """A scenario as CSV (the long layout, ids) or JSON (the YAML layout)."""
    import json

    import yaml

    from detente.scenario.io import scenario_to_text

    if format == "csv":
        sys.stdout.write(scenario_to_text(s, "long-csv"))
        return
    data = yaml.safe_load(scenario_to_text(s, "yaml"))
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@app.command(short_help="Convert a scenario between formats")
def convert(
    source: Annotated[str, typer.Argument(help="Input scenario (file or embedded name).")],
    target: Annotated[
        Path, typer.Argument(help="Output file; its format from the extension or --format.")
    ],
    input_format: InputFormatOpt = None,
    format: Annotated[
        str | None,
        choice_option(
            "--format",
            "-f",
            choices=WRITABLE,
            help="The output file's format: "
            + ", ".join(WRITABLE)
            + " (default: from the extension).",
        ),
    ] = None,
    quiet: QuietOpt = False,
    force: ForceOpt = False,
) -> None:
    """Convert a scenario between formats (YAML, long CSV, one-issue CSV, KTAB CSV, DEU row)."""
    from detente.files import set_force
    from detente.scenario.io import atomic_write_text, format_for_output, scenario_to_text

    set_force(force)
    set_quiet(quiet)
    s = load_scenario(source, input_format)
    fmt = format_for_output(target, format)
    atomic_write_text(target, scenario_to_text(s, fmt))
    note(f"wrote {target} ({fmt}: {len(s.actors)} actors, {len(s.issues)} issues)")


@app.command("validate-scenario", short_help="Check a scenario file: every problem, one a line")
def validate_scenario(
    file: Annotated[str, typer.Argument(help="The scenario file to check.")],
    input_format: InputFormatOpt = None,
) -> None:
    """Check a scenario file and report every problem, one per line."""
    from detente.errors import ScenarioError
    from detente.scenario.io import read_scenario

    try:
        s = read_scenario(file, format=input_format)
    except ScenarioError as exc:
        for p in exc.problems:
            typer.echo(str(p), err=True)
        n = len(exc.problems)
        typer.echo(f"{file}: {n} problem{'s' if n != 1 else ''}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{file}: valid ({len(s.actors)} actors, {len(s.issues)} issues, {len(s.stances)} stances)"
    )


# -- simulate ----------------------------------------------------------------------------


@app.command(short_help="Run a dynamic model round by round")
def simulate(
    scenario: ScenarioArg = None,
    model: Annotated[
        str, typer.Option("--model", "-m", help="A dynamic model (eum, smp), case-insensitive.")
    ] = "eum",
    rounds: Annotated[
        int | None, count_option("--rounds", low=1, help="Maximum number of rounds.")
    ] = None,
    param: ParamOpt = None,
    preset: Annotated[
        str | None, typer.Option("--preset", help="A named parameter preset.")
    ] = None,
    seed: OptionalSeedOpt = None,
    history: Annotated[
        Path | None,
        typer.Option("--history", help="Write round,actor,issue,position,... as CSV."),
    ] = None,
    probabilities: Annotated[
        Path | None, typer.Option("--probabilities", help="Write round,actor,probability as CSV.")
    ] = None,
    events: Annotated[
        Path | None, typer.Option("--events", help="Write the events as CSV.")
    ] = None,
    input_format: InputFormatOpt = None,
    what_if: WhatIfOpt = None,
    format: FormatOpt = "table",
    full: FullOpt = False,
    quiet: QuietOpt = False,
    force: ForceOpt = False,
) -> None:
    """Run a dynamic model round by round; print a summary and write the history."""
    from detente import api
    from detente.files import set_force

    set_force(force)

    set_quiet(quiet)
    name = resolve_model(model)
    spec = api.get_model(name)
    if not spec.dynamic:
        raise ParameterError(f"--model {name} is static; simulate runs dynamic models")
    base = load_scenario(scenario, input_format)
    s = apply_what_if(base, what_if)
    params = model_params(param, [name]).get(name, {})
    if rounds is not None:
        if "rounds" not in spec.params.model_fields:
            raise ParameterError(f"--rounds: model {name!r} has no round limit")
        from detente.limits import check_count

        check_count("rounds", rounds)
        params["rounds"] = str(rounds)
    if events is None and "record" in spec.params.model_fields and "record" not in params:
        preset_values = spec.presets.get(preset, {}) if preset else {}
        if "record" not in preset_values:
            params["record"] = "none"  # no event log unless --events asks for it (faster)
    with progress(f"simulate: {name}"):
        res = api.run_model(s, name, spec.make_params(params, preset=preset), seed=seed)
    # Build every output before writing any, so a failure leaves no partial set of files.
    frames = []
    if history is not None:
        frames.append((history, api.history_frame(s, res)))
    if probabilities is not None:
        frames.append((probabilities, api.probabilities_frame(s, res)))
    if events is not None:
        frames.append((events, api.events_frame(res)))
    if frames:
        from detente.scenario.io import atomic_write_text

        for path, df in frames:
            atomic_write_text(path, df.to_csv(index=False, lineterminator="\n"))
    if format != "table":
        emit_frame(
            api.summary_frame(s, res),
            format,
            key="rounds",
            meta={
                "scenario": s.id,
                "model": name,
                "forecast": {
                    k: (float(v) if math.isfinite(v) else None)
                    for k, v in zip(s.issue_ids, res.forecast)
                },
            },
        )
    else:
        _simulate_table(s, res, input_digits(base), full=full)
    if frames:
        note("wrote " + ", ".join(str(p) for p, _ in frames))


def _simulate_table(s, res, digits: int, *, full: bool = False) -> None:
    import numpy as np
    from rich.table import Table

    stats = list(res.summary)
    out = console()
    if not full:
        # One row per round, one column per issue: the model's headline statistic.
        stat = stats[0] if stats else None
        table = Table(
            title=f"{model_title(res.model)} on {s.title or s.id}: {res.n_rounds} rounds"
            + (f" ({stat.replace('_', ' ')} per round)" if stat else " (mean position)"),
            title_justify="left",
            caption="--full: every statistic per round and issue, and how many actors moved",
            caption_justify="left",
        )
        table.add_column("round", justify="right")
        for iss in s.issues:
            table.add_column(iss.label, justify="right")
        for t in range(res.rounds.shape[0]):
            vals = [
                _stat(float(np.asarray(res.summary[stat])[t, k]), digits)
                if stat
                else number(float(np.nanmean(res.rounds[t][:, k])), digits)
                for k in range(len(s.issues))
            ]
            table.add_row(str(t), *vals)
        out.print(table)
    else:
        table = Table(
            title=f"{model_title(res.model)} on {s.title or s.id}: {res.n_rounds} rounds",
            title_justify="left",
        )
        table.add_column("round", justify="right")
        table.add_column("issue")
        for stat in stats or ["mean position"]:
            table.add_column(stat.replace("_", " "), justify="right")
        table.add_column("actors moved", justify="right")
        prev = None
        for t in range(res.rounds.shape[0]):
            cur = res.rounds[t]
            for k, iss in enumerate(s.issues):
                vals = (
                    [_stat(float(np.asarray(res.summary[n])[t, k]), digits) for n in stats]
                    if stats
                    else [number(float(np.nanmean(cur[:, k])), digits)]
                )
                moved = (
                    ""
                    if prev is None
                    else str(int(np.nansum(np.abs(cur[:, k] - prev[:, k]) > 1e-9)))
                )
                table.add_row(str(t), iss.label, *vals, moved)
            prev = cur
        out.print(table)
    out.print(
        "forecast: "
        + "; ".join(
            f"{iss.label} {number(float(res.forecast[k]), digits)}"
            for k, iss in enumerate(s.issues)
        ),
        soft_wrap=True,
    )
    from detente.analysis.convergence import consensus, convergence

    span = s.to_arrays().span
    for iss, c in zip(s.issues, convergence(res, span)):
        if c.flagged:
            out.print(f"[!] {iss.label}: {model_title(res.model)} {c.text}", soft_wrap=True)
    cons = consensus(res, s.actor_ids, span)
    if cons:
        out.print(f"[!] {model_title(res.model)}: {cons}", soft_wrap=True)


def _stat(v: float, digits: int) -> str:
    import math

    if math.isfinite(v) and float(v).is_integer() and abs(v) < 1e9:
        return str(int(v))
    return number(v, digits)


# -- entry point -------------------------------------------------------------------------


def _add_area_commands() -> None:
    """Add every command of :data:`LAZY_COMMANDS` to ``app`` now (for tests and tools that
    want the whole command line built; :func:`main` builds each command when it runs)."""
    import importlib

    for mod in dict.fromkeys(m for m, _ in LAZY_COMMANDS.values()):
        importlib.import_module(mod).add_commands(app)


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def cli_message(exc: DetenteError) -> str:
    """The error's message on one line, speaking of the command-line option where the library
    speaks of the parameter (``runs must be ...`` -> ``--runs must be ...``).

    >>> cli_message(ParameterError("chunk_size must be at least 1, got 0", param="chunk_size"))
    '--chunk-size must be at least 1, got 0'
    """
    msg = _one_line(exc)
    if not exc.param:
        return msg
    flag = "--" + exc.param.replace("_", "-")
    if msg.startswith(exc.param + " "):
        return flag + msg[len(exc.param) :]
    return f"{flag}: {msg}"


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """Let numpy's linear algebra library use one thread, unless the user has said otherwise.

    The models multiply small matrices, where a second BLAS thread saves nothing, and detente
    runs in parallel over processes (``--workers``, the server's pool), where BLAS threads
    in every process would compete for the same cores. Starting OpenBLAS's threads also costs
    a command about 0.1 s of CPU time before it has done anything. Set before numpy is
    imported (no command imports it before this runs); a value already in the environment
    is kept.
    """
    import os

    if "numpy" not in sys.modules:
        for var in BLAS_THREADS:
            os.environ.setdefault(var, "1")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: runs the app; bad input of any kind (an option value, a file, a
    scenario) is one line on standard error and exit code 2."""
    try:  # typer vendors click from 0.2x on
        from typer._click import exceptions as click
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions as click

    set_quiet(False)  # each run starts loud; --quiet silences it
    one_blas_thread()
    try:
        rc = app(args=argv, standalone_mode=False, prog_name="detente")
    except click.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else "")
        sys.exit(0)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "detente"
        typer.echo(
            f"detente: error: {_one_line(exc.format_message())} (see {where} --help)", err=True
        )
        sys.exit(2)
    except click.ClickException as exc:
        typer.echo(f"detente: error: {_one_line(exc.format_message())}", err=True)
        sys.exit(2)
    except DetenteError as exc:
        typer.echo(f"detente: error: {cli_message(exc)}", err=True)
        sys.exit(2)
    except OSError as exc:
        name = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        typer.echo(f"detente: error: {name}{exc.strerror or exc}", err=True)
        sys.exit(2)
    except (KeyboardInterrupt, typer.Abort):
        typer.echo("detente: interrupted", err=True)
        sys.exit(130)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()

__all__ = ["SCENARIO_FORMATS", "SCENARIO_HELP", "app", "main"]
