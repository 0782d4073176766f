"""What-if patches: parsing with precise errors, and applying without touching the input."""

from __future__ import annotations

import numpy as np
import pytest
from analysis_helpers import make_scenario, triangle
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.analysis.whatif import (
    PatchError,
    apply_patch,
    load_patch,
    parse_patch,
    patch_from_data,
)
from detente.api import model_forecasts as forecast
from detente.errors import DetenteError, ScenarioError
from detente.scenario import build_scenario
from detente.scenario.io import dump_yaml, parse_yaml


def _first(exc: pytest.ExceptionInfo) -> object:
    return exc.value.problems[0]


# -- parsing ---------------------------------------------------------------------------------


def test_load_patch_reads_every_operation(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        "description: everything\n"
        "set:\n"
        "  - {actor: a, issue: x, position: 40, salience: 70}\n"
        "  - {actor: a, capability: 50}\n"
        "add_actor:\n"
        "  - id: d\n"
        "    capability: 5\n"
        "    stances: {x: {position: 50, salience: 50}}\n"
        "drop_actor: b\n"
        "join: [{actors: [a, c], as: ac}]\n"
        "drop_issue: [z]\n"
        "settle: [{issue: y, at: ac}]\n",
        encoding="utf-8",
    )
    p = load_patch(f)
    assert [op.kind for op in p.operations] == [
        "set",
        "set",
        "add_actor",
        "drop_actor",
        "join",
        "drop_issue",
        "settle",
    ]
    assert [op.line for op in p.operations] == [3, 4, 6, 9, 10, 11, 12]
    assert p.description == "everything" and p.file == str(f)


@pytest.mark.parametrize(
    "text, line, field, words",
    [
        ("set:\n  - {actor: a, issue: x, positon: 40}\n", 2, "set.positon", "unknown key"),
        ("set:\n  - {actor: a, issue: x, position: high}\n", 2, "set.position", "finite number"),
        ("set:\n  - {actor: a, position: 4}\n", 2, "set", "need both actor and issue"),
        ("set:\n  - {issue: x, capability: 4}\n", 2, "set.capability", "needs an actor"),
        ("drop_actor:\n  - 3\n", 2, "drop_actor", "must be an id"),
        ("join:\n  - {actors: [a]}\n", 2, "join.actors", "two or more"),
        ("settle:\n  - {issue: x}\n", 2, "settle", "needs at"),
        ("settle:\n  - {issue: x, at: a, value: 3}\n", 2, "settle", "not both"),
        ("\n\nswap: [a, b]\n", 3, "swap", "unknown operation"),
        ("add_actor:\n  - {id: e, stances: {}}\n", 2, "add_actor.capability", "needs a capability"),
        (
            "add_actor:\n  - id: e\n    capability: 1\n    stances:\n      x: {position: 5}\n",
            5,
            "add_actor.stances",
            "position and salience",
        ),
    ],
)
def test_patch_errors_name_file_line_and_field(text, line, field, words):
    with pytest.raises(PatchError) as exc:
        parse_patch(text, "what.yaml")
    prob = _first(exc)
    assert prob.file == "what.yaml"
    assert prob.line == line
    assert prob.field == field
    assert words in prob.message
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(f"what.yaml:{line}:")


def test_patch_errors_are_all_reported():
    with pytest.raises(PatchError) as exc:
        parse_patch("set:\n  - {actor: a}\ndrop_issue: [1]\nfoo: 1\n", "p.yaml")
    assert [p.line for p in exc.value.problems] == [2, 3, 4]
    assert "(and 2 more problems)" in str(exc.value)


def test_bad_yaml_and_empty_patch():
    with pytest.raises(PatchError) as exc:
        parse_patch("set: [\n", "bad.yaml")
    assert "not valid YAML" in str(exc.value) and str(exc.value).startswith("bad.yaml")
    with pytest.raises(PatchError, match="empty"):
        parse_patch("", "e.yaml")
    with pytest.raises(PatchError, match="no operations"):
        parse_patch("description: nothing\n", "e.yaml")
    with pytest.raises(PatchError, match="mapping of operations"):
        parse_patch("- set\n", "e.yaml")


def test_missing_patch_file(tmp_path):
    with pytest.raises(DetenteError, match="no such file"):
        load_patch(tmp_path / "absent.yaml")


# -- applying --------------------------------------------------------------------------------


def test_apply_errors_point_at_the_patch_line():
    s = triangle()
    with pytest.raises(PatchError) as exc:
        apply_patch(
            s,
            parse_patch(
                "set:\n  - {actor: a, capability: 2}\n  - {actor: q, capability: 2}\n", "p.yaml"
            ),
        )
    prob = _first(exc)
    assert (prob.file, prob.line, prob.field, prob.value) == ("p.yaml", 3, "set.actor", "q")
    with pytest.raises(PatchError) as exc:
        apply_patch(s, parse_patch("drop_issue: [nope]\n", "p.yaml"))
    assert "no such issue" in str(exc.value) and _first(exc).line == 1
    # a patch that leaves an invalid scenario: the rebuilt scenario's check is reported
    with pytest.raises(PatchError) as exc:
        apply_patch(s, parse_patch("set: [{actor: a, issue: x, position: 150}]\n", "p.yaml"))
    assert "position lies outside the scale" in str(exc.value)
    assert str(exc.value).startswith("p.yaml")
    with pytest.raises(PatchError, match="no stance on this issue"):
        apply_patch(s, parse_patch("set: [{actor: b, issue: z, position: 1}]\n"))
    with pytest.raises(PatchError, match="already has an actor"):
        apply_patch(s, parse_patch("add_actor: [{id: a, capability: 1}]\n"))
    with pytest.raises(PatchError, match="already has an actor"):
        apply_patch(s, parse_patch("join: [{actors: [a, b], as: c}]\n"))


def test_set_changes_values_widens_ranges_and_records_evidence():
    s = triangle()
    t = apply_patch(
        s,
        parse_patch(
            "set:\n"
            "  - {actor: a, issue: x, position: 40, salience: 10}\n"
            "  - {actor: a, capability: 60}\n"
            "  - {issue: x, status_quo: 20}\n"
            "  - {actor: b, issue: z, position: {value: 1, range: [0, 2]}, salience: 30}\n",
            "p.yaml",
        ),
    )
    st_ax = t.stance("a", "x")
    assert st_ax.position.value == 40 and st_ax.position.range == (0, 40)
    assert st_ax.salience.value == 10
    assert any(
        e.basis.value == "assumption" and "p.yaml" in e.reason for e in st_ax.position.evidence
    )
    assert t.actor("a").capability.value == 60 and t.actor("a").capability.range == (30, 60)
    assert t.issue("x").status_quo.value == 20
    assert t.stance("b", "z").position.range == (0, 2)
    assert t.meta["what_if"][0]["patch"] == "p.yaml"
    assert t.meta["what_if"][0]["operations"][0]["set"]["position"] == 40


def test_add_drop_and_drop_issue():
    s = triangle()
    t = apply_patch(
        s,
        {
            "add_actor": [
                {
                    "id": "d",
                    "name": "Dee",
                    "kind": "mediator",
                    "capability": 5,
                    "stances": {"x": {"position": 50, "salience": 50}},
                }
            ],
            "drop_actor": ["b"],
            "drop_issue": ["y"],
        },
    )
    assert t.actor_ids == ("a", "c", "d")
    assert t.issue_ids == ("x", "z")
    assert t.actor("d").kind.value == "mediator" and t.stance("d", "x").position.value == 50
    assert all(st.actor != "b" and st.issue != "y" for st in t.stances)
    # dropping the only actors with a stance on an issue leaves an invalid scenario
    with pytest.raises(PatchError, match="no actor has a position"):
        apply_patch(s, {"drop_actor": ["a", "c"]})


def test_operations_apply_in_the_order_written():
    s = triangle()
    t = apply_patch(
        s, parse_patch("join: [{actors: [a, b], as: ab}]\nset: [{actor: ab, capability: 1}]\n")
    )
    assert t.actor("ab").capability.value == 1
    with pytest.raises(PatchError, match="no such actor"):
        apply_patch(
            s, parse_patch("set: [{actor: ab, capability: 1}]\njoin: [{actors: [a, b], as: ab}]\n")
        )


def test_join_of_two_identical_actors_is_one_actor_with_their_summed_capability():
    twins = make_scenario(
        {"p": 3, "q": 3, "r": 2},
        {
            "p": {"x": (20, 60), "y": (70, 30)},
            "q": {"x": (20, 60), "y": (70, 30)},
            "r": {"x": (90, 50), "y": (10, 80)},
        },
    )
    single = make_scenario(
        {"pq": 6, "r": 2},
        {"pq": {"x": (20, 60), "y": (70, 30)}, "r": {"x": (90, 50), "y": (10, 80)}},
    )
    joined = apply_patch(twins, {"join": [{"actors": ["p", "q"], "as": "pq"}]})
    assert joined.actor_ids == ("pq", "r")
    for k in ("x", "y"):
        assert joined.stance("pq", k).position.value == pytest.approx(
            single.stance("pq", k).position.value
        )
        assert joined.stance("pq", k).salience.value == pytest.approx(
            single.stance("pq", k).salience.value
        )
    assert joined.actor("pq").capability.value == 6
    models = ["compromise", "weighted_median", "nash"]
    fj = forecast(joined, models)["forecast"].to_numpy()
    fs = forecast(single, models)["forecast"].to_numpy()
    ft = forecast(twins, ["compromise"])["forecast"].to_numpy()
    assert np.allclose(fj, fs)
    assert np.allclose(fj[:2], ft)  # compromise rows come first


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0.5, 50, allow_subnormal=False),
            st.floats(0, 100, allow_subnormal=False),
            st.floats(0, 100, allow_subnormal=False),
            st.floats(0, 100, allow_subnormal=False),
            st.floats(0, 100, allow_subnormal=False),
        ),
        min_size=3,
        max_size=5,
    )
)
def test_join_never_changes_the_compromise_forecast(rows):
    actors = {f"a{i}": c for i, (c, *_rest) in enumerate(rows)}
    stances = {
        f"a{i}": {"x": (x1, s1), "y": (x2, s2)} for i, (_c, x1, s1, x2, s2) in enumerate(rows)
    }
    s = make_scenario(actors, stances)
    t = apply_patch(s, {"join": [{"actors": ["a0", "a1"]}]})
    assert "a0_a1" in t.actor_ids
    before = forecast(s, ["compromise"])["forecast"].to_numpy()
    after = forecast(t, ["compromise"])["forecast"].to_numpy()
    assert np.allclose(before, after, atol=1e-9)


def test_join_with_a_member_lacking_a_stance_and_ranges():
    s = triangle()  # b has no stance on z; a has capability range [30, 50]
    t = apply_patch(s, {"join": [{"actors": ["a", "b"], "as": "ab", "name": "A and B"}]})
    ab = t.actor("ab")
    assert ab.name == "A and B" and ab.capability.value == 70
    assert ab.capability.range == (60, 80)
    z = t.stance("ab", "z")
    assert z.position.value == -5  # only a holds z
    assert z.salience.value == pytest.approx(40 * 50 / 70)  # b counts as salience 0
    x = t.stance("ab", "x")
    assert x.position.value == pytest.approx((40 * 80 * 10 + 30 * 60 * 20) / (40 * 80 + 30 * 60))
    assert x.position.range[0] <= x.position.value <= x.position.range[1]
    assert t.actor_ids == ("ab", "c")


def _snapshot(s):
    return s.model_dump(mode="json")


@pytest.mark.parametrize(
    "patch",
    [
        {"set": [{"actor": "a", "issue": "x", "position": 55, "salience": 5}]},
        {"set": [{"actor": "a", "capability": 1}, {"issue": "x", "status_quo": 0}]},
        {"join": [{"actors": ["a", "c"]}]},
        {"drop_actor": ["b"]},
        {"drop_issue": ["z"]},
        {"settle": [{"issue": "x", "at": "b", "redistribute": True}]},
        {"settle": [{"issue": "y", "remove": True}]},
        {
            "add_actor": [
                {"id": "n", "capability": 1, "stances": {"y": {"position": 1, "salience": 1}}}
            ]
        },
    ],
)
def test_apply_patch_never_mutates_its_input(patch):
    s = triangle()
    before = _snapshot(s)
    arr_before = s.to_arrays()
    t = apply_patch(s, patch)
    assert _snapshot(s) == before
    assert np.array_equal(s.to_arrays().position, arr_before.position, equal_nan=True)
    assert t is not s and t.meta.get("what_if")
    assert "what_if" not in s.meta


def test_patched_scenario_round_trips_through_yaml():
    s = triangle()
    t = apply_patch(s, {"join": [{"actors": ["a", "b"]}], "settle": [{"issue": "x", "at": "c"}]})
    data, lines = parse_yaml(dump_yaml(t))
    back = build_scenario(data, lines=lines)
    assert back.model_dump(mode="json") == t.model_dump(mode="json")
    # patches accumulate in meta
    u = apply_patch(t, {"drop_issue": ["y"]})
    assert len(u.meta["what_if"]) == 2


def test_patch_error_is_a_scenario_error():
    assert issubclass(PatchError, ScenarioError)
    with pytest.raises(PatchError):
        patch_from_data({"set": "nonsense"}, file="f.yaml")
