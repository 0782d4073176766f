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


@dataclass
class TurnState:
    """Everything derived from one state's positions and ideals."""

    pos: np.ndarray  # (n, d)
    ideal: np.ndarray  # (n, d)
    dist: np.ndarray  # (n, n): d[a, m], a's distance from its ideal to position m
    risk: np.ndarray  # (n,): R_a
    est: np.ndarray  # (n, n): est[h, a], h's estimate of R_a
    own: np.ndarray  # (n, n): own[a, m] = u_a(a, m)
    clip: bool  # some distance exceeds 1
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
    """Each actor's chosen challenge (target -1: none)."""

    target: np.ndarray  # (n,) int
    value: np.ndarray  # (n,) value of the chosen challenge (NaN: none)
    phi: np.ndarray  # (n,) the challenger's estimate of its probability of winning
    all_values: np.ndarray  # (n, n) every challenge value (approximate but for the best)


@dataclass
class Bargains:
    """The bargains proposed in one turn (one row each)."""

    init: np.ndarray  # (b,) initiator (challenger)
    rcvr: np.ndarray  # (b,) receiver (target)
    pos_init: np.ndarray  # (b, d) position proposed to the initiator
    pos_rcvr: np.ndarray  # (b, d) position proposed to the receiver
    value: np.ndarray  # (b,) value of the challenge to the challenger
    prob: np.ndarray  # (b,) the probability of success the interpolation used
    view: list[str]  # whose interpolation: challenger, target, compromise


@dataclass
class SMPRun:
    """What :meth:`Engine.run` returns (positions on 0..1)."""

    positions: list[np.ndarray] = field(default_factory=list)  # T + 1 arrays (n, d)
    probability: list[np.ndarray] = field(default_factory=list)  # T + 1 arrays (n,)
    risk: list[np.ndarray] = field(default_factory=list)  # T + 1 arrays (n,)
    distinct: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (actors, p)
    events: list[dict[str, Any]] = field(default_factory=list)
    challenge_values: list[np.ndarray] = field(default_factory=list)
    stop_reason: str = ""
    ratios: list[float] = field(default_factory=list)


class Engine:
    """The SMP for one scenario: capabilities ``c`` (n,), saliences ``s`` (n, d) on 0..1."""

    def __init__(
        self,
        c: np.ndarray,
        s: np.ndarray,
        params: SMPParams,
        accommodation: np.ndarray | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        self.c = np.asarray(c, dtype=float)
        self.s = np.asarray(s, dtype=float)
        self.n, self.d = self.s.shape
        self.p = params
        self.rng = rng
        self.vote = K.make_vote(params.voting_rule)
        # S_i = sum_k s_ik, added in dimension order; weight of an actor in a contest
        acc = np.zeros(self.n)
        for k in range(self.d):
            acc = acc + self.s[:, k]
        self.S = acc
        self.wsal = self.S * self.c
        self.accommodation = accommodation  # None = identity

    # -- utilities --------------------------------------------------------------------

    def setup(self, pos: np.ndarray, ideal: np.ndarray) -> TurnState:
        """Distances, risk attitudes and utilities of a state."""
        p = self.p
        dist = K.salience_distance(ideal, pos, self.s)
        clip = bool(np.any(dist > 1.0))
        neutral = K.utility(dist, 0.0, clip=clip)
        prob = self._position_election(pos, neutral)
        risk = K.risk_from_probability(prob, p.big_r_range)
        est = K.estimate_risk(risk[:, None], risk[None, :], p.big_r_adjust)
        own = K.utility(dist, np.diag(est)[:, None], clip=clip)
        return TurnState(pos=pos, ideal=ideal, dist=dist, risk=risk, est=est, own=own, clip=clip)

    def _position_election(self, pos: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The Condorcet election over every actor's position behind the risk attitudes.

        Actors at exactly the same position give identical columns of coalition strengths,
        so the strengths (the O(n^3) part) are computed once per distinct position and
        spread back; the election itself then runs over all n positions, as in KTAB.
        """
        p = self.p
        if not getattr(self.vote, "antisymmetric", True):
            return K.election(u, self.c, self.vote, p.victory_model, p.pce_model)
        _, first, inv = np.unique(pos, axis=0, return_index=True, return_inverse=True)
        if len(first) == self.n:
            return K.election(u, self.c, self.vote, p.victory_model, p.pce_model)
        inv = inv.reshape(-1)
        c = K.coalitions(u[:, first], self.c, self.vote)[np.ix_(inv, inv)]
        return K.pce(c, K.victory_probability(c, p.victory_model), p.pce_model)

    def probabilities(self, st: TurnState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """KTAB's reported probabilities of a state.

        The positions are merged greedily in actor order into distinct positions (an actor
        joins the first earlier distinct position closer than the tolerance); a Condorcet
        election among the actors (capability weights, own utilities) gives each distinct
        position a probability; each actor reports that of the *last* distinct position
        within tolerance of it. Returns the per-actor probabilities, the actors holding the
        distinct positions and those positions' probabilities.
        """
        pos = st.pos
        gap = K.seq_norm_rows(pos[:, None, :] - pos[None, :, :])
        close = gap < self.p.position_tolerance
        uniq: list[int] = []
        for i in range(self.n):
            if not uniq or not close[i, uniq].any():
                uniq.append(i)
        u = np.asarray(uniq)
        prob = K.election(st.own[:, u], self.c, self.vote, self.p.victory_model, self.p.pce_model)
        near = close[:, u]
        last = near.shape[1] - 1 - np.argmax(near[:, ::-1], axis=1)
        return prob[last], u, prob

    # -- challenges -------------------------------------------------------------------

    def _third_parties(self, uni, unj, unn, c_ij0, c_ji0):
        """Votes of third parties n in contests (i : j), first axis n
        (:func:`third_party_votes` with this scenario's weights)."""
        wn = self.wsal.reshape((self.n,) + (1,) * (np.ndim(unj) - 1))
        return third_party_votes(self.vote, wn, uni, unj, unn, c_ij0, c_ji0)

    def _principals(self, uii, uij, uji, ujj, w_i, w_j):
        """Coalitions for i and for j from the principals' own votes."""
        return principal_coalitions(self.vote, uii, uij, uji, ujj, w_i, w_j)

    def challenges(self, st: TurnState) -> Challenges:
        """Each actor's most valuable challenge (KTAB ``bestChallenge``).

        ``value[i, j]``, i's estimate of what challenging j is worth to i, is
        ``(1 - S_j) 2 u_ii + S_j (phi 2 u_ii + (1 - phi) 2 u_ij) - (u_ii + u_ij)``, with
        every utility as i estimates it and phi i's estimate of its probability of winning.
        An actor challenges the target of highest value if that exceeds 1e-5 (the first
        such target on ties).

        Under semi-commitment every third party of every pair votes: O(n^3) numbers. They
        are computed with a cheap formula (:meth:`_approx_core`) that is exact up to
        rounding; the few targets within 1e-9 of an actor's best are then evaluated again
        exactly as KTAB does (:meth:`contest`), so that the choice, ties included, and the
        probability used for the bargain are KTAB's to the last bit. Under full or no
        commitment a third party is indifferent between the two sides (KTAB computes two
        identical utilities), so only the principals count. The binary voting rules turn a
        difference of one rounding error into a vote (they divide by 1e-8), so with them
        every pair is evaluated exactly.
        """
        n = self.n
        idx = np.arange(n)
        phi_all = None
        if self.p.third_party_commit == "SemiCommit" and self.p.voting_rule in SMOOTH_RULES:
            if n >= PRUNE_MIN_ACTORS and self.p.record != "full":
                value = self._pruned_values(st)
            else:
                value = np.empty((n, n))
                block = max(1, min(n, BLOCK_BUDGET // (n * n)))
                for lo in range(0, n, block):
                    h = np.arange(lo, min(n, lo + block))
                    value[h] = self._approx_block(st, h)
        else:
            ii, jj = np.repeat(idx, n), np.tile(idx, n)
            value, phi_all = (a.reshape(n, n) for a in self._exact_pairs(st, ii, jj))
            value[idx, idx] = -np.inf
            exact = np.where(value > MIN_GAIN, value, -np.inf)
        if phi_all is None:  # approximate values: evaluate the contenders exactly
            value[idx, idx] = -np.inf
            top = value.max(axis=1)
            cand = (value >= top[:, None] - CANDIDATE_TOL) & (
                top[:, None] > MIN_GAIN - CANDIDATE_TOL
            )
            ci, cj = np.nonzero(cand)
            exact = np.full((n, n), -np.inf)
            phi_all = np.full((n, n), np.nan)
            if len(ci):
                ev, ph = self._exact_pairs(st, ci, cj)
                exact[ci, cj] = np.where(ev > MIN_GAIN, ev, -np.inf)
                phi_all[ci, cj] = ph
                value[ci, cj] = ev
        target = np.argmax(exact, axis=1)
        ok = np.isfinite(exact[idx, target])
        target = np.where(ok, target, -1)
        best = np.where(ok, exact[idx, np.maximum(target, 0)], np.nan)
        phi = np.where(ok, phi_all[idx, np.maximum(target, 0)], np.nan)
        return Challenges(target=target, value=best, phi=phi, all_values=value)

    def _exact_pairs(
        self, st: TurnState, i: np.ndarray, j: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`exact_values` for many pairs, in chunks that keep memory O(n^2)."""
        value, phi = np.empty(len(i)), np.empty(len(i))
        step = max(1, BLOCK_BUDGET // self.n)
        for lo in range(0, len(i), step):
            sl = slice(lo, lo + step)
            value[sl], phi[sl] = self.exact_values(st, i[sl], j[sl])
        return value, phi

    def _pruned_values(self, st: TurnState) -> np.ndarray:
        """Challenge values of the targets that can be an actor's best (-inf elsewhere).

        A challenge is worth ``(u_ii - u_ij)(1 - 2 S_j (1 - phi))``, never more than
        ``|u_ii - u_ij|``. Each actor's most promising targets (by the value the principals
        alone would give) are evaluated first; their best value is a floor, and only the
        targets whose bound reaches it are evaluated next (about a quarter of them in
        practice). The result is the same as evaluating every pair.
        """
        n = self.n
        idx = np.arange(n)
        own = st.own
        bound = np.abs(np.diag(own)[:, None] - own)
        bound[idx, idx] = -np.inf
        uii, uij, uji, ujj = self._principal_utilities(st, idx)
        c_ij0, c_ji0 = self._principals(
            uii[:, None], uij, uji, ujj, self.wsal[:, None], self.wsal[None, :]
        )
        score = self._value(uii[:, None], uij, c_ij0, c_ji0, self.S[None, :])
        score[idx, idx] = -np.inf
        k = min(PRUNE_PROBES, n - 1)
        probe = np.argpartition(-score, k - 1, axis=1)[:, :k]
        value = np.full((n, n), -np.inf)
        pi, pj = np.repeat(idx, k), probe.ravel()
        value[pi, pj] = self._approx_pairs(st, pi, pj)
        floor = np.maximum(value.max(axis=1), MIN_GAIN) - 2 * CANDIDATE_TOL
        need = (bound >= floor[:, None]) & np.isneginf(value)
        need[idx, idx] = False
        ci, cj = np.nonzero(need)
        if len(ci):
            value[ci, cj] = self._approx_pairs(st, ci, cj)
        return value

    def _approx_core(self, uni, unj, unn, c_ij0, c_ji0, exclude):
        """Coalitions with every third party's vote, to rounding error (first axis: n).

        Uses the algebra of the semi-commitment model: a third party's utility difference
        between joining i and joining j is ``pin (u_nn - u_ni) + (1 - pin)(u_nj - u_nn)``.
        ``unj`` is overwritten; ``exclude(arr)`` zeroes the entries of the principals.
        """
        n = self.n
        wn = self.wsal.reshape((n,) + (1,) * (unj.ndim - 1))
        prop = self.p.voting_rule == "Prop"
        joining_difference(uni, unj, unn, c_ij0, c_ji0, wn, self.vote, prop)
        exclude(unj)
        if prop:
            flat = unj.reshape(n, -1)
            net = (self.wsal @ flat).reshape(unj.shape[1:])
            np.maximum(flat, 0.0, out=flat)
            gain = (self.wsal @ flat).reshape(unj.shape[1:])
            return c_ij0[0] + gain, c_ji0[0] + (gain - net)
        vk = self.vote(wn, unj, 0.0)
        return (
            c_ij0[0] + np.maximum(vk, 0.0).sum(axis=0),
            c_ji0[0] - np.minimum(vk, 0.0).sum(axis=0),
        )

    def _approx_block(self, st: TurnState, h: np.ndarray) -> np.ndarray:
        """Challenge values of challengers ``h`` against every target, to rounding error;
        third parties laid out (n, b, j)."""
        n, b = self.n, len(h)
        uii, uij, uji, ujj = self._principal_utilities(st, h)
        c_ij0, c_ji0 = self._principals(
            uii[:, None], uij, uji, ujj, self.wsal[h][:, None], self.wsal[None, :]
        )
        a, slope = st.affine()
        unj = slope[:, None, :] * st.est[h].T[:, :, None]  # u_h(n, j) = a + slope r_hn
        unj += a[:, None, :]
        idx = np.arange(n)

        def exclude(arr: np.ndarray) -> None:
            arr[h, np.arange(b), :] = 0.0  # the challenger is no third party
            arr[idx, :, idx] = 0.0  # nor is the target

        c_ij, c_ji = self._approx_core(
            uji.T[:, :, None], unj, ujj.T[:, :, None], c_ij0[None], c_ji0[None], exclude
        )
        return self._value(uii[:, None], uij, c_ij, c_ji, self.S[None, :])

    def _approx_pairs(self, st: TurnState, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Challenge values for pairs (i challenges j), to rounding error; third parties
        laid out (n, pair), in chunks of pairs."""
        n = self.n
        out = np.empty(len(i))
        step = max(1, BLOCK_BUDGET // n)
        a, slope = st.affine()
        a_nn, s_nn = np.diag(a)[:, None], np.diag(slope)[:, None]
        dist, est, clip = st.dist, st.est, st.clip
        for lo in range(0, len(i), step):
            ci, cj = i[lo : lo + step], j[lo : lo + step]
            r_hi, r_hj = est[ci, ci], est[ci, cj]
            uii = K.utility(dist[ci, ci], r_hi, clip=clip)
            uij = K.utility(dist[ci, cj], r_hi, clip=clip)
            uji = K.utility(dist[cj, ci], r_hj, clip=clip)
            ujj = K.utility(dist[cj, cj], r_hj, clip=clip)
            c_ij0, c_ji0 = self._principals(uii, uij, uji, ujj, self.wsal[ci], self.wsal[cj])
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

            c_ij, c_ji = self._approx_core(uni, unj, unn, c_ij0[None], c_ji0[None], exclude)
            out[lo : lo + step] = self._value(uii, uij, c_ij, c_ji, self.S[cj])
        return out

    @staticmethod
    def _value(uii, uij, c_ij, c_ji, sj):
        """The value of a challenge to the challenger (:func:`challenge_value`)."""
        return challenge_value(uii, uij, c_ij, c_ji, sj)

    def _principal_utilities(self, st: TurnState, h: np.ndarray):
        """u_h(h, h), u_h(h, j), u_h(j, h), u_h(j, j) for challengers h and every j."""
        dist, est, clip = st.dist, st.est, st.clip
        r_hh = est[h, h]
        r_h = est[h]
        uii = K.utility(dist[h, h], r_hh, clip=clip)
        uij = K.utility(dist[h], r_hh[:, None], clip=clip)
        uji = K.utility(dist[:, h].T, r_h, clip=clip)
        ujj = K.utility(np.diag(dist)[None, :], r_h, clip=clip)
        return uii, uij, uji, ujj

    def contest(self, st: TurnState, h: np.ndarray, i: np.ndarray, j: np.ndarray):
        """h's estimate of the contest i against j, for arrays of triples, exactly as KTAB's
        ``probEduChlg`` computes it (same operations in the same order).

        Returns the coalitions for i and for j and h's utilities u_h(i, i), u_h(i, j).
        """
        dist, est, clip = st.dist, st.est, st.clip
        r_hi = est[h, i]
        r_hj = est[h, j]
        uii = K.utility(dist[i, i], r_hi, clip=clip)
        uij = K.utility(dist[i, j], r_hi, clip=clip)
        uji = K.utility(dist[j, i], r_hj, clip=clip)
        ujj = K.utility(dist[j, j], r_hj, clip=clip)
        c_ij0, c_ji0 = self._principals(uii, uij, uji, ujj, self.wsal[i], self.wsal[j])
        if self.p.third_party_commit != "SemiCommit":
            return c_ij0, c_ji0, uii, uij
        r_hn = est[h].T  # (n, P): h's estimate of third party n's risk
        uni = K.utility(dist[:, i], r_hn, clip=clip)
        unj = K.utility(dist[:, j], r_hn, clip=clip)
        unn = K.utility(np.diag(dist)[:, None], r_hn, clip=clip)
        pos, neg = self._third_parties(uni, unj, unn, c_ij0[None], c_ji0[None])
        cols = np.arange(len(i))
        for arr in (pos, neg):
            arr[i, cols] = 0.0
            arr[j, cols] = 0.0
        return K.running_sum(c_ij0, pos), K.running_sum(c_ji0, neg), uii, uij

    def exact_values(self, st: TurnState, i: np.ndarray, j: np.ndarray):
        """i's exact estimate of the value of challenging j and of its probability of
        winning, for arrays of pairs."""
        c_ij, c_ji, uii, uij = self.contest(st, i, i, j)
        return self._value(uii, uij, c_ij, c_ji, self.S[j]), c_ij / (c_ij + c_ji)

    def contest_probability(
        self, st: TurnState, h: np.ndarray, i: np.ndarray, j: np.ndarray
    ) -> np.ndarray:
        """h's estimate of the probability that i beats j, for arrays of triples."""
        c_ij, c_ji, _, _ = self.contest(st, h, i, j)
        return c_ij / (c_ij + c_ji)

    # -- bargains ---------------------------------------------------------------------

    def interpolate(
        self, x_i: np.ndarray, x_j: np.ndarray, s_i: np.ndarray, s_j: np.ndarray, p_i: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The bargain positions for i and j (:func:`interpolate`)."""
        return interpolate(self.p.interpolation, x_i, x_j, s_i, s_j, p_i)

    def bargains(self, st: TurnState, ch: Challenges) -> Bargains:
        """The bargain(s) each challenge proposes."""
        i = np.flatnonzero(ch.target >= 0)
        j = ch.target[i]
        val = ch.value[i]
        p_ii = ch.phi[i]
        x, s = st.pos, self.s
        bi, bj = self.interpolate(x[i], x[j], s[i], s[j], p_ii)
        model = self.p.bargain_model
        if model == "InitOnlyInterp":
            return Bargains(i, j, bi, bj, val, p_ii, ["challenger"] * len(i))
        p_ji = self.contest_probability(st, j, i, j)  # the target's view of i's chances
        ci, cj = self.interpolate(x[i], x[j], s[i], s[j], p_ji)
        if model == "InitRcvrInterp":
            m = len(i)
            order = np.arange(2 * m).reshape(2, m).T.ravel()  # challenger's, then target's
            return Bargains(
                np.concatenate([i, i])[order],
                np.concatenate([j, j])[order],
                np.concatenate([bi, ci])[order],
                np.concatenate([bj, cj])[order],
                np.concatenate([val, val])[order],
                np.concatenate([p_ii, p_ji])[order],
                ["challenger", "target"] * m,
            )
        # PWCompInterp: weights c_i S_i and, as KTAB computes it, c_i S_j
        w_i = (self.c[i] * self.S[i])[:, None]
        w_j = (self.c[i] * self.S[j])[:, None]
        return Bargains(
            i,
            j,
            (w_i * bi + w_j * ci) / (w_i + w_j),
            (w_i * bj + w_j * cj) / (w_i + w_j),
            val,
            p_ii,
            ["compromise"] * len(i),
        )

    # -- queues -----------------------------------------------------------------------

    def resolve(self, st: TurnState, bg: Bargains) -> tuple[np.ndarray, np.ndarray]:
        """Each actor's choice in its own queue: returns the new positions and, per
        bargain, whether its initiator and its receiver adopted it ((2, b) bools)."""
        n = self.n
        nb = len(bg.init)
        new = st.pos.copy()
        adopted = np.zeros((2, nb), dtype=bool)
        draws = self.rng.random(n) if self.p.transitions == "Stochastic" else None
        if nb == 0:
            return new, adopted
        u_brg, u_sq = self.bargain_utilities(st, bg)
        # queues: the status quo, then the bargains involving k in the order proposed
        member = (bg.init[None, :] == np.arange(n)[:, None]) | (
            bg.rcvr[None, :] == np.arange(n)[:, None]
        )  # (n, b)
        sizes = member.sum(axis=1)
        # Queues are resolved in batches of equal length; the conditional election allows
        # padding, so there queues are batched by length up to the next power of 2.
        padded = self.p.pce_model == "Conditional"
        group = np.ceil(np.log2(np.maximum(sizes, 1))).astype(int) if padded else sizes
        for key in np.unique(group[sizes > 0]):
            ks = np.flatnonzero((group == key) & (sizes > 0))
            size = int(sizes[ks].max())
            order = np.argsort(~member[ks], axis=1, kind="stable")[:, :size]
            valid = np.take_along_axis(member[ks], order, axis=1)
            brg = np.where(valid, order, -1)  # (g, size): each queue's bargains, in order
            uq = np.empty((len(ks), n, size + 1))
            uq[:, :, 0] = u_sq[None, :]
            uq[:, :, 1:] = np.transpose(u_brg[:, np.maximum(brg, 0)], (1, 0, 2))
            ok = np.concatenate([np.ones((len(ks), 1), dtype=bool), valid], axis=1)
            prob = K.election(
                uq,
                self.c,
                self.vote,
                self.p.victory_model,
                self.p.pce_model,
                valid=None if ok.all() else ok,
            )
            if draws is None:
                pick = np.argmax(np.abs(prob), axis=1)
            else:
                cum = np.cumsum(prob, axis=1)
                pick = np.minimum((cum <= draws[ks, None]).sum(axis=1), sizes[ks])
            for k, choice, row in zip(ks.tolist(), pick.tolist(), brg):
                if choice == 0:
                    continue
                beta = int(row[choice - 1])
                if bg.init[beta] == k:
                    new[k] = bg.pos_init[beta]
                    adopted[0, beta] = True
                else:
                    new[k] = bg.pos_rcvr[beta]
                    adopted[1, beta] = True
        return new, adopted

    def bargain_utilities(self, st: TurnState, bg: Bargains) -> tuple[np.ndarray, np.ndarray]:
        """Utility to every actor of the state after each bargain (n, b), and of the status
        quo (n,): the mean over the actors' positions of its utility for each.

        As in KTAB the two new positions come first and the unchanged ones are added in
        actor order, so that two bargains with the same outcome have bit-identical
        utilities (the binary voting rules would otherwise split them on a rounding error).
        """
        n, nb = self.n, len(bg.init)
        own = st.own
        pts = np.concatenate([bg.pos_init, bg.pos_rcvr])
        pu = K.utility(K.salience_distance(st.ideal, pts, self.s), st.risk[:, None], clip=st.clip)
        u_brg = np.empty((n, nb))
        step = max(1, BLOCK_BUDGET // (n * n))
        terms = np.empty((n + 1, n, min(step, nb)))
        for lo in range(0, nb, step):
            hi = min(nb, lo + step)
            buf = terms[:, :, : hi - lo]
            buf[0] = pu[:, lo:hi] + pu[:, nb + lo : nb + hi]
            buf[1:] = own.T[:, :, None]
            cols = np.arange(hi - lo)
            buf[1 + bg.init[lo:hi], :, cols] = 0.0
            buf[1 + bg.rcvr[lo:hi], :, cols] = 0.0
            u_brg[:, lo:hi] = np.add.reduce(buf, axis=0)
        u_brg /= n
        u_sq = np.cumsum(own, axis=1)[:, -1] / n
        return u_brg, u_sq

    def new_ideals(self, ideal: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Ideals after a turn: ``sum_j a_ij x_j + (1 - sum_j a_ij) ideal_i``."""
        a = self.accommodation
        if a is None:
            return pos.copy()
        lag = 1.0 - np.minimum(a.sum(axis=1), 1.0)
        return a @ pos + lag[:, None] * ideal

    # -- the run ----------------------------------------------------------------------

    def run(self, x0: np.ndarray) -> SMPRun:
        p = self.p
        out = SMPRun()
        pos = np.array(x0, dtype=float)
        ideal = pos.copy()
        st = self.setup(pos, ideal)
        self._record_state(out, st)
        first_move = 0.0
        t = 0
        while True:
            t += 1
            ch = self.challenges(st)
            bg = self.bargains(st, ch)
            new, adopted = self.resolve(st, bg)
            if p.record != "none":
                self._record_bargains(out, t, bg, adopted)
            if p.record == "full":
                out.challenge_values.append(
                    np.where(np.isfinite(ch.all_values), ch.all_values, np.nan)
                )
            moved = K.sequential_total(K.seq_norm_rows(new - pos))
            if t == 1:
                first_move = moved + MIN_SIG_DELTA
            ideal = self.new_ideals(ideal, new)
            pos = new
            st = self.setup(pos, ideal)
            self._record_state(out, st)
            ratio = moved / first_move
            out.ratios.append(ratio)
            if t >= p.rounds:
                out.stop_reason = "max_rounds"
                break
            if t >= p.min_rounds and ratio < p.stop_ratio:
                out.stop_reason = "converged"
                break
        return out

    def _record_state(self, out: SMPRun, st: TurnState) -> None:
        prob, holders, p_distinct = self.probabilities(st)
        out.positions.append(st.pos)
        out.probability.append(prob)
        out.risk.append(st.risk)
        out.distinct.append((holders, p_distinct))

    def _record_bargains(self, out: SMPRun, t: int, bg: Bargains, adopted: np.ndarray) -> None:
        for b in range(len(bg.init)):
            out.events.append(
                {
                    "round": t,
                    "challenger": int(bg.init[b]),
                    "target": int(bg.rcvr[b]),
                    "value": float(bg.value[b]),
                    "probability": float(bg.prob[b]),
                    "view": bg.view[b],
                    "pos_challenger": bg.pos_init[b],
                    "pos_target": bg.pos_rcvr[b],
                    "challenger_adopted": bool(adopted[0, b]),
                    "target_adopted": bool(adopted[1, b]),
                }
            )


# -- KTAB's arithmetic, shared with the batched engine (detente.models.smp.batched) -----------


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
