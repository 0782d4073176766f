"""End to end: the page in a real headless Chromium re-forecasts when a value changes.

Chromium is driven through the DevTools protocol (see tests/chromium.py). The tests skip
when Chromium is not installed; ``.ci/run`` installs Debian's ``chromium`` package.
Screenshots are saved to ``test-artifacts/``.
"""

from __future__ import annotations

import json

import pytest
from chromium import ARTIFACTS, Browser, LiveServer, find_chromium


@pytest.fixture
def browser(tmp_path):
    binary = find_chromium()
    if binary is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    b = Browser(binary, tmp_path / "profile")
    try:
        yield b
    finally:
        b.close()


def test_changing_a_position_on_the_page_changes_the_forecast(browser, tmp_path):
    import detente
    from detente.scenario import DEFAULT_SCENARIO, build_scenario
    from detente.scenario.io import scenario_to_dict

    if DEFAULT_SCENARIO not in detente.embedded_names():
        pytest.skip("the default embedded scenario is not there")
    s = detente.load(DEFAULT_SCENARIO)
    # An actor with weight on an issue: moving it must move the weighted mean.
    stance = next(st for st in s.stances if st.salience.value > 0)
    iss = s.issue(stance.issue)
    lo, hi = iss.scale.low, iss.scale.high
    new = hi if stance.position.value < (lo + hi) / 2 else lo
    cell = f"#fc-compromise-{stance.issue} .value"
    box = f"n-position-{stance.actor}-{stance.issue}"

    with LiveServer(tmp_path / "work") as live:
        browser.open(live.url)
        before = browser.wait_for(
            f"document.querySelector('{cell}') && document.querySelector('{cell}').textContent"
        )
        # Type the new value into the number box as a user would.
        browser.eval(
            f"(() => {{ const e = document.getElementById('{box}'); e.focus(); "
            "e.select(); return true; })()"
        )
        browser.send("Input.insertText", {"text": f"{new:g}"})
        after = browser.wait_for(
            f"(() => {{ const t = document.querySelector('{cell}').textContent; "
            f"return t !== {json.dumps(before)} ? t : null; }})()",
            timeout=30,
        )
        delta = browser.eval(
            f"document.querySelector('#fc-compromise-{stance.issue} .delta')"
            " && document.querySelector("
            f"'#fc-compromise-{stance.issue} .delta').textContent"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        browser.screenshot(ARTIFACTS / "web-e2e.png", full_page=False)

        # A what-if on top of the edit: drop another actor with weight on the issue, run
        # it, then use its inputs.
        dropped = next(
            st.actor
            for st in s.stances
            if st.issue == stance.issue and st.actor != stance.actor and st.salience.value > 0
        )
        browser.eval(
            f"document.getElementById('whatif-text').value = "
            f"{json.dumps(f'drop_actor: [{dropped}]')}"
        )
        browser.eval("document.getElementById('whatif-run').click()")
        browser.wait_for(
            "!!document.getElementById('whatif-table') || "
            "!document.getElementById('whatif-error').hidden"
        )
        error = browser.eval(
            "document.getElementById('whatif-error').hidden ? null : "
            "document.getElementById('whatif-error').textContent"
        )
        assert error is None
        shown_whatif = browser.eval(
            f"document.querySelector('#whatif-table td[data-model=compromise]"
            f"[data-issue={json.dumps(stance.issue)}] span').textContent"
        )
        # The headline if the what-if held: now and then side by side.
        row = f"#whatif-headline-table tr[data-issue={json.dumps(stance.issue)}]"
        headline_now, headline_whatif = browser.eval(
            f"[...document.querySelectorAll('{row} td')].slice(1, 3)"
            ".map((td) => td.firstChild.textContent)"
        )
        headline_before = browser.eval(
            f"document.querySelector('#headline-table tr[data-issue={json.dumps(stance.issue)}]"
            " td:nth-child(3)').textContent"
        )
        browser.eval("document.getElementById('whatif-result').scrollIntoView() || true")
        browser.screenshot(ARTIFACTS / "web-whatif.png", full_page=False)
        browser.eval("document.getElementById('whatif-apply').click()")
        browser.wait_for(f"!document.getElementById('n-capability-{dropped}')")
        applied = browser.wait_for(
            f"(() => {{ const t = document.querySelector('{cell}').textContent; "
            f"return t !== {json.dumps(after)} ? t : null; }})()",
            timeout=30,
        )
        # Using the what-if's inputs makes its headline the page's headline.
        headline_applied = browser.wait_for(
            f"(() => {{ const c = document.querySelector('#headline-table "
            f"tr[data-issue={json.dumps(stance.issue)}] td:nth-child(3)'); "
            "return c ? c.textContent : null; })()",
            timeout=30,
        )
    assert headline_now == headline_before  # "now" is the forecast the page showed
    assert headline_whatif == headline_applied

    # The page shows what the Python API forecasts for the edited scenario.
    data = scenario_to_dict(s)
    for st in data["stances"]:
        if st["actor"] == stance.actor and st["issue"] == stance.issue:
            if isinstance(st["position"], dict):
                st["position"]["value"] = new
                if st["position"].get("range"):
                    r = st["position"]["range"]
                    st["position"]["range"] = [min(r[0], new), max(r[1], new)]
            else:
                st["position"] = new
    edited = build_scenario(data)
    df = detente.model_forecasts(s, ["compromise"])
    df2 = detente.model_forecasts(edited, ["compromise"])
    want_before = df.set_index("issue").loc[stance.issue, "forecast"]
    want_after = df2.set_index("issue").loc[stance.issue, "forecast"]
    assert before == f"{want_before:.1f}"
    assert after == f"{want_after:.1f}"
    assert after != before
    from detente.analysis.whatif import apply_patch

    dropped_s = apply_patch(edited, {"drop_actor": [dropped]})
    want_whatif = (
        detente.model_forecasts(dropped_s, ["compromise"])
        .set_index("issue")
        .loc[stance.issue, "forecast"]
    )
    assert shown_whatif == applied == f"{want_whatif:.1f}"
    assert delta is not None and delta.strip("()")  # the change from the loaded scenario
    assert (ARTIFACTS / "web-e2e.png").stat().st_size > 10_000


def test_the_page_draws_round_by_round_and_alignment_charts(browser, tmp_path):
    import detente
    from detente.report.data import alliances_for
    from detente.scenario import DEFAULT_SCENARIO

    if DEFAULT_SCENARIO not in detente.embedded_names():
        pytest.skip("the default embedded scenario is not there")
    s = detente.load(DEFAULT_SCENARIO)
    mask = s.to_arrays().mask
    with_stance = sorted(a for i, a in enumerate(s.actor_ids) if mask[i, 0])
    paths = "[...document.querySelectorAll('#history-chart polyline.actor-path')]"
    with LiveServer(tmp_path / "work") as live:
        browser.open(live.url)
        browser.wait_for("!!document.getElementById('history-chart')")
        model = browser.eval("document.getElementById('history-model').value")
        shown = browser.eval(f"{paths}.map((p) => p.dataset.actor).sort()")
        points = browser.eval(f"{paths}[0].getAttribute('points').split(' ').length")
        # another dynamic model: the chart follows
        browser.eval(
            "(() => { const e = document.getElementById('history-model'); "
            "e.value = 'smp'; e.dispatchEvent(new Event('change')); return 1; })()"
        )
        points_smp = browser.wait_for(
            f"document.getElementById('history-model').value === 'smp' && "
            f"{paths}[0].getAttribute('points').split(' ').length"
        )
        cells = browser.eval(
            "document.querySelectorAll('#alliance-chart rect.alliance-cell').length"
        )
        corner = browser.eval(
            "document.querySelectorAll('#alliance-chart rect.alliance-cell')[1].textContent"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        browser.eval("document.getElementById('history').scrollIntoView()")
        browser.screenshot(ARTIFACTS / "web-charts.png", full_page=False)

    assert model == "eum"
    assert shown == with_stance
    assert points == detente.run_model(s, "eum").rounds.shape[0]
    assert points_smp == detente.run_model(s, "smp", seed=0).rounds.shape[0]
    al = alliances_for(s)
    assert cells == len(s.actors) ** 2
    # drawn in the report's order, close allies together: the first row's second cell
    i, j = al.order[0], al.order[1]
    assert corner == f"{al.labels[i]} – {al.labels[j]}: {al.matrix[i, j]:.2f}"
