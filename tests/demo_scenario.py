"""A small made-up scenario with evidence, ranges, a status quo and a missing stance,
shared by the report and web tests."""

from __future__ import annotations

import pytest

DEMO_YAML = """\
id: demo
title: A made-up three-issue negotiation
date: 2020-05-01
sources:
  - {id: memo, publication: Analyst memo, date: 2020-04-30}
actors:
  - id: north
    name: Northland
    capability: {value: 80, range: [70, 90], evidence: {source: memo, paraphrase: the largest army}}
  - {id: south, name: Southland, capability: 50}
  - {id: east, name: Eastern League, kind: organisation, capability: 30}
  - {id: west, name: Westland, capability: 40}
  - {id: rebels, name: Rebel coalition, kind: opposition, capability: 15}
issues:
  - id: border
    name: Where the border runs
    scale: {low: 0, high: 100, low_label: Old line, high_label: New line, anchors: {50: shared zone}}
    status_quo: 20
  - id: troops
    name: Foreign troops
    scale: {low: 0, high: 10, low_label: all leave, high_label: all stay}
  - id: aid
    name: Aid budget
stances:
  - actor: north
    issue: border
    position: {value: 90, range: [80, 95], evidence: {source: memo, paraphrase: wants the new line}}
    salience: {value: 80, evidence: {basis: assumption, reason: a core interest}}
  - {actor: south, issue: border, position: 10, salience: 70}
  - {actor: east, issue: border, position: 40, salience: 30}
  - {actor: west, issue: border, position: 60, salience: 40}
  - {actor: rebels, issue: border, position: 0, salience: 90}
  - {actor: north, issue: troops, position: 8, salience: 50}
  - {actor: south, issue: troops, position: 2, salience: 60}
  - {actor: east, issue: troops, position: 5, salience: 20}
  - {actor: rebels, issue: troops, position: 0, salience: 100}
  - {actor: north, issue: aid, position: 20, salience: 20}
  - {actor: south, issue: aid, position: 80, salience: 40}
  - {actor: west, issue: aid, position: 60, salience: 60}
  - {actor: east, issue: aid, position: 70, salience: 50}
"""


@pytest.fixture
def demo_file(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(DEMO_YAML, encoding="utf-8")
    return path


@pytest.fixture
def demo(demo_file):
    import detente

    return detente.load(demo_file)
