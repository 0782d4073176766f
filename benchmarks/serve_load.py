"""Benchmark: the web server under load and under hostile requests (loopback only).

Starts ``detente serve``'s server in a child process on 127.0.0.1 (a free port, models run
on a pool of one process per core), then

1. load: 1, 5 and 20 clients, each on its own keep-alive connection, post the page's own
   forecast request (``syria-astana-2017`` with the histories and the alliance matrix) for
   ``--seconds`` each (at most ``--max-requests`` per level); prints throughput, p50 and p95
   latency and errors per level, and the ratio of the 20-client to the 1-client throughput;
2. hostile requests: an alias bomb uploaded as YAML, a 10,000-actor forecast body and a
   3,000-level document (as a JSON body and as an uploaded YAML file); prints each one's
   status, time and answer;
3. the server's memory (its own and its workers' resident set) before and after.

Targets (issue 16, on the 2-core machine): 20 clients >= 1.5x one client's throughput, p95
under 2 s, no errors; each hostile request refused in under 1 s; memory back within 50 MB.
The server is stopped at the end whatever happens. Nothing leaves the machine.

Usage::

    python benchmarks/serve_load.py [--seconds 12] [--clients 1 5 20] [--workers N]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HOST = "127.0.0.1"
TARGET_RATIO = 1.5
TARGET_P95 = 2.0
TARGET_REFUSAL_SECONDS = 1.0
TARGET_MEMORY_MB = 50.0

SERVER = """
import sys
from detente.web import create_app, make_server
workers = None if sys.argv[2] == "auto" else int(sys.argv[2])
make_server(create_app(workers=workers), "127.0.0.1", int(sys.argv[1]), log_level="error").run()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory (MB) of ``pid`` and its child processes."""
    total = 0.0
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(p) for p in (task / "children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def cpu_seconds(pid: int, children: bool = True) -> float:
    """User and system CPU seconds of ``pid`` (and its child processes) so far."""
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            if children:
                pids += [int(p) for p in (task / "children").read_text().split()]
    except OSError:
        pass
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def own_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def request(conn, method, path, body=b"", headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r.status, r.read()


def page_request(seed: int = 0) -> bytes:
    from detente.scenario import load
    from detente.scenario.io import scenario_to_dict

    body = {
        "scenario": scenario_to_dict(load()),
        "seed": seed,
        "history": True,
        "alliances": True,
        "headline": True,  # as the page asks (app.js)
    }
    return json.dumps(body).encode()


def load_level(
    port: int, clients: int, seconds: float, max_requests: int, body: bytes, fresh: bool = False
) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    count = [0]

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        headers = {"Content-Type": "application/json"}
        while time.perf_counter() < stop_at:
            with lock:
                if count[0] >= max_requests:
                    break
                count[0] += 1
                n = count[0]
            # --fresh: a new seed per request, so no answer comes from the server's cache
            payload = body.replace(b'"seed": 0', f'"seed": {n}'.encode(), 1) if fresh else body
            t0 = time.perf_counter()
            try:
                status, _ = request(conn, "POST", "/api/forecast", payload, headers)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(type(exc).__name__)
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                continue
            dt = time.perf_counter() - t0
            with lock:
                if status == 200:
                    latencies.append(dt)
                else:
                    errors.append(str(status))
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=20) if len(latencies) >= 2 else [float("nan")] * 19
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "throughput": len(latencies) / wall,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": q[18],
    }


def multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "detenteboundary0123456789"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def hostile(port: int) -> list[dict]:
    levels = "abcdefghi"
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in itertools.pairwise(levels):
        bomb.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    bomb_text = ("\n".join(bomb) + "\n").encode()
    actors = {
        "scenario": {
            "actors": [{"id": f"a{i}", "capability": 1} for i in range(10_000)],
            "issues": [{"id": "x"}],
            "stances": [
                {"actor": f"a{i}", "issue": "x", "position": i % 100, "salience": 50}
                for i in range(10_000)
            ],
        }
    }
    deep_json = b'{"scenario": {"meta": ' + b"[" * 3000 + b"]" * 3000 + b"}}"
    deep_yaml = b"k: " + b"{k: " * 3000 + b"v" + b"}" * 3000 + b"\n"
    probes = []
    for label, path, body, ctype in (
        (f"alias bomb ({len(bomb_text)} bytes) uploaded", "/api/upload")
        + multipart("bomb.yaml", bomb_text),
        (
            "10,000-actor forecast body",
            "/api/forecast",
            json.dumps(actors).encode(),
            "application/json",
        ),
        ("3,000-level JSON body", "/api/forecast", deep_json, "application/json"),
        ("3,000-level YAML uploaded", "/api/upload") + multipart("deep.yaml", deep_yaml),
    ):
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        t0 = time.perf_counter()
        status, raw = request(conn, "POST", path, body, {"Content-Type": ctype})
        dt = time.perf_counter() - t0
        # the same connection still works after the refusal (no reset)
        ok_after, _ = request(conn, "GET", "/api/models")
        conn.close()
        try:
            detail = json.loads(raw)["detail"]
        except (ValueError, KeyError):
            detail = raw[:80].decode("utf-8", "replace")
        probes.append(
            {
                "probe": label,
                "bytes": len(body),
                "status": status,
                "seconds": dt,
                "detail": detail,
                "next": ok_after,
            }
        )
    return probes


def wait_ready(port: int, proc: subprocess.Popen, body: bytes, timeout: float = 120.0) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit("the server exited early")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            status, _ = request(conn, "GET", "/api/models")
            if status == 200:
                # warm up: a few page requests, as many as there are workers and more
                for _ in range(4):
                    request(
                        conn, "POST", "/api/forecast", body, {"Content-Type": "application/json"}
                    )
                conn.close()
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=12.0, help="Seconds per load level.")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 5, 20])
    ap.add_argument("--max-requests", type=int, default=3000, help="Per load level.")
    ap.add_argument("--workers", default="auto", help="Server worker processes (default: cores).")
    ap.add_argument(
        "--fresh",
        action="store_true",
        help="A new seed per request: every headline computed, none from the cache.",
    )
    args = ap.parse_args()

    port = free_port()
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port), args.workers], env=env, start_new_session=True
    )
    try:
        body = page_request()
        wait_ready(port, proc, body)
        time.sleep(1.0)
        mem0, own0 = rss_mb(proc.pid), own_rss_mb(proc.pid)
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; server workers: {args.workers}"
        )
        print(
            f"request: the page's forecast of syria-astana-2017 ({len(body)} bytes)"
            + ("; a new seed per request (no cached headline)" if args.fresh else "")
        )
        print(f"memory before: server {own0:.0f} MB, with workers {mem0:.0f} MB")
        print()
        print(
            f"{'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 s':>7} "
            f"{'p95 s':>7} {'CPU s/req':>9} {'main':>6} {'load avg':>8}"
        )
        rows = []
        for n in args.clients:
            cpu0, main0 = cpu_seconds(proc.pid), cpu_seconds(proc.pid, children=False)
            row = load_level(port, n, args.seconds, args.max_requests, body, args.fresh)
            done = max(1, row["requests"])
            cpu = (cpu_seconds(proc.pid) - cpu0) / done
            main_cpu = (cpu_seconds(proc.pid, children=False) - main0) / done
            rows.append(row)
            print(
                f"{n:>7} {row['requests']:>8} {row['errors']:>6} {row['throughput']:>7.2f} "
                f"{row['p50']:>7.3f} {row['p95']:>7.3f} {cpu:>9.3f} {main_cpu:>6.3f} "
                f"{os.getloadavg()[0]:>8.2f}"
                + (f"  ({', '.join(row['error_kinds'])})" if row["errors"] else "")
            )
        print(
            "(CPU s/req: the server's CPU time per answered request, workers included; main: "
            "the server process alone; load avg: the machine's, all processes)"
        )
        print()
        probes = hostile(port)
        for p in probes:
            print(
                f"{p['probe']}: HTTP {p['status']} in {p['seconds'] * 1000:.0f} ms "
                f"(next request on the connection: {p['next']}): {p['detail']}"
            )
        time.sleep(1.0)
        mem1, own1 = rss_mb(proc.pid), own_rss_mb(proc.pid)
        print()
        print(
            f"memory after: server {own1:.0f} MB ({own1 - own0:+.0f} MB), with workers "
            f"{mem1:.0f} MB ({mem1 - mem0:+.0f} MB); target within {TARGET_MEMORY_MB:.0f} MB"
        )
        one = next((r for r in rows if r["clients"] == 1), None)
        many = max(rows, key=lambda r: r["clients"])
        if one and many is not one:
            ratio = many["throughput"] / one["throughput"]
            print(
                f"{many['clients']} clients / 1 client throughput: {ratio:.2f}x "
                f"(target >= {TARGET_RATIO}x: {'met' if ratio >= TARGET_RATIO else 'NOT met'}); "
                f"p95 {many['p95']:.2f} s (target < {TARGET_P95} s: "
                f"{'met' if many['p95'] < TARGET_P95 else 'NOT met'}); errors "
                f"{sum(r['errors'] for r in rows)} (target 0)"
            )
        worst = max(p["seconds"] for p in probes)
        refused = all(400 <= p["status"] < 500 for p in probes)
        print(
            f"hostile requests: all refused with 4xx: {refused}; slowest {worst * 1000:.0f} ms "
            f"(target < {TARGET_REFUSAL_SECONDS * 1000:.0f} ms: "
            f"{'met' if worst < TARGET_REFUSAL_SECONDS else 'NOT met'})"
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


if __name__ == "__main__":
    main()
