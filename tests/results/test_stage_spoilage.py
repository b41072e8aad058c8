"""The tonnes a flow loses on each kind of stage (``flows`` ``spoiled_t.*`` columns)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from instances import generate_network, read_plan, scenario_folder
from networks.plan import PathFlow
from networks.shelf_life import ShelfLife
from optimizer.design.network_design import DesignOptions, solve_design
from results.evaluate import evaluate
from results.scoring import SPOILAGE_COLUMNS, FlowScorer

#: A shelf life whose loss is hand-computable: rate 1 at every temperature (Q10 1), no
#: chilling, no delay penalty, no rot, Weibull shape 1 with scale 1 shelf life of 10 days:
#: a lot keeps exp(-T / 240 h) of its tonnes after T hours, wherever it is.
FLAT = ShelfLife(
    life_days_at_ref=10.0,
    q10=(1.0,),
    q10_band_upper_c=(),
    ca_rate_divisor=1.0,
    chill_threshold_c=-50.0,
    delay_penalty_factor=0.0,
    rot_uncured_fraction=0.0,
    loss_shape=1.0,
    loss_scale_fraction=1.0,
)
K_HOURS = 240.0


def assert_stages_add_up(flows) -> None:
    stages = flows[list(SPOILAGE_COLUMNS)]
    assert (stages.sum(axis=1) - flows["spoiled_t"]).abs().max() <= 1e-9


def kiwi_flow(nodes: str, services: str, customs_mode: str, storage_weeks: int) -> PathFlow:
    return PathFlow(
        firm="firmB",
        shipper="firmB",
        product="fresh_kiwi",
        week=1,
        tonnes=5.0,
        nodes=tuple(nodes.split(" > ")),
        services=tuple(services.split(" > ")),
        customs_mode=customs_mode,
        storage_weeks=storage_weeks,
        precool=True,
        wait_hours=6.0,
    )


def lost(x: float, a: float, b: float) -> float:
    """Tonnes of ``x`` picked that are sound at hour ``a`` and not at hour ``b``."""
    return x * (math.exp(-a / K_HOURS) - math.exp(-b / K_HOURS))


def test_hand_computed_stages_of_a_sea_and_a_parcel_path(tiny):
    kiwi = tiny.products["fresh_kiwi"]
    network = tiny.replace(products={**tiny.products, "fresh_kiwi": replace(kiwi, shelf_life=FLAT)})
    scorer = FlowScorer(network)
    # Hours (tiny's legs.csv hours, nodes.csv dwell_hours, scenario.toml clearance_hours):
    # wait 6 in V3; road V3>H_JS 2; H_JS pre-cooling 12 + one week stored 168; road
    # H_JS>BZ_CS 8; BZ_CS dwell 6 + 9710 clearance 24; road BZ_CS>P_NS 11; P_NS dwell 24;
    # sea P_NS>M_BKK 144. Stage boundaries: 0 6 8 188 196 226 237 261 405.
    sea = scorer.score(
        kiwi_flow(
            "V3 > H_JS > BZ_CS > P_NS > M_BKK",
            "road > road-reefer > road-reefer > sea-reefer",
            "9710",
            1,
        ),
        "air",
    ).row
    expected = {
        "village": lost(5, 0, 6),
        "road": lost(5, 6, 8) + lost(5, 188, 196) + lost(5, 226, 237),
        "rail": 0.0,
        "sea": lost(5, 261, 405),
        "air": 0.0,
        "parcel": 0.0,
        "hub": lost(5, 8, 188),
        "node": lost(5, 196, 226) + lost(5, 237, 261),
    }
    assert sea["spoiled_t"] == pytest.approx(5 * (1 - math.exp(-405 / K_HOURS)), abs=1e-12)
    for stage, tonnes in expected.items():
        assert sea[f"spoiled_t.{stage}"] == pytest.approx(tonnes, abs=1e-9), stage
    # By parcel under 9610: wait 6; road 2; pre-cooling 12; road 8; BZ_CS dwell 6 + 9610
    # clearance 12; parcel BZ_CS>M_BKK 140. Boundaries: 0 6 8 20 28 46 186.
    parcel = scorer.score(
        kiwi_flow("V3 > H_JS > BZ_CS > M_BKK", "road > road-reefer > parcel", "9610", 0), "air"
    ).row
    expected = {
        "village": lost(5, 0, 6),
        "road": lost(5, 6, 8) + lost(5, 20, 28),
        "sea": 0.0,
        "parcel": lost(5, 46, 186),
        "hub": lost(5, 8, 20),
        "node": lost(5, 28, 46),
    }
    for stage, tonnes in expected.items():
        assert parcel[f"spoiled_t.{stage}"] == pytest.approx(tonnes, abs=1e-9), stage


def test_stages_add_up_on_the_by_hand_plan_and_a_solve_of_tiny(tiny):
    plan = read_plan(scenario_folder("tiny") / "plans" / "by-hand.csv")
    by_hand = evaluate(tiny, plan).flows
    assert_stages_add_up(by_hand)
    assert by_hand["spoiled_t"].sum() > 0.01  # kiwi is lost, so the sums are not 0 = 0
    # embroidery does not decay: nothing lost on any stage
    assert (by_hand.loc[~by_hand["perishable"], list(SPOILAGE_COLUMNS)] == 0.0).all().all()
    solved = evaluate(tiny, solve_design(tiny, DesignOptions()).plan).flows
    assert_stages_add_up(solved)
    assert solved["spoiled_t"].sum() > 0.01


def test_stages_add_up_on_a_generated_scenario():
    network = generate_network(seed=4, villages=6, markets=2, weeks=3)
    flows = evaluate(network, solve_design(network, DesignOptions()).plan).flows
    assert_stages_add_up(flows)
    used = flows[list(SPOILAGE_COLUMNS)].sum()
    assert (used > 0).sum() >= 4  # village, road, hub and more carry loss
