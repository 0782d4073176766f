"""The report as laid out: the PDF's pages by poppler (A4, no text overlapping or leaving
the page, the summary on the first page) and the HTML in headless Chromium at 1280 and
1920 px (every table fits or scrolls inside its box, no figure text overlaps).

The PDF, PNGs of its pages and screenshots of the HTML are written to
``test-artifacts/report/`` (paths printed). The tests skip without poppler or Chromium.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd
import pdf_layout as L
import pytest
from chromium import ARTIFACTS, Browser, find_chromium, measure_layout

A4 = (595.28, 841.89)  # points
OUT = ARTIFACTS / "report"


@pytest.fixture(scope="module")
def syria_report():
    """The default embedded scenario's report with every model that applies: HTML and PDF
    written from the same data."""
    import detente
    from detente.report import collect, render_report
    from detente.scenario import DEFAULT_SCENARIO

    if DEFAULT_SCENARIO not in detente.embedded_names():
        pytest.skip("the default embedded scenario is not there")
    data = collect(DEFAULT_SCENARIO)
    OUT.mkdir(parents=True, exist_ok=True)
    html, pdf = OUT / "report.html", OUT / "report.pdf"
    html.write_bytes(render_report(data, "html"))
    pdf.write_bytes(render_report(data, "pdf"))
    return data, html, pdf


def _check_pages(pdf: Path) -> list[L.Page]:
    pages = L.pages(pdf)
    assert pages
    for p in pages:
        assert (round(p.width, 2), round(p.height, 2)) == A4, p.number
        assert L.outside(p) == [], (p.number, L.outside(p)[:5])
        bad = [(a.text, b.text) for a, b in L.overlaps(p)]
        assert bad == [], (p.number, bad[:10])
    return pages


def test_pdf_pages_are_a4_with_no_overlapping_text(syria_report):
    if not L.available():
        pytest.skip("poppler-utils (pdftotext, pdftoppm) is not installed")
    data, _, pdf = syria_report
    pages = _check_pages(pdf)
    pngs = L.to_png(pdf, OUT / "pages")
    print(f"\nPDF: {pdf}\npages as PNG: {OUT / 'pages'} ({len(pngs)} pages)")
    assert len(pngs) == len(pages)
    # The summary fits the first page: its three parts and every issue are there.
    first = " ".join(w.text for w in pages[0].words)
    for heading in ("Summary", "Key alliances", "What is uncertain"):
        assert heading in first
    for iss in data.scenario.issues:
        assert " ".join(iss.label.split()[:2]) in first, iss.label
    # The PDF is the HTML printed: every model's forecast in the table is in both.
    text = " ".join(w.text for p in pages for w in p.words)
    html = syria_report[1].read_text(encoding="utf-8")
    for m in data.models:
        for v in data.results[m].forecast:
            cell = f"{float(v):.1f}".replace("-", "−")
            assert cell in text and f">{cell}<" in html


def test_pdf_with_sweep_and_validation_sections_has_no_overlapping_text(demo, tmp_path):
    if not L.available():
        pytest.skip("poppler-utils (pdftotext, pdftoppm) is not installed")
    from detente.report import collect, render_report

    rng = __import__("numpy").random.default_rng(3)
    folder = tmp_path / "sweep"
    folder.mkdir()
    rows = [
        {"run": r, "model": m, "issue": i.id, "forecast": float(rng.uniform(0, 10))}
        for r in range(30)
        for m in ("compromise", "nash")
        for i in demo.issues
    ]
    pd.DataFrame(rows).to_csv(folder / "draws.csv", index=False)
    pd.DataFrame(
        {
            "input": ["capability north", "position of south on the border issue"],
            "low": [4.0, 5.0],
            "high": [6.0, 5.5],
            "baseline": [5.2, 5.2],
        }
    ).to_csv(folder / "sensitivity.csv", index=False)
    preds = tmp_path / "predictions.csv"
    pd.DataFrame(
        {
            "group": ["a", "b", "a", "b"],
            "model": ["compromise", "compromise", "nash", "nash"],
            "forecast": [10.0, 20.0, 12.0, 25.0],
            "outcome": [15.0, 20.0, 15.0, 20.0],
        }
    ).to_csv(preds, index=False)
    data = collect(demo, ["compromise", "nash"], sweep=folder, validation=[preds])
    pdf = OUT / "demo-report.pdf"
    OUT.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(render_report(data, "pdf"))
    pages = _check_pages(pdf)
    text = " ".join(w.text for p in pages for w in p.words)
    assert "Monte Carlo sweep" in text and "Validation" in text


@pytest.mark.parametrize("width", [1280, 1920])
def test_html_report_tables_fit_and_figure_text_never_overlaps(syria_report, tmp_path, width):
    binary = find_chromium()
    if binary is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    _, html, _ = syria_report
    b = Browser(binary, tmp_path / "profile", width, 1000)
    try:
        b.open(html.resolve().as_uri())
        b.wait_for("document.readyState === 'complete'")
        time.sleep(0.3)
        m = measure_layout(b, "figure svg")
        shot = OUT / f"report-{width}.png"
        b.screenshot(shot)
        print(f"\nscreenshot: {shot}")
    finally:
        b.close()
    assert m["page"]["scrollWidth"] <= m["page"]["width"]
    for t in m["tables"]:
        assert t["boxLeft"] >= 0 and t["boxRight"] <= t["viewport"] + 0.5, t
        assert t["scrolls"] or t["tableWidth"] <= t["boxWidth"], t
    fit = {t["id"]: t["tableWidth"] <= t["boxWidth"] for t in m["tables"] if t["id"]}
    grids = [ok for name, ok in fit.items() if name.startswith("forecasts-grid")]
    assert fit["headline"] and grids and all(grids), m["tables"]
    assert m["overlaps"] == [], m["overlaps"][:10]
    assert m["clipped"] == [], m["clipped"][:10]
    assert re.search(r"<h2>Summary</h2>", html.read_text(encoding="utf-8"))
