"""docs/architecture.md's worked example of a new model runs as written and passes the
registry checks."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _example() -> str:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("### A worked example", 1)[1]
    return re.search(r"```python\n(.*?)```", section, flags=re.DOTALL).group(1)


@pytest.fixture
def strongest(capsys, tmp_path, monkeypatch):
    """Import the example as the module of one's own it is meant to be; its output."""
    import importlib

    from detente.models import unregister

    (tmp_path / "strongest_example.py").write_text(_example(), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        importlib.import_module("strongest_example")
        yield capsys.readouterr().out
    finally:
        unregister("strongest")
        sys.modules.pop("strongest_example", None)


def test_the_example_is_short():
    lines = [x for x in _example().splitlines() if x.strip()]
    assert len(lines) < 40


def test_the_example_runs_as_documented(strongest):
    import detente

    assert strongest.strip() == "[0.]"
    df = detente.model_forecasts("syria-astana-2017", ["strongest"])
    s = detente.load("syria-astana-2017")
    a = s.to_arrays()
    # by hand: the actor of largest capability x salience on each issue
    for k, issue in enumerate(s.issue_ids):
        w = np.where(a.mask[:, k], a.capability * np.nan_to_num(a.salience[:, k]), -np.inf)
        want = a.position[int(np.argmax(w)), k]
        assert df.loc[df["issue"] == issue, "forecast"].item() == want


def test_the_example_passes_the_registry_checks(strongest):
    import importlib.util

    path = ROOT / "tests" / "models" / "test_registry_checks.py"
    spec = importlib.util.spec_from_file_location("registry_checks", path)
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)

    checks.test_registry_entry("strongest")
    for missing in (False, True):
        checks.test_result_shape_and_range("strongest", missing)
        checks.test_batched_equals_single_runs("strongest", missing)
    checks.test_same_seed_same_result("strongest")
    checks.test_relabelling_actors_does_not_change_the_forecast("strongest")
    checks.test_scaling_capabilities_does_not_change_the_forecast("strongest")
    checks.test_invalid_parameter_values_are_rejected("strongest")
    checks.test_unknown_parameter_is_rejected("strongest")
    from detente.models import get_model
    from detente.scenario.arrays import ScenarioArrays

    empty = ScenarioArrays.from_arrays([1, 2], [[10, np.nan], [20, np.nan]], [[50, np.nan]] * 2)
    assert get_model("strongest").not_applicable(empty) == "no actor has a stance on I1"
