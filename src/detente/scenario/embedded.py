"""The scenarios shipped inside the package."""

from __future__ import annotations

from importlib import resources

from detente.errors import UnknownNameError
from detente.scenario.model import Scenario

DEFAULT_SCENARIO = "syria-astana-2017"


def _folder():
    return resources.files("detente") / "data" / "scenarios"


def embedded_names() -> list[str]:
    """Names of the scenarios that come with detente, sorted.

    Returns
    -------
    list of str
        Names :func:`detente.load` accepts.

    Examples
    --------
    >>> embedded_names()
    ['syria-astana-2017', 'syria-geneva-2018']
    """
    folder = _folder()
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_embedded(name: str) -> Scenario:
    """Load an embedded scenario by name."""
    from detente.scenario.io import read_yaml

    entry = _folder() / f"{name}.yaml"
    if not entry.is_file():
        raise UnknownNameError(
            f"no embedded scenario {name!r} (known: {', '.join(embedded_names())})"
        )
    return read_yaml(f"{name}.yaml", entry.read_text(encoding="utf-8"))
