"""Sweeps: identical results whatever the executor, resume after an interruption, refusal of a
resume with other arguments, and summaries consistent with the raw results."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from detente.run.executors import Dask, InProcess, ProcessPool, make_executor
from detente.run.sweep import SweepError, plan_chunks, read_parts, run_sweep

MODELS = ["compromise", "weighted_median", "nash"]
FAST = {"runs": 90, "seed": 7, "models": MODELS, "chunk_size": 20, "sensitivity": False}


def _contents(out):
    forecasts, values = read_parts(out)
    summary = pd.read_csv(out / "summary.csv")
    within = pd.read_csv(out / "within.csv")
    return forecasts, values, summary, within


def _assert_same(a, b):
    fa, va, sa, wa = _contents(a)
    fb, vb, sb, wb = _contents(b)
    pd.testing.assert_frame_equal(fa, fb, check_exact=True)
    np.testing.assert_array_equal(va, vb)
    pd.testing.assert_frame_equal(sa, sb, check_exact=True)
    pd.testing.assert_frame_equal(wa, wb, check_exact=True)


def test_same_seed_same_results_other_seed_other_results(ranged, tmp_path):
    run_sweep(ranged, tmp_path / "a", **FAST)
    run_sweep(ranged, tmp_path / "b", **FAST)
    _assert_same(tmp_path / "a", tmp_path / "b")
    run_sweep(ranged, tmp_path / "c", **{**FAST, "seed": 8})
    fa, _, _, _ = _contents(tmp_path / "a")
    fc, _, _, _ = _contents(tmp_path / "c")
    assert not np.array_equal(fa["forecast"].to_numpy(), fc["forecast"].to_numpy())


def test_one_worker_two_processes_and_dask_agree(ranged, tmp_path):
    run_sweep(ranged, tmp_path / "one", executor=InProcess(), **FAST)
    with ProcessPool(2) as ex:
        res = run_sweep(ranged, tmp_path / "pool", executor=ex, **FAST)
    assert res.chunks_computed == 5
    with Dask(workers=2, processes=False) as ex:
        run_sweep(ranged, tmp_path / "dask", executor=ex, **FAST)
    _assert_same(tmp_path / "one", tmp_path / "pool")
    _assert_same(tmp_path / "one", tmp_path / "dask")


def test_dask_worker_processes_agree_and_keep_the_default_allocator(ranged, tmp_path):
    # A local cluster of worker processes (what `detente sweep --executor dask` starts)
    run_sweep(ranged, tmp_path / "one", executor=InProcess(), **FAST)
    with Dask(workers=2, processes=True) as ex:
        run_sweep(ranged, tmp_path / "dask", executor=ex, **FAST)
        # Dask's default MALLOC_TRIM_THRESHOLD_ halves the models' speed; it is left out
        # (os.getenv travels by reference: the workers need not import this test module)
        got = ex._get_client().run(os.getenv, "MALLOC_TRIM_THRESHOLD_")
        assert len(got) == 2 and set(got.values()) == {None}
    _assert_same(tmp_path / "one", tmp_path / "dask")


def test_chunk_size_does_not_change_the_draws(ranged, tmp_path):
    run_sweep(ranged, tmp_path / "a", **FAST)
    run_sweep(ranged, tmp_path / "b", **{**FAST, "chunk_size": 90})
    _assert_same(tmp_path / "a", tmp_path / "b")


class Boom(RuntimeError):
    pass


def test_interrupted_sweep_resumes_to_the_uninterrupted_result(ranged, tmp_path):
    run_sweep(ranged, tmp_path / "whole", **FAST)
    seen = []

    def stop_after_two(i):
        seen.append(i)
        if len(seen) == 2:
            raise Boom

    with pytest.raises(Boom):
        run_sweep(ranged, tmp_path / "cut", on_chunk=stop_after_two, **FAST)
    parts = sorted(p.name for p in (tmp_path / "cut" / "forecasts").glob("part-*.parquet"))
    assert len(parts) == 2  # finished chunks are kept
    assert not (tmp_path / "cut" / "summary.csv").exists()
    # a temporary file left by a kill mid-write is ignored and cleaned up
    (tmp_path / "cut" / "forecasts" / ".part-000004.parquet.99.tmp").write_bytes(b"junk")
    res = run_sweep(ranged, tmp_path / "cut", **FAST)
    assert (res.chunks_computed, res.chunks_reused) == (3, 2)
    _assert_same(tmp_path / "whole", tmp_path / "cut")
    assert not list((tmp_path / "cut" / "forecasts").glob(".*.tmp"))
    # a finished sweep started again computes nothing
    again = run_sweep(ranged, tmp_path / "cut", **FAST)
    assert (again.chunks_computed, again.chunks_reused) == (0, 5)


def test_damaged_chunk_is_recomputed(ranged, tmp_path):
    run_sweep(ranged, tmp_path / "a", **FAST)
    run_sweep(ranged, tmp_path / "b", **FAST)
    (tmp_path / "b" / "forecasts" / "part-000001.parquet").write_bytes(b"not parquet")
    res = run_sweep(ranged, tmp_path / "b", **FAST)
    assert res.chunks_computed == 1
    _assert_same(tmp_path / "a", tmp_path / "b")


@pytest.mark.parametrize(
    "change,key",
    [
        ({"runs": 100}, "runs"),
        ({"seed": 1}, "seed"),
        ({"models": ["compromise"]}, "models"),
        ({"chunk_size": 30}, "chunk_size"),
        ({"distribution": "uniform"}, "distribution"),
        ({"params": {"nash": {"utility": "linear"}}}, "params"),
        ({"patch_sha256": "ab" * 32}, "patch_sha256"),
    ],
)
def test_resume_with_other_arguments_is_refused(ranged, tmp_path, change, key):
    run_sweep(ranged, tmp_path / "s", **{**FAST, "runs": 40})
    before = sorted(p.name for p in (tmp_path / "s").rglob("*"))
    with pytest.raises(SweepError, match=key):
        run_sweep(ranged, tmp_path / "s", **{**FAST, "runs": 40, **change})
    assert sorted(p.name for p in (tmp_path / "s").rglob("*")) == before  # nothing touched


def test_other_scenario_is_refused(ranged, ranged_data, tmp_path):
    from detente.scenario import build_scenario

    run_sweep(ranged, tmp_path / "s", **FAST)
    data = ranged_data
    data["actors"][2]["capability"] = 21
    with pytest.raises(SweepError, match="scenario_sha256"):
        run_sweep(build_scenario(data), tmp_path / "s", **FAST)


def test_foreign_folder_is_refused(ranged, tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "thesis.tex").write_text("keep me")
    with pytest.raises(SweepError, match="not empty"):
        run_sweep(ranged, tmp_path / "x", **FAST)


def test_manifest_records_the_arguments(ranged, tmp_path):
    run_sweep(ranged, tmp_path / "s", **FAST)
    man = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert man["runs"] == 90 and man["seed"] == 7 and man["chunk_size"] == 20
    assert man["models"] == MODELS and man["distribution"] == "pert"
    assert len(man["scenario_sha256"]) == 64 and man["patch_sha256"] is None
    assert man["params"]["nash"]["utility"] == "quadratic"


def test_summaries_agree_with_the_raw_results(ranged, tmp_path):
    res = run_sweep(ranged, tmp_path / "s", within=5.0, bins=10, **FAST)
    forecasts, values = read_parts(tmp_path / "s")
    assert len(forecasts) == 90 * len(MODELS) * 2
    assert sorted(forecasts["run"].unique()) == list(range(90))
    for _, row in res.summary.iterrows():
        v = forecasts[(forecasts.model == row.model) & (forecasts.issue == row.issue)]
        v = v["forecast"].to_numpy()
        assert row.runs == 90
        assert row.q50 == pytest.approx(np.median(v))
        assert row.q05 == pytest.approx(np.quantile(v, 0.05))
        assert row["min"] <= row.q05 <= row.q25 <= row.q50 <= row.q75 <= row.q95 <= row["max"]
    counts = res.histogram.groupby(["model", "issue"])["count"].sum()
    assert (counts == 90).all()
    # within: recomputed from the drawn positions stored in the inputs table
    names = res.manifest["inputs"]
    j = names.index("position:b:x")
    pos_b = values[:, j]
    comp = forecasts[(forecasts.model == "compromise") & (forecasts.issue == "x")]
    comp = comp.sort_values("run")["forecast"].to_numpy()
    expected = np.mean(np.abs(comp - pos_b) <= 5.0)
    got = res.within.query("model == 'compromise' and issue == 'x' and actor == 'b'")
    assert got["probability"].item() == pytest.approx(expected)
    # actor d has no stance on y: no row
    assert res.within.query("issue == 'y' and actor == 'd'").empty


def test_within_a_whole_scale_is_certain(ranged, tmp_path):
    res = run_sweep(ranged, tmp_path / "s", within=100.0, **FAST)
    assert (res.within["probability"] == 1.0).all()


def test_plan_chunks_cover_every_run_once():
    chunks = plan_chunks(95, 20)
    assert [c[0] for c in chunks] == list(range(5))
    assert [r for _, a, b in chunks for r in range(a, b)] == list(range(95))


def test_make_executor():
    assert isinstance(make_executor("auto", 1), InProcess)
    assert isinstance(make_executor("auto", 3), ProcessPool)
    assert isinstance(make_executor("auto", 1, "tcp://127.0.0.1:1"), Dask)
    from detente.errors import ParameterError

    with pytest.raises(ParameterError):
        make_executor("threads")
    with pytest.raises(ParameterError):
        make_executor("processes", 2, "tcp://127.0.0.1:1")
    with pytest.raises(ParameterError):
        make_executor("auto", 0)


def test_executor_stops_on_error():
    def fail_on_three(x):
        if x == 3:
            raise ValueError("three")
        return x

    got = {}
    with pytest.raises(ValueError, match="three"):
        InProcess().map_chunks(fail_on_three, [1, 2, 3, 4], got.__setitem__)
    assert got == {0: 1, 1: 2}
