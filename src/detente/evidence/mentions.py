"""Actor mentions in a sentence: dictionary matches, grown into noun phrases, and unknown names.

A mention is a span of tokens that names an actor: a dictionary alias ("the Kremlin"), a
demonym with the noun it modifies ("Russian officials"), a person ("Foreign Minister Sergei
Lavrov"), or a capitalised name the dictionary does not know ("opposition negotiator Mohammed
Alloush"), which is kept with no code and reported as an unknown actor.
"""

from __future__ import annotations

from dataclasses import dataclass

from detente.evidence.actors import ActorDictionary, AliasEntry
from detente.evidence.text import Token

__all__ = ["ROLE_NOUNS", "Mention", "find_mentions"]

# Nouns for the part of an actor that acts: they extend a mention ("Turkish police").
ROLE_NOUNS = frozenset(
    ["official", "officials", "government", "governments", "forces", "force", "troops", "troop", "army", "armies", "police", "president", "presidents", "minister", "ministers", "ministry", "leader", "leaders", "leadership", "diplomat", "diplomats", "negotiator", "negotiators", "authorities", "authority", "parliament", "court", "judge", "cabinet", "administration", "soldiers", "soldier", "militants", "militant", "rebels", "rebel", "guerrillas", "guerrilla", "delegation", "delegations", "ambassador", "envoy", "envoys", "spokesman", "spokeswoman", "spokesperson", "people", "farmers", "landowners", "refugees", "civilians", "youths", "youth", "demonstrators", "protesters", "protestors", "students", "workers", "teachers", "prisoners", "side", "sides", "navy", "jets", "jet", "warplanes", "warplane", "planes", "plane", "aircraft", "helicopters", "tanks", "warships", "gunboats", "ships", "agents", "officers", "officer", "union", "party", "parties", "coalition", "alliance", "regime", "state", "states", "counterpart", "counterparts", "commander", "commanders", "general", "generals", "chief", "chiefs", "head", "heads", "king", "queen", "prince", "emir", "sheikh", "premier", "chancellor", "secretary", "secretary-general", "representative", "representatives", "mission", "observers", "monitors", "inspectors", "peacekeepers", "contingent", "units", "unit", "militia", "militias", "fighters", "groups", "group", "factions", "faction", "movement", "opposition", "military", "security", "services", "intelligence", "agency", "embassy", "consulate", "border", "patrol", "junta", "settlers", "activists", "nationals", "immigrants", "population", "residents", "villagers", "citizens", "community", "communities", "elders", "politicians", "candidates", "lawmakers", "legislators", "deputies", "senators", "congress", "assembly", "council", "committee", "media", "newspaper", "television", "radio", "press", "agency", "company", "companies", "firms", "banks", "traders", "investors", "backers", "allies", "proxies", "partners", "counterparts", "airforce", "forces"]
)
# Words that may stand inside a mention before a role noun or a name.
_ROLE_MODIFIERS = frozenset(
    ["senior", "junior", "top", "former", "outgoing", "incoming", "new", "acting", "interim", "ruling", "foreign", "defence", "defense", "interior", "finance", "trade", "economy", "justice", "prime", "deputy", "vice", "chief", "special", "national", "armed", "military", "security", "border", "civilian", "civil", "elderly", "radical", "angry", "young", "local", "regional", "federal", "central", "provincial", "state-run", "state", "official", "opposition", "rebel", "government", "air", "naval", "ground", "special", "political", "religious", "spiritual", "supreme", "tribal", "traditional", "ethnic", "islamist", "islamic", "shia", "shiite", "sunni", "christian", "moslem", "muslim", "jewish", "catholic", "left-wing", "right-wing", "hardline", "hard-line", "moderate", "militant", "peace", "main", "chief", "loyalist", "pro-government", "anti-government", "intelligence", "police", "army", "navy", "cabinet", "presidential", "royal", "influential", "leading", "high-ranking", "high-level", "visiting", "exiled", "jailed", "detained", "captive"]
)
_TITLES = frozenset(
    ["President", "Premier", "Minister", "Secretary", "Ambassador", "Envoy", "General", "Gen.", "Lt.", "Col.", "Colonel", "Major", "Maj.", "Captain", "Capt.", "Admiral", "Adm.", "Marshal", "King", "Queen", "Prince", "Princess", "Crown", "Emir", "Sheikh", "Sultan", "Ayatollah", "Imam", "Pope", "Chancellor", "Chairman", "Chief", "Commander", "Governor", "Gov.", "Senator", "Sen.", "Mayor", "Speaker", "Deputy", "Vice", "Foreign", "Defence", "Defense", "Interior", "Prime", "Special", "Representative", "Mr.", "Mrs.", "Ms.", "Dr.", "Mr", "Mrs", "Ms", "Dr", "Sir", "Lord", "Lady", "Judge", "Justice", "Spokesman", "Spokeswoman", "Director", "Leader", "Head", "Rev.", "Bishop", "Archbishop", "Patriarch", "Mullah", "Sayyed", "Sayed"]
)
# Capitalised words that do not start a name.
_NOT_NAMES = frozenset(
    ["The", "A", "An", "And", "But", "Or", "If", "In", "On", "At", "By", "For", "From", "To", "Of", "With", "Without", "As", "After", "Before", "Since", "While", "When", "Where", "Which", "Who", "Whom", "Whose", "What", "Why", "How", "This", "That", "These", "Those", "There", "Their", "They", "Them", "He", "She", "It", "Its", "His", "Her", "Hers", "We", "Our", "Us", "I", "My", "You", "Your", "Not", "No", "Yes", "Despite", "Although", "Though", "However", "Meanwhile", "Moreover", "Furthermore", "Also", "Still", "Yet", "Even", "Only", "Just", "Both", "Either", "Neither", "Each", "Every", "All", "Some", "Many", "Most", "More", "Much", "Several", "Such", "Other", "Another", "Any", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Mr", "Mrs", "Ms", "Dr", "First", "Second", "Third", "Then", "Thus", "Therefore", "Instead", "Under", "Over", "Between", "Among", "Against", "During", "Until", "Unless", "About", "Around", "Through", "Across", "Into", "Onto", "Upon", "Within", "Along", "Near", "Together", "Now", "Today", "Yesterday", "Tomorrow", "Last", "Next", "According", "Although", "Following", "Read", "READ", "MORE", "See", "Photo", "Source", "Map", "Sign", "Stay", "Skip", "Difficult", "Focus", "Shift", "Restoring", "Will", "Can", "Could", "Would", "Should", "Must", "Might", "Do", "Does", "Did", "Is", "Are", "Was", "Were", "Be", "Been", "Has", "Have", "Had", "Here", "Let", "Like", "Unlike", "Whether", "Because", "Perhaps", "Indeed", "Already", "Again", "Once", "Twice", "So", "Too", "Very", "Well", "What's", "It's", "That's"]
)
_CONNECTORS = frozenset(["al", "al-", "el", "bin", "ibn", "bint", "de", "da", "di", "del", "der", "van", "von", "la", "le", "abu", "abdel", "ben", "du"])
_PREPOSITIONS = frozenset(
    ["in", "from", "of", "at", "near", "to", "with", "by", "for", "against", "on", "into", "over", "under", "between", "across", "through", "inside", "outside", "within", "around", "toward", "towards", "beyond", "behind", "via", "among", "along"]
)


@dataclass(frozen=True, slots=True)
class Mention:
    """An actor named in a sentence: token span ``[ti, tj)``, character span, actor and code."""

    ti: int
    tj: int
    start: int
    end: int
    text: str
    actor: str | None
    code: str | None
    how: str
    role: str | None = None
    kind: str | None = None

    @property
    def known(self) -> bool:
        return self.actor is not None


_NATIONAL_KINDS = frozenset(("state", "government", "place"))
_HOW_RANK = {"alias": 0, "person": 1, "capital": 2, "demonym": 3, "context": 4}


def _pick(entries: list[AliasEntry], context: frozenset[str]) -> AliasEntry | None:
    usable = [e for e in entries if e.how != "context" or context.intersection(e.context_words)]
    if not usable:
        return None
    return min(usable, key=lambda e: _HOW_RANK.get(e.how, 9))


def find_mentions(
    tokens: list[Token], text: str, actors: ActorDictionary, context: frozenset[str]
) -> list[Mention]:
    """Mentions in one sentence's ``tokens`` (``text`` is the document they index).

    ``context`` is the set of words in the document, used to switch on context aliases (such as
    "the regime" for the Syrian government in a text about Syria).
    """
    n = len(tokens)
    words = [t.text for t in tokens]
    raw: list[tuple[int, int, AliasEntry | None, int | None, int | None]] = []
    i = 0
    while i < n:
        length, entries = actors.longest_match(words, i)
        entry = _pick(entries, context) if length else None
        if entry is not None:
            raw.append((i, i + length, entry, None, None))
            i += length
            continue
        w = words[i]
        if "-" in w and len(w) > 3:
            # Hyphenated compounds: "Russian-Turkish", "US-led", "Kremlin-sponsored".
            pos = 0
            for part in w.split("-"):
                if part:
                    plen, pent = actors.longest_match([part], 0)
                    pe = _pick(pent, context) if plen else None
                    if pe is not None and part[:1].isupper():
                        s = tokens[i].start + pos
                        raw.append((i, i + 1, pe, s, s + len(part)))
                pos += len(part) + 1
        i += 1

    mentions: list[Mention] = []
    for ti, tj, entry, cs, ce in raw:
        actor = actors.actors[entry.actor]
        if cs is not None:  # part of a hyphenated token: no growing
            mentions.append(Mention(ti, tj, cs, ce, text[cs:ce], actor.id, actor.code,
                                    entry.how, None, actor.kind))
            continue
        role = entry.role if entry.how == "person" else None
        a, b = ti, tj
        b, role = _grow_right(tokens, b, role)
        a = _grow_left(tokens, a)
        mentions.append(Mention(a, b, tokens[a].start, tokens[b - 1].end,
                                text[tokens[a].start:tokens[b - 1].end], actor.id, actor.code,
                                entry.how, role, actor.kind))
    mentions = _merge_same_actor(mentions, tokens, text)
    unknown = _unknown_names(tokens, text, mentions)
    if unknown:
        # An unknown actor in a sentence that names one country only is taken to belong to it
        # ("President X ... Ugandan opposition"): its code is inferred, its id stays unknown.
        codes = {m.code for m in mentions if m.kind in _NATIONAL_KINDS and m.code}
        if len(codes) == 1:
            code = next(iter(codes))
            unknown = [Mention(u.ti, u.tj, u.start, u.end, u.text, None, code, "inferred",
                               u.role, None) for u in unknown]
    mentions.extend(unknown)
    mentions.sort(key=lambda m: (m.ti, m.start))
    return mentions


def _grow_right(tokens: list[Token], b: int, role: str | None) -> tuple[int, str | None]:
    """Extend over role nouns, titles and names after a match: "Turkish Foreign Ministry"."""
    n = len(tokens)
    j = b
    last = b
    if j < n and tokens[j].text in ("'s", "’s"):
        j += 1
    steps = 0
    while j < n and steps < 6:
        t = tokens[j]
        lw = t.lower
        if lw in ROLE_NOUNS:
            role = lw
            last = j + 1
        elif t.text in _TITLES or (t.is_cap and t.is_word and t.text not in _NOT_NAMES):
            last = j + 1
        elif lw in _ROLE_MODIFIERS or lw in _CONNECTORS:
            pass
        elif lw == "of" and j + 1 < n and tokens[j - 1].text in _TITLES \
                and tokens[j + 1].is_cap:
            pass  # "Secretary of State"
        else:
            break
        j += 1
        steps += 1
    return last, role


def _grow_left(tokens: list[Token], a: int) -> int:
    """Extend over titles and role modifiers before a match: "Senior Hungarian"."""
    while a > 0:
        t = tokens[a - 1]
        if t.text in _TITLES or t.lower in _ROLE_MODIFIERS:
            a -= 1
        else:
            break
    return a


def _merge_same_actor(mentions: list[Mention], tokens: list[Token], text: str) -> list[Mention]:
    """Join overlapping or touching mentions of one actor ("Russian Foreign Minister Lavrov")."""
    out: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (m.ti, -m.tj)):
        if out:
            p = out[-1]
            if m.ti < p.tj and m.start >= p.start and m.end <= p.end and m.actor != p.actor \
                    and m.how != "person" and m.tj <= p.tj and m.ti > p.ti:
                # A different actor inside a grown span ("Iraq's Al-Qaeda frontman"): the span
                # stops before it and both are kept.
                out[-1] = _cut(p, m.ti, tokens, text)
                out.append(m)
                continue
            if m.ti <= p.tj and m.actor == p.actor and m.start >= p.start:
                tj = max(p.tj, m.tj)
                end = max(p.end, m.end)
                how = "person" if "person" in (p.how, m.how) else p.how
                out[-1] = Mention(p.ti, tj, p.start, end, text[p.start:end], p.actor, p.code,
                                  how, m.role or p.role, p.kind)
                continue
            if m.ti < p.tj and m.start < p.end:
                if m.how == "person" or m.tj > p.tj:
                    # A person of another actor inside a grown span: the span stops before it.
                    if m.ti > p.ti:
                        out[-1] = _cut(p, m.ti, tokens, text)
                        out.append(m)
                    continue
                continue
        out.append(m)
    return out


def _cut(m: Mention, tj: int, tokens: list[Token], text: str) -> Mention:
    end_tok = tj
    while end_tok > m.ti + 1 and tokens[end_tok - 1].text in ("'s", "’s"):
        end_tok -= 1
    end = min(m.end, tokens[end_tok - 1].end)
    return Mention(m.ti, end_tok, m.start, end, text[m.start:end], m.actor, m.code, m.how,
                   m.role, m.kind)


def _unknown_names(tokens: list[Token], text: str, known: list[Mention]) -> list[Mention]:
    """Capitalised names the dictionary does not know, when something marks them as actors.

    A run of capitalised words (with name connectors such as al-, bin, de) counts when a title
    or role word precedes it ("negotiator Mohammed Alloush", "President Mugabe") or a role noun
    ends it ("Kifaya movement"), or when it has two or more words and is not a place phrase.
    """
    covered = [False] * len(tokens)
    for m in known:
        for k in range(m.ti, m.tj):
            covered[k] = True
    out: list[Mention] = []
    n = len(tokens)
    i = 0
    while i < n:
        t = tokens[i]
        if covered[i] or not (t.is_cap and t.is_word) or t.text in _NOT_NAMES \
                or t.text in _TITLES or t.text.isupper() and len(t.text) > 5:
            i += 1
            continue
        j = i
        while j < n and not covered[j] and (
                (tokens[j].is_cap and tokens[j].is_word and tokens[j].text not in _NOT_NAMES)
                or (tokens[j].lower in _CONNECTORS and j + 1 < n and tokens[j + 1].is_cap)):
            j += 1
        if j == i:
            i += 1
            continue
        prev = tokens[i - 1] if i > 0 else None
        after = tokens[j] if j < n else None
        titled = prev is not None and (prev.text in _TITLES or prev.lower in ROLE_NOUNS)
        role_end = after is not None and after.lower in ROLE_NOUNS
        sentence_initial = i == 0
        placey = prev is not None and prev.lower in _PREPOSITIONS and not titled
        multi = j - i >= 2
        if (titled or role_end or (multi and not placey)) and not (sentence_initial and not multi):
            a = i
            while a > 0 and (tokens[a - 1].text in _TITLES or tokens[a - 1].lower in
                             _ROLE_MODIFIERS or tokens[a - 1].lower in ROLE_NOUNS) \
                    and not covered[a - 1]:
                a -= 1
            b = j + 1 if role_end else j
            role = tokens[j].lower if role_end else (prev.lower if titled and prev else None)
            out.append(Mention(a, b, tokens[a].start, tokens[b - 1].end,
                               text[tokens[a].start:tokens[b - 1].end], None, None, "unknown",
                               role, None))
        i = j
    return out
