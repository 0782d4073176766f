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


@pytest.mark.parametrize(
    "text, event, src, tgt",
    [
        ("Ankara threatened to cut diplomatic ties with Tehran.", "THREATEN", {"TUR"}, {"IRN"}),
        ("Moscow will send humanitarian aid to Armenia next week.", "AGREE", {"RUS"}, {"ARM"}),
        ("The Kremlin sent humanitarian aid to Armenia.", "AID", {"RUS"}, {"ARM"}),
        ("Iran demanded that Turkey withdraw its troops.", "DEMAND", {"IRN"}, {"TUR"}),
        ("Egypt said Israel must lift the blockade.", "DEMAND", {"EGY"}, {"ISR"}),
        (
            "Damascus refused to meet the opposition delegation in Geneva.",
            "REJECT",
            {"SYR"},
            {"SYR"},
        ),
        ("Russia vetoed the resolution on Syria.", "REJECT", {"RUS"}, {"SYR"}),
        ("Turkish jets shot down a Russian warplane near the border.", "FIGHT", {"TUR"}, {"RUS"}),
        ("Putin and Erdogan met in Sochi on Tuesday.", "CONSULT", {"RUS", "TUR"}, set()),
        ("Lavrov criticized Washington for its air strikes.", "DISAPPROVE", {"RUS"}, {"USA"}),
        ("Iraq expelled two Iranian diplomats.", "SANCTION", {"IRQ"}, {"IRN"}),
        ("Jordanian police arrested three Syrian activists in Amman.", "COERCE", {"JOR"}, {"SYR"}),
        ("Saudi Arabia and Qatar signed a defence pact.", "SUPPORT", {"SAU", "QAT"}, set()),
        # "the government" in a sentence about one country is that country's (CAMEO convention).
        (
            "Thousands of Lebanese protesters marched against the government.",
            "PROTEST",
            {"LBN"},
            {"LBN"},
        ),
        ("Kurdish militias released twenty Turkish soldiers.", "RETREAT", {"SYR"}, {"TUR"}),
        ("The UN is investigating the chemical attack.", "INVESTIGATE", {"IGO"}, set()),
    ],
)
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


@pytest.mark.parametrize(
    "text, src, reciprocal",
    [
        # the by-phrase of a passive names the conveners (the parse's agent, in active terms
        # the subject)
        ("The Moscow talks were convened by Turkey and Iran.", {"TUR", "IRN"}, False),
        ("The talks were jointly organised by Russia and Turkey.", {"RUS", "TUR"}, True),
        ("The Moscow meeting was convened by Russia and China.", {"RUS", "CHN"}, True),
    ],
)
def test_passive_with_the_event_noun_as_subject(text, src, reciprocal):
    # The event's noun takes its arguments from the passive verb it is the subject of. (Which
    # host city counts as a party, tested here before on hand rules, is left to the learned
    # role model: the gold records code it one way for visits and another for venues.)
    e = main_event(text)
    assert e.passive
    assert e.source_codes == src
    if reciprocal:
        assert e.reciprocal and not e.target_codes


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
        assert text[r.start : r.end] == r.text


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


# Sentence shapes that word order alone gets wrong, read from the parse; each sentence was
# written for this test.
@pytest.mark.parametrize(
    "text, event, src, tgt",
    [
        # An apposition after a named head: the head is the subject.
        (
            "Lavrov, the Russian foreign minister, condemned the Israeli strike.",
            "DISAPPROVE",
            {"RUS"},
            {"ISR"},
        ),
        # A demonym before "language" names a language, not an actor.
        (
            "The Estonian parliament restricted the use of the Russian language.",
            "COERCE",
            {"EST"},
            set(),
        ),
        # A "that" clause's subject is the one the demand is made of, not the demander.
        ("Iran demanded that Turkey withdraw its troops.", "DEMAND", {"IRN"}, {"TUR"}),
        # A passive without a by-phrase: what was acted on is its subject.
        ("A French journalist was arrested in Iran on Monday.", "COERCE", {"IRN"}, {"FRA"}),
    ],
)
def test_sentence_shapes(text, event, src, tgt):
    e = main_event(text)
    assert e.event == event
    assert e.source_codes == src
    assert e.target_codes == tgt


def test_relative_clause_between_subject_and_verb_is_skipped():
    # The act of the main clause keeps the subject; the relative clause's own act has it too.
    ev = extract("Iran, which supports the Syrian government, sent more troops to Aleppo.")
    sent = next(e for e in ev.events if e.event == "MOBILIZE")
    assert sent.source_codes == {"IRN"}
    assert "SYR" in sent.target_codes


def test_the_doer_of_an_act_inside_in_ing_is_the_subject():
    e = main_event("France joined Britain in condemning the attack.")
    assert e.event == "DISAPPROVE"
    assert "FRA" in e.source_codes


@pytest.mark.parametrize(
    "text",
    [
        "Talks between Russia and Turkey ended without agreement.",
        "Fighting between Armenia and Azerbaijan resumed on Sunday.",
        "India and Pakistan exchanged fire across the border.",
    ],
)
def test_between_and_mutual_verbs_are_reciprocal(text):
    e = main_event(text)
    assert e.reciprocal and not e.target and len(e.source_codes) == 2


@pytest.mark.parametrize(
    "text, event, src, tgt",
    [
        # CAMEO actor conventions: a group named by a noun only is coded as its country.
        ("Rebels in northern Uganda killed five villagers on Tuesday.", "FIGHT", {"UGA"}, {"UGA"}),
        ("Kenyan police arrested dozens of opposition supporters.", "COERCE", {"KEN"}, {"KEN"}),
        # ... and an ethnic group as the state it lives in.
        ("Ethnic Serbs in Croatia demanded autonomy.", "DEMAND", {"HRV"}, set()),
        ("Bosnian Serb forces shelled Sarajevo.", "FIGHT", {"BIH"}, {"BIH"}),
        ("Croatian forces attacked rebel Serbs in Krajina.", "FIGHT", {"HRV"}, {"HRV"}),
        # Non-governmental organisations named generically have the sector code NGO.
        (
            "A human rights group accused the Egyptian government of torture.",
            "DISAPPROVE",
            {"NGO"},
            {"EGY"},
        ),
        # People protesting in numbers demonstrate (PLOVER PROTEST), in a city that is no target.
        ("Thousands of students protested in Jakarta.", "PROTEST", {"IDN"}, set()),
        # A capital where a deal is signed is the venue, not a party.
        (
            "Saudi Arabia and Qatar signed a defence pact in Cairo.",
            "SUPPORT",
            {"SAU", "QAT"},
            set(),
        ),
        # A name the dictionary lacks takes the country said beside it.
        (
            "President Zandoro of Burundi accused Rwanda of arming rebels.",
            "DISAPPROVE",
            {"BDI"},
            {"RWA"},
        ),
        ("Zandoro, the Zambian president, thanked China for its aid.", "SUPPORT", {"ZMB"}, {"CHN"}),
    ],
)
def test_actor_conventions(text, event, src, tgt):
    e = main_event(text)
    assert e.event == event
    assert e.source_codes == src
    assert e.target_codes == tgt


def test_coding_does_not_depend_on_hash_seeds():
    # Trigger phrases that tie ("bombing" matches both "bombing" and "bomb") are ranked by a
    # fixed order, so the same text is coded the same way in every process.
    import os
    import subprocess
    import sys

    code = (
        "from detente.evidence import extract\n"
        "for t in ['Hamas claimed responsibility for the bombing in Jerusalem.',\n"
        "          'Syria accused Israel of shelling its positions.']:\n"
        "    e = [x for x in extract(t).events if x.main][0]\n"
        "    print(e.cameo, sorted(e.source_codes), sorted(e.target_codes))\n"
    )
    outs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outs.add(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
            ).stdout
        )
    assert len(outs) == 1
