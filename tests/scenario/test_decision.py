"""Decision rules per issue: the format, its validation, the arrays, and the formats that
carry it (YAML, long CSV, DEU)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml
from shared_data import shared_path

from detente.cli import main
from detente.errors import ScenarioError
from detente.scenario import Decision, build_scenario, read_scenario, write_scenario
from detente.scenario.arrays import RULES

BASE = {
    "sources": [{"id": "s1"}],
    "actors": [
        {"id": "a", "capability": 1},
        {"id": "b", "capability": 2},
        {"id": "c", "capability": 3},
    ],
    "issues": [
        {
            "id": "x",
            "status_quo": 20,
            "decision": {
                "rule": "vote",
                "threshold": 0.6,
                "veto_players": ["c"],
                "agenda_setter": "a",
                "weights": {"a": 2, "b": 5},
                "evidence": {"source": "s1", "paraphrase": "they vote"},
            },
        },
        {"id": "y", "decision": {"rule": "consensus", "veto_players": ["a", "b"]}},
        {
            "id": "z",
            "decision": {
                "rule": "unilateral",
                "controller": "b",
                "must_decide": True,
                "evidence": {"basis": "assumption", "reason": "holds the ground"},
            },
        },
        {"id": "w"},
    ],
    "stances": [
        {"actor": a, "issue": i, "position": p, "salience": 50}
        for a, i, p in [
            ("a", "x", 10),
            ("b", "x", 90),
            ("c", "x", 50),
            ("a", "y", 10),
            ("b", "y", 30),
            ("b", "z", 10),
            ("c", "z", 70),
            ("a", "w", 0),
        ]
    ],
}


def _with(issue: str, **decision) -> dict:
    data = copy.deepcopy(BASE)
    for iss in data["issues"]:
        if iss["id"] == issue:
            iss["decision"] = decision
    return data


def test_decisions_parse_with_defaults_and_evidence():
    s = build_scenario(BASE)
    x, y, z, w = (s.issue(i).decision for i in "xyzw")
    assert isinstance(x, Decision) and x.rule.value == "vote" and x.threshold == 0.6
    assert x.must_decide is False  # scenarios: the forum may end with nothing
    assert x.evidence[0].paraphrase == "they vote"
    assert y.veto_players == ("a", "b") and y.agenda_setter is None
    assert z.controller == "b" and z.must_decide is True
    assert z.evidence[0].basis.value == "assumption"
    assert w is None  # an issue without a rule stays valid


def test_arrays_carry_the_rules():
    a = build_scenario(BASE).to_arrays()
    assert [RULES[r] for r in a.rule] == ["vote", "consensus", "unilateral", "none"]
    np.testing.assert_array_equal(a.veto[:, 0], [False, False, True])
    np.testing.assert_array_equal(a.veto[:, 1], [True, True, False])
    # voters default to every actor with a stance; rule vote only
    np.testing.assert_array_equal(a.voters[:, 0], [True, True, True])
    assert not a.voters[:, 1:].any()
    np.testing.assert_array_equal(a.vote_weight[:, 0], [2.0, 5.0, np.nan])
    np.testing.assert_array_equal(a.voting_weight()[:, 0], [2.0, 5.0, 3.0])  # c: capability
    np.testing.assert_array_equal(a.threshold, [0.6, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(a.controller, [-1, -1, 1, -1])
    np.testing.assert_array_equal(a.setter, [0, -1, -1, -1])
    np.testing.assert_array_equal(a.must_decide, [False, False, True, False])


def test_select_issues_and_actors_keep_the_rules_aligned():
    a = build_scenario(BASE).to_arrays()
    sub = a.select_issues([2, 0])
    assert [RULES[r] for r in sub.rule] == ["unilateral", "vote"]
    np.testing.assert_array_equal(sub.setter, [-1, 0])
    dropped = a.select_actors([False, True, True])  # drop a: the setter of x
    np.testing.assert_array_equal(dropped.setter, [-1, -1, -1, -1])
    np.testing.assert_array_equal(dropped.controller, [-1, -1, 0, -1])  # b is now row 0
    assert dropped.veto.shape == (2, 4) and dropped.veto[1, 0]


def test_old_files_without_rules_give_no_rule():
    data = copy.deepcopy(BASE)
    for iss in data["issues"]:
        iss.pop("decision", None)
    a = build_scenario(data).to_arrays()
    assert (a.rule == 0).all() and not a.veto.any() and (a.setter == -1).all()


BAD = [
    (
        _with("x", rule="vote", threshold=0.0),
        "decision.threshold",
        "threshold must be a share in (0, 1]",
    ),
    (
        _with("x", rule="vote", threshold=1.5),
        "decision.threshold",
        "threshold must be a share in (0, 1]",
    ),
    (_with("x", rule="vote"), "decision.threshold", "rule vote needs threshold"),
    (_with("y", rule="consensus"), "decision.veto_players", "rule consensus needs veto_players"),
    (_with("z", rule="unilateral"), "decision.controller", "rule unilateral needs controller"),
    (
        _with("y", rule="consensus", veto_players=["a", "nobody"]),
        "decision.veto_players",
        "veto player is not an actor of the scenario (got 'nobody')",
    ),
    (
        _with("z", rule="unilateral", controller="ghost"),
        "decision.controller",
        "controller is not an actor of the scenario (got 'ghost')",
    ),
    (
        _with("z", rule="unilateral", controller="a"),
        "decision.controller",
        "controller has no stance (position and salience) on this issue (got 'a')",
    ),
    (
        _with("y", rule="consensus", veto_players=["a"], agenda_setter="c"),
        "decision.agenda_setter",
        "agenda setter has no stance",
    ),
    (
        _with("y", rule="consensus", veto_players=["a"], threshold=0.5),
        "decision.threshold",
        "threshold applies to rule vote, not consensus",
    ),
    (
        _with("z", rule="unilateral", controller="b", veto_players=["c"]),
        "decision.veto_players",
        "veto_players applies to rule consensus or vote, not unilateral",
    ),
    (_with("y", rule="majority", veto_players=["a"]), "decision.rule", "unknown decision rule"),
    (_with("y", veto_players=["a"]), "decision.rule", "a decision needs a rule"),
    (
        _with("x", rule="vote", threshold=0.5, weights={"a": -1}),
        "decision.weights",
        "voting weight of 'a' must be a positive number",
    ),
]


@pytest.mark.parametrize("data,field,needle", BAD)
def test_bad_rules_name_file_line_issue_and_field(tmp_path, capsys, data, field, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ScenarioError) as info:
        read_scenario(path)
    problem = info.value.problems[0]
    assert problem.file == str(path) and problem.line is not None
    assert problem.field == field and problem.issue in ("x", "y", "z")
    assert needle in str(problem)
    # the line points into the issue's decision block
    lines = path.read_text().splitlines()
    assert problem.line >= next(n for n, t in enumerate(lines, 1) if "decision:" in t)
    # the command line: one line, exit 2, no traceback
    with pytest.raises(SystemExit) as ex:
        main(["forecast", str(path), "-m", "procedural"])
    err = capsys.readouterr().err
    assert ex.value.code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"{path}:{problem.line}" in err and field in err


def test_long_csv_round_trip(tmp_path):
    s = build_scenario(BASE)
    path = tmp_path / "s.csv"
    write_scenario(s, path)
    back = read_scenario(path)
    for iss in s.issues:
        assert back.issue(iss.id).decision == iss.decision
    np.testing.assert_array_equal(back.to_arrays().veto, s.to_arrays().veto)


def test_long_csv_errors_name_the_line(tmp_path):
    s = build_scenario(BASE)
    path = tmp_path / "s.csv"
    write_scenario(s, path)
    lines = path.read_text().splitlines()
    head = lines[0].split(",")
    row = lines[1].split(",")  # actor a, issue x
    row[head.index("threshold")] = "1.6"
    path.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n")
    with pytest.raises(ScenarioError, match=r"s\.csv:\d+: issue 'x' has threshold"):
        read_scenario(path)
    for r in range(1, len(lines)):  # the same bad threshold on every row of x
        cells = lines[r].split(",")
        if cells[1] == "x":
            cells[head.index("threshold")] = "1.6"
        lines[r] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ScenarioError) as info:
        read_scenario(path)
    p = info.value.problems[0]
    assert (p.issue, p.field, p.line) == ("x", "decision.threshold", 2)


def test_yaml_round_trip(tmp_path):
    s = build_scenario(BASE)
    write_scenario(s, tmp_path / "s.yaml")
    assert read_scenario(tmp_path / "s.yaml").issues == s.issues


def test_formats_without_rules_drop_nothing_else(tmp_path):
    # KTAB CSV and the one-issue CSV cannot carry decision rules (docs/scenario-format.md)
    data = copy.deepcopy(BASE)
    data["issues"] = data["issues"][:1]
    data["stances"] = [st for st in data["stances"] if st["issue"] == "x"]
    s = build_scenario(data)
    write_scenario(s, tmp_path / "one.csv", format="issue-csv")
    assert read_scenario(tmp_path / "one.csv").issues[0].decision is None


# -- DEU: rules from proc and counvte ----------------------------------------------------

DEU = shared_path("data", "deu3", "deu3_dev.tsv")


def _deu_rows():
    from detente.scenario.io import read_deu_table, read_text

    return read_deu_table(DEU, read_text(DEU))[2]


@pytest.fixture(scope="module")
def deu_rows():
    return _deu_rows()


def _first(rows, proc, vote, period):
    from detente.scenario.io import deu_council_weights

    for _, r in rows:
        if (r.get("proc"), r.get("counvte")) == (proc, vote) and deu_council_weights(r)[
            0
        ] == period:
            return r
    pytest.skip(f"no {proc}/{vote} row in the {period} period")


@pytest.mark.parametrize(
    "proc,vote,period,share",
    [
        ("COD", "QMV", "amsterdam", 62 / 87),  # Art. 205(2) TEC (Amsterdam)
        ("CNS", "QMV", "accession2004", 88 / 124),  # Art. 26, 2003 Act of Accession
        ("CNS", "Unan", "amsterdam", 1.0),
        ("COD", "Unan", "nice", 1.0),
    ],
)
def test_deu_rows_get_their_rule(deu_rows, proc, vote, period, share):
    row = _first(deu_rows, proc, vote, period)
    s = read_scenario(f"{DEU}#{row['isnr'].strip()}")
    dec = s.issues[0].decision
    present = set(s.actor_ids)
    assert dec.rule.value == "vote" and dec.must_decide is True
    assert dec.threshold == pytest.approx(share)
    assert set(dec.voters) == present - {"com", "ep"}
    assert dec.agenda_setter == ("com" if "com" in present else None)
    assert dec.veto_players == (("ep",) if proc == "COD" and "ep" in present else ())
    if period == "amsterdam":  # Council votes of the EU15, e.g. Germany 10, Luxembourg 2
        assert dec.weights.get("de", 10) == 10 and dec.weights.get("lu", 2) == 2


def test_deu_nice_thresholds_follow_the_membership():
    from detente.scenario.io import deu_qmv_threshold

    assert deu_qmv_threshold({"intro": "15-03-05"}) == ("nice", 232 / 321)  # EU25
    assert deu_qmv_threshold({"intro": "15-03-08"}) == ("nice", 255 / 345)  # EU27
    assert deu_qmv_threshold({"intro": "15-09-13"}) == ("nice", 260 / 352)  # EU28
    assert deu_qmv_threshold({"intro": "15-09-15"})[0] == "lisbon"


def test_deu_writer_keeps_the_procedure(deu_rows, tmp_path):
    row = _first(deu_rows, "COD", "QMV", "amsterdam")
    s = read_scenario(f"{DEU}#{row['isnr'].strip()}")
    write_scenario(s, tmp_path / "row.tsv")
    back = read_scenario(tmp_path / "row.tsv")
    assert back.issues[0].decision.rule == s.issues[0].decision.rule
    assert back.issues[0].decision.veto_players == s.issues[0].decision.veto_players


# -- what-if patches keep the rules consistent -------------------------------------------------


def test_whatif_drop_and_join_recast_the_rules():
    from detente.analysis.whatif import apply_patch

    data = copy.deepcopy(BASE)
    data["stances"].append({"actor": "c", "issue": "w", "position": 50, "salience": 50})
    s = build_scenario(data)
    # dropping the agenda setter of x removes the setter; dropping the controller of z drops
    # z's rule (noted in meta), as no one is left to decide alone
    out = apply_patch(s, {"drop_actor": ["a"]})
    assert out.issue("x").decision.agenda_setter is None
    assert "a" not in out.issue("x").decision.weights
    assert out.issue("y").decision.veto_players == ("b",)
    out = apply_patch(s, {"drop_actor": ["b"]})
    assert out.issue("z").decision is None and out.meta["decisions_dropped"] == ["z"]
    # joining a and b: the joint actor takes their roles and their voting weights add up
    out = apply_patch(s, {"join": [{"actors": ["a", "b"], "as": "ab"}]})
    x, y, z = (out.issue(i).decision for i in "xyz")
    assert x.agenda_setter == "ab" and x.weights == {"ab": 7.0}
    assert y.veto_players == ("ab",) and z.controller == "ab"


def test_deu_row_worked_by_hand(tmp_path):
    """A made-up DEU row of the Amsterdam period (EU15 votes, QMV 62 of 87), worked by hand.

    Votes: de, fr, it, uk 10 each and es 8 at 100 (48 votes); be, el, nl, pt 5 each at 60
    (20); at, se 4, dk, ie, fi 3, lu 2 at 0 (19). The status quo (rp) is 0, the Commission at
    100, the Parliament at 40. Poland has a position but no vote in 1997: it must not vote.

    Upper pivot: from the top, 48 votes at 100, then 68 >= 62 at 60: m+ = 60. Lower pivot:
    19 at 0, 39 at 60, 87 at 100: m- = 100. Consultation: U = 60 > q, so the Commission gets
    min(100, 2*60 - 0) = 100. Co-decision: the Parliament's veto makes U = min(60, 40) = 40 and
    the Commission min(100, 80) = 80. The veto-player model: clip(0, U, L) = 60, resp. 40.
    Unanimity: U = min x = 0, no move right: the status quo, 0, holds.
    """
    from detente.models import get_model

    big = {"de": 100, "fr": 100, "it": 100, "uk": 100, "es": 100}
    mid = {"be": 60, "el": 60, "nl": 60, "pt": 60}
    low = {"at": 0, "se": 0, "dk": 0, "ie": 0, "fi": 0, "lu": 0, "pl": 0}
    pos = {"com": 100, "ep": 40, **big, **mid, **low}
    head = ["prnr", "isnr", "prname", "proc", "counvte", "intro"]
    head += [f"p{a}" for a in pos] + [f"s{a}" for a in pos] + ["rp", "out"]
    size = ["", "", "", "", "", ""] + ["1"] * len(pos) + [""] * len(pos) + ["", ""]
    rows = []
    for n, (proc, vote) in enumerate([("CNS", "QMV"), ("COD", "QMV"), ("CNS", "Unan")]):
        rows.append(
            [f"P{n}", f"I{n}", "made up", proc, vote, "10-12-97"]
            + [str(v) for v in pos.values()]
            + ["50"] * len(pos)
            + ["0", "50"]
        )
    path = tmp_path / "made_up.tsv"
    path.write_text("\n".join("\t".join(r) for r in [head, size, *rows]) + "\n")
    want = {
        "I0": {"agenda_setter": 100.0, "veto_player": 60.0},
        "I1": {"agenda_setter": 80.0, "veto_player": 40.0},
        "I2": {"agenda_setter": 0.0, "veto_player": 0.0},
    }
    for isnr, expect in want.items():
        s = read_scenario(f"{path}#{isnr}")
        dec = s.issues[0].decision
        assert "pl" not in dec.voters and len(dec.voters) == 15
        assert sum(dec.weights.values()) == 87
        for model, value in expect.items():
            assert get_model(model)(s.to_arrays()).forecast[0] == value, (isnr, model)
        assert get_model("procedural")(s.to_arrays()).forecast[0] == expect["agenda_setter"]
