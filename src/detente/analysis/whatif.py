"""What-if patches: small YAML files that change a scenario.

A patch is a YAML mapping. Every key but ``description`` is an operation, and the
operations are applied **in the order they are written**; each holds a list of items
(a single item may be written without the list)::

    description: "Turkey softens on Assad; Iran's proxies act as one"
    set:
      - {actor: turkey, issue: assad, position: 40, salience: 70}
      - {actor: iran, capability: 50}
      - {issue: assad, status_quo: 60}
    add_actor:
      - id: egypt
        name: Egypt
        kind: state
        capability: 20
        stances:
          assad: {position: 60, salience: 40}
    drop_actor: [gulf_states]
    join:
      - {actors: [hezbollah, shia_militias], as: iran_proxies, name: "Iran's proxies"}
    drop_issue: [ceasefire]
    settle:
      - {issue: kurdish_autonomy, at: turkey}        # or value: 10; remove: true

What each operation does:

``set``
    Changes values. ``actor`` + ``issue`` with ``position`` and/or ``salience``; ``actor``
    alone with ``capability``; ``issue`` alone with ``status_quo``. A value is a number or a
    mapping ``{value, range}``. A number outside the value's existing uncertainty range
    widens the range to include it. Setting a stance the actor does not have yet creates it
    (then both ``position`` and ``salience`` are needed). The value's evidence gains an
    ``assumption`` entry naming the patch, so the scenario keeps saying where it came from.
``add_actor``
    A new actor (``id``, ``capability``, optional ``name``, ``kind``) with its
    ``stances: {issue: {position, salience}}``.
``drop_actor``
    Removes actors and their stances.
``join``
    Merges two or more actors into one, ``as`` a new id (default: the ids joined by
    ``_``), placed where the first of them stood. Its capability is the sum of theirs. On
    each issue its position is the mean of the members' positions weighted by capability x
    salience (their weight in the compromise model; plain capability where every member's
    salience is 0), and its salience is the capability-weighted mean of their saliences, a
    member without a stance counting as salience 0. With these choices the compromise
    (capability x salience weighted mean) forecast is exactly unchanged by a join, so what
    a join changes in the other models is the effect of acting as one, not a reweighting.
    Two identical actors join into one actor with twice the capability and the same
    stances. Uncertainty ranges combine the same way (sums for capability, the same
    weighted means for the ends of the position and salience ranges).
``drop_issue``
    Removes issues and every stance on them.
``settle``
    "Aim reached": the issue is decided at the position of actor ``at`` or at ``value``.
    Every stance on it moves to that value and the status quo becomes that value, so every
    model forecasts it there; the issue is recorded in ``meta.settled`` and left out of
    alignment (nothing is at stake on it any more). With ``remove: true`` the issue is
    dropped instead. With ``redistribute: true`` each actor's salience on the settled issue
    is spread over its open issues in proportion to their salience (capped at 100): the
    attention the settled issue held goes elsewhere. Default ``false``: the scenario's
    saliences are independent judgements per issue, not shares of a budget.

The new scenario is rebuilt through :func:`detente.scenario.build_scenario`, so every
check of a scenario file runs again, and the applied patch is recorded in its
``meta.what_if`` list. :func:`apply_patch` never changes its input.

>>> from detente.scenario import build_scenario
>>> s = build_scenario({"actors": [{"id": "a", "capability": 1}, {"id": "b", "capability": 3}],
...     "issues": [{"id": "x"}], "stances": [
...     {"actor": "a", "issue": "x", "position": 10, "salience": 50},
...     {"actor": "b", "issue": "x", "position": 90, "salience": 50}]})
>>> p = parse_patch("set: [{actor: a, issue: x, position: 30}]\\njoin: [{actors: [a, b], as: ab}]")
>>> t = apply_patch(s, p)
>>> t.actor_ids, t.to_arrays().position[:, 0].tolist(), t.actor("ab").capability.value
(('ab',), [75.0], 4.0)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.errors import DetenteError, Problem, ScenarioError
from detente.scenario.io import parse_yaml, read_text, scenario_to_dict
from detente.scenario.model import ActorKind, Scenario
from detente.scenario.validate import build_scenario

OPERATIONS = ("set", "add_actor", "drop_actor", "join", "drop_issue", "settle")
"""The operation keys of a patch."""

_SET_KEYS = {"actor", "issue", "position", "salience", "capability", "status_quo"}
_ADD_KEYS = {"id", "name", "kind", "capability", "stances", "notes"}
_JOIN_KEYS = {"actors", "as", "name", "kind"}
_SETTLE_KEYS = {"issue", "at", "value", "remove", "redistribute"}


class PatchError(ScenarioError):
    """A what-if patch is malformed, or does not fit the scenario it is applied to."""


@dataclass(frozen=True)
class Operation:
    """One item of a patch: its ``kind`` (an :data:`OPERATIONS` key), its arguments as
    plain data, and the line of the patch file it came from."""

    kind: str
    args: Mapping[str, Any]
    line: int | None = None
    path: tuple = ()

    def to_dict(self) -> dict[str, Any]:
        return {self.kind: copy.deepcopy(dict(self.args))}


@dataclass(frozen=True)
class Patch:
    """A parsed, structurally valid what-if patch (see the module docstring)."""

    operations: tuple[Operation, ...]
    description: str | None = None
    file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The patch as recorded in a scenario's ``meta.what_if``."""
        out: dict[str, Any] = {"patch": self.file or "<inline>"}
        if self.description:
            out["description"] = self.description
        out["operations"] = [op.to_dict() for op in self.operations]
        return out


# -- parsing -----------------------------------------------------------------------------


class _Problems:
    def __init__(self, file: str | None, lines: Mapping[tuple, int]):
        self.file = file
        self.lines = lines
        self.items: list[Problem] = []

    def line(self, path: tuple) -> int | None:
        for cut in range(len(path), -1, -1):
            ln = self.lines.get(tuple(path[:cut]))
            if ln is not None:
                return ln
        return None

    def add(
        self,
        message: str,
        path: tuple,
        field: str | None = None,
        value: Any = ...,
        actor: str | None = None,
        issue: str | None = None,
    ) -> None:
        if field is None:
            names = [str(p) for p in path if not isinstance(p, int)]
            field = ".".join(names) or None
        if isinstance(value, (dict, list)):
            value = ...
        self.items.append(
            Problem(
                message=message,
                file=self.file,
                line=self.line(path),
                actor=actor,
                issue=issue,
                field=field,
                value=None if value is ... else value,
                has_value=value is not ...,
            )
        )


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_id(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip()) and v == v.strip()


def _check_value(raw: Any, path: tuple, name: str, col: _Problems) -> bool:
    """A value is a finite number or a mapping with a finite ``value`` and optional range."""
    if _is_number(raw):
        return True
    if isinstance(raw, Mapping):
        unknown = set(raw) - {"value", "range", "evidence"}
        if unknown:
            col.add(
                f"unknown key(s) {', '.join(sorted(map(str, unknown)))} in a value "
                "(expected value, range, evidence)",
                path,
                field=name,
            )
            return False
        if not _is_number(raw.get("value")):
            col.add(
                "must be a finite number",
                path + ("value",),
                field=f"{name}.value",
                value=raw.get("value"),
            )
            return False
        rng = raw.get("range")
        if rng is not None and not (
            isinstance(rng, list) and len(rng) == 2 and all(_is_number(v) for v in rng)
        ):
            col.add(
                "a range must be [low, high] with two numbers",
                path + ("range",),
                field=f"{name}.range",
                value=rng,
            )
            return False
        return True
    col.add("must be a finite number or {value, range}", path, field=name, value=raw)
    return False


def _items(raw: Any, key: str, col: _Problems) -> list[tuple[int, Any]]:
    if raw is None:
        col.add("is empty; give a list of items", (key,), field=key)
        return []
    if isinstance(raw, list):
        return list(enumerate(raw))
    if isinstance(raw, (Mapping, str)):
        return [(-1, raw)]  # one item written without the list
    col.add("must be a list", (key,), field=key, value=raw)
    return []


def _item_path(key: str, n: int) -> tuple:
    return (key,) if n < 0 else (key, n)


def _parse_set(n: int, raw: Any, col: _Problems) -> dict | None:
    path = _item_path("set", n)
    if not isinstance(raw, Mapping):
        col.add(
            "a set item must be a mapping such as {actor: a, issue: x, position: 40}",
            path,
            field="set",
            value=raw,
        )
        return None
    ok = True
    a, i = raw.get("actor"), raw.get("issue")
    for key in raw:
        if key not in _SET_KEYS:
            col.add(
                f"unknown key (expected one of {', '.join(sorted(_SET_KEYS))})",
                path + (key,),
                field=f"set.{key}",
                actor=a,
                issue=i,
            )
            ok = False
    for key in ("actor", "issue"):
        if key in raw and not _is_id(raw[key]):
            col.add("must be an id", path + (key,), field=f"set.{key}", value=raw[key])
            ok = False
    vals = [k for k in ("position", "salience", "capability", "status_quo") if k in raw]
    if not vals:
        col.add(
            "names nothing to set (position, salience, capability or status_quo)",
            path,
            field="set",
            actor=a,
            issue=i,
        )
        return None
    for key in vals:
        ok &= _check_value(raw[key], path + (key,), f"set.{key}", col)
    if ("position" in raw or "salience" in raw) and not (a and i):
        col.add(
            "position and salience need both actor and issue", path, field="set", actor=a, issue=i
        )
        ok = False
    if "capability" in raw and (not a or i is not None):
        col.add(
            "capability needs an actor and no issue",
            path + ("capability",),
            field="set.capability",
            actor=a,
            issue=i,
        )
        ok = False
    if "status_quo" in raw and (not i or a is not None):
        col.add(
            "status_quo needs an issue and no actor",
            path + ("status_quo",),
            field="set.status_quo",
            actor=a,
            issue=i,
        )
        ok = False
    return dict(raw) if ok else None


def _parse_add(n: int, raw: Any, col: _Problems) -> dict | None:
    path = _item_path("add_actor", n)
    if not isinstance(raw, Mapping):
        col.add(
            "an add_actor item must be a mapping with id, capability and stances",
            path,
            field="add_actor",
            value=raw,
        )
        return None
    ok = True
    aid = raw.get("id")
    for key in raw:
        if key not in _ADD_KEYS:
            col.add(
                f"unknown key (expected one of {', '.join(sorted(_ADD_KEYS))})",
                path + (key,),
                field=f"add_actor.{key}",
                actor=aid,
            )
            ok = False
    if not _is_id(aid):
        col.add("needs an id", path + ("id",), field="add_actor.id", value=aid)
        ok = False
    if "capability" not in raw:
        col.add("needs a capability", path, field="add_actor.capability", actor=aid)
        ok = False
    else:
        ok &= _check_value(raw["capability"], path + ("capability",), "add_actor.capability", col)
    kind = raw.get("kind")
    if kind is not None and kind not in {k.value for k in ActorKind}:
        col.add(
            f"unknown kind (known: {', '.join(k.value for k in ActorKind)})",
            path + ("kind",),
            field="add_actor.kind",
            value=kind,
            actor=aid,
        )
        ok = False
    stances = raw.get("stances") or {}
    if not isinstance(stances, Mapping):
        col.add(
            "stances must be a mapping issue: {position, salience}",
            path + ("stances",),
            field="add_actor.stances",
            actor=aid,
        )
        return None
    for iid, st in stances.items():
        spath = path + ("stances", iid)
        if not isinstance(st, Mapping) or "position" not in st or "salience" not in st:
            col.add(
                "a stance needs position and salience",
                spath,
                field="add_actor.stances",
                actor=aid,
                issue=str(iid),
            )
            ok = False
            continue
        for key in st:
            if key not in ("position", "salience"):
                col.add(
                    "unknown key (expected position, salience)",
                    spath + (key,),
                    field=f"add_actor.stances.{key}",
                    actor=aid,
                    issue=str(iid),
                )
                ok = False
        for key in ("position", "salience"):
            ok &= _check_value(st[key], spath + (key,), f"add_actor.stances.{key}", col)
    return dict(raw) if ok else None


def _parse_ids(key: str, n: int, raw: Any, col: _Problems) -> dict | None:
    if not _is_id(raw):
        col.add("must be an id", _item_path(key, n), field=key, value=raw)
        return None
    return {"id": raw}


def _parse_join(n: int, raw: Any, col: _Problems) -> dict | None:
    path = _item_path("join", n)
    if not isinstance(raw, Mapping):
        col.add(
            "a join item must be a mapping {actors: [a, b], as: ab}", path, field="join", value=raw
        )
        return None
    ok = True
    for key in raw:
        if key not in _JOIN_KEYS:
            col.add(
                f"unknown key (expected one of {', '.join(sorted(_JOIN_KEYS))})",
                path + (key,),
                field=f"join.{key}",
            )
            ok = False
    members = raw.get("actors")
    if not (isinstance(members, list) and len(members) >= 2 and all(map(_is_id, members))):
        col.add(
            "actors must list two or more actor ids",
            path + ("actors",),
            field="join.actors",
            value=members,
        )
        return None
    if len(set(members)) != len(members):
        col.add("lists an actor twice", path + ("actors",), field="join.actors", value=members)
        ok = False
    if "as" in raw and not _is_id(raw["as"]):
        col.add("must be an id", path + ("as",), field="join.as", value=raw["as"])
        ok = False
    kind = raw.get("kind")
    if kind is not None and kind not in {k.value for k in ActorKind}:
        col.add(
            f"unknown kind (known: {', '.join(k.value for k in ActorKind)})",
            path + ("kind",),
            field="join.kind",
            value=kind,
        )
        ok = False
    if not ok:
        return None
    out = dict(raw)
    out.setdefault("as", "_".join(members))
    return out


def _parse_settle(n: int, raw: Any, col: _Problems) -> dict | None:
    path = _item_path("settle", n)
    if isinstance(raw, str) and "=" in raw:  # "issue=actor", as on the command line
        iid, at = (p.strip() for p in raw.split("=", 1))
        raw = {"issue": iid, "at": at}
    if not isinstance(raw, Mapping):
        col.add(
            "a settle item must be a mapping {issue: x, at: actor} or {issue: x, value: 10}",
            path,
            field="settle",
            value=raw,
        )
        return None
    ok = True
    for key in raw:
        if key not in _SETTLE_KEYS:
            col.add(
                f"unknown key (expected one of {', '.join(sorted(_SETTLE_KEYS))})",
                path + (key,),
                field=f"settle.{key}",
            )
            ok = False
    iid = raw.get("issue")
    if not _is_id(iid):
        col.add("needs the issue to settle", path + ("issue",), field="settle.issue", value=iid)
        return None
    for key in ("remove", "redistribute"):
        if key in raw and not isinstance(raw[key], bool):
            col.add(
                "must be true or false",
                path + (key,),
                field=f"settle.{key}",
                value=raw[key],
                issue=iid,
            )
            ok = False
    if "at" in raw and not _is_id(raw["at"]):
        col.add(
            "must be an actor id", path + ("at",), field="settle.at", value=raw["at"], issue=iid
        )
        ok = False
    if "value" in raw and not _is_number(raw["value"]):
        col.add(
            "must be a finite number",
            path + ("value",),
            field="settle.value",
            value=raw["value"],
            issue=iid,
        )
        ok = False
    if "at" in raw and "value" in raw:
        col.add("give either at (an actor) or value, not both", path, field="settle", issue=iid)
        ok = False
    if "at" not in raw and "value" not in raw and not raw.get("remove"):
        col.add("needs at (an actor) or value, or remove: true", path, field="settle", issue=iid)
        ok = False
    return dict(raw) if ok else None


_PARSERS = {
    "set": _parse_set,
    "add_actor": _parse_add,
    "drop_actor": lambda n, raw, col: _parse_ids("drop_actor", n, raw, col),
    "join": _parse_join,
    "drop_issue": lambda n, raw, col: _parse_ids("drop_issue", n, raw, col),
    "settle": _parse_settle,
}


def patch_from_data(
    data: Any, *, file: str | None = None, lines: Mapping[tuple, int] | None = None
) -> Patch:
    """Validate the structure of a patch given as plain data; raise :class:`PatchError`
    listing every problem, each with the file, line and field."""
    col = _Problems(file, lines or {})
    if data is None:
        col.add(
            "the patch is empty; it needs at least one of " + ", ".join(OPERATIONS), (), field=None
        )
        raise PatchError(col.items)
    if not isinstance(data, Mapping):
        col.add(
            f"a patch must be a mapping of operations ({', '.join(OPERATIONS)}), "
            f"not {type(data).__name__}",
            (),
            field=None,
        )
        raise PatchError(col.items)
    ops: list[Operation] = []
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        col.add("must be text", ("description",), field="description", value=description)
    for key, raw in data.items():
        if key == "description":
            continue
        if key not in _PARSERS:
            col.add(
                f"unknown operation (expected one of {', '.join(OPERATIONS)}, or description)",
                (key,),
                field=str(key),
            )
            continue
        for n, item in _items(raw, key, col):
            args = _PARSERS[key](n, item, col)
            if args is not None:
                path = _item_path(key, n)
                ops.append(Operation(key, args, col.line(path), path))
    if not ops and not col.items:
        col.add(
            "the patch has no operations; give at least one of " + ", ".join(OPERATIONS),
            (),
            field=None,
        )
    if col.items:
        raise PatchError(col.items)
    return Patch(operations=tuple(ops), description=description, file=file)


def parse_patch(text: str, file: str = "<patch>") -> Patch:
    """Parse the YAML text of a patch (see the module docstring)."""
    try:
        data, lines = parse_yaml(text, file)
    except ScenarioError as exc:
        raise PatchError(exc.problems) from None
    return patch_from_data(data, file=file, lines=lines)


def load_patch(path: str | Path) -> Patch:
    """Read and validate a patch file; errors name the file, line and field.

    Raises
    ------
    PatchError
        The file is not valid YAML or not a valid patch.
    DetenteError
        The file cannot be read.
    """
    p = Path(path)
    return parse_patch(read_text(p), str(p))


# -- applying ----------------------------------------------------------------------------


def _assumption(reason: str) -> dict[str, Any]:
    return {"basis": "assumption", "reason": reason}


def _as_value(raw: Any) -> dict[str, Any]:
    """A scenario value (number or mapping) in mapping form, copied."""
    if isinstance(raw, Mapping):
        return copy.deepcopy(dict(raw))
    return {"value": raw}


def _with_new(old: Any, new: Any, reason: str) -> dict[str, Any] | float:
    """``old`` (a value in native form) replaced by ``new`` (a number or mapping).

    A number keeps the old range, widened to include it; the evidence gains an assumption
    naming the change.
    """
    old_v = _as_value(old) if old is not None else {}
    if isinstance(new, Mapping):
        out = _as_value(new)
    else:
        out = {"value": float(new)}
        rng = old_v.get("range")
        if rng is not None:
            out["range"] = [min(rng[0], out["value"]), max(rng[1], out["value"])]
    ev = list(old_v.get("evidence") or [])
    if "evidence" in out:
        ev = list(out["evidence"]) if isinstance(out["evidence"], list) else [out["evidence"]]
    ev.append(_assumption(reason))
    out["evidence"] = ev
    return out


def _recast_decisions(d: dict[str, Any], gone: list[str], new_id: str | None) -> None:
    """Issues' decision rules after actors ``gone`` leave (``new_id`` None) or join as
    ``new_id``: the joined actor takes their roles; a dropped actor loses them, and an issue
    whose controller (or last veto player) is dropped loses its rule (recorded in
    ``meta.decisions_dropped``)."""
    lost = set(gone)

    def sub(ids: list) -> list:
        out: list = []
        for a in ids:
            b = new_id if a in lost else a
            if b is not None and b not in out:
                out.append(b)
        return out

    for iss in d.get("issues", []):
        dec = iss.get("decision")
        if not isinstance(dec, dict):
            continue
        dec = dict(dec)
        for key in ("veto_players", "voters"):
            if isinstance(dec.get(key), list):
                dec[key] = sub(dec[key])
        if isinstance(dec.get("weights"), dict):
            w: dict[str, float] = {}
            for a, v in dec["weights"].items():
                b = new_id if a in lost else a
                if b is not None:
                    w[b] = w.get(b, 0.0) + float(v)
            dec["weights"] = w
        for key in ("controller", "agenda_setter"):
            if dec.get(key) in lost:
                dec[key] = new_id
        broken = (dec.get("rule") == "unilateral" and dec.get("controller") is None) or (
            dec.get("rule") == "consensus" and not dec.get("veto_players")
        )
        if broken:
            d.setdefault("meta", {}).setdefault("decisions_dropped", []).append(iss["id"])
            iss.pop("decision")
        else:
            iss["decision"] = {k: v for k, v in dec.items() if v is not None}


def _num(raw: Any) -> float:
    return float(raw["value"] if isinstance(raw, Mapping) else raw)


def _bounds(raw: Any) -> tuple[float, float]:
    v = _as_value(raw)
    rng = v.get("range")
    return (float(rng[0]), float(rng[1])) if rng else (float(v["value"]), float(v["value"]))


class _Applier:
    def __init__(self, data: dict[str, Any], patch: Patch):
        self.d = data
        self.patch = patch
        self.name = patch.file or "what-if patch"
        self.problems: list[Problem] = []

    # lookups
    def actor_index(self, aid: str) -> int | None:
        for n, a in enumerate(self.d["actors"]):
            if a["id"] == aid:
                return n
        return None

    def issue_index(self, iid: str) -> int | None:
        for n, i in enumerate(self.d["issues"]):
            if i["id"] == iid:
                return n
        return None

    def stance(self, aid: str, iid: str) -> dict | None:
        for st in self.d["stances"]:
            if st["actor"] == aid and st["issue"] == iid:
                return st
        return None

    def fail(
        self,
        op: Operation,
        message: str,
        field: str | None = None,
        value: Any = ...,
        actor: str | None = None,
        issue: str | None = None,
    ) -> None:
        self.problems.append(
            Problem(
                message=message,
                file=self.patch.file,
                line=op.line,
                actor=actor,
                issue=issue,
                field=field or op.kind,
                value=None if value is ... else value,
                has_value=value is not ...,
            )
        )

    def need_actor(self, op: Operation, aid: str, field: str) -> bool:
        if self.actor_index(aid) is None:
            self.fail(
                op,
                "the scenario has no such actor (known: "
                + ", ".join(a["id"] for a in self.d["actors"])
                + ")",
                field=field,
                value=aid,
            )
            return False
        return True

    def need_issue(self, op: Operation, iid: str, field: str) -> bool:
        if self.issue_index(iid) is None:
            self.fail(
                op,
                "the scenario has no such issue (known: "
                + ", ".join(i["id"] for i in self.d["issues"])
                + ")",
                field=field,
                value=iid,
            )
            return False
        return True

    def why(self, op: Operation) -> str:
        return f"what-if: {op.kind} in {self.name}" + (f" line {op.line}" if op.line else "")

    # operations
    def op_set(self, op: Operation) -> None:
        a, i = op.args.get("actor"), op.args.get("issue")
        if a is not None and not self.need_actor(op, a, "set.actor"):
            return
        if i is not None and not self.need_issue(op, i, "set.issue"):
            return
        why = self.why(op)
        if "capability" in op.args:
            act = self.d["actors"][self.actor_index(a)]
            act["capability"] = _with_new(act["capability"], op.args["capability"], why)
        if "status_quo" in op.args:
            iss = self.d["issues"][self.issue_index(i)]
            iss["status_quo"] = _with_new(iss.get("status_quo"), op.args["status_quo"], why)
        if "position" in op.args or "salience" in op.args:
            st = self.stance(a, i)
            if st is None:
                if not ("position" in op.args and "salience" in op.args):
                    self.fail(
                        op,
                        "the actor has no stance on this issue; give both position "
                        "and salience to create one",
                        actor=a,
                        issue=i,
                    )
                    return
                st = {"actor": a, "issue": i}
                self.d["stances"].append(st)
            for key in ("position", "salience"):
                if key in op.args:
                    st[key] = _with_new(st.get(key), op.args[key], why)

    def op_add_actor(self, op: Operation) -> None:
        aid = op.args["id"]
        if self.actor_index(aid) is not None:
            self.fail(
                op,
                "the scenario already has an actor with this id",
                field="add_actor.id",
                value=aid,
            )
            return
        why = self.why(op)
        actor: dict[str, Any] = {
            "id": aid,
            "capability": _with_new(None, op.args["capability"], why),
        }
        for key in ("name", "kind", "notes"):
            if op.args.get(key) is not None:
                actor[key] = op.args[key]
        stances = []
        for iid, st in (op.args.get("stances") or {}).items():
            if not self.need_issue(op, str(iid), "add_actor.stances"):
                return
            stances.append(
                {
                    "actor": aid,
                    "issue": str(iid),
                    "position": _with_new(None, st["position"], why),
                    "salience": _with_new(None, st["salience"], why),
                }
            )
        self.d["actors"].append(actor)
        self.d["stances"].extend(stances)

    def op_drop_actor(self, op: Operation) -> None:
        aid = op.args["id"]
        if not self.need_actor(op, aid, "drop_actor"):
            return
        self.d["actors"] = [a for a in self.d["actors"] if a["id"] != aid]
        self.d["stances"] = [st for st in self.d["stances"] if st["actor"] != aid]
        _recast_decisions(self.d, [aid], None)

    def op_drop_issue(self, op: Operation) -> None:
        iid = op.args["id"]
        if not self.need_issue(op, iid, "drop_issue"):
            return
        self.d["issues"] = [i for i in self.d["issues"] if i["id"] != iid]
        self.d["stances"] = [st for st in self.d["stances"] if st["issue"] != iid]
        settled = self.d.get("meta", {}).get("settled")
        if isinstance(settled, dict):
            settled.pop(iid, None)

    def op_join(self, op: Operation) -> None:
        members = list(op.args["actors"])
        if not all(self.need_actor(op, m, "join.actors") for m in members):
            return
        new_id = op.args["as"]
        if new_id not in members and self.actor_index(new_id) is not None:
            self.fail(
                op,
                "the scenario already has an actor with this id (pick another 'as')",
                field="join.as",
                value=new_id,
            )
            return
        why = f"{self.why(op)}: {' + '.join(members)}"
        rows = [self.d["actors"][self.actor_index(m)] for m in members]
        caps = [_num(r["capability"]) for r in rows]
        cap_lo = sum(_bounds(r["capability"])[0] for r in rows)
        cap_hi = sum(_bounds(r["capability"])[1] for r in rows)
        total = sum(caps)
        capability: dict[str, Any] = {"value": total, "evidence": [_assumption(why)]}
        if (cap_lo, cap_hi) != (total, total):
            capability["range"] = [cap_lo, cap_hi]
        kinds = {r.get("kind", "state") for r in rows}
        joined: dict[str, Any] = {"id": new_id, "capability": capability}
        name = op.args.get("name") or " + ".join(r.get("name") or r["id"] for r in rows)
        joined["name"] = name
        kind = op.args.get("kind") or (kinds.pop() if len(kinds) == 1 else rows[0].get("kind"))
        if kind:
            joined["kind"] = kind
        joined["notes"] = f"Joined from {', '.join(members)} by {self.name}."
        issues_order = [i["id"] for i in self.d["issues"]]
        new_stances = []
        for iid in issues_order:
            parts = [(c, self.stance(m, iid)) for m, c in zip(members, caps)]
            parts = [(c, st) for c, st in parts if st is not None]
            if not parts:
                continue
            new_stances.append(_joined_stance(new_id, iid, parts, total, why))
        first = self.actor_index(members[0])
        self.d["actors"] = [a for a in self.d["actors"] if a["id"] not in members]
        self.d["actors"].insert(min(first, len(self.d["actors"])), joined)
        self.d["stances"] = [st for st in self.d["stances"] if st["actor"] not in members]
        self.d["stances"].extend(new_stances)
        _recast_decisions(self.d, members, new_id)

    def op_settle(self, op: Operation) -> None:
        iid = op.args["issue"]
        if not self.need_issue(op, iid, "settle.issue"):
            return
        value: float | None = None
        if "at" in op.args:
            at = op.args["at"]
            if not self.need_actor(op, at, "settle.at"):
                return
            st = self.stance(at, iid)
            if st is None:
                self.fail(
                    op,
                    "this actor has no position on the issue to settle it at",
                    field="settle.at",
                    value=at,
                    issue=iid,
                )
                return
            value = _num(st["position"])
        elif "value" in op.args:
            value = float(op.args["value"])
            iss = self.d["issues"][self.issue_index(iid)]
            scale = iss.get("scale") or {}
            lo, hi = float(scale.get("low", 0.0)), float(scale.get("high", 100.0))
            if not lo <= value <= hi:
                self.fail(
                    op,
                    f"the value lies outside the issue's scale {lo:g}..{hi:g}",
                    field="settle.value",
                    value=value,
                    issue=iid,
                )
                return
        why = self.why(op) + (
            f": {iid} settled at {value:g}" if value is not None else f": {iid} removed"
        )
        meta = self.d.setdefault("meta", {})
        if op.args.get("redistribute"):
            settled_before = set((meta.get("settled") or {}).keys())
            self._redistribute(iid, settled_before, why)
        if op.args.get("remove"):
            self.d["issues"] = [i for i in self.d["issues"] if i["id"] != iid]
            self.d["stances"] = [st for st in self.d["stances"] if st["issue"] != iid]
            meta.setdefault("removed_issues", []).append(iid)
            if isinstance(meta.get("settled"), dict):
                meta["settled"].pop(iid, None)
            return
        for st in self.d["stances"]:
            if st["issue"] == iid:
                st["position"] = {"value": value, "evidence": [_assumption(why)]}
        iss = self.d["issues"][self.issue_index(iid)]
        iss["status_quo"] = {"value": value, "evidence": [_assumption(why)]}
        meta.setdefault("settled", {})[iid] = value

    def _redistribute(self, iid: str, settled: set[str], why: str) -> None:
        for a in self.d["actors"]:
            mine = [st for st in self.d["stances"] if st["actor"] == a["id"]]
            freed = sum(_num(st["salience"]) for st in mine if st["issue"] == iid)
            open_ = [st for st in mine if st["issue"] != iid and st["issue"] not in settled]
            held = sum(_num(st["salience"]) for st in open_)
            if freed <= 0 or held <= 0:
                continue
            factor = (held + freed) / held
            for st in open_:
                v = _as_value(st["salience"])
                new = {"value": min(100.0, float(v["value"]) * factor)}
                if v.get("range"):
                    new["range"] = [min(100.0, float(r) * factor) for r in v["range"]]
                new["evidence"] = list(v.get("evidence") or []) + [_assumption(why)]
                st["salience"] = new


def _joined_stance(
    new_id: str, iid: str, parts: list[tuple[float, dict]], total: float, why: str
) -> dict[str, Any]:
    """The joined actor's stance on one issue (see the ``join`` operation)."""
    sal = [_num(st["salience"]) for _, st in parts]
    w = [c * s for (c, _), s in zip(parts, sal)]
    if sum(w) <= 0:  # every member indifferent: weigh positions by capability alone
        w = [c for c, _ in parts]

    def wmean(vals: list[float], weights: list[float]) -> float:
        return sum(v * x for v, x in zip(vals, weights)) / sum(weights)

    pos = [_bounds(st["position"]) for _, st in parts]
    position: dict[str, Any] = {"value": wmean([_num(st["position"]) for _, st in parts], w)}
    p_lo, p_hi = wmean([p[0] for p in pos], w), wmean([p[1] for p in pos], w)
    if p_lo < p_hi:
        position["range"] = [min(p_lo, position["value"]), max(p_hi, position["value"])]
    sb = [_bounds(st["salience"]) for _, st in parts]
    caps = [c for c, _ in parts]
    salience: dict[str, Any] = {"value": sum(c * s for c, s in zip(caps, sal)) / total}
    s_lo = sum(c * b[0] for c, b in zip(caps, sb)) / total
    s_hi = sum(c * b[1] for c, b in zip(caps, sb)) / total
    if s_lo < s_hi:
        salience["range"] = [min(s_lo, salience["value"]), max(s_hi, salience["value"])]
    position["evidence"] = [_assumption(why)]
    salience["evidence"] = [_assumption(why)]
    return {"actor": new_id, "issue": iid, "position": position, "salience": salience}


def _coerce_patch(patch: Patch | Mapping[str, Any] | str | Path) -> Patch:
    if isinstance(patch, Patch):
        return patch
    if isinstance(patch, Mapping):
        return patch_from_data(patch)
    if isinstance(patch, (str, Path)):
        return load_patch(patch)
    raise DetenteError(
        f"a patch must be a Patch, a mapping or a file path, not {type(patch).__name__}"
    )


def apply_patch(scenario: Scenario, patch: Patch | Mapping[str, Any] | str | Path) -> Scenario:
    """A NEW scenario: ``scenario`` with ``patch`` applied and validated again.

    Parameters
    ----------
    scenario:
        The scenario to change; it is not modified.
    patch:
        A :class:`Patch` (from :func:`load_patch` or :func:`parse_patch`), a mapping in the
        patch layout, or the path of a patch file.

    Returns
    -------
    Scenario
        The changed scenario, with the patch appended to ``meta["what_if"]``.

    Raises
    ------
    PatchError
        The patch names an actor or issue the scenario lacks, or leaves an invalid
        scenario; the message names the patch file and line.
    """
    p = _coerce_patch(patch)
    data = copy.deepcopy(scenario_to_dict(scenario))
    data.setdefault("actors", [])
    data.setdefault("issues", [])
    data.setdefault("stances", [])
    data["meta"] = copy.deepcopy(dict(data.get("meta") or {}))
    app = _Applier(data, p)
    for op in p.operations:
        getattr(app, f"op_{op.kind}")(op)
    if app.problems:
        raise PatchError(app.problems)
    history = list(data["meta"].get("what_if") or [])
    history.append(p.to_dict())
    data["meta"]["what_if"] = history
    try:
        return build_scenario(data, scenario_id=scenario.id)
    except ScenarioError as exc:
        where = p.file or "what-if patch"
        problems = [
            Problem(
                message=f"applying the patch leaves an invalid scenario: {prob.message}",
                file=where,
                actor=prob.actor,
                issue=prob.issue,
                field=prob.field,
                value=prob.value,
                has_value=prob.has_value,
            )
            for prob in exc.problems
        ]
        raise PatchError(problems) from None
