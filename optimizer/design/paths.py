r"""The exact path model: the plan as the evaluator scores it, hubs fixed.

The network design model (:mod:`optimizer.design.formulation`) pools each hub's stock
and counts spoilage by per-stage survival factors; the evaluator follows every lot along
its whole path with the exact shelf-life model. This model takes the hubs (and sizes)
the design model opened and chooses among *path columns*, each one plan row of one
tonne (a village's lot of one product and harvest week, through an open hub, ``k``
weeks in its cold store, on one downstream route with its customs mode), whose every
coefficient is the evaluator's own (:class:`results.scoring.FlowScorer`). So the
objective of the plan it returns *is* the evaluator's margin (or cost) of that plan.

Formulation
-----------
Sets: candidate path columns :math:`J` (below), trip keys :math:`K` (shipper, leg,
week) the columns load, sales :math:`(m, p, t)` with demand :math:`d_{mpt}` at price
:math:`\pi_{mpt}`; open hubs :math:`h` at their sizes (throughput :math:`u_h`, cold store
:math:`k_h`, fixed cost :math:`f_h`).

Coefficients of a column :math:`j` (from the evaluator's score of its row of 1 t):
cost :math:`c_j` (freight by the tonne, handling and pre-cooling, storage, customs
fees, tariffs and VAT, spoilage at purchase value, and the CO2 price where one is set),
tonnes delivered :math:`\delta_j` to :math:`(m_j, p_j, t_j)`, tonnes entering each trip
leg-week :math:`e_{jk}`, tonnes received :math:`r_{j,ht}` and held in cold store
:math:`s_{j,ht}`, CO2e :math:`\epsilon_j`. Each trip key has a price per whole trip
:math:`g_k`, a capacity :math:`q_k` and a part-load rate :math:`\rho_k` (or none).

Variables: :math:`x_j \ge 0` tonnes on column :math:`j`; :math:`n_k \in \mathbb{Z}_{\ge 0}`
whole trips and :math:`p_k \ge 0` part-load tonnes (:math:`p_k = 0` where the leg sells
none); in margin mode :math:`w_{mpt} \in [0, d_{mpt}]` tonnes sold.

Objective (margin mode; cost mode minimizes the cost terms):

.. math:: \max \sum \pi w - \sum_j c_j x_j - \sum_k (g_k n_k + \rho_k p_k) - \sum_h f_h

Constraints:

P1. supply: :math:`\sum_{j \in (v,p,t)} x_j \le b_{vpt}` (``=`` with ``ship_all_supply``);
P2. sales: :math:`w_{mpt} \le \sum_{j \to (m,p,t)} \delta_j x_j` (margin), or
    :math:`\sum_{j \to (m,p,t)} \delta_j x_j \ge d_{mpt}` (cost);
P3. freight as it is sold: :math:`\sum_j e_{jk} x_j \le q_k n_k + p_k`;
P3b. tolls, on legs with a toll :math:`\tau_k` per whole trip (objective
    :math:`+\tau_k (n_k - a_k)`): exempt trips :math:`a_k \le n_k`, each filled to 80%
    with the tonnes on whole trips, :math:`0.8 q_k a_k \le \sum_j e_{jk} x_j - p_k`;
    where columns of goods that are not listed produce load :math:`k`, a binary
    :math:`\mu_k` marks a mixed load, :math:`\sum_{j \,\text{other}} e_{jk} x_j - p_k \le
    M \mu_k` and :math:`a_k \le U (1 - \mu_k)` (the other goods ride as the part load,
    or every whole trip pays the toll: :func:`networks.firms.load_cost_tolled`);
P4. throughput: :math:`\sum_j r_{j,ht} x_j \le u_h` for every open hub and week;
P5. cold storage: :math:`\sum_j s_{j,ht} x_j \le k_h (1 + 0.005)`, the evaluator's
    tolerance on occupancy (which it counts with the survival view);
P6. CO2e cap, where set: :math:`\sum_j \epsilon_j x_j \le E`;
P7. overseas warehouses, where their capacities are finite: tonnes each receives in a
    week, and tonnes it holds as stock in a week (a row held ``abroad_weeks`` counts its
    arrival in each), at most its capacities (the evaluator's counts).

At an optimum :math:`w = \min(d, \text{delivered})` and :math:`(n, p)` is the cheapest mix
of whole trips and part loads, tolls counted (:func:`networks.firms.load_cost_tolled`),
which is how the evaluator scores the plan: model objective and evaluated margin are one
number (the CO2 price, which the evaluator does not charge, aside).

Candidate columns
-----------------
Every path of an open hub is a column in principle (village, arc, harvest week, weeks in
store, route: millions on the flagship). The model takes the columns of the start plan
(so it never returns worse than it) and, for each village lot and market, the few paths
the design model's per-stage coefficients rank best, a delivered tonne valued at the
market price. The optimum is therefore over
those columns: its bound is the restricted model's, not a bound for every plan (see
:mod:`optimizer.design.bound` for that).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from networks.firms import GREEN_CHANNEL_FILL, load_cost_tolled, part_load_rate, trip_terms
from networks.network import Network
from networks.plan import THIRD_PARTY, PathFlow, Plan, merge_flows
from networks.status import Status
from optimizer.backends import interrupt
from optimizer.backends.highs import HighsModel
from optimizer.backends.mip import SolveOutcome, relative_gap
from optimizer.design.data import DesignData
from optimizer.design.formulation import _Columns, _Rows, model_arrays
from results.evaluate import COST_KEYS, STORAGE_TOLERANCE
from results.scoring import FlowScore, FlowScorer, hub_atmosphere

#: The smallest matrix entry written (HiGHS drops those of 1e-9 and less).
SMALLEST = 1e-9

#: Columns kept for each village lot (village, product, harvest week) and market.
PATHS_PER_MARKET = 3
#: The costs of a plan row (the evaluator's cost keys but the hubs', a plan's constant).
COST_COLUMNS = tuple(key for key in COST_KEYS if key != "hub_cost")


@dataclass(frozen=True)
class PathColumn:
    """One candidate plan row of one tonne and its exact score."""

    flow: PathFlow
    score: FlowScore

    @property
    def key(self) -> tuple:
        """What makes two columns the same path (tonnes aside)."""
        return _flow_key(self.flow)


@dataclass(frozen=True)
class PathSolve:
    """The exact path model's ending: its plan, objective and (restricted) bound.

    ``objective`` is the model's objective of ``plan`` (the evaluator's margin or cost
    of it, less the CO2 price); ``bound`` is proven only over the model's columns.
    """

    plan: Plan | None
    outcome: SolveOutcome
    columns: int
    seconds: float


class PathModel:
    """The exact path model over a growing set of columns, hubs fixed.

    Parameters
    ----------
    network, data
        The scenario and the design model's data (for ranking candidate paths).
    hubs
        Open hubs and their sizes.
    margin_mode
        Maximize margin (else minimize cost).
    ship_all_supply, co2_cap_t, co2_price
        As the design options set them.
    regime
        Tariff regime.
    scores
        A cache of column scores by ``(path key, hub atmosphere)``, shared between path
        models of one scenario and options (a row's score depends on the hubs opened
        only through its hub's atmosphere): the search over openings
        (:mod:`optimizer.design.search`) solves many.
    """

    def __init__(
        self,
        network: Network,
        data: DesignData,
        hubs: dict[str, str],
        margin_mode: bool,
        ship_all_supply: bool = False,
        co2_cap_t: float | None = None,
        co2_price: float = 0.0,
        regime: str | None = None,
        scores: dict | None = None,
    ) -> None:
        self.network, self.data, self.hubs = network, data, dict(hubs)
        self.scores = {} if scores is None else scores
        self.margin_mode = margin_mode
        self.ship_all_supply = ship_all_supply
        self.co2_cap_t, self.co2_price = co2_cap_t, co2_price
        self.scorer = FlowScorer(network, regime)
        self.columns: dict[tuple, PathColumn] = {}
        self.arcs: set[tuple[str, str]] | None = None
        own = network.firms.get(data.shipper) if data.shipper != THIRD_PARTY else None
        self._own_vehicles = own
        self._uplift = (
            1.0 + float(network.consolidation.margin) if data.shipper == THIRD_PARTY else 1.0
        )

    # -- columns ---------------------------------------------------------------------
    def add(self, flow: PathFlow) -> bool:
        """Score ``flow`` (as a row of 1 t) and add it as a column; whether it is new."""
        unit = replace(flow, tonnes=1.0)
        key = _flow_key(unit)
        if key in self.columns:
            return False
        atmosphere = self._atmosphere(flow.county_hub)
        score = self.scores.get((key, atmosphere))
        if score is None:
            score = self.scores[(key, atmosphere)] = self.scorer.score(unit, atmosphere)
        self.columns[key] = PathColumn(unit, score)
        return True

    def only_arcs(self, arcs: set[tuple[str, str]]) -> None:
        """Rank only paths whose village-to-hub pair is in ``arcs`` (single sourcing)."""
        self.arcs = set(arcs)

    def _atmosphere(self, hub: str) -> str:
        return hub_atmosphere(self.network, self.hubs, hub)

    def add_ranked(self) -> int:
        """Add, for each village lot and market, the best paths by the design data's view.

        Returns
        -------
        int
            Columns added.
        """
        added = 0
        ranked = rank_paths(self.data, self.network, self.hubs, PATHS_PER_MARKET, self.arcs)
        for number, flow in enumerate(ranked):
            if number % 256 == 0 and interrupt.stop_requested():
                break  # a stop was asked for: solve over the columns so far
            added += self.add(flow)
        return added

    # -- the model -------------------------------------------------------------------
    def solve(
        self,
        start: Plan | None,
        time_limit: float | None,
        gap: float | None,
        threads: int | None = 1,
    ) -> tuple[SolveOutcome, dict]:
        """Build the model over the columns so far and solve it, from ``start`` if given."""
        built = self._build()
        highs = HighsModel(built["arrays"], self.margin_mode)
        values = None if start is None else self._start_values(start, built)
        return highs.solve(time_limit, gap, threads, start=values), built

    def _build(self) -> dict:
        data, network = self.data, self.network
        cols, rows = _Columns(False), _Rows(False)
        sign = -1.0 if self.margin_mode else 1.0  # costs enter a maximization negatively
        keys = list(self.columns)
        x = {}
        supply_of: dict[tuple, list[int]] = defaultdict(list)
        into: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
        loads: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
        other: dict[tuple, list[tuple[int, float]]] = defaultdict(list)  # not listed produce
        most: dict[tuple, float] = defaultdict(float)  # most tonnes a column can put on a key
        most_other: dict[tuple, float] = defaultdict(float)
        received: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
        stored: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
        house_in: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
        house_stock: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
        co2 = []
        for key in keys:
            column = self.columns[key]
            row, flow = column.score.row, column.flow
            cost = sum(row[c] for c in COST_COLUMNS) + self.co2_price * row["co2_t"]
            j = cols.add("x", cost=sign * cost)
            x[key] = j
            supply_of[(flow.village, flow.product, flow.week)].append(j)
            # entries of 1e-9 and less (a lot all but lost) HiGHS would drop: left out here
            if row["delivered_t"] > SMALLEST:
                into[(flow.market, flow.product, row["delivery_week"])].append(
                    (j, row["delivered_t"])
                )
            for rows_of, pairs in (
                (loads, column.score.loads),
                (received, column.score.throughput),
                (stored, column.score.storage),
                (house_in, column.score.received),
                (house_stock, column.score.stock),
            ):
                for k, t in pairs:
                    if t > SMALLEST:
                        rows_of[k].append((j, t))
            if row["co2_t"] > SMALLEST:
                co2.append((j, row["co2_t"]))
            listed = network.products[flow.product].green_channel
            lot = data.supply.get((flow.village, flow.product, flow.week), 0.0)
            for k, t in column.score.loads:
                most[k] += t * lot
                if not listed and t > SMALLEST:
                    other[k].append((j, t))
                    most_other[k] += t * lot
        # P1 supply
        for (v, p, w), js in supply_of.items():
            b = data.supply.get((v, p, w), 0.0)
            rows.add(js, [1.0] * len(js), b if self.ship_all_supply else -math.inf, b, "P1")
        # P2 sales / demand
        sold, short = {}, {}
        for (m, p, w), pairs in into.items():
            d = data.demand.get((m, p, w), 0.0)
            if self.margin_mode:
                if d <= 0:
                    continue
                s = cols.add("w", upper=d, cost=data.price.get((m, p, w), 0.0))
                sold[(m, p, w)] = s
                rows.add(
                    [s] + [j for j, _ in pairs],
                    [1.0] + [-t for _, t in pairs],
                    -math.inf,
                    0.0,
                    "P2",
                )
        if not self.margin_mode:
            for (m, p, w), d in data.demand.items():
                pairs = into.get((m, p, w), [])
                # a demand no column reaches can only be met by the slack: priced high,
                # so that the model says which demand its columns cannot serve
                s = cols.add("u", cost=1e7)
                short[(m, p, w)] = s
                rows.add(
                    [s] + [j for j, _ in pairs], [1.0] + [t for _, t in pairs], d, math.inf, "P2"
                )
        # P3 trips; P3b the toll whole trips pay unless the green channel exempts them
        trips = {}
        for k, pairs in loads.items():
            _, leg_id, _ = k
            leg = network.legs_by_id[leg_id]
            per_trip, capacity = trip_terms(leg, self._own_vehicles)
            per_trip *= self._uplift
            rate = part_load_rate(leg, self._own_vehicles) * self._uplift
            toll = leg.toll_cny_per_trip * self._uplift
            n = cols.add("n", cost=sign * (per_trip + toll), integer=True)
            p = cols.add(
                "p",
                upper=math.inf if math.isfinite(rate) else 0.0,
                cost=sign * (rate if math.isfinite(rate) else 0.0),
            )
            rows.add(
                [j for j, _ in pairs] + [n, p],
                [t for _, t in pairs] + [-capacity, -1.0],
                -math.inf,
                0.0,
                "P3",
            )
            exempt = mixed = None
            if toll > 0:
                most_trips = math.ceil(most[k] / capacity) + 1
                exempt = cols.add("e", upper=most_trips, cost=-sign * toll, integer=True)
                rows.add([exempt, n], [1.0, -1.0], -math.inf, 0.0, "P3b")
                fill = GREEN_CHANNEL_FILL * capacity
                rows.add(
                    [exempt, p] + [j for j, _ in pairs],
                    [fill, 1.0] + [-t for _, t in pairs],
                    -math.inf,
                    0.0,
                    "P3b",
                )
                if other.get(k):
                    mixed = cols.add("b", upper=1.0, integer=True)
                    rows.add(
                        [j for j, _ in other[k]] + [p, mixed],
                        [t for _, t in other[k]] + [-1.0, -max(most_other[k], 1.0)],
                        -math.inf,
                        0.0,
                        "P3b",
                    )
                    rows.add([exempt, mixed], [1.0, most_trips], -math.inf, most_trips, "P3b")
            trips[k] = (n, p, per_trip, capacity, rate, toll, exempt, mixed)
        # P4 throughput, P5 cold storage
        for (h, _week), pairs in received.items():
            size = network.nodes[h].size(self.hubs[h])
            rows.add(
                [j for j, _ in pairs],
                [t for _, t in pairs],
                -math.inf,
                size.throughput_t_per_week,
                "P4",
            )
        for (h, _week), pairs in stored.items():
            size = network.nodes[h].size(self.hubs[h])
            rows.add(
                [j for j, _ in pairs],
                [t for _, t in pairs],
                -math.inf,
                size.cold_storage_t * (1.0 + STORAGE_TOLERANCE),
                "P5",
            )
        if self.co2_cap_t is not None:
            rows.add([j for j, _ in co2], [t for _, t in co2], -math.inf, self.co2_cap_t, "P6")
        # P7 overseas warehouses: tonnes received, tonnes held as stock
        for uses, capacity in (
            (house_in, "capacity_t_per_week"),
            (house_stock, "stock_capacity_t"),
        ):
            for (w, _week), pairs in uses.items():
                cap = getattr(network.nodes[w], capacity)
                if math.isfinite(cap):
                    rows.add([j for j, _ in pairs], [t for _, t in pairs], -math.inf, cap, "P7")
        arrays = model_arrays(cols, rows)
        return {
            "arrays": arrays,
            "x": x,
            "sold": sold,
            "short": short,
            "trips": trips,
        }

    def _start_values(self, start: Plan, built: dict) -> np.ndarray | None:
        """Column values of ``start`` (every one of its rows a column), or ``None``."""
        values = np.zeros(len(built["arrays"]["col_cost"]))
        delivered: dict[tuple, float] = defaultdict(float)
        load: dict[tuple, float] = defaultdict(float)
        other: dict[tuple, float] = defaultdict(float)
        for flow in start.flows:
            key = _flow_key(flow)
            if key not in built["x"]:
                return None
            column = self.columns[key]
            values[built["x"][key]] += flow.tonnes
            row = column.score.row
            delivered[(flow.market, flow.product, row["delivery_week"])] += (
                flow.tonnes * row["delivered_t"]
            )
            listed = self.network.products[flow.product].green_channel
            for k, t in column.score.loads:
                load[k] += flow.tonnes * t
                if not listed:
                    other[k] += flow.tonnes * t
        for k, (n, p, per_trip, capacity, rate, toll, exempt, mixed) in built["trips"].items():
            _, whole, part, tolled = load_cost_tolled(
                load.get(k, 0.0), per_trip, capacity, rate, toll, other.get(k, 0.0)
            )
            values[n], values[p] = whole, part
            if exempt is not None:
                values[exempt] = whole - tolled
            if mixed is not None:
                values[mixed] = 1.0 if other.get(k, 0.0) > part + 1e-9 else 0.0
        for k, s in built["sold"].items():
            values[s] = min(delivered.get(k, 0.0), self.data.demand.get(k, 0.0))
        for k, s in built["short"].items():
            values[s] = max(0.0, self.data.demand.get(k, 0.0) - delivered.get(k, 0.0))
        return values

    def objective(self, plan: Plan, built: dict) -> float:
        """``plan``'s objective in this model, hub costs aside (its rows must be columns).

        Sales and trips are those the plan needs at least (the cheapest mix of whole trips
        and part loads, sales up to demand): as the evaluator counts them.
        """
        values = self._start_values(plan, built)
        if values is None:
            raise ValueError("a row of the plan is not a column of the model")
        return float(built["arrays"]["col_cost"] @ values)

    def plan(self, outcome: SolveOutcome, built: dict, name: str) -> Plan:
        """The plan of a solution: one row per column with tonnes."""
        flows = []
        for key, j in built["x"].items():
            tonnes = float(outcome.values[j])
            if tonnes > 1e-9:
                flows.append(replace(self.columns[key].flow, tonnes=tonnes))
        return Plan(name=name, hubs=dict(self.hubs), flows=merge_flows(flows))

    def hub_cost(self) -> float:
        """Fixed cost of the open hubs (a constant of this model)."""
        return sum(self.network.nodes[h].size(s).fixed_cost_cny for h, s in self.hubs.items())


def _flow_key(flow: PathFlow) -> tuple:
    return (
        flow.village,
        flow.product,
        flow.week,
        flow.nodes,
        flow.services,
        flow.customs_mode,
        flow.storage_weeks,
        flow.abroad_weeks,
    )


def rank_paths(
    data: DesignData,
    network: Network,
    hubs: dict[str, str],
    per_market: int,
    arcs: set[tuple[str, str]] | None = None,
) -> list[PathFlow]:
    """The best ``per_market`` paths of each village lot to each market, approximately.

    Paths are ranked by the design model's per-stage view (survival factors and costs
    per tonne of :class:`~optimizer.design.data.DesignData`): the value of what arrives
    less what it costs, per tonne leaving the village.
    """
    weeks = data.weeks
    last = weeks[-1]
    routes_by_hub: dict[str, list[int]] = defaultdict(list)
    for r, route in enumerate(data.routes):
        if route.hub in hubs:
            routes_by_hub[route.hub].append(r)
    arcs_by_village: dict[str, list[int]] = defaultdict(list)
    for a, (village, hub, _) in enumerate(data.inbound):
        if hub in hubs and (arcs is None or (village, hub) in arcs):
            arcs_by_village[village].append(a)
    # per (hub, product, dispatch week): each route's value per tonne dispatched
    per_dispatch: dict[tuple[str, str, int], tuple[np.ndarray, np.ndarray]] = {}

    def dispatch_values(hub: str, p: str, d: int):
        key = (hub, p, d)
        if key not in per_dispatch:
            rs, vals = [], []
            for r in routes_by_hub[hub]:
                survival = data.route_survival.get((r, p, d))
                if survival is None:
                    continue
                m = data.routes[r].market
                dw = data.route_delivery_week[(r, d)]
                unit = data.price.get((m, p, dw), 0.0) if (m, p, dw) in data.demand else 0.0
                rs.append(r)
                vals.append(survival * unit - data.route_cost[(r, p, d)])
            per_dispatch[key] = (np.asarray(rs, dtype=np.int64), np.asarray(vals))
        return per_dispatch[key]

    flows = []
    for (v, p, t), _b in data.supply.items():
        best: dict[str, list[tuple[float, int, int, int]]] = defaultdict(list)
        limit = data.max_storage_weeks.get(p)
        for a in arcs_by_village.get(v, ()):
            hub = data.inbound[a][1]
            s_in = data.inbound_survival.get((a, p, t))
            if s_in is None:
                continue
            c_in = data.inbound_cost[(a, p, t)]
            stay = data.storage_survival.get((hub, hubs[hub], p), 1.0)
            hold = data.storage_cost[hub] + data.value_per_t.get(p, 0.0) * (1.0 - stay)
            kept, held = s_in, 0.0
            k_max = last - t if limit is None else min(limit, last - t)
            for k in range(k_max + 1):
                if k:
                    held += kept * hold
                    kept *= stay
                rs, vals = dispatch_values(hub, p, t + k)
                if not len(rs):
                    continue
                total = kept * vals - c_in - held
                for i in np.argsort(-total)[: 4 * per_market]:
                    m = data.routes[rs[i]].market
                    best[m].append((float(total[i]), a, k, int(rs[i])))
        for options in best.values():
            options.sort(key=lambda item: -item[0])
            for _, a, k, r in options[:per_market]:
                flows.append(_path_flow(network, data, a, r, p, t, k))
    return flows


def _path_flow(network, data: DesignData, a: int, r: int, p: str, t: int, k: int) -> PathFlow:
    village, _, leg_id = data.inbound[a]
    route = data.routes[r]
    return PathFlow(
        firm=network.nodes[village].firm,
        shipper=data.shipper,
        product=p,
        week=t,
        tonnes=1.0,
        nodes=(village,) + route.nodes,
        services=(network.legs_by_id[leg_id].service,) + tuple(leg.service for leg in route.legs),
        customs_mode=route.customs_mode,
        storage_weeks=k,
        precool=network.products[p].perishable,
        wait_hours=None,
        abroad_weeks=route.abroad_weeks,
    )


def solve_paths(
    model: PathModel,
    start: Plan | None,
    time_limit: float | None,
    gap: float | None,
    threads: int | None = 1,
) -> PathSolve:
    """Add the start's rows and the ranked paths as columns, solve, return the plan.

    Parameters
    ----------
    model
        The path model (hubs fixed).
    start
        A plan on those hubs whose rows become columns and the MIP's start.
    time_limit, gap, threads
        For the MIP.

    Returns
    -------
    PathSolve
        Its ``outcome.objective`` is the plan's objective counted as the evaluator
        counts it (sales and trips recomputed from the plan's tonnes: a solution the
        solver stopped at may buy a trip or sell a tonne short of the best it could),
        hub fixed costs included; ``outcome.bound`` is the model's, over its columns.
    """
    clock = time.perf_counter()
    if start is not None:
        for flow in start.flows:
            model.add(flow)
    model.add_ranked()
    left = None if time_limit is None else max(1.0, time_limit - (time.perf_counter() - clock))
    outcome, built = model.solve(start, left, gap, threads)
    sign = -1.0 if model.margin_mode else 1.0
    hubs = sign * model.hub_cost()
    plan, objective = None, math.nan
    if outcome.has_solution:
        plan = model.plan(outcome, built, "optimized")
        objective = model.objective(plan, built) + hubs
    if start is not None:
        # a solver stopped early may hold less than the start it was given: keep the better
        begun = model.objective(start, built) + hubs
        if plan is None or (begun > objective if model.margin_mode else begun < objective):
            plan, objective = replace(start, name="optimized"), begun
            status = Status.FEASIBLE if outcome.status is not Status.OPTIMAL else outcome.status
            outcome = replace(outcome, status=status)
    if plan is None:
        return PathSolve(None, outcome, len(model.columns), time.perf_counter() - clock)
    bound = outcome.bound + hubs
    outcome = replace(outcome, objective=objective, bound=bound, gap=relative_gap(objective, bound))
    return PathSolve(plan, outcome, len(model.columns), time.perf_counter() - clock)
