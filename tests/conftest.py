"""Shared fixtures."""

from __future__ import annotations

import pytest
from shared_data import shared_path


@pytest.fixture
def shared():
    return shared_path
