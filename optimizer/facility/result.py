"""What :func:`optimizer.facility.solve_cflp` returns: a value (imports no solver code)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from networks.status import Limit, NoPlanError, Status
from optimizer.facility.options import FacilityOptions


@dataclass(frozen=True)
class FacilityResult:
    """Result of :func:`optimizer.facility.solve_cflp`.

    Parameters
    ----------
    status
        ``optimal`` (HiGHS proved the gap), ``feasible`` (a plan, with its gap, without
        that proof), ``infeasible``, ``no_solution`` or ``error``.
    limit
        What stopped the search early: ``time`` (the time limit), ``iterations``,
        ``interrupted``, or ``none``.
    bound, gap
        Proven lower bound, relative gap ``(objective - bound) / objective`` (NaN where
        there is no plan or no bound).
    opened
        Open facilities, bool array ``(m,)`` (``None`` without a plan).
    assignment
        ``assignment[i, j]``: fraction of customer j's demand served by i, ``(m, n)`` over
        all the problem's customers (``None`` without a plan).
    build_seconds, solve_seconds
        Seconds to build the model, and for everything after.
    solver
        Solver name and version.
    stats
        What each step did: ``lp_bound``, ``lp_seconds``, ``lp_rounds``,
        ``linking_rows`` (rows (3) given to the MIP), ``heuristic_objective``,
        ``heuristic_gap`` (to the LP bound), ``heuristic_seconds``,
        ``heuristic_evaluations``, ``fixed_closed``, ``fixed_open``,
        ``x_bounds_tightened``, ``columns`` (given to the MIP), ``mip_seconds``,
        ``mip_nodes``, ``trivial_bound`` (the bound reported by a solve stopped before
        any other: each customer at its cheapest facility, plus the cheapest opening).
    options
        The options used.
    plan_cost
        Cost of the plan (NaN without one); read it as :attr:`objective`, which says
        when there is no plan.
    """

    status: Status
    limit: Limit
    bound: float
    gap: float
    opened: np.ndarray | None
    assignment: np.ndarray | None
    build_seconds: float
    solve_seconds: float
    solver: str
    stats: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    options: FacilityOptions = field(default_factory=FacilityOptions)
    plan_cost: float = math.nan

    @property
    def has_plan(self) -> bool:
        """Whether a plan came back (status ``optimal`` or ``feasible``)."""
        return self.status.has_plan

    @property
    def objective(self) -> float:
        """Cost of the plan: fixed costs of the open facilities plus assignment costs.

        Raises
        ------
        NoPlanError
            If the solve returned no plan.
        """
        if not self.has_plan:
            raise NoPlanError(self.status)
        return self.plan_cost

    def kpis(self) -> dict[str, object]:
        """The solve's figures as one flat dict (``objective`` NaN without a plan).

        ``status``, ``limit``, ``objective``, ``bound``, ``gap``, ``build_seconds``,
        ``solve_seconds``, ``solver``, then every entry of :attr:`stats`.
        """
        return {
            "status": self.status,
            "limit": self.limit,
            "objective": self.plan_cost,
            "bound": self.bound,
            "gap": self.gap,
            "build_seconds": self.build_seconds,
            "solve_seconds": self.solve_seconds,
            "solver": self.solver,
            **self.stats,
        }

    def to_frame(self) -> pd.DataFrame:
        """The plan's assignments: ``facility, customer, fraction`` (1-based ids as in files).

        Raises
        ------
        NoPlanError
            If the solve returned no plan.
        """
        if self.assignment is None:
            raise NoPlanError(self.status, "plan")
        i, j = np.nonzero(self.assignment > 1e-9)
        return pd.DataFrame(
            {"facility": i + 1, "customer": j + 1, "fraction": self.assignment[i, j]}
        )
