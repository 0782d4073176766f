"""A draft scenario update from extracted evidence, for an analyst to review.

The draft is a separate YAML file: it never changes the scenario. For each actor and issue on
which stances were found it shows the value a person entered (if any) beside the suggested
direction and value, with the evidence as file offsets and a machine-made summary; it lists
actors the articles name that the scenario lacks, and names the dictionary does not know.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

__all__ = ["build_draft", "scenario_actor_map", "write_draft"]

# How far from the middle of the scale a unanimous direction puts the suggested value.
_REACH = 0.35
_MAX_EVIDENCE = 8


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


def _round(x: float) -> float:
    return float(round(x, 1))


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
        net = sum(st.direction for _, st in items) / len(items)
        value = _round((lo + hi) / 2 + net * _REACH * (hi - lo))
        entry: dict[str, Any] = {
            "actor": sid,
            "issue": iid,
            "direction": 1 if net > 0 else -1 if net < 0 else 0,
            "net_direction": _round(net),
            "toward": (
                iss.scale.high_label
                if net > 0
                else iss.scale.low_label
                if net < 0
                else "mixed evidence"
            ),
            "suggested_value": value,
            "n_statements": len(items),
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
