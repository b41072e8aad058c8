"""The exact path model: its objective is the evaluator's score of the plan it returns.

The evaluator (results.evaluate) prices trips over all rows together (cheapest mix of
whole trips and part loads per shipper, leg and week) and sells min(demand, delivered);
the path model has integer trips, part loads and sales as variables. The two agree only
if the model's coefficients and its trips and sales rows are the evaluator's arithmetic.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import pytest

from instances import generate_network
from optimizer.backends.highs import HighsModel
from optimizer.design import DesignOptions, solve_design
from optimizer.design import bound as bound_module
from optimizer.design.bound import convex_hazard, occupancy_floor, relaxation_data, solve_bound
from optimizer.design.data import build_design_data
from optimizer.design.formulation import DesignMatrix
from optimizer.design.paths import PathModel, rank_paths, solve_paths
from optimizer.design.scored import solve_and_score
from results.evaluate import evaluate


@pytest.fixture(scope="module")
def thin_margin():
    """Many villages, few tonnes each, a margin objective, trips and part loads."""
    return generate_network(
        villages=14, hubs=3, markets=3, weeks=3, firms=2, seed=11, objective="margin"
    )


def _headline(network, plan, margin: bool) -> float:
    totals = evaluate(network, plan).kpis()
    return totals["margin"] if margin else totals["total_cost"]


@pytest.mark.parametrize("case", ["tiny", "thin_margin"])
def test_model_objective_is_the_evaluated_score_and_never_worse_than_the_start(
    case, tiny, thin_margin
):
    network = tiny if case == "tiny" else thin_margin
    options = DesignOptions.from_network(network, time_limit=30)
    scored = solve_and_score(network, options, status_quo=None)
    margin = scored.margin_mode
    evaluated = _headline(network, scored.result.plan, margin)
    assert scored.paths is not None and scored.paths.outcome.status.has_plan
    assert scored.paths.outcome.objective == pytest.approx(evaluated, rel=1e-9, abs=1e-6)
    assert scored.objective == pytest.approx(evaluated, rel=1e-9)
    kpis = scored.kpis()
    assert kpis["exact_model_objective"] == pytest.approx(kpis["objective"], rel=1e-9)
    # the design model's own plan, scored alone, is a column set of the path model
    start = solve_design(network, DesignOptions.from_network(network, time_limit=30)).plan
    before = _headline(network, start, margin)
    assert (evaluated >= before - 1e-6) if margin else (evaluated <= before + 1e-6)
    # a trip-priced leg is in the plan: the equality covers whole trips, not only rates
    assert not evaluate(network, scored.result.plan).trips.empty


def test_without_paths_the_design_models_plan_is_returned(tiny):
    options = DesignOptions.from_network(tiny, paths=False)
    scored = solve_and_score(tiny, options, status_quo=None)
    assert scored.paths is None and "exact_model_objective" not in scored.kpis()
    alone = solve_design(tiny, DesignOptions.from_network(tiny)).plan
    assert scored.result.plan.flows == alone.flows


def _every_opening(network):
    """Every way to open hubs: each hub closed or at one of its sizes (not all closed)."""
    choices = [[None] + [s.name for s in hub.sizes] for hub in network.county_hubs]
    for combo in itertools.product(*choices):
        opened = {h.id: s for h, s in zip(network.county_hubs, combo, strict=True) if s is not None}
        if opened:
            yield opened


def _brute_force(network, options):
    """The best evaluated score over every opening, each with every path as a column."""
    data = build_design_data(network, routes_per_pair=0)
    margin = options.objective == "margin" or network.objective == "margin"
    best = None
    for opened in _every_opening(network):
        model = PathModel(network, data, opened, margin)
        for flow in rank_paths(data, network, opened, 10**6):
            model.add(flow)
        found = solve_paths(model, None, None, 0.0)
        if found.plan is None:
            continue
        score = _headline(network, found.plan, margin)
        if best is None or (score > best if margin else score < best):
            best = score
    return best


@pytest.fixture(scope="module")
def two_hubs_margin():
    """A margin case small enough to enumerate every opening in a second or two."""
    return generate_network(
        villages=8, hubs=2, markets=3, weeks=3, firms=2, seed=5, objective="margin"
    )


@pytest.mark.parametrize(
    "case", ["tiny", "two_hubs_margin", pytest.param("thin_margin", marks=pytest.mark.slow)]
)
def test_the_bound_holds_against_a_brute_force_over_openings_and_every_path(case, request):
    # the relaxation's bound must hold for every plan of the model's kind: here the best
    # found by enumerating hub openings and solving the exact path model with every path
    network = request.getfixturevalue(case)
    options = DesignOptions.from_network(network, time_limit=60)
    bound = solve_bound(network, options, 60)
    best = _brute_force(network, options)
    scored = solve_and_score(network, options, status_quo=None)
    assert math.isfinite(bound.value) and best is not None
    slack = 1e-9 * abs(best)  # the same plan summed in another order
    if scored.margin_mode:
        assert bound.value >= best - slack and best >= scored.objective - slack
    else:
        assert bound.value <= best + slack and best <= scored.objective + slack
    # and it is not vacuous: within 2% of the brute-force optimum on these cases
    assert abs(bound.value - best) <= 0.02 * abs(best)


def _relaxed_lp(network, options) -> float:
    """The optimum of the relaxation's LP (hubs and trips fractional)."""
    data = relaxation_data(network, options)
    matrix = DesignMatrix(data, options, disposal=True)
    highs = HighsModel(matrix.arrays(), matrix.maximize)
    highs.relax(True)
    return highs.solve(60, 0.0, 1).objective


@pytest.mark.parametrize("case", ["tiny", "thin_orders_margin"])
def test_load_ceilings_tighten_the_relaxation_and_it_still_holds(case, request, monkeypatch):
    # thin weekly orders ride a fraction of a vehicle in the LP without the ceilings; with
    # them the LP bound moves towards the optimum the enumeration of every opening and
    # every path finds, and stays on its side of it
    network = request.getfixturevalue(case)
    options = DesignOptions.from_network(network)
    tight = _relaxed_lp(network, options)
    best = _brute_force(network, options)
    monkeypatch.setattr(bound_module, "load_ceilings", lambda data, uses, ends: {})
    loose = _relaxed_lp(network, options)
    if network.objective == "margin":
        assert loose - 1000.0 > tight >= best - 1e-9 * best
    else:
        assert loose + 1000.0 < tight <= best + 1e-9 * best


@pytest.fixture(scope="module")
def thin_orders_margin():
    """Seven villages, two hubs: orders thin enough that the ceilings bind (seed 3)."""
    return generate_network(
        villages=7, hubs=2, markets=3, weeks=3, firms=2, seed=3, objective="margin"
    )


def test_no_bound_is_claimed_for_a_loss_curve_whose_hazard_is_not_convex(tiny):
    from dataclasses import replace

    shelf = tiny.products["fresh_kiwi"].shelf_life
    assert convex_hazard(shelf)
    assert not convex_hazard(replace(shelf, loss_shape=0.7))
    # and solve_bound then proves nothing, saying why, rather than a bound that may not hold
    concave = dict(tiny.products)
    concave["fresh_kiwi"] = replace(
        concave["fresh_kiwi"], shelf_life=replace(shelf, loss_shape=0.7)
    )
    found = solve_bound(tiny.replace(products=concave), DesignOptions.from_network(tiny), 30)
    assert math.isnan(found.value) and "not convex" in found.reason
    # the survival view never counts more stock in store than the sound tonnes / rho
    rho = occupancy_floor(shelf)
    assert 0 < rho <= 1


@pytest.mark.parametrize("case", ["tiny", "two_hubs_margin"])
def test_the_search_over_openings_reaches_the_enumerations_best(case, request):
    # tiny with part loads: the hub model opens Jishou (302,209 evaluated), Fenghuang
    # alone is best (298,423); a swap finds it. The enumeration is independent: every
    # opening, every path a column.
    network = request.getfixturevalue(case)
    options = DesignOptions.from_network(network, time_limit=60)
    best = _brute_force(network, options)
    scored = solve_and_score(network, options, status_quo=None)
    # the solve's path model has the ranked paths and those column generation adds as
    # columns, the enumeration every path: on two_hubs_margin they reach the same optimum
    # (the static ranking alone was 7 CNY, 2e-6, short)
    assert scored.objective == pytest.approx(best, rel=1e-9)
    search = scored.search
    assert search is not None and search.stopped == "local optimum"
    kpis = scored.kpis()
    assert kpis["search_openings_tried"] == search.tried >= 1
    without = solve_and_score(network, replace(options, search=False), status_quo=None)
    sign = 1.0 if scored.margin_mode else -1.0
    assert kpis["search_gain"] == pytest.approx(sign * (scored.objective - without.objective))


def test_each_neighbour_is_one_move_away_and_every_move_is_there(tiny):
    from optimizer.design.search import neighbours

    opened = {"H_JS": "small"}
    found = [tuple(sorted(n.items())) for n in neighbours(tiny, opened)]
    # by hand: resize H_JS to large; swap H_JS for H_FH small; open H_FH small beside it
    expected = {
        (("H_JS", "large"),),
        (("H_FH", "small"),),
        (("H_FH", "small"), ("H_JS", "small")),
    }
    assert set(found) == expected and len(found) == len(expected)
    both = {"H_JS": "large", "H_FH": "small"}
    for n in neighbours(tiny, both):
        moved = set(n.items()) ^ set(both.items())
        assert 1 <= len(moved) <= 3 and n and n != both


def test_the_bound_solved_beside_is_the_bound_solved_after(tiny):
    # the relaxation does not depend on the hubs chosen: solved in a forked worker from
    # the start, it proves the same bound as solved after the exact path model
    options = DesignOptions.from_network(tiny, time_limit=60)
    after = solve_and_score(tiny, options, status_quo=None)
    beside = solve_and_score(tiny, options, status_quo=None, bound_beside=True)
    assert beside.bound.value == pytest.approx(after.bound.value, rel=1e-9)
    assert beside.objective == pytest.approx(after.objective, rel=1e-9)
    assert beside.bound.value <= beside.objective + 1e-6


def test_a_relaxation_stopped_beside_keeps_the_lp_bound_it_proved(tiny, monkeypatch):
    # a worker whose MIP overruns its limit is stopped; the LP optimum it proved first is
    # still a bound and is kept (the fake solve proves 123 then runs on)
    import time

    from optimizer.design import _beside

    def overrunning(network, options, time_limit, threads, on_proven=None):
        on_proven(123.0)
        time.sleep(60)

    monkeypatch.setattr(_beside, "solve_bound", overrunning)  # inherited by the fork
    clock = time.perf_counter()
    found = _beside.BoundBeside(tiny, DesignOptions.from_network(tiny), 1.0).result()
    assert found.value == 123.0 and found.status.has_plan
    assert time.perf_counter() - clock < 10.0


@pytest.mark.parametrize("case", ["tiny", "thin_margin"])
def test_the_reduced_gain_is_the_lp_relaxations_own_reduced_cost(case, tiny, thin_margin):
    # column generation prices a path with PathModel.reduced_gain, which rebuilds the
    # column's coefficients row by row; for a column already in the model it must be the
    # solver's reduced cost (HiGHS col_dual), sign turned so that a gain is positive
    import numpy as np

    from networks.status import Status
    from optimizer.backends.highs import HighsModel

    network = tiny if case == "tiny" else thin_margin
    margin = network.objective == "margin"
    data = build_design_data(network)
    opened = {hub.id: hub.sizes[-1].name for hub in network.county_hubs}
    model = PathModel(network, data, opened, margin)
    for flow in rank_paths(data, network, opened, 3):
        model.add(flow)
    built = model._build()
    highs = HighsModel(built["arrays"], margin)
    highs.relax(True)
    assert highs.solve().status is Status.OPTIMAL
    duals = highs.row_duals()
    solver = np.asarray(highs.highs.getSolution().col_dual)
    sense = 1.0 if margin else -1.0
    gains = {key: model.reduced_gain(model.columns[key], duals, built) for key in built["x"]}
    for key, j in built["x"].items():
        assert gains[key] == pytest.approx(sense * solver[j], rel=1e-7, abs=1e-6)
    # not vacuous: some columns priced out, and rows of every kind the gain reads
    assert min(gains.values()) < -1.0
    kinds = {kind for kind, _ in built["rows"]}
    assert {"P1", "P2", "P3", "P4", "P5"} <= kinds


@pytest.fixture(scope="module")
def late_sales():
    """Four weeks, Thailand buying only in weeks 3-4: week-2 fruit must wait a week."""
    return generate_network(
        villages=5, hubs=2, markets=2, weeks=4, firms=2, seed=2, objective="margin"
    )


def test_column_generation_finds_the_late_sales_the_static_ranking_misses(late_sales):
    # the static ranking offers each lot its best path per market at the market price:
    # never a week in store here, and 14.5 t of demand stays unserved. Column generation
    # prices the filled market-weeks by the LP's duals and holds week-2 lots a week for
    # Thailand. Independent check: the exact path model over every path of the opening
    # (enumerated), whose optimum no column subset beats.
    network = late_sales
    data = build_design_data(network, routes_per_pair=0)
    opened = {hub.id: hub.sizes[-1].name for hub in network.county_hubs}

    def solved(generation, every=False):
        model = PathModel(network, data, opened, True)
        if every:
            for flow in rank_paths(data, network, opened, 10**6):
                model.add(flow)
        return solve_paths(model, None, None, 0.0, generation=generation)

    static, generated, every = solved(0.0), solved(None), solved(0.0, every=True)
    assert every.columns > 4 * generated.columns > 4 * static.columns
    best = every.outcome.objective
    assert static.outcome.objective < best - 0.02 * abs(best)
    assert not any(flow.storage_weeks for flow in static.plan.flows)
    assert evaluate(network, static.plan).kpis()["unmet_demand_t"] > 10.0
    # column generation: within 0.05% of the optimum over every path, never above it
    # (it prices on the LP relaxation, so a column only whole trips want may be missed)
    assert best - 5e-4 * abs(best) <= generated.outcome.objective <= best + 1e-6
    held = sum(flow.tonnes for flow in generated.plan.flows if flow.storage_weeks > 0)
    assert held > 10.0
    assert evaluate(network, generated.plan).kpis()["unmet_demand_t"] == pytest.approx(0, abs=1e-6)
    assert generated.generation.stopped == "priced out" and generated.generation.added > 0
    assert generated.outcome.objective == pytest.approx(
        _headline(network, generated.plan, True), rel=1e-9
    )


@pytest.mark.parametrize("case", ["tiny", "thin_orders_margin", "thin_margin"])
def test_trip_ceilings_keep_the_mips_optimum_and_tighten_its_lp(case, request):
    # rows P3 count a trip as what its key can carry (trip_carry) where that is less than
    # the vehicle: a plan worth having never loads more, so the MIP's optimum over every
    # path of the opening must be the one it has with whole vehicles, while its LP
    # relaxation comes closer to it (axiom: same optimum; LP on the MIP's side of itself)
    network = request.getfixturevalue(case)
    margin = network.objective == "margin"
    data = build_design_data(network, routes_per_pair=0)
    opened = {hub.id: hub.sizes[-1].name for hub in network.county_hubs}
    model = PathModel(network, data, opened, margin)
    for flow in rank_paths(data, network, opened, 10**6):
        model.add(flow)

    def optimum(ceilings: bool, relaxed: bool) -> float:
        highs = HighsModel(model._build(ceilings=ceilings)["arrays"], margin)
        highs.relax(relaxed)
        return highs.solve(None, 0.0, 1).objective

    whole, carried = optimum(False, False), optimum(True, False)
    assert carried == pytest.approx(whole, rel=1e-7)
    loose, tight = optimum(False, True), optimum(True, True)
    sign = 1.0 if margin else -1.0
    assert sign * loose >= sign * tight - 1e-6 >= sign * whole - 2e-6 * abs(whole)
    # not vacuous: where orders are thin, the ceilings close much of the LP's gap
    if case == "thin_orders_margin":
        assert loose - tight > 0.1 * (loose - whole) > 0
