"""A starting plan for the network design MIP: relax, round the hub openings, re-solve.

Given the hub openings the rest of the model is a flow LP. The LP relaxation says where
flow wants to go; each hub that the relaxation uses at all opens at the cheapest size
that holds the relaxation's peak weekly throughput and cold stock through it; the flow
LP with those openings fixed, re-priced by slope scaling so that flows fill whole trips
(trips relaxed, then rounded up), gives a feasible plan, which HiGHS takes as its first
incumbent. HiGHS's own heuristics were seen to need
minutes on the flagship scenario to find a plan within 1% of the optimum.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict

from optimizer._design_data import DesignData
from optimizer.backends import solve_pulp

SLOPE_SCALING_ROUNDS = 8


def _relaxed(model) -> None:
    import pulp

    for var in model.prob.variables():
        if var.cat != pulp.LpContinuous:
            var.cat = pulp.LpContinuous


def _openings(data: DesignData, model, values: dict) -> dict[str, str | None]:
    """Each hub's size: the cheapest that holds what the relaxation sends through it."""
    received = defaultdict(float)
    for (a, _p, w), var in model.x.items():
        received[(data.inbound[a][1], w)] += values.get(var.name, 0.0) or 0.0
    stock = defaultdict(float)
    for (h, _s, _p, w), var in model.inv.items():
        stock[(h, w)] += values.get(var.name, 0.0) or 0.0
    openings: dict[str, str | None] = {}
    for hub in data.hubs:
        used = sum(values.get(model.y[(hub, s[0])].name, 0.0) or 0.0 for s in data.sizes[hub])
        if used <= 1e-6:
            openings[hub] = None
            continue
        peak_in = max(received[(hub, w)] for w in data.weeks)
        peak_stock = max(stock[(hub, w)] for w in data.weeks)
        sizes = sorted(data.sizes[hub], key=lambda s: s[1])
        fitting = [s for s in sizes if s[2] >= peak_in - 1e-6 and s[3] >= peak_stock - 1e-6]
        openings[hub] = (fitting[0] if fitting else max(sizes, key=lambda s: (s[2], s[3])))[0]
    return openings


def _set_openings(model, data: DesignData, openings: dict[str, str | None]) -> None:
    for hub in data.hubs:
        for size in data.sizes[hub]:
            value = 1 if openings.get(hub) == size[0] else 0
            var = model.y[(hub, size[0])]
            var.lowBound = var.upBound = value


def design_start(data: DesignData, options, time_budget: float | None) -> dict | None:
    """Variable values of a feasible plan, or ``None`` where the heuristic finds none.

    Then a local search closes, one at a time, the hubs the relaxation used least,
    keeping each closure that lowers the cost (each candidate scored by slope scaling),
    while the time budget lasts.

    Parameters
    ----------
    data
        The model's coefficients.
    options
        The solve's :class:`~optimizer.network_design.DesignOptions`.
    time_budget
        Seconds the LPs may take in all (``None``: no limit).
    """
    from optimizer.network_design import _Model

    if options.single_sourcing or options.fixed_hubs:
        return None
    started = time.perf_counter()
    relaxation = _Model(data, options)
    _relaxed(relaxation)
    outcome = solve_pulp(relaxation.prob, "highs", time_budget, None, options.threads)
    if not outcome.has_solution:
        return None
    openings = _openings(data, relaxation, outcome.values)
    usage = {
        hub: sum(outcome.values.get(relaxation.y[(hub, s[0])].name) or 0.0 for s in data.sizes[hub])
        for hub in data.hubs
    }
    fixed = _Model(data, options)
    _relaxed(fixed)
    trip_cost = {var.name: fixed.prob.objective.get(var, 0.0) for var in fixed.n.values()}
    _set_openings(fixed, data, openings)
    best, best_cost = _slope_scaling(fixed, options, time_budget, started, trip_cost)
    if best is None:
        return None
    for hub in sorted((h for h, s in openings.items() if s), key=usage.get):
        if time_budget is not None and time.perf_counter() - started > time_budget:
            break
        trial = dict(openings, **{hub: None})
        _set_openings(fixed, data, trial)
        values, cost = _slope_scaling(fixed, options, time_budget, started, trip_cost)
        if values is not None and cost < best_cost - 1e-9 * abs(best_cost):
            best, best_cost, openings = values, cost, trial
    return best


def _rounded(values: dict, trips) -> dict:
    """Whole trips: each relaxed trip count rounded up, which stays feasible."""
    values = dict(values)
    for var in trips:
        values[var.name] = math.ceil((values.get(var.name) or 0.0) - 1e-7)
    return values


def _true_cost(model, values: dict, trip_cost: dict) -> float:
    """The objective with the original trip prices and whole trips."""
    total = 0.0
    for var, coefficient in model.prob.objective.items():
        price = trip_cost.get(var.name, coefficient)
        total += price * (values.get(var.name) or 0.0)
    return total


def _slope_scaling(fixed, options, time_budget, started, trip_cost) -> tuple[dict | None, float]:
    """Flows with the hubs fixed, priced at the cost of the whole trips they fill.

    Dynamic slope scaling (Kim & Pardalos 1999, for fixed-charge network flows): with
    trips relaxed, a leg's trips cost ``g / q`` per tonne whatever the fill; after each
    LP, every leg-week's trip price is rescaled to ``g * ceil(n) / n``, what its tonnes
    really cost in whole trips, and the LP is solved again, so flows gather on fewer,
    fuller trips. Each plan is scored with whole trips; the best is returned.
    """
    import pulp

    for var in fixed.n.values():  # start from the true trip prices
        fixed.prob.objective[var] = trip_cost[var.name]
    sense = 1.0 if fixed.prob.sense == pulp.LpMinimize else -1.0
    best, best_cost = None, math.inf
    for _ in range(SLOPE_SCALING_ROUNDS):
        left = None
        if time_budget is not None:
            left = time_budget - (time.perf_counter() - started)
            if left < 1.0:
                break
        outcome = solve_pulp(fixed.prob, "highs", left, None, options.threads)
        if not outcome.has_solution:
            break
        values = _rounded(outcome.values, fixed.n.values())
        cost = sense * _true_cost(fixed, values, trip_cost)
        if cost < best_cost - 1e-9 * abs(cost):
            best, best_cost = values, cost
        elif best is not None:
            break  # no better than the last round: the prices have settled
        if not fixed.n:
            break
        for var in fixed.n.values():
            relaxed = outcome.values.get(var.name) or 0.0
            factor = math.ceil(relaxed - 1e-7) / relaxed if relaxed > 1e-7 else 1.0
            fixed.prob.objective[var] = trip_cost[var.name] * factor
    return best, best_cost
