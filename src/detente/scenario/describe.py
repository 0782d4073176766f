"""One-line texts of a scenario's values and their evidence, for tables (terminal, report)."""

from __future__ import annotations

from detente.scenario.model import Issue, Scenario, Value


def value_text(v: Value | None) -> str:
    """``value [low–high]`` of a :class:`Value` (an em dash for none)."""
    if v is None:
        return "—"
    txt = f"{v.value:g}"
    if v.range is not None:
        txt += f" [{v.range[0]:g}–{v.range[1]:g}]"
    return txt


def evidence_text(s: Scenario, v: Value | None, *, with_file: bool = False) -> str:
    """The evidence of a value as one line: each paraphrase with its citation (publication,
    date, title and, with ``with_file``, the source's file), or the assumption and its reason."""
    if v is None:
        return ""
    parts = []
    for ev in v.evidence:
        if ev.basis.value == "assumption":
            parts.append(f"Assumption: {ev.reason or ev.paraphrase}")
            continue
        src = s.source(ev.source) if ev.source else None
        cite = ev.source or ""
        if src is not None:
            fields = (
                src.publication,
                str(src.date or ""),
                src.title,
                src.file if with_file else None,
            )
            cite = ", ".join(x for x in fields if x) or src.id
        parts.append(f"{ev.paraphrase or 'stated'} ({cite})")
    return "; ".join(parts)


def decision_text(iss: Issue) -> str:
    """How an issue is decided, in one line (an em dash when no rule is declared).

    >>> from detente.scenario import build_scenario
    >>> s = build_scenario({"actors": [{"id": "a", "capability": 1}], "issues": [{"id": "x",
    ...     "decision": {"rule": "unilateral", "controller": "a"}}],
    ...     "stances": [{"actor": "a", "issue": "x", "position": 1, "salience": 1}]})
    >>> decision_text(s.issues[0])
    'unilateral: a decides; may end with nothing'
    """
    d = iss.decision
    if d is None:
        return "—"
    if d.rule.value == "unilateral":
        txt = f"unilateral: {d.controller} decides"
    elif d.rule.value == "consensus":
        txt = "consensus of " + ", ".join(d.veto_players)
    else:
        who = ", ".join(d.voters) if d.voters else "every actor with a stance"
        txt = f"vote, {d.threshold:.3g} of the weight of {who}"
        if d.veto_players:
            txt += "; vetoes: " + ", ".join(d.veto_players)
    if d.agenda_setter:
        txt += f"; {d.agenda_setter} proposes"
    return txt + ("; must decide" if d.must_decide else "; may end with nothing")
