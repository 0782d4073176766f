"""Property tests: malformed and random inputs give a Scenario or a ScenarioError, nothing else."""

from __future__ import annotations

import math

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.errors import DetenteError, ScenarioError
from detente.models import get_model
from detente.scenario import Scenario, build_scenario, read_scenario

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)
values = st.recursive(
    scalars,
    lambda kids: st.one_of(
        st.lists(kids, max_size=3), st.dictionaries(st.text(max_size=6), kids, max_size=3)
    ),
    max_leaves=8,
)
ids = st.sampled_from(["a", "b", "c", "x", "y", "", " ", 3, None])
number = st.one_of(
    st.floats(-50, 150),
    st.just(float("nan")),
    st.just(float("inf")),
    st.text(max_size=3),
    st.none(),
    st.booleans(),
    st.fixed_dictionaries(
        {"value": st.floats(-10, 110)},
        optional={"range": st.lists(st.floats(-10, 110), max_size=3)},
    ),
)


decisions = st.fixed_dictionaries(
    {"rule": st.sampled_from(["consensus", "vote", "unilateral", "bogus", None, 3])},
    optional={
        "veto_players": st.one_of(st.lists(ids, max_size=3), ids),
        "threshold": number,
        "controller": ids,
        "agenda_setter": ids,
        "voters": st.lists(ids, max_size=3),
        "weights": st.dictionaries(st.sampled_from(["a", "b", "z"]), number, max_size=2),
        "must_decide": st.one_of(st.booleans(), scalars),
    },
)


@st.composite
def messy_scenarios(draw):
    actors = draw(
        st.lists(
            st.one_of(
                st.fixed_dictionaries(
                    {"id": ids, "capability": number},
                    optional={"kind": st.sampled_from(["state", "bogus"])},
                ),
                values,
            ),
            max_size=4,
        )
    )
    issues = draw(
        st.lists(
            st.one_of(
                st.fixed_dictionaries(
                    {"id": ids},
                    optional={
                        "scale": st.fixed_dictionaries(
                            {"low": st.floats(-10, 10), "high": st.floats(-10, 120)}
                        ),
                        "status_quo": number,
                        "decision": st.one_of(decisions, values),
                    },
                ),
                values,
            ),
            max_size=3,
        )
    )
    stances = draw(
        st.lists(
            st.one_of(
                st.fixed_dictionaries(
                    {"actor": ids, "issue": ids, "position": number, "salience": number}
                ),
                values,
            ),
            max_size=6,
        )
    )
    data = {"actors": actors, "issues": issues, "stances": stances}
    if draw(st.booleans()):
        data[draw(st.text(max_size=5))] = draw(values)
    return draw(st.one_of(st.just(data), values))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_scenarios())
def test_build_never_crashes(data):
    try:
        s = build_scenario(data, file="f.yaml")
    except ScenarioError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)
        assert "\n" not in str(exc)
        return
    assert isinstance(s, Scenario)
    arr = s.to_arrays()
    assert np.all(arr.capability > 0)
    # every valid scenario can be forecast by every baseline, inside the positions
    for name in ("compromise", "weighted_median", "nash", "mean_voter"):
        f = get_model(name)(arr).forecast
        for k in range(arr.n_issues):
            col = arr.position[arr.mask[:, k], k]
            if col.size:
                assert col.min() - 1e-6 <= f[k] <= col.max() + 1e-6
            else:
                assert math.isnan(f[k])
    # and by the procedural models: the status quo, or a point among the positions
    for name in ("veto_player", "agenda_setter", "unilateral", "procedural"):
        f = get_model(name)(arr).forecast
        for k in range(arr.n_issues):
            col = arr.position[arr.mask[:, k], k]
            q = arr.status_quo[k]
            if col.size and not math.isnan(q):
                assert f[k] == q or col.min() - 1e-6 <= f[k] <= col.max() + 1e-6
            else:
                assert math.isnan(f[k])


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.sampled_from([".yaml", ".csv", ".tsv"]))
def test_read_random_text(tmp_path_factory, text, suffix):
    path = tmp_path_factory.mktemp("fz") / f"s{suffix}"
    path.write_text(text, encoding="utf-8")
    try:
        read_scenario(path)
    except DetenteError as exc:
        assert "\n" not in str(exc).strip()


@settings(max_examples=100, deadline=None)
@given(messy_scenarios())
def test_yaml_text_of_random_data(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fy") / "s.yaml"
    try:
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
    except yaml.YAMLError:
        return
    try:
        read_scenario(path)
    except DetenteError:
        pass
