"""The ``issue-csv`` format: one issue, ``actor,capability,position,salience``."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from detente.errors import DetenteError
from detente.scenario.io.common import (
    dict_rows,
    fail,
    fmt,
    number,
    refuse_unknown_columns,
    require_columns,
    stem,
)
from detente.scenario.model import Scenario
from detente.scenario.validate import build_scenario


def read_issue_csv(path: Path, text: str) -> Scenario:
    file = str(path)
    header, rows = dict_rows(text, file)
    required = ("actor", "capability", "position", "salience")
    require_columns(header, required, file)
    refuse_unknown_columns(header, required, file)
    actors, stances, lines = [], [], {}
    iid = stem(path)
    positions = []
    for line, r in rows:
        aid = r["actor"].strip()
        cap = number(r["capability"], file, line, "capability")
        pos = number(r["position"], file, line, "position")
        sal = number(r["salience"], file, line, "salience")
        if cap is None:
            raise fail(file, "column 'capability' is empty", line=line)
        lines[("actors", len(actors))] = line
        actors.append({"id": aid, "capability": cap})
        if pos is not None and sal is not None:
            lines[("stances", len(stances))] = line
            stances.append({"actor": aid, "issue": iid, "position": pos, "salience": sal})
            if math.isfinite(pos):
                positions.append(pos)
    issue: dict[str, Any] = {"id": iid}
    meta: dict[str, Any] = {}
    if positions and (min(positions) < 0 or max(positions) > 100):
        lo, hi = min(positions), max(positions)
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        issue["scale"] = {"low": lo, "high": hi}
        meta["scale_inferred"] = True
    data = {"id": iid, "actors": actors, "issues": [issue], "stances": stances, "meta": meta}
    return build_scenario(data, file=file, lines=lines)


def write_issue_csv(s: Scenario) -> str:
    if len(s.issues) != 1:
        raise DetenteError(
            f"the one-issue CSV format holds one issue; scenario {s.id!r} has {len(s.issues)} "
            "(use long-csv, or pick an issue)"
        )
    iid = s.issues[0].id
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["actor", "capability", "position", "salience"])
    for a in s.actors:
        st = s.stance(a.id, iid)
        w.writerow(
            [
                a.id,
                fmt(a.capability.value),
                fmt(st.position.value) if st else "",
                fmt(st.salience.value) if st else "",
            ]
        )
    return buf.getvalue()
