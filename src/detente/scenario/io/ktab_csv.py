"""The ``ktab-csv`` format: KTAB's Spatial Model of Politics input.

A scenario line ``name,description,nActors,nDims``, a header line, then one row per actor
with its influence and a position and salience pair per dimension.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from detente.errors import DetenteError
from detente.limits import current
from detente.scenario.io.common import (
    fail,
    fmt,
    number,
    round10,
    slug,
    stem,
    too_many,
    whole_number,
)
from detente.scenario.model import Scenario
from detente.scenario.validate import build_scenario


def read_ktab_csv(path: Path, text: str) -> Scenario:
    """KTAB SMP input: ``name,description,nActors,nDims`` / header / actor rows."""
    file = str(path)
    rows = [
        (i + 1, [c.strip() for c in row]) for i, row in enumerate(csv.reader(io.StringIO(text)))
    ]
    rows = [(ln, r) for ln, r in rows if any(r)]
    if len(rows) < 2:
        raise fail(file, "a KTAB CSV needs a scenario line, a header line and actor rows")
    (l1, first), (l2, header) = rows[0], rows[1]
    if len(first) < 4:
        raise fail(file, "line 1 must be 'name,description,nActors,nDims'", line=l1)
    n_act = whole_number(first[2], "nActors", file, l1, minimum=1)
    n_dim = whole_number(first[3], "nDims", file, l1, minimum=1)
    lim = current()
    if n_act > lim.max_actors:
        raise too_many(file, "actors", n_act, l1)
    if n_dim > lim.max_issues:
        raise too_many(file, "issues", n_dim, l1)
    dims = []
    for k in range(n_dim):
        try:
            dims.append(header[3 + 2 * k])
        except IndexError:
            raise fail(
                file, f"the header names fewer than {n_dim} position/salience pairs", line=l2
            ) from None
    body = rows[2:]
    if len(body) != n_act:
        raise fail(file, f"line 1 announces {n_act} actors but {len(body)} rows follow", line=l1)
    issue_ids = [slug(d) or f"dim{k}" for k, d in enumerate(dims)]
    if len(set(issue_ids)) != len(issue_ids):
        issue_ids = [f"{iid}_{k}" for k, iid in enumerate(issue_ids)]
    actors, stances, lines = [], [], {}
    for ln, r in body:
        if len(r) < 3 + 2 * n_dim:
            raise fail(
                file, f"an actor row needs {3 + 2 * n_dim} fields, this one has {len(r)}", line=ln
            )
        cap = number(r[2], file, ln, "Influence")
        lines[("actors", len(actors))] = ln
        actor: dict[str, Any] = {"id": r[0], "capability": cap}
        if r[1] and r[1] != r[0]:
            actor["name"] = r[1]
        actors.append(actor)
        for k in range(n_dim):
            pos = number(
                r[3 + 2 * k], file, ln, header[3 + 2 * k] if 3 + 2 * k < len(header) else ""
            )
            sal = number(
                r[4 + 2 * k], file, ln, header[4 + 2 * k] if 4 + 2 * k < len(header) else ""
            )
            if pos is None or sal is None:
                raise fail(
                    file,
                    f"actor {r[0]!r} lacks a value on dimension {dims[k]!r}; KTAB "
                    "needs every position and salience",
                    line=ln,
                )
            lines[("stances", len(stances))] = ln
            stances.append({"actor": r[0], "issue": issue_ids[k], "position": pos, "salience": sal})
    issues = [{"id": iid, "name": d} for iid, d in zip(issue_ids, dims)]
    data = {
        "id": stem(path),
        "title": first[0],
        "description": first[1] or None,
        "actors": actors,
        "issues": issues,
        "stances": stances,
        "meta": {
            "ktab_salience_labels": [
                header[4 + 2 * k] if 4 + 2 * k < len(header) else "" for k in range(n_dim)
            ]
        },
    }
    return build_scenario(data, file=file, lines=lines)


def write_ktab_csv(s: Scenario) -> str:
    arr = s.to_arrays()
    if not arr.mask.all():
        raise DetenteError(
            f"KTAB needs every actor's position on every issue; scenario "
            f"{s.id!r} has missing stances"
        )
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([s.title or s.id, s.description or "", len(s.actors), len(s.issues)])
    labels = s.meta.get("ktab_salience_labels") or []
    head = ["Actor", "Description", "Influence"]
    for k, iss in enumerate(s.issues):
        head += [
            iss.name or iss.id,
            labels[k] if k < len(labels) and labels[k] else f"{iss.name or iss.id} Salience",
        ]
    w.writerow(head)
    unit = arr.unit_position() * 100.0
    for i, a in enumerate(s.actors):
        row = [a.id, a.name or a.id, fmt(a.capability.value)]
        for k in range(len(s.issues)):
            row += [fmt(round10(unit[i, k])), fmt(round10(arr.salience[i, k] * 100.0))]
        w.writerow(row)
    return buf.getvalue()
