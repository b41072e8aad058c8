"""Integer units for the routing solvers: scale factors chosen from the data, and rounding.

Both solvers take integer data. Distances, times, loads and costs are scaled by the
factors of a :class:`Scale` (exact powers of ten where the data allow, as for the
benchmarks' conventions); travel and service times are rounded up (:func:`units_up`),
window ends, capacities and limits down (:func:`units_down`), so that a plan feasible
for the solver is feasible for the data. The factors are recorded on the result.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from networks.collection import CollectionProblem

#: Tolerance on hours and tonnes when a schedule or a load is compared with the data.
EPS = 1e-9
#: An integer bound that stands for "no limit" in solver units.
UNBOUNDED = 2**62


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


def units_up(x: float, s: int) -> int:
    """``x`` in units of ``1 / s``, rounded up (travel and service times)."""
    return int(math.ceil(x * s - 1e-6))


def units_down(x: float, s: int) -> int:
    """``x`` in units of ``1 / s``, rounded down (window ends, capacities, limits)."""
    return int(math.floor(x * s + 1e-6))
