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
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from detente.models.base import ModelParams, ModelResult, register
from detente.scenario.arrays import ScenarioArrays


class ExchangeParams(ModelParams):
    """Parameters of the exchange model.

    rounds: rounds of exchanges (each voting position takes part in at most one exchange per
        round); 1 is the one-shot model of Stokman & van Oosten.
    min_gain: exchanges whose gain (salience x distance units of the issue's scale, per
        actor) is not above this are not made.
    """

    rounds: int = Field(1, ge=0, le=1000)
    min_gain: float = Field(1e-9, ge=0.0)


def _outcomes(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    tot = w.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, (w * np.nan_to_num(v)).sum(axis=0) / np.where(tot > 0, tot, 1),
                        np.nan)


def _round(v: np.ndarray, c: np.ndarray, s: np.ndarray, mask: np.ndarray, min_gain: float
           ) -> tuple[np.ndarray, list[dict]]:
    """One round of exchanges; returns the new voting positions and the exchanges made."""
    n, d = v.shape
    w = np.where(mask, c[:, None] * s, 0.0)
    W = w.sum(axis=0)
    o = _outcomes(v, w)
    side = np.where(mask & (w > 0), np.sign(np.nan_to_num(v) - np.nan_to_num(o)), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        reach = np.where(W > 0, np.abs(np.nan_to_num(v) - np.nan_to_num(o)) * w
                         / np.where(W > 0, W, 1.0), 0.0)            # (n, d): max shift of O_k
    # index order [i, j, k, l]: i shifts on k towards j, j shifts on l towards i
    opp = (side[:, None, :] * side[None, :, :]) < 0                   # (i, j, k)
    ok = opp[:, :, :, None] & opp[:, :, None, :]                      # (i, j, k, l)
    ok &= ~np.eye(d, dtype=bool)[None, None, :, :]
    ok &= np.triu(np.ones((n, n), dtype=bool), 1)[:, :, None, None]
    if not ok.any():
        return v, []
    i, j, k, l = np.nonzero(ok)
    s_ik, s_jk, s_il, s_jl = s[i, k], s[j, k], s[i, l], s[j, l]
    num = s_il * s_jk - s_ik * s_jl
    den_l = s_il + s_jl
    den_k = s_ik + s_jk
    good = (num > 0) & (den_l > 0) & (den_k > 0)
    if not good.any():
        return v, []
    i, j, k, l = i[good], j[good], k[good], l[good]
    num, den_l, den_k = num[good], den_l[good], den_k[good]
    # a: shift of O_k (i moving at most to O_k; j's matching move at most to O_l)
    a = np.minimum(reach[i, k], reach[j, l] * den_l / den_k)
    gain = a * num / den_l
    keep = gain > min_gain
    if not keep.any():
        return v, []
    i, j, k, l, a, gain = i[keep], j[keep], k[keep], l[keep], a[keep], gain[keep]
    b = a * den_k[keep] / den_l[keep]
    order = np.argsort(-gain, kind="stable")
    used = np.zeros((n, d), dtype=bool)
    new = v.copy()
    events: list[dict] = []
    for t in order:
        ii, jj, kk, ll = int(i[t]), int(j[t]), int(k[t]), int(l[t])
        if used[ii, kk] or used[ii, ll] or used[jj, kk] or used[jj, ll]:
            continue
        used[ii, kk] = used[ii, ll] = used[jj, kk] = used[jj, ll] = True
        # voting shifts that move O_k by a (towards j) and O_l by b (towards i)
        di = a[t] * W[kk] / w[ii, kk]
        dj = b[t] * W[ll] / w[jj, ll]
        new[ii, kk] -= side[ii, kk] * di
        new[jj, ll] -= side[jj, ll] * dj
        events.append({"i": ii, "j": jj, "issue_i": kk, "issue_j": ll,
                       "shift_i": float(di), "shift_j": float(dj), "gain": float(gain[t])})
    return new, events


@register("exchange", ExchangeParams, title="Exchange of voting positions (Stokman-van Oosten)",
          dynamic=True)
def exchange(arrays: ScenarioArrays, params: ExchangeParams, rng=None) -> ModelResult:
    """Stokman and van Oosten's exchange model: actors trade voting positions across issues.

    Pairs of actors on opposite sides of the expected outcome on two issues, who care about
    them in opposite measure, shift their voting positions towards each other on the issue
    each cares less about, at the rate that gives both the same gain. The forecast is the
    compromise of the voting positions after the exchanges. It needs the issues of a decision
    together (in validation it runs on all issues of a proposal at once); with one issue it is
    the compromise.
    """
    c = arrays.capability
    s = np.nan_to_num(arrays.salience)
    mask = arrays.mask
    v = np.where(mask, arrays.position, np.nan)
    rounds = [v.copy()]
    events: list[dict] = []
    for r in range(params.rounds):
        v, ev = _round(v, c, s, mask, params.min_gain)
        if not ev:
            break
        for e in ev:
            events.append({"round": r + 1, "actor": arrays.actors[e["i"]],
                           "partner": arrays.actors[e["j"]],
                           "issue": arrays.issues[e["issue_i"]],
                           "partner_issue": arrays.issues[e["issue_j"]],
                           "shift": e["shift_i"], "partner_shift": e["shift_j"],
                           "gain": e["gain"]})
        rounds.append(v.copy())
    w = np.where(mask, c[:, None] * s, 0.0)
    f = _outcomes(v, w)
    # issues where every weight is zero: capability-weighted mean (as the compromise model)
    wc = np.where(mask, np.broadcast_to(c[:, None], mask.shape), 0.0)
    f = np.where(np.isnan(f), _outcomes(v, wc), f)
    return ModelResult(model="exchange", forecast=f, rounds=np.stack(rounds), events=events,
                       extras={"exchanges": len(events)})


exchange.issue_scope = "proposal"  # validation passes a proposal's issues together
