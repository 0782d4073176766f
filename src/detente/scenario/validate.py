"""Build a :class:`Scenario` from plain data, reporting every problem at once.

Readers turn a file into the native dictionary layout (the YAML schema) plus a map
from data paths to line numbers; :func:`build_scenario` validates the structure with
pydantic piece by piece, then checks the cross-references and ranges, and raises one
:class:`~detente.errors.ScenarioError` listing every problem found, each naming the
file, line, actor, issue, field and offending value.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from detente import limits
from detente.errors import Problem, ScenarioError, ScenarioLimitError, plain_message
from detente.limits import RANGES
from detente.scenario.model import (
    RULE_FIELDS,
    Actor,
    Issue,
    Scenario,
    Source,
    Stance,
    Value,
    rule_field_problems,
)

LineMap = Mapping[tuple, int]

_TOP_KEYS = {"id", "title", "description", "date", "sources", "actors", "issues", "stances", "meta"}


class _Collector:
    def __init__(self, file: str | None, lines: LineMap | None):
        self.file = file
        self.lines = lines or {}
        self.problems: list[Problem] = []

    def line_of(self, path: tuple) -> int | None:
        for cut in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:cut]))
            if line is not None:
                return line
        return None

    def add(
        self,
        message: str,
        path: tuple,
        *,
        actor=None,
        issue=None,
        value: Any = ...,
        field: str | None = None,
    ) -> None:
        if field is None:
            tail = [str(p) for p in path[2:] if not isinstance(p, int)] if len(path) > 2 else []
            field = ".".join(tail) or (
                str(path[-1]) if path and not isinstance(path[-1], int) else None
            )
        self.problems.append(
            Problem(
                message=message,
                file=self.file,
                line=self.line_of(path),
                actor=actor,
                issue=issue,
                field=field,
                value=None if value is ... else value,
                has_value=value is not ...,
            )
        )


def _parse(cls: type[BaseModel], raw: Any, path: tuple, col: _Collector, *, actor=None, issue=None):
    try:
        return cls.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            # pydantic reports model-level errors with an empty location; union members add
            # type names to the location, which we drop.
            loc = tuple(p for p in loc if not (isinstance(p, str) and p[:1].isupper()))
            full = path + loc
            inp = err.get("input", ...)
            if isinstance(inp, (dict, list)):
                inp = ...
            col.add(plain_message(err), full, actor=actor, issue=issue, value=inp)
        return None


def _as_list(raw: Any, key: str, col: _Collector) -> list:
    if raw is None:
        return []
    if not isinstance(raw, list):
        col.add(f"must be a list, not {type(raw).__name__}", (key,), field=key)
        return []
    return raw


@dataclass
class _Parsed:
    """The pieces of a scenario parsed so far, with the row each came from."""

    sources: list[Source] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    actor_rows: list[int] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    issue_rows: list[int] = field(default_factory=list)
    # (row, actor, issue, position, salience) of every stance that is a mapping
    raw_stances: list[tuple[int, Any, Any, Value | None, Value | None]] = field(
        default_factory=list
    )
    stances: list[Stance] = field(default_factory=list)


def _ids(raw: Any) -> set[str]:
    """The string ids of the mappings in a raw list (anything else is left out)."""
    if not isinstance(raw, list):
        return set()
    return {r["id"] for r in raw if isinstance(r, Mapping) and isinstance(r.get("id"), str)}


def _label(v: Any) -> str | None:
    """An id to show in a message: strings as they are, anything else left out."""
    return v if isinstance(v, str) else None


def check_size(data: Mapping, file: str | None = None, lines: LineMap | None = None) -> None:
    """Refuse a scenario (native layout) with more actors, issues, stances or sources than
    the limits in force allow (:mod:`detente.limits`), before anything is parsed.

    >>> from detente import limits
    >>> with limits.using(max_actors=1):
    ...     check_size({"actors": [{}, {}]}, "s.yaml")
    Traceback (most recent call last):
    ...
    detente.errors.ScenarioLimitError: s.yaml: field 'actors': too many actors: 2 (limit max_actors 1)
    """
    if not isinstance(data, Mapping):
        return
    lim = limits.current()
    col = _Collector(file, lines)
    for key in ("actors", "issues", "stances", "sources"):
        raw = data.get(key)
        limit = getattr(lim, f"max_{key}")
        if isinstance(raw, list) and len(raw) > limit:
            raise ScenarioLimitError(
                [
                    Problem(
                        message=f"too many {key}: {len(raw)} (limit max_{key} {limit})",
                        file=file,
                        line=col.line_of((key,)),
                        field=key,
                    )
                ]
            )


def _check_shape(data: Any, col: _Collector) -> None:
    """The top level: a mapping with known keys, lists within the limits."""
    if not isinstance(data, Mapping):
        what = "nothing (the file is empty)" if data is None else type(data).__name__
        col.add(
            f"a scenario must be a mapping with actors, issues and stances, not {what}",
            (),
            field=None,
        )
        raise ScenarioError(col.problems)
    for key in data:
        if key not in _TOP_KEYS:
            col.add(
                f"unknown key (expected one of {', '.join(sorted(_TOP_KEYS))})",
                (key,),
                field=str(key),
            )
    check_size(data, col.file, col.lines)
    for key in ("id", "title", "description"):
        v = data.get(key)
        if v is not None and not isinstance(v, str):
            col.add(f"must be text, not {type(v).__name__}", (key,), field=key, value=v)
    if data.get("id") is not None and isinstance(data["id"], str) and not data["id"].strip():
        col.add("must be a non-empty id", ("id",), field="id", value=data["id"])


def _parse_sources(data: Mapping, col: _Collector, out: _Parsed) -> None:
    for n, raw in enumerate(_as_list(data.get("sources"), "sources", col)):
        src = _parse(Source, raw, ("sources", n), col)
        if src is not None:
            out.sources.append(src)


def _parse_actors(data: Mapping, col: _Collector, out: _Parsed) -> None:
    for n, raw in enumerate(_as_list(data.get("actors"), "actors", col)):
        aid = _label(raw.get("id")) if isinstance(raw, Mapping) else None
        act = _parse(Actor, raw, ("actors", n), col, actor=aid)
        if act is not None:
            out.actors.append(act)
            out.actor_rows.append(n)


_ROLE = {
    "veto_players": "veto player",
    "voters": "voter",
    "weights": "voting weight's actor",
    "controller": "controller",
    "agenda_setter": "agenda setter",
}


def _decision_fits(raw: Any, n: int, iid: Any, col: _Collector) -> bool:
    """Check that a decision's rule and fields go together, naming the field at fault.

    Returns False (after reporting) when they do not; pydantic then checks the values.
    """
    if raw is None or not isinstance(raw, Mapping):
        return True  # pydantic reports the type
    path = ("issues", n, "decision")
    rule = raw.get("rule")
    if rule is None:
        col.add(
            "a decision needs a rule (consensus, vote or unilateral)",
            path + ("rule",),
            issue=iid,
            field="decision.rule",
        )
        return False
    given = {k for k in RULE_FIELDS if raw.get(k) not in (None, "", [], {}, ())}
    problems = rule_field_problems(str(rule), given)
    for key, msg in problems:
        col.add(
            msg,
            path + (key,),
            issue=iid,
            field=f"decision.{key}",
            value=rule if key == "rule" else ...,
        )
    return not problems


def _parse_issues(data: Mapping, col: _Collector, out: _Parsed) -> None:
    for n, raw in enumerate(_as_list(data.get("issues"), "issues", col)):
        iid = _label(raw.get("id")) if isinstance(raw, Mapping) else None
        if isinstance(raw, Mapping) and not _decision_fits(raw.get("decision"), n, iid, col):
            raw = {k: v for k, v in raw.items() if k != "decision"}  # reported; check the rest
        iss = _parse(Issue, raw, ("issues", n), col, issue=iid)
        if iss is not None:
            out.issues.append(iss)
            out.issue_rows.append(n)


_STANCE_KEYS = ("actor", "issue", "position", "salience")


def _parse_stances(data: Mapping, col: _Collector, out: _Parsed) -> None:
    """Stances field by field, so that a problem in one field does not hide the others."""
    for n, raw in enumerate(_as_list(data.get("stances"), "stances", col)):
        if not isinstance(raw, Mapping):
            col.add(
                "a stance must be a mapping with actor, issue, position and salience",
                ("stances", n),
                value=raw,
                field="stance",
            )
            continue
        a, i = raw.get("actor"), raw.get("issue")
        la, li = _label(a), _label(i)
        for key in raw:
            if key not in _STANCE_KEYS:
                col.add(
                    "unknown key (expected actor, issue, position, salience)",
                    ("stances", n, key),
                    actor=la,
                    issue=li,
                    field=str(key),
                )
        for key, v in (("actor", a), ("issue", i)):
            if not isinstance(v, str) or not v.strip():
                col.add(
                    f"{key} must be a non-empty id",
                    ("stances", n, key),
                    actor=la,
                    issue=li,
                    value=v,
                    field=key,
                )
        vals = []
        for key in ("position", "salience"):
            if raw.get(key) is None:
                col.add(f"{key} is missing", ("stances", n, key), actor=la, issue=li, field=key)
                vals.append(None)
            else:
                vals.append(_parse(Value, raw[key], ("stances", n, key), col, actor=la, issue=li))
        out.raw_stances.append((n, la, li, vals[0], vals[1]))
    for n, a, i, pos, sal in out.raw_stances:
        if pos is not None and sal is not None and a is not None and i is not None:
            st = _parse(
                Stance,
                {"actor": a, "issue": i, "position": pos, "salience": sal},
                ("stances", n),
                col,
                actor=a,
                issue=i,
            )
            if st is not None:
                out.stances.append(st)


def _check_presence(data: Mapping, col: _Collector) -> None:
    if not data.get("actors"):
        col.add("the scenario has no actors", ("actors",), field="actors")
    if not data.get("issues"):
        col.add("the scenario has no issues", ("issues",), field="issues")
    if not data.get("stances"):
        col.add("the scenario has no stances (positions)", ("stances",), field="stances")


def _check_duplicates(col: _Collector, p: _Parsed) -> None:
    def dups(items, rows, key, what):
        counts = Counter(x.id for x in items)
        seen: set[str] = set()
        for x, n in zip(items, rows):
            if counts[x.id] > 1 and x.id in seen:
                col.add(
                    f"duplicate {what} id",
                    (key, n, "id"),
                    actor=x.id if what == "actor" else None,
                    issue=x.id if what == "issue" else None,
                    field="id",
                    value=x.id,
                )
            seen.add(x.id)

    dups(p.actors, p.actor_rows, "actors", "actor")
    dups(p.issues, p.issue_rows, "issues", "issue")
    dups(p.sources, list(range(len(p.sources))), "sources", "source")


def _check_evidence(
    col: _Collector, source_ids: set[str], v: Value | None, path: tuple, actor=None, issue=None
) -> None:
    if v is not None:
        _check_evidence_list(col, source_ids, v.evidence, path, actor=actor, issue=issue)


def _check_evidence_list(
    col: _Collector, source_ids: set[str], evidence, path: tuple, actor=None, issue=None
) -> None:
    for e_no, ev in enumerate(evidence):
        if ev.source is not None and source_ids and ev.source not in source_ids:
            col.add(
                "evidence names a source that is not in the scenario's sources",
                path + ("evidence", e_no, "source"),
                actor=actor,
                issue=issue,
                value=ev.source,
            )


def _check_actors(col: _Collector, p: _Parsed, source_ids: set[str]) -> None:
    top = RANGES["capability"][1]
    for act, n in zip(p.actors, p.actor_rows):
        cap = act.capability
        if cap.value <= 0:
            col.add(
                "capability must be positive",
                ("actors", n, "capability", "value"),
                actor=act.id,
                value=cap.value,
                field="capability",
            )
        elif cap.high > top:
            col.add(
                f"capability must be at most {top:g}",
                ("actors", n, "capability", "value"),
                actor=act.id,
                value=cap.high,
                field="capability",
            )
        elif cap.range is not None and cap.range[0] <= 0:
            col.add(
                "capability range must stay positive",
                ("actors", n, "capability", "range"),
                actor=act.id,
                value=list(cap.range),
                field="capability.range",
            )
        _check_evidence(col, source_ids, cap, ("actors", n, "capability"), actor=act.id)


def _check_issues(col: _Collector, p: _Parsed, source_ids: set[str]) -> None:
    lo_max, hi_max = RANGES["scale"]
    for iss, n in zip(p.issues, p.issue_rows):
        sq = iss.status_quo
        lo, hi = iss.scale.low, iss.scale.high
        if lo < lo_max or hi > hi_max:
            col.add(
                f"the scale must lie within {lo_max:g}..{hi_max:g}",
                ("issues", n, "scale"),
                issue=iss.id,
                value=[lo, hi],
                field="scale",
            )
        if sq is not None:
            if not lo <= sq.value <= hi:
                col.add(
                    f"status quo lies outside the scale {lo:g}..{hi:g}",
                    ("issues", n, "status_quo", "value"),
                    issue=iss.id,
                    value=sq.value,
                    field="status_quo",
                )
            _check_evidence(col, source_ids, sq, ("issues", n, "status_quo"), issue=iss.id)


def _check_stance_values(col: _Collector, iss: Issue | None, n, a, i, pos, sal) -> None:
    path = ("stances", n)
    if iss is not None and pos is not None:
        lo, hi = iss.scale.low, iss.scale.high
        if not lo <= pos.value <= hi:
            col.add(
                f"position lies outside the scale {lo:g}..{hi:g}",
                path + ("position", "value"),
                actor=a,
                issue=i,
                value=pos.value,
                field="position",
            )
        elif pos.range is not None and not (lo <= pos.range[0] and pos.range[1] <= hi):
            col.add(
                f"position range leaves the scale {lo:g}..{hi:g}",
                path + ("position", "range"),
                actor=a,
                issue=i,
                value=list(pos.range),
                field="position.range",
            )
    if sal is not None:
        if not 0 <= sal.value <= 100:
            col.add(
                "salience must lie within 0..100",
                path + ("salience", "value"),
                actor=a,
                issue=i,
                value=sal.value,
                field="salience",
            )
        elif sal.range is not None and not (0 <= sal.range[0] and sal.range[1] <= 100):
            col.add(
                "salience range leaves 0..100",
                path + ("salience", "range"),
                actor=a,
                issue=i,
                value=list(sal.range),
                field="salience.range",
            )


def _check_stances(data: Mapping, col: _Collector, p: _Parsed, source_ids: set[str]) -> None:
    raw_actor_ids = _ids(data.get("actors"))
    raw_issue_ids = _ids(data.get("issues"))
    issue_by_id = {i.id: i for i in p.issues}
    pairs: Counter = Counter()
    for n, a, i, pos, sal in p.raw_stances:
        path = ("stances", n)
        if a is not None and a not in raw_actor_ids:
            col.add(
                "stance names an unknown actor",
                path + ("actor",),
                actor=a,
                issue=i,
                value=a,
                field="actor",
            )
        if i is not None and i not in raw_issue_ids:
            col.add(
                "stance names an unknown issue",
                path + ("issue",),
                actor=a,
                issue=i,
                value=i,
                field="issue",
            )
        if a is not None and i is not None:
            pairs[(a, i)] += 1
            if pairs[(a, i)] == 2:
                col.add(
                    "more than one stance for this actor and issue",
                    path,
                    actor=a,
                    issue=i,
                    field="stance",
                )
        iss = issue_by_id.get(i) if i is not None else None
        _check_stance_values(col, iss, n, a, i, pos, sal)
        _check_evidence(col, source_ids, pos, path + ("position",), a, i)
        _check_evidence(col, source_ids, sal, path + ("salience",), a, i)


def _check_decisions(data: Mapping, col: _Collector, p: _Parsed, source_ids: set[str]) -> None:
    """Who a decision rule names must be an actor with a stance on the issue."""
    raw_actor_ids = _ids(data.get("actors"))
    has_stance = {
        (a, i)
        for _, a, i, pos, sal in p.raw_stances
        if pos is not None and sal is not None and isinstance(a, str) and isinstance(i, str)
    }
    for iss, n in zip(p.issues, p.issue_rows):
        dec = iss.decision
        if dec is None:
            continue
        path = ("issues", n, "decision")
        named = [("veto_players", a, k) for k, a in enumerate(dec.veto_players)]
        named += [("voters", a, k) for k, a in enumerate(dec.voters)]
        named += [("weights", a, a) for a in (dec.weights or {})]
        named += [(key, getattr(dec, key), None) for key in ("controller", "agenda_setter")]
        for key, a, sub in named:
            if a is None:
                continue
            where = path + (key,) + (() if sub is None else (sub,))
            if a not in raw_actor_ids:
                col.add(
                    f"{_ROLE[key]} is not an actor of the scenario",
                    where,
                    issue=iss.id,
                    value=a,
                    field=f"decision.{key}",
                )
            elif (a, iss.id) not in has_stance and key != "weights":
                col.add(
                    f"{_ROLE[key]} has no stance (position and salience) on this issue",
                    where,
                    issue=iss.id,
                    value=a,
                    field=f"decision.{key}",
                )
        _check_evidence_list(col, source_ids, dec.evidence, path, issue=iss.id)


def _check_coverage(col: _Collector, p: _Parsed) -> None:
    covered = {st.issue for st in p.stances}
    raw_stance_issues = {i for _, _, i, _, _ in p.raw_stances}
    for iss, n in zip(p.issues, p.issue_rows):
        if iss.id not in covered and iss.id not in raw_stance_issues and p.raw_stances:
            col.add(
                "no actor has a position on this issue", ("issues", n), issue=iss.id, field="issue"
            )


def _meta(data: Mapping, col: _Collector) -> dict:
    meta = data.get("meta") or {}
    if not isinstance(meta, Mapping):
        col.add("meta must be a mapping", ("meta",), field="meta", value=meta)
        return {}
    return dict(meta)


def _assemble(
    data: Mapping, col: _Collector, p: _Parsed, meta: dict, scenario_id: str | None
) -> Scenario:
    kwargs: dict[str, Any] = {}
    for key in ("title", "description", "date"):
        if data.get(key) is not None:
            kwargs[key] = data[key]
    sid = data.get("id") or scenario_id or "scenario"
    try:
        return Scenario(
            id=str(sid),
            sources=tuple(p.sources),
            actors=tuple(p.actors),
            issues=tuple(p.issues),
            stances=tuple(p.stances),
            meta=meta,
            **kwargs,
        )
    except ValidationError as exc:
        for err in exc.errors():
            inp = err.get("input", ...)
            if isinstance(inp, (dict, list)):
                inp = ...
            col.add(plain_message(err), tuple(err["loc"]), value=inp)
        raise ScenarioError(col.problems) from None


def build_scenario(
    data: Any,
    *,
    file: str | None = None,
    lines: LineMap | None = None,
    scenario_id: str | None = None,
) -> Scenario:
    """Validate ``data`` (the native layout) and return a :class:`Scenario`.

    The steps: the shape of the top level and the limits (:mod:`detente.limits`, checked
    before anything is parsed); each source, actor, issue and stance parsed on its own;
    then presence, duplicates, actors, issues, stances (references, scales, ranges) and
    coverage checked across them. Every problem found is collected.

    Parameters
    ----------
    data:
        The scenario in the native (YAML) layout.
    file:
        The name problems give as their file.
    lines:
        A map from data paths to line numbers, for the problems' lines.
    scenario_id:
        The id to use when ``data`` has none.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        With every problem found (:class:`~detente.errors.ScenarioLimitError` when the
        scenario is over a limit).

    Examples
    --------
    >>> s = build_scenario({
    ...     "actors": [{"id": "a", "capability": 1}, {"id": "b", "capability": 2}],
    ...     "issues": [{"id": "x"}],
    ...     "stances": [{"actor": "a", "issue": "x", "position": 10, "salience": 50},
    ...                 {"actor": "b", "issue": "x", "position": 90, "salience": 50}]})
    >>> s.to_arrays().position[:, 0].tolist()
    [10.0, 90.0]
    """
    col = _Collector(file, lines)
    _check_shape(data, col)
    parsed = _Parsed()
    _parse_sources(data, col, parsed)
    _parse_actors(data, col, parsed)
    _parse_issues(data, col, parsed)
    _parse_stances(data, col, parsed)
    _check_presence(data, col)
    _check_duplicates(col, parsed)
    source_ids = {s.id for s in parsed.sources}
    _check_actors(col, parsed, source_ids)
    _check_issues(col, parsed, source_ids)
    _check_stances(data, col, parsed, source_ids)
    _check_decisions(data, col, parsed, source_ids)
    _check_coverage(col, parsed)
    meta = _meta(data, col)
    if col.problems:
        raise ScenarioError(col.problems)
    return _assemble(data, col, parsed, meta, scenario_id)


def is_finite_number(v: Any) -> bool:
    """True for an int or float (not bool) that is finite."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
