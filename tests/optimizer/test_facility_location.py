"""The dedicated CFLP solver against brute force and against the reference PuLP model.

Instances are generated here with a seed, so these tests need nothing from ../shared.
Brute force prices each opening with a transportation LP built independently of
``optimizer.facility`` (highspy's modelling API, one variable per pair), or,
for single sourcing, enumerates every assignment.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from instances.cflp import cflp_network, read_cflp, read_optima
from networks.status import Limit, NoPlanError, Status
from optimizer.design.network_design import DesignOptions, solve_design
from optimizer.facility import FacilityOptions, FacilityProblem, solve_cflp

SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "cflp"


def random_instance(m: int, n: int, seed: int, tightness: float = 1.6) -> FacilityProblem:
    """Facilities and customers on a square; total capacity = tightness * total demand."""
    rng = np.random.default_rng(seed)
    demand = rng.integers(1, 20, n).astype(float)
    facility_xy = rng.uniform(0, 100, (m, 2))
    customer_xy = rng.uniform(0, 100, (n, 2))
    distance = np.linalg.norm(facility_xy[:, None, :] - customer_xy[None, :, :], axis=2)
    cost = np.round(distance * demand[None, :], 2)
    share = rng.uniform(0.5, 1.5, m)
    capacity = np.round(tightness * demand.sum() * share / share.sum() * 2, 0)
    fixed = np.round(rng.uniform(100, 400, m), 1)
    return FacilityProblem(f"rand-{m}x{n}-{seed}", capacity, fixed, demand, cost)


def transport_cost(inst: FacilityProblem, opened: tuple[bool, ...]) -> float:
    """Cost of an opening: fixed costs plus a transportation LP (inf if infeasible)."""
    import highspy

    if not any(opened):
        return math.inf
    h = highspy.Highs()
    h.silent()
    open_ids = [i for i, o in enumerate(opened) if o]
    x = {
        (i, j): h.addVariable(0.0, 1.0, float(inst.cost[i, j]))
        for i in open_ids
        for j in range(inst.customers)
    }
    for j in range(inst.customers):
        h.addConstr(sum(x[i, j] for i in open_ids) == 1)
    for i in open_ids:
        h.addConstr(
            sum(float(inst.demand[j]) * x[i, j] for j in range(inst.customers))
            <= float(inst.capacity[i])
        )
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return math.inf
    return float(inst.fixed_cost[list(open_ids)].sum()) + h.getInfo().objective_function_value


def single_source_brute_force(inst: FacilityProblem) -> float:
    """Best single-source plan by enumerating every assignment."""
    best = math.inf
    m, n = inst.facilities, inst.customers
    for assign in itertools.product(range(m), repeat=n):
        load = np.bincount(assign, weights=inst.demand, minlength=m)
        if (load > inst.capacity + 1e-9).any():
            continue
        used = np.unique(assign)
        cost = inst.fixed_cost[used].sum() + inst.cost[list(assign), range(n)].sum()
        best = min(best, cost)
    return best


def reference(inst: FacilityProblem, single: bool = False, fixed_open=None):
    fixed = None
    if fixed_open is not None:
        fixed = tuple((f"F{i + 1}", "only" if o else None) for i, o in enumerate(fixed_open))
    return solve_design(
        cflp_network(inst),
        DesignOptions(
            solver="highs",
            gap=1e-9,
            single_sourcing=single,
            ship_all_supply=True,
            fixed_hubs=fixed,
            build="pulp",  # the reference PuLP model
        ),
    )


def check_plan(inst: FacilityProblem, result, single: bool = False) -> None:
    """The plan serves every customer, respects capacities and costs its objective."""
    a = result.assignment
    assert np.allclose(a.sum(axis=0), 1.0, atol=1e-7)
    assert (a >= -1e-9).all()
    assert (a[~result.opened] <= 1e-9).all()
    load = a @ inst.demand
    assert (load <= inst.capacity + 1e-6).all()
    if single:
        assert np.allclose(a, np.round(a))
    cost = inst.fixed_cost[result.opened].sum() + (inst.cost * a).sum()
    assert cost == pytest.approx(result.objective, rel=1e-7)


@pytest.mark.parametrize("seed", range(4))
def test_optimum_equals_brute_force_over_every_opening(seed):
    inst = random_instance(5, 12, seed, tightness=1.3)
    best = min(transport_cost(inst, o) for o in itertools.product([False, True], repeat=5))
    result = solve_cflp(inst)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best, rel=1e-8)
    assert result.gap <= 1e-9
    check_plan(inst, result)


@pytest.mark.parametrize("seed", range(3))
def test_single_sourcing_optimum_equals_enumeration_of_assignments(seed):
    inst = random_instance(3, 7, seed, tightness=1.2)
    best = single_source_brute_force(inst)
    result = solve_cflp(inst, FacilityOptions(single_sourcing=True))
    if math.isinf(best):
        assert result.status == "infeasible"
    else:
        assert result.status == "optimal"
        assert result.objective == pytest.approx(best, rel=1e-8)
        check_plan(inst, result, single=True)


@pytest.mark.parametrize("single", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_optimum_equals_the_reference_network_design_model(seed, single):
    inst = random_instance(8, 25, 100 + seed)
    ours = solve_cflp(inst, FacilityOptions(single_sourcing=single))
    ref = reference(inst, single)
    assert ref.status == ours.status == "optimal"
    assert ours.objective == pytest.approx(ref.objective, rel=1e-8)


@pytest.mark.parametrize("single", [False, True])
def test_same_feasible_set_as_the_reference_for_fixed_openings(single):
    inst = random_instance(5, 15, 7, tightness=1.3)
    rng = np.random.default_rng(3)
    openings = [tuple(bool(v) for v in rng.integers(0, 2, 5)) for _ in range(6)]
    openings += [(True,) * 5, (True, False, False, False, False)]  # surely / likely short
    infeasible = 0
    for opening in openings:
        ours = solve_cflp(inst, FacilityOptions(fixed_open=opening, single_sourcing=single))
        ref = reference(inst, single, opening)
        if ref.status == "infeasible":
            infeasible += 1
            assert ours.status == "infeasible", opening
        else:
            assert ours.status == ref.status == "optimal", opening
            assert ours.objective == pytest.approx(ref.objective, rel=1e-8), opening
            assert list(ours.opened) == list(opening)
        if not single:  # and against the independent transportation LP
            expected = transport_cost(inst, opening)
            if math.isinf(expected):
                assert ours.status == "infeasible", opening
            else:
                assert ours.objective == pytest.approx(expected, rel=1e-8), opening
    assert 0 < infeasible < len(openings)  # both kinds were exercised


LEVERS = [
    {},
    {"lazy_linking": False},
    {"heuristic": False},
    {"reduced_cost_fixing": False},
    {"cover_row": False},
    {"cardinality_row": False},
    {"lagrangian_fixing": False},
    {"lazy_columns": 0},
    {"lazy_columns": 1},
    {"lagrangian_first": False},
    {"lagrangian_search": False},
    {"lazy_linking": False, "heuristic": False, "cover_row": False, "cardinality_row": False},
]


@pytest.mark.parametrize("seed", range(3))
def test_result_does_not_depend_on_the_levers(seed):
    inst = random_instance(12, 40, 200 + seed, tightness=1.25)
    values = [solve_cflp(inst, FacilityOptions(**levers)) for levers in LEVERS]
    assert {r.status for r in values} == {"optimal"}
    for r in values:
        assert r.objective == pytest.approx(values[0].objective, rel=1e-8)
        check_plan(inst, r)


def test_reduced_cost_fixing_fixes_something_and_keeps_the_optimum():
    # loose capacities and dear fixed costs: the LP bound is tight, so fixing bites
    inst = random_instance(15, 40, 11, tightness=3.0)
    lagrangian = solve_cflp(inst)
    lp_only = solve_cflp(inst, FacilityOptions(lagrangian_first=False))
    off = solve_cflp(inst, FacilityOptions(reduced_cost_fixing=False))
    fixed = ("lagrangian_fixed_closed", "lagrangian_fixed_open", "fixed_closed", "fixed_open")
    assert sum(lagrangian.stats.get(k, 0) for k in fixed) > 0
    assert lp_only.stats["fixed_closed"] + lp_only.stats["fixed_open"] > 0
    assert sum(off.stats.get(k, 0) for k in fixed) == 0
    for on in (lagrangian, lp_only):
        assert on.objective == pytest.approx(off.objective, rel=1e-9)
        assert on.bound <= on.objective + 1e-6


def brute_force_by_facility(inst: FacilityProblem) -> tuple[float, np.ndarray, np.ndarray]:
    """Optimum, and the optimum with each facility forced open / forced shut."""
    m = inst.facilities
    costs = {o: transport_cost(inst, o) for o in itertools.product([False, True], repeat=m)}
    forced_open = np.array([min(v for o, v in costs.items() if o[i]) for i in range(m)])
    forced_shut = np.array([min(v for o, v in costs.items() if not o[i]) for i in range(m)])
    return min(costs.values()), forced_open, forced_shut


@pytest.mark.parametrize("equal", [True, False])
@pytest.mark.parametrize("seed", range(2))
def test_bounds_and_costs_to_force_a_facility_are_valid_for_any_multipliers(seed, equal):
    # the fixing rules rest on these: L <= optimum, and L + (cost to force y_i to its
    # other value) <= the optimum with y_i forced there, for ANY multipliers
    from optimizer.facility._bounds import _open_costs
    from optimizer.facility._model import _Clock, _Model, _solve_lp

    inst = random_instance(5, 10, 300 + seed, tightness=1.4)
    if equal:
        cap = np.full(5, np.ceil(inst.demand.sum() / 2.5))  # k_min = 3 of 5
        inst = FacilityProblem("equal", cap, inst.fixed_cost, inst.demand, inst.cost)
    best, forced_open, forced_shut = brute_force_by_facility(inst)
    model = _Model(inst, FacilityOptions())
    m, n = model.m, model.n
    lp_model = _Model(inst, FacilityOptions())
    h, _ = _solve_lp(lp_model, _Clock(None), True, 0)
    strong_duals = np.asarray(h.getSolution().row_dual)  # the strong LP's, links included
    strong = strong_duals[:n]
    rng = np.random.default_rng(seed)
    tol = 1e-7 * best
    checked = 0
    for k in range(30):
        if k % 2:  # random multipliers
            lam = rng.uniform(0.0, 1.2) * inst.cost.max(axis=0) * rng.uniform(0, 1, n)
        else:  # near the strong LP's duals (strong enough to fix)
            lam = strong * rng.uniform(0.97, 1.03, n) if k else strong.copy()
        g0, _ = model.knapsacks(lam, 0.0, 0.0, np.ones((m, n)))
        value, chosen, delta = _open_costs(model, g0)
        bound = lam.sum() + value
        assert bound <= best + tol
        forced = np.where(chosen, forced_shut, forced_open)
        assert (bound + delta <= forced + tol).all()
        # LP duals of any valid sign: the LP bound and both kinds of reduced costs
        if k % 2:
            duals = np.concatenate(
                [lam, -rng.uniform(0, 50, m), rng.uniform(0, 5, 1), rng.uniform(0, 400, 1)]
            )
            dual_model = model
        else:
            duals = strong_duals * rng.uniform(0.97, 1.03, strong_duals.size) ** min(k, 1)
            dual_model = lp_model
        lp_bound, r_y, _ = dual_model.dual_bound(duals)
        assert lp_bound <= best + tol
        assert (lp_bound + np.abs(r_y) <= np.where(r_y > 0, forced_open, forced_shut) + tol).all()
        box = (np.zeros(m + m * n), np.ones(m + m * n))
        lag_bound, g = dual_model.facility_bound(duals, *box)
        assert lag_bound <= best + tol
        assert (lag_bound + np.abs(g) <= np.where(g > 0, forced_open, forced_shut) + tol).all()
        checked += int((bound + delta > best).sum())  # would have been fixed
    assert checked > 0  # some multipliers were strong enough to fix something


@pytest.mark.parametrize("seed", range(6))
def test_fixings_never_cut_off_every_optimal_opening(seed):
    # fixing is sound only if some optimal opening survives it: check each step's
    # fixings against the brute-force optimal openings, with the optimum as incumbent
    from optimizer.facility._bounds import _fix_by_reduced_costs, _lagrangian_phase
    from optimizer.facility._model import _Clock, _Model, _solve_lp

    m = 6
    inst = random_instance(m, 14, 400 + seed, tightness=1.3)
    if seed % 2:  # equal capacities: the exact cardinality y part
        cap = np.full(m, np.ceil(inst.demand.sum() / 3.5))
        inst = FacilityProblem("equal", cap, inst.fixed_cost, inst.demand, inst.cost)
    costs = {o: transport_cost(inst, o) for o in itertools.product([False, True], repeat=m)}
    best = min(costs.values())
    optimal = [np.array(o) for o, v in costs.items() if v <= best * (1 + 1e-9)]

    def survives(lower, upper):
        return any(((lower[:m] <= o) & (o <= upper[:m])).all() for o in optimal)

    options = FacilityOptions()
    model = _Model(inst, options)
    _lagrangian_phase(model, _Clock(None), options)
    lower = np.asarray(model.lp.col_lower_, dtype=float).copy()
    upper = np.asarray(model.lp.col_upper_, dtype=float).copy()
    assert survives(lower, upper)
    h, _ = _solve_lp(model, _Clock(None), True, 0)
    _fix_by_reduced_costs(model, h, lower, upper, best, _Clock(None), options)
    assert survives(lower, upper)


def test_lazy_linking_adds_rows_only_where_needed_and_reaches_the_strong_lp_bound():
    inst = random_instance(10, 30, 5, tightness=1.4)
    lazy = solve_cflp(inst, FacilityOptions(heuristic=False))
    full = solve_cflp(inst, FacilityOptions(heuristic=False, lazy_linking=False))
    assert 0 < lazy.stats["linking_rows"] < full.stats["linking_rows"] == 10 * 30
    assert lazy.stats["lp_objective"] == pytest.approx(full.stats["lp_objective"], rel=1e-9)
    assert lazy.stats["lp_bound"] <= lazy.objective + 1e-6


def test_heuristic_incumbent_is_a_real_plan_no_better_than_the_optimum():
    inst = random_instance(10, 30, 9, tightness=1.4)
    result = solve_cflp(inst)
    assert result.stats["heuristic_evaluations"] > 0
    assert result.stats["heuristic_objective"] >= result.objective * (1 - 1e-9)
    assert result.stats["heuristic_gap"] >= -1e-9


def test_a_time_limit_is_reported_not_called_optimal():
    inst = random_instance(60, 400, 1, tightness=1.2)
    result = solve_cflp(inst, FacilityOptions(time_limit=0.001))
    assert result.status in (Status.FEASIBLE, Status.NO_SOLUTION)
    assert result.limit is Limit.TIME
    if result.has_plan:
        assert result.gap >= 0


def test_a_stopped_solve_reports_a_valid_bound_and_a_finite_gap():
    """Wherever the clock stops, a plan comes with a bound below the optimum."""
    inst = random_instance(60, 400, 1, tightness=1.2)
    optimum = solve_cflp(inst, FacilityOptions(time_limit=None))
    assert optimum.status == "optimal"
    for limit in (0.2, 0.6, 1.2):
        result = solve_cflp(inst, FacilityOptions(time_limit=limit))
        if result.has_plan:
            assert math.isfinite(result.gap) and result.gap >= 0
            assert result.bound <= optimum.objective * (1 + 1e-9)
            assert result.objective >= optimum.objective * (1 - 1e-9)


def test_infeasible_when_total_capacity_is_short():
    inst = random_instance(4, 10, 3, tightness=0.4)
    assert inst.capacity.sum() < inst.demand.sum()
    result = solve_cflp(inst)
    assert result.status == "infeasible" and not result.has_plan
    with pytest.raises(NoPlanError, match="no plan"):
        result.to_frame()
    with pytest.raises(NoPlanError, match="no objective"):
        result.objective  # noqa: B018 - reading it is the test


def test_zero_demand_customers_are_left_out_as_in_the_network_form():
    inst = random_instance(4, 10, 4)
    demand = inst.demand.copy()
    demand[3] = 0.0
    inst = FacilityProblem("zero", inst.capacity, inst.fixed_cost, demand, inst.cost)
    with pytest.warns(UserWarning, match="zero demand"):
        ours = solve_cflp(inst)
    with pytest.warns(UserWarning, match="zero demand"):
        ref = reference(inst)
    assert ours.objective == pytest.approx(ref.objective, rel=1e-8)
    assert ours.to_frame().query("customer == 4").empty


def test_fixed_open_must_name_every_facility():
    with pytest.raises(ValueError, match="fixed_open: expected 4 bools"):
        solve_cflp(random_instance(4, 6, 0), FacilityOptions(fixed_open=(True, False)))


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/benchmarks not here")
def test_capa_8000_is_proven_optimal_at_its_published_value():
    inst = next(i for i in read_cflp(SHARED / "capa.txt") if i.name == "capa-8000")
    known = read_optima(SHARED / "optima.csv")[("capa-8000", "multi")]
    result = solve_cflp(inst, FacilityOptions(time_limit=300))
    assert result.status == "optimal"
    assert result.gap <= 1e-6
    assert result.objective == pytest.approx(known, rel=1e-6)
