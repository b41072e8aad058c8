"""Village collection routing: which vehicle fetches which village's fruit, in which order.

Formulation
-----------
*Sets.* ``P`` pickups (villages, or loads of a village); ``0`` the hub; ``K`` vehicle
types; ``V`` vehicles, ``k(v)`` the type of ``v``; trips ``r = 1..R_k`` of a vehicle
(``R_k = max_trips`` where the problem allows multiple trips, else 1).

*Parameters.* ``q_i`` tonnes, ``[e_i, l_i]`` loading window, ``s_i`` loading hours of
pickup ``i``; ``d_ij`` km and ``t_ij`` hours between places; per type ``k``: count
``N_k``, capacity ``Q_k``, fixed cost ``F_k``, ``c^km_k``, ``c^h_k``, speed factor
``sigma_k`` (travel takes ``t_ij / sigma_k``), freshness limit ``H_k`` (``H`` ambient,
``H'`` reefer), shift ``S_k``, villages it may reach ``A_k``; day start ``T0`` and hub
closing ``T1``; warm cost ``w`` and late cost ``lambda`` per tonne-hour, curing grace
``g``.

*Variables.* ``x_ijvr`` = 1 if vehicle ``v`` drives ``i -> j`` on trip ``r``; ``a_i``
start of loading at ``i``; ``D_vr``, ``R_vr`` departure from and return to the hub of
trip ``r``; ``h_i = R_v(i)r(i) - a_i - s_i`` hours since pickup of ``i``.

*Objective.* minimise ``sum_v F_k [v used] + sum c^km_k d_ij x_ijvr
+ sum_v c^h_k (R_v,last - D_v,first)
+ sum_{i on an ambient vehicle} q_i (w h_i + lambda max(0, h_i - g))``.

*Constraints.*

1. every pickup is served once;
2. each trip is a path hub -> pickups -> hub;
3. capacity: ``sum_{i in trip} q_i <= Q_k``;
4. time: ``a_j >= a_i + s_i + t_ij / sigma_k`` along a trip,
   ``a_first >= D_vr + t_0i / sigma_k``, ``R_vr = a_last + s_last + t_i0 / sigma_k``
   (a vehicle waits at villages or at the hub, not on the road);
5. windows: ``e_i <= a_i <= l_i``;
6. hub hours: ``D_v1 >= T0``, ``R_v,last <= T1``;
7. trips in sequence: ``D_v,r+1 >= R_vr``, at most ``R_k`` trips;
8. shift: ``R_v,last - D_v,first <= S_k``;
9. freshness: ``h_i <= H_k(v(i))``;
10. access: ``i`` on a vehicle of type ``k`` only if its village is in ``A_k``;
11. fleet: at most ``N_k`` vehicles of type ``k``.

The warm cost is the shelf-life model's per-leg survival view linearised at zero loss
(``networks.shelf_life``): a warm hour at the week's ambient ``T`` uses a share
``k(T) = kappa r(T) / (24 life)`` of a lot's value, and each hour past the curing grace
``delay_penalty_factor`` times that more (``instances.collection`` derives ``w``,
``lambda`` and ``g`` from the scenario's product). Hours count from loading at the
village to pre-cooling at the hub; on a reefer they cost nothing.

Backends
--------
``pyvrp`` (PyVRP 0.14, iterated local search) expresses 1-8, 10 and 11: capacities,
windows, service times, a mixed fleet with fixed, distance and duration costs (one
routing profile per speed factor and access set), shifts, and several trips through
reloading at the hub. It cannot express 9 or the warm cost.

``ortools`` (OR-Tools routing) expresses all of 1-11. Each pickup ``i`` gets a *drop*
node at the hub, paired with it (same vehicle, drop after pickup); a trip ends where the
drops are, so one vehicle's route holds all its trips, and a ``trips`` dimension counts
them (7). Freshness (9) is ``cumul(drop_i) - cumul(i) - s_i <= H_k`` on the time
dimension. The warm cost ``c_i (cumul(drop_i) - cumul(i) - s_i)`` is linear in single
cumuls: a soft upper bound on the drop and a soft lower bound on the pickup, whose
references keep both terms linear (see :func:`_ortools_model`). Where the fleet mixes
ambient and reefer vehicles, each pickup has one copy per kind (a disjunction), and
only ambient copies are priced. Exact for ``g = 0``; with a grace period the slope is
``w + lambda / 2`` (a surrogate: the exact cost of every candidate is recomputed before
one is chosen). Problems without freshness rules or multiple trips use the plain model
(no drop nodes).

``auto`` (default): where PyVRP can express the whole problem, one PyVRP search per
worker process (both cores), each with its own seed; where capacity is all that binds,
one of them keeps to the fewest vehicles that can carry the load. Where freshness
binds or warm hours are priced, PyVRP searches a third of the time and OR-Tools the
rest: one worker from PyVRP's best routes (``ReadAssignmentFromRoutes``), one from a
first-solution strategy. ``polish`` gives a share of the time to an OR-Tools stage
started from PyVRP's routes on problems PyVRP expresses whole.

Every candidate is rescheduled exactly (a one-trip vehicle in closed form: the
earliest return, then every loading as late as that return allows, which minimises its
duration and every pickup's hours at once; a several-trip vehicle by a small linear
program in HiGHS), checked by :func:`results.route_check.check_routes`, and costed from
the data; the cheapest feasible one is returned.

Integers: both solvers take integer data. Distances, times, loads and costs are scaled
by the factors in :class:`Scale` (exact powers of ten where the data allow, as for the
benchmarks' conventions); travel and service times are rounded up, window ends,
capacities and limits down, so a plan feasible for the solver is feasible for the
data. Solver classes are imported lazily, inside the functions that use them.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from networks.collection import CollectionProblem, Route, Stop, VehicleType, routes_to_frame
from networks.errors import SolverUnavailableError
from results.route_check import RouteCheck, check_routes

BACKENDS = ("auto", "pyvrp", "ortools")
STATUSES = ("optimal", "feasible", "time_limit", "infeasible", "no_solution")

#: A plan: per vehicle used, its type's index in the fleet and its trips (matrix indices).
Plan = tuple[tuple[int, tuple[tuple[int, ...], ...]], ...]

_EPS = 1e-9
_INT_INF = 2**62


# ======================================================================================
# Values
# ======================================================================================
@dataclass(frozen=True)
class Scale:
    """Integer units the solvers were given.

    Parameters
    ----------
    distance
        Units per kilometre (per benchmark distance unit).
    time
        Units per hour.
    load
        Units per tonne.
    cost
        Units per currency unit.
    rounding_error
        Largest relative error of a rounded cost coefficient.
    """

    distance: int
    time: int
    load: int
    cost: int
    rounding_error: float = 0.0


@dataclass(frozen=True)
class Diagnosis:
    """Why (part of) a collection problem cannot be served.

    Parameters
    ----------
    pickup
        Pickup id, or ``None`` for the whole problem.
    node
        Village id, or ``None``.
    reasons
        One reason per vehicle type (or one for the whole problem).
    """

    pickup: str | None
    node: str | None
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        if self.node is None:
            return "; ".join(self.reasons)
        label = self.node if self.pickup in (None, self.node) else f"{self.node} ({self.pickup})"
        return f"village {label}: no vehicle can serve it: " + "; ".join(self.reasons)


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
    """

    backend: str
    seed: int
    cost: float
    seconds: float
    note: str = ""
    cpu_seconds: float = math.nan


@dataclass(frozen=True)
class RoutingResult:
    """A collection plan and how it was found.

    Parameters
    ----------
    status
        One of :data:`STATUSES`: ``time_limit`` when the time limit stopped the search
        with a plan in hand, ``feasible`` when an iteration limit did, ``optimal`` only
        for a trivial problem, ``infeasible`` with a :attr:`diagnosis`,
        ``no_solution`` when no feasible plan was found.
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

    status: str
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
    backend: str = ""
    seconds: float = 0.0
    seed: int = 0
    scale: Scale | None = None
    time_limit: float | None = None
    diagnosis: tuple[Diagnosis, ...] = ()
    stages: tuple[Stage, ...] = ()
    problem_name: str = ""
    convention: str | None = None

    @property
    def has_plan(self) -> bool:
        """Whether the result holds a plan (routes, possibly none for no pickups)."""
        return self.status in ("optimal", "feasible", "time_limit")

    @property
    def objective(self) -> float:
        """Total cost of the plan.

        Raises
        ------
        ValueError
            If there is no plan.
        """
        if not self.has_plan:
            raise ValueError(f"no plan: the status is {self.status}")
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
            "backend": self.backend,
            "seconds": self.seconds,
            "time_limit_s": self.time_limit,
            "seed": self.seed,
            "scale_distance_per_km": scale.distance if scale else None,
            "scale_time_per_h": scale.time if scale else None,
            "scale_load_per_t": scale.load if scale else None,
            "scale_cost_per_cny": scale.cost if scale else None,
            "diagnosis": [str(d) for d in self.diagnosis],
        }


# ======================================================================================
# Scaling
# ======================================================================================
def _power_of_ten(values: np.ndarray, default: int, max_power: int = 3) -> int:
    """Smallest ``10**k`` (k <= max_power) making every value integral, else ``default``."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    for k in range(max_power + 1):
        scaled = values * 10**k
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6 * np.maximum(1.0, np.abs(scaled))):
            return 10**k
    return default


def _cost_coefficients(problem: CollectionProblem, dist: int, tim: int) -> np.ndarray:
    coefs = []
    for v in problem.fleet:
        coefs += [v.fixed_cost, v.cost_per_km / dist, v.cost_per_hour / tim]
    w = problem.warm_cost_per_t_h + problem.late_cost_per_t_h
    coefs += [p.tonnes * w / tim for p in problem.pickups]
    return np.asarray([c for c in coefs if c > 0], dtype=float)


def choose_scale(problem: CollectionProblem) -> Scale:
    """Integer units for the solvers: exact where the data allow, fine otherwise.

    Distances: the smallest power of ten up to 1000 that makes every distance integral
    (1 for CVRPLIB, 10 for Solomon's one-decimal convention), else 100 per km (10 m).
    Times likewise, else 600 per hour (6 s). Loads likewise, else 1000 per tonne (kg).
    Costs: the smallest power of ten making every cost coefficient integral, else one
    that rounds each coefficient to within 0.1% of its value (a warning says when
    that cannot be had below 1e9 units for the largest).
    """
    dist = _power_of_ten(problem.distance_km, default=100)
    times = [problem.travel_h.ravel()]
    for v in problem.fleet:
        if v.speed_factor != 1.0:
            times.append((problem.travel_h / v.speed_factor).ravel())
        times.append(np.array([v.max_shift_hours]))
    for p in problem.pickups:
        times.append(np.array([p.window_start_h, p.window_end_h, p.service_h]))
    times.append(
        np.array(
            [
                problem.day_start_h,
                problem.hub_close_h,
                problem.freshness_ambient_h,
                problem.freshness_reefer_h,
                problem.curing_grace_h,
            ]
        )
    )
    tim = _power_of_ten(np.concatenate(times), default=600)
    loads = [p.tonnes for p in problem.pickups] + [v.capacity_t for v in problem.fleet]
    load = _power_of_ten(np.asarray(loads), default=1000)
    coefs = _cost_coefficients(problem, dist, tim)
    cost = 1
    error = 0.0
    if coefs.size:
        for k in range(10):
            scaled = coefs * 10**k
            rounded = np.maximum(np.round(scaled), 1.0)
            error = float(np.max(np.abs(rounded - scaled) / scaled))
            cost = 10**k
            if error <= 1e-3 or np.max(scaled) > 1e9:
                break
        if error > 1e-3:
            warnings.warn(
                f"cost coefficients lose up to {error:.2%} when rounded to integers "
                f"(scale {cost} per currency unit)",
                stacklevel=2,
            )
    return Scale(distance=dist, time=tim, load=load, cost=cost, rounding_error=error)


def _up(x: float, s: int) -> int:
    return int(math.ceil(x * s - 1e-6))


def _down(x: float, s: int) -> int:
    return int(math.floor(x * s + 1e-6))


# ======================================================================================
# Diagnosis
# ======================================================================================
def _alone(problem: CollectionProblem, vtype: VehicleType, i: int) -> str | None:
    """Why a vehicle of type ``vtype`` cannot serve pickup ``i`` alone (None if it can)."""
    pickup = problem.pickups[i - 1]
    if not vtype.may_serve(pickup.node):
        return f"{vtype.id} may not drive to {pickup.node}"
    if pickup.tonnes > vtype.capacity_t + _EPS:
        return f"{vtype.id} carries {vtype.capacity_t:g} t, the pickup is {pickup.tonnes:g} t"
    travel = problem.travel_h_for(vtype)
    there, back = travel[0, i], travel[i, 0]
    arrival = problem.day_start_h + there
    if arrival > pickup.window_end_h + _EPS:
        return (
            f"{vtype.id} arrives at {arrival:.2f} h at the earliest, loading must start "
            f"by {pickup.window_end_h:g} h"
        )
    begin = max(arrival, pickup.window_start_h)
    end = begin + pickup.service_h + back
    if end > problem.hub_close_h + _EPS:
        return (
            f"{vtype.id} is back at {end:.2f} h at the earliest, the hub closes at "
            f"{problem.hub_close_h:g} h"
        )
    limit = problem.freshness_limit_h(vtype)
    if back > limit + _EPS:
        kind = "reefer" if vtype.reefer else "ambient"
        return (
            f"{back:.2f} h from the village to the hub on {vtype.id}, freshness limit "
            f"{limit:g} h ({kind})"
        )
    duration = there + pickup.service_h + back
    if duration > vtype.max_shift_hours + _EPS:
        return (
            f"the round trip takes {duration:.2f} h on {vtype.id}, the shift "
            f"{vtype.max_shift_hours:g} h"
        )
    return None


def diagnose(problem: CollectionProblem) -> tuple[Diagnosis, ...]:
    """Check each pickup alone, and the fleet's total capacity.

    A pickup is servable if some vehicle type (with vehicles) may reach its village,
    carry its tonnes, arrive within its window, be back before the hub closes and within
    its shift, and bring it to the hub within the freshness limit. Passing these checks
    does not make the whole problem feasible (vehicles may be too few together), but
    failing one makes it infeasible.

    Returns
    -------
    tuple of Diagnosis
        Empty when every pickup is servable alone and the fleet can carry the total.
    """
    out: list[Diagnosis] = []
    available = [v for v in problem.fleet if v.count > 0]
    if problem.pickups and not available:
        return (Diagnosis(None, None, ("the fleet has no vehicle",)),)
    for i, pickup in enumerate(problem.pickups, start=1):
        reasons = []
        for vtype in available:
            why = _alone(problem, vtype, i)
            if why is None:
                break
            reasons.append(why)
        else:
            out.append(Diagnosis(pickup.id, pickup.node, tuple(reasons)))
    carry = sum(v.count * v.capacity_t * problem.trips_allowed(v) for v in available)
    if problem.total_tonnes > carry + _EPS:
        out.append(
            Diagnosis(
                None,
                None,
                (
                    f"the fleet carries at most {carry:g} t in the day "
                    f"(vehicles x capacity x trips), the pickups total {problem.total_tonnes:g} t",
                ),
            )
        )
    return tuple(out)


def freshness_binds(problem: CollectionProblem) -> bool:
    """Whether a freshness limit could cut some plan (it is shorter than a working day)."""
    for vtype in problem.fleet:
        if vtype.count == 0:
            continue
        day = min(vtype.max_shift_hours, problem.hub_close_h - problem.day_start_h)
        if problem.freshness_limit_h(vtype) < day:
            return True
    return False


def fewest_vehicles(problem: CollectionProblem) -> int | None:
    """The fewest vehicles that can carry the load, where capacity is all that binds.

    ``ceil(total tonnes / capacity)`` for a problem with one vehicle type, one trip per
    vehicle, no time windows, shifts, hub hours or freshness rules, and more vehicles
    than that; ``None`` otherwise (then it says nothing useful).
    """
    fleet = [v for v in problem.fleet if v.count > 0]
    if len(fleet) != 1 or problem.trips_allowed(fleet[0]) > 1 or needs_ortools(problem):
        return None
    vtype = fleet[0]
    if math.isfinite(vtype.max_shift_hours) or math.isfinite(problem.hub_close_h):
        return None
    if vtype.allowed_nodes is not None:
        return None
    if any(
        p.window_start_h > problem.day_start_h or math.isfinite(p.window_end_h)
        for p in problem.pickups
    ):
        return None
    fewest = math.ceil(problem.total_tonnes / vtype.capacity_t - 1e-9)
    return fewest if 0 < fewest < vtype.count else None


def needs_ortools(problem: CollectionProblem) -> bool:
    """Whether the problem has what PyVRP cannot express (freshness limits or prices)."""
    return freshness_binds(problem) or problem.prices_freshness


# ======================================================================================
# Exact schedules
# ======================================================================================
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
        if a > pickup.window_end_h + _EPS:
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
    import highspy

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
    h.run()
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


def schedule_plan(problem: CollectionProblem, plan: Plan) -> tuple[Route, ...] | None:
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


def _evaluate(
    problem: CollectionProblem, plan: Plan
) -> tuple[tuple[Route, ...], RouteCheck] | None:
    routes = schedule_plan(problem, plan)
    if routes is None:
        return None
    return routes, check_routes(problem, routes)


# ======================================================================================
# PyVRP
# ======================================================================================
def _import(name: str):
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - both are core dependencies
        pins = {"pyvrp": "pyvrp==0.14.1", "ortools": "ortools==9.15.6755"}
        raise SolverUnavailableError(
            f"backend {name!r} is not installed here (pip install {pins[name.split('.')[0]]})"
        ) from exc


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
    pyvrp = _import("pyvrp")
    n = problem.num_pickups
    ds, ts, ls, cs = scale.distance, scale.time, scale.load, scale.cost
    dist = np.round(problem.distance_km * ds).astype(np.int64)
    locations = [pyvrp.Location(0.0, 0.0) for _ in range(n + 1)]
    clients = []
    for i, p in enumerate(problem.pickups, start=1):
        late = _down(p.window_end_h, ts) if math.isfinite(p.window_end_h) else _INT_INF
        clients.append(
            pyvrp.Client(
                location=i,
                pickup=[_up(p.tonnes, ls)],
                service_duration=_up(p.service_h, ts),
                tw_early=_up(p.window_start_h, ts),
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
            kwargs["shift_duration"] = _down(v.max_shift_hours, ts)
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=int(v.count),
                capacity=[_down(v.capacity_t, ls)],
                fixed_cost=int(round(v.fixed_cost * cs)),
                tw_early=_up(problem.day_start_h, ts),
                tw_late=_down(problem.hub_close_h, ts)
                if math.isfinite(problem.hub_close_h)
                else _INT_INF,
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


def _pyvrp_plan(solution, type_map) -> Plan:
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
    from pyvrp import SolveParams
    from pyvrp.PenaltyManager import PenaltyParams

    unit = max(
        [1] + [max(v.unit_distance_cost, v.unit_duration_cost) for v in data.vehicle_types()]
    )
    if unit == 1:
        return SolveParams()
    return SolveParams(penalty=PenaltyParams(max_penalty=1e5 * unit))


class _ProcessTime:
    """PyVRP stopping criterion: this process has used ``budget`` processor seconds."""

    def __init__(self, budget: float):
        self.budget = budget
        self.start = time.process_time()

    def __call__(self, best_cost: float) -> bool:
        return time.process_time() - self.start >= self.budget


def _pyvrp_worker(
    data,
    type_map,
    seed: int,
    deadline: float,
    iterations: int | None,
    cpu_budget: float | None = None,
) -> tuple[Plan | None, str, bool]:
    """One PyVRP search; returns its best feasible plan, a note, and whether time stopped it.

    It stops at the wall-clock ``deadline``, or after ``cpu_budget`` processor seconds
    when that is given, or after ``iterations``, whichever comes first.
    """
    pyvrp = _import("pyvrp")
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    if cpu_budget is not None:
        criteria = [_ProcessTime(cpu_budget)]
    else:
        criteria = [MaxRuntime(max(0.05, deadline - time.time()))]
    if iterations is not None:
        criteria.append(MaxIterations(iterations))
    stop = criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)
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
    timed_out = iterations is None or result.num_iterations < iterations
    note = f"{result.num_iterations} iterations"
    if not result.best.is_feasible():
        return None, note + ", no feasible solution", timed_out
    return _pyvrp_plan(result.best, type_map), note, timed_out


# ======================================================================================
# OR-Tools
# ======================================================================================
_STRATEGIES = (
    "PATH_CHEAPEST_ARC",
    "PARALLEL_CHEAPEST_INSERTION",
    "SAVINGS",
    "LOCAL_CHEAPEST_INSERTION",
)
#: With time windows, path-building first solutions often find no feasible plan (none on
#: Solomon's R101 and RC101 in 30 s); insertion does.
_WINDOW_STRATEGIES = (
    "PARALLEL_CHEAPEST_INSERTION",
    "PATH_CHEAPEST_ARC",
    "LOCAL_CHEAPEST_INSERTION",
    "SAVINGS",
)
_PDP_STRATEGIES = (
    "PARALLEL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION",
    "SEQUENTIAL_CHEAPEST_INSERTION",
    "PATH_CHEAPEST_ARC",
)


@dataclass
class _OrtoolsModel:
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
        return _down(problem.hub_close_h, ts)
    n = problem.num_pickups
    slowest = min(v.speed_factor for v in problem.fleet)
    longest = _up(float(problem.travel_h.max()) / slowest, ts)
    bound = int(service.sum()) + (2 * n + 2) * longest
    shifts = [v.max_shift_hours for v in problem.fleet]
    if all(math.isfinite(x) for x in shifts):
        bound = min(bound, _down(max(shifts), ts))
    return _up(problem.day_start_h, ts) + bound


def _ortools_model(problem: CollectionProblem, scale: Scale) -> _OrtoolsModel | None:
    """The OR-Tools routing model (plain, or with drop nodes for freshness and trips).

    Constraint numbers as in the module docstring. The warm price of pickup ``i`` on an
    ambient copy, ``c_i (cumul(drop_i) - cumul(i))`` up to a constant, is two soft
    bounds: ``c_i max(0, cumul(drop_i) - U_i)`` with ``U_i = e_i + s_i`` (never above the
    drop's cumul) and ``c_i max(0, L_i - cumul(i))`` with ``L_i = l_i`` (never below the
    pickup's), so both stay linear; their constant ``c_i (l_i - e_i)`` is also paid on
    the arcs leaving reefer copies, so that it favours neither kind of vehicle.

    Returns
    -------
    _OrtoolsModel or None
        ``None`` if the fleet has no vehicle.
    """
    pywrapcp = _import("ortools.constraint_solver.pywrapcp")

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
    serv = np.array([_up(p.service_h, ts) for p in problem.pickups], dtype=np.int64)
    tonnes = np.array([_up(p.tonnes, ls) for p in problem.pickups], dtype=np.int64)

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
    start = _up(problem.day_start_h, ts)
    horizon = _time_horizon(problem, scale, serv)
    offset = np.zeros(num_nodes, dtype=np.int64)
    if drops and problem.prices_freshness:
        for i, p in enumerate(problem.pickups, start=1):
            coef[i] = int(round(p.tonnes * slope * cs / ts))
            lower[i] = min(_up(p.window_start_h, ts), horizon)
            upper[i] = min(
                _down(p.window_end_h, ts) if math.isfinite(p.window_end_h) else horizon, horizon
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
        load_eval, 0, [_down(problem.fleet[k].capacity_t, ls) for k in vehicles], True, "load"
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
                late = _down(p.window_end_h, ts) if math.isfinite(p.window_end_h) else horizon
                cumul = time_dim.CumulVar(manager.NodeToIndex(pickup_node(g, i)))
                cumul.SetRange(min(_up(p.window_start_h, ts), horizon), min(late, horizon))
        for v, k in enumerate(vehicles):
            vt = problem.fleet[k]
            time_dim.CumulVar(routing.Start(v)).SetRange(start, horizon)  # (6)
            time_dim.CumulVar(routing.End(v)).SetRange(start, horizon)
            if vt.cost_per_hour > 0:
                time_dim.SetSpanCostCoefficientForVehicle(int(round(vt.cost_per_hour * cs / ts)), v)
            if math.isfinite(vt.max_shift_hours):  # (8)
                time_dim.SetSpanUpperBoundForVehicle(_down(vt.max_shift_hours, ts), v)
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
        limits_int = [_down(h, ts) if math.isfinite(h) else horizon for h in limits]
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
    return _OrtoolsModel(routing, manager, vehicles, drops, n, groups, windows)


def _ortools_worker(
    problem: CollectionProblem, scale: Scale, variant: int, deadline: float, initial: Plan | None
) -> tuple[Plan | None, str, bool]:
    """One OR-Tools routing search.

    It starts from ``initial`` if given and accepted, else from the first-solution
    strategies in turn (starting at ``variant``) until one succeeds.
    """
    pywrapcp = _import("ortools.constraint_solver.pywrapcp")
    enums = _import("ortools.constraint_solver.routing_enums_pb2")

    def params_for(strategy: str):
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = getattr(enums.FirstSolutionStrategy, strategy)
        params.local_search_metaheuristic = enums.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        remaining = max(0.05, deadline - time.time())
        params.time_limit.FromMilliseconds(int(remaining * 1000))
        return params

    model = _ortools_model(problem, scale)
    if model is None:
        return None, "no vehicles", False
    if model.drops:
        strategies = _PDP_STRATEGIES
    else:
        strategies = _WINDOW_STRATEGIES if model.windows else _STRATEGIES
    order = [strategies[(variant + j) % len(strategies)] for j in range(len(strategies))]
    notes = []
    solution = None
    if initial is not None:
        params = params_for(order[0])
        model.routing.CloseModelWithParameters(params)
        routes = _plan_to_ortools(problem, initial, model)
        start = None if routes is None else model.routing.ReadAssignmentFromRoutes(routes, True)
        if start is not None:
            notes.append("started from PyVRP's routes")
            solution = model.routing.SolveFromAssignmentWithParameters(start, params_for(order[0]))
        else:
            notes.append("PyVRP's routes rejected as a start")
            model = None  # a fresh model for the first-solution strategies
    for strategy in order if solution is None else ():
        # Insertion heuristics can fail fast on tight pickup-and-drop models; then the
        # next strategy gets a fresh model (a model does not solve twice) and the rest
        # of the time.
        if deadline - time.time() <= 0.05:
            break
        model = model or _ortools_model(problem, scale)
        solution = model.routing.SolveWithParameters(params_for(strategy))
        if solution is not None:
            notes.append(f"first solution {strategy}")
            break
        notes.append(f"{strategy} found no first solution (status {model.routing.status()})")
        model = None
    if solution is None or model is None:
        return None, "; ".join(notes + ["no solution"]), True

    routing, manager = model.routing, model.manager
    plan = []
    for v, k in enumerate(model.vehicles):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        trips: list[list[int]] = []
        after_drop = True
        while not routing.IsEnd(index):
            pickup = model.pickup_of(manager.IndexToNode(index))
            if pickup is not None:
                if after_drop:
                    trips.append([])
                trips[-1].append(pickup)
                after_drop = False
            else:
                after_drop = True
            index = solution.Value(routing.NextVar(index))
        if trips:
            plan.append((k, tuple(tuple(t) for t in trips)))
    return tuple(plan), "; ".join(notes), True


def _plan_to_ortools(problem, plan: Plan, model: _OrtoolsModel) -> list[list[int]] | None:
    free: dict[int, list[int]] = {}
    for v, k in enumerate(model.vehicles):
        free.setdefault(k, []).append(v)
    routes: list[list[int]] = [[] for _ in model.vehicles]
    n = model.n
    for k, trips in plan:
        if not free.get(k):
            return None
        v = free[k].pop(0)
        g = 1 if model.groups > 1 and problem.fleet[k].reefer else 0
        seq: list[int] = []
        for trip in trips:
            if model.drops:
                seq += [g * 2 * n + i for i in trip] + [g * 2 * n + n + i for i in trip]
            else:
                seq += list(trip)
        routes[v] = [model.manager.NodeToIndex(node) for node in seq]
    return routes


# ======================================================================================
# Running searches (in worker processes)
# ======================================================================================
def _run_tasks(tasks: Sequence[tuple[Callable, tuple]], workers: int) -> list:
    """Run ``fn(*args)`` for each task, in parallel processes when ``workers > 1``."""
    if workers <= 1 or len(tasks) <= 1:
        return [_safe(fn, args) for fn, args in tasks]
    # fork: no re-import of the caller's main module (scripts without a __main__ guard
    # work) and no start-up cost; the parent runs no solver threads when it forks.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        futures = [pool.submit(_safe, fn, args) for fn, args in tasks]
        return [f.result() for f in futures]


def _safe(fn: Callable, args: tuple):
    started, cpu = time.time(), time.process_time()
    try:
        plan, note, timed_out = fn(*args)
    except SolverUnavailableError:
        raise
    except Exception as exc:  # one failed search must not sink the others
        plan, note, timed_out = None, f"failed: {type(exc).__name__}: {exc}", False
    return plan, note, timed_out, (time.time() - started, time.process_time() - cpu)


def default_workers() -> int:
    """Worker processes: the CPU cores this process may use, at most 2."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


@dataclass
class _Best:
    plan: Plan | None = None
    routes: tuple[Route, ...] = ()
    check: RouteCheck | None = None
    backend: str = ""
    stages: list[Stage] = field(default_factory=list)
    timed_out: bool = False
    start: Plan | None = None  # a start for OR-Tools: the best plan, else any plan

    def offer(self, problem, plan, backend, seed, note, times, timed_out) -> None:
        seconds, cpu_seconds = times
        cost = math.nan
        if plan is not None and self.start is None:
            self.start = plan
        if plan is not None:
            evaluated = _evaluate(problem, plan)
            if evaluated is None:
                note += ", schedule infeasible"
            else:
                routes, check = evaluated
                if not check.ok:
                    kinds = ", ".join(sorted(check.by_constraint()))
                    note += f", violates {kinds}"
                else:
                    cost = float(check.cost)
                    if self.check is None or cost < self.check.cost - 1e-9:
                        self.plan, self.routes, self.check = plan, routes, check
                        self.start = plan
                        self.backend = backend
        self.timed_out = self.timed_out or timed_out
        self.stages.append(Stage(backend, seed, cost, seconds, note, cpu_seconds))


# ======================================================================================
# The one entry point
# ======================================================================================
def solve(
    problem: CollectionProblem,
    backend: str = "auto",
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int | None = None,
    iterations: int | None = None,
    polish: float = 0.0,
    clock: str = "wall",
) -> RoutingResult:
    """Plan one day's collection runs.

    Parameters
    ----------
    problem
        The collection problem.
    backend
        ``auto`` (default), ``pyvrp`` or ``ortools``; see the module docstring.
    time_limit
        Wall seconds for the whole solve, all stages and processes together.
    seed
        Seed of the first search; worker ``j`` uses ``seed + j`` (PyVRP) or first-solution
        strategy ``seed + j`` (OR-Tools).
    workers
        Parallel searches (processes); default :func:`default_workers` (both cores).
    iterations
        Stop each PyVRP search after this many iterations (for reproducible runs);
        the time limit still applies.
    polish
        Share of the time given to an OR-Tools stage started from PyVRP's routes when
        PyVRP can express the whole problem (0 = none).
    clock
        ``wall`` (default): ``time_limit`` is wall-clock seconds for the whole solve.
        ``cpu``: each PyVRP search runs for its share of ``time_limit`` in processor
        seconds of its own, however long that takes on a shared machine (for
        benchmarks that must not depend on other programs' load); OR-Tools stages keep
        wall-clock limits.

    Returns
    -------
    RoutingResult
        The cheapest feasible plan found, with its status, or a diagnosis.

    Raises
    ------
    ValueError
        If ``backend`` is unknown or ``time_limit`` is not positive.
    SolverUnavailableError
        If the backend is not installed.

    Examples
    --------
    >>> result = solve(problem, time_limit=5, seed=1)  # doctest: +SKIP
    >>> result.status, result.to_frame().head()  # doctest: +SKIP
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend: expected one of {', '.join(BACKENDS)}, got {backend!r}")
    if not time_limit > 0:
        raise ValueError(f"time_limit: expected seconds > 0, got {time_limit!r}")
    if not 0.0 <= polish < 1.0:
        raise ValueError(f"polish: expected a share in [0, 1), got {polish!r}")
    if clock not in ("wall", "cpu"):
        raise ValueError(f"clock: expected 'wall' or 'cpu', got {clock!r}")
    started = time.time()
    deadline = started + time_limit
    workers = default_workers() if workers is None else max(1, int(workers))
    scale = choose_scale(problem)
    common = dict(
        seed=seed,
        scale=scale,
        time_limit=time_limit,
        problem_name=problem.name,
        convention=problem.convention,
    )

    if problem.num_pickups == 0:
        return RoutingResult(
            status="optimal",
            cost=0.0,
            fixed_cost=0.0,
            distance_cost=0.0,
            time_cost=0.0,
            warm_cost=0.0,
            distance_km=0.0,
            hours=0.0,
            worst_freshness_h=0.0,
            seconds=time.time() - started,
            **common,
        )
    diagnosis = diagnose(problem)
    if diagnosis:
        return RoutingResult(
            status="infeasible", diagnosis=diagnosis, seconds=time.time() - started, **common
        )

    best = _Best()
    hard = needs_ortools(problem)
    use_pyvrp = backend in ("auto", "pyvrp")
    use_ortools = backend == "ortools" or (backend == "auto" and (hard or polish > 0))

    if use_pyvrp:
        data, type_map = pyvrp_data(problem, scale)
        share = 1.0
        if use_ortools:
            share = 1.0 / 3.0 if hard else 1.0 - polish
        stage_deadline = started + share * time_limit
        budget = share * time_limit if clock == "cpu" else None
        tasks = [
            (_pyvrp_worker, (data, type_map, seed + j, stage_deadline, iterations, budget))
            for j in range(workers)
        ]
        labels = ["pyvrp"] * workers
        fewest = fewest_vehicles(problem)
        if workers > 1 and fewest is not None:
            # Capacity is all that binds: one search keeps to the fewest vehicles that
            # can carry the load (often where the cheapest plans are, and hard to reach
            # by removing routes one at a time); the others search the whole fleet.
            narrow = problem.replace(
                fleet=tuple(v.replace(count=fewest) if v.count else v for v in problem.fleet)
            )
            narrow_data, _ = pyvrp_data(narrow, scale)
            tasks[-1] = (
                _pyvrp_worker,
                (
                    narrow_data,
                    type_map,
                    seed + workers - 1,
                    stage_deadline,
                    iterations,
                    budget,
                ),
            )
            labels[-1] = f"pyvrp-{fewest}-vehicles"
        for j, (plan, note, timed_out, times) in enumerate(_run_tasks(tasks, workers)):
            note = note if labels[j] == "pyvrp" else f"{note}, {labels[j]}"
            best.offer(problem, plan, "pyvrp", seed + j, note, times, timed_out)
    if use_ortools:
        if clock == "cpu":  # the PyVRP stage took what it took: OR-Tools gets its share
            deadline = time.time() + (1.0 - share if use_pyvrp else 1.0) * time_limit
        tasks, seeds = [], []
        if backend == "ortools" or hard or best.start is None:
            for variant in range(seed, seed + workers):
                tasks.append((_ortools_worker, (problem, scale, variant, deadline, None)))
                seeds.append(variant)
        if best.start is not None:  # polish PyVRP's best routes; if they are rejected,
            # start from another first-solution strategy than the searches above
            polish_task = (_ortools_worker, (problem, scale, seed + 1, deadline, best.start))
            if len(tasks) >= workers:
                tasks[-1], seeds[-1] = polish_task, seed + 1
            else:
                tasks.append(polish_task)
                seeds.append(seed + 1)
        for j, (plan, note, timed_out, times) in enumerate(_run_tasks(tasks, workers)):
            name = "ortools-polish" if note.startswith("started from PyVRP's") else "ortools"
            best.offer(problem, plan, name, seeds[j], note, times, timed_out)

    seconds = time.time() - started
    if best.check is None:
        why = (
            "no feasible plan found within the time limit; each village alone can be "
            "served, so the fleet may be too small for all of them together (vehicles, "
            "trips, shifts or freshness limits), or more time is needed"
        )
        if backend == "pyvrp" and freshness_binds(problem):
            why = (
                "PyVRP cannot express the freshness limits and its plans break them; "
                "use the auto or ortools backend"
            )
        return RoutingResult(
            status="no_solution",
            diagnosis=(Diagnosis(None, None, (why,)),),
            stages=tuple(best.stages),
            seconds=seconds,
            backend=backend,
            **common,
        )
    check = best.check
    status = "time_limit" if best.timed_out else "feasible"
    return RoutingResult(
        status=status,
        routes=best.routes,
        cost=check.cost,
        fixed_cost=check.fixed_cost,
        distance_cost=check.distance_cost,
        time_cost=check.time_cost,
        warm_cost=check.warm_cost,
        distance_km=check.distance_km,
        hours=check.hours,
        vehicles_used=check.vehicles_used,
        trips=check.trips,
        worst_freshness_h=check.worst_freshness_h,
        backend=best.backend,
        seconds=seconds,
        stages=tuple(best.stages),
        **common,
    )
