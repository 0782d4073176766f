"""Event coding on sentences written for these tests (not taken from any article or gold file).

Each expectation follows the CAMEO codebook's definitions: a threat to act is THREATEN (13),
a stated intent to co-operate AGREE (03), a demand DEMAND (10), a refusal REJECT (12), the
use of conventional military force FIGHT (19), and so on.
"""

from __future__ import annotations

import pytest

from detente.evidence import extract
from detente.evidence.events import cameo_table, plover_of


def main_event(text: str):
    ev = extract(text)
    mains = [e for e in ev.events if e.main]
    assert len(mains) == 1, ev.events
    return mains[0]


@pytest.mark.parametrize("text, event, src, tgt", [
    ("Ankara threatened to cut diplomatic ties with Tehran.", "THREATEN", {"TUR"}, {"IRN"}),
    ("Moscow will send humanitarian aid to Armenia next week.", "AGREE", {"RUS"}, {"ARM"}),
    ("The Kremlin sent humanitarian aid to Armenia.", "AID", {"RUS"}, {"ARM"}),
    ("Iran demanded that Turkey withdraw its troops.", "DEMAND", {"IRN"}, {"TUR"}),
    ("Egypt said Israel must lift the blockade.", "DEMAND", {"EGY"}, {"ISR"}),
    ("Damascus refused to meet the opposition delegation in Geneva.", "REJECT", {"SYR"},
     {"SYR"}),
    ("Russia vetoed the resolution on Syria.", "REJECT", {"RUS"}, {"SYR"}),
    ("Turkish jets shot down a Russian warplane near the border.", "FIGHT", {"TUR"}, {"RUS"}),
    ("Putin and Erdogan met in Sochi on Tuesday.", "CONSULT", {"RUS", "TUR"}, set()),
    ("Lavrov criticized Washington for its air strikes.", "DISAPPROVE", {"RUS"}, {"USA"}),
    ("Iraq expelled two Iranian diplomats.", "SANCTION", {"IRQ"}, {"IRN"}),
    ("Jordanian police arrested three Syrian activists in Amman.", "COERCE", {"JOR"}, {"SYR"}),
    ("Saudi Arabia and Qatar signed a defence pact.", "SUPPORT", {"SAU", "QAT"}, set()),
    ("Thousands of Lebanese protesters marched against the government.", "PROTEST",
     {"LBN"}, set()),
    ("Kurdish militias released twenty Turkish soldiers.", "RETREAT", {"SYR"}, {"TUR"}),
    ("The UN is investigating the chemical attack.", "INVESTIGATE", {"IGO"}, set()),
])
def test_main_event_category_and_actors(text, event, src, tgt):
    e = main_event(text)
    assert e.event == event
    assert e.source_codes == src
    assert e.target_codes == tgt
    assert plover_of(e.cameo) == event


def test_passive_voice_swaps_source_and_target():
    e = main_event("Two Iraqi soldiers were killed by Turkish artillery on Monday.")
    assert e.passive
    assert e.target_codes == {"IRQ"}
    assert e.source_codes == {"TUR"}


def test_negated_hostile_act_is_not_an_event():
    ev = extract("Russia did not attack Turkey.")
    assert not any(e.event in ("FIGHT", "ASSAULT") for e in ev.events)


def test_reciprocal_agreement_between_coordinated_sources():
    e = main_event("Russia, Iran and Turkey agreed to a ceasefire.")
    assert e.event == "AGREE"
    assert e.source_actors == {"russia", "iran", "turkey"}
    assert e.reciprocal and not e.target


def test_trailing_attribution_is_not_a_target():
    e = main_event("Iran and Iraq agreed to reopen the border, a UN official said on Monday.")
    assert e.event == "AGREE" and "IGO" not in e.target_codes


def test_trigger_offsets_and_summary():
    text = "On Friday, Hezbollah attacked Israeli positions near the border."
    ev = extract(text)
    e = next(x for x in ev.events if x.main)
    assert e.event == "FIGHT"
    for a, b in e.trigger_offsets:
        assert text[a:b] in e.trigger
        assert e.sentence_start <= a < b <= e.sentence_end
    assert e.summary == "Hezbollah — FIGHT — Israel"
    for r in e.source + e.target:
        assert text[r.start:r.end] == r.text


def test_every_lexicon_code_maps_to_a_plover_category():
    from detente.evidence.events import default_lexicon

    lex = default_lexicon()
    codes = {p.label for pats in lex.actions.values() for p in pats}
    table = cameo_table()
    for code in codes:
        assert code in table, code
        assert plover_of(code), code
    alone = {c for c in lex.wrapper_alone.values() if c}
    assert all(plover_of(c) for c in alone)


def test_cameo_mapping_follows_the_codebook_roots():
    # Independent facts of the CAMEO codebook: 19x is conventional force (PLOVER FIGHT),
    # 18x unconventional violence (ASSAULT), 036 an intent to meet (AGREE), 129 a veto (REJECT).
    assert plover_of("195") == "FIGHT" and plover_of("183") == "ASSAULT"
    assert plover_of("036") == "AGREE" and plover_of("129") == "REJECT"
    assert plover_of("0871") == "RETREAT" and plover_of("1723") == "COERCE"
    assert plover_of("010") == ""  # statements have no PLOVER category
    assert cameo_table()["195"][0] == "Employ aerial weapons"
