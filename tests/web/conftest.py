"""A small made-up scenario (the same as tests/report's) for the API tests."""

from __future__ import annotations

import pytest
from demo_scenario import DEMO_YAML, demo, demo_file  # noqa: F401  (fixtures)


@pytest.fixture
def demo_dict(demo):  # noqa: F811  (the fixture)
    from detente.scenario.io import scenario_to_dict

    return scenario_to_dict(demo)


@pytest.fixture
def client(tmp_path):
    from fastapi.testclient import TestClient

    from detente.web import create_app

    app = create_app(tmp_path / "work", workers=0)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def demo_text():
    return DEMO_YAML
