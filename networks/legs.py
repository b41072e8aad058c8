"""Legs: directed transport arcs between nodes, and which node kinds may follow which."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from networks.nodes import NodeKind


class Mode(StrEnum):
    """Transport mode of a leg (``parcel`` is express post)."""

    ROAD = "road"
    RAIL = "rail"
    SEA = "sea"
    AIR = "air"
    PARCEL = "parcel"


#: Which node kind may follow which along a path (origin kind -> destination kinds).
#: This table is the single source; docs/scenario-format.md reproduces it.
FOLLOWS: dict[NodeKind, frozenset[NodeKind]] = {
    NodeKind.VILLAGE: frozenset({NodeKind.COUNTY_HUB}),
    NodeKind.COUNTY_HUB: frozenset({NodeKind.BONDED_ZONE, NodeKind.PORT, NodeKind.MARKET}),
    NodeKind.BONDED_ZONE: frozenset({NodeKind.PORT, NodeKind.MARKET}),
    NodeKind.PORT: frozenset({NodeKind.PORT, NodeKind.OVERSEAS_WAREHOUSE, NodeKind.MARKET}),
    NodeKind.OVERSEAS_WAREHOUSE: frozenset({NodeKind.MARKET}),
    NodeKind.MARKET: frozenset(),
}

#: Extra rule: a bonded zone reaches a market directly only by parcel (9610 direct mail).
DIRECT_MAIL_ONLY: tuple[NodeKind, NodeKind, Mode] = (
    NodeKind.BONDED_ZONE,
    NodeKind.MARKET,
    Mode.PARCEL,
)


def service_key(mode: Mode | str, refrigerated: bool) -> str:
    """Name of a leg's service: its mode, with ``-reefer`` where refrigerated.

    Examples
    --------
    >>> service_key("road", True)
    'road-reefer'
    """
    return f"{mode}-reefer" if refrigerated else str(mode)


@dataclass(frozen=True)
class Leg:
    """A directed leg from ``origin`` to ``destination``.

    Parameters
    ----------
    origin, destination
        Node ids.
    mode
        Transport mode.
    refrigerated
        Whether the leg runs at a controlled temperature.
    temp_c
        Set point of a refrigerated leg (deg C); ``None`` for an ambient leg, which takes
        the air temperature of the places it passes (:mod:`networks.climate`).
    distance_km
        Distance travelled (road distance includes circuity).
    hours
        Door-to-door hours on the leg.
    cost_cny_per_t
        Freight per tonne carried (distance-based and flat parts together).
    cost_cny_per_trip
        Cost of one trip or container, paid per started trip (0: none).
    trip_capacity_t
        Tonnes one trip or container carries (``inf``: no trips counted).
    part_load_cny_per_t
        Freight per tonne of a part load on a leg sold by the trip (road less-than-
        truckload or groupage, sea LCL, rail by weight): each shipper, leg and week pays
        the cheaper mix of whole trips and part loads (:func:`networks.firms.load_cost_tolled`).
        ``inf`` (the default): no part loads sold, every started trip is paid whole.
    toll_cny_per_trip
        Expressway toll a whole trip pays on top of ``cost_cny_per_trip``, unless the
        green channel exempts it (listed fresh produce only, at least 80% of the
        capacity: :func:`networks.firms.load_cost_tolled`); 0: none, or in the rates.
    co2e_g_per_tkm
        Well-to-wheel emissions per tonne-km (GLEC / ISO 14083).
    source
        Where the figures come from.
    via
        Climate places (:mod:`networks.climate`) the leg passes between its ends, in
        order: a sea lane's waypoints, the regions a rail or road leg crosses.
    """

    origin: str
    destination: str
    mode: Mode
    refrigerated: bool
    distance_km: float
    hours: float
    cost_cny_per_t: float = 0.0
    cost_cny_per_trip: float = 0.0
    trip_capacity_t: float = float("inf")
    part_load_cny_per_t: float = float("inf")
    toll_cny_per_trip: float = 0.0
    co2e_g_per_tkm: float = 0.0
    temp_c: float | None = None
    source: str = ""
    via: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for attr in (
            "distance_km",
            "hours",
            "cost_cny_per_t",
            "cost_cny_per_trip",
            "part_load_cny_per_t",
            "toll_cny_per_trip",
            "co2e_g_per_tkm",
        ):
            if getattr(self, attr) < 0:
                raise ValueError(f"leg {self.id}: {attr}: expected >= 0, got {getattr(self, attr)}")
        if self.trip_capacity_t <= 0:
            raise ValueError(f"leg {self.id}: trip_capacity_t: expected > 0")

    @property
    def service(self) -> str:
        """Mode plus ``-reefer`` where refrigerated (``road-reefer``)."""
        return service_key(self.mode, self.refrigerated)

    @property
    def id(self) -> str:
        """Unique id: ``origin>destination:service``."""
        return f"{self.origin}>{self.destination}:{self.service}"
