"""The ``detente alliances`` and ``detente pivotal`` commands.

:func:`add_commands` adds them to the ``detente`` typer app; the CLI calls it when it
starts. Both commands accept ``--what-if PATCH`` to analyse a patched scenario. Options are
those of :mod:`detente.cli_options`; numpy, pandas and rich are imported when a command runs.

Alignment is shown on one scale everywhere (terminal, page, report): see
:data:`ALIGNMENT_EXPLAINED`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from detente.cli_options import (
    ForceOpt,
    FormatOpt,
    FullOpt,
    InputFormatOpt,
    QuietOpt,
    ScenarioArg,
    SeedOpt,
    WhatIfOpt,
    choice_option,
    load_scenario,
    model_title,
    models_option,
    note,
    number_option,
    probability_option,
    progress,
    resolve_model,
    resolve_models,
    set_quiet,
)
from detente.errors import ParameterError
from detente.files import set_force

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

FORMATS = ("table", "json", "csv")
WEIGHTINGS = ("geometric", "min", "mean", "equal")  # = detente.analysis.alliances.WEIGHTINGS

#: The one definition of alignment the terminal, the page and the report use.
ALIGNMENT_EXPLAINED = (
    "Alignment runs from −1 to 1: 1 means two actors take the same positions on the issues "
    "they share, −1 that they stand at opposite ends of every scale, 0 that they are half a "
    "scale apart on average; each issue counts by how much both care about it (salience)."
)

OutOpt = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write the json or csv output to this file.")
]


def _console():
    from rich.console import Console

    return Console(
        highlight=False, emoji=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200
    )


def _f(v: Any, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"{v:.{digits}f}"


def _signed(v: Any, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    if abs(v) < 0.5 * 10**-digits:
        return f"{0:.{digits}f}"
    return f"{v:+.{digits}f}"


def _out_format(format: str, out: Path) -> str:
    if format != "table":
        return format
    return "json" if out.suffix.lower() == ".json" else "csv"


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(df.to_json(orient="records"))


def _emit(text: str, out: Path | None) -> None:
    from detente.scenario.io import atomic_write_text

    if out is None:
        sys.stdout.write(text)
    else:
        atomic_write_text(out, text)


def _parse_groups(items: list[str] | None, issues: tuple[str, ...]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(f"--group takes NAME=ISSUE,ISSUE..., got {item!r}")
        name, members = item.split("=", 1)
        ids = [m.strip() for m in members.split(",") if m.strip()]
        bad = [m for m in ids if m not in issues]
        if not name.strip() or not ids:
            raise ParameterError(f"--group takes NAME=ISSUE,ISSUE..., got {item!r}")
        if bad:
            raise ParameterError(
                f"--group {name}: unknown issue(s) {', '.join(bad)} (known: {', '.join(issues)})"
            )
        groups[name.strip()] = ids
    return groups


def _parse_actors(raw: str | None, actors: tuple[str, ...]) -> list[str] | None:
    if not raw:
        return None
    ids = [a.strip() for a in raw.split(",") if a.strip()]
    bad = [a for a in ids if a not in actors]
    if bad:
        raise ParameterError(
            f"--actors: unknown actor(s) {', '.join(bad)} (known: {', '.join(actors)})"
        )
    return ids


def parse_settle(item: str, scenario) -> dict[str, Any]:
    """``ISSUE=ACTOR`` (settle at the actor's position), ``ISSUE=NUMBER`` (at a value) or
    ``ISSUE=remove`` (drop the issue), as keyword arguments of
    :func:`detente.analysis.alliances.settle`."""
    if "=" not in item:
        raise ParameterError(
            f"--settle takes ISSUE=ACTOR, ISSUE=VALUE or ISSUE=remove, got {item!r}"
        )
    issue, target = (p.strip() for p in item.split("=", 1))
    if issue not in scenario.issue_ids:
        raise ParameterError(
            f"--settle {item}: unknown issue {issue!r} (known: {', '.join(scenario.issue_ids)})"
        )
    if target in scenario.actor_ids:
        return {"issue": issue, "at_actor": target}
    if target == "remove":
        return {"issue": issue, "remove": True}
    try:
        value = float(target)
    except ValueError:
        raise ParameterError(
            f"--settle {item}: {target!r} is neither an actor "
            f"(known: {', '.join(scenario.actor_ids)}), a number nor "
            "'remove'"
        ) from None
    return {"issue": issue, "value": value}


def _pair_mask(df: pd.DataFrame, actors: list[str] | None) -> pd.Series:
    import pandas as pd

    if not actors:
        return pd.Series(True, index=df.index)
    return df["actor_a"].isin(actors) & df["actor_b"].isin(actors)


# -- alliances ---------------------------------------------------------------------------


def alliances_command(
    scenario: ScenarioArg = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Model whose coalitions to show (case-insensitive; default: eum or smp "
            "when registered and applicable, else compromise).",
        ),
    ] = None,
    settle: Annotated[
        list[str] | None,
        typer.Option(
            "--settle",
            help="'Aim reached' shock: ISSUE=ACTOR settles the issue at the actor's "
            "position, ISSUE=VALUE at a value, ISSUE=remove drops it (repeatable).",
        ),
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option(
            "--group",
            "-g",
            help="NAME=ISSUE,ISSUE,...: also show each pair's alignment over "
            "this group of issues (repeatable).",
        ),
    ] = None,
    actors: Annotated[
        str | None,
        typer.Option("--actors", "-a", help="Comma-separated actors: show only pairs among them."),
    ] = None,
    weighting: Annotated[
        str,
        choice_option(
            "--weighting",
            choices=WEIGHTINGS,
            help="Issue weight of a pair: geometric (sqrt(s_i s_j)), min, mean or equal.",
        ),
    ] = "geometric",
    tol: Annotated[
        float,
        probability_option("--tol", help="Clustering tolerance (fraction of the scale, 0-1)."),
    ] = 0.1,
    redistribute: Annotated[
        bool,
        typer.Option(
            "--redistribute",
            help="With --settle: spread the settled issue's salience over each "
            "actor's open issues.",
        ),
    ] = False,
    what_if: WhatIfOpt = None,
    format: FormatOpt = "table",
    out: OutOpt = None,
    seed: SeedOpt = 0,
    input_format: InputFormatOpt = None,
    full: FullOpt = False,
    quiet: QuietOpt = False,
    force: ForceOpt = False,
) -> None:
    """Pairwise alignment per issue and overall, how concentrated it is, the coalitions a
    model produces, and what "aim reached" shocks change."""
    set_force(force)
    from detente.analysis.alliances import alignment, coalitions
    from detente.analysis.alliances import settle as do_settle

    set_quiet(quiet)
    s = load_scenario(scenario, input_format, what_if)
    name = resolve_model(model) if model else None
    groups = _parse_groups(group, s.issue_ids)
    chosen = _parse_actors(actors, s.actor_ids)
    shocks_args = [parse_settle(item, s) for item in settle or []]
    al = alignment(s, weighting=weighting, signed=True)  # type: ignore[arg-type]
    pairs = al.pairs_frame(groups)
    with progress("coalitions and shocks"):
        co = coalitions(s, name, seed=seed, tol=tol, weighting=weighting)  # type: ignore[arg-type]
        shocks = [
            do_settle(s, redistribute=redistribute, weighting=weighting, seed=seed, **kw)
            for kw in shocks_args
        ]  # type: ignore[arg-type]
    # the shocks report 0..1 alignments: put them on the one scale
    shocks = [dataclasses.replace(sh, pairs=_signed_pairs(sh.pairs)) for sh in shocks]
    titles = [_shock_title(s, sh, kw) for sh, kw in zip(shocks, shocks_args)]
    keep = _pair_mask(pairs, chosen)
    pairs = pairs[keep].reset_index(drop=True)
    if format == "table":
        _alliances_tables(s, al, pairs, groups, co, shocks, chosen, full=full, titles=titles)
    if out is not None or format != "table":
        fmt = _out_format(format, out) if out is not None else format
        _emit(_alliances_text(s, al, pairs, co, shocks, chosen, fmt), out)
        if out is not None:
            note(f"wrote {out}")


def _shock_title(s, sh, kw: dict) -> str:
    """A shock in words: ``Kurdish self-rule settled at Turkey's position (5)``."""
    issue = s.issue(sh.issue).label if sh.issue in s.issue_ids else sh.issue
    if kw.get("remove"):
        return f"{issue} removed"
    if kw.get("at_actor"):
        return f"{issue} settled at {s.actor(kw['at_actor']).label}'s position ({sh.value:g})"
    return f"{issue} settled at {sh.value:g}"


def _signed_pairs(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for col in ("before", "after"):
        if col in df:
            df[col] = 2.0 * df[col] - 1.0
    if "change" in df:
        df["change"] = 2.0 * df["change"]
    return df


def _alliances_text(s, al, pairs: pd.DataFrame, co, shocks, chosen, fmt: str) -> str:
    import numpy as np

    if fmt == "csv":
        df = pairs.copy()
        for sh in shocks:
            after = sh.pairs.set_index(["actor_a", "actor_b"])["after"]
            df[f"after:{sh.label}"] = [
                after.get((a, b), np.nan) for a, b in zip(df["actor_a"], df["actor_b"])
            ]
        return df.to_csv(index=False, lineterminator="\n")
    data = {
        "scenario": s.id,
        "weighting": al.weighting,
        "definitions": {
            "alignment": "a_ijk = 1 - 2 |x_ik - x_jk| / (high_k - low_k), from -1 to 1",
            "explained": ALIGNMENT_EXPLAINED,
            "weight": {
                "geometric": "sqrt(s_ik s_jk)",
                "min": "min(s_ik, s_jk)",
                "mean": "(s_ik + s_jk) / 2",
                "equal": "1",
            }[al.weighting],
            "overall": "sum_k w_ijk a_ijk / sum_k w_ijk",
            "concentration": "Gini of a_ijk over the pair's shared issues / ((m - 1) / m)",
        },
        "excluded_issues": list(al.excluded),
        "pairs": _records(pairs),
        "coalitions": {
            "model": co.model,
            "dynamic": co.dynamic,
            "rounds": co.rounds,
            "tol": co.tol,
            "forecast": {
                k: (float(v) if np.isfinite(v) else None) for k, v in zip(s.issue_ids, co.forecast)
            },
            "actors": _records(co.actors),
            "positions": _records(co.positions),
        },
        "shocks": [
            {
                "label": sh.label,
                "issue": sh.issue,
                "value": sh.value,
                "pairs": _records(sh.pairs[_pair_mask(sh.pairs, chosen)]),
                "forecasts": _records(sh.forecasts),
            }
            for sh in shocks
        ],
    }
    return json.dumps(data, indent=2) + "\n"


def _pair_label(s, a: str, b: str) -> str:
    return f"{s.actor(a).label} – {s.actor(b).label}"


def _alliances_tables(
    s, al, pairs: pd.DataFrame, groups, co, shocks, chosen, *, full: bool = False, titles=None
) -> None:
    import numpy as np
    from rich.markup import escape
    from rich.table import Table

    con = _console()
    wdesc = {
        "geometric": "sqrt(s_i s_j)",
        "min": "min(s_i, s_j)",
        "mean": "(s_i + s_j)/2",
        "equal": "1",
    }[al.weighting]
    shown = pairs if (full or chosen) else pairs.head(10)
    t = Table(
        title=f"{s.title or s.id}: pairwise alignment"
        + ("" if len(shown) == len(pairs) else f" (the {len(shown)} most aligned pairs)"),
        title_justify="left",
        caption=(
            ALIGNMENT_EXPLAINED
            + f" Overall: the mean over issues weighted by {wdesc}. Concentration: 0 = "
            "equally aligned on every shared issue, 1 = all agreement on one issue (an "
            "alliance of convenience)."
            + (f" Settled issues left out: {', '.join(al.excluded)}." if al.excluded else "")
            + ("" if full or len(shown) == len(pairs) else " --full shows every pair and issue.")
        ),
        caption_justify="left",
    )
    t.add_column("pair", style="bold")
    t.add_column("alignment", justify="right")
    t.add_column("concentration", justify="right")
    issues = [k for k in s.issue_ids if k not in al.excluded]
    if full:
        for k in issues:
            t.add_column(s.issue(k).label, justify="right")
    else:
        t.add_column("most aligned on")
        t.add_column("least aligned on")
    for g in groups:
        t.add_column(escape(f"[{g}]"), justify="right")
    for _, r in shown.iterrows():
        detail = (
            [_f(r[f"align:{k}"]) for k in issues]
            if full
            else [
                s.issue(r["best_issue"]).label if r["best_issue"] else "—",
                s.issue(r["worst_issue"]).label if r["worst_issue"] else "—",
            ]
        )
        t.add_row(
            _pair_label(s, r["actor_a"], r["actor_b"]),
            _f(r["alignment"]),
            _f(r["concentration"]),
            *detail,
            *[_f(r[f"group:{g}"]) for g in groups],
        )
    con.print(t)
    if groups:
        con.print(
            escape("groups: " + "; ".join(f"[{g}] = {', '.join(m)}" for g, m in groups.items()))
        )

    # coalitions
    title = f"Coalitions: {model_title(co.model)} ({co.model})" + (
        f", {co.rounds} rounds" if co.dynamic else ", static: nobody moves"
    )
    ct = Table(
        title=title,
        title_justify="left",
        caption=(
            f"coalition: actors chained by an alignment of at least {1 - 2 * co.tol:g} at "
            "the end positions; moved: salience-weighted mean distance travelled (fraction of "
            "scale); toward: of the actors whose initial positions it got closer to, the one it "
            "ended nearest (how much closer, fraction of scale); off forecast: "
            "salience-weighted mean distance from the forecast"
        ),
        caption_justify="left",
    )
    for col in ("actor", "coalition partners", "moved", "toward", "off forecast"):
        ct.add_column(col, justify="right" if col in ("moved", "off forecast") else "left")

    def names(ids: str) -> str:
        parts = [p.strip() for p in str(ids or "").split(",") if p.strip()]
        return ", ".join(s.actor(p).label if p in s.actor_ids else p for p in parts) or "—"

    for _, r in co.actors.iterrows():
        if chosen and r["actor"] not in chosen:
            continue
        toward = f"{s.actor(r['toward']).label} ({r['toward_gain']:.2f})" if r["toward"] else "—"
        ct.add_row(
            s.actor(r["actor"]).label,
            names(r["partners"]),
            _f(r["moved"]),
            toward,
            _f(r["distance_to_forecast"]),
        )
    con.print(ct)
    for name, why in co.extras.get("skipped", {}).items():
        con.print(escape(f"note: {name} was not used: {why}"))
    it = Table(
        title="Where actors end, per issue (groups within "
        f"{co.tol:g} of the scale; * = the group with the forecast)",
        title_justify="left",
    )
    it.add_column("issue", style="bold")
    it.add_column("forecast", justify="right")
    it.add_column("groups, low end of the scale first", overflow="fold")
    pos = co.positions
    for k, iid in enumerate(s.issue_ids):
        sub = pos[pos["issue"] == iid]
        parts = []
        for _c, g in sub.groupby("cluster", sort=True):
            mark = "*" if g["with_forecast"].any() else ""
            lo, hi = g["end"].min(), g["end"].max()
            where = f"{lo:.0f}" if abs(hi - lo) < 0.5 else f"{lo:.0f}–{hi:.0f}"
            who = ", ".join(s.actor(a).label for a in g["actor"])
            parts.append(escape(f"{mark}[{who}] @{where}"))
        label = s.issue(iid).label + (" (settled)" if iid in al.excluded else "")
        it.add_row(label, _f(float(co.forecast[k]), 1), "  ".join(parts))
    con.print(it)

    for n, sh in enumerate(shocks):
        label = titles[n] if titles else sh.label
        st = Table(
            title=f"Aim reached: {label}",
            title_justify="left",
            caption="alignment (−1 to 1) over the issues still open; the settled issue is left out",
            caption_justify="left",
        )
        for col in ("pair", "before", "after", "change", "concentration before", "after "):
            st.add_column(col, justify="left" if col == "pair" else "right")
        df = sh.pairs[_pair_mask(sh.pairs, chosen)]
        df = df.reindex(df["change"].abs().sort_values(ascending=False).index)
        if not chosen and not full:
            df = df.head(15)
        for _, r in df.iterrows():
            st.add_row(
                _pair_label(s, r["actor_a"], r["actor_b"]),
                _f(r["before"]),
                _f(r["after"]),
                _signed(r["change"], 2),
                _f(r["concentration_before"]),
                _f(r["concentration_after"]),
            )
        con.print(st)
        fc = sh.forecasts
        models = list(dict.fromkeys(fc["model"]))
        ft = Table(title=f"Forecasts after: {label} (before → after)", title_justify="left")
        ft.add_column("issue", style="bold")
        for m in models:
            ft.add_column(model_title(m), justify="right")
        for iid in dict.fromkeys(fc["issue"]):
            cells = []
            for m in models:
                r = fc[(fc["model"] == m) & (fc["issue"] == iid)].iloc[0]
                if not np.isfinite(r["after"]):
                    cells.append(f"{_f(r['before'], 1)} → —")
                elif abs(r["change"]) < 0.05:
                    cells.append(_f(r["before"], 1))
                else:
                    cells.append(f"{_f(r['before'], 1)} → {_f(r['after'], 1)}")
            label = s.issue(iid).label if iid in s.issue_ids else iid
            ft.add_row(label, *cells)
        con.print(ft)
        for name, why in sh.skipped.items():
            con.print(escape(f"note: {name} was left out: {why}"))


# -- pivotal -----------------------------------------------------------------------------


def pivotal_command(
    scenario: ScenarioArg = None,
    model: Annotated[
        list[str] | None,
        models_option(
            "A model (repeatable, case-insensitive; default: the baselines and every "
            "registered dynamic model that can run)."
        ),
    ] = None,
    step: Annotated[
        float,
        number_option("--step", low=0.0, help="Move each actor by +/- this many points."),
    ] = 10.0,
    ranges: Annotated[
        bool,
        typer.Option(
            "--ranges/--no-ranges", help="Also move actors to the ends of their position ranges."
        ),
    ] = True,
    what_if: WhatIfOpt = None,
    format: FormatOpt = "table",
    out: OutOpt = None,
    seed: SeedOpt = 0,
    input_format: InputFormatOpt = None,
    full: FullOpt = False,
    quiet: QuietOpt = False,
    force: ForceOpt = False,
) -> None:
    """Pivotal actors: the change in each forecast when an actor is removed or moves."""
    set_force(force)
    from detente.analysis.alliances import default_analysis_models
    from detente.analysis.pivotal import pivotal, pivotal_ranking

    set_quiet(quiet)
    s = load_scenario(scenario, input_format, what_if)
    names = resolve_models(model) or None
    total = len(names or default_analysis_models(s)) * len(s.actors)
    with progress("pivotal actors", total) as advance:
        df = pivotal(s, names, step=step, ranges=ranges, seed=seed, on_step=advance)
    rank = pivotal_ranking(df)
    if format == "table":
        if full:
            _pivotal_tables(s, df, rank, step)
        else:
            _pivotal_summary(s, rank, step, df.attrs.get("skipped", {}))
    if out is not None or format != "table":
        fmt = _out_format(format, out) if out is not None else format
        if fmt == "csv":
            text = df.to_csv(index=False, lineterminator="\n")
        else:
            text = (
                json.dumps(
                    {
                        "scenario": s.id,
                        "step": step,
                        "ranking": _records(rank),
                        "changes": _records(df),
                    },
                    indent=2,
                )
                + "\n"
            )
        _emit(text, out)
        if out is not None:
            note(f"wrote {out}")


def _pivotal_summary(s, rank: pd.DataFrame, step: float, skipped: dict) -> None:
    """One table: actors ranked by the mean over models of how much removing them moves the
    forecasts, with each model's figure."""
    from rich.markup import escape
    from rich.table import Table

    con = _console()
    models = list(dict.fromkeys(rank["model"]))
    wide = rank.pivot_table(index="actor", columns="model", values="removed", sort=False)
    order = wide.mean(axis=1).sort_values(ascending=False)
    top_issue = (
        rank.sort_values("removed", ascending=False).drop_duplicates("actor").set_index("actor")
    )
    t = Table(
        title=f"Pivotal actors on {s.title or s.id}",
        title_justify="left",
        caption="how far the forecasts move when the actor is removed: mean over issues, "
        "% of the scale, per model; most moved: the issue its removal moves most (model with "
        "the largest effect). --full: every model's table with the moves by "
        f"±{step:g} and to the ends of the ranges",
        caption_justify="left",
    )
    t.add_column("#", justify="right")
    t.add_column("actor", style="bold")
    t.add_column("mean %", justify="right")
    for m in models:
        t.add_column(model_title(m), justify="right")
    t.add_column("most moved")
    for n, (actor, mean) in enumerate(order.items(), start=1):
        r = top_issue.loc[actor]
        most = (
            f"{s.issue(r['max_issue']).label} ({_signed(float(r['max_change']))})"
            if r["max_issue"]
            else "—"
        )
        t.add_row(
            str(n),
            s.actor(actor).label,
            _f(100 * mean, 1),
            *[_f(100 * float(wide.loc[actor].get(m, float("nan"))), 1) for m in models],
            most,
        )
    con.print(t)
    for name, why in skipped.items():
        con.print(escape(f"note: {name} was left out: {why}"))


def _pivotal_tables(s, df: pd.DataFrame, rank: pd.DataFrame, step: float) -> None:
    import numpy as np
    from rich.markup import escape
    from rich.table import Table

    con = _console()
    for m in dict.fromkeys(rank["model"]):
        sub = df[(df["model"] == m) & (df["change"] == "removed")]
        base = sub.drop_duplicates("issue").set_index("issue")["base"]
        t = Table(
            title=f"Pivotal actors: {model_title(m)} ({m}) on {s.title or s.id}",
            title_justify="left",
            caption=(
                "per issue: the change in the forecast (points) when the actor is "
                "removed; removed / moved / range: mean |change| over issues as % of the "
                f"scale, when removed, moved by ±{step:g}, or moved to the ends of its "
                "position range"
            ),
            caption_justify="left",
        )
        t.add_column("#", justify="right")
        t.add_column("actor", style="bold")
        for iid in s.issue_ids:
            t.add_column(
                f"{s.issue(iid).label}\n({_f(float(base.get(iid, np.nan)), 1)})",
                justify="right",
            )
        for col in ("removed %", "moved %", "range %"):
            t.add_column(col, justify="right")
        for _, r in rank[rank["model"] == m].iterrows():
            rows = sub[sub["actor"] == r["actor"]].set_index("issue")["delta"]
            t.add_row(
                str(r["rank"]),
                s.actor(r["actor"]).label,
                *[_signed(float(rows.get(iid, np.nan))) for iid in s.issue_ids],
                _f(100 * r["removed"], 1),
                _f(100 * r["moved"], 1),
                _f(100 * r["range"], 1),
            )
        con.print(t)
    for name, why in df.attrs.get("skipped", {}).items():
        con.print(escape(f"note: {name} was left out: {why}"))


# -- registration ------------------------------------------------------------------------

COMMANDS = {"alliances": alliances_command, "pivotal": pivotal_command}


def add_commands(app: typer.Typer) -> None:
    """Add ``alliances`` and ``pivotal`` to ``app`` (idempotent)."""
    have = {
        c.name or (c.callback.__name__ if c.callback else None) for c in app.registered_commands
    }
    for name, fn in COMMANDS.items():
        if name not in have:
            app.command(name)(fn)


__all__ = [
    "ALIGNMENT_EXPLAINED",
    "add_commands",
    "alliances_command",
    "parse_settle",
    "pivotal_command",
]
