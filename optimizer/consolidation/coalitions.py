r"""Coalition costs: what each coalition of firms pays to serve its own customers.

Coalition cost
--------------
For a set :math:`S` of the scenario's firms, :math:`c(S)` is the cost of the plan that
``coldchain solve`` would find for :math:`S`'s villages and :math:`S`'s own customers
(demand rows whose ``firm`` is in :math:`S`), in cost mode, *as the evaluator scores it*
(``costs="evaluated"``, the default): the design model restricted to the coalition
chooses the hubs, the exact path model re-plans the flows on them with whole trips and
part loads, and the relaxation of :mod:`optimizer.design.bound` proves a lower bound
(:func:`optimizer.design.scored.solve_and_score`); :math:`c(S)` is
:func:`results.evaluate.evaluate`'s ``total_cost`` of the returned plan, so whole trucks
and containers, their fill and the exact path loss are all in it. Terms:

- a firm alone ships at its own terms (``firms.csv``: its part-load premium on road
  freight; its own road vehicles where it has them, priced by
  :func:`networks.firms.trip_terms`; trips and containers counted for it alone) and
  opens, and pays for, any hub it uses by itself;
- a coalition of two or more ships as one under the 3PL: shared hubs, pooled trips and
  containers, at the legs' rates plus the 3PL's margin (``[consolidation] margin``).

Costs include spoilage (the purchase value of the fruit lost), so a faster, colder,
fuller pooled chain shows up as less fruit lost. Each coalition's gap is its evaluated
cost against its proven bound (NaN where the bound stage proves none: ``bound_note``
says why); the core tests take :math:`c(S) - \text{bound}(S)` as their tolerance.

``costs="model"`` keeps the older, faster reading: :math:`c(S)` is the design model's
own optimal objective (survival factors for spoilage; with ``[design] trips =
"linear"``, trips pro rata: a relaxation of the trips), its gap the MIP's. Only this
mode reuses one model across coalitions and warm-starts it (below).

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
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import pandas as pd

from networks.errors import ColdchainError
from networks.network import Network
from networks.plan import THIRD_PARTY, Plan
from networks.status import Limit, NoPlanError, Status
from optimizer.backends.executor import Executor, Shared, Task, make_executor
from optimizer.design import DesignOptions, DesignResult, solve_design
from optimizer.design.network_design import DesignModel
from optimizer.design.scored import ScoredDesign, solve_and_score
from results.evaluate import Evaluation, evaluate


class CoalitionInfeasibleError(ColdchainError, ValueError):
    """A coalition cannot serve its own customers from its own supply."""


#: What a coalition's cost is (see the module docstring): the evaluator's score of the
#: plan solve's pipeline returns, or the design model's own objective.
COST_BASES = ("evaluated", "model")

#: The parts of an evaluated coalition cost that pooling's savings are split into
#: (:func:`evaluated_parts`); they add up to the cost.
COST_PARTS = ("trip", "hub", "spoilage", "other")

#: The evaluator's cost keys that make up the ``other`` part, each also reported.
OTHER_PARTS = {
    "freight_per_t": "transport_cost",  # less the trips: freight sold by the tonne
    "handling": "handling_cost",
    "storage": "storage_cost",
    "customs": "customs_cost",
    "tariff": "tariff_cost",
    "purchase": "purchase_cost",
}


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
        Relative gap of the cost to its proven bound (NaN without a plan or without a
        bound), seconds.
    spoilage_t, co2_t, shipped_t
        Spoilage tonnes, CO2e tonnes, tonnes picked: the evaluator's (``evaluated``) or
        the model's survival view (``model``).
    diagnosis
        Why it is infeasible, if it is.
    by_firm
        Per firm, the exact evaluator's ``spoilage_t``, ``co2_t``, ``shipped_t`` and
        ``total_cost`` of its flows in this coalition's plan (where asked for).
    hubs
        The plan's hub openings, ``(hub, size)`` (a warm start for related coalitions).
    stages
        Seconds by stage (``build_seconds``, ``solve_seconds`` and, where the design
        solve reports them, ``data_seconds``, ``model_seconds``, ``start_seconds``...;
        ``paths_seconds`` and ``bound_seconds`` for evaluated costs).
    plan_cost
        The plan's cost, NaN without a plan; read it as :attr:`cost`, which raises
        without a plan.
    cost_parts
        The cost of the plan by part (CNY). Evaluated: :data:`COST_PARTS` (``trip``:
        whole trips and part loads on legs sold by the trip; ``hub``: fixed costs;
        ``spoilage``: the purchase value of the fruit lost; ``other``: the rest), which
        add up to the cost, and ``other.KEY`` for each of :data:`OTHER_PARTS`, which add
        up to ``other``. Model: ``hub``, ``trip`` and ``other`` (the model's per-tonne
        freight, handling, customs, tariffs, storage and fruit lost), which add up to the
        model's cost.
    basis
        What the cost is (:data:`COST_BASES`): ``evaluated`` or ``model``.
    bound
        The proven lower bound on the cost (evaluated: the relaxation's; model: the
        MIP's), NaN where none is proven.
    bound_note
        What the bound is, or why there is none.
    plan
        The plan whose cost this is (``None`` without a plan).
    trip_fill, trip_fill_t
        The tonne-weighted fill of the plan's whole trips (:func:`trip_fill`) and the
        tonnes it weighs (loaded in whole trips); NaN and 0 where it buys none.
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
    basis: str = "evaluated"
    bound: float = math.nan
    bound_note: str = ""
    plan: Plan | None = None
    trip_fill: float = math.nan
    trip_fill_t: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "limit", Limit(self.limit))

    def __getstate__(self) -> dict:
        # a Plan holds its hubs in a read-only mapping, which does not pickle: a worker
        # process sends the plan's fields, and the receiver builds the Plan again
        state = dict(self.__dict__)
        plan = state["plan"]
        if plan is not None:
            state["plan"] = (plan.name, dict(plan.hubs), plan.flows, plan.description)
        return state

    def __setstate__(self, state: dict) -> None:
        plan = state["plan"]
        if plan is not None:
            state = {**state, "plan": Plan(*plan)}
        self.__dict__.update(state)

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
    def slack(self) -> float:
        """How far the cost may lie above the optimum: cost minus proven bound (CNY).

        NaN where no bound is proven (or there is no plan).
        """
        if not self.status.has_plan or not math.isfinite(self.bound):
            return math.nan
        return max(0.0, self.plan_cost - self.bound)

    @property
    def label(self) -> str:
        """The firms joined by ``+``."""
        return "+".join(sorted(self.firms))


WARM_STARTS = ("none", "subsets", "grand")


def _coalition_options(base: DesignOptions, firms: frozenset[str]) -> DesignOptions:
    """``base`` for coalition ``firms``: its own terms alone, the 3PL's for two or more."""
    shipper = next(iter(firms)) if len(firms) == 1 else THIRD_PARTY
    return replace(base, firms=firms, shipper=shipper, objective="cost")


def trip_fill(trips: pd.DataFrame) -> tuple[float, float]:
    """The tonne-weighted fill of a plan's whole trips, and the tonnes it weighs.

    Each shipper, leg and week that buys whole trips (the evaluator's ``trips`` table)
    has fill :math:`(t - p) / (n q)`: tonnes loaded in whole trips over their capacity;
    the mean of those fills weighted by the tonnes loaded in whole trips :math:`t - p`
    is how full the vehicle an average tonne rides in is. Part loads, sold by the
    tonne, fill no vehicle of their own and are left out.

    Returns
    -------
    tuple of float
        The fill (NaN where the plan buys no whole trip) and the weight (tonnes).
    """
    whole = trips[trips["trips"] > 0] if len(trips) else trips
    if not len(whole):
        return math.nan, 0.0
    loaded = whole["tonnes"] - whole["part_load_t"]
    weight = float(loaded.sum())
    if weight <= 0:
        return math.nan, 0.0
    return float((loaded * whole["fill"]).sum() / weight), weight


def evaluated_parts(evaluation: Evaluation) -> dict[str, float]:
    """An evaluated plan's cost by part: :data:`COST_PARTS` and ``other.KEY``.

    ``trip`` is the freight of the ``trips`` table (whole trips and part loads on legs
    sold by the trip); ``hub`` the hubs' fixed costs; ``spoilage`` the purchase value of
    the fruit lost; ``other`` the rest of ``total_cost``, also given by evaluator key
    (``other.freight_per_t`` is the freight on legs sold by the tonne).
    """
    totals = evaluation.totals
    trip = float(evaluation.trips["cost"].sum()) if len(evaluation.trips) else 0.0
    hub, spoilage = float(totals["hub_cost"]), float(totals["spoilage_cost"])
    parts = {
        "trip": trip,
        "hub": hub,
        "spoilage": spoilage,
        "other": float(totals["total_cost"]) - trip - hub - spoilage,
    }
    for name, key in OTHER_PARTS.items():
        parts[f"other.{name}"] = float(totals[key]) - (trip if key == "transport_cost" else 0.0)
    return parts


def _per_firm(flows: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per firm, the evaluated ``total_cost``, ``spoilage_t``, ``co2_t``, ``shipped_t``."""
    by_firm: dict[str, dict[str, float]] = {}
    if flows.empty:
        return by_firm
    cost_columns = [c for c in flows.columns if c.endswith("_cost")]
    grouped = flows.assign(total_cost=flows[cost_columns].sum(axis=1)).groupby("firm")
    for firm, group in grouped:
        by_firm[str(firm)] = {
            "total_cost": float(group["total_cost"].sum()),
            "spoilage_t": float(group["spoiled_t"].sum()),
            "co2_t": float(group["co2_t"].sum()),
            "shipped_t": float(group["tonnes"].sum()),
        }
    return by_firm


def _hubs(plan: Plan) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((h, s) for h, s in plan.hubs.items() if s))


def _coalition_result(
    network: Network,
    firms: frozenset[str],
    result: DesignResult,
    regime: str | None,
    detail: bool,
    seconds: float,
) -> CoalitionCost:
    """A :class:`CoalitionCost` from a design result: the model's own cost (``model``)."""
    stages = dict(result.stages)
    stages.update(build_seconds=result.build_seconds, solve_seconds=result.solve_seconds)
    status, limit = result.status, result.limit
    if not status.has_plan:
        diagnosis = tuple(d["message"] for d in result.diagnosis)
        return CoalitionCost(
            firms,
            status,
            limit,
            math.nan,
            seconds,
            diagnosis=diagnosis,
            stages=stages,
            basis="model",
        )
    kpis = result.model_kpis
    evaluation = evaluate(network, result.plan, regime=regime) if detail else None
    fill, fill_t = trip_fill(evaluation.trips) if evaluation is not None else (math.nan, 0.0)
    trips = result.options.trips
    note = "the design model's MIP bound" + (
        " (trips linear: the model is a relaxation of the trips)" if trips == "linear" else ""
    )
    return CoalitionCost(
        firms,
        status,
        limit,
        result.gap,
        seconds,
        kpis["model_spoilage_t"],
        kpis["model_co2_t"],
        kpis["model_shipped_t"],
        by_firm=_per_firm(evaluation.flows) if evaluation is not None else {},
        hubs=_hubs(result.plan),
        stages=stages,
        plan_cost=result.objective,
        cost_parts={
            "hub": kpis["model_hub_cost"],
            "trip": kpis["model_trip_cost"],
            "other": kpis["model_flow_cost"] + kpis["model_storage_cost"],
        },
        basis="model",
        bound=result.bound,
        bound_note=note,
        plan=result.plan,
        trip_fill=fill,
        trip_fill_t=fill_t,
    )


def _evaluated_result(
    firms: frozenset[str], scored: ScoredDesign, detail: bool, seconds: float
) -> CoalitionCost:
    """A :class:`CoalitionCost` from solve's pipeline: the evaluated cost (``evaluated``)."""
    result = scored.result
    stages = dict(result.stages)
    stages.update(build_seconds=result.build_seconds, solve_seconds=result.solve_seconds)
    if scored.paths is not None:
        stages["paths_seconds"] = scored.paths.seconds
    if scored.bound is not None:
        stages["bound_seconds"] = scored.bound.seconds
    if not scored.has_plan:
        diagnosis = tuple(d["message"] for d in result.diagnosis)
        return CoalitionCost(
            firms,
            scored.status,
            scored.limit,
            math.nan,
            seconds,
            diagnosis=diagnosis,
            stages=stages,
        )
    evaluation = scored.evaluation
    assert evaluation is not None
    totals = evaluation.totals
    fill, fill_t = trip_fill(evaluation.trips)
    return CoalitionCost(
        firms,
        scored.status,
        scored.limit,
        scored.gap,
        seconds,
        float(totals["spoilage_t"]),
        float(totals["co2_t"]),
        float(totals["shipped_t"]),
        by_firm=_per_firm(evaluation.flows) if detail else {},
        hubs=_hubs(result.plan),
        stages=stages,
        plan_cost=scored.objective,
        cost_parts=evaluated_parts(evaluation),
        basis="evaluated",
        bound=scored.bound_value,
        bound_note=str(scored.kpis()["bound_note"]),
        plan=result.plan,
        trip_fill=fill,
        trip_fill_t=fill_t,
    )


def coalition_cost(
    network: Network,
    firms: Iterable[str],
    options: DesignOptions | None = None,
    detail: bool = False,
    costs: str = "evaluated",
) -> CoalitionCost:
    """Solve :math:`c(S)` for one coalition (see the module docstring).

    A model built for this coalition alone and thrown away; with ``costs="model"``, the
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
        Also give the exact evaluator's figures per firm.
    costs
        ``evaluated`` (solve's pipeline, the plan's evaluated cost) or ``model`` (the
        design model's objective), :data:`COST_BASES`.
    """
    if costs not in COST_BASES:
        raise ValueError(f"costs: expected one of {', '.join(COST_BASES)}, got {costs!r}")
    firms = frozenset(firms)
    base = options or DesignOptions.from_network(network)
    options = _coalition_options(base, firms)
    if costs == "evaluated":
        clock = time.perf_counter()
        scored = solve_and_score(network, options, status_quo=None)
        return _evaluated_result(firms, scored, detail, time.perf_counter() - clock)
    result = solve_design(network, options)
    seconds = result.build_seconds + result.solve_seconds
    return _coalition_result(network, firms, result, base.regime, detail, seconds)


class _Engine:
    """What solves coalitions in one process (a pool worker, or the caller with 1 worker).

    Evaluated costs (``costs="evaluated"``) run solve's pipeline for every coalition
    (:func:`coalition_cost`). Model costs: a firm alone is always a model of its own
    (its own terms: ``solve_design``); with ``reuse_model``, coalitions of two or more
    are solved on one :class:`~optimizer.design.network_design.DesignModel` built
    (lazily, once per process) for all ``players`` under the 3PL and restricted to each
    coalition by bounds; otherwise each gets a model of its own too.
    """

    def __init__(
        self,
        network: Network,
        options: DesignOptions,
        players: frozenset[str],
        reuse_model: bool,
        heuristics: bool = False,
        start: bool | None = None,
        costs: str = "evaluated",
    ):
        self.network = network
        self.options = options
        self.players = players
        self.reuse_model = reuse_model
        self.heuristics = heuristics
        self.start = start
        self.basis = costs
        self.model = None

    def solve(
        self, firms: frozenset[str], start_hubs: dict[str, str | None] | None, detail: bool
    ) -> CoalitionCost:
        cpu = time.process_time()
        reused = self.basis == "model" and self.reuse_model and len(firms) > 1
        if not reused or not firms <= self.players:
            cost = coalition_cost(self.network, firms, self.options, detail, self.basis)
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


def _solve_task(engine: _Engine, task: tuple[frozenset[str], dict | None, bool]) -> CoalitionCost:
    """One coalition's solve on a worker, whose engine the executor built there once."""
    return engine.solve(*task)


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
    scheduler
        Solve on a Dask cluster instead (``local:N`` or a scheduler's address;
        :func:`optimizer.backends.executor.make_executor`): the scenario and options go
        to each worker once, and each worker builds its reused model once.
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

    costs
        ``evaluated`` (default: each coalition runs solve's pipeline and costs what the
        evaluator scores its plan at) or ``model`` (the design model's own objective),
        :data:`COST_BASES`. ``warm``, ``reuse_model`` and ``heuristics`` act on model
        costs only: an evaluated coalition's pipeline starts from scratch (``warm`` is
        then ``none``: nothing waits for the grand coalition).

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
        costs: str = "evaluated",
        scheduler: str | None = None,
    ):
        if warm not in WARM_STARTS:
            raise ValueError(f"warm: expected one of {', '.join(WARM_STARTS)}, got {warm!r}")
        if costs not in COST_BASES:
            raise ValueError(f"costs: expected one of {', '.join(COST_BASES)}, got {costs!r}")
        self.basis = costs
        self.network = network
        self.options = options or DesignOptions.from_network(network)
        self.workers = max(1, workers)
        self.scheduler = scheduler
        self.progress = progress
        if players is None:
            owners = {v.firm for v in network.villages if v.firm}
            players = owners | (set(network.demand["firm"]) - {""})
        self.players = frozenset(players)
        # an evaluated coalition's pipeline takes no start: none waits for another
        self.warm = warm if costs == "model" else "none"
        self.reuse_model = reuse_model
        self.heuristics = heuristics
        self.cache: dict[frozenset[str], CoalitionCost] = {}
        self._pool: Executor | None = None
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
        if self._pool is not None:
            self._pool.close(kill=kill)
        self._pool = None

    def _executor(self) -> Executor:
        if self._pool is None:
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
                self.basis,
            )
            key = f"coalitions:{self.network.content_hash}:{uuid.uuid4().hex}"
            pool = make_executor(self.workers, self.scheduler)
            try:
                pool.start(Shared(key, _Engine, args))
            except BaseException:
                pool.close(kill=True)
                raise
            self._pool = pool
            self.workers = pool.workers
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
        running: dict[Task, frozenset] = {}
        done_count = 0
        while ready or running:
            while ready and len(running) < 2 * self.workers:
                firms = ready.pop()
                task = (firms, self._start_hubs(firms), firms in detail)
                running[pool.submit(_solve_task, task)] = firms
            for future in pool.wait_any(running):
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
