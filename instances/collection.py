"""A scenario's collection day at one county hub, as a :class:`CollectionProblem`.

What is read from the :class:`~networks.network.Network` (``[collection]`` keys are the
fields of ``network.collection``, a :class:`~networks.settings.CollectionSettings` that
holds their defaults):

- **pickups**: the hub's villages and their fruit for the day: the week's supply of
  perishable products (``supply.csv``), or the tonnes a plan sends through the hub
  (``coldchain solve``'s ``flows.csv``), divided by ``[collection] harvest_days_per_week``.
  Without a plan a village goes to the county hub of its shortest road leg.
  Loading window: the village's picking hours (``pick_start_h``, ``pick_end_h``);
  loading time ``service_h``. A village with more fruit than the largest vehicle that
  can reach it carries is split into equal loads (``V1#1``, ``V1#2``...);
- **fleet**: ``fleet.csv`` rows for this hub or for every hub (empty ``hub``); a vehicle
  of ``size_class`` c reaches villages whose ``road_class`` ranks at least c
  (``tricycle`` < ``van`` < ``truck``);
- **roads**: geodesic distance times ``[collection] circuity``, the village-to-hub
  distance of a road leg where there is one, or shortest paths on the scenario's road
  graph (``[files] road_graph``) or on one given; hours at ``[collection] speed_kmh``
  (mountain roads);
- **rules** (``[collection]``): ``freshness_hours_ambient``, ``freshness_hours_reefer``,
  ``day_start_h``, ``hub_close_h``, ``multiple_trips``;
- **warm cost**, from the product's shelf-life model (``networks.shelf_life``), in the
  per-leg survival view linearised at zero loss: a warm hour at the week's ambient
  temperature ``T`` costs ``value * k(T)`` per tonne (``k`` the survival decay rate,
  ``value`` the farm-gate value), and each hour past the curing grace
  ``value * k(T) * delay_penalty_factor`` more. The grace counts from picking, so the
  router's grace (from loading) is ``curing_grace_hours - wait_hours``. The scenario can
  override the three numbers (``warm_cost_cny_per_t_h``, ``late_cost_cny_per_t_h``,
  ``curing_grace_h``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from networks.collection import CollectionProblem, Pickup, VehicleType
from networks.distances import RoadGraph, geodesic_matrix_km
from networks.errors import Problem, ScenarioError
from networks.network import Network
from networks.nodes import ROAD_CLASSES, NodeKind
from networks.plan import Plan


def week_of_day(network: Network, day: int) -> int:
    """The week (1-based) of a season day (1-based, seven days a week).

    Raises
    ------
    ScenarioError
        If the day falls outside the scenario's weeks.
    """
    weeks = len(network.periods.labels)
    if not (isinstance(day, int) and 1 <= day <= 7 * weeks):
        raise ScenarioError(Problem("--day", "day", f"a day of the season in 1..{7 * weeks}", day))
    return (day - 1) // 7 + 1


def road_leg_km(network: Network, village: str, hub: str) -> float | None:
    """Shortest road leg from a village to a hub, in km (``None`` without a leg)."""
    best = None
    for leg in network.out_legs.get(village, ()):
        if leg.destination == hub and str(leg.mode) == "road":
            best = leg.distance_km if best is None else min(best, leg.distance_km)
    return best


def nearest_hub(network: Network, village: str) -> str | None:
    """The county hub of a village's shortest road leg (``None`` without one)."""
    best, best_km = None, math.inf
    for leg in network.out_legs.get(village, ()):
        node = network.nodes.get(leg.destination)
        if node is not None and node.kind == NodeKind.COUNTY_HUB and str(leg.mode) == "road":
            if leg.distance_km < best_km:
                best, best_km = leg.destination, leg.distance_km
    return best


def hub_tonnes(network: Network, hub: str, week: int, plan: Plan | None = None) -> dict[str, float]:
    """Tonnes per village that a hub collects in a week.

    With a plan: what the plan's flows of that week send from each village through the
    hub. Without: the week's supply of perishable products of the villages whose nearest
    hub is this one.
    """
    out: dict[str, float] = defaultdict(float)
    if plan is not None:
        for flow in plan.flows:
            if flow.week == week and flow.county_hub == hub:
                out[flow.village] += flow.tonnes
        return dict(out)
    perishable = {pid for pid, p in network.products.items() if p.perishable}
    supply = network.supply
    rows = supply[(supply["week"] == week) & supply["product"].isin(perishable)]
    for village, tonnes in rows.groupby("village")["tonnes"].sum().items():
        if nearest_hub(network, str(village)) == hub:
            out[str(village)] += float(tonnes)
    return dict(out)


def _fleet(network: Network, hub: str, villages: list) -> tuple[VehicleType, ...]:
    frame = network.fleet
    if frame is None or frame.empty:
        raise ScenarioError(
            Problem("fleet.csv", "file", "vehicle types for collection routing", "none")
        )
    rank = {c: i for i, c in enumerate(ROAD_CLASSES)}
    types = []
    for row in frame.itertuples(index=False):
        for_hub = "" if isinstance(row.hub, float) and math.isnan(row.hub) else str(row.hub)
        if for_hub.strip() not in ("", hub):
            continue
        size = rank[str(row.size_class)]
        reach = frozenset(v.id for v in villages if rank[v.road_class] >= size)
        types.append(
            VehicleType(
                id=str(row.id),
                count=int(row.count),
                capacity_t=float(row.capacity_t),
                fixed_cost=float(row.fixed_cost_cny),
                cost_per_km=float(row.cost_cny_per_km),
                cost_per_hour=float(row.cost_cny_per_hour),
                speed_factor=float(row.speed_factor),
                reefer=bool(row.reefer),
                max_shift_hours=float(row.max_shift_hours),
                max_trips=int(row.max_trips),
                allowed_nodes=None if len(reach) == len(villages) else reach,
            )
        )
    if not types:
        raise ScenarioError(
            Problem("fleet.csv", "hub", f"a vehicle type for hub {hub} (or for every hub)", "none")
        )
    return tuple(types)


def _warm_costs(network: Network, week: int, tonnes: Mapping[str, float]):
    settings = network.collection
    given = (
        settings.warm_cost_cny_per_t_h,
        settings.late_cost_cny_per_t_h,
        settings.curing_grace_h,
    )
    if all(v is not None for v in given):
        return tuple(float(v) for v in given)
    supply = network.supply
    rows = supply[(supply["week"] == week) & supply["village"].isin(list(tonnes))]
    by_product = rows.groupby("product")["tonnes"].sum().sort_values(ascending=False)
    product = None
    for pid in by_product.index:
        if network.products[pid].perishable:
            product = network.products[pid]
            break
    if product is None:
        product = next((p for p in network.products.values() if p.perishable), None)
    if product is None:
        return 0.0, 0.0, 0.0
    life = product.shelf_life
    temp = network.periods.ambient(week)
    value = product.value_cny_per_kg * 1000.0
    k = float(life.k_per_hour(temp))
    k_late = float(life.k_per_hour(temp, uncooled_past_grace=True))
    wait = float(settings.wait_hours)
    warm, late, grace = given
    warm = float(value * k if warm is None else warm)
    late = float(value * (k_late - k) if late is None else late)
    grace = float(max(0.0, life.curing_grace_hours - wait) if grace is None else grace)
    return warm, late, grace


def collection_problem(
    network: Network,
    hub: str,
    day: int = 1,
    plan: Plan | None = None,
    tonnes: Mapping[str, float] | None = None,
    road_graph: RoadGraph | None = None,
) -> CollectionProblem:
    """One day's collection at a county hub.

    Parameters
    ----------
    network
        The scenario.
    hub
        County hub id.
    day
        Day of the season (1-based; day 8 is the first day of week 2).
    plan
        A plan (``coldchain solve``): route the villages it sends through the hub.
    tonnes
        Tonnes per village for the day, instead of the scenario's supply or the plan.
    road_graph
        Road graph for shortest-path distances between all places (instead of geodesic
        times circuity, and of the road legs' distances); default: the scenario's
        (``road_graph`` file), if it has one.

    Returns
    -------
    CollectionProblem
        Named ``HUB day N``.

    Raises
    ------
    ScenarioError
        For an unknown hub, a day outside the season, a missing fleet.
    """
    node = network.nodes.get(hub)
    if node is None or node.kind != NodeKind.COUNTY_HUB:
        hubs = ", ".join(h.id for h in network.county_hubs)
        raise ScenarioError(Problem("--hub", "hub", f"a county hub ({hubs})", hub))
    settings = network.collection
    week = week_of_day(network, day)
    days = float(settings.harvest_days_per_week)
    if tonnes is None:
        weekly = hub_tonnes(network, hub, week, plan)
        tonnes = {v: t / days for v, t in weekly.items()}
    villages = [network.nodes[v] for v in sorted(tonnes) if tonnes[v] > 1e-9]
    for v in villages:
        if v.kind != NodeKind.VILLAGE:
            raise ScenarioError(Problem("tonnes", "village", "a village id", v.id))
    fleet = _fleet(network, hub, villages)

    pickups: list[Pickup] = []
    places = [node]
    for village in villages:
        reach = [v.capacity_t for v in fleet if v.count > 0 and v.may_serve(village.id)]
        largest = max(reach) if reach else math.inf
        total = float(tonnes[village.id])
        parts = max(1, math.ceil(total / largest - 1e-9)) if math.isfinite(largest) else 1
        for part in range(parts):
            pickups.append(
                Pickup(
                    node=village.id,
                    tonnes=total / parts,
                    window_start_h=village.pick_start_h,
                    window_end_h=village.pick_end_h,
                    service_h=village.service_h,
                    id=village.id if parts == 1 else f"{village.id}#{part + 1}",
                )
            )
            places.append(village)

    lon = np.array([p.lon for p in places])
    lat = np.array([p.lat for p in places])
    if road_graph is None:
        road_graph = network.road_graph
    if road_graph is not None:
        km = np.asarray(road_graph.distance_matrix_km(lon, lat, lon, lat), dtype=float)
        cut_off = [
            p.id for p, km_to_hub in zip(places, km[:, 0], strict=True) if np.isinf(km_to_hub)
        ]
        if cut_off:
            raise ScenarioError(
                Problem(
                    network.origins.get("file:road_graph", ("road_graph", None))[0],
                    "village",
                    f"a village the road graph connects to hub {hub}",
                    ", ".join(dict.fromkeys(cut_off)),
                )
            )
    else:
        circuity = float(settings.circuity)
        km = geodesic_matrix_km(lon, lat, lon, lat) * circuity
        for i, place in enumerate(places[1:], start=1):
            leg_km = road_leg_km(network, place.id, hub)
            if leg_km is not None:
                km[i, 0] = km[0, i] = leg_km
    same = np.array([[a.id == b.id for b in places] for a in places])
    km[same] = 0.0
    speed = float(settings.speed_kmh)
    warm, late, grace = _warm_costs(network, week, tonnes)
    return CollectionProblem(
        hub=hub,
        pickups=tuple(pickups),
        fleet=fleet,
        distance_km=np.round(km, 3),
        travel_h=np.round(km / speed, 4),
        freshness_ambient_h=float(settings.freshness_hours_ambient),
        freshness_reefer_h=float(settings.freshness_hours_reefer),
        warm_cost_per_t_h=warm,
        late_cost_per_t_h=late,
        curing_grace_h=grace,
        day_start_h=float(settings.day_start_h),
        hub_close_h=float(settings.hub_close_h),
        multi_trip=bool(settings.multiple_trips),
        name=f"{hub} day {day}",
    )
