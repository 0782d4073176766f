"""The main events of the five seed articles (read from ../shared/seeds at test time).

The expectations come from what the articles report (see ../shared/seeds/README.md): Turkey
shot down a Russian warplane in November 2015; Russian and Turkish planes struck ISIS near
al-Bab in January 2017; Russia, Turkey and Iran convened the Astana talks; Russia vetoed
Security Council resolutions on Syria.
"""

from __future__ import annotations

import pytest
from shared_data import shared_path

from detente.evidence import extract_file


@pytest.fixture(scope="module")
def seeds():
    folder = shared_path("seeds")
    files = sorted(folder.glob("0*.txt"))
    if len(files) < 5:
        pytest.skip("the five seed articles are not available")
    dates = {
        "001": "2016-12-20",
        "003": "2017-01-23",
        "004": "2017-01-20",
        "002": "2017-01-20",
        "000": "2018-06-20",
    }
    return {f.name[:3]: extract_file(f, date=dates[f.name[:3]]) for f in files}


def _events(ev, event=None, sources=None, targets=None):
    out = []
    for e in ev.events:
        if event and e.event != event:
            continue
        if sources and not sources <= e.source_actors:
            continue
        if targets and not targets <= e.target_actors:
            continue
        out.append(e)
    return out


def test_turkey_downs_russian_warplane_in_november_2015(seeds):
    for key in ("000", "001"):
        hits = _events(seeds[key], "FIGHT", {"turkey"}, {"russia"})
        assert hits, key
        assert any(e.cameo == "195" and e.date == "2015-11" for e in hits), key


def test_joint_russian_turkish_air_strikes_near_al_bab(seeds):
    ev = seeds["004"]
    strikes = _events(ev, "FIGHT", {"russia", "turkey"})
    assert any(
        e.cameo == "195" and "isis" in e.target_actors and e.date == "2017-01-18" for e in strikes
    )
    # The two pound al-Bab together.
    assert any(
        "places_syria" in e.target_actors
        and any(r.text.lower().replace("-", " ") == "al bab" for r in e.target)
        for e in strikes
    )


def test_astana_talks_convened_by_russia_turkey_and_iran(seeds):
    ev = seeds["004"]
    # The conveners: Russia and, in an apposition, "the two other regional powers", Turkey and
    # Iran; Astana's state hosts.
    convened = _events(ev, "CONSULT", {"russia", "turkey", "iran"}, {"kazakhstan"})
    assert convened and convened[0].passive
    mediated = _events(seeds["000"], "CONSULT", {"russia", "turkey", "iran"}, {"kazakhstan"})
    assert mediated and mediated[0].date == "2017-01"


def test_russian_vetoes_in_the_security_council(seeds):
    for key in ("001", "002"):
        vetoes = [e for e in seeds[key].events if e.cameo == "129"]
        assert vetoes, key
        assert all(e.event == "REJECT" and e.source_actors == {"russia"} for e in vetoes), key


def test_the_alliance_backs_opposite_sides(seeds):
    backing = _events(seeds["001"], "SUPPORT", {"russia", "iran"}, {"syrian_government"})
    assert backing
    assert _events(seeds["001"], "SUPPORT", {"turkey"}, {"armed_opposition"})


def test_evidence_offsets_point_into_the_articles(seeds):
    folder = shared_path("seeds")
    for key, ev in seeds.items():
        text = next(folder.glob(f"{key}_*.txt")).read_text(encoding="utf-8")
        for m in ev.mentions:
            assert text[m.start : m.end] == m.text
        for e in ev.events:
            assert text[e.sentence_start : e.sentence_end].strip()
            for a, b in e.trigger_offsets:
                assert e.sentence_start <= a < b <= e.sentence_end
