"""The HTML/PDF report: deterministic bytes, every section that applies, real content."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import detente
from detente.errors import DetenteError
from detente.report import build_report, collect, render_html, render_report, report_format
from detente.report import figures as F
from detente.report.palette import OKABE_ITO, series_style
from detente.report.sweep import histogram_panels


class _Sections(HTMLParser):
    """Section ids, and the text of each table cell per section."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.cells: dict[str, list[str]] = {}
        self._in_cell = False
        self._buf = ""
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.extend(attrs)
        if tag == "section":
            self.sections.append(dict(attrs)["id"])
            self.cells[self.sections[-1]] = []
        if tag in ("td", "th"):
            self._in_cell, self._buf = True, ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._in_cell:
            self._in_cell = False
            self.cells[self.sections[-1]].append(self._buf.strip())

    def handle_data(self, data):
        if self._in_cell:
            self._buf += data


def _parse(text: str) -> _Sections:
    p = _Sections()
    p.feed(text)
    return p


# -- determinism -------------------------------------------------------------------------


def test_html_report_is_byte_identical_across_builds_and_processes(demo_file, tmp_path):
    a, b, c = tmp_path / "a.html", tmp_path / "b.html", tmp_path / "c.html"
    models = ["compromise", "weighted_median"] + [
        m for m in detente.available_models() if detente.get_model(m).dynamic
    ][:1]
    build_report(demo_file, a, models=models)
    build_report(demo_file, b, models=models)
    # A fresh interpreter with another hash seed: no set order, id or clock leaks in.
    env = dict(os.environ, PYTHONHASHSEED="12345")
    code = (
        "import sys; from detente.report import build_report; "
        "build_report(sys.argv[1], sys.argv[2], models=sys.argv[3:])"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(demo_file), str(c), *models],
        check=True,
        env=env,
        timeout=120,
    )
    assert a.read_bytes() == b.read_bytes() == c.read_bytes()


def test_pdf_report_is_deterministic_and_dateless(demo_report):
    demo, data, _ = demo_report
    models = data.models[:2] + data.dynamic[:1]
    one = render_report(collect(demo, models), "pdf")
    two = render_report(collect(demo, models), "pdf")  # same inputs, built again
    assert one.startswith(b"%PDF-") and one.rstrip().endswith(b"%%EOF")
    assert one == two
    assert b"CreationDate" not in one and b"ModDate" not in one
    # pages, their size and their text are measured in test_layout.py


# -- content -----------------------------------------------------------------------------


def test_report_holds_every_section_that_applies(demo_report):
    demo, data, text = demo_report
    p = _parse(text)
    expected = ["summary", "forecasts", "scenario", "positions"]
    if any(detente.get_model(m).dynamic for m in data.models):
        expected.append("trajectories")
    expected += ["alliances", "notes"]
    assert p.sections == expected
    # self-contained: nothing to fetch, no scripts
    assert "script" not in p.tags and "link" not in p.tags and "img" not in p.tags
    assert not any(k in ("src", "href") and v and not v.startswith("#") for k, v in p.attrs)
    assert re.findall(r"url\((?!#)", text) == []  # only references inside the page
    # figures are real inline SVG: forecasts, one positions figure per issue, alliance map
    assert text.count("<svg") >= 1 + len(demo.issues) + 1 + len(data.dynamic)


def test_forecast_table_shows_every_models_forecast(demo_report):
    demo, data, text = demo_report
    cells = _parse(text).cells["forecasts"]
    df = detente.model_forecasts(demo, data.models)
    for iss in demo.issues:
        # name, then its scale; a wide table is split into parts that repeat the issue column
        label = iss.label + iss.scale.describe()
        row = []
        for start, cell in enumerate(cells):
            if cell == label:
                k = start + 1
                while k < len(cells) and re.fullmatch(r"-?\d+\.\d|—", cells[k]):
                    row.append(cells[k])
                    k += 1
        # a model may give no forecast on an issue (the procedural models need a status quo,
        # which this demo's second issue lacks): the report shows a dash there
        got = [df[(df.issue == iss.id) & (df.model == m)].forecast.iloc[0] for m in data.models]
        want = ["—" if math.isnan(f) else f"{f:.1f}" for f in got]
        assert row == want, iss.id


def test_scenario_section_shows_scales_evidence_and_missing_stances(demo_report):
    _, _, text = demo_report
    p = _parse(text)
    scen = p.cells["scenario"]
    assert "80 [70–90]" in scen  # capability with its range
    assert any("the largest army" in c and "Analyst memo" in c for c in scen)
    assert "0: Old line" in scen and "100: New line" in scen and "50 = shared zone" in scen
    pos = p.cells["positions"]
    assert "90 [80–95]" in pos
    assert any("wants the new line" in c and "Assumption: a core interest" in c for c in pos)
    # Westland takes no stand on troops: four rows there, not five.
    start = text.index('id="issue-troops"')
    end = text.index('id="issue-aid"')
    assert text[start:end].count("<tr>") == 1 + 4


def test_models_argument_limits_the_report(demo):
    data = collect(demo, ["compromise", "nash"])
    assert data.models == ["compromise", "nash"]
    p = _parse(render_html(data))
    assert "trajectories" not in p.sections
    with pytest.raises(DetenteError):
        collect(demo, ["no-such-model"])


def test_trajectories_figure_draws_one_line_per_actor_per_issue(demo):
    n, d = len(demo.actors), len(demo.issues)
    a = demo.to_arrays()
    rounds = np.stack([a.position, a.position * 0.9, a.position * 0.8])
    fig = F.trajectories_figure(demo, rounds, np.nanmean(rounds[-1], axis=0), "test model")
    lines_per_axis = [
        len([ln for ln in ax.get_lines() if ln.get_linestyle() != "--"]) for ax in fig.axes[:d]
    ]
    assert lines_per_axis == [int(a.mask[:, k].sum()) for k in range(d)]
    assert n == len(demo.actors)


# -- sweep and validation ----------------------------------------------------------------


def _sweep_folder(tmp_path: Path, demo) -> Path:
    rng = np.random.default_rng(7)
    rows = []
    for run in range(50):
        for m in ("compromise", "nash"):
            for iss in demo.issues:
                lo, hi = iss.scale.low, iss.scale.high
                rows.append(
                    {
                        "run": run,
                        "model": m,
                        "issue": iss.id,
                        "forecast": float(rng.uniform(lo, hi)),
                    }
                )
    folder = tmp_path / "sweep-out"
    folder.mkdir()
    pd.DataFrame(rows).to_csv(folder / "draws.csv", index=False)
    pd.DataFrame(
        {
            "input": ["capability north", "position south border", "salience rebels"],
            "issue": ["border"] * 3,
            "model": ["compromise"] * 3,
            "low": [40.0, 50.0, 52.0],
            "high": [60.0, 56.0, 53.0],
            "baseline": [54.0] * 3,
        }
    ).to_csv(folder / "sensitivity.csv", index=False)
    pd.DataFrame({"quantity": ["runs"], "value": [50]}).to_csv(folder / "summary.csv", index=False)
    return folder


def test_sweep_section_shows_distributions_tornado_and_summaries(demo, tmp_path):
    folder = _sweep_folder(tmp_path, demo)
    data = collect(demo, ["compromise", "nash"], sweep=folder)
    text = render_html(data)
    p = _parse(text)
    assert "sweep" in p.sections
    start = text.index('<section id="sweep">')
    part = text[start : text.index("</section>", start)]
    assert part.count("<svg") == 2  # the histograms and one tornado (one issue x model)
    # the summary names the inputs with the widest swings, widest first (20, 6, 1)
    border = demo.issue("border").label
    assert data.summary.uncertain[-1] == (
        f"In the sweep, the forecasts move most with the capability north ({border}: 40 to "
        f"60); the position south border ({border}: 50 to 56); the salience rebels ({border}: "
        "52 to 53)."
    )
    cells = p.cells["sweep"]
    # The describe() table counts 50 runs per model and issue.
    assert cells.count("50") >= 2 * len(demo.issues)
    assert "capability north" in cells and "summary.csv" in part


def test_sweep_section_reads_a_real_sweep_folder(demo, tmp_path):
    run = pytest.importorskip("detente.run")
    out = tmp_path / "sweep"
    run.run_sweep(demo, out, runs=40, models=["compromise"], chunk_size=20)
    data = collect(demo, ["compromise"], sweep=out)
    sw = data.sweep
    assert sw.manifest["runs"] == 40
    assert len(sw.draws) == 40 * len(demo.issues)  # both chunks read
    panels = {label: series for label, series, _ in histogram_panels(sw, demo.issues)}
    # the histogram counts every run once per issue
    assert all(series["compromise"][1].sum() == 40 for series in panels.values())
    text = render_html(data)
    start = text.index('<section id="sweep">')
    part = text[start : text.index("</section>", start)]
    # one tornado per issue whose forecast some uncertain input moves
    moved = sw.tornado.assign(s=(sw.tornado.high - sw.tornado.low).abs()).groupby("issue")["s"]
    n_tornado = int((moved.max() > 0).sum())
    assert part.count("<svg") == 1 + n_tornado
    # inputs are named in words: "capability:north" -> "capability of Northland"
    from detente.report.html import input_name

    names = {a.id: a.label for a in demo.actors} | {i.id: i.label for i in demo.issues}
    for name in set(sw.tornado.loc[(sw.tornado.high - sw.tornado.low).abs() > 0, "input"]):
        kind, actor, *issue = name.split(":")
        words = f"{kind} of {names[actor]}" + (f" on {names[issue[0]]}" if issue else "")
        assert input_name(name, names) == words
        assert f"<td>{words}</td>" in part


def test_tornado_puts_the_widest_swing_on_top():
    rows = [("small", 49.0, 51.0), ("wide", 30.0, 70.0), ("middle", 45.0, 60.0)]
    fig = F.tornado_figure(rows, 50.0, "t", "forecast")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["small", "middle", "wide"]  # bottom to top


def test_validation_section_shows_predictions_and_summaries(demo, tmp_path):
    preds = tmp_path / "predictions.csv"
    df = pd.DataFrame(
        {
            "group": ["a", "b", "c", "a", "b", "c"],
            "model": ["compromise"] * 3 + ["nash"] * 3,
            "forecast": [10.0, 20.0, 30.0, 12.0, 25.0, 40.0],
            "outcome": [15.0, 20.0, 20.0, 15.0, 20.0, 20.0],
        }
    )
    df["error"] = df["forecast"] - df["outcome"]
    df.to_csv(preds, index=False)
    summary = tmp_path / "summary.csv"
    pd.DataFrame(
        {
            "model": ["compromise", "nash"],
            "n": [3, 3],
            "mae": [5.0, 28 / 3],
            "diff": [0.0, 28 / 3 - 5],
            "diff_low": [0.0, 1.0],
            "diff_high": [0.0, 8.0],
            "note": ["", ""],
        }
    ).to_csv(summary, index=False)
    text = render_html(collect(demo, ["compromise"], validation=[preds, summary]))
    p = _parse(text)
    assert p.sections[-2:] == ["validation", "notes"]
    cells = p.cells["validation"]
    # mean absolute errors: compromise (5 + 0 + 10) / 3, nash (3 + 5 + 20) / 3;
    # root mean squared: sqrt(125 / 3), sqrt(434 / 3)
    assert f"{15 / 3:.2f}" in cells and f"{28 / 3:.2f}" in cells
    assert f"{(125 / 3) ** 0.5:.2f}" in cells and f"{(434 / 3) ** 0.5:.2f}" in cells
    start = text.index('<section id="validation">')
    part = text[start : text.index("</section>", start)]
    assert part.count("<svg") == 2  # error box plots and the bootstrap intervals
    assert "predictions.csv" in part and "summary.csv" in part
    with pytest.raises(DetenteError, match="no such validation file"):
        collect(demo, ["compromise"], validation=tmp_path / "missing.csv")


def test_a_missing_or_empty_sweep_folder_is_a_clear_error(demo, tmp_path):
    with pytest.raises(DetenteError, match="no such sweep folder"):
        collect(demo, ["compromise"], sweep=tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DetenteError, match="no sweep results"):
        collect(demo, ["compromise"], sweep=tmp_path / "empty")


# -- alliances and colours ---------------------------------------------------------------


def test_alliance_map_alignment_properties(demo):
    from detente.analysis.alliances import alignment

    m = alignment(demo, signed=True).overall
    n = len(demo.actors)
    assert m.shape == (n, n)
    assert np.allclose(m, m.T, equal_nan=True)
    assert np.allclose(np.diag(m), 1.0)
    assert np.nanmin(m) >= -1 and np.nanmax(m) <= 1
    ids = list(demo.actor_ids)
    # north (90, 8, 20) and south (10, 2, 80) are far apart; east and west are close.
    assert m[ids.index("north"), ids.index("south")] < m[ids.index("east"), ids.index("west")]
    # Hand computation for rebels and south: border 0 vs 10 (agreement 0.8, weight
    # sqrt(.9*.7)), troops 0 vs 2 on 0..10 (agreement 0.6, weight sqrt(1*.6)).
    w1, w2 = np.sqrt(0.9 * 0.7), np.sqrt(1.0 * 0.6)
    want = (0.8 * w1 + 0.6 * w2) / (w1 + w2)
    assert m[ids.index("rebels"), ids.index("south")] == pytest.approx(want)


def test_alliance_map_uses_the_alliance_analysis(demo_report):
    from detente.analysis import alliances

    demo, data, _ = demo_report
    al = data.alliances
    want = alliances.alignment(demo, signed=True).overall
    np.testing.assert_array_equal(al.matrix, want)
    assert "detente.analysis.alliances" in al.method


def test_forecast_figure_uses_only_the_colour_blind_safe_palette(demo):
    data = collect(demo, ["compromise", "mean_voter", "weighted_median", "nash"])
    svg = F.to_svg(F.forecasts_figure(demo, data.forecast_table(), data.titles))
    colours = {c.upper() for c in re.findall(r"(?:fill|stroke):\s*(#[0-9a-fA-F]{6})", svg)}
    greys = {c for c in colours if c[1:3] == c[3:5] == c[5:7]}
    assert colours - greys <= {c.upper() for c in OKABE_ITO}
    assert len(colours - greys) >= 4  # four models, four colours


def test_series_styles_never_repeat():
    # colour and marker alone must differ: scatter plots show no line style
    styles = {(series_style(i)["color"], series_style(i)["marker"]) for i in range(49)}
    assert len(styles) == 49
    assert all(series_style(i)["color"] in OKABE_ITO for i in range(49))


# -- command line ------------------------------------------------------------------------


def test_report_command_writes_html_and_pdf(demo_file, tmp_path):
    import typer
    from typer.testing import CliRunner

    from detente.report.commands import add_commands

    app = typer.Typer()
    app.callback()(lambda: None)  # a group, as in the CLI, even with one command
    add_commands(app)
    runner = CliRunner()
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(demo_file), "--out", str(out), "-m", "compromise"])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert report_format(tmp_path / "r.PDF") == "pdf" and report_format(out) == "html"
    assert report_format(out, "pdf") == "pdf"
    res = runner.invoke(
        app, ["report", str(demo_file), "--out", str(tmp_path / "x.html"), "--format", "docx"]
    )
    assert isinstance(res.exception, DetenteError) and "format must be" in str(res.exception)
    assert not (tmp_path / "x.html").exists()


# -- summary and alliance order ------------------------------------------------------------


def test_alliance_order_puts_each_bloc_side_by_side():
    from detente.report.data import alliance_order

    # two blocs, interleaved in scenario order: {0, 3, 4} and {1, 2, 5}
    bloc = np.array([0, 1, 1, 0, 0, 1])
    m = np.where(bloc[:, None] == bloc[None, :], 0.9, -0.6)
    np.fill_diagonal(m, 1.0)
    order = alliance_order(m)
    assert sorted(order) == list(range(6))
    sides = [bloc[i] for i in order]
    assert sides in ([0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0])
    # relabelling the actors relabels the order, nothing else
    perm = np.array([5, 3, 1, 0, 2, 4])
    again = alliance_order(m[np.ix_(perm, perm)])
    assert [bloc[perm[i]] for i in again] in ([0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0])


def test_blocs_join_chains_of_aligned_pairs_and_name_the_most_opposed():
    from detente.report.summary import blocs

    labels = ["a", "b", "c", "d", "e"]
    m = np.full((5, 5), 0.0)
    np.fill_diagonal(m, 1.0)
    for i, j, v in [(0, 1, 0.6), (1, 2, 0.7), (3, 4, 0.2), (0, 4, -0.9), (2, 3, -0.3)]:
        m[i, j] = m[j, i] = v
    groups, opposed = blocs(labels, m, threshold=0.5)
    assert groups == [["a", "b", "c"]]  # a-b and b-c chain; d-e (0.2) is below 0.5
    assert opposed == [("a", "e", -0.9), ("c", "d", -0.3)]


def test_summary_is_the_headline_forecast(demo_report):
    """The report opens with the headline of ``detente forecast``: the same median, 80%
    interval and chance that the status quo holds, with the interval drawn on the scale."""
    from detente.headline import headline_frame
    from detente.report.data import REPORT_DRAWS

    demo, data, text = demo_report
    frame = headline_frame(demo, draws=REPORT_DRAWS, seed=data.seed).set_index("issue")
    for row in data.summary.rows:
        want = frame.loc[row.issue]
        assert row.forecast == pytest.approx(want["forecast"])
        assert (row.low, row.high) == pytest.approx((want["q10"], want["q90"]))
        if np.isfinite(want["p_status_quo"]):
            assert row.p_status_quo == pytest.approx(want["p_status_quo"])
    cells = _parse(text).cells["summary"]
    assert "80% interval" in cells and any(c.startswith("on the scale") for c in cells)
    assert "chance the status quo holds" in cells
    assert text.count('class="interval"') >= len(data.summary.rows)


def test_summary_falls_back_to_the_models_range_where_there_is_no_headline(monkeypatch):
    """Where the headline cannot run, the summary says so and shows the models' median and
    range instead."""
    import detente.headline as H
    from detente.errors import DetenteError
    from detente.report.data import collect

    def refuse(*args, **kwargs):
        raise DetenteError("no member of the ensemble runs here")

    monkeypatch.setattr(H, "headline_frame", refuse)
    s = detente.load("syria-astana-2017")
    data = collect(s, ["compromise", "nash"])
    df = detente.model_forecasts(s, ["compromise", "nash"])
    stats = df.groupby("issue")["forecast"].agg(["median", "min", "max"])
    for row in data.summary.rows:
        assert row.forecast == pytest.approx(stats.loc[row.issue, "median"])
        assert (row.low, row.high) == pytest.approx(
            (stats.loc[row.issue, "min"], stats.loc[row.issue, "max"])
        )
    assert "no headline: no member of the ensemble runs here" in data.summary.source


def test_summary_table_takes_a_chance_that_the_status_quo_holds(demo_report):
    import copy

    _, data, _ = demo_report
    d = copy.copy(data)
    d.summary = copy.deepcopy(data.summary)
    d.summary.interval_label = "80% interval"
    for k, row in enumerate(d.summary.rows):
        row.p_status_quo = 0.1 * (k + 1)
    cells = _parse(render_html(d)).cells["summary"]
    head = cells[: cells.index("status quo") + 1]
    assert head == [
        "issue",
        "where it is likely to settle",
        "forecast",
        "80% interval",
        "chance the status quo holds",
        "status quo",
    ]
    assert [f"{10 * (k + 1)}%" for k in range(len(d.summary.rows))] == [
        c for c in cells if c.endswith("%")
    ]


def test_a_scenario_without_sources_or_allies_still_renders(tmp_path):
    from detente.scenario import build_scenario

    s = build_scenario(
        {
            "actors": [{"id": "solo", "capability": 1}],
            "issues": [{"id": "x"}],
            "stances": [{"actor": "solo", "issue": "x", "position": 30, "salience": 50}],
        }
    )
    data = collect(s, ["compromise"])
    assert data.alliances is None and data.summary.blocs == []
    p = _parse(render_html(data))
    assert p.sections == ["summary", "forecasts", "scenario", "positions", "notes"]
    # one actor: the forecast is its position, up to the Monte Carlo error of the headline
    row = data.summary.rows[0]
    assert row.low <= 30.0 <= row.high and abs(row.forecast - 30.0) < 1.0
    assert render_report(data, "pdf").startswith(b"%PDF-")


def test_forecasts_section_gives_the_forecast_if_they_agree(demo_report):
    """Issues that may end with nothing get the headline's forecast should they agree, in
    its own table after the one-page summary."""
    from detente.headline import headline_frame
    from detente.report.data import REPORT_DRAWS
    from detente.report.summary import fmt

    demo, data, text = demo_report
    frame = headline_frame(demo, draws=REPORT_DRAWS, seed=data.seed).set_index("issue")
    cells = _parse(text).cells["forecasts"]
    may = [r for r in data.summary.rows if not frame.loc[r.issue, "must_decide"]]
    assert may and "if they agree" in cells
    for row in may:
        want = frame.loc[row.issue]
        shown = (
            f"{fmt(want['forecast_if_agreement'], 0)} ({fmt(want['q10_if_agreement'], 0)} to "
            f"{fmt(want['q90_if_agreement'], 0)})"
        )
        assert any(c.startswith(shown) for c in cells), shown
