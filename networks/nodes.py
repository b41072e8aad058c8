"""Nodes of a cold-chain network: the six kinds and what each one carries.

Immutable frozen dataclasses (chosen over pydantic: no extra dependency, and the
loaders in ``instances`` already collect every problem with file and line before any
object is built; ``__post_init__`` still guards invariants for objects built in code).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class NodeKind(StrEnum):
    """The six kinds of node, in the order fruit passes them."""

    VILLAGE = "village"
    COUNTY_HUB = "county_hub"
    BONDED_ZONE = "bonded_zone"
    PORT = "port"
    OVERSEAS_WAREHOUSE = "overseas_warehouse"
    MARKET = "market"


class PortMode(StrEnum):
    """What a port handles: a sea port, a rail gateway (land port) or an airport."""

    SEA = "sea"
    RAIL = "rail"
    AIR = "air"


class Atmosphere(StrEnum):
    """Cold-store atmosphere: normal air, or controlled atmosphere (CA)."""

    AIR = "air"
    CA = "ca"


#: Road classes a village can be reached by, smallest vehicle first. A vehicle of
#: class c can serve a village whose road class ranks at least c.
ROAD_CLASSES = ("tricycle", "van", "truck")


def _check_non_negative(obj, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if value is not None and value < 0:
            raise ValueError(f"{type(obj).__name__} {obj.id!r}: {name}: expected >= 0, got {value}")


@dataclass(frozen=True)
class HubSize:
    """One size option of a county hub.

    Parameters
    ----------
    name
        Size label (``small``, ``medium``, ...).
    fixed_cost_cny
        Cost of opening the hub at this size over the planning horizon (CNY).
    throughput_t_per_week
        Tonnes the hub can receive, pre-cool and dispatch per week.
    cold_storage_t
        Tonnes the cold store holds at once.
    atmosphere
        Cold-store atmosphere (``air`` or ``ca``).
    """

    name: str
    fixed_cost_cny: float
    throughput_t_per_week: float
    cold_storage_t: float
    atmosphere: Atmosphere = Atmosphere.AIR

    def __post_init__(self) -> None:
        for attr in ("fixed_cost_cny", "throughput_t_per_week", "cold_storage_t"):
            if getattr(self, attr) < 0:
                raise ValueError(f"hub size {self.name!r}: {attr}: expected >= 0")


@dataclass(frozen=True)
class Node:
    """Common attributes of every node.

    Parameters
    ----------
    id
        Unique id (a string).
    name
        Human-readable name.
    lon, lat
        WGS84 degrees.
    country
        ISO 3166 alpha-2 country code.
    handling_cost_cny_per_t
        Handling fee for each tonne passing the node.
    dwell_hours
        Hours a lot spends at the node while passing through.
    source
        Where the coordinates and figures come from (citation text).
    climate
        Id of the node's place in the climate normals (:mod:`networks.climate`), whose
        monthly air temperature unrefrigerated lots take there; empty: the node is at
        the origin and takes the scenario's weekly ambient.
    """

    id: str
    name: str
    lon: float
    lat: float
    country: str = "CN"
    handling_cost_cny_per_t: float = 0.0
    dwell_hours: float = 0.0
    source: str = ""
    climate: str = ""

    kind: NodeKind = field(init=False, default=NodeKind.VILLAGE)

    def __post_init__(self) -> None:
        if not -180 <= self.lon <= 180:
            raise ValueError(f"node {self.id!r}: lon: expected [-180, 180], got {self.lon}")
        if not -90 <= self.lat <= 90:
            raise ValueError(f"node {self.id!r}: lat: expected [-90, 90], got {self.lat}")
        _check_non_negative(self, "handling_cost_cny_per_t", "dwell_hours")


@dataclass(frozen=True)
class Village(Node):
    """A producing village: supply comes from ``supply.csv``.

    Parameters
    ----------
    firm
        The firm that owns (buys) this village's fruit.
    road_class
        The largest vehicle class the village road takes (``tricycle``, ``van``, ``truck``).
    pick_start_h, pick_end_h
        Picking hours of a harvest day (hours after midnight): the pickup time window.
    service_h
        Hours to load a pickup.
    """

    firm: str = ""
    road_class: str = "truck"
    pick_start_h: float = 6.0
    pick_end_h: float = 18.0
    service_h: float = 0.25
    kind: NodeKind = field(init=False, default=NodeKind.VILLAGE)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.road_class not in ROAD_CLASSES:
            raise ValueError(f"village {self.id!r}: road_class: expected one of {ROAD_CLASSES}")
        if self.pick_end_h < self.pick_start_h:
            raise ValueError(f"village {self.id!r}: pick_end_h before pick_start_h")


@dataclass(frozen=True)
class CountyHub(Node):
    """A candidate county hub: pre-cooling and cold storage, opened at one size or not.

    Parameters
    ----------
    sizes
        Size options (from ``hub_sizes.csv``); the hub opens at one of them or stays shut.
    precooling
        Whether the hub pre-cools fruit on arrival (forced air).
    precool_cost_cny_per_t
        Pre-cooling cost per tonne.
    storage_cost_cny_per_t_week
        Cold-storage cost per tonne and week held.
    storage_temp_c
        Cold-store set point.
    """

    sizes: tuple[HubSize, ...] = ()
    precooling: bool = True
    precool_cost_cny_per_t: float = 0.0
    storage_cost_cny_per_t_week: float = 0.0
    storage_temp_c: float = 0.0
    kind: NodeKind = field(init=False, default=NodeKind.COUNTY_HUB)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_non_negative(self, "precool_cost_cny_per_t", "storage_cost_cny_per_t_week")

    def size(self, name: str) -> HubSize:
        """The size option called ``name``."""
        for option in self.sizes:
            if option.name == name:
                return option
        raise KeyError(f"hub {self.id!r} has no size {name!r}")


@dataclass(frozen=True)
class BondedZone(Node):
    """A bonded zone: customs clearance under the modes it runs.

    Parameters
    ----------
    customs_modes
        Customs modes run here (``9610``, ``9710``, ``9810``, ``1210``).
    clearance_hours
        Hours customs takes here (on top of the mode's own hours).
    """

    customs_modes: tuple[str, ...] = ()
    clearance_hours: float = 0.0
    kind: NodeKind = field(init=False, default=NodeKind.BONDED_ZONE)


@dataclass(frozen=True)
class Port(Node):
    """A sea port, rail gateway or airport.

    Parameters
    ----------
    port_mode
        ``sea``, ``rail`` or ``air``.
    customs_modes
        Customs modes cleared at the port itself (general export), if any.
    clearance_hours
        Hours customs takes here.
    """

    port_mode: PortMode = PortMode.SEA
    customs_modes: tuple[str, ...] = ()
    clearance_hours: float = 0.0
    kind: NodeKind = field(init=False, default=NodeKind.PORT)


@dataclass(frozen=True)
class OverseasWarehouse(Node):
    """A warehouse abroad (often refrigerated) that fulfils orders in its market.

    Parameters
    ----------
    storage_cost_cny_per_t_week
        Storage fee per tonne-week.
    capacity_t_per_week
        Tonnes it can receive per week (``inf`` where unlimited).
    temp_c
        Storage temperature (``None``: ambient).
    stock_capacity_t
        Tonnes it can hold as stock across weeks (a plan row's ``abroad_weeks``: the
        purpose of customs mode 9810, fill a container and sell over weeks); ``inf``
        where unlimited, 0 where it holds no stock.
    """

    storage_cost_cny_per_t_week: float = 0.0
    capacity_t_per_week: float = float("inf")
    temp_c: float | None = None
    stock_capacity_t: float = float("inf")
    kind: NodeKind = field(init=False, default=NodeKind.OVERSEAS_WAREHOUSE)


@dataclass(frozen=True)
class Market(Node):
    """A market: weekly demand and price come from ``demand.csv``.

    Parameters
    ----------
    max_age_days
        Maximum delivered age (days from harvest) the market accepts; ``inf`` for none.
    """

    max_age_days: float = float("inf")
    kind: NodeKind = field(init=False, default=NodeKind.MARKET)


NODE_CLASSES: dict[NodeKind, type[Node]] = {
    NodeKind.VILLAGE: Village,
    NodeKind.COUNTY_HUB: CountyHub,
    NodeKind.BONDED_ZONE: BondedZone,
    NodeKind.PORT: Port,
    NodeKind.OVERSEAS_WAREHOUSE: OverseasWarehouse,
    NodeKind.MARKET: Market,
}
