"""KTAB's XML scenario files for the Spatial Model of Politics (read only).

The layout, as KTAB's ``SMPModel::xmlRead`` reads it (and ``smpSchema.xsd`` describes it)::

    <Scenario>
      <name>...</name> <desc>...</desc> <prngSeed>...</prngSeed>
      <ModelParameters>                       (optional)
        <VictoryProbModel>Linear</VictoryProbModel> <PCEModel>...</PCEModel>
        <StateTransitions>...</StateTransitions> <VotingRule>...</VotingRule>
        <BigRAdjust>...</BigRAdjust> <BigRRange>...</BigRRange>
        <ThirdPartyCommit>...</ThirdPartyCommit> <InterVecBrgn>...</InterVecBrgn>
        <BargnModel>...</BargnModel>
      </ModelParameters>
      <Dimensions> <dName>...</dName> ... </Dimensions>
      <Actors>
        <Actor>
          <name>...</name> <description>...</description> <capability>...</capability>
          <Position> <dCoord>...</dCoord> ... </Position>      (0..100, one per dimension)
          <Salience> <dSal>...</dSal> ... </Salience>          (0..100, total at most 100)
        </Actor> ...
      </Actors>
      <IdealAdjustment>                       (optional)
        <iaPair> <adjustingIdeal>A</adjustingIdeal> <referencePos>B</referencePos>
                 <adjust>0.3</adjust> </iaPair> ...
      </IdealAdjustment>
    </Scenario>

:func:`read_ktab_xml` returns a plain description; :func:`read_ktab_xml_scenario` turns a file
into a validated :class:`~detente.scenario.model.Scenario` (the model parameters and the
seed go to ``meta``). Errors name the file, the actor, the dimension and the element.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.errors import FormatError, Problem
from detente.scenario.model import Scenario
from detente.scenario.validate import build_scenario

if TYPE_CHECKING:  # the XML parser is imported when a file is read
    import xml.etree.ElementTree as ET

KTAB_NAMES = {
    "VictoryProbModel": "victory_model",
    "PCEModel": "pce_model",
    "StateTransitions": "transitions",
    "VotingRule": "voting_rule",
    "BigRAdjust": "big_r_adjust",
    "BigRRange": "big_r_range",
    "ThirdPartyCommit": "third_party_commit",
    "InterVecBrgn": "interpolation",
    "BargnModel": "bargain_model",
}
"""KTAB's parameter names (XML ``ModelParameters`` elements, log lines) -> our field names."""

PARAMETER_ELEMENTS = (
    "VictoryProbModel",
    "PCEModel",
    "StateTransitions",
    "VotingRule",
    "BigRAdjust",
    "BigRRange",
    "ThirdPartyCommit",
    "InterVecBrgn",
    "BargnModel",
)
"""The children of ``ModelParameters``, in the schema's order."""


def _fail(
    file: str,
    message: str,
    *,
    actor: str | None = None,
    issue: str | None = None,
    field: str | None = None,
    value: Any = ...,
) -> FormatError:
    return FormatError(
        [
            Problem(
                message=message,
                file=file,
                actor=actor,
                issue=issue,
                field=field,
                value=None if value is ... else value,
                has_value=value is not ...,
            )
        ]
    )


def _text(el: ET.Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    t = el.text.strip()
    return t or None


def _child(parent: ET.Element, tag: str, file: str, **where: Any) -> ET.Element:
    el = parent.find(tag)
    if el is None:
        raise _fail(file, f"element <{tag}> is missing in <{parent.tag}>", field=tag, **where)
    return el


def _number(el: ET.Element, file: str, **where: Any) -> float:
    raw = _text(el)
    if raw is None:
        raise _fail(
            file, f"element <{el.tag}> is empty; KTAB needs a number here", field=el.tag, **where
        )
    try:
        v = float(raw)
    except ValueError:
        raise _fail(
            file, f"element <{el.tag}> must be a number", field=el.tag, value=raw, **where
        ) from None
    if not np.isfinite(v):
        raise _fail(file, f"element <{el.tag}> must be finite", field=el.tag, value=raw, **where)
    return v


def parse_ktab_xml(text: str, file: str = "<string>") -> dict[str, Any]:
    """Parse the text of a KTAB XML scenario; see :func:`read_ktab_xml`."""
    import xml.etree.ElementTree as ET

    text = text.lstrip("\ufeff")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise _fail(file, f"not well-formed XML: {exc}") from None
    if root.tag != "Scenario":
        raise _fail(file, f"the root element must be <Scenario>, not <{root.tag}>")

    out: dict[str, Any] = {
        "name": _text(root.find("name")) or Path(file).stem,
        "description": _text(root.find("desc")) or "",
    }
    seed = _text(root.find("prngSeed"))
    out["seed"] = None
    if seed is not None:
        try:
            out["seed"] = int(seed)
        except ValueError:
            raise _fail(
                file, "<prngSeed> must be an integer", field="prngSeed", value=seed
            ) from None

    params: dict[str, str] = {}
    mp = root.find("ModelParameters")
    if mp is not None:
        for tag in PARAMETER_ELEMENTS:
            val = _text(mp.find(tag))
            if val is not None:
                params[tag] = val
        for el in mp:
            if el.tag not in PARAMETER_ELEMENTS:
                raise _fail(
                    file,
                    f"unknown model parameter <{el.tag}> (known: {', '.join(PARAMETER_ELEMENTS)})",
                    field=el.tag,
                )

    actors_el = _child(root, "Actors", file)
    actor_els = actors_el.findall("Actor")
    if not actor_els:
        raise _fail(file, "<Actors> holds no <Actor>", field="Actors")

    dims_el = root.find("Dimensions")
    if dims_el is not None:
        dims = []
        for k, el in enumerate(dims_el.findall("dName")):
            name = _text(el)
            if name is None:
                raise _fail(file, f"dimension {k + 1}: <dName> is empty", field="dName")
            dims.append(name)
        if not dims:
            raise _fail(file, "<Dimensions> names no dimension (<dName>)", field="Dimensions")
    else:  # the schema makes it optional; count the first actor's coordinates
        first = actor_els[0].find("Position")
        count = len(first.findall("dCoord")) if first is not None else 0
        dims = [f"Dim{k}" for k in range(count)]
    d = len(dims)

    actors: list[dict[str, Any]] = []
    pos = np.empty((len(actor_els), d))
    sal = np.empty((len(actor_els), d))
    for i, a in enumerate(actor_els):
        name = _text(a.find("name"))
        if name is None:
            raise _fail(file, f"actor {i + 1}: <name> is missing or empty", field="name")
        desc = _text(a.find("description")) or ""
        cap = _number(_child(a, "capability", file, actor=name), file, actor=name)
        if cap <= 0:
            raise _fail(
                file, "capability must be positive", actor=name, field="capability", value=cap
            )
        actors.append({"name": name, "description": desc, "capability": cap})
        for tag, item, arr in (("Position", "dCoord", pos), ("Salience", "dSal", sal)):
            els = _child(a, tag, file, actor=name).findall(item)
            if len(els) != d:
                raise _fail(
                    file,
                    f"<{tag}> has {len(els)} <{item}> elements but the scenario has {d} dimensions",
                    actor=name,
                    field=tag,
                )
            for k, el in enumerate(els):
                arr[i, k] = _number(el, file, actor=name, issue=dims[k])
        total = 0.0
        for k in range(d):
            if not 0.0 <= sal[i, k] <= 100.0:
                raise _fail(
                    file,
                    "salience must be within 0..100",
                    actor=name,
                    issue=dims[k],
                    field="dSal",
                    value=float(sal[i, k]),
                )
            total += sal[i, k]
        if total > 100.0:
            raise _fail(
                file,
                f"the saliences add up to {total:g}, more than 100",
                actor=name,
                field="Salience",
            )
    names = [a["name"] for a in actors]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise _fail(file, "duplicate actor name", actor=min(dup), field="name")

    adjust: list[tuple[str, str, float]] = []
    ia = root.find("IdealAdjustment")
    if ia is not None:
        for el in ia.findall("iaPair"):
            who = _text(el.find("adjustingIdeal"))
            ref = _text(el.find("referencePos"))
            for v, tag in ((who, "adjustingIdeal"), (ref, "referencePos")):
                if v is None:
                    raise _fail(file, f"<iaPair> lacks <{tag}>", field=tag)
                if v not in names:
                    raise _fail(file, f"<{tag}> names an unknown actor", actor=v, field=tag)
            w = _number(_child(el, "adjust", file, actor=who), file, actor=who)
            if not 0.0 <= w <= 1.0:
                raise _fail(
                    file, "<adjust> must be within 0..1", actor=who, field="adjust", value=w
                )
            adjust.append((who, ref, w))

    parameters: dict[str, Any] = {}
    if params:
        parameters = {KTAB_NAMES[k]: v for k, v in params.items()}
    if adjust:
        parameters["ideal_adjustment"] = tuple(adjust)
    out.update(
        actors=actors,
        dimensions=dims,
        positions=pos,
        saliences=sal,
        parameters=parameters,
        ktab_parameters=params,
    )
    return out


def read_ktab_xml(path: str | Path) -> dict[str, Any]:
    """Read a KTAB XML scenario into a plain description.

    Returns a dict with ``name``, ``description``, ``seed`` (KTAB's ``prngSeed`` or None),
    ``actors`` (``[{name, description, capability}]``), ``dimensions`` (names),
    ``positions`` and ``saliences`` ((n, d) arrays on 0..100), ``parameters`` (the model
    parameters found in the file, under :class:`~detente.models.smp.SMPParams` field names,
    including ``ideal_adjustment`` when the file has an ``IdealAdjustment``) and
    ``ktab_parameters`` (the same under KTAB's element names, as written).

    >>> import tempfile, os
    >>> xml = ('<Scenario><name>T</name><desc>d</desc><prngSeed>7</prngSeed>'
    ...        '<Dimensions><dName>X</dName></Dimensions><Actors>'
    ...        + ''.join(f'<Actor><name>A{i}</name><description>a</description>'
    ...                  f'<capability>{10 + i}</capability><Position><dCoord>{20 * i}'
    ...                  '</dCoord></Position><Salience><dSal>50</dSal></Salience></Actor>'
    ...                  for i in range(3)) + '</Actors></Scenario>')
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = os.path.join(tmp, "t.xml")
    ...     _ = open(p, "w").write(xml)
    ...     desc = read_ktab_xml(p)
    >>> desc["positions"][:, 0].tolist(), desc["seed"]
    ([0.0, 20.0, 40.0], 7)
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise _fail(str(p), f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return parse_ktab_xml(text, str(p))


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "_" for ch in text.strip())
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")


def ktab_description_to_data(desc: dict[str, Any], scenario_id: str) -> dict[str, Any]:
    """The native scenario layout (for :func:`build_scenario`) of a :func:`read_ktab_xml`
    description: issues on 0..100, saliences on 0..100, KTAB's parameters in ``meta``."""
    issue_ids = [_slug(name) or f"dim{k}" for k, name in enumerate(desc["dimensions"])]
    if len(set(issue_ids)) != len(issue_ids):
        issue_ids = [f"{iid}_{k}" for k, iid in enumerate(issue_ids)]
    actors, stances = [], []
    for i, a in enumerate(desc["actors"]):
        actor: dict[str, Any] = {"id": a["name"], "capability": a["capability"]}
        if a["description"] and a["description"] != a["name"]:
            actor["name"] = a["description"]
        actors.append(actor)
        for k, iid in enumerate(issue_ids):
            stances.append(
                {
                    "actor": a["name"],
                    "issue": iid,
                    "position": float(desc["positions"][i, k]),
                    "salience": float(desc["saliences"][i, k]),
                }
            )
    meta: dict[str, Any] = {}
    if desc.get("ktab_parameters"):
        meta["ktab_model_parameters"] = dict(desc["ktab_parameters"])
    if desc.get("seed") is not None:
        meta["ktab_seed"] = desc["seed"]
    if desc["parameters"].get("ideal_adjustment"):
        meta["ktab_ideal_adjustment"] = [list(t) for t in desc["parameters"]["ideal_adjustment"]]
    return {
        "id": scenario_id,
        "title": desc["name"],
        "description": desc["description"] or None,
        "actors": actors,
        "issues": [{"id": iid, "name": name} for iid, name in zip(issue_ids, desc["dimensions"])],
        "stances": stances,
        "meta": meta,
    }


def read_ktab_xml_scenario(path: str | Path, text: str | None = None) -> Scenario:
    """A KTAB XML file as a validated :class:`Scenario` (``text``: its content, if read)."""
    p = Path(path)
    desc = read_ktab_xml(p) if text is None else parse_ktab_xml(text, str(p))
    return build_scenario(ktab_description_to_data(desc, p.stem), file=str(p))
