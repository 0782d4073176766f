"""Loading data sets with outcomes: DEU tables, capability choices, scenario folders."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from detente.scenario.arrays import ScenarioArrays
from detente.scenario.io import _QMV_2004, _QMV_EU15, _QMV_NICE, _deu_date, deu_council_weights
from detente.validation import DatasetError, load_dataset, load_deu
from detente.validation.dataset import merge_issues, one_issue

HEADER = [
    "prnr",
    "isnr",
    "prname",
    "intro",
    "pcom",
    "pep",
    "pde",
    "pfr",
    "pdk",
    "scom",
    "sep",
    "sde",
    "sfr",
    "sdk",
    "rp",
    "out",
]


def _table(rows, sep="\t", size=True):
    lines = [sep.join(HEADER)]
    if size:
        lines.append(sep.join(["", "", "", "", "4.1", "4.1", "4.1", "2.8", "0.37"] + [""] * 7))
    lines += [sep.join(r) for r in rows]
    return "\n".join(lines) + "\n"


ROWS = [
    # proposal p1: two scorable issues and one without an outcome
    [
        "p1",
        "p1i1",
        "a",
        "26-01-00",
        "100",
        "0",
        "50",
        "50",
        "999",
        "50",
        "50",
        "50",
        "50",
        "0",
        "0",
        "60",
    ],
    ["p1", "p1i2", "a", "26-01-00", "0", "100", "100", "", "", "80", "20", "40", "", "", "", "100"],
    [
        "p1",
        "p1i3",
        "a",
        "26-01-00",
        "0",
        "100",
        "100",
        "0",
        "",
        "80",
        "20",
        "40",
        "10",
        "",
        "",
        "999",
    ],
    # proposal p2: only two actors with position and salience
    ["p2", "p2i1", "b", "1930-06-05", "0", "100", "", "", "", "50", "50", "", "", "", "", "50"],
]


def test_deu_cases_groups_and_dropped(tmp_path):
    f = tmp_path / "t.tsv"
    f.write_text(_table(ROWS))
    ds = load_deu(f)
    assert [c.issue for c in ds.cases] == ["p1i1", "p1i2"]
    assert ds.dropped == {"p1i3": "no outcome", "p2i1": "only 2 actors with position and salience"}
    assert [g.id for g in ds.groups] == ["p1"]
    g = ds.groups[0]
    # the proposal's arrays hold all three issues (the unscored one too) over the 4 actors with a stance
    assert g.arrays.issues == ("p1i1", "p1i2", "p1i3") and g.arrays.n_actors == 4
    assert g.scored == {"p1i1": 0, "p1i2": 1}
    c1 = ds.cases[0]
    # in the DEU actor order; dk has no position (999)
    assert c1.outcome == 60.0 and c1.arrays.actors == ("com", "ep", "fr", "de")
    assert c1.arrays.capability.tolist() == [4.1, 4.1, 2.8, 4.1]
    assert c1.arrays.status_quo[0] == 0.0
    assert ds.cases[1].arrays.actors == ("com", "ep", "de")


def test_deu_semicolons_and_capability_choices(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(_table(ROWS, sep=";"))
    assert load_dataset(f).n_cases == 2
    eq = load_deu(f, "equal")
    assert eq.cases[0].arrays.capability.tolist() == [1.0] * 4
    council = load_deu(f, "council")
    # 26 January 2000: Amsterdam weights, Commission and Parliament as the largest state
    assert council.cases[0].arrays.capability.tolist() == [10.0, 10.0, 10.0, 10.0]
    pop = load_deu(f, "population")
    assert pop.cases[0].arrays.capability.tolist() == [81.8, 81.8, 64.7, 81.8]
    with pytest.raises(DatasetError):
        load_deu(f, "gdp")


def test_deu_without_size_row(tmp_path):
    f = tmp_path / "t.tsv"
    f.write_text(_table(ROWS, size=False))
    with pytest.raises(DatasetError, match="size row"):
        load_deu(f, "size")
    assert load_deu(f, "equal").n_cases == 2


def test_council_weight_tables_match_the_treaties():
    # Amsterdam: 87 votes in all (EU15); Act of Accession 2003: 124 (EU25, 1 May-31 Oct 2004);
    # Nice: 321 for EU25, 345 for EU27, 352 with Croatia
    assert sum(_QMV_EU15.values()) == 87 and len(_QMV_EU15) == 15
    assert sum(_QMV_2004.values()) == 124 and len(_QMV_2004) == 25
    assert sum(_QMV_NICE.values()) == 352 and len(_QMV_NICE) == 28
    assert sum(v for k, v in _QMV_NICE.items() if k not in ("ro", "bu", "cr")) == 321
    period, w = deu_council_weights({"intro": "10-10-2016"})
    assert period == "lisbon" and w["de"] == max(w[a] for a in w if a not in ("com", "ep"))
    assert w["com"] == w["ep"] == w["de"]
    assert sum(v for k, v in w.items() if k not in ("com", "ep")) == pytest.approx(100.0)
    assert deu_council_weights({"intro": "01-12-05"})[0] == "nice"
    assert deu_council_weights({"intro": "2014-07-04"})[0] == "accession2004"  # 14 July 2004


def test_garbled_dates_read_back():
    assert _deu_date("26-01-00") == dt.date(2000, 1, 26)
    assert _deu_date("13-09-2017") == dt.date(2017, 9, 13)
    assert _deu_date("10-10-97") == dt.date(1997, 10, 10)
    assert _deu_date("1930-06-05") == dt.date(2005, 6, 30)
    assert _deu_date("999") is None and _deu_date("") is None


def test_merge_and_one_issue_round_trip():
    a = ScenarioArrays.from_arrays([1, 2], [10, 20], [50, 60], actors=["x", "y"], issues=["i"])
    b = ScenarioArrays.from_arrays([2, 3], [30, 40], [70, 80], actors=["y", "z"], issues=["j"])
    m = merge_issues([a, b])
    assert m.actors == ("x", "y", "z") and m.issues == ("i", "j")
    assert np.isnan(m.position[2, 0]) and m.position[2, 1] == 40
    back = one_issue(m, 1)
    assert back.actors == ("y", "z") and back.position[:, 0].tolist() == [30, 40]
    bad = ScenarioArrays.from_arrays([5, 3], [30, 40], [70, 80], actors=["y", "z"], issues=["k"])
    with pytest.raises(DatasetError, match="capability"):
        merge_issues([a, bad])


SCENARIO = """
id: {id}
actors:
  - {{id: a, capability: 1}}
  - {{id: b, capability: 2}}
  - {{id: c, capability: 1}}
issues:
  - {{id: x}}
  - {{id: y}}
stances:
  - {{actor: a, issue: x, position: 0, salience: 50}}
  - {{actor: b, issue: x, position: 60, salience: 50}}
  - {{actor: c, issue: x, position: 100, salience: 50}}
  - {{actor: a, issue: y, position: 10, salience: 50}}
  - {{actor: b, issue: y, position: 20, salience: 50}}
  - {{actor: c, issue: y, position: 30, salience: 50}}
meta:
  outcome: {outcome}
"""


def test_folder_of_scenarios(tmp_path):
    (tmp_path / "one.yaml").write_text(SCENARIO.format(id="one", outcome="{x: 55, y: 20}"))
    (tmp_path / "two.yaml").write_text(SCENARIO.format(id="two", outcome="{x: 40}"))
    (tmp_path / "notes.txt").write_text("ignored")
    ds = load_dataset(tmp_path)
    assert ds.n_cases == 3 and len(ds.groups) == 2
    # the same issue ids in two scenarios are told apart by the scenario id
    assert sorted(c.issue for c in ds.cases) == ["one/x", "one/y", "two/x"]
    assert ds.dropped == {"two/y": "no outcome"}
    assert {c.issue: c.outcome for c in ds.cases}["one/x"] == 55.0
    with pytest.raises(DatasetError):
        load_dataset(tmp_path, "council")


def test_scenario_with_one_number_for_two_issues(tmp_path):
    (tmp_path / "bad.yaml").write_text(SCENARIO.format(id="bad", outcome="50"))
    with pytest.raises(DatasetError, match="mapping"):
        load_dataset(tmp_path)


def test_not_a_dataset(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(DatasetError):
        load_dataset(f)
    with pytest.raises(DatasetError):
        load_dataset(tmp_path / "missing.tsv")
