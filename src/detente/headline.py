"""The headline forecast: per issue a distribution of outcomes, and what it means in words.

For each issue it combines

- the **input ranges**: ``draws`` Monte Carlo draws of the scenario's uncertain numbers
  (:mod:`detente.run.draws`, PERT by default), each run through the ensemble's member models
  in their batched forms (:func:`detente.run.batched.forecast_batch`);
- the **models' disagreement and their record**: the ensemble fitted on the DEU III
  development half (:mod:`detente.validation.ensemble`; the values shipped in
  ``detente/data/headline.json``): in every draw a weighted centre of the members, a spread
  of residuals scaled by the members' disagreement, and the probability that the status quo
  holds;
- **dynamic models that do not settle**: where the member's run at the scenario's values cycles
  or drifts (:mod:`detente.analysis.convergence`), the draws take the values of the whole cycle
  in turn (draw ``r`` takes phase ``r mod p``, shifted to that draw's last round) instead of
  the last round alone;
- **forums that may end with nothing**: the ensemble's ``P(sq | agreement)`` is learned where
  every proposal was adopted; an issue whose forum need not decide (``must_decide`` false)
  gets ``P(sq) = P(none) + (1 - P(none)) P(sq | agreement)``, with ``P(none)`` the explicit
  prior ``no_agreement`` (shipped default 0.5, not estimated from any data). The columns
  ``*_if_agreement`` give the same figures should the forum agree (``P(none) = 0``), which
  the prior does not touch; where the forum must decide they equal the headline's.

The result: ``forecast`` (the median), ``q10`` and ``q90`` (the 80% interval) and
``p_status_quo`` (probability that the outcome lies within 1 point of the status quo on a
0..100 scale: 1% of the scale's width, :data:`~detente.validation.ensemble.NO_CHANGE`), with
Monte Carlo standard errors from ten interleaved groups of draws (draw ``r`` in group
``r mod 10``). Draw ``r``'s inputs depend only on the seed and ``r`` (see
:mod:`detente.run.draws`) and the members' batched forms equal their single runs, so the same
scenario, draws and seed give the same figures on any machine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.errors import DetenteError, ParameterError

if TYPE_CHECKING:  # the models are imported where they run, so a command starts fast
    from detente.models import ModelResult

DEFAULT_DRAWS = 500
MC_GROUPS = 10
COLUMNS = [
    "issue",
    "forecast",
    "q10",
    "q90",
    "p_status_quo",
    "issue_name",
    "status_quo",
    "low",
    "high",
    "low_label",
    "high_label",
    "rule",
    "must_decide",
    "p_no_agreement",
    "models_low",
    "models_high",
    "agreement",
    "flags",
    "consensus",
    "se_forecast",
    "se_q10",
    "se_q90",
    "se_p_status_quo",
    "forecast_if_agreement",
    "q10_if_agreement",
    "q90_if_agreement",
    "p_status_quo_if_agreement",
    "draws",
    "seed",
]


@dataclass
class Headline:
    """The headline of a scenario: the table and what produced it.

    Attributes
    ----------
    frame:
        One row per issue (columns :data:`COLUMNS`).
    members:
        Ensemble members and their weights.
    model_forecasts:
        ``{model: (d,)}`` forecast of each model run once at the scenario's values.
    convergence:
        ``{model: [IssueConvergence per issue]}`` for the dynamic models run.
    consensus:
        ``{model: words}`` where a dynamic model ends with every actor at one position.
    """

    frame: Any
    members: dict[str, float]
    model_forecasts: dict[str, np.ndarray]
    convergence: dict[str, list] = field(default_factory=dict)
    consensus: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _rule_text(arrays, k: int, labels: Sequence[str] | None = None) -> str:
    """How issue ``k`` is decided, in words; actors by ``labels`` (their names, in the
    arrays' order) where given, else by id."""
    from detente.scenario.arrays import RULES

    code = int(arrays.rule[k]) if arrays.rule is not None else 0
    name = RULES[code]
    actors = tuple(labels) if labels is not None else arrays.actors
    if name == "consensus":
        vetoes = [actors[i] for i in np.flatnonzero(arrays.veto[:, k])]
        text = "consensus of " + (", ".join(vetoes) if vetoes else "every actor")
    elif name == "vote":
        text = f"vote, {float(arrays.threshold[k]):.0%} of the weight"
        vetoes = [actors[i] for i in np.flatnonzero(arrays.veto[:, k])]
        if vetoes:
            text += "; veto: " + ", ".join(vetoes)
    elif name == "unilateral":
        c = int(arrays.controller[k])
        text = f"unilateral: {actors[c]}" if c >= 0 else "unilateral"
    else:
        text = "no rule declared (consensus of every actor assumed)"
    s = int(arrays.setter[k]) if arrays.setter is not None else -1
    if s >= 0:
        text += f"; agenda: {actors[s]}"
    return text


def _agreement_text(values: dict[str, float], scale: float) -> str:
    v = np.array(list(values.values()), dtype=float)
    names = list(values)
    lo, hi = int(np.nanargmin(v)), int(np.nanargmax(v))
    width = float(v[hi] - v[lo])
    share = width / scale
    word = "agree" if share <= 0.1 else ("differ" if share <= 0.25 else "disagree")
    return (
        f"models {word}: {width:.0f} points apart "
        f"({names[lo]} {v[lo]:.0f} .. {names[hi]} {v[hi]:.0f})"
    )


LEVELS = (0.1, 0.5, 0.9)
CHUNK = 250
"""Draws per chunk of work (a chunk's figures do not depend on its size)."""


@dataclass(frozen=True)
class MemberTask:
    """The members' forecasts (and the core indicator) on one chunk ``(index, start, stop)``
    of runs; picklable, for process pools."""

    scenario: Any
    members: tuple[str, ...]
    seed: int
    distribution: str
    core_model: str | None

    def __call__(self, chunk: tuple[int, int, int]) -> dict[str, np.ndarray]:
        from detente.models import get_model
        from detente.run.batched import forecast_batch
        from detente.run.draws import STREAM_MODEL, draw_batch, run_generator
        from detente.validation.ensemble import NO_CHANGE

        _, start, stop = chunk
        runs = range(start, stop)
        batch, _ = draw_batch(self.scenario, self.seed, runs, self.distribution)
        d = batch.base.n_issues
        f = np.empty((len(runs), d, len(self.members)))
        for j, m in enumerate(self.members):
            stochastic = get_model(m).stochastic
            rngs = [run_generator(self.seed, r, STREAM_MODEL) for r in runs] if stochastic else None
            f[:, :, j] = forecast_batch(m, batch, None, rngs)
        core = np.zeros((len(runs), d))
        if self.core_model is not None:
            pc = forecast_batch(self.core_model, batch)
            tol = NO_CHANGE * batch.base.span
            core = (np.abs(pc - batch.status_quo) <= tol + 1e-9).astype(float)
        return {"forecasts": f, "status_quo": batch.status_quo, "core": core}


def _executor(workers: int):
    from detente.run.executors import InProcess, ProcessPool

    if workers < 1:
        raise ParameterError(f"workers must be at least 1, got {workers}")
    return InProcess() if workers == 1 else ProcessPool(workers)


def _fill_missing(f: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """A member without a forecast on an issue in a draw takes the weighted mean of the
    others (NaN stays where no member forecasts)."""
    ok = np.isfinite(f)
    tot = np.where(ok, weights, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.where(ok, f, 0.0) @ weights / tot
    return np.where(ok, f, centre[..., None])


def _empty_row(s, arrays, k: int, iss, draws: int, seed: int) -> dict[str, Any]:
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(
        issue=iss.id,
        issue_name=iss.label,
        low=float(arrays.low[k]),
        high=float(arrays.high[k]),
        low_label=iss.scale.low_label or "",
        high_label=iss.scale.high_label or "",
        rule=_rule_text(arrays, k),
        must_decide=bool(arrays.must_decide[k]),
        agreement="",
        flags="no model forecasts this issue (no actor has a stance)",
        consensus="",
        status_quo=float(arrays.status_quo[k]),
        draws=draws,
        seed=seed,
    )
    return row


def headline(
    scenario,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    distribution: str = "pert",
    no_agreement: float | None = None,
    models: Sequence[str] | None = None,
    workers: int = 1,
    results: Mapping[str, ModelResult] | None = None,
) -> Headline:
    """The headline forecast of a scenario (see the module docstring).

    Parameters
    ----------
    scenario:
        A :class:`~detente.scenario.Scenario` or anything :func:`detente.load` takes.
    draws:
        Monte Carlo draws of the input ranges (at least 10).
    seed:
        Seed of the draws (a non-negative integer).
    distribution:
        ``pert``, ``triangular`` or ``uniform``.
    no_agreement:
        ``P(no agreement)`` for issues whose forum need not decide; default: the shipped
        prior.
    models:
        The models run once at the scenario's values for the convergence flags (default:
        every registered model that can run on the scenario); the members always run.
    workers:
        Local processes computing the draws (1: in this process). The figures are the same
        for any number.
    results:
        Runs of models at the scenario's values with their default parameters and ``seed``,
        already made by the caller (the report, the web page): reused instead of run again.

    Returns
    -------
    Headline

    Examples
    --------
    >>> import detente
    >>> h = headline(detente.load("syria-astana-2017"), draws=50)
    >>> list(h.frame.columns[:5])
    ['issue', 'forecast', 'q10', 'q90', 'p_status_quo']
    """
    import pandas as pd

    from detente.analysis.convergence import consensus, convergence, cycle_values
    from detente.models import available_models, get_model
    from detente.scenario import load
    from detente.validation.ensemble import NO_CHANGE, sorted_quantiles
    from detente.validation.headline_fit import shipped, shipped_ensemble

    if draws < MC_GROUPS:
        raise ParameterError(f"draws must be at least {MC_GROUPS}, got {draws}")
    s = load(scenario)
    ens = shipped_ensemble()
    fitted = shipped()
    p_none_prior = float(fitted["no_agreement_prior"] if no_agreement is None else no_agreement)
    if not 0.0 <= p_none_prior <= 1.0:
        raise ParameterError(f"no_agreement must be within 0..1, got {no_agreement}")
    arrays = s.to_arrays()
    d = arrays.n_issues
    span, low = arrays.span, arrays.low

    # 1. every model once at the scenario's values: agreement and convergence
    names = list(models) if models else available_models()
    for m in ens.members:
        if m not in names:
            names.append(m)
    single: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for m in names:
        if results is not None and m in results:
            single[m] = results[m]
            continue
        spec = get_model(m)
        why = spec.not_applicable(arrays)
        if why is None:
            rng = np.random.default_rng(seed) if spec.stochastic else None
            try:
                single[m] = spec(arrays, spec.params(), rng)
            except DetenteError as exc:  # a model that refuses these inputs is left out
                why = str(exc)
        if why is not None:
            failed[m] = why
    dynamic = {m: r for m, r in single.items() if get_model(m).dynamic and r.rounds is not None}
    conv = {m: convergence(r, span) for m, r in dynamic.items()}
    cons = {
        m: text
        for m, r in dynamic.items()
        if (text := consensus(r, arrays.actors, span)) is not None
    }

    # 2. the members on every draw (chunks of runs; the same figures for any chunking)
    usable = [m for m in ens.members if m not in failed]
    if not usable:
        raise DetenteError(f"no model of the headline ensemble can run on scenario {s.id!r}")
    if len(usable) < len(ens.members):
        dropped = [m for m in ens.members if m not in usable]
        ens = ens.subset(usable)
        notes_pre = [f"not in the ensemble here (cannot run): {', '.join(dropped)}"]
    else:
        notes_pre = []
    core_name = fitted.get("core_model")
    runs_here = bool(core_name) and get_model(core_name).not_applicable(arrays) is None
    core_name = core_name if runs_here else None
    task = MemberTask(s, tuple(ens.members), seed, distribution, core_name)
    chunks = [(i, a, min(a + CHUNK, draws)) for i, a in enumerate(range(0, draws, CHUNK))]
    parts: dict[int, dict] = {}
    ex = _executor(workers)
    try:
        ex.map_chunks(task, chunks, lambda i, res: parts.__setitem__(i, res))
    finally:
        ex.close()
    f = np.concatenate([parts[i]["forecasts"] for i in range(len(chunks))])
    sq_draws = np.concatenate([parts[i]["status_quo"] for i in range(len(chunks))])
    core = np.concatenate([parts[i]["core"] for i in range(len(chunks))])
    for j, m in enumerate(ens.members):
        if m in dynamic:
            # the whole cycle (or unsettled tail) in turn, shifted to each draw's last round
            for k, vals in enumerate(cycle_values(single[m], span)):
                if vals.size > 1 and np.isfinite(vals).all():
                    shift = vals - vals[-1]
                    f[:, k, j] = np.clip(
                        f[:, k, j] + shift[np.arange(draws) % vals.size], low[k], arrays.high[k]
                    )
    f = _fill_missing(f, ens.weights)
    fu = (f - low[None, :, None]) / span[None, :, None]
    qu = (sq_draws - low) / span
    tol = np.full((draws, d), NO_CHANGE)
    must = np.asarray(arrays.must_decide, dtype=bool)
    p_none = np.where(must, 0.0, p_none_prior)[None, :] * np.ones((draws, 1))
    vals, wts, p = ens.atoms(fu, qu, core, tol, p_none)  # (B, d, J+1)
    # the same, should the forum agree (no mass for "no agreement"): where it must decide,
    # these are the figures above
    vals_a, wts_a, p_a = (vals, wts, p) if must.all() else ens.atoms(fu, qu, core, tol, 0.0)

    # 3. pool the draws; Monte Carlo errors from interleaved groups
    groups = np.arange(draws) % MC_GROUPS
    rows = []
    for k, iss in enumerate(s.issues):
        v, w = vals[:, k, :], wts[:, k, :]
        if not np.isfinite(f[:, k, :]).all():
            rows.append(_empty_row(s, arrays, k, iss, draws, seed))
            continue
        # one sort serves the pooled quantiles and those of each group of draws
        order = np.argsort(v.reshape(-1), kind="stable")
        vs, ws = v.reshape(-1)[order], w.reshape(-1)[order]
        gs = np.repeat(groups, v.shape[1])[order]
        qs = sorted_quantiles(vs, ws, LEVELS)
        g_q = np.array(
            [sorted_quantiles(vs[gs == g], ws[gs == g], LEVELS) for g in range(MC_GROUPS)]
        )
        se_q = g_q.std(axis=0, ddof=1) / np.sqrt(MC_GROUPS) * span[k]
        pk = p[:, k]
        has_q = np.isfinite(arrays.status_quo[k])
        p_sq = float(pk.mean()) if has_q else np.nan
        se_p = (
            float(np.array([pk[groups == g].mean() for g in range(MC_GROUPS)]).std(ddof=1))
            / np.sqrt(MC_GROUPS)
            if has_q
            else np.nan
        )
        if must[k]:
            qa, p_sq_a = qs, p_sq
        else:
            va, wa = vals_a[:, k, :].reshape(-1), wts_a[:, k, :].reshape(-1)
            oa = np.argsort(va, kind="stable")
            qa = sorted_quantiles(va[oa], wa[oa], LEVELS)
            p_sq_a = float(p_a[:, k].mean()) if has_q else np.nan
        mf = {m: float(r.forecast[k]) for m, r in single.items() if m in ens.members}
        flags = []
        for m, cl in conv.items():
            if cl[k].flagged:
                flags.append(f"{m} {cl[k].text}")
        rows.append(
            {
                "issue": iss.id,
                "issue_name": iss.label,
                "forecast": float(low[k] + qs[1] * span[k]),
                "q10": float(low[k] + qs[0] * span[k]),
                "q90": float(low[k] + qs[2] * span[k]),
                "p_status_quo": p_sq,
                "status_quo": float(arrays.status_quo[k]) if has_q else np.nan,
                "low": float(low[k]),
                "high": float(arrays.high[k]),
                "low_label": iss.scale.low_label or "",
                "high_label": iss.scale.high_label or "",
                "rule": _rule_text(arrays, k, [a.label for a in s.actors]),
                "must_decide": bool(must[k]),
                "p_no_agreement": 0.0 if must[k] else p_none_prior,
                "models_low": min(mf.values()) if mf else np.nan,
                "models_high": max(mf.values()) if mf else np.nan,
                "agreement": _agreement_text(mf, float(span[k])) if mf else "",
                "flags": "; ".join(flags),
                "consensus": "; ".join(f"{m}: {text}" for m, text in cons.items()),
                "se_forecast": float(se_q[1]),
                "se_q10": float(se_q[0]),
                "se_q90": float(se_q[2]),
                "se_p_status_quo": se_p,
                "forecast_if_agreement": float(low[k] + qa[1] * span[k]),
                "q10_if_agreement": float(low[k] + qa[0] * span[k]),
                "q90_if_agreement": float(low[k] + qa[2] * span[k]),
                "p_status_quo_if_agreement": p_sq_a,
                "draws": draws,
                "seed": seed,
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    notes = list(notes_pre)
    if not must.all():
        notes.append(
            f"P(no agreement) = {p_none_prior:.2f} (a prior, not estimated) on issues whose forum "
            "need not decide; P(sq) = P(none) + (1 - P(none)) P(sq | agreement). The 'if they "
            "agree' figures leave the prior out: the forecast should the forum agree"
        )
    return Headline(
        frame=frame,
        members=dict(zip(ens.members, (float(x) for x in ens.weights))),
        model_forecasts={m: np.asarray(r.forecast, dtype=float) for m, r in single.items()},
        convergence=conv,
        consensus=cons,
        notes=notes,
    )


def monte_carlo_error(frame) -> tuple[float, float]:
    """The largest Monte Carlo standard error in a headline table: in points on a forecast or
    interval end, and on a chance (a share); NaN where the table has none.

    >>> import detente
    >>> points, chance = monte_carlo_error(headline_frame(detente.load(), draws=50))
    >>> 0 < points < 10 and 0 <= chance < 0.1
    True
    """
    q = frame[["se_forecast", "se_q10", "se_q90"]].to_numpy(dtype=float)
    p = frame["se_p_status_quo"].to_numpy(dtype=float)
    points = float(np.nanmax(q)) if np.isfinite(q).any() else float("nan")
    chance = float(np.nanmax(p)) if np.isfinite(p).any() else float("nan")
    return points, chance


def headline_frame(scenario, **kwargs) -> Any:
    """The headline table of a scenario as a DataFrame (one row per issue; columns
    :data:`COLUMNS`); keyword arguments as :func:`headline`.

    >>> import detente
    >>> df = headline_frame(detente.load("syria-astana-2017"), draws=50)
    >>> bool(((df["q10"] <= df["forecast"]) & (df["forecast"] <= df["q90"])).all())
    True
    """
    return headline(scenario, **kwargs).frame


def interval_chart(frame, *, title: str = ""):
    """A matplotlib figure of the headline: per issue its scale, the 80% interval as a bar,
    the forecast as a dot, the status quo as a cross with the chance it holds.

    ``frame`` is the table of :func:`headline_frame`. The caller saves or shows the figure
    (and closes it).

    >>> import detente
    >>> fig = interval_chart(headline_frame(detente.load("syria-astana-2017"), draws=50))
    >>> len(fig.axes)
    1
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import textwrap

    from matplotlib.figure import Figure

    n = len(frame)
    height = 0.62 * n + 1.4
    fig = Figure(figsize=(9.0, height))
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(n)[::-1]
    for yi, (_, r) in zip(y, frame.iterrows()):
        lo, hi = float(r["low"]), float(r["high"])
        u = lambda v, lo=lo, hi=hi: 100.0 * (float(v) - lo) / (hi - lo)
        ax.plot([0, 100], [yi, yi], color="#d0d0d0", lw=1, zorder=1)
        ax.plot([u(r["q10"]), u(r["q90"])], [yi, yi], color="#2f6fab", lw=7, alpha=0.55, zorder=2)
        ax.plot([u(r["forecast"])], [yi], "o", color="#1b3f66", ms=7, zorder=3)
        if np.isfinite(r["status_quo"]):
            ax.plot([u(r["status_quo"])], [yi], "x", color="#b03a2e", ms=8, mew=2, zorder=4)
            ax.annotate(
                f"no change {100 * r['p_status_quo']:.0f}%",
                (101, yi),
                fontsize=8,
                va="center",
                color="#b03a2e",
                annotation_clip=False,
            )
    ax.set_yticks(y)
    labels = []
    for _, r in frame.iterrows():
        text = textwrap.fill(str(r["issue_name"]), 30)
        labels.append(text + (" [!]" if r["flags"] else ""))
    ax.set_yticklabels(labels, fontsize=9)
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 100])
    ax.set_xticklabels(["low end", "high end"])
    ax.set_xlabel(
        "each issue on its own scale: bar = 80% interval, dot = forecast, x = status quo; "
        "[!] a model does not settle",
        fontsize=8,
    )
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    fig.subplots_adjust(
        left=0.33, right=0.84, top=1 - (0.4 if title else 0.15) / height, bottom=0.75 / height
    )
    return fig
