r"""Coalition costs: what each coalition of firms pays to serve its own customers.

Coalition cost
--------------
For a set :math:`S` of the scenario's firms, :math:`c(S)` is the optimal objective of
the network design model (:mod:`optimizer.design.network_design`) on :math:`S`'s villages and
:math:`S`'s own customers (demand rows whose ``firm`` is in :math:`S`), in cost mode:

- a firm alone ships at its own terms (``firms.csv``: its part-load premium on road
  freight; its own road vehicles where it has them, priced by
  :func:`networks.firms.trip_terms`; trips and containers counted for it alone) and
  opens, and pays for, any hub it uses by itself;
- a coalition of two or more ships as one under the 3PL: shared hubs, pooled trips and
  containers, at the legs' rates plus the 3PL's margin (``[consolidation] margin``).

Costs include spoilage, so a faster, colder, fuller pooled chain shows up as less fruit
lost. Each solve runs to a relative gap of 1e-6 (or stops at its time limit, in which
case its gap is carried into the core tests as a tolerance). Solves are cached by their
set and run in parallel on a local process pool.

Solving many coalitions (:class:`CoalitionSolver`):

- one pool, forked once; each worker builds one
  :class:`~optimizer.design.network_design.DesignModel` for all the players under the 3PL and
  restricts it to each coalition of two or more by bounds (the same optimum as a model
  built for the coalition); a firm alone keeps a model of its own, since it ships at
  other terms;
- warm starts: a coalition's start heuristic begins from the union of the hub openings
  of its solved subsets one firm smaller (or from the grand coalition's). A start is
  only a first incumbent, so it cannot change the optimum, only the time to it.
- no bound is carried from one coalition to another: :math:`c` is neither monotone
  (a firm brings supply as well as demand) nor subadditive here (two plans that share a
  hub may not fit its one size), and a firm alone pays other rates than the 3PL, so
  neither :math:`c(S) \le c(T) + c(S \setminus T)` nor :math:`c(T) \le c(S)` for
  :math:`T \subset S` is valid; the only valid bounds are each coalition's own (its
  incumbent, from its warm start, and its LP relaxation), which HiGHS uses anyway.

What the costs are used for (every coalition, the allocations of the grand coalition's
cost and the core tests) is :func:`optimizer.consolidation.pooling.consolidate`.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field, replace

from networks.errors import ColdchainError
from networks.network import Network
from networks.plan import THIRD_PARTY
from networks.status import Limit, NoPlanError, Status
from optimizer.backends.interrupt import WorkerPool
from optimizer.design import DesignOptions, DesignResult, solve_design
from optimizer.design.network_design import DesignModel


class CoalitionInfeasibleError(ColdchainError, ValueError):
    """A coalition cannot serve its own customers from its own supply."""


#: The parts of a coalition's cost that pooling's savings are split into.
COST_PARTS = ("hub", "trip", "flow", "storage")


@dataclass(frozen=True)
class CoalitionCost:
    """The solved cost of one coalition.

    Parameters
    ----------
    firms
        The coalition.
    status, limit
        What the solve proved (:class:`~networks.status.Status`: ``optimal`` within the
        gap asked, ``feasible`` when a limit stopped it with a plan in hand,
        ``infeasible``, ``no_solution``, ``error``) and what stopped it early
        (:class:`~networks.status.Limit`).
    gap, seconds
        Relative gap of the plan to the solver's bound (NaN without a plan), seconds.
    spoilage_t, co2_t, shipped_t
        The model's spoilage tonnes, CO2e tonnes, tonnes picked (survival view).
    diagnosis
        Why it is infeasible, if it is.
    by_firm
        Per firm, the exact evaluator's ``spoilage_t``, ``co2_t``, ``shipped_t`` and
        ``total_cost`` of its flows in this coalition's plan (where asked for).
    hubs
        The plan's hub openings, ``(hub, size)`` (a warm start for related coalitions).
    stages
        Seconds by stage (``build_seconds``, ``solve_seconds`` and, where the design
        solve reports them, ``data_seconds``, ``model_seconds``, ``start_seconds``...).
    plan_cost
        The plan's cost, NaN without a plan; read it as :attr:`cost`, which raises
        without a plan.
    cost_parts
        The model's cost of the plan by part (CNY, :data:`COST_PARTS`): ``hub`` (fixed
        costs), ``trip`` (whole trips and part loads on legs sold by the trip), ``flow``
        (freight per tonne, handling, customs, tariffs and the value of fruit lost on the
        way) and ``storage`` (cold store and the value lost in it); in cost mode they add
        up to the cost.
    """

    firms: frozenset[str]
    status: Status
    limit: Limit
    gap: float
    seconds: float
    spoilage_t: float = math.nan
    co2_t: float = math.nan
    shipped_t: float = math.nan
    diagnosis: tuple[str, ...] = ()
    by_firm: dict[str, dict[str, float]] = field(default_factory=dict)
    hubs: tuple[tuple[str, str], ...] = ()
    stages: dict[str, float] = field(default_factory=dict)
    plan_cost: float = math.nan
    cost_parts: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "limit", Limit(self.limit))

    @property
    def cost(self) -> float:
        """Its cost :math:`c(S)` (CNY): the plan's objective in cost mode.

        Raises
        ------
        NoPlanError
            If the solve found no plan (infeasible, or stopped without one).
        """
        if not self.status.has_plan:
            raise NoPlanError(self.status, "cost")
        return self.plan_cost

    @property
    def label(self) -> str:
        """The firms joined by ``+``."""
        return "+".join(sorted(self.firms))


WARM_STARTS = ("none", "subsets", "grand")


def _coalition_options(base: DesignOptions, firms: frozenset[str]) -> DesignOptions:
    """``base`` for coalition ``firms``: its own terms alone, the 3PL's for two or more."""
    shipper = next(iter(firms)) if len(firms) == 1 else THIRD_PARTY
    return replace(base, firms=firms, shipper=shipper, objective="cost")


def _coalition_result(
    network: Network,
    firms: frozenset[str],
    result: DesignResult,
    regime: str | None,
    detail: bool,
    seconds: float,
) -> CoalitionCost:
    """A :class:`CoalitionCost` from a design result (optionally scored per firm)."""
    stages = dict(result.stages)
    stages.update(build_seconds=result.build_seconds, solve_seconds=result.solve_seconds)
    status, limit = result.status, result.limit
    if not status.has_plan:
        diagnosis = tuple(d["message"] for d in result.diagnosis)
        return CoalitionCost(
            firms, status, limit, math.nan, seconds, diagnosis=diagnosis, stages=stages
        )
    kpis = result.model_kpis
    by_firm: dict[str, dict[str, float]] = {}
    if detail:
        from results.evaluate import evaluate

        flows = evaluate(network, result.plan, regime=regime).flows
        if not flows.empty:
            cost_columns = [c for c in flows.columns if c.endswith("_cost")]
            grouped = flows.assign(total_cost=flows[cost_columns].sum(axis=1)).groupby("firm")
            for firm, group in grouped:
                by_firm[str(firm)] = {
                    "total_cost": float(group["total_cost"].sum()),
                    "spoilage_t": float(group["spoiled_t"].sum()),
                    "co2_t": float(group["co2_t"].sum()),
                    "shipped_t": float(group["tonnes"].sum()),
                }
    return CoalitionCost(
        firms,
        status,
        limit,
        result.gap,
        seconds,
        kpis["model_spoilage_t"],
        kpis["model_co2_t"],
        kpis["model_shipped_t"],
        by_firm=by_firm,
        hubs=tuple(sorted((h, s) for h, s in result.plan.hubs.items() if s)),
        stages=stages,
        plan_cost=result.objective,
        cost_parts={part: kpis[f"model_{part}_cost"] for part in COST_PARTS},
    )


def coalition_cost(
    network: Network,
    firms: Iterable[str],
    options: DesignOptions | None = None,
    detail: bool = False,
) -> CoalitionCost:
    """Solve :math:`c(S)` for one coalition (see the module docstring).

    A model built for this coalition alone and thrown away (``solve_design``); the
    reference that :class:`CoalitionSolver`'s reused models are tested against.

    Parameters
    ----------
    network
        The scenario.
    firms
        The coalition.
    options
        Base design options (solver, limits); the firms and shipper are set here.
    detail
        Also score the plan with the exact evaluator, per firm.
    """
    firms = frozenset(firms)
    base = options or DesignOptions.from_network(network)
    result = solve_design(network, _coalition_options(base, firms))
    seconds = result.build_seconds + result.solve_seconds
    return _coalition_result(network, firms, result, base.regime, detail, seconds)


class _Engine:
    """What solves coalitions in one process (a pool worker, or the caller with 1 worker).

    A firm alone is always a model of its own (its own terms: ``solve_design``). With
    ``reuse_model``, coalitions of two or more are solved on one
    :class:`~optimizer.design.network_design.DesignModel` built (lazily, once per process) for
    all ``players`` under the 3PL and restricted to each coalition by bounds; otherwise
    each gets a model of its own too.
    """

    def __init__(
        self,
        network: Network,
        options: DesignOptions,
        players: frozenset[str],
        reuse_model: bool,
        heuristics: bool = False,
        start: bool | None = None,
    ):
        self.network = network
        self.options = options
        self.players = players
        self.reuse_model = reuse_model
        self.heuristics = heuristics
        self.start = start
        self.model = None

    def solve(
        self, firms: frozenset[str], start_hubs: dict[str, str | None] | None, detail: bool
    ) -> CoalitionCost:
        cpu = time.process_time()
        if len(firms) == 1 or not self.reuse_model or not firms <= self.players:
            cost = coalition_cost(self.network, firms, self.options, detail)
        else:
            cost = self._reused(firms, start_hubs, detail)
        # CPU seconds of this process: what the solve cost, whatever else the machine ran
        cost.stages["cpu_seconds"] = time.process_time() - cpu
        return cost

    def _reused(
        self, firms: frozenset[str], start_hubs: dict[str, str | None] | None, detail: bool
    ) -> CoalitionCost:
        clock = time.perf_counter()
        built = 0.0
        if self.model is None:
            options = _coalition_options(self.options, frozenset(self.players))
            if self.start is not None:
                options = replace(options, start=self.start)
            self.model = DesignModel(self.network, options)
            built = time.perf_counter() - clock
            if not self.heuristics:
                # every solve starts from the start heuristic's plan; HiGHS's own
                # root heuristics were seen to take most of a coalition's solve
                self.model.highs.set_heuristics(False)
        result = self.model.solve(firms=firms, start_hubs=start_hubs)
        # the model's build is paid once per process: counted where it happened
        result = replace(result, build_seconds=built)
        seconds = time.perf_counter() - clock
        return _coalition_result(self.network, firms, result, self.options.regime, detail, seconds)


_ENGINE: _Engine | None = None
_ENGINE_ARGS: tuple | None = None


def _init_worker() -> None:
    global _ENGINE
    assert _ENGINE_ARGS is not None
    _ENGINE = _Engine(*_ENGINE_ARGS)


def _solve_in_worker(task: tuple[frozenset[str], dict | None, bool]) -> CoalitionCost:
    assert _ENGINE is not None
    return _ENGINE.solve(*task)


class _Inline:
    """A stand-in for a process pool that solves in this process, when submitted."""

    def __init__(self, engine: _Engine):
        self.engine = engine

    def submit(self, fn, task) -> Future:
        future: Future = Future()
        future.set_result(self.engine.solve(*task))
        return future


class CoalitionSolver:
    """Solves coalitions once each (cached by their set), in parallel.

    Parameters
    ----------
    network
        The scenario.
    options
        Base design options for every solve.
    workers
        Processes in the local pool (1: solve in this process). The pool is forked once,
        before any solve, and kept until :meth:`close`, so that each worker builds its
        reused model once; the parent never holds a HiGHS model while forking.
    progress
        Called as ``progress(done, total)`` while a batch solves.
    players
        The firms whose coalitions will be asked for (the reused model's firms);
        ``None``: every firm of the scenario.
    warm
        Where a coalition's starting hub openings come from: ``subsets`` (the union of
        the openings of its subsets one firm smaller that are solved, or being solved
        in the same batch: it waits for them), ``grand`` (the grand coalition's,
        solved first) or ``none`` (the start heuristic's own rounding of the LP
        relaxation). A start only seeds the incumbent; it never changes the optimum.
    reuse_model
        Solve coalitions of two or more on one reused model per process
        (:class:`~optimizer.design.network_design.DesignModel`).
    heuristics
        Keep HiGHS's primal heuristics on in the reused model. Off (the default), every
        solve relies on the start heuristic's plan as its first incumbent; the optimum
        is the same, and on the issue's 12-firm scenario 23 sampled coalitions took
        100 CPU seconds instead of 180 (warm starts from the grand coalition's
        openings), or 155 with the design defaults (no start, heuristics on).

    With warm starts or the heuristics off, the reused model runs the start heuristic
    (:mod:`optimizer.design._start`) on every solve, whatever the design default.
    """

    def __init__(
        self,
        network: Network,
        options: DesignOptions | None = None,
        workers: int = 2,
        progress: Callable[[int, int], None] | None = None,
        players: Iterable[str] | None = None,
        warm: str = "grand",
        reuse_model: bool = True,
        heuristics: bool = False,
    ):
        if warm not in WARM_STARTS:
            raise ValueError(f"warm: expected one of {', '.join(WARM_STARTS)}, got {warm!r}")
        self.network = network
        self.options = options or DesignOptions.from_network(network)
        self.workers = max(1, workers)
        self.progress = progress
        if players is None:
            owners = {v.firm for v in network.villages if v.firm}
            players = owners | (set(network.demand["firm"]) - {""})
        self.players = frozenset(players)
        self.warm = warm
        self.reuse_model = reuse_model
        self.heuristics = heuristics
        self.cache: dict[frozenset[str], CoalitionCost] = {}
        self._pool = None
        self._capacity = {
            h.id: {s.name: (s.throughput_t_per_week, s.cold_storage_t) for s in h.sizes}
            for h in network.county_hubs
        }

    def __enter__(self) -> CoalitionSolver:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(kill=exc_type is not None)

    def close(self, kill: bool = False) -> None:
        """Shut the worker pool down (a later solve forks a new one).

        ``kill``: kill the workers at once instead of letting them finish (on an
        exception, Ctrl-C above all).
        """
        if isinstance(self._pool, WorkerPool):
            if kill:
                self._pool.kill()
            else:
                self._pool.shutdown()
        self._pool = None

    def _executor(self):
        if self._pool is None:
            global _ENGINE_ARGS
            # warm starts go through the start heuristic, and with HiGHS's heuristics off
            # its plan is the first incumbent: both need it on, whatever the default
            start = True if self.warm != "none" or not self.heuristics else None
            args = (
                self.network,
                self.options,
                self.players,
                self.reuse_model,
                self.heuristics,
                start,
            )
            if self.workers == 1:
                self._pool = _Inline(_Engine(*args))
            else:
                _ENGINE_ARGS = args  # inherited by fork; read by each worker's initializer
                self._pool = WorkerPool(
                    self.workers, mp_context=mp.get_context("fork"), initializer=_init_worker
                )
        return self._pool

    def _start_hubs(self, firms: frozenset[str]) -> dict[str, str | None] | None:
        """Starting openings for ``firms`` from solved related coalitions (see ``warm``)."""
        if self.warm == "none" or len(firms) == 1:
            return None
        if self.warm == "grand":
            grand = self.cache.get(self.players)
            return None if grand is None or firms == self.players else dict(grand.hubs)
        openings: dict[str, str] = {}
        for firm in firms:
            subset = self.cache.get(firms - {firm})
            if subset is None:
                continue
            for hub, size in subset.hubs:
                have = openings.get(hub)
                capacity = self._capacity.get(hub, {})
                if have is None or capacity.get(size, (0, 0)) > capacity.get(have, (0, 0)):
                    openings[hub] = size
        return openings or None

    def _waits_on(self, firms: frozenset[str], pending: set[frozenset[str]]) -> set:
        if self.warm == "none" or len(firms) == 1:
            return set()
        if self.warm == "grand":
            return {self.players} & pending if firms != self.players else set()
        return {firms - {f} for f in firms} & pending

    def solve_all(
        self, coalitions: Iterable[frozenset[str]], detail: Iterable[frozenset[str]] = ()
    ) -> dict[frozenset, CoalitionCost]:
        """Solve every coalition not yet cached; return all the requested ones.

        Coalitions in ``detail`` are also scored per firm by the exact evaluator. With
        ``warm="subsets"`` a coalition waits for its subsets one firm smaller that are
        in the same batch; ready ones go smallest first (they unlock the most), with at
        most two per worker queued so that the order holds.
        """
        detail = {frozenset(c) for c in detail}
        wanted = list(dict.fromkeys(frozenset(c) for c in coalitions if c))
        todo = [c for c in wanted if c not in self.cache]
        if self.warm == "grand" and len(todo) > 1 and self.players not in self.cache:
            todo.append(self.players)
            todo = list(dict.fromkeys(todo))
        if not todo:
            return {c: self.cache[c] for c in wanted}
        pending = set(todo)
        blockers = {c: self._waits_on(c, pending) for c in todo}
        dependents: dict[frozenset, list[frozenset]] = {}
        for c, waits in blockers.items():
            for b in waits:
                dependents.setdefault(b, []).append(c)
        if self.warm == "none":
            # largest first: they take longest, so the pool ends evenly
            ready = sorted(todo, key=len)
        else:
            ready = sorted((c for c in todo if not blockers[c]), key=len, reverse=True)
        pool = self._executor()
        running: dict[Future, frozenset] = {}
        done_count = 0
        while ready or running:
            while ready and len(running) < 2 * self.workers:
                firms = ready.pop()
                task = (firms, self._start_hubs(firms), firms in detail)
                running[pool.submit(_solve_in_worker, task)] = firms
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                firms = running.pop(future)
                result = future.result()
                self.cache[firms] = result
                pending.discard(firms)
                done_count += 1
                unlocked = []
                for c in dependents.get(firms, ()):
                    blockers[c].discard(firms)
                    if not blockers[c]:
                        unlocked.append(c)
                if unlocked:
                    ready.extend(unlocked)
                    ready.sort(key=len, reverse=True)
                if self.progress:
                    self.progress(done_count, len(todo))
        return {c: self.cache[c] for c in wanted}

    def cost(self, firms: frozenset[str]) -> float:
        """:math:`c(S)`, solving it if needed; raises if the coalition is infeasible."""
        result = self.solve_all([firms])[frozenset(firms)]
        if not result.status.has_plan:
            raise CoalitionInfeasibleError(
                f"coalition {result.label}: expected a feasible solve, got {result.status}"
                + (": " + "; ".join(result.diagnosis) if result.diagnosis else "")
            )
        return result.cost

    def costs(self, coalitions: Iterable[frozenset[str]]) -> dict[frozenset[str], float]:
        """:math:`c(S)` of each (solved together, in parallel); raises on an infeasible one."""
        self.solve_all(coalitions)
        return {frozenset(c): self.cost(c) for c in coalitions}
