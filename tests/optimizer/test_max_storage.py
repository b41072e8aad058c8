"""Maximum storage time: no lot stays longer in a cold store than its product allows."""

import pandas as pd
import pytest

from networks.status import NoPlanError
from optimizer.design import DesignOptions, solve_design
from results.evaluate import evaluate


def _tiny_needing_storage(scenario_copy, max_weeks):
    folder = scenario_copy("tiny")
    demand = pd.read_csv(folder / "demand.csv")
    # week 2 asks for 20 t at Changsha plus 4 t at Bangkok: more than the 19 t of kiwi
    # picked in week 2, so some week-1 fruit must wait a week in a cold store
    demand.loc[(demand["market"] == "M_CS") & (demand["week"] == 2), "tonnes"] = 20.0
    demand.to_csv(folder / "demand.csv", index=False)
    if max_weeks is not None:
        folder.edit(
            "scenario.toml",
            'markets = ["CN", "TH"]',
            f'markets = ["CN", "TH"]\nmax_storage_weeks = {max_weeks}',
        )
    return folder.load()


def test_storage_is_used_when_allowed_and_respects_the_limit(scenario_copy):
    network = _tiny_needing_storage(scenario_copy, 1)
    assert network.products["fresh_kiwi"].max_storage_weeks == 1
    result = solve_design(network, DesignOptions(trips="linear"))
    assert result.status == "optimal"
    weeks = [f.storage_weeks for f in result.plan.flows if f.product == "fresh_kiwi"]
    assert max(weeks) == 1  # storage is needed, and never longer than allowed
    evaluate(network, result.plan)  # the evaluator accepts it


@pytest.mark.parametrize("solver, build", [("highs", "direct"), ("highs", "pulp"), ("cbc", "pulp")])
def test_no_storage_allowed_makes_the_shortfall_infeasible(scenario_copy, solver, build):
    # the same diagnosis whichever way the formulation reaches a solver
    options = DesignOptions(trips="linear", solver=solver, build=build)
    result = solve_design(_tiny_needing_storage(scenario_copy, 0), options)
    assert result.status == "infeasible" and result.limit == "none"
    with pytest.raises(NoPlanError, match="ended infeasible without a plan"):
        _ = result.objective
    short = [d for d in result.diagnosis if d["what"] == "demand"]
    assert short and all(d["week"] == 2 for d in short)


def test_limit_costs_nothing_when_it_does_not_bind(scenario_copy):
    free = solve_design(_tiny_needing_storage(scenario_copy, None), DesignOptions(trips="linear"))
    capped = solve_design(_tiny_needing_storage(scenario_copy, 1), DesignOptions(trips="linear"))
    assert capped.objective == pytest.approx(free.objective, rel=1e-9)


def test_evaluator_rejects_a_plan_that_stores_too_long(scenario_copy):
    network = _tiny_needing_storage(scenario_copy, 1)
    result = solve_design(network, DesignOptions(trips="linear"))
    from dataclasses import replace

    from networks.errors import PlanError
    from networks.plan import Plan

    flows = list(result.plan.flows)
    kiwi = next(i for i, f in enumerate(flows) if f.product == "fresh_kiwi")
    flows[kiwi] = replace(flows[kiwi], storage_weeks=2)
    with pytest.raises(PlanError, match="storage_weeks: expected at most 1"):
        evaluate(network, Plan("too-long", result.plan.hubs, tuple(flows)))
