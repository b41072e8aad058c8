"""PuLP (with highspy) and OR-Tools load together in one process, in either order; highspy is
imported through optimizer.backends only.

highspy and OR-Tools each ship a ``libhighs``. With mismatched releases, importing
``pulp`` first makes every OR-Tools import fail with an undefined symbol, and the other
order silently drops HiGHS from PuLP. pyproject.toml pins highspy to the HiGHS release
that the pinned OR-Tools bundles; these tests load both, in both orders, each in a
fresh interpreter (the clash is a property of the process), and solve a tiny model with
each solver.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

IMPORT_PULP = "import pulp\n"
IMPORT_ORTOOLS = (
    "from ortools.linear_solver import pywraplp\n"
    "from ortools.constraint_solver import pywrapcp, routing_enums_pb2\n"
)

SOLVE = textwrap.dedent(
    """
    import json

    out = {"highs_available": pulp.HiGHS().available()}

    # Wyndor Glass (Hillier & Lieberman): max 3x + 5y, x <= 4, 2y <= 12, 3x + 2y <= 18.
    # Vertices (0,0) 0, (4,0) 12, (4,3) 27, (2,6) 36, (0,6) 30: optimum 36 at (2, 6).
    lp = pulp.LpProblem("wyndor", pulp.LpMaximize)
    x = pulp.LpVariable("x", lowBound=0)
    y = pulp.LpVariable("y", lowBound=0)
    lp += 3 * x + 5 * y
    lp += x <= 4
    lp += 2 * y <= 12
    lp += 3 * x + 2 * y <= 18
    lp.solve(pulp.HiGHS(msg=False))
    out["lp_status"] = pulp.LpStatus[lp.status]
    out["lp"] = [pulp.value(lp.objective), x.value(), y.value()]

    # max 5a + 4b, 6a + 4b <= 24, a + 2b <= 6, a, b >= 0 integer. The LP optimum is
    # (3, 1.5) = 21; the integer points on the border give (4, 0) = 20, (3, 1) = 19,
    # (2, 2) = 18, (0, 3) = 12: optimum 20 at (4, 0).
    mip = pulp.LpProblem("knap", pulp.LpMaximize)
    a = pulp.LpVariable("a", lowBound=0, cat="Integer")
    b = pulp.LpVariable("b", lowBound=0, cat="Integer")
    mip += 5 * a + 4 * b
    mip += 6 * a + 4 * b <= 24
    mip += a + 2 * b <= 6
    mip.solve(pulp.PULP_CBC_CMD(msg=False))
    out["mip_status"] = pulp.LpStatus[mip.status]
    out["mip"] = [pulp.value(mip.objective), a.value(), b.value()]

    # The same LP through OR-Tools' own HiGHS (its bundled libhighs) and GLOP.
    for name in ("HIGHS", "GLOP"):
        solver = pywraplp.Solver.CreateSolver(name)
        if solver is None:
            out["ortools_" + name] = None
            continue
        u = solver.NumVar(0, solver.infinity(), "u")
        v = solver.NumVar(0, solver.infinity(), "v")
        solver.Add(u <= 4)
        solver.Add(2 * v <= 12)
        solver.Add(3 * u + 2 * v <= 18)
        solver.Maximize(3 * u + 5 * v)
        status = solver.Solve()
        out["ortools_" + name] = [status == pywraplp.Solver.OPTIMAL,
                                  solver.Objective().Value()]

    # Routing: depot 0 and stops at positions 1, 3, 6 on a line, distance |p - q|.
    # Any tour must reach 6 and come back: the optimum is 2 * 6 = 12 (0-1-3-6-0).
    pos = [0, 1, 3, 6]
    manager = pywrapcp.RoutingIndexManager(len(pos), 1, 0)
    routing = pywrapcp.RoutingModel(manager)

    def dist(i, j):
        return abs(pos[manager.IndexToNode(i)] - pos[manager.IndexToNode(j)])

    callback = routing.RegisterTransitCallback(dist)
    routing.SetArcCostEvaluatorOfAllVehicles(callback)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    solution = routing.SolveWithParameters(params)
    out["routing"] = None if solution is None else solution.ObjectiveValue()

    print("RESULT " + json.dumps(out))
    """
)


def _run(order: str) -> dict:
    imports = (
        IMPORT_PULP + IMPORT_ORTOOLS if order == "pulp-first" else (IMPORT_ORTOOLS + IMPORT_PULP)
    )
    done = subprocess.run(
        [sys.executable, "-c", imports + SOLVE],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "undefined symbol" not in done.stderr
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    return json.loads(line.removeprefix("RESULT "))


@pytest.fixture(scope="module", params=["pulp-first", "ortools-first"])
def loaded(request) -> dict:
    return _run(request.param)


def test_pulp_sees_highs(loaded):
    assert loaded["highs_available"] is True


def test_pulp_highs_solves_the_lp(loaded):
    assert loaded["lp_status"] == "Optimal"
    assert loaded["lp"] == pytest.approx([36.0, 2.0, 6.0], abs=1e-6)


def test_pulp_cbc_solves_the_mip(loaded):
    assert loaded["mip_status"] == "Optimal"
    assert loaded["mip"] == pytest.approx([20.0, 4.0, 0.0], abs=1e-6)


def test_ortools_linear_solvers_solve_the_lp(loaded):
    assert loaded["ortools_GLOP"] == [True, pytest.approx(36.0, abs=1e-6)]
    if loaded["ortools_HIGHS"] is not None:
        assert loaded["ortools_HIGHS"] == [True, pytest.approx(36.0, abs=1e-6)]


def test_ortools_routing_finds_the_tour(loaded):
    assert loaded["routing"] == 12


def test_highspy_is_loaded_through_the_backends(monkeypatch):
    from networks.errors import SolverUnavailableError
    from optimizer import backends

    assert backends.highspy().Highs().version()
    monkeypatch.setitem(sys.modules, "highspy", None)  # as if it were not installed
    with pytest.raises(SolverUnavailableError, match=r"pip install highspy=="):
        backends.highspy()


def test_no_product_module_imports_highspy_but_the_backends():
    root = Path(__file__).resolve().parents[2]
    found = [
        str(path.relative_to(root))
        for package in ("networks", "instances", "optimizer", "results")
        for path in (root / package).rglob("*.py")
        if "backends" not in path.parts
        and re.search(r"^\s*(import highspy|from highspy import)", path.read_text(), re.M)
    ]
    assert found == []
