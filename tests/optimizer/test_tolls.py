"""Tolls and the green channel: a whole truck of listed produce, 80% full, pays none.

FACTS 2.1: trucks carrying listed fresh produce are exempt from expressway tolls when the
produce fills at least 80% of the rated load and is not mixed with other goods. Checked
against a brute force over trips and part loads, hand-computed plans, and the exact path
model's objective against the evaluator's.
"""

from __future__ import annotations

import csv
import io
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from networks.firms import GREEN_CHANNEL_FILL, LOAD_TOLERANCE_T, load_cost_tolled
from networks.plan import PathFlow, Plan
from optimizer.design import DesignOptions
from optimizer.design.scored import solve_and_score
from results.evaluate import evaluate

TOLL = 500.0


def brute_force(tonnes, per_trip, capacity, rate, toll, other):
    """The cheapest cost over trips 0..ceil+1 and part loads on a fine grid.

    A part load of a gram or less (``LOAD_TOLERANCE_T``) is none: the convention the
    evaluator counts float noise by.
    """
    grain = LOAD_TOLERANCE_T
    best = math.inf
    for n in range(0, math.ceil(tonnes / capacity) + 2):
        least = max(0.0, tonnes - n * capacity)
        grid = [least + (tonnes - least) * i / 400 for i in range(401)] + [max(least, other)]
        for part in grid:
            if part > grain and not math.isfinite(rate):
                continue
            pure = other <= part + grain  # the other goods all ride the part load
            # each exempt truck carries >= 80% of its capacity of listed produce
            exempt = 0
            if pure:
                exempt = min(
                    n, math.floor((tonnes - part) / (GREEN_CHANNEL_FILL * capacity) + 1e-9)
                )
            cost = n * per_trip + (rate * part if part > grain else 0.0) + toll * (n - exempt)
            best = min(best, cost)
    return best


@settings(max_examples=150, deadline=None)
@given(
    tonnes=st.floats(0.0, 40.0),
    share=st.floats(0.0, 1.0),
    capacity=st.floats(2.0, 20.0),
    premium=st.one_of(st.just(math.inf), st.floats(1.1, 2.0)),
    toll=st.floats(0.0, 2000.0),
)
def test_tolled_cost_is_the_cheapest_over_trips_and_part_loads(
    tonnes, share, capacity, premium, toll
):
    per_trip = 2400.0
    rate = per_trip / capacity * premium
    other = tonnes * share if share > 0.5 else 0.0  # half the draws are pure produce
    cost, trips, part, tolled = load_cost_tolled(tonnes, per_trip, capacity, rate, toll, other)
    expected = brute_force(tonnes, per_trip, capacity, rate, toll, other)
    assert cost <= expected + 1e-6  # the grid can only miss cheaper points
    assert cost == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert trips * capacity + part >= tonnes - 1e-6
    assert 0 <= tolled <= trips


def test_tolls_by_hand():
    # 12 t trucks, 2,400 a trip, toll 500, part loads at 300 / t
    assert load_cost_tolled(10.0, 2400.0, 12.0, 300.0, 500.0) == (2400.0, 1, 0.0, 0)  # 83%
    # 9 t is 75% of a truck: tolled (2,900), cheaper than 9 t of part load (2,700)
    assert load_cost_tolled(9.0, 2400.0, 12.0, 300.0, 500.0) == (2700.0, 0, 9.0, 0)
    # no part loads sold: 9 t in a truck that pays the toll
    assert load_cost_tolled(9.0, 2400.0, 12.0, math.inf, 500.0) == (2900.0, 1, 0.0, 1)
    # 1 t of other goods: as a part load (300), the 10 t of kiwi exempt
    assert load_cost_tolled(11.0, 2400.0, 12.0, 300.0, 500.0, 1.0) == (2700.0, 1, 1.0, 0)
    # no part loads: the other goods mix in, the truck pays the toll
    assert load_cost_tolled(11.0, 2400.0, 12.0, math.inf, 500.0, 1.0) == (2900.0, 1, 0.0, 1)


def test_float_noise_rides_in_the_whole_trips():
    # a solver's 36 t carries noise (HiGHS meets its rows to 1e-7): still three trucks,
    # as the exact path model's rows counted them; a kilogram over needs a fourth
    assert load_cost_tolled(36.0 + 1e-7, 2400.0, 12.0, math.inf, 0.0)[:2] == (7200.0, 3)
    assert load_cost_tolled(36.0 + 1e-7, 2400.0, 12.0, 300.0, 0.0)[:3] == (7200.0, 3, 0.0)
    assert load_cost_tolled(36.0 + 1e-3, 2400.0, 12.0, math.inf, 0.0)[:2] == (9600.0, 4)


def _tolled_tiny(scenario_copy, part_loads: bool):
    """tiny, its reefer road trips tolled (500 CNY), fresh kiwi listed produce."""
    copy = scenario_copy("tiny")
    rows = list(csv.DictReader(io.StringIO((copy / "legs.csv").read_text(encoding="utf-8"))))
    names = [*rows[0].keys()]
    names.insert(names.index("part_load_cny_per_t") + 1, "toll_cny_per_trip")
    for row in rows:
        reefer_road = row["mode"] == "road" and row["refrigerated"] == "true"
        row["toll_cny_per_trip"] = (
            f"{TOLL:g}" if reefer_road and row["cost_cny_per_trip"] != "0" else ""
        )
        if not part_loads:
            row["part_load_cny_per_t"] = ""
    out = io.StringIO()
    writer = csv.DictWriter(out, names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    copy.write("legs.csv", out.getvalue())
    assert copy.load().products["fresh_kiwi"].green_channel  # tiny lists fresh kiwi
    return copy.load()


def _row(product: str, tonnes: float) -> PathFlow:
    return PathFlow(
        firm="coopA",
        shipper="3pl",
        product=product,
        week=1,
        tonnes=tonnes,
        nodes=("V1", "H_JS", "M_CS"),
        services=("road", "road-reefer"),
        precool=product == "fresh_kiwi",
    )


def test_the_evaluator_exempts_a_full_truck_of_kiwi_and_tolls_a_mixed_one(scenario_copy):
    tolled = _tolled_tiny(scenario_copy, part_loads=False)
    leg = "H_JS>M_CS:road-reefer"  # 10 t trucks, 2,300 a trip

    def trips(*rows):
        plan = Plan("by-hand", {"H_JS": "small"}, rows)
        frame = evaluate(tolled, plan, check=False).trips.set_index("leg")
        return frame.loc[leg]

    full = trips(_row("fresh_kiwi", 9.0))  # >= 8 t sound of kiwi on a 10 t truck
    assert full["trips"] == 1 and full["tolled_trips"] == 0
    assert full["cost"] == pytest.approx(2300.0)
    light = trips(_row("fresh_kiwi", 5.0))  # under 80%: the toll is due
    assert light["tolled_trips"] == 1 and light["cost"] == pytest.approx(2300.0 + TOLL)
    mixed = trips(_row("fresh_kiwi", 9.0), _row("embroidery", 0.05))  # not pure produce
    assert mixed["tolled_trips"] == 1 and mixed["cost"] == pytest.approx(2300.0 + TOLL)


@pytest.mark.parametrize("part_loads", [True, False])
def test_the_path_models_objective_counts_tolls_as_the_evaluator(scenario_copy, part_loads):
    tolled = _tolled_tiny(scenario_copy, part_loads)
    options = DesignOptions.from_network(tolled, time_limit=30)
    scored = solve_and_score(tolled, options, status_quo=None)
    evaluation = evaluate(tolled, scored.result.plan)
    assert scored.paths.outcome.objective == pytest.approx(
        evaluation.kpis()["total_cost"], rel=1e-9
    )
    # the bound leaves tolls out (a relaxation): it stays below the evaluated cost
    assert scored.bound.value <= scored.objective + 1e-6
    trips = evaluation.trips
    tolled_legs = trips["leg"].map(lambda leg: tolled.legs_by_id[leg].toll_cny_per_trip > 0)
    assert tolled_legs.any()  # the plan uses tolled legs: the check covers the toll rows
