"""The ``long-csv`` format: one row per actor and issue, with optional extra columns."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from detente.scenario.io.common import (
    dict_rows,
    fail,
    fmt,
    number,
    refuse_unknown_columns,
    require_columns,
    stem,
    value_range,
)
from detente.scenario.model import Scenario
from detente.scenario.validate import build_scenario

LONG_EXTRA = (
    "actor_name",
    "kind",
    "capability_low",
    "capability_high",
    "issue_name",
    "scale_low",
    "scale_high",
    "low_label",
    "high_label",
    "status_quo",
    "position_low",
    "position_high",
    "salience_low",
    "salience_high",
    "source",
    "paraphrase",
    "basis",
    "reason",
)


def read_long_csv(path: Path, text: str) -> Scenario:
    file = str(path)
    header, rows = dict_rows(text, file)
    required = ("actor", "issue", "capability", "position", "salience")
    require_columns(header, required, file)
    refuse_unknown_columns(header, required + LONG_EXTRA, file)
    actors: dict[str, dict] = {}
    issues: dict[str, dict] = {}
    stances: list[dict] = []
    lines: dict[tuple, int] = {}
    for line, r in rows:
        aid, iid = r["actor"].strip(), r["issue"].strip()

        def g(c: str, r: dict = r) -> str:
            return r.get(c, "").strip()

        def num(c: str, r: dict = r, line: int = line) -> float | None:
            return number(r.get(c, ""), file, line, c)

        cap = num("capability")
        if cap is None:
            raise fail(file, "column 'capability' is empty", line=line)
        if aid not in actors:
            entry: dict[str, Any] = {"id": aid, "capability": {"value": cap}}
            rng = value_range(num("capability_low"), num("capability_high"))
            if rng:
                entry["capability"]["range"] = rng
            if g("actor_name"):
                entry["name"] = g("actor_name")
            if g("kind"):
                entry["kind"] = g("kind")
            lines[("actors", len(actors))] = line
            actors[aid] = entry
        elif actors[aid]["capability"]["value"] != cap:
            raise fail(
                file,
                f"actor {aid!r} has capability {cap:g} here but "
                f"{actors[aid]['capability']['value']:g} on an earlier row",
                line=line,
            )
        if iid not in issues:
            ientry: dict[str, Any] = {"id": iid}
            if g("issue_name"):
                ientry["name"] = g("issue_name")
            scale: dict[str, Any] = {}
            for col, key in (("scale_low", "low"), ("scale_high", "high")):
                v = num(col)
                if v is not None:
                    scale[key] = v
            for col in ("low_label", "high_label"):
                if g(col):
                    scale[col] = g(col)
            if scale:
                ientry["scale"] = scale
            sq = num("status_quo")
            if sq is not None:
                ientry["status_quo"] = sq
            lines[("issues", len(issues))] = line
            issues[iid] = ientry
        pos, sal = num("position"), num("salience")
        if pos is None or sal is None:
            continue  # no stance: missing, not zero
        st: dict[str, Any] = {
            "actor": aid,
            "issue": iid,
            "position": {"value": pos},
            "salience": {"value": sal},
        }
        for key in ("position", "salience"):
            rng = value_range(num(f"{key}_low"), num(f"{key}_high"))
            if rng:
                st[key]["range"] = rng
        if g("source") or g("basis") or g("paraphrase") or g("reason"):
            ev = {k: g(k) for k in ("source", "paraphrase", "basis", "reason") if g(k)}
            st["position"]["evidence"] = [ev]
        lines[("stances", len(stances))] = line
        stances.append(st)
    data: dict[str, Any] = {
        "id": stem(path),
        "actors": list(actors.values()),
        "issues": list(issues.values()),
        "stances": stances,
    }
    sources = sorted(
        {
            ev["source"]
            for st in stances
            for ev in st["position"].get("evidence", [])
            if ev.get("source")
        }
    )
    if sources:
        data["sources"] = [{"id": s} for s in sources]
    return build_scenario(data, file=file, lines=lines)


def write_long_csv(s: Scenario) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = ["actor", "issue", "capability", "position", "salience", *LONG_EXTRA]
    w.writerow(cols)
    for a in s.actors:
        for iss in s.issues:
            st = s.stance(a.id, iss.id)
            ev = st.position.evidence[0] if st and st.position.evidence else None
            row = {
                "actor": a.id,
                "issue": iss.id,
                "capability": fmt(a.capability.value),
                "position": fmt(st.position.value) if st else "",
                "salience": fmt(st.salience.value) if st else "",
                "actor_name": a.name or "",
                "kind": a.kind.value,
                "capability_low": fmt(a.capability.range[0]) if a.capability.range else "",
                "capability_high": fmt(a.capability.range[1]) if a.capability.range else "",
                "issue_name": iss.name or "",
                "scale_low": fmt(iss.scale.low),
                "scale_high": fmt(iss.scale.high),
                "low_label": iss.scale.low_label or "",
                "high_label": iss.scale.high_label or "",
                "status_quo": fmt(iss.status_quo.value) if iss.status_quo else "",
                "position_low": fmt(st.position.range[0]) if st and st.position.range else "",
                "position_high": fmt(st.position.range[1]) if st and st.position.range else "",
                "salience_low": fmt(st.salience.range[0]) if st and st.salience.range else "",
                "salience_high": fmt(st.salience.range[1]) if st and st.salience.range else "",
                "source": (ev.source or "") if ev else "",
                "paraphrase": (ev.paraphrase or "") if ev else "",
                "basis": ev.basis.value if ev else "",
                "reason": (ev.reason or "") if ev else "",
            }
            w.writerow([row[c] for c in cols])
    return buf.getvalue()
