"""Small scenarios with uncertainty ranges for the run tests."""

from __future__ import annotations

import pytest

from detente.scenario import build_scenario


def ranged_scenario_data() -> dict:
    """Four actors, two issues (one without a stance by 'd'), ranges on most numbers,
    a status quo with a range on one issue; 'c' has a capability without a range."""
    return {
        "id": "toy",
        "actors": [
            {"id": "a", "capability": {"value": 60, "range": [40, 80]}},
            {"id": "b", "capability": {"value": 30, "range": [20, 50]}},
            {"id": "c", "capability": 20},
            {"id": "d", "capability": {"value": 10, "range": [5, 12]}},
        ],
        "issues": [
            {"id": "x", "status_quo": {"value": 70, "range": [60, 80]}},
            {"id": "y", "scale": {"low": -10, "high": 10}},
        ],
        "stances": [
            {
                "actor": "a",
                "issue": "x",
                "position": {"value": 90, "range": [80, 100]},
                "salience": {"value": 70, "range": [50, 90]},
            },
            {
                "actor": "b",
                "issue": "x",
                "position": {"value": 20, "range": [0, 40]},
                "salience": {"value": 90, "range": [80, 100]},
            },
            {
                "actor": "c",
                "issue": "x",
                "position": 50,
                "salience": {"value": 40, "range": [0, 60]},
            },
            {
                "actor": "d",
                "issue": "x",
                "position": {"value": 10, "range": [0, 30]},
                "salience": 100,
            },
            {
                "actor": "a",
                "issue": "y",
                "position": {"value": 5, "range": [2, 8]},
                "salience": {"value": 20, "range": [10, 30]},
            },
            {
                "actor": "b",
                "issue": "y",
                "position": {"value": -8, "range": [-10, -4]},
                "salience": 60,
            },
            {
                "actor": "c",
                "issue": "y",
                "position": {"value": 0, "range": [-3, 3]},
                "salience": {"value": 50, "range": [30, 70]},
            },
        ],
    }


@pytest.fixture
def ranged_data():
    return ranged_scenario_data()


@pytest.fixture
def ranged():
    return build_scenario(ranged_scenario_data())
