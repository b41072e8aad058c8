r"""The min-max-excess LP: the least core and every stage of the nucleolus.

Minimise :math:`t` subject to (NU1) :math:`x(S) - t \le c(S)` for the free coalitions,
(NU2) :math:`x(N) = c(N)` and (NU3) :math:`x(S) = c(S) + t_j` for the coalitions fixed
at earlier stages (:mod:`optimizer.consolidation.nucleolus`); with nothing fixed and
every non-empty proper coalition free it is the least-core LP (LC) of
:mod:`optimizer.consolidation.core`. Built with PuLP's modelling objects, solved by
:func:`optimizer.backends.mip.pulp_solver`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optimizer.consolidation._masks import members_lists
from optimizer.consolidation.game import CostGame


@dataclass(frozen=True)
class StageResult:
    """Outcome of one min-max-excess LP (least core / nucleolus stage)."""

    ok: bool
    status: str
    t: float
    x: np.ndarray
    duals: np.ndarray | None = None  # |dual| of each (NU1) row, in ``free`` order
    slacks: np.ndarray | None = None  # c(S) - x(S) + t of each (NU1) row


def variable(problem, name: str):
    """A free continuous variable of ``problem`` (PuLP >= 3.3 API where it exists)."""
    import pulp

    if hasattr(problem, "add_variable"):
        return problem.add_variable(name)
    return pulp.LpVariable(name)  # pragma: no cover - PuLP < 3.3


def solve_stage(
    game: CostGame,
    free: np.ndarray,
    fixed: list[tuple[int, float]],
    solver: str,
    name: str,
) -> StageResult:
    """Minimise t subject to (NU1) on ``free``, (NU2), (NU3) on ``fixed``."""
    import pulp

    from optimizer.backends.mip import pulp_solver

    n = game.n
    c = game.vector
    members = members_lists(n, list(free) + [m for m, _ in fixed])
    problem = pulp.LpProblem(name, pulp.LpMinimize)
    x = [variable(problem, f"x_{i}") for i in range(n)]
    t = variable(problem, "t")
    problem += pulp.LpAffineExpression([(t, 1.0)])
    problem += pulp.LpAffineExpression([(v, 1.0) for v in x]) == float(c[-1]), "NU2"
    for k, (mask, level) in enumerate(fixed):
        expr = pulp.LpAffineExpression([(x[i], 1.0) for i in members[mask]])
        problem += expr == float(c[mask]) + level, f"NU3_{k}"
    rows = []
    for k, mask in enumerate(free):
        expr = pulp.LpAffineExpression([(x[i], 1.0) for i in members[int(mask)]] + [(t, -1.0)])
        row = expr <= float(c[mask])
        problem += row, f"NU1_{k}"
        rows.append(row)
    code = problem.solve(pulp_solver(solver))
    status = pulp.LpStatus[code]
    if code != pulp.LpStatusOptimal:
        return StageResult(False, status, math.nan, np.full(n, np.nan), None, None)
    xs = np.array([v.value() for v in x], dtype=float)
    duals = np.array([abs(r.pi) if r.pi is not None else 0.0 for r in rows])
    slacks = np.array([float(c[m]) - xs[members[int(m)]].sum() + t.value() for m in free])
    return StageResult(True, status, float(t.value()), xs, duals, slacks)
