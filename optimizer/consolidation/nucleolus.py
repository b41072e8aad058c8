r"""The (pre-)nucleolus of a cost game, by a sequence of LPs.

Formulation
-----------
In the notation of :mod:`optimizer.consolidation.game`. Stage :math:`k` (NU), with
:math:`F_1, \dots, F_{k-1}` the coalitions fixed at the earlier stages at levels
:math:`t_1 \ge \dots \ge t_{k-1}` and :math:`R_k` the coalitions still free: minimise
:math:`t` subject to

- (NU1) :math:`x(S) - t \le c(S)` for every :math:`S \in R_k`;
- (NU2) :math:`x(N) = c(N)`;
- (NU3) :math:`x(S) = c(S) + t_j` for every :math:`S \in F_j`, :math:`j < k`.

Stage 1 is the least-core LP (:mod:`optimizer.consolidation.core`). After each stage the
coalitions whose (NU1) row has a non-zero dual value are fixed at the optimal
:math:`t_k` (by complementary slackness they are tight in *every* optimal solution of
the stage, which fixing only the rows tight in the one solution the solver returned does
not guarantee: Guajardo & Jörnsten, "Common mistakes in computing the nucleolus", EJOR
241 (2015) 931-935). Since the duals of (NU1) sum to one, every stage fixes at least one
coalition. Coalitions whose indicator vectors lie in the span of those of :math:`N` and
the fixed ones have a determined excess and are dropped; the stages end when the fixed
coalitions span :math:`\mathbb{R}^n`, after at most :math:`n - 1` stages. Individual
rationality is not imposed, so this is the (pre-)nucleolus, which exists also when the
core is empty (it then lies in the least core); when the core is non-empty it lies in
the core.
"""

from __future__ import annotations

import math

import numpy as np

from optimizer.consolidation._lp import solve_stage
from optimizer.consolidation._masks import indicators, proper_masks
from optimizer.consolidation.game import Allocation, CostGame


def nucleolus(game: CostGame, solver: str = "highs", dual_tolerance: float = 1e-9) -> Allocation:
    """The nucleolus of the cost game, by a sequence of LPs.

    Lexicographically minimises the sorted vector of excesses
    :math:`x(S) - c(S)` (equivalently maximises the smallest savings, then the next, ...)
    over efficient allocations, without individual rationality: this is the
    pre-nucleolus, which lies in the core when the core is non-empty and in the least
    core otherwise. Stages (NU) of the module docstring.

    Tight coalitions are detected by LP duals, not by slack: after each stage the (NU1)
    rows whose dual exceeds ``dual_tolerance`` (and whose slack is within a small
    tolerance) are fixed; complementary slackness makes them tight in every optimal
    solution of the stage. The duals sum to one, so at least the largest is fixed, and
    coalitions spanned by the fixed ones are dropped; hence at most :math:`n-1` stages.

    Parameters
    ----------
    game
        A complete cost game.
    solver
        Name for :func:`optimizer.backends.mip.pulp_solver`; the solver must return LP duals
        (HiGHS and CBC do).
    dual_tolerance
        Duals above this (in absolute value) mark a coalition tight at every optimum.

    Returns
    -------
    Allocation
        Method ``nucleolus``; status ``optimal``, or ``error`` with a message if an LP
        failed. ``info`` holds ``least_core_epsilon`` (the first stage's value) and
        ``stages``.
    """
    n = game.n
    c = game.vector
    if n == 1:
        return Allocation("nucleolus", game.players, (float(c[-1]),), solver=solver)
    vectors = indicators(n)
    slack_tolerance = 1e-7 * max(1.0, float(np.abs(c).max()))
    basis = np.ones((1, n)) / math.sqrt(n)  # orthonormal rows spanning the fixed vectors
    free = proper_masks(n)
    fixed: list[tuple[int, float]] = []
    levels: list[float] = []
    x = np.full(n, np.nan)
    while True:
        stage = solve_stage(game, free, fixed, solver, f"nucleolus_{len(levels) + 1}")
        if not stage.ok:
            return Allocation(
                "nucleolus",
                game.players,
                None,
                status="error",
                solver=solver,
                message=f"stage {len(levels) + 1} LP: solver returned {stage.status}",
            )
        levels.append(stage.t)
        x = stage.x
        tight = (stage.duals > dual_tolerance) & (stage.slacks <= slack_tolerance)
        if not tight.any():
            tight[int(np.argmax(stage.duals))] = True
        for mask in free[tight]:
            residual = vectors[mask] - basis.T @ (basis @ vectors[mask])
            norm = float(np.linalg.norm(residual))
            if norm > 1e-9:
                basis = np.vstack([basis, residual / norm])
                fixed.append((int(mask), stage.t))
        if basis.shape[0] >= n:
            break
        rows = vectors[free]
        spanned = np.linalg.norm(rows - (rows @ basis.T) @ basis, axis=1) <= 1e-9
        free = free[~spanned]
        if free.size == 0:
            break
    return Allocation(
        "nucleolus",
        game.players,
        tuple(x.tolist()),
        solver=solver,
        info={"least_core_epsilon": levels[0], "stages": float(len(levels))},
    )
