"""KTAB's Spatial Model of Politics (SMP), registered as ``smp``.

- :mod:`~detente.models.smp.params`: :class:`SMPParams`, every KTAB option with KTAB's default;
- :mod:`~detente.models.smp.kernels`: distances, utilities, votes, Condorcet elections;
- :mod:`~detente.models.smp.engine`: the turn loop (challenges, bargains, queues, ideals), on
  a leading axis of draws (a single run is a batch of one);
- :mod:`~detente.models.smp.model`: the registered ``run_smp`` and ``run_smp_batched`` and
  their input checks.

See ``docs/smp.md``. Example: four actors on one issue settle in four rounds; the forecast
is the most probable position of the last round.

>>> from detente.models import get_model
>>> from detente.scenario.arrays import ScenarioArrays
>>> a = ScenarioArrays.from_arrays([100, 60, 40, 30], [20, 60, 90, 45], [50, 60, 80, 70],
...                                actors=["A", "B", "C", "D"])
>>> res = get_model("smp")(a)
>>> res.n_rounds, res.extras["stop_reason"], res.forecast.round(2).tolist()
(4, 'converged', [39.29])
>>> res.rounds[1, :, 0].round(2).tolist()  # A challenged C; both took the bargain
[57.16, 31.18, 57.16, 45.0]
>>> e = res.events[0]
>>> e["challenger"], e["target"], e["challenger_to:I0"], e["target_adopted"]
('A', 'C', 57.16, True)
"""

from detente.models.smp.model import SMPInputError, check_inputs, run_smp
from detente.models.smp.params import KTAB_NAMES, SMPParams

__all__ = ["KTAB_NAMES", "SMPInputError", "SMPParams", "check_inputs", "run_smp"]
