"""Text handling: HTML to text, sentence splitting, tokens with offsets, and lemma candidates.

Everything here is plain Python and regular expressions: no model is loaded. Offsets are
character offsets into the text handed in (for HTML, into the text made from it).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

__all__ = [
    "Token",
    "html_to_text",
    "lemmas",
    "looks_like_html",
    "soft_wrap",
    "split_sentences",
    "tokenize",
]

# -- HTML -----------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "title",
    ]
)
_SKIP_TAGS = frozenset(
    ["script", "style", "noscript", "template", "svg", "head", "iframe", "form", "button"]
)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._title: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _SKIP_TAGS and tag != "head":
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _SKIP_TAGS and tag != "head":
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
            return
        if not self._skip:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    """Whether ``text`` looks like an HTML document or fragment rather than plain text."""
    head = text[:2000].lower()
    return bool(re.search(r"<(!doctype html|html|body|p|div|article|br|span|h[1-6])\b", head))


def html_to_text(markup: str) -> str:
    """Plain text of an HTML document: block elements become line breaks.

    Scripts, styles and forms are dropped; entities are decoded; runs of blank space inside a
    line are collapsed; the title, if any, becomes the first line.

    >>> html_to_text("<html><body><p>Russia and <b>Turkey</b> met.</p><p>Iran too.</p></body>")
    'Russia and Turkey met.\\nIran too.'
    """
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    raw = "".join(parser.parts)
    lines = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", ln).strip() for ln in raw.split("\n")]
    title = re.sub(r"\s+", " ", "".join(parser._title)).strip()
    body = [ln for ln in lines if ln]
    if title and (not body or body[0] != title):
        body.insert(0, title)
    return html.unescape("\n".join(body))


# -- sentences ------------------------------------------------------------------------------------

# Words after which a full stop does not end a sentence.
_ABBREV = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "cpl",
        "adm",
        "cmdr",
        "gov",
        "sen",
        "rep",
        "st",
        "sr",
        "jr",
        "rev",
        "hon",
        "pres",
        "fr",
        "msgr",
        "no",
        "nos",
        "vs",
        "etc",
        "inc",
        "corp",
        "ltd",
        "co",
        "bros",
        "dept",
        "est",
        "approx",
        "fig",
        "al",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mt",
        "ft",
        "ave",
        "blvd",
        "u.s",
        "u.n",
        "u.k",
        "e.u",
        "u.s.s.r",
        "u.a.e",
        "a.m",
        "p.m",
        "i.e",
        "e.g",
    ]
)
# Abbreviations that end a sentence when a capitalised word follows (they are often final).
_FINAL_ABBREV = frozenset(["etc", "inc", "corp", "ltd", "co", "u.s", "u.n", "u.k", "e.u"])

_SENT_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n\s*")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` in ``text``, trimmed of surrounding blank space.

    A blank line ends a sentence, and so does a line break, unless the text is hard-wrapped
    there (:func:`soft_wrap`: the line does not end a sentence and either the next one goes
    on in lower case or the line is as long as the text's long lines, so it was wrapped at
    the width; headings, datelines and captions are short lines and stay on their own).
    Within a line, ``.``, ``!``, ``?`` end a sentence when followed by blank space and then a
    capital, digit or quote, unless the word before is a known abbreviation or a single
    initial.

    >>> t = "Gen. Smith met U.N. envoys. They left.\\nNext line"
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['Gen. Smith met U.N. envoys.', 'They left.', 'Next line']
    >>> t = "Talks in Astana ended with a statement from Russia,\\nIran and Turkey.\\nHeadline"
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['Talks in Astana ended with a statement from Russia,\\nIran and Turkey.', 'Headline']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    wide = _line_width(text)
    for m in _SENT_END.finditer(text):
        end = m.end()
        if m.group(0)[0] == "\n" and m.group(0).count("\n") == 1:
            line = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
            if soft_wrap(line, text[end : end + 1], wide):
                continue
        if m.group(0)[0] not in "\n\r \t":
            # A punctuation candidate: check what precedes and follows.
            nxt = re.match(r"\s+(\S)", text[end : end + 40])
            if nxt is None:
                continue
            follower = nxt.group(1)
            if not (follower.isupper() or follower.isdigit() or follower in "\"'“‘(["):
                continue
            if m.group(0).startswith("."):
                word = re.search(r"([A-Za-z][A-Za-z.]*)$", text[max(0, m.start() - 20) : m.start()])
                if word:
                    w = word.group(1).lower().rstrip(".")
                    if len(w) == 1 and text[m.start() - 1].isupper():
                        continue  # an initial: "George W. Bush"
                    if w in _ABBREV and w not in _FINAL_ABBREV:
                        continue
                    if w in _FINAL_ABBREV:
                        # "the U.S. The talks": end only if the next word is a usual opener.
                        nxt_word = re.match(r"\s+([A-Za-z]+)", text[end : end + 40])
                        if not nxt_word or nxt_word.group(1) not in _OPENERS:
                            continue
        _add_span(text, start, m.end() if m.group(0)[0] not in "\n\r" else m.start(), spans)
        start = end
    _add_span(text, start, n, spans)
    return spans


_LINE_END = re.compile(r"[.!?…:;][\"'”’)\]]*\s*$")


def _line_width(text: str) -> int:
    """The width of the text's long lines: the longest line's length."""
    return max((len(ln.rstrip()) for ln in text.split("\n")), default=0)


def soft_wrap(line: str, next_char: str, width: int) -> bool:
    """Whether the line break after ``line`` only wraps the text (the sentence goes on):
    ``line`` does not end with sentence punctuation, and either the next line begins in
    lower case or ``line`` is at least 40 characters long and at least 80 % of ``width`` (the
    text's long lines), as the lines of hard-wrapped prose are.

    >>> soft_wrap("a joint statement from Russia,", "I", 32)
    False
    >>> soft_wrap("two days of talks ended with a joint statement from Russia,", "I", 64)
    True
    >>> soft_wrap("Difficult talks expected", "T", 400), soft_wrap("the talks", "w", 400)
    (False, True)
    """
    body = line.rstrip()
    if not body or _LINE_END.search(body):
        return False
    if next_char.islower():
        return True
    return len(body) >= 40 and len(body) >= 0.8 * width


_OPENERS = frozenset(
    [
        "The",
        "A",
        "An",
        "It",
        "In",
        "On",
        "At",
        "But",
        "And",
        "He",
        "She",
        "They",
        "This",
        "That",
        "These",
        "Those",
        "There",
        "We",
        "I",
        "Its",
        "His",
        "Her",
        "Their",
        "After",
        "Before",
        "When",
        "While",
        "However",
        "Meanwhile",
        "Since",
        "As",
        "If",
    ]
)


def _add_span(text: str, a: int, b: int, spans: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        spans.append((a, b))


# -- tokens ---------------------------------------------------------------------------------------

_LETTER = r"A-Za-z0-9À-ÖØ-öø-ɏḀ-ỿ"
_TOKEN = re.compile(
    rf"(?:[A-Za-z]\.){{2,}}(?:[A-Za-z](?![{_LETTER}]))?"  # U.S. U.N. U.S.A
    rf"|[{_LETTER}]+(?:[-'’/][{_LETTER}]+)*(?=['’]s\b)"  # a word before a possessive 's
    rf"|['’]s\b"  # the possessive itself
    rf"|[{_LETTER}]+(?:[-'’/.,][{_LETTER}]+)*"  # words, hyphenated words, numbers 2,000 64.45
    r"|[^\s]"
)


@dataclass(frozen=True, slots=True)
class Token:
    """A token: its text, character offsets in the document and index in its sentence."""

    text: str
    start: int
    end: int
    i: int

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_cap(self) -> bool:
        return self.text[:1].isupper()

    @property
    def is_word(self) -> bool:
        return self.text[:1].isalnum()


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of ``text[start:end]`` with document offsets.

    >>> [t.text for t in tokenize("Turkey's jets shot down a U.S.-made drone.")]
    ['Turkey', "'s", 'jets', 'shot', 'down', 'a', 'U.S.', '-', 'made', 'drone', '.']
    """
    end = len(text) if end is None else end
    out: list[Token] = []
    for m in _TOKEN.finditer(text, start, end):
        s = m.group(0)
        out.append(Token(s, m.start(), m.start() + len(s), len(out)))
    return out


# -- lemmas ---------------------------------------------------------------------------------------

_IRREGULAR = {
    "shot": "shoot",
    "struck": "strike",
    "stricken": "strike",
    "fought": "fight",
    "sent": "send",
    "met": "meet",
    "held": "hold",
    "gave": "give",
    "given": "give",
    "took": "take",
    "taken": "take",
    "brought": "bring",
    "sought": "seek",
    "beaten": "beat",
    "stood": "stand",
    "withdrew": "withdraw",
    "withdrawn": "withdraw",
    "drove": "drive",
    "driven": "drive",
    "threw": "throw",
    "thrown": "throw",
    "froze": "freeze",
    "frozen": "freeze",
    "broke": "break",
    "broken": "break",
    "began": "begin",
    "begun": "begin",
    "overran": "overrun",
    "led": "lead",
    "said": "say",
    "says": "say",
    "told": "tell",
    "forbade": "forbid",
    "forbidden": "forbid",
    "laid": "lay",
    "spoke": "speak",
    "spoken": "speak",
    "swore": "swear",
    "sworn": "swear",
    "kept": "keep",
    "left": "leave",
    "fled": "flee",
    "won": "win",
    "lost": "lose",
    "chose": "choose",
    "chosen": "choose",
    "rose": "rise",
    "risen": "rise",
    "underwent": "undergo",
    "undertook": "undertake",
    "undertaken": "undertake",
    "overthrew": "overthrow",
    "overthrown": "overthrow",
    "slew": "slay",
    "slain": "slay",
    "drew": "draw",
    "drawn": "draw",
    "made": "make",
    "paid": "pay",
    "sold": "sell",
    "bought": "buy",
    "caught": "catch",
    "dealt": "deal",
    "forgave": "forgive",
    "forgiven": "forgive",
    "hung": "hang",
    "knew": "know",
    "known": "know",
    "meant": "mean",
    "ran": "run",
    "saw": "see",
    "seen": "see",
    "sank": "sink",
    "sunk": "sink",
    "shook": "shake",
    "shaken": "shake",
    "stole": "steal",
    "stolen": "steal",
    "went": "go",
    "gone": "go",
    "wrote": "write",
    "written": "write",
    "was": "be",
    "were": "be",
    "been": "be",
    "is": "be",
    "are": "be",
    "am": "be",
    "being": "be",
    "has": "have",
    "had": "have",
    "did": "do",
    "does": "do",
    "done": "do",
    "withheld": "withhold",
    "upheld": "uphold",
    "blew": "blow",
    "blown": "blow",
    "fell": "fall",
    "fallen": "fall",
    "felt": "feel",
    "found": "find",
    "got": "get",
    "gotten": "get",
    "grew": "grow",
    "grown": "grow",
    "heard": "hear",
    "hid": "hide",
    "hidden": "hide",
    "lent": "lend",
    "mistook": "mistake",
    "overcame": "overcome",
    "overtook": "overtake",
    "rode": "ride",
    "sat": "sit",
    "sped": "speed",
    "spent": "spend",
    "spun": "spin",
    "stuck": "stick",
    "swept": "sweep",
    "taught": "teach",
    "thought": "think",
    "woke": "wake",
    "wore": "wear",
    "wounded": "wound",
    "shut": "shut",
    "cut": "cut",
    "hit": "hit",
    "put": "put",
    "set": "set",
    "quit": "quit",
    "bid": "bid",
    "cast": "cast",
    "beat": "beat",
    "bore": "bear",
    "borne": "bear",
    "bade": "bid",
    "arose": "arise",
    "arisen": "arise",
    "forgot": "forget",
    "forgotten": "forget",
    "foresaw": "foresee",
    "foreseen": "foresee",
    "outlawed": "outlaw",
    "children": "child",
    "people": "people",
    "men": "man",
    "women": "woman",
    "countries": "country",
    "militias": "militia",
    "allies": "ally",
    "parties": "party",
    "forces": "force",
    "leaves": "leave",
}


@lru_cache(maxsize=65536)
def lemmas(word: str) -> frozenset[str]:
    """Candidate base forms of ``word`` (lower-cased), the word itself included.

    Rather than choosing one lemma, this returns the few plausible ones produced by English
    inflection rules; a trigger pattern written in base form matches when its word is among them.

    >>> sorted(lemmas("Agreed"))
    ['agre', 'agree', 'agreed']
    >>> "shoot" in lemmas("shot") and "stop" in lemmas("stopped") and "supply" in lemmas("supplies")
    True
    """
    w = word.lower().replace("’", "'")
    out = {w}
    if w in _IRREGULAR:
        out.add(_IRREGULAR[w])
    if len(w) <= 3:
        return frozenset(out)
    if w.endswith("ies"):
        out.add(w[:-3] + "y")
    elif w.endswith("es"):
        out.add(w[:-2])
        out.add(w[:-1])
    elif w.endswith("s") and not w.endswith("ss") and not w.endswith("us"):
        out.add(w[:-1])
    if w.endswith("ied"):
        out.add(w[:-3] + "y")
    elif w.endswith("ed"):
        stem = w[:-2]
        out.update((stem, w[:-1]))
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "ls":
            out.add(stem[:-1])
    if w.endswith("ing") and len(w) > 5:
        stem = w[:-3]
        out.update((stem, stem + "e"))
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "ls":
            out.add(stem[:-1])
    if w.endswith("ment") and len(w) > 7:
        out.add(w[:-4])
    return frozenset(out)
