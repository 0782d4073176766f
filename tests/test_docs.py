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


def test_top_level_functions_have_numpydoc_sections_and_examples():
    # Every function detente exports has numpydoc sections and a runnable example (run by
    # test_doctests above); every class an example.
    import inspect

    for name in detente.__all__:
        obj = getattr(detente, name)
        doc = inspect.getdoc(obj) or ""
        assert ">>>" in doc, f"detente.{name} has no example"
        if inspect.isfunction(obj):
            sections = ["Returns", "Examples"]
            if inspect.signature(obj).parameters:
                sections.insert(0, "Parameters")
            for section in sections:
                assert f"{section}\n{'-' * len(section)}" in doc, f"detente.{name}: no {section}"
