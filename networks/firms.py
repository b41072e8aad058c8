"""Firms: who owns which villages' fruit, and what shipping alone costs them."""

from __future__ import annotations

import math
from dataclasses import dataclass

from networks.legs import Leg, Mode


@dataclass(frozen=True)
class Firm:
    """A firm (company, cooperative, workshop) that owns supply and customers.

    Parameters
    ----------
    id, name
        Id and name.
    kind
        ``company``, ``cooperative``, ``workshop`` or ``3pl``.
    part_load_premium
        Extra share a firm pays per tonne shipping part loads on its own (0.4: 40% above
        full-truckload rates).
    trip_capacity_t
        Capacity of the firm's own road vehicles (``inf``: none of its own). Shipping
        alone, it counts its road trips at this size, at the price :func:`trip_terms`
        gives.
    source
        Where its figures come from.
    """

    id: str
    name: str
    kind: str = "company"
    part_load_premium: float = 0.0
    trip_capacity_t: float = float("inf")
    source: str = ""

    def __post_init__(self) -> None:
        if self.part_load_premium < 0:
            raise ValueError(f"firm {self.id!r}: part_load_premium: expected >= 0")
        if not self.trip_capacity_t > 0:
            raise ValueError(f"firm {self.id!r}: trip_capacity_t: expected > 0")


def trip_terms(leg: Leg, firm: Firm | None = None) -> tuple[float, float]:
    """What one trip on ``leg`` costs and carries for ``firm`` shipping alone.

    A firm with vehicles of its own (a finite ``trip_capacity_t``) drives its road legs
    in them: a trip carries its vehicle's tonnes and costs the leg's full-load rate per
    tonne (``cost_cny_per_trip / trip_capacity_t`` of the leg) times those tonnes, times
    one plus its part-load premium (a small vehicle's rate above a full truck's, as on
    the per-tonne rates). Anyone else (the 3PL, a firm without vehicles, any leg that is
    not road) counts the leg's own trips at the leg's price.

    Parameters
    ----------
    leg
        A leg priced per trip (``cost_cny_per_trip > 0``, finite ``trip_capacity_t``).
    firm
        The firm shipping alone, or ``None`` (the 3PL).

    Returns
    -------
    tuple of float
        Cost of one trip (CNY, before any 3PL margin) and tonnes one trip carries.

    Examples
    --------
    A 2 t van on a leg of 10 t trips at 2,400 CNY, premium 0.5: 720 CNY a trip.

    >>> from networks.legs import Leg, Mode
    >>> leg = Leg("H", "BZ", Mode.ROAD, True, 470.0, 8.0, cost_cny_per_trip=2400.0,
    ...           trip_capacity_t=10.0)
    >>> trip_terms(leg, Firm("coop", "Coop", part_load_premium=0.5, trip_capacity_t=2.0))
    (720.0, 2.0)
    """
    own = firm is not None and math.isfinite(firm.trip_capacity_t)
    if not own or leg.mode != Mode.ROAD or not math.isfinite(leg.trip_capacity_t):
        return leg.cost_cny_per_trip, leg.trip_capacity_t
    per_tonne = leg.cost_cny_per_trip / leg.trip_capacity_t * (1.0 + firm.part_load_premium)
    return per_tonne * firm.trip_capacity_t, firm.trip_capacity_t
