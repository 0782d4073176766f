"""The page as laid out by a real headless Chromium at 1280 and 1920 px wide.

Measured from the layout, not by eye: a script run in the page compares every table with
its box and every chart's text with every other text of the chart. Full-page screenshots
are written to ``test-artifacts/`` (paths printed; see docs/web.md). Skips without Chromium.
"""

from __future__ import annotations

import json
import time

import pytest
from chromium import ARTIFACTS, Browser, LiveServer, find_chromium, measure_layout


@pytest.fixture
def browser(tmp_path):
    binary = find_chromium()
    if binary is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    b = Browser(binary, tmp_path / "profile", 1280, 1000)
    try:
        yield b
    finally:
        b.close()


def _ready(browser: Browser) -> None:
    browser.wait_for("!!document.getElementById('alliance-chart')", timeout=60)
    browser.wait_for("!!document.getElementById('history-chart')", timeout=60)


@pytest.mark.parametrize("width", [1280, 1920])
def test_tables_fit_or_scroll_in_their_box_and_chart_text_never_overlaps(browser, tmp_path, width):
    with LiveServer(tmp_path / "work") as live:
        browser.open(live.url)
        _ready(browser)
        browser.resize(width, 1000)
        time.sleep(0.3)  # the resize lays the page out again
        # charts measure text as they draw: draw them again at this width
        browser.eval("(() => { renderForecasts(); return 1; })()")
        m = measure_layout(browser)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"web-{width}.png"
        browser.screenshot(shot)
        print(f"\nscreenshot: {shot}")

    assert m["page"]["scrollWidth"] <= m["page"]["width"], "the page scrolls sideways"
    assert m["tables"], "no table on the page"
    for t in m["tables"]:
        # the box stays on the page; a table wider than its box only where the box scrolls
        assert t["boxLeft"] >= 0 and t["boxRight"] <= t["viewport"] + 0.5, t
        assert t["scrolls"] or t["tableWidth"] <= t["boxWidth"], t
    # the headline table fits without scrolling at these widths
    fit = {t["id"]: t["tableWidth"] <= t["boxWidth"] for t in m["tables"]}
    # the headline fits; the per-model grid (13 models by default) may scroll inside its box
    assert fit["headline-table"], m["tables"]
    assert m["overlaps"] == [], m["overlaps"][:10]
    assert m["clipped"] == [], m["clipped"][:10]


def test_every_label_is_whole_and_every_colour_scale_has_a_key(browser, tmp_path):
    import detente
    from detente.scenario import DEFAULT_SCENARIO

    s = detente.load(DEFAULT_SCENARIO)
    with LiveServer(tmp_path / "work") as live:
        browser.open(live.url)
        _ready(browser)
        # each issue's chart names every actor with a stance on it, in full
        named = browser.eval(
            "JSON.stringify([...document.querySelectorAll('svg.forecast-chart')].map((g) => "
            "[g.dataset.issue, [...g.querySelectorAll('text.actor-label')]"
            ".map((t) => t.textContent).sort()]))"
        )
        line_labels = browser.eval(
            "[...document.querySelectorAll('#history-chart text.line-label')]"
            ".map((t) => t.textContent).sort()"
        )
        history_actors = browser.eval(
            "[...document.querySelectorAll('#history-chart polyline.actor-path')].length"
        )
        key = browser.eval(
            "[...document.querySelectorAll('#alliance-chart text.key-label')]"
            ".map((t) => t.textContent)"
        )
        has_bar = browser.eval("!!document.querySelector('#alliance-chart .alignment-key')")
        caption = browser.eval("document.querySelector('#alliance p.caption').textContent")
    labels = {a.id: a.name or a.id for a in s.actors}
    for issue, names in json.loads(named):
        want = sorted(labels[st.actor] for st in s.stances if st.issue == issue)
        assert names == want, issue
    assert len(line_labels) == history_actors
    assert all("…" not in t for t in line_labels)
    assert set(line_labels) <= {a.label for a in s.actors}
    assert has_bar and key == ["1 same positions", "0 half a scale apart", "−1 opposite ends"]
    from detente.report.data import ALIGNMENT_EXPLAINED

    assert caption.startswith(ALIGNMENT_EXPLAINED)


def test_an_error_appears_by_the_control_that_caused_it(browser, tmp_path):
    with LiveServer(tmp_path / "work") as live:
        browser.open(live.url)
        _ready(browser)
        browser.eval(
            "(() => { document.getElementById('whatif-text').value = "
            "'nobody.capability = 5'; document.getElementById('whatif-run').click(); "
            "return 1; })()"
        )
        browser.wait_for("!document.getElementById('whatif-error').hidden")
        where = json.loads(
            browser.eval(
                "(() => { const e = document.getElementById('whatif-error')"
                ".getBoundingClientRect(); const b = document.getElementById('whatif-run')"
                ".getBoundingClientRect(); return JSON.stringify({ e: [e.top, e.bottom], "
                "b: [b.top, b.bottom], vh: window.innerHeight }); })()"
            )
        )
        text = browser.eval("document.getElementById('whatif-error').textContent")
        others = browser.eval(
            "[...document.querySelectorAll('.error')].filter((e) => !e.hidden).length"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        browser.screenshot(ARTIFACTS / "web-whatif-error.png", full_page=False)
    assert "nobody" in text
    assert others == 1  # only the what-if's own error box
    # right under the button, and scrolled into view
    assert 0 <= where["e"][0] - where["b"][1] <= 40
    assert 0 <= where["e"][0] and where["e"][1] <= where["vh"] + 1  # sub-pixel layout
