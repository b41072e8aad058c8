"""Coefficients of the network design model, computed from a network (no solver here).

Everything the model needs is computed once into a :class:`DesignData`: the inbound
arcs (village -> hub) with their survival factors and per-tonne costs, the downstream
routes (hub -> ... -> market with a customs mode) with theirs by product and dispatch
week, and the trips each flow puts on legs. The formulation
(:mod:`optimizer.design.formulation`) reads only this.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from networks.climate import leg_stage_temps, place_temps
from networks.firms import part_load_rate, trip_terms
from networks.legs import Leg, Mode
from networks.network import Network
from networks.nodes import HubSize, NodeKind, OverseasWarehouse
from networks.plan import THIRD_PARTY
from networks.shelf_life import ShelfLife
from networks.timeline import HOURS_PER_WEEK, customs_mode_fits, default_wait_hours
from networks.trade import import_charge

MAX_ROUTE_LEGS = 5


@dataclass(frozen=True)
class Route:
    """A downstream route: hub -> ... -> market, with its customs mode.

    Parameters
    ----------
    hub, market
        Ends.
    nodes, legs
        The path after the hub (``nodes[0]`` is the hub).
    customs_mode
        Customs mode (empty for a domestic route).
    clears_at
        The node that clears customs, if any.
    abroad_weeks
        Whole weeks the lot is held as stock in the route's overseas warehouse before
        its last leg (a plan row's ``abroad_weeks``).
    """

    hub: str
    market: str
    nodes: tuple[str, ...]
    legs: tuple[Leg, ...]
    customs_mode: str
    clears_at: str | None
    abroad_weeks: int = 0

    @property
    def key(self) -> str:
        """A readable unique key."""
        services = "/".join(leg.service for leg in self.legs)
        held = f"+{self.abroad_weeks}w" if self.abroad_weeks else ""
        return f"{'>'.join(self.nodes)}[{services}]{self.customs_mode}{held}"

    def warehouse(self, network: Network) -> OverseasWarehouse | None:
        """The overseas warehouse the route passes, if any."""
        for node_id in self.nodes:
            node = network.nodes[node_id]
            if isinstance(node, OverseasWarehouse):
                return node
        return None


@dataclass
class DesignData:
    """Index sets and coefficients of one network design model.

    All costs are CNY; survival factors are the optimizer's per-stage view.
    """

    weeks: list[int]
    products: list[str]
    hubs: list[str]
    sizes: dict[str, tuple[HubSize, ...]]  # hub: its size options, as the network has them
    supply: dict[tuple[str, str, int], float]
    demand: dict[tuple[str, str, int], float]
    price: dict[tuple[str, str, int], float]
    inbound: list[tuple[str, str, str]]  # (village, hub, leg id)
    inbound_survival: dict[tuple[int, str, int], float]  # (arc index, product, week)
    inbound_cost: dict[tuple[int, str, int], float]  # per tonne leaving the village
    routes: list[Route]
    route_survival: dict[tuple[int, str, int], float]  # (route, product, dispatch week)
    route_cost: dict[tuple[int, str, int], float]  # per tonne dispatched
    route_delivery_week: dict[tuple[int, int], int]
    route_co2_t: dict[tuple[int, str, int], float]
    inbound_co2_t: dict[tuple[int, str, int], float]
    storage_survival: dict[tuple[str, str, str], float]  # (hub, size, product) per week
    storage_cost: dict[str, float]  # hub: per tonne-week
    trip_legs: dict[tuple[str, int], tuple[float, float, float]] = field(default_factory=dict)
    # (leg id, week) -> (cost per trip, capacity, part-load cost per tonne or inf)
    trip_use: dict[tuple[str, int], list[tuple[str, tuple, float]]] = field(
        default_factory=dict
    )  # -> [("x"|"z", index key, tonnes per unit of flow)]
    # (leg id, week) -> the most a plan worth having loads there, where below a vehicle
    # (load_ceilings): rows (9) count each trip as carrying at most that
    trip_ceiling: dict[tuple[str, int], float] = field(default_factory=dict)
    objective: str = "cost"
    shipper: str = THIRD_PARTY
    max_storage_weeks: dict[str, int] = field(default_factory=dict)
    value_per_t: dict[str, float] = field(default_factory=dict)
    # relaxations only (optimizer.design.bound): the part of route_cost kept out of it and
    # charged as the larger of itself and the cheapest cost per tonne delivered (8b)
    route_other_cost: dict[tuple[int, str, int], float] = field(default_factory=dict)
    delivered_cost_floor: dict[tuple[str, str, int], float] = field(default_factory=dict)
    # overseas warehouses (rows 11): ("received"|"stock", warehouse, week) -> the route
    # flows using it, [((route, product, dispatch week), tonnes per tonne dispatched)],
    # and its capacity (only where finite)
    warehouse_use: dict[tuple[str, str, int], list[tuple[tuple, float]]] = field(
        default_factory=dict
    )
    warehouse_capacity: dict[tuple[str, str, int], float] = field(default_factory=dict)

    def load_per_trip(self, key: tuple[str, int]) -> float:
        """Tonnes one whole trip counts for in rows (9): its capacity or the ceiling."""
        return min(self.trip_legs[key][1], self.trip_ceiling.get(key, math.inf))


def _customs_modes(network: Network, nodes: tuple[str, ...], legs: tuple[Leg, ...]):
    """Customs modes a cross-border path may use, with the node that clears each."""
    for node_id in nodes:
        modes = getattr(network.nodes[node_id], "customs_modes", ())
        if modes:
            for mode in modes:
                if customs_mode_fits(network, nodes, legs, mode):
                    yield mode, node_id
            return  # customs clears at the first node that runs any mode


def walk_routes(network: Network, hub: str) -> Iterator[tuple[tuple[str, ...], tuple[Leg, ...]]]:
    """Every simple path from county hub ``hub`` to a market, at most ``MAX_ROUTE_LEGS`` legs.

    The paths before any rule on customs or on domestic routes (:func:`enumerate_routes`
    keeps the legal ones; ``coldchain corridors --explain`` says why the others are not).

    Yields
    ------
    tuple
        The path's node ids (``[0]`` is the hub, ``[-1]`` a market) and its legs.
    """
    stack: list[tuple[tuple[str, ...], tuple[Leg, ...]]] = [((hub,), ())]
    while stack:
        nodes, legs = stack.pop()
        for leg in network.out_legs.get(nodes[-1], ()):
            if leg.destination in nodes:
                continue
            path, path_legs = nodes + (leg.destination,), legs + (leg,)
            if network.nodes[leg.destination].kind == NodeKind.MARKET:
                yield path, path_legs
            elif len(path_legs) < MAX_ROUTE_LEGS:
                stack.append((path, path_legs))


def enumerate_routes(network: Network) -> list[Route]:
    """Every legal route from each county hub to each market.

    A domestic route (market in the hub's country) passes no bonded zone and no customs;
    a cross-border route clears under a mode run by its first customs node: 9610 only
    with a final parcel leg, 9810 only through an overseas warehouse.
    """
    routes: list[Route] = []
    for hub in network.county_hubs:
        for path, path_legs in walk_routes(network, hub.id):
            node = network.nodes[path[-1]]
            if node.country == hub.country:
                if all(network.nodes[n].kind != NodeKind.BONDED_ZONE for n in path):
                    routes.append(Route(hub.id, node.id, path, path_legs, "", None))
            else:
                for mode, where in _customs_modes(network, path, path_legs):
                    routes.append(Route(hub.id, node.id, path, path_legs, str(mode), where))
    routes.sort(key=lambda r: r.key)
    return routes


@functools.lru_cache(maxsize=4096)
def _rates(shelf: ShelfLife, temps: tuple[float, ...], atmos: str) -> np.ndarray:
    """Rates of shelf-life use at each week's temperature (memoized: arcs share them)."""
    rate = np.asarray(shelf.rate(np.asarray(temps), atmos), dtype=float)
    rate.setflags(write=False)
    return rate


def _consumed(
    shelf: ShelfLife,
    hours: np.ndarray,
    temps: np.ndarray,
    atmos: str,
    uncooled: np.ndarray | bool = False,
) -> np.ndarray:
    """Survival-view consumed shelf-life fraction (kinetic + delay) of segments."""
    if np.ndim(temps):
        rate = _rates(shelf, tuple(np.asarray(temps, dtype=float).tolist()), atmos)
    else:
        rate = np.asarray(shelf.rate(temps, atmos), dtype=float)
    mult = 1.0 + shelf.delay_penalty_factor * np.asarray(uncooled, dtype=float)
    return rate * mult * hours / (24.0 * shelf.life_days_at_ref)


def build_design_data(
    network: Network,
    firms: frozenset[str] | None = None,
    shipper: str = THIRD_PARTY,
    regime: str | None = None,
    co2_price_cny_per_t: float = 0.0,
    routes_per_pair: int = 6,
    abroad_weeks: int = 0,
) -> DesignData:
    """Compute every coefficient of the network design model.

    Parameters
    ----------
    network
        The network.
    firms
        Only these firms' supply and demand (a coalition, see :func:`restrict`);
        ``None``: all.
    shipper
        ``3pl`` (pooled: the 3PL's margin on freight) or a firm id (its part-load
        premium on road legs).
    regime
        Tariff regime (default: the scenario's).
    co2_price_cny_per_t
        Price of a tonne of CO2e, added to each flow's cost.
    routes_per_pair
        Keep, for each hub, market, product, customs mode and weeks of stock abroad, the
        cheapest this many routes (by cost per delivered tonne in the first week); 0
        keeps all.
    abroad_weeks
        Most whole weeks a lot may be held as stock in an overseas warehouse that holds
        stock (``stock_capacity_t > 0``): each route through one also comes held 1 to
        this many weeks (within the product's ``max_storage_weeks``).
    """
    weeks = list(network.periods.weeks)
    tariffs = network.regime(regime)
    uplift = 1.0 + float(network.consolidation.margin) if shipper == THIRD_PARTY else 1.0
    premium = 0.0
    if shipper != THIRD_PARTY and shipper in network.firms:
        premium = network.firms[shipper].part_load_premium
    wait = default_wait_hours(network)
    week_start = (np.asarray(weeks, dtype=float) - 1.0) * HOURS_PER_WEEK  # hours into week 1

    villages = {v.id: v for v in network.villages}
    supply_frame = network.supply[network.supply["village"].isin(villages)]
    supply = {
        (r.village, r.product, int(r.week)): float(r.tonnes)
        for r in supply_frame.itertuples()
        if r.tonnes > 0
    }
    grouped = network.demand.groupby(["market", "product", "week"])
    demand = {(m, p, int(w)): float(t) for (m, p, w), t in grouped["tonnes"].sum().items() if t > 0}
    price = {(m, p, int(w)): float(v) for (m, p, w), v in grouped["price_cny_per_t"].mean().items()}
    products = sorted({p for _, p, _ in supply} | {p for _, p, _ in demand})
    value = {p: network.products[p].value_cny_per_kg * 1000.0 for p in products}

    hubs = [h for h in network.county_hubs]
    data = DesignData(
        weeks=weeks,
        products=products,
        hubs=[h.id for h in hubs],
        sizes={h.id: tuple(h.sizes) for h in hubs},
        supply=supply,
        demand=demand,
        price=price,
        inbound=[],
        inbound_survival={},
        inbound_cost={},
        routes=[],
        route_survival={},
        route_cost={},
        route_delivery_week={},
        route_co2_t={},
        inbound_co2_t={},
        storage_survival={},
        storage_cost={h.id: h.storage_cost_cny_per_t_week for h in hubs},
        objective=network.objective,
        shipper=shipper,
        max_storage_weeks={
            p: network.products[p].max_storage_weeks
            for p in products
            if network.products[p].max_storage_weeks is not None
        },
        value_per_t=value,
    )
    trip_legs: dict[tuple[str, int], tuple[float, float, float]] = {}
    trip_use: dict[tuple[str, int], list] = defaultdict(list)

    own_vehicles = network.firms.get(shipper) if shipper != THIRD_PARTY else None

    def count_trips(leg: Leg, week: int, kind: str, key: tuple, per_unit: float) -> None:
        if leg.cost_cny_per_trip > 0 and math.isfinite(leg.trip_capacity_t) and week <= weeks[-1]:
            per_trip, capacity = trip_terms(leg, own_vehicles)
            part = part_load_rate(leg, network.firms.get(shipper))
            trip_legs[(leg.id, week)] = (per_trip * uplift, capacity, part * uplift)
            trip_use[(leg.id, week)].append((kind, key, per_unit))

    # --- inbound arcs: village -> hub (wait, leg, hub dwell) -------------------------
    pre_hub_hours: dict[str, float] = defaultdict(float)  # longest harvest-to-dispatch
    hub_products: dict[str, set[str]] = defaultdict(set)  # what each hub can receive
    hub_by_id = {h.id: h for h in hubs}
    supplied = {(v, p) for v, p, _ in supply}
    for village_id in villages:
        for leg in network.out_legs.get(village_id, ()):
            hub = hub_by_id.get(leg.destination)
            if hub is None:
                continue
            index = len(data.inbound)
            data.inbound.append((village_id, hub.id, leg.id))
            cools = hub.precooling
            # temperatures where and when the lot is (networks.climate), as lot_history
            ambient = place_temps(network, villages[village_id].climate, week_start)
            leg_hours, leg_temps = leg_stage_temps(network, leg, week_start + wait)
            at_hub = week_start + wait + leg.hours
            dwell_temp = (
                np.full(len(weeks), hub.storage_temp_c)
                if cools
                else place_temps(network, hub.climate, at_hub)
            )
            for product in products:
                if (village_id, product) not in supplied:
                    continue
                shelf = network.products[product].shelf_life
                if shelf is not None:
                    late = max(0.0, wait + leg.hours - shelf.curing_grace_hours)
                    f = (
                        _consumed(shelf, wait, ambient, "air")
                        + sum(
                            _consumed(shelf, h, t, "air")
                            for h, t in zip(leg_hours, leg_temps, strict=True)
                        )
                        + _consumed(shelf, late, ambient, "air", True)
                        - _consumed(shelf, late, ambient, "air")
                        + _consumed(shelf, hub.dwell_hours, dwell_temp, "air", not cools)
                    )
                    arrive_f = f - _consumed(shelf, hub.dwell_hours, dwell_temp, "air", not cools)
                    kappa = shelf.survival_hazard_per_life
                    s_in, s_arrive = np.exp(-kappa * f), np.exp(-kappa * arrive_f)
                    s_loaded = np.exp(-kappa * _consumed(shelf, wait, ambient, "air"))
                else:
                    s_in = s_arrive = s_loaded = np.ones(len(weeks))
                per_t_leg = (
                    leg.cost_cny_per_t
                    * (1.0 + (premium if leg.mode == Mode.ROAD else 0.0))
                    * uplift
                )
                for w_index, week in enumerate(weeks):
                    if (village_id, product, week) not in supply:
                        continue
                    arrive = float(s_arrive[w_index])
                    # freight on the tonnes still sound when loaded; pre-cooling only for
                    # perishables (as the evaluator and the plan's precool flag do)
                    precool = hub.precool_cost_cny_per_t if cools and shelf is not None else 0.0
                    cost = per_t_leg * float(s_loaded[w_index])
                    cost += arrive * (hub.handling_cost_cny_per_t + precool)
                    cost += value[product] * (1.0 - float(s_in[w_index]))
                    co2 = leg.distance_km * leg.co2e_g_per_tkm / 1e6
                    cost += co2_price_cny_per_t * co2
                    data.inbound_survival[(index, product, week)] = float(s_in[w_index])
                    data.inbound_cost[(index, product, week)] = cost
                    data.inbound_co2_t[(index, product, week)] = co2
                    count_trips(leg, week, "x", (index, product, week), float(s_loaded[w_index]))
                    pre_hub_hours[hub.id] = max(
                        pre_hub_hours[hub.id], wait + leg.hours + hub.dwell_hours
                    )
                    hub_products[hub.id].add(product)
    for hub in hubs:
        for option in data.sizes[hub.id]:
            for product in products:
                shelf = network.products[product].shelf_life
                s = (
                    1.0
                    if shelf is None
                    else float(
                        np.exp(
                            -shelf.survival_hazard_per_life
                            * _consumed(
                                shelf, HOURS_PER_WEEK, hub.storage_temp_c, option.atmosphere
                            )
                        )
                    )
                )
                data.storage_survival[(hub.id, option.name, product)] = s

    # --- downstream routes ----------------------------------------------------------
    candidates = enumerate_routes(network)
    markets_demanded = {m for m, _, _ in demand}
    candidates = [r for r in candidates if r.market in markets_demanded]
    candidates += [
        replace(route, abroad_weeks=j)
        for route in candidates
        if (house := route.warehouse(network)) is not None and house.stock_capacity_t > 0
        for j in range(1, abroad_weeks + 1)
    ]
    scored: dict[tuple, list[tuple[float, int]]] = defaultdict(list)
    route_rows = []
    for route in candidates:
        market = network.nodes[route.market]
        hub = hub_by_id[route.hub]
        stage_hours, stage_temp, node_cost, leg_rows = _route_stages(network, route, week_start)
        hours_total = float(sum(stage_hours))
        # Age from harvest, counted conservatively with the hub's longest inbound
        # (storage weeks are not counted: inventory is aggregated over harvest weeks).
        if (hours_total + pre_hub_hours[hub.id]) / 24.0 > market.max_age_days:
            continue
        delivery_offset = int(hours_total // HOURS_PER_WEEK)
        for product in products:
            prod = network.products[product]
            if product not in hub_products[hub.id] or not prod.admitted_in(
                market.country, hub.country
            ):
                continue
            if not any((route.market, product, w) in demand for w in weeks):
                continue
            if prod.max_storage_weeks is not None and route.abroad_weeks > prod.max_storage_weeks:
                continue
            shelf = prod.shelf_life
            # consumed fraction before each stage, per week (shape stages x weeks)
            if shelf is not None:
                per_stage = np.array(
                    [
                        _consumed(
                            shelf,
                            h,
                            t,
                            "air",
                            not hub.precooling and np.asarray(t) > shelf.precooled_temp_c,
                        )
                        for h, t in zip(stage_hours, stage_temp, strict=True)
                    ]
                )
                cum = np.vstack([np.zeros(len(weeks)), np.cumsum(per_stage, axis=0)])
                alive = np.exp(-shelf.survival_hazard_per_life * cum)
            else:
                alive = np.ones((len(stage_hours) + 1, len(weeks)))
            charge = import_charge(
                network, route.nodes, route.legs, product, route.customs_mode, tariffs
            )
            # per tonne imported, on the tonnes sound on arrival at the first node abroad
            trade = (0.0, 0) if charge is None else (charge.cost, charge.import_node)
            route_rows.append((route, product, alive, node_cost, leg_rows, trade, delivery_offset))
            first_week_cost = _route_cost(
                route,
                alive[:, 0],
                node_cost,
                leg_rows,
                trade,
                value[product],
                uplift,
                premium,
                co2_price_cny_per_t,
                network,
            )[0]
            scored[
                (route.hub, route.market, product, route.customs_mode, route.abroad_weeks)
            ].append((first_week_cost / max(alive[-1, 0], 1e-9), len(route_rows) - 1))
    keep = set()
    for options in scored.values():
        options.sort()
        chosen = options if routes_per_pair <= 0 else options[:routes_per_pair]
        keep.update(i for _, i in chosen)
    route_index: dict[str, int] = {}
    use: dict[tuple[str, str, int], list] = defaultdict(list)
    for row_index, (route, product, alive, node_cost, leg_rows, trade, offset) in enumerate(
        route_rows
    ):
        if row_index not in keep:
            continue
        r = route_index.setdefault(route.key, len(data.routes))
        if r == len(data.routes):
            data.routes.append(route)
        stops = _warehouse_stops(network, route, week_start)  # the same every week
        for w_index, week in enumerate(weeks):
            delivery = week + offset
            if delivery > weeks[-1]:
                continue
            cost, co2 = _route_cost(
                route,
                alive[:, w_index],
                node_cost,
                leg_rows,
                trade,
                value[product],
                uplift,
                premium,
                co2_price_cny_per_t,
                network,
            )
            data.route_survival[(r, product, week)] = float(alive[-1, w_index])
            data.route_cost[(r, product, week)] = cost
            data.route_co2_t[(r, product, week)] = co2
            data.route_delivery_week[(r, week)] = delivery
            for leg_index, leg, stage_index, leg_offset in leg_rows:
                del leg_index
                count_trips(
                    leg,
                    week + leg_offset,
                    "z",
                    (r, product, week),
                    float(alive[stage_index, w_index]),
                )
            for house, stage_index, arrival in stops:
                key, arriving = (r, product, week), float(alive[stage_index, w_index])
                use[("received", house.id, week + arrival)].append((key, arriving))
                for k in range(route.abroad_weeks):
                    use[("stock", house.id, week + arrival + k)].append((key, arriving))
    data.trip_legs = trip_legs
    data.trip_use = dict(trip_use)
    for kind, house_id, week in use:
        house = network.nodes[house_id]
        cap = house.capacity_t_per_week if kind == "received" else house.stock_capacity_t
        if math.isfinite(cap) and week <= weeks[-1]:
            data.warehouse_use[(kind, house_id, week)] = use[(kind, house_id, week)]
            data.warehouse_capacity[(kind, house_id, week)] = cap
    return data if firms is None else restrict(data, network, firms)


def coalition_demand(network: Network, firms: frozenset[str] | None) -> dict:
    """Tonnes ordered by these firms' customers, by ``(market, product, week)``."""
    frame = network.demand
    if firms is not None:
        frame = frame[frame["firm"].isin(firms)]
    totals = frame.groupby(["market", "product", "week"])["tonnes"].sum()
    return {(m, p, int(w)): float(t) for (m, p, w), t in totals.items() if t > 0}


def restrict(data: DesignData, network: Network, firms: frozenset[str]) -> DesignData:
    """The model of a coalition: the network's coefficients, its supply and demand only.

    A coalition meets the same routes, survival factors and per-tonne costs as the
    whole network (route timing with each hub's longest inbound); only what its
    villages grow and its customers order change.
    So every coalition's model is the grand coalition's with other firms' supply and
    demand at zero, which lets one model be re-solved for many coalitions
    (:class:`optimizer.design.network_design.DesignModel`).
    """
    villages = {v.id for v in network.villages if v.firm in firms}
    kept = [k for k in data.inbound_survival if data.inbound[k[0]][0] in villages]
    kept_set = set(kept)
    trip_use = {}
    for key, uses in data.trip_use.items():
        mine = [u for u in uses if u[0] == "z" or u[1] in kept_set]
        if mine:
            trip_use[key] = mine
    return replace(
        data,
        supply={k: v for k, v in data.supply.items() if k[0] in villages},
        demand=coalition_demand(network, firms),
        inbound_survival={k: data.inbound_survival[k] for k in kept},
        inbound_cost={k: data.inbound_cost[k] for k in kept},
        inbound_co2_t={k: data.inbound_co2_t[k] for k in kept},
        trip_legs={k: data.trip_legs[k] for k in trip_use},
        trip_use=trip_use,
    )


def _route_stages(network: Network, route: Route, week_start: np.ndarray):
    """Hours and temperatures of a route's stages; node costs and where legs start.

    Temperatures are those where and when the lot is, by dispatch week
    (:mod:`networks.climate`, as the evaluator's lot histories take them).
    """
    hours: list[float] = []
    temps: list[np.ndarray] = []
    node_cost: list[tuple[int, float]] = []  # (stage index after which it applies, CNY/t)
    leg_rows = []
    cold: float | None = None
    elapsed = 0.0
    for i, leg in enumerate(route.legs):
        offset = int(elapsed // HOURS_PER_WEEK)
        leg_rows.append((i, leg, len(hours), offset))
        leg_hours, leg_temps = leg_stage_temps(network, leg, week_start + elapsed)
        hours.extend(leg_hours)
        temps.extend(leg_temps)
        elapsed += leg.hours
        cold = leg.temp_c if leg.refrigerated else None
        node = network.nodes[leg.destination]
        fee = node.handling_cost_cny_per_t
        if node.id == route.clears_at:
            terms = network.customs.get(route.customs_mode)
            fee += terms.fee_cny_per_t if terms else 0.0
        if isinstance(node, OverseasWarehouse):
            held = node.dwell_hours / HOURS_PER_WEEK + route.abroad_weeks
            fee += node.storage_cost_cny_per_t_week * held
        node_cost.append((len(hours), fee))
        if i == len(route.legs) - 1:
            break
        dwell = node.dwell_hours
        if node.id == route.clears_at:
            terms = network.customs.get(route.customs_mode)
            dwell += getattr(node, "clearance_hours", 0.0) + (
                terms.clearance_hours if terms else 0.0
            )
        if isinstance(node, OverseasWarehouse) and node.temp_c is not None:
            temp = np.full(len(week_start), node.temp_c)
        elif cold is not None:
            temp = np.full(len(week_start), cold)
        else:
            temp = place_temps(network, node.climate, week_start + elapsed)
        hours.append(dwell)
        temps.append(temp)
        elapsed += dwell
        if isinstance(node, OverseasWarehouse) and route.abroad_weeks > 0:
            held = route.abroad_weeks * HOURS_PER_WEEK  # stock, as lot_history holds it
            if node.temp_c is None:
                temp = place_temps(network, node.climate, week_start + elapsed)
            hours.append(held)
            temps.append(temp)
            elapsed += held
    return hours, temps, node_cost, leg_rows


def _warehouse_stops(network: Network, route: Route, week_start: np.ndarray):
    """Where a route's lot reaches an overseas warehouse.

    Yields ``(warehouse, stage index on arrival, whole weeks from dispatch to
    arrival)``: the clock of :func:`results.scoring.arrival_week`.
    """
    if route.warehouse(network) is None:
        return ()
    hours, _, node_cost, _ = _route_stages(network, route, week_start[:1])
    stops = []
    for i, leg in enumerate(route.legs):
        node = network.nodes[leg.destination]
        if isinstance(node, OverseasWarehouse):
            stage = node_cost[i][0]
            stops.append((node, stage, int(sum(hours[:stage]) // HOURS_PER_WEEK)))
    return stops


def _route_cost(
    route,
    alive,
    node_cost,
    leg_rows,
    trade,
    value_per_t,
    uplift,
    premium,
    co2_price,
    network,
) -> tuple[float, float]:
    """Cost per tonne dispatched on a route in one week, and its CO2e tonnes.

    ``trade`` is ``(duty and VAT borne per tonne imported, index of the route's node
    where the goods enter the market's country)`` (:func:`networks.trade.import_charge`):
    charged on the tonnes sound on arrival there, as the evaluator charges it. The
    purchase value of every tonne dispatched is charged in full (sold or lost on the
    way, it was bought), as the evaluator's ``purchase_cost`` and ``spoilage_cost``
    together count it; losses before dispatch are charged where they happen.
    """
    cost = 0.0
    co2 = 0.0
    for _, leg, stage_index, _ in leg_rows:
        entering = alive[stage_index]
        per_t = leg.cost_cny_per_t * (1.0 + (premium if leg.mode == Mode.ROAD else 0.0))
        cost += per_t * entering * uplift
        co2 += entering * leg.distance_km * leg.co2e_g_per_tkm / 1e6
    for stage_index, fee in node_cost:
        cost += fee * alive[stage_index]
    charge, import_node = trade
    if charge:
        # after the leg into that node, all its stages (an ambient leg has one per place)
        arrival_stage = node_cost[import_node - 1][0]
        cost += charge * alive[arrival_stage]
    cost += value_per_t
    cost += co2_price * co2
    return float(cost), float(co2)


def load_ceilings(data: DesignData, trip_use: dict, delivered: dict) -> dict:
    r"""The most each leg-week can carry, where it is below a vehicle's capacity.

    Rows (9) read :math:`\sum e z \le q n + p`. Where no plan worth having puts more
    than :math:`U < q` tonnes on the leg-week, :math:`\sum e z \le U n + p` holds too
    (one whole trip carries all of it; without one, the part load does), and cuts off
    the relaxation's fractions of a trip for a few tonnes (a 4.8 t weekly order on a
    20 t container: 0.24 of a container in the LP, one container or a part load in any
    plan). :math:`U` sums, over what the leg's columns feed:

    - village lots, :math:`b_{vpt}` times the share loaded (no plan ships more);
    - market-weeks, their demand :math:`d_{mpt}` times the most any route into it
      carries on the leg per tonne it delivers (:math:`\alpha_{stage} / \alpha_{end}`,
      the model's least survival; ``inf`` where a route may deliver nothing). A plan
      that delivers more than the demand sells no more: taking the excess tonnes off
      (path by path, tonnes delivered being proportional to tonnes sent) leaves its
      revenue and raises none of the relaxation's costs (tolls, which fewer tonnes could
      make due, are not in them), so a plan as good and within :math:`U` always exists.

    Parameters
    ----------
    data
        The model's data.
    trip_use
        Rows (9)'s columns: ``(leg, week) -> [("x"|"z", key, tonnes per unit)]``.
    delivered
        Share of a route column's tonnes delivered, by key (:math:`\alpha_{end}`).

    Returns
    -------
    dict
        ``(leg id, week) -> ceiling`` where it is below the vehicle's capacity.
    """
    ceilings = {}
    for key, uses in trip_use.items():
        ceiling, into = 0.0, {}
        for kind, k, per in uses:
            if kind == "x":
                village = data.inbound[k[0]][0]
                ceiling += data.supply.get((village, k[1], k[2]), 0.0) * per
                continue
            end = delivered.get(k, 0.0)
            ratio = per / end if end > 1e-8 else math.inf
            market = (data.routes[k[0]].market, k[1], data.route_delivery_week[(k[0], k[2])])
            into[market] = max(into.get(market, 0.0), ratio)
        ceiling += sum(data.demand.get(m, 0.0) * ratio for m, ratio in into.items())
        if ceiling < data.trip_legs[key][1]:
            ceilings[key] = max(ceiling * (1.0 + 1e-9), 1e-6)  # HiGHS keeps entries of 1e-6
    return ceilings
