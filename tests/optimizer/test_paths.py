"""The exact path model: its objective is the evaluator's score of the plan it returns.

The evaluator (results.evaluate) prices trips over all rows together (cheapest mix of
whole trips and part loads per shipper, leg and week) and sells min(demand, delivered);
the path model has integer trips, part loads and sales as variables. The two agree only
if the model's coefficients and its trips and sales rows are the evaluator's arithmetic.
"""

from __future__ import annotations

import pytest

from instances import generate_network
from optimizer.design import DesignOptions, solve_design
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
