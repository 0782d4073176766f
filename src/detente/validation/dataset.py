"""Data sets with real outcomes: DEU tables and folders of scenarios.

A data set is a list of :class:`Case` objects (one scored issue each, with its one-issue
arrays and the decided outcome) grouped into :class:`Group` objects (a legislative proposal
in DEU data; a scenario file in a folder of scenarios). A group also carries the arrays of
all its issues together, for models that forecast the issues of a proposal jointly (the
exchange model).

An issue is *scorable* when its outcome is known and at least three actors have both a
position and a salience on it (the rule of the DEU reference numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detente.errors import DetenteError
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.io import DEU_CAPABILITY, deu_row_to_scenario, read_deu_table, read_text
from detente.scenario.model import Scenario

MIN_ACTORS = 3
"""Fewest actors with a position and a salience for an issue to be scored."""


class DatasetError(DetenteError):
    """A validation data set that cannot be read or has nothing to score."""


@dataclass(frozen=True, eq=False)
class Case:
    """One issue with a known outcome.

    Attributes
    ----------
    group:
        Id of the group (proposal) the issue belongs to.
    issue:
        Issue id (unique within the data set).
    arrays:
        One-issue arrays holding only the actors with a stance on the issue.
    outcome:
        The decided outcome on the issue's scale.
    """

    group: str
    issue: str
    arrays: ScenarioArrays
    outcome: float


@dataclass(frozen=True, eq=False)
class Group:
    """The issues of one proposal (or one scenario file) together.

    ``arrays`` holds every issue of the group that at least one actor has a stance on
    (scored or not); ``scored`` maps the ids of its scored issues to their column in it.
    """

    id: str
    arrays: ScenarioArrays
    scored: dict[str, int]


@dataclass
class Dataset:
    """Cases with outcomes, grouped."""

    name: str
    cases: list[Case]
    groups: list[Group]
    capability: str
    dropped: dict[str, str] = field(default_factory=dict)
    """Issues read but not scored, with the reason."""

    @property
    def n_cases(self) -> int:
        return len(self.cases)

    @property
    def case_groups(self) -> np.ndarray:
        """``(n_cases,)`` group index of each case (for grouped bootstrap and folds)."""
        index = {g.id: i for i, g in enumerate(self.groups)}
        return np.array([index[c.group] for c in self.cases], dtype=int)

    @property
    def outcomes(self) -> np.ndarray:
        return np.array([c.outcome for c in self.cases], dtype=float)

    def subset(self, groups: list[str] | set[str]) -> Dataset:
        """The data set restricted to some groups (by id), in the original order."""
        keep = set(groups)
        return Dataset(
            self.name,
            [c for c in self.cases if c.group in keep],
            [g for g in self.groups if g.id in keep],
            self.capability,
            {k: v for k, v in self.dropped.items()},
        )


# -- arrays helpers ------------------------------------------------------------------------


def restrict_actors(arrays: ScenarioArrays, keep: np.ndarray) -> ScenarioArrays:
    """Arrays with only the actors where ``keep`` (n,) is True (decision rules follow them:
    see :meth:`ScenarioArrays.select_actors`)."""
    return arrays.select_actors(np.asarray(keep, dtype=bool))


def one_issue(arrays: ScenarioArrays, k: int) -> ScenarioArrays:
    """Issue ``k`` alone, with the actors that have a stance on it."""
    sub = arrays.select_issues([k])
    return restrict_actors(sub, sub.mask[:, 0])


def merge_issues(parts: list[ScenarioArrays]) -> ScenarioArrays:
    """Join arrays of different issues over the union of their actors.

    An actor must have the same capability wherever it appears; it has no stance on the
    issues of the parts it is absent from.
    """
    if not parts:
        raise DatasetError("nothing to merge")
    actors: list[str] = []
    cap: dict[str, float] = {}
    for p in parts:
        for a, c in zip(p.actors, p.capability):
            if a not in cap:
                actors.append(a)
                cap[a] = float(c)
            elif not np.isclose(cap[a], c):
                raise DatasetError(
                    f"actor {a!r} has capability {cap[a]:g} on one issue and "
                    f"{float(c):g} on another of the same group"
                )
    row = {a: i for i, a in enumerate(actors)}
    d = sum(p.n_issues for p in parts)
    x = np.full((len(actors), d), np.nan)
    s = np.full((len(actors), d), np.nan)
    # decision rules, per actor and issue (the actor-indexed ones remapped to the union)
    veto = np.zeros((len(actors), d), dtype=bool)
    voters = np.zeros((len(actors), d), dtype=bool)
    vote_weight = np.full((len(actors), d), np.nan)
    controller = np.full(d, -1, dtype=np.int64)
    setter = np.full(d, -1, dtype=np.int64)
    col = 0
    for p in parts:
        rows = [row[a] for a in p.actors]
        cut = slice(col, col + p.n_issues)
        x[rows, cut] = p.position
        s[rows, cut] = p.salience
        veto[rows, cut] = p.veto
        voters[rows, cut] = p.voters
        vote_weight[rows, cut] = p.vote_weight
        remap = np.array([*rows, -1], dtype=np.int64)  # index -1 stays -1
        controller[cut] = remap[p.controller]
        setter[cut] = remap[p.setter]
        col += p.n_issues
    mask = ~(np.isnan(x) | np.isnan(s))
    return ScenarioArrays(
        actors=tuple(actors),
        issues=tuple(i for p in parts for i in p.issues),
        capability=np.array([cap[a] for a in actors]),
        position=x,
        salience=s,
        mask=mask,
        low=np.concatenate([p.low for p in parts]),
        high=np.concatenate([p.high for p in parts]),
        status_quo=np.concatenate([p.status_quo for p in parts]),
        rule=np.concatenate([p.rule for p in parts]),
        veto=veto,
        voters=voters,
        vote_weight=vote_weight,
        threshold=np.concatenate([p.threshold for p in parts]),
        controller=controller,
        setter=setter,
        must_decide=np.concatenate([p.must_decide for p in parts]),
    )


def _scorable(arrays: ScenarioArrays, k: int, outcome: float | None) -> str | None:
    """Why issue ``k`` cannot be scored, or None."""
    if outcome is None or not np.isfinite(outcome):
        return "no outcome"
    n = int(arrays.mask[:, k].sum())
    if n < MIN_ACTORS:
        return f"only {n} actor{'s' if n != 1 else ''} with position and salience"
    return None


# -- DEU -----------------------------------------------------------------------------------


def load_deu(path: str | Path, capability: str = "size") -> Dataset:
    """Read a DEU table (tab- or semicolon-separated) as a data set.

    Parameters
    ----------
    path:
        The table: a header row, an optional size row, one row per issue (see
        ``docs/validation.md``).
    capability:
        One of :data:`detente.scenario.io.DEU_CAPABILITY`: ``size`` (the file's size
        row), ``equal``, ``council`` (Council voting weights by treaty period) or
        ``population``.

    Returns
    -------
    Dataset
        One case per scorable issue, grouped by proposal (column ``prnr``).
    """
    if capability not in DEU_CAPABILITY:
        raise DatasetError(
            f"unknown capability choice {capability!r} (known: {', '.join(DEU_CAPABILITY)})"
        )
    p = Path(path)
    text = read_text(p)
    _, sizes, rows = read_deu_table(p, text)
    if capability == "size" and not sizes:
        raise DatasetError(
            f"{p}: no size row (the row after the header with empty prnr and "
            "isnr); choose another capability (equal, council, population)"
        )
    by_group: dict[str, list[tuple[ScenarioArrays, float | None]]] = {}
    for line, row in rows:
        sc = deu_row_to_scenario(str(p), line, row, sizes, capability)
        gid = str(sc.meta.get("proposal") or sc.issues[0].id)
        by_group.setdefault(gid, []).append((sc.to_arrays(), sc.meta.get("outcome")))
    return _assemble(p.name, by_group, capability)


def _assemble(
    name: str, by_group: dict[str, list[tuple[ScenarioArrays, Any]]], capability: str
) -> Dataset:
    cases: list[Case] = []
    groups: list[Group] = []
    dropped: dict[str, str] = {}
    seen: set[str] = set()
    for gid, parts in by_group.items():
        usable = [(a, o) for a, o in parts if a.n_actors > 0 and a.mask.any()]
        for a, o in parts:
            if not a.mask.any():
                for iss in a.issues:
                    dropped[iss] = "no actor with position and salience"
        if not usable:
            continue
        merged = merge_issues([a for a, _ in usable])
        outcomes: list[float | None] = []
        for a, o in usable:
            if isinstance(o, dict):
                outcomes += [o.get(i) for i in a.issues]
            elif a.n_issues == 1:
                outcomes.append(o)
            else:
                outcomes += [None] * a.n_issues
        scored: dict[str, int] = {}
        for k, iid in enumerate(merged.issues):
            if iid in seen:
                raise DatasetError(f"issue id {iid!r} appears twice in the data set")
            seen.add(iid)
            o = outcomes[k]
            o = None if o is None else float(o)
            why = _scorable(merged, k, o)
            if why is not None:
                dropped[iid] = why
                continue
            scored[iid] = k
            cases.append(Case(group=gid, issue=iid, arrays=one_issue(merged, k), outcome=o))
        groups.append(Group(id=gid, arrays=merged, scored=scored))
    if not cases:
        raise DatasetError(
            f"{name}: no scorable issue (an outcome and at least {MIN_ACTORS} "
            "actors with position and salience)"
        )
    return Dataset(
        name=name,
        cases=cases,
        groups=[g for g in groups if g.scored],
        capability=capability,
        dropped=dropped,
    )


# -- folders of scenarios --------------------------------------------------------------------


def _outcomes_of(s: Scenario) -> dict[str, float] | float | None:
    out = s.meta.get("outcome") if s.meta else None
    if out is None:
        return None
    if isinstance(out, dict):
        res = {}
        for k, v in out.items():
            try:
                res[str(k)] = float(v)
            except (TypeError, ValueError):
                raise DatasetError(
                    f"scenario {s.id!r}: meta.outcome[{k!r}] is not a number (got {v!r})"
                ) from None
        unknown = set(res) - set(s.issue_ids)
        if unknown:
            raise DatasetError(
                f"scenario {s.id!r}: meta.outcome names unknown issues: "
                f"{', '.join(sorted(unknown))}"
            )
        return res
    try:
        value = float(out)
    except (TypeError, ValueError):
        raise DatasetError(
            f"scenario {s.id!r}: meta.outcome is not a number (got {out!r})"
        ) from None
    if len(s.issues) != 1:
        raise DatasetError(
            f"scenario {s.id!r} has {len(s.issues)} issues: give meta.outcome "
            "as a mapping issue -> outcome"
        )
    return {s.issues[0].id: value}


def load_scenarios(paths: list[Path], name: str) -> Dataset:
    """Scenarios whose ``meta.outcome`` gives the outcome (a number for a one-issue
    scenario, else a mapping issue id -> outcome); each scenario is one group (its
    ``meta.proposal`` when given, else its id). Issue ids are prefixed by the group id
    when two scenarios use the same issue id."""
    from detente.scenario import load

    by_group: dict[str, list[tuple[ScenarioArrays, Any]]] = {}
    for path in paths:
        s = load(str(path))
        outs = _outcomes_of(s)
        if outs is None:
            continue
        gid = str(s.meta.get("proposal") or s.id) if s.meta else s.id
        arr = s.to_arrays()
        by_group.setdefault(gid, []).append((arr, outs))
    # make issue ids unique across groups
    ids = [i for parts in by_group.values() for a, _ in parts for i in a.issues]
    if len(ids) != len(set(ids)):
        renamed: dict[str, list[tuple[ScenarioArrays, Any]]] = {}
        for gid, parts in by_group.items():
            renamed[gid] = []
            for a, o in parts:
                from dataclasses import replace

                new = replace(a, issues=tuple(f"{gid}/{i}" for i in a.issues))
                renamed[gid].append((new, {f"{gid}/{k}": v for k, v in o.items()}))
        by_group = renamed
    if not by_group:
        raise DatasetError(f"{name}: no scenario has meta.outcome")
    return _assemble(name, by_group, "scenario")


def load_dataset(source: str | Path, capability: str | None = None) -> Dataset:
    """Load a data set: a DEU table (``.tsv``/``.tab``/``.csv`` with ``prnr``/``isnr``
    columns), a folder of YAML scenarios with outcomes, or one such scenario file."""
    p = Path(source)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix.lower() in (".yaml", ".yml"))
        if not files:
            raise DatasetError(f"{p}: no .yaml scenario in the folder")
        if capability not in (None, "scenario"):
            raise DatasetError(
                "capability applies to DEU tables; scenarios carry their own", param="capability"
            )
        return load_scenarios(files, p.name)
    if not p.exists():
        raise DatasetError(f"{p}: no such file or folder")
    if p.suffix.lower() in (".yaml", ".yml"):
        if capability not in (None, "scenario"):
            raise DatasetError(
                "capability applies to DEU tables; scenarios carry their own", param="capability"
            )
        return load_scenarios([p], p.stem)
    head = read_text(p).splitlines()[:1]
    cols = {
        c.strip().lower()
        for c in (head[0].replace(";", "\t").replace(",", "\t").split("\t") if head else [])
    }
    if "isnr" in cols and "out" in cols:
        return load_deu(p, capability or "size")
    raise DatasetError(
        f"{p}: not a DEU table (needs columns isnr and out) nor a folder of scenarios"
    )
