"""The headline ensemble: one predictive distribution per issue from several models' forecasts.

Everything here works on the unit scale (``0..1``: position minus the scale's low end, divided
by its width), so that values fitted on DEU III (0..100 scales) apply to any scale. A
predictive distribution is a set of weighted *atoms* (values with weights summing to one); its
median is the forecast, its 10% and 90% quantiles the 80% interval.

The distribution of one issue, given the members' forecasts ``f_m`` (unit scale), the status
quo ``q`` and the tolerance ``tol`` (1 point of the issue's scale, in unit terms):

1. **Centre** ``c = sum_m w_m f_m``, with weights on the simplex: the weights minimising the
   mean absolute error on the training issues (a linear programme), shrunk towards equal
   weights by ``shrink`` (chosen by inner cross-validation).
2. **Disagreement** ``D = sum_m w_m |f_m - c|``: how far the weighted members lie from the
   centre.
3. **Spread**: the centre plus standardised residuals ``z_j`` scaled by ``offset + D``:
   ``clip(c + z_j (offset + D), 0, 1)``, one atom per residual. The residuals are the
   training issues' inner out-of-fold errors of the centre divided by ``offset + D_j``; the
   offset (chosen by inner cross-validation) sets how much of the spread is fixed and how
   much grows with the members' disagreement.
4. **Status quo**: a logistic model gives ``p``, the probability that the outcome lies within
   ``tol`` of ``q``, from two features of the issue (:data:`SQ_FEATURES`): the distance from
   ``q`` to the nearest member forecast (unit scale), and whether the issue's procedural model
   leaves ``q`` in place (``q`` in the core of the decision rule). The distribution is
   ``p`` at ``q`` and ``1 - p`` spread over the atoms of step 3 that lie farther than ``tol``
   from ``q``; so the probability of no change it reports is ``p`` exactly.

Fitted on DEU III, ``p`` is the probability that the status quo holds *given that the forum
decides* (every DEU proposal was adopted). For a forum that may end with nothing
(``must_decide`` false), :func:`combine_no_agreement` adds the chance of no agreement:
``P(sq) = P(none) + (1 - P(none)) p``.

:func:`fit` makes every choice from the training issues it is given; :func:`nested_cv` runs it
inside outer folds by proposal and returns the out-of-fold distributions, so that the scores
computed from them (:func:`score`) are those of the whole fitting procedure.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from detente.errors import ParameterError

#: Grid of the shrinkage of the fitted weights towards equal weights.
SHRINK_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
#: Grid of the spread offset (unit scale); the last value makes the spread constant.
OFFSET_GRID = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1e6)
#: Grid of the inverse L2 penalty of the status-quo logistic model.
C_GRID = (0.1, 1.0, 10.0)
#: The status-quo features, in the order of the logistic coefficients (after the intercept).
SQ_FEATURES = ("nearest_member", "core")
INNER_FOLDS = 5
#: "No change": the outcome within this share of the scale's width of the status quo (1 point
#: on a 0..100 scale, as DEU III's issues are).
NO_CHANGE = 0.01


# -- data -------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class EnsembleData:
    """What fitting and prediction need about a set of issues (unit scale).

    Attributes
    ----------
    members:
        Member model names, in the column order of ``forecasts``.
    forecasts:
        ``(n, M)`` member forecasts.
    outcome:
        ``(n,)`` outcomes (NaN when unknown, as for a scenario being forecast).
    status_quo:
        ``(n,)`` status quo, NaN where the issue has none.
    core:
        ``(n,)`` 1 where the issue's procedural model leaves the status quo in place (it lies
        in the core of the decision rule), else 0; all 0 when no procedural model is known.
    tol:
        ``(n,)`` the "no change" band in unit terms (:data:`NO_CHANGE`).
    groups:
        ``(n,)`` proposal label of each issue (for folds).
    """

    members: tuple[str, ...]
    forecasts: np.ndarray
    outcome: np.ndarray
    status_quo: np.ndarray
    core: np.ndarray
    tol: np.ndarray
    groups: np.ndarray

    @property
    def n(self) -> int:
        return int(self.forecasts.shape[0])

    def take(self, idx: np.ndarray) -> EnsembleData:
        """The issues at ``idx`` (an index array or boolean mask)."""
        return EnsembleData(
            self.members,
            self.forecasts[idx],
            self.outcome[idx],
            self.status_quo[idx],
            self.core[idx],
            self.tol[idx],
            self.groups[idx],
        )


# -- the fitted ensemble ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Ensemble:
    """Fitted values of the headline ensemble (see the module docstring).

    Attributes
    ----------
    members:
        Member model names.
    weights:
        ``(M,)`` member weights (non-negative, summing to one).
    shrink:
        The shrinkage towards equal weights that was chosen.
    offset:
        Spread offset (unit scale).
    residuals:
        ``(J,)`` standardised residuals (sorted).
    sq_coef:
        Intercept and one coefficient per feature of :data:`SQ_FEATURES` (on the features
        standardised with ``sq_mean`` and ``sq_scale``).
    sq_mean, sq_scale:
        Standardisation of the status-quo features.
    sq_C:
        The inverse penalty chosen.
    base_rate:
        Share of training issues (with a status quo) whose outcome was within 1 point of it.
    n_train:
        Number of training issues.
    """

    members: tuple[str, ...]
    weights: np.ndarray
    shrink: float
    offset: float
    residuals: np.ndarray
    sq_coef: np.ndarray
    sq_mean: np.ndarray
    sq_scale: np.ndarray
    sq_C: float
    base_rate: float
    n_train: int
    info: dict[str, Any] = field(default_factory=dict)

    def subset(self, members) -> Ensemble:
        """The ensemble restricted to some members (weights renormalised; the spread and the
        status-quo model unchanged), for a scenario some members cannot run on."""
        idx = [self.members.index(m) for m in members]
        w = self.weights[idx]
        w = w / w.sum() if w.sum() > 0 else np.full(len(idx), 1.0 / len(idx))
        return replace(self, members=tuple(members), weights=w)

    # prediction ------------------------------------------------------------------------------

    def center(self, forecasts: np.ndarray) -> np.ndarray:
        """``(...)`` weighted centre of ``(..., M)`` member forecasts."""
        return np.asarray(forecasts, dtype=float) @ self.weights

    def disagreement(self, forecasts: np.ndarray) -> np.ndarray:
        """``(...)`` weighted mean absolute deviation of the members from the centre."""
        f = np.asarray(forecasts, dtype=float)
        return np.abs(f - self.center(f)[..., None]) @ self.weights

    def p_status_quo(self, forecasts, status_quo, core) -> np.ndarray:
        """``(...)`` probability that the outcome lies within 1 point of the status quo,
        given that the forum decides; NaN where there is no status quo."""
        q = np.asarray(status_quo, dtype=float)
        x = sq_design(forecasts, q, core)
        p = _logistic(self.sq_coef, (x - self.sq_mean) / self.sq_scale)
        return np.where(np.isfinite(q), p, np.nan)

    def atoms(
        self,
        forecasts: np.ndarray,
        status_quo: np.ndarray,
        core: np.ndarray,
        tol: np.ndarray,
        p_none: np.ndarray | float = 0.0,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The predictive distributions of issues as weighted atoms (unit scale).

        Parameters
        ----------
        forecasts:
            ``(..., M)`` member forecasts.
        status_quo, core, tol:
            ``(...)`` as in :class:`EnsembleData`.
        p_none:
            ``(...)`` probability that the forum ends without agreement (0 for a forum that
            must decide; see :func:`combine_no_agreement`).

        Returns
        -------
        values, weights:
            ``(..., J + 1)`` atoms and weights (summing to one); the last atom is the status
            quo (weight 0 where there is none).
        p:
            ``(...)`` probability that the status quo holds (NaN where there is none).
        """
        f = np.asarray(forecasts, dtype=float)
        c = self.center(f)
        d = self.disagreement(f)
        q = np.asarray(status_quo, dtype=float)
        c, d, q, tol_b = np.broadcast_arrays(c, d, q, np.asarray(tol, dtype=float))
        cont = np.clip(c[..., None] + self.residuals * (self.offset + d[..., None]), 0.0, 1.0)
        p = combine_no_agreement(self.p_status_quo(f, q, core), p_none)
        has_q = np.isfinite(q)
        far = ~(np.abs(cont - q[..., None]) <= tol_b[..., None] + 1e-12)
        far = np.where(has_q[..., None], far, True)
        n_far = far.sum(axis=-1)
        # Where every atom lies at the status quo there is nothing to exclude.
        far = np.where((n_far == 0)[..., None], True, far)
        n_far = far.sum(axis=-1)
        pq = np.where(has_q, p, 0.0)
        w_cont = np.where(far, ((1.0 - pq) / n_far)[..., None], 0.0)
        values = np.concatenate([cont, np.where(has_q, q, 0.0)[..., None]], axis=-1)
        weights = np.concatenate([w_cont, pq[..., None]], axis=-1)
        return values, weights, np.where(has_q, p, np.nan)

    # files -----------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (see :meth:`from_dict`)."""
        return {
            "members": list(self.members),
            "weights": [round(float(v), 6) for v in self.weights],
            "shrink": self.shrink,
            "offset": self.offset,
            "residuals": [round(float(v), 6) for v in self.residuals],
            "status_quo_model": {
                "features": list(SQ_FEATURES),
                "coef": [round(float(v), 6) for v in self.sq_coef],
                "mean": [round(float(v), 6) for v in self.sq_mean],
                "scale": [round(float(v), 6) for v in self.sq_scale],
                "C": self.sq_C,
                "base_rate": round(self.base_rate, 6),
            },
            "n_train": self.n_train,
            **self.info,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ensemble:
        sq = data["status_quo_model"]
        if list(sq["features"]) != list(SQ_FEATURES):
            raise ParameterError(
                f"the fitted values use status-quo features {sq['features']}, this version "
                f"{list(SQ_FEATURES)}: refit them"
            )
        known = {"members", "weights", "shrink", "offset", "residuals", "status_quo_model"}
        return cls(
            members=tuple(data["members"]),
            weights=np.array(data["weights"], dtype=float),
            shrink=float(data["shrink"]),
            offset=float(data["offset"]),
            residuals=np.array(data["residuals"], dtype=float),
            sq_coef=np.array(sq["coef"], dtype=float),
            sq_mean=np.array(sq["mean"], dtype=float),
            sq_scale=np.array(sq["scale"], dtype=float),
            sq_C=float(sq["C"]),
            base_rate=float(sq["base_rate"]),
            n_train=int(data["n_train"]),
            info={k: v for k, v in data.items() if k not in known | {"n_train"}},
        )


def combine_no_agreement(p_given_agreement, p_none) -> np.ndarray:
    """``P(sq) = P(none) + (1 - P(none)) P(sq | agreement)``.

    >>> float(combine_no_agreement(0.2, 0.5))
    0.6
    """
    p = np.asarray(p_given_agreement, dtype=float)
    n = np.asarray(p_none, dtype=float)
    return n + (1.0 - n) * p


def sq_design(forecasts, status_quo, core) -> np.ndarray:
    """``(..., 2)`` status-quo features from ``(..., M)`` member forecasts: the distance from
    the status quo to the nearest member forecast (unit scale) and the core indicator (a NaN
    status quo gives distance 0; its probability is not used).

    >>> sq_design(np.array([[0.2, 0.5]]), np.array([0.45]), np.array([1.0])).round(2).tolist()
    [[0.05, 1.0]]
    """
    q = np.asarray(status_quo, dtype=float)
    f = np.asarray(forecasts, dtype=float)
    near = np.abs(f - q[..., None]).min(axis=-1)
    dist = np.where(np.isfinite(q), near, 0.0)
    dist, k = np.broadcast_arrays(dist, np.asarray(core, dtype=float))
    return np.stack([dist, k], axis=-1)


def _logistic(coef: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _sigmoid(coef[0] + x @ coef[1:])


def _sigmoid(eta: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -np.asarray(eta, dtype=float)))


# -- fitting ----------------------------------------------------------------------------------


def group_folds(groups: np.ndarray, k: int) -> np.ndarray:
    """Deterministic fold of each issue: the distinct groups, sorted, dealt round-robin into
    ``k`` folds (``k`` at most the number of groups)."""
    uniq, inv = np.unique(np.asarray(groups), return_inverse=True)
    k = min(k, uniq.size)
    # A fixed permutation (by a hash-free rule) so that neighbouring proposals spread out.
    order = np.argsort((np.arange(uniq.size) * 7919) % max(uniq.size, 1), kind="stable")
    fold_of_group = np.empty(uniq.size, dtype=int)
    fold_of_group[order] = np.arange(uniq.size) % k
    return fold_of_group[inv]


def lad_simplex_weights(forecasts: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """Weights on the simplex minimising ``sum_i |y_i - f_i . w|`` (a linear programme).

    >>> f = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    >>> lad_simplex_weights(f, np.array([1.0, 1.0, 0.0])).round(3).tolist()
    [0.0, 1.0]
    """
    from scipy.optimize import linprog

    f = np.asarray(forecasts, dtype=float)
    y = np.asarray(outcome, dtype=float)
    n, m = f.shape
    # variables: w (m), u+ (n), u- (n);  f w + u+ - u- = y
    cost = np.concatenate([np.zeros(m), np.ones(2 * n)])
    a_eq = np.zeros((n + 1, m + 2 * n))
    a_eq[:n, :m] = f
    a_eq[:n, m : m + n] = np.eye(n)
    a_eq[:n, m + n :] = -np.eye(n)
    a_eq[n, :m] = 1.0
    b_eq = np.concatenate([y, [1.0]])
    res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if not res.success:  # pragma: no cover - the programme is always feasible
        return np.full(m, 1.0 / m)
    w = np.clip(res.x[:m], 0.0, None)
    return w / w.sum()


def _weights(data: EnsembleData, shrink: float) -> np.ndarray:
    m = data.forecasts.shape[1]
    w = lad_simplex_weights(data.forecasts, data.outcome)
    return (1.0 - shrink) * w + shrink * np.full(m, 1.0 / m)


def _oof_centres(data: EnsembleData, shrink: float, folds: np.ndarray) -> tuple:
    """Inner out-of-fold centres and disagreements with shrinkage ``shrink``."""
    c = np.empty(data.n)
    d = np.empty(data.n)
    for f in np.unique(folds):
        test = folds == f
        w = _weights(data.take(~test), shrink)
        ft = data.forecasts[test]
        c[test] = ft @ w
        d[test] = np.abs(ft - (ft @ w)[:, None]) @ w
    return c, d


def fit_logistic(x: np.ndarray, y: np.ndarray, C: float, iters: int = 50) -> np.ndarray:
    """L2-penalised logistic regression by Newton's method (the intercept is not penalised);
    returns the intercept and the coefficients.

    >>> x = np.array([[0.0], [0.0], [1.0], [1.0]]); y = np.array([0, 0, 1, 1.0])
    >>> bool(fit_logistic(x, y, 1.0)[1] > 0)
    True
    """
    n, k = x.shape
    a = np.column_stack([np.ones(n), x])
    beta = np.zeros(k + 1)
    mean = np.clip(y.mean(), 1e-3, 1 - 1e-3)
    beta[0] = np.log(mean / (1 - mean))
    pen = np.full(k + 1, 1.0 / C)
    pen[0] = 0.0
    for _ in range(iters):
        p = _sigmoid(a @ beta)
        grad = a.T @ (p - y) + pen * beta
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(pen) + 1e-9 * np.eye(k + 1)
        step = np.linalg.solve(hess, grad)
        beta = beta - step
        if np.abs(step).max() < 1e-10:
            break
    return beta


def _sq_fit(x: np.ndarray, hit: np.ndarray, C: float) -> tuple:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    return fit_logistic((x - mean) / scale, hit, C), mean, scale


def _crps_rows(values: np.ndarray, weights: np.ndarray, y: np.ndarray) -> np.ndarray:
    import scoringrules as sr

    return np.asarray(sr.crps_ensemble(y, values, ens_w=weights, backend="numpy"), dtype=float)


def fit(data: EnsembleData, *, inner_folds: int = INNER_FOLDS) -> Ensemble:
    """Fit the ensemble on ``data`` (every choice made from it alone).

    The shrinkage of the weights and the spread offset are chosen by inner cross-validation by
    group (``inner_folds`` folds): the shrinkage minimising the inner out-of-fold mean absolute
    error of the centre, then the offset minimising the mean CRPS of the distributions built
    from the inner out-of-fold residuals. The logistic model's penalty is chosen by inner
    cross-validated Brier score.
    """
    ok = np.isfinite(data.outcome)
    data = data.take(ok)
    if data.n < 10:
        raise ParameterError(f"the ensemble needs at least 10 issues with outcomes, got {data.n}")
    folds = group_folds(data.groups, inner_folds)
    y = data.outcome
    best = None
    for s in SHRINK_GRID:
        c, d = _oof_centres(data, s, folds)
        mae = float(np.abs(y - c).mean())
        if best is None or mae < best[0] - 1e-12:
            best = (mae, s, c, d)
    _, shrink, c_oof, d_oof = best
    w = _weights(data, shrink)
    e = y - c_oof
    best_o = None
    for off in OFFSET_GRID:
        z = np.sort(e / (off + d_oof))
        vals = np.clip(c_oof[:, None] + z[None, :] * (off + d_oof[:, None]), 0.0, 1.0)
        crps = float(_crps_rows(vals, np.ones_like(vals) / vals.shape[1], y).mean())
        if best_o is None or crps < best_o[0] - 1e-12:
            best_o = (crps, off, z)
    _, offset, z = best_o
    # status quo: issues with one
    hq = np.isfinite(data.status_quo)
    hit = (np.abs(y - data.status_quo) <= data.tol + 1e-12)[hq].astype(float)
    x_all = sq_design(data.forecasts, data.status_quo, data.core)[hq]
    base = float(hit.mean()) if hit.size else 0.0
    best_c = None
    if hit.size >= 10 and 0 < hit.sum() < hit.size:
        sfolds = folds[hq]
        for C in C_GRID:
            p = np.empty(hit.size)
            for f in np.unique(sfolds):
                t = sfolds == f
                if (~t).sum() == 0 or hit[~t].min() == hit[~t].max():
                    p[t] = hit[~t].mean() if (~t).any() else base
                    continue
                coef, mu, sc = _sq_fit(x_all[~t], hit[~t], C)
                p[t] = _logistic(coef, (x_all[t] - mu) / sc)
            brier = float(((p - hit) ** 2).mean())
            if best_c is None or brier < best_c[0] - 1e-12:
                best_c = (brier, C)
        C = best_c[1]
        x_fit = x_all
        coef, mu, sc = _sq_fit(x_fit, hit, C)
    else:
        C = float("nan")
        k = len(SQ_FEATURES)
        b = np.clip(base, 1e-3, 1 - 1e-3)
        coef, mu, sc = np.concatenate([[np.log(b / (1 - b))], np.zeros(k)]), np.zeros(k), np.ones(k)
    return Ensemble(
        members=data.members,
        weights=w,
        shrink=float(shrink),
        offset=float(offset),
        residuals=z,
        sq_coef=coef,
        sq_mean=mu,
        sq_scale=sc,
        sq_C=float(C),
        base_rate=base,
        n_train=data.n,
    )


# -- out-of-sample distributions and scores ---------------------------------------------------


@dataclass
class Predictions:
    """Distributions of issues as atoms (unit scale) with what is needed to score them."""

    values: np.ndarray
    weights: np.ndarray
    p_status_quo: np.ndarray
    outcome: np.ndarray
    status_quo: np.ndarray
    tol: np.ndarray
    base_rate: np.ndarray | None = None
    """``(n,)`` the training base rate of the status quo holding (for the Brier bar)."""

    def quantiles(self, levels=(0.1, 0.5, 0.9)) -> np.ndarray:
        """``(n, len(levels))`` quantiles."""
        return weighted_quantiles(self.values, self.weights, levels)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, levels) -> np.ndarray:
    """Quantiles of weighted atoms along the last axis: the smallest atom whose cumulative
    weight reaches the level (the inverse of the distribution function); the median of two
    equally weighted atoms is the lower one.

    >>> weighted_quantiles(np.array([3.0, 1.0, 2.0]), np.array([0.2, 0.5, 0.3]), [0.5, 0.9])
    array([1., 3.])
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    order = np.argsort(v, axis=-1, kind="stable")
    vs = np.take_along_axis(v, order, axis=-1)
    return sorted_quantiles(vs, np.take_along_axis(w, order, axis=-1), levels)


def sorted_quantiles(values: np.ndarray, weights: np.ndarray, levels) -> np.ndarray:
    """:func:`weighted_quantiles` of atoms already sorted along the last axis.

    >>> sorted_quantiles(np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.3, 0.2]), [0.5, 0.9])
    array([1., 3.])
    """
    vs = np.asarray(values, dtype=float)
    cw = np.cumsum(np.asarray(weights, dtype=float), axis=-1)
    cw = cw / cw[..., -1:]
    out = []
    for t in levels:
        idx = (cw < t - 1e-12).sum(axis=-1)
        idx = np.minimum(idx, vs.shape[-1] - 1)
        out.append(np.take_along_axis(vs, np.asarray(idx)[..., None], axis=-1)[..., 0])
    return np.stack(out, axis=-1)


def predict(ens: Ensemble, data: EnsembleData, p_none=0.0) -> Predictions:
    """The distributions of ``data``'s issues under ``ens``."""
    v, w, p = ens.atoms(data.forecasts, data.status_quo, data.core, data.tol, p_none)
    return Predictions(v, w, p, data.outcome, data.status_quo, data.tol)


def point_model(forecast: np.ndarray, residuals: np.ndarray, data: EnsembleData) -> Predictions:
    """A point model's comparable distribution: its forecast plus its residuals (clipped to
    the scale); ``p_status_quo`` is the share of atoms within 1 point of the status quo."""
    f = np.asarray(forecast, dtype=float)
    vals = np.clip(f[:, None] + np.asarray(residuals, dtype=float)[None, :], 0.0, 1.0)
    wts = np.full(vals.shape, 1.0 / vals.shape[1])
    q = data.status_quo
    near = np.abs(vals - q[:, None]) <= data.tol[:, None] + 1e-12
    p = np.where(np.isfinite(q), near.mean(axis=1), np.nan)
    return Predictions(vals, wts, p, data.outcome, q, data.tol)


def nested_cv(
    data: EnsembleData, outer_folds: int | None = None, inner_folds: int = INNER_FOLDS
) -> tuple[Predictions, dict[str, Predictions], list[Ensemble]]:
    """Out-of-fold distributions of the ensemble and of each member as a point model.

    Outer folds by group: ``outer_folds=None`` leaves one group (proposal) out at a time.
    In each outer fold the ensemble is fitted (with its inner cross-validation) on the other
    groups only, and each member's residual spread is taken from its errors on those groups.

    Returns the ensemble's predictions, each member's and the fitted ensembles (one per fold).
    """
    ok = np.isfinite(data.outcome)
    data = data.take(ok)
    n_groups = np.unique(data.groups).size
    folds = group_folds(data.groups, outer_folds or n_groups)
    j_max = data.n
    vals = np.zeros((data.n, j_max + 1))
    wts = np.zeros((data.n, j_max + 1))
    p = np.full(data.n, np.nan)
    base = np.full(data.n, np.nan)
    m_vals = {m: np.zeros((data.n, j_max)) for m in data.members}
    m_wts = {m: np.zeros((data.n, j_max)) for m in data.members}
    m_p = {m: np.full(data.n, np.nan) for m in data.members}
    fitted = []
    for f in np.unique(folds):
        test = folds == f
        train = data.take(~test)
        ens = fit(train, inner_folds=inner_folds)
        fitted.append(ens)
        pr = predict(ens, data.take(test))
        k = pr.values.shape[1]
        vals[test, :k] = pr.values
        wts[test, :k] = pr.weights
        p[test] = pr.p_status_quo
        base[test] = ens.base_rate
        for j, m in enumerate(data.members):
            res = train.outcome - train.forecasts[:, j]
            pm = point_model(data.forecasts[test, j], res, data.take(test))
            k = pm.values.shape[1]
            m_vals[m][test, :k] = pm.values
            m_wts[m][test, :k] = pm.weights
            m_p[m][test] = pm.p_status_quo
    ens_pred = Predictions(vals, wts, p, data.outcome, data.status_quo, data.tol, base)
    members = {
        m: Predictions(m_vals[m], m_wts[m], m_p[m], data.outcome, data.status_quo, data.tol)
        for m in data.members
    }
    return ens_pred, members, fitted


def score(pred: Predictions, scale: float | np.ndarray = 100.0) -> dict[str, float]:
    """Scores of distributions against outcomes, in points (unit values times ``scale``).

    ``mae`` of the median, ``crps`` (:func:`scoringrules.crps_ensemble` over the weighted
    atoms), ``coverage80`` (share of outcomes within the 10% and 90% quantiles), ``brier`` of
    ``p_status_quo`` on issues with a status quo, ``brier_base`` that of the training base
    rate (when the predictions carry one) and ``n_sq`` the number of such issues.
    """
    y = pred.outcome
    qs = pred.quantiles((0.1, 0.5, 0.9))
    s = np.asarray(scale, dtype=float)
    crps = _crps_rows(pred.values, pred.weights, y) * s
    ae = np.abs(qs[:, 1] - y) * s
    cover = (y >= qs[:, 0] - 1e-9) & (y <= qs[:, 2] + 1e-9)
    hq = np.isfinite(pred.status_quo) & np.isfinite(pred.p_status_quo)
    hit = (np.abs(y - pred.status_quo) <= pred.tol + 1e-12)[hq]
    brier = float(((pred.p_status_quo[hq] - hit) ** 2).mean()) if hq.any() else np.nan
    brier_base = np.nan
    if pred.base_rate is not None and hq.any():
        brier_base = float(((pred.base_rate[hq] - hit) ** 2).mean())
    return {
        "n": int(y.size),
        "mae": float(ae.mean()),
        "crps": float(crps.mean()),
        "coverage80": float(cover.mean()),
        "brier": brier,
        "brier_base": brier_base,
        "n_sq": int(hq.sum()),
    }


def per_issue_scores(pred: Predictions, scale=100.0) -> dict[str, np.ndarray]:
    """Per-issue ``crps``, ``abs_error``, ``covered`` and ``sq_hit`` (for bootstrap intervals)."""
    y = pred.outcome
    qs = pred.quantiles((0.1, 0.5, 0.9))
    s = np.asarray(scale, dtype=float)
    return {
        "crps": _crps_rows(pred.values, pred.weights, y) * s,
        "abs_error": np.abs(qs[:, 1] - y) * s,
        "covered": ((y >= qs[:, 0] - 1e-9) & (y <= qs[:, 2] + 1e-9)).astype(float),
        "sq_hit": np.where(
            np.isfinite(pred.status_quo),
            (np.abs(y - pred.status_quo) <= pred.tol + 1e-12).astype(float),
            np.nan,
        ),
    }
