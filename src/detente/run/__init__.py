"""Running many model runs: Monte Carlo draws, batched models, executors, sweeps and
sensitivity analysis.
"""

from detente.run.draws import (
    DISTRIBUTIONS,
    DrawBatch,
    Input,
    InputSampler,
    apply_inputs,
    draw_batch,
    run_seed,
    scenario_inputs,
)
from detente.run.executors import Dask, Executor, InProcess, ProcessPool, make_executor
from detente.run.sensitivity import sobol, sobol_indices, tornado
from detente.run.sweep import SweepError, SweepResult, read_parts, run_sweep

__all__ = [
    "DISTRIBUTIONS",
    "Dask",
    "DrawBatch",
    "Executor",
    "InProcess",
    "Input",
    "InputSampler",
    "ProcessPool",
    "SweepError",
    "SweepResult",
    "apply_inputs",
    "draw_batch",
    "make_executor",
    "read_parts",
    "run_seed",
    "run_sweep",
    "scenario_inputs",
    "sobol",
    "sobol_indices",
    "tornado",
]
