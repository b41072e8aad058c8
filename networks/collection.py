"""One day's village collection problem, and the routes that answer it (solver-free).

A :class:`CollectionProblem` is what the collection router reads and what the route
checker checks against: the hub, the pickups (one per village and day, or several where
a village's fruit needs more than one vehicle load), the fleet, the road distances and
travel times between them, and the freshness rules. :class:`Route` and :class:`Stop`
describe one trip of one vehicle, hub to hub, with its schedule.

Units: tonnes (``_t``), kilometres (``_km``), hours (``_h``: durations, or clock hours
after midnight of the collection day for times of day), money in the scenario's currency
(CNY by default). Benchmark instances (CVRPLIB, Solomon) reuse the same fields with the
benchmark's own units: demand units for tonnes, distance units for kilometres and time
units for hours; :attr:`CollectionProblem.convention` names the benchmark's rounding rule.

Freshness. A pickup's *hours since pickup* are the hours from the vehicle's departure
from the village (loading done) to its arrival at the hub (pre-cooling); they must not
exceed :attr:`CollectionProblem.freshness_ambient_h` on an ambient vehicle or
:attr:`CollectionProblem.freshness_reefer_h` on a reefer. On an ambient vehicle these
hours are *warm* hours and cost shelf life:
``tonnes * (warm_cost_per_t_h * hours + late_cost_per_t_h * max(0, hours - curing_grace_h))``.
On a reefer the fruit is held at the reefer's set point and pays no warm cost.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from networks.errors import Problem, ScenarioError

#: Benchmark distance conventions (``bks.csv``): how the benchmark rounds its distances.
CONVENTIONS = ("round-int", "dimacs-trunc1")

#: Columns of ``routes.csv`` (:func:`routes_to_frame`), in order.
ROUTE_COLUMNS = (
    "vehicle",
    "vehicle_type",
    "trip",
    "stop",
    "node",
    "pickup",
    "arrival_h",
    "departure_h",
    "load_t",
    "hours_since_pickup",
)


def _problem(field_name: str, expected: str, got: object, where: str) -> Problem:
    return Problem(where, field_name, expected, str(got))


@dataclass(frozen=True)
class Pickup:
    """Fruit to collect at one village on the day.

    Parameters
    ----------
    node
        Village (node) id.
    tonnes
        Tonnes to load, >= 0.
    window_start_h, window_end_h
        Loading may start at any time in ``[window_start_h, window_end_h]`` (clock hours;
        a vehicle arriving earlier waits).
    service_h
        Hours to load.
    id
        Pickup id, unique in a problem; defaults to ``node`` (a village whose fruit is
        split into several loads has ids such as ``V1#2``).
    """

    node: str
    tonnes: float
    window_start_h: float = 0.0
    window_end_h: float = math.inf
    service_h: float = 0.0
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", str(self.node))
        problems = []
        where = f"pickup {self.id}"
        if not (math.isfinite(self.tonnes) and self.tonnes >= 0):
            problems.append(_problem("tonnes", "a finite number >= 0", self.tonnes, where))
        if not (math.isfinite(self.service_h) and self.service_h >= 0):
            problems.append(_problem("service_h", "a finite number >= 0", self.service_h, where))
        if not math.isfinite(self.window_start_h):
            problems.append(
                _problem("window_start_h", "a finite clock hour", self.window_start_h, where)
            )
        elif not self.window_end_h >= self.window_start_h:
            problems.append(
                _problem(
                    "window_end_h",
                    f"a clock hour >= window_start_h ({self.window_start_h:g})",
                    self.window_end_h,
                    where,
                )
            )
        if problems:
            raise ScenarioError(problems)


@dataclass(frozen=True)
class VehicleType:
    """A kind of collection vehicle and how many of it there are.

    Parameters
    ----------
    id
        Vehicle type id.
    count
        Vehicles of this type available on the day.
    capacity_t
        Tonnes one trip may carry.
    fixed_cost
        Cost of using one vehicle on the day (driver day rate, depreciation).
    cost_per_km
        Running cost per kilometre.
    cost_per_hour
        Cost per hour of the vehicle's working span (first departure from the hub to last
        return, waiting and loading included).
    speed_factor
        Speed relative to the travel-time matrix: the vehicle needs
        ``travel_h / speed_factor`` hours (0.5: half as fast).
    reefer
        Refrigerated body: the fruit aboard is held cool (longer freshness limit, no warm
        cost).
    max_shift_hours
        Longest working span of one vehicle.
    max_trips
        Trips one vehicle may make in the day (more than 1 only if the problem allows
        multiple trips).
    allowed_nodes
        Village ids this type may serve (narrow roads, bridges); ``None``: every village.
    """

    id: str
    count: int
    capacity_t: float
    fixed_cost: float = 0.0
    cost_per_km: float = 0.0
    cost_per_hour: float = 0.0
    speed_factor: float = 1.0
    reefer: bool = False
    max_shift_hours: float = math.inf
    max_trips: int = 1
    allowed_nodes: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.allowed_nodes is not None:
            object.__setattr__(self, "allowed_nodes", frozenset(map(str, self.allowed_nodes)))
        where = f"vehicle type {self.id}"
        problems = []
        if not (isinstance(self.count, int | np.integer) and self.count >= 0):
            problems.append(_problem("count", "an integer >= 0", self.count, where))
        if not (math.isfinite(self.capacity_t) and self.capacity_t > 0):
            problems.append(_problem("capacity_t", "a finite number > 0", self.capacity_t, where))
        for name in ("fixed_cost", "cost_per_km", "cost_per_hour"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                problems.append(_problem(name, "a finite number >= 0", value, where))
        if not (math.isfinite(self.speed_factor) and self.speed_factor > 0):
            problems.append(
                _problem("speed_factor", "a finite number > 0", self.speed_factor, where)
            )
        if not self.max_shift_hours > 0:
            problems.append(
                _problem("max_shift_hours", "a number > 0", self.max_shift_hours, where)
            )
        if not (isinstance(self.max_trips, int | np.integer) and self.max_trips >= 1):
            problems.append(_problem("max_trips", "an integer >= 1", self.max_trips, where))
        if problems:
            raise ScenarioError(problems)

    def replace(self, **changes: Any) -> VehicleType:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def may_serve(self, node: str) -> bool:
        """Whether this type may drive to village ``node``."""
        return self.allowed_nodes is None or node in self.allowed_nodes


@dataclass(frozen=True, eq=False)
class CollectionProblem:
    """One day's collection at one hub: pickups, fleet, road data and freshness rules.

    Index 0 of both matrices is the hub; index ``i`` (1-based) is ``pickups[i - 1]``.

    Parameters
    ----------
    hub
        Hub (depot) node id.
    pickups
        The pickups; ids unique.
    fleet
        Vehicle types; ids unique.
    distance_km
        Road distance from row to column, ``(n + 1, n + 1)``, >= 0, finite.
    travel_h
        Travel hours at speed factor 1, same shape, >= 0, finite.
    freshness_ambient_h, freshness_reefer_h
        Most hours from a pickup's departure to the hub on an ambient / reefer vehicle.
    warm_cost_per_t_h
        Value of shelf life used by one tonne in one warm hour (ambient vehicle).
    late_cost_per_t_h
        Extra value used per tonne and warm hour past ``curing_grace_h``.
    curing_grace_h
        Warm hours the fruit takes before the late cost starts.
    day_start_h
        Earliest departure from the hub (clock hour).
    hub_close_h
        Latest return to the hub (clock hour).
    multi_trip
        Whether a vehicle may make more than one trip (up to its ``max_trips``).
    convention
        Benchmark rounding rule (one of :data:`CONVENTIONS`) or ``None``.
    name
        Problem name (instance name, or ``HUB day N``).
    """

    hub: str
    pickups: tuple[Pickup, ...]
    fleet: tuple[VehicleType, ...]
    distance_km: np.ndarray
    travel_h: np.ndarray
    freshness_ambient_h: float = math.inf
    freshness_reefer_h: float = math.inf
    warm_cost_per_t_h: float = 0.0
    late_cost_per_t_h: float = 0.0
    curing_grace_h: float = 0.0
    day_start_h: float = 0.0
    hub_close_h: float = math.inf
    multi_trip: bool = False
    convention: str | None = None
    name: str = ""
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pickups", tuple(self.pickups))
        object.__setattr__(self, "fleet", tuple(self.fleet))
        where = f"collection problem {self.name or self.hub}"
        problems: list[Problem] = []
        n = len(self.pickups)
        matrices = {}
        for name in ("distance_km", "travel_h"):
            try:
                values = np.array(getattr(self, name), dtype=float, copy=True)
            except (TypeError, ValueError):
                problems.append(_problem(name, "a numeric matrix", type(self).__name__, where))
                continue
            if values.shape != (n + 1, n + 1):
                problems.append(
                    _problem(name, f"shape ({n + 1}, {n + 1}) (hub + pickups)", values.shape, where)
                )
            elif not np.all(np.isfinite(values)):
                problems.append(_problem(name, "finite numbers", "inf or nan", where))
            elif (values < 0).any():
                problems.append(_problem(name, "numbers >= 0", float(values.min()), where))
            values.setflags(write=False)
            matrices[name] = values
        for name, values in matrices.items():
            object.__setattr__(self, name, values)
        ids = [p.id for p in self.pickups]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            problems.append(_problem("pickups", "unique pickup ids", ", ".join(dupes), where))
        if self.hub in {p.node for p in self.pickups}:
            problems.append(_problem("pickups", "no pickup at the hub itself", self.hub, where))
        types = [v.id for v in self.fleet]
        if len(set(types)) != len(types):
            problems.append(_problem("fleet", "unique vehicle type ids", types, where))
        for name in ("freshness_ambient_h", "freshness_reefer_h"):
            if not getattr(self, name) > 0:
                problems.append(_problem(name, "a number of hours > 0", getattr(self, name), where))
        for name in ("warm_cost_per_t_h", "late_cost_per_t_h", "curing_grace_h"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                problems.append(_problem(name, "a finite number >= 0", value, where))
        if not math.isfinite(self.day_start_h):
            problems.append(_problem("day_start_h", "a finite clock hour", self.day_start_h, where))
        elif not self.hub_close_h > self.day_start_h:
            problems.append(
                _problem(
                    "hub_close_h",
                    f"a clock hour > day_start_h ({self.day_start_h:g})",
                    self.hub_close_h,
                    where,
                )
            )
        if self.convention is not None and self.convention not in CONVENTIONS:
            problems.append(
                _problem("convention", f"one of {CONVENTIONS} or None", self.convention, where)
            )
        if problems:
            raise ScenarioError(problems)
        object.__setattr__(self, "_index", {p.id: i + 1 for i, p in enumerate(self.pickups)})

    # --- views -----------------------------------------------------------------------
    @property
    def num_pickups(self) -> int:
        """Number of pickups."""
        return len(self.pickups)

    @property
    def num_vehicles(self) -> int:
        """Vehicles in the fleet, all types."""
        return sum(v.count for v in self.fleet)

    @property
    def total_tonnes(self) -> float:
        """Tonnes to collect."""
        return float(sum(p.tonnes for p in self.pickups))

    def index(self, pickup_id: str) -> int:
        """Matrix index of a pickup (1-based; 0 is the hub)."""
        return self._index[pickup_id]

    def pickup(self, pickup_id: str) -> Pickup:
        """The pickup with id ``pickup_id``."""
        return self.pickups[self._index[pickup_id] - 1]

    def vehicle_type(self, type_id: str) -> VehicleType:
        """The vehicle type with id ``type_id``."""
        for vtype in self.fleet:
            if vtype.id == type_id:
                return vtype
        raise KeyError(type_id)

    def freshness_limit_h(self, vtype: VehicleType) -> float:
        """Hours since pickup allowed on a vehicle of type ``vtype``."""
        return self.freshness_reefer_h if vtype.reefer else self.freshness_ambient_h

    def trips_allowed(self, vtype: VehicleType) -> int:
        """Trips a vehicle of type ``vtype`` may make (1 unless multiple trips are allowed)."""
        return vtype.max_trips if self.multi_trip else 1

    def travel_h_for(self, vtype: VehicleType) -> np.ndarray:
        """Travel hours of a vehicle of type ``vtype`` (``travel_h / speed_factor``)."""
        return self.travel_h / vtype.speed_factor

    def warm_cost(self, vtype: VehicleType, tonnes: float, hours: float) -> float:
        """Value of shelf life used by ``tonnes`` aboard ``vtype`` for ``hours`` until the hub."""
        if vtype.reefer:
            return 0.0
        late = max(0.0, hours - self.curing_grace_h)
        return tonnes * (self.warm_cost_per_t_h * hours + self.late_cost_per_t_h * late)

    @property
    def prices_freshness(self) -> bool:
        """Whether warm hours cost anything (on some ambient vehicle)."""
        has_ambient = any(not v.reefer and v.count > 0 for v in self.fleet)
        return has_ambient and (self.warm_cost_per_t_h > 0 or self.late_cost_per_t_h > 0)

    def replace(self, **changes: Any) -> CollectionProblem:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def subset(self, pickup_ids: Iterable[str], name: str | None = None) -> CollectionProblem:
        """The same problem restricted to some pickups (matrices cut to match)."""
        keep = [self._index[i] for i in pickup_ids]
        rows = [0, *keep]
        return replace(
            self,
            pickups=tuple(self.pickups[i - 1] for i in keep),
            distance_km=self.distance_km[np.ix_(rows, rows)],
            travel_h=self.travel_h[np.ix_(rows, rows)],
            name=self.name if name is None else name,
        )


@dataclass(frozen=True)
class Stop:
    """One stop of a trip.

    Parameters
    ----------
    node
        Node id (the hub at both ends of a trip, a village in between).
    arrival_h
        Clock hour of arrival (NaN for the trip's first stop, the hub departure).
    departure_h
        Clock hour of departure, loading done (NaN for the trip's last stop).
    load_t
        Tonnes aboard when leaving the stop (for the last stop: when arriving).
    hours_since_pickup
        For a village stop, hours from its departure to the hub; NaN for the hub.
    pickup
        Pickup id served here (``None`` at the hub).
    """

    node: str
    arrival_h: float
    departure_h: float
    load_t: float
    hours_since_pickup: float = math.nan
    pickup: str | None = None


@dataclass(frozen=True)
class Route:
    """One trip of one vehicle: from the hub through villages back to the hub.

    Parameters
    ----------
    vehicle_type
        Vehicle type id.
    vehicle
        Index of the vehicle within its type (0-based).
    trip
        Trip number of that vehicle on the day (0-based, in time order).
    stops
        Stops, the hub first and last.
    """

    vehicle_type: str
    vehicle: int
    trip: int
    stops: tuple[Stop, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "stops", tuple(self.stops))

    @property
    def vehicle_id(self) -> str:
        """The vehicle's label, ``TYPE/INDEX`` (``truck/0``)."""
        return f"{self.vehicle_type}/{self.vehicle}"

    @property
    def pickups(self) -> tuple[str, ...]:
        """Pickup ids served, in order."""
        return tuple(s.pickup for s in self.stops if s.pickup is not None)

    @property
    def start_h(self) -> float:
        """Departure from the hub."""
        return self.stops[0].departure_h

    @property
    def end_h(self) -> float:
        """Return to the hub."""
        return self.stops[-1].arrival_h


def _tidy(value: float) -> float:
    return round(value, 9) if isinstance(value, float) and math.isfinite(value) else value


def routes_to_frame(routes: Sequence[Route]) -> pd.DataFrame:
    """Routes as the ``routes.csv`` table, one row per stop (columns :data:`ROUTE_COLUMNS`)."""
    rows = []
    for route in routes:
        for order, stop in enumerate(route.stops):
            rows.append(
                {
                    "vehicle": route.vehicle_id,
                    "vehicle_type": route.vehicle_type,
                    "trip": route.trip,
                    "stop": order,
                    "node": stop.node,
                    "pickup": stop.pickup if stop.pickup is not None else "",
                    # clock hours to a nanohour: 6.0, not 5.999999999999999 (float noise
                    # of the schedule's sums); far inside every check's tolerance
                    "arrival_h": _tidy(stop.arrival_h),
                    "departure_h": _tidy(stop.departure_h),
                    "load_t": _tidy(stop.load_t),
                    "hours_since_pickup": _tidy(stop.hours_since_pickup),
                }
            )
    frame = pd.DataFrame(rows, columns=list(ROUTE_COLUMNS))
    return frame.astype({"trip": int, "stop": int}) if len(frame) else frame


def routes_from_frame(frame: pd.DataFrame) -> tuple[Route, ...]:
    """Routes back from a ``routes.csv`` table (:func:`routes_to_frame`'s inverse).

    Raises
    ------
    ScenarioError
        If a column is missing or a vehicle label is not ``TYPE/INDEX``.
    """
    missing = [c for c in ROUTE_COLUMNS if c not in frame.columns]
    if missing:
        raise ScenarioError(
            [Problem("routes.csv", c, "a column of routes.csv", "missing") for c in missing]
        )
    routes = []
    frame = frame.sort_values(["vehicle", "trip", "stop"], kind="stable")
    for (vehicle, trip), rows in frame.groupby(["vehicle", "trip"], sort=False):
        vtype, _, index = str(vehicle).rpartition("/")
        if not vtype or not index.isdigit():
            raise ScenarioError(
                Problem("routes.csv", "vehicle", "a label TYPE/INDEX", str(vehicle))
            )
        stops = tuple(
            Stop(
                node=str(r.node),
                arrival_h=float(r.arrival_h),
                departure_h=float(r.departure_h),
                load_t=float(r.load_t),
                hours_since_pickup=float(r.hours_since_pickup),
                pickup=None if (pd.isna(r.pickup) or str(r.pickup) == "") else str(r.pickup),
            )
            for r in rows.itertuples(index=False)
        )
        routes.append(Route(vtype, int(index), int(trip), stops))
    return tuple(routes)
