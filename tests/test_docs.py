"""The documentation's examples run: module doctests and the README's Python block."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import detente

ROOT = Path(__file__).resolve().parents[1]


def _modules():
    names = ["detente"]
    for info in pkgutil.walk_packages(detente.__path__, "detente."):
        names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_doctests(name):
    if name.startswith("detente.web") or name.endswith("__main__"):
        pytest.importorskip("fastapi")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_readme_python_blocks_run():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
