"""The one evaluator: scores any plan (hand-made or optimized) on its network.

Pure functions of (network, plan, regime). Every lot is followed along its full path
with the exact shelf-life model (:meth:`networks.shelf_life.ShelfLife.path_loss`);
fruit found spoiled is sorted out where it is found, so each leg carries (and is paid
for) the tonnes still sound when it starts. Every tonne shipped is bought at the
product's purchase (farm-gate) value: ``purchase_cost`` for the tonnes delivered,
``spoilage_cost`` for the tonnes lost; freight and handling already spent on spoiled
fruit stay where they were spent. Duty and import VAT are charged on the tonnes sound
when they enter the market's country, per :func:`networks.trade.import_charge` (customs
value as the country defines it, de minimis, VAT recovered or borne), the rule the
design model applies too. Trips and containers are counted per shipper, leg and week
and rounded up, so a half-empty reefer costs a full one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from networks.errors import PlanError, ProblemCollector
from networks.firms import load_cost_tolled, part_load_rate, trip_terms
from networks.network import Network
from networks.nodes import CountyHub, NodeKind, OverseasWarehouse
from networks.plan import PATH_SEPARATOR, THIRD_PARTY, Plan
from networks.timeline import customs_mode_fits, customs_node
from results.scoring import FlowScorer, hub_atmosphere, origin_country

COST_KEYS = (
    "hub_cost",
    "transport_cost",
    "handling_cost",
    "storage_cost",
    "customs_cost",
    "tariff_cost",
    "purchase_cost",
    "spoilage_cost",
)
TOLERANCE_T = 1e-6
#: Relative slack on cold-store occupancy: the optimizer's inbound factors and the
#: evaluator's survival view of the same prefix can differ slightly in how they split
#: the pre-cooling delay.
STORAGE_TOLERANCE = 0.005


#: Columns of the evaluation's ``trips`` table: freight bought per shipper, leg and week.
TRIP_COLUMNS = [
    "shipper",
    "leg",
    "week",
    "tonnes",
    "trips",
    "capacity_t",
    "part_load_t",
    "fill",
    "tolled_trips",
    "cost",
]
#: Columns of the evaluation's ``warehouses`` table.
WAREHOUSE_COLUMNS = [
    "warehouse",
    "week",
    "received_t",
    "capacity_t_per_week",
    "stock_t",
    "stock_capacity_t",
]


@dataclass(frozen=True)
class Evaluation:
    """The score of a plan.

    Parameters
    ----------
    totals
        One flat mapping: costs by kind (CNY) and ``total_cost``, ``spoilage_t``,
        ``spoilage_rate``, ``co2_t``, ``delivered_t``, delivery days, revenue...
        (read it through :meth:`kpis`)
    flows
        One row per path flow with its delivered, spoiled tonnes and costs.
    hubs
        Hub use by week: ``hub, size, week, throughput_t, storage_t``.
    deliveries
        ``market, product, week, demand_t, delivered_t, sold_t, price_cny_per_t``.
    trips
        Freight bought on legs sold by the trip, per shipper, leg and week
        (:data:`TRIP_COLUMNS`): tonnes loaded, whole trips, their capacity, tonnes sent
        as a part load, the whole trips' fill and the cost (CNY, 3PL margin included).
    warehouses
        Overseas warehouse use by week where the plan uses one
        (:data:`WAREHOUSE_COLUMNS`): tonnes received and held as stock, and the
        warehouse's capacities.
    """

    totals: MappingProxyType
    flows: pd.DataFrame
    hubs: pd.DataFrame
    deliveries: pd.DataFrame = field(default_factory=pd.DataFrame)
    trips: pd.DataFrame = field(default_factory=pd.DataFrame)
    warehouses: pd.DataFrame = field(default_factory=pd.DataFrame)

    def kpis(self) -> dict:
        """The plan's key figures, one flat mapping (what ``kpis.json`` holds)."""
        return dict(self.totals)

    def to_frame(self) -> pd.DataFrame:
        """The per-flow table."""
        return self.flows

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The tables of an evaluation run folder: flows, hubs, deliveries, trips."""
        return {
            "flows": self.flows,
            "hubs": self.hubs,
            "deliveries": self.deliveries,
            "trips": self.trips,
            "warehouses": self.warehouses,
        }


def check_plan(network: Network, plan: Plan, label: str = "plan") -> None:
    """Reject a plan that cannot be carried out, naming each bad row.

    Raises
    ------
    PlanError
        A week outside the scenario's, a product sent where it is not admitted, a leg
        that does not exist, more flow
        out of a village than it grows, a hub not opened or over its size's capacity, a
        missing or unavailable customs mode, a firm shipping another firm's fruit.
    """
    problems = ProblemCollector()
    hubs_file = plan.source.hubs_file if plan.source else f"{label}.hubs"
    hub_lines = plan.source.hub_lines if plan.source else {}
    for hub_id, size in plan.hubs.items():
        hub = network.nodes.get(hub_id)
        line = hub_lines.get(hub_id)
        if not isinstance(hub, CountyHub):
            problems.add(hubs_file, "hub", "a county_hub id", hub_id, line=line)
        elif size not in {s.name for s in hub.sizes}:
            problems.add(
                hubs_file,
                "size",
                f"a size of {hub_id} ({', '.join(s.name for s in hub.sizes)})",
                size,
                line=line,
            )
    drawn: dict[tuple[str, str, int], float] = defaultdict(float)
    drawn_row: dict[tuple[str, str, int], int] = {}
    for index, flow in enumerate(plan.flows):
        row = plan.line(index)

        def bad(field_: str, expected: str, got: Any, row: int = row) -> None:
            problems.add(label, field_, expected, got, line=row)

        unknown = [n for n in flow.nodes if n not in network.nodes]
        if unknown:
            bad("path", "node ids of nodes.csv", ", ".join(unknown))
            continue
        weeks = network.periods.weeks
        if flow.week not in weeks:
            bad("week", f"a week of the scenario ({weeks[0]} to {weeks[-1]})", flow.week)
            continue
        kinds = [network.nodes[n].kind for n in flow.nodes]
        if (
            kinds[0] != NodeKind.VILLAGE
            or len(kinds) < 3
            or kinds[1] != NodeKind.COUNTY_HUB
            or kinds[-1] != NodeKind.MARKET
        ):
            bad("path", "village > county_hub > ... > market", PATH_SEPARATOR.join(flow.nodes))
            continue
        for leg_id in flow.leg_ids:
            if leg_id not in network.legs_by_id:
                bad("services", "legs of the network", f"no leg {leg_id}")
        if flow.product not in network.products:
            bad("product", "a product of scenario.toml", flow.product)
            continue
        market = network.nodes[flow.market]
        origin = origin_country(network, flow)
        if not network.products[flow.product].admitted_in(market.country, origin):
            access = network.products[flow.product].access.get(market.country)
            terms = f": {access.condition}" if access and access.condition else ""
            bad(
                "product",
                f"a product admitted in {market.country} from {origin} ({flow.market}){terms}",
                flow.product,
            )
        if flow.county_hub not in plan.hubs:
            bad("path", f"a hub the plan opens ({', '.join(plan.hubs) or 'none'})", flow.county_hub)
        owner = network.nodes[flow.village].firm
        if owner and flow.firm != owner:
            bad("firm", f"{owner} (who owns {flow.village})", flow.firm)
        if flow.shipper not in (flow.firm, THIRD_PARTY):
            bad("shipper", f"{flow.firm} or {THIRD_PARTY}", flow.shipper)
        cross_border = market.country != origin_country(network, flow)
        if cross_border:
            if not flow.customs_mode:
                bad("customs_mode", "a customs mode for a cross-border path", "none")
            elif customs_node(network, flow.nodes, flow.customs_mode) is None:
                bad(
                    "customs_mode",
                    "a mode run where the path first meets customs",
                    flow.customs_mode,
                )
            elif all(i in network.legs_by_id for i in flow.leg_ids) and not customs_mode_fits(
                network,
                flow.nodes,
                tuple(network.legs_by_id[i] for i in flow.leg_ids),
                flow.customs_mode,
            ):
                bad(
                    "customs_mode",
                    "a mode that may carry this path: 9610 or 1210 exactly when the last "
                    "leg is a parcel (retail parcels), 9810 through an overseas warehouse, "
                    "9710 wholesale not through one, 0110 any wholesale path",
                    flow.customs_mode,
                )
        elif flow.customs_mode:
            bad("customs_mode", "none on a domestic path", flow.customs_mode)
        if flow.storage_weeks < 0:
            bad("storage_weeks", "an integer >= 0", flow.storage_weeks)
        limit = network.products[flow.product].max_storage_weeks
        if limit is not None and flow.storage_weeks > limit:
            bad(
                "storage_weeks",
                f"at most {limit} (the longest {flow.product} may stay in a cold store)",
                flow.storage_weeks,
            )
        if flow.abroad_weeks < 0:
            bad("abroad_weeks", "an integer >= 0", flow.abroad_weeks)
        elif flow.abroad_weeks > 0:
            if not any(isinstance(network.nodes.get(n), OverseasWarehouse) for n in flow.nodes):
                bad("abroad_weeks", "0 on a path through no overseas warehouse", flow.abroad_weeks)
            elif limit is not None and flow.abroad_weeks > limit:
                bad(
                    "abroad_weeks",
                    f"at most {limit} (the longest {flow.product} may stay in a cold store)",
                    flow.abroad_weeks,
                )
        drawn[(flow.village, flow.product, flow.week)] += flow.tonnes
        drawn_row[(flow.village, flow.product, flow.week)] = row
    supply = network.supply.groupby(["village", "product", "week"])["tonnes"].sum()
    for (village, product, week), tonnes in sorted(drawn.items()):
        grown = float(supply.get((village, product, week), 0.0))
        if tonnes > grown + TOLERANCE_T * max(1.0, grown):
            problems.add(
                label,
                "tonnes",
                f"at most the {grown:g} t {village} grows of {product} in week {week} "
                "(this row brings the plan's total over it)",
                f"{tonnes:g} t",
                line=drawn_row[(village, product, week)],
            )
    problems.raise_if_any(PlanError)


def freight_cost(
    network: Network,
    shipper: str,
    leg_id: str,
    tonnes: float,
    margin_3pl: float,
    other_t: float = 0.0,
) -> tuple[float, int, float, float, int]:
    """What ``shipper`` pays for ``tonnes`` on a leg sold by the trip in one week.

    The cheapest mix of whole trips and a part load, whole trips paying the leg's toll
    unless the green channel exempts them (:func:`networks.firms.load_cost_tolled`;
    ``other_t`` of the tonnes are goods that are not listed produce), at the shipper's
    terms (:func:`networks.firms.trip_terms`: a firm's own vehicles on road legs;
    :func:`networks.firms.part_load_rate`), the 3PL's margin added where the 3PL ships:
    how :func:`evaluate` prices each shipper, leg and week.

    Returns
    -------
    tuple
        ``(cost, whole trips, part-load tonnes, tonnes a whole trip carries, whole trips
        that pay the toll)``.
    """
    leg = network.legs_by_id[leg_id]
    firm = network.firms.get(shipper)
    per_trip, capacity = trip_terms(leg, firm)
    cost, whole, part_t, tolled = load_cost_tolled(
        tonnes, per_trip, capacity, part_load_rate(leg, firm), leg.toll_cny_per_trip, other_t
    )
    uplift = (1.0 + margin_3pl) if shipper == THIRD_PARTY else 1.0
    return cost * uplift, whole, part_t, capacity, tolled


def evaluate(
    network: Network,
    plan: Plan,
    regime: str | None = None,
    label: str = "plan",
    check: bool = True,
) -> Evaluation:
    """Score a plan with the exact evaluator.

    Parameters
    ----------
    network
        The network the plan runs on.
    plan
        The plan.
    regime
        Tariff regime name (default: the scenario's).
    label
        How to name the plan in messages.
    check
        Check the plan first (:func:`check_plan`).

    Returns
    -------
    Evaluation
    """
    if check:
        check_plan(network, plan, label)
    scorer = FlowScorer(network, regime)
    margin_3pl = scorer.margin_3pl

    trip_load: dict[tuple[str, str, int], float] = defaultdict(float)
    trip_other: dict[tuple[str, str, int], float] = defaultdict(float)  # not listed produce
    trip_members: dict[tuple[str, str, int], list[tuple[int, float]]] = defaultdict(list)
    throughput: dict[tuple[str, int], float] = defaultdict(float)
    storage: dict[tuple[str, int], float] = defaultdict(float)
    received: dict[tuple[str, int], float] = defaultdict(float)
    stock: dict[tuple[str, int], float] = defaultdict(float)
    rows = []
    last_row: dict[tuple, int] = {}  # the last plan row that loads a hub or warehouse in a week
    for index, flow in enumerate(plan.flows):
        row_number = plan.line(index)
        score = scorer.score(flow, hub_atmosphere(network, plan.hubs, flow.county_hub))
        rows.append(dict(score.row))
        listed = network.products[flow.product].green_channel
        for key, tonnes in score.loads:
            trip_load[key] += tonnes
            trip_members[key].append((index, tonnes))
            if not listed:
                trip_other[key] += tonnes
        for name, counts, pairs in (
            ("throughput", throughput, score.throughput),
            ("storage", storage, score.storage),
            ("received", received, score.received),
            ("stock", stock, score.stock),
        ):
            for key, tonnes in pairs:
                counts[key] += tonnes
                last_row[(name, *key)] = row_number
    # Freight as it is sold, per shipper, leg and week: the cheaper mix of whole trips
    # and part loads, whole trips paying the leg's toll unless the green channel exempts
    # them (networks.firms.load_cost_tolled; the design model's rows (9) and the path
    # model's rows (P3) price it alike);
    # its cost is shared among the rows that ride it in proportion to tonnes (so margins
    # by market and by firm add up).
    freight = []
    for key, tonnes in trip_load.items():
        cost, whole, part_t, capacity, tolled = freight_cost(
            network, key[0], key[1], tonnes, margin_3pl, trip_other.get(key, 0.0)
        )
        for index, share in trip_members[key]:
            rows[index]["transport_cost"] += cost * share / tonnes if tonnes > 0 else 0.0
        freight.append(
            {
                "shipper": key[0],
                "leg": key[1],
                "week": key[2],
                "tonnes": tonnes,
                "trips": whole,
                "capacity_t": capacity,
                "part_load_t": part_t,
                "fill": (tonnes - part_t) / (whole * capacity) if whole else float("nan"),
                "tolled_trips": tolled,
                "cost": cost,
            }
        )
    trips = pd.DataFrame(freight, columns=TRIP_COLUMNS).sort_values(
        ["shipper", "leg", "week"], ignore_index=True
    )
    flows = pd.DataFrame(rows)
    hub_cost = sum(network.nodes[h].size(s).fixed_cost_cny for h, s in plan.hubs.items())
    hubs = _hub_use(network, plan, throughput, storage, label, last_row)
    warehouses = _warehouse_use(network, received, stock, label, last_row)
    deliveries = _deliveries(network, flows)
    kpis = _kpis(network, flows, hub_cost, deliveries)
    return Evaluation(MappingProxyType(kpis), flows, hubs, deliveries, trips, warehouses)


def _warehouse_use(network, received, stock, label, last_row) -> pd.DataFrame:
    """Overseas warehouses' weekly use, checked against their capacities."""
    problems = ProblemCollector()
    rows = []
    for warehouse_id, week in sorted(set(received) | set(stock)):
        node = network.nodes[warehouse_id]
        r, s = received.get((warehouse_id, week), 0.0), stock.get((warehouse_id, week), 0.0)
        rows.append(
            {
                "warehouse": warehouse_id,
                "week": week,
                "received_t": r,
                "capacity_t_per_week": node.capacity_t_per_week,
                "stock_t": s,
                "stock_capacity_t": node.stock_capacity_t,
            }
        )
        for kind, tonnes, cap, field_name, what in (
            ("received", r, node.capacity_t_per_week, "tonnes", "received at"),
            ("stock", s, node.stock_capacity_t, "abroad_weeks", "held as stock in"),
        ):
            if tonnes > cap * (1 + 1e-6) + TOLERANCE_T:
                problems.add(
                    label,
                    field_name,
                    f"at most {cap:g} t {what} {warehouse_id} in week {week} (this row "
                    "brings the plan's total over it)",
                    f"{tonnes:.3f} t",
                    line=last_row.get((kind, warehouse_id, week)),
                )
    problems.raise_if_any(PlanError)
    return pd.DataFrame(rows, columns=WAREHOUSE_COLUMNS)


def _hub_use(network, plan, throughput, storage, label, last_row) -> pd.DataFrame:
    problems = ProblemCollector()
    rows = []
    for hub_id, size_name in sorted(plan.hubs.items()):
        size = network.nodes[hub_id].size(size_name)
        for week in network.periods.weeks:
            t, s = throughput.get((hub_id, week), 0.0), storage.get((hub_id, week), 0.0)
            rows.append(
                {
                    "hub": hub_id,
                    "size": size_name,
                    "week": week,
                    "received_t": t,
                    "throughput_capacity_t": size.throughput_t_per_week,
                    "storage_t": s,
                    "storage_capacity_t": size.cold_storage_t,
                }
            )
            if t > size.throughput_t_per_week * (1 + 1e-6) + TOLERANCE_T:
                problems.add(
                    label,
                    "tonnes",
                    f"at most {size.throughput_t_per_week:g} t "
                    f"through {hub_id} ({size_name}) in week {week} (this row brings "
                    "the plan's total over it)",
                    f"{t:.3f} t",
                    line=last_row.get(("throughput", hub_id, week)),
                )
            if s > size.cold_storage_t * (1 + STORAGE_TOLERANCE) + TOLERANCE_T:
                problems.add(
                    label,
                    "storage_weeks",
                    f"at most {size.cold_storage_t:g} t in {hub_id}'s cold store in week {week}"
                    " (this row brings the plan's total over it)",
                    f"{s:.3f} t",
                    line=last_row.get(("storage", hub_id, week)),
                )
    problems.raise_if_any(PlanError)
    return pd.DataFrame(rows)


def _deliveries(network: Network, flows: pd.DataFrame) -> pd.DataFrame:
    demand = network.demand.groupby(["market", "product", "week"], as_index=False).agg(
        demand_t=("tonnes", "sum"), price_cny_per_t=("price_cny_per_t", "mean")
    )
    if flows.empty:
        delivered = pd.DataFrame(columns=["market", "product", "week", "delivered_t"])
    else:
        delivered = (
            flows.groupby(["market", "product", "delivery_week"], as_index=False)["delivered_t"]
            .sum()
            .rename(columns={"delivery_week": "week"})
        )
    table = demand.merge(delivered, on=["market", "product", "week"], how="outer")
    table[["demand_t", "delivered_t"]] = table[["demand_t", "delivered_t"]].fillna(0.0)
    table["price_cny_per_t"] = table["price_cny_per_t"].fillna(0.0)
    table["sold_t"] = table[["demand_t", "delivered_t"]].min(axis=1)
    return table


def _kpis(network, flows: pd.DataFrame, hub_cost, deliveries) -> dict:
    def total(column: str, mask=None) -> float:
        if flows.empty:
            return 0.0
        values = flows[column] if mask is None else flows.loc[mask, column]
        return float(values.sum())

    costs = {
        "hub_cost": float(hub_cost),
        "transport_cost": total("transport_cost"),
        "handling_cost": total("handling_cost"),
        "storage_cost": total("storage_cost"),
        "customs_cost": total("customs_cost"),
        "tariff_cost": total("tariff_cost"),
        "purchase_cost": total("purchase_cost"),
        "spoilage_cost": total("spoilage_cost"),
    }
    perishable = flows["perishable"].astype(bool) if not flows.empty else None
    shipped_p = total("tonnes", perishable)
    spoiled_p = total("spoiled_t", perishable)
    delivered = total("delivered_t")
    weights = flows["delivered_t"] if not flows.empty else pd.Series(dtype=float)
    mean_days = (
        float((flows["delivery_days"] * weights).sum() / weights.sum()) if delivered > 0 else 0.0
    )
    revenue = float((deliveries["sold_t"] * deliveries["price_cny_per_t"]).sum())
    kpis: dict[str, Any] = {"total_cost": sum(costs.values()), **costs}
    survival_view = (
        total("survival_view_loss_fraction")
        if flows.empty
        else float((flows["survival_view_loss_fraction"] * flows["tonnes"])[perishable].sum())
    )
    kpis.update(
        {
            "shipped_t": total("tonnes"),
            "delivered_t": delivered,
            "spoilage_t": total("spoiled_t"),
            "spoilage_rate": spoiled_p / shipped_p if shipped_p > 0 else 0.0,
            "spoilage_t_survival_view": survival_view,
            "co2_t": total("co2_t"),
            "mean_delivery_days": mean_days,
            "worst_delivery_days": float(flows["delivery_days"].max()) if not flows.empty else 0.0,
            "demand_t": float(deliveries["demand_t"].sum()),
            "unmet_demand_t": float((deliveries["demand_t"] - deliveries["sold_t"]).sum()),
            "revenue": revenue,
            "margin": revenue - sum(costs.values()),
            "duty": total("duty"),
            "import_vat": total("import_vat"),
            "import_vat_recovered": total("import_vat") - (total("tariff_cost") - total("duty")),
        }
    )
    variable = [c for c in COST_KEYS if c != "hub_cost"]
    cost_by_market = (
        flows.assign(cost=flows[variable].sum(axis=1)).groupby("market")["cost"].sum()
        if not flows.empty
        else pd.Series(dtype=float)
    )
    for market, group in deliveries.groupby("market"):
        kpis[f"delivered_t.{market}"] = float(group["delivered_t"].sum())
        market_revenue = float((group["sold_t"] * group["price_cny_per_t"]).sum())
        kpis[f"revenue.{market}"] = market_revenue
        # margin before hub fixed costs, which serve every market
        kpis[f"margin.{market}"] = market_revenue - float(cost_by_market.get(market, 0.0))
    return kpis
