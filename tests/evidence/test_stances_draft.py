"""Stances on a scenario's issues and the draft scenario update."""

from __future__ import annotations

import pytest
import yaml

from detente.evidence import EvidenceInputError, extract
from detente.evidence.draft import build_draft, scenario_actor_map, write_draft
from detente.evidence.stances import issue_keywords, resolve_scenario

TEXT = (
    "Moscow strongly backs the Assad regime. Iran rejected any Turkish military presence "
    "in Syria. Turkey called for Assad's ouster. Kazakhstan hosted the talks in Astana."
)


@pytest.fixture(scope="module")
def scenario():
    return resolve_scenario("syria-astana-2017")


def test_stances_and_their_directions(scenario):
    ev = extract(TEXT, scenario=scenario, source="made-up.txt")
    got = {(s.actor, s.issue, s.direction) for s in ev.stances}
    assert ("russia", "assad", 1) in got
    assert ("iran", "turkish_presence", -1) in got
    assert ("turkey", "assad", -1) in got
    for s in ev.stances:
        assert TEXT[s.cue_offsets[0] : s.cue_offsets[1]] == s.cue
        assert TEXT[s.keyword_offsets[0] : s.keyword_offsets[1]] == s.keyword
        iss = scenario.issue(s.issue)
        assert s.toward == (iss.scale.high_label if s.direction > 0 else iss.scale.low_label)


def test_a_cue_against_a_breach_is_a_stance_for_what_was_breached(scenario):
    # accusing someone of breaking the truce is being for the truce; accusing them of
    # wanting it is not
    ev = extract(
        "Syrian rebels accused Iran of breaking the truce. Turkey condemned the ceasefire.",
        scenario=scenario,
    )
    got = {(s.actor, s.issue, s.direction) for s in ev.stances}
    assert ("armed_opposition", "ceasefire", 1) in got
    assert ("turkey", "ceasefire", -1) in got


def test_issue_keywords_include_name_words():
    kws = {p.text for p in issue_keywords("water", "Jordan River water sharing")}
    assert {"Jordan", "River"} <= kws
    assert issue_keywords("assad")[0].sign in (1, -1)


def test_scenario_actor_map(scenario):
    from detente.evidence import default_actors

    amap = scenario_actor_map(scenario, default_actors())
    for aid in (
        "russia",
        "iran",
        "turkey",
        "syrian_government",
        "armed_opposition",
        "united_states",
        "pyd_ypg",
        "hezbollah",
    ):
        assert amap.get(aid) == aid


def test_draft_keeps_entered_values_and_cites_offsets(tmp_path, scenario):
    ev = extract(TEXT, scenario=scenario, source="made-up.txt")
    out = tmp_path / "draft.yaml"
    data = write_draft(out, [ev], scenario)
    loaded = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert loaded["draft_for"] == "syria-astana-2017"
    sugg = {(s["actor"], s["issue"]): s for s in loaded["suggested_positions"]}
    ru = sugg[("russia", "assad")]
    entered = scenario.stance("russia", "assad").position
    assert ru["current"]["value"] == entered.value  # shown, not changed
    assert ru["direction"] == 1 and ru["suggested_value"] > 50
    assert sugg[("iran", "turkish_presence")]["suggested_value"] < 50
    assert ru["evidence"][0]["file"] == "made-up.txt"
    a, b = ru["evidence"][0]["sentence"]
    assert TEXT[a:b].startswith("Moscow")
    assert any(n["id"] == "kazakhstan" for n in loaded["new_actors"])
    # No sentence of the text is copied into the draft.
    body = out.read_text(encoding="utf-8")
    for sent in TEXT.split(". "):
        assert sent.rstrip(".") not in body
    assert data["suggested_positions"] == loaded["suggested_positions"]


def test_draft_never_replaces_an_existing_file(tmp_path, scenario):
    ev = extract(TEXT, scenario=scenario)
    out = tmp_path / "draft.yaml"
    out.write_text("analyst: edits\n", encoding="utf-8")
    with pytest.raises(EvidenceInputError, match="already exists"):
        write_draft(out, [ev], scenario)
    assert out.read_text(encoding="utf-8") == "analyst: edits\n"
    write_draft(out, [ev], scenario, force=True)
    assert "suggested_positions" in out.read_text(encoding="utf-8")


def test_build_draft_without_stances_is_empty_but_valid(scenario):
    ev = extract("Nothing happened here.", scenario=scenario)
    d = build_draft([ev], scenario)
    assert d["suggested_positions"] == [] and d["events"] == []


def test_stances_carry_checkable_evidence(scenario):
    ev = extract(TEXT, scenario=scenario)
    ru = next(s for s in ev.stances if s.actor == "russia" and s.issue == "assad")
    assert ru.text == "Moscow strongly backs the Assad regime."
    assert 0.0 < ru.confidence <= 1.0
    assert "strongly" in ru.intensity_reason and not ru.hedged


def test_intensity_follows_intensifiers_and_hedges(scenario):
    plain = extract("Moscow backs the Assad regime.", scenario=scenario).stances[0]
    strong = extract("Moscow strongly backs the Assad regime.", scenario=scenario).stances[0]
    hedged = extract("Moscow may back the Assad regime.", scenario=scenario).stances[0]
    assert strong.intensity > plain.intensity > hedged.intensity
    assert hedged.hedged and "may" in hedged.intensity_reason


def test_suggested_magnitude_grows_with_repeated_statements(scenario):
    once = extract("Moscow backs the Assad regime.", scenario=scenario)
    twice = extract(
        "Moscow backs the Assad regime. Russia again backed the Assad regime on Monday.",
        scenario=scenario,
    )

    def value(ev):
        d = build_draft([ev], scenario)
        s = next(x for x in d["suggested_positions"] if x["actor"] == "russia")
        assert "statement" in s["reason"]
        return s["suggested_value"], s["n_statements"]

    (v1, n1), (v2, n2) = value(once), value(twice)
    assert n1 == 1 and n2 == 2
    assert 50 < v1 < v2 <= 100
