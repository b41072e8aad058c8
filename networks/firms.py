"""Firms: who owns which villages' fruit, and what shipping alone costs them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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


def part_load_rate(leg: Leg, firm: Firm | None = None) -> float:
    """What a part load on ``leg`` costs per tonne for ``firm`` shipping alone.

    The leg's ``part_load_cny_per_t`` (``inf``: no part loads sold), times one plus the
    firm's ``part_load_premium`` on road legs (as its per-tonne road rates); the 3PL
    (``firm`` ``None``) pays the leg's rate.
    """
    rate = leg.part_load_cny_per_t
    if firm is not None and leg.mode == Mode.ROAD:
        rate *= 1.0 + firm.part_load_premium
    return rate


def cheapest_mix(
    tonnes, per_trip, capacity_t, part_rate, tolerance: float = 1e-9
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The cheapest way to ship each load on a leg sold by the trip (arrays).

    Freight is sold as whole trips (``per_trip`` each, ``capacity_t`` tonnes) and part
    loads (``part_rate`` per tonne). Shipping :math:`L` tonnes in :math:`n` trips and a
    part load costs :math:`g n + r \max(0, L - q n)`, linear in :math:`n` up to
    :math:`L / q`; so the cheapest mix is whole trips only (:math:`n = \lceil L/q
    \rceil`), all part load (:math:`n = 0`), or full trips plus a part load for the
    remainder (:math:`n = \lfloor L/q \rfloor`), tried in that order, a later one taken
    only where it is cheaper. The design model's start heuristic prices loads here (and
    :func:`load_cost` for one load); the model's rows (9) price the same mix. The
    evaluator and the exact path model add tolls (:func:`load_cost_tolled`).

    Parameters
    ----------
    tonnes
        Tonnes loaded on each leg-week (sound fruit entering it).
    per_trip, capacity_t
        Price and tonnes of one whole trip or container.
    part_rate
        Price per tonne of a part load (``inf``: none sold).
    tolerance
        Slack on ``L / q`` before rounding (a relaxation's values carry noise).

    Returns
    -------
    tuple of numpy.ndarray
        Cost, whole trips and part-load tonnes of each load.
    """
    tonnes = np.maximum(np.asarray(tonnes, dtype=float), 0.0)
    per_trip, capacity = np.broadcast_arrays(
        np.asarray(per_trip, dtype=float), np.asarray(capacity_t, dtype=float)
    )
    rate = np.broadcast_to(np.asarray(part_rate, dtype=float), tonnes.shape)
    sold = np.isfinite(rate)
    rate = np.where(sold, rate, 0.0)  # used only where part loads are sold
    whole = np.where(tonnes > 1e-9, np.ceil(tonnes / capacity - tolerance), 0.0)
    full = np.floor(tonnes / capacity + tolerance)
    rest = np.maximum(tonnes - full * capacity, 0.0)
    cost, trips, part = whole * per_trip, whole, np.zeros_like(tonnes)
    for n, p in ((np.zeros_like(full), tonnes), (full, rest)):
        option = n * per_trip + rate * p
        cheaper = sold & (option < cost - 1e-9)
        cost = np.where(cheaper, option, cost)
        trips = np.where(cheaper, n, trips)
        part = np.where(cheaper, p, part)
    return cost, trips, part


def load_cost(
    tonnes: float, per_trip: float, capacity_t: float, part_rate: float
) -> tuple[float, int, float]:
    """The cheapest way to ship ``tonnes`` on a leg sold by the trip (:func:`cheapest_mix`).

    Parameters
    ----------
    tonnes
        Tonnes loaded on the leg in the week (sound fruit entering it).
    per_trip, capacity_t
        Price and tonnes of one whole trip or container.
    part_rate
        Price per tonne of a part load (``inf``: none sold).

    Returns
    -------
    tuple
        ``(cost, whole trips, part-load tonnes)``.

    Examples
    --------
    12 t trucks at 2,400 CNY, part loads at 280 CNY/t: 30 t ride two full trucks and a
    6 t part load (6,480 CNY, less than three trucks' 7,200).

    >>> load_cost(30.0, 2400.0, 12.0, 280.0)
    (6480.0, 2, 6.0)
    """
    cost, trips, part = cheapest_mix(tonnes, per_trip, capacity_t, part_rate)
    return float(cost), int(trips), float(part)


#: Tonnes a load may exceed its whole trips and still ride in them (one gram): a solver's
#: plan carries float noise (HiGHS meets a row to 1e-7), and 36.0000001 t on 12 t trucks
#: is three trucks, not a fourth or a part load of a tenth of a milligram.
LOAD_TOLERANCE_T = 1e-6

#: Share of a truck's rated load that listed fresh produce must fill for the green
#: channel's toll exemption (FACTS 2.1: at least 80%, not mixed with other goods).
GREEN_CHANNEL_FILL = 0.8


def load_cost_tolled(
    tonnes: float,
    per_trip: float,
    capacity_t: float,
    part_rate: float,
    toll: float,
    other_t: float = 0.0,
) -> tuple[float, int, float, int]:
    r"""The cheapest mix of whole trips and part loads where whole trips pay a toll.

    A whole trip pays ``toll`` unless China's green channel exempts it: it carries
    listed fresh produce only, at least :data:`GREEN_CHANNEL_FILL` of its capacity
    (FACTS 2.1). Of ``tonnes``, ``other_t`` are goods that are not listed produce; they
    ride as a part load where one is bought (a groupage lot rides with other shippers'
    goods, its rate has the toll in it), else they mix into the whole trips, which then
    all pay the toll. So with :math:`n` whole trips of capacity :math:`q` and part load
    :math:`p \ge \max(0, L - q n)`, the exempt trips are
    :math:`\min(n, \lfloor (L - p) / (0.8 q) \rfloor)` where :math:`p \ge N` (the other
    goods all in the part load) and none otherwise; the cost is
    :math:`g n + r p + \tau (n - \text{exempt})`. For each :math:`n` the cheapest
    :math:`p` is :math:`\max(0, L - qn)` or, if that leaves other goods on the trucks,
    :math:`\max(0, L - qn, N)`; every :math:`n` from 0 to :math:`\lceil L/q \rceil + 1` is
    tried. The exact path model prices the same (its rows P3b).

    Parameters
    ----------
    tonnes
        Tonnes loaded on the leg in the week.
    per_trip, capacity_t
        Price and tonnes of one whole trip.
    part_rate
        Price per tonne of a part load (``inf``: none sold).
    toll
        Toll one whole trip pays unless exempt.
    other_t
        Tonnes of goods that are not listed fresh produce (the rest are).

    Returns
    -------
    tuple
        ``(cost, whole trips, part-load tonnes, trips that pay the toll)``.

    Examples
    --------
    12 t trucks at 2,400 CNY, a 460 CNY toll, part loads at 340 CNY/t: 11 t of kiwi ride
    one exempt truck (2,400); with 1 t of it dried kiwi, the dried kiwi goes as a part
    load (340) and the 10 t of fresh kiwi fill 83% of a truck, still exempt.

    >>> load_cost_tolled(11.0, 2400.0, 12.0, 340.0, 460.0)
    (2400.0, 1, 0.0, 0)
    >>> load_cost_tolled(11.0, 2400.0, 12.0, 340.0, 460.0, other_t=1.0)
    (2740.0, 1, 1.0, 0)
    """
    tonnes, other_t = max(float(tonnes), 0.0), min(max(float(other_t), 0.0), max(tonnes, 0.0))
    sold = math.isfinite(part_rate)
    best = None
    grain = LOAD_TOLERANCE_T
    most = math.ceil((tonnes - grain) / capacity_t) if tonnes > grain else 0
    for n in range(0, most + 2):  # one more: what the rounding tolerance leaves over
        least = max(0.0, tonnes - n * capacity_t)
        for part in {least, max(least, other_t)}:
            if part > grain and not sold:
                continue
            mixed = other_t > part + grain
            exempt = 0 if mixed else min(n, _fits(tonnes - part, capacity_t))
            cost = n * per_trip + (part_rate * part if part > grain else 0.0)
            cost += toll * (n - exempt)
            if best is None or cost < best[0] - 1e-9:
                best = (cost, n, part if part > grain else 0.0, n - exempt)
    return best


def _fits(whole_t: float, capacity_t: float) -> int:
    """Trucks that ``whole_t`` tonnes fill to the green channel's share each."""
    return int(math.floor(whole_t / (GREEN_CHANNEL_FILL * capacity_t) + 1e-9))
