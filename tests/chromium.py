"""Headless Chromium for the tests, driven through the DevTools protocol over a pipe.

``--remote-debugging-pipe``: JSON messages separated by NUL bytes on file descriptors 3 and
4, so no WebDriver and no websocket library is needed. :class:`LiveServer` serves the web
app with uvicorn on 127.0.0.1 on a free port, in a thread. Screenshots and other artifacts
go to ``test-artifacts/`` at the repository root (ignored by git).
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

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    """The Chromium binary, or None when none is installed."""
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

    def resize(self, width: int, height: int | None = None) -> None:
        """Lay the page out at ``width`` CSS pixels (and ``height``, default unchanged)."""
        self.width, self.height = width, height or self.height
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )

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


# Run in the page: one record per table and per overlapping or clipped chart text.
LAYOUT_SCRIPT = r"""
(() => {
  const out = { tables: [], overlaps: [], clipped: [], page: {} };
  const vw = document.documentElement.clientWidth;
  out.page = { width: vw, scrollWidth: document.documentElement.scrollWidth };
  for (const t of document.querySelectorAll("table")) {
    const box = t.closest(".scroll") || t.parentElement;
    const style = getComputedStyle(box);
    const scrolls = style.overflowX === "auto" || style.overflowX === "scroll";
    const r = box.getBoundingClientRect();
    out.tables.push({
      id: t.id || (t.closest("[id]") || {}).id || "",
      tableWidth: t.scrollWidth, boxWidth: box.clientWidth, scrolls,
      boxRight: r.right, boxLeft: r.left, viewport: vw,
    });
  }
  const rect = (e) => e.getBoundingClientRect();
  for (const s of document.querySelectorAll(SVGS)) {
    const texts = [...s.querySelectorAll("text")].filter((e) => e.textContent.trim());
    const sr = rect(s);
    const boxes = texts.map((e) => [e, rect(e)]);
    for (const [e, b] of boxes) {
      if (b.left < sr.left - 0.5 || b.right > sr.right + 0.5 || b.top < sr.top - 0.5 ||
          b.bottom > sr.bottom + 0.5) {
        out.clipped.push({ chart: s.id || s.getAttribute("aria-label"), text: e.textContent });
      }
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i][1], b = boxes[j][1];
        // a box spans the font's whole ascent and descent: shrink it by a fifth of its height
        const da = 0.2 * a.height, db = 0.2 * b.height;
        if (a.left + 0.5 < b.right - 0.5 && b.left + 0.5 < a.right - 0.5 &&
            a.top + da < b.bottom - db && b.top + db < a.bottom - da) {
          out.overlaps.push({ chart: s.id || s.getAttribute("aria-label"),
                              a: boxes[i][0].textContent, b: boxes[j][0].textContent });
        }
      }
    }
  }
  return JSON.stringify(out);
})()
"""


def measure_layout(browser: Browser, svgs: str = ".chart svg") -> dict:
    """Tables against their boxes, and overlapping or clipped text in the SVGs matching the
    CSS selector ``svgs``, measured in the page (see LAYOUT_SCRIPT)."""
    script = LAYOUT_SCRIPT.replace("SVGS", json.dumps(svgs))
    return json.loads(browser.eval(script))
