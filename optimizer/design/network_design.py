"""Hub location and sizing: solve the network design model and read its plan.

The formulation (sets, variables, objective, numbered constraints) is stated, and
written once, in :mod:`optimizer.design.formulation`. This module solves it:
:func:`solve_design` hands the formulation's arrays to HiGHS (:class:`DesignModel`,
which can be re-solved for coalitions) or, for any other solver, to PuLP; a start
heuristic (:mod:`optimizer.design._start`) gives HiGHS its first plan; the solution is
decomposed into path flows, each hub's use and the model's own KPIs; an infeasible
model is solved again with elastic slack to say what cannot be met.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from networks.network import Network
from networks.plan import THIRD_PARTY, PathFlow, Plan, merge_flows
from networks.status import Limit, NoPlanError, Status
from optimizer.backends.highs import HighsModel
from optimizer.backends.mip import (
    SolveOutcome,
    _relative_gap,
    column_values,
    pulp_problem,
    solve_pulp,
)
from optimizer.design._data import DesignData, build_design_data, coalition_demand, restrict
from optimizer.design._start import DesignStart, design_start
from optimizer.design.formulation import DesignMatrix

if TYPE_CHECKING:
    from results.evaluate import Evaluation

#: Ways to hand the model to a solver: arrays to HiGHS, or the same arrays as a PuLP problem.
BUILDS = ("direct", "pulp")

#: Share of the time limit the start heuristic may take. On the 5,000-village scenario
#: its relaxation (interior point) and one fixed-openings LP took 115 s + 55 s under
#: load, and gave a plan within 0.3% of the bound; HiGHS alone found none in 300 s.
START_SHARE = 0.6


@dataclass(frozen=True)
class DesignOptions:
    """Options of a network design solve.

    Parameters
    ----------
    solver
        ``highs`` (default), ``cbc`` or any PuLP solver name.
    time_limit
        Seconds (``None``: none).
    gap
        Relative MIP gap to stop at (default 1e-6).
    threads
        Solver threads.
    firms
        Only these firms (a coalition); ``None``: all.
    shipper
        ``3pl`` (pooled) or a firm id shipping alone.
    regime
        Tariff regime name (default: the scenario's).
    trips
        ``integer`` trips and containers, or ``linear`` (their relaxation).
    co2_price_cny_per_t, co2_cap_t
        Carbon price, and cap on CO2e tonnes (``None``: no cap).
    routes_per_pair
        Routes kept per hub, market, product and customs mode (0: all).
    objective
        ``cost`` or ``margin``; ``None``: the scenario's.
    seed
        Solver random seed.
    msg
        Show the solver's log.
    fixed_hubs
        ``((hub, size or None), ...)``: fix these hubs open at that size (or shut);
        others stay free. Used to evaluate a given hub configuration, and by tests that
        enumerate openings.
    single_sourcing
        Each village ships to one hub only (binary assignment), as planners often ask
        and as single-source facility location benchmarks require.
    ship_all_supply
        Every village ships all it grows (supply rows are equalities): true of a
        facility location benchmark, where demand is all supply.
    build
        ``direct`` (the formulation's arrays handed to HiGHS in-process, with the
        lazy linking rows and re-solves of :class:`DesignModel`) or ``pulp`` (the same
        arrays as a PuLP problem with every row, which other solvers always use).
    lazy_links
        Direct build: leave the arc-by-arc linking rows (3) out of the model and add
        those the LP relaxation violates (valid: the throughput rows already shut a
        closed hub's arcs; see :class:`~optimizer.design.formulation.DesignMatrix`).
    start
        Hand HiGHS a starting plan from the LP relaxation with rounded hub openings
        (:mod:`optimizer.design._start`); a plan within ``gap`` of the relaxation's
        bound is returned without the MIP. ``None``: only where the model has trips
        to pay for (``bench scale --start auto`` compares).
    """

    solver: str = "highs"
    time_limit: float | None = None
    gap: float | None = 1e-6
    threads: int | None = 1
    firms: frozenset[str] | None = None
    shipper: str = THIRD_PARTY
    regime: str | None = None
    trips: str = "integer"
    co2_price_cny_per_t: float = 0.0
    co2_cap_t: float | None = None
    routes_per_pair: int = 6
    objective: str | None = None
    seed: int = 0
    msg: bool = False
    fixed_hubs: tuple[tuple[str, str | None], ...] | None = None
    single_sourcing: bool = False
    start: bool | None = True
    ship_all_supply: bool = False
    build: str = "direct"
    lazy_links: bool = True

    @classmethod
    def from_network(cls, network: Network, **overrides: Any) -> DesignOptions:
        """Options from the scenario's ``[design]`` table, then ``overrides``."""
        known = {f.name: getattr(network.design, f.name) for f in fields(network.design)}
        known.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**known)


@dataclass(frozen=True)
class DesignResult:
    """Result of a network design solve.

    Parameters
    ----------
    status, limit
        What the result holds (:class:`~networks.status.Status`: ``optimal``,
        ``feasible``, ``infeasible``, ``no_solution``, ``error``) and what stopped the
        search early (:class:`~networks.status.Limit`): a time limit with a plan in hand
        is ``feasible`` with ``limit = time``.
    build_seconds, solve_seconds
        Seconds to build the model and to solve it.
    solver
        Solver name.
    plan
        The optimized plan (``None`` without a solution).
    hubs
        Hub use by week (``hub, size, week, received_t, storage_t, ...``).
    model_kpis
        The model's own view: spoilage tonnes (survival view), delivered, revenue...
    diagnosis
        For an infeasible model: what cannot be met, and by how much.
    options
        The options used.
    size
        Model size: variables, constraints, routes, inbound arcs.
    stages
        Seconds of each stage (data, model, start heuristic...) and the start
        heuristic's objective and LP relaxation bound, where they ran.
    bound
        The best bound the solver proved on the objective (NaN where it proved none).
    solution_objective, solution_gap
        The plan's objective and its relative gap to ``bound`` (NaN without a plan);
        read them as :attr:`objective` and :attr:`gap`, which raise without a plan.
    """

    status: Status
    limit: Limit
    build_seconds: float
    solve_seconds: float
    solver: str
    plan: Plan | None
    hubs: pd.DataFrame = field(default_factory=pd.DataFrame)
    model_kpis: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    diagnosis: tuple[dict, ...] = ()
    options: DesignOptions = field(default_factory=DesignOptions)
    size: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    stages: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    bound: float = math.nan
    solution_objective: float = math.nan
    solution_gap: float = math.nan

    @property
    def has_plan(self) -> bool:
        """Whether a plan came back."""
        return self.plan is not None

    @property
    def objective(self) -> float:
        """The plan's objective (cost, or margin in margin mode).

        Raises
        ------
        NoPlanError
            If the solve found no plan.
        """
        if self.plan is None:
            raise NoPlanError(self.status)
        return self.solution_objective

    @property
    def gap(self) -> float:
        """The plan's relative gap to the proven bound (a fraction).

        Raises
        ------
        NoPlanError
            If the solve found no plan (a gap of no plan means nothing).
        """
        if self.plan is None:
            raise NoPlanError(self.status, "gap")
        return self.solution_gap

    def kpis(self) -> dict[str, Any]:
        """The solve's own figures, one flat mapping (``kpis.json`` before the evaluator's).

        ``status``, ``limit``, ``objective``, ``bound``, ``gap`` (NaN where there is no
        plan or no proven bound), ``build_seconds``, ``solve_seconds``, ``solver``, the
        model's size (``model_size.*``), the seconds and figures of each stage
        (``stages.*``) and the model's own view of the plan (``model_*``: spoilage with
        survival factors, costs by part, revenue in margin mode).
        """
        return {
            "status": self.status,
            "limit": self.limit,
            "objective": self.solution_objective,
            "bound": self.bound,
            "gap": self.solution_gap,
            "build_seconds": self.build_seconds,
            "solve_seconds": self.solve_seconds,
            "solver": self.solver,
            **{f"model_size.{k}": v for k, v in self.size.items()},
            **{f"stages.{k}": v for k, v in self.stages.items()},
            **self.model_kpis,
        }

    def to_frame(self) -> pd.DataFrame:
        """The plan's flows.

        Raises
        ------
        NoPlanError
            If the solve found no plan.
        """
        if self.plan is None:
            raise NoPlanError(self.status, "plan")
        return self.plan.to_frame()

    def to_frames(self, evaluation: Evaluation | None = None) -> dict[str, pd.DataFrame]:
        """The tables of a solve's run folder.

        Parameters
        ----------
        evaluation
            The evaluator's score of :attr:`plan`
            (:func:`results.evaluate.evaluate`); given, ``flows`` carries its
            per-flow columns and ``deliveries`` is added.

        Returns
        -------
        dict
            ``flows``: the plan in the plan-file format (so that ``coldchain evaluate
            SCENARIO --plan RUN/flows.csv`` reads it back with ``hubs.csv``), with the
            evaluator's columns but its ``market`` (the path's last node);
            ``hubs``: hub use by week, as the model sized it; ``deliveries``: the
            evaluator's deliveries by market, product and week.

        Raises
        ------
        NoPlanError
            If the solve found no plan.
        """
        if self.plan is None:
            raise NoPlanError(self.status, "plan")
        if evaluation is None:
            return {"flows": self.plan.to_frame(), "hubs": self.hubs}
        return {
            "flows": evaluation.flows.drop(columns=["market"]),
            "hubs": self.hubs,
            "deliveries": evaluation.deliveries,
        }

    def documents(self) -> dict[str, dict]:
        """JSON documents of the run folder beside ``kpis.json``.

        ``diagnosis.json`` (what cannot be met, and by how much) for an infeasible
        model; none otherwise.
        """
        if self.status is not Status.INFEASIBLE:
            return {}
        return {"diagnosis.json": {"status": self.status, "problems": list(self.diagnosis)}}


def _value(outcome: SolveOutcome, column: int) -> float:
    """A column's value in a solution (``outcome.values``: an array of column values)."""
    return float(outcome.values[column])


def _diagnosis(model: DesignMatrix, outcome: SolveOutcome) -> list[dict]:
    rows = []
    for key, var in model.slack.items():
        amount = _value(outcome, var)
        if amount <= 1e-6:
            continue
        if key[0] == "demand":
            _, market, product, week = key
            rows.append(
                {
                    "what": "demand",
                    "market": market,
                    "product": product,
                    "week": week,
                    "short_t": amount,
                    "message": f"demand of {market} for {product} in week {week} "
                    f"cannot be met: {amount:.3f} t short",
                }
            )
        elif key[0] == "throughput":
            _, hub, week = key
            rows.append(
                {
                    "what": "throughput",
                    "hub": hub,
                    "week": week,
                    "over_t": amount,
                    "message": f"hub {hub} would need {amount:.3f} t/week more "
                    f"throughput than its largest size in week {week}",
                }
            )
        else:
            _, hub, week, size = key
            rows.append(
                {
                    "what": "cold_storage",
                    "hub": hub,
                    "size": size,
                    "week": week,
                    "over_t": amount,
                    "message": f"hub {hub} ({size}) would need {amount:.3f} t more "
                    f"cold storage in week {week}",
                }
            )
    return rows


def _with_shortfall_totals(data: DesignData, rows: list[dict]) -> list[dict]:
    """Each product's total shortfall first, then the rows where this plan leaves it.

    Which market and week end up short is the elastic model's choice among equals: a
    tonne short in one market could as well be short in another of the same weeks (or,
    through cold storage, a week earlier). A planner who raised one demand row was told
    another market was short; the total says what cannot be met, the rows say where.
    """
    short = [r for r in rows if r["what"] == "demand"]
    totals = []
    for product in sorted({r["product"] for r in short}):
        mine = [r for r in short if r["product"] == product]
        weeks = sorted({r["week"] for r in mine})
        wanted = sum(t for (_m, p, w), t in data.demand.items() if p == product and w <= weeks[-1])
        missing = sum(r["short_t"] for r in mine)
        totals.append(
            {
                "what": "demand_total",
                "product": product,
                "weeks": weeks,
                "short_t": missing,
                "demand_t": wanted,
                "message": f"demand for {product} cannot be met in full: {missing:.3f} t short "
                f"of the {wanted:.3f} t all markets want up to week {weeks[-1]} (supply, hub "
                "capacity or the time to market fall short); below, where this plan leaves "
                "it: other markets or weeks could be short instead",
            }
        )
    return totals + rows


def _decompose(
    network: Network,
    data: DesignData,
    model: DesignMatrix,
    outcome: SolveOutcome,
    opened: dict[str, str],
) -> tuple[PathFlow, ...]:
    """Split hub outflows into full village-to-market path flows.

    Each hub's stock of a product is a pool: every week it decays by the cold store's
    survival and receives arrivals (by arc and harvest week); dispatch takes the oldest
    harvest week first (first in, first out, as perishables are sold), and within one
    harvest week every lot gives the same share, so firms whose fruit merges are
    attributed in proportion to their inflow. A lot taken ``k`` weeks after harvest
    becomes a path flow with ``storage_weeks = k``; its tonnes are counted back to the
    village.
    """
    flows: list[PathFlow] = []
    arrivals = defaultdict(list)
    for (a, p, w), var in model.x.items():
        amount = _value(outcome, var)
        if amount > 1e-9:
            arrivals[(data.inbound[a][1], p, w)].append((a, w, amount))
    outflows = defaultdict(list)
    for (r, p, w), var in model.z.items():
        amount = _value(outcome, var)
        if amount > 1e-9:
            outflows[(data.routes[r].hub, p, w)].append((r, amount))
    for hub, size in opened.items():
        for p in data.products:
            pool: list[list] = []  # [arc, harvest week, sound tonnes now, tonnes left village]
            for w in data.weeks:
                stay = data.storage_survival.get((hub, size, p), 1.0)
                for item in pool:
                    item[2] *= stay
                for a, harvest, amount in arrivals.get((hub, p, w), ()):
                    sound = amount * data.inbound_survival[(a, p, harvest)]
                    pool.append([a, harvest, sound, amount])
                taken = outflows.get((hub, p, w), [])
                out = sum(t for _, t in taken)
                if out <= 0 or not pool:
                    continue
                # first in, first out across harvest weeks; within one harvest week every
                # lot gives the same share (firms merging are split in proportion)
                remaining = out
                for harvest in sorted({item[1] for item in pool}):
                    cohort = [item for item in pool if item[1] == harvest]
                    sound_total = sum(item[2] for item in cohort)
                    if remaining <= 1e-12 or sound_total <= 1e-12:
                        continue
                    take = min(sound_total, remaining)
                    fraction = take / sound_total
                    remaining -= take
                    for item in cohort:
                        a, _, _sound, left_village = item
                        village, _, leg_id = data.inbound[a]
                        service = network.legs_by_id[leg_id].service
                        for r, tonnes in taken:
                            route = data.routes[r]
                            part = left_village * fraction * tonnes / out
                            if part <= 1e-9:
                                continue
                            flows.append(
                                PathFlow(
                                    firm=network.nodes[village].firm,
                                    shipper=data.shipper,
                                    product=p,
                                    week=harvest,
                                    tonnes=part,
                                    nodes=(village,) + route.nodes,
                                    services=(service,) + tuple(leg.service for leg in route.legs),
                                    customs_mode=route.customs_mode,
                                    storage_weeks=w - harvest,
                                    precool=network.products[p].perishable,
                                    wait_hours=None,
                                )
                            )
                        item[2] *= 1.0 - fraction
                        item[3] *= 1.0 - fraction
                pool = [item for item in pool if item[2] > 1e-9]
    return merge_flows(flows)


def _hub_table(
    data: DesignData, model: DesignMatrix, outcome: SolveOutcome, opened: dict[str, str]
) -> pd.DataFrame:
    received = defaultdict(float)
    for (a, _p, w), var in model.x.items():
        hub = data.inbound[a][1]
        if hub in opened:
            received[(hub, w)] += _value(outcome, var)
    stock = defaultdict(float)
    for (h, s, _p, w), var in model.inv.items():
        if opened.get(h) == s:
            stock[(h, w)] += _value(outcome, var)
    rows = []
    sizes = {(h, s.name): s for h in data.hubs for s in data.sizes[h]}
    for hub, size in sorted(opened.items()):
        spec = sizes[(hub, size)]
        for w in data.weeks:
            rows.append(
                {
                    "hub": hub,
                    "size": size,
                    "week": w,
                    "received_t": received[(hub, w)],
                    "throughput_capacity_t": spec.throughput_t_per_week,
                    "storage_t": stock[(hub, w)],
                    "storage_capacity_t": spec.cold_storage_t,
                    "fixed_cost_cny": spec.fixed_cost_cny,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "hub",
            "size",
            "week",
            "received_t",
            "throughput_capacity_t",
            "storage_t",
            "storage_capacity_t",
            "fixed_cost_cny",
        ],
    )


def solve_design(network: Network, options: DesignOptions | None = None) -> DesignResult:
    """Open hubs and route each week's flows at least cost (or most margin).

    Parameters
    ----------
    network
        The network.
    options
        Solver and model options (default: the scenario's ``[design]`` table).
        ``build="direct"`` (the default, HiGHS only) hands the model's arrays to HiGHS
        (:class:`DesignModel`); ``build="pulp"``, or any solver but HiGHS, hands the
        same formulation to PuLP (every row written, none lazy). Both start, with HiGHS,
        from the same heuristic plan.

    Returns
    -------
    DesignResult
        With the plan (path flows attributed to firms by flow decomposition), the hubs'
        use, objective, bound and gap; or, when infeasible, a diagnosis.
    """
    options = options or DesignOptions.from_network(network)
    if options.build not in BUILDS:
        raise ValueError(f"build: expected one of {', '.join(BUILDS)}, got {options.build!r}")
    if options.build == "direct" and options.solver.lower() == "highs":
        return DesignModel(network, options).solve()
    return _solve_reference(network, options)


def _solve_reference(network: Network, options: DesignOptions) -> DesignResult:
    """Solve through PuLP (any PuLP solver): the formulation's arrays as a PuLP problem."""
    clock = time.perf_counter()
    data = _data(network, options)
    data_seconds = time.perf_counter() - clock
    matrix = DesignMatrix(data, options, names=True)
    problem, variables = _pulp_problem(matrix)
    build_seconds = time.perf_counter() - clock
    stages = {"data_seconds": data_seconds, "model_seconds": build_seconds - data_seconds}
    start_values, start_seconds = None, 0.0
    if _wants_start(options, data) and options.solver.lower() == "highs" and matrix.y:
        found = _heuristic_start(data, options, stages)
        if found is not None:  # its matrix has these columns (lazy rows (3) aside)
            values = found[1].values.tolist()
            start_values = {v.name: x for v, x in zip(variables, values, strict=True)}
        start_seconds = stages.get("start_seconds", 0.0)
    outcome = solve_pulp(
        problem,
        options.solver,
        _left(options.time_limit, start_seconds),
        options.gap,
        options.threads,
        options.msg,
        start_values=start_values,
        seed=options.seed,
    )
    outcome = replace(
        outcome, seconds=outcome.seconds + start_seconds, values=column_values(outcome, variables)
    )
    size = {"variables": len(problem.variables()), "constraints": problem.numConstraints()}
    if outcome.status is Status.INFEASIBLE:
        elastic = DesignMatrix(data, options, elastic=True, names=True)
        elastic_problem, elastic_variables = _pulp_problem(elastic)
        relaxed = solve_pulp(
            elastic_problem, options.solver, options.time_limit, options.gap, options.threads
        )
        relaxed = replace(relaxed, values=column_values(relaxed, elastic_variables))
        return _infeasible(data, options, elastic, relaxed, outcome, build_seconds, size, stages)
    return _result(network, data, matrix, outcome, options, build_seconds, size, stages)


def _pulp_problem(matrix: DesignMatrix):
    """The PuLP problem of a :class:`DesignMatrix` built with names, and its variables."""
    return pulp_problem(
        matrix.arrays(), matrix.column_names, matrix.row_names, matrix.maximize, "network_design"
    )


def _data(network: Network, options: DesignOptions) -> DesignData:
    return build_design_data(
        network,
        options.firms,
        options.shipper,
        options.regime,
        options.co2_price_cny_per_t,
        options.routes_per_pair,
    )


def _wants_start(options: DesignOptions, data: DesignData) -> bool:
    """Whether to run the start heuristic (``options.start``, or: the model has trips)."""
    return bool(data.trip_legs) if options.start is None else bool(options.start)


def _left(time_limit: float | None, spent: float) -> float | None:
    return None if time_limit is None else max(1.0, time_limit - spent)


def _heuristic_start(data: DesignData, options: DesignOptions, stages: dict):
    """The start heuristic on its own direct model: (matrix, start) or ``None``."""
    clock = time.perf_counter()
    matrix = DesignMatrix(data, options, lazy_links=options.lazy_links)
    highs = HighsModel(matrix.arrays(), matrix.maximize)
    budget = None if options.time_limit is None else START_SHARE * options.time_limit
    found = design_start(data, matrix, highs, options, budget)
    stages["start_seconds"] = time.perf_counter() - clock
    if found is None:
        return None
    stages.update(start_objective=found.objective, relaxation_bound=found.relaxation_bound)
    return matrix, found


class DesignModel:
    """The network design model built once in HiGHS, re-solved as often as asked.

    Parameters
    ----------
    network
        The network.
    options
        Options (default: the scenario's ``[design]`` table); ``options.firms`` and
        ``options.shipper`` fix whose model it is (``None``: every firm).

    Notes
    -----
    :meth:`solve` may restrict the model to a subset of those firms: their supply and
    demand only, by bounds, without building anything again. That is the same model as
    one built for the subset (:func:`optimizer.design._data.restrict`), apart from the
    big-M of the route linking rows (7), which stay those of the larger set: valid, a
    little weaker in the relaxation, the same optimum.
    """

    def __init__(self, network: Network, options: DesignOptions | None = None):
        options = options or DesignOptions.from_network(network)
        self.network = network
        self.options = options
        clock = time.perf_counter()
        self.data = _data(network, options)
        data_seconds = time.perf_counter() - clock
        self.matrix = DesignMatrix(self.data, options, lazy_links=options.lazy_links)
        matrix_seconds = time.perf_counter() - clock - data_seconds
        self.highs = HighsModel(self.matrix.arrays(), self.matrix.maximize)
        self.build_seconds = time.perf_counter() - clock
        self.stages = {
            "data_seconds": data_seconds,
            "model_seconds": matrix_seconds,
            "pass_seconds": self.build_seconds - data_seconds - matrix_seconds,
        }
        self.firms = options.firms
        self._village_firm = {v.id: v.firm for v in network.villages}
        self._restricted_to = options.firms

    def _restrict(self, firms: frozenset[str] | None) -> DesignData:
        """Set supply and demand bounds to ``firms``'; the data of that coalition."""
        if firms is None:
            firms = self.firms
        if self.firms is not None and firms is not None and not firms <= self.firms:
            raise ValueError(f"firms {sorted(firms - self.firms)} are not in this model")
        if firms == self._restricted_to:
            return self.data if firms == self.firms else restrict(self.data, self.network, firms)
        member = (lambda v: True) if firms is None else (lambda v: self._village_firm[v] in firms)
        m, d = self.matrix, self.data
        x_cols = np.fromiter(m.x.values(), dtype=np.int32, count=len(m.x))
        upper = np.array(
            [math.inf if member(d.inbound[k[0]][0]) else 0.0 for k in m.x], dtype=np.float64
        )
        self.highs.set_base_bounds(x_cols, 0.0, upper)
        ship_all = self.options.ship_all_supply
        rows, lower, upper = [], [], []
        for key, row in m.supply_rows.items():
            b = d.supply[key] if member(key[0]) else 0.0
            rows.append(row)
            lower.append(b if ship_all else -math.inf)
            upper.append(b)
        self.highs.set_row_bounds(rows, lower, upper)
        wanted = coalition_demand(self.network, firms)
        if m.maximize:
            cols = [m.sold[k] for k in m.sold]
            self.highs.set_base_bounds(cols, 0.0, [wanted.get(k, 0.0) for k in m.sold])
        else:
            keys = list(m.demand_rows)
            rows = [m.demand_rows[k] for k in keys]
            self.highs.set_row_bounds(
                rows, [wanted.get(k, 0.0) for k in keys], [math.inf] * len(keys)
            )
        self._restricted_to = firms
        return self.data if firms == self.firms else restrict(self.data, self.network, firms)

    def solve(
        self,
        firms: frozenset[str] | None = None,
        start_hubs: dict[str, str | None] | None = None,
        time_limit: float | None = None,
        gap: float | None = None,
    ) -> DesignResult:
        """Solve for ``firms`` (default: the model's own), from a start if given.

        Parameters
        ----------
        firms
            A subset of the model's firms (a coalition).
        start_hubs
            Hub openings (hub -> size or ``None``) for the start heuristic to begin
            from, instead of solving and rounding the LP relaxation; given, the
            heuristic runs whatever ``options.start`` says (unless it is ``False``).
        time_limit, gap
            Override the options' limits for this solve.

        Returns
        -------
        DesignResult
        """
        options = self.options
        if firms is not None:
            options = replace(options, firms=firms)
        if time_limit is not None:
            options = replace(options, time_limit=time_limit)
        if gap is not None:
            options = replace(options, gap=gap)
        data = self._restrict(firms)
        stages = dict(self.stages)
        start = None
        given = start_hubs is not None and options.start is not False
        if (given or _wants_start(options, self.data)) and self.matrix.y:
            clock = time.perf_counter()
            budget = None if options.time_limit is None else START_SHARE * options.time_limit
            found = design_start(
                self.data, self.matrix, self.highs, options, budget, openings=start_hubs
            )
            stages["start_seconds"] = time.perf_counter() - clock
            if found is not None:
                start = found.values
                stages.update(
                    start_objective=found.objective, relaxation_bound=found.relaxation_bound
                )
        spent = stages.get("start_seconds", 0.0)
        stages["links_added"] = len(self.matrix.link_added)
        if start is not None and _closes_gap(found, options.gap, self.matrix.maximize):
            # the start is within the asked gap of the LP relaxation's bound: proven
            outcome = SolveOutcome(
                Status.OPTIMAL,
                Limit.NONE,
                found.objective,
                found.relaxation_bound,
                _relative_gap(found.objective, found.relaxation_bound),
                spent,
                f"{self.highs.version} (start heuristic, bound: LP relaxation)",
                start,
            )
        else:
            outcome = self.highs.solve(
                _left(options.time_limit, spent),
                options.gap,
                options.threads,
                options.msg,
                options.seed,
                start,
            )
            outcome = replace(outcome, seconds=outcome.seconds + spent)
            if start is not None:
                outcome = _with_relaxation_bound(outcome, found, self.matrix.maximize)
        size = {
            "variables": self.matrix.num_col,
            "constraints": self.highs.num_row,
            "nonzeros": self.matrix.num_nonzeros,
        }
        if outcome.status is Status.INFEASIBLE:
            elastic = DesignMatrix(data, options, elastic=True)
            relaxed = HighsModel(elastic.arrays(), elastic.maximize).solve(
                options.time_limit, options.gap, options.threads
            )
            return _infeasible(
                data, options, elastic, relaxed, outcome, self.build_seconds, size, stages
            )
        return _result(
            self.network, self.data, self.matrix, outcome, options, self.build_seconds, size, stages
        )


def _with_relaxation_bound(
    outcome: SolveOutcome, found: DesignStart, maximize: bool
) -> SolveOutcome:
    """The MIP's outcome with the better of its bound and the start's relaxation bound.

    Both bound the same model's optimum; a MIP stopped before its root LP has none.
    """
    relaxation = found.relaxation_bound
    if not (math.isfinite(relaxation) and outcome.has_solution):
        return outcome
    bound = outcome.bound
    if not math.isfinite(bound):
        bound = relaxation
    else:
        bound = min(bound, relaxation) if maximize else max(bound, relaxation)
    return replace(outcome, bound=bound, gap=_relative_gap(outcome.objective, bound))


def _closes_gap(found: DesignStart, gap: float | None, maximize: bool) -> bool:
    """Whether the start is proven within ``gap`` by the relaxation's bound."""
    bound = found.relaxation_bound
    if gap is None or not math.isfinite(bound):
        return False
    slack = (bound - found.objective) if maximize else (found.objective - bound)
    return slack <= gap * max(abs(found.objective), 1e-9) + 1e-9


def _infeasible(data, options, elastic, relaxed, outcome, build_seconds, size, stages):
    diagnosis = (
        _with_shortfall_totals(data, _diagnosis(elastic, relaxed))
        if relaxed.has_solution
        else [{"what": "unknown", "message": "the elastic model found no solution either"}]
    )
    return DesignResult(
        Status.INFEASIBLE,
        outcome.limit,
        build_seconds,
        outcome.seconds + relaxed.seconds,
        outcome.solver,
        None,
        diagnosis=tuple(diagnosis),
        options=options,
        size=_sized(data, size),
        stages=MappingProxyType(stages),
    )


def _sized(data: DesignData, size: dict) -> MappingProxyType:
    return MappingProxyType(dict(size, routes=len(data.routes), inbound_arcs=len(data.inbound)))


def _result(network, data, model, outcome, options, build_seconds, size, stages) -> DesignResult:
    """The result of a solve that ended with or without a plan (not infeasible)."""
    if not outcome.has_solution:
        return DesignResult(
            outcome.status,
            outcome.limit,
            build_seconds,
            outcome.seconds,
            outcome.solver,
            None,
            options=options,
            size=_sized(data, size),
            stages=MappingProxyType(stages),
            bound=outcome.bound,
        )
    opened = {h: s for (h, s), var in model.y.items() if _value(outcome, var) > 0.5}
    flows = _decompose(network, data, model, outcome, opened)
    plan = Plan(
        name="optimized",
        hubs=opened,
        flows=flows,
        description=f"coldchain solve ({outcome.solver}, {outcome.status})",
    )
    return DesignResult(
        outcome.status,
        outcome.limit,
        build_seconds,
        outcome.seconds,
        outcome.solver,
        plan,
        _hub_table(data, model, outcome, opened),
        MappingProxyType(_model_kpis(data, model, outcome)),
        options=options,
        size=_sized(data, size),
        stages=MappingProxyType(stages),
        bound=outcome.bound,
        solution_objective=outcome.objective,
        solution_gap=outcome.gap,
    )


def _model_costs(data: DesignData, model: DesignMatrix, outcome: SolveOutcome) -> dict[str, float]:
    """The model's own costs by part, as its objective counts them (CNY).

    ``model_flow_cost``: freight per tonne, handling, customs, tariffs, CO2 price and the
    value of fruit the survival factors lose on the way; ``model_storage_cost``: cold
    store and the value lost in store; ``model_trip_cost``: trips and containers as the
    model counts them (pro rata with ``trips = "linear"``, whole with ``integer``),
    which the evaluator always counts whole. Their sum is the objective
    in cost mode, revenue minus the objective in margin mode.
    """
    fixed = {(h, size.name): size.fixed_cost_cny for h in data.hubs for size in data.sizes[h]}
    storage = sum(
        _value(outcome, v)
        * (data.storage_cost[k[0]] + data.value_per_t[k[2]] * (1 - data.storage_survival[k[:3]]))
        for k, v in model.inv.items()
    )
    costs = {
        "model_hub_cost": sum(_value(outcome, v) * fixed[k] for k, v in model.y.items()),
        "model_flow_cost": sum(
            _value(outcome, v) * data.inbound_cost[k] for k, v in model.x.items()
        )
        + sum(_value(outcome, v) * data.route_cost[k] for k, v in model.z.items()),
        "model_storage_cost": storage,
        "model_trip_cost": sum(
            _value(outcome, v) * data.trip_legs[k][0] for k, v in model.n.items()
        ),
    }
    costs["model_total_cost"] = sum(costs.values())
    return costs


def _model_kpis(data: DesignData, model: DesignMatrix, outcome: SolveOutcome) -> dict[str, float]:
    """The model's own view of spoilage and deliveries (survival factors)."""
    shipped = sum(_value(outcome, v) for v in model.x.values())
    lost = sum(_value(outcome, v) * (1 - data.inbound_survival[k]) for k, v in model.x.items())
    lost += sum(
        _value(outcome, v) * (1 - data.storage_survival[(k[0], k[1], k[2])])
        for k, v in model.inv.items()
    )
    lost += sum(_value(outcome, v) * (1 - data.route_survival[k]) for k, v in model.z.items())
    delivered = sum(_value(outcome, v) * data.route_survival[k] for k, v in model.z.items())
    kpis = {
        "model_shipped_t": shipped,
        "model_spoilage_t": lost,
        "model_delivered_t": delivered,
        "model_co2_t": sum(_value(outcome, v) * data.inbound_co2_t[k] for k, v in model.x.items())
        + sum(_value(outcome, v) * data.route_co2_t[k] for k, v in model.z.items()),
    }
    kpis.update(_model_costs(data, model, outcome))
    if model.maximize:
        by_market = defaultdict(float)
        for (m, _p, _t), var in model.sold.items():
            by_market[m] += _value(outcome, var) * data.price.get((m, _p, _t), 0.0)
        kpis["model_revenue"] = sum(by_market.values())
        kpis.update({f"model_revenue.{m}": v for m, v in sorted(by_market.items())})
    return kpis
