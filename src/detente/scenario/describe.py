"""One-line texts of a scenario's values and their evidence, for tables (terminal, report)."""

from __future__ import annotations

from detente.scenario.model import Scenario, Value


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
