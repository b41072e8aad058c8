r"""The core of a cost game: whether an allocation lies in it, and whether it is empty.

Formulation
-----------
In the notation of :mod:`optimizer.consolidation.game`.

Core (the allocations no coalition wants to leave)

- (C1) :math:`x(N) = c(N)` (efficiency);
- (C2) :math:`x(S) \le c(S)` for every :math:`\emptyset \ne S \subsetneq N`.

Least core (LC): minimise :math:`\varepsilon` subject to

- (LC1) :math:`x(S) - \varepsilon \le c(S)` for every :math:`\emptyset \ne S \subsetneq N`;
- (LC2) :math:`x(N) = c(N)`.

The core is empty iff :math:`\varepsilon^* > 0` (in floating point: :math:`> \text{tol}`).
(LC) is the first stage of the nucleolus (:mod:`optimizer.consolidation.nucleolus`),
solved by :func:`optimizer.consolidation._lp.solve_stage`. :func:`core_check` tests
(C1) and (C2) for a given allocation by enumeration, within a tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.consolidation._lp import solve_stage
from optimizer.consolidation._masks import proper_masks, subset_sums
from optimizer.consolidation.game import Allocation, CostGame, GameError


@dataclass(frozen=True)
class CoreCheck:
    r"""Whether an allocation lies in the core, and which coalition objects most.

    Parameters
    ----------
    method
        The allocation's method, if it came from an :class:`Allocation`.
    in_core
        Efficient within ``tolerance`` and :math:`x(S) \le c(S) + \text{tol}` for every
        coalition.
    efficient
        :math:`|x(N) - c(N)| \le \text{tol}`.
    individually_rational
        :math:`x_i \le c(\{i\}) + \text{tol}` for every player.
    efficiency_gap
        :math:`x(N) - c(N)`.
    max_excess
        :math:`\max_S x(S) - c(S)` over non-empty proper coalitions (``-inf`` with one
        player); positive means that coalition pays that much more than on its own.
    most_dissatisfied
        A coalition attaining ``max_excess`` (``None`` with one player).
    violations
        Number of coalitions with excess above ``tolerance``.
    tolerance
        Absolute tolerance used (cost units).
    """

    method: str | None
    in_core: bool
    efficient: bool
    individually_rational: bool
    efficiency_gap: float
    max_excess: float
    most_dissatisfied: frozenset[str] | None
    violations: int
    tolerance: float

    def to_frame(self) -> pd.DataFrame:
        """One row; ``most_dissatisfied`` as ids joined by ``+`` (sorted)."""
        row = {
            "method": self.method,
            "in_core": self.in_core,
            "efficient": self.efficient,
            "individually_rational": self.individually_rational,
            "efficiency_gap": self.efficiency_gap,
            "max_excess": self.max_excess,
            "most_dissatisfied": (
                None if self.most_dissatisfied is None else "+".join(sorted(self.most_dissatisfied))
            ),
            "violations": self.violations,
            "tolerance": self.tolerance,
        }
        return pd.DataFrame([row])


def least_core_epsilon(game: CostGame, solver: str = "highs") -> float:
    r"""Optimal value of the least-core LP (LC).

    Parameters
    ----------
    game
        A complete cost game.
    solver
        Name for :func:`optimizer.backends.mip.pulp_solver`.

    Returns
    -------
    float
        :math:`\varepsilon^* = \min_x \max_S (x(S) - c(S))` over efficient :math:`x`
        and non-empty proper :math:`S`; ``-inf`` for a one-player game. The core is
        non-empty iff :math:`\varepsilon^* \le 0`.

    Raises
    ------
    RuntimeError
        If the solver does not report an optimum (the LP is always feasible and bounded).
    """
    if game.n == 1:
        return -math.inf
    stage = solve_stage(game, proper_masks(game.n), [], solver, "least_core")
    if not stage.ok:
        raise RuntimeError(f"least-core LP: solver {solver!r} returned {stage.status}")
    return stage.t


def core_is_empty(game: CostGame, tolerance: float = 1e-9, solver: str = "highs") -> bool:
    r"""Whether the core is empty: the least-core value exceeds ``tolerance``.

    Parameters
    ----------
    game
        A complete cost game.
    tolerance
        Absolute, in cost units (for costs from MIP solves, about the gap times the cost).
    solver
        Name for :func:`optimizer.backends.mip.pulp_solver`.

    Returns
    -------
    bool
        ``True`` iff :math:`\varepsilon^* > \text{tolerance}`.
    """
    return least_core_epsilon(game, solver) > tolerance


def core_check(
    game: CostGame, allocation: Allocation | Mapping[str, float], tolerance: float = 1e-9
) -> CoreCheck:
    """Test whether an allocation is in the core and find the most dissatisfied coalition.

    Parameters
    ----------
    game
        A complete cost game.
    allocation
        An :class:`Allocation` with costs, or a cost per player id.
    tolerance
        Absolute, in cost units, for efficiency and for every core row; callers pass the
        coalition solves' relative gap times the cost.

    Returns
    -------
    CoreCheck
        The verdict, the largest excess :math:`x(S) - c(S)` and a coalition attaining it.

    Raises
    ------
    NoAllocationError
        If ``allocation`` has no costs.
    GameError
        If the allocation's players are not the game's.
    """
    method = allocation.method if isinstance(allocation, Allocation) else None
    values = allocation.as_dict() if isinstance(allocation, Allocation) else dict(allocation)
    if set(values) != set(game.players):
        raise GameError(
            f"allocation: expected costs for exactly {', '.join(game.players)}, got "
            f"{', '.join(map(str, values))}"
        )
    x = np.array([float(values[p]) for p in game.players])
    excess = subset_sums(x) - game.vector
    gap = float(excess[-1])
    efficient = abs(gap) <= tolerance
    n = game.n
    if n == 1:
        return CoreCheck(method, efficient, efficient, True, gap, -math.inf, None, 0, tolerance)
    proper = excess[1:-1]
    k = int(np.argmax(proper))
    worst = float(proper[k])
    singles = np.array([excess[1 << i] for i in range(n)])
    return CoreCheck(
        method=method,
        in_core=efficient and worst <= tolerance,
        efficient=efficient,
        individually_rational=bool(np.all(singles <= tolerance)),
        efficiency_gap=gap,
        max_excess=worst,
        most_dissatisfied=game.coalition(k + 1),
        violations=int(np.count_nonzero(proper > tolerance)),
        tolerance=tolerance,
    )
