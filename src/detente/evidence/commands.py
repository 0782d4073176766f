"""The ``extract`` and ``extract-eval`` commands (added to the CLI by :func:`add_commands`)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated

import typer

from detente.cli_options import (
    FormatOpt,
    QuietOpt,
    console,
    count_option,
    note,
    progress,
    set_quiet,
)
from detente.evidence.errors import EvidenceInputError

__all__ = ["add_commands", "evidence_to_csv", "format_eval"]

_CSV_FIELDS = [
    "file",
    "record",
    "sentence",
    "sentence_start",
    "sentence_end",
    "event",
    "cameo",
    "source",
    "source_code",
    "target",
    "target_code",
    "trigger",
    "trigger_offsets",
    "date",
    "date_precision",
    "main",
    "issue",
    "direction",
    "confidence",
    "intensity",
    "summary",
]


def evidence_to_csv(evidence: list) -> str:
    """Events and stances as CSV rows (one row per event, one per stance)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=_CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for ev in evidence:
        for e in ev.events:
            w.writerow(
                {
                    "file": ev.source,
                    "record": "event",
                    "sentence": e.sentence,
                    "sentence_start": e.sentence_start,
                    "sentence_end": e.sentence_end,
                    "event": e.event,
                    "cameo": e.cameo,
                    "source": ";".join(r.actor or "" for r in e.source),
                    "source_code": ";".join(r.code or "" for r in e.source),
                    "target": ";".join(r.actor or "" for r in e.target),
                    "target_code": ";".join(r.code or "" for r in e.target),
                    "trigger": e.trigger,
                    "trigger_offsets": ";".join(f"{a}-{b}" for a, b in e.trigger_offsets),
                    "date": e.date or "",
                    "date_precision": e.date_precision or "",
                    "main": int(e.main),
                    "confidence": "" if e.confidence is None else e.confidence,
                    "summary": e.summary,
                }
            )
        for s in ev.stances:
            w.writerow(
                {
                    "file": ev.source,
                    "record": "stance",
                    "sentence": s.sentence,
                    "sentence_start": s.sentence_start,
                    "sentence_end": s.sentence_end,
                    "source": s.actor,
                    "source_code": s.code or "",
                    "trigger": s.cue,
                    "trigger_offsets": f"{s.cue_offsets[0]}-{s.cue_offsets[1]}",
                    "issue": s.issue,
                    "direction": s.direction,
                    "confidence": "" if s.confidence is None else s.confidence,
                    "intensity": "" if s.intensity is None else s.intensity,
                    "summary": s.summary,
                }
            )
    return buf.getvalue()


def _print_evidence(results: list, scenario) -> None:
    """Per article: a line of counts, then its main events and its stances as tables."""
    from rich.table import Table

    con = console()
    for ev in results:
        con.print(
            f"{ev.source}: {ev.n_sentences} sentences, {len(ev.mentions)} actor "
            f"mentions ({len(ev.unknown_actors)} unknown names), {len(ev.events)} "
            f"events, {len(ev.stances)} stances" + (f"; date {ev.date}" if ev.date else ""),
            markup=False,
            soft_wrap=True,
        )
        main = [e for e in ev.events if e.main]
        if main:
            t = Table(
                title="Events (the main event of each sentence)",
                title_justify="left",
                caption="at: where the sentence starts in the text (characters); "
                "—: not named in the sentence",
                caption_justify="left",
            )
            for col in ("at", "who", "event", "CAMEO", "to whom", "date"):
                t.add_column(col, justify="right" if col == "at" else "left")
            for e in main:
                who = "; ".join(r.text for r in e.source) or "—"
                whom = "; ".join(r.text for r in e.target) or "—"
                t.add_row(
                    str(e.sentence_start),
                    who,
                    e.event,
                    f"{e.cameo} {e.cameo_name}".strip(),
                    whom,
                    e.date or "",
                )
            con.print(t)
        if ev.stances:
            t = Table(title="Stances on the scenario's issues", title_justify="left")
            for col in ("at", "actor", "issue", "wants", "cue", "confidence", "intensity"):
                t.add_column(
                    col, justify="left" if col in ("actor", "issue", "wants", "cue") else "right"
                )
            for s in ev.stances:
                issue = s.issue
                if scenario is not None and s.issue in scenario.issue_ids:
                    issue = scenario.issue(s.issue).label
                wants = "more" if s.direction > 0 else "less"
                if s.toward:
                    wants += f" (toward: {s.toward})"
                actor = s.summary.split(" — ")[0] or s.actor
                if scenario is not None and s.actor in scenario.actor_ids:
                    actor = scenario.actor(s.actor).label
                t.add_row(
                    str(s.sentence_start),
                    actor,
                    issue,
                    wants,
                    s.cue,
                    f"{s.confidence:.2f}",
                    f"{s.intensity:.2f}",
                )
            con.print(t)


def _write_text(path: Path, text: str) -> None:
    from detente.evidence.draft import _atomic_write

    _atomic_write(path, text)


def add_commands(app: typer.Typer) -> None:
    """Add ``extract`` and ``extract-eval`` to a typer app."""

    @app.command("extract")
    def extract_cmd(
        articles: Annotated[list[Path], typer.Argument(help="Article files (plain text or HTML).")],
        date: Annotated[
            str | None,
            typer.Option(
                "--date",
                help="The articles' date, YYYY-MM-DD (resolves 'on Monday'); by default "
                "a dateline in the first lines, if any.",
            ),
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option("--out", "-o", help="Write the evidence to FILE.json or FILE.csv."),
        ] = None,
        scenario: Annotated[
            str | None,
            typer.Option(
                "--scenario",
                "-s",
                help="A scenario (file or embedded name) whose issues stances are sought for.",
            ),
        ] = None,
        draft: Annotated[
            Path | None,
            typer.Option(
                "--draft",
                help="With --scenario: write a draft scenario update (YAML) with "
                "suggested positions and their evidence.",
            ),
        ] = None,
        actors: Annotated[
            list[Path] | None,
            typer.Option(
                "--actors",
                help="A user actor dictionary (YAML) extending the shipped one (repeatable).",
            ),
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="Replace an existing --draft or --out file.")
        ] = False,
        format: FormatOpt = "table",
        quiet: QuietOpt = False,
    ) -> None:
        """Read articles into actors, coded events (PLOVER/CAMEO) and stances."""
        from detente.evidence.actors import default_actors, load_actors
        from detente.evidence.draft import write_draft
        from detente.evidence.pipeline import _as_date, extract_file
        from detente.evidence.stances import resolve_scenario
        from detente.files import set_force

        set_force(force)  # --force also replaces a read-only --out or --draft
        set_quiet(quiet)

        if draft is not None and scenario is None:
            raise EvidenceInputError(
                f"{draft}: --draft needs --scenario (the scenario the draft updates)"
            )
        if out is not None:
            if out.suffix.lower() not in (".json", ".csv"):
                raise EvidenceInputError(f"{out}: --out must end in .json or .csv")
            if out.exists() and not force:
                raise EvidenceInputError(f"{out}: already exists; pass --force to replace it")
        ref = _as_date(date)
        dictionary = load_actors(*actors) if actors else default_actors()
        sc = resolve_scenario(scenario) if scenario is not None else None
        results = []
        with progress("extract", len(articles)) as advance:
            for path in articles:
                if not path.is_file():
                    raise EvidenceInputError(f"{path}: no such article file")
                results.append(extract_file(path, date=ref, scenario=sc, actors=dictionary))
                advance()
        # Write everything first, then print: nothing is half-written on an error.
        if out is not None:
            if out.suffix.lower() == ".json":
                payload = {"articles": [ev.to_dict() for ev in results]}
                _write_text(out, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
            else:
                _write_text(out, evidence_to_csv(results))
        if draft is not None:
            write_draft(draft, results, sc, dictionary, force=force)
        if format != "table":
            if format == "json":
                payload = {"articles": [ev.to_dict() for ev in results]}
                typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
            else:
                typer.echo(evidence_to_csv(results), nl=False)
        else:
            _print_evidence(results, sc)
        if out is not None:
            note(f"wrote {out}")
        if draft is not None:
            note(f"wrote draft {draft}")

    @app.command("extract-eval")
    def extract_eval_cmd(
        gold: Annotated[Path, typer.Argument(help="PLOVER gold-standard records (JSON).")],
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="Write the metrics as JSON.")
        ] = None,
        format: FormatOpt = "table",
        quiet: QuietOpt = False,
        cv: Annotated[
            int,
            count_option(
                "--cv",
                low=0,
                high=100,
                help="Also cross-validate on GOLD's own records (train on 4/5, score 1/5), "
                "repeated N times with fresh folds (0: only the stored development figures).",
            ),
        ] = 0,
    ) -> None:
        """Score the event extractor on PLOVER gold-standard records, with the
        cross-validated development scores to expect on new text."""
        from detente.evidence.evaluate import evaluate_gold

        set_quiet(quiet)
        if out is not None and out.suffix.lower() != ".json":
            raise EvidenceInputError(f"{out}: --out writes JSON; use a .json file name")
        m = evaluate_gold(gold, cv_repeats=cv)
        if out is not None:
            _write_text(out, json.dumps(m, indent=2) + "\n")
        if format == "json":
            typer.echo(json.dumps(m, indent=2))
        elif format == "csv":
            flat = {k: v for k, v in m.items() if not isinstance(v, (dict, list, tuple))}
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=list(flat), lineterminator="\n")
            w.writeheader()
            w.writerow(flat)
            typer.echo(buf.getvalue(), nl=False)
        else:
            for ln in format_eval(m):
                typer.echo(ln)
        if out is not None:
            note(f"wrote {out}")


_METRICS = ("event_accuracy", "source_f1", "target_f1", "triple_f1")


def _cv_lines(title: str, cv: dict) -> list[str]:
    lines = [title]
    for k in _METRICS:
        ci = cv.get(k + "_ci")
        band = f"  95% interval {ci[0]:.3f}-{ci[1]:.3f}" if ci else ""
        lines.append(f"  {k:<15} {cv[k]:.3f}{band}")
    return lines


def format_eval(m: dict) -> list[str]:
    """The lines ``detente extract-eval`` prints for the metrics of :func:`evaluate_gold`."""
    n = m["n_records"]
    k = m.get("in_sample_records", 0)
    head = f"{m['gold_file']}: {n} records"
    if k:
        head += (
            f" -- IN-SAMPLE: {k} of them were used to train the shipped model, so these "
            "scores overstate what to expect on new text (see the cross-validated figures)"
        )
    else:
        head += " (none used in training: out-of-sample scores)"
    lines = [head]
    lines.append(f"  event_accuracy  {m['event_accuracy']:.3f}  ({m['event_correct']}/{n})")
    for side in ("source", "target", "triple"):
        lines.append(
            f"  {side + '_f1':<15} {m[side + '_f1']:.3f}  "
            f"(P {m[side + '_precision']:.3f}, R {m[side + '_recall']:.3f}; "
            f"tp {m[side + '_tp']}, fp {m[side + '_fp']}, fn {m[side + '_fn']})"
        )
    cv = m.get("cross_validated")
    if cv:
        lines += _cv_lines(
            f"expected on new text: the {cv['n_records']} development records "
            f"({m.get('model_trained_on') or 'the training file'}) under grouped "
            f"{cv['n_folds']}-fold cross-validation repeated {cv['repeats']} times "
            "(mean; 95% bootstrap interval over records)",
            cv,
        )
    fcv = m.get("cross_validated_file")
    if fcv:
        lines += _cv_lines(
            f"cross-validated on {m['gold_file']} itself ({fcv['n_folds']} folds x "
            f"{fcv['repeats']} repeats, trained on its own folds)",
            fcv,
        )
    return lines
