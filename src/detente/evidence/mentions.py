"""Actor mentions in a sentence: dictionary matches, grown into noun phrases, and unknown names.

A mention is a span of tokens that names an actor: a dictionary alias ("the Kremlin"), a
demonym with the noun it modifies ("Russian officials"), a person ("Foreign Minister Sergei
Lavrov"), or a capitalised name the dictionary does not know ("opposition negotiator Mohammed
Alloush"), which is kept with no code and reported as an unknown actor.

Following the CAMEO actor conventions, a group named by a noun only ("protesters", "rebels in
northern Uganda", "the government") is a mention coded as the country it is in, when the
sentence says which (it is not reported as unknown); an ethnic group is coded as the state it
lives in ("Croatian Serb refugees", "ethnic Albanians in Macedonia").
"""

from __future__ import annotations

from dataclasses import dataclass

from detente.evidence.actors import ActorDictionary, AliasEntry
from detente.evidence.text import Token

__all__ = ["ROLE_NOUNS", "Mention", "find_mentions"]

# Nouns for the part of an actor that acts: they extend a mention ("Turkish police").
ROLE_NOUNS = frozenset(
    [
        "official",
        "officials",
        "government",
        "governments",
        "forces",
        "force",
        "troops",
        "troop",
        "army",
        "armies",
        "police",
        "president",
        "presidents",
        "minister",
        "ministers",
        "ministry",
        "leader",
        "leaders",
        "leadership",
        "diplomat",
        "diplomats",
        "negotiator",
        "negotiators",
        "authorities",
        "authority",
        "parliament",
        "court",
        "judge",
        "cabinet",
        "administration",
        "soldiers",
        "soldier",
        "militants",
        "militant",
        "rebels",
        "rebel",
        "guerrillas",
        "guerrilla",
        "delegation",
        "delegations",
        "ambassador",
        "envoy",
        "envoys",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "people",
        "farmers",
        "landowners",
        "refugees",
        "civilians",
        "youths",
        "youth",
        "demonstrators",
        "protesters",
        "protestors",
        "students",
        "workers",
        "teachers",
        "prisoners",
        "side",
        "sides",
        "navy",
        "jets",
        "jet",
        "warplanes",
        "warplane",
        "planes",
        "plane",
        "aircraft",
        "helicopters",
        "tanks",
        "warships",
        "gunboats",
        "ships",
        "agents",
        "officers",
        "officer",
        "union",
        "party",
        "parties",
        "coalition",
        "alliance",
        "regime",
        "state",
        "states",
        "counterpart",
        "counterparts",
        "commander",
        "commanders",
        "general",
        "generals",
        "chief",
        "chiefs",
        "head",
        "heads",
        "king",
        "queen",
        "prince",
        "emir",
        "sheikh",
        "premier",
        "chancellor",
        "secretary",
        "secretary-general",
        "representative",
        "representatives",
        "mission",
        "observers",
        "monitors",
        "inspectors",
        "peacekeepers",
        "contingent",
        "units",
        "unit",
        "militia",
        "militias",
        "fighters",
        "groups",
        "group",
        "factions",
        "faction",
        "movement",
        "opposition",
        "military",
        "security",
        "services",
        "intelligence",
        "agency",
        "embassy",
        "consulate",
        "border",
        "patrol",
        "junta",
        "settlers",
        "activists",
        "nationals",
        "immigrants",
        "population",
        "residents",
        "villagers",
        "citizens",
        "community",
        "communities",
        "elders",
        "politicians",
        "candidates",
        "lawmakers",
        "legislators",
        "deputies",
        "senators",
        "congress",
        "assembly",
        "council",
        "committee",
        "media",
        "newspaper",
        "television",
        "radio",
        "press",
        "agency",
        "company",
        "companies",
        "firms",
        "banks",
        "traders",
        "investors",
        "backers",
        "allies",
        "proxies",
        "partners",
        "counterparts",
        "airforce",
        "forces",
    ]
)
# Words that may stand inside a mention before a role noun or a name.
_ROLE_MODIFIERS = frozenset(
    [
        "senior",
        "junior",
        "top",
        "former",
        "outgoing",
        "incoming",
        "new",
        "acting",
        "interim",
        "ruling",
        "foreign",
        "defence",
        "defense",
        "interior",
        "finance",
        "trade",
        "economy",
        "justice",
        "prime",
        "deputy",
        "vice",
        "chief",
        "special",
        "national",
        "armed",
        "military",
        "security",
        "border",
        "civilian",
        "civil",
        "elderly",
        "radical",
        "angry",
        "young",
        "local",
        "regional",
        "federal",
        "central",
        "provincial",
        "state-run",
        "state",
        "official",
        "opposition",
        "rebel",
        "government",
        "air",
        "naval",
        "ground",
        "special",
        "political",
        "religious",
        "spiritual",
        "supreme",
        "tribal",
        "traditional",
        "ethnic",
        "islamist",
        "islamic",
        "shia",
        "shiite",
        "sunni",
        "christian",
        "moslem",
        "muslim",
        "jewish",
        "catholic",
        "left-wing",
        "right-wing",
        "hardline",
        "hard-line",
        "moderate",
        "militant",
        "peace",
        "main",
        "chief",
        "loyalist",
        "pro-government",
        "anti-government",
        "intelligence",
        "police",
        "army",
        "navy",
        "cabinet",
        "presidential",
        "royal",
        "influential",
        "leading",
        "high-ranking",
        "high-level",
        "visiting",
        "exiled",
        "jailed",
        "detained",
        "captive",
    ]
)
_TITLES = frozenset(
    [
        "President",
        "Premier",
        "Minister",
        "Secretary",
        "Ambassador",
        "Envoy",
        "General",
        "Gen.",
        "Lt.",
        "Col.",
        "Colonel",
        "Major",
        "Maj.",
        "Captain",
        "Capt.",
        "Admiral",
        "Adm.",
        "Marshal",
        "King",
        "Queen",
        "Prince",
        "Princess",
        "Crown",
        "Emir",
        "Sheikh",
        "Sultan",
        "Ayatollah",
        "Imam",
        "Pope",
        "Chancellor",
        "Chairman",
        "Chief",
        "Commander",
        "Governor",
        "Gov.",
        "Senator",
        "Sen.",
        "Mayor",
        "Speaker",
        "Deputy",
        "Vice",
        "Foreign",
        "Defence",
        "Defense",
        "Interior",
        "Prime",
        "Special",
        "Representative",
        "Mr.",
        "Mrs.",
        "Ms.",
        "Dr.",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "Sir",
        "Lord",
        "Lady",
        "Judge",
        "Justice",
        "Spokesman",
        "Spokeswoman",
        "Director",
        "Leader",
        "Head",
        "Rev.",
        "Bishop",
        "Archbishop",
        "Patriarch",
        "Mullah",
        "Sayyed",
        "Sayed",
    ]
)
# Capitalised words that do not start a name.
_NOT_NAMES = frozenset(
    [
        "The",
        "A",
        "An",
        "And",
        "But",
        "Or",
        "If",
        "In",
        "On",
        "At",
        "By",
        "For",
        "From",
        "To",
        "Of",
        "With",
        "Without",
        "As",
        "After",
        "Before",
        "Since",
        "While",
        "When",
        "Where",
        "Which",
        "Who",
        "Whom",
        "Whose",
        "What",
        "Why",
        "How",
        "This",
        "That",
        "These",
        "Those",
        "There",
        "Their",
        "They",
        "Them",
        "He",
        "She",
        "It",
        "Its",
        "His",
        "Her",
        "Hers",
        "We",
        "Our",
        "Us",
        "I",
        "My",
        "You",
        "Your",
        "Not",
        "No",
        "Yes",
        "Despite",
        "Although",
        "Though",
        "However",
        "Meanwhile",
        "Moreover",
        "Furthermore",
        "Also",
        "Still",
        "Yet",
        "Even",
        "Only",
        "Just",
        "Both",
        "Either",
        "Neither",
        "Each",
        "Every",
        "All",
        "Some",
        "Many",
        "Most",
        "More",
        "Much",
        "Several",
        "Such",
        "Other",
        "Another",
        "Any",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Sept",
        "Oct",
        "Nov",
        "Dec",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "First",
        "Second",
        "Third",
        "Then",
        "Thus",
        "Therefore",
        "Instead",
        "Under",
        "Over",
        "Between",
        "Among",
        "Against",
        "During",
        "Until",
        "Unless",
        "About",
        "Around",
        "Through",
        "Across",
        "Into",
        "Onto",
        "Upon",
        "Within",
        "Along",
        "Near",
        "Together",
        "Now",
        "Today",
        "Yesterday",
        "Tomorrow",
        "Last",
        "Next",
        "According",
        "Although",
        "Following",
        "Read",
        "READ",
        "MORE",
        "See",
        "Photo",
        "Source",
        "Map",
        "Sign",
        "Stay",
        "Skip",
        "Difficult",
        "Focus",
        "Shift",
        "Restoring",
        "Will",
        "Can",
        "Could",
        "Would",
        "Should",
        "Must",
        "Might",
        "Do",
        "Does",
        "Did",
        "Is",
        "Are",
        "Was",
        "Were",
        "Be",
        "Been",
        "Has",
        "Have",
        "Had",
        "Here",
        "Let",
        "Like",
        "Unlike",
        "Whether",
        "Because",
        "Perhaps",
        "Indeed",
        "Already",
        "Again",
        "Once",
        "Twice",
        "So",
        "Too",
        "Very",
        "Well",
        "What's",
        "It's",
        "That's",
    ]
)
_CONNECTORS = frozenset(
    [
        "al",
        "al-",
        "el",
        "bin",
        "ibn",
        "bint",
        "de",
        "da",
        "di",
        "del",
        "der",
        "van",
        "von",
        "la",
        "le",
        "abu",
        "abdel",
        "ben",
        "du",
    ]
)
_PREPOSITIONS = frozenset(
    [
        "in",
        "from",
        "of",
        "at",
        "near",
        "to",
        "with",
        "by",
        "for",
        "against",
        "on",
        "into",
        "over",
        "under",
        "between",
        "across",
        "through",
        "inside",
        "outside",
        "within",
        "around",
        "toward",
        "towards",
        "beyond",
        "behind",
        "via",
        "among",
        "along",
    ]
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
            mentions.append(
                Mention(
                    ti, tj, cs, ce, text[cs:ce], actor.id, actor.code, entry.how, None, actor.kind
                )
            )
            continue
        role = entry.role if entry.how == "person" else None
        a, b = ti, tj
        b, role = _grow_right(tokens, b, role)
        a = _grow_left(tokens, a)
        mentions.append(
            Mention(
                a,
                b,
                tokens[a].start,
                tokens[b - 1].end,
                text[tokens[a].start : tokens[b - 1].end],
                actor.id,
                actor.code,
                entry.how,
                role,
                actor.kind,
            )
        )
    mentions = _merge_same_actor(mentions, tokens, text)
    mentions = _residence(mentions, tokens, text)
    # "the Russian language", "Kurdish-language newspapers": a language, not an actor.
    mentions = [
        m
        for m in mentions
        if not (
            m.how == "demonym"
            and m.tj < n
            and tokens[m.tj].lower in ("language", "languages", "-language")
        )
    ]
    unknown = _unknown_names(tokens, text, mentions)
    if unknown:
        # An unknown actor's country is read from the words around it ("President X of
        # Burundi", "X, the Zambian president,"); failing that, in a sentence that names one
        # country only, the actor is taken to belong to it ("President X ... Ugandan
        # opposition"). Its code is inferred, its id stays unknown.
        codes = {m.code for m in mentions if m.kind in _NATIONAL_KINDS and m.code}
        only = next(iter(codes)) if len(codes) == 1 else None
        unknown = [
            Mention(u.ti, u.tj, u.start, u.end, u.text, None, code, "inferred", u.role, None)
            if code
            else u
            for u in unknown
            for code in [_country_beside(u, tokens, mentions) or only]
        ]
    mentions.extend(unknown)
    mentions.sort(key=lambda m: (m.ti, m.start))
    generic = _generic_groups(tokens, text, mentions)
    if generic:
        mentions.extend(generic)
        mentions.sort(key=lambda m: (m.ti, m.start))
    return mentions


# Nouns for groups inside one country that news names without a nationality ("protesters",
# "rebels", "the government"). Following the CAMEO actor conventions, such a group is coded as
# the country it is in: the one named right after it ("rebels in northern Uganda") or, failing
# that, the only country the sentence names.
_DOMESTIC_GROUPS = frozenset(
    [
        "protesters",
        "protestors",
        "demonstrators",
        "marchers",
        "students",
        "workers",
        "strikers",
        "villagers",
        "residents",
        "civilians",
        "farmers",
        "peasants",
        "refugees",
        "citizens",
        "youths",
        "worshippers",
        "pilgrims",
        "journalists",
        "reporters",
        "dissidents",
        "activists",
        "supporters",
        "detainees",
        "prisoners",
        "inmates",
        "opposition",
        "rebels",
        "rebel",
        "insurgents",
        "guerrillas",
        "guerrilla",
        "militants",
        "gunmen",
        "fighters",
        "militiamen",
        "militia",
        "militias",
        "separatists",
        "extremists",
        "fundamentalists",
        "islamists",
        "bomber",
        "bombers",
        "assailants",
        "attackers",
        "kidnappers",
        "hijackers",
        "police",
        "policemen",
        "troops",
        "soldiers",
        "army",
        "military",
        "authorities",
        "government",
        "regime",
        "parliament",
        "lawmakers",
        "legislators",
        "deputies",
        "politicians",
        "elders",
        "judge",
        "court",
        "junta",
        "settlers",
        "mob",
        "crowd",
        "crowds",
    ]
)
# Capitalised words that may open such a group: religions and ideologies, not nationalities.
_GROUP_ADJECTIVES = frozenset(
    [
        "Muslim",
        "Moslem",
        "Islamic",
        "Islamist",
        "Christian",
        "Catholic",
        "Protestant",
        "Jewish",
        "Hindu",
        "Sikh",
        "Buddhist",
        "Shia",
        "Shiite",
        "Sunni",
        "Communist",
        "Maoist",
        "Marxist",
        "Opposition",
        "Rebel",
        "Government",
        "Police",
        "Army",
        "Security",
    ]
)
_REGION_WORDS = frozenset(
    [
        "the",
        "northern",
        "southern",
        "eastern",
        "western",
        "central",
        "north",
        "south",
        "east",
        "west",
        "northeastern",
        "northwestern",
        "southeastern",
        "southwestern",
        "neighbouring",
        "neighboring",
        "rural",
        "occupied",
    ]
)


def _generic_groups(tokens: list[Token], text: str, known: list[Mention]) -> list[Mention]:
    """Mentions of domestic groups named by a noun only, with the code of their country."""
    n = len(tokens)
    covered = [False] * n
    for m in known:
        for k in range(m.ti, m.tj):
            covered[k] = True
    countries = {m.code for m in known if m.kind in _NATIONAL_KINDS and m.code}
    out: list[Mention] = []
    for j in range(n):
        lw = tokens[j].lower
        if (
            covered[j]
            or lw not in _DOMESTIC_GROUPS
            or (
                j + 1 < n
                and (tokens[j + 1].lower in _DOMESTIC_GROUPS or tokens[j + 1].lower in ROLE_NOUNS)
            )
        ):
            continue  # the head is the last noun: "rebel forces", "police officers"
        if tokens[j].is_cap and j > 0 and tokens[j].text not in _GROUP_ADJECTIVES:
            continue  # part of a name ("Revolutionary Guards Army")
        if lw == "opposition" and (
            (j + 1 < n and tokens[j + 1].lower in ("to", "against"))
            or (j > 0 and tokens[j - 1].lower not in ("the", "main"))
        ):
            continue  # a stance ("its opposition to the deal"), not the opposition parties
        a = j
        while (
            a > 0
            and not covered[a - 1]
            and (
                tokens[a - 1].lower in _ROLE_MODIFIERS
                or tokens[a - 1].text in _GROUP_ADJECTIVES
                or tokens[a - 1].lower in _DOMESTIC_GROUPS
                or tokens[a - 1].lower
                in ("suspected", "unidentified", "unknown", "masked", "armed", "fundamentalist")
            )
        ):
            a -= 1
        if a > 0 and tokens[a - 1].text in ("'s", "’s"):
            continue  # a possessor the dictionary did not know ("the party's militants")
        code = _country_after(tokens, j + 1, known)
        if code is None and len(countries) == 1:
            code = next(iter(countries))
        if code is None:
            continue
        for k in range(a, j + 1):
            covered[k] = True
        out.append(
            Mention(
                a,
                j + 1,
                tokens[a].start,
                tokens[j].end,
                text[tokens[a].start : tokens[j].end],
                None,
                code,
                "generic",
                lw,
                "group",
            )
        )
    return out


def _country_after(tokens: list[Token], k: int, known: list[Mention]) -> str | None:
    """The code of a country or place named just after a group: "in (northern) Uganda"."""
    if k >= len(tokens) or tokens[k].lower not in ("in", "from", "of", "inside"):
        return None
    k += 1
    while k < len(tokens) and tokens[k].lower in _REGION_WORDS:
        k += 1
    for m in known:
        if m.ti == k and m.kind in _NATIONAL_KINDS and m.code:
            return m.code
    return None


def _country_beside(u: Mention, tokens: list[Token], known: list[Mention]) -> str | None:
    """The country an unknown name is said to belong to: "X of Burundi", "X, the Zambian
    president"."""
    n = len(tokens)
    k = u.tj
    if k < n and tokens[k].lower == "of":
        k += 1 + (k + 1 < n and tokens[k + 1].lower == "the")
        m = next((m for m in known if m.ti == k), None)
        return m.code if m is not None and m.kind in _NATIONAL_KINDS else None
    if k < n and tokens[k].text == ",":
        k += 1
        while k < n and tokens[k].lower in ("the", "a", "an", "former", "then"):
            k += 1
        m = next((m for m in known if m.ti == k), None)
        if m is not None and m.kind in _NATIONAL_KINDS and m.how == "demonym" and m.role:
            return m.code
    return None


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
        elif lw == "of" and j + 1 < n and tokens[j - 1].text in _TITLES and tokens[j + 1].is_cap:
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
            if (
                m.ti < p.tj
                and m.start >= p.start
                and m.end <= p.end
                and m.actor != p.actor
                and m.how != "person"
                and m.tj <= p.tj
                and m.ti > p.ti
            ):
                # A different actor inside a grown span ("Iraq's Al-Qaeda frontman"): the span
                # stops before it and both are kept.
                out[-1] = _cut(p, m.ti, tokens, text)
                out.append(m)
                continue
            if m.ti <= p.tj and m.actor == p.actor and m.start >= p.start:
                tj = max(p.tj, m.tj)
                end = max(p.end, m.end)
                how = "person" if "person" in (p.how, m.how) else p.how
                out[-1] = Mention(
                    p.ti,
                    tj,
                    p.start,
                    end,
                    text[p.start : end],
                    p.actor,
                    p.code,
                    how,
                    m.role or p.role,
                    p.kind,
                )
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


# Nouns for ethnic groups that live in several states: after a state's adjective ("Bosnian
# Serbs", "Iraqi Kurds") they name the group living in that state.
_ETHNIC_NOUNS = frozenset(
    [
        "serb",
        "serbs",
        "croat",
        "croats",
        "albanian",
        "albanians",
        "kurd",
        "kurds",
        "kurdish",
        "muslim",
        "muslims",
        "moslem",
        "moslems",
        "tamil",
        "tamils",
        "hutu",
        "hutus",
        "tutsi",
        "tutsis",
        "russian",
        "russians",
        "hungarian",
        "hungarians",
        "arab",
        "arabs",
        "turk",
        "turks",
        "armenian",
        "armenians",
        "azeri",
        "azeris",
        "uzbek",
        "uzbeks",
        "tajik",
        "tajiks",
        "pashtun",
        "pashtuns",
        "chinese",
    ]
)


def _residence(mentions: list[Mention], tokens: list[Token], text: str) -> list[Mention]:
    """Code ethnic groups as the state they live in, as the CAMEO actor conventions do.

    "Croatian Serb refugees" (a state's adjective before an ethnic noun) is one mention coded as
    Croatia; "ethnic Albanians in Macedonia" and "ethnic Albanians" in a sentence that names
    one other state are coded as that state.
    """
    out: list[Mention] = []
    for m in mentions:
        p = out[-1] if out else None
        if (
            p is not None
            and p.tj == m.ti
            and p.how == "demonym"
            and m.how == "demonym"
            and p.code
            and p.code != m.code
            and p.tj - p.ti == 1
            and tokens[m.ti].lower in _ETHNIC_NOUNS
        ):
            out[-1] = Mention(
                p.ti,
                m.tj,
                p.start,
                m.end,
                text[p.start : m.end],
                p.actor,
                p.code,
                p.how,
                m.role or p.role,
                p.kind,
            )
            continue
        out.append(m)
    states = {m.code for m in out if m.kind in _NATIONAL_KINDS and m.code}
    for k, m in enumerate(out):
        ethnic = m.how == "demonym" and (
            tokens[m.ti].lower == "ethnic" or (m.ti > 0 and tokens[m.ti - 1].lower == "ethnic")
        )
        home = _country_after(tokens, m.tj, out)
        if not ethnic:
            # "rebel Serbs in Krajina", "Russians in Latvia": an ethnic group in another state.
            if (
                m.how == "demonym"
                and tokens[m.tj - 1].lower in _ETHNIC_NOUNS
                and home is not None
                and home != m.code
            ):
                out[k] = Mention(
                    m.ti, m.tj, m.start, m.end, m.text, m.actor, home, m.how, m.role, m.kind
                )
            continue
        if (
            home is None
            and m.tj + 1 < len(tokens)
            and tokens[m.tj].lower in ("operating", "living", "based")
        ):
            home = _country_after(tokens, m.tj + 1, out)
        others = states - {m.code}
        if home is None and len(others) == 1:
            home = next(iter(others))
        if home is not None and home != m.code:
            out[k] = Mention(
                m.ti, m.tj, m.start, m.end, m.text, m.actor, home, m.how, m.role, m.kind
            )
    return out


def _cut(m: Mention, tj: int, tokens: list[Token], text: str) -> Mention:
    end_tok = tj
    while end_tok > m.ti + 1 and tokens[end_tok - 1].text in ("'s", "’s"):
        end_tok -= 1
    end = min(m.end, tokens[end_tok - 1].end)
    return Mention(
        m.ti, end_tok, m.start, end, text[m.start : end], m.actor, m.code, m.how, m.role, m.kind
    )


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
        if (
            covered[i]
            or not (t.is_cap and t.is_word)
            or t.text in _NOT_NAMES
            or t.text in _TITLES
            or t.text.isupper()
            and len(t.text) > 5
        ):
            i += 1
            continue
        j = i
        while (
            j < n
            and not covered[j]
            and (
                (tokens[j].is_cap and tokens[j].is_word and tokens[j].text not in _NOT_NAMES)
                or (tokens[j].lower in _CONNECTORS and j + 1 < n and tokens[j + 1].is_cap)
            )
        ):
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
            while (
                a > 0
                and (
                    tokens[a - 1].text in _TITLES
                    or tokens[a - 1].lower in _ROLE_MODIFIERS
                    or tokens[a - 1].lower in ROLE_NOUNS
                )
                and not covered[a - 1]
            ):
                a -= 1
            b = j + 1 if role_end else j
            role = tokens[j].lower if role_end else (prev.lower if titled and prev else None)
            out.append(
                Mention(
                    a,
                    b,
                    tokens[a].start,
                    tokens[b - 1].end,
                    text[tokens[a].start : tokens[b - 1].end],
                    None,
                    None,
                    "unknown",
                    role,
                    None,
                )
            )
        i = j
    return out
