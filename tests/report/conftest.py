"""A small made-up scenario with evidence, ranges, a status quo and a missing stance."""

from __future__ import annotations

import pytest
from demo_scenario import DEMO_YAML, demo, demo_file  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    """The demo scenario, its report data with every default model, and the HTML."""
    import detente
    from detente.report import collect, render_html

    path = tmp_path_factory.mktemp("demo") / "demo.yaml"
    path.write_text(DEMO_YAML, encoding="utf-8")
    s = detente.load(path)
    data = collect(s)
    return s, data, render_html(data)
