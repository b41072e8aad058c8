r"""The network design model: hub location and sizing, written once.

Formulation
-----------
Sets: villages :math:`V`, county hubs :math:`H` with size options :math:`S_h`, products
:math:`P`, weeks :math:`T`, inbound arcs :math:`a = (v, h, \ell) \in A` (village to hub
legs), downstream routes :math:`r \in R_h` (hub to market through bonded zones, ports
and warehouses, with a customs mode), legs with trip costs :math:`L^{trip}`.

Parameters (from :mod:`optimizer.design.data`): supply :math:`b_{vpt}`, demand
:math:`d_{mpt}` and price :math:`\pi_{mpt}`; survival factors of an inbound arc
:math:`\sigma^{in}_{apt}` (village wait, leg, hub dwell), of a week in cold store
:math:`\sigma^{st}_{hsp}` and of a route :math:`\sigma_{rpt}` (the optimizer's per-stage
view of the shelf-life model); per-tonne costs :math:`c^{in}_{apt}` (freight, hub
handling and pre-cooling, value of fruit lost) and :math:`c_{rpt}` (freight on the
tonnes still sound on each leg, handling, customs fees, duty and the import VAT not
recovered on the tonnes entering the market's country (:func:`networks.trade.import_charge`),
the purchase value of every tonne dispatched, CO2 price); fixed cost :math:`f_{hs}`, throughput
:math:`u_{hs}` and cold storage :math:`k_{hs}` of each size; storage cost :math:`c^{st}_h`
per tonne-week; trip cost :math:`g_{\ell t}` and capacity :math:`q_\ell`; delivery week
:math:`\delta(r, t)` of a route dispatched in week :math:`t`.

Variables: :math:`y_{hs} \in \{0,1\}` open hub :math:`h` at size :math:`s`;
:math:`x_{apt} \ge 0` tonnes leaving the village on arc :math:`a`;
:math:`I_{hspt} \ge 0` tonnes in hub :math:`h`'s cold store (size :math:`s`) at the end of
week :math:`t`; :math:`z_{rpt} \ge 0` tonnes dispatched on route :math:`r`;
:math:`n_{\ell t} \in \mathbb{Z}_{\ge 0}` trips (or their relaxation) and
:math:`p_{\ell t} \ge 0` part-load tonnes;
in margin mode :math:`w_{mpt} \ge 0` tonnes sold.

Objective (cost mode, minimize; margin mode maximizes :math:`\sum \pi w` minus it):

.. math:: \sum f_{hs} y_{hs} + \sum c^{in} x + \sum_{hspt} (c^{st}_h
          + v_p (1 - \sigma^{st}_{hsp})) I_{hspt} + \sum c z + \sum g n + \sum r p

Constraints:

1. one size per hub: :math:`\sum_s y_{hs} \le 1`;
2. supply: :math:`\sum_{a \ni v} x_{apt} \le b_{vpt}` (equality with ``ship_all_supply``);
3. strong linking, arc by arc: :math:`x_{apt} \le b_{vpt} \sum_s y_{hs}`;
2b. with single sourcing, binary :math:`u_a`: :math:`x_{apt} \le b_{vpt} u_a` (``=`` with
    ``ship_all_supply``) and :math:`\sum_{a \ni v} u_a \le 1`;
4. hub balance: :math:`\sum_s I_{hspt} = \sum_s \sigma^{st}_{hsp} I_{hsp,t-1}
   + \sum_{a \to h} \sigma^{in}_{apt} x_{apt} - \sum_{r \in R_h} z_{rpt}`;
5. throughput (tonnes received): :math:`\sum_{a \to h, p} x_{apt} \le \sum_s u_{hs} y_{hs}`;
6. cold storage: :math:`\sum_p I_{hspt} \le k_{hs} y_{hs}`;
6b. maximum storage time :math:`K_p` (where a product sets ``max_storage_weeks``): the
    stock is no more than the last :math:`K_p` weeks' arrivals still in store,
    :math:`I_{hspt} \le \sum_{j<K_p} (\sigma^{st}_{hsp})^j \sum_{a \to h}
    \sigma^{in}_{ap,t-j} x_{ap,t-j}`, so that first-in first-out dispatch (as the plan
    is decomposed) never holds a lot longer than :math:`K_p` weeks;
7. strong linking of routes: :math:`z_{rpt} \le B_{hpt} \sum_s y_{hs}` with
   :math:`B_{hpt}` the supply that can reach :math:`h` by week :math:`t`;
8. demand: :math:`\sum_{r \to m, \delta(r,t') = t} \sigma_{rpt'} z_{rpt'} \ge d_{mpt}`
   (cost mode), or :math:`w_{mpt} \le` that sum and :math:`w_{mpt} \le d_{mpt}` (margin);
9. freight as it is sold: :math:`\sum (\text{sound tonnes entering } \ell \text{ in } t)
   \le q_\ell n_{\ell t} + p_{\ell t}`, whole trips :math:`n` at :math:`g_\ell` and part
   loads :math:`p \ge 0` at :math:`r_\ell` per tonne (where the leg sells them; else
   :math:`p = 0`): at the optimum the cheaper mix, as
   :func:`networks.firms.load_cost` prices it (the evaluator adds tolls: ``load_cost_tolled``).
   Where the most a leg-week can carry, :math:`U_{\ell t}` (the supply it loads, the
   demand it feeds: :func:`~optimizer.design.data.load_ceilings`), is below :math:`q_\ell`,
   a trip counts for :math:`U_{\ell t}` instead (``DesignData.load_per_trip``): no plan
   worth having loses it, and the LP no longer buys 0.24 of a container for 4.8 t;
10. CO2e cap, where the scenario sets one: :math:`\sum e x + \sum e z \le E`;
11. overseas warehouses, where their capacities are finite: the tonnes arriving in a
    week, :math:`\sum_{r \ni w} \alpha_{rpt} z_{rpt} \le U_w`, and the tonnes held as
    stock in a week (routes held :math:`j` weeks count their arrivals in each of those
    weeks), :math:`\le K_w`; :math:`\alpha` the tonnes arriving per tonne dispatched.

Maximum delivered age (days from harvest) is enforced on routes: a route whose transit
(counted from harvest with the hub's longest inbound) exceeds the market's
``max_age_days`` is not generated; weeks in store are bounded separately (6b).

An infeasible model is solved again with elastic slack on demand, throughput and cold
storage (priced far above any real cost) to say which market, week or hub cannot be
satisfied, and by how much.

How it is built
---------------
:class:`DesignMatrix` writes the model's columns and rows once, constraint family by
family (the code cites the numbers above), in one normalized form (variables on the
left, the constant on the right), into flat Python lists that become a row-wise sparse matrix.
HiGHS takes those arrays directly (:class:`~optimizer.backends.highs.HighsModel`);
every other solver, and ``build="pulp"``, gets the same arrays as a PuLP problem
(:func:`~optimizer.backends.mip.pulp_problem`). On the 2,000-village scenario of issue
#7 a model written in PuLP expressions took 12.8 s to build before PuLP spent as long
again handing it to HiGHS variable by variable; see ``coldchain bench scale`` for what
this build takes.

Columns are keyed by scenario ids (``y[(hub, size)]``, ``x[(arc, product, week)]``...);
column and row names (``x|0|fresh_kiwi|1``, ``c4_balance|H_JS|fresh_kiwi|2``) are made
only on request (``names=True``: for PuLP, and tests).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from optimizer.design.data import DesignData

ELASTIC_PENALTY = 1e7  # CNY per tonne of slack: above any real cost per tonne


def elastic_penalty(key: tuple) -> float:
    """Price per tonne of an elastic slack: hub capacity at half the price of demand.

    Where more hub capacity would meet the demand, the diagnosis then names the hub
    and week short of capacity, not only the demand left unmet; demand slack remains
    for what no capacity can fix (too little supply, no route in time).
    """
    return ELASTIC_PENALTY if key[0] == "demand" else ELASTIC_PENALTY / 2


INF = float("inf")


def model_arrays(cols: _Columns, rows: _Rows) -> dict[str, np.ndarray]:
    """Columns and rows as HiGHS takes them (row-wise sparse matrix)."""
    return {
        "col_cost": np.asarray(cols.cost, dtype=np.float64),
        "col_lower": np.asarray(cols.lower, dtype=np.float64),
        "col_upper": np.asarray(cols.upper, dtype=np.float64),
        "integrality": np.asarray(cols.integer, dtype=np.int32),
        "row_lower": np.asarray(rows.lower, dtype=np.float64),
        "row_upper": np.asarray(rows.upper, dtype=np.float64),
        "a_start": np.asarray(rows.start[:-1], dtype=np.int32),
        "a_index": np.asarray(rows.index, dtype=np.int32),
        "a_value": np.asarray(rows.value, dtype=np.float64),
    }


class _Columns:
    def __init__(self, names: bool):
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.cost: list[float] = []
        self.integer: list[int] = []
        self.names: list[str] | None = [] if names else None

    def add(self, name, lower=0.0, upper=INF, cost=0.0, integer=False) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        self.cost.append(cost)
        self.integer.append(1 if integer else 0)
        if self.names is not None:
            self.names.append(name() if callable(name) else name)
        return len(self.lower) - 1


class _Rows:
    def __init__(self, names: bool):
        self.start: list[int] = [0]
        self.index: list[int] = []
        self.value: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.names: list[str] | None = [] if names else None

    def add(self, cols, vals, lower, upper, name) -> int:
        for c, v in zip(cols, vals, strict=True):
            if v != 0.0:
                self.index.append(c)
                self.value.append(v)
        self.start.append(len(self.index))
        self.lower.append(lower)
        self.upper.append(upper)
        if self.names is not None:
            self.names.append(name() if callable(name) else name)
        return len(self.lower) - 1


class DesignMatrix:
    """Columns, rows and objective of one network design model.

    Parameters
    ----------
    data
        The model's coefficients.
    options
        A :class:`~optimizer.design.network_design.DesignOptions` (objective, trips, sourcing,
        fixed hubs, CO2 cap, ``ship_all_supply``).
    elastic
        Add priced slack on demand, throughput and cold storage (diagnosis of an
        infeasible model).
    names
        Also make column and row names (slower; for the PuLP problem, and tests).
    lazy_links
        Leave out the arc-by-arc linking rows (3): they are valid inequalities, not
        needed for correctness, since the throughput rows (5) already shut every arc of
        a closed hub. :meth:`violated_links` and :meth:`link_rows` add back those an LP
        solution violates (the start heuristic does, in rounds).
    disposal
        Hub balance rows (4) as ``<=``: stock may be thrown away at no cost (what the
        relaxation of :mod:`optimizer.design.bound` needs, whose survival factors are
        optimistic).

    Attributes
    ----------
    y, x, z, inv, n, sold, assign, slack : dict
        Column index of each variable, keyed by scenario ids: ``y[(hub, size)]``,
        ``x[(arc, product, week)]``, ``z[(route, product, week)]``,
        ``inv[(hub, size, product, week)]``, ``n[(leg, week)]``,
        ``sold[(market, product, week)]``, ``assign[arc]``, ``slack[(kind, ...)]``.
    supply_rows, demand_rows : dict
        Row index of each supply row ``(village, product, week)`` and demand row
        ``(market, product, week)``.
    maximize : bool
        Margin mode (maximize revenue minus cost).
    """

    def __init__(
        self,
        data: DesignData,
        options,
        elastic: bool = False,
        names: bool = False,
        lazy_links: bool = False,
        disposal: bool = False,
    ):
        self.data = d = data
        self.elastic = elastic
        self.disposal = disposal
        self.lazy_links = lazy_links
        self.link_x: list[int] = []  # lazy rows (3): x column, its supply, its hub
        self.link_supply: list[float] = []
        self.link_hub: list[str] = []
        self.link_added: set[int] = set()  # lazy rows (3) added to a model so far
        self.maximize = (options.objective or data.objective) == "margin"
        sign = -1.0 if self.maximize else 1.0  # costs enter a margin objective negated
        cols, rows = _Columns(names), _Rows(names)
        self._cols, self._rows = cols, rows
        hub_sizes = [(h, s) for h in d.hubs for s in d.sizes[h]]
        fixed = {}
        for hub, size in options.fixed_hubs or ():
            for s in d.sizes[hub]:
                fixed[(hub, s.name)] = 1.0 if s.name == size else 0.0
        self.y = {}
        for h, s in hub_sizes:
            key = (h, s.name)
            bound = fixed.get(key)
            self.y[key] = cols.add(
                f"y|{h}|{s.name}",
                0.0 if bound is None else bound,
                1.0 if bound is None else bound,
                sign * s.fixed_cost_cny,
                True,
            )
        self.x = {
            k: cols.add(_name("x", k) if names else None, cost=sign * d.inbound_cost[k])
            for k in d.inbound_survival
        }
        self.z = {
            k: cols.add(_name("z", k) if names else None, cost=sign * d.route_cost[k])
            for k in d.route_survival
        }
        products_at = defaultdict(set)
        for a, p, _w in d.inbound_survival:
            products_at[d.inbound[a][1]].add(p)
        for r, p, _w in d.route_survival:
            products_at[d.routes[r].hub].add(p)
        self.products_at = {h: sorted(ps) for h, ps in products_at.items()}
        self.inv = {}
        for h, s in hub_sizes:
            for p in self.products_at.get(h, ()):
                stay = d.storage_survival[(h, s.name, p)]
                per_week = sign * (d.storage_cost[h] + d.value_per_t[p] * (1 - stay))
                for w in d.weeks:
                    key = (h, s.name, p, w)
                    self.inv[key] = cols.add(_name("I", key) if names else None, cost=per_week)
        integer = options.trips == "integer"
        self.n = {
            k: cols.add(_name("n", k) if names else None, cost=sign * v[0], integer=integer)
            for k, v in d.trip_legs.items()
        }
        self.part = {
            k: cols.add(_name("p", k) if names else None, cost=sign * v[2])
            for k, v in d.trip_legs.items()
            if math.isfinite(v[2])
        }
        self.slack: dict[tuple, int] = {}
        self.sold: dict[tuple, int] = {}
        self.assign: dict[int, int] = {}
        self.supply_rows: dict[tuple, int] = {}
        self.demand_rows: dict[tuple, int] = {}
        self._constraints(options, names, sign)
        self.num_col = len(cols.lower)
        self.num_row = len(rows.lower)

    # -- rows, family by family (numbers as in the module docstring) ------------------
    def _constraints(self, options, names: bool, sign: float) -> None:
        d, rows, cols = self.data, self._rows, self._cols
        add = rows.add
        size_cols = {h: [self.y[(h, s.name)] for s in d.sizes[h]] for h in d.hubs}
        self.size_cols = size_cols
        lazy_links = self.lazy_links
        # (1) one size per hub
        for h in d.hubs:
            add(size_cols[h], [1.0] * len(size_cols[h]), -INF, 1.0, f"c1_one_size|{h}")
        # (2) supply and (3) strong linking
        by_village = defaultdict(list)
        for key, col in self.x.items():
            a, p, w = key
            village, hub, _ = d.inbound[a]
            by_village[(village, p, w)].append(col)
            b = d.supply[(village, p, w)]
            ys = size_cols[hub]
            if lazy_links:
                self.link_x.append(col)
                self.link_supply.append(b)
                self.link_hub.append(hub)
                continue
            add(
                [col, *ys],
                [1.0, *([-b] * len(ys))],
                -INF,
                0.0,
                (lambda k=key: "c3_link|" + "|".join(map(str, k))) if names else None,
            )
        for key, members in by_village.items():
            b = d.supply[key]
            self.supply_rows[key] = add(
                members,
                [1.0] * len(members),
                b if options.ship_all_supply else -INF,
                b,
                (lambda k=key: "c2_supply|" + "|".join(map(str, k))) if names else None,
            )
        if options.single_sourcing:
            self._single_sourcing(options, names)
        # (4) hub balance and (7) strong linking of routes
        arrivals = defaultdict(list)  # (hub, p, w) -> [(col, survival)]
        received = defaultdict(list)
        reach = defaultdict(float)
        for key, col in self.x.items():
            a, p, w = key
            hub = d.inbound[a][1]
            arrivals[(hub, p, w)].append((col, d.inbound_survival[key]))
            received[(hub, w)].append(col)
            reach[(hub, p, w)] += d.supply[(d.inbound[a][0], p, w)]
        dispatch = defaultdict(list)
        for key, col in self.z.items():
            dispatch[(d.routes[key[0]].hub, key[1], key[2])].append((col, key))
        for h in d.hubs:
            for p in self.products_at.get(h, ()):
                cumulative = 0.0
                for w in d.weeks:
                    idx = [self.inv[(h, s.name, p, w)] for s in d.sizes[h]]
                    val = [1.0] * len(idx)
                    if w - 1 in d.weeks:
                        for s in d.sizes[h]:
                            idx.append(self.inv[(h, s.name, p, w - 1)])
                            val.append(-d.storage_survival[(h, s.name, p)])
                    for col, survival in arrivals[(h, p, w)]:
                        idx.append(col)
                        val.append(-survival)
                    for col, _ in dispatch[(h, p, w)]:
                        idx.append(col)
                        val.append(1.0)
                    lower = -INF if self.disposal else 0.0  # free disposal: a relaxation's rows
                    add(idx, val, lower, 0.0, f"c4_balance|{h}|{p}|{w}" if names else None)
                    cumulative += reach[(h, p, w)]
                    ys = size_cols[h]
                    for col, key in dispatch[(h, p, w)]:
                        add(
                            [col, *ys],
                            [1.0, *([-cumulative] * len(ys))],
                            -INF,
                            0.0,
                            (lambda k=key: "c7_link|" + _name("z", k)) if names else None,
                        )
        # (5) throughput and (6) cold storage
        for h in d.hubs:
            for w in d.weeks:
                idx = list(received[(h, w)])
                val = [1.0] * len(idx)
                for s in d.sizes[h]:
                    idx.append(self.y[(h, s.name)])
                    val.append(-s.throughput_t_per_week)
                self._elastic_row(idx, val, ("throughput", h, w), sign)
                add(idx, val, -INF, 0.0, f"c5_thr|{h}|{w}" if names else None)
                for s in d.sizes[h]:
                    idx = [self.inv[(h, s.name, p, w)] for p in self.products_at.get(h, ())]
                    val = [1.0] * len(idx)
                    idx.append(self.y[(h, s.name)])
                    val.append(-s.cold_storage_t)
                    self._elastic_row(idx, val, ("storage", h, w, s.name), sign)
                    add(idx, val, -INF, 0.0, f"c6_cold|{h}|{s.name}|{w}" if names else None)
        # (6b) maximum storage time
        for h in d.hubs:
            for p in self.products_at.get(h, ()):
                limit = d.max_storage_weeks.get(p)
                if limit is None:
                    continue
                for s in d.sizes[h]:
                    stay = d.storage_survival[(h, s.name, p)]
                    for w in d.weeks:
                        idx = [self.inv[(h, s.name, p, w)]]
                        val = [1.0]
                        for j in range(limit):
                            for col, survival in arrivals.get((h, p, w - j), ()):
                                idx.append(col)
                                val.append(-(stay**j) * survival)
                        add(idx, val, -INF, 0.0, f"c6b_age|{h}|{s.name}|{p}|{w}" if names else None)
        # (8) demand
        delivered = defaultdict(list)
        for key, col in self.z.items():
            r, p, w = key
            t = d.route_delivery_week[(r, w)]
            delivered[(d.routes[r].market, p, t)].append((col, d.route_survival[key]))
        for key, amount in sorted(d.demand.items()):
            m, p, t = key
            terms = delivered.get(key, [])
            idx = [c for c, _ in terms]
            val = [v for _, v in terms]
            if self.maximize:
                sold = cols.add(f"w|{m}|{p}|{t}", 0.0, amount, d.price.get(key, 0.0))
                self.sold[key] = sold
                self.demand_rows[key] = rows.add(
                    [sold, *idx], [1.0, *(-v for v in val)], -INF, 0.0, f"c8_sold|{m}|{p}|{t}"
                )
            else:
                self._elastic_row(idx, val, ("demand", m, p, t), sign, coefficient=1.0)
                self.demand_rows[key] = rows.add(idx, val, amount, INF, f"c8_demand|{m}|{p}|{t}")
        if d.delivered_cost_floor:
            self._cost_floor_rows(options, sign)
        # (9) trips
        for (leg, w), uses in d.trip_use.items():
            merged: dict[int, float] = defaultdict(float)
            for kind, k, per in uses:
                merged[self.x[k] if kind == "x" else self.z[k]] += per
            idx = list(merged)
            val = list(merged.values())
            idx.append(self.n[(leg, w)])
            val.append(-d.load_per_trip((leg, w)))
            if (leg, w) in self.part:
                idx.append(self.part[(leg, w)])
                val.append(-1.0)
            add(idx, val, -INF, 0.0, f"c9_trips|{leg}|{w}" if names else None)
        # (10) CO2 cap
        if options.co2_cap_t is not None:
            idx = list(self.x.values()) + list(self.z.values())
            val = [d.inbound_co2_t[k] for k in self.x] + [d.route_co2_t[k] for k in self.z]
            add(idx, val, -INF, options.co2_cap_t, "c10_co2_cap")
        # (11) overseas warehouses: arrivals and stock
        for key, uses in d.warehouse_use.items():
            idx = [self.z[k] for k, _ in uses]
            val = [a for _, a in uses]
            add(idx, val, -INF, d.warehouse_capacity[key], f"c11_{_name(key[0], key[1:])}")

    def _single_sourcing(self, options, names: bool) -> None:
        d, rows, cols = self.data, self._rows, self._cols
        self.assign = {a: cols.add(f"u|{a}", 0.0, 1.0, 0.0, True) for a in range(len(d.inbound))}
        arcs_of = defaultdict(list)
        for a, (village, _hub, _leg) in enumerate(d.inbound):
            arcs_of[village].append(self.assign[a])
        for village, members in arcs_of.items():
            rows.add(members, [1.0] * len(members), -INF, 1.0, f"c2b_single|{village}")
        for key, col in self.x.items():
            a, p, w = key
            b = d.supply[(d.inbound[a][0], p, w)]
            lower = 0.0 if options.ship_all_supply else -INF
            rows.add(
                [col, self.assign[a]],
                [1.0, -b],
                lower,
                0.0,
                (lambda k=key: "c2b_x|" + "|".join(map(str, k))) if names else None,
            )

    def _cost_floor_rows(self, options, sign) -> None:
        r"""(8b) Relaxations: route costs into a market-week at least the cheapest per tonne.

        :math:`C_{mpt} \ge \sum_{r \to (m,p,t)} o_{rpt'} z_{rpt'}` and
        :math:`C_{mpt} \ge \phi_{mpt} w_{mpt}` (cost mode: :math:`\phi d`), with
        :math:`C` in the objective: both are lower bounds on what the evaluator charges.
        """
        d, cols, rows = self.data, self._cols, self._rows
        names = cols.names is not None
        into = defaultdict(list)
        for key, col in self.z.items():
            r, p, w = key
            market = (d.routes[r].market, p, d.route_delivery_week[(r, w)])
            into[market].append((col, d.route_other_cost.get(key, 0.0)))
        for key, floor in d.delivered_cost_floor.items():
            if key not in into:
                continue
            label = "|".join(map(str, key))
            c = cols.add(f"route_cost|{label}" if names else None, cost=sign)
            idx = [c] + [col for col, _ in into[key]]
            val = [1.0] + [-o for _, o in into[key]]
            rows.add(idx, val, 0.0, INF, f"c8b_routes|{label}" if names else None)
            floor_name = f"c8b_floor|{label}" if names else None
            if key in self.sold:
                rows.add([c, self.sold[key]], [1.0, -floor], 0.0, INF, floor_name)
            else:
                rows.add([c], [1.0], floor * d.demand.get(key, 0.0), INF, floor_name)

    def _elastic_row(self, idx, val, key, sign, coefficient=-1.0) -> None:
        """Append a priced slack to a row (elastic models only)."""
        if not self.elastic:
            return
        col = self._cols.add("slack|" + "|".join(map(str, key)), cost=sign * elastic_penalty(key))
        self.slack[key] = col
        idx.append(col)
        val.append(coefficient)

    def violated_links(self, values: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
        """Positions (in ``link_x``) of lazy rows (3) that ``values`` violate."""
        if not self.link_x:
            return np.empty(0, dtype=np.int64)
        hubs = sorted(self.size_cols)
        opened = np.array([sum(values[c] for c in self.size_cols[h]) for h in hubs])
        where = {h: i for i, h in enumerate(hubs)}
        if not hasattr(self, "_link_arrays"):
            self._link_arrays = (
                np.asarray(self.link_x, dtype=np.int64),
                np.asarray(self.link_supply, dtype=np.float64),
                np.asarray([where[h] for h in self.link_hub], dtype=np.int64),
            )
        cols, supply, hub = self._link_arrays
        excess = values[cols] - supply * opened[hub]
        return np.flatnonzero(excess > tolerance * np.maximum(supply, 1.0))

    def link_rows(self, positions) -> dict[str, np.ndarray]:
        """Rows (3) ``x - b * sum_s y_s <= 0`` for these lazy positions, for ``addRows``."""
        starts, index, value = [], [], []
        for i in positions:
            ys = self.size_cols[self.link_hub[i]]
            starts.append(len(index))
            index.append(self.link_x[i])
            value.append(1.0)
            index.extend(ys)
            value.extend([-self.link_supply[i]] * len(ys))
        count = len(starts)
        return {
            "lower": np.full(count, -INF),
            "upper": np.zeros(count),
            "starts": np.asarray(starts, dtype=np.int32),
            "index": np.asarray(index, dtype=np.int32),
            "value": np.asarray(value, dtype=np.float64),
        }

    # -- arrays -----------------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        """Column and row arrays (row-wise sparse matrix) as HiGHS takes them."""
        return model_arrays(self._cols, self._rows)

    @property
    def column_names(self) -> list[str] | None:
        """Column names (with ``names=True``)."""
        return self._cols.names

    @property
    def row_names(self) -> list[str] | None:
        """Row names (with ``names=True``)."""
        return self._rows.names

    @property
    def num_nonzeros(self) -> int:
        """Entries of the constraint matrix."""
        return len(self._rows.index)


def _name(prefix: str, key: tuple) -> str:
    return prefix + "|" + "|".join(map(str, key))
