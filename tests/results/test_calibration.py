"""Calibration of the exact evaluator against the seed figures, on xiangxi-kiwi's plans.

The bundled scenario ships three hand-made plans (instances/data/xiangxi-kiwi/plans/, each
described and sourced in its comment header): the old chain (``status-quo``), the chain
after better packaging and logistics (``cold-chain``) and the same chain under tight
temperature control (``controlled-temperature``). Issue 3 turns the seed figures into
ranges on their ``spoilage_rate`` (spoiled over shipped tonnes of perishable products);
the parameters that produce them are physical (hours, temperatures, set points), never a
per-plan knob. FACTS = shared/domain/FACTS.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import pytest

from instances import load_scenario, read_plan, scenario_folder
from networks.plan import Plan
from networks.timeline import lot_history
from results.evaluate import COST_KEYS, Evaluation, evaluate

SCENARIO = "xiangxi-kiwi"
PLANS = ("status-quo", "cold-chain", "controlled-temperature")


@dataclass(frozen=True)
class Scored:
    plan: Plan
    evaluation: Evaluation

    @property
    def perishable(self) -> pd.DataFrame:
        flows = self.evaluation.flows
        return flows[flows["perishable"].astype(bool)]


@pytest.fixture(scope="module")
def network():
    return load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def scored(network) -> dict[str, Scored]:
    # Each plan is read and scored once (about 3 s each: ~490 lots, exact path model).
    out = {}
    for name in PLANS:
        plan = read_plan(scenario_folder(SCENARIO) / "plans" / f"{name}.csv")
        out[name] = Scored(plan, evaluate(network, plan))  # evaluate runs check_plan first
    return out


def rate(scored: dict[str, Scored], name: str) -> float:
    return float(scored[name].evaluation.kpis()["spoilage_rate"])


# ---------------------------------------------------------------------------------------
# The seed figures


# Issue 16: losses now rest on storage data (networks/shelf_life.py: Crisosto 1999 and Strik
# for softening, Lallu 1997 for chilling, the NZ curing trial for rot) and temperatures on
# climate normals along each route; the plans differ only in sourced ways (their headers).
# Where that honest physics misses a seed band, the test is an expected failure (strict:
# a pass would be news) naming the measured figure; no knob was added to reach it. Packaging
# (bruising in parcels), which the seed credits with part of the fall from 30% to 15%, is
# not in the model.


@pytest.mark.xfail(
    strict=True,
    reason="issue 16: measured 0.216 (status quo with the cold chain's 24 h village wait, "
    "FACTS 1.5; the 120 h wait that gave 0.266 had no source)",
)
def test_status_quo_loses_25_to_35_percent(scored):
    # Seed document (FACTS 0): a Xiangxi online kiwi seller lost ~30% of its fresh fruit in
    # the old chain; issue 3 range 0.25-0.35.
    assert 0.25 <= rate(scored, "status-quo") <= 0.35


@pytest.mark.xfail(
    strict=True,
    reason="issue 16: measured 0.051 (0.043 before the Rotterdam lanes went round the Cape): "
    "pre-cooled fruit in its first weeks of cold storage is far from too soft (Crisosto "
    "1999); the seed's 15% has losses the model lacks",
)
def test_cold_chain_loses_12_to_18_percent(scored):
    # Seed document (FACTS 0): ~15% after better packaging and logistics; issue 3 range
    # 0.12-0.18.
    assert 0.12 <= rate(scored, "cold-chain") <= 0.18


@pytest.mark.xfail(
    strict=True,
    reason="issue 16: measured 0.27 (0.0135 / 0.0507): reefer parcels and trucks remove the "
    "cold chain's warm breaks, which are most of its loss",
)
def test_tight_temperature_control_about_halves_the_cold_chain_loss(scored):
    # Seed document (FACTS 0): AI-optimised cold-chain temperature control cuts kiwi loss
    # by ~50%; issue 3: between 0.4 and 0.6 of cold-chain's spoilage_rate.
    ratio = rate(scored, "controlled-temperature") / rate(scored, "cold-chain")
    assert 0.4 <= ratio <= 0.6


def test_losses_fall_from_old_chain_to_cold_chain_to_controlled(scored):
    sq, cc, ct = (rate(scored, name) for name in PLANS)
    assert sq > cc > ct > 0


# ---------------------------------------------------------------------------------------
# The two spoilage views


@pytest.mark.xfail(
    strict=True,
    reason="issue 16: the storage-data loss curve is steep (Weibull shape 9.9) and one "
    "hazard per shelf life cannot follow it: survival view 0.42 / 0.36 / 0.21 against exact "
    "0.216 / 0.051 / 0.013 (status quo, cold chain, controlled); the whole-trip model "
    "(issue 15) takes exact path losses",
)
@pytest.mark.parametrize("name", PLANS)
def test_optimizer_survival_factors_agree_with_exact_evaluator_within_2_points(scored, name):
    # Issue 3: the per-leg survival factors (the optimizer's linear view) and the exact
    # path model agree within 2 percentage points of loss on the three plans, compared as
    # tonnage-weighted totals over the perishable lots. The survival view's hazard per
    # shelf life consumed is fitted (minimax) over consumed fractions 0.5-1.7, where it is
    # at most 1.93 points off the Weibull loss curve (networks/shelf_life.py): it overstates
    # the loss of lots that use about half their life (the controlled chain) and
    # understates that of lots that use more than 1.7 lives (early-season status quo).
    flows = scored[name].perishable
    tonnes = flows["tonnes"]
    exact = float((flows["loss_fraction"] * tonnes).sum() / tonnes.sum())
    survival = float((flows["survival_view_loss_fraction"] * tonnes).sum() / tonnes.sum())
    assert exact == pytest.approx(rate(scored, name), rel=1e-9)
    assert abs(survival - exact) < 0.02, f"{name}: survival view {survival:.4f}, exact {exact:.4f}"


@pytest.mark.parametrize("name", PLANS)
def test_survival_view_is_the_product_of_per_stage_factors(network, scored, name):
    # The evaluator's survival-view column is what the optimizer multiplies along a path:
    # one factor per stage of the lot's history, the hours still uncooled after the curing
    # grace carrying the pre-cooling delay penalty. Checked on a spread of lots.
    plan = scored[name].plan
    flows = scored[name].evaluation.flows
    kiwi = network.products["fresh_kiwi"].shelf_life
    rows = [i for i, f in enumerate(plan.flows) if f.product == "fresh_kiwi"][::37]
    assert len(rows) >= 10
    for i in rows:
        f = plan.flows[i]
        legs = tuple(network.legs_by_id[leg_id] for leg_id in f.leg_ids)
        timeline = lot_history(
            network, f.nodes, legs, f.week, f.storage_weeks, f.precool, f.wait_hours, f.customs_mode
        )
        history = timeline.history
        cooled_at = kiwi.path_loss(history).hours_before_cooling
        start, product = 0.0, 1.0
        for seg in history.segments:
            end = start + seg.hours
            late = max(0.0, min(end, cooled_at) - max(start, kiwi.curing_grace_hours))
            late = min(late, seg.hours)
            product *= kiwi.survival(max(0.0, seg.hours - late), seg.temp_c, seg.atmosphere)
            product *= kiwi.survival(late, seg.temp_c, seg.atmosphere, uncooled_past_grace=True)
            start = end
        assert 1.0 - product == pytest.approx(flows.loc[i, "survival_view_loss_fraction"], abs=1e-9)


# ---------------------------------------------------------------------------------------
# The plans are what their headers say


def test_plan_files_carry_a_comment_header_that_the_reader_skips(scored):
    folder = scenario_folder(SCENARIO) / "plans"
    for name in PLANS:
        lines = (folder / f"{name}.csv").read_text().splitlines()
        header = [line for line in lines if line.startswith("#")]
        assert lines[0].startswith("#") and len(header) >= 20, name
        assert lines[len(header)].startswith("firm,shipper,product,week,tonnes,path,")
        assert len(scored[name].plan.flows) == len(lines) - len(header) - 1


def test_plans_cover_all_the_fresh_supply(network, scored):
    fresh = float(network.supply.loc[network.supply["product"] == "fresh_kiwi", "tonnes"].sum())
    for name in PLANS:
        shipped = sum(f.tonnes for f in scored[name].plan.flows if f.product == "fresh_kiwi")
        # Lots are rounded to 0.1 t in the files: at most 0.05 t off each of 480.
        assert shipped == pytest.approx(fresh, abs=0.05 * 480), name


def test_controlled_temperature_is_the_cold_chain_with_only_temperatures_changed(scored):
    # Same lots, paths, weeks, waits, pre-cooling and storage weeks, row for row; only the
    # services after the hub change, each to its refrigerated twin on the same leg ends.
    cold, tight = scored["cold-chain"].plan, scored["controlled-temperature"].plan
    assert dict(cold.hubs) == dict(tight.hubs)
    assert len(cold.flows) == len(tight.flows)
    changed = 0
    for a, b in zip(cold.flows, tight.flows, strict=True):
        assert _all_but_services(a) == _all_but_services(b)
        for s, t in zip(a.services, b.services, strict=True):
            if s != t:
                changed += 1
                assert not s.endswith("-reefer") and t == f"{s}-reefer"
    assert changed > 0


def _all_but_services(f) -> tuple:
    return (
        f.firm,
        f.shipper,
        f.product,
        f.week,
        f.tonnes,
        f.nodes,
        f.customs_mode,
        f.storage_weeks,
        f.precool,
        f.wait_hours,
    )


def test_status_quo_is_never_cooled_at_a_hub_nor_stored(scored):
    for f in scored["status-quo"].plan.flows:
        assert not f.precool and f.storage_weeks == 0
        assert f.shipper == f.firm  # each firm on its own
    flows = scored["status-quo"].perishable
    # Never pre-cooled: each lot is still warm after the 48 h curing grace (FACTS 1.5).
    assert (flows["hours_to_cooling"] > 48.0).all()


def test_cold_chain_lots_are_cooled_inside_the_curing_grace(scored):
    # Pre-cooled at the hub ~26 h after picking: inside the 48 h grace (FACTS 1.5).
    flows = scored["cold-chain"].perishable
    assert (flows["hours_to_cooling"] < 48.0).all()


@pytest.mark.parametrize("name", PLANS)
def test_total_cost_is_the_sum_of_the_cost_kinds(scored, name):
    kpis = scored[name].evaluation.kpis()
    assert kpis["total_cost"] == pytest.approx(sum(kpis[k] for k in COST_KEYS), abs=1e-6)
    assert all(math.isfinite(kpis[k]) and kpis[k] >= 0 for k in COST_KEYS)
