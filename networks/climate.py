"""The ambient temperature where and when a lot is: monthly climate normals along routes.

An unrefrigerated stage of a lot's history takes the air temperature of the place and
the day it is at; a refrigerated leg keeps its set point. Places:

* a **node** with a climate place (``Node.climate``, an id of the normals table) takes
  that place's monthly normal; a node without one is at the **origin** and takes the
  scenario's weekly ambient (``[periods] ambient_temp_c``);
* a **leg** passes its origin node's place, the places it lists in ``Leg.via`` (the sea
  lanes' waypoints, the regions a rail or road leg crosses), then its destination node's
  place. Its hours are split over those points by distance: each point owns half the
  stretch (geodesic km) to its neighbours, and the lot rides that share of the leg's
  hours at the point's temperature, taken at the middle of the share. A leg whose points
  are all at the origin is one stage at the week's ambient, as before.

Monthly normals are read as mid-month values and interpolated linearly by the day of
the year (cyclically, December to January): a lot in a port on 1 October takes the mean
of the September and October normals. The table ships with the package
(``networks/data/climate_normals.csv``, each row's source in its ``source`` column and
in ``climate_normals.md`` beside it; FACTS = shared/domain/FACTS.md).

Every function here is what both spoilage views read: the evaluator's lot histories
(:func:`networks.timeline.lot_history`) and the design model's per-stage survival
factors (``optimizer.design.data``).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from networks.distances import geodesic_km

if TYPE_CHECKING:  # pragma: no cover
    from networks.legs import Leg
    from networks.network import Network
    from networks.periods import Periods

HOURS_PER_WEEK = 168.0
NORMALS_FILE = Path(__file__).parent / "data" / "climate_normals.csv"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
#: Mid-month days of a 365-day year (day 0 = 1 January, 00:00).
_MID_DAYS = np.cumsum(_MONTH_DAYS) - _MONTH_DAYS / 2.0


@dataclass(frozen=True)
class ClimatePlace:
    """One row of the normals table: a place and its monthly mean air temperatures.

    Parameters
    ----------
    id, name, country
        Place id (as nodes and legs name it), name, ISO country code.
    lon, lat
        WGS84 coordinates (the city's, not the weather station's).
    monthly_c
        Mean air temperature of January .. December (deg C).
    source
        Where the values come from.
    """

    id: str
    name: str
    country: str
    lon: float
    lat: float
    monthly_c: tuple[float, ...]
    source: str = ""

    def temp_c(self, day_of_year):
        """Temperature on ``day_of_year`` (days since 1 January, fractional; arrays too).

        Linear between mid-month normals, cyclic over a 365-day year.

        Examples
        --------
        >>> p = ClimatePlace("x", "X", "XX", 0.0, 0.0, tuple(float(m) for m in range(12)))
        >>> float(p.temp_c(15.5))  # mid-January (16 January, 12:00)
        0.0
        >>> round(float(p.temp_c(365.0)), 2)  # 1 January: between December (11) and January (0)
        5.5
        """
        day = np.mod(np.asarray(day_of_year, dtype=float), 365.0)
        out = np.interp(day, *_curve(self.monthly_c))
        return float(out) if out.ndim == 0 else out


@functools.lru_cache(maxsize=256)
def _curve(monthly_c: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Mid-month days and values, padded by December before and January after."""
    values = np.asarray(monthly_c, dtype=float)
    xs = np.concatenate([[_MID_DAYS[-1] - 365.0], _MID_DAYS, [_MID_DAYS[0] + 365.0]])
    ys = np.concatenate([[values[-1]], values, [values[0]]])
    return xs, ys


@functools.cache
def climate_normals() -> dict[str, ClimatePlace]:
    """The packaged monthly normals, by place id (``networks/data/climate_normals.csv``)."""
    places = {}
    with NORMALS_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            places[row["place_id"]] = ClimatePlace(
                id=row["place_id"],
                name=row["name"],
                country=row["country"],
                lon=float(row["lon"]),
                lat=float(row["lat"]),
                monthly_c=tuple(float(row[m]) for m in MONTHS),
                source=row["source"],
            )
    return places


def day_of_year(start: dt.date, hours):
    """Days since 1 January of the moments ``hours`` after ``start`` (00:00); arrays too.

    Counted on a 365-day year (a leap day shifts a date by at most one day).

    Examples
    --------
    >>> day_of_year(dt.date(2025, 9, 1), 24.0)
    244.0
    """
    first = (start - dt.date(start.year, 1, 1)).days
    out = np.mod(first + np.asarray(hours, dtype=float) / 24.0, 365.0)
    return float(out) if out.ndim == 0 else out


def place_temps(network: Network, place: str, hours) -> np.ndarray:
    """Temperatures of climate place ``place`` (``""``: the origin), ``hours`` into week 1.

    Parameters
    ----------
    network
        The network (its periods give the calendar and the origin's weekly ambient).
    place
        A place id of the normals table, or ``""`` for the origin.
    hours
        Hours since the start of week 1 (array).
    """
    return _periods_temps(network.periods, place, hours)


def _periods_temps(periods: Periods, place: str, hours) -> np.ndarray:
    """:func:`place_temps` on the periods alone (what it reads of the network)."""
    hours = np.asarray(hours, dtype=float)
    if not place:
        ambient = np.asarray(periods.ambient_temp_c, dtype=float)
        week = np.floor_divide(hours, HOURS_PER_WEEK).astype(int)
        return ambient[np.clip(week, 0, len(ambient) - 1)]
    start = periods.start
    if start is None:
        raise ValueError(
            f"periods: expected a start date (or ISO week labels) for climate place {place!r}"
        )
    return np.asarray(climate_normals()[place].temp_c(day_of_year(start, hours)), dtype=float)


def ambient_c(network: Network, node_id: str, hours: float) -> float:
    """Air temperature at node ``node_id``, ``hours`` after the start of week 1 (deg C).

    Parameters
    ----------
    network
        The network (its periods give the calendar and the origin's weekly ambient).
    node_id
        A node; its climate place, or the origin's ambient where it has none.
    hours
        Hours since the start of week 1.
    """
    return float(place_temps(network, network.nodes[node_id].climate, float(hours)))


@functools.lru_cache(maxsize=4096)
def _leg_shares(points: tuple[tuple[str, float, float], ...]) -> tuple[tuple[str, float], ...]:
    """Each point's share of a leg's hours: half the stretch to each neighbour (by km)."""
    lon = np.array([p[1] for p in points])
    lat = np.array([p[2] for p in points])
    stretch = np.asarray(geodesic_km(lon[:-1], lat[:-1], lon[1:], lat[1:]), dtype=float)
    total = float(stretch.sum())
    if total <= 0.0:
        return ((points[0][0], 1.0),)
    own = np.zeros(len(points))
    own[:-1] += stretch / 2.0
    own[1:] += stretch / 2.0
    shares: list[tuple[str, float]] = []
    for (place, _, _), km in zip(points, own, strict=True):
        if km <= 0.0:
            continue
        if shares and shares[-1][0] == place:  # the same place twice in a row: one stage
            shares[-1] = (place, shares[-1][1] + km / total)
        else:
            shares.append((place, km / total))
    return tuple(shares)


def leg_places(network: Network, leg: Leg) -> tuple[tuple[str, float], ...]:
    """The climate places a leg passes and the share of its hours at each.

    ``("", 1.0)`` for a leg that stays at the origin (no climate place at either end and
    none on the way).
    """
    origin, destination = network.nodes[leg.origin], network.nodes[leg.destination]
    if not (origin.climate or destination.climate or leg.via):
        return (("", 1.0),)
    normals = climate_normals()
    points = [(origin.climate, origin.lon, origin.lat)]
    points += [(p, normals[p].lon, normals[p].lat) for p in leg.via]
    points.append((destination.climate, destination.lon, destination.lat))
    for i, (place, _, _) in enumerate(points):  # a place from the table sits where it says
        if place:
            points[i] = (place, normals[place].lon, normals[place].lat)
    return _leg_shares(tuple(points))


def leg_stage_temps(
    network: Network, leg: Leg, departs
) -> tuple[tuple[float, ...], tuple[np.ndarray, ...]]:
    """A leg's stages for each of several departure times.

    A refrigerated leg is one stage at its set point; an unrefrigerated one rides each
    place's share of its hours (:func:`leg_places`) at that place's temperature in the
    middle of the share (a leg that stays at the origin: the ambient of the week it
    departs in).

    Parameters
    ----------
    network
        The network.
    leg
        The leg.
    departs
        Departure times, hours since the start of week 1 (array).

    Returns
    -------
    tuple
        The stages' hours (the same for every departure) and, for each stage, its
        temperature at each departure.
    """
    departs = np.asarray(departs, dtype=float)
    if leg.temp_c is not None:
        return (leg.hours,), (np.full(departs.shape, float(leg.temp_c)),)
    key = tuple(departs.ravel().tolist())
    hours, temps = _stage_temps(network.periods, leg.hours, leg_places(network, leg), key)
    return hours, tuple(t.reshape(departs.shape) for t in temps)


@functools.lru_cache(maxsize=16384)
def _stage_temps(
    periods: Periods,
    leg_hours: float,
    places: tuple[tuple[str, float], ...],
    departs: tuple[float, ...],
) -> tuple[tuple[float, ...], tuple[np.ndarray, ...]]:
    """:func:`leg_stage_temps` of an unrefrigerated leg, memoized (read-only arrays).

    The design model asks it for every route through a leg; routes share their legs.
    """
    times = np.asarray(departs, dtype=float)
    hours: list[float] = []
    temps: list[np.ndarray] = []
    elapsed = 0.0
    for place, share in places:
        span = leg_hours * share
        when = times + elapsed + span / 2.0 if len(places) > 1 else times
        temp = _periods_temps(periods, place, when)
        temp.setflags(write=False)
        hours.append(span)
        temps.append(temp)
        elapsed += span
    return tuple(hours), tuple(temps)


def leg_stages(network: Network, leg: Leg, hours: float) -> tuple[tuple[float, float], ...]:
    """The ``(hours, temp_c)`` stages of a leg that departs ``hours`` into week 1.

    See :func:`leg_stage_temps`.
    """
    spans, temps = leg_stage_temps(network, leg, np.array([float(hours)]))
    return tuple((h, float(t[0])) for h, t in zip(spans, temps, strict=True))
