"""Shared fixtures."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings
from shared_data import shared_path

# In CI the property tests draw the same examples on every run (a failure there reproduces;
# locally each run explores new ones).
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def shared():
    return shared_path
