"""Temperature where and when the fruit is: monthly normals along the route (issue 16, 1).

The normals are the packaged table (networks/data/climate_normals.csv, copied from
shared/domain with its sources); expected values below are read from that table's
published columns or computed by hand from them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from instances import load_scenario
from networks.climate import (
    NORMALS_FILE,
    ambient_c,
    climate_normals,
    day_of_year,
    leg_places,
    leg_stages,
)
from networks.distances import geodesic_km
from networks.errors import ScenarioError
from networks.legs import Leg, Mode
from networks.network import Network
from networks.nodes import Market
from networks.periods import Periods
from networks.timeline import HOURS_PER_WEEK, lot_history
from optimizer.design.data import build_design_data


@pytest.fixture(scope="module")
def xiangxi() -> Network:
    return load_scenario("xiangxi-kiwi")


def test_every_packaged_row_has_twelve_months_and_a_source():
    with NORMALS_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(climate_normals()) >= 26
    for row in rows:
        assert row["source"].strip(), row["place_id"]
    # Published values, as the table gives them (Wikipedia list, FACTS-style citation).
    assert climate_normals()["singapore"].monthly_c[0] == 27.0
    assert climate_normals()["moscow"].monthly_c[0] == -6.5


def test_mid_month_takes_the_normal_and_between_months_is_linear():
    guangzhou = climate_normals()["guangzhou"]  # Jan 13.9, Feb 15.2, Dec 15.5
    assert guangzhou.temp_c(15.5) == pytest.approx(13.9)  # 16 Jan 12:00, mid-January
    assert guangzhou.temp_c(31 + 14.0) == pytest.approx(15.2)  # mid-February
    assert guangzhou.temp_c((15.5 + 45.0) / 2) == pytest.approx((13.9 + 15.2) / 2)
    # 1 January 00:00 lies between mid-December (day -15.5) and mid-January (15.5)
    assert guangzhou.temp_c(0.0) == pytest.approx((15.5 + 13.9) / 2)


def test_day_of_year_counts_from_the_first_of_january():
    assert day_of_year(dt.date(2025, 9, 1), 0.0) == 243.0  # 31+28+31+30+31+30+31+31
    assert day_of_year(dt.date(2025, 9, 1), 36.0) == 244.5
    assert day_of_year(dt.date(2025, 12, 31), 24.0) == 0.0  # a new year


def test_iso_week_labels_give_the_calendar():
    assert Periods(("2025-W36", "2025-W37"), (1.0, 2.0)).start == dt.date(2025, 9, 1)
    assert Periods(("week 1",), (1.0,)).start is None


def _net(nodes: dict, legs: list[Leg], periods: Periods | None = None) -> Network:
    periods = periods or Periods(("2026-W03",), (5.0,))  # Monday 12 January 2026
    supply = pd.DataFrame(columns=["village", "product", "week", "tonnes"])
    demand = pd.DataFrame(
        columns=["market", "product", "week", "tonnes", "price_cny_per_t", "firm"]
    )
    return Network("t", nodes, tuple(legs), {}, periods, supply, demand)


def test_a_leg_splits_its_hours_by_distance_each_place_owning_half_its_stretches():
    sg, col, aden = (climate_normals()[p] for p in ("singapore", "colombo", "aden"))
    a = Market("A", "A", sg.lon, sg.lat, climate="singapore")
    b = Market("B", "B", aden.lon, aden.lat, climate="aden")
    leg = Leg("A", "B", Mode.SEA, False, 6000.0, 300.0, via=("colombo",))
    shares = dict(leg_places(_net({"A": a, "B": b}, [leg]), leg))
    d1 = float(geodesic_km(sg.lon, sg.lat, col.lon, col.lat))
    d2 = float(geodesic_km(col.lon, col.lat, aden.lon, aden.lat))
    # the middle point owns half of both stretches: half the leg, whatever the distances
    assert shares["colombo"] == pytest.approx(0.5)
    assert shares["singapore"] == pytest.approx(d1 / 2 / (d1 + d2))
    assert shares["aden"] == pytest.approx(d2 / 2 / (d1 + d2))


def test_a_leg_between_origin_nodes_is_one_stage_at_the_week_s_ambient():
    a, b = Market("A", "A", 109.7, 28.3), Market("B", "B", 110.0, 28.3)
    leg = Leg("A", "B", Mode.ROAD, False, 40.0, 2.0)
    net = _net({"A": a, "B": b}, [leg], Periods(("w1", "w2"), (20.0, 10.0)))
    assert leg_stages(net, leg, 10.0) == ((2.0, 20.0),)
    assert leg_stages(net, leg, HOURS_PER_WEEK + 1.0) == ((2.0, 10.0),)


def test_ambient_sea_leg_to_dubai_in_january_rides_at_the_route_s_warmth(xiangxi):
    # Issue 16: the flagship's ambient sea containers to Dubai in January-February were
    # charged 444 h at Jishou's 4.6-5.7 deg C. Along the lane (Guangzhou, Singapore,
    # Colombo, Dubai) the January normals are 13.9, 27, 26.6 and 18.7 deg C.
    leg = xiangxi.legs_by_id["P_NSHA>M_DXB:sea"]
    week = xiangxi.periods.labels.index("2026-W02") + 1  # Monday 5 January 2026
    timeline = lot_history(xiangxi, ("P_NSHA", "M_DXB"), (leg,), week, wait_hours=0.0)
    segments = timeline.history.segments[timeline.leg_start[0] : timeline.leg_end[0]]
    assert [s.hours for s in segments] == pytest.approx([s for _, s in _shares(xiangxi, leg)])
    assert sum(s.hours for s in segments) == pytest.approx(444.0)
    january = {"guangzhou": 13.9, "singapore": 27.0, "colombo": 26.6, "dubai": 18.7}
    for (place, _), seg in zip(_shares(xiangxi, leg), segments, strict=True):
        # 5-23 January: within 1.5 deg C of the January normal (interpolation to mid-months)
        assert seg.temp_c == pytest.approx(january[place], abs=1.5), place
    mean = sum(s.hours * s.temp_c for s in segments) / 444.0
    assert mean > 20.0
    # its reefer twin keeps the set point
    reefer = xiangxi.legs_by_id["P_NSHA>M_DXB:sea-reefer"]
    assert leg_stages(xiangxi, reefer, 0.0) == ((444.0, 1.0),)


def _shares(network, leg):
    return [(p, leg.hours * s) for p, s in leg_places(network, leg)]


def test_villages_and_hubs_take_the_scenario_s_weekly_ambient(xiangxi):
    # Nodes without a climate place are at the origin: [periods] ambient_temp_c.
    leg = next(leg for leg in xiangxi.legs if leg.origin.startswith("V_") and not leg.temp_c)
    for week in (1, 10, 20):
        hours = (week - 1) * HOURS_PER_WEEK + 3.0
        assert ambient_c(xiangxi, leg.origin, hours) == xiangxi.periods.ambient(week)
        assert leg_stages(xiangxi, leg, hours) == ((leg.hours, xiangxi.periods.ambient(week)),)


def test_the_design_model_takes_the_temperatures_of_the_lot_histories(tiny):
    # tiny with climate places on its nodes beyond the hubs and a via on its ambient
    # parcel leg: the design model's survival of every route and dispatch week equals
    # the survival view of the evaluator's lot history along the same route, from the
    # hub at the start of the week (no delay penalty: the hubs pre-cool).
    places = {"BZ_CS": "changsha", "P_NS": "guangzhou", "W_SG": "singapore"}
    places |= {"M_CS": "changsha", "M_BKK": "bangkok"}
    nodes = {k: replace(n, climate=places.get(k, "")) for k, n in tiny.nodes.items()}
    legs = tuple(
        replace(leg, via=("hanoi",)) if leg.mode == Mode.PARCEL else leg for leg in tiny.legs
    )
    net = tiny.replace(nodes=nodes, legs=legs)
    data = build_design_data(net)
    checked = 0
    for (r, product, week), s in data.route_survival.items():
        route = data.routes[r]
        shelf = net.products[product].shelf_life
        timeline = lot_history(
            net, route.nodes, route.legs, week, wait_hours=0.0, customs_mode=route.customs_mode
        )
        expected = 1.0 if shelf is None else shelf.path_survival(timeline.history, 0.0)
        assert s == pytest.approx(expected, rel=1e-9), (route.key, product, week)
        checked += any(leg.mode == Mode.PARCEL for leg in route.legs) and shelf is not None
    assert checked > 0
    # the parcel leg passes Changsha, Hanoi and Bangkok at their October temperatures
    parcel = next(leg for leg in net.legs if leg.mode == Mode.PARCEL)
    temps = [t for _, t in leg_stages(net, parcel, 0.0)]  # from Monday 13 October 2025
    assert temps == pytest.approx([18.4, 24.9, 28.1], abs=1.5)


def _add_column(path, name: str, values: dict[str, str]) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[0].append(name)
    for row in rows[1:]:
        row.append(values.get(row[0], ""))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_an_unknown_climate_place_is_refused_on_its_line(scenario_copy):
    copy = scenario_copy("tiny")
    _add_column(copy / "nodes.csv", "climate", {"M_BKK": "atlantis"})
    line = copy.line_of("nodes.csv", "M_BKK,")
    message = rf"nodes.csv:{line}: climate: expected one of .*atlantis"
    with pytest.raises(ScenarioError, match=message):
        copy.load()


def test_an_unknown_via_place_is_refused_on_its_line(scenario_copy):
    copy = scenario_copy("tiny")
    _add_column(copy / "legs.csv", "via", {"BZ_CS": "hanoi;nowhere"})
    line = copy.line_of("legs.csv", "BZ_CS,P_NS")
    with pytest.raises(ScenarioError, match=rf"legs.csv:{line}: via: expected .*got nowhere"):
        copy.load()


def test_climate_places_need_a_calendar(scenario_copy):
    copy = scenario_copy("tiny")
    _add_column(copy / "nodes.csv", "climate", {"M_BKK": "bangkok"})
    copy.edit("scenario.toml", '"2025-W42", "2025-W43"', '"oct-1", "oct-2"')
    with pytest.raises(ScenarioError, match=r"periods.start: expected a first day"):
        copy.load()
    copy.edit("scenario.toml", "[periods]", '[periods]\nstart = "2025-10-13"')
    net = copy.load()
    assert net.periods.start == dt.date(2025, 10, 13)
    assert ambient_c(net, "M_BKK", 0.0) == pytest.approx(
        # 13 October = day 285, between mid-September (258) and mid-October (288.5)
        float(np.interp(285.0, [243 + 15.0, 273 + 15.5], [28.3, 28.1]))  # Sep, Oct normals
    )
