"""Plan files (instances/plans.py): read with the scenario tables' reader, lines kept true."""

from __future__ import annotations

from pathlib import Path

import pytest

from instances import read_plan, scenario_folder, write_plan
from networks import PathFlow, Plan, ScenarioError

HEADER = (
    "firm,shipper,product,week,tonnes,path,services,customs_mode,storage_weeks,precool,wait_hours"
)
ROW = "coopA,coopA,fresh_kiwi,1,8,V1 > H_JS > M_CS,road > road-reefer,,0,true,6"


def plan_files(folder: Path, flows: str, hubs: str = "hub,size\nH_JS,small\n") -> Path:
    (folder / "plan.hubs.csv").write_text(hubs, encoding="utf-8")
    path = folder / "plan.csv"
    path.write_text(flows, encoding="utf-8")
    return path


def test_a_written_plan_reads_back_equal(tmp_path):
    plan = Plan(
        "p",
        {"H_JS": "small"},
        (
            PathFlow(
                "coopA",
                "3pl",
                "fresh_kiwi",
                2,
                8.5,
                ("V1", "H_JS", "M_CS"),
                ("road", "road-reefer"),
            ),
            PathFlow(
                "firmB",
                "firmB",
                "fresh_kiwi",
                1,
                5.0,
                ("V3", "H_JS", "BZ_CS", "M_BKK"),
                ("road", "road-reefer", "parcel"),
                customs_mode="9610",
                storage_weeks=1,
                precool=False,
                wait_hours=12.0,
            ),
        ),
    )
    write_plan(plan, tmp_path / "p.csv")
    back = read_plan(tmp_path / "p.csv")
    assert back.name == "p"
    assert back.flows == plan.flows
    assert dict(back.hubs) == dict(plan.hubs)
    assert back.source.flow_lines == (2, 3)


def test_comment_lines_before_and_among_rows_keep_the_file_lines(tmp_path):
    path = plan_files(
        tmp_path,
        f"# a plan, described\n# over two lines, with a comma\n{HEADER}\n{ROW}\n"
        f"  # an indented comment\n\n{ROW.replace(',1,8,', ',2,8,')}\n",
        hubs="# hubs\nhub,size\n\nH_JS,small\n",
    )
    plan = read_plan(path)
    assert plan.source.flow_lines == (4, 7)
    assert [f.week for f in plan.flows] == [1, 2]
    assert dict(plan.source.hub_lines) == {"H_JS": 4}
    assert [plan.line(0), plan.line(1)] == [4, 7]


def test_a_bad_row_after_comments_is_named_by_its_file_line(tmp_path):
    path = plan_files(tmp_path, f"# note\n{HEADER}\n{ROW}\n# note\n{ROW.replace(',8,', ',-1,')}\n")
    with pytest.raises(
        ScenarioError, match=r"^plan\.csv:5: tonnes: expected a number >= 0, got -1$"
    ):
        read_plan(path)


def test_cells_are_stripped_as_in_scenario_tables(tmp_path):
    path = plan_files(tmp_path, f"{HEADER}\n{ROW.replace('coopA,coopA', ' coopA , coopA ')}\n")
    (flow,) = read_plan(path).flows
    assert (flow.firm, flow.shipper) == ("coopA", "coopA")


def test_a_row_longer_than_the_header_is_named_by_its_line(tmp_path):
    # pandas said "Expected 11 fields in line 3, saw 12" and the plan reader passed that on
    path = plan_files(tmp_path, f"# note\n{HEADER}\n{ROW}\n{ROW},extra\n")
    with pytest.raises(ScenarioError, match=r"plan\.csv:4: row: expected at most 11 fields"):
        read_plan(path)


def test_an_unreadable_hubs_file_is_a_problem_not_a_crash(tmp_path):
    path = plan_files(tmp_path, f"{HEADER}\n{ROW}\n", hubs='hub,size\n"H_JS,small\n')
    with pytest.raises(ScenarioError, match=r"plan\.hubs\.csv:2: hub: expected a closing quote"):
        read_plan(path)


def test_missing_columns_and_files_keep_their_messages(tmp_path):
    with pytest.raises(ScenarioError, match=r"^x\.csv: file: expected an existing plan file"):
        read_plan(tmp_path / "x.csv")
    path = plan_files(tmp_path, "firm,product\ncoopA,fresh_kiwi\n")
    with pytest.raises(ScenarioError, match=r"plan\.csv: week: expected a column named week, "):
        read_plan(path)
    (tmp_path / "plan.hubs.csv").unlink()
    path.write_text(f"{HEADER}\n{ROW}\n", encoding="utf-8")
    with pytest.raises(
        ScenarioError,
        match=r"^plan\.hubs\.csv: file: expected the hubs opened by plan\.csv \(hub,size\), "
        "got no such",
    ):
        read_plan(path)


def test_the_bundled_plans_read():
    for path in sorted((scenario_folder("xiangxi-kiwi") / "plans").glob("*.csv")):
        if not path.name.endswith(".hubs.csv"):
            plan = read_plan(path)
            assert plan.flows and plan.hubs
            assert plan.source.flow_lines[0] > 2  # after the comment header
