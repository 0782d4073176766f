"""Procedural models: who can block a change, who proposes, and whether anything changes.

The other models assume the talks end in an agreement somewhere among the positions. These
models start from the status quo ``q`` and the issue's decision rule (:class:`~detente.
scenario.model.Decision`, in the arrays as ``rule``, ``veto``, ``voters``, ``threshold``,
``controller``, ``setter``) and say whether the status quo holds and, if not, where it moves.
One issue at a time, on its scale, with symmetric single-peaked preferences: an actor prefers
the point nearer its position (``../shared/specs/procedural.md``; ``docs/procedural.md``).

Pivots and the core
-------------------
Under a vote with threshold ``T`` among voters of weights ``w_i`` (total ``W``), the upper
pivot ``m+`` is the largest point ``m`` such that the voters at or above ``m`` hold at least
``T W``; the lower pivot ``m-`` the smallest ``m`` such that the voters at or below it hold at
least ``T W``. A veto player at ``e`` adds its own pivot on both sides. The binding pivots are

    U = min(m+, every veto player's e),    L = max(m-, every veto player's e),

(under consensus only the veto players count: ``U = min e``, ``L = max e``). A move from
``q`` to the right needs ``U > q`` and reaches at most ``2U - q``; to the left it needs
``L < q`` and reaches at least ``2L - q``. The **core**, the points no permitted coalition
would leave, is ``[U, L]``; the status quo holds when it lies in it (Tsebelis 2002). With
``T > 1/2`` or any veto player the core is never empty.

The four models
---------------
``veto_player``
    The status quo holds in the core; outside it, the outcome is the nearest core point
    (``clip(q, U, L)``). A ``T <= 1/2`` vote without veto players can have an empty core
    (``U > L``): then the midpoint of ``[L, U]`` (the weighted median at ``T = 1/2``).
``agenda_setter``
    Romer and Rosenthal (1978): the setter (ideal ``c``) proposes the point of the winset of
    ``q`` (plus ``q``) nearest ``c``: ``min(c, 2U - q)`` when ``c > q < U``, ``max(c, 2L -
    q)`` when ``c < q > L``, else ``q``. Without a declared setter, the actor with the largest
    capability x salience on the issue proposes.
``unilateral``
    The controller ``k`` (ideal ``x_k``) imposes its position unless those opposed outweigh
    those in favour: with ``v_i = c_i s_i``, supporters (``|x_i - x_k| < |x_i - q|``, the
    controller among them) ``S = sum v_i`` and opponents (``|x_i - q| < |x_i - x_k|``)
    ``O = sum v_i``, the outcome is ``x_k`` if ``S >= O`` and ``q`` otherwise. Without a
    declared controller, the actor with the largest capability x salience controls.
``procedural``
    Each issue by its declared rule: ``unilateral`` by the unilateral model; ``consensus`` and
    ``vote`` by the agenda-setter model where an agenda setter is declared, else by the
    veto-player model. An issue without a declared rule is decided by consensus of every actor
    with a stance on it (each can block; no setter), the fallback every model here uses.

An issue without a status quo gets no forecast (NaN); a scenario with none is not applicable.
Each model's ``extras`` hold ``status_quo_holds`` (``(d,)`` bool), ``core`` (``(d, 2)``:
``U, L``), ``rule`` (the rule applied per issue), ``fallback`` (``(d,)``: no rule declared)
and the proposer or controller used. Every model has a batched form over a leading axis of
Monte Carlo draws, equal bit for bit to single runs (the columns are independent and every
sum over actors is taken in order).

References: Romer and Rosenthal (1978), "Political resources and public policy: the
status-quo reversion point", Public Choice 33(4); Tsebelis (2002), *Veto Players: How
Political Institutions Work*, Princeton UP; Thomson, Stokman, Achen and Konig (eds.) (2006),
*The European Union Decides*, Cambridge UP, in particular Steunenberg and Selck's chapter on
procedural models of consultation and co-decision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detente.errors import ParameterError
from detente.models.base import ModelResult, NoParams, register
from detente.models.baseline import ordered_sum
from detente.scenario.arrays import (
    RULE_NONE,
    RULE_UNILATERAL,
    RULE_VOTE,
    RULES,
    DrawBatch,
    ScenarioArrays,
)

_RTOL = 1e-12
MODELS = ("veto_player", "agenda_setter", "unilateral", "procedural")


@dataclass(frozen=True)
class Columns:
    """One decision problem per column: an issue of a scenario, or of one Monte Carlo draw.

    ``x`` ``(n, C)`` positions (NaN: no stance); ``strength`` ``(n, C)`` capability x salience
    (0 without a stance); ``vote_w`` ``(n, C)`` voting weights; ``q`` ``(C,)`` status quo;
    ``rule`` ``(C,)`` rule codes as declared; ``veto``, ``voters`` ``(n, C)`` masks;
    ``threshold``, ``controller``, ``setter`` ``(C,)``.
    """

    x: np.ndarray
    strength: np.ndarray
    vote_w: np.ndarray
    q: np.ndarray
    rule: np.ndarray
    veto: np.ndarray
    voters: np.ndarray
    threshold: np.ndarray
    controller: np.ndarray
    setter: np.ndarray

    @property
    def mask(self) -> np.ndarray:
        return ~np.isnan(self.x)


def _columns(a: np.ndarray) -> np.ndarray:
    """``(B, n, d)`` -> ``(n, B * d)``: draw b's issue k is column ``b * d + k``."""
    nb, n, d = a.shape
    return np.ascontiguousarray(np.moveaxis(a, 1, 0)).reshape(n, nb * d)


def columns_of(
    base: ScenarioArrays,
    capability: np.ndarray,
    position: np.ndarray,
    salience: np.ndarray,
    status_quo: np.ndarray,
) -> Columns:
    """The decision problems of ``B`` draws of ``base``: ``capability (B, n)``, ``position``
    and ``salience`` ``(B, n, d)``, ``status_quo (B, d)``; the rules come from ``base``."""
    nb = capability.shape[0]
    mask = base.mask
    x = np.where(mask, position, np.nan)
    strength = np.where(mask, capability[:, :, None] * np.nan_to_num(salience), 0.0)
    vote_w = base.voting_weight(capability)

    def tile(a: np.ndarray) -> np.ndarray:
        return np.tile(a, (1, nb)) if a.ndim == 2 else np.tile(a, nb)

    return Columns(
        x=_columns(x),
        strength=_columns(strength),
        vote_w=_columns(np.broadcast_to(vote_w, x.shape)),
        q=np.asarray(status_quo, dtype=float).reshape(-1),
        rule=tile(base.rule),
        veto=tile(base.veto & mask),
        voters=tile(base.voters & mask),
        threshold=tile(base.threshold),
        controller=tile(base.controller),
        setter=tile(base.setter),
    )


def _single(arrays: ScenarioArrays) -> Columns:
    return columns_of(
        arrays,
        arrays.capability[None],
        arrays.position[None],
        arrays.salience[None],
        arrays.status_quo[None],
    )


def pivots(x: np.ndarray, w: np.ndarray, threshold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower pivots ``(m+, m-)`` of each column of ``x (n, C)`` (NaN: not voting)
    with weights ``w (n, C)`` under the threshold share ``threshold (C,)``.

    ``m+`` is the largest point m such that the weight at or above m is at least
    ``threshold * W``; ``m-`` the smallest such that the weight at or below it is. NaN for a
    column without voters.

    >>> x = np.array([[10.0], [40.0], [70.0]])
    >>> m_up, m_down = pivots(x, np.ones((3, 1)), np.array([2 / 3]))
    >>> float(m_up[0]), float(m_down[0])
    (40.0, 40.0)
    """
    valid = ~np.isnan(x) & (w > 0)
    ws = np.where(valid, w, 0.0)
    cols = np.arange(x.shape[1])
    out = []
    for sign in (-1.0, 1.0):  # descending for m+, ascending for m-
        key = np.where(valid, sign * np.nan_to_num(x), np.inf)
        order = np.argsort(key, axis=0, kind="stable")
        xs = np.take_along_axis(x, order, axis=0)
        cum = np.cumsum(np.take_along_axis(ws, order, axis=0), axis=0)
        total = cum[-1] if cum.shape[0] else np.zeros(x.shape[1])
        need = threshold * total - _RTOL * total
        idx = np.argmax(cum >= need, axis=0)
        out.append(np.where(total > 0, xs[idx, cols], np.nan))
    return out[0], out[1]


def _strongest(c: Columns) -> np.ndarray:
    """``(C,)`` index of the actor with the largest capability x salience (first on ties);
    -1 in a column without stances."""
    key = np.where(c.mask, c.strength, -np.inf)
    idx = np.argmax(key, axis=0)
    return np.where(c.mask.any(axis=0), idx, -1)


def _at(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``x[idx[k], k]`` per column, NaN where ``idx`` is -1."""
    cols = np.arange(x.shape[1])
    return np.where(idx >= 0, x[np.maximum(idx, 0), cols], np.nan)


def bounds(c: Columns) -> tuple[np.ndarray, np.ndarray]:
    """``(U, L)`` per column: the binding upper and lower pivots under each column's rule
    (the ends of the core ``[U, L]``; see the module docstring).

    A column without a declared rule is decided by consensus of every actor with a stance. A
    unilateral column has its controller as the single veto player (``U = L = x_k``).
    """
    mask = c.mask
    veto = np.where((c.rule == RULE_NONE)[None, :], mask, c.veto)
    uni = c.rule == RULE_UNILATERAL
    one = np.zeros_like(veto)
    ok = uni & (c.controller >= 0)
    one[np.maximum(c.controller, 0)[ok], np.flatnonzero(ok)] = True
    veto = np.where(uni[None, :], one & mask, veto)
    vmin = np.min(np.where(veto, c.x, np.inf), axis=0)
    vmax = np.max(np.where(veto, c.x, -np.inf), axis=0)
    is_vote = c.rule == RULE_VOTE
    t = np.where(is_vote, c.threshold, 1.0)
    xv = np.where(c.voters & is_vote[None, :], c.x, np.nan)
    m_up, m_down = pivots(xv, np.where(np.isnan(xv), 0.0, c.vote_w), t)
    up = np.where(is_vote & ~np.isnan(m_up), np.minimum(m_up, vmin), vmin)
    down = np.where(is_vote & ~np.isnan(m_down), np.maximum(m_down, vmax), vmax)
    up = np.where(np.isinf(up), np.nan, up)
    down = np.where(np.isinf(down), np.nan, down)
    return up, down


def veto_outcome(c: Columns) -> tuple[np.ndarray, np.ndarray]:
    """Forecast and whether the status quo holds, per column, by the veto-player model."""
    up, down = bounds(c)
    q = c.q
    empty = up > down
    f = np.where(empty, (up + down) / 2.0, np.minimum(np.maximum(q, up), down))
    f = np.where(np.isnan(q) | np.isnan(up), np.nan, f)
    holds = ~empty & (q >= up) & (q <= down)
    return f, holds


def setter_outcome(c: Columns, setter: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forecast and whether the status quo holds, per column, when actor ``setter (C,)``
    proposes (Romer-Rosenthal; a column whose setter is -1 gets NaN)."""
    up, down = bounds(c)
    q = c.q
    s = _at(c.x, setter)
    right = (s > q) & (up > q)
    left = (s < q) & (down < q)
    f = np.where(
        right, np.minimum(s, 2.0 * up - q), np.where(left, np.maximum(s, 2.0 * down - q), q)
    )
    f = np.where(np.isnan(q) | np.isnan(s) | np.isnan(up), np.nan, f)
    return f, ~(right | left) & ~np.isnan(f)


def unilateral_outcome(c: Columns, controller: np.ndarray) -> tuple[np.ndarray, ...]:
    """Forecast, whether the status quo holds and the support share ``S / (S + O)`` per
    column when actor ``controller (C,)`` controls (see the module docstring)."""
    q = c.q
    xk = _at(c.x, controller)
    xz = np.nan_to_num(c.x)
    near_k = np.abs(xz - xk[None, :])
    near_q = np.abs(xz - q[None, :])
    v = np.where(c.mask, c.strength, 0.0)
    support = ordered_sum(np.where(near_k < near_q, v, 0.0), 0)
    oppose = ordered_sum(np.where(near_q < near_k, v, 0.0), 0)
    wins = (support >= oppose) & (xk != q)
    f = np.where(wins, xk, q)
    bad = np.isnan(q) | np.isnan(xk)
    f = np.where(bad, np.nan, f)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(support + oppose > 0, support / (support + oppose), np.nan)
    return f, ~wins & ~bad, share


def _setter_or_strongest(c: Columns) -> np.ndarray:
    ok = (c.setter >= 0) & ~np.isnan(_at(c.x, c.setter))
    return np.where(ok, c.setter, _strongest(c))


def _controller_or_strongest(c: Columns) -> np.ndarray:
    ok = (c.rule == RULE_UNILATERAL) & (c.controller >= 0)
    ok &= ~np.isnan(_at(c.x, c.controller))
    return np.where(ok, c.controller, _strongest(c))


def outcome(name: str, c: Columns) -> tuple[np.ndarray, np.ndarray]:
    """``(forecast, status_quo_holds)`` per column of the procedural model ``name`` (one of
    :data:`MODELS`)."""
    if name == "veto_player":
        return veto_outcome(c)
    if name == "agenda_setter":
        return setter_outcome(c, _setter_or_strongest(c))
    if name == "unilateral":
        f, holds, _ = unilateral_outcome(c, _controller_or_strongest(c))
        return f, holds
    if name == "procedural":
        fv, hv = veto_outcome(c)
        has_setter = (c.setter >= 0) & ~np.isnan(_at(c.x, c.setter))
        fs, hs = setter_outcome(c, np.where(has_setter, c.setter, -1))
        fu, hu, _ = unilateral_outcome(c, np.where(c.rule == RULE_UNILATERAL, c.controller, -1))
        uni = c.rule == RULE_UNILATERAL
        f = np.where(uni, fu, np.where(has_setter, fs, fv))
        holds = np.where(uni, hu, np.where(has_setter, hs, hv))
        return f, holds
    raise ValueError(f"unknown procedural model {name!r}")


def outcome_batch(name: str, batch: DrawBatch) -> tuple[np.ndarray, np.ndarray]:
    """``(forecast, status_quo_holds)``, each ``(B, d)``, of procedural model ``name`` on every
    draw of a :class:`~detente.scenario.arrays.DrawBatch`."""
    c = columns_of(batch.base, batch.capability, batch.position, batch.salience, batch.status_quo)
    f, holds = outcome(name, c)
    shape = (len(batch), batch.base.n_issues)
    return f.reshape(shape), holds.reshape(shape)


def _not_applicable(arrays: ScenarioArrays) -> str | None:
    if np.isnan(arrays.status_quo).all():
        return "no status quo to start from (the procedural models need one)"
    return None


def _result(name: str, arrays: ScenarioArrays) -> ModelResult:
    why = _not_applicable(arrays)
    if why is not None:
        raise ParameterError(f"model {name!r} cannot run: {why}")
    c = _single(arrays)
    f, holds = outcome(name, c)
    up, down = bounds(c)
    declared = [RULES[r] for r in arrays.rule]
    applied = [r if r != "none" else "consensus (all)" for r in declared]
    extras: dict = {
        "status_quo_holds": holds,
        "core": np.column_stack([up, down]),
        "rule": tuple(applied),
        "fallback": arrays.rule == RULE_NONE,
        "must_decide": arrays.must_decide.copy(),
    }
    ids = np.array(arrays.actors + (None,), dtype=object)
    if name == "agenda_setter":
        extras["proposer"] = tuple(ids[_setter_or_strongest(c)])
    elif name == "unilateral":
        k = _controller_or_strongest(c)
        extras["controller"] = tuple(ids[k])
        extras["support_share"] = unilateral_outcome(c, k)[2]
    elif name == "procedural":
        has_setter = (c.setter >= 0) & ~np.isnan(_at(c.x, c.setter))
        extras["proposer"] = tuple(ids[np.where(has_setter, c.setter, -1)])
        extras["model_applied"] = tuple(
            "unilateral" if r == RULE_UNILATERAL else "agenda_setter" if s else "veto_player"
            for r, s in zip(arrays.rule, has_setter)
        )
    return ModelResult(model=name, forecast=f, extras=extras)


TITLES = {
    "veto_player": "Veto players (status quo in the core)",
    "agenda_setter": "Agenda setter (Romer-Rosenthal)",
    "unilateral": "Unilateral control (checked by opponents)",
    "procedural": "Procedural (each issue by its declared rule)",
}


def _batched(name: str):
    def run(batch: DrawBatch, params: NoParams, rngs=None) -> np.ndarray:
        return outcome_batch(name, batch)[0]

    run.__name__ = f"_{name}_batched"
    return run


def veto_player(arrays: ScenarioArrays, params: NoParams, rng=None) -> ModelResult:
    """The veto-player model: the status quo holds where it lies in the core of the actors
    who can block a change; elsewhere it moves to the nearest core point (Tsebelis 2002).

    The core is the interval between the binding pivots of the issue's rule (consensus: the
    veto players' lowest and highest positions; vote: the threshold pivots of the voters and
    any veto player). Issues without a declared rule: consensus of every actor with a stance.
    """
    return _result("veto_player", arrays)


def agenda_setter(arrays: ScenarioArrays, params: NoParams, rng=None) -> ModelResult:
    """The agenda-setter model: the setter proposes its best point among those the decisive
    coalition prefers to the status quo (Romer and Rosenthal 1978).

    The setter is the issue's declared agenda setter, else the actor with the largest
    capability x salience; the coalition is given by the issue's rule (as in the veto-player
    model). With no permitted move towards the setter, the status quo holds.
    """
    return _result("agenda_setter", arrays)


def unilateral(arrays: ScenarioArrays, params: NoParams, rng=None) -> ModelResult:
    """Unilateral control: the controller imposes its position unless those who prefer the
    status quo outweigh those who prefer the controller's position (capability x salience).

    The controller is the issue's declared controller (rule unilateral), else the actor with
    the largest capability x salience on the issue.
    """
    return _result("unilateral", arrays)


def procedural(arrays: ScenarioArrays, params: NoParams, rng=None) -> ModelResult:
    """Each issue decided by its declared rule: unilateral control, or the agenda-setter model
    where a setter is declared, else the veto-player model.

    An issue without a declared rule falls back to consensus of every actor with a stance on
    it, without a setter (the status quo holds unless it lies outside all their positions).
    """
    return _result("procedural", arrays)


for _fn in (veto_player, agenda_setter, unilateral, procedural):
    _name = _fn.__name__
    register(
        _name,
        NoParams,
        run=_fn,
        batched=_batched(_name),
        applicable=_not_applicable,
        title=TITLES[_name],
    )

__all__ = [
    "MODELS",
    "Columns",
    "bounds",
    "columns_of",
    "outcome",
    "outcome_batch",
    "pivots",
]
