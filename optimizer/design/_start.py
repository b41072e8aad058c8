"""A starting plan for the network design MIP: relax, round the hub openings, re-solve.

Given the hub openings the rest of the model is a flow LP. The LP relaxation says where
flow wants to go; each hub that the relaxation uses at all opens at the cheapest size
that holds the relaxation's peak weekly throughput and cold stock through it; the flow
LP with those openings fixed, re-priced by slope scaling so that flows fill whole trips
(trips relaxed, then rounded up), gives a feasible plan, which HiGHS takes as its first
incumbent. HiGHS's own heuristics were seen to need minutes on the flagship scenario to
find a plan within 1% of the optimum.

Every LP here is solved in one :class:`~optimizer.backends.highs.HighsModel`, changed in
place (bounds, trip prices), so each re-solve starts from the last basis.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from networks.firms import cheapest_mix
from networks.status import Status
from optimizer.backends import interrupt
from optimizer.backends.highs import HighsModel
from optimizer.design.data import DesignData
from optimizer.design.formulation import DesignMatrix

SLOPE_SCALING_ROUNDS = 8

#: Rounds of linking rows added to the relaxation before its solution is used.
LINK_ROUNDS = 3


@dataclass(frozen=True)
class DesignStart:
    """A feasible plan found by the heuristic.

    Parameters
    ----------
    values
        Column values of the :class:`DesignMatrix` it was found on.
    objective
        Its objective (cost, or margin in margin mode), with whole trips.
    openings
        Hub -> size (``None``: shut).
    relaxation_bound
        The LP relaxation's objective, a bound on the MIP's optimum (NaN if the LP
        stopped before its optimum).
    seconds
        Time the heuristic took.
    """

    values: np.ndarray
    objective: float
    openings: dict
    relaxation_bound: float
    seconds: float


def _openings(
    data: DesignData, matrix: DesignMatrix, values: np.ndarray, by_weight: bool = False
) -> dict:
    """Each hub's size: the cheapest that holds what the relaxation sends through it.

    ``by_weight``: among the sizes that hold it, those of the atmosphere the relaxation
    weights most (its largest :math:`y_{hs}`), so that a hub the relaxation wants in
    controlled atmosphere opens in it (the cheapest fit alone never chose CA).
    """
    received = defaultdict(float)
    for (a, _p, w), col in matrix.x.items():
        received[(data.inbound[a][1], w)] += values[col]
    stock = defaultdict(float)
    for (h, _s, _p, w), col in matrix.inv.items():
        stock[(h, w)] += values[col]
    openings: dict[str, str | None] = {}
    for hub in data.hubs:
        used = sum(values[matrix.y[(hub, s.name)]] for s in data.sizes[hub])
        if used <= 1e-6:
            openings[hub] = None
            continue
        peak_in = max(received[(hub, w)] for w in data.weeks)
        peak_stock = max(stock[(hub, w)] for w in data.weeks)
        sizes = sorted(data.sizes[hub], key=lambda s: s.fixed_cost_cny)
        fitting = [
            s
            for s in sizes
            if s.throughput_t_per_week >= peak_in - 1e-6 and s.cold_storage_t >= peak_stock - 1e-6
        ]
        largest = max(sizes, key=lambda s: (s.throughput_t_per_week, s.cold_storage_t))
        if by_weight and fitting:
            heaviest = max(sizes, key=lambda s: values[matrix.y[(hub, s.name)]])
            alike = [s for s in fitting if s.atmosphere == heaviest.atmosphere]
            fitting = alike or fitting
        openings[hub] = (fitting[0] if fitting else largest).name
    return openings


def _fix_openings(model: HighsModel, data: DesignData, matrix: DesignMatrix, openings) -> None:
    """Fix the hub openings; shut the arcs and routes of closed hubs by their bounds.

    The rows already force a closed hub's flows to zero; saying so in the bounds lets
    presolve drop those columns before each LP.
    """
    cols, values = [], []
    for hub in data.hubs:
        for size in data.sizes[hub]:
            cols.append(matrix.y[(hub, size.name)])
            values.append(1.0 if openings.get(hub) == size.name else 0.0)
    model.set_bounds(cols, values, values)
    flows = _flows_by_hub(data, matrix)
    shut = [c for hub, members in flows.items() if not openings.get(hub) for c in members]
    kept = [c for hub, members in flows.items() if openings.get(hub) for c in members]
    model.set_bounds(shut, 0.0, 0.0)
    if kept:
        model.set_bounds(kept, model.lower[kept], model.upper[kept])


def _flows_by_hub(data: DesignData, matrix: DesignMatrix) -> dict[str, list[int]]:
    """Columns of the inbound arcs and routes of each hub (cached on the matrix)."""
    cached = getattr(matrix, "_flows_by_hub", None)
    if cached is None:
        cached = defaultdict(list)
        for (a, _p, _w), col in matrix.x.items():
            cached[data.inbound[a][1]].append(col)
        for (r, _p, _w), col in matrix.z.items():
            cached[data.routes[r].hub].append(col)
        matrix._flows_by_hub = cached
    return cached


def _spent(time_budget: float | None, started: float) -> bool:
    """Whether the heuristic's time is up, or a stop was asked.

    Once Ctrl-C or SIGTERM asked to stop, its solves no longer run, yet each round still
    fixed the openings: 0.3 s on 500 villages, of the 2 s a signal allows.
    """
    if interrupt.stop_requested():
        return True
    return time_budget is not None and time.perf_counter() - started > time_budget


def design_start(
    data: DesignData,
    matrix: DesignMatrix,
    model: HighsModel,
    options,
    time_budget: float | None,
    openings: dict | None = None,
) -> DesignStart | None:
    """A feasible plan, or ``None`` where the heuristic finds none.

    The relaxation's openings are rounded two ways (each used hub at the cheapest size
    that holds its flow; and at the cheapest such size of the atmosphere the relaxation
    weights most). After the better plan, a local search closes, one at a time, the hubs
    the relaxation used least, then tries each open hub at each of its other sizes (fix
    and optimize), keeping each change that improves the objective (each candidate
    scored by slope scaling), while the time budget lasts. The model is restored before
    returning.

    Parameters
    ----------
    data, matrix, model
        The model's coefficients, its arrays and the HiGHS model built from them.
    options
        The solve's :class:`~optimizer.design.network_design.DesignOptions`.
    time_budget
        Seconds the LPs may take in all (``None``: no limit).
    openings
        Also try these openings (hub -> size or ``None``; hubs not named stay shut)
        beside the rounding of the relaxation; the local search starts from the
        better plan of the two.
    """
    if options.single_sourcing or options.fixed_hubs or not matrix.y:
        return None
    started = time.perf_counter()
    rows_before, links_before = model.num_row, set(matrix.link_added)
    found = None
    try:
        model.relax(True)
        # the relaxation also when openings are given: its bound, and the linking rows
        # it adds, which tighten the MIP that follows (issue #7's 12-firm scenario,
        # `bench consolidate --project 60`: 344 CPU s for the 61 coalitions without
        # it, 262 with it; 240 starting from the rounding alone, within the noise)
        outcome = _strong_relaxation(model, matrix, options, time_budget, started)
        bound = math.nan
        candidates = []  # (openings, the order the local search tries closing hubs)
        if openings is not None:  # try closing small hubs first
            fixed_cost = {(h, s.name): s.fixed_cost_cny for h in data.hubs for s in data.sizes[h]}
            candidates.append(
                (dict(openings), {h: fixed_cost.get((h, s), 0.0) for h, s in openings.items()})
            )
        if outcome is not None:
            bound = outcome.objective if outcome.status is Status.OPTIMAL else math.nan
            usage = {
                hub: sum(outcome.values[matrix.y[(hub, s.name)]] for s in data.sizes[hub])
                for hub in data.hubs
            }
            candidates.append((_openings(data, matrix, outcome.values), usage))
            weighted = _openings(data, matrix, outcome.values, by_weight=True)
            if weighted != candidates[-1][0]:
                candidates.append((weighted, usage))
        best, best_objective = None, math.nan
        for trial, order in candidates:
            _fix_openings(model, data, matrix, trial)
            # the first plan may take the whole time limit: without one the MIP, which
            # would have less time than the heuristic, has nothing to start from; once
            # there is one, the other candidate keeps to the heuristic's budget
            plan_budget = options.time_limit if best is None else None
            values, objective = _slope_scaling(
                model, matrix, options, time_budget, started, plan_budget
            )
            if values is not None and (
                best is None or _better(objective, best_objective, model.maximize)
            ):
                best, best_objective, openings, usage = values, objective, trial, order
        if best is None:
            return None
        for hub in sorted((h for h, s in openings.items() if s), key=usage.get):
            if _spent(time_budget, started):
                break
            trial = dict(openings, **{hub: None})
            _fix_openings(model, data, matrix, trial)
            values, objective = _slope_scaling(model, matrix, options, time_budget, started)
            if values is not None and _better(objective, best_objective, model.maximize):
                best, best_objective, openings = values, objective, trial
        # fix and optimize: each open hub, busiest first, at each of its other sizes
        # (size and atmosphere), the flows re-optimized with the others fixed
        for hub in sorted((h for h, s in openings.items() if s), key=usage.get, reverse=True):
            for size in data.sizes[hub]:
                if _spent(time_budget, started):
                    break
                if size.name == openings[hub]:
                    continue
                trial = dict(openings, **{hub: size.name})
                _fix_openings(model, data, matrix, trial)
                values, objective = _slope_scaling(model, matrix, options, time_budget, started)
                if values is not None and _better(objective, best_objective, model.maximize):
                    best, best_objective, openings = values, objective, trial
        found = DesignStart(
            best, best_objective, dict(openings), bound, time.perf_counter() - started
        )
        return found
    finally:
        model.restore()
        if found is None:  # no plan: leave the model as it was (its rows too)
            model.delete_rows_from(rows_before)
            matrix.link_added.intersection_update(links_before)


def _strong_relaxation(model, matrix, options, time_budget, started):
    """The LP relaxation, with violated linking rows (3) added for a few rounds.

    The first LP runs interior point then crossover: on the 2,000-village scenario it
    took 45 s where dual simplex took 278 s. Later rounds re-solve from the basis, for
    at most :data:`LINK_ROUNDS` rounds; the last LP
    solved to its optimum is returned (its objective bounds the full model: it is a
    relaxation of it). Rounds after the first stop at a sixth of the budget (5,000
    villages: a second round ran past the whole budget and left no time for a plan).
    The rows found stay in the model.
    """
    method, best = "ipm", None
    for _ in range(LINK_ROUNDS):
        left = None
        if time_budget is not None:
            spent = time.perf_counter() - started
            if best is not None and spent > time_budget / 6:
                break
            left = time_budget - spent if best is None else time_budget / 6 - spent
            if left < 1.0:
                break
        outcome = model.solve(left, None, options.threads, method=method)
        method = "simplex"
        if outcome.status is not Status.OPTIMAL:
            break
        best = outcome
        violated = matrix.violated_links(outcome.values)
        if not len(violated):
            break
        model.add_rows(matrix.link_rows(violated))
        matrix.link_added.update(int(i) for i in violated)
    return best


def _better(objective: float, incumbent: float, maximize: bool) -> bool:
    tolerance = 1e-9 * max(abs(incumbent), 1.0) if math.isfinite(incumbent) else 0.0
    if maximize:
        return objective > incumbent + tolerance
    return objective < incumbent - tolerance


class _FreightMix:
    """Round a relaxed solution's trips to the cheaper mix of whole trips and part loads.

    For each leg-week of rows (9) the load is :math:`L = q n + p` of the relaxation; it
    is shipped as :func:`networks.firms.cheapest_mix` says (the evaluator's rule), which
    keeps every row feasible.
    """

    def __init__(self, matrix: DesignMatrix) -> None:
        d = matrix.data
        keys = list(matrix.n)
        self.trips = np.array([matrix.n[k] for k in keys], dtype=np.int64)
        self.part = np.array([matrix.part.get(k, -1) for k in keys], dtype=np.int64)
        self.per_trip = np.array([d.trip_legs[k][0] for k in keys])
        self.capacity = np.array([d.load_per_trip(k) for k in keys])
        self.rate = np.array([d.trip_legs[k][2] for k in keys])

    def round(self, values: np.ndarray) -> np.ndarray:
        """Set ``values``' trips and part loads to the cheaper mix, in place.

        Returns the factor by which each leg-week's load costs more than at the full-trip
        rate per tonne (what slope scaling prices the next round's trips at).
        """
        has_part = self.part >= 0
        part = np.where(has_part, values[np.maximum(self.part, 0)], 0.0)
        load = np.maximum(self.capacity * values[self.trips] + part, 0.0)
        cost, trips, part = cheapest_mix(
            load, self.per_trip, self.capacity, self.rate, tolerance=1e-7
        )
        values[self.trips] = trips
        values[self.part[has_part]] = part[has_part]
        linear = load * self.per_trip / self.capacity
        return np.where(linear > 1e-9, cost / np.maximum(linear, 1e-12), 1.0)


def _slope_scaling(
    model: HighsModel, matrix: DesignMatrix, options, time_budget, started, plan_budget=None
) -> tuple[np.ndarray | None, float]:
    """Flows with the hubs fixed, priced at the cost of the whole trips they fill.

    Dynamic slope scaling (Kim & Pardalos 1999, for fixed-charge network flows): with
    trips relaxed, a leg's trips cost ``g / q`` per tonne whatever the fill; after each
    LP, every leg-week's trip price is rescaled by what its tonnes really cost as sold
    (whole trips and part loads, :class:`_FreightMix`) over ``g / q`` per tonne, and the
    LP is solved again, so flows gather on fewer, fuller trips. Each plan is scored as
    sold; the best is returned. Until
    there is a plan the LPs may run to ``plan_budget`` (seconds since ``started``),
    after it to ``time_budget``.
    """
    trips = np.fromiter(matrix.n.values(), dtype=np.int32, count=len(matrix.n))
    true_price = model.cost[trips]
    model.set_costs(trips, true_price)
    mix = _FreightMix(matrix)
    worst = -math.inf if model.maximize else math.inf
    best, best_objective = None, worst
    for _ in range(SLOPE_SCALING_ROUNDS):
        left = None
        budget = plan_budget if best is None and plan_budget is not None else time_budget
        if budget is not None:
            left = budget - (time.perf_counter() - started)
            if left < 1.0:
                break
        outcome = model.solve(left, None, options.threads)
        if not outcome.has_solution:
            break
        values = outcome.values.copy()
        factor = mix.round(values)  # whole trips and part loads: the cheaper mix
        objective = float(model.cost @ values)
        if _better(objective, best_objective, model.maximize):
            best, best_objective = values, objective
        elif best is not None:
            break  # no better than the last round: the prices have settled
        if not len(trips):
            break
        model.set_costs(trips, true_price * factor)
    return best, best_objective
