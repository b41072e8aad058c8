"""The OR-Tools routing model of a collection problem (constraints 1-11).

Each pickup ``i`` gets a *drop* node at the hub, paired with it (same vehicle, drop after
pickup); a trip ends where the drops are, so one vehicle's route holds all its trips,
and a ``trips`` dimension counts them (7). Freshness (9) is
``cumul(drop_i) - cumul(i) - s_i <= H_k`` on the time dimension. The warm cost is
linear in single cumuls (see :func:`ortools_model`). Problems without freshness rules
or multiple trips use the plain model (no drop nodes). Constraint numbers as in
:mod:`optimizer.routing.collection`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from networks.collection import CollectionProblem
from optimizer.backends.routing import ortools_routing
from optimizer.routing.diagnosis import needs_ortools
from optimizer.routing.scaling import Scale, units_down, units_up


@dataclass
class OrtoolsModel:
    """An OR-Tools routing model and how its nodes map to our pickups.

    Node 0 is the hub. In the plain model node ``i`` is pickup ``i``. With drops, each
    *group* ``g`` of vehicles has a copy of every pickup, node ``g * 2n + i``, and of its
    drop at the hub, node ``g * 2n + n + i``; exactly one copy of each pickup is served
    (a disjunction). One group holds every vehicle, unless warm hours are priced and the
    fleet mixes ambient and reefer vehicles: then ambient and reefer vehicles form two
    groups, so that only ambient copies carry the warm price and each group has its own
    freshness limit.
    """

    routing: Any
    manager: Any
    vehicles: list[int]
    drops: bool
    n: int
    groups: int
    windows: bool = False

    def pickup_of(self, node: int) -> int | None:
        """Matrix index of the pickup at ``node`` (``None`` for the hub and drops)."""
        if node == 0:
            return None
        if not self.drops:
            return node
        within = (node - 1) % (2 * self.n) + 1
        return within if within <= self.n else None


def _time_horizon(problem: CollectionProblem, scale: Scale, service: np.ndarray) -> int:
    """Latest time (solver units) any vehicle can be back: the hub's closing, or a bound."""
    ts = scale.time
    if math.isfinite(problem.hub_close_h):
        return units_down(problem.hub_close_h, ts)
    n = problem.num_pickups
    slowest = min(v.speed_factor for v in problem.fleet)
    longest = units_up(float(problem.travel_h.max()) / slowest, ts)
    bound = int(service.sum()) + (2 * n + 2) * longest
    shifts = [v.max_shift_hours for v in problem.fleet]
    if all(math.isfinite(x) for x in shifts):
        bound = min(bound, units_down(max(shifts), ts))
    return units_up(problem.day_start_h, ts) + bound


def ortools_model(problem: CollectionProblem, scale: Scale) -> OrtoolsModel | None:
    """The OR-Tools routing model (plain, or with drop nodes for freshness and trips).

    Constraint numbers as in the module docstring. The warm price of pickup ``i`` on an
    ambient copy, ``c_i (cumul(drop_i) - cumul(i))`` up to a constant, is two soft
    bounds: ``c_i max(0, cumul(drop_i) - U_i)`` with ``U_i = e_i + s_i`` (never above the
    drop's cumul) and ``c_i max(0, L_i - cumul(i))`` with ``L_i = l_i`` (never below the
    pickup's), so both stay linear; their constant ``c_i (l_i - e_i)`` is also paid on
    the arcs leaving reefer copies, so that it favours neither kind of vehicle.

    Returns
    -------
    OrtoolsModel or None
        ``None`` if the fleet has no vehicle.
    """
    pywrapcp, _ = ortools_routing()

    n = problem.num_pickups
    ds, ts, ls, cs = scale.distance, scale.time, scale.load, scale.cost
    vehicles = [k for k, v in enumerate(problem.fleet) for _ in range(v.count)]
    if not vehicles:
        return None
    drops = needs_ortools(problem) or any(problem.trips_allowed(v) > 1 for v in problem.fleet)
    kinds = {problem.fleet[k].reefer for k in vehicles}
    split = drops and problem.prices_freshness and len(kinds) == 2
    # group of each vehicle: 0 all (or ambient), 1 reefer when split
    group_of = [int(split and problem.fleet[k].reefer) for k in vehicles]
    groups = 2 if split else 1
    num_nodes = 1 + (2 * n * groups if drops else n)
    loc = np.zeros(num_nodes, dtype=np.int64)
    service = np.zeros(num_nodes, dtype=np.int64)
    demand = np.zeros(num_nodes, dtype=np.int64)
    serv = np.array([units_up(p.service_h, ts) for p in problem.pickups], dtype=np.int64)
    tonnes = np.array([units_up(p.tonnes, ls) for p in problem.pickups], dtype=np.int64)

    def pickup_node(g: int, i: int) -> int:
        return g * 2 * n + i if drops else i

    def drop_node(g: int, i: int) -> int:
        return g * 2 * n + n + i

    for g in range(groups):
        for i in range(1, n + 1):
            node = pickup_node(g, i)
            loc[node], service[node], demand[node] = i, serv[i - 1], tonnes[i - 1]
            if drops:
                demand[drop_node(g, i)] = -tonnes[i - 1]
    manager = pywrapcp.RoutingIndexManager(num_nodes, len(vehicles), 0)
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()
    dist = np.round(problem.distance_km * ds).astype(np.int64)[np.ix_(loc, loc)]

    # The warm price of pickup i on an ambient copy, c_i * (cumul(drop) - cumul(pickup)),
    # is set as soft bounds: c_i * (cumul(drop) - U_i) + c_i * (L_i - cumul(pickup)), with
    # U_i = e_i + s_i <= cumul(drop) and L_i = l_i >= cumul(pickup) always, so both parts
    # stay linear. That adds c_i * (l_i - e_i) for every ambient copy served; reefer
    # copies pay the same constant on the arcs leaving them, so the objective never
    # favours a vehicle kind for it.
    slope = problem.warm_cost_per_t_h + problem.late_cost_per_t_h * (
        1.0 if problem.curing_grace_h == 0 else 0.5
    )
    coef = np.zeros(n + 1, dtype=np.int64)
    lower = np.zeros(n + 1, dtype=np.int64)
    upper = np.zeros(n + 1, dtype=np.int64)
    start = units_up(problem.day_start_h, ts)
    horizon = _time_horizon(problem, scale, serv)
    offset = np.zeros(num_nodes, dtype=np.int64)
    if drops and problem.prices_freshness:
        for i, p in enumerate(problem.pickups, start=1):
            coef[i] = int(round(p.tonnes * slope * cs / ts))
            lower[i] = min(units_up(p.window_start_h, ts), horizon)
            upper[i] = min(
                units_down(p.window_end_h, ts) if math.isfinite(p.window_end_h) else horizon,
                horizon,
            )
            if split:
                offset[pickup_node(1, i)] = coef[i] * (upper[i] - lower[i])

    # Arc costs and fixed costs (objective).
    arc_eval: dict[int, int] = {}
    for v, k in enumerate(vehicles):
        vt = problem.fleet[k]
        unit = int(round(vt.cost_per_km * cs / ds))
        if unit not in arc_eval:
            matrix = dist * unit + offset[:, None]
            arc_eval[unit] = routing.RegisterTransitMatrix(matrix.tolist())
        routing.SetArcCostEvaluatorOfVehicle(arc_eval[unit], v)
        routing.SetFixedCostOfVehicle(int(round(vt.fixed_cost * cs)), v)

    # (3) capacity per trip: drops unload.
    load_eval = routing.RegisterUnaryTransitVector(demand.tolist())
    routing.AddDimensionWithVehicleCapacity(
        load_eval, 0, [units_down(problem.fleet[k].capacity_t, ls) for k in vehicles], True, "load"
    )

    # (4)-(8) time.
    windows = any(
        p.window_start_h > problem.day_start_h or math.isfinite(p.window_end_h)
        for p in problem.pickups
    )
    timed = (
        drops
        or windows
        or math.isfinite(problem.hub_close_h)
        or any(math.isfinite(v.max_shift_hours) or v.cost_per_hour > 0 for v in problem.fleet)
    )
    time_dim = None
    if timed:
        time_eval: dict[float, int] = {}
        evaluators = []
        for k in vehicles:
            vt = problem.fleet[k]
            if vt.speed_factor not in time_eval:
                travel = np.ceil(problem.travel_h / vt.speed_factor * ts - 1e-6).astype(np.int64)
                matrix = np.maximum(travel, 0)[np.ix_(loc, loc)] + service[:, None]
                time_eval[vt.speed_factor] = routing.RegisterTransitMatrix(matrix.tolist())
            evaluators.append(time_eval[vt.speed_factor])
        routing.AddDimensionWithVehicleTransitAndCapacity(
            evaluators, horizon, [horizon] * len(vehicles), False, "time"
        )
        time_dim = routing.GetDimensionOrDie("time")
        for g in range(groups):
            for i, p in enumerate(problem.pickups, start=1):  # (5) windows
                late = units_down(p.window_end_h, ts) if math.isfinite(p.window_end_h) else horizon
                cumul = time_dim.CumulVar(manager.NodeToIndex(pickup_node(g, i)))
                cumul.SetRange(min(units_up(p.window_start_h, ts), horizon), min(late, horizon))
        for v, k in enumerate(vehicles):
            vt = problem.fleet[k]
            time_dim.CumulVar(routing.Start(v)).SetRange(start, horizon)  # (6)
            time_dim.CumulVar(routing.End(v)).SetRange(start, horizon)
            if vt.cost_per_hour > 0:
                time_dim.SetSpanCostCoefficientForVehicle(int(round(vt.cost_per_hour * cs / ts)), v)
            if math.isfinite(vt.max_shift_hours):  # (8)
                time_dim.SetSpanUpperBoundForVehicle(units_down(vt.max_shift_hours, ts), v)
            routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(v)))
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))

    if drops:
        assert time_dim is not None
        # (7) trips: a trip starts where a pickup follows the start or a drop.
        is_pickup = np.zeros(num_nodes, dtype=bool)
        is_drop = np.zeros(num_nodes, dtype=bool)
        for g in range(groups):
            is_pickup[[pickup_node(g, i) for i in range(1, n + 1)]] = True
            is_drop[[drop_node(g, i) for i in range(1, n + 1)]] = True
        trip_matrix = np.zeros((num_nodes, num_nodes), dtype=np.int64)
        trip_matrix[np.ix_(is_drop, is_pickup)] = 1
        trip_matrix[0, is_pickup] = 1
        trip_eval = routing.RegisterTransitMatrix(trip_matrix.tolist())
        routing.AddDimensionWithVehicleCapacity(
            trip_eval,
            0,
            [problem.trips_allowed(problem.fleet[k]) for k in vehicles],
            True,
            "trips",
        )
        limits = [problem.freshness_limit_h(problem.fleet[k]) for k in vehicles]
        limits_int = [units_down(h, ts) if math.isfinite(h) else horizon for h in limits]
        for g in range(groups):
            members = [v for v in range(len(vehicles)) if group_of[v] == g]
            group_limits = {limits_int[v] for v in members}
            priced = problem.prices_freshness and (
                not split or not problem.fleet[vehicles[members[0]]].reefer
            )
            for i in range(1, n + 1):
                pi = manager.NodeToIndex(pickup_node(g, i))
                di = manager.NodeToIndex(drop_node(g, i))
                if groups == 1:
                    routing.AddPickupAndDelivery(pi, di)
                solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
                solver.Add(time_dim.CumulVar(pi) <= time_dim.CumulVar(di))
                time_dim.CumulVar(di).SetRange(start, horizon)
                # (9) hours since pickup: cumul(drop) - cumul(pickup) - service
                age = time_dim.CumulVar(di) - time_dim.CumulVar(pi) - int(serv[i - 1])
                if len(group_limits) == 1:
                    (limit,) = group_limits
                    if limit < horizon:
                        solver.Add(age <= limit)
                else:
                    solver.Add(age <= solver.Element(limits_int, routing.VehicleVar(pi)))
                if priced and coef[i] > 0:  # warm cost, see the arc costs above
                    serve = int(serv[i - 1])
                    time_dim.SetCumulVarSoftUpperBound(di, int(lower[i]) + serve, int(coef[i]))
                    time_dim.SetCumulVarSoftLowerBound(pi, int(upper[i]), int(coef[i]))
        if groups > 1:
            for i in range(1, n + 1):  # one copy of each pickup (and its drop) is served
                copies = routing.AddDisjunction(
                    [manager.NodeToIndex(pickup_node(g, i)) for g in range(groups)]
                )
                drops_of = routing.AddDisjunction(
                    [manager.NodeToIndex(drop_node(g, i)) for g in range(groups)]
                )
                routing.AddPickupAndDeliverySets(copies, drops_of)

    # (10) access, and the vehicle group of each copy.
    # SetAllowedVehiclesForIndex's binding rejects Python lists in 9.15: remove values.
    for g in range(groups):
        for i, p in enumerate(problem.pickups, start=1):
            barred = [
                v
                for v, k in enumerate(vehicles)
                if group_of[v] != g or not problem.fleet[k].may_serve(p.node)
            ]
            if barred:
                routing.VehicleVar(manager.NodeToIndex(pickup_node(g, i))).RemoveValues(barred)
                if drops:
                    routing.VehicleVar(manager.NodeToIndex(drop_node(g, i))).RemoveValues(barred)
    return OrtoolsModel(routing, manager, vehicles, drops, n, groups, windows)
