"""Small scenarios built in code for the analysis tests."""

from __future__ import annotations

from typing import Any

from detente.scenario import Scenario, build_scenario


def make_scenario(
    actors: dict[str, float],
    stances: dict[str, dict[str, tuple[float, float]]],
    issues: list[str] | None = None,
    **extra: Any,
) -> Scenario:
    """``actors``: id -> capability; ``stances``: actor -> issue -> (position, salience)."""
    if issues is None:
        issues = sorted({k for st in stances.values() for k in st})
    data = {
        "id": extra.pop("id", "test"),
        "actors": [{"id": a, "capability": c} for a, c in actors.items()],
        "issues": [{"id": k} for k in issues],
        "stances": [
            {"actor": a, "issue": k, "position": p, "salience": s}
            for a, st in stances.items()
            for k, (p, s) in st.items()
        ],
        **extra,
    }
    return build_scenario(data)


def triangle() -> Scenario:
    """Three actors on three issues, with uncertainty ranges on some values."""
    data = {
        "id": "triangle",
        "actors": [
            {"id": "a", "capability": {"value": 40, "range": [30, 50]}},
            {"id": "b", "capability": 30},
            {"id": "c", "capability": 20},
        ],
        "issues": [
            {"id": "x", "status_quo": 50},
            {"id": "y"},
            {"id": "z", "scale": {"low": -10, "high": 10}},
        ],
        "stances": [
            {
                "actor": "a",
                "issue": "x",
                "position": {"value": 10, "range": [0, 20]},
                "salience": 80,
            },
            {"actor": "b", "issue": "x", "position": 20, "salience": 60},
            {"actor": "c", "issue": "x", "position": 90, "salience": 40},
            {"actor": "a", "issue": "y", "position": 70, "salience": 30},
            {"actor": "b", "issue": "y", "position": 10, "salience": 90},
            {"actor": "c", "issue": "y", "position": 80, "salience": 50},
            {"actor": "a", "issue": "z", "position": -5, "salience": 50},
            {"actor": "c", "issue": "z", "position": 5, "salience": 70},
        ],
    }
    return build_scenario(data)
