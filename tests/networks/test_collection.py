"""The collection problem: validation, read-only data, derived views, routes table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from networks.collection import (
    ROUTE_COLUMNS,
    CollectionProblem,
    Pickup,
    Route,
    Stop,
    VehicleType,
    routes_from_frame,
    routes_to_frame,
)
from networks.errors import ScenarioError


def _problem(**changes) -> CollectionProblem:
    km = np.array([[0, 10, 20], [10, 0, 12], [20, 12, 0]], dtype=float)
    problem = CollectionProblem(
        hub="H",
        pickups=(Pickup("A", 1.0, 8, 12, 0.25), Pickup("B", 2.0, 9, 11, 0.5)),
        fleet=(
            VehicleType("van", 2, 2.0, 100, 2.0, 30, reefer=True, max_trips=2),
            VehicleType("tricycle", 1, 0.5, speed_factor=0.5, allowed_nodes={"A"}),
        ),
        distance_km=km,
        travel_h=km / 40,
        freshness_ambient_h=3,
        freshness_reefer_h=8,
        warm_cost_per_t_h=10,
        late_cost_per_t_h=5,
        curing_grace_h=1,
        day_start_h=6,
        hub_close_h=20,
    )
    return problem.replace(**changes) if changes else problem


def test_valid_problem_and_views():
    problem = _problem()
    assert problem.num_pickups == 2 and problem.num_vehicles == 3
    assert problem.total_tonnes == pytest.approx(3.0)
    assert problem.index("B") == 2 and problem.pickup("B").tonnes == 2.0
    van, tricycle = problem.fleet
    assert problem.freshness_limit_h(van) == 8 and problem.freshness_limit_h(tricycle) == 3
    assert problem.travel_h_for(tricycle)[0, 1] == pytest.approx(0.5)
    assert tricycle.may_serve("A") and not tricycle.may_serve("B")
    assert isinstance(tricycle.allowed_nodes, frozenset)
    assert problem.trips_allowed(van) == 1  # several trips only where the problem allows
    assert problem.replace(multi_trip=True).trips_allowed(van) == 2
    assert problem.vehicle_type("tricycle") is tricycle
    assert problem.prices_freshness


def test_warm_cost_ambient_only_with_grace():
    problem = _problem()
    van, tricycle = problem.fleet
    assert problem.warm_cost(van, 2.0, 3.0) == 0.0
    # 2 t * (10 * 3 h + 5 * (3 - 1) h)
    assert problem.warm_cost(tricycle, 2.0, 3.0) == pytest.approx(80.0)
    assert problem.warm_cost(tricycle, 2.0, 0.5) == pytest.approx(10.0)


def test_matrices_are_read_only_copies():
    km = np.zeros((3, 3))
    problem = _problem(distance_km=km)
    km[0, 1] = 99
    assert problem.distance_km[0, 1] == 0
    with pytest.raises(ValueError, match="read-only"):
        problem.travel_h[0, 1] = 1.0


def test_pickup_defaults_and_id():
    pickup = Pickup("V1", 2.0)
    assert pickup.id == "V1" and pickup.window_end_h == math.inf
    assert Pickup("V1", 2.0, id="V1#2").id == "V1#2"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tonnes": -1.0}, "tonnes: expected a finite number >= 0, got -1"),
        ({"service_h": math.nan}, "service_h: expected a finite number >= 0"),
        (
            {"window_start_h": 10.0, "window_end_h": 9.0},
            "window_end_h: expected a clock hour >= window_start_h",
        ),
    ],
)
def test_invalid_pickup(kwargs, message):
    args = {"node": "V1", "tonnes": 1.0, **kwargs}
    with pytest.raises(ScenarioError, match=message):
        Pickup(**args)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": -1}, "count: expected an integer >= 0"),
        ({"capacity_t": 0.0}, "capacity_t: expected a finite number > 0"),
        ({"cost_per_km": -2.0}, "cost_per_km: expected a finite number >= 0"),
        ({"speed_factor": 0.0}, "speed_factor: expected a finite number > 0"),
        ({"max_trips": 0}, "max_trips: expected an integer >= 1"),
        ({"max_shift_hours": 0.0}, "max_shift_hours: expected a number > 0"),
    ],
)
def test_invalid_vehicle_type(kwargs, message):
    args = {"id": "van", "count": 1, "capacity_t": 2.0, **kwargs}
    with pytest.raises(ScenarioError, match=message):
        VehicleType(**args)


def test_wrong_matrix_shape():
    with pytest.raises(ScenarioError, match=r"distance_km: expected shape \(3, 3\)"):
        _problem(distance_km=np.zeros((2, 2)))


def test_negative_or_infinite_travel():
    bad = np.ones((3, 3))
    bad[1, 2] = -1
    with pytest.raises(ScenarioError, match="travel_h: expected numbers >= 0"):
        _problem(travel_h=bad)
    bad[1, 2] = np.inf
    with pytest.raises(ScenarioError, match="travel_h: expected finite numbers"):
        _problem(travel_h=bad)


def test_duplicate_pickups_and_pickup_at_hub():
    with pytest.raises(ScenarioError, match="pickups: expected unique pickup ids, got A"):
        _problem(pickups=(Pickup("A", 1.0), Pickup("A", 1.0)))
    with pytest.raises(ScenarioError, match="no pickup at the hub itself"):
        _problem(pickups=(Pickup("A", 1.0), Pickup("H", 1.0)))


def test_every_problem_is_reported_at_once():
    with pytest.raises(ScenarioError) as info:
        _problem(freshness_ambient_h=0, warm_cost_per_t_h=-1, hub_close_h=5, convention="x")
    fields = {p.field for p in info.value.problems}
    assert fields == {"freshness_ambient_h", "warm_cost_per_t_h", "hub_close_h", "convention"}


def test_subset_cuts_matrices():
    problem = _problem()
    sub = problem.subset(["B"])
    assert [p.id for p in sub.pickups] == ["B"]
    assert sub.distance_km.tolist() == [[0, 20], [20, 0]]


def test_routes_frame_round_trip():
    stops = (
        Stop("H", math.nan, 7.0, 0.0),
        Stop("A", 7.25, 8.25, 1.0, 1.0, "A"),
        Stop("H", 9.25, math.nan, 1.0),
    )
    routes = (Route("van", 1, 0, stops),)
    frame = routes_to_frame(routes)
    assert tuple(frame.columns) == ROUTE_COLUMNS
    assert frame["vehicle"].tolist() == ["van/1"] * 3
    assert frame["pickup"].tolist() == ["", "A", ""]
    back = routes_from_frame(frame)
    assert back[0].vehicle_type == "van" and back[0].vehicle == 1
    assert back[0].pickups == ("A",)
    assert back[0].start_h == 7.0 and back[0].end_h == 9.25


def test_routes_from_frame_errors():
    frame = routes_to_frame((Route("van", 0, 0, (Stop("H", math.nan, 7, 0),)),))
    with pytest.raises(ScenarioError, match="routes.csv: load_t: expected a column"):
        routes_from_frame(frame.drop(columns=["load_t"]))
    frame["vehicle"] = "van"
    with pytest.raises(ScenarioError, match="vehicle: expected a label TYPE/INDEX"):
        routes_from_frame(frame)
