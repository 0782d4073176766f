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
from typing import Any

from pydantic import BaseModel, ValidationError

from detente.errors import Problem, ScenarioError, plain_message
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


def _as_list(raw: Any, key: str, col: _Collector) -> list:
    if raw is None:
        return []
    if not isinstance(raw, list):
        col.add(f"must be a list, not {type(raw).__name__}", (key,), field=key)
        return []
    return raw


def build_scenario(
    data: Any,
    *,
    file: str | None = None,
    lines: LineMap | None = None,
    scenario_id: str | None = None,
) -> Scenario:
    """Validate ``data`` (the native layout) and return a :class:`Scenario`.

    Raises :class:`ScenarioError` with every problem found.

    >>> s = build_scenario({
    ...     "actors": [{"id": "a", "capability": 1}, {"id": "b", "capability": 2}],
    ...     "issues": [{"id": "x"}],
    ...     "stances": [{"actor": "a", "issue": "x", "position": 10, "salience": 50},
    ...                 {"actor": "b", "issue": "x", "position": 90, "salience": 50}]})
    >>> s.to_arrays().position[:, 0].tolist()
    [10.0, 90.0]
    """
    col = _Collector(file, lines)
    if not isinstance(data, Mapping):
        col.add(
            f"a scenario must be a mapping with actors, issues and stances, "
            f"not {type(data).__name__}",
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

    sources: list[Source] = []
    for n, raw in enumerate(_as_list(data.get("sources"), "sources", col)):
        src = _parse(Source, raw, ("sources", n), col)
        if src is not None:
            sources.append(src)

    actors: list[Actor] = []
    actor_rows: list[int] = []
    for n, raw in enumerate(_as_list(data.get("actors"), "actors", col)):
        aid = raw.get("id") if isinstance(raw, Mapping) else None
        act = _parse(Actor, raw, ("actors", n), col, actor=aid)
        if act is not None:
            actors.append(act)
            actor_rows.append(n)

    issues: list[Issue] = []
    issue_rows: list[int] = []
    for n, raw in enumerate(_as_list(data.get("issues"), "issues", col)):
        iid = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(raw, Mapping) and not _decision_fits(raw.get("decision"), n, iid, col):
            raw = {k: v for k, v in raw.items() if k != "decision"}  # reported; check the rest
        iss = _parse(Issue, raw, ("issues", n), col, issue=iid)
        if iss is not None:
            issues.append(iss)
            issue_rows.append(n)

    # Stances are parsed field by field, so that a problem in one field does not hide the
    # checks of the others.
    parsed_stances: list[tuple[int, Any, Any, Value | None, Value | None]] = []
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
        for key in raw:
            if key not in ("actor", "issue", "position", "salience"):
                col.add(
                    "unknown key (expected actor, issue, position, salience)",
                    ("stances", n, key),
                    actor=a,
                    issue=i,
                    field=str(key),
                )
        vals = []
        for key in ("actor", "issue"):
            v = raw.get(key)
            if not isinstance(v, str) or not v.strip():
                col.add(
                    f"{key} must be a non-empty id",
                    ("stances", n, key),
                    actor=a,
                    issue=i,
                    value=v,
                    field=key,
                )
        for key in ("position", "salience"):
            if raw.get(key) is None:
                col.add(f"{key} is missing", ("stances", n, key), actor=a, issue=i, field=key)
                vals.append(None)
            else:
                vals.append(_parse(Value, raw[key], ("stances", n, key), col, actor=a, issue=i))
        parsed_stances.append((n, a, i, vals[0], vals[1]))
    stances: list[Stance] = []
    for n, a, i, pos, sal in parsed_stances:
        if pos is not None and sal is not None and isinstance(a, str) and isinstance(i, str):
            st = _parse(
                Stance,
                {"actor": a, "issue": i, "position": pos, "salience": sal},
                ("stances", n),
                col,
                actor=a,
                issue=i,
            )
            if st is not None:
                stances.append(st)

    # -- emptiness and duplicates --------------------------------------------------
    raw_actors = data.get("actors")
    raw_issues = data.get("issues")
    if not raw_actors:
        col.add("the scenario has no actors", ("actors",), field="actors")
    if not raw_issues:
        col.add("the scenario has no issues", ("issues",), field="issues")
    if not data.get("stances"):
        col.add("the scenario has no stances (positions)", ("stances",), field="stances")

    def _dups(items, rows, key, what):
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

    _dups(actors, actor_rows, "actors", "actor")
    _dups(issues, issue_rows, "issues", "issue")
    _dups(sources, list(range(len(sources))), "sources", "source")

    issue_by_id = {i.id: i for i in issues}
    source_ids = {s.id for s in sources}
    raw_actor_ids = {
        r.get("id")
        for r in _as_list(raw_actors, "actors", _Collector(None, None))
        if isinstance(r, Mapping)
    }
    raw_issue_ids = {
        r.get("id")
        for r in _as_list(raw_issues, "issues", _Collector(None, None))
        if isinstance(r, Mapping)
    }

    def _check_evidence(v: Value | None, path: tuple, actor=None, issue=None):
        if v is not None:
            _check_evidence_list(v.evidence, path, actor=actor, issue=issue)

    def _check_evidence_list(evidence, path: tuple, actor=None, issue=None):
        for e_no, ev in enumerate(evidence):
            if ev.source is not None and source_ids and ev.source not in source_ids:
                col.add(
                    "evidence names a source that is not in the scenario's sources",
                    path + ("evidence", e_no, "source"),
                    actor=actor,
                    issue=issue,
                    value=ev.source,
                )

    # -- actors ----------------------------------------------------------------------
    for act, n in zip(actors, actor_rows):
        cap = act.capability
        if cap.value <= 0:
            col.add(
                "capability must be positive",
                ("actors", n, "capability", "value"),
                actor=act.id,
                value=cap.value,
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
        _check_evidence(cap, ("actors", n, "capability"), actor=act.id)

    # -- issues ----------------------------------------------------------------------
    for iss, n in zip(issues, issue_rows):
        sq = iss.status_quo
        lo, hi = iss.scale.low, iss.scale.high
        if sq is not None:
            if not lo <= sq.value <= hi:
                col.add(
                    f"status quo lies outside the scale {lo:g}..{hi:g}",
                    ("issues", n, "status_quo", "value"),
                    issue=iss.id,
                    value=sq.value,
                    field="status_quo",
                )
            _check_evidence(sq, ("issues", n, "status_quo"), issue=iss.id)

    # -- stances ---------------------------------------------------------------------
    has_stance = {
        (a, i)
        for _, a, i, pos, sal in parsed_stances
        if pos is not None and sal is not None and isinstance(a, str) and isinstance(i, str)
    }
    pairs: Counter = Counter()
    for n, a, i, pos, sal in parsed_stances:
        path = ("stances", n)
        if isinstance(a, str) and a not in raw_actor_ids:
            col.add(
                "stance names an unknown actor",
                path + ("actor",),
                actor=a,
                issue=i,
                value=a,
                field="actor",
            )
        if isinstance(i, str) and i not in raw_issue_ids:
            col.add(
                "stance names an unknown issue",
                path + ("issue",),
                actor=a,
                issue=i,
                value=i,
                field="issue",
            )
        if isinstance(a, str) and isinstance(i, str):
            pairs[(a, i)] += 1
            if pairs[(a, i)] == 2:
                col.add(
                    "more than one stance for this actor and issue",
                    path,
                    actor=a,
                    issue=i,
                    field="stance",
                )
        iss = issue_by_id.get(i) if isinstance(i, str) else None
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
        _check_evidence(pos, path + ("position",), a, i)
        _check_evidence(sal, path + ("salience",), a, i)

    # -- decision rules: who they name must be an actor with a stance on the issue ----
    for iss, n in zip(issues, issue_rows):
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
        _check_evidence_list(dec.evidence, path, issue=iss.id)

    covered = {st.issue for st in stances}
    raw_stance_issues = {i for _, _, i, _, _ in parsed_stances}
    for iss, n in zip(issues, issue_rows):
        if iss.id not in covered and iss.id not in raw_stance_issues and parsed_stances:
            col.add(
                "no actor has a position on this issue", ("issues", n), issue=iss.id, field="issue"
            )

    meta = data.get("meta") or {}
    if not isinstance(meta, Mapping):
        col.add("meta must be a mapping", ("meta",), field="meta", value=meta)
        meta = {}
    if col.problems:
        raise ScenarioError(col.problems)
    kwargs: dict[str, Any] = {}
    for key in ("title", "description", "date"):
        if data.get(key) is not None:
            kwargs[key] = data[key]
    sid = data.get("id") or scenario_id or "scenario"
    try:
        return Scenario(
            id=str(sid),
            sources=tuple(sources),
            actors=tuple(actors),
            issues=tuple(issues),
            stances=tuple(stances),
            meta=dict(meta),
            **kwargs,
        )
    except ValidationError as exc:
        for err in exc.errors():
            col.add(plain_message(err), tuple(err["loc"]), value=err.get("input", ...))
        raise ScenarioError(col.problems) from None


def is_finite_number(v: Any) -> bool:
    """True for an int or float (not bool) that is finite."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
