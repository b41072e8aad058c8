"""The regional bundled scenarios of issue #19: guizhou-kiwi and zhejiang-citrus.

Each is checked against its own files and against the axioms of the evaluator, never
against a stored figure: the hand-made plans ship the whole supply and score with
consistent sums; a tariff regime with higher US rates charges more duty on the same
plan and nothing more elsewhere; a short solve on the hand-made plan's hubs returns a
plan that draws no village beyond its supply, uses only the hubs it opens, and whose
exact-path-model objective is the evaluator's margin of that plan, scored anew.
"""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from instances import bundled_scenarios, load_scenario, read_plan, scenario_folder
from optimizer.design import DesignOptions
from optimizer.design.scored import solve_and_score
from results.evaluate import COST_KEYS, evaluate

PLANS = {"guizhou-kiwi": ("status-quo", "cold-chain"), "zhejiang-citrus": ("status-quo",)}


def _supply(name: str) -> dict[tuple[str, str, int], float]:
    with open(scenario_folder(name) / "supply.csv", encoding="utf-8") as f:
        return {
            (r["village"], r["product"], int(r["week"])): float(r["tonnes"])
            for r in csv.DictReader(f)
        }


def _plan(name: str, plan: str):
    return read_plan(scenario_folder(name) / "plans" / f"{plan}.csv")


@pytest.fixture(scope="module")
def networks():
    return {name: load_scenario(name) for name in PLANS}


@pytest.fixture(scope="module")
def scored(networks):
    # every hand-made plan read and scored once (~1-2 s each)
    return {
        (name, plan): evaluate(networks[name], _plan(name, plan))
        for name, plans in PLANS.items()
        for plan in plans
    }


def test_the_regional_scenarios_are_bundled_and_load(networks):
    assert set(PLANS) <= set(bundled_scenarios())
    for name, network in networks.items():
        kinds = {n.kind for n in network.nodes.values()}
        assert {"village", "county_hub", "bonded_zone", "port", "market"} <= kinds, name


@pytest.mark.parametrize(("name", "plan"), [(n, p) for n, ps in PLANS.items() for p in ps])
def test_hand_made_plans_ship_the_whole_supply(networks, name, plan):
    shipped = defaultdict(float)
    for flow in _plan(name, plan).flows:
        shipped[(flow.nodes[0], flow.product, flow.week)] += flow.tonnes
    supply = _supply(name)
    assert set(shipped) == set(supply)
    for key, tonnes in supply.items():
        assert shipped[key] == pytest.approx(tonnes, abs=1e-6), key


@pytest.mark.parametrize(("name", "plan"), [(n, p) for n, ps in PLANS.items() for p in ps])
def test_hand_made_plans_score_with_consistent_sums(scored, name, plan):
    kpis = scored[(name, plan)].kpis()
    assert kpis["total_cost"] == pytest.approx(sum(kpis[k] for k in COST_KEYS), rel=1e-9)
    assert kpis["margin"] == pytest.approx(kpis["revenue"] - kpis["total_cost"], rel=1e-9)
    # every tonne shipped is delivered or lost on the way
    assert kpis["delivered_t"] + kpis["spoilage_t"] == pytest.approx(kpis["shipped_t"], rel=1e-9)
    assert sum(v for k, v in kpis.items() if k.startswith("revenue.")) == pytest.approx(
        kpis["revenue"], rel=1e-9
    )
    assert 0.0 <= kpis["spoilage_rate"] < 1.0


def test_higher_us_rates_charge_more_duty_on_the_same_plan_and_nothing_else(networks):
    network, plan = networks["zhejiang-citrus"], _plan("zhejiang-citrus", "status-quo")
    today = evaluate(network, plan, regime="today").kpis()
    peak = evaluate(network, plan, regime="us-2025-04-10").kpis()
    assert peak["delivered_t.M_LA"] > 0  # the plan does sell in the US
    assert peak["duty"] > today["duty"]
    assert peak["total_cost"] - today["total_cost"] == pytest.approx(
        peak["duty"] - today["duty"], rel=1e-9
    )
    for market in ("M_RTM", "M_SIN", "M_DXB"):
        assert peak[f"margin.{market}"] == pytest.approx(today[f"margin.{market}"], rel=1e-9)


@pytest.mark.parametrize("name", sorted(PLANS))
def test_a_short_solve_on_the_plans_hubs_is_what_the_evaluator_says(networks, name):
    network = networks[name]
    hubs = tuple(sorted(_plan(name, PLANS[name][0]).hubs.items()))
    options = DesignOptions.from_network(network, fixed_hubs=hubs, time_limit=10.0, bound=False)
    scored = solve_and_score(network, options, status_quo=None)
    assert scored.has_plan and scored.paths is not None and scored.paths.plan is not None
    plan = scored.result.plan
    drawn = defaultdict(float)
    for flow in plan.flows:
        drawn[(flow.nodes[0], flow.product, flow.week)] += flow.tonnes
        assert flow.nodes[1] in plan.hubs, flow.nodes  # only opened hubs carry fruit
    supply = _supply(name)
    for key, tonnes in drawn.items():
        assert tonnes <= supply.get(key, 0.0) + 1e-6, key
    # the exact path model's objective is the evaluator's margin of its plan, scored anew
    margin = evaluate(network, plan).kpis()["margin"]
    assert scored.paths.outcome.objective == pytest.approx(margin, rel=1e-6, abs=1.0)
    assert scored.objective == pytest.approx(margin, rel=1e-9, abs=1e-6)
