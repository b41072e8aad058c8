r"""Candidate path columns priced by the design data's per-stage view.

A path column of the exact path model (:mod:`optimizer.design.paths`) is a village lot
(village, product, harvest week) sent on an arc to an open hub, held ``k`` weeks in its
cold store and dispatched on a route (with its customs mode) to a market. Scoring one
exactly (:class:`results.scoring.FlowScorer`) costs a fraction of a millisecond; a hub
opening has millions of them. This module values every one of them per tonne leaving the
village with the design model's coefficients (:class:`~optimizer.design.data.DesignData`:
survival factors and costs per tonne), vectorized over routes, so that only the few worth
scoring are:

.. math:: g = \sigma_{in}\, s^k \big(\sigma_r\, v_{m,p,t'} - c_r - \phi_r\big)
          - c_{in} - \phi_{in} - \sum_{i<k} \sigma_{in} s^i (h + \lambda_{h,t+i})
          - \mu_{v,p,t} - \lambda^{u}_{h,t}

with :math:`\sigma_{in}, c_{in}` the arc's survival and cost, :math:`s, h` the hub's
weekly storage survival and cost per tonne-week (spoilage at purchase value included),
:math:`\sigma_r, c_r` the route's survival and cost at its dispatch week :math:`t + k`,
:math:`v_{m,p,t'}` the value of a tonne delivered to market :math:`m` in its delivery week
:math:`t'`, :math:`\phi` the trip-priced legs' cost per tonne (optional): each leg-week
at the dual of its trip row where the path model has one, else at the cheaper of a whole
trip's price spread over what one trip can carry there and the part-load rate (the price
an LP relaxation of the trips puts on a leg-week with nothing on it: :func:`leg_price`),
and :class:`Prices` the duals (supply :math:`\mu`, throughput :math:`\lambda^u`, cold
storage :math:`\lambda`).

With :math:`v` the market price and no duals this is the static ranking
(:func:`rank_paths`); with the duals of the path model's LP relaxation it is the
approximate reduced cost column generation prices by (:func:`new_candidates`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from networks.network import Network
from networks.plan import PathFlow
from optimizer.design.data import DesignData


@dataclass
class Prices:
    r"""What a tonne is worth where it is delivered, and what the rows it uses cost.

    Parameters
    ----------
    sales
        Value of a tonne delivered to ``(market, product, week)``; a key not given is
        worth ``unlisted(key)``.
    unlisted
        The value of a delivery key not in ``sales``.
    supply, throughput, storage
        Price per tonne of a lot ``(village, product, week)`` leaving its village, of a
        tonne received at ``(hub, week)`` and of a tonne held at ``(hub, week)``.
    trips
        Charge trip-priced legs at their price per tonne (:math:`\phi` above).
    legs
        Price per tonne on a trip-priced leg-week ``(leg, week)`` (the duals of the path
        model's trip rows); a leg-week not given is charged at
        :func:`leg_price`.
    """

    sales: dict[tuple[str, str, int], float]
    unlisted: Callable[[tuple[str, str, int]], float]
    supply: dict[tuple[str, str, int], float] = field(default_factory=dict)
    throughput: dict[tuple[str, int], float] = field(default_factory=dict)
    storage: dict[tuple[str, int], float] = field(default_factory=dict)
    trips: bool = False
    legs: dict[tuple[str, int], float] = field(default_factory=dict)


def market_prices(data: DesignData, trips: bool = False) -> Prices:
    """The static view: a delivered tonne at the market price where there is demand."""
    return Prices(
        {}, lambda key: data.price.get(key, 0.0) if key in data.demand else 0.0, trips=trips
    )


def leg_price(data: DesignData, key: tuple[str, int]) -> float:
    """A trip-priced leg-week's price per tonne in an LP relaxation with nothing on it.

    The cheaper of a whole trip's price spread over what one trip can carry there
    (:meth:`~optimizer.design.data.DesignData.load_per_trip`: the vehicle, or the most
    the leg-week can load where that is less) and the part-load rate.
    """
    per_trip, _, part = data.trip_legs[key]
    return min(per_trip / data.load_per_trip(key), part)


class PathPricer:
    """Every path of a hub opening, valued per tonne by the design data's view.

    Parameters
    ----------
    data, network
        The design model's data and the scenario.
    hubs
        Open hubs and their sizes.
    arcs
        Only these village-to-hub pairs (single sourcing); ``None``: all.
    """

    def __init__(
        self,
        data: DesignData,
        network: Network,
        hubs: dict[str, str],
        arcs: set[tuple[str, str]] | None = None,
    ) -> None:
        self.data, self.network, self.hubs = data, network, dict(hubs)
        self.routes_by_hub: dict[str, list[int]] = defaultdict(list)
        for r, route in enumerate(data.routes):
            if route.hub in hubs:
                self.routes_by_hub[route.hub].append(r)
        self.arcs_by_village: dict[str, list[int]] = defaultdict(list)
        for a, (village, hub, _) in enumerate(data.inbound):
            if hub in hubs and (arcs is None or (village, hub) in arcs):
                self.arcs_by_village[village].append(a)
        self.delivery_keys: dict[tuple[str, str, int], int] = {}
        self._static: dict[tuple[str, str, int], tuple] = {}
        self._trip_cost: tuple[dict, dict[tuple, float]] | None = None
        self._route_trips: dict[tuple[str, str, int], np.ndarray] = {}
        self._read_all = False

    # -- the data's view, fixed ------------------------------------------------------
    def trip_costs(self, prices: Prices) -> dict[tuple, float]:
        """Trip-priced legs' cost per tonne of each flow under ``prices``.

        Keyed by ``("x", (arc, product, week))`` (per tonne leaving the village) and
        ``("z", (route, product, week))`` (per tonne dispatched); each leg-week at its
        price in ``prices.legs``, else at :func:`leg_price`. Computed once per ``prices``.
        """
        if self._trip_cost is None or self._trip_cost[0] is not prices.legs:
            costs: dict[tuple, float] = defaultdict(float)
            for key, uses in self.data.trip_use.items():
                price = prices.legs.get(key)
                price = leg_price(self.data, key) if price is None else price
                for kind, index, per_unit in uses:
                    costs[(kind, index)] += per_unit * price
            self._trip_cost = (prices.legs, dict(costs))
            self._route_trips = {}
        return self._trip_cost[1]

    def _with_trips(self, hub: str, p: str, d: int, trips: dict[tuple, float]) -> np.ndarray:
        """Routes' cost per tonne dispatched (:meth:`_dispatch`) with their trip costs."""
        key = (hub, p, d)
        if key not in self._route_trips:
            rs, _, _, cost = self._dispatch(hub, p, d)
            extra = np.fromiter((trips.get(("z", (int(r), p, d)), 0.0) for r in rs), float, len(rs))
            self._route_trips[key] = cost + extra
        return self._route_trips[key]

    def _dispatch(self, hub: str, p: str, d: int) -> tuple:
        """Routes of ``hub`` at dispatch week ``d``.

        Their indices, survival, delivery keys and cost per tonne dispatched (trip-priced
        legs aside: :meth:`trip_costs`).
        """
        key = (hub, p, d)
        if key not in self._static:
            data = self.data
            rs, survival, where, cost = [], [], [], []
            for r in self.routes_by_hub[hub]:
                s = data.route_survival.get((r, p, d))
                if s is None:
                    continue
                delivery = (data.routes[r].market, p, data.route_delivery_week[(r, d)])
                rs.append(r)
                survival.append(s)
                where.append(self.delivery_keys.setdefault(delivery, len(self.delivery_keys)))
                cost.append(data.route_cost[(r, p, d)])
            self._static[key] = (
                np.asarray(rs, dtype=np.int64),
                np.asarray(survival, dtype=np.float64),
                np.asarray(where, dtype=np.int64),
                np.asarray(cost, dtype=np.float64),
            )
        return self._static[key]

    # -- valuing every path of a lot ---------------------------------------------------
    def lot_values(self, lot: tuple[str, str, int], prices: Prices, delivered: np.ndarray):
        """Every path of ``lot``: its value per tonne and what it is.

        ``delivered`` is :meth:`delivered_values` of ``prices``.

        Yields
        ------
        tuple
            ``(values, arc, k, routes, delivery)`` for each arc and weeks in store ``k``:
            arrays over the hub's routes of the value per tonne leaving the village, the
            route indices and the index of each one's delivery key
            (:attr:`delivery_keys`).
        """
        data = self.data
        v, p, t = lot
        last = data.weeks[-1]
        limit = data.max_storage_weeks.get(p)
        k_max = last - t if limit is None else min(limit, last - t)
        lot_price = prices.supply.get(lot, 0.0)
        trips = self.trip_costs(prices) if prices.trips else {}
        for a in self.arcs_by_village.get(v, ()):
            hub = data.inbound[a][1]
            s_in = data.inbound_survival.get((a, p, t))
            if s_in is None:
                continue
            base = data.inbound_cost[(a, p, t)] + lot_price
            base += prices.throughput.get((hub, t), 0.0)
            base += trips.get(("x", (a, p, t)), 0.0)
            stay = data.storage_survival.get((hub, self.hubs[hub], p), 1.0)
            hold = data.storage_cost[hub] + data.value_per_t.get(p, 0.0) * (1.0 - stay)
            kept, held = s_in, 0.0
            for k in range(k_max + 1):
                if k:
                    held += kept * (hold + prices.storage.get((hub, t + k - 1), 0.0))
                    kept *= stay
                rs, survival, where, cost = self._dispatch(hub, p, t + k)
                if not len(rs):
                    continue
                if prices.trips:
                    cost = self._with_trips(hub, p, t + k, trips)
                route = survival * delivered[where] - cost
                yield kept * route - base - held, a, k, rs, where

    def delivered_values(self, prices: Prices) -> np.ndarray:
        """Value of a tonne delivered, by index of its delivery key (:attr:`delivery_keys`)."""
        if not self._read_all:  # every open hub's routes read: every delivery key indexed
            for hub in self.routes_by_hub:
                for p in self.data.products:
                    for d in self.data.weeks:
                        self._dispatch(hub, p, d)
            self._read_all = True
        values = np.zeros(len(self.delivery_keys))
        for key, i in self.delivery_keys.items():
            values[i] = prices.sales[key] if key in prices.sales else prices.unlisted(key)
        return values

    def flow(self, a: int, r: int, p: str, t: int, k: int) -> PathFlow:
        """The plan row of one tonne of a path."""
        return path_flow(self.network, self.data, a, r, p, t, k)


def rank_paths(
    data: DesignData,
    network: Network,
    hubs: dict[str, str],
    per_market: int,
    arcs: set[tuple[str, str]] | None = None,
    trips: bool = False,
) -> list[PathFlow]:
    """The best ``per_market`` paths of each village lot to each market, approximately.

    Paths are ranked by the design model's per-stage view at the market price
    (:func:`market_prices`; trip-priced legs charged at their LP price per tonne if
    ``trips``): the value of what arrives less what it costs, per tonne leaving the
    village.
    """
    pricer = PathPricer(data, network, hubs, arcs)
    prices = market_prices(data, trips)
    delivered = pricer.delivered_values(prices)
    flows = []
    for v, p, t in data.supply:
        best: dict[str, list[tuple[float, int, int, int]]] = defaultdict(list)
        for total, a, k, rs, _ in pricer.lot_values((v, p, t), prices, delivered):
            for i in np.argsort(-total)[: 4 * per_market]:
                m = data.routes[rs[i]].market
                best[m].append((float(total[i]), a, k, int(rs[i])))
        for options in best.values():
            options.sort(key=lambda item: -item[0])
            for _, a, k, r in options[:per_market]:
                flows.append(pricer.flow(a, r, p, t, k))
    return flows


def new_candidates(
    pricer: PathPricer,
    prices: Prices,
    per_lot: int,
    skip: Callable[[PathFlow], bool],
    least: float = 0.0,
) -> list[PathFlow]:
    """The paths of each lot of highest value under ``prices``, new ones only.

    For each village lot, its paths worth more than ``least`` per tonne, best first, one
    per delivery key (market, product, week: the best path there), skipping those
    ``skip`` says to; at most ``per_lot`` of them.
    """
    data = pricer.data
    delivered = pricer.delivered_values(prices)
    found = []
    for lot in data.supply:
        parts = [
            (values[keep], a, k, rs[keep], where[keep])
            for values, a, k, rs, where in pricer.lot_values(lot, prices, delivered)
            if (keep := values > least).any()
        ]
        if not parts:
            continue
        values = np.concatenate([part[0] for part in parts])
        arcs = np.concatenate([np.full(len(part[0]), part[1]) for part in parts])
        weeks = np.concatenate([np.full(len(part[0]), part[2]) for part in parts])
        routes = np.concatenate([part[3] for part in parts])
        where = np.concatenate([part[4] for part in parts])
        taken, served = 0, set()
        for i in np.argsort(-values, kind="stable"):
            if int(where[i]) in served:
                continue
            flow = pricer.flow(int(arcs[i]), int(routes[i]), lot[1], lot[2], int(weeks[i]))
            if skip(flow):
                continue
            found.append(flow)
            served.add(int(where[i]))
            taken += 1
            if taken >= per_lot:
                break
    return found


def path_flow(network, data: DesignData, a: int, r: int, p: str, t: int, k: int) -> PathFlow:
    """The plan row of one tonne of a path.

    The lot ``(village of a, p, t)`` on arc ``a``, ``k`` weeks in store, route ``r``.
    """
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
