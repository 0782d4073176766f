"""Runs detente commands on hostile inputs, each in a forked child under a memory and time
bound (used by test_corpus.py; reads a JSON list of argument lists on standard input and
writes one JSON result per case on standard output).

The command line is imported once; each case runs in a child forked from it with its
address space limited to ``MEMORY_MB`` above the parent's and an alarm after ``SECONDS``.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import tempfile
import time

MEMORY_MB = 512
SECONDS = 10


def _vm_size() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def run(argv: list[str]) -> dict:
    err = tempfile.TemporaryFile()  # noqa: SIM115 - shared with the forked child
    out = tempfile.TemporaryFile()  # noqa: SIM115
    limit = _vm_size() + MEMORY_MB * 1024 * 1024
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child
        code = 70
        try:
            os.dup2(err.fileno(), 2)
            os.dup2(out.fileno(), 1)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            signal.alarm(SECONDS)
            from detente.cli import main

            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # noqa: BLE001 - reported to the test as a failure
            sys.stderr.write(f"ESCAPED {type(exc).__name__}: {exc}\n")
            code = 70
        finally:
            sys.stderr.flush()
            sys.stdout.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    seconds = time.perf_counter() - t0
    with err, out:
        err.seek(0)
        out.seek(0)
        return {
            "argv": argv,
            "code": os.waitstatus_to_exitcode(status),
            "seconds": seconds,
            "stderr": err.read().decode("utf-8", "replace"),
            "stdout": out.read().decode("utf-8", "replace"),
        }


def main() -> None:
    import importlib

    import detente.cli

    # imported once, before the forks, so each case's time is its own work
    for mod in (
        "detente.analysis.commands",
        "detente.validation.commands",
        "detente.evidence.commands",
        "detente.report.commands",
        "detente.run.commands",
        "detente.report",
        "detente.scenario.ktab_xml",
    ):
        importlib.import_module(mod)
    del detente

    for argv in json.load(sys.stdin):
        print(json.dumps(run(argv)), flush=True)


if __name__ == "__main__":
    main()
