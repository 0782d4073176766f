"""Reading and writing scenarios in every supported format.

Formats (name: what it is):

- ``yaml``: the native format, one scenario per file, with evidence and ranges.
- ``long-csv``: one row per actor and issue: ``actor,issue,capability,position,salience``
  with optional extra columns (names, kinds, scales, ranges, evidence).
- ``issue-csv``: one issue: ``actor,capability,position,salience`` (as in the
  expected-utility literature).
- ``ktab-csv``: KTAB's Spatial Model of Politics input (scenario line, header, one row per
  actor with position and salience pairs).
- ``ktab-xml``: KTAB's XML scenario files (read only).
- ``deu``: one issue row of a DEU (Decision-making in the European Union) table, selected
  with ``FILE#ISSUE`` (the ``isnr`` value); the whole file is read by
  :mod:`detente.validation` where that exists.

Detection goes by extension, then by the header; ``format=`` overrides it. Every writer
writes to a temporary file and renames it into place, so a failed write never leaves a
half-written or clobbered file.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import io
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from detente.errors import DetenteError, FormatError, Problem, UnknownNameError
from detente.scenario.model import Scenario
from detente.scenario.validate import build_scenario

FORMATS = ("yaml", "long-csv", "issue-csv", "ktab-csv", "ktab-xml", "deu")
WRITABLE = ("yaml", "long-csv", "issue-csv", "ktab-csv", "deu")


def _fail(file: str, message: str, line: int | None = None, value: Any = ...) -> FormatError:
    return FormatError(
        [
            Problem(
                message=message,
                file=file,
                line=line,
                value=None if value is ... else value,
                has_value=value is not ...,
            )
        ]
    )


# -- detection ---------------------------------------------------------------------------


def detect_format(path: str | Path, text: str | None = None) -> str:
    """Guess the format of ``path`` from its extension and, for CSV, its header."""
    p = Path(str(path).split("#", 1)[0])
    ext = p.suffix.lower()
    if ext in (".yaml", ".yml"):
        return "yaml"
    if ext == ".xml":
        return "ktab-xml"
    if ext in (".tsv", ".tab"):
        return "deu"
    if ext in (".csv", ".txt", ""):
        if text is None:
            text = read_text(p)
        first = [c.strip().lower() for c in _first_row(text)]
        if "issue" in first and "actor" in first:
            return "long-csv"
        if "actor" in first:
            return "issue-csv"
        if "prnr" in first or "isnr" in first:
            return "deu"
        lines = text.splitlines()
        if len(lines) > 1 and lines[1].split(",")[0].strip().lower() == "actor":
            return "ktab-csv"
        raise _fail(
            str(p),
            f"cannot tell the format from the header; give --format (one of {', '.join(FORMATS)})",
            line=1,
        )
    raise _fail(
        str(p), f"unknown file extension {ext!r}; give --format (one of {', '.join(FORMATS)})"
    )


def _first_row(text: str) -> list[str]:
    for row in csv.reader(io.StringIO(text)):
        if row:
            return row
    return []


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DetenteError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DetenteError(f"{path}: is a directory, not a scenario file") from None
    except OSError as exc:
        raise DetenteError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DetenteError(f"{path}: not UTF-8 text (byte {exc.start})") from None


# -- YAML --------------------------------------------------------------------------------


def _yaml_lines(node, path=(), out=None) -> dict[tuple, int]:
    if out is None:
        out = {}
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value
            out[path + (key,)] = k.start_mark.line + 1
            _yaml_lines(v, path + (key,), out)
            out[path + (key,)] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _yaml_lines(v, path + (i,), out)
    return out


def parse_yaml(text: str, file: str = "<string>") -> tuple[Any, dict[tuple, int]]:
    """Parse YAML text into data and a map from data paths to line numbers."""
    # libyaml's loader where PyYAML has it (several times faster on the shipped scenarios)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        msg = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise _fail(file, f"not valid YAML: {msg}", line=line) from None
    lines = _yaml_lines(node) if node is not None else {}
    return data, lines


def read_yaml(path: Path, text: str) -> Scenario:
    data, lines = parse_yaml(text, str(path))
    return build_scenario(data, file=str(path), lines=lines, scenario_id=_stem(path))


def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    """The native (YAML) layout of a scenario, omitting empty and default fields."""
    data = s.model_dump(mode="json", exclude_none=True, exclude_defaults=False)

    def prune(obj):
        if isinstance(obj, dict):
            return {
                k: prune(v)
                for k, v in obj.items()
                if v not in (None, [], {}, ()) or k in ("value",)
            }
        if isinstance(obj, list):
            return [prune(v) for v in obj]
        return obj

    data = prune(data)
    for st in data.get("stances", []):
        for key in ("position", "salience"):
            if set(st[key]) == {"value"}:
                st[key] = st[key]["value"]
    for a in data.get("actors", []):
        if set(a["capability"]) == {"value"}:
            a["capability"] = a["capability"]["value"]
    return data


def dump_yaml(s: Scenario) -> str:
    return yaml.safe_dump(scenario_to_dict(s), sort_keys=False, allow_unicode=True, width=100)


# -- CSV helpers -------------------------------------------------------------------------


def _num(raw: str, file: str, line: int, column: str) -> float | None:
    raw = raw.strip()
    if raw == "":
        return None
    try:
        v = float(raw)
    except ValueError:
        raise _fail(file, f"column {column!r} must be a number", line=line, value=raw) from None
    return v


def _dict_rows(
    text: str, file: str, delimiter: str = ","
) -> tuple[list[str], list[tuple[int, dict]]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, dict]] = []
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if header is None:
            header = [h.strip() for h in row]
            continue
        if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
            raise _fail(
                file, f"row has {len(row)} fields but the header has {len(header)}", line=line
            )
        rows.append((line, {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}))
    if header is None:
        raise _fail(file, "the file is empty")
    return header, rows


def _require(header: list[str], needed: tuple[str, ...], file: str) -> None:
    missing = [c for c in needed if c not in header]
    if missing:
        raise _fail(
            file, f"missing column(s) {', '.join(missing)} (header: {','.join(header)})", line=1
        )


def _range(lo: float | None, hi: float | None) -> list[float] | None:
    if lo is None and hi is None:
        return None
    return [lo, hi]


_LONG_EXTRA = (
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
_LONG_DECISION = (
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
_ROLES = {
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
        for col in _LONG_DECISION:
            raw = r.get(col, "").strip()
            if col in ("decision_role", "vote_weight") or not raw:
                continue
            if col == "threshold":
                val: Any = _num(raw, file, line, col)
            elif col == "must_decide":
                if raw.lower() not in _TRUE:
                    raise _fail(
                        file, "column 'must_decide' must be true or false", line=line, value=raw
                    )
                val = _TRUE[raw.lower()]
            else:
                val = raw
            if col in dec and dec[col] != val:
                raise _fail(
                    file,
                    f"issue {iid!r} has {col} {val!r} here but {dec[col]!r} on line {meta[col]}",
                    line=line,
                )
            if col not in dec:
                dec[col], meta[col] = val, line
        for role in filter(None, (x.strip() for x in r.get("decision_role", "").split(";"))):
            if role not in _ROLES:
                raise _fail(
                    file,
                    f"unknown decision_role (known: {', '.join(_ROLES)})",
                    line=line,
                    value=role,
                )
            key = _ROLES[role]
            if key in ("veto_players", "voters"):
                dec.setdefault(key, []).append(aid)
                lines[("issues", k, "decision", key, len(dec[key]) - 1)] = line
            elif key in dec:
                raise _fail(
                    file, f"issue {iid!r} has a second {role} ({aid!r})", line=line, value=role
                )
            else:
                dec[key] = aid
                lines[("issues", k, "decision", key)] = line
        w = _num(r.get("vote_weight", ""), file, line, "vote_weight")
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
            raise _fail(file, f"issue {iid!r} has decision columns but no rule", line=some)
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
    header, rows = _dict_rows(text, file)
    _require(header, ("actor", "issue", "capability", "position", "salience"), file)
    actors: dict[str, dict] = {}
    issues: dict[str, dict] = {}
    stances: list[dict] = []
    lines: dict[tuple, int] = {}
    for line, r in rows:
        aid, iid = r["actor"].strip(), r["issue"].strip()

        def g(c: str, r: dict = r) -> str:
            return r.get(c, "").strip()

        def num(c: str, r: dict = r, line: int = line) -> float | None:
            return _num(r.get(c, ""), file, line, c)

        cap = num("capability")
        if cap is None:
            raise _fail(file, "column 'capability' is empty", line=line)
        if aid not in actors:
            entry: dict[str, Any] = {"id": aid, "capability": {"value": cap}}
            rng = _range(num("capability_low"), num("capability_high"))
            if rng:
                entry["capability"]["range"] = rng
            if g("actor_name"):
                entry["name"] = g("actor_name")
            if g("kind"):
                entry["kind"] = g("kind")
            lines[("actors", len(actors))] = line
            actors[aid] = entry
        elif actors[aid]["capability"]["value"] != cap:
            raise _fail(
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
            rng = _range(num(f"{key}_low"), num(f"{key}_high"))
            if rng:
                st[key]["range"] = rng
        if g("source") or g("basis") or g("paraphrase") or g("reason"):
            ev = {k: g(k) for k in ("source", "paraphrase", "basis", "reason") if g(k)}
            st["position"]["evidence"] = [ev]
        lines[("stances", len(stances))] = line
        stances.append(st)
    if any(c in header for c in _LONG_DECISION):
        _long_decisions(file, rows, issues, lines)
    data: dict[str, Any] = {
        "id": _stem(path),
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


def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    return (
        repr(float(v)) if not float(v).is_integer() else str(int(v)) if abs(v) < 1e15 else repr(v)
    )


def write_long_csv(s: Scenario) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = ["actor", "issue", "capability", "position", "salience", *_LONG_EXTRA]
    if any(iss.decision is not None for iss in s.issues):
        cols += _LONG_DECISION
    w.writerow(cols)
    for a in s.actors:
        for iss in s.issues:
            st = s.stance(a.id, iss.id)
            ev = st.position.evidence[0] if st and st.position.evidence else None
            dec = iss.decision
            dev = dec.evidence[0] if dec is not None and dec.evidence else None
            roles = []
            if dec is not None:
                roles = [
                    role
                    for role, key in _ROLES.items()
                    if a.id == getattr(dec, key) or a.id in (getattr(dec, key) or ())
                ]
            row = {
                "actor": a.id,
                "issue": iss.id,
                "capability": _fmt(a.capability.value),
                "position": _fmt(st.position.value) if st else "",
                "salience": _fmt(st.salience.value) if st else "",
                "actor_name": a.name or "",
                "kind": a.kind.value,
                "capability_low": _fmt(a.capability.range[0]) if a.capability.range else "",
                "capability_high": _fmt(a.capability.range[1]) if a.capability.range else "",
                "issue_name": iss.name or "",
                "scale_low": _fmt(iss.scale.low),
                "scale_high": _fmt(iss.scale.high),
                "low_label": iss.scale.low_label or "",
                "high_label": iss.scale.high_label or "",
                "status_quo": _fmt(iss.status_quo.value) if iss.status_quo else "",
                "position_low": _fmt(st.position.range[0]) if st and st.position.range else "",
                "position_high": _fmt(st.position.range[1]) if st and st.position.range else "",
                "salience_low": _fmt(st.salience.range[0]) if st and st.salience.range else "",
                "salience_high": _fmt(st.salience.range[1]) if st and st.salience.range else "",
                "source": (ev.source or "") if ev else "",
                "paraphrase": (ev.paraphrase or "") if ev else "",
                "basis": ev.basis.value if ev else "",
                "reason": (ev.reason or "") if ev else "",
                "rule": dec.rule.value if dec else "",
                "threshold": _fmt(dec.threshold) if dec and dec.threshold is not None else "",
                "must_decide": str(dec.must_decide).lower() if dec else "",
                "decision_role": ";".join(roles),
                "vote_weight": _fmt(dec.weights[a.id])
                if dec and dec.weights and a.id in dec.weights
                else "",
                "rule_source": (dev.source or "") if dev else "",
                "rule_paraphrase": (dev.paraphrase or "") if dev else "",
                "rule_basis": dev.basis.value if dev else "",
                "rule_reason": (dev.reason or "") if dev else "",
            }
            w.writerow([row[c] for c in cols])
    return buf.getvalue()


# -- one-issue CSV -----------------------------------------------------------------------


def read_issue_csv(path: Path, text: str) -> Scenario:
    file = str(path)
    header, rows = _dict_rows(text, file)
    _require(header, ("actor", "capability", "position", "salience"), file)
    actors, stances, lines = [], [], {}
    iid = _stem(path)
    positions = []
    for line, r in rows:
        aid = r["actor"].strip()
        cap = _num(r["capability"], file, line, "capability")
        pos = _num(r["position"], file, line, "position")
        sal = _num(r["salience"], file, line, "salience")
        if cap is None:
            raise _fail(file, "column 'capability' is empty", line=line)
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
                _fmt(a.capability.value),
                _fmt(st.position.value) if st else "",
                _fmt(st.salience.value) if st else "",
            ]
        )
    return buf.getvalue()


# -- KTAB CSV ----------------------------------------------------------------------------


def read_ktab_csv(path: Path, text: str) -> Scenario:
    """KTAB SMP input: ``name,description,nActors,nDims`` / header / actor rows."""
    file = str(path)
    rows = [
        (i + 1, [c.strip() for c in row]) for i, row in enumerate(csv.reader(io.StringIO(text)))
    ]
    rows = [(ln, r) for ln, r in rows if any(r)]
    if len(rows) < 2:
        raise _fail(file, "a KTAB CSV needs a scenario line, a header line and actor rows")
    (l1, first), (l2, header) = rows[0], rows[1]
    try:
        n_act, n_dim = int(float(first[2])), int(float(first[3]))
    except (IndexError, ValueError):
        raise _fail(file, "line 1 must be 'name,description,nActors,nDims'", line=l1) from None
    if n_dim < 1:
        raise _fail(file, "the number of dimensions must be at least 1", line=l1, value=n_dim)
    dims = []
    for k in range(n_dim):
        try:
            dims.append(header[3 + 2 * k])
        except IndexError:
            raise _fail(
                file, f"the header names fewer than {n_dim} position/salience pairs", line=l2
            ) from None
    body = rows[2:]
    if len(body) != n_act:
        raise _fail(file, f"line 1 announces {n_act} actors but {len(body)} rows follow", line=l1)
    issue_ids = [_slug(d) or f"dim{k}" for k, d in enumerate(dims)]
    if len(set(issue_ids)) != len(issue_ids):
        issue_ids = [f"{iid}_{k}" for k, iid in enumerate(issue_ids)]
    actors, stances, lines = [], [], {}
    for ln, r in body:
        if len(r) < 3 + 2 * n_dim:
            raise _fail(
                file, f"an actor row needs {3 + 2 * n_dim} fields, this one has {len(r)}", line=ln
            )
        cap = _num(r[2], file, ln, "Influence")
        lines[("actors", len(actors))] = ln
        actor: dict[str, Any] = {"id": r[0], "capability": cap}
        if r[1] and r[1] != r[0]:
            actor["name"] = r[1]
        actors.append(actor)
        for k in range(n_dim):
            pos = _num(r[3 + 2 * k], file, ln, header[3 + 2 * k] if 3 + 2 * k < len(header) else "")
            sal = _num(r[4 + 2 * k], file, ln, header[4 + 2 * k] if 4 + 2 * k < len(header) else "")
            if pos is None or sal is None:
                raise _fail(
                    file,
                    f"actor {r[0]!r} lacks a value on dimension {dims[k]!r}; KTAB "
                    "needs every position and salience",
                    line=ln,
                )
            lines[("stances", len(stances))] = ln
            stances.append({"actor": r[0], "issue": issue_ids[k], "position": pos, "salience": sal})
    issues = [{"id": iid, "name": d} for iid, d in zip(issue_ids, dims)]
    data = {
        "id": _stem(path),
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
        row = [a.id, a.name or a.id, _fmt(a.capability.value)]
        for k in range(len(s.issues)):
            row += [_fmt(_clean(unit[i, k])), _fmt(_clean(arr.salience[i, k] * 100.0))]
        w.writerow(row)
    return buf.getvalue()


def _clean(v: float) -> float:
    r = round(v, 10)
    return r


# -- DEU ---------------------------------------------------------------------------------

DEU_ACTORS = (
    "com",
    "ep",
    "at",
    "be",
    "bu",
    "cr",
    "cy",
    "cz",
    "dk",
    "ee",
    "fi",
    "fr",
    "de",
    "el",
    "hu",
    "ie",
    "it",
    "lv",
    "lt",
    "lu",
    "mt",
    "nl",
    "pl",
    "pt",
    "ro",
    "si",
    "sk",
    "es",
    "se",
    "uk",
)
DEU_CAPABILITY = ("size", "equal", "council", "population")
"""Capability choices for DEU rows: ``size`` the file's size row; ``equal`` 1 for everyone;
``council`` the Council voting weight under the treaty in force at the proposal's ``intro`` date
(:func:`deu_council_weights`); ``population`` the population in millions (:data:`EU_POPULATION`).
Under ``council`` and ``population`` the Commission and the Parliament each count as much as the
largest member state (the convention of the file's size row, which gives both Germany's figure)."""

# Council votes under qualified majority voting, by treaty period.
# Amsterdam (EU15, until 30 April 2004): Art. 205(2) TEC as amended by the Treaty of Amsterdam.
_QMV_EU15 = {
    "de": 10,
    "fr": 10,
    "it": 10,
    "uk": 10,
    "es": 8,
    "be": 5,
    "el": 5,
    "nl": 5,
    "pt": 5,
    "at": 4,
    "se": 4,
    "dk": 3,
    "ie": 3,
    "fi": 3,
    "lu": 2,
}
# 1 May to 31 October 2004: Art. 26 of the 2003 Act of Accession (EU15 weights kept).
_QMV_2004 = {
    **_QMV_EU15,
    "pl": 8,
    "cz": 5,
    "hu": 5,
    "sk": 3,
    "lt": 3,
    "lv": 3,
    "si": 3,
    "ee": 3,
    "cy": 2,
    "mt": 2,
}
# Nice (1 November 2004 to 31 October 2014): Art. 205(2) TEC as amended by the Treaty of Nice
# and the 2003 and 2005 Acts of Accession; Croatia's 7 votes from the 2012 Act of Accession.
_QMV_NICE = {
    "de": 29,
    "fr": 29,
    "it": 29,
    "uk": 29,
    "es": 27,
    "pl": 27,
    "ro": 14,
    "nl": 13,
    "be": 12,
    "cz": 12,
    "el": 12,
    "hu": 12,
    "pt": 12,
    "at": 10,
    "bu": 10,
    "se": 10,
    "dk": 7,
    "ie": 7,
    "lt": 7,
    "sk": 7,
    "fi": 7,
    "cr": 7,
    "cy": 4,
    "ee": 4,
    "lv": 4,
    "lu": 4,
    "si": 4,
    "mt": 3,
}
EU_POPULATION = {
    "de": 81.8,
    "fr": 64.7,
    "uk": 62.0,
    "it": 60.3,
    "es": 46.0,
    "pl": 38.2,
    "ro": 21.5,
    "nl": 16.6,
    "el": 11.3,
    "be": 10.8,
    "pt": 10.6,
    "cz": 10.5,
    "hu": 10.0,
    "se": 9.3,
    "at": 8.4,
    "bu": 7.6,
    "dk": 5.5,
    "sk": 5.4,
    "fi": 5.4,
    "ie": 4.5,
    "cr": 4.4,
    "lt": 3.3,
    "lv": 2.2,
    "si": 2.0,
    "ee": 1.3,
    "cy": 0.8,
    "lu": 0.5,
    "mt": 0.4,
}
"""Population in millions, Eurostat (demo_pjan), 1 January 2010, rounded to 0.1 million."""


def _deu_date(raw: str):
    """The date in a DEU ``intro``/``finact`` cell, or None.

    Cells are ``dd-mm-yy`` or ``dd-mm-yyyy``; some copies hold ``yyyy-mm-dd`` values that
    are ``dd-mm-yy`` strings read the wrong way round by a spreadsheet (``1930-06-05`` for
    30 June 2005): those are read back as day = yyyy mod 100, year = 20dd (19dd above 50).
    """
    parts = raw.strip().split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    a, b, c = (int(p) for p in parts)
    if len(parts[0]) == 4:
        day, month, year = a % 100, b, (1900 + c if c > 50 else 2000 + c)
    else:
        day, month, year = a, b, (c if c > 100 else (1900 + c if c > 50 else 2000 + c))
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


def deu_council_weights(row: dict) -> tuple[str, dict[str, float]]:
    """The treaty period of a DEU row (by its ``intro`` date) and its Council weights.

    ``amsterdam`` (before 1 May 2004), ``accession2004`` (to 31 October 2004), ``nice`` (to
    31 October 2014) use the QMV votes above. ``lisbon`` (from 1 November 2014) has no
    weights: its double majority counts states (55 %) and population (65 %), so each state
    gets the mean of its share of the members and its share of the population, times 100.
    A row without a readable date is placed in the Nice period.
    """
    when = _deu_date(row.get("intro", "")) or _deu_date(row.get("finact", ""))
    if when is None or _dt.date(2004, 11, 1) <= when < _dt.date(2014, 11, 1):
        period, votes = "nice", dict(_QMV_NICE)
    elif when < _dt.date(2004, 5, 1):
        period, votes = "amsterdam", dict(_QMV_EU15)
    elif when < _dt.date(2004, 11, 1):
        period, votes = "accession2004", dict(_QMV_2004)
    else:
        period = "lisbon"
        pop = sum(EU_POPULATION.values())
        n = len(EU_POPULATION)
        votes = {a: 100.0 * (0.5 / n + 0.5 * v / pop) for a, v in EU_POPULATION.items()}
    top = max(votes.values())
    votes.update({"com": top, "ep": top})
    return period, {a: float(v) for a, v in votes.items()}


def deu_qmv_threshold(row: dict) -> tuple[str, float]:
    """The qualified-majority threshold of a DEU row, as a share of the Council weights of
    :func:`deu_council_weights`, by the treaty and membership at its ``intro`` date.

    Amsterdam (EU15): 62 of 87 votes; May-October 2004: 88 of 124 (Art. 26 of the 2003 Act of
    Accession); Nice: 232 of 321 (EU25, to 2006), 255 of 345 (EU27, from 2007), 260 of 352
    (EU28, from July 2013); Lisbon (from November 2014): 55 % of the states holding 65 % of the
    population, approximated on the blended weights (mean of state and population shares) by
    the share 0.60 that any coalition meeting both criteria reaches. The further conditions
    (a majority of the states under Nice, 62 % of the population on request) are not applied.

    >>> deu_qmv_threshold({"intro": "10-12-97"})
    ('amsterdam', 0.7126436781609196)
    """
    period, _ = deu_council_weights(row)
    if period == "amsterdam":
        return period, 62 / 87
    if period == "accession2004":
        return period, 88 / 124
    if period == "lisbon":
        return period, 0.60
    when = _deu_date(row.get("intro", "")) or _deu_date(row.get("finact", ""))
    if when is not None and when < _dt.date(2007, 1, 1):
        return period, 232 / 321
    if when is not None and when >= _dt.date(2013, 7, 1):
        return period, 260 / 352
    return period, 255 / 345


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
    header, rows = _dict_rows(text, file, delimiter=delim)
    _require(header, ("isnr", "out"), file)
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
            raise _fail(
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
        raise _fail(file, "the DEU table has no issue rows")
    if selector is None:
        if len(rows) == 1:
            line, row = rows[0]
            return deu_row_to_scenario(file, line, row, sizes, capability)
        raise _fail(
            file,
            f"the DEU table has {len(rows)} issues; pick one as FILE#ISSUE "
            f"(e.g. {file}#{rows[0][1].get('isnr', '').strip()})",
        )
    for line, row in rows:
        if row.get("isnr", "").strip() == selector:
            return deu_row_to_scenario(file, line, row, sizes, capability)
    raise _fail(file, f"no issue {selector!r} in the DEU table (column isnr)")


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
        size_row["p" + a.id] = _fmt(a.capability.value)
        if st is not None:
            row["p" + a.id] = _fmt(st.position.value)
            row["s" + a.id] = _fmt(st.salience.value)
    row["rp"] = _fmt(iss.status_quo.value) if iss.status_quo else ""
    row["out"] = _fmt(s.meta["outcome"]) if "outcome" in s.meta else ""
    for key in ("proc", "counvte"):  # the decision rule, as a DEU reader derives it
        if s.meta.get(key):
            row[key] = str(s.meta[key])
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n")
    w.writerow(header)
    w.writerow([size_row[h] for h in header])
    w.writerow([row[h] for h in header])
    return buf.getvalue()


# -- dispatch ----------------------------------------------------------------------------


def _stem(path: Path | str) -> str:
    return Path(str(path)).stem


def _slug(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "_" for c in text.strip())
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")


def read_scenario(path: str | Path, format: str | None = None, **options: Any) -> Scenario:
    """Read a scenario file in any supported format.

    Parameters
    ----------
    path:
        The file; ``FILE#ISSUE`` picks one row (issue) of a DEU table.
    format:
        One of ``FORMATS`` (``yaml``, ``long-csv``, ``issue-csv``, ``ktab-csv``, ``ktab-xml``,
        ``deu``); default: guessed from the extension and the content.
    **options:
        Options of the format's reader (``capability=`` for DEU tables, say).

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        The file cannot be read or its content is invalid (the message names the file, the
        line where the format has lines, and the field).

    Examples
    --------
    >>> import tempfile, os, detente
    >>> path = os.path.join(tempfile.mkdtemp(), "astana.csv")
    >>> write_scenario(detente.load("syria-astana-2017"), path, "long-csv")
    'long-csv'
    >>> read_scenario(path).actor_ids == detente.load("syria-astana-2017").actor_ids
    True
    """
    raw = str(path)
    selector = None
    if "#" in raw and not Path(raw).exists():
        raw, selector = raw.split("#", 1)
    p = Path(raw)
    if format is not None and format not in FORMATS:
        raise UnknownNameError(f"unknown format {format!r} (known: {', '.join(FORMATS)})")
    text = read_text(p)
    try:
        return _read_text_as(p, text, format, selector, **options)
    except csv.Error as exc:
        raise _fail(str(p), f"not readable as CSV: {exc}") from None


def _read_text_as(
    p: Path, text: str, format: str | None, selector: str | None, **options: Any
) -> Scenario:
    fmt = format or detect_format(p, text)
    if fmt == "ktab-xml":
        from detente.scenario.ktab_xml import read_ktab_xml_scenario

        return read_ktab_xml_scenario(p, text)
    readers: dict[str, Callable[[Path, str], Scenario]] = {
        "yaml": read_yaml,
        "long-csv": read_long_csv,
        "issue-csv": read_issue_csv,
        "ktab-csv": read_ktab_csv,
    }
    if fmt == "deu":
        return read_deu(p, text, selector, **options)
    return readers[fmt](p, text)


def format_for_output(path: str | Path, format: str | None = None) -> str:
    if format is not None:
        if format not in WRITABLE:
            raise UnknownNameError(
                f"cannot write format {format!r} (writable: {', '.join(WRITABLE)})"
            )
        return format
    ext = Path(path).suffix.lower()
    if ext in (".yaml", ".yml"):
        return "yaml"
    if ext in (".tsv", ".tab"):
        return "deu"
    if ext == ".csv":
        return "long-csv"
    raise UnknownNameError(
        f"{path}: cannot tell the output format from the extension "
        f"{ext!r}; give --to (one of {', '.join(WRITABLE)})"
    )


def scenario_to_text(s: Scenario, format: str) -> str:
    writers: dict[str, Callable[[Scenario], str]] = {
        "yaml": dump_yaml,
        "long-csv": write_long_csv,
        "issue-csv": write_issue_csv,
        "ktab-csv": write_ktab_csv,
        "deu": write_deu,
    }
    if format not in writers:
        raise UnknownNameError(f"cannot write format {format!r} (writable: {', '.join(WRITABLE)})")
    return writers[format](s)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically (see
    :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` through a temporary file in the same folder, renamed into
    place: a failure leaves the old file (if any) as it was and no temporary file behind. The
    new file gets the usual permissions (0666 less the umask), not the temporary file's 0600.
    """
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise DetenteError(f"{p}: the folder {parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_scenario(s: Scenario, path: str | Path, format: str | None = None) -> str:
    """Write a scenario to a file, atomically (a failed write leaves any old file whole).

    Parameters
    ----------
    s:
        The scenario.
    path:
        The file to write.
    format:
        One of ``WRITABLE`` (``yaml``, ``long-csv``, ``issue-csv``, ``ktab-csv``, ``deu``);
        default: from the extension (``.yaml``, ``.csv``: long CSV).

    Returns
    -------
    str
        The format written.

    Examples
    --------
    >>> import tempfile, os, detente
    >>> path = os.path.join(tempfile.mkdtemp(), "astana.yaml")
    >>> write_scenario(detente.load("syria-astana-2017"), path)
    'yaml'
    >>> read_scenario(path) == detente.load("syria-astana-2017")
    True
    """
    fmt = format_for_output(path, format)
    text = scenario_to_text(s, fmt)  # build first: a failing writer never touches the file
    atomic_write_text(path, text)
    return fmt
