"""The ``long-csv`` format: one row per actor and issue, with optional extra columns
(:data:`LONG_EXTRA`) and the issues' decision rules (:data:`LONG_DECISION`)."""

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
LONG_DECISION = (
    "rule",
    "threshold",
    "must_decide",
    "decision_role",
    "vote_weight",
    "rule_source",
    "rule_paraphrase",
    "rule_basis",
    "rule_reason",
)
"""Long-CSV columns of the issues' decision rules: per issue (``rule``, ``threshold``,
``must_decide`` and the rule's evidence, ``rule_*``: on any row of the issue, the same on
every row that gives them) and per actor and issue (``decision_role``: ``veto``, ``voter``,
``controller``, ``setter``, several separated by ``;``; ``vote_weight``)."""
ROLES = {
    "veto": "veto_players",
    "voter": "voters",
    "controller": "controller",
    "setter": "agenda_setter",
}
_TRUE = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _long_decisions(
    file: str, rows: list[tuple[int, dict]], issues: dict[str, dict], lines: dict[tuple, int]
) -> None:
    """Put the decision rules given in long-CSV ``rows`` into ``issues`` (native layout),
    recording their lines in ``lines``."""
    order = list(issues)
    found: dict[str, dict[str, Any]] = {}
    for line, r in rows:
        iid, aid = r["issue"].strip(), r["actor"].strip()
        k = order.index(iid)
        dec = found.setdefault(iid, {})
        meta = dec.setdefault("_lines", {})
        for col in LONG_DECISION:
            raw = r.get(col, "").strip()
            if col in ("decision_role", "vote_weight") or not raw:
                continue
            if col == "threshold":
                val: Any = number(raw, file, line, col)
            elif col == "must_decide":
                if raw.lower() not in _TRUE:
                    raise fail(
                        file, "column 'must_decide' must be true or false", line=line, value=raw
                    )
                val = _TRUE[raw.lower()]
            else:
                val = raw
            if col in dec and dec[col] != val:
                raise fail(
                    file,
                    f"issue {iid!r} has {col} {val!r} here but {dec[col]!r} on line {meta[col]}",
                    line=line,
                )
            if col not in dec:
                dec[col], meta[col] = val, line
        for role in filter(None, (x.strip() for x in r.get("decision_role", "").split(";"))):
            if role not in ROLES:
                raise fail(
                    file,
                    f"unknown decision_role (known: {', '.join(ROLES)})",
                    line=line,
                    value=role,
                )
            key = ROLES[role]
            if key in ("veto_players", "voters"):
                dec.setdefault(key, []).append(aid)
                lines[("issues", k, "decision", key, len(dec[key]) - 1)] = line
            elif key in dec:
                raise fail(
                    file, f"issue {iid!r} has a second {role} ({aid!r})", line=line, value=role
                )
            else:
                dec[key] = aid
                lines[("issues", k, "decision", key)] = line
        w = number(r.get("vote_weight", ""), file, line, "vote_weight")
        if w is not None:
            dec.setdefault("weights", {})[aid] = w
            lines.setdefault(("issues", k, "decision", "weights"), line)
    for iid, dec in found.items():
        meta = dec.pop("_lines")
        if len(dec) == 0:
            continue
        k = order.index(iid)
        if "rule" not in dec:
            some = next(iter(meta.values()), None) or lines.get(("issues", k))
            raise fail(file, f"issue {iid!r} has decision columns but no rule", line=some)
        ev = {c[5:]: dec.pop(c) for c in list(dec) if c.startswith("rule_")}
        if ev:
            dec["evidence"] = [ev]
        lines[("issues", k, "decision")] = meta["rule"]
        for col, line in meta.items():
            if not col.startswith("rule_"):
                lines[("issues", k, "decision", col)] = line
        issues[iid]["decision"] = dec


def read_long_csv(path: Path, text: str) -> Scenario:
    file = str(path)
    header, rows = dict_rows(text, file)
    required = ("actor", "issue", "capability", "position", "salience")
    require_columns(header, required, file)
    refuse_unknown_columns(header, required + LONG_EXTRA + LONG_DECISION, file)
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
    if any(c in header for c in LONG_DECISION):
        _long_decisions(file, rows, issues, lines)
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
        | {
            ev["source"]
            for iss in issues.values()
            for ev in iss.get("decision", {}).get("evidence", [])
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
    if any(iss.decision is not None for iss in s.issues):
        cols += LONG_DECISION
    w.writerow(cols)
    for a in s.actors:
        for iss in s.issues:
            st = s.stance(a.id, iss.id)
            ev = st.position.evidence[0] if st and st.position.evidence else None
            dec = iss.decision
            dev = dec.evidence[0] if dec is not None and dec.evidence else None
            roles = []
            if dec is not None:
                # controller and agenda_setter hold one id, veto_players and voters a tuple
                # (an id is never tested as a substring of another)
                roles = [
                    role
                    for role, key in ROLES.items()
                    if a.id == getattr(dec, key)
                    or (isinstance(getattr(dec, key), tuple) and a.id in getattr(dec, key))
                ]
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
                "rule": dec.rule.value if dec else "",
                "threshold": fmt(dec.threshold) if dec and dec.threshold is not None else "",
                "must_decide": str(dec.must_decide).lower() if dec else "",
                "decision_role": ";".join(roles),
                "vote_weight": fmt(dec.weights[a.id])
                if dec and dec.weights and a.id in dec.weights
                else "",
                "rule_source": (dev.source or "") if dev else "",
                "rule_paraphrase": (dev.paraphrase or "") if dev else "",
                "rule_basis": dev.basis.value if dev else "",
                "rule_reason": (dev.reason or "") if dev else "",
            }
            w.writerow([row[c] for c in cols])
    return buf.getvalue()
