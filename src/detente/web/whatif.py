"""What-if changes as the web app takes them, applied by :mod:`detente.analysis.whatif`.

The ``patch`` of ``POST /api/whatif`` is one of:

- **short lines**, one change a line (``#`` starts a comment)::

      russia.capability = 60          # an actor's capability
      turkey.kurds.position = 30      # a position on an issue's scale
      iran.assad.salience += 10       # salience (0..100); =, +=, -= and *= are understood

- **a what-if patch** in the YAML layout of :mod:`detente.analysis.whatif` (``set``,
  ``add_actor``, ``drop_actor``, ``join``, ``drop_issue``, ``settle``), as text or as the
  same data in JSON;
- **a list of changes** ``[{"actor": "turkey", "issue": "kurds", "field": "position",
  "value": 30, "op": "="}, ...]`` (``op`` optional, default ``=``).

Short lines and lists become a patch's ``set`` operations (relative changes are worked
out from the scenario first), so every kind of patch goes through
:func:`detente.analysis.whatif.apply_patch`: ranges widen to hold new values, the value's
evidence records the change as an assumption, and the changed scenario is validated again.
Text is never taken as a file name.

>>> from detente.scenario import build_scenario
>>> s = build_scenario({"actors": [{"id": "a", "capability": 1}, {"id": "b", "capability": 2}],
...     "issues": [{"id": "x"}], "stances": [
...     {"actor": "a", "issue": "x", "position": 10, "salience": 50},
...     {"actor": "b", "issue": "x", "position": 90, "salience": 50}]})
>>> t = apply(s, "a.x.position = 30\\nb.capability *= 2")
>>> t.to_arrays().position[:, 0].tolist(), t.actor("b").capability.value
([30.0, 90.0], 4.0)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from detente.analysis.whatif import Patch, apply_patch, parse_patch, patch_from_data
from detente.errors import ParameterError
from detente.scenario import Scenario

FIELDS = ("position", "salience", "capability")
OPS = ("=", "+=", "-=", "*=")
_LINE = re.compile(r"^\s*(?P<path>[^\s=+*-][^=+*]*?)\s*(?P<op>\+=|-=|\*=|=)\s*(?P<value>\S+)\s*$")
PATCH_FILE = "patch"


@dataclass(frozen=True)
class Change:
    """One short change: ``actor[.issue].field op value``."""

    actor: str
    issue: str | None
    field: str
    op: str
    value: float

    def __str__(self) -> str:
        where = self.actor + (f".{self.issue}" if self.issue else "")
        return f"{where}.{self.field} {self.op} {self.value:g}"


def _is_short_text(text: str) -> bool:
    lines = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    return bool(lines) and all(_LINE.match(ln) and ":" not in ln for ln in lines)


def parse_changes(patch: str | list) -> list[Change]:
    """The short changes in text lines or a list of records."""
    if isinstance(patch, str):
        return _parse_text(patch)
    out = []
    for n, item in enumerate(patch):
        where = f"field 'patch.{n}'"
        if not isinstance(item, Mapping):
            raise ParameterError(f"{where}: a change must be a mapping")
        unknown = set(item) - {"actor", "issue", "field", "op", "value"}
        if unknown:
            raise ParameterError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        try:
            value = float(item["value"])
        except (KeyError, TypeError, ValueError):
            raise ParameterError(
                f"{where}.value: a number is needed (got {item.get('value')!r})"
            ) from None
        out.append(
            _check(
                Change(
                    str(item.get("actor", "")),
                    item.get("issue"),
                    str(item.get("field", "")),
                    str(item.get("op", "=")),
                    value,
                ),
                where,
            )
        )
    if not out:
        raise ParameterError("field 'patch': no change given")
    return out


def _parse_text(text: str) -> list[Change]:
    out = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"field 'patch', line {lineno}"
        m = _LINE.match(line)
        if not m:
            raise ParameterError(f"{where}: expected ACTOR[.ISSUE].FIELD = NUMBER, got {line!r}")
        parts = [p.strip() for p in m["path"].split(".")]
        try:
            value = float(m["value"])
        except ValueError:
            raise ParameterError(f"{where}: {m['value']!r} is not a number") from None
        if len(parts) == 2:
            change = Change(parts[0], None, parts[1], m["op"], value)
        elif len(parts) == 3:
            change = Change(parts[0], parts[1], parts[2], m["op"], value)
        else:
            raise ParameterError(
                f"{where}: expected ACTOR.capability or "
                f"ACTOR.ISSUE.position/salience, got {m['path']!r}"
            )
        out.append(_check(change, where))
    if not out:
        raise ParameterError("field 'patch': no change given")
    return out


def _check(c: Change, where: str) -> Change:
    if c.field not in FIELDS:
        raise ParameterError(f"{where}: unknown field {c.field!r} (one of {', '.join(FIELDS)})")
    if c.op not in OPS:
        raise ParameterError(f"{where}: unknown operator {c.op!r} (one of {', '.join(OPS)})")
    if (c.field == "capability") != (c.issue is None):
        raise ParameterError(
            f"{where}: capability belongs to an actor (ACTOR.capability); "
            "position and salience to an actor and issue"
        )
    return c


def changes_to_patch(scenario: Scenario, changes: list[Change]) -> dict[str, Any]:
    """A patch (``set`` operations) with the absolute values the changes lead to.

    Changes apply in order, so ``a.x.position += 5`` twice adds 10.
    """
    current: dict[tuple[str, str | None, str], float] = {}
    items = []
    for c in changes:
        key = (c.actor, c.issue, c.field)
        if key not in current:
            current[key] = _value_of(scenario, c)
        old = current[key]
        new = {"=": c.value, "+=": old + c.value, "-=": old - c.value, "*=": old * c.value}[c.op]
        current[key] = new
        item: dict[str, Any] = {"actor": c.actor, c.field: new}
        if c.issue is not None:
            item["issue"] = c.issue
        items.append(item)
    return {"description": "; ".join(str(c) for c in changes), "set": items}


def _value_of(scenario: Scenario, c: Change) -> float:
    if c.actor not in scenario.actor_ids:
        raise ParameterError(
            f"field 'patch': unknown actor {c.actor!r} (known: {', '.join(scenario.actor_ids)})"
        )
    if c.issue is None:
        return scenario.actor(c.actor).capability.value
    if c.issue not in scenario.issue_ids:
        raise ParameterError(
            f"field 'patch': unknown issue {c.issue!r} (known: {', '.join(scenario.issue_ids)})"
        )
    st = scenario.stance(c.actor, c.issue)
    if st is None:
        if c.op != "=":
            raise ParameterError(
                f"field 'patch': actor {c.actor!r} has no stance on issue {c.issue!r} to change"
            )
        return float("nan")
    return getattr(st, c.field).value


def to_patch(scenario: Scenario, patch: str | dict | list) -> Patch:
    """The :class:`~detente.analysis.whatif.Patch` that ``patch`` describes."""
    if isinstance(patch, str):
        if _is_short_text(patch):
            return patch_from_data(changes_to_patch(scenario, _parse_text(patch)), file=PATCH_FILE)
        if not patch.strip():
            raise ParameterError("field 'patch': no change given")
        return parse_patch(patch, PATCH_FILE)
    if isinstance(patch, list):
        return patch_from_data(changes_to_patch(scenario, parse_changes(patch)), file=PATCH_FILE)
    if isinstance(patch, Mapping):
        return patch_from_data(dict(patch), file=PATCH_FILE)
    raise ParameterError("field 'patch': must be text, a patch mapping or a list of changes")


def apply(scenario: Scenario, patch: str | dict | list) -> Scenario:
    """A new scenario with ``patch`` applied (the input is not modified)."""
    return apply_patch(scenario, to_patch(scenario, patch))


def describe(scenario: Scenario, patch: str | dict | list) -> list[str]:
    """The changes of ``patch``, one line each."""
    p = to_patch(scenario, patch)
    if (
        isinstance(patch, (str, list))
        and p.description
        and (isinstance(patch, list) or _is_short_text(patch))
    ):
        return p.description.split("; ")
    return [_say(scenario, op.kind, dict(op.args)) for op in p.operations]


def _value(v: Any) -> str:
    v = v.get("value") if isinstance(v, Mapping) else v
    return f"{v:g}" if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


def _say(s: Scenario, kind: str, args: dict[str, Any]) -> str:
    """One operation of a patch in words, with the scenario's names for actors and issues.

    >>> from detente.scenario import build_scenario
    >>> s = build_scenario({"actors": [{"id": "ir", "name": "Iran", "capability": 1}],
    ...     "issues": [{"id": "x", "name": "Ceasefire"}],
    ...     "stances": [{"actor": "ir", "issue": "x", "position": 10, "salience": 50}]})
    >>> _say(s, "drop_actor", {"id": "ir"}), _say(s, "set", {"actor": "ir", "issue": "x",
    ...     "position": 30})
    ('without Iran', "Iran's position on Ceasefire = 30")
    """
    actors = {a.id: a.label for a in s.actors}
    issues = {i.id: i.label for i in s.issues}

    def who(a: Any) -> str:
        return actors.get(str(a), str(a))

    def what(i: Any) -> str:
        return issues.get(str(i), str(i))

    if kind == "drop_actor" and "id" in args:
        return f"without {who(args['id'])}"
    if kind == "drop_issue" and "id" in args:
        return f"without the issue {what(args['id'])}"
    if kind == "add_actor" and "id" in args:
        cap = f" (capability {_value(args['capability'])})" if "capability" in args else ""
        return f"with a new actor, {args.get('name') or args['id']}{cap}"
    if kind == "join" and isinstance(args.get("actors"), (list, tuple)):
        name = args.get("name") or args.get("as") or "_".join(map(str, args["actors"]))
        return f"{', '.join(who(a) for a in args['actors'])} act as one ({name})"
    if kind == "settle" and "issue" in args:
        if args.get("remove"):
            return f"{what(args['issue'])} settled and dropped"
        at = (
            f"at {who(args['at'])}'s position"
            if "at" in args
            else f"at {_value(args.get('value'))}"
        )
        return f"{what(args['issue'])} settled {at}"
    if kind == "set":
        fields = [k for k in ("position", "salience", "capability", "status_quo") if k in args]
        if fields and ("actor" in args or "issue" in args):
            if "actor" in args and "issue" in args:
                owner = f"{who(args['actor'])}'s {{}} on {what(args['issue'])}"
            elif "actor" in args:
                owner = f"{who(args['actor'])}'s {{}}"
            else:
                owner = f"the {{}} of {what(args['issue'])}"
            return "; ".join(
                owner.format(k.replace("_", " ")) + f" = {_value(args[k])}" for k in fields
            )
    return f"{kind} {json.dumps(args, sort_keys=True, default=str)}"
