"""detente.limits: one place for the sizes detente accepts, changed by environment variables,
by configure() for the process and by using() for a block (thread-local)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from detente import limits
from detente.errors import LimitError, ScenarioLimitError
from detente.scenario import build_scenario


def _scenario(n: int) -> dict:
    return {
        "actors": [{"id": f"a{i}", "capability": 1} for i in range(n)],
        "issues": [{"id": "x"}],
        "stances": [
            {"actor": f"a{i}", "issue": "x", "position": 50, "salience": 50} for i in range(n)
        ],
    }


def test_using_changes_the_limits_for_the_block_only():
    before = limits.current()
    with limits.using(max_actors=3) as lim:
        assert lim.max_actors == 3 and limits.current().max_actors == 3
        with pytest.raises(ScenarioLimitError, match=r"too many actors: 4 \(limit max_actors 3\)"):
            build_scenario(_scenario(4), file="s.yaml")
        assert len(build_scenario(_scenario(3)).actors) == 3
    assert limits.current() == before
    assert len(build_scenario(_scenario(4)).actors) == 4


def test_using_is_local_to_a_thread():
    seen = {}
    inside = threading.Event()
    done = threading.Event()

    def other():
        inside.wait(10)
        seen["other"] = limits.current().max_actors
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with limits.using(max_actors=7):
        inside.set()
        done.wait(10)
    t.join()
    assert seen["other"] == limits.Limits().max_actors


def test_bad_limits_are_refused():
    with pytest.raises(LimitError, match="unknown limit"):
        limits.configure(max_bananas=3)
    with pytest.raises(LimitError, match="must be positive"):
        limits.Limits(max_actors=0)
    with pytest.raises(LimitError, match="finite"):
        limits.Limits(request_seconds=float("nan"))
    with pytest.raises(LimitError, match="whole number"):
        limits.Limits(max_actors=2.5)


def test_environment_variables_set_the_process_limits():
    code = "from detente import limits; print(limits.current().max_actors)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "DETENTE_MAX_ACTORS": "1234"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "1234", out.stderr
    env["DETENTE_MAX_ACTORS"] = "many"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert "DETENTE_MAX_ACTORS must be a number" in out.stderr


def test_draws_are_bounded_in_the_sweep():
    from detente.run.sweep import run_sweep
    from detente.scenario import load

    with limits.using(max_draws=10), pytest.raises(LimitError, match="too many draws: 11"):
        run_sweep(load(), "/nonexistent/never-written", runs=11)
