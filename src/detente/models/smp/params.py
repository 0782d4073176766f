"""Parameters of the Spatial Model of Politics, with KTAB's names and defaults."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from detente.models.base import ModelParams
from detente.scenario.ktab_xml import KTAB_NAMES

VictoryModel = Literal["Linear", "Square", "Quartic", "Octic", "Binary"]
PCEModel = Literal["Conditional", "MarkovIncentive", "MarkovUniform"]
VotingRule = Literal["Binary", "PropBin", "Prop", "PropCbc", "Cubic", "ASymProsp"]
BigRAdjust = Literal["None", "OneThird", "Half", "TwoThirds", "Full"]
BigRRange = Literal["Min", "Mid", "Max"]
ThirdPartyCommit = Literal["NoCommit", "SemiCommit", "FullCommit"]
InterVecBrgn = Literal["S1P1", "S2P2", "S2PMax"]
BargainModel = Literal["InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"]
Transitions = Literal["Deterministic", "Stochastic"]
Record = Literal["bargains", "full", "none"]

# Every name KTAB's CSV, XML and log use for an option, mapped to ours (case-insensitive).
_ALIASES: dict[str, dict[str, str]] = {
    "voting_rule": {"proportional": "Prop"},
    "big_r_adjust": {
        "no": "None",
        "nora": "None",
        "onethirdra": "OneThird",
        "halfra": "Half",
        "twothirdsra": "TwoThirds",
        "fullra": "Full",
    },
    "transitions": {"determinsticstm": "Deterministic", "stochasticstm": "Stochastic"},
    "pce_model": {
        "conditionalpcm": "Conditional",
        "markovipcm": "MarkovIncentive",
        "markovupcm": "MarkovUniform",
    },
    "bargain_model": {
        "initonlyinterpsmpbm": "InitOnlyInterp",
        "initrcvrinterpsmpbm": "InitRcvrInterp",
        "pwcompinterpsmpbm": "PWCompInterp",
    },
}


class SMPParams(ModelParams):
    """Parameters of the Spatial Model of Politics. The defaults are KTAB's.

    victory_model: how coalition strengths become a probability of victory
        (KTAB VictoryProbModel): ``Linear`` C_ij / (C_ij + C_ji); ``Square``, ``Quartic``,
        ``Octic`` use the 2nd, 4th, 8th powers of the strengths; ``Binary`` wins outright
        with a 10% advantage and interpolates linearly below.
    pce_model: the probabilistic Condorcet election (KTAB PCEModel): ``Conditional``,
        ``MarkovIncentive`` or ``MarkovUniform``.
    voting_rule: how a voter's utility difference becomes a vote (KTAB VotingRule):
        ``Prop`` (proportional), ``Binary``, ``PropBin``, ``PropCbc``, ``Cubic``,
        ``ASymProsp`` (losses count 3/2 as much as gains).
    big_r_adjust: how much an actor's estimate of another's risk attitude is anchored on
        its own (KTAB BigRAdjust): ``OneThird`` = (2 R_h + R_i) / 3, ``None`` = R_h,
        ``Half``, ``TwoThirds``, ``Full`` = R_i.
    big_r_range: the range of risk attitudes (KTAB BigRRange): ``Mid`` [-1/2, 1],
        ``Min`` [0, 1], ``Max`` [-1, 1].
    third_party_commit: what a third party risks by joining a contest (KTAB
        ThirdPartyCommit): ``SemiCommit``, ``FullCommit`` or ``NoCommit``.
    interpolation: how a bargain is interpolated between the two positions (KTAB
        InterVecBrgn): ``S2P2`` weights (salience x probability)^2, ``S1P1`` the first
        powers, both rounded to 4 decimals; ``S2PMax`` moves each side by the other's
        excess probability.
    bargain_model: which bargains a challenge produces (KTAB BargnModel):
        ``InitOnlyInterp`` the challenger's interpolation; ``InitRcvrInterp`` both the
        challenger's and the target's; ``PWCompInterp`` their power-weighted compromise.
    transitions: ``Deterministic`` (each actor adopts the most probable bargain of its
        queue) or ``Stochastic`` (draws one with the election's probabilities, from the
        numpy Generator given to the run).
    rounds: the maximum number of rounds (KTAB: 100).
    min_rounds: the stop rule is not applied before this round (KTAB: 2).
    stop_ratio: stop when a round moves the actors by less than this fraction of the
        first round's movement (KTAB: 0.02).
    position_tolerance: positions closer than this (Euclidean, on 0..1) count as the same
        position when probabilities are reported (KTAB: 1e-3).
    accommodation: how far an actor's ideal point follows its own new position each round
        (KTAB's accommodation matrix is this times the identity; 1 = the ideal is the
        current position, the default).
    ideal_adjustment: entries ``(actor, reference actor, weight)`` overriding the
        accommodation matrix (KTAB XML ``IdealAdjustment``): the actor's new ideal is
        ``sum_j a_ij x_j + (1 - sum_j a_ij) ideal_i``.
    record: ``bargains`` (default) keeps one event per bargain; ``full`` adds every
        actor's challenge values (n x n per round) to ``extras``; ``none`` keeps no events.
    inputs: what to do with a scenario KTAB would refuse because an actor has no stance on
        an issue or an actor's saliences add up to more than 100 (scenarios whose saliences
        are coded issue by issue, as the Syria ones): ``adapt`` (default) gives a missing
        stance salience 0 and the capability-weighted mean position of the actors that have
        one, and divides every salience by the largest actor total when that exceeds 100
        (one common factor, so the actors' relative engagement is kept); ``strict`` refuses
        such input, as KTAB does. Inputs KTAB accepts are never changed.
    """

    victory_model: VictoryModel = "Linear"
    pce_model: PCEModel = "Conditional"
    voting_rule: VotingRule = "Prop"
    big_r_adjust: BigRAdjust = "OneThird"
    big_r_range: BigRRange = "Mid"
    third_party_commit: ThirdPartyCommit = "SemiCommit"
    interpolation: InterVecBrgn = "S2P2"
    bargain_model: BargainModel = "InitOnlyInterp"
    transitions: Transitions = "Deterministic"
    rounds: int = Field(100, ge=1, le=10_000)
    min_rounds: int = Field(2, ge=1)
    stop_ratio: float = Field(0.02, ge=0.0)
    position_tolerance: float = Field(1e-3, ge=0.0)
    accommodation: float = Field(1.0, ge=0.0, le=1.0)
    ideal_adjustment: tuple[tuple[str, str, float], ...] = ()
    record: Record = "bargains"
    inputs: Literal["adapt", "strict"] = "adapt"

    @field_validator(
        "victory_model",
        "pce_model",
        "voting_rule",
        "big_r_adjust",
        "big_r_range",
        "third_party_commit",
        "interpolation",
        "bargain_model",
        "transitions",
        mode="before",
    )
    @classmethod
    def _ktab_name(cls, v: Any, info) -> Any:
        if not isinstance(v, str):
            return v
        key = v.strip()
        low = key.lower()
        alias = _ALIASES.get(info.field_name, {}).get(low)
        if alias is not None:
            return alias
        choices = cls.model_fields[info.field_name].annotation.__args__
        for choice in choices:
            if choice.lower() == low:
                return choice
        return key

    @model_validator(mode="after")
    def _weights(self) -> SMPParams:
        for entry in self.ideal_adjustment:
            if not 0.0 <= entry[2] <= 1.0:
                raise ValueError(f"ideal adjustment weight must be in 0..1 (got {entry!r})")
        return self

    @classmethod
    def from_ktab(cls, values: dict[str, str], **extra: Any) -> SMPParams:
        """Parameters from KTAB's names (``{"VotingRule": "PropCbc", ...}``)."""
        data: dict[str, Any] = {KTAB_NAMES.get(k, k): v for k, v in values.items()}
        data.update(extra)
        return cls(**data)
