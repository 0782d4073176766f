"""The actor dictionary: shipped data, aliases, context aliases, user extensions, unknowns."""

from __future__ import annotations

import re

import pytest

from detente.evidence import EvidenceInputError, extract, load_actors
from detente.evidence.actors import default_actors


@pytest.fixture(scope="module")
def actors():
    return default_actors()


def test_shipped_dictionary_is_well_formed(actors):
    assert len(actors) > 200
    for a in actors.actors.values():
        assert re.fullmatch(r"[A-Z]{3}", a.code), a
        assert re.fullmatch(r"[a-z0-9_]+", a.id), a
    # Every UN member state of the region has its ISO-3166 alpha-3 code.
    codes = {a.id: a.code for a in actors.actors.values()}
    assert codes["russia"] == "RUS" and codes["turkey"] == "TUR" and codes["iran"] == "IRN"
    assert codes["syria"] == "SYR" and codes["united_states"] == "USA"
    assert codes["saudi_arabia"] == "SAU" and codes["kazakhstan"] == "KAZ"


@pytest.mark.parametrize(
    "name, actor",
    [
        ("Moscow", "russia"),
        ("the Kremlin", "russia"),
        ("Putin", "russia"),
        ("Lavrov", "russia"),
        ("Ankara", "turkey"),
        ("Erdogan", "turkey"),
        ("Erdoğan", "turkey"),
        ("Tehran", "iran"),
        ("Rouhani", "iran"),
        ("Damascus", "syrian_government"),
        ("Hezbollah", "hezbollah"),
        ("YPG", "pyd_ypg"),
        ("ISIS", "isis"),
        ("U.N.", "united_nations"),
        ("de Mistura", "united_nations"),
        ("Astana", "kazakhstan"),
        ("Washington", "united_states"),
    ],
)
def test_aliases_resolve(actors, name, actor):
    entries = actors.lookup(name)
    assert entries and entries[0].actor == actor


def test_context_aliases_need_their_context():
    syria = extract("In Syria, the regime rejected the proposal.")
    assert any(m.actor == "syrian_government" for m in syria.mentions)
    other = extract("In Ruritania, the regime rejected the proposal.")
    assert not any(m.actor == "syrian_government" for m in other.mentions)


def test_user_file_extends_the_dictionary(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(
        "actors:\n"
        "  - {id: russia, aliases: [Kremlinland]}\n"
        "  - {id: ruritania, code: RUR, kind: state, name: Ruritania,"
        " aliases: [Ruritania, Strelsau], demonyms: [Ruritanian]}\n"
        "people:\n  - {name: Rudolf Rassendyll, aliases: [Rassendyll], of: ruritania}\n",
        encoding="utf-8",
    )
    d = load_actors(f)
    assert d.lookup("Kremlinland")[0].actor == "russia"
    assert d.lookup("Moscow")[0].actor == "russia"  # shipped aliases are kept
    ev = extract("Rassendyll threatened Kremlinland.", actors=d)
    main = next(e for e in ev.events if e.main)
    assert main.event == "THREATEN"
    assert main.source_codes == {"RUR"} and main.target_codes == {"RUS"}


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("actors:\n  - {id: x, code: toolong}\n", "code must be three capital letters"),
        ("actors:\n  - {code: ABC}\n", "needs an 'id'"),
        ("people:\n  - {name: A B, of: nowhere}\n", "unknown actor 'nowhere'"),
        ("- just a list\n", "must be a mapping"),
        ("actors: [\n", "not valid YAML"),
    ],
)
def test_bad_user_files_are_reported_with_the_file_name(tmp_path, content, fragment):
    f = tmp_path / "bad.yaml"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(EvidenceInputError) as exc:
        load_actors(f)
    assert str(f) in str(exc.value) and fragment in str(exc.value)
    assert "\n" not in str(exc.value)


def test_unknown_actors_are_reported_not_dropped():
    ev = extract("Defence chief Zorab Kelvani accused Damascus of violating the truce.")
    assert any(u.text.endswith("Zorab Kelvani") for u in ev.unknown_actors)
    main = next(e for e in ev.events if e.main)
    assert main.event == "DISAPPROVE"
    assert main.source and main.source[0].actor is None  # kept, with no canonical id
    assert main.target_actors == {"syrian_government"}


def test_mention_offsets_index_the_text():
    text = "Russian Foreign Minister Sergei Lavrov met Turkey’s Mevlut Cavusoglu in Moscow."
    ev = extract(text)
    assert ev.mentions
    for m in ev.mentions:
        assert text[m.start : m.end] == m.text
    assert {m.actor for m in ev.mentions} == {"russia", "turkey"}
