"""The fast coalition solves (one reused model per process, warm starts, the pool) against
one plain ``solve_design`` per coalition, on a small generated scenario. These levers act
on the design model's own costs (``costs="model"``), which every test here uses."""

from __future__ import annotations

from itertools import combinations

import pytest

from instances import generate_network
from optimizer.consolidation import (
    CoalitionSolver,
    CostGame,
    coalition_cost,
    coalitions,
    consolidate,
    first_comer_cost,
    pooling,
    shapley,
)

NETWORK = generate_network(villages=16, hubs=4, weeks=2, firms=4, markets=1, seed=3)
FIRMS = tuple(sorted(NETWORK.firms))
EVERY = [frozenset(c) for k in range(1, 5) for c in combinations(FIRMS, k)]


@pytest.fixture(scope="module")
def plain():
    """c(S) of all 15 coalitions, each its own model built and solved from scratch."""
    return {c: coalition_cost(NETWORK, c, costs="model").cost for c in EVERY}


@pytest.mark.parametrize(
    ("warm", "workers", "heuristics"),
    [("subsets", 1, True), ("grand", 1, True), ("subsets", 2, True), ("subsets", 1, False)],
)
def test_reused_model_and_warm_starts_give_the_plain_costs(
    plain, warm, workers, heuristics, monkeypatch
):
    built = []
    real = coalitions.DesignModel

    def counted(network, options):
        built.append(options.firms)
        return real(network, options)

    monkeypatch.setattr(coalitions, "DesignModel", counted)
    with CoalitionSolver(
        NETWORK, workers=workers, warm=warm, heuristics=heuristics, costs="model"
    ) as solver:
        solved = solver.solve_all(EVERY)
    assert len(solved) == 15
    for coalition, cost in plain.items():
        assert solved[coalition].cost == pytest.approx(cost, rel=1e-6), sorted(coalition)
        assert solved[coalition].status == "optimal"
    if workers == 1:  # one model, for the grand coalition, built once (not per coalition)
        assert built == [frozenset(FIRMS)]
    # the reused model's build is counted once per process, not per coalition
    rebuilt = [c for c in EVERY if len(c) > 1 and solved[c].stages["build_seconds"] > 0]
    assert 1 <= len(rebuilt) <= workers


def test_warm_start_is_the_union_of_the_solved_subsets_openings(plain):
    solver = CoalitionSolver(NETWORK, workers=1, warm="subsets", costs="model")
    a, b, c = FIRMS[:3]
    solver.solve_all([frozenset({a, b}), frozenset({a, c}), frozenset({b, c})])
    expected = {}
    for pair in ({a, b}, {a, c}, {b, c}):
        expected.update(dict(solver.cache[frozenset(pair)].hubs))
    start = solver._start_hubs(frozenset({a, b, c}))
    assert set(start) == set(expected)
    assert all(size is not None for size in start.values())
    assert CoalitionSolver(NETWORK, workers=1, warm="none")._start_hubs(frozenset(FIRMS)) is None
    # evaluated costs run solve's pipeline from scratch: no coalition waits for another
    evaluated = CoalitionSolver(NETWORK, workers=1, warm="subsets")
    evaluated.cache.update(solver.cache)
    assert evaluated._start_hubs(frozenset({a, b, c})) is None


def test_exact_shapley_is_efficient_and_matches_the_plain_game(plain):
    result = consolidate(NETWORK, methods=("shapley",), workers=2, costs="model")
    costs = result.allocations["shapley"].costs
    assert sum(costs) == pytest.approx(result.grand.cost, rel=1e-9)
    reference = shapley(CostGame(FIRMS, plain))
    assert costs == pytest.approx(reference.costs, rel=1e-6)


def test_sampled_shapley_stops_at_its_target_and_covers_the_exact_value(plain, monkeypatch):
    monkeypatch.setattr(pooling, "MAX_EXACT_FIRMS", 3)  # 4 firms: the sampled path
    result = consolidate(
        NETWORK,
        methods=("shapley",),
        target_pct=2.0,
        min_samples=4,
        samples=500,
        workers=1,
        costs="model",
    )
    sampled = result.allocations["shapley"]
    grand = result.grand.cost
    assert sampled.info["target_met"] == 1.0
    assert max(sampled.half_widths) <= 0.02 * grand
    assert sampled.samples >= 4 and sampled.coalitions_evaluated <= 15
    exact = shapley(CostGame(FIRMS, plain)).costs
    for estimate, half, value in zip(sampled.costs, sampled.half_widths, exact, strict=True):
        assert abs(estimate - value) <= half + 1e-6 * grand
    assert sum(sampled.costs) == pytest.approx(grand, rel=1e-9)


def test_first_comer_cost_is_the_intercept_of_stand_alone_costs_on_volumes():
    """Stand-alone costs F + k v: F back; clipped into [0, the least stand-alone cost]."""
    players = ("a", "b", "c", "d")
    volumes = {"a": 10.0, "b": 20.0, "c": 35.0, "d": 50.0}
    known = {frozenset([f]): 300.0 + 4.0 * volumes[f] for f in players}
    assert first_comer_cost(players, known, volumes) == pytest.approx(300.0)
    falling = {frozenset([f]): 900.0 - 10.0 * volumes[f] for f in players}
    assert first_comer_cost(players, falling, volumes) == pytest.approx(400.0)
    rising = {frozenset([f]): -50.0 + 4.0 * volumes[f] for f in players}
    assert first_comer_cost(players, rising, volumes) == 0.0
    assert first_comer_cost(players, {}, volumes) is None  # not solved yet
