"""Independent check of collection routes: every constraint, and the cost recomputed.

Written apart from the router (it never imports ``optimizer``): it reads only the
:class:`~networks.collection.CollectionProblem` and the routes with their stated
schedule, and checks, with a small tolerance:

- ``route_shape``: each trip starts and ends at the hub, villages in between;
- ``unknown_pickup`` / ``unknown_vehicle``: ids that the problem does not have;
- ``coverage``: every pickup served exactly once;
- ``vehicle_count``: vehicle index within its type's count; ``trip_count``: trips per
  vehicle within ``max_trips`` (1 unless the problem allows multiple trips);
  ``trip_duplicate``: one route per vehicle and trip;
- ``access``: the vehicle type may drive to the village;
- ``capacity``: tonnes per trip within the vehicle's capacity;
- ``travel_time``: arrival no earlier than the previous departure plus the vehicle's
  travel time; ``service_time``: departure no earlier than the loading start plus the
  service hours;
- ``time_window``: loading starts (at ``max(arrival, window start)``) no later than the
  window end;
- ``hub_hours``: no departure before the day start, no return after the hub closes;
- ``trip_overlap``: a vehicle's trip starts after its previous trip returned;
- ``shift``: first departure to last return within the vehicle's shift;
- ``freshness``: hours from a village's departure to the hub within the limit of the
  vehicle (ambient or reefer);
- ``record``: stated load and hours since pickup equal the recomputed ones.

Cost, recomputed from the data: per vehicle used its fixed cost, plus ``cost_per_km``
times its kilometres, plus ``cost_per_hour`` times its working span (first departure to
last return), plus the warm cost of every pickup aboard an ambient vehicle
(:meth:`~networks.collection.CollectionProblem.warm_cost`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from networks.collection import CollectionProblem, Route, VehicleType

TOLERANCE_H = 1e-6
TOLERANCE_T = 1e-6


@dataclass(frozen=True)
class Violation:
    """One broken constraint.

    Parameters
    ----------
    constraint
        Constraint name (see the module docstring).
    vehicle
        Vehicle label ``TYPE/INDEX``, or ``None`` for a problem-wide violation.
    trip
        Trip number, or ``None``.
    node
        Node (village or hub) id, or ``None``.
    message
        What is wrong, with the numbers.
    """

    constraint: str
    vehicle: str | None
    trip: int | None
    node: str | None
    message: str

    def __str__(self) -> str:
        where = " ".join(
            x
            for x in (
                self.vehicle or "",
                "" if self.trip is None else f"trip {self.trip}",
                self.node or "",
            )
            if x
        )
        return (
            f"{self.constraint}: {where}: {self.message}"
            if where
            else (f"{self.constraint}: {self.message}")
        )


@dataclass(frozen=True)
class RouteCheck:
    """What :func:`check_routes` found.

    Parameters
    ----------
    violations
        Every violation (empty when the routes are feasible).
    cost
        Recomputed total cost.
    fixed_cost, distance_cost, time_cost, warm_cost
        Its parts.
    distance_km
        Kilometres driven, all vehicles.
    hours
        Working hours, summed over vehicles used (first departure to last return).
    vehicles_used
        Vehicles with at least one trip.
    trips
        Trips driven.
    worst_freshness_h
        Largest hours since pickup (0 without pickups).
    warm_tonne_hours
        Tonne-hours aboard ambient vehicles.
    """

    violations: tuple[Violation, ...]
    cost: float
    fixed_cost: float
    distance_cost: float
    time_cost: float
    warm_cost: float
    distance_km: float
    hours: float
    vehicles_used: int
    trips: int
    worst_freshness_h: float
    warm_tonne_hours: float

    @property
    def ok(self) -> bool:
        """Whether no constraint is broken."""
        return not self.violations

    def by_constraint(self) -> dict[str, int]:
        """Number of violations of each constraint."""
        counts: dict[str, int] = defaultdict(int)
        for v in self.violations:
            counts[v.constraint] += 1
        return dict(counts)


def _close(a: float, b: float, tol: float) -> bool:
    if math.isnan(a) and math.isnan(b):
        return True
    return abs(a - b) <= tol * max(1.0, abs(b))


def check_routes(
    problem: CollectionProblem,
    routes: Sequence[Route],
    tol_h: float = TOLERANCE_H,
    tol_t: float = TOLERANCE_T,
) -> RouteCheck:
    """Check routes against a collection problem and recompute their cost.

    Parameters
    ----------
    problem
        The collection problem.
    routes
        The trips, each with its stops and stated times, loads and hours since pickup.
    tol_h
        Tolerance on hours (absolute, relative above 1 hour).
    tol_t
        Tolerance on tonnes.

    Returns
    -------
    RouteCheck
        Violations (each naming vehicle, trip, node and constraint) and the cost.

    Examples
    --------
    >>> check = check_routes(problem, result.routes)  # doctest: +SKIP
    >>> check.ok, round(check.cost, 2)  # doctest: +SKIP
    (True, 1234.5)
    """
    out: list[Violation] = []

    def add(constraint, vehicle, trip, node, message):
        out.append(Violation(constraint, vehicle, trip, node, message))

    types: dict[str, VehicleType] = {v.id: v for v in problem.fleet}
    index = {p.id: i + 1 for i, p in enumerate(problem.pickups)}
    served: dict[str, int] = defaultdict(int)
    by_vehicle: dict[tuple[str, int], list[Route]] = defaultdict(list)
    seen_trips: set[tuple[str, int, int]] = set()

    distance_km = 0.0
    distance_cost = 0.0
    warm_cost = 0.0
    warm_tonne_hours = 0.0
    worst = 0.0

    for route in routes:
        vid = route.vehicle_id
        vtype = types.get(route.vehicle_type)
        if vtype is None:
            add(
                "unknown_vehicle",
                vid,
                route.trip,
                None,
                f"vehicle type {route.vehicle_type!r} is not in the fleet",
            )
            continue
        key = (route.vehicle_type, route.vehicle, route.trip)
        if key in seen_trips:
            add("trip_duplicate", vid, route.trip, None, "two routes for the same vehicle and trip")
        seen_trips.add(key)
        if not 0 <= route.vehicle < vtype.count:
            add(
                "vehicle_count",
                vid,
                route.trip,
                None,
                f"vehicle index {route.vehicle} but {vtype.id} has {vtype.count} vehicle(s)",
            )
        by_vehicle[(route.vehicle_type, route.vehicle)].append(route)

        stops = route.stops
        if len(stops) < 2 or stops[0].node != problem.hub or stops[-1].node != problem.hub:
            add(
                "route_shape",
                vid,
                route.trip,
                None,
                f"a trip must start and end at hub {problem.hub}",
            )
            continue
        travel = problem.travel_h_for(vtype)
        limit = problem.freshness_limit_h(vtype)
        # Walk the trip: positions in the matrices, loads, schedule.
        positions = [0]
        load = 0.0
        ok_shape = True
        for stop in stops[1:-1]:
            if stop.pickup is None or stop.pickup not in index:
                add(
                    "unknown_pickup",
                    vid,
                    route.trip,
                    stop.node,
                    f"stop {stop.pickup!r} is not a pickup of the problem",
                )
                ok_shape = False
                continue
            pickup = problem.pickups[index[stop.pickup] - 1]
            if pickup.node != stop.node:
                add(
                    "unknown_pickup",
                    vid,
                    route.trip,
                    stop.node,
                    f"pickup {pickup.id} is at {pickup.node}, not {stop.node}",
                )
            served[stop.pickup] += 1
            positions.append(index[stop.pickup])
            if not vtype.may_serve(pickup.node):
                add(
                    "access",
                    vid,
                    route.trip,
                    pickup.node,
                    f"{vtype.id} may not drive to {pickup.node}",
                )
            load += pickup.tonnes
            if not _close(stop.load_t, load, tol_t):
                add(
                    "record",
                    vid,
                    route.trip,
                    pickup.node,
                    f"load stated {stop.load_t:g} t, recomputed {load:g} t",
                )
        if not ok_shape:
            continue
        positions.append(0)
        if load > vtype.capacity_t + tol_t:
            add(
                "capacity",
                vid,
                route.trip,
                None,
                f"{load:g} t aboard, capacity {vtype.capacity_t:g} t",
            )
        if not _close(stops[-1].load_t, load, tol_t):
            add(
                "record",
                vid,
                route.trip,
                problem.hub,
                f"load at return stated {stops[-1].load_t:g} t, recomputed {load:g} t",
            )

        # Schedule.
        start = stops[0].departure_h
        if math.isnan(start):
            add("route_shape", vid, route.trip, problem.hub, "no departure time at the hub")
            continue
        if start < problem.day_start_h - tol_h:
            add(
                "hub_hours",
                vid,
                route.trip,
                problem.hub,
                f"leaves at {start:.4f} h, the day starts at {problem.day_start_h:g} h",
            )
        previous = start
        for k in range(1, len(stops)):
            stop = stops[k]
            a, b = positions[k - 1], positions[k]
            earliest = previous + travel[a, b]
            if math.isnan(stop.arrival_h) or stop.arrival_h < earliest - tol_h:
                add(
                    "travel_time",
                    vid,
                    route.trip,
                    stop.node,
                    f"arrives at {stop.arrival_h:.4f} h, but cannot arrive before {earliest:.4f} h",
                )
            if k == len(stops) - 1:
                break
            pickup = problem.pickups[b - 1]
            begin = max(stop.arrival_h, pickup.window_start_h)
            if begin > pickup.window_end_h + tol_h:
                add(
                    "time_window",
                    vid,
                    route.trip,
                    stop.node,
                    f"loading starts at {begin:.4f} h, window ends at {pickup.window_end_h:g} h",
                )
            if math.isnan(stop.departure_h) or stop.departure_h < begin + pickup.service_h - tol_h:
                add(
                    "service_time",
                    vid,
                    route.trip,
                    stop.node,
                    f"leaves at {stop.departure_h:.4f} h, loading ({pickup.service_h:g} h) cannot "
                    f"end before {begin + pickup.service_h:.4f} h",
                )
            previous = stop.departure_h
        end = stops[-1].arrival_h
        if end > problem.hub_close_h + tol_h:
            add(
                "hub_hours",
                vid,
                route.trip,
                problem.hub,
                f"returns at {end:.4f} h, the hub closes at {problem.hub_close_h:g} h",
            )

        # Freshness and the records of hours since pickup.
        for stop in stops[1:-1]:
            pickup = problem.pickups[index[stop.pickup] - 1]
            hours = end - stop.departure_h
            worst = max(worst, hours)
            if hours > limit + tol_h:
                kind = "reefer" if vtype.reefer else "ambient"
                add(
                    "freshness",
                    vid,
                    route.trip,
                    stop.node,
                    f"{hours:.4f} h from pickup to hub, limit {limit:g} h on a {kind} vehicle",
                )
            if not _close(stop.hours_since_pickup, hours, tol_h):
                add(
                    "record",
                    vid,
                    route.trip,
                    stop.node,
                    f"hours since pickup stated {stop.hours_since_pickup:g}, recomputed {hours:g}",
                )
            warm_cost += problem.warm_cost(vtype, pickup.tonnes, hours)
            if not vtype.reefer:
                warm_tonne_hours += pickup.tonnes * hours

        km = float(
            sum(
                problem.distance_km[positions[k], positions[k + 1]]
                for k in range(len(positions) - 1)
            )
        )
        distance_km += km
        distance_cost += vtype.cost_per_km * km

    # Per vehicle: trips, overlaps, shift, fixed and time cost.
    fixed_cost = 0.0
    time_cost = 0.0
    hours_total = 0.0
    for (type_id, vehicle), trips in sorted(by_vehicle.items()):
        vtype = types[type_id]
        vid = f"{type_id}/{vehicle}"
        allowed = problem.trips_allowed(vtype)
        if len(trips) > allowed:
            why = "" if problem.multi_trip else " (the problem allows one trip per vehicle)"
            add("trip_count", vid, None, None, f"{len(trips)} trips, at most {allowed}{why}")
        timed = [t for t in trips if len(t.stops) >= 2 and not math.isnan(t.start_h)]
        timed.sort(key=lambda t: (t.start_h, t.trip))
        for before, after in zip(timed, timed[1:], strict=False):
            if after.start_h < before.end_h - tol_h:
                add(
                    "trip_overlap",
                    vid,
                    after.trip,
                    problem.hub,
                    f"leaves at {after.start_h:.4f} h before trip {before.trip} returns "
                    f"at {before.end_h:.4f} h",
                )
        numbers = sorted(t.trip for t in trips)
        if [t.trip for t in sorted(timed, key=lambda t: t.start_h)] != numbers[: len(timed)]:
            add("trip_overlap", vid, None, None, "trip numbers are not in time order")
        if not timed:
            continue
        span = max(t.end_h for t in timed) - min(t.start_h for t in timed)
        if span > vtype.max_shift_hours + tol_h:
            add(
                "shift",
                vid,
                None,
                None,
                f"works {span:.4f} h, shift at most {vtype.max_shift_hours:g} h",
            )
        fixed_cost += vtype.fixed_cost
        time_cost += vtype.cost_per_hour * span
        hours_total += span

    for pickup in problem.pickups:
        count = served.get(pickup.id, 0)
        if count != 1:
            add(
                "coverage",
                None,
                None,
                pickup.node,
                f"pickup {pickup.id} served {count} times, expected once",
            )

    cost = fixed_cost + distance_cost + time_cost + warm_cost
    return RouteCheck(
        violations=tuple(out),
        cost=cost,
        fixed_cost=fixed_cost,
        distance_cost=distance_cost,
        time_cost=time_cost,
        warm_cost=warm_cost,
        distance_km=distance_km,
        hours=hours_total,
        vehicles_used=len(by_vehicle),
        trips=len(routes),
        worst_freshness_h=worst,
        warm_tonne_hours=warm_tonne_hours,
    )
