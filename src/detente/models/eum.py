"""Bueno de Mesquita's expected-utility model (EUM), as formalised by Scholz, Calbert & Smith.

The dynamic group-decision model of Bueno de Mesquita (1994, 1997), in the explicit form given by
Scholz, Calbert & Smith (2011). Each issue is played on its own: in every round

1. each actor's risk exponent r_i in [0.5, 2] is derived from how exposed its position is: the
   sum over the other actors of their expected utility of challenging it, computed with every
   exponent set to 1, and placed between the least and the most exposed actor;
2. every actor works out, for every other actor j, its own expected utility of challenging j
   (X_ij) and j's expected utility of challenging it (Y_ij), both through its own risk exponent;
3. the pair is read from the receiver's side as a conflict it expects to lose (Y > X > 0),
   a compromise (Y > 0 > X, Y > |X|), a capitulation (Y > 0 > X, Y < |X|; off by default, as
   in the replication that reproduces the published table) or a stalemate (X < 0 and Y < 0);
   each of the first three is an offer from j to i;
4. each actor accepts one of the offers it received and moves to the offered position; all
   moves happen at once.

The forecast is the capability x salience weighted median of the final round's positions (with
linear utilities the Condorcet winner of the pairwise votes). ``docs/eum.md`` lists every reading
this implementation takes where the published description is ambiguous, the alternatives (most
of them available as parameters), and their effect on the emission-standards example.

All pairwise quantities are numpy arrays over actor pairs: a round costs O(n^2 log n) time and
O(n^2) memory (the probability of success, a sum over third parties for every pair, is computed
from cumulative sums over the actors sorted by position rather than as an n^3 array).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from detente.models.base import ModelParams, ModelResult, register
from detente.models.baseline import weighted_mean, weighted_median
from detente.scenario.arrays import DrawBatch, ScenarioArrays

OFFER_TYPES = ("conflict", "compromise", "capitulation")
"""Offer types, in the order of preference of the ``priority`` and ``scholz_code`` choices."""

AUTO_OFFER_LOG = 100
"""Under ``record="auto"``, issues with at most this many actors log every offer."""


class EUMParams(ModelParams):
    """Parameters of the expected-utility model.

    The defaults are the reading that reproduces Scholz et al.'s published replication
    (Table 2); the preset ``scholz2011`` pins them with 8 rounds and no stop rule.

    rounds: the maximum number of rounds.
    q: Q, the probability, as every actor sees it, that the status quo holds when it does not
        challenge (0..1). Scholz et al.'s Table 2 uses Q = 1.
    t: the T rule, used when q < 1: the probability that, absent a challenge, things change for
        the better for the challenger. ``median`` (default): T = 1 when the challenger is
        closer to the current median than to its target (the target's drift towards the
        median would help it), else T = 0 (Eftekhari & Rahimi 2014); or a number in 0..1
        used for every pair.
    stop: ``none`` plays all ``rounds``; ``converged`` (default) stops an issue after a round
        in which no actor moved by more than ``tol`` x the position span; ``median`` stops it
        after a round in which the weighted median moved by no more than that.
    tol: tolerance of the stop rule, as a fraction of the position span.
    scale: what distances are divided by: ``positions`` (default, as Scholz et al.): the
        range of the actors' initial positions on the issue; ``issue``: the issue's scale span.
    probability: denominator of the probability of success P_ij. ``all_pairs`` (default, the
        replication's code): the sum of the absolute votes of every actor over every ordered
        pair of positions; ``pair``: the absolute votes on this pair only, so P_ij + P_ji = 1
        (Bueno de Mesquita 1994).
    vote_risk: ``own`` (default): each voter's utilities in the vote on a pair are raised to its
        own risk exponent; ``neutral``: votes are linear in distance.
    risk: ``relative`` (default, Scholz et al.): r_i from the actor's exposure relative to the
        least and most exposed actors; ``neutral``: r_i = 1 throughout.
    perspective: whose risk exponent enters Y_ij, j's expected utility of challenging i as the
        receiver i sees it: ``receiver`` (default, the replication's code) or ``proposer``.
    compromise: position a compromise offer moves the receiver to: ``ratio`` (default):
        x_i + (x_j - x_i) |X / Y|; ``weighted``: (|X| x_i + |Y| x_j) / (|X| + |Y|).
    capitulation: whether capitulations (Y > 0 > X and Y < |X|) are offers. The replication's
        code never produces them (its test compares Y with |Y|); default False.
    choice: which received offer an actor accepts. ``scholz_code`` (default): conflicts before
        compromises before capitulations; among conflicts and capitulations the nearest
        proposer; among compromises the one whose point (|X| x_i + |Y| x_j) / (|X| + |Y|)
        is lowest on the scale. ``priority``: the same order of types, the smallest move
        within each. ``least_move``: the smallest move, whatever the type (the text of
        Scholz et al. and Bueno de Mesquita). Exact ties go to the lowest new position.
    record: events kept in the result: ``offers``: every offer and every move; ``moves``:
        moves only; ``none``; ``auto`` (default): ``offers`` on issues with at most
        100 actors, ``moves`` on larger ones (whose offer log would run to millions of rows).
    """

    rounds: int = Field(10, ge=0, le=100_000)
    q: float = Field(1.0, ge=0.0, le=1.0)
    t: float | Literal["median"] = "median"
    stop: Literal["none", "converged", "median"] = "converged"
    tol: float = Field(1e-9, ge=0.0)
    scale: Literal["positions", "issue"] = "positions"
    probability: Literal["all_pairs", "pair"] = "all_pairs"
    vote_risk: Literal["own", "neutral"] = "own"
    risk: Literal["relative", "neutral"] = "relative"
    perspective: Literal["receiver", "proposer"] = "receiver"
    compromise: Literal["ratio", "weighted"] = "ratio"
    capitulation: bool = False
    choice: Literal["scholz_code", "priority", "least_move"] = "scholz_code"
    record: Literal["auto", "offers", "moves", "none"] = "auto"

    @field_validator("t", mode="before")
    @classmethod
    def _check_t(cls, v: Any) -> float | str:
        if isinstance(v, str) and v.strip().lower() == "median":
            return "median"
        try:
            value = float(v)
        except (TypeError, ValueError):
            raise ValueError("T must be 'median' or a probability in 0..1") from None
        if not 0.0 <= value <= 1.0:
            raise ValueError("T must be 'median' or a probability in 0..1")
        return value


SCHOLZ2011: dict[str, Any] = {
    "rounds": 8,
    "q": 1.0,
    "t": "median",
    "stop": "none",
    "scale": "positions",
    "probability": "all_pairs",
    "vote_risk": "own",
    "risk": "relative",
    "perspective": "receiver",
    "compromise": "ratio",
    "capitulation": False,
    "choice": "scholz_code",
}
"""The reading that reproduces Scholz, Calbert & Smith (2011), Table 2 (see docs/eum.md)."""


# -- the pairwise quantities ---------------------------------------------------------------------


class PairGeometry:
    """The pairwise structure of ``G`` independent games' positions (one game per row), with
    each game's actors sorted by position.

    Everything pairwise in a round is computed in this sorted order (the model does not depend
    on the order of the actors), which makes the voters who prefer one position of a pair to
    the other a contiguous block: those on its side of the pair's midpoint. The games are
    independent (one issue of one scenario, or of one Monte Carlo draw); a single run is a
    batch of one, and every quantity of a game is computed by the same operations whatever
    the size of the batch.

    Attributes
    ----------
    order: ``(G, m)`` the actors' indices sorted by position (``xs = x[order]`` per row).
    dist: ``(G, m, m)`` |xs_a - xs_b| / span.
    n_left: ``(G, m, m)`` number of actors strictly left of the midpoint of a and b (symmetric).
    upper: ``(m, m)`` True where a < b in the sorted order.
    """

    def __init__(self, x: np.ndarray, span: np.ndarray) -> None:
        x = np.atleast_2d(np.asarray(x, dtype=float))
        self.order = np.argsort(x, axis=1, kind="stable")
        self.xs = np.take_along_axis(x, self.order, axis=1)
        self.g, self.m = self.xs.shape
        dist = self.xs[:, :, None] - self.xs[:, None, :]
        np.abs(dist, out=dist)
        dist *= (1.0 / np.asarray(span, dtype=float).reshape(-1))[:, None, None]
        self.dist = dist
        mid = self.xs[:, :, None] + self.xs[:, None, :]
        mid *= 0.5
        self.n_left = _count_below(self.xs, mid)
        self.upper = _upper(self.m)
        self._coef: np.ndarray | None = None

    def take(self, games: np.ndarray) -> PairGeometry:
        """The geometry of the games ``games`` (indices into this batch) only."""
        sub = object.__new__(PairGeometry)
        sub.order, sub.xs = self.order[games], self.xs[games]
        sub.g, sub.m = sub.xs.shape
        sub.dist, sub.n_left, sub.upper = self.dist[games], self.n_left[games], self.upper
        sub._coef = None if self._coef is None else self._coef[games]
        return sub

    def spread_coef(self) -> np.ndarray:
        """``(G, m, m)`` 2 rank - (m - 1), with rank the position of column b among row a's
        distances in increasing order (ties in any order). For any increasing function u of
        the distance, sum over ordered pairs (b, c) of |u(d_ab) - u(d_ac)| is
        2 sum_b coef[a, b] u(d_ab)."""
        if self._coef is None:
            m = self.m
            ranks = np.broadcast_to(2.0 * np.arange(m) - (m - 1), self.dist.shape)
            coef = np.empty(self.dist.shape)
            np.put_along_axis(coef, np.argsort(self.dist, axis=2), ranks, axis=2)
            self._coef = coef
        return self._coef

    def probability(
        self, w: np.ndarray, r: np.ndarray | None, denominator: str = "all_pairs"
    ) -> np.ndarray:
        """``(G, m, m)`` probability that a's position prevails over b's, P[g, a, b] (sorted
        order).

        ``w``: voting weights (capability x salience), ``r``: the voters' risk exponents
        (None: 1), both ``(G, m)`` in sorted order. See :func:`win_probability`.
        """
        m = self.m
        disutil = self.dist if r is None else self.dist ** r[:, :, None]  # voter row
        cum = np.zeros((self.g, m + 1, m))
        np.cumsum(w[:, :, None] * disutil, axis=1, out=cum[:, 1:])
        total = cum[:, m]
        # h[a, b] = sum over the voters left of the midpoint of w_k u_k(b); as n_left is
        # symmetric, h.T[a, b] is the same sum of w_k u_k(a)
        h = np.take_along_axis(cum, self.n_left, axis=1)
        left = h - h.transpose(0, 2, 1)  # votes of the voters left of the midpoint for a
        # a left of b: a's supporters are left of the midpoint; a right of b: right of it
        votes = np.where(self.upper, left, (total[:, None, :] - total[:, :, None]) - left)
        np.maximum(votes, 0.0, out=votes)
        if denominator == "pair":
            den = votes + votes.transpose(0, 2, 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(den > 0, votes / np.where(den > 0, den, 1.0), 0.0)
        # for each voter, the sum over ordered pairs (a, b) of |u(a) - u(b)|, from the ranks of
        # its utilities: with u_(0) <= ... <= u_(m-1), 2 sum_t (2t - m + 1) u_(t)
        spread = 2.0 * (disutil * self.spread_coef()).sum(axis=2)
        den_all = (w * spread).sum(axis=1)
        ok = den_all > 0
        votes /= np.where(ok, den_all, 1.0)[:, None, None]
        if not ok.all():
            votes[~ok] = 0.0
        return votes


def _count_below(xs: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``(G, ...)`` number of entries of each sorted row ``xs[g]`` strictly below ``q[g, ...]``.

    One search over all rows at once: (row, value) pairs as complex numbers, which numpy orders
    lexicographically, so no arithmetic touches the values (a comparison with an actor exactly
    at a midpoint stays exact).
    """
    g, m = xs.shape
    if g == 1:
        return np.searchsorted(xs[0], q[0], side="left")[None]
    row = np.arange(g, dtype=float).reshape((g,) + (1,) * (q.ndim - 1))
    keys = (row.reshape(g, 1) + 1j * xs).ravel()
    found = np.searchsorted(keys, (row + 1j * q).ravel(), side="left").reshape(q.shape)
    return found - m * np.arange(g).reshape(row.shape)


@lru_cache(maxsize=4)
def _upper(m: int) -> np.ndarray:
    upper = np.triu(np.ones((m, m), dtype=bool), k=1)
    upper.flags.writeable = False
    return upper


def win_probability(
    x: np.ndarray, w: np.ndarray, r: np.ndarray, span: float, denominator: str = "all_pairs"
) -> np.ndarray:
    """``(m, m)`` probability that actor a's position prevails over actor b's, P[a, b].

    Every actor k votes on the pair with weight ``w[k]`` (capability x salience) times its
    utility difference ``(|x_k - x_b| / span)^r_k - (|x_k - x_a| / span)^r_k``; the numerator
    is the sum of the votes for a (the positive ones). The denominator is the sum of the
    absolute votes of every actor over every ordered pair of positions (``all_pairs``) or over
    this pair only (``pair``). P is 0 between equal positions.

    The actors who prefer a to b are those on a's side of the midpoint of the pair, so every
    numerator is a difference of cumulative sums over the actors sorted by position: O(m^2)
    work instead of O(m^3).

    >>> x = np.array([0.0, 1.0, 2.0])
    >>> p = win_probability(x, np.ones(3), np.ones(3), 2.0, "pair")
    >>> float(p[0, 2]), float(p[2, 0]), float(p[1, 1])
    (0.5, 0.5, 0.0)
    """
    g = PairGeometry(np.asarray(x, dtype=float)[None], np.array([span], dtype=float))
    o = g.order[0]
    p = g.probability(
        np.asarray(w, dtype=float)[o][None], np.asarray(r, dtype=float)[o][None], denominator
    )[0]
    inv = np.empty_like(o)
    inv[o] = np.arange(o.size)
    return p[np.ix_(inv, inv)]


def _utilities(d: np.ndarray, r: np.ndarray | float) -> tuple[Any, Any, Any]:
    """U_s, U_s - U_f and U_sq for distance ``d`` and risk exponent ``r`` (linear when r = 1)."""
    if np.isscalar(r) and r == 1.0:
        return 2.0 * d, 4.0 * d, 0.0
    r = np.asarray(r, dtype=float)
    low = (0.5 - 0.5 * d) ** r
    high = (0.5 + 0.5 * d) ** r
    high -= low
    high *= 4.0
    low *= -4.0
    low += 2.0
    return low, high, 2.0 - 4.0 * 0.5**r


def _expected(u_s, u_diff, u_sq, d, d_median, s_target, p, r, q: float, t) -> np.ndarray:
    """E = U_s - s (1 - P) (U_s - U_f) - Q U_sq - (1 - Q) (T U_b + (1 - T) U_w), computed in
    place in an array of ``p``'s shape (the full shape of the result)."""
    e = np.subtract(1.0, p, out=np.empty(np.shape(p)))
    e *= s_target
    e *= u_diff
    np.subtract(u_s, e, out=e)
    if q > 0.0 and not (np.isscalar(u_sq) and u_sq == 0.0):
        e -= q * u_sq
    if q < 1.0:
        half = 0.25 * (d_median + d)
        u_b = 2.0 - 4.0 * np.clip(0.5 - half, 0.0, None) ** r
        u_w = 2.0 - 4.0 * (0.5 + half) ** r
        tt = (d_median < d).astype(float) if t == "median" else float(t)
        e -= (1.0 - q) * (tt * u_b + (1.0 - tt) * u_w)
    return e


def challenge_utility(
    d: np.ndarray,
    d_median: np.ndarray,
    s_target: np.ndarray,
    p: np.ndarray,
    r: np.ndarray | float,
    q: float,
    t: float | str,
) -> np.ndarray:
    """Expected utility of a challenge (Scholz et al. eq. 25), elementwise.

    ``d``: distance between challenger and target, ``d_median``: between challenger and the
    median (both divided by the span), ``s_target``: the target's salience (the probability
    that it resists), ``p``: the challenger's probability of success, ``r``: the risk exponent
    of the actor doing the evaluating::

        E = s (P U_s + (1 - P) U_f) + (1 - s) U_s - Q U_sq - (1 - Q) (T U_b + (1 - T) U_w)

    with U_s = 2 - 4 (1/2 - d/2)^r, U_f = 2 - 4 (1/2 + d/2)^r, U_sq = 2 - 4 (1/2)^r,
    U_b = 2 - 4 (1/2 - (d_median + d)/4)^r, U_w = 2 - 4 (1/2 + (d_median + d)/4)^r.

    >>> float(challenge_utility(np.array(1.0), np.array(0.0), np.array(0.0), np.array(0.0),
    ...                         1.0, 1.0, "median"))
    2.0
    """
    d = np.asarray(d, dtype=float)
    shape = np.broadcast_shapes(
        d.shape, np.shape(d_median), np.shape(s_target), np.shape(p), np.shape(r)
    )
    u_s, u_diff, u_sq = _utilities(d, r)
    p_full = np.array(np.broadcast_to(p, shape), dtype=float)
    return _expected(u_s, u_diff, u_sq, d, d_median, s_target, p_full, r, q, t)


def risk_exponents(exposure: np.ndarray) -> np.ndarray:
    """Risk exponents r_i in [0.5, 2] from exposures (Scholz et al. eqs. 32-33), per row of the
    last axis.

    R_i = (2 D_i - max D - min D) / (max D - min D) lies in [-1, 1] and
    r_i = (1 - R_i / 3) / (1 + R_i / 3): the most exposed actor gets 0.5, the least exposed 2.
    Where all exposures are equal, every r_i is 1.

    >>> np.round(risk_exponents(np.array([0.0, 1.0, 2.0])), 12).tolist()
    [2.0, 1.0, 0.5]
    """
    hi = exposure.max(axis=-1, keepdims=True)
    lo = exposure.min(axis=-1, keepdims=True)
    flat = ~(hi - lo > 1e-12 * np.maximum(np.maximum(np.abs(hi), np.abs(lo)), 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        big_r = (2.0 * exposure - hi - lo) / (hi - lo)
    return np.where(flat, 1.0, (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0))


# -- one issue -------------------------------------------------------------------------------------


@dataclass
class _Round:
    """Offers of one round in a batch of games, each game in its round's sorted order
    (game g, receiver i = row, proposer j = column)."""

    order: np.ndarray  # (G, m) sorted index -> actor index within the issue
    xs: np.ndarray  # (G, m) positions, sorted
    kind: np.ndarray  # (G, m, m) int8: -1 none, 0 conflict, 1 compromise, 2 capitulation
    x_eu: np.ndarray  # X[g, i, j]: i's expected utility of challenging j
    y_eu: np.ndarray  # Y[g, i, j]: j's expected utility of challenging i, as i sees it
    chosen: np.ndarray  # (G, m) proposer whose offer i accepts, -1 for none
    stalemates: np.ndarray  # (G,)
    rule: str  # how a compromise is computed

    def offered(self, g: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Positions offered to receivers ``i`` by proposers ``j`` in games ``g`` (sorted
        indices)."""
        return _offered(
            self.xs[g, i],
            self.xs[g, j],
            self.kind[g, i, j],
            self.x_eu[g, i, j],
            self.y_eu[g, i, j],
            self.rule,
        )


def _offered(xi, xj, kind, xe, ye, rule: str) -> np.ndarray:
    """The position proposer j offers receiver i: its own, or for a compromise (where
    X < 0 < Y) x_i + (x_j - x_i) |X / Y| (``ratio``) or (|X| x_i + |Y| x_j) / (|X| + |Y|)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if rule == "ratio":
            comp = xi + (xj - xi) * (-xe / ye)
        else:
            comp = (ye * xj - xe * xi) / (ye - xe)
    return np.where(kind == 1, comp, xj)


@dataclass
class _IssueRun:
    """The history of one game (kept only for single runs)."""

    positions: list[np.ndarray] = field(default_factory=list)
    risk: list[np.ndarray] = field(default_factory=list)
    exposure: list[np.ndarray] = field(default_factory=list)
    counts: list[dict[str, int]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str = "round limit"


class _Issue:
    """The rules of the game on one issue, for a batch of ``G`` independent games with the same
    ``m`` actors: capabilities ``c`` and saliences ``s`` ``(G, m)``, spans ``(G,)``.

    Methods take ``games``, the indices of the games still being played, and arrays of those
    games only; a game's numbers do not depend on which other games are in the batch.
    """

    def __init__(self, c: np.ndarray, s: np.ndarray, span: np.ndarray, params: EUMParams) -> None:
        self.c = np.atleast_2d(np.asarray(c, dtype=float))
        self.s = np.atleast_2d(np.asarray(s, dtype=float))
        self.w = self.c * self.s
        # the median's weights: capability x salience, or capability where no actor cares
        self.w_median = np.where((self.w.sum(axis=1) > 0)[:, None], self.w, self.c)
        self.span = np.asarray(span, dtype=float).reshape(-1)
        self.p = params
        self.g, self.m = self.c.shape

    def median(self, x: np.ndarray, games: np.ndarray) -> np.ndarray:
        return weighted_median(x.T, self.w_median[games].T)

    def risk(
        self, g: PairGeometry, mu: np.ndarray, games: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Risk exponents and exposures ``(A, m)`` (in the actors' order) at the positions of
        ``g``.

        The exposure of actor i is the sum over the other actors of their expected utility
        of challenging i, with every risk exponent (voters' included) equal to 1.
        """
        o = g.order
        s = np.take_along_axis(self.s[games], o, axis=1)
        w = np.take_along_axis(self.w[games], o, axis=1)
        prob = g.probability(w, None, self.p.probability)
        d_mu = np.abs(g.xs - mu[:, None]) / self.span[games][:, None]
        e = challenge_utility(
            g.dist, d_mu[:, :, None], s[:, None, :], prob, 1.0, self.p.q, self.p.t
        )
        if self.p.q < 1.0:  # no challenges between equal positions (with Q = 1 they are 0)
            e[g.dist == 0] = 0.0
        diag = np.arange(self.m)
        e[:, diag, diag] = 0.0
        expo = np.empty(o.shape)
        np.put_along_axis(expo, o, e.sum(axis=1), axis=1)
        r = np.ones(o.shape) if self.p.risk == "neutral" else risk_exponents(expo)
        return r, expo

    def offers(
        self, g: PairGeometry, r_all: np.ndarray, mu: np.ndarray, games: np.ndarray
    ) -> _Round:
        p = self.p
        o = g.order
        s = np.take_along_axis(self.s[games], o, axis=1)
        w = np.take_along_axis(self.w[games], o, axis=1)
        r = np.take_along_axis(r_all, o, axis=1)
        x = g.xs
        prob = g.probability(w, r if p.vote_risk == "own" else None, p.probability)
        d = g.dist
        d_mu = np.abs(x - mu[:, None]) / self.span[games][:, None]
        # X[i, j]: i challenges j, through i's exponent; Y[i, j]: j challenges i, through the
        # receiver's (i's) exponent or j's own
        r_x = r[:, :, None]
        u_s, u_diff, u_sq = _utilities(d, r_x)
        xe = _expected(u_s, u_diff, u_sq, d, d_mu[:, :, None], s[:, None, :], prob, r_x, p.q, p.t)
        if p.perspective == "receiver":
            r_y = r_x
        else:
            r_y = r[:, None, :]
            u_s, u_diff, u_sq = _utilities(d, r_y)
        ye = _expected(
            u_s,
            u_diff,
            u_sq,
            d,
            d_mu[:, None, :],
            s[:, :, None],
            prob.transpose(0, 2, 1),
            r_y,
            p.q,
            p.t,
        )
        del u_s, u_diff

        if p.q < 1.0:  # with Q = 1 both expected utilities are exactly 0 between equals
            same = d == 0
            xe[same] = 0.0
            ye[same] = 0.0
        loss = xe < 0
        conflict = ye > xe
        conflict &= xe > 0
        gain = ye > 0
        gain &= loss  # Y > 0 > X: a compromise or a capitulation
        balance = xe + ye
        compromise = gain & (balance > 0)
        capitulate = gain & (balance < 0) if p.capitulation else None
        loss &= ye < 0
        stalemates = np.count_nonzero(loss, axis=(1, 2))
        del gain, balance, loss

        kind = np.full(d.shape, -1, dtype=np.int8)
        np.copyto(kind, 0, where=conflict)
        np.copyto(kind, 1, where=compromise)
        if capitulate is not None:
            np.copyto(kind, 2, where=capitulate)
        rnd = _Round(o, x, kind, xe, ye, np.full(o.shape, -1), stalemates, p.compromise)

        # the key each receiver minimises: the size of the move (for a compromise, a fraction
        # of the distance), or for compromises under ``scholz_code`` the compromise point
        with np.errstate(invalid="ignore", divide="ignore"):
            if p.compromise == "ratio":
                comp_move = d * (-xe / ye)
            else:
                comp_move = d * (ye / (ye - xe))
            if p.choice == "scholz_code":
                comp_key = (ye * x[:, None, :] - xe * x[:, :, None]) / (ye - xe)
            else:
                comp_key = comp_move
        if p.choice == "least_move":
            key = np.where(compromise, comp_move, d)
            rnd.chosen = _pick(kind >= 0, key, rnd)
            return rnd
        chosen = rnd.chosen
        for mask, key in ((capitulate, d), (compromise, comp_key), (conflict, d)):
            if mask is None or not mask.any():
                continue
            pick = _pick(mask, key, rnd)
            chosen = np.where(pick >= 0, pick, chosen)  # earlier types override later
        rnd.chosen = chosen
        return rnd

    def play(
        self, x0: np.ndarray, ids: list[str] | None = None, issue: str = ""
    ) -> tuple[np.ndarray, _IssueRun | None]:
        """Play every game from positions ``x0`` ``(G, m)``; returns the final positions and,
        when ``ids`` is given (a single game), its history and events."""
        p = self.p
        history = ids is not None
        run = _IssueRun() if history else None
        x = np.array(x0, dtype=float, copy=True).reshape(self.g, self.m)
        live = (self.span > 0) if self.m >= 2 else np.zeros(self.g, dtype=bool)
        if run is not None:
            run.counts.append(dict.fromkeys(_COUNT_NAMES, 0))
            if not live[0]:
                # nothing to negotiate: one round of nothing, or all of them under stop="none"
                for t in range(p.rounds + 1 if p.stop == "none" else 1):
                    run.positions.append(x[0])
                    run.risk.append(np.ones(self.m))
                    run.exposure.append(np.zeros(self.m))
                    if t > 0:
                        run.counts.append(dict.fromkeys(_COUNT_NAMES, 0))
                run.stop_reason = "nothing to negotiate"
                return x, run
        games = np.flatnonzero(live)
        if games.size == 0:
            return x, run
        cur = x[games]
        mu, g, r = self._state(cur, games, run)
        tol = p.tol * self.span
        for t in range(1, p.rounds + 1):
            rnd = self.offers(g, r, mu, games)
            ga, ia = np.nonzero(rnd.chosen >= 0)
            new = cur.copy()
            new[ga, rnd.order[ga, ia]] = rnd.offered(ga, ia, rnd.chosen[ga, ia])
            if run is not None:
                self._record(run, t, issue, ids, cur[0], new[0], rnd)
            prev_mu = mu
            prev = cur
            cur = new
            x[games] = cur
            mu, g, r = self._state(cur, games, run)
            if p.stop == "converged":
                done = np.max(np.abs(cur - prev), axis=1) <= tol[games]
                why = f"converged in round {t}"
            elif p.stop == "median":
                done = np.abs(mu - prev_mu) <= tol[games]
                why = f"median stable in round {t}"
            else:
                continue
            if done.any():
                if run is not None:
                    run.stop_reason = why
                keep = np.flatnonzero(~done)
                if keep.size == 0:
                    break
                games, cur, mu, r = games[keep], cur[keep], mu[keep], r[keep]
                g = g.take(keep)
        return x, run

    def _state(
        self, x: np.ndarray, games: np.ndarray, run: _IssueRun | None
    ) -> tuple[np.ndarray, PairGeometry, np.ndarray]:
        """The median, geometry and risk exponents of the games ``games`` at positions ``x``;
        appended to ``run``'s history when there is one."""
        mu = self.median(x, games)
        g = PairGeometry(x, self.span[games])
        r, expo = self.risk(g, mu, games)
        if run is not None:
            run.positions.append(x[0])
            run.risk.append(r[0])
            run.exposure.append(expo[0])
        return mu, g, r

    def _record(
        self,
        run: _IssueRun,
        t: int,
        issue: str,
        ids: list[str],
        x: np.ndarray,
        new: np.ndarray,
        rnd: _Round,
    ) -> None:
        """Counts and events of round ``t`` of a single game (the first of the batch)."""
        kind = rnd.kind[0]
        counts = {
            name: int((kind == code).sum())
            for code, name in enumerate(("conflicts", "compromises", "capitulations"))
        }
        counts["offers"] = int((kind >= 0).sum())
        counts["stalemates"] = int(rnd.stalemates[0])
        counts["moves"] = int((rnd.chosen[0] >= 0).sum())
        run.counts.append(counts)
        record = self.p.record
        if record == "auto":
            record = "offers" if self.m <= AUTO_OFFER_LOG else "moves"
        if record == "none":
            return
        o = rnd.order[0]
        chosen = rnd.chosen[0]
        if record == "offers":
            rec, prop = np.nonzero(kind >= 0)
            accepted = chosen[rec] == prop
            first = np.zeros(rec.size, dtype=int)
            for i, j, k, pos, acc, xe, ye in zip(
                o[rec].tolist(),
                o[prop].tolist(),
                kind[rec, prop].tolist(),
                rnd.offered(first, rec, prop).tolist(),
                accepted.tolist(),
                rnd.x_eu[0, rec, prop].tolist(),
                rnd.y_eu[0, rec, prop].tolist(),
            ):
                run.events.append(
                    {
                        "round": t,
                        "issue": issue,
                        "event": "offer",
                        "from": ids[j],
                        "to": ids[i],
                        "type": OFFER_TYPES[k],
                        "position": pos,
                        "accepted": acc,
                        "eu_receiver": xe,
                        "eu_proposer": ye,
                    }
                )
        for i_s in np.flatnonzero(chosen >= 0).tolist():
            j_s = int(chosen[i_s])
            i = int(o[i_s])
            run.events.append(
                {
                    "round": t,
                    "issue": issue,
                    "event": "move",
                    "actor": ids[i],
                    "partner": ids[int(o[j_s])],
                    "type": OFFER_TYPES[kind[i_s, j_s]],
                    "from_position": float(x[i]),
                    "to_position": float(new[i]),
                }
            )


_COUNT_NAMES = ("offers", "conflicts", "compromises", "capitulations", "stalemates", "moves")


def _pick(mask: np.ndarray, key: np.ndarray, rnd: _Round) -> np.ndarray:
    """Per game and row (receiver), the column (proposer) with the smallest ``key`` among
    ``mask``; exact ties go to the lowest offered position, so that the choice does not depend
    on the order of the actors. -1 where the row has no candidate."""
    k = np.where(mask, key, np.inf)
    col = k.argmin(axis=2)
    best = np.take_along_axis(k, col[:, :, None], axis=2)[:, :, 0]
    tied = k == best[:, :, None]
    n_tied = np.count_nonzero(tied, axis=2)
    rows = (n_tied > 1) & np.isfinite(best)
    if rows.any():
        g, i, j = np.nonzero(tied & rows[:, :, None])
        pos = np.full(k.shape, np.inf)
        pos[g, i, j] = rnd.offered(g, i, j)
        col = np.where(rows, pos.argmin(axis=2), col)  # the first of equal positions
    return np.where(np.isfinite(best), col, -1)


def _issue_spans(x0: np.ndarray, issue_span: float, params: EUMParams) -> np.ndarray:
    """``(G,)`` what each game's distances are divided by (0 where there is nothing to
    negotiate)."""
    if params.scale == "issue":
        span = np.full(x0.shape[0], float(issue_span))
    else:
        span = x0.max(axis=1) - x0.min(axis=1)
    return np.where(span > 0, span, 0.0)


def _median_weights(mask: np.ndarray, capability: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """``(..., n, d)`` weights of the forecast median: capability x salience, or capability
    alone on an issue where no actor cares."""
    c = capability[..., :, None]
    w = np.where(mask, c * np.nan_to_num(salience), 0.0)
    w_cap = np.where(mask, c, 0.0)
    return np.where(w.sum(axis=-2, keepdims=True) > 0, w, w_cap)


# -- the model ---------------------------------------------------------------------------------


def run_eum(arrays: ScenarioArrays, params: EUMParams, rng=None) -> ModelResult:
    """Bueno de Mesquita's expected-utility model: rounds of challenges, offers and moves.

    Formalised by Scholz, Calbert & Smith (2011). Per issue, each round every actor weighs
    challenging every other actor (expected utilities with risk exponents and the probability
    of winning the third parties' votes), accepts one of the offers it receives (conflict,
    compromise or capitulation) and moves. The forecast is the capability x salience weighted
    median of the final round's positions.
    """
    n, d = arrays.n_actors, arrays.n_issues
    runs: list[_IssueRun | None] = []
    spans = np.full(d, np.nan)
    ids = list(arrays.actors)
    for k in range(d):
        idx = np.flatnonzero(arrays.mask[:, k])
        if idx.size == 0:
            runs.append(None)
            continue
        x0 = arrays.position[idx, k].astype(float)[None]
        span = _issue_spans(x0, arrays.span[k], params)
        spans[k] = float(span[0])  # the span the game used (0: nothing to negotiate)
        game = _Issue(arrays.capability[idx][None], arrays.salience[idx, k][None], span, params)
        runs.append(game.play(x0, [ids[i] for i in idx], arrays.issues[k])[1])

    t_max = max((len(r.positions) - 1 for r in runs if r is not None), default=0)
    rounds = np.full((t_max + 1, n, d), np.nan)
    risk = np.full((t_max + 1, n, d), np.nan)
    exposure = np.full((t_max + 1, n, d), np.nan)
    counts = {name: np.zeros((t_max + 1, d), dtype=int) for name in _COUNT_NAMES}
    events: list[dict[str, Any]] = []
    stopped: list[str] = []
    for k, run in enumerate(runs):
        if run is None:
            stopped.append("no actor has a stance")
            continue
        idx = np.flatnonzero(arrays.mask[:, k])
        played = len(run.positions)
        for t in range(t_max + 1):
            src = min(t, played - 1)  # an issue that stopped early holds its last state
            rounds[t, idx, k] = run.positions[src]
            risk[t, idx, k] = run.risk[src]
            exposure[t, idx, k] = run.exposure[src]
            if t < played:
                for name in _COUNT_NAMES:
                    counts[name][t, k] = run.counts[t][name]
        events.extend(run.events)
        stopped.append(run.stop_reason)
    events.sort(key=lambda e: e["round"])  # stable: issue order kept within a round

    w = _median_weights(arrays.mask, arrays.capability, arrays.salience)
    median = np.stack([weighted_median(rounds[t], w) for t in range(t_max + 1)])
    mean = np.stack([weighted_mean(rounds[t], w) for t in range(t_max + 1)])
    summary = {"median": median, "mean": mean}
    summary.update({name: arr.astype(float) for name, arr in counts.items() if name != "moves"})
    return ModelResult(
        model="eum",
        forecast=median[-1].copy(),
        rounds=rounds,
        per_round={"risk": risk, "exposure": exposure},
        summary=summary,
        events=events,
        extras={"span": spans, "stop_reason": stopped},
    )


def run_eum_batched(batch: DrawBatch, params: EUMParams, rngs=None) -> np.ndarray:
    """``(B, d)`` forecasts of the model on every draw of a
    :class:`~detente.scenario.arrays.DrawBatch`: for each issue, the games of all draws are played
    together (one leading axis), by the same operations as a single run."""
    base = batch.base
    nb, n, d = batch.position.shape
    final = np.full((nb, n, d), np.nan)
    for k in range(d):
        idx = np.flatnonzero(base.mask[:, k])
        if idx.size == 0:
            continue
        x0 = batch.position[:, idx, k].astype(float)
        game = _Issue(
            batch.capability[:, idx],
            batch.salience[:, idx, k],
            _issue_spans(x0, base.span[k], params),
            params,
        )
        final[:, idx, k] = game.play(x0)[0]
    w = _median_weights(base.mask, batch.capability, batch.salience)
    # draw b's issue k is column b * d + k of an (n, B * d) problem, as in a single run
    x_cols = np.moveaxis(final, 1, 0).reshape(n, nb * d)
    w_cols = np.moveaxis(w, 1, 0).reshape(n, nb * d)
    return weighted_median(x_cols, w_cols).reshape(nb, d)


register(
    "eum",
    EUMParams,
    run=run_eum,
    batched=run_eum_batched,
    title="Expected utility (Bueno de Mesquita)",
    dynamic=True,
    presets={"scholz2011": SCHOLZ2011},
)
