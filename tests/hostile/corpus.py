"""Hostile and malformed inputs, each with the one-line refusal it must get.

Every case is a file (text, bytes, or made at run time: a named pipe, a folder) given to a
command; the command must exit with code 2 and print one line naming the file (and, where
the format has lines, the line) and the words listed, within the time and memory bounds of
tests/hostile/test_corpus.py. The large cases are generated, not stored: an alias bomb of
622 bytes that would expand to about 9**9 strings, 20,000-deep lists, 3,000-level mappings.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

GOOD = """\
actors:
  - {id: a, capability: 1}
  - {id: b, capability: 2}
issues:
  - {id: x}
stances:
  - {actor: a, issue: x, position: 10, salience: 50}
  - {actor: b, issue: x, position: 90, salience: 50}
"""


def alias_bomb() -> str:
    """The "billion laughs": each level refers nine times to the one before (622 bytes)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghi"
    for prev, cur in itertools.pairwise(names):
        lines.append(f"{cur}: &{cur} [{','.join(['*' + prev] * 9)}]")
    lines.append("actors: *i")
    return "\n".join(lines) + "\n"


def deep_lists(n: int = 20_000) -> str:
    return "actors: " + "[" * n + "]" * n + "\n"


def deep_mappings(n: int = 3_000) -> str:
    return "meta:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(n)) + " " * (n + 1) + "v\n"


def many_actors(n: int = 600) -> str:
    actors = "".join(f"  - {{id: a{i}, capability: 1}}\n" for i in range(n))
    stances = "".join(
        f"  - {{actor: a{i}, issue: x, position: 50, salience: 50}}\n" for i in range(n)
    )
    return f"actors:\n{actors}issues:\n  - {{id: x}}\nstances:\n{stances}"


def xml_entity_bomb() -> str:
    """The XML "billion laughs": ten entities of ten references each."""
    ents = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE s [\n'
        + "\n".join(ents)
        + "\n]>\n<Scenario><name>&l9;</name></Scenario>\n"
    )


@dataclass(frozen=True)
class Case:
    """One hostile input: the file's name and content, extra arguments, expected words."""

    name: str
    content: str | bytes | None  # None: made by the test (a pipe, a folder)
    words: tuple[str, ...]
    args: tuple[str, ...] = ()
    line: int | None = None  # the line the message must name
    kind: str = "file"  # file, fifo or dir
    extra: dict = field(default_factory=dict)


CASES = [
    Case("alias_bomb.yaml", alias_bomb(), ("aliases", "not accepted"), line=2),
    Case("deep_lists.yaml", deep_lists(), ("nested deeper than", "max_yaml_depth"), line=1),
    Case("deep_mappings.yaml", deep_mappings(), ("nested deeper than", "max_yaml_depth")),
    Case(
        "list_actor_id.yaml",
        GOOD.replace("{id: a, capability: 1}", "{id: [a, b], capability: 1}"),
        ("field 'id'", "must be text"),
        line=2,
    ),
    Case(
        "list_stance_actor.yaml",
        GOOD.replace("{actor: a, issue: x, position: 10", "{actor: [a], issue: x, position: 10"),
        ("field 'actor'", "non-empty id"),
        line=7,
    ),
    Case("bad_date.yaml", "date: 2017-13-45\n" + GOOD, ("field 'date'", "must be a date"), line=1),
    Case(
        "capability_date.yaml",
        GOOD.replace("{id: a, capability: 1}", "{id: a, capability: 2017-02-30}"),
        ("field 'capability'", "must be a number, not text"),
        line=2,
    ),
    Case(
        "huge_scale.yaml",
        GOOD.replace("{id: x}", "{id: x, scale: {low: -1.0e+308, high: 1.0e+308}}").replace(
            "position: 90", "position: 1.0e+308"
        ),
        ("field 'scale'", "must lie within -1e+09..1e+09"),
        line=5,
    ),
    Case(
        "huge_position.yaml",
        GOOD.replace("position: 90", "position: 1e308"),
        ("field 'position'", "outside the scale"),
        line=8,
    ),
    Case(
        "huge_capability.yaml",
        GOOD.replace("capability: 2}", "capability: 1e300}"),
        ("field 'capability'", "at most 1e+12"),
        line=3,
    ),
    Case(
        "nan_salience.yaml",
        GOOD.replace("salience: 50}", "salience: .nan}", 1),
        ("field 'salience", "must be a finite number"),
        line=7,
    ),
    Case(
        "long_int.yaml",
        GOOD.replace("capability: 2}", "capability: " + "9" * 5000 + "}"),
        ("integer too long",),
        line=3,
    ),
    Case("too_many_actors.yaml", many_actors(), ("too many actors: 600", "max_actors")),
    Case("top_list.yaml", "- a\n- b\n", ("must be a mapping",)),
    Case("python_tag.yaml", "actors: !!python/object:os.system {}\n", ("not valid YAML",)),
    Case("unhashable_key.yaml", "? [a, b]\n: 1\n", ("not valid YAML", "unhashable")),
    Case("two_docs.yaml", GOOD + "---\n" + GOOD, ("not valid YAML", "another document")),
    Case("control_char.yaml", "actors: \x07\n", ("not valid YAML",)),
    Case("not_utf8.yaml", b"actors: \xff\xfe\n", ("not UTF-8",)),
    Case("empty.yaml", "", ("must be a mapping",)),
    Case("unknown_key.yaml", GOOD + "colour: red\n", ("field 'colour'", "unknown key"), line=9),
    Case(
        "ktab_inf.csv",
        "n,d,inf,1\nActor,Desc,Influence,Dim,Dim Sal\na,a,1,10,50\n",
        ("nActors", "whole number"),
        args=("--input-format", "ktab-csv"),
        line=1,
    ),
    Case(
        "ktab_nan_dims.csv",
        "n,d,1,nan\nActor,Desc,Influence,Dim,Dim Sal\na,a,1,10,50\n",
        ("nDims", "whole number"),
        args=("--input-format", "ktab-csv"),
        line=1,
    ),
    Case(
        "ktab_billion.csv",
        "n,d,1000000000,1\nActor,Desc,Influence,Dim,Dim Sal\na,a,1,10,50\n",
        ("too many actors: 1000000000",),
        args=("--input-format", "ktab-csv"),
        line=1,
    ),
    Case(
        "unknown_column.csv",
        "actor,issue,capability,position,salience,colour\na,x,1,10,50,red\nb,x,2,90,50,blue\n",
        ("unknown column", "'colour'"),
        line=1,
    ),
    Case(
        "issue_unknown_column.csv",
        "actor,capability,position,salience,weight\na,1,10,50,3\n",
        ("unknown column", "'weight'"),
        args=("--input-format", "issue-csv"),
        line=1,
    ),
    Case(
        "inf_position.csv",
        "actor,issue,capability,position,salience\na,x,1,inf,50\nb,x,2,90,50\n",
        ("'position'", "finite number"),
        line=2,
    ),
    Case(
        "text_capability.csv",
        "actor,issue,capability,position,salience\na,x,lots,10,50\n",
        ("'capability'", "must be a number"),
        line=2,
    ),
    Case("entity_bomb.xml", xml_entity_bomb(), ("not well-formed XML",)),
    Case(
        "deep.xml",
        "<Scenario>" + "<a>" * 100_000 + "</a>" * 100_000 + "</Scenario>",
        ("<Actors> is missing",),
    ),
    Case("pipe.yaml", None, ("not a regular file",), kind="fifo"),
    Case("folder.yaml", None, ("is a directory",), kind="dir"),
    Case(
        "big_file.yaml",
        "# " + "x" * 10_000_100 + "\n",
        ("too large", "limit 10000000"),
    ),
]
