"""Stokman and van Oosten's exchange model: vote trading across the issues of one decision.

Actors care about the issues of a decision in different measure. Two actors who stand on
opposite sides of the expected outcome on two issues, and whose saliences run the other way
(i cares relatively more about issue l, j about issue k), both gain when i shifts its voting
position on k towards j while j shifts its voting position on l towards i (Stokman & van
Oosten 1994, "The exchange of voting positions", in Bueno de Mesquita & Stokman, eds.,
*European Community Decision Making*). Their real preferences stay where they were; only the
positions they vote with move.

This implementation, with its readings of the published description:

- the expected outcome of an issue is the compromise of the voting positions,
  O_k = sum_i c_i s_ik v_ik / sum_i c_i s_ik;
- an actor's utility is linear in distance, weighted by salience: moving O_k by a towards j
  gains j s_jk a and costs i s_ik a;
- i shifting its vote on k by delta moves O_k by delta c_i s_ik / W_k (W_k the issue's total
  weight); an actor shifts at most to the current expected outcome, never past it;
- the exchange rate gives both actors the same gain (the rate of the original model); with
  a = the shift of O_k and b = a (s_ik + s_jk) / (s_il + s_jl) that of O_l, each gains
  a (s_il s_jk - s_ik s_jl) / (s_il + s_jl), positive exactly when the saliences run the
  other way; the exchange is as large as the first of the two shifts to reach the outcome
  allows;
- in a round every possible exchange is priced at the round's expected outcomes and they are
  carried out in order of decreasing gain, each actor-issue pair taking part in at most one
  exchange per round (an exchange locks both actors on both issues); ``rounds`` rounds are
  played (default 1, the one-shot model), stopping early when no exchange is left.

The forecast is the expected outcome after the exchanges. With one issue, or where no
exchange is possible, it is the compromise (capability x salience weighted mean).

The model is written over a leading axis of draws (``(B, n, d)`` arrays): a single run is a
batch of one, and the batched form of the Monte Carlo sweeps (``exchange_batched``) plays the
rounds of every draw together, by the same operations, so that each draw's forecast is exactly
that of a single run. Sums over actors are taken in order (:func:`ordered_sum`), and the
exchanges of a round are chosen greedily by decreasing gain in every draw at once
(:func:`_choose`).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from pydantic import Field

from detente.models.base import ModelParams, ModelResult, register
from detente.models.baseline import ordered_sum
from detente.scenario.arrays import DrawBatch, ScenarioArrays


class ExchangeParams(ModelParams):
    """Parameters of the exchange model.

    rounds: rounds of exchanges (each voting position takes part in at most one exchange per
        round); 1 is the one-shot model of Stokman & van Oosten.
    min_gain: exchanges whose gain (salience x distance units of the issue's scale, per
        actor) is not above this are not made.
    """

    rounds: int = Field(1, ge=0, le=1000)
    min_gain: float = Field(1e-9, ge=0.0)


#: Largest ``draws x actor pairs x issue pairs`` array of candidate exchanges built at once;
#: bigger batches are played in parts (each draw's result does not depend on the others).
_MAX_CANDIDATES = 2_000_000


class _Exchanges(NamedTuple):
    """The exchanges of one round, in every draw: draw ``b``, actor ``i`` shifting its vote on
    issue ``k`` towards ``j`` and ``j`` shifting on ``l`` towards ``i``, by ``shift_i`` and
    ``shift_j``, each gaining ``gain``; in the order they are chosen (within a draw: by
    decreasing gain)."""

    b: np.ndarray
    i: np.ndarray
    j: np.ndarray
    k: np.ndarray
    l: np.ndarray
    shift_i: np.ndarray
    shift_j: np.ndarray
    gain: np.ndarray


def _weights(c: np.ndarray, s: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``(B, n, d)`` capability x salience, 0 where there is no stance."""
    return np.where(mask, c[:, :, None] * s, 0.0)


def _outcomes(v: np.ndarray, w: np.ndarray, W: np.ndarray) -> np.ndarray:
    """``(B, d)`` weighted means of the voting positions ``v`` (``W``: the weights' sums)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            W > 0, ordered_sum(w * np.nan_to_num(v), axis=1) / np.where(W > 0, W, 1.0), np.nan
        )


def _choose(
    b: np.ndarray, gain: np.ndarray, key: np.ndarray, slots: list[np.ndarray], n_slots: int
) -> np.ndarray:
    """Indices of the candidate exchanges made, in order of choice.

    ``b`` (ascending) is each candidate's draw and ``slots`` holds the ids of its four
    actor-issue pairs. In every draw at once, the candidate with the largest ``gain`` (of
    equal gains, the smallest ``key``) is made and the candidates sharing a slot with it are
    dropped, until none is left: the greedy pass by decreasing gain of a single run, one
    exchange per draw per step.
    """
    idx = np.arange(b.size)
    used = np.zeros(n_slots, dtype=bool)
    taken: list[np.ndarray] = []
    while idx.size:
        if b[0] == b[-1]:  # one draw left
            top = gain == gain.max()
            if np.count_nonzero(top) > 1:  # equal gains: the smallest key
                top &= key == key[top].min()
        else:
            first = np.empty(idx.size, dtype=bool)
            first[0] = True
            np.not_equal(b[1:], b[:-1], out=first[1:])
            start = np.flatnonzero(first)
            seg = np.cumsum(first) - 1
            top = gain == np.maximum.reduceat(gain, start)[seg]
            if np.count_nonzero(top) > start.size:  # equal gains: the smallest key
                kt = np.where(top, key, np.iinfo(key.dtype).max)
                top &= kt == np.minimum.reduceat(kt, start)[seg]
        t = np.flatnonzero(top)
        taken.append(idx[t])
        for sl in slots:
            used[sl[t]] = True
        held = used[slots[0]] | used[slots[1]] | used[slots[2]] | used[slots[3]]
        alive = np.flatnonzero(~held)
        idx, b, gain, key = idx[alive], b[alive], gain[alive], key[alive]
        slots = [sl[alive] for sl in slots]
    return np.concatenate(taken) if taken else idx


@functools.lru_cache(maxsize=64)
def _pair_tables(n: int, d: int) -> tuple[np.ndarray, ...]:
    """The actor pairs ``i < j`` and issue pairs ``k < l`` (as from ``np.triu_indices``),
    then for every (actor pair, issue pair), in that order: ``i``, ``j``, ``k``, ``l`` and the
    offsets ``i d + k``, ``i d + l``, ``j d + k``, ``j d + l`` of its four actor-issue pairs in
    a draw's ``(n, d)`` array (read-only arrays, cached)."""
    pi, pj = np.triu_indices(n, 1)
    k0, l0 = np.triu_indices(d, 1)
    i, k = np.repeat(pi, k0.size), np.tile(k0, pi.size)
    j, l = np.repeat(pj, k0.size), np.tile(l0, pi.size)
    out = (pi, pj, k0, l0, i, j, k, l, i * d + k, i * d + l, j * d + k, j * d + l)
    for a in out:
        a.flags.writeable = False
    return out


def _round(
    v: np.ndarray, s: np.ndarray, mask: np.ndarray, w: np.ndarray, W: np.ndarray, min_gain: float
) -> tuple[np.ndarray, _Exchanges | None]:
    """One round of exchanges in every draw: the new ``(B, n, d)`` voting positions and the
    exchanges made (``None`` where no draw has one)."""
    nb, n, d = v.shape
    if n < 2 or d < 2:
        return v, None
    o = _outcomes(v, w, W)
    dist = np.nan_to_num(v) - np.nan_to_num(o)[:, None, :]
    side = np.where(mask & (w > 0), np.sign(dist), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        reach = np.where(
            W[:, None, :] > 0, np.abs(dist) * w / np.where(W > 0, W, 1.0)[:, None, :], 0.0
        )  # max shift of O_k
    # candidates: actors i < j on opposite sides of the outcome on both issues k < l, in the
    # order [b, i, j, k, l]; an actor-issue pair (b, i, k) is element (b n + i) d + k
    pi, pj, k0, l0, i_, j_, k_, l_, o_ik, o_il, o_jk, o_jl = _pair_tables(n, d)
    opp = (side[:, pi, :] * side[:, pj, :]) < 0  # (B, pairs, d)
    f = np.flatnonzero(opp[:, :, k0] & opp[:, :, l0])  # (B, pairs, issue pairs)
    b = f // i_.size
    c = f - b * i_.size
    start = b * (n * d)
    ik, il, jk, jl = start + o_ik[c], start + o_il[c], start + o_jk[c], start + o_jl[c]
    sf = s.reshape(-1)
    s_ik, s_jk, s_il, s_jl = sf[ik], sf[jk], sf[il], sf[jl]
    # i shifts on k towards j and j on l towards i when num = s_il s_jk - s_ik s_jl > 0; the
    # other way round when num < 0 (k and l swapped: num negated and the denominators
    # swapped, exactly the numbers a single run computes for that order)
    num = s_il * s_jk - s_ik * s_jl
    den_l = s_il + s_jl
    den_k = s_ik + s_jk
    swap = num < 0
    g = np.flatnonzero((num != 0) & (den_l > 0) & (den_k > 0))
    b, c, swap = b[g], c[g], swap[g]
    ik, il, jk, jl = ik[g], il[g], jk[g], jl[g]
    ik, il = np.where(swap, il, ik), np.where(swap, ik, il)
    jk, jl = np.where(swap, jl, jk), np.where(swap, jk, jl)
    num = np.where(swap, -num[g], num[g])
    den_l, den_k = np.where(swap, den_k[g], den_l[g]), np.where(swap, den_l[g], den_k[g])
    # a: shift of O_k (i moving at most to O_k; j's matching move at most to O_l)
    rf = reach.reshape(-1)
    a = np.minimum(rf[ik], rf[jl] * den_l / den_k)
    gain = a * num / den_l
    keep = np.flatnonzero(gain > min_gain)
    if not keep.size:
        return v, None
    b, c, swap, ik, il, jk, jl, a, gain = (x[keep] for x in (b, c, swap, ik, il, jk, jl, a, gain))
    shift_l = a * den_k[keep] / den_l[keep]  # b: shift of O_l
    # in every draw by decreasing gain, equal gains in the order [i, j, k, l]; each
    # actor-issue pair takes part in at most one exchange
    p = c // k0.size
    k, l = np.where(swap, l_[c], k_[c]), np.where(swap, k_[c], l_[c])
    t = _choose(b, gain, (p * d + k) * d + l, [ik, il, jk, jl], nb * n * d)
    b, ik, jl, a, shift_l, gain = (x[t] for x in (b, ik, jl, a, shift_l, gain))
    i, j, k, l = i_[c[t]], j_[c[t]], k[t], l[t]
    # voting shifts that move O_k by a (towards j) and O_l by shift_l (towards i)
    wf, sidef = w.reshape(-1), side.reshape(-1)
    di = a * W[b, k] / wf[ik]
    dj = shift_l * W[b, l] / wf[jl]
    new = v.copy()
    nf = new.reshape(-1)
    nf[ik] -= sidef[ik] * di
    nf[jl] -= sidef[jl] * dj
    return new, _Exchanges(b, i, j, k, l, di, dj, gain)


def _play(
    c: np.ndarray,
    s: np.ndarray,
    mask: np.ndarray,
    v: np.ndarray,
    params: ExchangeParams,
    record: bool = False,
) -> tuple[np.ndarray, list[np.ndarray], list[_Exchanges]]:
    """The model on a batch of draws: capabilities ``c (B, n)``, saliences ``s (B, n, d)``
    (0 where no stance), voting positions ``v (B, n, d)`` (NaN where no stance).

    Returns the forecasts ``(B, d)`` and, with ``record``, the voting positions after every
    round that made an exchange (round 0 first) and those exchanges.
    """
    w = _weights(c, s, mask)
    W = ordered_sum(w, axis=1)
    history, made = [v], []
    for _ in range(params.rounds):
        # a draw without an exchange in a round has none in the next (nothing moved): the
        # rounds go on while any draw exchanges
        v, ex = _round(v, s, mask, w, W, params.min_gain)
        if ex is None:
            break
        if record:
            history.append(v)
            made.append(ex)
    f = _outcomes(v, w, W)
    # issues where every weight is zero: capability-weighted mean (as the compromise model)
    wc = np.where(mask, np.broadcast_to(c[:, :, None], v.shape), 0.0)
    f = np.where(np.isnan(f), _outcomes(v, wc, ordered_sum(wc, axis=1)), f)
    return f, history, made


def exchange(arrays: ScenarioArrays, params: ExchangeParams, rng=None) -> ModelResult:
    """Stokman and van Oosten's exchange model: actors trade voting positions across issues.

    Pairs of actors on opposite sides of the expected outcome on two issues, who care about
    them in opposite measure, shift their voting positions towards each other on the issue
    each cares less about, at the rate that gives both the same gain. The forecast is the
    compromise of the voting positions after the exchanges. It needs the issues of a decision
    together (in validation it runs on all issues of a proposal at once); with one issue it is
    the compromise.
    """
    mask = arrays.mask
    v = np.where(mask, arrays.position, np.nan)
    f, history, made = _play(
        arrays.capability[None],
        np.nan_to_num(arrays.salience)[None],
        mask,
        v[None],
        params,
        record=True,
    )
    events: list[dict] = []
    for r, ex in enumerate(made):
        for t in range(ex.b.size):
            events.append(
                {
                    "round": r + 1,
                    "actor": arrays.actors[ex.i[t]],
                    "partner": arrays.actors[ex.j[t]],
                    "issue": arrays.issues[ex.k[t]],
                    "partner_issue": arrays.issues[ex.l[t]],
                    "shift": float(ex.shift_i[t]),
                    "partner_shift": float(ex.shift_j[t]),
                    "gain": float(ex.gain[t]),
                }
            )
    return ModelResult(
        model="exchange",
        forecast=f[0],
        rounds=np.concatenate(history),
        events=events,
        extras={"exchanges": len(events)},
    )


def exchange_batched(batch: DrawBatch, params: ExchangeParams, rngs=None) -> np.ndarray:
    """``(B, d)`` forecasts on every draw of a :class:`~detente.scenario.arrays.DrawBatch`: the
    rounds of all draws are played together by the operations of a single run (every
    parameter choice; a batch whose candidate exchanges would take too much memory at once is
    played in parts)."""
    mask = batch.base.mask
    nb, n, d = batch.position.shape
    per_draw = max(1, n * (n - 1) // 2 * (d * (d - 1) // 2))
    step = max(1, _MAX_CANDIDATES // per_draw)
    c = batch.capability
    s = np.nan_to_num(batch.salience)
    v = np.where(mask, batch.position, np.nan)
    parts = [
        _play(c[lo : lo + step], s[lo : lo + step], mask, v[lo : lo + step], params)[0]
        for lo in range(0, nb, step)
    ]
    return np.concatenate(parts) if parts else np.empty((0, d))


register(
    "exchange",
    ExchangeParams,
    run=exchange,
    batched=exchange_batched,
    scope="proposal",  # it trades across issues: validation passes a proposal's issues together
    title="Exchange of voting positions (Stokman-van Oosten)",
    dynamic=True,
)
