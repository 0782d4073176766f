"""The registered ``smp`` model: checks the input, runs the engine, shapes the result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from detente.errors import DetenteError
from detente.models.base import ModelResult, register
from detente.models.smp.engine import Engine, SMPRun
from detente.models.smp.params import SMPParams
from detente.scenario.arrays import DrawBatch, ScenarioArrays


class SMPInputError(DetenteError):
    """A scenario the Spatial Model of Politics cannot run on (a missing stance, say)."""


def check_inputs(arrays: ScenarioArrays) -> None:
    """Raise :class:`SMPInputError` unless every actor has a stance on every issue, a positive
    capability and a positive total salience of at most 100."""
    n, d = arrays.n_actors, arrays.n_issues
    if n < 2:
        raise SMPInputError(f"the SMP needs at least 2 actors (got {n})")
    if d < 1:
        raise SMPInputError("the SMP needs at least one issue")
    missing = np.argwhere(~arrays.mask)
    if len(missing):
        i, k = missing[0]
        more = len(missing) - 1
        raise SMPInputError(
            f"actor {arrays.actors[i]!r} has no stance on issue {arrays.issues[k]!r}; the "
            "SMP (as KTAB) needs every actor's position and salience on every issue"
            + (f" ({more} more missing)" if more else "")
        )
    bad = np.flatnonzero(~(arrays.capability > 0) | ~np.isfinite(arrays.capability))
    if len(bad):
        i = bad[0]
        raise SMPInputError(
            f"actor {arrays.actors[i]!r}: the SMP needs a positive capability "
            f"(got {arrays.capability[i]!r})"
        )
    s = arrays.salience
    neg = np.argwhere(s < 0)
    if len(neg):
        i, k = neg[0]
        raise SMPInputError(
            f"actor {arrays.actors[i]!r}, issue {arrays.issues[k]!r}: "
            f"negative salience {100 * s[i, k]:g}"
        )
    total = s.sum(axis=1)
    for i in np.flatnonzero(total <= 0):
        raise SMPInputError(
            f"actor {arrays.actors[i]!r} has zero salience on every issue; "
            "the SMP needs a positive total salience"
        )
    for i in np.flatnonzero(total > 1.0 + 1e-9):
        raise SMPInputError(
            f"actor {arrays.actors[i]!r}: the saliences add up to "
            f"{100 * total[i]:g}, more than 100 (KTAB's limit)"
        )


def adapt_inputs(arrays: ScenarioArrays) -> tuple[ScenarioArrays, dict[str, Any]]:
    """Make a scenario KTAB would refuse runnable (``inputs="adapt"``, see SMPParams).

    A missing stance gets salience 0 and the capability-weighted mean position of the actors
    with a stance on that issue; when some actor's saliences add up to more than 1, every
    salience is divided by the largest total. Returns the new arrays and what was changed.
    """
    notes: dict[str, Any] = {}
    x, s, mask = arrays.position, arrays.salience, arrays.mask
    if not mask.all():
        c = arrays.capability[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            fill = np.nansum(np.where(mask, c * x, 0.0), axis=0) / (c * mask).sum(axis=0)
        x = np.where(mask, x, fill[None, :])
        s = np.where(mask, s, 0.0)
        notes["imputed_stances"] = int((~mask).sum())
    total = np.nan_to_num(s).sum(axis=1)
    if total.size and total.max() > 1.0 + 1e-9:
        s = s / total.max()
        notes["salience_divisor"] = float(total.max())
    if not notes:
        return arrays, notes
    return replace(arrays, position=x, salience=s, mask=np.ones_like(mask)), notes


def accommodation_matrix(arrays: ScenarioArrays, params: SMPParams) -> np.ndarray | None:
    """KTAB's accommodation matrix, or None for the identity (ideal = position)."""
    if params.accommodation == 1.0 and not params.ideal_adjustment:
        return None
    n = arrays.n_actors
    a = params.accommodation * np.eye(n)
    index = {name: i for i, name in enumerate(arrays.actors)}
    for who, ref, weight in params.ideal_adjustment:
        for name in (who, ref):
            if name not in index:
                raise SMPInputError(f"ideal adjustment names an unknown actor {name!r}")
        a[index[who], index[ref]] = weight
    rows = a.sum(axis=1)
    for i in np.flatnonzero(rows > 1.0 + 1e-10):
        raise SMPInputError(
            f"ideal adjustment weights of actor {arrays.actors[i]!r} add up "
            f"to {rows[i]:g}, more than 1"
        )
    return a


def run_smp(
    arrays: ScenarioArrays, params: SMPParams, rng: np.random.Generator | None = None
) -> ModelResult:
    """KTAB's Spatial Model of Politics: risk-aware challenges, bargains and queues, round by
    round until the positions settle.

    Every actor estimates the value of challenging every other, with third parties joining
    the side they expect to gain from; each actor makes its most valuable challenge and
    proposes a bargain interpolated between the two positions; each actor then adopts the
    bargain (or the status quo) that wins a probabilistic Condorcet election among all actors.
    The forecast is the most probable distinct position of the last round. Matches KTAB's
    ``smpc`` position for position (``docs/smp.md``).
    """
    original = arrays
    notes: dict[str, Any] = {}
    if params.inputs == "adapt":
        arrays, notes = adapt_inputs(arrays)
    check_inputs(arrays)
    if params.transitions == "Stochastic" and rng is None:
        rng = np.random.default_rng(0)
    unit = (arrays.position - arrays.low) / arrays.span
    engine = Engine(
        arrays.capability[None],
        arrays.salience[None],
        params,
        accommodation=accommodation_matrix(arrays, params),
        rngs=[rng],
    )
    _, _, runs = engine.run(unit[None], history=True)
    result = _result(arrays, params, runs[0], unit)  # type: ignore[index]
    if notes:
        result.extras["adapted_inputs"] = notes
        # the history keeps "no stance" as missing, not as the imputed value
        result.rounds = np.where(original.mask[None], result.rounds, np.nan)
    return result


def _result(
    arrays: ScenarioArrays, params: SMPParams, run: SMPRun, unit0: np.ndarray
) -> ModelResult:
    unit = np.stack(run.positions)  # (T + 1, n, d)
    rounds = arrays.from_unit(unit)
    # actors that never moved keep their input value exactly (no round trip through 0..1)
    rounds = np.where(unit == unit0[None], arrays.position[None], rounds)
    best = np.stack(
        [rounds[t, holders[int(np.argmax(p))]] for t, (holders, p) in enumerate(run.distinct)]
    )
    w = arrays.capability[None, :, None]
    weighted_mean = (w * rounds).sum(axis=1) / arrays.capability.sum()
    ids, issues = arrays.actors, arrays.issues
    events: list[dict[str, Any]] = []
    if run.events:
        pc = arrays.from_unit(np.stack([ev["pos_challenger"] for ev in run.events])).tolist()
        pt = arrays.from_unit(np.stack([ev["pos_target"] for ev in run.events])).tolist()
    for e, ev in enumerate(run.events):
        row: dict[str, Any] = {
            "round": ev["round"],
            "event": "bargain",
            "challenger": ids[ev["challenger"]],
            "target": ids[ev["target"]],
            "value": ev["value"],
            "probability": ev["probability"],
            "view": ev["view"],
        }
        row.update(zip([f"challenger_to:{iss}" for iss in issues], pc[e]))
        row.update(zip([f"target_to:{iss}" for iss in issues], pt[e]))
        row["challenger_adopted"] = ev["challenger_adopted"]
        row["target_adopted"] = ev["target_adopted"]
        events.append(row)
    extras: dict[str, Any] = {
        "stop_reason": run.stop_reason,
        "turns": unit.shape[0] - 1,
        "movement_ratio": np.asarray(run.ratios),
        # per round: the distinct positions (held first by these actors) and their
        # probabilities, which add up to 1
        "distinct_actors": [[ids[i] for i in holders.tolist()] for holders, _ in run.distinct],
        "distinct_positions": [rounds[t, holders] for t, (holders, _) in enumerate(run.distinct)],
        "distinct_probabilities": [p for _, p in run.distinct],
    }
    if params.record == "full":
        extras["challenge_values"] = (
            np.stack(run.challenge_values)
            if run.challenge_values
            else np.empty((0, arrays.n_actors, arrays.n_actors))
        )
    return ModelResult(
        model="smp",
        forecast=best[-1],
        rounds=rounds,
        per_round={"probability": np.stack(run.probability), "risk": np.stack(run.risk)},
        summary={"most_probable": best, "weighted_mean": weighted_mean},
        events=events,
        extras=extras,
    )


def why_not_applicable(arrays: ScenarioArrays) -> str | None:
    """Why the SMP cannot run on ``arrays`` (None if it can)."""
    try:
        check_inputs(adapt_inputs(arrays)[0])
    except SMPInputError as exc:
        return str(exc)
    return None


MAX_DRAWS = 1000
"""Draws run together at most (larger batches run in slices of this many; the numbers are the
same, memory stays bounded)."""


def run_smp_batched(
    batch: DrawBatch,
    params: SMPParams,
    rngs: Sequence[np.random.Generator | None] | None = None,
) -> np.ndarray:
    """``(B, d)`` forecasts on every draw of a :class:`~detente.scenario.arrays.DrawBatch`,
    all draws at once in one :class:`~detente.models.smp.engine.Engine` (a single run is a
    batch of one): row b equals ``run_smp(batch.arrays(b), params, rngs[b]).forecast``.

    Each draw is adapted (``inputs="adapt"``) and checked as a single run adapts and checks
    it; raises what the first draw that ``run_smp`` cannot run on raises. ``rngs`` (one
    generator per draw) serves stochastic transitions; a draw without one uses seed 0, as
    ``run_smp`` does.
    """
    base = batch.base
    nb, n, d = len(batch), base.n_actors, base.n_issues
    if nb == 0:
        return np.empty((0, d))
    cap, pos, sal = np.empty((nb, n)), np.empty((nb, n, d)), np.empty((nb, n, d))
    for b in range(nb):
        arrays = batch.arrays(b)
        if params.inputs == "adapt":
            arrays, _ = adapt_inputs(arrays)
        check_inputs(arrays)
        cap[b], pos[b], sal[b] = arrays.capability, arrays.position, arrays.salience
    accommodation = accommodation_matrix(base, params)
    gens: list[np.random.Generator | None] = [None] * nb
    if params.transitions == "Stochastic":
        gens = [
            (rngs[b] if rngs is not None else None) or np.random.default_rng(0) for b in range(nb)
        ]
    unit0 = (pos - base.low) / base.span
    out = np.empty((nb, d))
    for lo in range(0, nb, MAX_DRAWS):
        sl = slice(lo, lo + MAX_DRAWS)
        engine = Engine(cap[sl], sal[sl], params, accommodation, gens[sl])
        final_pos, final_own, _ = engine.run(unit0[sl])
        holder = engine.most_probable(final_pos, final_own)
        rows = np.arange(len(holder))
        unit = final_pos[rows, holder]
        # actors that never moved keep their input value exactly (as run_smp reports them)
        out[sl] = np.where(
            unit == unit0[sl][rows, holder], pos[sl][rows, holder], base.low + unit * base.span
        )
    return out


register(
    "smp",
    SMPParams,
    run=run_smp,
    batched=run_smp_batched,
    applicable=why_not_applicable,
    title="Spatial Model of Politics (KTAB)",
    dynamic=True,
    stochastic=True,
)
