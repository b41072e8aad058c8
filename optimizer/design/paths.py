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
P3. freight as it is sold: :math:`\sum_j e_{jk} x_j \le \bar q_k n_k + p_k`, a trip
    counted as :math:`\bar q_k = \min(q_k, U_k)`, :math:`U_k` the most the key carries
    in an optimal plan (the supply its columns load; where nothing must ship and no toll
    is at stake, the demand it feeds: :func:`trip_carry`). With :math:`n` whole this is
    :math:`\sum_j e_{jk} x_j \le q_k n_k + p_k` on every plan worth having; its LP
    relaxation prices a thin lane's trip whole, not 0.38 of a container for 7.6 t;
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
store, route: millions on the flagship); each costs a fraction of a millisecond to score
exactly. The model generates the ones worth having by dual pricing
(:meth:`PathModel.generate`):

1. start: the start plan's rows (so it never returns worse than it) and, for each village
   lot and market, the :data:`PATHS_PER_MARKET` paths the design model's per-stage
   coefficients rank best, a delivered tonne valued at the market price and trip-priced
   legs at their price per tonne (:func:`~optimizer.design.pricing.rank_paths`);
2. solve the LP relaxation (trips :math:`n, a, \mu` continuous) over the columns so far,
   and read its duals: :math:`y_2` of the sales rows P2 (the value of one more tonne
   delivered to :math:`(m, p, t)`; in cost mode, of the demand rows), :math:`y_1` of
   supply P1, :math:`y_4, y_5` of throughput P4 and cold storage P5;
3. value every path of every lot by the design data's view with :math:`y_2` in place of
   the market price (the market price where P2 has no row yet) and the duals of P1, P4,
   P5 charged (:mod:`optimizer.design.pricing`): an approximate reduced cost, vectorized
   over routes, no exact scoring;
4. score exactly the :data:`COLUMNS_PER_LOT` best new paths of each lot (one per delivery
   key), and add those whose exact reduced cost :math:`c_j - a_j^\top y` is favourable
   (:meth:`PathModel.reduced_gain`: every row's dual, trips P3/P3b, warehouses P7 and
   the CO2 cap P6 included; a row not in the model yet at what an LP with nothing on it
   would charge);
5. repeat from 2 until no new path has a positive approximate reduced cost, or after
   :data:`GENERATION_ROUNDS` rounds, or at :data:`GENERATION_SHARE` of the time limit;
   then solve the MIP over every column, from the start plan.

The LPs of column generation count a trip as the whole vehicle (:math:`\bar q = q`),
the MIP as what its key can carry. Measured on ``xiangxi-kiwi`` (the README solve's four
hubs fixed, 2 cores): with the ceilings in the MIP only, 34,849,990 CNY in 120 s
(restricted bound 34,911,876) against 34,655,984 without (34,794,406); solved to 0.5%
without a time limit in 380 s, where without them it had not ended in 900 s. With the
ceilings in the generation LPs too, the LP prices thin lanes at whole trips, generation
offers fewer of the late and far sales, and the plan was worse (34,119,212 in 60 s).

This is how the late sales the static ranking never offered are found: a lot's best
paths at the market price dispatch early, into market-weeks the plan already fills; the
LP prices those weeks at what one more tonne is worth there (nothing, once full), and the
same lot held longer and dispatched later to a week still short ranks first. Measured on
``xiangxi-kiwi`` (the README solve's five hubs, from its plan): 33,999,858 CNY evaluated
margin over 5,888 columns ranked statically (3 per lot and market, trips not charged),
34,471,803 over 6,011 with column generation (7 rounds, 3.8 s), unmet demand 117 t ->
30 t.

The optimum is over the generated columns: the pricing step values paths by the design
data's view, so a path it undervalues may be left out, and the MIP's bound is the
restricted model's, not a bound for every plan (see :mod:`optimizer.design.bound` for
that).
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
from networks.status import Limit, Status
from optimizer.backends import interrupt
from optimizer.backends.highs import HighsModel
from optimizer.backends.mip import SolveOutcome, relative_gap
from optimizer.design.data import DesignData
from optimizer.design.formulation import _Columns, _Rows, model_arrays
from optimizer.design.pricing import PathPricer, Prices, leg_price, new_candidates, rank_paths
from results.evaluate import COST_KEYS, STORAGE_TOLERANCE
from results.scoring import FlowScore, FlowScorer, hub_atmosphere

#: The smallest matrix entry written (HiGHS drops those of 1e-9 and less).
SMALLEST = 1e-9

#: Columns ranked at the start for each village lot (village, product, harvest week) and
#: market, by the design data's view at the market price (before column generation).
PATHS_PER_MARKET = 1
#: Whether that ranking charges trip-priced legs at their LP price per tonne (without, a
#: leg sold by the trip looks free and the ranking prefers it).
RANK_TRIPS = True
#: Column generation: new columns priced for each village lot in a round (the best path
#: to each of its most valuable delivery keys), rounds at most, and the share of the path
#: model's time limit it may take (the MIP the rest).
COLUMNS_PER_LOT = 4
GENERATION_ROUNDS = 30
GENERATION_SHARE = 0.5
#: Least reduced gain (CNY per tonne) for a column to enter: below it a path is priced out.
LEAST_GAIN = 1e-3
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
class Generation:
    """How column generation ended (:meth:`PathModel.generate`).

    Parameters
    ----------
    rounds
        LP relaxations solved and priced.
    added
        Columns it added (each with a positive reduced gain when it entered).
    rejected
        Paths the design data's view priced in but their exact score priced out.
    relaxation
        The last LP relaxation's objective, hub costs aside (over the columns then:
        not a bound for every plan, since pricing is by the design data's view).
    stopped
        ``priced out`` (no new path with a positive approximate gain), ``rounds``,
        ``time``, ``interrupted``, or the LP's status where it ended otherwise.
    seconds
        Wall-clock seconds.
    """

    rounds: int
    added: int
    rejected: int
    relaxation: float
    stopped: str
    seconds: float


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
    generation: Generation | None = None


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
        if self.has(flow):
            return False
        column = self.column(flow)
        self.columns[column.key] = column
        return True

    def has(self, flow: PathFlow) -> bool:
        """Whether ``flow``'s path is a column."""
        return _flow_key(flow) in self.columns

    def column(self, flow: PathFlow) -> PathColumn:
        """``flow`` as a row of 1 t with its exact score (from the cache where scored)."""
        unit = replace(flow, tonnes=1.0)
        key = _flow_key(unit)
        atmosphere = self._atmosphere(flow.county_hub)
        score = self.scores.get((key, atmosphere))
        if score is None:
            score = self.scores[(key, atmosphere)] = self.scorer.score(unit, atmosphere)
        return PathColumn(unit, score)

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
        ranked = rank_paths(
            self.data, self.network, self.hubs, PATHS_PER_MARKET, self.arcs, RANK_TRIPS
        )
        for number, flow in enumerate(ranked):
            if number % 256 == 0 and interrupt.stop_requested():
                break  # a stop was asked for: solve over the columns so far
            added += self.add(flow)
        return added

    # -- column generation -----------------------------------------------------------
    def generate(
        self,
        time_limit: float | None,
        rounds: int | None = None,
        per_lot: int | None = None,
        threads: int | None = 1,
    ) -> Generation:
        """Add columns priced by the duals of the model's LP relaxation, in rounds.

        Each round solves the LP relaxation (trips relaxed) over the columns so far,
        values every path of the opening by the design data's view with the duals in
        place of the market prices (:func:`~optimizer.design.pricing.new_candidates`),
        scores the ``per_lot`` best new ones of each lot exactly and adds those whose
        exact reduced gain (:meth:`reduced_gain`) is positive.

        Parameters
        ----------
        time_limit
            Seconds for the whole generation (``None``: rounds only).
        rounds
            Most rounds (default :data:`GENERATION_ROUNDS`).
        per_lot
            New paths priced per village lot and round (default :data:`COLUMNS_PER_LOT`).
        threads
            HiGHS threads for the LPs.
        """
        clock = time.perf_counter()
        rounds = GENERATION_ROUNDS if rounds is None else rounds
        per_lot = COLUMNS_PER_LOT if per_lot is None else per_lot
        pricer = PathPricer(self.data, self.network, self.hubs, self.arcs)
        rejected: set[tuple] = set()
        done = added = 0
        relaxation, stopped = math.nan, "rounds"

        def out_of_time() -> bool:
            return time_limit is not None and time.perf_counter() - clock >= time_limit

        def skip(flow: PathFlow) -> bool:
            key = _flow_key(flow)
            return key in self.columns or key in rejected

        for _ in range(rounds):
            if interrupt.stop_requested():
                stopped = "interrupted"
                break
            if out_of_time():
                stopped = "time"
                break
            built = self._build(ceilings=False)  # whole vehicles: see the module's notes
            highs = HighsModel(built["arrays"], self.margin_mode)
            highs.relax(True)
            left = None if time_limit is None else time_limit - (time.perf_counter() - clock)
            lp = highs.solve(left, None, threads)
            if lp.status is not Status.OPTIMAL:
                stopped = "interrupted" if lp.limit is Limit.INTERRUPTED else f"LP {lp.status}"
                break
            done, relaxation = done + 1, lp.objective
            duals = highs.row_duals()
            flows = new_candidates(pricer, self.prices(duals, built), per_lot, skip, LEAST_GAIN)
            if not flows:
                stopped = "priced out"
                break
            for number, flow in enumerate(flows):
                if number % 256 == 0 and (interrupt.stop_requested() or out_of_time()):
                    break  # the round's last LP still stands for the columns so far
                column = self.column(flow)
                if self.reduced_gain(column, duals, built) > LEAST_GAIN:
                    self.columns[column.key] = column
                    added += 1
                else:
                    rejected.add(column.key)
        seconds = time.perf_counter() - clock
        return Generation(done, added, len(rejected), relaxation, stopped, seconds)

    def _trip_price(self, k: tuple) -> float:
        """A leg-week's price per tonne in the LP relaxation, with nothing on it yet.

        :func:`~optimizer.design.pricing.leg_price` where the design data has the
        leg-week; past its horizon, the cheaper of a whole trip's price pro rata and the
        part-load rate (the toll left out: produce on a full trip is exempt).
        """
        if (k[1], k[2]) in self.data.trip_legs:
            return leg_price(self.data, (k[1], k[2]))
        leg = self.network.legs_by_id[k[1]]
        per_trip, capacity = trip_terms(leg, self._own_vehicles)
        return min(per_trip / capacity, part_load_rate(leg, self._own_vehicles)) * self._uplift

    def reduced_gain(self, column: PathColumn, duals: np.ndarray, built: dict) -> float:
        r"""What a tonne more on ``column`` adds to the LP relaxation's objective, at ``duals``.

        The column's reduced cost :math:`c_j - a_j^\top y`, sign turned so that a gain
        is positive in both senses, with every coefficient :meth:`_build` would give it.
        A row the model does not have yet is priced as an LP would price it with nothing
        on it: a delivery with demand at the market price (margin mode), a leg-week at
        :meth:`_trip_price`, a capacity at nothing. For a column of the model this is
        the solver's own reduced cost (a test checks it).
        """
        at = built["rows"]
        sense = 1.0 if self.margin_mode else -1.0
        row, flow, score = column.score.row, column.flow, column.score

        def dual(kind: str, key) -> float | None:
            i = at.get((kind, key))
            return None if i is None else sense * float(duals[i])

        gain = -(sum(row[c] for c in COST_COLUMNS) + self.co2_price * row["co2_t"])
        y = dual("P1", (flow.village, flow.product, flow.week))
        gain -= 0.0 if y is None else y
        delivered = row["delivered_t"]
        if delivered > SMALLEST:
            key = (flow.market, flow.product, row["delivery_week"])
            i = at.get(("P2", key))
            if i is not None:  # margin: -delta on w <= delivered; cost: +delta on >= d
                gain += delivered * float(duals[i])
            elif self.margin_mode and self.data.demand.get(key, 0.0) > 0:
                gain += delivered * self.data.price.get(key, 0.0)
        listed = self.network.products[flow.product].green_channel
        for k, t in score.loads:
            if t <= SMALLEST:
                continue
            y = dual("P3", k)
            if y is None:
                gain -= t * self._trip_price(k)
                continue
            gain -= t * y
            fill = dual("P3b fill", k)
            gain += 0.0 if fill is None else t * fill
            mixed = None if listed else dual("P3b mixed", k)
            gain -= 0.0 if mixed is None else t * mixed
        for kind, pairs in (
            ("P4", score.throughput),
            ("P5", score.storage),
            ("P7 received", score.received),
            ("P7 stock", score.stock),
        ):
            for k, t in pairs:
                y = dual(kind, k) if t > SMALLEST else None
                gain -= 0.0 if y is None else t * y
        y = dual("P6", None) if row["co2_t"] > SMALLEST else None
        gain -= 0.0 if y is None else row["co2_t"] * y
        return gain

    def prices(self, duals: np.ndarray, built: dict) -> Prices:
        """The duals as the design data's view prices paths with them (:class:`Prices`).

        A delivery key without a sales row is worth the market price where there is
        demand (margin mode; in cost mode every demand has its row); trip-priced legs at
        the duals of their trip rows (the fill rows' credited), a leg-week the model does
        not have yet at :func:`~optimizer.design.pricing.leg_price`; capacities at their
        duals.
        """
        sense = 1.0 if self.margin_mode else -1.0
        sales, supply, throughput, storage, legs = {}, {}, {}, {}, defaultdict(float)
        for (kind, key), i in built["rows"].items():
            y = float(duals[i])
            if kind == "P2":
                sales[key] = y
            elif kind == "P3":
                legs[(key[1], key[2])] += sense * y
            elif kind == "P3b fill":
                legs[(key[1], key[2])] -= sense * y
            elif kind == "P1":
                supply[key] = sense * y
            elif kind == "P4":
                throughput[key] = sense * y
            elif kind == "P5":
                storage[key] = sense * y
        data, margin = self.data, self.margin_mode

        def unlisted(key):
            return data.price.get(key, 0.0) if margin and key in data.demand else 0.0

        return Prices(sales, unlisted, supply, throughput, storage, trips=True, legs=dict(legs))

    # -- the model -------------------------------------------------------------------
    def solve(
        self,
        start: Plan | None,
        time_limit: float | None,
        gap: float | None,
        threads: int | None = 1,
    ) -> tuple[SolveOutcome, dict]:
        """Build the model over the columns so far and solve it, from ``start`` if given."""
        built = self._build(None if start is None else self._loads(start))
        highs = HighsModel(built["arrays"], self.margin_mode)
        values = None if start is None else self._start_values(start, built)
        return highs.solve(time_limit, gap, threads, start=values), built

    def _loads(self, plan: Plan) -> dict[tuple, float]:
        """Tonnes ``plan`` puts on each trip key (its rows that are columns)."""
        load: dict[tuple, float] = defaultdict(float)
        for flow in plan.flows:
            column = self.columns.get(_flow_key(flow))
            for k, t in () if column is None else column.score.loads:
                load[k] += flow.tonnes * t
        return load

    def _build(self, least: dict[tuple, float] | None = None, ceilings: bool = True) -> dict:
        """The model's arrays over the columns so far.

        Parameters
        ----------
        least
            Tonnes each trip key must be able to carry at least (a start plan's loads),
            whatever the load ceilings say.
        ceilings
            Count a trip in rows P3 as what its key can carry (:func:`trip_carry`), else
            as the whole vehicle.
        """
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
        per_sale: dict[tuple, dict[tuple, float]] = defaultdict(dict)  # most load per delivered
        received: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
        stored: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
        house_in: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
        house_stock: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
        co2 = []
        at: dict[tuple, int] = {}  # row index by (row kind, key): the duals' map
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
            sale = (flow.market, flow.product, row["delivery_week"])
            for k, t in column.score.loads:
                most[k] += t * lot
                if ceilings and row["delivered_t"] > SMALLEST:
                    ratio = t / row["delivered_t"]
                    per_sale[k][sale] = max(per_sale[k].get(sale, 0.0), ratio)
                if not listed and t > SMALLEST:
                    other[k].append((j, t))
                    most_other[k] += t * lot
        # P1 supply
        for (v, p, w), js in supply_of.items():
            b = data.supply.get((v, p, w), 0.0)
            lower = b if self.ship_all_supply else -math.inf
            at[("P1", (v, p, w))] = rows.add(js, [1.0] * len(js), lower, b, "P1")
        # P2 sales / demand
        sold, short = {}, {}
        for (m, p, w), pairs in into.items():
            d = data.demand.get((m, p, w), 0.0)
            if self.margin_mode:
                if d <= 0:
                    continue
                s = cols.add("w", upper=d, cost=data.price.get((m, p, w), 0.0))
                sold[(m, p, w)] = s
                at[("P2", (m, p, w))] = rows.add(
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
                at[("P2", (m, p, w))] = rows.add(
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
            carry = capacity
            if ceilings:
                carry = trip_carry(
                    capacity,
                    most[k],
                    None if self.ship_all_supply or toll > 0 else per_sale.get(k, {}),
                    data.demand,
                    (least or {}).get(k, 0.0),
                )
            at[("P3", k)] = rows.add(
                [j for j, _ in pairs] + [n, p],
                [t for _, t in pairs] + [-carry, -1.0],
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
                at[("P3b fill", k)] = rows.add(
                    [exempt, p] + [j for j, _ in pairs],
                    [fill, 1.0] + [-t for _, t in pairs],
                    -math.inf,
                    0.0,
                    "P3b",
                )
                if other.get(k):
                    mixed = cols.add("b", upper=1.0, integer=True)
                    at[("P3b mixed", k)] = rows.add(
                        [j for j, _ in other[k]] + [p, mixed],
                        [t for _, t in other[k]] + [-1.0, -max(most_other[k], 1.0)],
                        -math.inf,
                        0.0,
                        "P3b",
                    )
                    rows.add([exempt, mixed], [1.0, most_trips], -math.inf, most_trips, "P3b")
            trips[k] = (n, p, per_trip, capacity, rate, toll, exempt, mixed)
        # P4 throughput, P5 cold storage
        for (h, week), pairs in received.items():
            size = network.nodes[h].size(self.hubs[h])
            at[("P4", (h, week))] = rows.add(
                [j for j, _ in pairs],
                [t for _, t in pairs],
                -math.inf,
                size.throughput_t_per_week,
                "P4",
            )
        for (h, week), pairs in stored.items():
            size = network.nodes[h].size(self.hubs[h])
            at[("P5", (h, week))] = rows.add(
                [j for j, _ in pairs],
                [t for _, t in pairs],
                -math.inf,
                size.cold_storage_t * (1.0 + STORAGE_TOLERANCE),
                "P5",
            )
        if self.co2_cap_t is not None:
            at[("P6", None)] = rows.add(
                [j for j, _ in co2], [t for _, t in co2], -math.inf, self.co2_cap_t, "P6"
            )
        # P7 overseas warehouses: tonnes received, tonnes held as stock
        for kind, uses, capacity in (
            ("P7 received", house_in, "capacity_t_per_week"),
            ("P7 stock", house_stock, "stock_capacity_t"),
        ):
            for (w, week), pairs in uses.items():
                cap = getattr(network.nodes[w], capacity)
                if math.isfinite(cap):
                    at[(kind, (w, week))] = rows.add(
                        [j for j, _ in pairs], [t for _, t in pairs], -math.inf, cap, "P7"
                    )
        arrays = model_arrays(cols, rows)
        return {
            "arrays": arrays,
            "x": x,
            "sold": sold,
            "short": short,
            "trips": trips,
            "rows": at,
        }

    def _start_values(self, start: Plan, built: dict) -> np.ndarray | None:
        """Column values of ``start`` (every one of its rows a column), or ``None``."""
        values = np.zeros(len(built["arrays"]["col_cost"]))
        delivered: dict[tuple, float] = defaultdict(float)
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
            if not self.network.products[flow.product].green_channel:
                for k, t in column.score.loads:
                    other[k] += flow.tonnes * t
        load = self._loads(start)
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


def trip_carry(
    capacity: float,
    supplied: float,
    per_sale: dict[tuple, float] | None,
    demand: dict[tuple, float],
    least: float = 0.0,
) -> float:
    r"""What one trip of a key counts for in rows P3: the vehicle, or less where less can ride.

    A key never carries more than its columns can load from the supply
    (``supplied``, :math:`\sum_j e_{jk} b_j`), and, in an optimal plan, no more than it
    takes to deliver the demand it feeds: a plan that delivers more than a market-week's
    demand sheds the excess at no loss (every column's cost is non-negative), so each
    sale :math:`(m, p, t)` fed by the key puts at most :math:`d_{mpt} \max_j e_{jk} /
    \delta_j` on it (``per_sale``: that ratio by sale; ``None`` where all supply must
    ship and nothing may be shed, and on tolled legs, where shedding may cost a trip its
    green-channel fill). Counting a trip as :math:`\min(q, U)` leaves the
    MIP's optimum unchanged (:math:`n \ge 1` carries all of :math:`U`) and makes its LP
    relaxation price a thin lane's trip whole, not 0.24 of a container for 4.8 t.
    ``least`` (a start plan's load) keeps the start feasible.
    """
    ceiling = supplied
    if per_sale is not None:
        ceiling = min(ceiling, sum(demand.get(s, 0.0) * r for s, r in per_sale.items()))
    ceiling = max(ceiling, least)
    return capacity if ceiling <= SMALLEST else min(capacity, ceiling)


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


def solve_paths(
    model: PathModel,
    start: Plan | None,
    time_limit: float | None,
    gap: float | None,
    threads: int | None = 1,
    generation: float | None = None,
) -> PathSolve:
    """Add the start's rows, the ranked paths and generated columns; solve; the plan.

    Parameters
    ----------
    model
        The path model (hubs fixed).
    start
        A plan on those hubs whose rows become columns and the MIP's start.
    time_limit, gap, threads
        For the whole (column generation and the MIP).
    generation
        Share of ``time_limit`` column generation may take (:meth:`PathModel.generate`;
        0: none, the ranked paths only; default :data:`GENERATION_SHARE`). Without a time
        limit it runs to its round limit.

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
    generated = None
    generation = GENERATION_SHARE if generation is None else generation
    if generation > 0:
        share = None if time_limit is None else generation * time_limit
        generated = model.generate(share, threads=threads)
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
        seconds = time.perf_counter() - clock
        return PathSolve(None, outcome, len(model.columns), seconds, generated)
    bound = outcome.bound + hubs
    outcome = replace(outcome, objective=objective, bound=bound, gap=relative_gap(objective, bound))
    return PathSolve(plan, outcome, len(model.columns), time.perf_counter() - clock, generated)
