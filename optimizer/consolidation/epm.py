r"""The Equal Profit Method (EPM): equalise the players' relative savings within the core.

Formulation
-----------
Frisk, Göthe-Lundgren, Jörnsten & Rönnqvist, "Cost allocation in collaborative forest
transportation", EJOR 205 (2010) 448-458. In the notation of
:mod:`optimizer.consolidation.game`: minimise the largest difference between two
players' relative savings :math:`r_i = (c(\{i\}) - x_i) / c(\{i\})` over the core.
Written with an upper and a lower bound on the relative savings instead of the
:math:`n(n-1)` pairwise rows (equivalent: :math:`\max_{i,j} (r_i - r_j) = \max_i r_i -
\min_j r_j`): minimise :math:`u - l` subject to

- (EP1) :math:`l \le 1 - x_i / c(\{i\}) \le u` for every :math:`i \in N`;
- (EP2) :math:`x(S) \le c(S) + \delta` for every :math:`\emptyset \ne S \subsetneq N`;
- (EP3) :math:`x(N) = c(N)`;

with :math:`\delta = \max(0, \varepsilon^*)`, :math:`\varepsilon^*` the least-core value
(:mod:`optimizer.consolidation.core`): zero when the core is non-empty; the
tolerance-sized least-core value when it is empty only within the tolerance, so that the
LP stays feasible. When the core is empty, EPM returns status ``core_empty`` and no
allocation (or, on request, solves over the least core).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from optimizer.consolidation._lp import variable
from optimizer.consolidation._masks import proper_masks
from optimizer.consolidation.core import least_core_epsilon
from optimizer.consolidation.game import Allocation, CostGame, GameError


def equal_profit(
    game: CostGame,
    tolerance: float = 1e-9,
    solver: str = "highs",
    on_empty_core: Literal["report", "least_core"] = "report",
) -> Allocation:
    r"""Equal Profit Method (Frisk et al., EJOR 2010): equalise relative savings in the core.

    Minimises the largest difference between two players' relative savings
    :math:`(c(\{i\}) - x_i) / c(\{i\})` subject to efficiency and the core constraints
    (EP1)-(EP3) of the module docstring. The optimum value is unique; the allocation need
    not be (the LP returns one optimal vertex).

    An empty core is reported in the result, not raised: with ``on_empty_core="report"``
    (default) the result has status ``core_empty``, no costs, and the least-core value in
    ``info["least_core_epsilon"]``; with ``"least_core"`` the core constraints are relaxed
    by that value and the result has status ``least_core``.

    Parameters
    ----------
    game
        A complete cost game with positive stand-alone costs.
    tolerance
        Absolute tolerance (cost units) for deciding that the core is empty.
    solver
        Name for :func:`optimizer.backends.mip.pulp_solver`.
    on_empty_core
        ``report`` or ``least_core``, as above.

    Returns
    -------
    Allocation
        Method ``equal_profit``; ``info["max_savings_spread"]`` is the optimal largest
        difference of relative savings (a fraction) and ``info["least_core_epsilon"]``
        the least-core value.

    Raises
    ------
    GameError
        If a stand-alone cost is not positive (relative savings undefined) or
        ``on_empty_core`` is unknown.
    """
    import pulp

    from optimizer.backends.mip import pulp_solver

    if on_empty_core not in ("report", "least_core"):
        raise GameError(f"on_empty_core: expected 'report' or 'least_core', got {on_empty_core!r}")
    n = game.n
    c = game.vector
    alone = np.array([c[1 << i] for i in range(n)])
    bad = [p for p, a in zip(game.players, alone, strict=True) if a <= 0]
    if bad:
        raise GameError(
            "cost: expected a positive stand-alone cost for the equal profit method, got "
            + ", ".join(f"{p}: {game.standalone(p)}" for p in bad)
        )
    if n == 1:
        return Allocation("equal_profit", game.players, (float(c[-1]),), solver=solver)
    epsilon = least_core_epsilon(game, solver)
    status = "optimal"
    if epsilon > tolerance:
        if on_empty_core == "report":
            return Allocation(
                "equal_profit",
                game.players,
                None,
                status="core_empty",
                solver=solver,
                info={"least_core_epsilon": epsilon},
                message=(
                    f"the core is empty: some coalition would pay at least {epsilon:.6g} "
                    f"more than its own cost under any allocation"
                ),
            )
        status = "least_core"
    relax = max(epsilon, 0.0)
    problem = pulp.LpProblem("equal_profit", pulp.LpMinimize)
    x = [variable(problem, f"x_{i}") for i in range(n)]
    upper = variable(problem, "u")
    lower = variable(problem, "l")
    problem += pulp.LpAffineExpression([(upper, 1.0), (lower, -1.0)])
    for i in range(n):  # (EP1): l <= 1 - x_i / c_i <= u
        problem += pulp.LpAffineExpression([(x[i], 1.0 / alone[i]), (upper, 1.0)]) >= 1.0
        problem += pulp.LpAffineExpression([(x[i], 1.0 / alone[i]), (lower, 1.0)]) <= 1.0
    for mask in proper_masks(n):  # (EP2)
        members = [i for i in range(n) if mask >> i & 1]
        expr = pulp.LpAffineExpression([(x[i], 1.0) for i in members])
        problem += expr <= float(c[mask]) + relax
    problem += pulp.LpAffineExpression([(v, 1.0) for v in x]) == float(c[-1])  # (EP3)
    code = problem.solve(pulp_solver(solver))
    if code != pulp.LpStatusOptimal:
        return Allocation(
            "equal_profit",
            game.players,
            None,
            status="error",
            solver=solver,
            info={"least_core_epsilon": epsilon},
            message=f"EPM LP: solver returned {pulp.LpStatus[code]}",
        )
    costs = tuple(float(v.value()) for v in x)
    return Allocation(
        "equal_profit",
        game.players,
        costs,
        status=status,
        solver=solver,
        info={
            "least_core_epsilon": epsilon,
            "max_savings_spread": float(upper.value() - lower.value()),
        },
    )
