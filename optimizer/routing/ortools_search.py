"""OR-Tools searches: polishing PyVRP's routes, or from first-solution strategies.

A search started from a plan (PyVRP's best routes, read with
``ReadAssignmentFromRoutes``) polishes it with guided local search; without one, or when
OR-Tools rejects it, the first-solution strategies are tried in turn until one succeeds.
"""

from __future__ import annotations

import time

from networks.collection import CollectionProblem
from networks.status import Limit
from optimizer.backends import interrupt
from optimizer.backends.routing import ortools_routing
from optimizer.routing.ortools_model import OrtoolsModel, ortools_model
from optimizer.routing.scaling import Scale
from optimizer.routing.schedules import RoutePlan

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


def ortools_search(
    problem: CollectionProblem,
    scale: Scale,
    variant: int,
    deadline: float,
    initial: RoutePlan | None,
) -> tuple[RoutePlan | None, str, Limit]:
    """One OR-Tools routing search.

    It starts from ``initial`` if given and accepted, else from the first-solution
    strategies in turn (starting at ``variant``) until one succeeds. OR-Tools searches
    until its time limit, or until a stop is requested (Ctrl-C, SIGTERM: a search limit
    that asks :func:`~optimizer.backends.interrupt.stop_requested`, so the search ends
    with its best plan): the limit returned is ``time`` or ``interrupted`` (``none``
    with no vehicle).
    """
    pywrapcp, enums = ortools_routing()

    def params_for(strategy: str):
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = getattr(enums.FirstSolutionStrategy, strategy)
        params.local_search_metaheuristic = enums.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        remaining = max(0.05, deadline - time.time())
        params.time_limit.FromMilliseconds(int(remaining * 1000))
        return params

    model = _stoppable(ortools_model(problem, scale))
    if model is None:
        return None, "no vehicles", Limit.NONE
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
        if deadline - time.time() <= 0.05 or interrupt.stop_requested():
            break
        model = model or _stoppable(ortools_model(problem, scale))
        solution = model.routing.SolveWithParameters(params_for(strategy))
        if solution is not None:
            notes.append(f"first solution {strategy}")
            break
        notes.append(f"{strategy} found no first solution (status {model.routing.status()})")
        model = None
    stopped = Limit.INTERRUPTED if interrupt.stop_requested() else Limit.TIME
    if solution is None or model is None:
        return None, "; ".join(notes + ["no solution"]), stopped

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
    return tuple(plan), "; ".join(notes), stopped


def _stoppable(model: OrtoolsModel | None) -> OrtoolsModel | None:
    """The model, its search ended by a stop request as by its time limit.

    OR-Tools holds the GIL while it searches, so no signal handler runs in this process
    until it returns; it calls this limit often (about 10^5 times a second), and ends
    with the best plan it has once a stop is requested.
    """
    if model is not None:
        limit = model.routing.solver().CustomLimit(interrupt.stop_requested)
        model.routing.AddSearchMonitor(limit)
    return model


def _plan_to_ortools(problem, plan: RoutePlan, model: OrtoolsModel) -> list[list[int]] | None:
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
