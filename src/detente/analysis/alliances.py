"""Alliances and coalitions: who agrees with whom, on what, and how broadly.

Definitions (``docs/alliances.md`` argues the choices):

Alignment on an issue
    ``a_ijk = 1 - |x_ik - x_jk| / R_k`` in ``[0, 1]``: 1 when actors i and j hold the same
    position on issue k, 0 when they stand at opposite ends of its scale (``R_k`` is the
    width of the scale). NaN where either has no stance. ``signed=True`` gives
    ``2 a_ijk - 1`` in ``[-1, 1]`` (0 = half the scale apart).
Weight of an issue for a pair
    ``w_ijk = sqrt(s_ik s_jk)`` (``geometric``, the default): an issue counts for a pair as
    much as both care about it, and not at all if either does not. Alternatives: ``min``,
    ``mean`` (arithmetic) and ``equal`` (1 on every shared issue).
Overall alignment
    ``A_ij = sum_k w_ijk a_ijk / sum_k w_ijk`` over the issues both hold a stance on
    (NaN if the weights sum to 0). Symmetric, 1 on the diagonal.
Concentration
    How unevenly the pair's alignment is spread over its shared agenda (the issues both
    have a stance on with positive weight): the Gini coefficient of the alignments
    ``a_ijk`` over those m issues, divided by its largest possible value ``(m - 1) / m``.
    0 when the pair is equally aligned on every shared issue (a broad alignment, whatever
    its level), 1 when all its agreement sits on one issue and it is at opposite ends on
    every other (an alliance of convenience in its purest form). NaN with fewer than two
    shared issues. Salience enters the level (``A_ij``), not this shape index, so that 0
    and 1 mean the same thing for every pair.

Issues a scenario records as settled (``meta["settled"]``, see :func:`settle`) are left
out of the alignment: nothing is at stake on them any more.

>>> import detente
>>> s = detente.scenario.build_scenario({
...     "actors": [{"id": "a", "capability": 1}, {"id": "b", "capability": 1}],
...     "issues": [{"id": "x"}, {"id": "y"}],
...     "stances": [{"actor": "a", "issue": "x", "position": 0, "salience": 50},
...                 {"actor": "b", "issue": "x", "position": 0, "salience": 50},
...                 {"actor": "a", "issue": "y", "position": 0, "salience": 50},
...                 {"actor": "b", "issue": "y", "position": 100, "salience": 50}]})
>>> al = alignment(s)
>>> float(al.overall[0, 1]), float(al.concentration[0, 1])
(0.5, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

import numpy as np
import pandas as pd

from detente.errors import DetenteError, ParameterError
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.model import Scenario

Weighting = Literal["geometric", "min", "mean", "equal"]
WEIGHTINGS: tuple[str, ...] = ("geometric", "min", "mean", "equal")
DYNAMIC_PREFERENCE: tuple[str, ...] = ("eum", "smp")
"""Models :func:`coalitions` uses by default, first registered and applicable one wins."""


# -- array functions ---------------------------------------------------------------------


def issue_alignment(
    position: np.ndarray, low: np.ndarray, high: np.ndarray, *, signed: bool = False
) -> np.ndarray:
    """``(n, n, d)`` alignment of every pair of actors on every issue.

    Parameters
    ----------
    position:
        ``(n, d)`` positions on each issue's scale, NaN where there is no stance.
    low, high:
        ``(d,)`` scale bounds.
    signed:
        Return ``2a - 1`` in ``[-1, 1]`` instead of ``a`` in ``[0, 1]``.

    >>> issue_alignment(np.array([[0.0], [25.0]]), np.array([0.0]), np.array([100.0]))[:, :, 0]
    array([[1.  , 0.75],
           [0.75, 1.  ]])
    """
    x = np.asarray(position, dtype=float)
    span = np.asarray(high, dtype=float) - np.asarray(low, dtype=float)
    a = 1.0 - np.abs(x[:, None, :] - x[None, :, :]) / span
    a = np.clip(a, 0.0, 1.0)
    return 2.0 * a - 1.0 if signed else a


def pair_weights(
    salience: np.ndarray, mask: np.ndarray, weighting: Weighting = "geometric"
) -> np.ndarray:
    """``(n, n, d)`` weight of each issue for each pair (0 where either has no stance).

    ``salience`` is ``(n, d)`` on any non-negative scale (NaN where there is no stance).
    """
    if weighting not in WEIGHTINGS:
        raise ParameterError(f"unknown weighting {weighting!r} (known: {', '.join(WEIGHTINGS)})")
    s = np.where(mask, np.nan_to_num(np.asarray(salience, dtype=float), nan=0.0), 0.0)
    si, sj = s[:, None, :], s[None, :, :]
    if weighting == "geometric":
        w = np.sqrt(si * sj)
    elif weighting == "min":
        w = np.minimum(si, sj)
    elif weighting == "mean":
        w = (si + sj) / 2.0
    else:
        w = np.ones_like(si * sj)
    both = mask[:, None, :] & mask[None, :, :]
    return np.where(both, w, 0.0)


def overall_alignment(align: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``(n, n)`` weighted mean of ``align`` (n, n, d) over issues; NaN where the weights
    sum to zero."""
    w = np.where(np.isnan(align), 0.0, weights)
    tot = w.sum(axis=-1)
    num = (w * np.nan_to_num(align, nan=0.0)).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, num / np.where(tot > 0, tot, 1.0), np.nan)


def concentration_index(align: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Normalised Gini coefficient of each pair's alignment over its shared agenda.

    ``align`` and ``weights`` are ``(..., d)``; the shared agenda of a pair is the issues
    with a finite alignment and a positive weight. Returns ``(...)``: 0 for equal alignment
    on every shared issue, 1 when all agreement sits on one issue (alignment 0 elsewhere);
    NaN with fewer than two shared issues or no agreement at all.

    >>> float(concentration_index(np.array([0.9, 0.9, 0.9]), np.ones(3)))
    0.0
    >>> float(concentration_index(np.array([1.0, 0.0, 0.0]), np.ones(3)))
    1.0
    """
    a = np.asarray(align, dtype=float)
    on = np.isfinite(a) & (np.asarray(weights) > 0)
    m = on.sum(axis=-1)
    av = np.where(on, a, 0.0)
    total = av.sum(axis=-1)
    # mean absolute difference over ordered pairs of shared issues
    diff = np.abs(av[..., :, None] - av[..., None, :])
    both = on[..., :, None] & on[..., None, :]
    gmd = np.where(both, diff, 0.0).sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        # Gini = sum|a_k - a_l| / (2 m^2 mean) = sum|.| / (2 m total); max (m - 1) / m
        gini = gmd / (2.0 * m * total)
        out = gini / ((m - 1) / m)
    return np.where((m >= 2) & (total > 0), np.clip(out, 0.0, 1.0), np.nan)


# -- the alignment of a scenario ---------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Alignment:
    """Pairwise alignment of a scenario's actors (see the module docstring).

    Attributes
    ----------
    actors, issues:
        Ids in scenario order.
    per_issue:
        ``(n, n, d)`` alignment on each issue (NaN where either has no stance).
    weights:
        ``(n, n, d)`` weight of each issue for each pair (0 on excluded issues).
    overall:
        ``(n, n)`` salience-weighted alignment.
    concentration:
        ``(n, n)`` concentration index.
    excluded:
        Issues left out (settled ones).
    weighting, signed:
        The choices the numbers were computed with.
    """

    actors: tuple[str, ...]
    issues: tuple[str, ...]
    per_issue: np.ndarray
    weights: np.ndarray
    overall: np.ndarray
    concentration: np.ndarray
    excluded: tuple[str, ...] = ()
    weighting: str = "geometric"
    signed: bool = False

    def pair(self, a: str, b: str) -> dict[str, Any]:
        """The numbers of one pair: overall, concentration and alignment per issue."""
        i, j = self._index(a), self._index(b)
        return {
            "overall": float(self.overall[i, j]),
            "concentration": float(self.concentration[i, j]),
            "issues": {k: float(self.per_issue[i, j, n]) for n, k in enumerate(self.issues)},
        }

    def group(self, a: str, b: str, issues: Sequence[str]) -> float:
        """The pair's weighted alignment over a group of issues (NaN if none is shared)."""
        i, j = self._index(a), self._index(b)
        idx = [self._issue(k) for k in issues]
        w = self.weights[i, j, idx]
        al = self.per_issue[i, j, idx]
        ok = np.isfinite(al) & (w > 0)
        return float((w[ok] * al[ok]).sum() / w[ok].sum()) if ok.any() else float("nan")

    def _index(self, a: str) -> int:
        try:
            return self.actors.index(a)
        except ValueError:
            raise DetenteError(f"no actor {a!r} (known: {', '.join(self.actors)})") from None

    def _issue(self, k: str) -> int:
        try:
            return self.issues.index(k)
        except ValueError:
            raise DetenteError(f"no issue {k!r} (known: {', '.join(self.issues)})") from None

    # -- tables ----------------------------------------------------------------------------
    def pairs_frame(self, groups: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
        """One row per unordered pair: ``actor_a, actor_b, alignment, concentration,
        shared_issues, best_issue, best, worst_issue, worst``, then one column per issue
        (``align:ISSUE``) and one per group (``group:NAME``). Sorted by alignment."""
        rows = []
        n = len(self.actors)
        for i in range(n):
            for j in range(i + 1, n):
                al = self.per_issue[i, j]
                on = np.isfinite(al) & (self.weights[i, j] > 0)
                row: dict[str, Any] = {
                    "actor_a": self.actors[i],
                    "actor_b": self.actors[j],
                    "alignment": float(self.overall[i, j]),
                    "concentration": float(self.concentration[i, j]),
                    "shared_issues": int(on.sum()),
                }
                if on.any():
                    idx = np.flatnonzero(on)
                    best = idx[np.argmax(al[idx])]
                    worst = idx[np.argmin(al[idx])]
                    row.update(
                        best_issue=self.issues[best],
                        best=float(al[best]),
                        worst_issue=self.issues[worst],
                        worst=float(al[worst]),
                    )
                else:
                    row.update(best_issue="", best=np.nan, worst_issue="", worst=np.nan)
                for k, iid in enumerate(self.issues):
                    row[f"align:{iid}"] = float(al[k]) if on[k] else np.nan
                for name, members in (groups or {}).items():
                    row[f"group:{name}"] = self.group(self.actors[i], self.actors[j], members)
                rows.append(row)
        df = pd.DataFrame(rows)
        if df.empty:
            return df
        return df.sort_values(
            ["alignment", "actor_a", "actor_b"], ascending=[False, True, True], na_position="last"
        ).reset_index(drop=True)

    def issue_frame(self) -> pd.DataFrame:
        """Long table ``actor_a, actor_b, issue, alignment, weight`` (unordered pairs with
        a stance on the issue; excluded issues omitted)."""
        rows = []
        n = len(self.actors)
        for i in range(n):
            for j in range(i + 1, n):
                for k, iid in enumerate(self.issues):
                    if iid in self.excluded or not np.isfinite(self.per_issue[i, j, k]):
                        continue
                    rows.append(
                        {
                            "actor_a": self.actors[i],
                            "actor_b": self.actors[j],
                            "issue": iid,
                            "alignment": float(self.per_issue[i, j, k]),
                            "weight": float(self.weights[i, j, k]),
                        }
                    )
        return pd.DataFrame(rows, columns=["actor_a", "actor_b", "issue", "alignment", "weight"])

    def matrix(self) -> pd.DataFrame:
        """The overall alignment as an actor x actor DataFrame."""
        return pd.DataFrame(self.overall, index=list(self.actors), columns=list(self.actors))


def alignment_arrays(
    arrays: ScenarioArrays,
    *,
    weighting: Weighting = "geometric",
    signed: bool = False,
    exclude: Sequence[str] = (),
) -> Alignment:
    """The :class:`Alignment` of a scenario's numeric view; issues in ``exclude`` get
    weight 0 (their per-issue alignment is still reported)."""
    per = issue_alignment(arrays.position, arrays.low, arrays.high, signed=False)
    both = arrays.mask[:, None, :] & arrays.mask[None, :, :]
    per = np.where(both, per, np.nan)
    w = pair_weights(arrays.salience, arrays.mask, weighting)
    unknown = [k for k in exclude if k not in arrays.issues]
    if unknown:
        raise DetenteError(f"cannot exclude unknown issue(s) {', '.join(unknown)}")
    keep = np.array([k not in exclude for k in arrays.issues], dtype=bool)
    w = np.where(keep, w, 0.0)
    overall = overall_alignment(per, w)
    conc = concentration_index(per, w)
    if signed:
        per, overall = 2.0 * per - 1.0, 2.0 * overall - 1.0
    return Alignment(
        actors=tuple(arrays.actors),
        issues=tuple(arrays.issues),
        per_issue=per,
        weights=w,
        overall=overall,
        concentration=conc,
        excluded=tuple(k for k in arrays.issues if k in exclude),
        weighting=weighting,
        signed=signed,
    )


def settled_issues(scenario: Scenario) -> tuple[str, ...]:
    """Issues the scenario records as settled (``meta["settled"]``) that it still has."""
    settled = scenario.meta.get("settled") or {}
    return tuple(k for k in scenario.issue_ids if k in settled)


def alignment(
    scenario: Scenario,
    *,
    weighting: Weighting = "geometric",
    signed: bool = False,
    exclude: Sequence[str] | None = None,
) -> Alignment:
    """Pairwise alignment of a scenario's actors (see the module docstring).

    ``exclude`` defaults to the issues the scenario records as settled.
    """
    if exclude is None:
        exclude = settled_issues(scenario)
    return alignment_arrays(
        scenario.to_arrays(), weighting=weighting, signed=signed, exclude=exclude
    )


# -- coalitions ----------------------------------------------------------------------------


def line_clusters(values: np.ndarray, gap: float) -> np.ndarray:
    """Single-linkage clusters of points on a line: neighbours within ``gap`` share a
    cluster. Returns integer labels 0, 1, ... in increasing order of position (-1 for NaN).

    >>> line_clusters(np.array([0.0, 50.0, 4.0, np.nan, 55.0]), 5.0).tolist()
    [0, 1, 0, -1, 1]
    """
    v = np.asarray(values, dtype=float)
    labels = np.full(v.shape, -1, dtype=int)
    idx = np.flatnonzero(np.isfinite(v))
    if idx.size == 0:
        return labels
    order = idx[np.argsort(v[idx], kind="stable")]
    cur = 0
    labels[order[0]] = 0
    for prev, nxt in pairwise(order):
        if v[nxt] - v[prev] > gap:
            cur += 1
        labels[nxt] = cur
    return labels


def graph_clusters(distance: np.ndarray, threshold: float) -> np.ndarray:
    """Single-linkage clusters: connected components of the graph joining pairs whose
    ``distance`` is at most ``threshold`` (NaN distances join nothing). Labels 0, 1, ...
    in order of first member."""
    n = distance.shape[0]
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if np.isfinite(distance[i, j]) and distance[i, j] <= threshold:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    roots: dict[int, int] = {}
    return np.array([roots.setdefault(find(i), len(roots)) for i in range(n)], dtype=int)


def moves_toward(
    start: np.ndarray,
    end: np.ndarray,
    salience: np.ndarray,
    mask: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """How far each actor moved toward each other actor's starting position.

    ``gain[i, j]`` is the salience-weighted mean, over the issues both hold a stance on, of
    ``(|x0_i - x0_j| - |xT_i - x0_j|) / R``: positive when i ended nearer j's initial
    position than it started. Returns ``(gain (n, n), moved (n,))`` with ``moved[i]`` the
    salience-weighted mean distance i travelled, as a fraction of the scales.
    """
    span = np.asarray(high, dtype=float) - np.asarray(low, dtype=float)
    s = np.where(mask, np.nan_to_num(salience, nan=0.0), 0.0)
    s = np.where(s.sum(axis=1, keepdims=True) > 0, s, mask.astype(float))
    d0 = np.abs(start[:, None, :] - start[None, :, :]) / span
    dT = np.abs(end[:, None, :] - start[None, :, :]) / span
    both = mask[:, None, :] & mask[None, :, :]
    w = np.where(both, s[:, None, :], 0.0)
    g = np.where(both, d0 - dT, 0.0)
    tot = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        gain = np.where(tot > 0, (w * g).sum(axis=-1) / np.where(tot > 0, tot, 1.0), np.nan)
        mv = np.where(mask, np.abs(end - start) / span, 0.0)
        stot = s.sum(axis=1)
        moved = np.where(stot > 0, (s * mv).sum(axis=1) / np.where(stot > 0, stot, 1.0), 0.0)
    np.fill_diagonal(gain, np.nan)
    return gain, moved


def _weighted_distance(
    a: np.ndarray, b: np.ndarray, salience: np.ndarray, mask: np.ndarray, span: np.ndarray
) -> np.ndarray:
    """``(n, n)``: salience-weighted (by the first actor) mean of ``|a_i - b_j| / R`` over
    the issues both hold a stance on."""
    s = np.where(mask, np.nan_to_num(salience, nan=0.0), 0.0)
    both = mask[:, None, :] & mask[None, :, :]
    w = np.where(both, s[:, None, :], 0.0)
    dist = np.where(both, np.abs(a[:, None, :] - b[None, :, :]) / span, 0.0)
    tot = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, (w * dist).sum(axis=-1) / np.where(tot > 0, tot, 1.0), np.inf)


@dataclass(frozen=True, eq=False)
class Coalitions:
    """The coalition structure a model run produces.

    Attributes
    ----------
    model:
        The model run; ``dynamic`` says whether actors moved.
    forecast:
        ``(d,)`` the model's forecast.
    positions:
        Per actor and issue: ``actor, issue, start, end, moved, cluster, members,
        with_forecast, nearest, settled`` (``cluster`` numbers the groups of end positions on the
        issue from the low end of the scale; ``with_forecast`` marks the group that holds
        or is nearest the forecast; ``nearest`` is ``"forecast"`` when the actor ends
        closer to the forecast than to every other actor, else the nearest actor).
    actors:
        Per actor: ``actor, coalition, partners, moved, toward, toward_gain,
        distance_to_forecast`` (``coalition`` from single-linkage clustering of the end
        positions' overall alignment; ``toward``: among the actors whose initial
        positions it ended closer to, the one whose initial position it ended nearest,
        empty if it moved toward no one; ``toward_gain`` how much closer it got, see
        :func:`moves_toward`).
    tol:
        The clustering tolerance (fraction of each issue's scale / of overall distance).
    rounds:
        Rounds the model played (0 for a static model).
    extras:
        ``{"skipped": {model: reason}}`` when a default model refused the scenario.
    """

    model: str
    dynamic: bool
    forecast: np.ndarray
    positions: pd.DataFrame
    actors: pd.DataFrame
    tol: float
    rounds: int = 0
    extras: dict[str, Any] = field(default_factory=dict)


def default_coalition_model(scenario: Scenario) -> str:
    """The first of :data:`DYNAMIC_PREFERENCE` registered and applicable, else
    ``compromise``."""
    return _coalition_candidates(scenario)[0]


def _coalition_candidates(scenario: Scenario) -> list[str]:
    from detente.models import available_models
    from detente.models.runner import applicable

    known = available_models()
    names = [n for n in DYNAMIC_PREFERENCE if n in known and applicable(n, scenario) is None]
    return names + ["compromise"]


def coalitions(
    scenario: Scenario,
    model: str | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    seed: int | None = 0,
    tol: float = 0.1,
    weighting: Weighting = "geometric",
) -> Coalitions:
    """Run ``model`` and describe who ends where and with whom.

    Parameters
    ----------
    scenario:
        The scenario.
    model:
        A registered model; default :func:`default_coalition_model`. For a dynamic model
        the end positions are the last round's; for a static one they are the initial
        positions (nobody moves) and the forecast says which group prevails.
    params, seed:
        Passed to :func:`detente.models.runner.run_model`.
    tol:
        Actors within ``tol`` x the scale of each other on an issue share a group there;
        overall, actors whose overall alignment (at the end positions) is at least
        ``1 - tol`` are chained into one coalition.
    """
    from detente.models import get_model
    from detente.models.runner import run_model

    if not 0 < tol < 1:
        raise ParameterError(f"tol must lie strictly between 0 and 1, got {tol!r}")
    res = None
    skipped: dict[str, str] = {}
    if model is not None:
        name = model
        res = run_model(scenario, name, params, seed=seed)
    else:
        # A model that declares no applicability check may still refuse the scenario when
        # run; then the next candidate is used and the refusal is recorded.
        for name in _coalition_candidates(scenario):
            try:
                res = run_model(scenario, name, params if name != "compromise" else None, seed=seed)
                break
            except DetenteError as exc:
                skipped[name] = str(exc)
    assert res is not None
    spec = get_model(name)
    arr = scenario.to_arrays()
    start = arr.position
    end = res.rounds[-1] if res.rounds is not None else start
    end = np.where(arr.mask, end, np.nan)
    span = arr.span
    f = np.asarray(res.forecast, dtype=float)
    excluded = settled_issues(scenario)
    rows = []
    for k, iid in enumerate(arr.issues):
        lab = line_clusters(end[:, k], tol * span[k])
        groups: dict[int, list[str]] = {}
        for i, a in enumerate(arr.actors):
            if lab[i] >= 0:
                groups.setdefault(int(lab[i]), []).append(a)
        win = -1
        if np.isfinite(f[k]) and groups:
            dist = {
                g: min(abs(end[arr.actors.index(a), k] - f[k]) for a in m)
                for g, m in groups.items()
            }
            win = min(dist, key=lambda g: (dist[g], g))
        for i, a in enumerate(arr.actors):
            if not arr.mask[i, k]:
                continue
            others = [
                (abs(end[i, k] - end[j, k]), arr.actors[j])
                for j in range(len(arr.actors))
                if j != i and arr.mask[j, k]
            ]
            near_other = min(others) if others else (np.inf, "")
            df = abs(end[i, k] - f[k]) if np.isfinite(f[k]) else np.inf
            rows.append(
                {
                    "actor": a,
                    "issue": iid,
                    "start": float(start[i, k]),
                    "end": float(end[i, k]),
                    "moved": float(end[i, k] - start[i, k]),
                    "cluster": int(lab[i]),
                    "members": ", ".join(groups[int(lab[i])]),
                    "with_forecast": bool(lab[i] == win),
                    "nearest": "forecast" if df < near_other[0] else near_other[1],
                    "settled": iid in excluded,
                }
            )
    positions = pd.DataFrame(rows)
    # overall coalitions from the end positions
    keep = np.array([k not in excluded for k in arr.issues], dtype=bool)
    w = np.where(keep, pair_weights(arr.salience, arr.mask, weighting), 0.0)
    per_end = np.where(
        arr.mask[:, None, :] & arr.mask[None, :, :], issue_alignment(end, arr.low, arr.high), np.nan
    )
    a_end = overall_alignment(per_end, w)
    lab = graph_clusters(1.0 - a_end, tol)
    gain, moved = moves_toward(
        start, end, np.where(keep, arr.salience, 0.0), arr.mask & keep, arr.low, arr.high
    )
    land = _weighted_distance(end, start, np.where(keep, arr.salience, 0.0), arr.mask & keep, span)
    s = np.where(arr.mask & keep, np.nan_to_num(arr.salience, nan=0.0), 0.0)
    dfc = np.where(arr.mask & keep, np.abs(end - f) / span, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        dist_f = (s * dfc).sum(axis=1) / s.sum(axis=1)
    arows = []
    for i, a in enumerate(arr.actors):
        mates = [arr.actors[j] for j in range(len(arr.actors)) if lab[j] == lab[i] and j != i]
        g = gain[i]
        # among the actors it got closer to, the one whose initial position it ended
        # nearest (ties: the larger gain)
        cands = [j for j in range(len(arr.actors)) if np.isfinite(g[j]) and g[j] > 1e-9]
        j_best = min(cands, key=lambda j: (land[i, j], -g[j], j)) if cands else -1
        moved_toward = j_best >= 0
        arows.append(
            {
                "actor": a,
                "coalition": int(lab[i]),
                "partners": ", ".join(mates),
                "moved": float(moved[i]),
                "toward": arr.actors[j_best] if moved_toward else "",
                "toward_gain": float(g[j_best]) if moved_toward else 0.0,
                "distance_to_forecast": float(dist_f[i]),
            }
        )
    return Coalitions(
        model=name,
        dynamic=spec.dynamic and res.rounds is not None,
        forecast=f,
        positions=positions,
        actors=pd.DataFrame(arows),
        tol=tol,
        rounds=res.n_rounds,
        extras={"skipped": skipped} if skipped else {},
    )


# -- "aim reached" shocks ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Shock:
    """An "aim reached" shock and what it changes.

    Attributes
    ----------
    scenario:
        The shocked scenario.
    label:
        What was done, e.g. ``"kurdish_autonomy settled at turkey (5)"``.
    pairs:
        Per pair: ``actor_a, actor_b, before, after, change, concentration_before,
        concentration_after``.
    forecasts:
        Per model and issue: ``model, issue, before, after, change``.
    skipped:
        Default models that refused the scenario, with the reason.
    """

    scenario: Scenario
    label: str
    issue: str
    value: float | None
    pairs: pd.DataFrame
    forecasts: pd.DataFrame
    before: Alignment
    after: Alignment
    skipped: dict[str, str] = field(default_factory=dict)


def settle_scenario(
    scenario: Scenario,
    issue: str,
    at_actor: str | None = None,
    value: float | None = None,
    remove: bool = False,
    redistribute: bool = False,
) -> Scenario:
    """The scenario with ``issue`` settled (see the ``settle`` operation of
    :mod:`detente.analysis.whatif`)."""
    from detente.analysis.whatif import Operation, Patch, apply_patch

    args: dict[str, Any] = {"issue": issue}
    if at_actor is not None:
        args["at"] = at_actor
    if value is not None:
        args["value"] = float(value)
    if remove:
        args["remove"] = True
    if redistribute:
        args["redistribute"] = True
    if at_actor is not None and value is not None:
        raise ParameterError("settle: give at_actor or value, not both")
    if at_actor is None and value is None and not remove:
        raise ParameterError("settle: give at_actor or value, or remove=True")
    patch = Patch(operations=(Operation("settle", args),), description=f"aim reached: {issue}")
    return apply_patch(scenario, patch)


def settle(
    scenario: Scenario,
    issue: str,
    at_actor: str | None = None,
    value: float | None = None,
    remove: bool = False,
    *,
    redistribute: bool = False,
    models: Sequence[str] | None = None,
    weighting: Weighting = "geometric",
    seed: int | None = 0,
) -> Shock:
    """Settle ``issue`` (at ``at_actor``'s position, at ``value``, or by removing it) and
    compare the alignments and the forecasts before and after.

    The settled issue stays in the scenario with every position at the settled value (so
    every model forecasts it there) and is left out of the alignment; ``remove=True``
    drops it instead. See :mod:`detente.analysis.whatif` for ``redistribute``.

    Parameters
    ----------
    models:
        Models whose forecasts to compare; default the baselines and every registered
        dynamic model that can run on the scenario.
    """
    shocked = settle_scenario(scenario, issue, at_actor, value, remove, redistribute)
    before = alignment(scenario, weighting=weighting)
    after = alignment(shocked, weighting=weighting)
    b, a = before.pairs_frame(), after.pairs_frame()
    key = ["actor_a", "actor_b"]
    pairs = b[key + ["alignment", "concentration"]].merge(
        a[key + ["alignment", "concentration"]], on=key, suffixes=("_before", "_after")
    )
    pairs = pairs.rename(columns={"alignment_before": "before", "alignment_after": "after"})
    pairs["change"] = pairs["after"] - pairs["before"]
    pairs = pairs[
        key + ["before", "after", "change", "concentration_before", "concentration_after"]
    ]
    fb, skipped = _forecasts(scenario, models, seed)
    names = list(dict.fromkeys(fb["model"]))
    fa, _ = _forecasts(shocked, [n for n in names if _runs(n, shocked)], seed, strict=False)
    fc = fb[["model", "issue", "forecast"]].merge(
        fa[["model", "issue", "forecast"]],
        on=["model", "issue"],
        how="left",
        suffixes=("_before", "_after"),
    )
    fc = fc.rename(columns={"forecast_before": "before", "forecast_after": "after"})
    fc["change"] = fc["after"] - fc["before"]
    settled_value = (shocked.meta.get("settled") or {}).get(issue)
    if remove:
        label = f"{issue} removed"
    elif at_actor is not None:
        label = f"{issue} settled at {at_actor}'s position ({settled_value:g})"
    else:
        label = f"{issue} settled at {settled_value:g}"
    if redistribute:
        label += ", salience redistributed"
    return Shock(
        scenario=shocked,
        label=label,
        issue=issue,
        value=settled_value,
        pairs=pairs.reset_index(drop=True),
        forecasts=fc.reset_index(drop=True),
        before=before,
        after=after,
        skipped=skipped,
    )


def _forecasts(
    scenario: Scenario, models: Sequence[str] | None, seed: int | None, strict: bool | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Forecasts of ``models`` (default :func:`default_analysis_models`). Named models must
    run (``strict``); a defaulted model that refuses the scenario is skipped and reported."""
    from detente.models.tables import FORECAST_COLUMNS, forecast_table

    if strict is None:
        strict = models is not None
    names = list(models) if models is not None else default_analysis_models(scenario)
    frames, skipped = [], {}
    for name in names:
        try:
            frames.append(forecast_table(scenario, [name], seed=seed))
        except DetenteError as exc:
            if strict:
                raise
            skipped[name] = str(exc)
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=FORECAST_COLUMNS)
    return df, skipped


def _runs(model: str, scenario: Scenario) -> bool:
    from detente.models.runner import applicable

    return applicable(model, scenario) is None


def default_analysis_models(scenario: Scenario) -> list[str]:
    """The baselines and every registered dynamic model that can run on ``scenario``."""
    from detente.models import get_model
    from detente.models.runner import default_models

    out = []
    for name in default_models(scenario):
        spec = get_model(name)
        if spec.baseline or spec.dynamic:
            out.append(name)
    return out
