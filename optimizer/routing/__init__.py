"""Collection routing: the runs that bring fruit from the villages to their county hub.

One job per module:

- :mod:`~optimizer.routing.collection`: the formulation, and :func:`solve`, the one
  entry point (which backends run, for how long, in how many processes);
- :mod:`~optimizer.routing.scaling`: integer units for the solvers (:class:`Scale`);
- :mod:`~optimizer.routing.schedules`: exact schedules of a plan (several trips, times);
- :mod:`~optimizer.routing.pyvrp_search`: the PyVRP search;
- :mod:`~optimizer.routing.ortools_model`: the OR-Tools routing model;
- :mod:`~optimizer.routing.ortools_search`: OR-Tools searches, polishing PyVRP's routes;
- :mod:`~optimizer.routing.diagnosis`: which pickup or capacity cannot be met, and what
  binds;
- :mod:`~optimizer.routing.result`: :class:`RoutingResult`, the value a solve returns;
- :mod:`~optimizer.routing.day`: :func:`route_day`, every hub's runs of a day, checked,
  as a :class:`CollectionDay` (what ``coldchain route`` writes).

Examples
--------
>>> from optimizer.routing import solve
>>> result = solve(problem, time_limit=5, seed=1)  # doctest: +SKIP
"""

from optimizer.routing.collection import BACKENDS, default_workers, solve
from optimizer.routing.day import CollectionDay, HubRoutes, day_hubs, route_day
from optimizer.routing.diagnosis import (
    Diagnosis,
    diagnose,
    fewest_vehicles,
    freshness_binds,
    needs_ortools,
)
from optimizer.routing.result import RoutingResult, Stage
from optimizer.routing.scaling import Scale, choose_scale
from optimizer.routing.schedules import RoutePlan, schedule_plan

__all__ = [
    "BACKENDS",
    "CollectionDay",
    "Diagnosis",
    "HubRoutes",
    "RoutePlan",
    "RoutingResult",
    "Scale",
    "Stage",
    "choose_scale",
    "day_hubs",
    "default_workers",
    "diagnose",
    "fewest_vehicles",
    "freshness_binds",
    "needs_ortools",
    "route_day",
    "schedule_plan",
    "solve",
]
