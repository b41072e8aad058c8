"""Collection routing: exact on small cases against a brute force, feasible, explained."""

from __future__ import annotations

import itertools
import math
import random
from functools import cache

import numpy as np
import pandas as pd
import pytest

from networks.collection import CollectionProblem, Pickup, VehicleType
from networks.status import NoPlanError
from optimizer.routing import (
    RoutingResult,
    choose_scale,
    diagnose,
    freshness_binds,
    schedule_plan,
    solve,
)
from results.route_check import check_routes


# --------------------------------------------------------------------------------------
# A brute force written apart from the solvers: every split into trips, every order.
# --------------------------------------------------------------------------------------
def _trip_cost(problem: CollectionProblem, vt: VehicleType, order: tuple[int, ...]) -> float:
    """Cheapest cost of one trip visiting ``order`` (matrix indices), inf if infeasible.

    For a fixed order the earliest possible return, with every loading as late as that
    return allows, minimises the trip's duration and each pickup's hours at once.
    """
    travel = problem.travel_h / vt.speed_factor
    t, prev = problem.day_start_h, 0
    for i in order:
        p = problem.pickups[i - 1]
        start = max(t + travel[prev, i], p.window_start_h)
        if start > p.window_end_h + 1e-9:
            return math.inf
        t, prev = start + p.service_h, i
    back = t + travel[prev, 0]
    if back > problem.hub_close_h + 1e-9:
        return math.inf
    latest, nxt_time, nxt = {}, back, 0
    for i in reversed(order):
        p = problem.pickups[i - 1]
        latest[i] = min(p.window_end_h, nxt_time - travel[i, nxt] - p.service_h)
        nxt_time, nxt = latest[i], i
    depart = latest[order[0]] - travel[0, order[0]]
    if back - depart > vt.max_shift_hours + 1e-9:
        return math.inf
    limit = problem.freshness_reefer_h if vt.reefer else problem.freshness_ambient_h
    warm = 0.0
    for i in order:
        p = problem.pickups[i - 1]
        age = back - latest[i] - p.service_h
        if age > limit + 1e-9:
            return math.inf
        if not vt.reefer:
            late = max(0.0, age - problem.curing_grace_h)
            warm += p.tonnes * (problem.warm_cost_per_t_h * age + problem.late_cost_per_t_h * late)
    path = (0, *order, 0)
    km = sum(problem.distance_km[a, b] for a, b in itertools.pairwise(path))
    return vt.fixed_cost + vt.cost_per_km * km + vt.cost_per_hour * (back - depart) + warm


def brute_force(problem: CollectionProblem) -> float:
    """Optimal cost with one trip per vehicle: best order of each subset, best split."""
    n = problem.num_pickups
    best_trip: dict[tuple[int, int], float] = {}
    for k, vt in enumerate(problem.fleet):
        for mask in range(1, 2**n):
            members = [i for i in range(1, n + 1) if mask >> (i - 1) & 1]
            pickups = [problem.pickups[i - 1] for i in members]
            if sum(p.tonnes for p in pickups) > vt.capacity_t + 1e-9:
                continue
            if not all(vt.may_serve(p.node) for p in pickups):
                continue
            cost = min(_trip_cost(problem, vt, order) for order in itertools.permutations(members))
            if math.isfinite(cost):
                best_trip[(k, mask)] = cost

    @cache
    def split(left: int, counts: tuple[int, ...]) -> float:
        if left == 0:
            return 0.0
        first = left & -left
        best = math.inf
        for k, count in enumerate(counts):
            if count == 0:
                continue
            rest = counts[:k] + (count - 1,) + counts[k + 1 :]
            sub = left
            while sub:
                if sub & first and (k, sub) in best_trip:
                    best = min(best, best_trip[(k, sub)] + split(left & ~sub, rest))
                sub = (sub - 1) & left
        return best

    return split(2**n - 1, tuple(v.count for v in problem.fleet))


def _villages(n: int, seed: int, **changes) -> CollectionProblem:
    """Random villages around a hub; distances integral, travel times in tenths of hours."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(-20, 21, size=(n + 1, 2))
    xy[0] = 0
    km = np.round(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) * 1.3)
    hours = np.round(km / 40.0, 1)
    pickups = tuple(
        Pickup(f"V{i}", float(rng.integers(4, 16)) / 10, float(s), float(s) + 2.0, 0.25)
        for i, s in zip(range(1, n + 1), rng.choice([7, 8, 9, 10], size=n), strict=True)
    )
    fleet = (
        VehicleType(
            "reefer",
            3,
            2.0,
            fixed_cost=150,
            cost_per_km=3.0,
            cost_per_hour=40,
            reefer=True,
            max_shift_hours=8,
        ),
        VehicleType(
            "truck",
            1,
            3.5,
            fixed_cost=200,
            cost_per_km=2.5,
            cost_per_hour=45,
            speed_factor=0.8,
            max_shift_hours=8,
            allowed_nodes=frozenset(p.node for p in pickups[: n - 2]),
        ),
    )
    problem = CollectionProblem(
        hub="H",
        pickups=pickups,
        fleet=fleet,
        distance_km=km,
        travel_h=hours,
        freshness_ambient_h=1.8,
        freshness_reefer_h=4.0,
        day_start_h=6.0,
        hub_close_h=18.0,
        name=f"villages-{n}-{seed}",
    )
    return problem.replace(**changes) if changes else problem


# --------------------------------------------------------------------------------------
# Exactness
# --------------------------------------------------------------------------------------
def test_brute_force_instance_is_binding():
    """The freshness limit, the capacities and the windows all change the optimum here."""
    problem = _villages(8, seed=8)
    optimum = brute_force(problem)
    assert optimum == pytest.approx(1621.875)
    assert freshness_binds(problem)
    assert brute_force(problem.replace(freshness_ambient_h=100, freshness_reefer_h=100)) < (
        optimum - 1
    )
    roomy = problem.replace(fleet=tuple(_with(v, capacity_t=100) for v in problem.fleet))
    assert brute_force(roomy) < optimum - 1
    open_windows = problem.replace(
        pickups=tuple(Pickup(p.node, p.tonnes, 6.0, 18.0, p.service_h) for p in problem.pickups)
    )
    assert brute_force(open_windows) < optimum - 1


def _with(vtype: VehicleType, **changes) -> VehicleType:
    import dataclasses

    return dataclasses.replace(vtype, **changes)


@pytest.mark.parametrize("backend", ["auto", "ortools"])
def test_equals_brute_force_with_capacity_windows_and_freshness(backend):
    problem = _villages(8, seed=8)
    optimum = brute_force(problem)
    result = solve(problem, backend=backend, time_limit=3.0, seed=0, workers=1)
    assert (result.status, result.limit) == ("feasible", "time")  # a search proves no bound
    assert check_routes(problem, result.routes).ok
    assert result.cost == pytest.approx(optimum, rel=1e-9)


def test_pyvrp_alone_says_it_cannot_keep_freshness_limits():
    result = solve(_villages(8, seed=8), backend="pyvrp", time_limit=0.3, workers=1)
    assert result.status == "no_solution"
    assert "PyVRP cannot express the freshness limits" in str(result.diagnosis[0])
    assert "violates freshness" in result.stages[0].note


def test_equals_brute_force_with_priced_freshness():
    problem = _villages(6, seed=11, warm_cost_per_t_h=25.0, freshness_ambient_h=3.0)
    optimum = brute_force(problem)
    result = solve(problem, time_limit=3.0, seed=0, workers=1)
    assert result.cost == pytest.approx(optimum, rel=1e-9)
    assert result.warm_cost > 0


def test_equals_brute_force_without_freshness_on_pyvrp():
    problem = _villages(7, seed=2, freshness_ambient_h=math.inf, freshness_reefer_h=math.inf)
    assert not freshness_binds(problem)
    optimum = brute_force(problem)
    result = solve(problem, backend="pyvrp", time_limit=1.0, seed=0, workers=1)
    assert result.backend == "pyvrp"
    assert result.cost == pytest.approx(optimum, rel=1e-9)


# --------------------------------------------------------------------------------------
# Several trips, schedules, scale
# --------------------------------------------------------------------------------------
def _line(multi_trip: bool) -> CollectionProblem:
    km = np.array([[0, 10, 20], [10, 0, 10], [20, 10, 0]], dtype=float)
    return CollectionProblem(
        hub="H",
        pickups=(Pickup("A", 1.0, 8.0, 12.0, 0.5), Pickup("B", 1.0, 8.0, 12.0, 0.5)),
        fleet=(
            VehicleType(
                "van",
                1,
                1.0,
                fixed_cost=100,
                cost_per_km=2,
                cost_per_hour=10,
                max_shift_hours=10,
                max_trips=2,
            ),
        ),
        distance_km=km,
        travel_h=km / 20.0,
        day_start_h=7.0,
        hub_close_h=18.0,
        multi_trip=multi_trip,
    )


@pytest.mark.parametrize("backend", ["auto", "pyvrp", "ortools"])
def test_two_trips_of_one_vehicle(backend):
    problem = _line(multi_trip=True)
    result = solve(problem, backend=backend, time_limit=0.5, seed=0, workers=1)
    assert result.has_plan and check_routes(problem, result.routes).ok
    assert result.vehicles_used == 1 and result.trips == 2
    # 100 fixed + 60 km * 2 + span: A (1 h + 0.5 h) and B (2 h + 0.5 h) back to back
    assert result.cost == pytest.approx(100 + 120 + 10 * 4.0)
    assert [r.trip for r in result.routes] == [0, 1]


def test_one_trip_per_vehicle_unless_allowed():
    result = solve(_line(multi_trip=False), time_limit=1.0, workers=1)
    assert result.status == "infeasible"
    assert "the fleet carries at most 1 t" in str(result.diagnosis[0])


def test_schedule_waits_at_villages_and_loads_late():
    problem = _line(multi_trip=False).replace(
        fleet=(VehicleType("truck", 1, 5.0, cost_per_hour=10, max_shift_hours=10),),
        pickups=(Pickup("A", 1.0, 8.0, 8.5, 0.5), Pickup("B", 1.0, 10.0, 12.0, 0.5)),
    )
    (route,) = schedule_plan(problem, ((0, ((1, 2),)),))
    a, b = route.stops[1], route.stops[2]
    assert route.start_h == pytest.approx(8.0)  # A's window closes at 8.5: load at 8.5
    assert a.departure_h == pytest.approx(9.0)
    assert b.arrival_h == pytest.approx(9.5) and b.departure_h == pytest.approx(10.5)
    assert route.end_h == pytest.approx(11.5)
    assert a.hours_since_pickup == pytest.approx(2.5)
    assert check_routes(problem, (route,)).ok


def test_fewest_vehicles_only_where_capacity_is_all_that_binds():
    from optimizer.routing import fewest_vehicles

    problem = _line(multi_trip=False).replace(
        pickups=(Pickup("A", 3.0), Pickup("B", 4.0)),
        fleet=(VehicleType("truck", 5, 5.0),),
        hub_close_h=math.inf,
    )
    assert fewest_vehicles(problem) == 2
    assert fewest_vehicles(problem.replace(hub_close_h=18.0)) is None
    assert fewest_vehicles(problem.replace(fleet=(VehicleType("truck", 2, 5.0),))) is None
    windows = problem.replace(pickups=(Pickup("A", 3.0, 8, 9), Pickup("B", 4.0)))
    assert fewest_vehicles(windows) is None


def test_scale_is_exact_for_benchmark_conventions():
    problem = _line(multi_trip=False)
    scale = choose_scale(problem)
    assert (scale.distance, scale.time, scale.load) == (1, 10, 1)
    assert scale.rounding_error == 0.0
    tenth = problem.replace(distance_km=problem.distance_km + 0.1 * (1 - np.eye(3)))
    assert choose_scale(tenth).distance == 10


# --------------------------------------------------------------------------------------
# Infeasibility explained
# --------------------------------------------------------------------------------------
def test_diagnosis_names_the_village_and_why():
    problem = _villages(5, seed=3)
    far = problem.pickups[2]
    late = Pickup(far.node, far.tonnes, 6.0, 6.05, far.service_h)
    heavy = Pickup(problem.pickups[3].node, 9.0, 8.0, 12.0, 0.25)
    broken = problem.replace(pickups=problem.pickups[:2] + (late, heavy) + problem.pickups[4:])
    result = solve(broken, time_limit=1.0, workers=1)
    assert result.status == "infeasible" and not result.routes
    text = [str(d) for d in result.diagnosis]
    assert any(
        t.startswith(f"village {late.node}: no vehicle can serve it")
        and "loading must start by 6.05 h" in t
        for t in text
    )
    assert any(heavy.node in t and "carries 2 t, the pickup is 9 t" in t for t in text)
    with pytest.raises(NoPlanError, match="no objective: the solve ended infeasible"):
        _ = result.objective


def test_diagnosis_of_freshness_and_access():
    problem = _villages(4, seed=5, freshness_reefer_h=0.1, freshness_ambient_h=0.1)
    (first, *_rest) = diagnose(problem)
    assert "freshness limit 0.1 h" in str(first)
    assert any("may not drive to" in str(d) or "freshness" in str(d) for d in diagnose(problem))


def test_no_pickups_is_trivially_optimal():
    problem = _line(True).subset([])
    result = solve(problem, time_limit=1.0, workers=1)
    assert result.status == "optimal" and result.cost == 0.0 and result.to_frame().empty
    assert result.limit == "none" and result.objective == 0.0


# --------------------------------------------------------------------------------------
# Reproducibility, result value, contract over backends
# --------------------------------------------------------------------------------------
def test_same_seed_same_routes():
    problem = _villages(8, seed=7, freshness_ambient_h=math.inf, freshness_reefer_h=math.inf)
    runs = [
        solve(problem, backend="pyvrp", time_limit=20, seed=3, workers=1, iterations=300)
        for _ in range(2)
    ]
    assert (runs[0].status, runs[0].limit) == ("feasible", "iterations")
    assert runs[0].to_frame().equals(runs[1].to_frame())


def test_two_workers_use_two_seeds():
    problem = _villages(6, seed=8, freshness_ambient_h=math.inf, freshness_reefer_h=math.inf)
    result = solve(problem, backend="pyvrp", time_limit=0.5, seed=5, workers=2)
    assert sorted(s.seed for s in result.stages) == [5, 6]
    assert check_routes(problem, result.routes).ok


def test_result_frame_and_kpis():
    problem = _villages(5, seed=1)
    result = solve(problem, time_limit=1.0, seed=0, workers=1)
    assert isinstance(result, RoutingResult)
    frame = result.to_frame()
    assert list(frame.columns[:4]) == ["vehicle", "vehicle_type", "trip", "stop"]
    assert {"node", "arrival_h", "departure_h", "load_t", "hours_since_pickup"} <= set(frame)
    assert set(frame.loc[frame["pickup"] != "", "pickup"]) == {p.id for p in problem.pickups}
    kpis = result.kpis()
    assert kpis["status"] == result.status and kpis["cost"] == pytest.approx(result.cost)
    assert kpis["worst_freshness_h"] <= problem.freshness_reefer_h
    assert kpis["scale_time_per_h"] == result.scale.time


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="backend: expected one of auto, pyvrp, ortools"):
        solve(_line(True), backend="gurobi")


# --------------------------------------------------------------------------------------
# Benchmarks through the same code path (one tiny file each)
# --------------------------------------------------------------------------------------
TINY_CVRP = """NAME : Tiny-n5-k2
TYPE : CVRP
DIMENSION : 5
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 0 10
3 10 0
4 0 -10
5 -10 0
DEMAND_SECTION
1 0
2 5
3 5
4 5
5 5
DEPOT_SECTION
1
-1
EOF
"""

TINY_SOLOMON = """TINY4

VEHICLE
NUMBER     CAPACITY
  2         10

CUSTOMER
CUST NO.   XCOORD.   YCOORD.    DEMAND   READY TIME   DUE DATE   SERVICE TIME

    0          0          0          0          0        200          0
    1          0         10          5          0        100         10
    2          7          7          5          0        100         10
    3          0        -10          5         50        150         10
    4         -7         -7          5         50        150         10
"""


def _bench_folder(tmp_path):
    (tmp_path / "cvrp").mkdir()
    (tmp_path / "cvrp" / "Tiny-n5-k2.vrp").write_text(TINY_CVRP)
    (tmp_path / "vrptw").mkdir()
    (tmp_path / "vrptw" / "tiny4.txt").write_text(TINY_SOLOMON)
    # Optimum of the CVRP: two out-and-back pairs, 2 * (10 + 14 + 10) = 68 (sqrt 200 = 14.14)
    (tmp_path / "bks.csv").write_text(
        "problem,instance,bks,convention\ncvrp,tiny-n5-k2,68,round-int\n"
        "vrptw,TINY4,55.0,dimacs-trunc1\n"
    )
    return tmp_path


def test_bench_runs_a_tiny_cvrp_and_solomon_file(tmp_path):
    from optimizer.bench.routing import BENCH_COLUMNS, run_benchmark, summary

    folder = _bench_folder(tmp_path)
    cvrp = run_benchmark(folder / "cvrp", "cvrp", time_limit=0.5, workers=1)
    assert tuple(cvrp.columns) == BENCH_COLUMNS
    row = cvrp.iloc[0]
    assert (row.instance, row.bks, row.cost, row.gap_pct) == ("Tiny-n5-k2", 68, 68, 0.0)
    assert row.vehicles == 2 and row.backend == "pyvrp" and row.convention == "round-int"
    vrptw = run_benchmark(folder / "vrptw", "vrptw", time_limit=0.5, workers=1, runs=2)
    assert len(vrptw) == 2 and set(vrptw["seed"]) == {0, 1}
    # 0-1-2-0: 10 + 7.6 (sqrt 58 = 7.616) + 9.8 (sqrt 98 = 9.899); 0-3-4-0 likewise
    assert vrptw["cost"].tolist() == [54.8, 54.8]
    assert summary(vrptw)["mean_gap_pct"] == pytest.approx(100 * (54.8 - 55.0) / 55.0)


def _random_cvrp(path, customers: int, seed: int):
    """A CVRPLIB file of ``customers`` random customers (capacity 100, demands 1-30)."""
    rng = random.Random(seed)
    nodes = [(50, 50, 0)] + [
        (rng.randint(0, 100), rng.randint(0, 100), rng.randint(1, 30)) for _ in range(customers)
    ]
    lines = [
        f"NAME : rand-n{customers + 1}",
        "TYPE : CVRP",
        f"DIMENSION : {customers + 1}",
        "EDGE_WEIGHT_TYPE : EUC_2D",
        "CAPACITY : 100",
        "NODE_COORD_SECTION",
        *(f"{i + 1} {x} {y}" for i, (x, y, _) in enumerate(nodes)),
        "DEMAND_SECTION",
        *(f"{i + 1} {d}" for i, (_, _, d) in enumerate(nodes)),
        "DEPOT_SECTION",
        "1",
        "-1",
        "EOF",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bench_with_iterations_is_the_same_table_twice_and_takes_one_file(tmp_path):
    # a time limit alone gave different costs run to run (X-n101-k25: 27,979 vs 28,044);
    # an iteration count, with time to spare, gives the same routes for the same seed
    from optimizer.bench.routing import run_benchmark

    one = _random_cvrp(tmp_path / "rand.vrp", 60, seed=4)
    tables = [
        run_benchmark(one, "cvrp", time_limit=60, workers=1, iterations=300, seed=5)
        for _ in range(2)
    ]
    keep = ["instance", "cost", "vehicles", "iterations", "status"]
    assert tables[0][keep].equals(tables[1][keep])
    assert tables[0].loc[0, "iterations"] == 300
    assert (tables[0].loc[0, "status"], tables[0].loc[0, "limit"]) == ("feasible", "iterations")
    assert len(tables[0]) == 1  # the one file given, not its folder


def test_bench_command_writes_a_new_csv_only(tmp_path):
    import argparse
    import io

    import pandas as pd
    from rich.console import Console

    from networks.errors import ColdchainError
    from optimizer.cli.bench import add_routing_parsers as add_bench_parsers
    from optimizer.cli.bench import cmd_bench_cvrp as run_bench_cvrp

    folder = _bench_folder(tmp_path)
    parser = argparse.ArgumentParser(prog="coldchain bench")
    add_bench_parsers(parser.add_subparsers(dest="family"))
    out = tmp_path / "out.csv"
    args = parser.parse_args(
        [
            "cvrp",
            str(folder / "cvrp"),
            "--time-limit",
            "0.5",
            "--workers",
            "1",
            "--out",
            str(out),
            "--seed",
            "3",
        ]
    )
    console = Console(file=io.StringIO(), width=120)
    assert run_bench_cvrp(args, console) == 0
    table = pd.read_csv(out)
    assert table.loc[0, "gap_pct"] == 0.0 and table.loc[0, "seed"] == 3
    assert "mean gap 0.000%" in console.file.getvalue()
    with pytest.raises(ColdchainError, match="expected a new file"):
        run_bench_cvrp(args, console)


# --------------------------------------------------------------------------------------
# coldchain route on the bundled tiny scenario
# --------------------------------------------------------------------------------------
ROUTE_ARGS = {"day": 3, "time_limit": 0.25, "workers": 1}


@pytest.fixture(scope="module")
def routed_tiny(tmp_path_factory):
    """``coldchain route tiny --day 3`` run once: its folder and its ``kpis.json``."""
    import json

    from optimizer.cli.main import main

    out = tmp_path_factory.mktemp("route") / "run"
    args = ["route", "tiny", "--out", str(out), "--day", str(ROUTE_ARGS["day"])]
    args += ["--time-limit", str(ROUTE_ARGS["time_limit"]), "--workers", "1"]
    assert main(args) == 0
    return out, json.loads((out / "kpis.json").read_text())


def test_route_command_writes_checked_routes(routed_tiny, tiny):
    import pandas as pd

    from instances.collection import collection_problem
    from networks.collection import routes_from_frame
    from optimizer.cli.main import main

    out, kpis = routed_tiny
    assert kpis["route_check"] == "passed"
    assert (kpis["status"], kpis["limit"]) == ("feasible", "time")
    for key in ("distance_km", "hours", "vehicles_used", "cost", "worst_freshness_h", "seconds"):
        assert key in kpis
    routes = pd.read_csv(out / "routes.csv", keep_default_na=False, na_values=[""])
    assert list(routes.columns[:3]) == ["hub", "vehicle", "vehicle_type"]
    for hub, rows in routes.groupby("hub"):
        problem = collection_problem(tiny, hub, day=3)
        check = check_routes(problem, routes_from_frame(rows.drop(columns=["hub"])))
        assert check.ok and check.cost == pytest.approx(kpis[f"hub.{hub}.cost"])
    hubs = sorted(routes["hub"].unique())
    assert kpis["cost"] == pytest.approx(sum(kpis[f"hub.{h}.cost"] for h in hubs))
    assert main(["route", "tiny", "--out", str(out)]) == 2  # never over another run


def test_route_command_writes_the_library_days_kpis(routed_tiny, tiny):
    """kpis.json is the run record, then route_day's kpis(): no figure of its own."""
    import json

    from optimizer.routing import route_day

    _, written = routed_tiny
    day = route_day(tiny, **ROUTE_ARGS)
    record = ("run_id", "created_utc", "version_", "param_", "command", "scenario")

    def figures(kpis: dict) -> dict:
        return {k: v for k, v in kpis.items() if not k.startswith(record) and "seconds" not in k}

    library = json.loads(json.dumps(day.kpis()).replace("NaN", "null"))
    assert figures(written) == figures(library)
    assert set(written) - set(library) == {
        k for k in written if k.startswith(record) and "seconds" not in k
    }


def test_route_command_explains_infeasibility(scenario_copy, tmp_path):
    import json

    from optimizer.cli.main import main

    folder = scenario_copy("tiny")
    folder.edit("scenario.toml", "freshness_hours_ambient = 8.0", "freshness_hours_ambient = 0.1")
    folder.edit("scenario.toml", "freshness_hours_reefer = 24.0", "freshness_hours_reefer = 0.1")
    out = tmp_path / "run"
    assert main(["route", str(folder), "--out", str(out), "--time-limit", "0.3"]) == 3
    diagnosis = json.loads((out / "diagnosis.json").read_text())
    assert diagnosis["status"] == "infeasible"
    assert any(
        "freshness limit 0.1 h" in p["message"] and p["village"] for p in diagnosis["problems"]
    )
    assert not (out / "routes.csv").exists()


def test_collection_problem_from_the_tiny_scenario(tiny):
    from instances.collection import collection_problem, nearest_hub

    network = tiny
    villages = {v.id: v for v in network.villages}
    hub = nearest_hub(network, "V3")
    problem = collection_problem(network, hub, day=1, tonnes={"V3": 1.2, "V2": 0.5})
    # V3 is on a tricycle road: only the 0.5 t tricycles reach it, so 1.2 t is 3 loads.
    v3 = [p for p in problem.pickups if p.node == "V3"]
    assert [p.id for p in v3] == ["V3#1", "V3#2", "V3#3"]
    assert sum(p.tonnes for p in v3) == pytest.approx(1.2)
    assert v3[0].window_start_h == villages["V3"].pick_start_h
    assert v3[0].service_h == villages["V3"].service_h
    kinds = {v.id: v for v in problem.fleet}
    assert kinds["tricycle"].allowed_nodes is None
    assert not kinds["truck"].may_serve("V3") and kinds["truck"].may_serve("V2")
    assert problem.distance_km[problem.index("V3#1"), problem.index("V3#2")] == 0.0
    kiwi = network.products["fresh_kiwi"]
    k = kiwi.shelf_life.k_per_hour(network.periods.ambient(1))
    assert problem.warm_cost_per_t_h == pytest.approx(kiwi.value_cny_per_kg * 1000 * k)
    assert problem.curing_grace_h == pytest.approx(kiwi.shelf_life.curing_grace_hours - 6.0)
    assert problem.freshness_ambient_h == 8.0 and problem.multi_trip
    result = solve(problem, time_limit=0.5, workers=1)
    assert result.has_plan and check_routes(problem, result.routes).ok


def test_route_refuses_a_hub_the_plan_keeps_shut(tmp_path, capsys):
    # it said "optimal, 0 pickups" and exit 0 for a hub the solved plan does not open
    from optimizer.cli.main import main

    solved = tmp_path / "solved"
    assert main(["solve", "tiny", "--out", str(solved)]) == 0
    opened = pd.read_csv(solved / "hubs.csv")["hub"].unique().tolist()
    shut = next(h for h in ("H_JS", "H_FH") if h not in opened)
    out = tmp_path / "route"
    args = ["route", "tiny", "--plan", str(solved), "--hub", shut, "--out", str(out)]
    assert main(args) == 2
    listed = ", ".join(sorted(opened))
    expected = f"--hub: hub: expected a hub the plan opens ({listed}), got {shut}"
    assert expected in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(("module", "backend"), [("pyvrp", "pyvrp"), ("ortools", "ortools")])
def test_a_missing_backend_says_which_pip_install_fixes_it(module, backend, monkeypatch):
    import sys

    from networks.errors import SolverUnavailableError

    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    with pytest.raises(SolverUnavailableError, match=f"pip install {module}=="):
        solve(_line(True), backend=backend, time_limit=0.2, workers=1)


def test_a_day_is_as_proven_as_its_weakest_hub_and_sums_the_hubs_with_a_plan():
    from optimizer.routing import CollectionDay, Diagnosis, HubRoutes, RoutingResult

    problem = _line(True)
    served = RoutingResult("feasible", "time", cost=10.0, distance_km=4.0, pickups=2, tonnes=2.0)
    why = Diagnosis("A", "A", ("van carries 1 t, the pickup is 9 t",))
    broken = RoutingResult("infeasible", cost=math.nan, pickups=1, tonnes=9.0, diagnosis=(why,))
    checked = check_routes(problem, ())  # what the checker said matters not here
    hubs = (HubRoutes("H1", problem, served, checked), HubRoutes("H2", problem, broken, None))
    day = CollectionDay("line", 1, 1, hubs)
    kpis = day.kpis()
    assert (kpis["status"], kpis["limit"], kpis["hubs"]) == ("infeasible", "time", 2)
    assert (kpis["cost"], kpis["distance_km"], kpis["pickups"], kpis["tonnes"]) == (10, 4, 3, 11)
    assert kpis["hub.H1.status"] == "feasible" and math.isnan(kpis["hub.H2.cost"])
    assert kpis["route_check"] == "passed"
    (row,) = day.diagnosis()["problems"]
    assert (row["hub"], row["village"]) == ("H2", "A")
    assert row["message"] == f"hub H2: village A: no vehicle can serve it: {why.reasons[0]}"
