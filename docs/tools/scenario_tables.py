"""Regenerate the tables and lists of docs/scenarios.md from the two Syria scenario files.

Run from the repository root after editing a scenario::

    python docs/tools/scenario_tables.py            # rewrite the generated parts in place
    python docs/tools/scenario_tables.py --check    # exit 1 if docs/scenarios.md is stale

The generated parts sit between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``
markers (and the position tables between their ``positions`` markers, which the tests read).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from detente.scenario import load_embedded  # noqa: E402

DOC = ROOT / "docs" / "scenarios.md"
NAMES = ("syria-astana-2017", "syria-geneva-2018")
CARRY = "carried over from the January 2017 coding"


def fmt(v) -> str:
    return f"{v:g}"


def vrange(v) -> str:
    return f"{fmt(v.value)} [{fmt(v.range[0])}–{fmt(v.range[1])}]"


def sources(v) -> str:
    stated = []
    for e in v.evidence:
        if e.basis.value == "stated" and e.source not in stated:
            stated.append(e.source)
    out = ", ".join(f"`{s}`" for s in stated)
    if any(e.basis.value == "assumption" for e in v.evidence):
        out = f"{out}; A" if out else "A"
    return out


def values(s):
    for a in s.actors:
        yield ("capability", a.id, None), a.capability
    for i in s.issues:
        yield ("status quo", None, i.id), i.status_quo
    for st in s.stances:
        yield ("position", st.actor, st.issue), st.position
        yield ("salience", st.actor, st.issue), st.salience


def label(key) -> str:
    field, actor, issue = key
    if field == "capability":
        return f"`{actor}` capability"
    if field == "status quo":
        return f"`{issue}` status quo"
    return f"`{actor}` on `{issue}`, {field}"


def kind(v) -> str:
    stated = any(e.basis.value == "stated" for e in v.evidence)
    assumed = any(e.basis.value == "assumption" for e in v.evidence)
    return "both" if stated and assumed else "stated" if stated else "assumption"


def reasons(v, skip_carry=True) -> list[str]:
    out = []
    for e in v.evidence:
        if e.basis.value != "assumption":
            continue
        if skip_carry and e.reason and e.reason.startswith(CARRY):
            continue
        r = (e.reason or e.paraphrase or "").replace("\n", " ")
        if e.source:
            r += f" (leans on `{e.source}`)"
        out.append(r)
    return out


def actors_table(a, b) -> str:
    rows = [
        "| id | name | kind | capability 2017 | capability 2018 | sources (2017 / 2018) |",
        "|---|---|---|---|---|---|",
    ]
    for x, y in zip(a.actors, b.actors):
        rows.append(
            f"| `{x.id}` | {x.name} | {x.kind.value} | {vrange(x.capability)} | "
            f"{vrange(y.capability)} | {sources(x.capability)} / {sources(y.capability)} |"
        )
    return "\n".join(rows)


def issues_list(a) -> str:
    out = []
    for i in a.issues:
        out.append(f"- **`{i.id}`** ({i.name}). {i.description}")
        for k in sorted(i.scale.anchors):
            out.append(f"  - {fmt(k)}: {i.scale.anchors[k]}")
    return "\n".join(out)


def status_quo_table(a, b) -> str:
    rows = [
        "| id | 0 = | 100 = | status quo 2017 | status quo 2018 | sources (2017 / 2018) |",
        "|---|---|---|---|---|---|",
    ]
    for x, y in zip(a.issues, b.issues):
        rows.append(
            f"| `{x.id}` | {x.scale.low_label} | {x.scale.high_label} | {vrange(x.status_quo)} | "
            f"{vrange(y.status_quo)} | {sources(x.status_quo)} / {sources(y.status_quo)} |"
        )
    return "\n".join(rows)


def rules_table(a, b) -> str:
    def cell(d):
        if d is None:
            return "–"
        if d.rule.value == "unilateral":
            return f"unilateral: `{d.controller}`"
        txt = "consensus of " + ", ".join(f"`{v}`" for v in d.veto_players)
        if d.agenda_setter:
            txt += f"; proposer `{d.agenda_setter}`"
        return txt

    rows = [
        "| issue | 2017 | 2018 | sources (2017 / 2018) |",
        "|---|---|---|---|",
    ]
    for x, y in zip(a.issues, b.issues):
        rows.append(
            f"| `{x.id}` | {cell(x.decision)} | {cell(y.decision)} | "
            f"{sources(x.decision) if x.decision else '–'} / "
            f"{sources(y.decision) if y.decision else '–'} |"
        )
    return "\n".join(rows)


def positions_table(s) -> str:
    head = "| actor | " + " | ".join(f"`{i}`" for i in s.issue_ids) + " |"
    rows = [head, "|---|" + "---|" * len(s.issue_ids)]
    for a in s.actor_ids:
        cells = []
        for i in s.issue_ids:
            st = s.stance(a, i)
            cells.append("–" if st is None else f"{fmt(st.position.value)} ({fmt(st.salience.value)})")
        rows.append(f"| `{a}` | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def counts_table(a, b) -> str:
    n_vals = len(list(values(a)))
    out = [
        f"Counts, over every coded number ({len(a.actors)} capabilities, {len(a.issues)} status "
        f"quos, {len(a.stances)} positions, {len(a.stances)} saliences = {n_vals} values per "
        "file):",
        "",
        "| | stated only | stated + assumption (a stated fact, a judged mapping to the scale) "
        "| assumption only | carried over from 2017 (assumption) |",
        "|---|---|---|---|---|",
    ]
    for s in (a, b):
        vals = list(values(s))
        carried = [v for _, v in vals if any(e.reason and e.reason.startswith(CARRY) for e in v.evidence)]
        rest = [(k, v) for k, v in vals if v not in carried]
        stated = sum(kind(v) == "stated" for _, v in rest)
        both = sum(kind(v) == "both" for _, v in rest)
        only = [(k, v) for k, v in rest if kind(v) == "assumption"]
        sal = sum(k[0] == "salience" for k, _ in only)
        pos = sum(k[0] == "position" for k, _ in only)
        other = len(only) - sal - pos
        detail = f"{sal} saliences, {pos} positions" + (f", {other} other" if other else "")
        only_txt = f"{len(only)} ({detail})" if only else "0"
        out.append(
            f"| `{s.id}` | {stated} | {both} | {only_txt} | {len(carried) if carried else '–'} |"
        )
    return "\n".join(out)


def assumptions_2017(a) -> str:
    out = []
    for key, v in values(a):
        rs = reasons(v)
        if not rs:
            continue
        only = " **(assumption only)**" if kind(v) == "assumption" else ""
        out.append(f"- {label(key)} = {fmt(v.value)}{only}: {'; '.join(rs)}")
    return "\n".join(out)


def changes_2018(a, b) -> str:
    old = dict(values(a))
    changed, carried = [], []
    for key, v in values(b):
        before = old[key]
        if any(e.reason and e.reason.startswith(CARRY) for e in v.evidence):
            carried.append(label(key))
            continue
        if v.value == before.value and v.range == before.range:
            continue
        rs = [r for r in reasons(v) if r not in reasons(before)]
        changed.append(f"- {label(key)} = {fmt(v.value)}: {'; '.join(rs) or 'confirmed'}")
    return (
        "New or changed values (that differ from 2017, or whose range changed), with their new "
        "reasons:\n\n"
        + "\n".join(changed)
        + f"\n\nCarried over unchanged ({len(carried)} values): "
        + "; ".join(carried)
        + "."
    )


def parts() -> dict[str, str]:
    a, b = (load_embedded(n) for n in NAMES)
    return {
        "generated:actors": actors_table(a, b),
        "generated:issues": issues_list(a),
        "generated:status_quo": status_quo_table(a, b),
        "generated:rules": rules_table(a, b),
        "positions:syria-astana-2017": positions_table(a),
        "positions:syria-geneva-2018": positions_table(b),
        "generated:counts": counts_table(a, b),
        "generated:assumptions-2017": assumptions_2017(a),
        "generated:changes-2018": changes_2018(a, b),
    }


def render(doc: str) -> str:
    for name, body in parts().items():
        if name == "generated:rules" and f"<!-- {name} -->" not in doc:
            continue
        pattern = re.compile(rf"(<!-- {name} -->\n).*?(<!-- /{name} -->)", re.DOTALL)
        if not pattern.search(doc):
            raise SystemExit(f"{DOC}: no <!-- {name} --> section")
        doc = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), doc)
    return doc


if __name__ == "__main__":
    doc = DOC.read_text(encoding="utf-8")
    new = render(doc)
    if "--check" in sys.argv:
        sys.exit(0 if new == doc else 1)
    DOC.write_text(new, encoding="utf-8")
