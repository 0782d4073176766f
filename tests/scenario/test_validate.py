"""Validation: every kind of bad input is reported, precisely, and all at once."""

from __future__ import annotations

import math

import pytest

from detente.errors import ScenarioError
from detente.scenario import build_scenario, read_scenario


def _ok():
    return {
        "actors": [{"id": "a", "capability": 2}, {"id": "b", "capability": 1}],
        "issues": [{"id": "x"}, {"id": "y", "scale": {"low": -1, "high": 1}}],
        "stances": [
            {"actor": "a", "issue": "x", "position": 10, "salience": 50},
            {"actor": "b", "issue": "x", "position": 90, "salience": 40},
            {"actor": "a", "issue": "y", "position": 0.5, "salience": 20},
        ],
    }


def _problems(data):
    with pytest.raises(ScenarioError) as info:
        build_scenario(data, file="s.yaml")
    return info.value.problems


def test_valid_scenario_builds_and_is_immutable():
    s = build_scenario(_ok())
    assert s.actor_ids == ("a", "b")
    arr = s.to_arrays()
    assert math.isnan(arr.position[1, 1]) and not arr.mask[1, 1]  # missing, not zero
    with pytest.raises((AttributeError, TypeError, ValueError)):
        s.actors[0].id = "z"  # frozen


@pytest.mark.parametrize(
    "mutate, field, message",
    [
        (lambda d: d["stances"][0].update(actor="zz"), "actor", "unknown actor"),
        (lambda d: d["stances"][0].update(issue="zz"), "issue", "unknown issue"),
        (lambda d: d["actors"].append({"id": "a", "capability": 1}), "id", "duplicate actor"),
        (lambda d: d["issues"].append({"id": "x"}), "id", "duplicate issue"),
        (lambda d: d["stances"][0].update(position=101), "position", "outside the scale"),
        (lambda d: d["stances"][2].update(position=-1.5), "position", "outside the scale"),
        (lambda d: d["stances"][0].update(salience=-1), "salience", "0..100"),
        (lambda d: d["stances"][0].update(salience=100.5), "salience", "0..100"),
        (lambda d: d["actors"][0].update(capability=0), "capability", "positive"),
        (lambda d: d["actors"][0].update(capability=-3), "capability", "positive"),
        (lambda d: d["actors"][0].update(capability=float("nan")), "capability", "finite"),
        (lambda d: d["stances"][0].update(position=float("inf")), "position", "finite"),
        (
            lambda d: d["stances"][0].update(position={"value": 10, "range": [20, 30]}),
            "position",
            "does not contain",
        ),
        (
            lambda d: d["stances"][0].update(salience={"value": 50, "range": [10, 40]}),
            "salience",
            "does not contain",
        ),
        (lambda d: d["issues"].append({"id": "z"}), "issue", "no actor has a position"),
        (lambda d: d["stances"].append(dict(d["stances"][0])), "stance", "more than one"),
        (lambda d: d["issues"][1].update(scale={"low": 1, "high": -1}), "scale", "below"),
    ],
)
def test_each_problem_is_named(mutate, field, message):
    data = _ok()
    mutate(data)
    problems = _problems(data)
    assert any(message in p.message and field in (p.field or "") for p in problems), problems
    assert all(p.file == "s.yaml" for p in problems)


def test_empty_scenario():
    problems = _problems({"actors": [], "issues": [], "stances": []})
    msgs = " ".join(p.message for p in problems)
    assert "no actors" in msgs and "no issues" in msgs


def test_every_problem_is_reported_not_just_the_first():
    data = _ok()
    data["stances"][0]["position"] = 200
    data["stances"][1]["salience"] = 300
    data["actors"][1]["capability"] = -1
    data["stances"].append({"actor": "ghost", "issue": "x", "position": 1, "salience": 1})
    problems = _problems(data)
    assert len(problems) >= 4
    assert {p.actor for p in problems} >= {"a", "b", "ghost"}


def test_message_names_file_line_actor_issue_field_and_value(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(
        "actors:\n"
        "  - {id: a, capability: 1}\n"
        "  - {id: b, capability: 1}\n"
        "issues:\n"
        "  - {id: x}\n"
        "stances:\n"
        "  - {actor: a, issue: x, position: 10, salience: 50}\n"
        "  - actor: b\n"
        "    issue: x\n"
        "    position: 140\n"
        "    salience: 50\n"
    )
    with pytest.raises(ScenarioError) as info:
        read_scenario(f)
    text = str(info.value)
    assert "\n" not in text
    assert f"{f}:10" in text  # the line of the offending value
    for part in ("'b'", "'x'", "position", "140"):
        assert part in text


def test_evidence_must_cite_a_known_source():
    data = _ok()
    data["sources"] = [{"id": "s1", "file": "a.txt"}]
    data["stances"][0]["position"] = {
        "value": 10,
        "evidence": {"source": "nope", "paraphrase": "p"},
    }
    problems = _problems(data)
    assert any("source" in p.message for p in problems)


def test_assumption_needs_a_reason():
    data = _ok()
    data["stances"][0]["position"] = {"value": 10, "evidence": {"basis": "assumption"}}
    problems = _problems(data)
    assert any("reason" in p.message for p in problems)


def test_yaml_syntax_error_has_a_line(tmp_path):
    f = tmp_path / "broken.yaml"
    f.write_text("actors:\n  - {id: a, capability: 1\nissues: []\n")
    with pytest.raises(ScenarioError) as info:
        read_scenario(f)
    assert str(info.value).startswith(f"{f}:")
