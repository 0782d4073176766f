"""The Spatial Model of Politics on many drawn scenarios at once (a leading axis of draws).

A Monte Carlo sweep runs the SMP on thousands of draws of one scenario: same actors and
issues, different numbers. One run of a small scenario (11 actors, 7 issues) spends most of
its time in numpy's per-call overhead on small arrays, so here every step of a turn carries
the draw axis and one numpy call serves all the draws of a chunk:

- setup: distances ``(B, n, n)``, the risk-neutral election over the actors' positions (one
  election per draw), risk attitudes (each draw its own range), estimates and own utilities;
- challenges: the approximate values of all pairs of all draws, then the exact (KTAB's)
  evaluation of each draw's candidate pairs, flattened as ``(draw, i, j)`` triples;
- bargains: one row per ``(draw, challenger)``;
- queues: one row per ``(draw, actor)`` queue, grouped by (padded) length as the single run
  groups them, each election with its own draw's capabilities;
- the stop rule per draw; a draw that stops leaves the active set, so later turns of the
  others cannot change it;
- the forecast: the most probable distinct position of each draw's last state, mapped back to
  the scenario's units as the single run maps it.

Every number that decides something is computed by the same operations, in the same order, as
in :class:`~detente.models.smp.engine.Engine` (sums over voters and third parties run over the
first axis, see :mod:`~detente.models.smp.kernels`), so each draw's forecast is exactly (bit
for bit, after the same number of turns) the forecast of ``run_smp`` on that draw. The
approximate challenge values only select the candidates that are evaluated exactly; they
are good to about 1e-13 and candidates are taken within 1e-9 of the best, as in the engine.

Options the batched form does not cover are run draw by draw (:func:`loop_reason`):
stochastic transitions (each run draws from its own generator), accommodation and ideal
adjustments, and scenarios with at least ``PRUNE_MIN_ACTORS`` actors (the engine prunes
challenges there; a single run is already made of large arrays).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from detente.models.smp import kernels as K
from detente.models.smp.engine import (
    CANDIDATE_TOL,
    MIN_GAIN,
    MIN_SIG_DELTA,
    PRUNE_MIN_ACTORS,
    SMOOTH_RULES,
    challenge_value,
    interpolate,
    joining_difference,
    principal_coalitions,
    third_party_votes,
)
from detente.models.smp.params import SMPParams

BATCH_BUDGET = 1 << 17
"""Numbers per temporary array (1 MiB) in the batched challenge, contest and queue steps."""

MAX_DRAWS = 1000
"""Draws run together at most (larger batches run in slices of this many; the numbers are the
same, memory stays bounded)."""


def loop_reason(params: SMPParams, n_actors: int) -> str | None:
    """Why the batched form runs ``params`` draw by draw (None: it batches them)."""
    if params.transitions == "Stochastic":
        return "stochastic transitions draw from each run's own generator"
    if params.accommodation != 1.0 or params.ideal_adjustment:
        return "accommodation and ideal adjustments are run draw by draw"
    if n_actors >= PRUNE_MIN_ACTORS:
        return f"scenarios of {PRUNE_MIN_ACTORS} or more actors are run draw by draw"
    return None


def run_smp_batched(
    batch, params: SMPParams, rngs: Sequence[np.random.Generator | None] | None = None
) -> np.ndarray:
    """``(B, d)`` forecasts of ``run_smp`` on every draw of a
    :class:`~detente.run.draws.DrawBatch`: row b equals
    ``run_smp(batch.arrays(b), params, rngs[b]).forecast`` exactly.

    Raises what the first draw that ``run_smp`` cannot run on raises
    (:class:`~detente.models.smp.SMPInputError`). ``rngs`` is used only by the options that
    are run draw by draw (:func:`loop_reason`); deterministic runs draw nothing.
    """
    base = batch.base
    nb, n, d = len(batch), base.n_actors, base.n_issues
    if nb == 0:
        return np.empty((0, d))
    if loop_reason(params, n) is not None:
        return _loop(batch, params, rngs)
    cap, pos, sal = _model_inputs(batch, params)
    unit0 = (pos - base.low) / base.span
    out = np.empty((nb, d))
    for lo in range(0, nb, MAX_DRAWS):
        sl = slice(lo, lo + MAX_DRAWS)
        engine = BatchedEngine(cap[sl], sal[sl], params)
        final_pos, final_own = engine.run(unit0[sl])
        holder = engine.most_probable(final_pos, final_own)
        rows = np.arange(len(holder))
        unit = final_pos[rows, holder]
        # actors that never moved keep their input value exactly (as run_smp reports them)
        out[sl] = np.where(
            unit == unit0[sl][rows, holder], pos[sl][rows, holder], base.low + unit * base.span
        )
    return out


def _loop(batch, params: SMPParams, rngs) -> np.ndarray:
    from detente.models.smp.model import run_smp

    out = np.empty((len(batch), batch.base.n_issues))
    for b in range(len(batch)):
        rng = None if rngs is None else rngs[b]
        out[b] = run_smp(batch.arrays(b), params, rng).forecast
    return out


def _model_inputs(batch, params: SMPParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Capabilities (B, n), positions and saliences (B, n, d) as ``run_smp`` runs them: each
    draw adapted (``inputs="adapt"``) and checked as a single run adapts and checks it."""
    from detente.models.smp.model import adapt_inputs, check_inputs

    nb, n, d = len(batch), batch.base.n_actors, batch.base.n_issues
    cap, pos, sal = np.empty((nb, n)), np.empty((nb, n, d)), np.empty((nb, n, d))
    for b in range(nb):
        arrays = batch.arrays(b)
        if params.inputs == "adapt":
            arrays, _ = adapt_inputs(arrays)
        check_inputs(arrays)
        cap[b], pos[b], sal[b] = arrays.capability, arrays.position, arrays.salience
    return cap, pos, sal


def _utility(dist: np.ndarray, risk, clip: np.ndarray | None) -> np.ndarray:
    """:func:`kernels.utility` with the clipping of distances beyond 1 decided per draw:
    ``clip`` (broadcasting against ``dist``) marks the draws whose state has such a distance
    (None: none has), as the single run decides it per state."""
    out = K.utility(dist, risk, clip=False)
    if clip is not None:
        far = (1.0 - dist) * (1.0 + np.broadcast_to(risk, out.shape))
        out = np.where(clip & ~(dist <= 1.0), far, out)
    return out


@dataclass
class _State:
    """One state of every active draw (leading axis: draws)."""

    pos: np.ndarray  # (A, n, d)
    ideal: np.ndarray  # (A, n, d)
    dist: np.ndarray  # (A, n, n)
    risk: np.ndarray  # (A, n)
    est: np.ndarray  # (A, n, n)
    own: np.ndarray  # (A, n, n)
    clip: np.ndarray | None  # (A,) draws with a distance beyond 1, None if there is none

    def take(self, rows: np.ndarray) -> _State:
        return _State(
            self.pos[rows],
            self.ideal[rows],
            self.dist[rows],
            self.risk[rows],
            self.est[rows],
            self.own[rows],
            None if self.clip is None or not self.clip[rows].any() else self.clip[rows],
        )

    def clip_at(self, draws: np.ndarray, extra_dims: int = 0) -> np.ndarray | None:
        if self.clip is None:
            return None
        return self.clip[draws].reshape(self.clip[draws].shape + (1,) * extra_dims)


@dataclass
class _Bargains:
    """The bargains of one turn of every active draw, one row each, in the order of the
    single runs within each draw."""

    draw: np.ndarray  # (m,)
    init: np.ndarray  # (m,)
    rcvr: np.ndarray  # (m,)
    pos_init: np.ndarray  # (m, d)
    pos_rcvr: np.ndarray  # (m, d)


class BatchedEngine:
    """The SMP turn loop for draws of one scenario: capabilities ``c`` (B, n), saliences
    ``s`` (B, n, d) on 0..1. Mirrors :class:`~detente.models.smp.engine.Engine` step by
    step (identity accommodation, deterministic transitions)."""

    def __init__(self, c: np.ndarray, s: np.ndarray, params: SMPParams) -> None:
        self.c = np.asarray(c, dtype=float)
        self.s = np.asarray(s, dtype=float)
        self.p = params
        self.vote = K.make_vote(params.voting_rule)
        acc = np.zeros(self.c.shape)
        for k in range(self.s.shape[-1]):  # S_i added in dimension order, as Engine
            acc = acc + self.s[:, :, k]
        self.S = acc
        self.wsal = self.S * self.c

    def take(self, rows: np.ndarray) -> BatchedEngine:
        """The engine of a subset of the draws."""
        out = object.__new__(BatchedEngine)
        out.p, out.vote = self.p, self.vote
        out.c, out.s, out.S, out.wsal = self.c[rows], self.s[rows], self.S[rows], self.wsal[rows]
        return out

    @property
    def n(self) -> int:
        return self.c.shape[1]

    def _election(self, u: np.ndarray, w: np.ndarray, valid: np.ndarray | None = None):
        p = self.p
        return K.election(u, w, self.vote, p.victory_model, p.pce_model, valid=valid)

    # -- utilities ----------------------------------------------------------------------

    def setup(self, pos: np.ndarray, ideal: np.ndarray) -> _State:
        """Distances, risk attitudes and utilities of each draw's state (Engine.setup)."""
        p = self.p
        dist = K.salience_distance(ideal, pos, self.s)
        over = np.any(dist > 1.0, axis=(1, 2))
        clip = over if over.any() else None
        c3 = None if clip is None else clip[:, None, None]
        neutral = _utility(dist, 0.0, c3)
        # the election over all n positions (the single run computes the coalitions once per
        # distinct position; the numbers are the same)
        prob = self._election(neutral, self.c)
        risk = K.risk_from_probability(prob, p.big_r_range)
        est = K.estimate_risk(risk[:, :, None], risk[:, None, :], p.big_r_adjust)
        own = _utility(dist, np.diagonal(est, axis1=1, axis2=2)[:, :, None], c3)
        return _State(pos=pos, ideal=ideal, dist=dist, risk=risk, est=est, own=own, clip=clip)

    # -- challenges ---------------------------------------------------------------------

    def challenges(self, st: _State) -> tuple[np.ndarray, np.ndarray]:
        """Each actor's target (-1: none) and its estimate of its probability of winning,
        (A, n) each (Engine.challenges)."""
        na, n = self.c.shape
        idx = np.arange(n)
        if self.p.third_party_commit == "SemiCommit" and self.p.voting_rule in SMOOTH_RULES:
            value = np.empty((na, n, n))
            step = max(1, BATCH_BUDGET // n**3)
            for lo in range(0, na, step):
                value[lo : lo + step] = self._approx_values(st, slice(lo, lo + step))
            value[:, idx, idx] = -np.inf
            top = value.max(axis=2, keepdims=True)
            cand = (value >= top - CANDIDATE_TOL) & (top > MIN_GAIN - CANDIDATE_TOL)
        else:  # every pair exactly
            cand = np.ones((na, n, n), dtype=bool)
            cand[:, idx, idx] = False
        b, i, j = np.nonzero(cand)
        exact = np.full((na, n, n), -np.inf)
        phi_all = np.full((na, n, n), np.nan)
        step = max(1, BATCH_BUDGET // n)
        for lo in range(0, len(b), step):
            sl = slice(lo, lo + step)
            ev, ph = self.exact_values(st, b[sl], i[sl], j[sl])
            exact[b[sl], i[sl], j[sl]] = np.where(ev > MIN_GAIN, ev, -np.inf)
            phi_all[b[sl], i[sl], j[sl]] = ph
        target = np.argmax(exact, axis=2)
        ok = np.isfinite(np.take_along_axis(exact, target[:, :, None], axis=2)[:, :, 0])
        phi = np.take_along_axis(phi_all, target[:, :, None], axis=2)[:, :, 0]
        return np.where(ok, target, -1), np.where(ok, phi, np.nan)

    def _approx_values(self, st: _State, sl: slice) -> np.ndarray:
        """Challenge values of every pair of the draws ``sl`` to rounding error
        (Engine._approx_block), third parties on axis 1: (draw, n, i, j)."""
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

    def contest(self, st: _State, b: np.ndarray, h: np.ndarray, i: np.ndarray, j: np.ndarray):
        """h's estimate of the contest i against j in draw b, for arrays of (b, h, i, j),
        exactly as the single run (Engine.contest) and KTAB compute it; third parties on
        the first axis."""
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

    def exact_values(self, st: _State, b: np.ndarray, i: np.ndarray, j: np.ndarray):
        """i's exact value of challenging j and its probability of winning, in draws b."""
        c_ij, c_ji, uii, uij = self.contest(st, b, i, i, j)
        return challenge_value(uii, uij, c_ij, c_ji, self.S[b, j]), c_ij / (c_ij + c_ji)

    # -- bargains -----------------------------------------------------------------------

    def bargains(self, st: _State, target: np.ndarray, phi: np.ndarray) -> _Bargains:
        """The bargains of every challenge (Engine.bargains), draw by draw in the order of
        the challengers."""
        b, i = np.nonzero(target >= 0)
        j = target[b, i]
        p_ii = phi[b, i]
        x_i, x_j, s_i, s_j = st.pos[b, i], st.pos[b, j], self.s[b, i], self.s[b, j]
        mode = self.p.interpolation
        bi, bj = interpolate(mode, x_i, x_j, s_i, s_j, p_ii)
        model = self.p.bargain_model
        if model == "InitOnlyInterp":
            return _Bargains(b, i, j, bi, bj)
        c_ij, c_ji, _, _ = self.contest(st, b, j, i, j)  # the target's view of i's chances
        ci, cj = interpolate(mode, x_i, x_j, s_i, s_j, c_ij / (c_ij + c_ji))
        if model == "InitRcvrInterp":  # the challenger's bargain, then the target's
            d = bi.shape[1]
            return _Bargains(
                np.repeat(b, 2),
                np.repeat(i, 2),
                np.repeat(j, 2),
                np.stack([bi, ci], axis=1).reshape(-1, d),
                np.stack([bj, cj], axis=1).reshape(-1, d),
            )
        # PWCompInterp: weights c_i S_i and, as KTAB computes it, c_i S_j
        w_i = (self.c[b, i] * self.S[b, i])[:, None]
        w_j = (self.c[b, i] * self.S[b, j])[:, None]
        return _Bargains(
            b, i, j, (w_i * bi + w_j * ci) / (w_i + w_j), (w_i * bj + w_j * cj) / (w_i + w_j)
        )

    # -- queues -------------------------------------------------------------------------

    def bargain_utilities(self, st: _State, bg: _Bargains) -> tuple[np.ndarray, np.ndarray]:
        """Utility to every actor of its draw of the state after each bargain (m, n), and
        of the status quo (A, n) (Engine.bargain_utilities)."""
        n, m = self.n, len(bg.draw)
        u_brg = np.empty((m, n))
        step = max(1, BATCH_BUDGET // (n * (n + 1)))
        for lo in range(0, m, step):
            sl = slice(lo, lo + step)
            bd, init, rcvr = bg.draw[sl], bg.init[sl], bg.rcvr[sl]
            pts = np.stack([bg.pos_init[sl], bg.pos_rcvr[sl]], axis=1)  # (k, 2, d)
            dist = K.salience_distance(st.ideal[bd], pts, self.s[bd])  # (k, n, 2)
            pu = _utility(dist, st.risk[bd][:, :, None], st.clip_at(bd, 2))
            terms = np.empty((n + 1, len(bd), n))  # [term, bargain, actor]
            terms[0] = pu[:, :, 0] + pu[:, :, 1]  # the two new positions first
            terms[1:] = np.moveaxis(st.own[bd], 2, 0)  # then the others in actor order
            cols = np.arange(len(bd))
            terms[1 + init, cols, :] = 0.0
            terms[1 + rcvr, cols, :] = 0.0
            u_brg[sl] = K.first_axis_sum(terms)
        u_brg /= n
        u_sq = np.cumsum(st.own, axis=2)[:, :, -1] / n
        return u_brg, u_sq

    def resolve(self, st: _State, bg: _Bargains) -> np.ndarray:
        """Each actor's choice in its own queue (Engine.resolve, deterministic): the new
        positions (A, n, d)."""
        n = self.n
        new = st.pos.copy()
        nb = len(bg.draw)
        if nb == 0:
            return new
        u_brg, u_sq = self.bargain_utilities(st, bg)
        # queue q = draw * n + actor: the status quo, then the bargains involving the actor
        # in the order proposed
        q_of = np.concatenate([bg.draw * n + bg.init, bg.draw * n + bg.rcvr])
        beta = np.concatenate([np.arange(nb), np.arange(nb)])
        order = np.lexsort((beta, q_of))
        q_of, beta = q_of[order], beta[order]
        queues, start, sizes = np.unique(q_of, return_index=True, return_counts=True)
        slot = np.arange(len(q_of)) - np.repeat(start, sizes)
        table = np.full((len(queues), int(sizes.max())), -1)
        table[np.repeat(np.arange(len(queues)), sizes), slot] = beta
        q_draw, q_actor = queues // n, queues % n
        # equal lengths together; the conditional election allows padding, so there queues
        # are grouped by length up to the next power of 2 (padding changes no probability)
        padded = self.p.pce_model == "Conditional"
        group = np.ceil(np.log2(sizes)).astype(int) if padded else sizes
        for key in np.unique(group):
            qs = np.flatnonzero(group == key)
            size = int(sizes[qs].max())
            brg = table[qs, :size]
            valid = brg >= 0
            g = len(qs)
            uq = np.empty((g, n, size + 1))
            uq[:, :, 0] = u_sq[q_draw[qs]]
            uq[:, :, 1:] = np.swapaxes(u_brg[np.maximum(brg, 0)], 1, 2)
            ok = np.concatenate([np.ones((g, 1), dtype=bool), valid], axis=1)
            prob = self._election(uq, self.c[q_draw[qs]], valid=None if ok.all() else ok)
            pick = np.argmax(np.abs(prob), axis=1)
            moves = np.flatnonzero(pick > 0)
            if not len(moves):
                continue
            chosen = brg[moves, pick[moves] - 1]
            bd, k = q_draw[qs[moves]], q_actor[qs[moves]]
            first = (bg.init[chosen] == k)[:, None]
            new[bd, k] = np.where(first, bg.pos_init[chosen], bg.pos_rcvr[chosen])
        return new

    # -- the run ------------------------------------------------------------------------

    def run(self, x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run every draw from positions ``x0`` (B, n, d) until its stop rule holds.
        Returns each draw's last positions (B, n, d) and own utilities (B, n, n)."""
        p = self.p
        nb, n, _ = x0.shape
        final_pos = np.empty(x0.shape)
        final_own = np.empty((nb, n, n))
        active = np.arange(nb)
        eng = self
        pos = np.array(x0, dtype=float)
        st = eng.setup(pos, pos.copy())
        first_move = np.zeros(nb)
        t = 0
        while len(active):
            t += 1
            target, phi = eng.challenges(st)
            new = eng.resolve(st, eng.bargains(st, target, phi))
            moved = np.cumsum(K.seq_norm_rows(new - st.pos), axis=1)[:, -1]
            if t == 1:
                first_move = moved + MIN_SIG_DELTA
            st = eng.setup(new, new.copy())
            ratio = moved / first_move
            if t >= p.rounds:
                stop = np.ones(len(active), dtype=bool)
            else:
                stop = (
                    (ratio < p.stop_ratio)
                    if t >= p.min_rounds
                    else np.zeros(len(active), dtype=bool)
                )
            if stop.any():
                final_pos[active[stop]] = st.pos[stop]
                final_own[active[stop]] = st.own[stop]
                keep = np.flatnonzero(~stop)
                active, first_move = active[keep], first_move[keep]
                if len(keep):
                    eng, st = eng.take(keep), st.take(keep)
        return final_pos, final_own

    def most_probable(self, pos: np.ndarray, own: np.ndarray) -> np.ndarray:
        """The actor holding the most probable distinct position of each draw's state (B,)
        (Engine.probabilities: greedy merge within the tolerance in actor order, then an
        election among the distinct positions)."""
        nb, n, _ = pos.shape
        gap = K.seq_norm_rows(pos[:, :, None, :] - pos[:, None, :, :])
        close = gap < self.p.position_tolerance
        distinct = np.zeros((nb, n), dtype=bool)
        distinct[:, 0] = True
        for i in range(1, n):
            distinct[:, i] = ~np.any(close[:, i, :i] & distinct[:, :i], axis=1)
        count = distinct.sum(axis=1)
        holder = np.empty(nb, dtype=int)
        for m in np.unique(count):
            rows = np.flatnonzero(count == m)
            cols = np.nonzero(distinct[rows])[1].reshape(len(rows), m)
            u = np.take_along_axis(own[rows], cols[:, None, :], axis=2)
            prob = self._election(u, self.c[rows])
            holder[rows] = cols[np.arange(len(rows)), np.argmax(prob, axis=1)]
        return holder
