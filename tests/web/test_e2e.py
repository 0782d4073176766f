"""End to end: the page in a real headless Chromium re-forecasts when a value changes.

Chromium is driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``:
JSON messages separated by NUL bytes on file descriptors 3 and 4), so the test needs no
WebDriver and no websocket library. It skips when Chromium is not installed; ``.ci/run``
installs Debian's ``chromium`` package. A screenshot is saved to ``test-artifacts/``.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Self

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")


def _chromium() -> str | None:
    for c in CANDIDATES:
        path = c if os.path.isabs(c) and os.access(c, os.X_OK) else shutil.which(c)
        if path:
            return path
    return None


class Browser:
    """A headless Chromium driven over the DevTools protocol through a pair of pipes."""

    def __init__(self, binary: str, profile: Path, width: int = 1280, height: int = 1000):
        to_r, self._to_w = os.pipe()  # we write commands, Chromium reads fd 3
        self._from_r, from_w = os.pipe()  # Chromium writes fd 4, we read
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--mute-audio",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            f"--window-size={width},{height}",
            "about:blank",
        ]
        # Put our pipe ends on the descriptors Chromium expects (3 and 4): first move them
        # above 9 so that neither dup2 can overwrite the other.
        hi_r = fcntl.fcntl(to_r, fcntl.F_DUPFD_CLOEXEC, 10)
        hi_w = fcntl.fcntl(from_w, fcntl.F_DUPFD_CLOEXEC, 10)
        for fd in (to_r, from_w):
            os.close(fd)
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_DUP2, hi_r, 3),
            (os.POSIX_SPAWN_DUP2, hi_w, 4),
        ]
        try:
            self.pid = os.posix_spawn(
                binary, [binary, *flags], dict(os.environ), file_actions=actions
            )
        finally:
            os.close(hi_r)
            os.close(hi_w)
        self._buf = b""
        self._id = 0
        self.session: str | None = None
        self.width, self.height = width, height

    # -- protocol ------------------------------------------------------------------------
    def send(
        self,
        method: str,
        params: dict | None = None,
        *,
        session: bool = True,
        timeout: float = 30.0,
    ) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._next(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _next(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self._from_r], [], [], left)
            if ready:
                chunk = os.read(self._from_r, 1 << 16)
                if not chunk:
                    raise RuntimeError("Chromium closed the pipe")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    # -- conveniences --------------------------------------------------------------------
    def open(self, url: str) -> None:
        targets = self.send("Target.getTargets", session=False)["targetInfos"]
        page = next((t for t in targets if t["type"] == "page"), None)
        target = (
            page["targetId"]
            if page
            else self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        )
        self.session = self.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}, session=False
        )["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.send("Page.navigate", {"url": url})

    def eval(self, expression: str):
        res = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in res:
            raise RuntimeError(f"page error: {res['exceptionDetails']}")
        return res["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"timed out waiting for {expression}")

    def screenshot(self, path: Path, full_page: bool = True) -> None:
        params: dict = {"format": "png"}
        if full_page:
            h = int(self.eval("document.documentElement.scrollHeight"))
            params["clip"] = {"x": 0, "y": 0, "width": self.width, "height": h, "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", params)["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        # Closing politely is best effort: the process is killed below if it lingers.
        with contextlib.suppress(OSError, RuntimeError, TimeoutError):
            self.send("Browser.close", session=False, timeout=5)
        deadline = time.monotonic() + 10
        while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                break
            time.sleep(0.05)
        os.close(self._to_w)
        os.close(self._from_r)


class LiveServer:
    """The app served by uvicorn on 127.0.0.1 on a free port, in a thread."""

    def __init__(self, workdir: Path):
        from detente.web import create_app, make_server

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = make_server(create_app(workdir), "127.0.0.1", self.port, log_level="warning")
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@pytest.fixture
def browser(tmp_path):
    binary = _chromium()
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
            "!!document.getElementById('whatif-table') || !document.getElementById('error').hidden"
        )
        error = browser.eval(
            "document.getElementById('error').hidden ? null : "
            "document.getElementById('error').textContent"
        )
        assert error is None
        shown_whatif = browser.eval(
            f"document.querySelector('#whatif-table td[data-model=compromise]"
            f"[data-issue={json.dumps(stance.issue)}] span').textContent"
        )
        browser.eval("document.getElementById('whatif-apply').click()")
        browser.wait_for(f"!document.getElementById('n-capability-{dropped}')")
        applied = browser.wait_for(
            f"(() => {{ const t = document.querySelector('{cell}').textContent; "
            f"return t !== {json.dumps(after)} ? t : null; }})()",
            timeout=30,
        )

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
    assert corner == f"{al.labels[0]} – {al.labels[1]}: {al.matrix[0, 1]:.2f}"
