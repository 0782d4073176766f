"""Numeric building blocks of the Spatial Model of Politics, vectorised with numpy.

Every function works on whole arrays (actors x positions, or a leading batch axis) and, where
KTAB's result depends on the order in which floating-point numbers are added or multiplied,
adds or multiplies in KTAB's order, so that the values agree with KTAB's to the last bit:

* a sum over voters or third parties is KTAB's running sum ``acc = start; acc += term_k`` in
  index order. numpy reduces over the *first* axis of a C-contiguous array exactly that way
  (element-wise, one slice after the other), whereas a reduction over the last axis uses
  pairwise summation. So such sums are laid out with the summed index first
  (:func:`running_sum`).
* the same holds for the products of the conditional Condorcet election.
* but not when the other axes hold a single number (shape ``(N, 1, ...)``): numpy then
  sees one contiguous run of N numbers and sums it pairwise, as a 1-D array.
  :func:`first_axis_sum` (used by :func:`running_sum` and the elections) adds one after the
  other in that case too, so a sum's value never depends on how many other sums are computed
  along with it: the batched engine (:mod:`detente.models.smp.batched`), which computes the
  sums of many draws at once, gets the same numbers as a single run.

This matters only for exact ties (for instance two actors with identical data, whose
challenges differ by the rounding of a sum): bit-for-bit agreement makes the tie break as it
does in KTAB.

Notation: positions and saliences are on 0..1; ``u[a, m]`` is the utility to actor ``a`` of
option ``m``; ``w`` are voting weights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from detente.errors import DetenteError

MIN_COALITION = 1e-8
"""Starting strength of every coalition in an election (KTAB ``Model::coalitions``)."""

MIN_CONTEST = 1e-10
"""Starting strength of both sides of a challenge (KTAB ``probEduChlg``)."""

BINARY_VOTE_STEP = 1e-8
"""Utility difference at which a binary vote saturates."""

MARKOV_MAX_ITER = 2_000_000
"""Iterations allowed to the Markov elections (KTAB sets no limit; slow cases take 1e5)."""

VoteFn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Vote:
    """A voting rule: ``vote(w, u_i, u_j)`` is weight ``w``'s vote for option i over j.

    ``antisymmetric``: ``vote(w, b, a) == -vote(w, a, b)`` exactly (every rule but
    ``ASymProsp``); ``proportional``: the rule is ``w (u_i - u_j)`` (``Prop``).
    """

    rule: str
    fn: VoteFn
    antisymmetric: bool
    proportional: bool

    def __call__(self, w, ui, uj):
        return self.fn(w, ui, uj)


class PCEConvergenceError(DetenteError):
    """A Markov Condorcet election that does not settle."""


# -- sums in KTAB's order ---------------------------------------------------------------


def first_axis_sum(a: np.ndarray) -> np.ndarray:
    """``a[0] + a[1] + ...`` added one after the other, element-wise, for a C-contiguous
    ``a`` of any shape (numpy's reduction would sum pairwise when ``a[0]`` has one number)."""
    if a.ndim == 0 or a[0].size != 1:
        return np.add.reduce(a, axis=0)
    return np.add.accumulate(a, axis=0)[-1]


def running_sum(start: np.ndarray | float, terms: np.ndarray) -> np.ndarray:
    """``start + terms[0] + terms[1] + ...`` added one after the other, element-wise.

    ``terms`` has the summed index first; ``start`` broadcasts against ``terms[0]``.
    """
    buf = np.empty((terms.shape[0] + 1,) + terms.shape[1:])
    buf[0] = start
    buf[1:] = terms
    return first_axis_sum(buf)


def sequential_total(values: np.ndarray) -> float:
    """The sum of a 1-D array added from the first element to the last."""
    values = np.asarray(values, dtype=float)
    return float(np.cumsum(values)[-1]) if values.size else 0.0


def seq_norm_rows(diff: np.ndarray) -> np.ndarray:
    """Euclidean norm over the last axis as ``sqrt(((0 + x0^2) + x1^2) + ...)``."""
    acc = np.zeros(diff.shape[:-1])
    for k in range(diff.shape[-1]):
        xk = diff[..., k]
        acc = acc + xk * xk
    return np.sqrt(acc)


# -- distance and utility ---------------------------------------------------------------


def salience_distance(ideal: np.ndarray, pos: np.ndarray, sal: np.ndarray) -> np.ndarray:
    """``d[a, m]``: actor ``a``'s salience-weighted distance from its ideal to position ``m``.

    ``sqrt(sum_k (s_ak (ideal_ak - pos_mk))^2 / sum_k s_ak^2)``, in 0..1 for positions on
    0..1. ``ideal`` and ``sal`` are (..., n, d), ``pos`` is (..., m, d) (leading batch
    dimensions broadcast); the result is (..., n, m).
    """
    d = ideal.shape[-1]
    num = np.zeros(
        np.broadcast_shapes(ideal.shape[:-1] + (1,), pos.shape[:-2] + (1,) + pos.shape[-2:-1])
    )
    den = np.zeros(sal.shape[:-1])
    for k in range(d):
        ds = (ideal[..., :, k, None] - pos[..., None, :, k]) * sal[..., :, k, None]
        num = num + ds * ds
        den = den + sal[..., :, k] * sal[..., :, k]
    return np.sqrt(num / den[..., :, None])


def utility(dist: np.ndarray, risk: np.ndarray | float, *, clip: bool = True) -> np.ndarray:
    """KTAB's utility of a (salience-weighted) distance for risk attitude ``risk``.

    ``(1 - d)(1 + d R)`` for ``d <= 1``; ``(1 - d)(1 + R)`` beyond (which only happens for
    positions outside the scale). ``clip=False`` skips the test when the caller knows
    every distance is at most 1.
    """
    out = dist * risk
    out += 1.0
    out *= 1.0 - dist
    if clip and np.any(dist > 1.0):
        far = (1.0 - dist) * (1.0 + np.broadcast_to(risk, np.shape(out)))
        out = np.where(dist <= 1.0, out, far)
    return out


def estimate_risk(r_h: np.ndarray, r_i: np.ndarray, adjust: str) -> np.ndarray:
    """``h``'s estimate of ``i``'s risk attitude (BigRAdjust), broadcasting ``r_h``, ``r_i``."""
    if adjust == "Full":
        return np.broadcast_to(r_i, np.broadcast_shapes(np.shape(r_h), np.shape(r_i))).copy()
    if adjust == "TwoThirds":
        return (r_h + 2.0 * r_i) / 3.0
    if adjust == "Half":
        return (r_h + r_i) / 2
    if adjust == "OneThird":
        return (2.0 * r_h + r_i) / 3.0
    if adjust == "None":
        return np.broadcast_to(r_h, np.broadcast_shapes(np.shape(r_h), np.shape(r_i))).copy()
    raise ValueError(f"unknown BigRAdjust {adjust!r}")


def risk_from_probability(p: np.ndarray, big_r_range: str) -> np.ndarray:
    """Risk attitudes from the probabilities of the actors' positions (BigRRange).

    The most likely position gets R = 1 (risk averse), the least likely -1/2 ('Mid'),
    0 ('Min') or -1 ('Max'). When every position is equally likely (KTAB divides 0 by 0
    there) every actor is taken as risk neutral. ``p`` (..., n): one election per row of the
    last axis.
    """
    if p.ndim > 1:
        return _risk_from_probability_rows(p, big_r_range)
    p_min = min(1.0, float(p.min()))
    p_max = max(0.0, float(p.max()))
    span = p_max - p_min
    if span <= 0.0:
        return np.zeros_like(p)
    if big_r_range == "Min":
        return (p - p_min) / span
    if big_r_range == "Mid":
        return (3 * p - (p_max + 2 * p_min)) / (2 * span)
    if big_r_range == "Max":
        return (2 * p - (p_max + p_min)) / span
    raise ValueError(f"unknown BigRRange {big_r_range!r}")


def _risk_from_probability_rows(p: np.ndarray, big_r_range: str) -> np.ndarray:
    """:func:`risk_from_probability` on every row of the last axis (same arithmetic)."""
    p_min = np.minimum(1.0, p.min(axis=-1, keepdims=True))
    p_max = np.maximum(0.0, p.max(axis=-1, keepdims=True))
    span = p_max - p_min
    flat = span <= 0.0
    span = np.where(flat, 1.0, span)  # rows without spread: risk neutral (0) below
    if big_r_range == "Min":
        r = (p - p_min) / span
    elif big_r_range == "Mid":
        r = (3 * p - (p_max + 2 * p_min)) / (2 * span)
    elif big_r_range == "Max":
        r = (2 * p - (p_max + p_min)) / span
    else:
        raise ValueError(f"unknown BigRRange {big_r_range!r}")
    return np.where(flat, 0.0, r)


# -- votes ------------------------------------------------------------------------------


def make_vote(rule: str) -> Vote:
    """The voting rule ``vote(w, u_i, u_j)``: weight ``w``'s vote for option i over j."""

    def binary(du: np.ndarray) -> np.ndarray:
        return np.clip(du / BINARY_VOTE_STEP, -1.0, 1.0)

    if rule == "Prop":

        def vote(w, ui, uj):
            return w * (ui - uj)
    elif rule == "Binary":

        def vote(w, ui, uj):
            return w * binary(ui - uj)
    elif rule == "PropBin":

        def vote(w, ui, uj):
            du = ui - uj
            return w * ((1 - 0.2) * du + 0.2 * binary(du))
    elif rule == "PropCbc":

        def vote(w, ui, uj):
            du = ui - uj
            return w * ((1 - 0.5) * du + 0.5 * (du * du * du))
    elif rule == "Cubic":

        def vote(w, ui, uj):
            du = ui - uj
            return w * (du * du * du)
    elif rule == "ASymProsp":

        def vote(w, ui, uj):
            du = ui - uj
            w = np.broadcast_to(w, np.shape(du))
            return np.where(du < 0.0, w * du, np.where(du > 0.0, (2.0 * w * du) / 3.0, 0.0))
    else:
        raise ValueError(f"unknown voting rule {rule!r}")
    return Vote(rule, vote, antisymmetric=rule != "ASymProsp", proportional=rule == "Prop")


# -- elections --------------------------------------------------------------------------


def coalitions(u: np.ndarray, w: np.ndarray, vote: Vote, *, budget: int = 1 << 16) -> np.ndarray:
    """Coalition strengths ``C[..., i, j] = 1e-8 + sum_a max(0, vote_a(i : j))``.

    ``u`` is (..., n_voters, m): each voter's utility of each option; ``w`` (n_voters,) the
    weights, or (..., n_voters) for weights that differ along the leading (batch)
    dimensions. The sum runs over the voters in order. As KTAB, each pair is voted on once,
    larger index first (i > j): positive votes go to C[i, j], negative ones (negated) to
    C[j, i]; this differs from voting on (j : i) only for the asymmetric voting rule. Work
    is split in slices of options so that no temporary holds much more than ``budget``
    numbers (small slices stay in the processor's cache).
    """
    *batch, nv, m = u.shape
    ub = np.moveaxis(u, -2, 0)  # (nv, ..., m)
    w = np.asarray(w, dtype=float)
    if w.ndim <= 1:
        wb = w.reshape((nv,) + (1,) * (len(batch) + 1))
    else:  # (..., nv) -> (nv, ..., 1)
        wb = np.moveaxis(w, -1, 0)[..., None]
    out = np.empty(tuple(batch) + (m, m))
    per_row = max(1, int(np.prod(batch, dtype=int)) * m * (nv + 1))
    step = max(1, budget // per_row)
    antisymmetric, proportional = vote.antisymmetric, vote.proportional
    if not antisymmetric:
        against = np.empty_like(out)
    for lo in range(0, m, step):
        hi = min(m, lo + step)
        buf = np.empty((nv + 1,) + tuple(batch) + (hi - lo, m))
        buf[0] = MIN_COALITION
        votes = buf[1:]
        if proportional:
            np.subtract(ub[..., lo:hi, None], ub[..., None, :], out=votes)
            votes *= wb[..., None]
        else:
            votes[...] = vote(wb[..., None], ub[..., lo:hi, None], ub[..., None, :])
        if not antisymmetric:
            neg = np.empty_like(buf)
            neg[0] = MIN_COALITION
            np.negative(votes, out=neg[1:])
            np.maximum(neg[1:], 0.0, out=neg[1:])
            against[..., lo:hi, :] = np.add.reduce(neg, axis=0)
        np.maximum(votes, 0.0, out=votes)
        out[..., lo:hi, :] = np.add.reduce(buf, axis=0)
    if not antisymmetric:
        idx = np.arange(m)
        out = np.where(idx[:, None] > idx[None, :], out, np.swapaxes(against, -1, -2))
    return out


def victory_probability(c: np.ndarray, model: str) -> np.ndarray:
    """``V[..., i, j]``: probability that option i beats j, from coalition strengths ``c``.

    As KTAB, each pair is evaluated once with the larger index first (``s1 = c[i, j]``,
    ``s2 = c[j, i]`` for i > j) and both entries are set from that; V[i, i] = 1/2.
    """
    s1 = c
    s2 = np.swapaxes(c, -1, -2)
    if model == "Linear":
        x1, x2 = s1, s2
    elif model == "Square":
        x1, x2 = s1 * s1, s2 * s2
    elif model == "Quartic":
        x1, x2 = _quartic(s1), _quartic(s2)
    elif model == "Octic":
        q1, q2 = _quartic(s1), _quartic(s2)
        x1, x2 = q1 * q1, q2 * q2
    elif model == "Binary":
        thresh = 1.10
        min_x = 1e-6
        r12 = s1 / (s1 + s2)
        p12 = (r12 * (thresh + 1.0) - 1.0) / (thresh - 1.0)
        first = s1 >= thresh * s2
        second = ~first & (s2 >= thresh * s1)
        x1 = np.where(first, 1.0, np.where(second, min_x, p12))
        x2 = np.where(first, min_x, np.where(second, 1.0, 1 - p12))
    else:
        raise ValueError(f"unknown victory probability model {model!r}")
    tot = x1 + x2
    lower = x1 / tot  # valid where i > j
    upper = x2 / tot  # KTAB's value for the mirrored entry (j, i), stored at [i, j]
    m = c.shape[-1]
    idx = np.arange(m)
    below = idx[:, None] > idx[None, :]
    v = np.where(below, lower, np.swapaxes(upper, -1, -2))
    v[..., idx, idx] = 0.5
    return v


def _quartic(x: np.ndarray) -> np.ndarray:
    return x * x * x * x  # KTAB's qrtc: ((x x) x) x


def pce(c: np.ndarray, v: np.ndarray, model: str) -> np.ndarray:
    """Probabilistic Condorcet election: the probability of each option (last axis).

    ``c`` are the coalition strengths and ``v`` the victory probabilities, (..., m, m).
    """
    if model == "Conditional":
        return _pce_conditional(v)
    if model == "MarkovUniform":
        return _pce_markov_uniform(v)
    if model == "MarkovIncentive":
        return _pce_markov_incentive(c, v)
    raise ValueError(f"unknown PCE model {model!r}")


def _rows_first(a: np.ndarray) -> np.ndarray:
    """``a[..., i, j]`` as a contiguous array indexed ``[j, ..., i]``."""
    return np.ascontiguousarray(np.moveaxis(a, -1, 0))


def _pce_conditional(v: np.ndarray) -> np.ndarray:
    # p_i proportional to prod_j V(i, j), the product taken in the order of j.
    p = np.multiply.reduce(_rows_first(v), axis=0)  # (..., m)
    total = first_axis_sum(_rows_first(p[..., None, :]))[..., 0]
    return p / total[..., None]


def _markov_loop(
    v: np.ndarray, update: Callable[[np.ndarray], np.ndarray], tol: float
) -> np.ndarray:
    m = v.shape[-1]
    p = np.full(v.shape[:-1], 1.0 / m)
    active = np.ones(v.shape[:-2], dtype=bool)
    for _ in range(MARKOV_MAX_ITER):
        q = update(p)
        change = np.max(np.abs(q - p), axis=-1)
        newp = (p + q) / 2.0
        p = np.where(active[..., None], newp, p)
        active = active & (change > tol)
        if not active.any():
            return p
    raise PCEConvergenceError(  # pragma: no cover - KTAB would loop for ever here
        f"the Markov Condorcet election did not converge in {MARKOV_MAX_ITER} iterations; "
        "try pce_model=Conditional"
    )


def _pce_markov_uniform(v: np.ndarray) -> np.ndarray:
    m = v.shape[-1]
    vt = _rows_first(v)  # vt[j, ..., i] = V(i, j)

    def update(p: np.ndarray) -> np.ndarray:
        # q_i = (sum_j V(i, j) (p_i + p_j)) / m, the sum over j in order
        p_i = p[None]  # indexed [., ..., i]
        p_j = np.moveaxis(p, -1, 0)[..., None]  # indexed [j, ..., .]
        return np.add.reduce(vt * (p_i + p_j), axis=0) / m

    return _markov_loop(v, update, 1e-6)


def _pce_markov_incentive(c: np.ndarray, v: np.ndarray) -> np.ndarray:
    m = v.shape[-1]
    idx = np.arange(m)
    inc = c * v
    inc[..., idx, idx] += 1e-10
    # P[i -> j] = inc(i, j) / sum_k inc(k, j), the sum over k in order
    col = np.add.reduce(np.ascontiguousarray(np.moveaxis(inc, -2, 0)), axis=0)  # (..., j)
    chlg = inc / col[..., None, :]
    chlg_t = np.swapaxes(chlg, -1, -2)  # chlg_t[i, j] = P[j -> i]
    vt = _rows_first(v)

    def update(p: np.ndarray) -> np.ndarray:
        ct = p[..., :, None] * chlg_t  # ct(i, j) = p_i P[j -> i]
        both = ct + np.swapaxes(ct, -1, -2)
        return np.add.reduce(vt * _rows_first(both), axis=0)

    return _markov_loop(v, update, 1e-8)


def election(
    u: np.ndarray,
    w: np.ndarray,
    vote: Vote,
    victory: str,
    model: str,
    valid: np.ndarray | None = None,
) -> np.ndarray:
    """Probability of each option (last axis of ``u``) in a probabilistic Condorcet election
    where voters with weights ``w`` ((n_voters,) or (..., n_voters), see :func:`coalitions`)
    and utilities ``u`` (..., n_voters, m) vote pairwise.

    ``valid`` (..., m), for the conditional election only, marks padding options (False):
    they get probability 0 and leave the others' exactly as without them (a padding
    option's victory probabilities are set to 1 against it and 0 for it).
    """
    c = coalitions(u, w, vote)
    v = victory_probability(c, victory)
    if valid is not None:
        if model != "Conditional":
            raise ValueError("padding options only work with the conditional election")
        v = np.where(valid[..., None, :], v, 1.0)
        v = np.where(valid[..., :, None], v, 0.0)
    return pce(c, v, model)
