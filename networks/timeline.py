"""The time-temperature history of a lot along a path: what both spoilage views read.

A lot picked in week ``w`` waits in its village, rides to its county hub, may be
pre-cooled and held in the hub's cold store, then passes legs and nodes (customs
clearance, port and warehouse dwell) to its market. :func:`lot_history` lists those
stages as :class:`~networks.shelf_life.Segment` values; the exact evaluator scores the
whole list and the optimizer multiplies per-stage survival factors. Unrefrigerated
stages take the air temperature of where and when the lot is (:mod:`networks.climate`):
an unrefrigerated leg is one segment per climate place it passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from networks.climate import ambient_c, leg_stages
from networks.legs import Leg, Mode
from networks.lots import LotHistory, Segment
from networks.network import Network
from networks.nodes import CountyHub, NodeKind, OverseasWarehouse
from networks.trade import mode_carries

HOURS_PER_WEEK = 168.0


@dataclass(frozen=True)
class PathTimeline:
    """A lot's history along a path, with where each leg starts in it.

    Parameters
    ----------
    history
        The segments from picking to the market (a :class:`~networks.shelf_life.LotHistory`).
    leg_start
        For each leg of the path, the index of its first segment in ``history.segments``.
    leg_end
        For each leg, the index just after its last segment (an unrefrigerated leg has
        one segment per climate place it passes).
    """

    history: LotHistory
    leg_start: tuple[int, ...]
    leg_end: tuple[int, ...]

    @property
    def hours(self) -> float:
        """Total hours from picking to the market."""
        return self.history.hours


def default_wait_hours(network: Network) -> float:
    """Hours from picking to loading: ``[collection] wait_hours``."""
    return float(network.collection.wait_hours)


def customs_node(network: Network, nodes: tuple[str, ...], customs_mode: str) -> str | None:
    """The node of a path that clears ``customs_mode``, or ``None``.

    Customs clears at the first node of the path that runs any customs mode; the path's
    mode must be one that node runs.
    """
    if not customs_mode:
        return None
    for node_id in nodes:
        modes = getattr(network.nodes[node_id], "customs_modes", ())
        if modes:
            return node_id if customs_mode in modes else None
    return None


def customs_mode_fits(
    network: Network, nodes: tuple[str, ...], legs: tuple[Leg, ...], customs_mode: str
) -> bool:
    """Whether a cross-border path may clear under ``customs_mode``.

    The mode must carry the path's shape (:func:`networks.trade.mode_carries`: retail
    parcels for 9610 and 1210, an overseas warehouse for 9810, wholesale for 9710 and
    0110) and be run where customs clears (:func:`customs_node`).
    """
    if customs_node(network, nodes, customs_mode) is None:
        return False
    passes_warehouse = any(network.nodes[n].kind == NodeKind.OVERSEAS_WAREHOUSE for n in nodes)
    return mode_carries(customs_mode, legs[-1].mode == Mode.PARCEL, passes_warehouse)


def lot_history(
    network: Network,
    nodes: tuple[str, ...],
    legs: tuple[Leg, ...],
    week: int,
    storage_weeks: int = 0,
    precool: bool = True,
    wait_hours: float | None = None,
    customs_mode: str = "",
    atmosphere: str = "air",
    abroad_weeks: int = 0,
) -> PathTimeline:
    """The stages a lot passes along a path.

    Parameters
    ----------
    network
        The network.
    nodes, legs
        The path: node ids from village to market and the legs between them.
    week
        Harvest week (1-based); unrefrigerated stages take the temperature of the place
        and the day they are at.
    storage_weeks
        Whole weeks in the hub's cold store.
    precool
        Whether the hub pre-cools the lot on arrival (only where the hub can).
    wait_hours
        Hours from picking to loading (default: the scenario's).
    customs_mode
        Customs mode; clearance hours are spent at the node that runs it.
    atmosphere
        Atmosphere of the hub's cold store (``air`` or ``ca``).
    abroad_weeks
        Whole weeks held as stock in the path's overseas warehouse (a ``stock``
        segment after its dwell and any clearance there, at the warehouse's
        temperature, or the place's air where it has none).

    Returns
    -------
    PathTimeline
    """
    wait = default_wait_hours(network) if wait_hours is None else float(wait_hours)
    elapsed = 0.0
    segments: list[Segment] = []
    leg_start: list[int] = []
    leg_end: list[int] = []
    clears_at = customs_node(network, nodes, customs_mode)
    cold_c: float | None = None  # temperature the lot is kept at, once in a cold chain
    picked = (week - 1) * HOURS_PER_WEEK  # hours from the start of week 1 to picking

    def ambient(node_id: str) -> float:
        return ambient_c(network, node_id, picked + elapsed)

    def add(kind: str, name: str, hours: float, temp_c: float, atmos: str = "air") -> None:
        nonlocal elapsed
        segments.append(Segment(hours, temp_c, atmos, kind, name))  # type: ignore[arg-type]
        elapsed += hours

    add("precool_wait", nodes[0], wait, ambient(nodes[0]))
    for index, (leg, node_id) in enumerate(zip(legs, nodes[1:], strict=True)):
        leg_start.append(len(segments))
        for hours, temp_c in leg_stages(network, leg, picked + elapsed):
            add("leg", leg.id, hours, temp_c)
        leg_end.append(len(segments))
        cold_c = leg.temp_c if leg.refrigerated else None
        node = network.nodes[node_id]
        if index == len(legs) - 1:
            break
        if node.kind == NodeKind.COUNTY_HUB:
            hub: CountyHub = node  # type: ignore[assignment]
            cooling = (precool and hub.precooling) or storage_weeks > 0
            if cooling:
                add("precool", node_id, node.dwell_hours, hub.storage_temp_c)
            else:
                add("dwell", node_id, node.dwell_hours, ambient(node_id))
            if storage_weeks > 0:
                add(
                    "storage",
                    node_id,
                    storage_weeks * HOURS_PER_WEEK,
                    hub.storage_temp_c,
                    atmosphere,
                )
            continue
        if isinstance(node, OverseasWarehouse) and node.temp_c is not None:
            dwell_temp = node.temp_c
        else:
            dwell_temp = cold_c if cold_c is not None else ambient(node_id)
        add("dwell", node_id, node.dwell_hours, dwell_temp)
        if node_id == clears_at:
            hours = getattr(node, "clearance_hours", 0.0)
            terms = network.customs.get(customs_mode)
            hours += terms.clearance_hours if terms is not None else 0.0
            add("customs", node_id, hours, dwell_temp)
        if isinstance(node, OverseasWarehouse) and abroad_weeks > 0:
            stock_temp = node.temp_c if node.temp_c is not None else ambient(node_id)
            add("stock", node_id, abroad_weeks * HOURS_PER_WEEK, stock_temp)
    return PathTimeline(LotHistory(tuple(segments)), tuple(leg_start), tuple(leg_end))
