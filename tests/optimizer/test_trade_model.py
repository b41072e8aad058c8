"""The design model charges duty and import VAT as the evaluator does (issue #16).

Both call :func:`networks.trade.import_charge`; this checks the numbers agree: on every
cross-border route of tiny, the route's per-tonne cost under a regime minus its cost
with no duties is the tariff the exact evaluator charges a tonne sent down the same path.
Embroidery does not decay, so the two agree exactly; kiwi within the spoilage views'
difference (the model's survival factors against the evaluator's path loss).
"""

from __future__ import annotations

import pytest

from networks import PathFlow, Plan
from optimizer.design.data import build_design_data
from results.evaluate import evaluate

REGIMES = """
[[regimes]]
name = "duties"
effective = "2026-01-01"
description = "test: 20% on everything entering TH, 7% VAT"
"""
PARTS = "duties,TH,*,mfn,0.2,test\nduties,TH,*,vat,0.07,test\n"


@pytest.fixture(scope="module")
def taxed(scenario_copy):
    folder = scenario_copy("tiny")
    folder.append("scenario.toml", REGIMES)
    folder.write("tariffs.csv", "regime,country,hs_prefix,part,rate,source\n" + PARTS)
    return folder.load()


SURVIVAL_VIEW = pytest.mark.xfail(
    strict=True,
    reason="issue 16: the model charges import on the tonnes its survival view leaves, and one "
    "hazard per life fitted to the storage-data loss curve overstates warm losses: on the "
    "140 h ambient parcel to M_BKK the model's 3,241 CNY/t against the evaluator's 4,521 "
    "(exact loss ~0.2%, survival view ~28%)",
)


@pytest.mark.parametrize(
    ("product", "rel"),
    [("embroidery", 1e-9), pytest.param("fresh_kiwi", 0.02, marks=SURVIVAL_VIEW)],
)
def test_route_tariffs_are_the_evaluators(taxed, product, rel):
    free = build_design_data(taxed, regime="today")
    duties = build_design_data(taxed, regime="duties")
    assert [r.key for r in free.routes] == [r.key for r in duties.routes]
    checked = 0
    for (r, p, week), cost in duties.route_cost.items():
        route = duties.routes[r]
        if p != product or week != 1 or not route.customs_mode or route.hub != "H_JS":
            continue
        per_t = cost - free.route_cost[(r, p, week)]
        tonnes = 0.1  # leaving V3 (it grows 0.4 t of embroidery in week 1)
        flow = PathFlow(
            "firmB",
            "3pl",
            p,
            1,
            tonnes,
            ("V3", *route.nodes),
            ("road", *(leg.service for leg in route.legs)),
            route.customs_mode,
        )
        plan = Plan("one", {"H_JS": "small"}, (flow,))
        tariff = evaluate(taxed, plan, regime="duties").flows["tariff_cost"].iloc[0]
        # per tonne dispatched from the hub; kiwi loses well under 1% before it (a short
        # ride to a pre-cooling hub), embroidery nothing
        assert per_t == pytest.approx(tariff / tonnes, rel=rel), route.key
        assert per_t > 0
        checked += 1
    assert checked >= 2  # the parcel and the sea routes at least
