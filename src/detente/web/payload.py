"""The JSON the web API answers with: forecasts, histories, the alignment, what-ifs.

Plain functions of a validated :class:`~detente.scenario.Scenario`, run in the web app's
workers (:mod:`detente.web.jobs`). The round-by-round histories and the alliance matrix cost
more than the forecasts (the matrix grows with the square of the actors), so they are
computed only when the request asks for them (``extras``).
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from typing import Any

import numpy as np

from detente import api
from detente.errors import DetenteError, ParameterError, UnknownNameError
from detente.models import get_model
from detente.scenario import Scenario
from detente.scenario.io import scenario_to_dict

EXTRAS = ("history", "alliances", "headline")
"""What a forecast request may ask for besides the forecasts."""


def clean(v: Any) -> Any:
    """JSON-safe value: NaN and infinities become null."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def forecast_payload(
    s: Scenario, models: list[str] | None, seed: int | None, extras: tuple[str, ...] = EXTRAS
) -> dict:
    """Every model's forecast of ``s`` (the ``models`` named, else all that apply), with the
    ``extras`` asked for."""
    try:
        names = api.check_models(models) if models else api.default_models(s)
    except UnknownNameError as exc:
        raise ParameterError(f"field 'models': {exc}") from None
    skipped = []
    if models:
        results = api.run_models(s, names, seed=seed)
    else:
        # Models picked by default: one that cannot run on this scenario is left out
        # with its reason, rather than failing the whole request.
        results = {}
        for name in names:
            try:
                results[name] = api.run_model(s, name, seed=seed)
            except DetenteError as exc:
                skipped.append({"model": name, "reason": str(exc).splitlines()[0]})
        names = list(results)
    df = api.forecast_frame(s, results)
    table: dict[str, dict[str, Any]] = {m: {} for m in names}
    for rec in df.itertuples(index=False):
        table[rec.model][rec.issue] = clean(float(rec.forecast))
    return {
        "scenario": s.id,
        "models": [
            {"name": m, "title": get_model(m).title, "dynamic": get_model(m).dynamic} for m in names
        ],
        "issues": [
            {
                "id": i.id,
                "name": i.label,
                "low": i.scale.low,
                "high": i.scale.high,
                "low_label": i.scale.low_label or "",
                "high_label": i.scale.high_label or "",
                "status_quo": None if i.status_quo is None else i.status_quo.value,
            }
            for i in s.issues
        ],
        "forecasts": [
            {k: clean(v) for k, v in rec.items()} for rec in df.to_dict(orient="records")
        ],
        "table": table,
        "skipped": skipped,
        "history": history_payload(s, results) if "history" in extras else None,
        "alliances": alliance_payload(s) if "alliances" in extras else None,
        "headline": headline_payload(s, seed, results) if "headline" in extras else None,
    }


WEB_DRAWS = 200
"""Monte Carlo draws of the page's headline (its standard errors are shown with it)."""

HEADLINE_CACHE_SIZE = 64
"""Headlines kept per worker process: the same scenario and seed give the same headline (it
is deterministic), so a page that posts the same scenario again (another model, a what-if
undone, many users on the default scenario) does not pay its 0.3 s again."""

_HEADLINES: OrderedDict[str, Any] = OrderedDict()


def _headline_frame(s: Scenario, seed: int, results: dict[str, Any] | None = None):
    """:func:`detente.headline.headline_frame` of ``s`` with :data:`WEB_DRAWS` draws, from a
    small least-recently-used cache keyed by the scenario's content and the seed."""
    from detente.headline import headline_frame

    key = hashlib.sha256(f"{seed}|{WEB_DRAWS}|{s.model_dump_json()}".encode()).hexdigest()
    frame = _HEADLINES.get(key)
    if frame is None:
        frame = headline_frame(s, draws=WEB_DRAWS, seed=seed, results=results)
        _HEADLINES[key] = frame
        while len(_HEADLINES) > HEADLINE_CACHE_SIZE:
            _HEADLINES.popitem(last=False)
    else:
        _HEADLINES.move_to_end(key)
    return frame.copy()


def headline_payload(
    s: Scenario, seed: int | None, results: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The headline the page shows first, as the report's summary shows it: per issue the
    median, the 80% interval and the chance that the status quo holds
    (:func:`detente.headline.headline_frame`; ``results``: the request's model runs at
    their default parameters, reused)."""
    from detente.headline import monte_carlo_error
    from detente.report.summary import (
        HEADLINE_INTERVAL,
        fmt,
        headline_rows,
        interval_svg,
        interval_text,
    )

    frame = _headline_frame(s, seed or 0, results if seed is not None else None)
    rows = headline_rows(s, frame)
    return {
        "interval_label": HEADLINE_INTERVAL,
        "draws": WEB_DRAWS,
        "max_se": clean(monte_carlo_error(frame)[0]),
        "rows": [
            {
                "issue": r.issue,
                "forecast": clean(r.forecast),
                "low": clean(r.low),
                "high": clean(r.high),
                "status_quo": clean(r.status_quo) if r.status_quo is not None else None,
                "p_status_quo": clean(r.p_status_quo) if r.p_status_quo is not None else None,
                "words": r.words,
                "change": r.change,
                "flags": r.flags,
                "rule": r.rule,
                "if_agreement": r.if_agreement,
                # printed as the report prints them, so the two never differ
                "forecast_text": fmt(r.forecast, 0),
                "interval_text": interval_text(r),
                # the interval on the issue's scale, drawn by the code that draws the report's
                "interval_svg": interval_svg(r),
            }
            for r in rows
        ],
    }


def history_payload(s: Scenario, results: dict[str, Any]) -> dict[str, Any]:
    """Round-by-round positions of the dynamic models' runs: per model, the number of rounds
    and per issue each actor's path (actors with a stance on the issue) and the forecast."""
    out: dict[str, Any] = {}
    labels = {a.id: a.label for a in s.actors}
    mask = s.to_arrays().mask
    for name, res in results.items():
        if res.rounds is None:
            continue
        issues = {}
        for k, iss in enumerate(s.issues):
            issues[iss.id] = {
                "forecast": clean(float(res.forecast[k])),
                "actors": [
                    {
                        "id": a,
                        "label": labels[a],
                        "path": [clean(float(v)) for v in res.rounds[:, i, k]],
                    }
                    for i, a in enumerate(s.actor_ids)
                    if mask[i, k]
                ],
            }
        out[name] = {"rounds": int(res.rounds.shape[0] - 1), "issues": issues}
    return out


def alliance_payload(s: Scenario) -> dict[str, Any] | None:
    """The pairwise alignment of the actors (-1..1) the report's alliance map shows."""
    from detente.report.data import ALIGNMENT_EXPLAINED, alliances_for

    al = alliances_for(s)
    if al is None:
        return None
    return {
        "actors": list(al.actors),
        "labels": list(al.labels),
        "method": al.method,
        "explained": ALIGNMENT_EXPLAINED,
        "order": list(al.order),
        "matrix": [[clean(float(v)) for v in row] for row in np.asarray(al.matrix)],
    }


def whatif_payload(
    base: Scenario,
    patch: Any,
    models: list[str] | None,
    seed: int | None,
    extras: tuple[str, ...] = (),
) -> dict:
    """Forecasts of ``base`` before and after ``patch``, and their differences."""
    from detente.web import whatif as W

    changed = W.apply(base, patch)
    before = forecast_payload(base, models, seed, extras)
    after = forecast_payload(changed, models, seed, extras)
    rows = []
    for m in after["table"]:
        for iss in after["issues"]:
            b = before["table"].get(m, {}).get(iss["id"])
            a = after["table"][m].get(iss["id"])
            rows.append(
                {
                    "model": m,
                    "issue": iss["id"],
                    "before": b,
                    "after": a,
                    "change": None if a is None or b is None else a - b,
                }
            )
    return {
        "scenario": base.id,
        "patched": scenario_to_dict(changed),
        "changes": W.describe(base, patch),
        "before": before,
        "after": after,
        "differences": rows,
    }
