"""Consolidation: coalition costs under one 3PL, and fair, stable shares of the bill.

:func:`consolidate` (:mod:`~optimizer.consolidation.pooling`) solves the coalitions'
costs (:mod:`~optimizer.consolidation.coalitions`) and returns a
:class:`ConsolidationResult` (:mod:`~optimizer.consolidation.result`). The allocation
methods work on any cost game (:mod:`~optimizer.consolidation.game`) and know nothing of
networks: :mod:`~optimizer.consolidation.shapley` (exact, sampled with an error bound),
:mod:`~optimizer.consolidation.nucleolus`, :mod:`~optimizer.consolidation.epm` (equal
profit method), :mod:`~optimizer.consolidation.proportional`, and the core tests of
:mod:`~optimizer.consolidation.core`. Each module states its formulation.
"""

from optimizer.consolidation.coalitions import (
    COST_BASES,
    WARM_STARTS,
    CoalitionCost,
    CoalitionInfeasibleError,
    CoalitionSolver,
    coalition_cost,
)
from optimizer.consolidation.core import CoreCheck, core_check, core_is_empty, least_core_epsilon
from optimizer.consolidation.epm import equal_profit
from optimizer.consolidation.game import (
    MAX_EXACT_PLAYERS,
    Allocation,
    CostGame,
    GameError,
    NoAllocationError,
)
from optimizer.consolidation.nucleolus import nucleolus
from optimizer.consolidation.pooling import MAX_EXACT_FIRMS, METHODS, consolidate
from optimizer.consolidation.proportional import proportional, proportional_shares
from optimizer.consolidation.result import ConsolidationResult
from optimizer.consolidation.shapley import (
    adaptive_sampled_shapley,
    first_comer_cost,
    sampled_shapley,
    shapley,
    shapley_range,
    student_t_quantile,
)

__all__ = [
    "COST_BASES",
    "MAX_EXACT_FIRMS",
    "MAX_EXACT_PLAYERS",
    "METHODS",
    "WARM_STARTS",
    "Allocation",
    "CoalitionCost",
    "CoalitionInfeasibleError",
    "CoalitionSolver",
    "ConsolidationResult",
    "CoreCheck",
    "CostGame",
    "GameError",
    "NoAllocationError",
    "adaptive_sampled_shapley",
    "coalition_cost",
    "consolidate",
    "core_check",
    "core_is_empty",
    "equal_profit",
    "first_comer_cost",
    "least_core_epsilon",
    "nucleolus",
    "proportional",
    "proportional_shares",
    "sampled_shapley",
    "shapley",
    "shapley_range",
    "student_t_quantile",
]
