"""The network design formulation, handed to HiGHS as arrays or to PuLP, is one model.

The formulation is written once (:class:`optimizer.design.formulation.DesignMatrix`);
PuLP gets its arrays through :func:`optimizer.backends.mip.pulp_problem`. That the PuLP
problem is the same model is checked in the strongest way available: the same columns
(bounds, integrality, objective coefficient) and the same rows (coefficients and
bounds), read back from PuLP's own objects and compared name by name with the arrays;
the same optimum by solving both ways (issue #7: whatever path builds the model must
give the same optimum and the same feasible set).
"""

from __future__ import annotations

import math
from dataclasses import replace

import pulp
import pytest

from instances import generate_network
from optimizer.backends.mip import pulp_problem
from optimizer.design import DesignModel, DesignOptions, solve_design
from optimizer.design.data import build_design_data
from optimizer.design.formulation import DesignMatrix

TRANS = str.maketrans({c: "_" for c in "-+[] ->/"})


def _pulp_columns(problem: pulp.LpProblem) -> dict:
    objective = dict(problem.objective.items())
    columns = {}
    for var in problem.variables():
        lower = -math.inf if var.lowBound is None else float(var.lowBound)
        upper = math.inf if var.upBound is None else float(var.upBound)
        integer = var.cat == pulp.LpInteger
        columns[var.name] = (lower, upper, integer, float(objective.get(var, 0.0)))
    return columns


def _pulp_rows(problem: pulp.LpProblem) -> dict:
    rows = {}
    for name, constraint in problem.constraints.items():
        rhs = -float(constraint.constant)
        if constraint.sense == pulp.LpConstraintLE:
            bounds = (-math.inf, rhs)
        elif constraint.sense == pulp.LpConstraintGE:
            bounds = (rhs, math.inf)
        else:
            bounds = (rhs, rhs)
        coefficients = {v.name: float(c) for v, c in constraint.items() if c != 0}
        rows[name.translate(TRANS)] = (bounds, coefficients)
    return rows


def _direct_columns(matrix: DesignMatrix, arrays: dict) -> dict:
    columns = {}
    for j, name in enumerate(matrix.column_names):
        cost = float(arrays["col_cost"][j])
        columns[name.translate(TRANS)] = (
            float(arrays["col_lower"][j]),
            float(arrays["col_upper"][j]),
            bool(arrays["integrality"][j]),
            cost,
        )
    return columns


def _direct_rows(matrix: DesignMatrix, arrays: dict) -> dict:
    names = [n.translate(TRANS) for n in matrix.column_names]
    starts = list(arrays["a_start"]) + [len(arrays["a_index"])]
    rows = {}
    for i, name in enumerate(matrix.row_names):
        entries = range(starts[i], starts[i + 1])
        coefficients = {}
        for e in entries:
            column = names[arrays["a_index"][e]]
            assert column not in coefficients, f"{name}: {column} twice"
            coefficients[column] = float(arrays["a_value"][e])
        bounds = (float(arrays["row_lower"][i]), float(arrays["row_upper"][i]))
        assert name.translate(TRANS) not in rows, f"row {name} twice"
        rows[name.translate(TRANS)] = (bounds, coefficients)
    return rows


def _close(a: float, b: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _problem(matrix: DesignMatrix) -> pulp.LpProblem:
    problem, variables = pulp_problem(
        matrix.arrays(), matrix.column_names, matrix.row_names, matrix.maximize
    )
    assert [v.name for v in variables] == [n.translate(TRANS) for n in matrix.column_names]
    assert problem.sense == (pulp.LpMaximize if matrix.maximize else pulp.LpMinimize)
    return problem


def _assert_same(problem: pulp.LpProblem, matrix: DesignMatrix, arrays: dict | None = None) -> None:
    """Assert ``problem`` is ``matrix`` (its ``arrays()``, or ``arrays`` in their place)."""
    arrays = matrix.arrays() if arrays is None else arrays
    ref_cols, dir_cols = _pulp_columns(problem), _direct_columns(matrix, arrays)
    assert set(ref_cols) == set(dir_cols)
    for name, (lo, hi, integer, cost) in ref_cols.items():
        d_lo, d_hi, d_int, d_cost = dir_cols[name]
        assert _close(lo, d_lo) and _close(hi, d_hi), name
        assert integer == d_int, name
        assert _close(cost, d_cost), (name, cost, d_cost)
    ref_rows, dir_rows = _pulp_rows(problem), _direct_rows(matrix, arrays)
    assert set(ref_rows) == set(dir_rows)
    for name, (bounds, coefficients) in ref_rows.items():
        d_bounds, d_coefficients = dir_rows[name]
        assert _close(bounds[0], d_bounds[0]) and _close(bounds[1], d_bounds[1]), name
        assert set(coefficients) == set(d_coefficients), name
        for column, value in coefficients.items():
            assert _close(value, d_coefficients[column]), (name, column)


def _assert_same_model(network, options: DesignOptions, elastic: bool = False) -> None:
    data = build_design_data(network, options.firms, options.shipper)
    matrix = DesignMatrix(data, options, elastic=elastic, names=True)
    _assert_same(_problem(matrix), matrix)


@pytest.fixture(scope="module")
def generated():
    return generate_network(villages=12, hubs=4, markets=2, weeks=3, firms=3, seed=7)


@pytest.fixture(scope="module")
def generated_margin():
    return generate_network(
        villages=10, hubs=3, markets=2, weeks=3, firms=2, seed=11, objective="margin"
    )


VARIANTS = {
    "plain": {},
    "linear trips": {"trips": "linear"},
    "single sourcing": {"single_sourcing": True},
    "ship all": {"ship_all_supply": True},
    "co2 cap": {"co2_cap_t": 50.0},
    "fixed hubs": {"fixed_hubs": (("H1", None),)},
    "coalition": {"firms": frozenset({"F01", "F02"})},
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_pulp_gets_the_same_rows_on_a_generated_scenario(generated, variant):
    settings = dict(VARIANTS[variant])
    if "fixed_hubs" in settings:
        first = generated.county_hubs[0]
        settings["fixed_hubs"] = ((first.id, first.sizes[-1].name),)
    _assert_same_model(generated, DesignOptions.from_network(generated, **settings))


@pytest.mark.parametrize("elastic", [False, True])
def test_pulp_gets_the_same_rows_on_tiny_cost_and_elastic(tiny, elastic):
    _assert_same_model(tiny, DesignOptions.from_network(tiny), elastic=elastic)


def test_pulp_gets_the_same_rows_in_margin_mode(generated_margin):
    options = DesignOptions.from_network(generated_margin)
    assert (options.objective or generated_margin.objective) == "margin"
    _assert_same_model(generated_margin, options)
    _assert_same_model(generated_margin, options, elastic=True)


def test_a_changed_row_is_noticed(generated):
    """The comparison itself can fail: one coefficient off is caught."""
    matrix = DesignMatrix(build_design_data(generated), DesignOptions(), names=True)
    problem = _problem(matrix)
    _assert_same(problem, matrix)
    arrays = matrix.arrays()
    arrays["a_value"][0] *= 1.5
    with pytest.raises(AssertionError):
        _assert_same(problem, matrix, arrays)


@pytest.mark.parametrize("fixture", ["tiny", "generated", "generated_margin"])
def test_both_builds_reach_the_same_optimum(fixture, request):
    network = request.getfixturevalue(fixture)
    results = {}
    for build in ("pulp", "direct"):
        options = DesignOptions.from_network(network, build=build, gap=1e-9, time_limit=120)
        results[build] = solve_design(network, options)
    pulp_result, direct_result = results["pulp"], results["direct"]
    assert pulp_result.status == direct_result.status == "optimal"
    assert direct_result.objective == pytest.approx(pulp_result.objective, rel=1e-7)


def test_one_model_resolved_for_coalitions_equals_fresh_builds(generated):
    """Restricting by bounds gives each coalition's own optimum (built from scratch)."""
    options = DesignOptions.from_network(generated, gap=1e-9)
    model = DesignModel(generated, options)
    firms = sorted(generated.firms)
    coalitions = [firms[:2], firms[1:], firms, firms[:2]]
    coalitions = [frozenset(c) for c in coalitions]
    for coalition in coalitions:
        shared = model.solve(firms=coalition)
        fresh = solve_design(generated, replace(options, firms=coalition))
        assert shared.status == fresh.status == "optimal"
        assert shared.objective == pytest.approx(fresh.objective, rel=1e-7)
        # the plan only moves the coalition's fruit
        assert {f.firm for f in shared.plan.flows} <= coalition


def test_start_from_given_openings_keeps_the_optimum(generated):
    """A start from given hub openings (any, here the first hub only) changes no optimum."""
    options = DesignOptions.from_network(generated, gap=1e-9)
    model = DesignModel(generated, options)
    plain = model.solve()
    hub = generated.county_hubs[0]
    started = model.solve(start_hubs={hub.id: hub.sizes[-1].name})
    assert "start_objective" in started.stages  # the heuristic ran from those openings
    assert started.stages["start_objective"] >= plain.objective - 1e-6 * abs(plain.objective)
    assert started.objective == pytest.approx(plain.objective, rel=1e-7)
    # the relaxation is solved from given openings too: a bound below the optimum
    bound = started.stages["relaxation_bound"]
    assert math.isfinite(bound)
    assert bound <= plain.objective * (1 + 1e-9)


def test_heuristics_off_and_back_on_keep_the_optimum(generated):
    """HiGHS's primal heuristics switched off change no optimum; on again, the defaults."""
    options = DesignOptions.from_network(generated, gap=1e-9, start=False)
    model = DesignModel(generated, options)
    highs = model.highs.highs
    default = highs.getOptionValue("mip_heuristic_effort")
    plain = model.solve()
    model.highs.set_heuristics(False)
    assert highs.getOptionValue("mip_heuristic_effort")[1] == 0.0
    assert highs.getOptionValue("mip_heuristic_run_rins")[1] is False
    quiet = model.solve()
    assert quiet.status == plain.status == "optimal"
    assert quiet.objective == pytest.approx(plain.objective, rel=1e-7)
    model.highs.set_heuristics(True)
    assert highs.getOptionValue("mip_heuristic_effort") == default
    assert highs.getOptionValue("mip_heuristic_run_rins")[1] is True


@pytest.mark.parametrize("start", [True, False])
def test_lazy_and_full_linking_rows_reach_the_same_optimum(generated, start):
    """Leaving the linking rows (3) out, with or without the start heuristic, changes no optimum."""
    objectives = {}
    for lazy in (True, False):
        options = DesignOptions.from_network(generated, gap=1e-9, lazy_links=lazy, start=start)
        result = solve_design(generated, options)
        assert result.status == "optimal"
        objectives[lazy] = result.objective
    assert objectives[True] == pytest.approx(objectives[False], rel=1e-7)


def test_lazy_rows_the_relaxation_violates_are_added(generated):
    """The LP relaxation without rows (3) violates some, and the heuristic adds them back."""
    options = DesignOptions.from_network(generated, gap=1e-9, start=True)
    model = DesignModel(generated, options)
    rows_built = model.highs.num_row
    result = model.solve()
    added = result.stages["links_added"]
    assert model.highs.num_row == rows_built + added
    assert 0 < added <= len(model.matrix.link_x)
