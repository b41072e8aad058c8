"""What a network design solve returns: :class:`DesignResult`, and how it is read.

A solution (column values of :class:`~optimizer.design.formulation.DesignMatrix`) becomes
a result here: the opened hubs, the plan's path flows (the hubs' outflows decomposed
first in, first out), each hub's use by week, and the model's own KPIs; an elastic
model's slack becomes the diagnosis of an infeasible one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from networks.network import Network
from networks.nodes import OverseasWarehouse
from networks.plan import PathFlow, Plan, merge_flows
from networks.status import Limit, NoPlanError, Status
from optimizer.backends.mip import SolveOutcome
from optimizer.design._options import DesignOptions
from optimizer.design.data import DesignData
from optimizer.design.formulation import DesignMatrix

if TYPE_CHECKING:
    from results.evaluate import Evaluation


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

    def _the_plan(self) -> Plan:
        if self.plan is None:
            raise NoPlanError(self.status, "plan")
        return self.plan

    def to_frame(self) -> pd.DataFrame:
        """The plan's flows.

        Raises
        ------
        NoPlanError
            If the solve found no plan.
        """
        return self._the_plan().to_frame()

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
            evaluator's deliveries by market, product and week; ``trips``: the freight
            bought per leg and week (whole trips, part loads, fill), as evaluated;
            ``warehouses``: overseas warehouses' arrivals and stock by week.

        Raises
        ------
        NoPlanError
            If the solve found no plan.
        """
        plan = self._the_plan()
        if evaluation is None:
            return {"flows": plan.to_frame(), "hubs": self.hubs}
        return {
            "flows": evaluation.flows.drop(columns=["market"], errors="ignore"),
            "hubs": self.hubs,
            "deliveries": evaluation.deliveries,
            "trips": evaluation.trips,
            "warehouses": evaluation.warehouses,
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
                                    abroad_weeks=route.abroad_weeks,
                                )
                            )
                        item[2] *= 1.0 - fraction
                        item[3] *= 1.0 - fraction
                pool = [item for item in pool if item[2] > 1e-9]
    return within_warehouses(network, merge_flows(flows), opened)


def within_warehouses(
    network: Network, flows: tuple[PathFlow, ...], opened: dict[str, str]
) -> tuple[PathFlow, ...]:
    """The flows, those over an overseas warehouse's capacity scaled down to fit it.

    The design model counts a warehouse's arrivals and stock (rows 11) with its
    per-stage survival factors; the evaluator counts the tonnes the exact loss model
    leaves sound, which can be more. Each row through a warehouse week the evaluator
    would find over capacity is scaled by the least ``capacity / use`` of the weeks it
    uses: every count then falls within its capacity (a row's tonnes only shrink), and
    the design model's plan stays one the evaluator accepts. Rows through no
    warehouse with a finite capacity are left as they are.
    """
    from results.scoring import FlowScorer, hub_atmosphere  # results sits above

    capped = {
        node.id
        for node in network.nodes.values()
        if isinstance(node, OverseasWarehouse)
        and (math.isfinite(node.capacity_t_per_week) or math.isfinite(node.stock_capacity_t))
    }
    if not capped:
        return flows
    scorer = FlowScorer(network)
    use: dict[tuple, float] = defaultdict(float)
    keys: dict[int, list[tuple]] = {}
    for i, flow in enumerate(flows):
        if not capped.intersection(flow.nodes):
            continue
        score = scorer.score(flow, hub_atmosphere(network, opened, flow.county_hub))
        keys[i] = []
        for kind, pairs in (("received", score.received), ("stock", score.stock)):
            for (house, week), tonnes in pairs:
                use[(kind, house, week)] += tonnes
                keys[i].append((kind, house, week))
    factor = {}
    for kind, house, week in use:
        node = network.nodes[house]
        cap = node.capacity_t_per_week if kind == "received" else node.stock_capacity_t
        total = use[(kind, house, week)]
        factor[(kind, house, week)] = 1.0 if total <= cap else cap / total * (1.0 - 1e-9)
    scaled = []
    for i, flow in enumerate(flows):
        f = min((factor[k] for k in keys.get(i, ())), default=1.0)
        if f < 1.0:
            flow = replace(flow, tonnes=flow.tonnes * f)
        if flow.tonnes > 1e-9:
            scaled.append(flow)
    return tuple(scaled)


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


def infeasible_result(
    data: DesignData,
    options: DesignOptions,
    elastic: DesignMatrix,
    relaxed: SolveOutcome,
    outcome: SolveOutcome,
    build_seconds: float,
    size: dict,
    stages: dict,
) -> DesignResult:
    """The result of an infeasible model, with what its elastic twin found short."""
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


def design_result(
    network: Network,
    data: DesignData,
    model: DesignMatrix,
    outcome: SolveOutcome,
    options: DesignOptions,
    build_seconds: float,
    size: dict,
    stages: dict,
) -> DesignResult:
    """The result of a solve that ended with or without a plan (not infeasible)."""
    run = (outcome.status, outcome.limit, build_seconds, outcome.seconds, outcome.solver)
    about = {
        "options": options,
        "size": _sized(data, size),
        "stages": MappingProxyType(stages),
        "bound": outcome.bound,
    }
    if not outcome.has_solution:
        return DesignResult(*run, None, **about)
    opened = {h: s for (h, s), var in model.y.items() if _value(outcome, var) > 0.5}
    flows = _decompose(network, data, model, outcome, opened)
    plan = Plan(
        name="optimized",
        hubs=opened,
        flows=flows,
        description=f"coldchain solve ({outcome.solver}, {outcome.status})",
    )
    return DesignResult(
        *run,
        plan,
        _hub_table(data, model, outcome, opened),
        MappingProxyType(_model_kpis(data, model, outcome)),
        solution_objective=outcome.objective,
        solution_gap=outcome.gap,
        **about,
    )


def _model_costs(data: DesignData, model: DesignMatrix, outcome: SolveOutcome) -> dict[str, float]:
    """The model's own costs by part, as its objective counts them (CNY).

    ``model_flow_cost``: freight per tonne, handling, customs, tariffs, CO2 price, the
    purchase value of the fruit dispatched from the hubs and the value of fruit the
    survival factors lose before; ``model_storage_cost``: cold
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
        )
        + sum(_value(outcome, v) * data.trip_legs[k][2] for k, v in model.part.items()),
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
