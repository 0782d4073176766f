"""The native format (``yaml``): one scenario per file, with evidence and ranges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detente.scenario.io.common import stem
from detente.scenario.model import Scenario
from detente.scenario.validate import build_scenario


def read_yaml(path: Path, text: str) -> Scenario:
    from detente.scenario.io.safe_yaml import parse_yaml  # PyYAML only when YAML is read

    data, lines = parse_yaml(text, str(path))
    return build_scenario(data, file=str(path), lines=lines, scenario_id=stem(path))


def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    """The native (YAML) layout of a scenario, omitting empty and default fields."""
    data = s.model_dump(mode="json", exclude_none=True, exclude_defaults=False)

    def prune(obj):
        if isinstance(obj, dict):
            return {
                k: prune(v)
                for k, v in obj.items()
                if v not in (None, [], {}, ()) or k in ("value",)
            }
        if isinstance(obj, list):
            return [prune(v) for v in obj]
        return obj

    data = prune(data)
    for st in data.get("stances", []):
        for key in ("position", "salience"):
            if set(st[key]) == {"value"}:
                st[key] = st[key]["value"]
    for a in data.get("actors", []):
        if set(a["capability"]) == {"value"}:
            a["capability"] = a["capability"]["value"]
    return data


def dump_yaml(s: Scenario) -> str:
    import yaml

    return yaml.safe_dump(scenario_to_dict(s), sort_keys=False, allow_unicode=True, width=100)
