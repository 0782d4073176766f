"""Monte Carlo draws over a scenario's uncertainty ranges.

Every number of a scenario (an actor's capability, a stance's position and salience, an
issue's status quo) may carry a ``range [low, high]`` around its ``value``. A draw replaces
each number that has a range (``low < high``) by a random value; numbers without a range stay
fixed.

Distribution
------------
The default is the **PERT** distribution on ``[low, high]`` with its mode at the value: a beta
distribution rescaled to the range, with shape parameters

    alpha = 1 + 4 (value - low) / (high - low),   beta = 1 + 4 (high - value) / (high - low),

so that its mean is ``(low + 4 value + high) / 6``. The scenario's value is the analyst's best
estimate and its range the bounds of what is plausible; PERT keeps the most likely draw at the
value, puts little weight on the ends of the range (which an analyst gives as "could be", not
"as likely as the value"), and, unlike the triangular distribution, does not let one long side
of an asymmetric range drag the mean far from the value. ``triangular`` (mode at the value) and
``uniform`` (every point of the range equally likely, for analysts who will not name a most
likely value) are available.

Bounds: draws never leave the range; in addition a capability stays positive, a salience within
0..100 and a position or status quo within its issue's scale.

Seeds
-----
Run ``r`` of a sweep with seed ``S`` draws its inputs from
``SeedSequence(S, spawn_key=(r, 0))`` and gives stochastic models
``SeedSequence(S, spawn_key=(r, 1))``: both are children of ``SeedSequence(S).spawn(...)[r]``,
so a run's draws depend on ``S`` and ``r`` only, never on chunking, executors or workers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from detente.errors import ParameterError
from detente.scenario.arrays import DrawBatch, ScenarioArrays
from detente.scenario.model import Scenario, Value

DISTRIBUTIONS = ("pert", "triangular", "uniform")
KINDS = ("capability", "position", "salience", "status_quo")

#: ``spawn_key`` suffixes of the streams of one run.
STREAM_INPUTS = 0
STREAM_MODEL = 1
STREAM_SOBOL_B = 2

_PERT_LAMBDA = 4.0


@dataclass(frozen=True)
class Input:
    """One number of a scenario that a draw may vary.

    Attributes
    ----------
    kind:
        ``capability``, ``position``, ``salience`` or ``status_quo``.
    actor, issue:
        The actor and issue ids it belongs to (``None`` where not applicable).
    row, col:
        Actor index and issue index in the scenario's arrays (``-1`` where not applicable).
    value, low, high:
        The value and its range, in scenario units (salience on 0..100). ``low == high ==
        value`` for a number without a range.
    """

    kind: str
    actor: str | None
    issue: str | None
    row: int
    col: int
    value: float
    low: float
    high: float

    @property
    def name(self) -> str:
        """``kind:actor:issue`` with the parts that apply, e.g. ``position:russia:assad``."""
        return ":".join(p for p in (self.kind, self.actor, self.issue) if p is not None)

    @property
    def uncertain(self) -> bool:
        """Whether the number has a range of positive width."""
        return self.high > self.low


def _input(kind: str, v: Value, actor: str | None, issue: str | None, row: int, col: int) -> Input:
    return Input(
        kind=kind,
        actor=actor,
        issue=issue,
        row=row,
        col=col,
        value=float(v.value),
        low=float(v.low),
        high=float(v.high),
    )


def scenario_inputs(scenario: Scenario, *, uncertain_only: bool = True) -> list[Input]:
    """The numbers of ``scenario`` a draw may vary, in a fixed order.

    The order is: each actor's capability (actor order), then each stance's position and
    salience (actor order, then issue order), then each issue's status quo.

    Parameters
    ----------
    scenario:
        The scenario.
    uncertain_only:
        Keep only numbers with a range of positive width (the default); with ``False``,
        every number, fixed ones included (their low and high equal their value).

    Examples
    --------
    >>> from detente.scenario import build_scenario
    >>> s = build_scenario({"actors": [{"id": "a", "capability": {"value": 2,
    ...     "range": [1, 3]}}, {"id": "b", "capability": 1}], "issues": [{"id": "x"}],
    ...     "stances": [{"actor": "a", "issue": "x", "position": 10, "salience": 50},
    ...                 {"actor": "b", "issue": "x", "position": 90, "salience": 50}]})
    >>> [i.name for i in scenario_inputs(s)]
    ['capability:a']
    """
    a_index = {a: i for i, a in enumerate(scenario.actor_ids)}
    i_index = {k: j for j, k in enumerate(scenario.issue_ids)}
    out = [
        _input("capability", a.capability, a.id, None, i, -1) for i, a in enumerate(scenario.actors)
    ]
    stances = sorted(scenario.stances, key=lambda st: (a_index[st.actor], i_index[st.issue]))
    for st in stances:
        i, k = a_index[st.actor], i_index[st.issue]
        out.append(_input("position", st.position, st.actor, st.issue, i, k))
        out.append(_input("salience", st.salience, st.actor, st.issue, i, k))
    for k, iss in enumerate(scenario.issues):
        if iss.status_quo is not None:
            out.append(_input("status_quo", iss.status_quo, None, iss.id, -1, k))
    return [x for x in out if x.uncertain or not uncertain_only]


def check_distribution(name: str) -> str:
    """``name`` if it is a known distribution, else a :class:`ParameterError`."""
    if name not in DISTRIBUTIONS:
        raise ParameterError(f"unknown distribution {name!r} (known: {', '.join(DISTRIBUTIONS)})")
    return name


class InputSampler:
    """Draws values of a list of inputs from one distribution family.

    Parameters
    ----------
    inputs:
        The inputs (see :func:`scenario_inputs`); inputs without a range are drawn as their
        value.
    distribution:
        ``pert`` (default), ``triangular`` or ``uniform`` (see the module docstring).
    """

    def __init__(self, inputs: Sequence[Input], distribution: str = "pert") -> None:
        self.inputs = tuple(inputs)
        self.distribution = check_distribution(distribution)
        self.low = np.array([x.low for x in self.inputs], dtype=float)
        self.high = np.array([x.high for x in self.inputs], dtype=float)
        self.value = np.array([x.value for x in self.inputs], dtype=float)
        width = self.high - self.low
        self._ranged = width > 0
        w = np.where(self._ranged, width, 1.0)
        self._alpha = 1.0 + _PERT_LAMBDA * (self.value - self.low) / w
        self._beta = 1.0 + _PERT_LAMBDA * (self.high - self.value) / w
        self._mode = (self.value - self.low) / w

    @property
    def size(self) -> int:
        """Number of inputs."""
        return len(self.inputs)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """One draw of every input, ``(m,)``; consumes a fixed amount of ``rng``'s stream."""
        m = self.size
        if m == 0:
            return np.empty(0)
        if self.distribution == "pert":
            unit = rng.beta(self._alpha, self._beta)
        elif self.distribution == "triangular":
            # Inverse CDF of the triangular distribution on 0..1 with mode c.
            u = rng.random(m)
            c = self._mode
            with np.errstate(divide="ignore", invalid="ignore"):
                unit = np.where(u < c, np.sqrt(u * c), 1.0 - np.sqrt((1.0 - u) * (1.0 - c)))
        else:
            unit = rng.random(m)
        vals = self.low + unit * (self.high - self.low)
        return np.where(self._ranged, np.clip(vals, self.low, self.high), self.value)

    def sample_runs(
        self, seed: int, runs: Iterable[int], stream: int = STREAM_INPUTS
    ) -> np.ndarray:
        """Draws for the given run indices, ``(len(runs), m)``, each from its own seed."""
        rows = [self.sample(run_generator(seed, r, stream)) for r in runs]
        return np.array(rows, dtype=float).reshape(len(rows), self.size)


def run_seed(seed: int, run: int, stream: int) -> np.random.SeedSequence:
    """The seed sequence of one stream of run ``run``: the ``stream``-th child of the
    ``run``-th child of ``SeedSequence(seed)``."""
    if seed < 0:
        raise ParameterError(f"the seed must be a non-negative integer, got {seed}")
    return np.random.SeedSequence(seed, spawn_key=(int(run), int(stream)))


def run_generator(seed: int, run: int, stream: int) -> np.random.Generator:
    """A generator for one stream of one run (see :func:`run_seed`)."""
    return np.random.default_rng(run_seed(seed, run, stream))


def apply_inputs(base: ScenarioArrays, inputs: Sequence[Input], values: np.ndarray) -> DrawBatch:
    """Put drawn ``values`` (``(B, m)``, scenario units) of ``inputs`` into copies of ``base``.

    Capabilities are kept positive, saliences within 0..100 (then stored as fractions) and
    positions and status quos within their issue's scale.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(inputs):
        raise ValueError(f"values must be (B, {len(inputs)}), got {values.shape}")
    nb = values.shape[0]
    cap = np.repeat(base.capability[None, :], nb, axis=0)
    pos = np.repeat(base.position[None, :, :], nb, axis=0)
    sal = np.repeat(base.salience[None, :, :], nb, axis=0)
    sq = np.repeat(base.status_quo[None, :], nb, axis=0)
    if len(inputs):
        kinds = np.array([x.kind for x in inputs])
        rows = np.array([x.row for x in inputs])
        cols = np.array([x.col for x in inputs])
        floor = np.finfo(float).tiny
        j = np.flatnonzero(kinds == "capability")
        if j.size:
            cap[:, rows[j]] = np.maximum(values[:, j], floor)
        j = np.flatnonzero(kinds == "position")
        if j.size:
            pos[:, rows[j], cols[j]] = np.clip(values[:, j], base.low[cols[j]], base.high[cols[j]])
        j = np.flatnonzero(kinds == "salience")
        if j.size:
            sal[:, rows[j], cols[j]] = np.clip(values[:, j], 0.0, 100.0) / 100.0
        j = np.flatnonzero(kinds == "status_quo")
        if j.size:
            sq[:, cols[j]] = np.clip(values[:, j], base.low[cols[j]], base.high[cols[j]])
    return DrawBatch(base=base, capability=cap, position=pos, salience=sal, status_quo=sq)


def draw_batch(
    scenario: Scenario, seed: int, runs: Iterable[int], distribution: str = "pert"
) -> tuple[DrawBatch, np.ndarray]:
    """The drawn scenarios of the given runs and the drawn input values ``(B, m)``.

    >>> import detente
    >>> from detente.scenario import build_scenario
    >>> s = build_scenario({"actors": [{"id": "a", "capability": {"value": 2,
    ...     "range": [1, 3]}}, {"id": "b", "capability": 1}], "issues": [{"id": "x"}],
    ...     "stances": [{"actor": "a", "issue": "x", "position": 10, "salience": 50},
    ...                 {"actor": "b", "issue": "x", "position": 90, "salience": 50}]})
    >>> batch, values = draw_batch(s, seed=1, runs=range(5))
    >>> batch.capability.shape, bool(((values >= 1) & (values <= 3)).all())
    ((5, 2), True)
    """
    inputs = scenario_inputs(scenario)
    values = InputSampler(inputs, distribution).sample_runs(seed, runs)
    return apply_inputs(scenario.to_arrays(), inputs, values), values
