"""The PyVRP search: the problem as PyVRP data, and one iterated local search.

PyVRP expresses constraints 1-8, 10 and 11 of :mod:`optimizer.routing.collection`:
capacities, windows, service times, a mixed fleet with fixed, distance and duration
costs (one routing profile per speed factor and access set), shifts, and several trips
through reloading at the hub. It cannot express freshness limits (9) or the warm cost.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

import numpy as np

from networks.collection import CollectionProblem, VehicleType
from networks.status import Limit
from optimizer.backends import interrupt
from optimizer.backends import routing as backends
from optimizer.routing.scaling import UNBOUNDED, Scale, units_down, units_up
from optimizer.routing.schedules import RoutePlan


def _profile_key(vtype: VehicleType) -> tuple[float, frozenset[str] | None]:
    return (vtype.speed_factor, vtype.allowed_nodes)


def pyvrp_data(problem: CollectionProblem, scale: Scale):
    """The problem as PyVRP ``ProblemData`` (freshness rules and warm cost left out).

    Returns
    -------
    tuple
        ``(data, type_map)``: the data, and for each PyVRP vehicle type the index of our
        fleet type (types with no vehicle are left out).
    """
    pyvrp = backends.pyvrp()
    n = problem.num_pickups
    ds, ts, ls, cs = scale.distance, scale.time, scale.load, scale.cost
    dist = np.round(problem.distance_km * ds).astype(np.int64)
    locations = [pyvrp.Location(0.0, 0.0) for _ in range(n + 1)]
    clients = []
    for i, p in enumerate(problem.pickups, start=1):
        late = units_down(p.window_end_h, ts) if math.isfinite(p.window_end_h) else UNBOUNDED
        clients.append(
            pyvrp.Client(
                location=i,
                pickup=[units_up(p.tonnes, ls)],
                service_duration=units_up(p.service_h, ts),
                tw_early=units_up(p.window_start_h, ts),
                tw_late=late,
                name=p.id,
            )
        )
    depots = [pyvrp.Depot(location=0, name=problem.hub)]
    profiles: dict[tuple, int] = {}
    dist_mats, dur_mats = [], []
    vehicle_types, type_map = [], []
    # Any route through a forbidden arc exceeds max_distance (legit routes never do).
    forbidden = int(max(1, dist.max())) * (2 * n + 4) * 4 + 1
    for k, v in enumerate(problem.fleet):
        if v.count == 0:
            continue
        key = _profile_key(v)
        if key not in profiles:
            profiles[key] = len(dist_mats)
            dur = np.ceil(problem.travel_h / v.speed_factor * ts - 1e-6).astype(np.int64)
            dur = np.maximum(dur, 0)
            d = dist.copy()
            if v.allowed_nodes is not None:
                barred = [
                    i
                    for i, p in enumerate(problem.pickups, start=1)
                    if p.node not in v.allowed_nodes
                ]
                d[barred, :] = forbidden
                d[:, barred] = forbidden
                np.fill_diagonal(d, 0)
            dist_mats.append(d)
            dur_mats.append(dur)
        trips = problem.trips_allowed(v)
        kwargs: dict[str, Any] = {}
        if trips > 1:
            kwargs.update(reload_depots=[0], max_reloads=trips - 1)
        if v.allowed_nodes is not None:
            kwargs["max_distance"] = forbidden - 1
        if math.isfinite(v.max_shift_hours):
            kwargs["shift_duration"] = units_down(v.max_shift_hours, ts)
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=int(v.count),
                capacity=[units_down(v.capacity_t, ls)],
                fixed_cost=int(round(v.fixed_cost * cs)),
                tw_early=units_up(problem.day_start_h, ts),
                tw_late=units_down(problem.hub_close_h, ts)
                if math.isfinite(problem.hub_close_h)
                else UNBOUNDED,
                unit_distance_cost=int(round(v.cost_per_km * cs / ds)),
                unit_duration_cost=int(round(v.cost_per_hour * cs / ts)),
                profile=profiles[key],
                name=v.id,
                **kwargs,
            )
        )
        type_map.append(k)
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=dist_mats,
        duration_matrices=dur_mats,
    )
    return data, tuple(type_map)


def _pyvrp_plan(solution, type_map) -> RoutePlan:
    plan = []
    for route in solution.routes():
        trips: dict[int, list[int]] = {}
        for activity in route:
            if activity.is_client():
                trips.setdefault(activity.trip, []).append(activity.idx + 1)
        ordered = tuple(tuple(trips[t]) for t in sorted(trips))
        plan.append((type_map[route.vehicle_type()], ordered))
    return tuple(plan)


def _pyvrp_params(data):
    """PyVRP's defaults, with penalty bounds in proportion to our cost units.

    PyVRP bounds its penalty per unit of excess load, time warp or distance at 1e5,
    tuned for costs of about one unit per distance unit. Our costs run up to
    ``Scale.cost`` times larger, so the bounds grow with the largest unit cost;
    otherwise an infeasible plan can look cheaper than every feasible one.
    """
    pyvrp = backends.pyvrp()
    unit = max(
        [1] + [max(v.unit_distance_cost, v.unit_duration_cost) for v in data.vehicle_types()]
    )
    if unit == 1:
        return pyvrp.SolveParams()
    penalty = backends.pyvrp_penalties().PenaltyParams(max_penalty=1e5 * unit)
    return pyvrp.SolveParams(penalty=penalty)


def _stop_asked(best_cost: float) -> bool:
    """PyVRP stopping criterion: a stop was requested (a signal, or the parent asked)."""
    return interrupt.stop_requested()


class _ProcessTime:
    """PyVRP stopping criterion: this process has used ``budget`` processor seconds."""

    def __init__(self, budget: float):
        self.budget = budget
        self.start = time.process_time()

    def __call__(self, best_cost: float) -> bool:
        return time.process_time() - self.start >= self.budget


def pyvrp_search(
    data,
    type_map,
    seed: int,
    deadline: float,
    iterations: int | None,
    cpu_budget: float | None = None,
) -> tuple[RoutePlan | None, str, Limit]:
    """One PyVRP search; returns its best feasible plan, a note, and what stopped it.

    It stops at the wall-clock ``deadline``, or after ``cpu_budget`` processor seconds
    when that is given, or after ``iterations``, or when a stop is requested (Ctrl-C,
    SIGTERM: :func:`~optimizer.backends.interrupt.stop_requested`, checked at each
    iteration), whichever comes first.
    """
    pyvrp, stops = backends.pyvrp(), backends.pyvrp_stop()
    if cpu_budget is not None:
        criteria = [_ProcessTime(cpu_budget)]
    else:
        criteria = [stops.MaxRuntime(max(0.05, deadline - time.time()))]
    if iterations is not None:
        criteria.append(stops.MaxIterations(iterations))
    criteria.append(_stop_asked)
    stop = stops.MultipleCriteria(criteria)
    with warnings.catch_warnings():
        # PyVRP warns when its penalties hit their bound on an infeasible search; the
        # stage's note says "no feasible solution" instead.
        warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
        result = pyvrp.solve(
            data,
            stop,
            seed=seed,
            collect_stats=False,
            display=False,
            params=_pyvrp_params(data),
        )
    stopped = Limit.TIME
    if interrupt.stop_requested():
        stopped = Limit.INTERRUPTED
    elif iterations is not None and result.num_iterations >= iterations:
        stopped = Limit.ITERATIONS
    note = f"{result.num_iterations} iterations"
    if not result.best.is_feasible():
        return None, note + ", no feasible solution", stopped
    return _pyvrp_plan(result.best, type_map), note, stopped
