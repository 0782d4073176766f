"""The server under hostile requests and load, on a real socket with a worker pool: refusals
in milliseconds, a deadline per request that frees the worker, no connection reset after an
error, a read timeout for slow clients, and memory back where it started."""

from __future__ import annotations

import dataclasses
import http.client
import json
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from detente.limits import Limits
from detente.scenario import load
from detente.scenario.io import scenario_to_dict

LIMITS = Limits(header_seconds=1.0, keep_alive_seconds=5.0)


class Served:
    """The app served by uvicorn on 127.0.0.1 in a thread, models on one worker process."""

    def __init__(self, workdir: Path) -> None:
        from detente.web import create_app, make_server

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.app = create_app(workdir, workers=1, limits=LIMITS)
        self.server = make_server(self.app, "127.0.0.1", self.port, "warning", limits=LIMITS)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()
        t0 = time.time()
        while not self.server.started:
            if time.time() - t0 > 60:
                raise RuntimeError("the server did not start")
            time.sleep(0.05)

    @property
    def state(self):
        return self.app.state.web

    def conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    s = Served(tmp_path_factory.mktemp("served"))
    yield s
    s.stop()


def _post(conn, path, body, ctype="application/json"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    conn.request("POST", path, body=raw, headers={"Content-Type": ctype})
    r = conn.getresponse()
    return r.status, r.read()


def _detail(raw: bytes) -> str:
    body = json.loads(raw)
    assert set(body) == {"detail"} and "\n" not in body["detail"]
    return body["detail"]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


PAGE = {"scenario": scenario_to_dict(load()), "history": True, "alliances": True}


def test_forecasts_run_on_the_workers_and_equal_the_in_process_ones(served):
    from fastapi.testclient import TestClient

    from detente.web import create_app

    conn = served.conn()
    status, raw = _post(conn, "/api/forecast", PAGE)
    assert status == 200
    assert served.state.jobs.pids()  # a worker process answered
    with TestClient(create_app(workers=0)) as c:
        local = c.post("/api/forecast", json=PAGE).json()
    assert json.loads(raw) == local


def test_hostile_requests_are_refused_fast_and_memory_comes_back(served):
    conn = served.conn()
    assert _post(conn, "/api/forecast", PAGE)[0] == 200
    before = _rss_mb()
    bomb = "\n".join(
        ['a: &a ["x","x","x","x","x","x","x","x","x"]']
        + [f"{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    )
    boundary = "b0undary"
    upload = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="b.yaml"\r\n\r\n'
        f"{bomb}\r\n--{boundary}--\r\n"
    ).encode()
    big = {
        "scenario": {
            "actors": [{"id": f"a{i}", "capability": 1} for i in range(10_000)],
            "issues": [{"id": "x"}],
            "stances": [
                {"actor": f"a{i}", "issue": "x", "position": 50, "salience": 50}
                for i in range(10_000)
            ],
        }
    }
    deep = b'{"scenario": {"meta": ' + b"[" * 3000 + b"]" * 3000 + b"}}"
    probes = [
        ("/api/upload", upload, f"multipart/form-data; boundary={boundary}", 422, "aliases"),
        ("/api/forecast", big, "application/json", 413, "too many actors: 10000"),
        ("/api/forecast", deep, "application/json", 422, "nests 3002 levels"),
        ("/api/whatif", {**big, "patch": "a0.capability = 2"}, "application/json", 413, "actors"),
    ]
    for path, body, ctype, status, words in probes:
        t0 = time.perf_counter()
        got, raw = _post(conn, path, body, ctype)
        dt = time.perf_counter() - t0
        assert got == status and words in _detail(raw), (got, raw[:200])
        assert dt < 1.0, (path, dt)
        # the same keep-alive connection still serves the next request
        conn.request("GET", "/api/models")
        r = conn.getresponse()
        assert r.status == 200
        r.read()
    assert _rss_mb() - before < 50.0
    assert not list(served.state.uploads_dir.iterdir())  # the refused upload is gone


def test_a_request_over_its_deadline_is_503_and_frees_the_worker(served):
    st = served.state
    conn = served.conn()
    assert _post(conn, "/api/forecast", PAGE)[0] == 200  # warm
    pids = st.jobs.pids()
    old = st.jobs.limits
    st.jobs.limits = dataclasses.replace(old, request_seconds=0.02)
    try:
        t0 = time.perf_counter()
        status, raw = _post(conn, "/api/forecast", PAGE)
        assert status == 503 and "request_seconds" in _detail(raw)
        assert time.perf_counter() - t0 < 1.0
    finally:
        st.jobs.limits = old
    status, _ = _post(conn, "/api/forecast", PAGE)  # same connection, same worker
    assert status == 200
    assert st.jobs.pids() == pids  # the worker was freed by its timer, not replaced


def test_bad_seeds_and_values_are_422_never_500(served):
    conn = served.conn()
    for change in (
        {"seed": -1},
        {"seed": 2**70},
        {"seed": "abc"},
        {"models": ["nosuch"]},
        {"models": ["x"] * 100},
        {"scenario": {"actors": "many"}},
        {"scenario": {**PAGE["scenario"], "date": "2017-13-45"}},
    ):
        status, raw = _post(conn, "/api/forecast", {**PAGE, **change})
        assert status == 422, (change, raw[:200])
        _detail(raw)


def test_a_client_that_does_not_finish_its_request_is_dropped(served):
    s = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    s.sendall(b"POST /api/forecast HTTP/1.1\r\nHost: x\r\n")  # headers never end
    t0 = time.perf_counter()
    assert s.recv(1024) == b""  # closed by the server
    assert time.perf_counter() - t0 < LIMITS.header_seconds + 2.0
    s.close()
    idle = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    t0 = time.perf_counter()
    assert idle.recv(1024) == b""  # a connection that sends nothing is closed too
    assert time.perf_counter() - t0 < LIMITS.header_seconds + 2.0
    idle.close()


def test_uploads_expire_by_age_and_total_size(served, tmp_path):
    st = served.state
    conn = served.conn()
    from demo_scenario import DEMO_YAML

    boundary = "b0undary"

    def up() -> str:
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="d.yaml"\r\n\r\n{DEMO_YAML}\r\n--{boundary}--\r\n'
        ).encode()
        status, raw = _post(conn, "/api/upload", body, f"multipart/form-data; boundary={boundary}")
        assert status == 200, raw
        return json.loads(raw)["name"]

    first = up()
    assert len(list(st.uploads_dir.iterdir())) >= 1
    st.expire_uploads(now=time.time() + st.limits.upload_ttl_seconds + 1)
    assert first not in st.uploads and not list(st.uploads_dir.iterdir())
    old = st.limits
    st.limits = dataclasses.replace(old, upload_total_bytes=len(DEMO_YAML) * 2 + 10)
    try:
        names = [up() for _ in range(4)]
        assert list(st.uploads) == names[-2:]  # the oldest went first
        assert len(list(st.uploads_dir.iterdir())) == 2
    finally:
        st.limits = old


def test_an_unexpected_error_is_one_line_500_and_the_connection_survives(served):
    def boom() -> dict:
        raise RuntimeError("a bug")

    served.app.add_api_route("/api/test-boom", boom)
    conn = served.conn()
    conn.request("GET", "/api/test-boom")
    r = conn.getresponse()
    assert r.status == 500 and _detail(r.read()) == "internal error (RuntimeError)"
    conn.request("GET", "/api/models")  # the same keep-alive connection, not reset
    r = conn.getresponse()
    assert r.status == 200
    r.read()
