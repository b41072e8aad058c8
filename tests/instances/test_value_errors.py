"""The tables' rows: a bad cell, or a row naming what the other tables lack, is
named with its file, line and column.

What each test checks, and how, is in this folder's conftest.py.
"""

from __future__ import annotations

import re

import pytest

from instances.scenario import load_folder
from networks.errors import ScenarioError

KINDS = "village, county_hub, bonded_zone, port, overseas_warehouse, market"


# --- nodes.csv -------------------------------------------------------------------------
def test_latitude_out_of_range(folder, rejected):
    folder.edit("nodes.csv", "109.80,28.30", "109.80,95")
    rejected(folder, r"nodes\.csv:2: lat: expected a number in \[-90, 90\], got 95")


def test_latitude_out_of_range_is_reported_once(folder):
    folder.edit("nodes.csv", "109.80,28.30", "109.80,95")
    with pytest.raises(ScenarioError) as info:
        load_folder(folder)
    assert [str(p) for p in info.value.problems if p.file == "nodes.csv"] == [
        "nodes.csv:2: lat: expected a number in [-90, 90], got 95"
    ]


def test_bad_node_row_does_not_cascade_into_leg_errors(folder):
    folder.edit("nodes.csv", "109.80,28.30", "109.80,abc")
    with pytest.raises(ScenarioError) as info:
        load_folder(folder)
    assert [str(p) for p in info.value.problems] == [
        "nodes.csv:2: lat: expected a number in [-90, 90], got abc"
    ]


def test_longitude_infinite(folder, rejected):
    folder.edit("nodes.csv", "109.80,28.30", "inf,28.30")
    rejected(folder, r"nodes\.csv:2: lon: expected a number in \[-180, 180\], got inf")


def test_duplicate_id(folder, rejected):
    line = folder.append("nodes.csv", "V1,Copy of V1,village,109.8,28.3,CN,coopA,van")
    error = rejected(
        folder,
        rf"nodes\.csv:{line}: id: expected a unique id, got V1 "
        r"\(already used\)",
    )
    assert len(error.problems) == 1


def test_unknown_node_kind(folder, rejected):
    line = folder.append("nodes.csv", "X1,Mystery,hamlet,109.9,28.3,CN")
    rejected(folder, rf"nodes\.csv:{line}: kind: expected one of {KINDS}, got hamlet")


def test_unknown_customs_mode_of_a_bonded_zone(folder, rejected):
    line = folder.line_of("nodes.csv", "BZ_CS,")
    folder.edit("nodes.csv", "9610;9710;9810", "9610;9999")
    rejected(
        folder,
        rf"nodes\.csv:{line}: customs_modes: expected a ;-separated list of 0110, "
        r"9610, 9710, 9810, 1210, got 9999",
    )


def test_bonded_zone_without_customs_mode(folder, rejected):
    folder.edit("nodes.csv", "9610;9710;9810", "")
    rejected(
        folder,
        r"nodes\.csv:7: customs_modes: expected at least one customs mode of a "
        r"bonded zone \(0110, 9610, 9710, 9810, 1210\), got none",
    )


def test_port_without_port_mode(folder, rejected):
    folder.edit("nodes.csv", ",0,sea,,", ",0,,,")
    rejected(folder, r"nodes\.csv:8: port_mode: expected sea, rail or air for a port, got none")


def test_village_of_unknown_firm(folder, rejected):
    folder.edit("nodes.csv", "CN,firmB,tricycle", "CN,firmZ,tricycle")
    rejected(folder, r"nodes\.csv:4: firm: expected a firm id of firms\.csv, got firmZ")


# --- legs.csv --------------------------------------------------------------------------
def test_empty_required_cell(folder, rejected):
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road,false,,9,0.5,", "V3,H_FH,road,false,,9,,")
    rejected(folder, rf"legs\.csv:{line}: hours: expected a number >= 0, got an empty cell")


def test_unknown_mode(folder, rejected):
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road", "V3,H_FH,donkey")
    rejected(
        folder,
        rf"legs\.csv:{line}: mode: expected one of road, rail, sea, air, parcel, "
        r"got donkey",
    )


def test_leg_to_unknown_node(folder, rejected):
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road", "V3,H_XX,road")
    rejected(
        folder,
        rf"legs\.csv:{line}: destination: expected a node id of nodes\.csv, "
        r"got H_XX",
    )


def test_bad_boolean(folder, rejected):
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road,false", "V3,H_FH,road,maybe")
    rejected(folder, rf"legs\.csv:{line}: refrigerated: expected true or false, got maybe")


def test_refrigerated_leg_without_set_point(folder, rejected):
    line = folder.line_of("legs.csv", "H_FH,BZ_CS,")
    folder.edit("legs.csv", "H_FH,BZ_CS,road,true,2,", "H_FH,BZ_CS,road,true,,")
    error = rejected(
        folder, rf"legs\.csv:{line}: temp_c: expected a set point for a refrigerated leg, got none"
    )
    assert len(error.problems) == 1


def test_ambient_leg_with_set_point(folder, rejected):
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road,false,,", "V3,H_FH,road,false,5,")
    error = rejected(
        folder,
        rf"legs\.csv:{line}: temp_c: expected empty for an ambient leg "
        r"\(it takes the temperature of the places it passes\), got 5(\.0)?",
    )
    assert len(error.problems) == 1


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        (
            "V3,H_FH,road,false,,9,0.5",
            "V3,H_FH,road,false,,9,-0.5",
            r"legs\.csv:5: hours: expected a number >= 0, got -0\.5",
        ),
        (
            "V3,H_FH,road,false,,9,0.5",
            "V3,H_FH,road,false,,-9,0.5",
            r"legs\.csv:5: distance_km: expected a number >= 0, got -9",
        ),
        (
            "H_FH,BZ_CS,road,true,2,480,8.5,0,2450,10",
            "H_FH,BZ_CS,road,true,2,480,8.5,0,2450,0",
            r"legs\.csv:8: trip_capacity_t: expected a number > 0 or inf, got 0",
        ),
        (
            "V3,H_FH,road,false,,9,0.5,3,",
            "V3,H_FH,road,false,,9,0.5,-3,",
            r"legs\.csv:5: cost_cny_per_t: expected a number >= 0, got -3",
        ),
    ],
    ids=["negative_hours", "negative_distance", "zero_trip_capacity", "negative_cost"],
)
def test_negative_leg_quantity(folder, rejected, old, new, pattern):
    folder.edit("legs.csv", old, new)
    rejected(folder, pattern)


# --- hub_sizes.csv ---------------------------------------------------------------------
def test_negative_hub_throughput(folder, rejected):
    folder.edit("hub_sizes.csv", "H_FH,small,30000,20,", "H_FH,small,30000,-20,")
    rejected(folder, r"hub_sizes\.csv:4: throughput_t_per_week: expected a number >= 0, got -20")


def test_size_of_unknown_hub(folder, rejected):
    line = folder.append("hub_sizes.csv", "H_XX,small,1,1,1,air,x")
    rejected(
        folder,
        rf"hub_sizes\.csv:{line}: hub: expected a county_hub id of nodes\.csv, "
        r"got H_XX",
    )


def test_hub_size_listed_twice(folder, rejected):
    line = folder.append("hub_sizes.csv", "H_FH,small,1,1,1,air,x")
    rejected(
        folder,
        rf"hub_sizes\.csv:{line}: size: expected each hub's size once, "
        r"got H_FH small",
    )


# --- supply.csv and demand.csv ---------------------------------------------------------
def test_non_numeric_value(folder, rejected):
    folder.edit("supply.csv", "V2,fresh_kiwi,1,6", "V2,fresh_kiwi,1,six")
    rejected(folder, r"supply\.csv:4: tonnes: expected a number >= 0, got six")


def test_negative_supply(folder, rejected):
    folder.edit("supply.csv", "V2,fresh_kiwi,1,6", "V2,fresh_kiwi,1,-6")
    rejected(folder, r"supply\.csv:4: tonnes: expected a number >= 0, got -6")


def test_negative_demand(folder, rejected):
    folder.edit("demand.csv", "M_CS,fresh_kiwi,2,8", "M_CS,fresh_kiwi,2,-8")
    rejected(folder, r"demand\.csv:3: tonnes: expected a number >= 0, got -8")


@pytest.mark.parametrize(
    ("name", "old", "new", "line"),
    [
        ("supply.csv", "V2,fresh_kiwi,1,6", "V2,fresh_kiwi,1,inf", 4),
        ("demand.csv", "M_CS,fresh_kiwi,2,8", "M_CS,fresh_kiwi,2,inf", 3),
    ],
    ids=["supply", "demand"],
)
def test_infinite_tonnes(folder, rejected, name, old, new, line):
    folder.edit(name, old, new)
    rejected(
        folder,
        rf"{re.escape(name)}:{line}: tonnes: expected a finite number >= 0, at most 1e12, got inf",
    )


def test_supply_week_not_an_integer(folder, rejected):
    folder.edit("supply.csv", "V2,fresh_kiwi,1,6", "V2,fresh_kiwi,1.5,6")
    rejected(folder, r"supply\.csv:4: week: expected an integer >= 1, got 1\.5")


def test_supply_week_after_the_season(folder, rejected):
    folder.edit("supply.csv", "V2,fresh_kiwi,1,6", "V2,fresh_kiwi,9,6")
    rejected(folder, r"supply\.csv:4: week: expected a week in 1\.\.2, got 9")


def test_supply_of_unknown_village(folder, rejected):
    # found by Network.validate() on the loaded network, which still knows the row's line
    folder.edit("supply.csv", "V2,fresh_kiwi,1,6", "V9,fresh_kiwi,1,6")
    error = rejected(folder, r"supply\.csv:4: village: expected a village id of nodes\.csv, got V9")
    assert len(error.problems) == 1


def test_demand_at_a_node_that_is_no_market(folder, rejected):
    line = folder.line_of("demand.csv", "M_CS,fresh_kiwi,2,")
    folder.edit("demand.csv", "M_CS,fresh_kiwi,2,", "H_FH,fresh_kiwi,2,")
    rejected(folder, rf"demand\.csv:{line}: market: expected a market id of nodes\.csv, got H_FH")


def test_fresh_kiwi_demanded_where_not_admitted(folder, rejected):
    folder.append("nodes.csv", "M_NY,New York,market,-74.0,40.7,US")
    folder.append("legs.csv", "P_NS,M_NY,sea,true,1,13000,600,0,13000,7,,20,x")
    line = folder.append("demand.csv", "M_NY,fresh_kiwi,2,1,30000,firmB")
    rejected(
        folder,
        rf"demand\.csv:{line}: product: expected a product admitted in US "
        r"\(market M_NY\), got fresh_kiwi",
    )


def test_a_problem_repeated_on_many_rows_names_them_all(folder, rejected):
    # every M_BKK kiwi row is wrong once TH no longer admits kiwi; only the first was named
    folder.edit("scenario.toml", 'markets = ["CN", "TH"]', 'markets = ["CN"]')
    extra = folder.append("demand.csv", "M_BKK,fresh_kiwi,1,4,20000,firmB")
    first = folder.line_of("demand.csv", "M_BKK,fresh_kiwi,2")
    rejected(
        folder,
        rf"demand\.csv:{first}: product: expected a product admitted in TH \(market M_BKK\), "
        rf"got fresh_kiwi \(also on lines {extra}\)",
    )


# --- numbers that are not finite or too large (issue #20) --------------------------------
@pytest.mark.parametrize("value", ["inf", "1e308", "-1e13", "1e400", "nan"])
def test_a_number_too_large_or_not_finite(folder, rejected, value):
    line = folder.append("supply.csv", f"V1,fresh_kiwi,1,{value}")
    expected = (
        "a number >= 0" if value in ("-1e13", "nan") else "a finite number >= 0, at most 1e12"
    )
    rejected(folder, rf"supply\.csv:{line}: tonnes: expected {expected}, got {value}")


def test_an_integer_column_refuses_inf(folder, rejected):
    line = folder.append("supply.csv", "V1,fresh_kiwi,inf,1")
    rejected(
        folder, rf"supply\.csv:{line}: week: expected a finite integer >= 1, at most 1e12, got inf"
    )


def test_a_capacity_documented_as_inf_accepts_it_and_no_more(folder, rejected):
    folder.edit(
        "legs.csv", "V1,H_JS,road,false,,14,0.6,5,0,,", "V1,H_JS,road,false,,14,0.6,5,0,inf,"
    )
    network = folder.load()
    (leg,) = [g for g in network.legs if (g.origin, g.destination) == ("V1", "H_JS")]
    assert leg.trip_capacity_t == float("inf")
    line = folder.append("firms.csv", "firmC,Firm C,company,0.4,1e13,ASSUMPTION")
    rejected(
        folder,
        rf"firms\.csv:{line}: trip_capacity_t: expected a finite number > 0 \(or inf\), "
        r"at most 1e12, got 1e13",
    )


@pytest.mark.parametrize(
    "bad",
    ["=HYPERLINK(1)", "+V9", "-V9", "@V9", "V>9", "V\x1b[2J9", "V\t9"],
    ids=["formula", "plus", "minus", "at", "path-separator", "escape", "tab"],
)
def test_an_id_that_a_spreadsheet_or_a_console_would_run_is_refused(folder, bad):
    # ids reach flows.csv and hubs.csv as they are: a formula, a control character or
    # the path separator is refused where it is read, naming the file, line and field
    folder.append("nodes.csv", f'"{bad}",Extra village,village,109.8,28.3,CN,coopA')
    line = folder.line_of("nodes.csv", f'"{bad}"')
    with pytest.raises(ScenarioError) as info:
        load_folder(folder)
    (problem,) = [p for p in info.value.problems if p.field == "id"]
    assert (problem.file, problem.line, problem.got) == ("nodes.csv", line, bad)
    assert "does not begin with =, +, - or @" in str(problem)


def test_an_id_with_spaces_and_letters_of_any_script_is_fine(folder):
    folder.append("nodes.csv", "吉首 port 2,Extra port,port,109.8,28.3,CN" + "," * 10 + "sea")
    assert "吉首 port 2" in load_folder(folder).nodes


def test_a_supply_row_pasted_twice_is_refused_not_added_up(folder, rejected):
    line = folder.append("supply.csv", "V1,fresh_kiwi,1,10")
    rejected(
        folder,
        rf"supply\.csv:{line}: village,product,week: expected one row per village, product, "
        r"week \(line 2 has this one already\), got V1,fresh_kiwi,1",
    )


def test_a_demand_row_pasted_twice_is_refused(folder, rejected):
    line = folder.append("demand.csv", "M_CS,fresh_kiwi,1,8,12000,coopA")
    rejected(folder, rf"demand\.csv:{line}: market,product,week,firm: expected one row .*")
