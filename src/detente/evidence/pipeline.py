"""The extractor: text in, :class:`~detente.evidence.model.Evidence` out."""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.evidence.actors import ActorDictionary, default_actors
from detente.evidence.dates import find_dates, guess_document_date
from detente.evidence.errors import EvidenceInputError
from detente.evidence.events import CodedEvent, Lexicon, cameo_table
from detente.evidence.learn import Models, Sentence, code_sentence, prepare
from detente.evidence.mentions import Mention, find_mentions
from detente.evidence.model import (
    ActorRef,
    EventRecord,
    Evidence,
    MentionRecord,
    UnknownActor,
)
from detente.evidence.text import Token, html_to_text, looks_like_html, split_sentences

if TYPE_CHECKING:  # pragma: no cover
    from detente.scenario.model import Scenario

__all__ = ["analyse_sentences", "extract", "extract_file", "read_article"]

_FUTURE = re.compile(r"\b(will|shall|is to|are to|plans? to|is expected to|are expected to)\b")


def _as_date(date: str | dt.date | None) -> dt.date | None:
    if date is None or isinstance(date, dt.date):
        return date
    try:
        return dt.date.fromisoformat(str(date))
    except ValueError as exc:
        raise EvidenceInputError(
            f"date must be a date as YYYY-MM-DD, got {date!r}", param="date"
        ) from exc


def _ref(m: Mention) -> ActorRef:
    return ActorRef(m.actor, m.code, m.text, m.start, m.end)


def _label(refs: tuple[ActorRef, ...], actors: ActorDictionary) -> str:
    names = []
    for r in refs:
        if r.actor and r.actor in actors.actors:
            a = actors.actors[r.actor]
            nm = f"{r.text} ({a.code})" if a.kind == "place" else a.name
        else:
            nm = f"{r.code or '?'}"
        if nm not in names:
            names.append(nm)
    return " + ".join(names) if names else "—"


def analyse_sentences(
    text: str,
    spans: list[tuple[int, int]],
    actors: ActorDictionary | None = None,
    context: frozenset[str] | None = None,
    lexicon: Lexicon | None = None,
    models: Models | None = None,
    always: bool = False,
) -> list[tuple[Sentence, list[CodedEvent]]]:
    """Parse the sentences ``text[a:b]`` of ``spans`` and code their events.

    Returns, per sentence, the parsed :class:`~detente.evidence.learn.Sentence` (tokens,
    mentions, candidates, parse) and its events (sources and targets from the role model, the
    main one's category from the event model). With ``always``, a sentence without a lexicon
    candidate still gets a main event (for one-event gold sentences).
    """
    actors = actors or default_actors()
    if context is None:
        context = frozenset(re.findall(r"[A-Za-z][A-Za-z'-]+", text))

    def mentions_of(toks: list[Token], doc_text: str) -> list[Mention]:
        return find_mentions(toks, doc_text, actors, context)

    sents = prepare([(text, a, b) for a, b in spans], mentions_of, lexicon)
    return [(s, code_sentence(s, models, always=always)) for s in sents]


def extract(
    text: str,
    date: str | dt.date | None = None,
    scenario: Scenario | str | Path | None = None,
    actors: ActorDictionary | None = None,
    source: str | None = None,
    html: bool | None = None,
    lexicon: Lexicon | None = None,
) -> Evidence:
    """Read one article into actors, coded events and (with a scenario) stances.

    Parameters
    ----------
    text
        The article, plain text or HTML (detected unless ``html`` says which).
    date
        The article's date (``YYYY-MM-DD``), used to resolve "on Monday", "in December"; when
        absent, a dateline in the first lines is used if there is one.
    scenario
        A scenario (object, file or embedded name) whose issues stances are sought for.
    actors
        An actor dictionary (default: the shipped one, see :func:`load_actors`).
    source
        A name for the text (a file name), recorded in the evidence.

    Returns
    -------
    Evidence
        Mentions, unknown actors, events (each with source, target, trigger words, offsets and
        date) and stances. Offsets index ``text`` (for HTML, the text made from it).

    Examples
    --------
    >>> ev = extract("Turkey shot down a Russian warplane in November 2015.")
    >>> e = ev.events[0]
    >>> e.event, sorted(e.source_codes), sorted(e.target_codes), e.date
    ('FIGHT', ['TUR'], ['RUS'], '2015-11')
    """
    actors = actors or default_actors()
    if html is None:
        html = looks_like_html(text)
    if html:
        text = html_to_text(text)
    ref = _as_date(date) or guess_document_date(text)
    ev = Evidence(source=source, date=ref.isoformat() if ref else None)
    spans = split_sentences(text)
    ev.sentences = spans
    ev.n_sentences = len(spans)
    context = frozenset(re.findall(r"[A-Za-z][A-Za-z'-]+", text))
    table = cameo_table()
    unknown: OrderedDict[str, list[Any]] = OrderedDict()
    coded = analyse_sentences(text, spans, actors, context, lexicon)
    for si, ((a, b), (sent, events)) in enumerate(zip(spans, coded)):
        toks, mentions = sent.toks, sent.mentions
        for m in mentions:
            ev.mentions.append(
                MentionRecord(si, m.start, m.end, m.text, m.actor, m.code, m.kind, m.how, m.role)
            )
            if m.actor is None and m.how != "generic":
                slot = unknown.setdefault(m.text, [0, [], m.role])
                slot[0] += 1
                slot[1].append((m.start, m.end))
        if not events:
            continue
        future = bool(_FUTURE.search(text[a:b]))
        dates = find_dates(text, a, b, ref, future=future)
        for e in events:
            if not e.sources and not e.targets:
                continue
            src = tuple(_ref(m) for m in e.sources)
            tgt = tuple(_ref(m) for m in e.targets)
            trig = tuple((toks[i].start, toks[j - 1].end) for i, j in e.trigger_spans)
            dm = _nearest_date(dates, trig[0][0])
            name = table.get(e.cameo, ("", "", ""))[0]
            summary = f"{_label(src, actors)} — {e.plover} — {_label(tgt, actors)}"
            ev.events.append(
                EventRecord(
                    sentence=si,
                    sentence_start=a,
                    sentence_end=b,
                    event=e.plover,
                    cameo=e.cameo,
                    cameo_name=name,
                    source=src,
                    target=tgt,
                    trigger=" ".join(text[s:t] for s, t in trig),
                    trigger_offsets=trig,
                    main=e.main,
                    reciprocal=e.reciprocal,
                    passive=e.passive,
                    frame=e.frame,
                    date=dm.value if dm else None,
                    date_text=dm.text if dm else None,
                    date_precision=dm.precision if dm else None,
                    summary=summary,
                    confidence=None if e.confidence is None else round(e.confidence, 3),
                )
            )
    ev.unknown_actors = [UnknownActor(k, v[0], tuple(v[1]), v[2]) for k, v in unknown.items()]
    if scenario is not None:
        from detente.evidence.stances import find_stances

        ev.stances = find_stances(text, ev, scenario, actors, [c[0] for c in coded])
    return ev


def _nearest_date(dates: list, pos: int):
    usable = [d for d in dates if d.value]
    if not usable:
        return None
    return min(usable, key=lambda d: abs(d.start - pos))


def read_article(path: str | Path) -> tuple[str, bool]:
    """The text of an article file and whether it is HTML (by extension or content)."""
    from detente.errors import DetenteError
    from detente.files import read_bytes

    p = Path(path)
    try:  # a regular file within max_file_bytes (a pipe would block)
        raw = read_bytes(p, what="article file")
    except DetenteError as exc:
        raise EvidenceInputError(str(exc)) from None
    for enc in ("utf-8", "cp1252", "latin-1"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if "\x00" in text[:1000]:
        raise EvidenceInputError(f"{p}: not a text or HTML file (binary content)")
    is_html = p.suffix.lower() in (".html", ".htm", ".xhtml") or looks_like_html(text)
    return text, is_html


def extract_file(
    path: str | Path,
    date: str | dt.date | None = None,
    scenario: Scenario | str | Path | None = None,
    actors: ActorDictionary | None = None,
) -> Evidence:
    """:func:`extract` on a file (plain text or HTML); the evidence names the file."""
    text, is_html = read_article(path)
    return extract(
        text, date=date, scenario=scenario, actors=actors, source=Path(path).name, html=is_html
    )
