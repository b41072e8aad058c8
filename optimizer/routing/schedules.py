"""Exact schedules of a plan: when each trip leaves, loads and returns.

A one-trip vehicle is scheduled in closed form: the earliest return, then every loading
as late as that return allows, which minimises its duration and every pickup's hours at
once. A vehicle with several trips gets the cheapest schedule of a small linear program
in HiGHS (constraints 4-9 of :mod:`optimizer.routing.collection`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from networks.collection import CollectionProblem, Route, Stop
from optimizer.backends import interrupt
from optimizer.backends import routing as backends
from optimizer.routing.scaling import EPS
from results.route_check import RouteCheck, check_routes

#: A routing plan: per vehicle used, its type's index in the fleet and its trips, each a
#: tuple of matrix indices (1-based pickups).
RoutePlan = tuple[tuple[int, tuple[tuple[int, ...], ...]], ...]


@dataclass(frozen=True)
class _Timing:
    """Schedule of one trip: hub departure, per stop (arrival, start, departure), return."""

    depart: float
    stops: tuple[tuple[float, float, float], ...]
    back: float


def _trip_earliest(problem, travel, trip, start_h) -> tuple[list[float], float] | None:
    """Earliest loading starts of a trip leaving the hub at ``start_h``, and its return."""
    starts = []
    t = start_h
    prev = 0
    for i in trip:
        pickup = problem.pickups[i - 1]
        a = max(t + travel[prev, i], pickup.window_start_h)
        if a > pickup.window_end_h + EPS:
            return None
        starts.append(a)
        t = a + pickup.service_h
        prev = i
    return starts, t + travel[prev, 0]


def _trip_latest(problem, travel, trip, back_h) -> list[float]:
    """Latest loading starts of a trip that is back at the hub at ``back_h``."""
    starts = [0.0] * len(trip)
    nxt_time, nxt = back_h, 0
    for k in range(len(trip) - 1, -1, -1):
        i = trip[k]
        pickup = problem.pickups[i - 1]
        starts[k] = min(pickup.window_end_h, nxt_time - travel[i, nxt] - pickup.service_h)
        nxt_time, nxt = starts[k], i
    return starts


def _timing(problem, travel, trip, starts, back) -> _Timing:
    depart = starts[0] - travel[0, trip[0]]
    stops = []
    t, prev = depart, 0
    for i, a in zip(trip, starts, strict=True):
        arrival = t + travel[prev, i]
        departure = a + problem.pickups[i - 1].service_h
        stops.append((arrival, a, departure))
        t, prev = departure, i
    return _Timing(depart, tuple(stops), back)


def _schedule_single(problem, vtype, trip) -> list[_Timing] | None:
    travel = problem.travel_h_for(vtype)
    first = _trip_earliest(problem, travel, trip, problem.day_start_h)
    if first is None:
        return None
    _, back = first
    starts = _trip_latest(problem, travel, trip, back)
    return [_timing(problem, travel, trip, starts, back)]


def _schedule_lp(problem, vtype, trips, freshness: bool = True) -> list[_Timing] | None:
    """Several trips of one vehicle: the cheapest schedule by a small LP (HiGHS).

    With ``freshness=False`` the limits (9) are left out (to schedule, and then report,
    a plan that breaks them).
    """
    highspy = backends.highspy()
    travel = problem.travel_h_for(vtype)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    lo_day = problem.day_start_h
    hi_day = problem.hub_close_h if math.isfinite(problem.hub_close_h) else inf
    cols: list[tuple[float, float]] = []

    def var(lb: float, ub: float) -> int:
        cols.append((lb, ub))
        return len(cols) - 1

    dep, ret, start, late = [], [], [], []
    for trip in trips:
        dep.append(var(lo_day, hi_day))
        ret.append(var(lo_day, hi_day))
        start.append(
            [
                var(
                    problem.pickups[i - 1].window_start_h,
                    problem.pickups[i - 1].window_end_h
                    if math.isfinite(problem.pickups[i - 1].window_end_h)
                    else inf,
                )
                for i in trip
            ]
        )
        late.append([var(0.0, inf) for _ in trip])
    cost = np.zeros(len(cols))
    rows: list[tuple[float, float, list[int], list[float]]] = []
    tie = 1e-6
    span_coef = vtype.cost_per_hour if vtype.cost_per_hour > 0 else tie
    cost[ret[-1]] += span_coef
    cost[dep[0]] -= span_coef - tie / 10  # between equal schedules, the earliest
    limit = problem.freshness_limit_h(vtype)
    for r, trip in enumerate(trips):
        prev_col, prev_node, prev_service = dep[r], 0, 0.0
        for k, i in enumerate(trip):
            pickup = problem.pickups[i - 1]
            # (4) a_i - a_prev >= s_prev + t
            rows.append(
                (prev_service + travel[prev_node, i], inf, [start[r][k], prev_col], [1.0, -1.0])
            )
            prev_col, prev_node, prev_service = start[r][k], i, pickup.service_h
        # (4) R = a_last + s_last + t_last,0
        back = prev_service + travel[prev_node, 0]
        rows.append((back, back, [ret[r], prev_col], [1.0, -1.0]))
        if r + 1 < len(trips):
            rows.append((0.0, inf, [dep[r + 1], ret[r]], [1.0, -1.0]))  # (7)
        for k, i in enumerate(trip):
            pickup = problem.pickups[i - 1]
            s = pickup.service_h
            if freshness and math.isfinite(limit):  # (9) R - a - s <= H
                rows.append((-inf, limit + s, [ret[r], start[r][k]], [1.0, -1.0]))
            weight = tie
            if not vtype.reefer:
                weight += pickup.tonnes * problem.warm_cost_per_t_h
                if problem.late_cost_per_t_h > 0:
                    # u >= R - a - s - g
                    rows.append(
                        (
                            -s - problem.curing_grace_h,
                            inf,
                            [late[r][k], ret[r], start[r][k]],
                            [1.0, -1.0, 1.0],
                        )
                    )
                    cost[late[r][k]] += pickup.tonnes * problem.late_cost_per_t_h
            cost[ret[r]] += weight
            cost[start[r][k]] -= weight
    if math.isfinite(vtype.max_shift_hours):  # (8)
        rows.append((-inf, vtype.max_shift_hours, [ret[-1], dep[0]], [1.0, -1.0]))
    lb = np.array([c[0] for c in cols])
    ub = np.array([c[1] for c in cols])
    h.addVars(len(cols), lb, ub)
    h.changeColsCost(len(cols), np.arange(len(cols), dtype=np.int32), cost)
    for lo, hi, idx, val in rows:
        h.addRow(lo, hi, len(idx), np.array(idx, dtype=np.int32), np.array(val))
    interrupt.run(h, stoppable=False)  # a few rows; it completes routes found, so that
    # routes a stopped search returned can still be written
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.asarray(h.getSolution().col_value)
    timings = []
    for r, trip in enumerate(trips):
        # The hub departure reported is the latest one that makes the first loading:
        # never before the LP's (so trips stay in sequence), and no longer a span.
        starts = [float(x[c]) for c in start[r]]
        timings.append(_timing(problem, travel, trip, starts, float(x[ret[r]])))
    return timings


def schedule_plan(problem: CollectionProblem, plan: RoutePlan) -> tuple[Route, ...] | None:
    """Routes with their exact schedule for a plan (``None`` if some trip order is late).

    Parameters
    ----------
    problem
        The collection problem.
    plan
        Per vehicle used: the fleet index of its type and its trips as matrix indices
        (1-based pickups).

    Returns
    -------
    tuple of Route or None
        Trips with arrival, departure, load and hours since pickup; ``None`` if a trip
        cannot meet its windows (or, with several trips, the vehicle's constraints).
    """
    routes: list[Route] = []
    used: dict[int, int] = {}
    for type_index, trips in plan:
        trips = tuple(t for t in trips if t)
        if not trips:
            continue
        vtype = problem.fleet[type_index]
        vehicle = used.get(type_index, 0)
        used[type_index] = vehicle + 1
        if len(trips) == 1:
            timings = _schedule_single(problem, vtype, trips[0])
        else:
            timings = _schedule_lp(problem, vtype, trips)
            if timings is None:  # schedule it anyway: the checker names what breaks
                timings = _schedule_lp(problem, vtype, trips, freshness=False)
        if timings is None:
            return None
        for number, (trip, timing) in enumerate(zip(trips, timings, strict=True)):
            stops = [Stop(problem.hub, math.nan, timing.depart, 0.0)]
            load = 0.0
            for i, (arrival, _start, departure) in zip(trip, timing.stops, strict=True):
                pickup = problem.pickups[i - 1]
                load += pickup.tonnes
                stops.append(
                    Stop(pickup.node, arrival, departure, load, timing.back - departure, pickup.id)
                )
            stops.append(Stop(problem.hub, timing.back, math.nan, load))
            routes.append(Route(vtype.id, vehicle, number, tuple(stops)))
    return tuple(routes)


def evaluate_plan(
    problem: CollectionProblem, plan: RoutePlan
) -> tuple[tuple[Route, ...], RouteCheck] | None:
    """A plan's routes with their exact schedule, and what the checker finds of them.

    ``None`` if some trip cannot be scheduled (see :func:`schedule_plan`).
    """
    routes = schedule_plan(problem, plan)
    if routes is None:
        return None
    return routes, check_routes(problem, routes)
