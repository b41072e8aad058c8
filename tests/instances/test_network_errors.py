"""The network as a whole: what no single row shows (a village with no leg, a market
no path reaches, legs between kinds that cannot follow) is named in the file and on
the line of the row it is about, whatever the [files] table calls the file.

What each test checks, and how, is in this folder's conftest.py.
"""

from __future__ import annotations

import re

import pytest

from instances.scenario import load_folder
from networks.errors import ScenarioError


def test_village_with_no_outgoing_leg(folder, rejected):
    folder.drop_lines("legs.csv", "V3,H_FH,", "V3,H_JS,")
    rejected(
        folder,
        r"nodes\.csv:4: id: expected a village with a leg to a county hub "
        r"\(none listed or within the leg rules' reach\), got V3",
    )


def test_hub_with_no_size_option(folder, rejected):
    # hub_sizes.csv has no line to point at: the hub's own row in nodes.csv is named
    line = folder.line_of("nodes.csv", "H_FH,")
    folder.drop_lines("hub_sizes.csv", "H_FH,")
    rejected(
        folder,
        rf"nodes\.csv:{line}: id: expected a county hub with a size option in "
        r"hub_sizes\.csv, got H_FH",
    )


def test_market_no_path_reaches(folder, rejected):
    folder.drop_lines("legs.csv", "H_JS,M_CS,", "H_FH,M_CS,")
    line = folder.line_of("nodes.csv", "M_CS,")
    rejected(
        folder,
        rf"nodes\.csv:{line}: id: expected a market that some path from a village "
        r"reaches, got M_CS",
    )


def test_leg_from_village_straight_to_market(folder, rejected):
    line = folder.append("legs.csv", "V1,M_CS,road,false,,300,5,50,0,,,125,x")
    rejected(
        folder,
        rf"legs\.csv:{line}: destination: expected a county_hub after a village "
        r"\(V1>M_CS:road\), got market",
    )


def test_leg_from_bonded_zone_to_market_not_by_parcel(folder, rejected):
    line = folder.append("legs.csv", "BZ_CS,M_CS,road,true,2,30,1,0,100,10,,150,x")
    rejected(
        folder,
        rf"legs\.csv:{line}: mode: expected parcel from a bonded zone to a market "
        r"\(BZ_CS>M_CS:road-reefer\), got road",
    )


def test_leg_listed_twice(folder, rejected):
    folder.append("legs.csv", "V3,H_FH,road,false,,9,0.5,3,0,,,125,again")
    rejected(
        folder,
        r"legs\.csv:\d+: id: expected each origin, destination and service "
        r"once, got V3>H_FH:road",
    )


def test_leg_listed_twice_names_the_repeating_line(folder):
    line = folder.append("legs.csv", "V3,H_FH,road,false,,9,0.5,3,0,,,125,again")
    with pytest.raises(ScenarioError) as info:
        load_folder(folder)
    assert [str(p) for p in info.value.problems] == [
        f"legs.csv:{line}: id: expected each origin, destination and service once, got V3>H_FH:road"
    ]


def test_leg_between_kinds_that_cannot_follow_names_legs_csv_and_its_line(folder):
    line = folder.append("legs.csv", "V1,M_CS,road,false,,300,5,50,0,,,125,x")
    with pytest.raises(ScenarioError, match=rf"(?m)^legs\.csv:{line}: destination: "):
        load_folder(folder)


def test_whole_network_problems_name_the_files_of_the_files_table(folder, rejected):
    (folder / "legs.csv").rename(folder / "routes.csv")
    (folder / "supply.csv").rename(folder / "harvest.csv")
    folder.use_files(legs="routes.csv", supply="harvest.csv")
    line = folder.append("routes.csv", "V1,M_CS,road,false,,300,5,50,0,,,125,x")
    folder.edit("harvest.csv", "V2,fresh_kiwi,1,6", "V9,fresh_kiwi,1,6")
    error = rejected(folder, rf"routes\.csv:{line}: destination: expected .*, got market")
    assert "harvest.csv:4: village: expected a village id of nodes.csv, got V9" in [
        str(p) for p in error.problems
    ]


def test_hub_without_size_names_the_sizes_file_of_the_files_table(folder):
    (folder / "hub_sizes.csv").rename(folder / "sizes.csv")
    folder.use_files(hub_sizes="sizes.csv")
    folder.drop_lines("sizes.csv", "H_FH,")
    with pytest.raises(ScenarioError) as info:
        load_folder(folder)
    line = folder.line_of("nodes.csv", "H_FH,")
    assert [str(p) for p in info.value.problems] == [
        f"nodes.csv:{line}: id: expected a county hub with a size option in sizes.csv, got H_FH"
    ]


def test_generated_leg_problem_names_scenario_toml(folder):
    with (folder / "scenario.toml").open("a", encoding="utf-8") as out:
        out.write('\n[[leg_rules]]\nfrom = "county_hub"\nto = "village"\nmode = "road"\n')
    with pytest.raises(ScenarioError) as info:
        load_folder(folder)
    lines = [str(p) for p in info.value.problems]
    assert lines and all(x.startswith("scenario.toml") for x in lines), lines


def test_several_problems_at_once_are_all_reported(folder, rejected):
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
    error = rejected(folder, expected[0])
    text = str(error)
    for pattern in expected:
        assert re.search("(?m)^" + pattern + "$", text), pattern
    assert len(error.problems) >= len(expected)
