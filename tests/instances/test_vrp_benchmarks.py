"""Benchmark readers: tiny CVRPLIB and Solomon files written here, never shipped ones."""

from __future__ import annotations

import math

import numpy as np
import pytest

from instances.vrp_benchmarks import (
    benchmark_cost,
    benchmark_files,
    best_known,
    read_benchmark,
    read_bks,
    read_cvrplib,
    read_solomon,
    round_int,
    trunc1,
)
from networks.errors import ScenarioError

CVRP = """NAME : tiny-n4-k2
COMMENT : hand-made
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 3 4
3 0 7
4 1 1
DEMAND_SECTION
1 0
2 4
3 6
4 5
DEPOT_SECTION
1
-1
EOF
"""

SOLOMON = """TINY3

VEHICLE
NUMBER     CAPACITY
  2         20

CUSTOMER
CUST NO.   XCOORD.   YCOORD.    DEMAND   READY TIME   DUE DATE   SERVICE TIME

    0          0          0          0          0        100          0
    1          1          1          5         10         20         10
    2          3          4          7          0         50         10
    3          2          0          9          5         60         10
"""


@pytest.fixture
def cvrp_file(tmp_path):
    path = tmp_path / "tiny-n4-k2.vrp"
    path.write_text(CVRP)
    return path


@pytest.fixture
def solomon_file(tmp_path):
    path = tmp_path / "tiny3.txt"
    path.write_text(SOLOMON)
    return path


def test_conventions():
    assert round_int(np.array([1.49, 1.5, 2.5])).tolist() == [1, 2, 3]
    assert trunc1(np.array([1.4142, 2.0, 4.4721])).tolist() == [1.4, 2.0, 4.4]


def test_read_cvrplib(cvrp_file):
    problem = read_cvrplib(cvrp_file)
    assert problem.name == "tiny-n4-k2" and problem.convention == "round-int"
    assert problem.hub == "1" and [p.node for p in problem.pickups] == ["2", "3", "4"]
    assert [p.tonnes for p in problem.pickups] == [4, 6, 5]
    # (0,0)-(3,4) = 5; (3,4)-(0,7) = 4.243 -> 4; (0,0)-(1,1) = 1.414 -> 1
    assert problem.distance_km[0, 1] == 5 and problem.distance_km[1, 2] == 4
    assert problem.distance_km[0, 3] == 1
    (vtype,) = problem.fleet
    assert vtype.capacity_t == 10 and vtype.count == 3 and vtype.cost_per_km == 1
    assert math.isinf(problem.hub_close_h) and math.isinf(problem.freshness_ambient_h)
    assert read_cvrplib(cvrp_file, vehicles=2).fleet[0].count == 2


def test_read_solomon(solomon_file):
    problem = read_solomon(solomon_file)
    assert problem.convention == "dimacs-trunc1" and problem.hub == "0"
    assert problem.day_start_h == 0 and problem.hub_close_h == 100
    a = problem.pickups[0]
    assert (a.node, a.tonnes, a.window_start_h, a.window_end_h, a.service_h) == ("1", 5, 10, 20, 10)
    assert problem.distance_km[0, 1] == pytest.approx(1.4)  # sqrt 2 truncated
    assert problem.distance_km[1, 2] == pytest.approx(3.6)  # sqrt 13 = 3.606
    assert np.array_equal(problem.travel_h, problem.distance_km)
    (vtype,) = problem.fleet
    assert vtype.count == 2 and vtype.capacity_t == 20


def test_read_benchmark_by_suffix(cvrp_file, solomon_file):
    assert read_benchmark(cvrp_file).convention == "round-int"
    assert read_benchmark(solomon_file).convention == "dimacs-trunc1"
    with pytest.raises(ValueError, match="family: expected one of"):
        read_benchmark(cvrp_file, family="tsp")


def test_benchmark_cost_rounding(cvrp_file, solomon_file):
    assert benchmark_cost(read_cvrplib(cvrp_file), 41.0000000001) == 41.0
    assert benchmark_cost(read_solomon(solomon_file), 12.299999999) == 12.3


def test_missing_and_bad_files(tmp_path):
    with pytest.raises(ScenarioError, match="missing"):
        read_cvrplib(tmp_path / "nope.vrp")
    bad = tmp_path / "bad.vrp"
    bad.write_text("NAME : bad\nTYPE : CVRP\nDIMENSION : 2\nEDGE_WEIGHT_TYPE : EUC_2D\nEOF\n")
    with pytest.raises(ScenarioError, match="bad.vrp"):
        read_cvrplib(bad)


def test_benchmark_files(tmp_path, cvrp_file):
    (tmp_path / "notes.txt").write_text("not an instance")
    assert benchmark_files(tmp_path, "cvrp") == [cvrp_file]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ScenarioError, match=r"expected at least one \.vrp file"):
        benchmark_files(empty, "cvrp")
    with pytest.raises(ScenarioError, match="expected a benchmark file or a folder of them"):
        benchmark_files(tmp_path / "absent", "vrptw")


def test_read_bks_case_insensitive(tmp_path):
    path = tmp_path / "bks.csv"
    path.write_text(
        "problem,instance,bks,convention,source_repo,source_path\n"
        "cvrp,TINY-n4-K2,41,round-int,x,y\n"
        "vrptw,Tiny3,12.3,dimacs-trunc1,x,y\n"
        "vrptw,Tiny3,13.01,sintef-hier-real:vehicles=2,x,y\n"
    )
    bks = read_bks(path)
    assert best_known(bks, "tiny-n4-k2", "round-int") == 41
    assert best_known(bks, "TINY3", "dimacs-trunc1") == 12.3
    assert best_known(bks, "tiny3", "round-int") is None


def test_read_bks_reports_every_bad_row(tmp_path):
    path = tmp_path / "bks.csv"
    path.write_text("instance,bks,convention\na,x,round-int\nb,-3,round-int\nc,5,round-int\n")
    with pytest.raises(ScenarioError) as info:
        read_bks(path)
    assert [str(p) for p in info.value.problems] == [
        "bks.csv:2: bks: expected a number, got x",
        "bks.csv:3: bks: expected a number > 0, got -3",
    ]
    path.write_text("instance,value\na,1\n")
    with pytest.raises(ScenarioError, match="bks.csv: bks: expected a column of bks.csv"):
        read_bks(path)
