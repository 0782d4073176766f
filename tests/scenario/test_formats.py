"""Every format reads, writes and round-trips; detection goes by extension and header."""

from __future__ import annotations

import numpy as np
import pytest
from shared_data import shared_path

import detente
from detente.errors import DetenteError, ScenarioError
from detente.scenario import build_scenario, read_scenario, write_scenario
from detente.scenario.io import detect_format


def _scenario(n_issues=2):
    data = {
        "id": "demo",
        "sources": [{"id": "s1", "file": "a.txt", "publication": "P", "date": "2017-01-23"}],
        "actors": [
            {
                "id": "a",
                "name": "Alpha",
                "kind": "state",
                "capability": {"value": 3, "range": [2, 4]},
            },
            {"id": "b", "kind": "armed_group", "capability": 1.5},
            {"id": "c", "capability": 0.25},
        ],
        "issues": [
            {
                "id": f"i{k}",
                "name": f"Issue {k}",
                "scale": {"low": 0, "high": 100, "low_label": "none", "high_label": "all"},
                "status_quo": 40,
            }
            for k in range(n_issues)
        ],
        "stances": [],
    }
    vals = [(10, 80), (55.5, 20), (90, 60)]
    for k in range(n_issues):
        for aid, (p, s) in zip("abc", vals):
            data["stances"].append(
                {
                    "actor": aid,
                    "issue": f"i{k}",
                    "position": {
                        "value": (p + 7 * k) % 100,
                        "range": [0, 100],
                        "evidence": {"source": "s1", "paraphrase": "said so"},
                    },
                    "salience": s,
                }
            )
    return build_scenario(data)


def _same_numbers(a, b):
    x, y = a.to_arrays(), b.to_arrays()
    assert x.actors == y.actors
    np.testing.assert_allclose(x.capability, y.capability)
    np.testing.assert_allclose(x.position, y.position, equal_nan=True)
    np.testing.assert_allclose(x.salience, y.salience, equal_nan=True)


@pytest.mark.parametrize("suffix, fmt", [(".yaml", "yaml"), (".csv", "long-csv")])
def test_round_trip_full(tmp_path, suffix, fmt):
    s = _scenario()
    path = tmp_path / f"s{suffix}"
    assert write_scenario(s, path) == fmt
    back = read_scenario(path)
    _same_numbers(s, back)
    assert back.actor("a").capability.range == (2, 4)
    assert back.issue("i0").scale.high_label == "all"
    st = back.stance("a", "i0")
    assert st.position.range == (0, 100)
    assert st.position.evidence[0].paraphrase == "said so"
    if fmt == "yaml":
        assert back == s


def test_round_trip_yaml_is_exact_for_embedded(tmp_path):
    for name in detente.embedded_names():
        s = detente.load(name)
        path = tmp_path / f"{name}.yaml"
        write_scenario(s, path)
        assert read_scenario(path) == s


def test_round_trip_issue_csv(tmp_path):
    s = _scenario(1)
    path = tmp_path / "one.csv"
    write_scenario(s, path, format="issue-csv")
    assert detect_format(path) == "issue-csv"
    _same_numbers(s, read_scenario(path))


def test_round_trip_ktab_csv(tmp_path):
    s = _scenario(2)
    path = tmp_path / "k.csv"
    write_scenario(s, path, format="ktab-csv")
    assert detect_format(path) == "ktab-csv"
    _same_numbers(s, read_scenario(path))


def test_round_trip_deu_row(tmp_path):
    data = {
        "actors": [{"id": a, "capability": c} for a, c in (("com", 4.1), ("fr", 2.8), ("de", 4.1))],
        "issues": [{"id": "x1", "status_quo": 0}],
        "stances": [
            {"actor": a, "issue": "x1", "position": p, "salience": 50}
            for a, p in (("com", 100), ("de", 0), ("fr", 60))
        ],
        "meta": {"outcome": 70},
    }
    s = build_scenario(data)
    path = tmp_path / "d.tsv"
    write_scenario(s, path)
    back = read_scenario(path)
    _same_numbers(s, back)
    assert back.meta["outcome"] == 70
    assert back.issue("x1").status_quo.value == 0


def test_issue_csv_reads_eum_parity_file():
    path = shared_path("parity", "eum", "emission_standards.csv")
    s = read_scenario(path)
    assert len(s.actors) == 10 and len(s.issues) == 1
    assert s.actor("France").capability.value == pytest.approx(0.16)


@pytest.mark.parametrize("name", ["dummyData_3Dim", "SOE-Pol-Comp", "dummyData-a040"])
def test_ktab_csv_reads_parity_inputs(name):
    path = shared_path("parity", "ktab", f"{name}.csv")
    s = read_scenario(path)
    pos = __import__("pandas").read_csv(shared_path("parity", "ktab", f"{name}.positions.csv"))
    first = pos[pos["turn"] == 0]
    arr = s.to_arrays()
    got = arr.position[[s.actor_ids.index(a) for a in first["actor"]], first["dimension"]]
    np.testing.assert_allclose(got, first["position"], atol=1e-9)


def test_deu_row_from_shared():
    path = shared_path("data", "deu3", "deu3_dev.tsv")
    s = read_scenario(f"{path}#d00032i1")
    assert s.issue_ids == ("d00032i1",)
    assert "outcome" in s.meta
    with pytest.raises(ScenarioError, match="pick one"):
        read_scenario(path)


def test_format_override_and_bad_extension(tmp_path):
    path = tmp_path / "scen.data"
    path.write_text("actor,capability,position,salience\na,1,10,50\nb,1,20,50\n")
    with pytest.raises(ScenarioError, match="extension"):
        read_scenario(path)
    assert len(read_scenario(path, format="issue-csv").actors) == 2


def test_csv_errors_name_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("actor,issue,capability,position,salience\na,x,1,10,50\nb,x,1,abc,50\n")
    with pytest.raises(ScenarioError) as info:
        read_scenario(path)
    assert f"{path}:3" in str(info.value) and "abc" in str(info.value)


def test_failed_write_keeps_existing_file(tmp_path):
    path = tmp_path / "keep.csv"
    path.write_text("precious\n")
    with pytest.raises(DetenteError):
        write_scenario(_scenario(2), path, format="issue-csv")  # two issues: cannot write
    assert path.read_text() == "precious\n"
    assert list(tmp_path.iterdir()) == [path]


def test_missing_file_is_a_detente_error(tmp_path):
    with pytest.raises(DetenteError, match="no such file"):
        read_scenario(tmp_path / "nope.yaml")


def test_atomic_writes_give_the_usual_permissions(tmp_path):
    # mkstemp makes 0600 files; a written scenario or report must be readable as any other file
    import os

    from detente.scenario.io import atomic_write_bytes, atomic_write_text

    mask = os.umask(0o022)
    os.umask(mask)
    atomic_write_text(tmp_path / "a.yaml", "id: x\n")
    atomic_write_bytes(tmp_path / "b.html", b"<p>x</p>")
    for name in ("a.yaml", "b.html"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask
    assert (tmp_path / "a.yaml").read_bytes() == b"id: x\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.html"]
