"""Why a collection problem cannot be served, and what binds in it.

:func:`diagnose` checks each pickup alone against every vehicle type (access, capacity,
window, hub hours, freshness, shift) and the fleet's capacity over the day: a failed
check makes the problem infeasible and names the village and why. The other functions
say which constraints can bind, which decides the backends (:func:`needs_ortools`) and
whether one search may keep to the fewest vehicles (:func:`fewest_vehicles`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from networks.collection import CollectionProblem, VehicleType
from optimizer.routing.scaling import EPS


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


def _alone(problem: CollectionProblem, vtype: VehicleType, i: int) -> str | None:
    """Why a vehicle of type ``vtype`` cannot serve pickup ``i`` alone (None if it can)."""
    pickup = problem.pickups[i - 1]
    if not vtype.may_serve(pickup.node):
        return f"{vtype.id} may not drive to {pickup.node}"
    if pickup.tonnes > vtype.capacity_t + EPS:
        return f"{vtype.id} carries {vtype.capacity_t:g} t, the pickup is {pickup.tonnes:g} t"
    travel = problem.travel_h_for(vtype)
    there, back = travel[0, i], travel[i, 0]
    arrival = problem.day_start_h + there
    if arrival > pickup.window_end_h + EPS:
        return (
            f"{vtype.id} arrives at {arrival:.2f} h at the earliest, loading must start "
            f"by {pickup.window_end_h:g} h"
        )
    begin = max(arrival, pickup.window_start_h)
    end = begin + pickup.service_h + back
    if end > problem.hub_close_h + EPS:
        return (
            f"{vtype.id} is back at {end:.2f} h at the earliest, the hub closes at "
            f"{problem.hub_close_h:g} h"
        )
    limit = problem.freshness_limit_h(vtype)
    if back > limit + EPS:
        kind = "reefer" if vtype.reefer else "ambient"
        return (
            f"{back:.2f} h from the village to the hub on {vtype.id}, freshness limit "
            f"{limit:g} h ({kind})"
        )
    duration = there + pickup.service_h + back
    if duration > vtype.max_shift_hours + EPS:
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
    if problem.total_tonnes > carry + EPS:
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
