"""The route checker catches each kind of violation on hand-made routes.

The problem: hub H and villages A, B, C on a line (10 km apart, 20 km/h).

    H --10-- A --10-- B --10-- C
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from networks.collection import CollectionProblem, Pickup, Route, Stop, VehicleType
from results.route_check import check_routes

POS = {"H": 0, "A": 10, "B": 20, "C": 30}


def _problem(**changes) -> CollectionProblem:
    names = ["H", "A", "B", "C"]
    km = np.array([[abs(POS[a] - POS[b]) for b in names] for a in names], dtype=float)
    problem = CollectionProblem(
        hub="H",
        pickups=(
            Pickup("A", 1.0, 8.0, 10.0, 0.5),
            Pickup("B", 1.0, 8.0, 12.0, 0.5),
            Pickup("C", 1.5, 9.0, 12.0, 0.5),
        ),
        fleet=(
            VehicleType(
                "van",
                1,
                2.0,
                fixed_cost=100,
                cost_per_km=2,
                cost_per_hour=10,
                reefer=True,
                max_shift_hours=6,
                max_trips=2,
            ),
            VehicleType(
                "truck",
                1,
                3.0,
                fixed_cost=150,
                cost_per_km=3,
                cost_per_hour=20,
                max_shift_hours=8,
                allowed_nodes=frozenset({"A", "B"}),
            ),
        ),
        distance_km=km,
        travel_h=km / 20.0,
        freshness_ambient_h=2.0,
        freshness_reefer_h=4.0,
        warm_cost_per_t_h=10.0,
        day_start_h=7.0,
        hub_close_h=18.0,
        multi_trip=True,
    )
    return problem.replace(**changes) if changes else problem


def _trip(problem, vtype, vehicle, trip, start, visits, end, loads=None):
    """A trip whose loads and hours since pickup are computed (right unless given)."""
    stops = [Stop("H", math.nan, start, 0.0)]
    load = 0.0
    for k, (pickup_id, arrival, departure) in enumerate(visits):
        known = any(p.id == pickup_id for p in problem.pickups)
        pickup = problem.pickup(pickup_id) if known else None
        load += pickup.tonnes if pickup else 0.0
        stated = loads[k] if loads else load
        node = pickup.node if pickup else pickup_id
        stops.append(Stop(node, arrival, departure, stated, end - departure, pickup_id))
    stops.append(Stop("H", end, math.nan, load))
    return Route(vtype, vehicle, trip, tuple(stops))


def _good(problem):
    return [
        _trip(problem, "truck", 0, 0, 7.5, [("A", 8.0, 8.5), ("B", 9.0, 9.5)], 10.5),
        _trip(problem, "van", 0, 0, 7.5, [("C", 9.0, 9.5)], 11.0),
    ]


def _kinds(check):
    return {v.constraint for v in check.violations}


def test_good_routes_pass_and_cost_is_recomputed_by_hand():
    problem = _problem()
    check = check_routes(problem, _good(problem))
    assert check.ok, [str(v) for v in check.violations]
    # truck: 150 + 40 km * 3 + 3 h * 20 + warm 10 * (1 t * 2 h + 1 t * 1 h)
    # van:   100 + 60 km * 2 + 3.5 h * 10 (reefer: no warm cost)
    assert check.fixed_cost == pytest.approx(250)
    assert check.distance_cost == pytest.approx(120 + 120)
    assert check.time_cost == pytest.approx(60 + 35)
    assert check.warm_cost == pytest.approx(30)
    assert check.cost == pytest.approx(615)
    assert check.distance_km == pytest.approx(100)
    assert check.vehicles_used == 2 and check.trips == 2
    assert check.worst_freshness_h == pytest.approx(2.0)


def test_late_cost_counts_only_hours_past_the_grace():
    problem = _problem(late_cost_per_t_h=4.0, curing_grace_h=1.5)
    check = check_routes(problem, _good(problem))
    # A: 2 h aboard, 0.5 h past the grace; B: 1 h, none past it
    assert check.warm_cost == pytest.approx(30 + 4.0 * 1.0 * 0.5)


def test_capacity():
    problem = _problem()
    routes = [
        _trip(problem, "truck", 0, 0, 7.5, [("A", 8.0, 8.5)], 9.0),
        _trip(problem, "van", 0, 0, 8.0, [("B", 9.0, 9.5), ("C", 10.0, 10.5)], 12.0),
    ]
    check = check_routes(problem, routes)
    assert _kinds(check) == {"capacity"}
    (violation,) = check.violations
    assert violation.vehicle == "van/0" and violation.trip == 0
    assert "2.5 t aboard, capacity 2 t" in violation.message


def test_time_window():
    problem = _problem()
    routes = [
        _trip(problem, "truck", 0, 0, 9.5, [("B", 10.5, 11.0), ("A", 11.5, 12.0)], 12.5),
        _trip(problem, "van", 0, 0, 7.5, [("C", 9.0, 9.5)], 11.0),
    ]
    check = check_routes(problem, routes)
    assert _kinds(check) == {"time_window"}
    assert check.violations[0].node == "A"


def test_shift():
    problem = _problem()
    routes = [
        _trip(problem, "truck", 0, 0, 7.5, [("A", 8.0, 8.5), ("B", 9.0, 9.5)], 10.5),
        _trip(problem, "van", 0, 0, 7.5, [("C", 9.0, 9.5)], 11.0),
        _trip(problem, "van", 0, 1, 14.0, [], 14.0),  # an empty trip still ends the shift
    ]
    check = check_routes(problem, routes)
    assert _kinds(check) == {"shift"}
    assert "works 6.5000 h, shift at most 6 h" in check.violations[0].message
    assert check.violations[0].vehicle == "van/0"


def test_freshness():
    problem = _problem()
    routes = [
        _trip(problem, "truck", 0, 0, 7.5, [("A", 8.0, 8.5), ("B", 9.0, 10.0)], 11.0),
        _trip(problem, "van", 0, 0, 7.5, [("C", 9.0, 9.5)], 11.0),
    ]
    check = check_routes(problem, routes)
    assert _kinds(check) == {"freshness"}
    (violation,) = check.violations
    assert (
        violation.node == "A" and "2.5000 h" in violation.message and "ambient" in violation.message
    )
    assert check.worst_freshness_h == pytest.approx(2.5)


def test_reefer_limit_is_longer():
    problem = _problem()
    routes = [
        _trip(problem, "truck", 0, 0, 7.5, [("A", 8.0, 8.5), ("B", 9.0, 9.5)], 10.5),
        _trip(problem, "van", 0, 0, 7.5, [("C", 9.0, 9.5)], 13.0),  # 3.5 h, limit 4
    ]
    assert check_routes(problem, routes).ok
    check = check_routes(problem.replace(freshness_reefer_h=3.0), routes)
    assert _kinds(check) == {"freshness"} and "limit 3 h on a reefer" in check.violations[0].message


def test_coverage_missing_and_twice():
    problem = _problem()
    missing = [_trip(problem, "truck", 0, 0, 7.5, [("A", 8.0, 8.5), ("B", 9.0, 9.5)], 10.5)]
    check = check_routes(problem, missing)
    assert _kinds(check) == {"coverage"} and check.violations[0].node == "C"
    twice = _good(problem) + [_trip(problem, "van", 0, 1, 11.0, [("B", 12.0, 12.5)], 13.5)]
    check = check_routes(problem, twice)
    assert _kinds(check) == {"coverage"} and check.violations[0].node == "B"
    assert "served 2 times" in check.violations[0].message


def test_vehicle_count():
    problem = _problem()
    routes = [
        _trip(problem, "truck", 0, 0, 7.5, [("A", 8.0, 8.5)], 9.0),
        _trip(problem, "truck", 1, 0, 8.0, [("B", 9.0, 9.5)], 10.5),
        _trip(problem, "van", 0, 0, 7.5, [("C", 9.0, 9.5)], 11.0),
    ]
    check = check_routes(problem, routes)
    assert _kinds(check) == {"vehicle_count"}
    assert check.violations[0].vehicle == "truck/1"


def test_access():
    problem = _problem()
    routes = [
        _trip(problem, "truck", 0, 0, 7.5, [("A", 8.0, 8.5), ("C", 9.5, 10.0)], 11.5),
        _trip(problem, "van", 0, 0, 8.0, [("B", 9.0, 9.5)], 10.5),
    ]
    check = check_routes(problem, routes)
    assert "access" in _kinds(check)
    assert [v.node for v in check.violations if v.constraint == "access"] == ["C"]


def test_trip_count_and_multi_trip_off():
    problem = _problem()
    routes = [
        _trip(problem, "truck", 0, 0, 7.5, [("A", 8.0, 8.5)], 9.0),
        _trip(problem, "truck", 0, 1, 9.0, [("B", 10.0, 10.5)], 11.5),
        _trip(problem, "van", 0, 0, 7.5, [("C", 9.0, 9.5)], 11.0),
    ]
    check = check_routes(problem, routes)
    assert _kinds(check) == {"trip_count"}
    assert check.violations[0].vehicle == "truck/0"
    # The van may make two trips only while the problem allows several.
    two_van_trips = [
        _trip(problem, "van", 0, 0, 7.5, [("A", 8.0, 8.5)], 9.0),
        _trip(problem, "van", 0, 1, 9.0, [("C", 10.5, 11.0)], 12.5),
        _trip(problem, "truck", 0, 0, 8.0, [("B", 9.0, 9.5)], 10.5),
    ]
    assert check_routes(problem, two_van_trips).ok
    check = check_routes(problem.replace(multi_trip=False), two_van_trips)
    assert _kinds(check) == {"trip_count"}
    assert "one trip per vehicle" in check.violations[0].message


def test_travel_and_service_time():
    problem = _problem()
    too_fast = [
        _trip(problem, "truck", 0, 0, 7.5, [("A", 7.8, 8.5), ("B", 9.0, 9.5)], 10.5),
        _trip(problem, "van", 0, 0, 7.5, [("C", 9.0, 9.5)], 11.0),
    ]
    check = check_routes(problem, too_fast)
    assert _kinds(check) == {"travel_time"} and check.violations[0].node == "A"
    too_short = [
        _trip(problem, "truck", 0, 0, 7.5, [("A", 8.0, 8.5), ("B", 9.0, 9.2)], 10.2),
        _trip(problem, "van", 0, 0, 7.5, [("C", 9.0, 9.5)], 11.0),
    ]
    check = check_routes(problem, too_short)
    assert _kinds(check) == {"service_time"} and check.violations[0].node == "B"


def test_hub_hours():
    problem = _problem()
    early = [
        _trip(problem, "truck", 0, 0, 6.5, [("A", 8.0, 8.5), ("B", 9.0, 9.5)], 10.5),
        _trip(problem, "van", 0, 0, 7.5, [("C", 9.0, 9.5)], 11.0),
    ]
    assert _kinds(check_routes(problem, early)) == {"hub_hours"}
    late = check_routes(problem.replace(hub_close_h=10.75), _good(problem))
    assert _kinds(late) == {"hub_hours"}
    assert late.violations[0].vehicle == "van/0"


def test_trip_overlap():
    problem = _problem()
    routes = [
        _trip(problem, "van", 0, 0, 7.5, [("A", 8.0, 8.5)], 9.0),
        _trip(problem, "van", 0, 1, 8.8, [("C", 10.5, 11.0)], 12.5),
        _trip(problem, "truck", 0, 0, 8.0, [("B", 9.0, 9.5)], 10.5),
    ]
    check = check_routes(problem, routes)
    assert _kinds(check) == {"trip_overlap"}


def test_route_shape_unknown_pickup_and_vehicle():
    problem = _problem()
    good = _good(problem)
    no_return = Route("van", 0, 0, good[1].stops[:-1])
    check = check_routes(problem, [good[0], no_return])
    assert "route_shape" in _kinds(check)
    unknown = _trip(problem, "van", 0, 0, 7.5, [("C", 9.0, 9.5), ("Z", 10.0, 10.5)], 12.0)
    assert "unknown_pickup" in _kinds(check_routes(problem, [good[0], unknown]))
    bus = Route("bus", 0, 0, good[1].stops)
    assert "unknown_vehicle" in _kinds(check_routes(problem, [good[0], bus]))


def test_record_of_load_and_hours():
    problem = _problem()
    wrong_load = _trip(
        problem, "truck", 0, 0, 7.5, [("A", 8.0, 8.5), ("B", 9.0, 9.5)], 10.5, loads=[1.0, 1.0]
    )
    check = check_routes(problem, [wrong_load, _good(problem)[1]])
    assert _kinds(check) == {"record"}
    good = _good(problem)
    stops = list(good[1].stops)
    stops[1] = Stop("C", 9.0, 9.5, 1.5, 0.5, "C")
    check = check_routes(problem, [good[0], Route("van", 0, 0, tuple(stops))])
    assert _kinds(check) == {"record"}
    assert "hours since pickup stated 0.5" in check.violations[0].message


def test_violation_text_names_vehicle_trip_and_node():
    problem = _problem()
    routes = [
        _trip(problem, "truck", 0, 0, 7.5, [("A", 8.0, 8.5), ("B", 9.0, 10.0)], 11.0),
        _trip(problem, "van", 0, 0, 7.5, [("C", 9.0, 9.5)], 11.0),
    ]
    text = str(check_routes(problem, routes).violations[0])
    assert text.startswith("freshness: truck/0 trip 0 A:")
