"""Stock abroad: an overseas warehouse holds a lot across weeks before it is sold.

A scenario built so that the only way to sell in week 3 is to hold stock abroad: supply
in week 1 only, hubs with no cold store, the Bangkok demand in week 3, reachable in one
week by every route; the Singapore warehouse (refrigerated, paid by the tonne-week) holds
stock. Checked against hand-computed costs and the evaluator's own counts.
"""

from __future__ import annotations

import csv
import io
import math

import pytest

from networks.errors import PlanError
from networks.plan import PathFlow, Plan
from optimizer.design import DesignOptions
from optimizer.design.scored import solve_and_score
from results.evaluate import evaluate
from results.scoring import FlowScorer

STORE_CNY_PER_T_WEEK = 155.0


def _with_columns(text: str, values: dict[str, dict[str, str]]) -> str:
    """``nodes.csv`` with the columns ``temp_c`` and ``stock_capacity_t`` added."""
    rows = list(csv.DictReader(io.StringIO(text)))
    names = list(rows[0].keys())
    names[-1:-1] = ["temp_c", "stock_capacity_t"]
    out = io.StringIO()
    writer = csv.DictWriter(out, names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        row.update({"temp_c": "", "stock_capacity_t": ""} | values.get(row["id"], {}))
        writer.writerow(row)
    return out.getvalue()


def _stock_scenario(scenario_copy, stock_capacity_t: float):
    copy = scenario_copy("tiny")
    copy.edit("scenario.toml", 'objective = "cost"', 'objective = "margin"')
    copy.edit("scenario.toml", 'labels = ["2025-W42", "2025-W43"]', 'labels = ["W1", "W2", "W3"]')
    copy.edit("scenario.toml", "ambient_temp_c = [20.0, 18.0]", "ambient_temp_c = [20, 18, 16]")
    nodes = (copy / "nodes.csv").read_text(encoding="utf-8")
    warehouse = {
        "temp_c": "1.0",
        "stock_capacity_t": f"{stock_capacity_t:g}",
        "storage_cost_cny_per_t_week": f"{STORE_CNY_PER_T_WEEK:g}",
    }
    copy.write("nodes.csv", _with_columns(nodes, {"W_SG": warehouse}))
    sizes = (copy / "hub_sizes.csv").read_text(encoding="utf-8")
    copy.write(
        "hub_sizes.csv", sizes.replace(",20,20,air,", ",20,0,air,").replace(",100,ca,", ",0,ca,")
    )
    copy.drop_lines("supply.csv", "V1,fresh_kiwi,2", "V2,fresh_kiwi,2", "V3,fresh_kiwi,2")
    copy.edit("demand.csv", "M_BKK,fresh_kiwi,2,4,20000", "M_BKK,fresh_kiwi,3,4,20000")
    return copy.load()


@pytest.fixture(scope="module")
def held(scenario_copy):
    """The stock scenario with room for 10 t of stock in Singapore."""
    return _stock_scenario(scenario_copy, 10.0)


def _row(network, abroad_weeks: int, tonnes: float = 2.0) -> PathFlow:
    return PathFlow(
        firm="firmB",
        shipper="firmB",
        product="fresh_kiwi",
        week=1,
        tonnes=tonnes,
        nodes=("V3", "H_FH", "BZ_CS", "P_NS", "W_SG", "M_BKK"),
        services=("road", "road-reefer", "road-reefer", "sea-reefer", "road-reefer"),
        customs_mode="9810",
        abroad_weeks=abroad_weeks,
    )


def test_a_lot_held_abroad_is_aged_charged_and_sold_weeks_later(held):
    scorer = FlowScorer(held)
    now, later = (scorer.score(_row(held, k), "air") for k in (0, 2))
    # sold two weeks later, having aged two weeks more at the warehouse's 1 C
    assert later.row["delivery_week"] == now.row["delivery_week"] + 2
    assert later.row["delivery_days"] == pytest.approx(now.row["delivery_days"] + 14.0)
    assert later.row["loss_fraction"] > now.row["loss_fraction"]
    # storage: two more weeks on the tonnes sound on arrival at the warehouse (hand count)
    (_, arriving), *_ = later.received
    assert later.row["storage_cost"] - now.row["storage_cost"] == pytest.approx(
        2 * STORE_CNY_PER_T_WEEK * arriving
    )
    # the stock occupies the warehouse in each week held, from the week it arrives
    (arrival_key, _), *_ = later.received
    assert [key for key, _ in later.stock] == [
        ("W_SG", arrival_key[1]),
        ("W_SG", arrival_key[1] + 1),
    ]
    assert now.stock == ()


def test_the_evaluator_refuses_stock_over_capacity_and_stock_off_a_warehouse(scenario_copy, held):
    small = _stock_scenario(scenario_copy, 1.0)
    plan = Plan("held", {"H_FH": "small"}, (_row(small, 1, tonnes=3.0),))
    with pytest.raises(PlanError, match=r"abroad_weeks.*at most 1 t held as stock in W_SG"):
        evaluate(small, plan)
    fine = evaluate(held, Plan("held", {"H_FH": "small"}, (_row(held, 1, tonnes=3.0),)))
    assert fine.warehouses["stock_t"].max() == pytest.approx(
        fine.warehouses["received_t"].max(), rel=1e-12
    )
    direct = PathFlow(
        firm="firmB",
        shipper="firmB",
        product="fresh_kiwi",
        week=1,
        tonnes=1.0,
        nodes=("V3", "H_FH", "BZ_CS", "P_NS", "M_BKK"),
        services=("road", "road-reefer", "road-reefer", "sea-reefer"),
        customs_mode="9710",
        abroad_weeks=1,
    )
    with pytest.raises(PlanError, match="abroad_weeks.*no overseas warehouse"):
        evaluate(held, Plan("direct", {"H_FH": "small"}, (direct,)))


@pytest.fixture(scope="module")
def solved(held):
    """The solve with stock abroad allowed (up to 2 weeks), and without."""
    out = {}
    for weeks in (0, 2):
        options = DesignOptions.from_network(held, time_limit=60, abroad_weeks=weeks)
        out[weeks] = solve_and_score(held, options, status_quo=None)
    return out


def test_the_solve_holds_stock_abroad_to_sell_when_nothing_else_can(held, solved):
    with_stock, without = solved[2], solved[0]
    plan = with_stock.result.plan
    evaluation = evaluate(held, plan)
    # the headline is the evaluated margin of the plan returned, and the bound holds
    assert with_stock.objective == pytest.approx(evaluation.kpis()["margin"], rel=1e-9)
    assert with_stock.bound.value >= with_stock.objective - 1e-6
    rows = evaluation.flows
    week3 = rows[(rows["market"] == "M_BKK") & (rows["delivery_week"] == 3)]
    assert not week3.empty and (week3["abroad_weeks"] > 0).all()
    sold = evaluation.deliveries.set_index(["market", "product", "week"])["sold_t"]
    assert sold[("M_BKK", "fresh_kiwi", 3)] > 1.0
    # without stock abroad, no route reaches week 3: nothing sold there, a lower margin
    plain = evaluate(held, without.result.plan)
    plain_sold = plain.deliveries.set_index(["market", "product", "week"])["sold_t"]
    assert plain_sold.get(("M_BKK", "fresh_kiwi", 3), 0.0) == pytest.approx(0.0, abs=1e-9)
    assert with_stock.objective > without.objective
    assert plain.kpis()["margin"] == pytest.approx(without.objective, rel=1e-9)


def test_the_solve_keeps_stock_within_the_warehouse(scenario_copy):
    small = _stock_scenario(scenario_copy, 1.5)
    options = DesignOptions.from_network(small, time_limit=60, abroad_weeks=2)
    scored = solve_and_score(small, options, status_quo=None)
    evaluation = evaluate(small, scored.result.plan)  # raises if over capacity
    stock = evaluation.warehouses["stock_t"]
    assert stock.max() <= 1.5 + 1e-6 and stock.max() > 0.5
    assert scored.objective == pytest.approx(evaluation.kpis()["margin"], rel=1e-9)
    assert math.isfinite(scored.objective)
