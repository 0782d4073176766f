"""The turn loop of the Spatial Model of Politics, on positions scaled to 0..1.

One turn (KTAB ``SMPState::stepBCN``), from the positions x and ideals of the current state:

1. utilities: every actor's salience-weighted distance from its ideal to every position; a
   risk-neutral Condorcet election over the positions gives each a probability, hence each
   actor's risk attitude R; actor h's estimate of actor a's utility for position m is
   ``u_h(a, m) = (1 - d_am)(1 + d_am r_ha)`` with r_ha h's estimate of R_a;
2. challenges: for every ordered pair (i, j), i's estimate of the value to i of challenging
   j, with every third party's vote summed (:meth:`Engine.challenges`);
3. each actor challenges its most valuable target (if the value exceeds 1e-5) and proposes a
   bargain, which goes into its own queue and the target's; every queue also holds the status
   quo;
4. each actor resolves its own queue with a Condorcet election among all actors and moves to
   its side of the winning bargain;
5. ideals follow the new positions (accommodation).

The challenge step is the costly one: O(n^3) numbers per turn (every third party of every
pair, from the challenger's perspective only, which is all a turn needs; KTAB evaluates every
perspective, O(n^4)). It runs in blocks so that memory stays O(n^2 d) whatever n is, with a
fast formula for all pairs and KTAB's exact arithmetic for the pairs that decide anything.

One engine serves a single run and a Monte Carlo batch: every state carries a leading axis of
draws, and a single run (``run_smp``) is a batch of one that also keeps its history. Each
draw's numbers are computed by the same operations in the same order whatever the number of
draws (sums over voters and third parties run over the first axis, see
:mod:`~detente.models.smp.kernels`), so a draw's result does not depend on the others; a draw
that stops leaves the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.models.smp import kernels as K
from detente.models.smp.params import SMPParams

MIN_GAIN = 1e-5
"""A challenge must be worth more than this to be made (KTAB ``minSigEDU``)."""

MIN_BARGAIN_WEIGHT = 1e-6
"""Added to the initiator's interpolation weight (KTAB ``minW``)."""

MIN_SIG_DELTA = 1e-4
"""Added to the first round's movement in the stop rule (KTAB ``minSigDelta``)."""

BLOCK_BUDGET = 1 << 15
"""Numbers per temporary array in the challenge step (256 kB: small blocks stay in cache)."""

PRUNE_MIN_ACTORS = 120
"""From this many actors on, hopeless targets are skipped (see ``Engine._pruned_values``)."""

PRUNE_PROBES = 16
"""Targets per actor evaluated first to bound the value of its best challenge."""

SMOOTH_RULES = ("Prop", "PropCbc", "Cubic", "ASymProsp")
"""Voting rules under which the fast evaluation of third parties is used."""

CANDIDATE_TOL = 1e-9
"""Targets whose approximate value is within this of an actor's best are evaluated exactly
(the approximation is good to about 1e-13)."""


BATCH_BUDGET = 1 << 17
"""Numbers per temporary array (1 MiB) in the steps that carry the draw axis."""


@dataclass
class TurnState:
    """One state of every active draw (leading axis: draws, ``A`` of them)."""

    pos: np.ndarray  # (A, n, d)
    ideal: np.ndarray  # (A, n, d)
    dist: np.ndarray  # (A, n, n): d[a, m], a's distance from its ideal to position m
    risk: np.ndarray  # (A, n): R_a
    est: np.ndarray  # (A, n, n): est[h, a], h's estimate of R_a
    own: np.ndarray  # (A, n, n): own[a, m] = u_a(a, m)
    clip: np.ndarray | None  # (A,) draws with a distance beyond 1; None if no draw has one

    def take(self, rows: np.ndarray) -> TurnState:
        """The state of some of the draws."""
        return TurnState(
            self.pos[rows],
            self.ideal[rows],
            self.dist[rows],
            self.risk[rows],
            self.est[rows],
            self.own[rows],
            None if self.clip is None or not self.clip[rows].any() else self.clip[rows],
        )

    def clip_at(self, draws: np.ndarray, extra_dims: int = 0) -> np.ndarray | None:
        """Whether to clip, per entry of an array of draw indices (None: nowhere)."""
        if self.clip is None:
            return None
        return self.clip[draws].reshape(self.clip[draws].shape + (1,) * extra_dims)

    def draw(self, b: int) -> _Draw:
        """Draw ``b``'s state alone (for the steps done draw by draw)."""
        clip = self.clip is not None and bool(self.clip[b])
        return _Draw(self.dist[b], self.est[b], self.own[b], clip)


@dataclass
class _Draw:
    """One draw's distances, estimates and own utilities (see :class:`TurnState`)."""

    dist: np.ndarray  # (n, n)
    est: np.ndarray  # (n, n)
    own: np.ndarray  # (n, n)
    clip: bool
    _affine: tuple[np.ndarray, np.ndarray] | None = None

    def affine(self) -> tuple[np.ndarray, np.ndarray]:
        """(a, b) with ``u(d, R) = a + b R`` element-wise for the distances ``dist``."""
        if self._affine is None:
            a = 1.0 - self.dist
            b = a * self.dist
            if self.clip:
                b = np.where(self.dist <= 1.0, b, a)
            self._affine = (a, b)
        return self._affine


@dataclass
class Challenges:
    """Each actor's chosen challenge in every active draw (target -1: none)."""

    target: np.ndarray  # (A, n) int
    value: np.ndarray  # (A, n) value of the chosen challenge (NaN: none)
    phi: np.ndarray  # (A, n) the challenger's estimate of its probability of winning
    all_values: np.ndarray  # (A, n, n) every challenge value (approximate but for the best)


@dataclass
class Bargains:
    """The bargains proposed in one turn of every active draw, one row each, draw by draw
    in the order of the challengers."""

    draw: np.ndarray  # (m,) index among the active draws
    init: np.ndarray  # (m,) initiator (challenger)
    rcvr: np.ndarray  # (m,) receiver (target)
    pos_init: np.ndarray  # (m, d) position proposed to the initiator
    pos_rcvr: np.ndarray  # (m, d) position proposed to the receiver
    value: np.ndarray  # (m,) value of the challenge to the challenger
    prob: np.ndarray  # (m,) the probability of success the interpolation used
    view: list[str]  # whose interpolation: challenger, target, compromise


@dataclass
class SMPRun:
    """The history of one draw's run (positions on 0..1), kept by ``Engine.run(history=True)``."""

    positions: list[np.ndarray] = field(default_factory=list)  # T + 1 arrays (n, d)
    probability: list[np.ndarray] = field(default_factory=list)  # T + 1 arrays (n,)
    risk: list[np.ndarray] = field(default_factory=list)  # T + 1 arrays (n,)
    distinct: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (actors, p)
    events: list[dict[str, Any]] = field(default_factory=list)
    challenge_values: list[np.ndarray] = field(default_factory=list)
    stop_reason: str = ""
    ratios: list[float] = field(default_factory=list)


def _utility(dist: np.ndarray, risk, clip: np.ndarray | None) -> np.ndarray:
    """:func:`kernels.utility` with the clipping of distances beyond 1 decided per draw:
    ``clip`` (broadcasting against ``dist``) marks the draws whose state has such a distance
    (None: none has)."""
    out = K.utility(dist, risk, clip=False)
    if clip is not None:
        far = (1.0 - dist) * (1.0 + np.broadcast_to(risk, out.shape))
        out = np.where(clip & ~(dist <= 1.0), far, out)
    return out


class Engine:
    """The SMP turn loop for ``B`` draws of one scenario (a single run is a batch of one).

    Parameters
    ----------
    c:
        ``(B, n)`` capabilities.
    s:
        ``(B, n, d)`` saliences on 0..1.
    params:
        The model's parameters.
    accommodation:
        KTAB's ``(n, n)`` accommodation matrix, or None for the identity (ideal = position).
    rngs:
        One generator per draw (stochastic transitions only).
    """

    def __init__(
        self,
        c: np.ndarray,
        s: np.ndarray,
        params: SMPParams,
        accommodation: np.ndarray | None = None,
        rngs: list[np.random.Generator | None] | None = None,
    ) -> None:
        self.c = np.asarray(c, dtype=float)
        self.s = np.asarray(s, dtype=float)
        self.p = params
        self.vote = K.make_vote(params.voting_rule)
        acc = np.zeros(self.c.shape)
        for k in range(self.s.shape[-1]):  # S_i = sum_k s_ik, added in dimension order
            acc = acc + self.s[:, :, k]
        self.S = acc
        self.wsal = self.S * self.c  # weight of an actor in a contest
        self.accommodation = accommodation
        self.rngs = list(rngs) if rngs is not None else [None] * len(self.c)

    def take(self, rows: np.ndarray) -> Engine:
        """The engine of some of the draws."""
        out = object.__new__(Engine)
        out.p, out.vote, out.accommodation = self.p, self.vote, self.accommodation
        out.c, out.s, out.S, out.wsal = self.c[rows], self.s[rows], self.S[rows], self.wsal[rows]
        out.rngs = [self.rngs[r] for r in np.asarray(rows).tolist()]
        return out

    @property
    def n(self) -> int:
        return self.c.shape[1]

    def _election(self, u: np.ndarray, w: np.ndarray, valid: np.ndarray | None = None):
        p = self.p
        return K.election(u, w, self.vote, p.victory_model, p.pce_model, valid=valid)

    # -- utilities --------------------------------------------------------------------

    def setup(self, pos: np.ndarray, ideal: np.ndarray) -> TurnState:
        """Distances, risk attitudes and utilities of each draw's state."""
        p = self.p
        dist = K.salience_distance(ideal, pos, self.s)
        over = np.any(dist > 1.0, axis=(1, 2))
        clip = over if over.any() else None
        c3 = None if clip is None else clip[:, None, None]
        prob = self._position_election(pos, _utility(dist, 0.0, c3))
        risk = K.risk_from_probability(prob, p.big_r_range)
        est = K.estimate_risk(risk[:, :, None], risk[:, None, :], p.big_r_adjust)
        own = _utility(dist, np.diagonal(est, axis1=1, axis2=2)[:, :, None], c3)
        return TurnState(pos=pos, ideal=ideal, dist=dist, risk=risk, est=est, own=own, clip=clip)

    def _position_election(self, pos: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The risk-neutral Condorcet election over every actor's position, (A, n).

        In a single draw, actors at exactly the same position give identical columns of
        coalition strengths, so the strengths (the O(n^3) part) are computed once per distinct
        position and spread back (the numbers are the same); the election itself then runs
        over all n positions, as in KTAB.
        """
        if len(pos) == 1 and self.vote.antisymmetric:
            first, inv = _distinct_rows(pos[0])
            if len(first) < self.n:
                p = self.p
                c = K.coalitions(u[0][:, first], self.c[0], self.vote)[np.ix_(inv, inv)]
                return K.pce(c, K.victory_probability(c, p.victory_model), p.pce_model)[None]
        return self._election(u, self.c)

    def probabilities(
        self, pos: np.ndarray, own: np.ndarray
    ) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """KTAB's reported probabilities of each draw's state (``pos`` (A, n, d), ``own``
        (A, n, n), the engine's first A draws).

        The positions are merged greedily in actor order into distinct positions (an actor
        joins the first earlier distinct position closer than the tolerance); a Condorcet
        election among the actors (capability weights, own utilities) gives each distinct
        position a probability; each actor reports that of the *last* distinct position
        within tolerance of it. Returns the per-actor probabilities (A, n) and, per draw, the
        actors holding the distinct positions and those positions' probabilities.
        """
        na, n, _ = pos.shape
        gap = K.seq_norm_rows(pos[:, :, None, :] - pos[:, None, :, :])
        close = gap < self.p.position_tolerance
        if na == 1:  # the same steps for one draw, with fewer numpy calls
            near0 = close[0]
            uniq: list[int] = [0]
            for i in range(1, n):
                if not near0[i, uniq].any():
                    uniq.append(i)
            u = np.asarray(uniq)
            prob = self._election(own[0][:, u], self.c[0])
            last = len(u) - 1 - np.argmax(near0[:, u][:, ::-1], axis=1)
            return prob[last][None], [u], [prob]
        distinct = np.zeros((na, n), dtype=bool)
        distinct[:, 0] = True
        for i in range(1, n):
            distinct[:, i] = ~(close[:, i, :i] & distinct[:, :i]).any(axis=1)
        count = distinct.sum(axis=1)
        per_actor = np.empty((na, n))
        holders: list[np.ndarray] = [np.empty(0, dtype=int)] * na
        p_distinct: list[np.ndarray] = [np.empty(0)] * na
        for m in sorted(set(count.tolist())):
            rows = np.flatnonzero(count == m)
            cols = np.nonzero(distinct[rows])[1].reshape(len(rows), m)
            prob = self._election(
                np.take_along_axis(own[rows], cols[:, None, :], axis=2), self.c[rows]
            )
            near = np.take_along_axis(close[rows], cols[:, None, :], axis=2)  # (g, n, m)
            last = m - 1 - np.argmax(near[:, :, ::-1], axis=2)
            per_actor[rows] = np.take_along_axis(prob, last, axis=1)
            for g, r in enumerate(rows.tolist()):
                holders[r], p_distinct[r] = cols[g], prob[g]
        return per_actor, holders, p_distinct

    def most_probable(self, pos: np.ndarray, own: np.ndarray) -> np.ndarray:
        """The actor holding the most probable distinct position of each draw's state (A,)."""
        _, holders, p_distinct = self.probabilities(pos, own)
        return np.array([h[int(np.argmax(p))] for h, p in zip(holders, p_distinct)], dtype=int)

    # -- challenges -------------------------------------------------------------------

    def challenges(self, st: TurnState, full: bool = False) -> Challenges:
        """Each actor's most valuable challenge (KTAB ``bestChallenge``) in every draw.

        ``value[i, j]``, i's estimate of what challenging j is worth to i, is
        ``(1 - S_j) 2 u_ii + S_j (phi 2 u_ii + (1 - phi) 2 u_ij) - (u_ii + u_ij)``, with
        every utility as i estimates it and phi i's estimate of its probability of winning.
        An actor challenges the target of highest value if that exceeds 1e-5 (the first
        such target on ties).

        Under semi-commitment every third party of every pair votes: O(n^3) numbers per
        draw. They are computed with a cheap formula that is exact up to rounding (all draws
        at once for small scenarios, :meth:`_approx_values`; draw by draw in blocks of
        challengers for larger ones, :meth:`_approx_block`, skipping hopeless targets from
        ``PRUNE_MIN_ACTORS`` actors on unless ``full``); the few targets within 1e-9 of an
        actor's best are then evaluated again exactly as KTAB does (:meth:`contest`), so
        that the choice, ties included, and the probability used for the bargain are KTAB's
        to the last bit. Under full or no commitment a third party is indifferent between
        the two sides (KTAB computes two identical utilities), so only the principals count.
        The binary voting rules turn a difference of one rounding error into a vote (they
        divide by 1e-8), so with them every pair is evaluated exactly.
        """
        na, n = self.c.shape
        idx = np.arange(n)
        if self.p.third_party_commit == "SemiCommit" and self.p.voting_rule in SMOOTH_RULES:
            if n >= PRUNE_MIN_ACTORS and not full:
                parts = [self._pruned_values(st.draw(b), b) for b in range(na)]
                value = parts[0][None] if na == 1 else np.stack(parts)
            elif n**3 <= BLOCK_BUDGET:
                value = np.empty((na, n, n))
                step = max(1, BATCH_BUDGET // n**3)
                for lo in range(0, na, step):
                    value[lo : lo + step] = self._approx_values(st, slice(lo, lo + step))
            else:
                value = np.empty((na, n, n))
                block = max(1, min(n, BLOCK_BUDGET // (n * n)))
                for b in range(na):
                    sb = st.draw(b)
                    for lo in range(0, n, block):
                        h = np.arange(lo, min(n, lo + block))
                        value[b, h] = self._approx_block(sb, b, h)
            value[:, idx, idx] = -np.inf
            top = value.max(axis=2, keepdims=True)
            cand = (value >= top - CANDIDATE_TOL) & (top > MIN_GAIN - CANDIDATE_TOL)
        else:  # every pair exactly
            value = np.full((na, n, n), -np.inf)
            cand = np.ones((na, n, n), dtype=bool)
            cand[:, idx, idx] = False
        b, i, j = np.nonzero(cand)
        exact = np.full((na, n, n), -np.inf)
        phi_all = np.full((na, n, n), np.nan)
        step = max(1, BLOCK_BUDGET // n)  # numbers per temporary: (n, step)
        for lo in range(0, len(b), step):
            sl = slice(lo, lo + step)
            ev, ph = self.exact_values(st, b[sl], i[sl], j[sl])
            exact[b[sl], i[sl], j[sl]] = np.where(ev > MIN_GAIN, ev, -np.inf)
            phi_all[b[sl], i[sl], j[sl]] = ph
            value[b[sl], i[sl], j[sl]] = ev
        target = np.argmax(exact, axis=2)[:, :, None]
        best = np.take_along_axis(exact, target, axis=2)[:, :, 0]
        phi = np.take_along_axis(phi_all, target, axis=2)[:, :, 0]
        ok = np.isfinite(best)
        return Challenges(
            target=np.where(ok, target[:, :, 0], -1),
            value=np.where(ok, best, np.nan),
            phi=np.where(ok, phi, np.nan),
            all_values=value,
        )

    def _approx_values(self, st: TurnState, sl: slice) -> np.ndarray:
        """Challenge values of every pair of the draws ``sl`` to rounding error, third
        parties on axis 1: (draw, n, i, j)."""
        dist, est, uij = st.dist[sl], st.est[sl], st.own[sl]  # own[i, j] = u_i(i, j)
        wsal = self.wsal[sl]
        clip = None if st.clip is None else st.clip[sl][:, None, None]
        uii = np.diagonal(uij, axis1=1, axis2=2)
        uji = _utility(np.swapaxes(dist, 1, 2), est, clip)  # u_i(j, i)
        ujj = _utility(np.diagonal(dist, axis1=1, axis2=2)[:, None, :], est, clip)
        c_ij0, c_ji0 = principal_coalitions(
            self.vote, uii[:, :, None], uij, uji, ujj, wsal[:, :, None], wsal[:, None, :]
        )
        a = 1.0 - dist
        slope = a * dist
        if clip is not None:
            slope = np.where(clip & ~(dist <= 1.0), a, slope)
        # u_i(n, j) = a[n, j] + slope[n, j] r_in; u_i(n, i) and u_i(n, n) from uji, ujj
        unj = slope[:, :, None, :] * np.swapaxes(est, 1, 2)[:, :, :, None]
        unj += a[:, :, None, :]
        uni = np.swapaxes(uji, 1, 2)[:, :, :, None]
        unn = np.swapaxes(ujj, 1, 2)[:, :, :, None]
        wn = wsal[:, :, None, None]
        c0i, c0j = c_ij0[:, None], c_ji0[:, None]
        prop = self.p.voting_rule == "Prop"
        joining_difference(uni, unj, unn, c0i, c0j, wn, self.vote, prop)
        idx = np.arange(self.n)
        unj[:, idx, idx, :] = 0.0  # the challenger is no third party
        unj[:, idx, :, idx] = 0.0  # nor is the target
        na, n = wsal.shape
        if prop:
            flat = unj.reshape(na, n, n * n)
            w = wsal[:, None, :]
            net = np.matmul(w, flat).reshape(na, n, n)
            np.maximum(flat, 0.0, out=flat)
            gain = np.matmul(w, flat).reshape(na, n, n)
            c_ij, c_ji = c_ij0 + gain, c_ji0 + (gain - net)
        else:
            vk = self.vote(wn, unj, 0.0)
            c_ij = c_ij0 + np.maximum(vk, 0.0).sum(axis=1)
            c_ji = c_ji0 - np.minimum(vk, 0.0).sum(axis=1)
        return challenge_value(uii[:, :, None], uij, c_ij, c_ji, self.S[sl][:, None, :])

    # one draw at a time, for large scenarios: memory O(n^2 d)

    def _approx_core(self, b: int, uni, unj, unn, c_ij0, c_ji0, exclude):
        """Coalitions with every third party's vote in draw ``b``, to rounding error (first
        axis: n). ``unj`` is overwritten; ``exclude(arr)`` zeroes the principals' entries."""
        n = self.n
        wsal = self.wsal[b]
        wn = wsal.reshape((n,) + (1,) * (unj.ndim - 1))
        prop = self.p.voting_rule == "Prop"
        joining_difference(uni, unj, unn, c_ij0, c_ji0, wn, self.vote, prop)
        exclude(unj)
        if prop:
            flat = unj.reshape(n, -1)
            net = (wsal @ flat).reshape(unj.shape[1:])
            np.maximum(flat, 0.0, out=flat)
            gain = (wsal @ flat).reshape(unj.shape[1:])
            return c_ij0[0] + gain, c_ji0[0] + (gain - net)
        vk = self.vote(wn, unj, 0.0)
        return (
            c_ij0[0] + np.maximum(vk, 0.0).sum(axis=0),
            c_ji0[0] - np.minimum(vk, 0.0).sum(axis=0),
        )

    def _principal_utilities(self, sb: _Draw, h: np.ndarray):
        """u_h(h, h), u_h(h, j), u_h(j, h), u_h(j, j) for challengers h and every j."""
        dist, est, clip = sb.dist, sb.est, sb.clip
        r_hh = est[h, h]
        r_h = est[h]
        uii = K.utility(dist[h, h], r_hh, clip=clip)
        uij = K.utility(dist[h], r_hh[:, None], clip=clip)
        uji = K.utility(dist[:, h].T, r_h, clip=clip)
        ujj = K.utility(np.diag(dist)[None, :], r_h, clip=clip)
        return uii, uij, uji, ujj

    def _approx_block(self, sb: _Draw, b: int, h: np.ndarray) -> np.ndarray:
        """Challenge values of challengers ``h`` against every target in draw ``b``, to
        rounding error; third parties laid out (n, h, j)."""
        n, nh = self.n, len(h)
        wsal = self.wsal[b]
        uii, uij, uji, ujj = self._principal_utilities(sb, h)
        c_ij0, c_ji0 = principal_coalitions(
            self.vote, uii[:, None], uij, uji, ujj, wsal[h][:, None], wsal[None, :]
        )
        a, slope = sb.affine()
        unj = slope[:, None, :] * sb.est[h].T[:, :, None]  # u_h(n, j) = a + slope r_hn
        unj += a[:, None, :]
        idx = np.arange(n)

        def exclude(arr: np.ndarray) -> None:
            arr[h, np.arange(nh), :] = 0.0  # the challenger is no third party
            arr[idx, :, idx] = 0.0  # nor is the target

        c_ij, c_ji = self._approx_core(
            b, uji.T[:, :, None], unj, ujj.T[:, :, None], c_ij0[None], c_ji0[None], exclude
        )
        return challenge_value(uii[:, None], uij, c_ij, c_ji, self.S[b][None, :])

    def _approx_pairs(self, sb: _Draw, b: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Challenge values for pairs (i challenges j) in draw ``b``, to rounding error;
        third parties laid out (n, pair), in chunks of pairs."""
        n = self.n
        wsal, S = self.wsal[b], self.S[b]
        out = np.empty(len(i))
        step = max(1, BLOCK_BUDGET // n)
        a, slope = sb.affine()
        a_nn, s_nn = np.diag(a)[:, None], np.diag(slope)[:, None]
        dist, est, clip = sb.dist, sb.est, sb.clip
        for lo in range(0, len(i), step):
            ci, cj = i[lo : lo + step], j[lo : lo + step]
            r_hi, r_hj = est[ci, ci], est[ci, cj]
            uii = K.utility(dist[ci, ci], r_hi, clip=clip)
            uij = K.utility(dist[ci, cj], r_hi, clip=clip)
            uji = K.utility(dist[cj, ci], r_hj, clip=clip)
            ujj = K.utility(dist[cj, cj], r_hj, clip=clip)
            c_ij0, c_ji0 = principal_coalitions(self.vote, uii, uij, uji, ujj, wsal[ci], wsal[cj])
            r_hn = est[ci].T  # (n, P)
            unj = slope[:, cj] * r_hn
            unj += a[:, cj]
            uni = slope[:, ci] * r_hn
            uni += a[:, ci]
            unn = s_nn * r_hn
            unn += a_nn
            cols = np.arange(len(ci))

            def exclude(arr: np.ndarray, ci=ci, cj=cj, cols=cols) -> None:
                arr[ci, cols] = 0.0
                arr[cj, cols] = 0.0

            c_ij, c_ji = self._approx_core(b, uni, unj, unn, c_ij0[None], c_ji0[None], exclude)
            out[lo : lo + step] = challenge_value(uii, uij, c_ij, c_ji, S[cj])
        return out

    def _pruned_values(self, sb: _Draw, b: int) -> np.ndarray:
        """Challenge values in draw ``b`` of the targets that can be an actor's best (-inf
        elsewhere).

        A challenge is worth ``(u_ii - u_ij)(1 - 2 S_j (1 - phi))``, never more than
        ``|u_ii - u_ij|``. Each actor's most promising targets (by the value the principals
        alone would give) are evaluated first; their best value is a floor, and only the
        targets whose bound reaches it are evaluated next (about a quarter of them in
        practice). The result is the same as evaluating every pair.
        """
        n = self.n
        wsal, S = self.wsal[b], self.S[b]
        idx = np.arange(n)
        own = sb.own
        bound = np.abs(np.diag(own)[:, None] - own)
        bound[idx, idx] = -np.inf
        uii, uij, uji, ujj = self._principal_utilities(sb, idx)
        c_ij0, c_ji0 = principal_coalitions(
            self.vote, uii[:, None], uij, uji, ujj, wsal[:, None], wsal[None, :]
        )
        score = challenge_value(uii[:, None], uij, c_ij0, c_ji0, S[None, :])
        score[idx, idx] = -np.inf
        k = min(PRUNE_PROBES, n - 1)
        probe = np.argpartition(-score, k - 1, axis=1)[:, :k]
        value = np.full((n, n), -np.inf)
        pi, pj = np.repeat(idx, k), probe.ravel()
        value[pi, pj] = self._approx_pairs(sb, b, pi, pj)
        floor = np.maximum(value.max(axis=1), MIN_GAIN) - 2 * CANDIDATE_TOL
        need = (bound >= floor[:, None]) & np.isneginf(value)
        need[idx, idx] = False
        ci, cj = np.nonzero(need)
        if len(ci):
            value[ci, cj] = self._approx_pairs(sb, b, ci, cj)
        return value

    # exactly, as KTAB computes it

    def contest(self, st: TurnState, b: np.ndarray, h: np.ndarray, i: np.ndarray, j: np.ndarray):
        """h's estimate of the contest i against j in draw b, for arrays of (b, h, i, j),
        exactly as KTAB's ``probEduChlg`` computes it (same operations in the same order);
        third parties on the first axis.

        Returns the coalitions for i and for j and h's utilities u_h(i, i), u_h(i, j).
        """
        dist, est = st.dist, st.est
        clip = st.clip_at(b)
        r_hi = est[b, h, i]
        r_hj = est[b, h, j]
        uii = _utility(dist[b, i, i], r_hi, clip)
        uij = _utility(dist[b, i, j], r_hi, clip)
        uji = _utility(dist[b, j, i], r_hj, clip)
        ujj = _utility(dist[b, j, j], r_hj, clip)
        c_ij0, c_ji0 = principal_coalitions(
            self.vote, uii, uij, uji, ujj, self.wsal[b, i], self.wsal[b, j]
        )
        if self.p.third_party_commit != "SemiCommit":
            return c_ij0, c_ji0, uii, uij
        r_hn = est[b, h].T  # (n, P): h's estimate of third party n's risk
        clip_n = None if clip is None else clip[None, :]
        uni = _utility(dist[b, :, i].T, r_hn, clip_n)
        unj = _utility(dist[b, :, j].T, r_hn, clip_n)
        unn = _utility(np.diagonal(dist, axis1=1, axis2=2)[b].T, r_hn, clip_n)
        pos, neg = third_party_votes(
            self.vote, self.wsal[b].T, uni, unj, unn, c_ij0[None], c_ji0[None]
        )
        cols = np.arange(len(b))
        for arr in (pos, neg):
            arr[i, cols] = 0.0
            arr[j, cols] = 0.0
        return K.running_sum(c_ij0, pos), K.running_sum(c_ji0, neg), uii, uij

    def exact_values(self, st: TurnState, b: np.ndarray, i: np.ndarray, j: np.ndarray):
        """i's exact value of challenging j and its probability of winning, in draws b."""
        c_ij, c_ji, uii, uij = self.contest(st, b, i, i, j)
        return challenge_value(uii, uij, c_ij, c_ji, self.S[b, j]), c_ij / (c_ij + c_ji)

    # -- bargains ---------------------------------------------------------------------

    def bargains(self, st: TurnState, ch: Challenges) -> Bargains:
        """The bargain(s) each challenge proposes, draw by draw in the order of the
        challengers."""
        b, i = np.nonzero(ch.target >= 0)
        j = ch.target[b, i]
        val, p_ii = ch.value[b, i], ch.phi[b, i]
        x_i, x_j, s_i, s_j = st.pos[b, i], st.pos[b, j], self.s[b, i], self.s[b, j]
        mode = self.p.interpolation
        bi, bj = interpolate(mode, x_i, x_j, s_i, s_j, p_ii)
        model = self.p.bargain_model
        m = len(b)
        if model == "InitOnlyInterp":
            return Bargains(b, i, j, bi, bj, val, p_ii, ["challenger"] * m)
        c_ij, c_ji, _, _ = self.contest(st, b, j, i, j)  # the target's view of i's chances
        p_ji = c_ij / (c_ij + c_ji)
        ci, cj = interpolate(mode, x_i, x_j, s_i, s_j, p_ji)
        if model == "InitRcvrInterp":  # the challenger's bargain, then the target's
            d = bi.shape[1]
            return Bargains(
                np.repeat(b, 2),
                np.repeat(i, 2),
                np.repeat(j, 2),
                np.stack([bi, ci], axis=1).reshape(-1, d),
                np.stack([bj, cj], axis=1).reshape(-1, d),
                np.repeat(val, 2),
                np.stack([p_ii, p_ji], axis=1).reshape(-1),
                ["challenger", "target"] * m,
            )
        # PWCompInterp: weights c_i S_i and, as KTAB computes it, c_i S_j
        w_i = (self.c[b, i] * self.S[b, i])[:, None]
        w_j = (self.c[b, i] * self.S[b, j])[:, None]
        return Bargains(
            b,
            i,
            j,
            (w_i * bi + w_j * ci) / (w_i + w_j),
            (w_i * bj + w_j * cj) / (w_i + w_j),
            val,
            p_ii,
            ["compromise"] * m,
        )

    # -- queues -----------------------------------------------------------------------

    def bargain_utilities(self, st: TurnState, bg: Bargains) -> tuple[np.ndarray, np.ndarray]:
        """Utility to every actor of its draw of the state after each bargain (m, n), and of
        the status quo (A, n): the mean over the actors' positions of its utility for each.

        As in KTAB the two new positions come first and the unchanged ones are added in
        actor order, so that two bargains with the same outcome have bit-identical
        utilities (the binary voting rules would otherwise split them on a rounding error).
        """
        n, m = self.n, len(bg.draw)
        one = len(self.c) == 1  # one draw: its utilities broadcast over the bargains
        pts = np.stack([bg.pos_init, bg.pos_rcvr], axis=1)  # (m, 2, d)
        if one:
            dist = K.salience_distance(st.ideal[0], pts, self.s[0])  # (m, n, 2)
            clip = None if st.clip is None else st.clip[:1, None, None]
            pu = _utility(dist, st.risk[0][:, None], clip)
        else:
            dist = K.salience_distance(st.ideal[bg.draw], pts, self.s[bg.draw])
            pu = _utility(dist, st.risk[bg.draw][:, :, None], st.clip_at(bg.draw, 2))
        u_brg = np.empty((m, n))
        step = max(1, BLOCK_BUDGET // (n * (n + 1)))
        own_t = st.own[0].T[:, None, :] if one else None
        for lo in range(0, m, step):
            sl = slice(lo, lo + step)
            bd, init, rcvr = bg.draw[sl], bg.init[sl], bg.rcvr[sl]
            terms = np.empty((n + 1, len(bd), n))  # [term, bargain, actor]
            terms[0] = pu[sl, :, 0] + pu[sl, :, 1]  # the two new positions first
            # then the others in actor order
            terms[1:] = own_t if own_t is not None else np.moveaxis(st.own[bd], 2, 0)
            cols = np.arange(len(bd))
            terms[1 + init, cols, :] = 0.0
            terms[1 + rcvr, cols, :] = 0.0
            u_brg[sl] = K.first_axis_sum(terms)
        u_brg /= n
        u_sq = np.cumsum(st.own, axis=2)[:, :, -1] / n
        return u_brg, u_sq

    def resolve(self, st: TurnState, bg: Bargains) -> tuple[np.ndarray, np.ndarray]:
        """Each actor's choice in its own queue: the new positions (A, n, d) and, per
        bargain, whether its initiator and its receiver adopted it ((2, m) bools).

        A queue holds the status quo, then the bargains involving its actor in the order
        proposed; the actor adopts the winner of a Condorcet election among all actors of
        its draw (or, with stochastic transitions, an option drawn with the election's
        probabilities from its draw's generator, which gives n numbers every turn).
        """
        n = self.n
        new = st.pos.copy()
        nb = len(bg.draw)
        adopted = np.zeros((2, nb), dtype=bool)
        draws = None
        if self.p.transitions == "Stochastic":
            draws = np.stack([rng.random(n) for rng in self.rngs])  # type: ignore[union-attr]
        if nb == 0:
            return new, adopted
        u_brg, u_sq = self.bargain_utilities(st, bg)
        q_of = np.concatenate([bg.draw * n + bg.init, bg.draw * n + bg.rcvr])
        beta = np.concatenate([np.arange(nb), np.arange(nb)])
        order = np.lexsort((beta, q_of))
        q_of, beta = q_of[order], beta[order]
        queues, start, sizes = _runs(q_of)
        slot = np.arange(len(q_of)) - np.repeat(start, sizes)
        table = np.full((len(queues), int(sizes.max())), -1)
        table[np.repeat(np.arange(len(queues)), sizes), slot] = beta
        q_draw, q_actor = queues // n, queues % n
        # equal lengths together; the conditional election allows padding, so there queues
        # are grouped by length up to the next power of 2 (padding changes no probability)
        padded = self.p.pce_model == "Conditional"
        group = np.ceil(np.log2(sizes)).astype(int) if padded else sizes
        for key in sorted(set(group.tolist())):
            qs = np.flatnonzero(group == key)
            size = int(sizes[qs].max())
            brg = table[qs, :size]
            valid = brg >= 0
            g = len(qs)
            uq = np.empty((g, n, size + 1))
            uq[:, :, 0] = u_sq[q_draw[qs]]
            uq[:, :, 1:] = np.swapaxes(u_brg[np.maximum(brg, 0)], 1, 2)
            ok = np.concatenate([np.ones((g, 1), dtype=bool), valid], axis=1)
            w = self.c[0] if len(self.c) == 1 else self.c[q_draw[qs]]
            prob = self._election(uq, w, valid=None if ok.all() else ok)
            if draws is None:
                pick = np.argmax(np.abs(prob), axis=1)
            else:
                cum = np.cumsum(prob, axis=1)
                u = draws[q_draw[qs], q_actor[qs]]
                pick = np.minimum((cum <= u[:, None]).sum(axis=1), sizes[qs])
            moves = np.flatnonzero(pick > 0)
            if not len(moves):
                continue
            chosen = brg[moves, pick[moves] - 1]
            bd, k = q_draw[qs[moves]], q_actor[qs[moves]]
            first = bg.init[chosen] == k
            new[bd, k] = np.where(first[:, None], bg.pos_init[chosen], bg.pos_rcvr[chosen])
            adopted[0, chosen[first]] = True
            adopted[1, chosen[~first]] = True
        return new, adopted

    def new_ideals(self, ideal: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Ideals after a turn: ``sum_j a_ij x_j + (1 - sum_j a_ij) ideal_i``."""
        a = self.accommodation
        if a is None:
            return pos.copy()
        lag = 1.0 - np.minimum(a.sum(axis=1), 1.0)
        return np.stack([a @ pos[b] + lag[:, None] * ideal[b] for b in range(len(pos))])

    # -- the run ----------------------------------------------------------------------

    def run(
        self, x0: np.ndarray, history: bool = False
    ) -> tuple[np.ndarray, np.ndarray, list[SMPRun] | None]:
        """Run every draw from positions ``x0`` (B, n, d) until its stop rule holds.

        Returns each draw's last positions (B, n, d) and own utilities (B, n, n) and, with
        ``history``, each draw's :class:`SMPRun` (positions, probabilities and risk per turn;
        the bargains unless ``record="none"``; every challenge value with ``record="full"``).
        """
        p = self.p
        nb, n, _ = x0.shape
        final_pos = final_own = None  # allocated when the first draw stops
        runs = [SMPRun() for _ in range(nb)] if history else None
        full = history and p.record == "full"
        active = np.arange(nb)
        eng = self
        pos = np.array(x0, dtype=float)
        st = eng.setup(pos, pos.copy())
        if runs is not None:
            eng._record_state(runs, active, st)
        first_move = np.zeros(nb)
        t = 0
        while len(active):
            t += 1
            ch = eng.challenges(st, full)
            bg = eng.bargains(st, ch)
            new, adopted = eng.resolve(st, bg)
            if runs is not None and p.record != "none":
                eng._record_bargains(runs, active, t, bg, adopted)
            if runs is not None and full:
                for a, vals in zip(active.tolist(), ch.all_values):
                    runs[a].challenge_values.append(np.where(np.isfinite(vals), vals, np.nan))
            moved = np.cumsum(K.seq_norm_rows(new - st.pos), axis=1)[:, -1]
            if t == 1:
                first_move = moved + MIN_SIG_DELTA
            st = eng.setup(new, eng.new_ideals(st.ideal, new))
            ratio = moved / first_move
            if runs is not None:
                eng._record_state(runs, active, st)
                for a, r in zip(active.tolist(), ratio.tolist()):
                    runs[a].ratios.append(r)
            if t >= p.rounds:
                stop, reason = np.ones(len(active), dtype=bool), "max_rounds"
            elif t >= p.min_rounds:
                stop, reason = ratio < p.stop_ratio, "converged"
            else:
                stop, reason = np.zeros(len(active), dtype=bool), ""
            if stop.any():
                if final_pos is None or final_own is None:
                    final_pos, final_own = np.empty(x0.shape), np.empty((nb, n, n))
                final_pos[active[stop]] = st.pos[stop]
                final_own[active[stop]] = st.own[stop]
                if runs is not None:
                    for a in active[stop].tolist():
                        runs[a].stop_reason = reason
                keep = np.flatnonzero(~stop)
                active, first_move = active[keep], first_move[keep]
                if len(keep):
                    eng, st = eng.take(keep), st.take(keep)
        if final_pos is None or final_own is None:  # no draw at all
            final_pos, final_own = np.empty(x0.shape), np.empty((nb, n, n))
        return final_pos, final_own, runs

    def _record_state(self, runs: list[SMPRun], active: np.ndarray, st: TurnState) -> None:
        prob, holders, p_distinct = self.probabilities(st.pos, st.own)
        for k, a in enumerate(active.tolist()):
            out = runs[a]
            out.positions.append(st.pos[k])
            out.probability.append(prob[k])
            out.risk.append(st.risk[k])
            out.distinct.append((holders[k], p_distinct[k]))

    def _record_bargains(
        self, runs: list[SMPRun], active: np.ndarray, t: int, bg: Bargains, adopted: np.ndarray
    ) -> None:
        act = active.tolist()
        rows = zip(
            bg.draw.tolist(),
            bg.init.tolist(),
            bg.rcvr.tolist(),
            bg.value.tolist(),
            bg.prob.tolist(),
            bg.view,
            bg.pos_init,
            bg.pos_rcvr,
            adopted[0].tolist(),
            adopted[1].tolist(),
        )
        for draw, init, rcvr, value, prob, view, pos_init, pos_rcvr, by_init, by_rcvr in rows:
            runs[act[draw]].events.append(
                {
                    "round": t,
                    "challenger": init,
                    "target": rcvr,
                    "value": value,
                    "probability": prob,
                    "view": view,
                    "pos_challenger": pos_init,
                    "pos_target": pos_rcvr,
                    "challenger_adopted": by_init,
                    "target_adopted": by_rcvr,
                }
            )


# -- KTAB's arithmetic ---------------------------------------------------------------------------


def principal_coalitions(vote: K.Vote, uii, uij, uji, ujj, w_i, w_j):
    """Coalitions for i and for j in a contest (i : j) from the principals' own votes (KTAB
    ``probEduChlg``): weights ``w_i``, ``w_j`` (salience x capability), element-wise."""
    ci = vote(w_i, uii, uij)
    cj = vote(w_j, uji, ujj)
    c_ij0 = (K.MIN_CONTEST + np.maximum(ci, 0.0)) + np.maximum(cj, 0.0)
    c_ji0 = (K.MIN_CONTEST - np.minimum(ci, 0.0)) - np.minimum(cj, 0.0)
    return c_ij0, c_ji0


def third_party_votes(vote: K.Vote, wn, uni, unj, unn, c_ij0, c_ji0):
    """Votes of third parties n in contests (i : j) under semi-commitment, in KTAB's
    arithmetic (``Actor::vProbLittle``, ``Actor::thirdPartyVoteSU``); ``wn`` are the third
    parties' weights, broadcasting against the utilities (first axis n).

    Each third party starts from the principals' coalitions alone: with its own vote
    v0 between the two positions it estimates the probability pin that i wins; it then
    votes between joining i and joining j, comparing the utilities of the outcomes.
    Returns (positive votes, negated negative votes), to be added to the coalitions for
    i and for j. (Under full or no commitment the two utilities are computed alike and
    the vote is exactly 0.)
    """
    v0 = vote(wn, uni, unj)
    cni = c_ij0 + np.maximum(v0, 0.0)
    cnj = c_ji0 - np.minimum(v0, 0.0, out=v0)
    del v0
    pin = cni / (cni + cnj)
    del cni, cnj
    pjn = 1.0 - pin
    two_i = uni + uni
    two_j = unj + unj
    u_ik_j = pin * (two_i + unn) + pjn * (two_j + unj)  # n joins i
    u_i_jk = pin * (two_i + uni) + pjn * (two_j + unn)  # n joins j
    vk = vote(wn, u_ik_j, u_i_jk)
    return np.maximum(vk, 0.0), -np.minimum(vk, 0.0)


def challenge_value(uii, uij, c_ij, c_ji, sj):
    """The value of a challenge to the challenger, KTAB's arithmetic."""
    tot = c_ij + c_ji
    phi = c_ij / tot
    phj = c_ji / tot
    eu_sq = uii + uij
    eu_vict = uii + uii
    eu_lose = uij + uij
    eu_contest = phi * eu_vict + phj * eu_lose
    eu_chlg = (1 - sj) * eu_vict + sj * eu_contest
    return eu_chlg - eu_sq


def interpolate(
    mode: str, x_i: np.ndarray, x_j: np.ndarray, s_i: np.ndarray, s_j: np.ndarray, p_i: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The bargain positions for i and j (interpolation ``mode``, KTAB InterVecBrgn), rows of
    (m, d) arrays; ``p_i`` (m,) is the probability that i wins as the interpolating actor
    sees it."""
    p_i = p_i[:, None]
    p_j = 1 - p_i
    if mode == "S2PMax":
        di = np.where(p_j > p_i, p_j - p_i, 0.0)
        dj = np.where(p_i > p_j, p_i - p_j, 0.0)
        si2 = s_i * s_i
        sj2 = s_j * s_j
        dik = (di * sj2) / (di * sj2 + MIN_BARGAIN_WEIGHT + (1 - di) * si2)
        djk = (dj * si2) / (dj * si2 + MIN_BARGAIN_WEIGHT + (1 - dj) * sj2)
        return x_i + dik * (x_j - x_i), x_j + djk * (x_i - x_j)
    if mode == "S2P2":
        w_i = (s_i * s_i) * (p_i * p_i)
        w_j = (s_j * s_j) * (p_j * p_j)
    else:  # S1P1
        w_i = s_i * p_i
        w_j = s_j * p_j
    den = w_i + MIN_BARGAIN_WEIGHT + w_j
    b_i = ((w_i + MIN_BARGAIN_WEIGHT) * x_i + w_j * x_j) / den
    b_j = (w_i * x_i + (MIN_BARGAIN_WEIGHT + w_j) * x_j) / den
    return _round4(b_i), _round4(b_j)


def _distinct_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each distinct value of the rows of ``x`` (in order of appearance),
    and for every row the index of its distinct value among them. (``np.unique`` would do,
    but it imports ``numpy.ma`` on first use, a cost every command that runs the model
    would pay.) ``-0.0`` and ``0.0`` count as different here, which only costs a column."""
    seen: dict[bytes, int] = {}
    first: list[int] = []
    inv = np.empty(len(x), dtype=np.intp)
    for i, row in enumerate(np.ascontiguousarray(x)):
        key = row.tobytes()
        k = seen.get(key)
        if k is None:
            k = seen[key] = len(first)
            first.append(i)
        inv[i] = k
    return np.asarray(first, dtype=np.intp), inv


def _runs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct values of the sorted 1-d ``x``, where each run of equal values starts and
    how long it is (``np.unique(x, return_index=True, return_counts=True)`` for sorted x)."""
    start = np.flatnonzero(np.concatenate(([True], x[1:] != x[:-1])))
    sizes = np.diff(np.append(start, len(x)))
    return x[start], start, sizes


def joining_difference(uni, unj, unn, c_ij0, c_ji0, wn, vote, prop: bool) -> np.ndarray:
    """Each third party n's utility difference between joining i and joining j in contests
    (i : j), to rounding error, written into ``unj`` (which is returned).

    Under semi-commitment it is ``pin (u_nn - u_ni) + (1 - pin)(u_nj - u_nn)``, with pin the
    probability that i wins given the principals' coalitions ``c_ij0``, ``c_ji0`` and n's own
    vote (weight ``wn``) between the two positions; ``prop`` takes the proportional voting
    rule's shortcut.
    """
    if prop:
        t = uni - unj
        t *= wn
    else:
        t = vote(wn, uni, unj)
    pin = np.maximum(t, 0.0)
    pin += c_ij0
    np.abs(t, out=t)
    t += c_ij0 + c_ji0
    pin /= t
    unj -= unn  # u_nj - u_nn
    np.subtract(unn - uni, unj, out=t)
    t *= pin
    unj += t  # joining i minus joining j
    return unj


def _round4(x: np.ndarray) -> np.ndarray:
    """KTAB's rounding of a bargain coordinate: ``(int)(0.5 + 10000 x) / 10000``."""
    return np.trunc(0.5 + x * 10000.0) / 10000.0
