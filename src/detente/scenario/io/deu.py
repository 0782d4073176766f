"""The ``deu`` format: one issue row of a DEU (Decision-making in the European Union) table.

Selected with ``FILE#ISSUE`` (the ``isnr`` value); the whole file is read by
:mod:`detente.validation`. The actors' weights and the Council's qualified-majority thresholds
are in :mod:`detente.scenario.io.eu_council`; the issue's decision rule comes from the row's
``proc`` and ``counvte`` (:func:`deu_decision`), which the writer writes back.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from detente.errors import DetenteError
from detente.scenario.io.common import dict_rows, fail, fmt, require_columns
from detente.scenario.io.eu_council import (
    DEU_ACTORS,
    EU_POPULATION,
    deu_council_weights,
    deu_qmv_threshold,
)
from detente.scenario.model import Scenario
from detente.scenario.validate import build_scenario

DEU_CAPABILITY = ("size", "equal", "council", "population")
"""Capability choices for DEU rows: ``size`` the file's size row; ``equal`` 1 for everyone;
``council`` the Council voting weight under the treaty in force at the proposal's ``intro`` date
(:func:`deu_council_weights`); ``population`` the population in millions (:data:`EU_POPULATION`).
Under ``council`` and ``population`` the Commission and the Parliament each count as much as the
largest member state (the convention of the file's size row, which gives both Germany's figure)."""

DEU_PROCEDURES = {"COD": "co-decision", "CNS": "consultation"}
DEU_COUNCIL_RULES = {"QMV": "qualified majority", "Unan": "unanimity"}


def deu_decision(row: dict, present: set[str]) -> dict[str, Any] | None:
    """The decision rule of a DEU row (the native layout), from its ``proc`` and ``counvte``.

    The Council votes (``voters``: the member states with a stance, weighted by their Council
    votes of the period, :func:`deu_council_weights`) with the threshold of ``counvte``: the
    qualified majority of the period (:func:`deu_qmv_threshold`) or unanimity (1.0). Under
    co-decision (``COD``) the Parliament is a veto player as well; under consultation (``CNS``)
    it is not. The Commission is the agenda setter. Every proposal in DEU was adopted, so
    ``must_decide`` is True. Only actors in ``present`` (those with a stance) are named, and only
    member states with a Council vote in the row's period vote. None when ``proc`` or
    ``counvte`` is missing or unknown, or no member state has a stance.
    """
    proc, vote = row.get("proc", "").strip(), row.get("counvte", "").strip()
    if proc not in DEU_PROCEDURES or vote not in DEU_COUNCIL_RULES:
        return None
    period, weights = deu_council_weights(row)
    # member states with a stance and a Council vote in the row's period (a state coded for a
    # proposal introduced before it joined does not vote on it)
    states = [a for a in DEU_ACTORS if a in present and a not in ("com", "ep") and a in weights]
    if not states:
        return None
    threshold = 1.0 if vote == "Unan" else deu_qmv_threshold(row)[1]
    dec: dict[str, Any] = {
        "rule": "vote",
        "threshold": threshold,
        "voters": states,
        "weights": {a: weights[a] for a in states},
        "must_decide": True,
    }
    if proc == "COD" and "ep" in present:
        dec["veto_players"] = ["ep"]
    if "com" in present:
        dec["agenda_setter"] = "com"
    dec["evidence"] = [
        {
            "source": "DEU III",
            "paraphrase": (
                f"{DEU_PROCEDURES[proc]} ({proc}), Council {DEU_COUNCIL_RULES[vote]} ({vote}), "
                f"{period} treaty period; the Commission proposes"
            ),
        }
    ]
    return dec


def _deu_capabilities(row: dict, sizes: dict[str, float], capability: str) -> dict[str, float]:
    if capability == "size":
        return sizes
    if capability == "council":
        return deu_council_weights(row)[1]
    if capability == "population":
        top = max(EU_POPULATION.values())
        return {**EU_POPULATION, "com": top, "ep": top}
    return {}


def _deu_value(raw: str) -> float | None:
    raw = raw.strip()
    if raw in ("", "999", "999.0", "."):
        return None
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return None


def read_deu_table(
    path: Path, text: str
) -> tuple[list[str], dict[str, float], list[tuple[int, dict]]]:
    """Parse a DEU table: header, the size row (actor -> size) and the issue rows."""
    file = str(path)
    first = text.splitlines()[0] if text else ""
    delim = "\t" if "\t" in first else ";" if ";" in first else ","
    header, rows = dict_rows(text, file, delimiter=delim)
    require_columns(header, ("isnr", "out"), file)
    sizes: dict[str, float] = {}
    issue_rows = []
    for line, r in rows:
        if not r.get("isnr", "").strip() and not r.get("prnr", "").strip():
            for a in DEU_ACTORS:
                v = _deu_value(r.get("p" + a, ""))
                if v is not None:
                    sizes[a] = v
            continue
        issue_rows.append((line, r))
    return header, sizes, issue_rows


def deu_row_to_scenario(
    file: str, line: int, row: dict, sizes: dict[str, float], capability: str = "size"
) -> Scenario:
    """One DEU issue row as a one-issue scenario (outcome and reference point in meta)."""
    if capability not in DEU_CAPABILITY:
        raise DetenteError(
            f"unknown DEU capability choice {capability!r} (known: {', '.join(DEU_CAPABILITY)})"
        )
    iid = row.get("isnr", "").strip() or f"row{line}"
    caps = _deu_capabilities(row, sizes, capability)
    actors, stances = [], []
    for a in DEU_ACTORS:
        pos, sal = _deu_value(row.get("p" + a, "")), _deu_value(row.get("s" + a, ""))
        if pos is None or sal is None:
            continue
        if capability in ("council", "population") and a not in caps:
            raise fail(
                file,
                f"actor {a!r} has a stance but no {capability} weight (not a "
                "member state in the row's treaty period?)",
                line=line,
            )
        cap = caps.get(a, 1.0) if capability != "equal" else 1.0
        actors.append({"id": a, "capability": cap})
        stances.append({"actor": a, "issue": iid, "position": pos, "salience": sal})
    issue: dict[str, Any] = {"id": iid, "name": row.get("prname", "").strip() or None}
    rp = _deu_value(row.get("rp", ""))
    if rp is not None:
        issue["status_quo"] = rp
    decision = deu_decision(row, {a["id"] for a in actors})
    if decision is not None:
        issue["decision"] = decision
    meta: dict[str, Any] = {"capability": capability, "proposal": row.get("prnr", "").strip()}
    if capability == "council":
        meta["treaty_period"] = deu_council_weights(row)[0]
    out = _deu_value(row.get("out", ""))
    if out is not None:
        meta["outcome"] = out
    for key in ("type", "council", "proc", "counvte"):
        if row.get(key, "").strip():
            meta[key] = row[key].strip()
    lines = {("issues", 0): line, ("stances",): line, ("actors",): line}
    lines.update({("stances", k): line for k in range(len(stances))})
    lines.update({("actors", k): line for k in range(len(actors))})
    data = {"id": iid, "actors": actors, "issues": [issue], "stances": stances, "meta": meta}
    return build_scenario(data, file=file, lines=lines)


def read_deu(path: Path, text: str, selector: str | None, capability: str = "size") -> Scenario:
    file = str(path)
    _, sizes, rows = read_deu_table(path, text)
    if not rows:
        raise fail(file, "the DEU table has no issue rows")
    if selector is None:
        if len(rows) == 1:
            line, row = rows[0]
            return deu_row_to_scenario(file, line, row, sizes, capability)
        raise fail(
            file,
            f"the DEU table has {len(rows)} issues; pick one as FILE#ISSUE "
            f"(e.g. {file}#{rows[0][1].get('isnr', '').strip()})",
        )
    for line, row in rows:
        if row.get("isnr", "").strip() == selector:
            return deu_row_to_scenario(file, line, row, sizes, capability)
    raise fail(file, f"no issue {selector!r} in the DEU table (column isnr)")


def write_deu(s: Scenario) -> str:
    if len(s.issues) != 1:
        raise DetenteError(f"a DEU row holds one issue; scenario {s.id!r} has {len(s.issues)}")
    unknown = [a.id for a in s.actors if a.id not in DEU_ACTORS]
    if unknown:
        raise DetenteError(
            f"DEU rows hold the EU actors ({', '.join(DEU_ACTORS)}); "
            f"scenario {s.id!r} has others: {', '.join(unknown)}"
        )
    iss = s.issues[0]
    header = (
        ["prnr", "isnr", "prname"]
        + ["p" + a for a in DEU_ACTORS]
        + ["s" + a for a in DEU_ACTORS]
        + ["rp", "out"]
        + [k for k in ("proc", "counvte") if s.meta.get(k)]
    )
    size_row = {h: "" for h in header}
    row = {h: "" for h in header}
    row.update({"prnr": str(s.meta.get("proposal", "")), "isnr": iss.id, "prname": iss.name or ""})
    for a in s.actors:
        st = s.stance(a.id, iss.id)
        size_row["p" + a.id] = fmt(a.capability.value)
        if st is not None:
            row["p" + a.id] = fmt(st.position.value)
            row["s" + a.id] = fmt(st.salience.value)
    row["rp"] = fmt(iss.status_quo.value) if iss.status_quo else ""
    row["out"] = fmt(s.meta["outcome"]) if "outcome" in s.meta else ""
    for key in ("proc", "counvte"):  # the decision rule, as a DEU reader derives it
        if s.meta.get(key):
            row[key] = str(s.meta[key])
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n")
    w.writerow(header)
    w.writerow([size_row[h] for h in header])
    w.writerow([row[h] for h in header])
    return buf.getvalue()
