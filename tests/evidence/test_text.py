"""Text handling: HTML to text, sentences, tokens, lemma candidates."""

from __future__ import annotations

from detente.evidence.text import html_to_text, lemmas, looks_like_html, split_sentences, tokenize


def test_sentences_respect_abbreviations_and_initials():
    t = (
        "U.S. envoy Gen. John W. Smith met Mr. Lavrov in Moscow on Jan. 18. Talks ended. "
        "Did they agree? Yes!\nA new paragraph without a full stop"
    )
    got = [t[a:b] for a, b in split_sentences(t)]
    assert got == [
        "U.S. envoy Gen. John W. Smith met Mr. Lavrov in Moscow on Jan. 18.",
        "Talks ended.",
        "Did they agree?",
        "Yes!",
        "A new paragraph without a full stop",
    ]


def test_sentence_spans_are_trimmed_and_ordered():
    t = "  One.   Two.\n\n\nThree.  "
    spans = split_sentences(t)
    assert [t[a:b] for a, b in spans] == ["One.", "Two.", "Three."]
    assert all(a < b for a, b in spans)
    assert all(spans[k][1] <= spans[k + 1][0] for k in range(len(spans) - 1))


def test_tokens_carry_document_offsets():
    t = "xx Russia’s jets, U.S.-made, hit al-Bab."
    toks = tokenize(t, 3)
    assert [k.text for k in toks] == [
        "Russia",
        "’s",
        "jets",
        ",",
        "U.S.",
        "-",
        "made",
        ",",
        "hit",
        "al-Bab",
        ".",
    ]
    assert all(t[k.start : k.end] == k.text for k in toks)
    assert [k.i for k in toks] == list(range(len(toks)))


def test_lemma_candidates_cover_regular_and_irregular_forms():
    assert "agree" in lemmas("agreed")
    assert "shoot" in lemmas("shot")
    assert "withdraw" in lemmas("withdrew")
    assert "supply" in lemmas("supplies")
    assert "stop" in lemmas("stopped")
    assert "bomb" in lemmas("bombing")
    assert "threaten" in lemmas("threatens")
    assert lemmas("Talks") >= {"talks", "talk"}


def test_html_to_text_keeps_blocks_and_drops_scripts():
    html = (
        "<!doctype html><html><head><title>Talks</title><style>p{}</style></head><body>"
        "<script>var x = 'Russia attacked';</script><p>Russia &amp; Turkey met.</p>"
        "<div>Iran<br>joined.</div></body></html>"
    )
    assert looks_like_html(html)
    assert not looks_like_html("Russia and Turkey met. 3 < 4 is true.")
    text = html_to_text(html)
    assert text.splitlines() == ["Talks", "Russia & Turkey met.", "Iran", "joined."]
    assert "attacked" not in text


def test_hard_wrapped_text_is_read_as_sentences_not_lines():
    # a dispatch wrapped at a fixed width: line breaks inside a sentence do not end it; a short
    # heading line without a full stop stays on its own, and so does each paragraph
    t = (
        "Talks end in Astana\n"
        "\n"
        "Two days of talks in the Kazakh capital ended on Tuesday with a statement from Russia,\n"
        "Iran and Turkey, the three sponsors of the meeting. The rebels refused to sign it\n"
        "and left early.\n"
        "Short heading\n"
        "Russia backed the ceasefire."
    )
    got = [t[a:b].replace("\n", " ") for a, b in split_sentences(t)]
    assert got == [
        "Talks end in Astana",
        (
            "Two days of talks in the Kazakh capital ended on Tuesday with a statement from "
            "Russia, Iran and Turkey, the three sponsors of the meeting."
        ),
        "The rebels refused to sign it and left early.",
        "Short heading",
        "Russia backed the ceasefire.",
    ]
