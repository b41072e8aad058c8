"""The value a routing solve returns: its plan, its costs, its status and its stages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from networks.collection import Route, routes_to_frame
from networks.status import Limit, NoPlanError, Status
from optimizer.routing.diagnosis import Diagnosis
from optimizer.routing.scaling import Scale


@dataclass(frozen=True)
class Stage:
    """What one search produced (for reporting what each step gained).

    Parameters
    ----------
    backend
        ``pyvrp`` or ``ortools`` (``ortools-polish`` when started from PyVRP's routes).
    seed
        Seed or variant of the search.
    cost
        Exact cost of its best plan (NaN if it found no feasible plan).
    seconds
        Wall seconds of the search.
    note
        Anything worth knowing (iterations, the first-solution strategy, failures).
    cpu_seconds
        Processor seconds the search got (less than ``seconds`` when other programs
        share the cores).
    limit
        What stopped the search (``time``, ``iterations``; ``none`` if it failed).
    """

    backend: str
    seed: int
    cost: float
    seconds: float
    note: str = ""
    cpu_seconds: float = math.nan
    limit: Limit = Limit.NONE


@dataclass(frozen=True)
class RoutingResult:
    """A collection plan and how it was found.

    Parameters
    ----------
    status
        ``feasible`` with a plan (the searches prove no bound), ``optimal`` only where
        that is proven (no pickups), ``infeasible`` with a :attr:`diagnosis` of what
        cannot be met, ``no_solution`` when no feasible plan was found.
    limit
        What stopped the searches: ``time`` if a time limit stopped any of them,
        else ``iterations`` if an iteration limit did; ``none`` where no search ran.
    routes
        Trips, each with its stops and schedule.
    cost
        Total cost (NaN without a plan).
    fixed_cost, distance_cost, time_cost, warm_cost
        Parts of the cost.
    distance_km, hours
        Kilometres and vehicle working hours.
    vehicles_used, trips
        Vehicles used and trips driven.
    worst_freshness_h
        Largest hours since pickup.
    warm_tonne_hours
        Tonne-hours aboard ambient vehicles (what the warm cost prices).
    pickups, tonnes
        Pickups of the problem and their tonnes (what was to be collected).
    backend
        Backend that produced the plan (``pyvrp``, ``ortools``, ``ortools-polish``).
    seconds
        Wall seconds of the whole solve.
    seed
        Seed given.
    scale
        Integer units given to the solvers.
    time_limit
        Seconds allowed.
    diagnosis
        Why the problem (or which pickups) cannot be served.
    stages
        Every search run, with its exact cost.
    problem_name
        Name of the problem.
    convention
        Benchmark convention of the problem, if any.
    """

    status: Status
    limit: Limit = Limit.NONE
    routes: tuple[Route, ...] = ()
    cost: float = math.nan
    fixed_cost: float = math.nan
    distance_cost: float = math.nan
    time_cost: float = math.nan
    warm_cost: float = math.nan
    distance_km: float = math.nan
    hours: float = math.nan
    vehicles_used: int = 0
    trips: int = 0
    worst_freshness_h: float = math.nan
    warm_tonne_hours: float = math.nan
    pickups: int = 0
    tonnes: float = 0.0
    backend: str = ""
    seconds: float = 0.0
    seed: int = 0
    scale: Scale | None = None
    time_limit: float | None = None
    diagnosis: tuple[Diagnosis, ...] = ()
    stages: tuple[Stage, ...] = ()
    problem_name: str = ""
    convention: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "limit", Limit(self.limit))

    @property
    def has_plan(self) -> bool:
        """Whether the result holds a plan (routes, possibly none for no pickups)."""
        return self.status.has_plan

    @property
    def objective(self) -> float:
        """Total cost of the plan.

        Raises
        ------
        NoPlanError
            If there is no plan.
        """
        if not self.has_plan:
            raise NoPlanError(self.status)
        return self.cost

    def to_frame(self) -> pd.DataFrame:
        """The routes as the ``routes.csv`` table (one row per stop)."""
        return routes_to_frame(self.routes)

    def kpis(self) -> dict[str, Any]:
        """Flat key figures for ``kpis.json``."""
        scale = self.scale
        return {
            "problem": self.problem_name,
            "status": self.status,
            "limit": self.limit,
            "cost": self.cost,
            "fixed_cost": self.fixed_cost,
            "distance_cost": self.distance_cost,
            "time_cost": self.time_cost,
            "warm_cost": self.warm_cost,
            "distance_km": self.distance_km,
            "hours": self.hours,
            "vehicles_used": self.vehicles_used,
            "trips": self.trips,
            "worst_freshness_h": self.worst_freshness_h,
            "warm_tonne_hours": self.warm_tonne_hours,
            "backend": self.backend,
            "seconds": self.seconds,
            "pickups": self.pickups,
            "tonnes": self.tonnes,
            "time_limit_s": self.time_limit,
            "seed": self.seed,
            "scale_distance_per_km": scale.distance if scale else None,
            "scale_time_per_h": scale.time if scale else None,
            "scale_load_per_t": scale.load if scale else None,
            "scale_cost_per_cny": scale.cost if scale else None,
            "diagnosis": [str(d) for d in self.diagnosis],
        }
