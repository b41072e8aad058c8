"""One path flow scored exactly: the evaluator's arithmetic for a single plan row.

:func:`results.evaluate.evaluate` scores a plan row by row with :class:`FlowScorer`, then
prices the freight bought by the trip (whole trucks and containers, per shipper, leg and
week) over all rows together. Everything a row costs apart from those trips is linear in
its tonnes, so the score of a row of one tonne is the row's cost *per tonne*: the exact
path model (:mod:`optimizer.design.paths`) takes its coefficients from here, which is
why its objective and the evaluator's margin are the same number for the plan it
returns.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from networks.legs import Leg, Mode
from networks.lots import LotHistory, PathLoss, Segment
from networks.network import Network
from networks.nodes import CountyHub, OverseasWarehouse
from networks.plan import PATH_SEPARATOR, THIRD_PARTY, PathFlow
from networks.timeline import HOURS_PER_WEEK, PathTimeline, customs_node, lot_history
from networks.trade import import_charge

#: The stages a row's loss is split over: the wait in the village before loading, the
#: legs by mode (:class:`networks.legs.Mode`), the county hub (pre-cooling or dwell, and
#: cold storage) and the other nodes (dwell, customs).
SPOILAGE_STAGES = ("village", *(str(mode) for mode in Mode), "hub", "node")
#: The ``flows`` columns that hold them: tonnes sound entering the stage minus tonnes
#: sound leaving it; over a row they add up to its ``spoiled_t``.
SPOILAGE_COLUMNS = tuple(f"spoiled_t.{stage}" for stage in SPOILAGE_STAGES)


@dataclass(frozen=True)
class FlowScore:
    """What one path flow costs, delivers and occupies (for its ``tonnes``).

    Parameters
    ----------
    row
        The flow's row of the evaluation's ``flows`` table (trip freight not yet
        added to ``transport_cost``).
    loads
        Tonnes entering each leg sold by the trip: ``((shipper, leg, week), tonnes)``.
    throughput
        Tonnes received at a county hub: ``((hub, week), tonnes)``.
    storage
        Tonnes in a hub's cold store: ``((hub, week), tonnes)``, one per week stored.
    received
        Tonnes arriving at an overseas warehouse: ``((warehouse, week), tonnes)``, in the
        week the lot arrives (the trip clock of :func:`trip_week`).
    stock
        Tonnes held as stock in an overseas warehouse: ``((warehouse, week), tonnes)``,
        one per week held (``abroad_weeks``), counted as they arrived.
    """

    row: dict[str, Any]
    loads: tuple[tuple[tuple[str, str, int], float], ...]
    throughput: tuple[tuple[tuple[str, int], float], ...]
    storage: tuple[tuple[tuple[str, int], float], ...]
    received: tuple[tuple[tuple[str, int], float], ...] = ()
    stock: tuple[tuple[tuple[str, int], float], ...] = ()


def origin_country(network: Network, flow: PathFlow) -> str:
    """The country a flow's fruit grows in."""
    return network.nodes[flow.village].country


def hub_atmosphere(network: Network, hubs: dict[str, str], hub_id: str) -> str:
    """The atmosphere of ``hub_id``'s cold store at the size ``hubs`` opens it."""
    hub = network.nodes[hub_id]
    size = hubs.get(hub_id)
    if isinstance(hub, CountyHub) and size is not None:
        return str(hub.size(size).atmosphere)
    return "air"


class FlowScorer:
    """Scores path flows on one network under one tariff regime.

    Parameters
    ----------
    network
        The network.
    regime
        Tariff regime name (default: the scenario's).
    """

    def __init__(self, network: Network, regime: str | None = None) -> None:
        self.network = network
        self.tariffs = network.regime(regime)
        self.margin_3pl = float(network.consolidation.margin)

    def score(self, flow: PathFlow, atmosphere: str) -> FlowScore:
        """Score ``flow`` with its hub's cold store in ``atmosphere``.

        Every lot is followed along its full path with the exact shelf-life model; fruit
        found spoiled is sorted out where it is found, so each leg carries (and is paid
        for) the tonnes still sound when it starts; every tonne is bought at the
        product's purchase value (``purchase_cost`` delivered, ``spoilage_cost`` lost);
        duty and the import VAT not recovered (:func:`networks.trade.import_charge`) on
        the tonnes sound on arrival at the first node in the market's country. The row's
        loss is also split by stage (:data:`SPOILAGE_COLUMNS`, :func:`spoilage_by_stage`).
        """
        network = self.network
        product = network.products[flow.product]
        shelf = product.shelf_life
        legs = tuple(network.legs_by_id[i] for i in flow.leg_ids)
        timeline = lot_history(
            network,
            flow.nodes,
            legs,
            flow.week,
            flow.storage_weeks,
            flow.precool,
            flow.wait_hours,
            flow.customs_mode,
            atmosphere,
            flow.abroad_weeks,
        )
        segments = timeline.history.segments

        def loss_before(index: int) -> float:
            if shelf is None or index == 0:
                return 0.0
            return path_loss(shelf, segments[:index]).loss_fraction

        if shelf is not None:
            full = path_loss(shelf, segments)
            loss, survival_loss = full.loss_fraction, full.survival_loss_fraction
        else:
            loss = survival_loss = 0.0
        x = flow.tonnes
        firm = network.firms.get(flow.shipper) if flow.shipper != THIRD_PARTY else None
        premium = firm.part_load_premium if firm is not None else 0.0
        uplift = (1.0 + self.margin_3pl) if flow.shipper == THIRD_PARTY else 1.0

        loads, throughput, storage, received, stock = [], [], [], [], []
        transport = handling = storage_cost = customs = co2_g = 0.0
        for i, leg in enumerate(legs):
            start = timeline.leg_start[i]
            entering = x * (1.0 - loss_before(start))
            per_t = leg.cost_cny_per_t * (1.0 + (premium if leg.mode == Mode.ROAD else 0.0))
            transport += per_t * entering * uplift
            if math.isfinite(leg.trip_capacity_t) and leg.cost_cny_per_trip > 0:
                loads.append(((flow.shipper, leg.id, trip_week(flow, timeline, i)), entering))
            co2_g += entering * leg.distance_km * leg.co2e_g_per_tkm
            node = network.nodes[leg.destination]
            arriving = x * (1.0 - loss_before(timeline.leg_end[i]))
            handling += node.handling_cost_cny_per_t * arriving
            if isinstance(node, CountyHub):
                throughput.append(((node.id, flow.week), x))  # tonnes picked and received
                if flow.precool and node.precooling:
                    handling += node.precool_cost_cny_per_t * arriving
                stored = stored_by_week(shelf, segments, flow.storage_weeks, x)
                storage.extend(((node.id, flow.week + k), t) for k, t in enumerate(stored))
                storage_cost += node.storage_cost_cny_per_t_week * sum(stored)
            elif isinstance(node, OverseasWarehouse):
                held = node.dwell_hours / HOURS_PER_WEEK + flow.abroad_weeks
                storage_cost += node.storage_cost_cny_per_t_week * arriving * held
                arrival = arrival_week(flow, timeline, i)
                received.append(((node.id, arrival), arriving))
                stock.extend(((node.id, arrival + k), arriving) for k in range(flow.abroad_weeks))
            if flow.customs_mode and node.id == customs_node(
                network, flow.nodes, flow.customs_mode
            ):
                terms = network.customs.get(flow.customs_mode)
                customs += (terms.fee_cny_per_t if terms else 0.0) * arriving
        delivered = x * (1.0 - loss)
        after_hub = (
            sum(seg.hours for seg in segments[timeline.leg_start[1] :]) if len(legs) > 1 else 0.0
        )
        delivery_week = flow.week + flow.storage_weeks + int(after_hub // HOURS_PER_WEEK)
        charge = import_charge(
            network, flow.nodes, legs, flow.product, flow.customs_mode, self.tariffs
        )
        imported = duty = vat = vat_cost = customs_value = 0.0
        if charge is not None:  # tonnes sound on arrival at the first node abroad
            imported = x * (1.0 - loss_before(timeline.leg_end[charge.import_node - 1]))
            customs_value = charge.customs_value
            duty, vat, vat_cost = (imported * v for v in (charge.duty, charge.vat, charge.vat_cost))
        value_per_t = product.value_cny_per_kg * 1000.0
        row = {
            "firm": flow.firm,
            "shipper": flow.shipper,
            "product": flow.product,
            "week": flow.week,
            "tonnes": x,
            "path": PATH_SEPARATOR.join(flow.nodes),
            "services": PATH_SEPARATOR.join(flow.services),
            "customs_mode": flow.customs_mode,
            "storage_weeks": flow.storage_weeks,
            "abroad_weeks": flow.abroad_weeks,
            "precool": flow.precool,
            "market": flow.market,
            "delivery_week": delivery_week,
            "delivered_t": delivered,
            "spoiled_t": x - delivered,
            "loss_fraction": loss,
            "survival_view_loss_fraction": survival_loss,
            "hours_to_cooling": full.hours_before_cooling if shelf is not None else math.nan,
            "delivery_days": timeline.hours / 24.0,
            "transport_cost": transport,
            "handling_cost": handling,
            "storage_cost": storage_cost,
            "customs_cost": customs,
            "imported_t": imported,
            "customs_value_cny_per_t": customs_value,
            "duty": duty,
            "import_vat": vat,
            "tariff_cost": duty + vat_cost,
            "purchase_cost": delivered * value_per_t,
            "spoilage_cost": (x - delivered) * value_per_t,
            "co2_t": co2_g / 1e6,
            "perishable": shelf is not None,
        }
        row.update(
            spoilage_by_stage(
                network, flow.nodes, legs, timeline, lambda k: x * (1.0 - loss_before(k))
            )
        )
        return FlowScore(
            row, tuple(loads), tuple(throughput), tuple(storage), tuple(received), tuple(stock)
        )


def spoilage_by_stage(
    network: Network,
    nodes: tuple[str, ...],
    legs: tuple[Leg, ...],
    timeline: PathTimeline,
    sound: Callable[[int], float],
) -> dict[str, float]:
    """Tonnes a lot loses on each kind of stage of its path.

    The stages run from one boundary of the history to the next: the village wait up
    to the first leg's start, each leg from its start to its end, and each node between
    two legs (the county hub, or another node) from the end of one leg to the start of
    the next. A stage loses the tonnes sound entering it minus those sound leaving it,
    so the stages add up to the tonnes picked minus those delivered.

    Parameters
    ----------
    network
        The network.
    nodes, legs
        The path.
    timeline
        Its lot history (:func:`networks.timeline.lot_history`).
    sound
        Tonnes still sound before the segment of a given index (the number of segments:
        on arrival).

    Returns
    -------
    dict
        One value per column of :data:`SPOILAGE_COLUMNS`.
    """
    lost = dict.fromkeys(SPOILAGE_COLUMNS, 0.0)
    ends = [b for pair in zip(timeline.leg_start, timeline.leg_end, strict=True) for b in pair]
    bounds = (0, *ends, len(timeline.history.segments))
    stages = ["village"]
    for leg, node_id in zip(legs, nodes[1:], strict=True):
        stages.append(str(leg.mode))
        stages.append("hub" if isinstance(network.nodes[node_id], CountyHub) else "node")
    for stage, start, end in zip(stages, bounds[:-1], bounds[1:], strict=True):
        lost[f"spoiled_t.{stage}"] += sound(start) - sound(end)
    return lost


def trip_week(flow: PathFlow, timeline, leg_index: int) -> int:
    """The week a flow's trip on its ``leg_index``-th leg falls in: one clock for all.

    The village-to-hub leg rides in the harvest week; a leg after the hub in the week the
    lot leaves the hub (harvest week plus weeks in store) plus the whole weeks of the
    route before it. The design model counts its trips (rows 9) on the same clock, so a
    plan's trips are the same leg-weeks in both.
    """
    if leg_index == 0:
        return flow.week
    segments = timeline.history.segments
    departed = timeline.leg_start[1]
    before = sum(s.hours for s in segments[departed : timeline.leg_start[leg_index]])
    return flow.week + flow.storage_weeks + int(before // HOURS_PER_WEEK)


def arrival_week(flow: PathFlow, timeline, leg_index: int) -> int:
    """The week a flow's lot arrives at the end of its ``leg_index``-th leg (``>= 1``).

    The same clock as :func:`trip_week`: the week the lot leaves the hub plus the whole
    weeks of the route up to the leg's end. The design model counts warehouse
    arrivals and stock (its rows 11) on it.
    """
    segments = timeline.history.segments
    departed = timeline.leg_start[1]
    before = sum(s.hours for s in segments[departed : timeline.leg_end[leg_index]])
    return flow.week + flow.storage_weeks + int(before // HOURS_PER_WEEK)


@lru_cache(maxsize=200_000)
def path_loss(shelf, segments: tuple) -> PathLoss:
    """The exact loss of a history, memoized: the flows of a plan share most prefixes."""
    return shelf.path_loss(LotHistory(segments))


def stored_by_week(shelf, segments, storage_weeks: int, tonnes: float) -> list[float]:
    """Tonnes of a lot occupying the cold store in each of its storage weeks.

    Occupancy is counted with the survival view (the per-stage factors the optimizer
    sizes stores with), so that an optimized plan that fills a store exactly is not
    rejected for the few tenths of a percent by which the two spoilage views differ
    over weeks of storage; the lot's loss itself is always scored with the exact view.
    """
    if storage_weeks <= 0:
        return []
    index = next(i for i, s in enumerate(segments) if s.kind == "storage")
    if shelf is None:
        return [tonnes] * storage_weeks
    store = segments[index]
    stored = []
    for k in range(storage_weeks):
        partial = Segment(HOURS_PER_WEEK * k, store.temp_c, store.atmosphere, "storage")
        loss = path_loss(shelf, segments[:index] + (partial,))
        stored.append(tonnes * (1.0 - loss.survival_loss_fraction))
    return stored
