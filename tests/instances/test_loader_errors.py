"""Bad scenario folders: each defect stops loading with a located, one-line message.

Every test copies the bundled ``tiny`` scenario, breaks one thing, and checks both that
``load_folder`` raises :class:`ScenarioError` whose message has the shape
``FILE[:LINE]: FIELD: expected X, got Y`` and that ``coldchain validate FOLDER`` exits
with 2, prints that line and no traceback. Line numbers are those of the files as
shipped (header = line 1); a defect appended to a file lands on the line after its end.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from instances.scenario import load_folder
from networks.errors import ScenarioError
from optimizer.cli.main import main

KINDS = "village, county_hub, bonded_zone, port, overseas_warehouse, market"


@pytest.fixture
def folder(scenario_copy):
    return scenario_copy("tiny")


def use_files(folder, **files: str) -> None:
    """Add a [files] table to scenario.toml (at its end, so it stays a table)."""
    entries = "".join(f'\n{key} = "{value}"' for key, value in files.items())
    folder.append("scenario.toml", "\n[files]" + entries)


def rejected(folder: Path, pattern: str, capsys) -> ScenarioError:
    """Check the loader and ``coldchain validate`` both reject ``folder`` with ``pattern``."""
    pattern = "(?m)^" + pattern + "$"
    with pytest.raises(ScenarioError, match=pattern) as info:
        load_folder(folder)
    for problem in info.value.problems:  # every line keeps the shape
        assert re.fullmatch(r"[^:\s][^:]*(:\d+)?: \S+: expected .+, got .*", str(problem)), str(
            problem
        )
    capsys.readouterr()
    code = main(["validate", str(folder)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out + err
    assert re.search(pattern, err), err
    assert err.strip().splitlines() == [str(p) for p in info.value.problems]
    return info.value


def test_the_untouched_copy_is_valid(folder, capsys):
    load_folder(folder)
    assert main(["validate", str(folder)]) == 0
    assert "valid" in capsys.readouterr().out


# --- files -----------------------------------------------------------------------------
def test_missing_file(folder, capsys):
    (folder / "supply.csv").unlink()
    error = rejected(
        folder, r"supply\.csv: file: expected an existing file, got no such file", capsys
    )
    assert error.problems[0].line is None


def test_missing_scenario_toml(folder, capsys):
    (folder / "scenario.toml").unlink()
    rejected(folder, r"scenario\.toml: file: expected an existing file, got no such file", capsys)


def test_missing_column(folder, capsys):
    folder.edit("supply.csv", "village,product,week,tonnes", "village,product,week,tons")
    rejected(
        folder,
        r"supply\.csv: tonnes: expected a column named tonnes, "
        r"got columns village, product, week, tons",
        capsys,
    )


def test_a_misspelled_optional_column_is_named(folder, capsys):
    # trip_capacity_t is optional: misspelled, every trip silently had no capacity
    folder.edit("legs.csv", "cost_cny_per_trip,trip_capacity_t", "cost_cny_per_trip,trip_capacty_t")
    rejected(
        folder,
        r"legs\.csv:1: trip_capacty_t: expected a column of legs\.csv \(trip_capacity_t, "
        r"perhaps\?\); an unknown column is ignored, a misspelled one would silently take "
        r"the default, got trip_capacty_t",
        capsys,
    )


def test_a_column_for_people_is_still_ignored(folder, capsys):
    folder.edit("supply.csv", "village,product,week,tonnes", "village,product,week,tonnes,notes")
    folder.edit("legs.csv", "co2e_g_per_tkm,source", "co2e_g_per_tkm,source,reviewer")
    load_folder(folder)  # unknown columns that are no near miss of a known one


def test_a_problem_repeated_on_many_rows_names_them_all(folder, capsys):
    # every M_BKK kiwi row is wrong once TH no longer admits kiwi; only the first was named
    folder.edit("scenario.toml", 'markets = ["CN", "TH"]', 'markets = ["CN"]')
    extra = folder.append("demand.csv", "M_BKK,fresh_kiwi,1,4,20000,firmB")
    first = folder.line_of("demand.csv", "M_BKK,fresh_kiwi,2")
    rejected(
        folder,
        rf"demand\.csv:{first}: product: expected a product admitted in TH \(market M_BKK\), "
        rf"got fresh_kiwi \(also on lines {extra}\)",
        capsys,
    )


def test_toml_syntax_error_with_its_line(folder, capsys):
    line = folder.line_of("scenario.toml", 'objective = "cost"')
    folder.edit("scenario.toml", 'objective = "cost"', 'objective = "cost')
    error = rejected(folder, rf"scenario\.toml:{line}: syntax: expected valid TOML, got .*", capsys)
    assert error.problems[0].line == line


def test_file_reference_leaving_the_folder(folder, capsys):
    shutil.copy(folder / "legs.csv", folder.parent / "x.csv")  # it exists, but outside
    use_files(folder, legs="../x.csv")
    line = folder.line_of("scenario.toml", "legs = ")
    rejected(
        folder,
        rf"scenario\.toml:{line}: files\.legs: expected a path inside the scenario folder, "
        r"got \.\./x\.csv",
        capsys,
    )


def test_file_reference_by_absolute_path(folder, capsys):
    shutil.copy(folder / "legs.csv", folder.parent / "x.csv")
    use_files(folder, legs=str(folder.parent / "x.csv"))
    line = folder.line_of("scenario.toml", "legs = ")
    rejected(
        folder,
        rf"scenario\.toml:{line}: files\.legs: expected a path inside the scenario folder, "
        r"got /.*x\.csv",
        capsys,
    )


def test_unknown_file_key(folder, capsys):
    use_files(folder, roads="roads.csv")
    line = folder.line_of("scenario.toml", "roads = ")
    rejected(
        folder,
        rf"scenario\.toml:{line}: files\.roads: expected one of nodes, .*, got roads",
        capsys,
    )


def test_ragged_csv_row(folder, capsys):
    # pandas said "Expected 4 fields in line 12, saw 6": no file line to trust, one row
    first = folder.append("supply.csv", "V1,fresh_kiwi,1,2,3,4")
    folder.append("supply.csv", "V1,fresh_kiwi,2,2")
    second = folder.append("supply.csv", "V2,fresh_kiwi,1,2,Gaoping, Yongshun")
    error = rejected(
        folder,
        rf"supply\.csv:{first}: row: expected at most 4 fields, as many as the header has "
        r"\(a comma inside a text cell needs quotes\), got 6 fields",
        capsys,
    )
    assert [p.line for p in error.problems] == [first, second]


def test_file_not_utf8(folder, capsys):
    path = folder / "demand.csv"
    path.write_bytes(path.read_bytes().replace(b"firmB", "firmé".encode("latin-1")))
    rejected(folder, r"demand\.csv: file: expected a readable CSV table, got .*utf-8.*", capsys)


# --- values ----------------------------------------------------------------------------
def test_non_numeric_value(folder, capsys):
    folder.edit("supply.csv", "V2,fresh_kiwi,1,6", "V2,fresh_kiwi,1,six")
    rejected(folder, r"supply\.csv:4: tonnes: expected a number >= 0, got six", capsys)


def test_empty_required_cell(folder, capsys):
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road,false,,9,0.5,", "V3,H_FH,road,false,,9,,")
    rejected(folder, rf"legs\.csv:{line}: hours: expected a number >= 0, got an empty cell", capsys)


def test_latitude_out_of_range(folder, capsys):
    folder.edit("nodes.csv", "109.80,28.30", "109.80,95")
    rejected(folder, r"nodes\.csv:2: lat: expected a number in \[-90, 90\], got 95", capsys)


def test_longitude_infinite(folder, capsys):
    folder.edit("nodes.csv", "109.80,28.30", "inf,28.30")
    rejected(folder, r"nodes\.csv:2: lon: expected a number in \[-180, 180\], got inf", capsys)


def test_duplicate_id(folder, capsys):
    line = folder.append("nodes.csv", "V1,Copy of V1,village,109.8,28.3,CN,coopA,van")
    error = rejected(
        folder,
        rf"nodes\.csv:{line}: id: expected a unique id, got V1 "
        r"\(already used\)",
        capsys,
    )
    assert len(error.problems) == 1


def test_unknown_node_kind(folder, capsys):
    line = folder.append("nodes.csv", "X1,Mystery,hamlet,109.9,28.3,CN")
    rejected(folder, rf"nodes\.csv:{line}: kind: expected one of {KINDS}, got hamlet", capsys)


def test_unknown_mode(folder, capsys):
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road", "V3,H_FH,donkey")
    rejected(
        folder,
        rf"legs\.csv:{line}: mode: expected one of road, rail, sea, air, parcel, "
        r"got donkey",
        capsys,
    )


def test_unknown_customs_mode_of_a_bonded_zone(folder, capsys):
    line = folder.line_of("nodes.csv", "BZ_CS,")
    folder.edit("nodes.csv", "9610;9710;9810", "9610;9999")
    rejected(
        folder,
        rf"nodes\.csv:{line}: customs_modes: expected a ;-separated list of 9610, "
        r"9710, 9810, 1210, got 9999",
        capsys,
    )


def test_unknown_customs_mode_in_scenario_toml(folder, capsys):
    with (folder / "scenario.toml").open("a", encoding="utf-8") as out:
        out.write("\n[customs.9999]\nfee_cny_per_t = 1.0\n")
    line = folder.line_of("scenario.toml", "[customs.9999]")
    rejected(
        folder,
        rf"scenario\.toml:{line}: customs\.9999: expected a customs mode among 9610, 9710, "
        r"9810, 1210, got 9999",
        capsys,
    )


def test_bonded_zone_without_customs_mode(folder, capsys):
    folder.edit("nodes.csv", "9610;9710;9810", "")
    rejected(
        folder,
        r"nodes\.csv:7: customs_modes: expected at least one customs mode of a "
        r"bonded zone \(9610, 9710, 9810, 1210\), got none",
        capsys,
    )


def test_port_without_port_mode(folder, capsys):
    folder.edit("nodes.csv", ",0,sea,,", ",0,,,")
    rejected(
        folder, r"nodes\.csv:8: port_mode: expected sea, rail or air for a port, got none", capsys
    )


def test_leg_to_unknown_node(folder, capsys):
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road", "V3,H_XX,road")
    rejected(
        folder,
        rf"legs\.csv:{line}: destination: expected a node id of nodes\.csv, "
        r"got H_XX",
        capsys,
    )


def test_bad_boolean(folder, capsys):
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road,false", "V3,H_FH,road,maybe")
    rejected(folder, rf"legs\.csv:{line}: refrigerated: expected true or false, got maybe", capsys)


def test_refrigerated_leg_without_set_point(folder, capsys):
    line = folder.line_of("legs.csv", "H_FH,BZ_CS,")
    folder.edit("legs.csv", "H_FH,BZ_CS,road,true,2,", "H_FH,BZ_CS,road,true,,")
    error = rejected(
        folder,
        rf"legs\.csv:{line}: temp_c: expected a set point for a refrigerated leg, got none",
        capsys,
    )
    assert len(error.problems) == 1


def test_ambient_leg_with_set_point(folder, capsys):
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road,false,,", "V3,H_FH,road,false,5,")
    error = rejected(
        folder,
        rf"legs\.csv:{line}: temp_c: expected empty for an ambient leg "
        r"\(it takes the week's ambient\), got 5(\.0)?",
        capsys,
    )
    assert len(error.problems) == 1


def test_negative_supply(folder, capsys):
    folder.edit("supply.csv", "V2,fresh_kiwi,1,6", "V2,fresh_kiwi,1,-6")
    rejected(folder, r"supply\.csv:4: tonnes: expected a number >= 0, got -6", capsys)


def test_negative_demand(folder, capsys):
    folder.edit("demand.csv", "M_CS,fresh_kiwi,2,8", "M_CS,fresh_kiwi,2,-8")
    rejected(folder, r"demand\.csv:3: tonnes: expected a number >= 0, got -8", capsys)


def test_supply_week_not_an_integer(folder, capsys):
    folder.edit("supply.csv", "V2,fresh_kiwi,1,6", "V2,fresh_kiwi,1.5,6")
    rejected(folder, r"supply\.csv:4: week: expected an integer >= 1, got 1\.5", capsys)


def test_supply_week_after_the_season(folder, capsys):
    folder.edit("supply.csv", "V2,fresh_kiwi,1,6", "V2,fresh_kiwi,9,6")
    rejected(folder, r"supply\.csv:4: week: expected a week in 1\.\.2, got 9", capsys)


def test_supply_of_unknown_village(folder, capsys):
    # found by Network.validate() on the loaded network, which still knows the row's line
    folder.edit("supply.csv", "V2,fresh_kiwi,1,6", "V9,fresh_kiwi,1,6")
    error = rejected(
        folder, r"supply\.csv:4: village: expected a village id of nodes\.csv, got V9", capsys
    )
    assert len(error.problems) == 1


def test_demand_at_a_node_that_is_no_market(folder, capsys):
    line = folder.line_of("demand.csv", "M_CS,fresh_kiwi,2,")
    folder.edit("demand.csv", "M_CS,fresh_kiwi,2,", "H_FH,fresh_kiwi,2,")
    rejected(
        folder,
        rf"demand\.csv:{line}: market: expected a market id of nodes\.csv, got H_FH",
        capsys,
    )


@pytest.mark.parametrize(
    ("name", "old", "new", "line"),
    [
        ("supply.csv", "V2,fresh_kiwi,1,6", "V2,fresh_kiwi,1,inf", 4),
        ("demand.csv", "M_CS,fresh_kiwi,2,8", "M_CS,fresh_kiwi,2,inf", 3),
    ],
    ids=["supply", "demand"],
)
def test_infinite_tonnes(folder, capsys, name, old, new, line):
    folder.edit(name, old, new)
    rejected(
        folder, rf"{re.escape(name)}:{line}: tonnes: expected a finite number >= 0, got inf", capsys
    )


def test_size_of_unknown_hub(folder, capsys):
    line = folder.append("hub_sizes.csv", "H_XX,small,1,1,1,air,x")
    rejected(
        folder,
        rf"hub_sizes\.csv:{line}: hub: expected a county_hub id of nodes\.csv, "
        r"got H_XX",
        capsys,
    )


def test_hub_size_listed_twice(folder, capsys):
    line = folder.append("hub_sizes.csv", "H_FH,small,1,1,1,air,x")
    rejected(
        folder,
        rf"hub_sizes\.csv:{line}: size: expected each hub's size once, "
        r"got H_FH small",
        capsys,
    )


def test_village_of_unknown_firm(folder, capsys):
    folder.edit("nodes.csv", "CN,firmB,tricycle", "CN,firmZ,tricycle")
    rejected(folder, r"nodes\.csv:4: firm: expected a firm id of firms\.csv, got firmZ", capsys)


def test_unknown_objective(folder, capsys):
    line = folder.line_of("scenario.toml", "objective = ")
    folder.edit("scenario.toml", 'objective = "cost"', 'objective = "profit"')
    rejected(
        folder,
        rf"scenario\.toml:{line}: objective: expected one of cost, margin, got profit",
        capsys,
    )


def test_leg_rule_of_unknown_kind(folder, capsys):
    with (folder / "scenario.toml").open("a", encoding="utf-8") as out:
        out.write('\n[[leg_rules]]\nfrom = "hamlet"\nto = "county_hub"\nmode = "road"\n')
    line = folder.line_of("scenario.toml", "[[leg_rules]]")
    rejected(
        folder,
        rf"scenario\.toml:{line}: leg_rules\[1\]: expected a valid leg rule, got .*hamlet.*",
        capsys,
    )


def test_fresh_kiwi_demanded_where_not_admitted(folder, capsys):
    folder.append("nodes.csv", "M_NY,New York,market,-74.0,40.7,US")
    folder.append("legs.csv", "P_NS,M_NY,sea,true,1,13000,600,0,13000,7,20,x")
    line = folder.append("demand.csv", "M_NY,fresh_kiwi,2,1,30000,firmB")
    rejected(
        folder,
        rf"demand\.csv:{line}: product: expected a product admitted in US "
        r"\(market M_NY\), got fresh_kiwi",
        capsys,
    )


# --- the network as a whole ----------------------------------------------------------
def drop_lines(folder: Path, name: str, *prefixes: str) -> None:
    path = folder / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [x for x in lines if not x.startswith(prefixes)]
    assert len(kept) == len(lines) - len(prefixes)
    path.write_text("".join(kept), encoding="utf-8")


def test_village_with_no_outgoing_leg(folder, capsys):
    drop_lines(folder, "legs.csv", "V3,H_FH,", "V3,H_JS,")
    rejected(
        folder,
        r"nodes\.csv:4: id: expected a village with a leg to a county hub "
        r"\(none listed or within the leg rules' reach\), got V3",
        capsys,
    )


def test_hub_with_no_size_option(folder, capsys):
    # hub_sizes.csv has no line to point at: the hub's own row in nodes.csv is named
    line = folder.line_of("nodes.csv", "H_FH,")
    drop_lines(folder, "hub_sizes.csv", "H_FH,")
    rejected(
        folder,
        rf"nodes\.csv:{line}: id: expected a county hub with a size option in "
        r"hub_sizes\.csv, got H_FH",
        capsys,
    )


def test_market_no_path_reaches(folder, capsys):
    drop_lines(folder, "legs.csv", "H_JS,M_CS,", "H_FH,M_CS,")
    line = folder.line_of("nodes.csv", "M_CS,")
    rejected(
        folder,
        rf"nodes\.csv:{line}: id: expected a market that some path from a village "
        r"reaches, got M_CS",
        capsys,
    )


def test_leg_from_village_straight_to_market(folder, capsys):
    line = folder.append("legs.csv", "V1,M_CS,road,false,,300,5,50,0,,125,x")
    rejected(
        folder,
        rf"legs\.csv:{line}: destination: expected a county_hub after a village "
        r"\(V1>M_CS:road\), got market",
        capsys,
    )


def test_leg_from_bonded_zone_to_market_not_by_parcel(folder, capsys):
    line = folder.append("legs.csv", "BZ_CS,M_CS,road,true,2,30,1,0,100,10,150,x")
    rejected(
        folder,
        rf"legs\.csv:{line}: mode: expected parcel from a bonded zone to a market "
        r"\(BZ_CS>M_CS:road-reefer\), got road",
        capsys,
    )


def test_leg_listed_twice(folder, capsys):
    folder.append("legs.csv", "V3,H_FH,road,false,,9,0.5,3,0,,125,again")
    rejected(
        folder,
        r"legs\.csv:\d+: id: expected each origin, destination and service "
        r"once, got V3>H_FH:road",
        capsys,
    )


def test_leg_listed_twice_names_the_repeating_line(folder):
    line = folder.append("legs.csv", "V3,H_FH,road,false,,9,0.5,3,0,,125,again")
    with pytest.raises(ScenarioError) as info:
        load_folder(folder)
    assert [str(p) for p in info.value.problems] == [
        f"legs.csv:{line}: id: expected each origin, destination and service once, got V3>H_FH:road"
    ]


def test_leg_between_kinds_that_cannot_follow_names_legs_csv_and_its_line(folder):
    line = folder.append("legs.csv", "V1,M_CS,road,false,,300,5,50,0,,125,x")
    with pytest.raises(ScenarioError, match=rf"(?m)^legs\.csv:{line}: destination: "):
        load_folder(folder)


def test_whole_network_problems_name_the_files_of_the_files_table(folder, capsys):
    (folder / "legs.csv").rename(folder / "routes.csv")
    (folder / "supply.csv").rename(folder / "harvest.csv")
    use_files(folder, legs="routes.csv", supply="harvest.csv")
    line = folder.append("routes.csv", "V1,M_CS,road,false,,300,5,50,0,,125,x")
    folder.edit("harvest.csv", "V2,fresh_kiwi,1,6", "V9,fresh_kiwi,1,6")
    error = rejected(folder, rf"routes\.csv:{line}: destination: expected .*, got market", capsys)
    assert "harvest.csv:4: village: expected a village id of nodes.csv, got V9" in [
        str(p) for p in error.problems
    ]


def test_generated_leg_problem_names_scenario_toml(folder):
    with (folder / "scenario.toml").open("a", encoding="utf-8") as out:
        out.write('\n[[leg_rules]]\nfrom = "county_hub"\nto = "village"\nmode = "road"\n')
    with pytest.raises(ScenarioError) as info:
        load_folder(folder)
    lines = [str(p) for p in info.value.problems]
    assert lines and all(x.startswith("scenario.toml") for x in lines), lines


def test_line_numbers_count_blank_lines(folder):
    folder.edit("supply.csv", "V1,fresh_kiwi,2,8\n", "V1,fresh_kiwi,2,8\n\n")
    line = folder.line_of("supply.csv", "V2,fresh_kiwi,1,6")
    folder.edit("supply.csv", "V2,fresh_kiwi,1,6", "V2,fresh_kiwi,1,-6")
    with pytest.raises(ScenarioError, match=rf"(?m)^supply\.csv:{line}: tonnes: "):
        load_folder(folder)


def test_line_numbers_count_lines_inside_quoted_cells(folder):
    folder.edit("legs.csv", '125,"ASSUMPTION: 0.30', '125,"ASSUMPTION:\n0.30')
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road", "V3,H_FH,donkey")
    with pytest.raises(ScenarioError, match=rf"(?m)^legs\.csv:{line}: mode: "):
        load_folder(folder)


def test_several_problems_at_once_are_all_reported(folder, capsys):
    folder.edit("supply.csv", "V2,fresh_kiwi,1,6", "V2,fresh_kiwi,1,-6")
    folder.edit("demand.csv", "M_CS,fresh_kiwi,2,8", "M_CS,fresh_kiwi,2,-8")
    folder.edit("legs.csv", "V3,H_FH,road", "V3,H_FH,donkey")
    folder.edit("hub_sizes.csv", "H_FH,small,30000,20,", "H_FH,small,30000,lots,")
    folder.edit("nodes.csv", "9610;9710;9810", "9610;9999")
    folder.edit("scenario.toml", 'objective = "cost"', 'objective = "profit"')
    expected = [
        r"supply\.csv:4: tonnes: expected a number >= 0, got -6",
        r"demand\.csv:3: tonnes: expected a number >= 0, got -8",
        r"legs\.csv:5: mode: expected one of road, rail, sea, air, parcel, got donkey",
        r"hub_sizes\.csv:4: throughput_t_per_week: expected a number >= 0, got lots",
        r"nodes\.csv:7: customs_modes: expected .*, got 9999",
        r"scenario\.toml:7: objective: expected one of cost, margin, got profit",
    ]
    error = rejected(folder, expected[0], capsys)
    text = str(error)
    for pattern in expected:
        assert re.search("(?m)^" + pattern + "$", text), pattern
    assert len(error.problems) >= len(expected)


# --- defects that used to crash or mislead ------------------------------------------
def test_negative_hub_throughput(folder, capsys):
    folder.edit("hub_sizes.csv", "H_FH,small,30000,20,", "H_FH,small,30000,-20,")
    rejected(
        folder, r"hub_sizes\.csv:4: throughput_t_per_week: expected a number >= 0, got -20", capsys
    )


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
            r"legs\.csv:8: trip_capacity_t: expected a number > 0, got 0",
        ),
        (
            "V3,H_FH,road,false,,9,0.5,3,",
            "V3,H_FH,road,false,,9,0.5,-3,",
            r"legs\.csv:5: cost_cny_per_t: expected a number >= 0, got -3",
        ),
    ],
    ids=["negative_hours", "negative_distance", "zero_trip_capacity", "negative_cost"],
)
def test_negative_leg_quantity(folder, capsys, old, new, pattern):
    folder.edit("legs.csv", old, new)
    rejected(folder, pattern, capsys)


def test_ambient_temperatures_not_numbers(folder, capsys):
    folder.edit("scenario.toml", "ambient_temp_c = [20.0, 18.0]", 'ambient_temp_c = ["a", "b"]')
    line = folder.line_of("scenario.toml", "ambient_temp_c = ")
    rejected(
        folder,
        rf"scenario\.toml:{line}: periods\.ambient_temp_c: "
        r"expected a number or a list of 2 numbers, got .*",
        capsys,
    )


def test_customs_fee_not_a_number(folder, capsys):
    folder.edit("scenario.toml", "fee_cny_per_t = 20.0", 'fee_cny_per_t = "x"')
    line = folder.line_of("scenario.toml", 'fee_cny_per_t = "x"')
    rejected(
        folder, rf"scenario\.toml:{line}: customs\.9610\.fee_cny_per_t: expected .*, got x", capsys
    )


def test_currency_rate_not_a_number(folder, capsys):
    folder.edit("scenario.toml", "USD = 7.1", 'USD = "x"')
    line = folder.line_of("scenario.toml", "USD = ")
    rejected(folder, rf"scenario\.toml:{line}: currency_rates\.USD: expected .*, got x", capsys)


def test_leg_rule_max_km_not_a_number(folder, capsys):
    with (folder / "scenario.toml").open("a", encoding="utf-8") as out:
        out.write(
            '\n[[leg_rules]]\nfrom = "village"\nto = "county_hub"\nmode = "road"\nmax_km = "far"\n'
        )
    line = folder.line_of("scenario.toml", "max_km = ")
    rejected(
        folder,
        rf"scenario\.toml:{line}: leg_rules\[1\]\.max_km: expected a number, got far",
        capsys,
    )


def test_leg_rules_not_an_array_of_tables(folder, capsys):
    path = folder / "scenario.toml"
    path.write_text('leg_rules = "x"\n' + path.read_text(encoding="utf-8"), encoding="utf-8")
    rejected(
        folder,
        r"scenario\.toml:1: leg_rules: expected an array of tables \[\[leg_rules\]\], got x",
        capsys,
    )


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


# --- GeoJSON and GeoPackage nodes ------------------------------------------------------
def write_geo_nodes(folder: Path, name: str, crs: str = "EPSG:4326", extra: dict | None = None):
    """Rewrite nodes.csv as a GIS file (all properties text, as in the CSV) and use it."""
    frame = pd.read_csv(folder / "nodes.csv", dtype=str, keep_default_na=False)
    if extra is not None:
        frame = pd.concat([frame, pd.DataFrame([extra])], ignore_index=True).fillna("")
    geometry = gpd.points_from_xy(frame["lon"].astype(float), frame["lat"].astype(float))
    nodes = gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat"]), geometry=geometry, crs="EPSG:4326"
    ).to_crs(crs)
    nodes.to_file(folder / name)
    (folder / "nodes.csv").unlink()
    use_files(folder, nodes=name)
    return len(frame)


def test_geojson_nodes_load_the_same_network(folder):
    reference = load_folder(folder)
    write_geo_nodes(folder, "nodes.geojson")
    network = load_folder(folder)
    assert dict(network.nodes) == dict(reference.nodes)
    assert network.legs == reference.legs
    pd.testing.assert_frame_equal(network.supply, reference.supply)


def test_geopackage_nodes_in_another_crs_are_reprojected(folder):
    reference = load_folder(folder)
    write_geo_nodes(folder, "nodes.gpkg", crs="EPSG:3857")
    network = load_folder(folder)
    assert list(network.nodes) == list(reference.nodes)
    for node_id, node in reference.nodes.items():
        other = network.nodes[node_id]
        assert (other.lon, other.lat) == pytest.approx((node.lon, node.lat), abs=1e-9)
        assert other.kind == node.kind and other.name == node.name


def test_geojson_bad_feature_reports_its_feature_number(folder, capsys):
    count = write_geo_nodes(
        folder,
        "nodes.geojson",
        extra={
            "id": "X1",
            "name": "Mystery",
            "kind": "hamlet",
            "lon": "109.9",
            "lat": "28.3",
            "country": "CN",
        },
    )
    rejected(folder, rf"nodes\.geojson:{count}: kind: expected one of {KINDS}, got hamlet", capsys)


def test_geojson_nodes_problems_name_the_geojson_file(folder, capsys):
    write_geo_nodes(folder, "nodes.geojson")
    drop_lines(folder, "legs.csv", "V3,H_FH,", "V3,H_JS,")
    # V3 is the third feature
    rejected(folder, r"nodes\.geojson:3: id: expected a village with a leg .*, got V3", capsys)


def test_geojson_nodes_leg_to_unknown_node_names_the_geojson_file(folder, capsys):
    write_geo_nodes(folder, "nodes.geojson")
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road", "V3,H_XX,road")
    rejected(
        folder,
        rf"legs\.csv:{line}: destination: expected a node id of nodes\.geojson, got H_XX",
        capsys,
    )


def test_geojson_nodes_size_of_unknown_hub_names_the_geojson_file(folder):
    write_geo_nodes(folder, "nodes.geojson")
    line = folder.append("hub_sizes.csv", "H_XX,small,1,1,1,air,x")
    with pytest.raises(ScenarioError) as info:
        load_folder(folder)
    assert [str(p) for p in info.value.problems] == [
        f"hub_sizes.csv:{line}: hub: expected a county_hub id of nodes.geojson, got H_XX"
    ]


def test_hub_without_size_names_the_sizes_file_of_the_files_table(folder):
    (folder / "hub_sizes.csv").rename(folder / "sizes.csv")
    use_files(folder, hub_sizes="sizes.csv")
    drop_lines(folder, "sizes.csv", "H_FH,")
    with pytest.raises(ScenarioError) as info:
        load_folder(folder)
    line = folder.line_of("nodes.csv", "H_FH,")
    assert [str(p) for p in info.value.problems] == [
        f"nodes.csv:{line}: id: expected a county hub with a size option in sizes.csv, got H_FH"
    ]


# --- settings tables ([collection], [design], [consolidation]) --------------------------
def add_table(folder, table: str, body: str) -> int:
    """Append ``[table]`` with ``body`` (one line) to scenario.toml; the body's line."""
    return folder.append("scenario.toml", f"\n[{table}]\n{body}")


def test_unknown_design_key(folder, capsys):
    line = add_table(folder, "design", "time_limt = 60")
    rejected(
        folder,
        rf"scenario\.toml:{line}: design\.time_limt: expected a key of \[design\] "
        r"\(build, .*time_limit.*\), got time_limt",
        capsys,
    )


@pytest.mark.parametrize(
    "body, pattern",
    [
        ('gap = "small"', r"design\.gap: expected a number in \[0, 1\], got small"),
        ('trips = "whole"', r"design\.trips: expected one of integer, linear, got whole"),
        ("threads = 0", r"design\.threads: expected an integer >= 1, got 0"),
        ('start = "yes"', r"design\.start: expected true or false, got yes"),
    ],
)
def test_bad_design_value(folder, capsys, body, pattern):
    line = add_table(folder, "design", body)
    rejected(folder, rf"scenario\.toml:{line}: {pattern}", capsys)


def test_bad_collection_value(folder, capsys):
    line = folder.line_of("scenario.toml", "day_start_h")
    folder.edit("scenario.toml", "day_start_h = 6.0", "day_start_h = 30.0")
    rejected(
        folder,
        rf"scenario\.toml:{line}: collection\.day_start_h: "
        r"expected a number in \[0, 24\], got 30.0",
        capsys,
    )


def test_negative_consolidation_margin(folder, capsys):
    line = add_table(folder, "consolidation", "margin = -0.1")
    rejected(
        folder,
        rf"scenario\.toml:{line}: consolidation\.margin: expected a number >= 0, got -0.1",
        capsys,
    )


# --- every table of scenario.toml: unknown keys and values of the wrong kind -----------
@pytest.mark.parametrize(
    ("old", "new", "field", "keys"),
    [
        (
            "clearance_hours = 24.0\n[customs.9810]",
            "clearance_hour = 24.0\n[customs.9810]",
            r"customs\.9710\.clearance_hour",
            r"a key of \[customs\.9710\] \(clearance_hours, fee_cny_per_t, source\)",
        ),
        (
            "[periods]\n",
            "[periods]\nweek = 3\n",
            r"periods\.week",
            r"a key of \[periods\] \(ambient_temp_c, labels, weeks\)",
        ),
        (
            'name = "today"\n',
            'name = "today"\ndeminimis = ["TH"]\n',
            r"regimes\[1\]\.deminimis",
            r"a key of \[\[regimes\]\] \(de_minimis, description, effective, name\)",
        ),
        (
            'markets = ["CN", "TH"]',
            'markets = ["CN", "TH"]\nmax_storage_week = 0',
            r"products\.fresh_kiwi\.max_storage_week",
            r"a key of \[products\.fresh_kiwi\] \(hs_code, markets, max_storage_weeks, name, "
            r"perishable, shelf_life, source, value_cny_per_kg\)",
        ),
        (
            "[products.fresh_kiwi.shelf_life]",
            "[products.fresh_kiwi.shelf_life]\nlife_days = 60",
            r"products\.fresh_kiwi\.shelf_life\.life_days",
            r"a key of \[products\.fresh_kiwi\.shelf_life\] \(ca_max_temp_c, .*, "
            r"life_days_at_ref, .*\)",
        ),
        (
            "USD = 7.1",
            "USD = 7.1\n\n[design]\nthreads = 1\n[desing]\ngap = 0.1",
            "desing",
            r"a top-level key \(collection, consolidation, currency, currency_rates, customs, "
            r"default_regime, description, design, .*\)",
        ),
        (
            'default_regime = "today"',
            'default_regime = "today"\nmarket = ["CN"]',
            "market",
            r"a top-level key \(.*, leg_rules, name, objective, periods, plans, products, "
            r"regimes, sources\)",
        ),
    ],
    ids=["customs", "periods", "regimes", "products", "shelf_life", "top_level_table", "top_level"],
)
def test_misspelled_key_is_reported_with_its_line(folder, capsys, old, new, field, keys):
    folder.edit("scenario.toml", old, new)
    key = field.rpartition("\\.")[2].replace("\\", "")
    line = [
        number
        for number, text in enumerate(
            (folder / "scenario.toml").read_text(encoding="utf-8").splitlines(), start=1
        )
        if re.match(rf"\[?{re.escape(key)}\b", text)
    ][0]
    error = rejected(folder, rf"scenario\.toml:{line}: {field}: expected {keys}, got {key}", capsys)
    assert len(error.problems) == 1


def test_leg_rule_misspelled_key_names_its_line_and_the_keys(folder, capsys):
    with (folder / "scenario.toml").open("a", encoding="utf-8") as out:
        out.write(
            '\n[[leg_rules]]\nfrom = "village"\nto = "county_hub"\nmode = "road"\nspeedy = 9\n'
        )
    line = folder.line_of("scenario.toml", "speedy")
    rejected(
        folder,
        rf"scenario\.toml:{line}: leg_rules\[1\]\.speedy: expected a key of \[\[leg_rules\]\] "
        r"\(.*, speed_kmh, .*\), got speedy",
        capsys,
    )


def test_product_value_not_a_number_names_the_key_and_line(folder, capsys):
    line = folder.line_of("scenario.toml", "value_cny_per_kg = 6.0")
    folder.edit("scenario.toml", "value_cny_per_kg = 6.0", 'value_cny_per_kg = "six"')
    error = rejected(
        folder,
        rf"scenario\.toml:{line}: products\.fresh_kiwi\.value_cny_per_kg: "
        r"expected a number >= 0, got six",
        capsys,
    )
    assert len(error.problems) == 1


def test_product_without_hs_code_names_the_product_table(folder, capsys):
    line = folder.line_of("scenario.toml", "[products.fresh_kiwi]")
    folder.edit("scenario.toml", 'hs_code = "0810.50"', "")
    rejected(
        folder,
        rf"scenario\.toml:{line}: products\.fresh_kiwi\.hs_code: "
        r'expected an HS code as a string \("0810\.50"\), got none',
        capsys,
    )


@pytest.mark.parametrize(
    ("old", "new", "field", "pattern"),
    [
        (
            'hs_code = "0810.50"',
            "hs_code = 810.5",
            r"products\.fresh_kiwi\.hs_code",
            r'expected an HS code as a string \("0810\.50"\), got 810\.5',
        ),
        (
            'markets = ["CN", "TH"]',
            'markets = "CN"',
            r"products\.fresh_kiwi\.markets",
            r"expected a list of countries \(ISO alpha-2 strings\), got CN",
        ),
        (
            "perishable = false",
            'perishable = "no"',
            r"products\.embroidery\.perishable",
            "expected true or false, got no",
        ),
        (
            'effective = "2025-11-10"',
            "effective = 2025-11-10",
            r"regimes\[1\]\.effective",
            "expected a string, got 2025-11-10",
        ),
        (
            "clearance_hours = 12.0",
            "clearance_hours = -12.0",
            r"customs\.9610\.clearance_hours",
            r"expected a number >= 0, got -12\.0",
        ),
        (
            'name = "tiny"',
            "name = 7",
            "name",
            "expected a string, got 7",
        ),
    ],
    ids=["hs_code", "markets", "perishable", "effective", "clearance", "name"],
)
def test_value_of_the_wrong_kind_names_key_and_line(folder, capsys, old, new, field, pattern):
    line = folder.line_of("scenario.toml", old)
    folder.edit("scenario.toml", old, new)
    rejected(folder, rf"scenario\.toml:{line}: {field}: {pattern}", capsys)


def test_de_minimis_as_a_string_is_not_read_as_letters(folder, capsys):
    folder.edit("scenario.toml", 'name = "today"\n', 'name = "today"\nde_minimis = "US"\n')
    line = folder.line_of("scenario.toml", "de_minimis")
    rejected(
        folder,
        rf"scenario\.toml:{line}: regimes\[1\]\.de_minimis: "
        r"expected a list of countries \(ISO alpha-2 strings\), got US",
        capsys,
    )


def test_regime_named_twice(folder, capsys):
    with (folder / "scenario.toml").open("a", encoding="utf-8") as out:
        out.write('\n[[regimes]]\nname = "today"\n')
    line = len((folder / "scenario.toml").read_text(encoding="utf-8").splitlines())
    rejected(
        folder,
        rf"scenario\.toml:{line}: regimes\[2\]\.name: expected a regime name used once, got today",
        capsys,
    )


def test_shelf_life_misspelled_key_is_no_python_error(folder, capsys):
    folder.edit(
        "scenario.toml",
        "[products.fresh_kiwi.shelf_life]",
        "[products.fresh_kiwi.shelf_life]\nq11 = 2.0",
    )
    line = folder.line_of("scenario.toml", "q11")
    error = rejected(
        folder,
        rf"scenario\.toml:{line}: products\.fresh_kiwi\.shelf_life\.q11: "
        r"expected a key of \[products\.fresh_kiwi\.shelf_life\] \(.*\bq10\b.*\), got q11",
        capsys,
    )
    assert "__init__" not in str(error)


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        ("life_days_at_ref = -1.0", r"life_days_at_ref: expected a finite number > 0, got -1\.0"),
        ('q10 = "steep"', r"q10: expected a list of numbers, got steep"),
        ("q10 = [2.0, 3.0]", r"q10_band_upper_c: expected len\(q10\) - 1 = 1 band edges, got 3"),
    ],
    ids=["negative_life", "q10_text", "q10_bands"],
)
def test_bad_shelf_life_value_names_its_key(folder, capsys, body, pattern):
    folder.edit(
        "scenario.toml",
        "[products.fresh_kiwi.shelf_life]",
        "[products.fresh_kiwi.shelf_life]\n" + body,
    )
    rejected(folder, rf"scenario\.toml:\d+: products\.fresh_kiwi\.shelf_life\.{pattern}", capsys)


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        (
            'labels = ["2025-W42", "2025-W43"]',
            'labels = "2025-W42"',
            r"periods\.labels: expected a list of 2 strings, got 2025-W42",
        ),
        (
            'labels = ["2025-W42", "2025-W43"]',
            'labels = ["2025-W42", "2025-W43"]\nweeks = 3',
            r"periods\.weeks: expected the number of labels \(2\), got 3",
        ),
        (
            'labels = ["2025-W42", "2025-W43"]',
            "labels = []",
            r"periods\.labels: expected at least one week label, got \[\]",
        ),
    ],
    ids=["labels_string", "weeks_disagree", "no_labels"],
)
def test_bad_periods(folder, capsys, old, new, pattern):
    line = folder.line_of("scenario.toml", old.split("\n")[0])
    folder.edit("scenario.toml", old, new)
    if "weeks" in pattern:
        line += 1
    rejected(folder, rf"scenario\.toml:{line}: {pattern}", capsys)


# --- CSV quotes --------------------------------------------------------------------------
def open_quote(folder: Path, name: str, prefix: str) -> int:
    """Put a quote before the last cell of the row starting with ``prefix``; its line."""
    line = folder.line_of(name, prefix)
    lines = (folder / name).read_text(encoding="utf-8").splitlines(keepends=True)
    head, _, last = lines[line - 1].rpartition(",")
    lines[line - 1] = f'{head},"{last}'
    (folder / name).write_text("".join(lines), encoding="utf-8")
    return line


def test_unclosed_quote_that_swallows_rows(folder, capsys):
    # the quote pairs with the one opening the next quoted source (H_JS>BZ_CS): V3>H_JS and
    # that leg vanished into one cell, and the network used to validate with 12 legs of 14
    line = open_quote(folder, "legs.csv", "V3,H_FH,")
    error = rejected(
        folder,
        rf"legs\.csv:{line}: source: expected a closing quote on that line, got a quoted cell "
        rf"that runs over 2 lines that look like rows \(lines {line + 1}-{line + 2}\)",
        capsys,
    )
    assert len(error.problems) == 1


def test_unclosed_quote_that_swallows_one_row(folder, capsys):
    # it used to validate with 13 legs of 14
    line = open_quote(folder, "legs.csv", "BZ_CS,P_NS,")
    rejected(
        folder,
        rf"legs\.csv:{line}: source: expected a closing quote on that line, got a quoted cell "
        rf"that runs over 1 line that looks like a row \(line {line + 1}\)",
        capsys,
    )


def test_quote_never_closed(folder, capsys):
    line = open_quote(folder, "legs.csv", "W_SG,M_BKK,")
    error = rejected(
        folder,
        rf"legs\.csv:{line}: source: expected a closing quote, got a quote that is never closed",
        capsys,
    )
    assert len(error.problems) == 1


def test_quote_never_closed_names_its_line_after_multi_line_cells(folder, capsys):
    # pandas said "EOF inside string starting at row 14", a record count, not a line
    folder.edit("legs.csv", '125,"ASSUMPTION: 0.30', '125,"ASSUMPTION:\n0.30')
    line = folder.append("legs.csv", '"W_SG,M_XX,road,true,2,10,1,0,0,,150,x')
    folder.append("legs.csv", "W_SG,M_YY,road,true,2,10,1,0,0,,150,x")
    rejected(
        folder,
        rf"legs\.csv:{line}: origin: expected a closing quote, got a quote that is never closed",
        capsys,
    )


def test_multi_line_source_note_is_still_valid(folder):
    folder.edit(
        "legs.csv",
        '125,"ASSUMPTION: 0.30 CNY/t-km ordinary truck (FACTS.md 2.1) x ~14 km; ',
        '125,"ASSUMPTION: 0.30 CNY/t-km ordinary truck\n(FACTS.md 2.1, 5.2), x ~14 km;\n',
    )
    network = load_folder(folder)
    assert len(network.legs) == 14
    assert "\n" in network.leg("V1", "H_JS", "road").source
