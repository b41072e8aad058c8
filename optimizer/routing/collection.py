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
references keep both terms linear (see
:func:`optimizer.routing.ortools_model.ortools_model`). Where the fleet mixes
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

Integers: both solvers take integer data, in the units of
:func:`optimizer.routing.scaling.choose_scale` (rounded so that a plan feasible for the
solver is feasible for the data; the factors are recorded on the result). Solvers are
imported on first use, through :mod:`optimizer.backends.routing`.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from networks.collection import CollectionProblem, Route
from networks.errors import SolverUnavailableError
from networks.status import Limit, Status
from optimizer.backends import interrupt
from optimizer.backends.interrupt import WorkerPool
from optimizer.routing.diagnosis import (
    Diagnosis,
    diagnose,
    fewest_vehicles,
    freshness_binds,
    needs_ortools,
)
from optimizer.routing.ortools_search import ortools_search
from optimizer.routing.pyvrp_search import pyvrp_data, pyvrp_search
from optimizer.routing.result import RoutingResult, Stage
from optimizer.routing.scaling import choose_scale
from optimizer.routing.schedules import RoutePlan, evaluate_plan
from results.route_check import RouteCheck

BACKENDS = ("auto", "pyvrp", "ortools")


def _run_tasks(
    tasks: Sequence[tuple[Callable, tuple]], workers: int, isolate: bool = False
) -> list:
    """Run ``fn(*args)`` for each task, in parallel processes when ``workers > 1``.

    ``isolate``: in child processes even one at a time. OR-Tools' search holds the GIL
    for its whole run, so a signal to this process would wait for its time limit; a
    child is asked to stop and, if it has not returned its best plan within a second,
    killed (:meth:`~optimizer.backends.interrupt.WorkerPool.gather`).

    A stop request (Ctrl-C, SIGTERM) ends every search with its best plan, limit
    ``interrupted``; a task not started, or killed before it returned, has no plan.
    """
    if interrupt.stop_requested():  # a stage after the stop: none of its searches runs
        return [_not_run() for _ in tasks]
    if (workers <= 1 or len(tasks) <= 1) and not isolate:
        results = []
        for fn, args in tasks:
            with interrupt.solving():  # a signal asks the search to stop (see _safe)
                results.append(_not_run() if interrupt.stop_requested() else _safe(fn, args))
        return results
    # fork: no re-import of the caller's main module (scripts without a __main__ guard
    # work) and no start-up cost; the parent runs no solver threads when it forks.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with WorkerPool(min(workers, len(tasks)), mp_context=context) as pool:
        futures = [pool.submit(_safe, fn, args) for fn, args in tasks]
        return [_not_run() if r is None else r for r in pool.gather(futures)]


def _not_run() -> tuple:
    """What a search stopped before it started, or killed before it returned, reports."""
    return None, "interrupted before it returned a plan", Limit.INTERRUPTED, (0.0, 0.0)


def _safe(fn: Callable, args: tuple):
    started, cpu = time.time(), time.process_time()
    try:
        plan, note, stopped = fn(*args)
    except SolverUnavailableError:
        raise
    except Exception as exc:  # one failed search must not sink the others
        plan, note, stopped = None, f"failed: {type(exc).__name__}: {exc}", Limit.NONE
    if interrupt.stop_requested():  # the search ended early, with its best plan
        stopped = Limit.INTERRUPTED
    return plan, note, stopped, (time.time() - started, time.process_time() - cpu)


def default_workers() -> int:
    """Worker processes: the CPU cores this process may use, at most 2."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


@dataclass
class _Best:
    """The cheapest plan that passed the checker so far, and what each search reported."""

    routes: tuple[Route, ...] = ()
    check: RouteCheck | None = None
    backend: str = ""
    stages: list[Stage] = field(default_factory=list)
    start: RoutePlan | None = None  # a start for OR-Tools: the best plan, else any plan

    def offer(self, problem, plan, backend, seed, note, times, stopped) -> None:
        seconds, cpu_seconds = times
        cost = math.nan
        if plan is not None and self.start is None:
            self.start = plan
        if plan is not None:
            evaluated = evaluate_plan(problem, plan)
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
                        self.routes, self.check = routes, check
                        self.start = plan
                        self.backend = backend
        self.stages.append(Stage(backend, seed, cost, seconds, note, cpu_seconds, stopped))

    @property
    def limit(self) -> Limit:
        """What stopped the searches, the first of ``interrupted``, ``time``, ``iterations``.

        ``interrupted``: a stop request ended some search; ``time``, ``iterations``: a
        limit of that kind did.
        """
        stopped = {s.limit for s in self.stages}
        order = (Limit.INTERRUPTED, Limit.TIME, Limit.ITERATIONS)
        return next((x for x in order if x in stopped), Limit.NONE)


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
        The cheapest feasible plan found (status ``feasible``, with the ``limit`` that
        stopped the searches: ``time`` or ``iterations``), or a diagnosis
        (``infeasible``, ``no_solution``); ``optimal`` only without pickups.

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
        pickups=problem.num_pickups,
        tonnes=problem.total_tonnes,
    )

    if problem.num_pickups == 0:
        return RoutingResult(
            status=Status.OPTIMAL,
            cost=0.0,
            fixed_cost=0.0,
            distance_cost=0.0,
            time_cost=0.0,
            warm_cost=0.0,
            distance_km=0.0,
            hours=0.0,
            worst_freshness_h=0.0,
            warm_tonne_hours=0.0,
            seconds=time.time() - started,
            **common,
        )
    diagnosis = diagnose(problem)
    if diagnosis:
        return RoutingResult(
            status=Status.INFEASIBLE, diagnosis=diagnosis, seconds=time.time() - started, **common
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
            (pyvrp_search, (data, type_map, seed + j, stage_deadline, iterations, budget))
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
                pyvrp_search,
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
        for j, (plan, note, stopped, times) in enumerate(_run_tasks(tasks, workers)):
            note = note if labels[j] == "pyvrp" else f"{note}, {labels[j]}"
            best.offer(problem, plan, "pyvrp", seed + j, note, times, stopped)
    if use_ortools:
        if clock == "cpu":  # the PyVRP stage took what it took: OR-Tools gets its share
            deadline = time.time() + (1.0 - share if use_pyvrp else 1.0) * time_limit
        tasks, seeds = [], []
        if backend == "ortools" or hard or best.start is None:
            for variant in range(seed, seed + workers):
                tasks.append((ortools_search, (problem, scale, variant, deadline, None)))
                seeds.append(variant)
        if best.start is not None:  # polish PyVRP's best routes; if they are rejected,
            # start from another first-solution strategy than the searches above
            polish_task = (ortools_search, (problem, scale, seed + 1, deadline, best.start))
            if len(tasks) >= workers:
                tasks[-1], seeds[-1] = polish_task, seed + 1
            else:
                tasks.append(polish_task)
                seeds.append(seed + 1)
        for j, (plan, note, stopped, times) in enumerate(_run_tasks(tasks, workers, True)):
            name = "ortools-polish" if note.startswith("started from PyVRP's") else "ortools"
            best.offer(problem, plan, name, seeds[j], note, times, stopped)

    seconds = time.time() - started
    # a stop asked between two stages skipped the second: interrupted all the same
    limit = Limit.INTERRUPTED if interrupt.stop_requested() else best.limit
    if best.check is None:
        why = (
            "no feasible plan found within the time limit; each village alone can be "
            "served, so the fleet may be too small for all of them together (vehicles, "
            "trips, shifts or freshness limits), or more time is needed"
        )
        if limit is Limit.INTERRUPTED:
            why = "interrupted before a feasible plan was found"
        elif backend == "pyvrp" and freshness_binds(problem):
            why = (
                "PyVRP cannot express the freshness limits and its plans break them; "
                "use the auto or ortools backend"
            )
        return RoutingResult(
            status=Status.NO_SOLUTION,
            limit=limit,
            diagnosis=(Diagnosis(None, None, (why,)),),
            stages=tuple(best.stages),
            seconds=seconds,
            backend=backend,
            **common,
        )
    check = best.check
    return RoutingResult(
        status=Status.FEASIBLE,
        limit=limit,
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
        warm_tonne_hours=check.warm_tonne_hours,
        backend=best.backend,
        seconds=seconds,
        stages=tuple(best.stages),
        **common,
    )
