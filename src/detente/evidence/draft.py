"""A draft scenario update from extracted evidence, for an analyst to review.

The draft is a separate YAML file: it never changes the scenario. For each actor and issue on
which stances were found it shows the value a person entered (if any) beside the suggested
direction and value (its magnitude from the text: the cue verbs' intensity, hedges and how
many statements were found, with the reason shown, see :func:`suggest_value`), with the
evidence as file offsets and a machine-made summary; it lists
actors the articles name that the scenario lacks, and names the dictionary does not know.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from detente.evidence.actors import ActorDictionary, default_actors
from detente.evidence.errors import EvidenceInputError
from detente.evidence.mentions import find_mentions
from detente.evidence.model import Evidence
from detente.evidence.stances import resolve_scenario
from detente.evidence.text import tokenize
from detente.files import write_atomic

if TYPE_CHECKING:  # pragma: no cover
    from detente.scenario.model import Scenario

__all__ = ["build_draft", "scenario_actor_map", "suggest_value", "write_draft"]

_MAX_EVIDENCE = 8


def suggest_value(
    lo: float, hi: float, statements: list[tuple[int, float]]
) -> tuple[float, float, float, str]:
    """A suggested position on the scale ``[lo, hi]`` from stance statements, with the reason.

    Each statement is (direction +1/-1, weight in [0, 1]: its intensity times the confidence
    that the actor is its speaker). The net direction is the weighted mean of the directions;
    the strength of the evidence is ``1 - prod(1 - w / 2)``, so one full-strength statement
    gives 0.5 and repeated statements approach 1; the value moves from the middle of the scale
    by ``net * strength`` times half the scale's width (at most to its end).

    Returns (value, net direction, strength, reason).

    >>> suggest_value(0, 100, [(1, 1.0)])[:3]
    (75.0, 1.0, 0.5)
    >>> suggest_value(0, 100, [(1, 1.0), (1, 1.0)])[:3]
    (87.5, 1.0, 0.75)
    >>> suggest_value(0, 100, [(1, 0.5), (-1, 0.5)])[:3]
    (50.0, 0.0, 0.438)
    """
    total = sum(w for _, w in statements)
    net = sum(d * w for d, w in statements) / total if total > 0 else 0.0
    strength = 1.0 - float(np.prod([1.0 - w / 2.0 for _, w in statements]))
    mid = (lo + hi) / 2
    value = mid + net * strength * (hi - lo) / 2
    ws = ", ".join(f"{d:+d}x{w:.2f}" for d, w in statements)
    reason = (
        f"{len(statements)} statement(s) (direction x weight: {ws}); net direction "
        f"{net:+.2f}; strength 1-prod(1-w/2) = {strength:.2f}; value = middle {mid:g} "
        f"{'+' if net >= 0 else '-'} {abs(net) * strength:.2f} x half-width {(hi - lo) / 2:g}"
    )
    return float(round(value, 1)), float(round(net, 3)), float(round(strength, 3)), reason


def scenario_actor_map(scenario: Scenario, actors: ActorDictionary) -> dict[str, str]:
    """Dictionary actor id -> scenario actor id, by id, else by reading the actor's name."""
    out: dict[str, str] = {}
    for a in scenario.actors:
        if a.id in actors.actors:
            out.setdefault(a.id, a.id)
            continue
        for label in (a.name or "", a.id.replace("_", " ")):
            if not label:
                continue
            toks = tokenize(label)
            ms = [
                m
                for m in find_mentions(toks, label, actors, frozenset(t.text for t in toks))
                if m.actor
            ]
            if ms:
                out.setdefault(ms[0].actor, a.id)
                break
    return out


def build_draft(
    evidence: list[Evidence], scenario: Scenario | str | Path, actors: ActorDictionary | None = None
) -> dict[str, Any]:
    """The draft update as plain data (see :func:`write_draft`)."""
    actors = actors or default_actors()
    sc = resolve_scenario(scenario)
    amap = scenario_actor_map(sc, actors)
    issues = {i.id: i for i in sc.issues}

    # -- new actors: dictionary actors the articles name that the scenario lacks.
    counts: dict[str, list] = defaultdict(list)
    for ev in evidence:
        for m in ev.mentions:
            if m.actor and m.actor not in amap and m.kind != "place":
                counts[m.actor].append({"file": ev.source, "start": m.start, "end": m.end})
    involved = set()
    for ev in evidence:
        for e in ev.events:
            for r in e.source + e.target:
                if r.actor:
                    involved.add(r.actor)
    new_actors = []
    for aid, offs in sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        a = actors.actors[aid]
        new_actors.append(
            {
                "id": aid,
                "name": a.name,
                "code": a.code,
                "kind": a.kind,
                "mentions": len(offs),
                "in_events": aid in involved,
                "evidence": offs[:_MAX_EVIDENCE],
            }
        )

    unknown: dict[str, dict[str, Any]] = {}
    for ev in evidence:
        for u in ev.unknown_actors:
            slot = unknown.setdefault(
                u.text, {"text": u.text, "role": u.role, "mentions": 0, "evidence": []}
            )
            slot["mentions"] += u.count
            for s, e in u.offsets:
                if len(slot["evidence"]) < _MAX_EVIDENCE:
                    slot["evidence"].append({"file": ev.source, "start": s, "end": e})

    # -- suggested positions from stances.
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for ev in evidence:
        for st in ev.stances:
            sid = amap.get(st.actor)
            if sid is None or st.issue not in issues:
                continue
            groups[(sid, st.issue)].append((ev, st))
    suggestions = []
    for (sid, iid), items in sorted(groups.items()):
        iss = issues[iid]
        lo, hi = iss.scale.low, iss.scale.high
        weighted = [
            (
                st.direction,
                (st.intensity if st.intensity is not None else 0.7)
                * (st.confidence if st.confidence is not None else 1.0),
            )
            for _, st in items
        ]
        value, net, strength, reason = suggest_value(lo, hi, weighted)
        entry: dict[str, Any] = {
            "actor": sid,
            "issue": iid,
            "direction": 1 if net > 0 else -1 if net < 0 else 0,
            "net_direction": net,
            "strength": strength,
            "toward": (
                iss.scale.high_label
                if net > 0
                else iss.scale.low_label
                if net < 0
                else "mixed evidence"
            ),
            "suggested_value": value,
            "n_statements": len(items),
            "reason": reason,
        }
        current = sc.stance(sid, iid)
        if current is not None:
            pos = current.position
            entry["current"] = {"value": pos.value, "range": list(pos.range) if pos.range else None}
            mid = (lo + hi) / 2
            entry["agrees_with_current"] = bool(net == 0 or (pos.value - mid) * net > 0)
        else:
            entry["current"] = None
        entry["evidence"] = [
            {
                "file": ev.source,
                "sentence": [st.sentence_start, st.sentence_end],
                "cue": list(st.cue_offsets),
                "keyword": list(st.keyword_offsets),
                "summary": st.summary,
                "confidence": st.confidence,
                "intensity": st.intensity,
                "hedged": st.hedged,
                "intensity_reason": st.intensity_reason,
            }
            for ev, st in items[:_MAX_EVIDENCE]
        ]
        suggestions.append(entry)

    events = []
    for ev in evidence:
        for e in ev.events:
            ids = {amap.get(r.actor) for r in e.source + e.target if r.actor}
            if not ids - {None}:
                continue
            events.append(
                {
                    "file": ev.source,
                    "summary": e.summary,
                    "event": e.event,
                    "cameo": e.cameo,
                    "date": e.date,
                    "sentence": [e.sentence_start, e.sentence_end],
                    "trigger": [list(t) for t in e.trigger_offsets],
                }
            )

    return {
        "draft_for": sc.id,
        "generated_by": "detente extract",
        "generated_on": dt.date.today().isoformat(),
        "note": (
            "Suggestions for review. Nothing here changes the scenario: values a person "
            "entered are shown under 'current' and are never overwritten. Offsets are "
            "character offsets into each article's text."
        ),
        "articles": [
            {
                "file": ev.source,
                "date": ev.date,
                "sentences": ev.n_sentences,
                "events": len(ev.events),
                "stances": len(ev.stances),
            }
            for ev in evidence
        ],
        "suggested_positions": suggestions,
        "new_actors": new_actors,
        "unknown_actors": sorted(unknown.values(), key=lambda u: (-u["mentions"], u["text"])),
        "events": events,
    }


def write_draft(
    path: str | Path,
    evidence: list[Evidence],
    scenario: Scenario | str | Path,
    actors: ActorDictionary | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Write the draft to ``path`` (YAML); refuses to replace an existing file unless ``force``
    (a draft may already hold a person's edits). The write is atomic."""
    p = Path(path)
    if p.exists() and not force:
        raise EvidenceInputError(
            f"{p}: already exists (it may hold an analyst's edits); "
            f"choose another path or pass --force"
        )
    if p.suffix.lower() not in (".yaml", ".yml"):
        raise EvidenceInputError(f"{p}: a draft is written as YAML (.yaml or .yml)")
    data = build_draft(evidence, scenario, actors)
    text = (
        "# Draft scenario update from `detente extract`: suggestions for an analyst.\n"
        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    )
    _atomic_write(p, text)
    return data


def _atomic_write(path: Path, text: str) -> None:
    write_atomic(path, text)
