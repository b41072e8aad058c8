"""The plan evaluator (results/evaluate.py): costs to the cent, rejections, regimes, loss.

Every expected number is computed by hand from the bundled ``tiny`` scenario's CSV files
(instances/data/tiny); the arithmetic is written out next to it.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instances import read_plan, scenario_folder
from networks.errors import PlanError, ScenarioError
from networks.lots import LotHistory, Segment
from networks.plan import PathFlow, Plan
from networks.shelf_life import ShelfLife
from networks.timeline import lot_history
from optimizer.cli.main import main
from optimizer.design.network_design import DesignOptions, solve_design
from results.evaluate import COST_KEYS, evaluate

CENT = 0.005
PLAN_HEADER = (
    "firm,shipper,product,week,tonnes,path,services,customs_mode,storage_weeks,precool,wait_hours"
)
SEA = "road > road-reefer > road-reefer > sea-reefer"


def flow(
    path: str,
    services: str,
    tonnes: float,
    *,
    firm: str = "firmB",
    shipper: str | None = None,
    product: str = "embroidery",
    week: int = 1,
    customs_mode: str = "",
    storage_weeks: int = 0,
    precool: bool = False,
) -> PathFlow:
    return PathFlow(
        firm=firm,
        shipper=shipper or firm,
        product=product,
        week=week,
        tonnes=tonnes,
        nodes=tuple(path.split(" > ")),
        services=tuple(services.split(" > ")),
        customs_mode=customs_mode,
        storage_weeks=storage_weeks,
        precool=precool,
    )


def assert_total_is_sum(kpis) -> None:
    assert set(COST_KEYS) == {k for k in kpis if k.endswith("_cost") and k != "total_cost"}
    assert kpis["total_cost"] == pytest.approx(sum(kpis[k] for k in COST_KEYS), abs=1e-6)


# ---------------------------------------------------------------------------------------
# A hand-computed plan, to the cent
# ---------------------------------------------------------------------------------------
# Embroidery does not decay (scenario.toml: perishable = false), so no fruit is lost and
# every leg carries the tonnes that left the village. V3 (firmB) grows 0.4 t of it in
# week 1 (supply.csv). Three flows, H_JS opened small:
#   A  firmB ships 0.2 t V3 > H_JS > BZ_CS > M_BKK by parcel, 9610, no storage
#   B  the 3PL ships 0.1 t on the same path and week (another shipper: its own trips)
#   C  firmB ships 0.1 t V3 > H_JS > BZ_CS > P_NS > M_BKK by sea, 9710, one week stored,
#      pre-cooled
HAND_PLAN = Plan(
    "hand",
    {"H_JS": "small"},
    (
        flow("V3 > H_JS > BZ_CS > M_BKK", "road > road-reefer > parcel", 0.2, customs_mode="9610"),
        flow(
            "V3 > H_JS > BZ_CS > M_BKK",
            "road > road-reefer > parcel",
            0.1,
            shipper="3pl",
            customs_mode="9610",
        ),
        flow(
            "V3 > H_JS > BZ_CS > P_NS > M_BKK",
            SEA,
            0.1,
            customs_mode="9710",
            storage_weeks=1,
            precool=True,
        ),
    ),
)

# hub_sizes.csv: H_JS small fixed_cost_cny 40000.
HUB = 40000.0
# Freight per tonne (legs.csv cost_cny_per_t); firms.csv: firmB part_load_premium 0.4 on
# road legs it ships itself; the 3PL pays no premium and tiny sets no 3PL margin.
#   V3>H_JS road 16/t:  A 16 * 1.4 * 0.2 = 4.48;  B 16 * 0.1 = 1.60;  C 16 * 1.4 * 0.1 = 2.24
#   BZ_CS>M_BKK parcel 9000/t (not road, no premium):  A 9000 * 0.2 = 1800;  B 900
#   reefer and sea legs: 0/t
PER_TONNE = 4.48 + 1.60 + 2.24 + 1800.0 + 900.0  # 2708.32
# Trips per shipper, leg and week, rounded up (legs.csv cost_cny_per_trip,
# trip_capacity_t). The week of a leg is the week it starts in: C waits 6 h (default
# wait_hours), rides 2 h, dwells 12 h at H_JS, is stored 168 h -> leaves H_JS at hour 188,
# in week 2. firmB ships alone in its own 5 t vehicles on road legs (firms.csv
# trip_capacity_t 5): a trip carries 5 t at the leg's full-load rate per tonne times
# its premium 1.4: H_JS>BZ_CS 2400 / 10 * 1.4 * 5 = 1680; BZ_CS>P_NS 3500 / 10 * 1.4 * 5
# = 2450. Sea containers are the leg's own.
#   (firmB, H_JS>BZ_CS, w1): A 0.2 t / 5 -> 1 trip * 1680
#   (3pl,   H_JS>BZ_CS, w1): B 0.1 t / 10 -> 1 trip * 2400 (not pooled with A)
#   (firmB, H_JS>BZ_CS, w2): C 0.1 t      -> 1 trip * 1680
#   (firmB, BZ_CS>P_NS, w2): C            -> 1 trip * 2450
#   (firmB, P_NS>M_BKK, w2): C            -> 1 container * 13000
TRIPS = 1680.0 + 2400.0 + 1680.0 + 2450.0 + 13000.0  # 21210
TRANSPORT = PER_TONNE + TRIPS  # 23918.32
# Handling per tonne arriving at each node after the village (nodes.csv
# handling_cost_cny_per_t: H_JS 20, BZ_CS 30, P_NS 214, M_BKK 0), plus pre-cooling at
# H_JS (precool_cost_cny_per_t 50) for C only:
#   A (20 + 30) * 0.2 = 10;  B (20 + 30) * 0.1 = 5;  C (20 + 50 + 30 + 214) * 0.1 = 31.4
HANDLING = 10.0 + 5.0 + 31.4  # 46.4
# Cold store at H_JS: storage_cost_cny_per_t_week 28 * 0.1 t * 1 week.
STORAGE = 28.0 * 0.1  # 2.8
# Customs fees (scenario.toml [customs]) at BZ_CS, the first node running the mode:
#   9610 20/t * (0.2 + 0.1) = 6;  9710 10/t * 0.1 = 1
CUSTOMS = 20.0 * 0.3 + 10.0 * 0.1  # 7
# The default regime "today" lists no tariff parts (tiny has no tariffs.csv).
TARIFF = 0.0
# Every tonne shipped is bought at its purchase value (scenario.toml: embroidery
# value_cny_per_kg 400): the 0.4 t delivered, none lost.
PURCHASE = 0.4 * 400.0 * 1000.0  # 160000
SPOILAGE = 0.0
# CO2e: tonnes * distance_km * co2e_g_per_tkm, per leg (legs.csv):
#   V3>H_JS 52 km * 125 g;  H_JS>BZ_CS 470 * 150;  BZ_CS>M_BKK parcel 2600 * 650;
#   BZ_CS>P_NS 700 * 150;  P_NS>M_BKK sea 2900 * 20
CO2_T = (
    0.3 * (52 * 125 + 470 * 150 + 2600 * 650) + 0.1 * (52 * 125 + 470 * 150 + 700 * 150 + 2900 * 20)
) / 1e6


def test_hand_computed_plan_costs_to_the_cent(whole_trip_tiny):
    kpis = evaluate(whole_trip_tiny, HAND_PLAN).kpis()
    expected = {
        "hub_cost": HUB,
        "transport_cost": TRANSPORT,
        "handling_cost": HANDLING,
        "storage_cost": STORAGE,
        "customs_cost": CUSTOMS,
        "tariff_cost": TARIFF,
        "purchase_cost": PURCHASE,
        "spoilage_cost": SPOILAGE,
    }
    for key, value in expected.items():
        assert kpis[key] == pytest.approx(value, abs=CENT), key
    # 40000 + 23918.32 + 46.4 + 2.8 + 7 + 0 + 160000 + 0 (63974.52 before the purchase
    # value of the fruit sold was counted, issue #16)
    assert kpis["total_cost"] == pytest.approx(223974.52, abs=CENT)
    assert kpis["total_cost"] == pytest.approx(sum(expected.values()), abs=CENT)
    assert kpis["co2_t"] == pytest.approx(CO2_T, abs=1e-9)
    assert kpis["delivered_t"] == pytest.approx(0.4)
    assert kpis["spoilage_t"] == 0.0
    assert kpis["spoilage_rate"] == 0.0  # no perishable product shipped


def test_pooling_under_one_shipper_fills_trips(whole_trip_tiny):
    # A and B under one shipper share one trip on H_JS>BZ_CS in week 1: one trip fewer
    # (2400 CNY) and B now pays firmB's 40% part-load premium on V3>H_JS (16 * 0.4 * 0.1).
    pooled = replace(
        HAND_PLAN,
        flows=(
            HAND_PLAN.flows[0],
            replace(HAND_PLAN.flows[1], shipper="firmB"),
            HAND_PLAN.flows[2],
        ),
    )
    kpis = evaluate(whole_trip_tiny, pooled).kpis()
    assert kpis["transport_cost"] == pytest.approx(TRANSPORT - 2400.0 + 16 * 0.4 * 0.1, abs=CENT)


def _fill_plan(tiny, shipper: str) -> tuple:
    """10.5 t of coopA's from V1 (10 t) and V2 (0.5 t) through H_JS to M_CS, week 1.

    Kiwi made non-perishable here, so that every leg carries the 10.5 t.
    """
    kiwi = tiny.products["fresh_kiwi"]
    network = tiny.replace(products={**tiny.products, "fresh_kiwi": replace(kiwi, shelf_life=None)})
    plan = Plan(
        "fill",
        {"H_JS": "small"},
        tuple(
            flow(
                f"{v} > H_JS > M_CS",
                "road > road-reefer",
                t,
                firm="coopA",
                shipper=shipper,
                product="fresh_kiwi",
            )
            for v, t in (("V1", 10), ("V2", 0.5))
        ),
    )
    return network, plan


def test_a_part_load_costs_a_full_trip(whole_trip_tiny):
    # Under the 3PL (tiny sets no margin): H_JS>M_CS carries 10 t per trip, so the
    # 10.5 t take 2 trips of 2300, not 1.05; V1>H_JS 5/t and V2>H_JS 8/t, no premium.
    network, plan = _fill_plan(whole_trip_tiny, "3pl")
    kpis = evaluate(network, plan).kpis()
    assert kpis["transport_cost"] == pytest.approx(5 * 10 + 8 * 0.5 + 2 * 2300.0, abs=CENT)
    assert kpis["spoilage_cost"] == 0.0


def test_a_firm_alone_drives_its_own_vehicles(whole_trip_tiny):
    # coopA alone (firms.csv: part_load_premium 0.4, trip_capacity_t 2): its own 2 t
    # vans on H_JS>M_CS, ceil(10.5 / 2) = 6 trips, each 2 t at the leg's full-load rate
    # 2300 / 10 per tonne times 1.4: 644 CNY; the premium on V1>H_JS 5/t and V2>H_JS 8/t.
    network, plan = _fill_plan(whole_trip_tiny, "coopA")
    kpis = evaluate(network, plan).kpis()
    per_tonne = 5 * 1.4 * 10 + 8 * 1.4 * 0.5
    assert kpis["transport_cost"] == pytest.approx(per_tonne + 6 * 644.0, abs=CENT)


# ---------------------------------------------------------------------------------------
# total_cost is the sum of the *_cost keys
# ---------------------------------------------------------------------------------------
def test_total_cost_is_the_sum_of_the_cost_keys_on_the_hand_plan(tiny):
    assert_total_is_sum(evaluate(tiny, HAND_PLAN).kpis())


def test_total_cost_is_the_sum_of_the_cost_keys_on_the_bundled_by_hand_plan(tiny):
    plan = read_plan(scenario_folder("tiny") / "plans" / "by-hand.csv")
    kpis = evaluate(tiny, plan).kpis()
    assert_total_is_sum(kpis)
    assert kpis["spoilage_cost"] > 0 and kpis["storage_cost"] > 0  # every kind is exercised


def test_total_cost_is_the_sum_of_the_cost_keys_on_a_solved_plan(tiny):
    result = solve_design(tiny, DesignOptions())
    assert_total_is_sum(evaluate(tiny, result.plan).kpis())


def test_by_hand_flows_keep_their_costs_in_the_flow_table(tiny):
    plan = read_plan(scenario_folder("tiny") / "plans" / "by-hand.csv")
    evaluation = evaluate(tiny, plan)
    kpis = evaluation.kpis()
    for key in ("handling_cost", "storage_cost", "customs_cost", "tariff_cost", "spoilage_cost"):
        assert evaluation.flows[key].sum() == pytest.approx(kpis[key])
    assert kpis["spoilage_t"] == pytest.approx(evaluation.flows["spoiled_t"].sum())
    spoiled_value = (evaluation.flows["spoiled_t"] * 6000.0).sum()  # kiwi 6 CNY/kg
    assert kpis["spoilage_cost"] == pytest.approx(spoiled_value)


# ---------------------------------------------------------------------------------------
# Rejected plans name the row
# ---------------------------------------------------------------------------------------
GOOD_ROW = "coopA,coopA,fresh_kiwi,1,8,V1 > H_JS > M_CS,road > road-reefer,,0,true,6"


def write_plan_file(tmp_path: Path, rows: list[str], hubs: str = "H_JS,small") -> Path:
    path = tmp_path / "plan.csv"
    path.write_text("\n".join([PLAN_HEADER, *rows]) + "\n")
    (tmp_path / "plan.hubs.csv").write_text(f"hub,size\n{hubs}\n")
    return path


def rejection(network, path: Path) -> PlanError:
    plan = read_plan(path, label="plan.csv")
    with pytest.raises(PlanError) as info:
        evaluate(network, plan, label="plan.csv")
    return info.value


def test_rejects_a_product_a_market_does_not_admit(tmp_path, tiny):
    kiwi = tiny.products["fresh_kiwi"]
    cn_only = tiny.replace(
        products={**tiny.products, "fresh_kiwi": replace(kiwi, markets=frozenset({"CN"}))}
    )
    path = write_plan_file(
        tmp_path,
        [GOOD_ROW, f"firmB,firmB,fresh_kiwi,1,5,V3 > H_JS > BZ_CS > P_NS > M_BKK,{SEA},9710,0,,"],
    )
    with pytest.raises(PlanError, match=r"plan\.csv:3: product: expected a product admitted in TH"):
        evaluate(cn_only, read_plan(path, label="plan.csv"), label="plan.csv")


def test_rejects_a_leg_that_does_not_exist(tmp_path, tiny):
    # H_JS -> M_CS runs only as road-reefer (legs.csv)
    path = write_plan_file(
        tmp_path, [GOOD_ROW, "coopA,coopA,fresh_kiwi,1,2,V1 > H_JS > M_CS,road > road,,0,,"]
    )
    error = rejection(tiny, path)
    assert re.search(r"plan\.csv:3: services: .*no leg H_JS>M_CS:road\b", str(error))


@pytest.mark.parametrize(
    "row, field",
    [
        ("coopA,coopA,fresh_kiwi,1,2,V1 > H_JS > M_CS,road > road-reefer,,0,maybe,6", "precool"),
        (
            "coopA,coopA,fresh_kiwi,1,2,V1 > H_JS > M_CS,road > road-reefer,,1.5,true,6",
            "storage_weeks",
        ),
        (
            "coopA,coopA,fresh_kiwi,1,2,V1 > H_JS > M_CS,road > road-reefer,,0,true,soon",
            "wait_hours",
        ),
    ],
)
def test_rejects_a_plan_cell_it_cannot_read(tmp_path, row, field):
    # read before anything is scored: 'maybe' was read as no pre-cooling, 1.5 weeks as 1
    path = write_plan_file(tmp_path, [GOOD_ROW, row])
    with pytest.raises(ScenarioError) as info:
        read_plan(path, label="plan.csv")
    assert re.search(rf"plan\.csv:3: {field}: expected", str(info.value)), str(info.value)


def test_a_bad_hub_size_names_the_hubs_file_and_its_line(tmp_path, tiny):
    # it said "plan.csv.hubs: size: ..." with no line: a file that does not exist
    path = write_plan_file(tmp_path, [GOOD_ROW], hubs="H_JS,medium")
    error = rejection(tiny, path)
    assert "plan.hubs.csv:2: size: expected a size of H_JS (small, large), got medium" in str(error)


def test_rejects_a_week_outside_the_scenario(tmp_path, tiny):
    # tiny runs weeks 1 and 2; week 3 was reported only as more than V1 grows
    path = write_plan_file(
        tmp_path, [GOOD_ROW, "coopA,coopA,fresh_kiwi,3,2,V1 > H_JS > M_CS,road > road-reefer,,0,,"]
    )
    error = rejection(tiny, path)
    assert re.search(
        r"plan\.csv:3: week: expected a week of the scenario \(1 to 2\), got 3", str(error)
    )


def over_supply_rows() -> list[str]:
    # V1 grows 10 t of kiwi in week 1 (supply.csv): 8 + 3 = 11 t leave it
    return [GOOD_ROW, "coopA,coopA,fresh_kiwi,1,3,V1 > H_JS > M_CS,road > road-reefer,,0,,"]


def test_rejects_more_flow_out_of_a_village_than_it_grows(tmp_path, tiny):
    error = rejection(tiny, write_plan_file(tmp_path, over_supply_rows()))
    assert re.search(
        r"plan\.csv(:\d+)?: tonnes: .*10 t V1 grows of fresh_kiwi in week 1 .*, got 11 t",
        str(error),
    )


def test_over_supply_message_names_a_row(tmp_path, tiny):
    error = rejection(tiny, write_plan_file(tmp_path, over_supply_rows()))
    (problem,) = [p for p in error.problems if "V1 grows" in p.expected]
    assert problem.line in (2, 3)


def over_capacity_rows() -> list[str]:
    # H_JS small takes 20 t/week (hub_sizes.csv); 10 + 6 + 5 = 21 t reach it in week 1
    return [
        "coopA,coopA,fresh_kiwi,1,10,V1 > H_JS > M_CS,road > road-reefer,,0,,",
        "coopA,coopA,fresh_kiwi,1,6,V2 > H_JS > M_CS,road > road-reefer,,0,,",
        "firmB,firmB,fresh_kiwi,1,5,V3 > H_JS > M_CS,road > road-reefer,,0,,",
    ]


def test_rejects_a_hub_over_its_size_throughput(tmp_path, tiny):
    error = rejection(tiny, write_plan_file(tmp_path, over_capacity_rows()))
    assert re.search(r"at most 20 t through H_JS \(small\) in week 1 .*, got 21\.000 t", str(error))
    # the large size (60 t/week) takes it
    evaluate(tiny, replace(read_plan(tmp_path / "plan.csv"), hubs={"H_JS": "large"}))


def test_over_capacity_message_names_a_row(tmp_path, tiny):
    error = rejection(tiny, write_plan_file(tmp_path, over_capacity_rows()))
    (problem,) = [p for p in error.problems if "through H_JS" in p.expected]
    assert problem.line in (2, 3, 4)


def test_rejects_a_hub_the_plan_does_not_open(tmp_path, tiny):
    path = write_plan_file(
        tmp_path, [GOOD_ROW, "firmB,firmB,fresh_kiwi,1,5,V3 > H_FH > M_CS,road > road-reefer,,0,,"]
    )
    error = rejection(tiny, path)
    assert re.search(
        r"plan\.csv:3: path: expected a hub the plan opens \(H_JS\), got H_FH", str(error)
    )


def test_rejects_a_firm_shipping_another_firms_village(tmp_path, tiny):
    path = write_plan_file(
        tmp_path, [GOOD_ROW, "coopA,coopA,fresh_kiwi,1,5,V3 > H_JS > M_CS,road > road-reefer,,0,,"]
    )
    error = rejection(tiny, path)
    assert re.search(r"plan\.csv:3: firm: expected firmB \(who owns V3\), got coopA", str(error))


def test_every_bad_row_is_reported_at_once_and_the_command_exits_2(tmp_path, capsys, tiny):
    path = write_plan_file(
        tmp_path,
        [
            GOOD_ROW,
            "coopA,coopA,fresh_kiwi,1,2,V1 > H_JS > M_CS,road > road,,0,,",
            "firmB,firmB,fresh_kiwi,1,5,V3 > H_FH > M_CS,road > road-reefer,,0,,",
            "coopA,coopA,fresh_kiwi,2,5,V3 > H_JS > M_CS,road > road-reefer,,0,,",
        ],
    )
    lines = {p.line for p in rejection(tiny, path).problems}
    assert {3, 4, 5} <= lines
    code = main(["evaluate", "tiny", "--plan", str(path), "--out", str(tmp_path / "run")])
    assert code == 2
    err = capsys.readouterr().err
    for text in ("plan.csv:3: services", "plan.csv:4: path", "plan.csv:5: firm"):
        assert text in err
    assert not (tmp_path / "run").exists()


# ---------------------------------------------------------------------------------------
# Tariff regimes change exactly the costs they should
# ---------------------------------------------------------------------------------------
REGIMES_TOML = """
[[regimes]]
name = "duty20"
effective = "2026-01-01"
description = "test: 20% duty on TH kiwi"

[[regimes]]
name = "duty20-vat7"
effective = "2026-01-02"
description = "test: 20% duty on TH kiwi, 7% VAT on every good entering TH"

[[regimes]]
name = "de-minimis"
effective = "2026-01-03"
description = "test: 10% on TH embroidery, TH parcels exempt"
de_minimis = ["TH"]

[[regimes]]
name = "elsewhere"
effective = "2026-01-04"
description = "test: duties that touch none of the plan's flows"
"""
REGIMES_CSV = """duty20,TH,0810,mfn,0.2,test
duty20-vat7,TH,0810,mfn,0.2,test
duty20-vat7,TH,*,vat,0.07,test
de-minimis,TH,5810,mfn,0.1,test
elsewhere,US,*,mfn,1.0,test: no US market in tiny
elsewhere,CN,*,mfn,0.5,test: the domestic market is not an import
elsewhere,TH,0813,mfn,0.5,test: dried kiwi is not shipped
"""
# Customs value per tonne imported into TH (tiny's [countries.TH]: CIF): the declared
# export value (scenario.toml export_value_cny_per_kg: kiwi 7.2, embroidery 480 CNY/kg)
# plus freight from the last Chinese node to M_BKK at the leg's full-load rate (legs.csv:
# P_NS>M_BKK sea-reefer 13000 per 7 t container; BZ_CS>M_BKK parcel 9000/t), plus
# insurance: [trade] insurance_rate 0.005 on cost and freight + 10%.
INSURED = 1.0 + 0.005 * 1.1
CV_KIWI_SEA = (7200.0 + 13000.0 / 7.0) * INSURED  # 9106.96
CV_EMB_PARCEL = (480000.0 + 9000.0) * INSURED  # 491689.50
CV_EMB_SEA = (480000.0 + 13000.0 / 7.0) * INSURED  # 484507.36
TRADE_PLAN = Plan(
    "trade",
    {"H_JS": "small"},
    (
        flow(
            "V1 > H_JS > M_CS",
            "road > road-reefer",
            8,
            firm="coopA",
            product="fresh_kiwi",
            precool=True,
        ),
        flow(
            "V3 > H_JS > BZ_CS > P_NS > M_BKK",
            SEA,
            5,
            product="fresh_kiwi",
            customs_mode="9710",
            precool=True,
        ),
        flow("V3 > H_JS > BZ_CS > M_BKK", "road > road-reefer > parcel", 0.2, customs_mode="9610"),
        flow("V3 > H_JS > BZ_CS > P_NS > M_BKK", SEA, 0.1, customs_mode="9710"),
    ),
)
TRADE_KPIS = ("tariff_cost", "total_cost", "margin", "duty", "import_vat", "import_vat_recovered")


@pytest.fixture(scope="module")
def trade_network(scenario_copy):
    folder = scenario_copy("tiny")
    folder.append("scenario.toml", REGIMES_TOML)
    folder.write("tariffs.csv", "regime,country,hs_prefix,part,rate,source\n" + REGIMES_CSV)
    return folder.load()


def test_tariff_regimes_change_only_the_tariff_cost(trade_network):
    base = evaluate(trade_network, TRADE_PLAN)  # default: "today", no parts
    assert base.kpis()["tariff_cost"] == 0.0
    kiwi_t = base.flows["delivered_t"].iloc[1]  # kiwi delivered at M_BKK, a little under 5 t
    assert 4.5 < kiwi_t < 5.0
    # M_BKK is the path's first node in TH: the tonnes imported are the tonnes delivered
    assert base.flows["imported_t"].iloc[1] == pytest.approx(kiwi_t)
    parcel_t = 0.2  # embroidery does not decay
    expected = {
        "today": 0.0,
        # 20% on the customs value (not on the 20000 CNY/t selling price)
        "duty20": 0.2 * kiwi_t * CV_KIWI_SEA,
        # VAT on the duty-paid value: a wholesale importer (9710) recovers it, so only the
        # retail parcel (9610, imported for a consumer) bears its 7%
        "duty20-vat7": 0.2 * kiwi_t * CV_KIWI_SEA + 0.07 * parcel_t * CV_EMB_PARCEL,
        # de minimis: a 0.5 kg parcel's goods are worth 480 * 0.5 = 240 CNY, within TH's
        # 310: the parcel pays no duty; the sea lot (0.1 t, wholesale) pays 10%
        "de-minimis": 0.1 * 0.1 * CV_EMB_SEA,
        "elsewhere": 0.0,
    }
    assert set(expected) == set(trade_network.regimes)
    for regime, tariff in expected.items():
        evaluation = evaluate(trade_network, TRADE_PLAN, regime=regime)
        kpis = evaluation.kpis()
        assert kpis["tariff_cost"] == pytest.approx(tariff, abs=CENT), regime
        for key, value in base.kpis().items():
            if key in TRADE_KPIS or key.startswith("margin."):
                continue
            assert kpis[key] == pytest.approx(value, rel=1e-12, abs=1e-12), (regime, key)
        assert kpis["total_cost"] - kpis["tariff_cost"] == pytest.approx(
            base.kpis()["total_cost"], abs=CENT
        )
        # the domestic flow never pays a tariff
        assert evaluation.flows["tariff_cost"].iloc[0] == 0.0


def test_recovered_vat_is_reported_but_not_a_cost(trade_network):
    kpis = evaluate(trade_network, TRADE_PLAN, regime="duty20-vat7").kpis()
    kiwi_t = evaluate(trade_network, TRADE_PLAN).flows["delivered_t"].iloc[1]
    recovered = 0.07 * (kiwi_t * CV_KIWI_SEA * 1.2 + 0.1 * CV_EMB_SEA)
    assert kpis["import_vat_recovered"] == pytest.approx(recovered, abs=CENT)
    assert kpis["import_vat"] == pytest.approx(recovered + 0.07 * 0.2 * CV_EMB_PARCEL, abs=CENT)
    assert kpis["duty"] == pytest.approx(0.2 * kiwi_t * CV_KIWI_SEA, abs=CENT)


def test_de_minimis_exempts_only_parcel_paths(trade_network):
    flows = evaluate(trade_network, TRADE_PLAN, regime="de-minimis").flows
    assert list(flows["tariff_cost"]) == pytest.approx([0.0, 0.0, 0.0, 0.1 * 0.1 * CV_EMB_SEA])


@pytest.mark.parametrize(
    ("threshold", "parcel_duty"),
    # the parcel's goods: 480 CNY/kg x 0.5 kg = 240 CNY; relief up to and including it
    [(240.0, 0.0), (239.99, 0.1 * 0.2 * CV_EMB_PARCEL), (0.0, 0.1 * 0.2 * CV_EMB_PARCEL)],
)
def test_de_minimis_threshold_edges(trade_network, threshold, parcel_duty):
    terms = replace(trade_network.countries["TH"], de_minimis_cny=threshold)
    network = trade_network.replace(countries={"TH": terms})
    flows = evaluate(network, TRADE_PLAN, regime="de-minimis").flows
    assert flows["tariff_cost"].iloc[2] == pytest.approx(parcel_duty, abs=CENT)


def test_an_unknown_regime_is_invalid_input(trade_network):
    with pytest.raises(ValueError, match="regime: expected one of"):
        evaluate(trade_network, TRADE_PLAN, regime="no-such-regime")


# ---------------------------------------------------------------------------------------
# Loss never falls as a leg gets longer, nor as it gets warmer (above 0 deg C)
# ---------------------------------------------------------------------------------------
KIWI = ShelfLife()
# Softening only (issue 16): rot falls as a lot waits warm before cooling (curing, FACTS
# 1.5), so the monotonicity below holds for the softening part, not for rot.
SOFT = replace(KIWI, rot_uncured_fraction=0.0)
segments_st = st.lists(
    st.builds(
        Segment,
        hours=st.floats(0, 400),
        temp_c=st.floats(-1.5, 35),
        atmosphere=st.sampled_from(["air", "ca"]),
        kind=st.sampled_from(["precool_wait", "leg", "dwell", "storage", "customs", "precool"]),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(segments=segments_st, data=st.data())
def test_path_loss_never_falls_as_a_segment_gets_longer(segments, data):
    i = data.draw(st.integers(0, len(segments) - 1))
    extra = data.draw(st.floats(0, 300))
    longer = list(segments)
    longer[i] = replace(segments[i], hours=segments[i].hours + extra)
    before = SOFT.path_loss(LotHistory(tuple(segments))).loss_fraction
    after = SOFT.path_loss(LotHistory(tuple(longer))).loss_fraction
    assert after >= before - 1e-12


@settings(max_examples=60, deadline=None)
@given(segments=segments_st, data=st.data())
def test_path_loss_never_falls_as_a_segment_gets_warmer_above_chilling(segments, data):
    # above the chilling threshold (1 deg C since issue 16, Lallu 1997) there is no
    # chilling to trade off
    warm = [replace(s, temp_c=max(s.temp_c, KIWI.chill_threshold_c + 0.01)) for s in segments]
    i = data.draw(st.integers(0, len(warm) - 1))
    delta = data.draw(st.floats(0, 20))
    warmer = list(warm)
    warmer[i] = replace(warm[i], temp_c=warm[i].temp_c + delta)
    before = SOFT.path_loss(LotHistory(tuple(warm))).loss_fraction
    after = SOFT.path_loss(LotHistory(tuple(warmer))).loss_fraction
    assert after >= before - 1e-12


ONE_FLOW = Plan(
    "one",
    {"H_JS": "small"},
    (
        flow(
            "V1 > H_JS > M_CS",
            "road > road-reefer",
            5,
            firm="coopA",
            product="fresh_kiwi",
            precool=True,
        ),
    ),
)


def one_flow_loss(network) -> float:
    evaluation = evaluate(network, ONE_FLOW)
    return float(evaluation.flows["loss_fraction"].iloc[0])


def with_leg(network, leg_id: str, **changes):
    return network.replace(
        legs=tuple(replace(leg, **changes) if leg.id == leg_id else leg for leg in network.legs)
    )


# On V1 > H_JS > M_CS nothing after either leg takes the calendar's ambient (the hub
# pre-cools, the last leg is a reefer), so a longer leg changes only its own hours. Where
# an ambient leg follows (a parcel leg after a bonded zone), a longer earlier leg can move
# it into a cooler week and the loss can fall: tiny's kiwi on V3 > H_JS > BZ_CS > M_BKK
# loses 14.3% with H_JS>BZ_CS at 123 h and 11.9% at 140 h (the parcel leg then runs at
# week 2's 18 deg C instead of week 1's 20 deg C).
@settings(max_examples=15, deadline=None)
@given(
    leg_id=st.sampled_from(["V1>H_JS:road", "H_JS>M_CS:road-reefer"]),
    hours=st.floats(0, 200),
    extra=st.floats(0, 200),
)
def test_evaluator_loss_never_falls_as_a_leg_gets_longer(leg_id, hours, extra, tiny):
    shorter = one_flow_loss(with_leg(tiny, leg_id, hours=hours))
    longer = one_flow_loss(with_leg(tiny, leg_id, hours=hours + extra))
    assert longer >= shorter - 1e-12
    if extra > 1:
        assert longer > shorter  # kiwi ages at every temperature


@settings(max_examples=15, deadline=None)
@given(ambient=st.floats(0.5, 35), reefer=st.floats(0.5, 15), delta=st.floats(0, 15))
def test_evaluator_loss_never_falls_as_it_gets_warmer(ambient, reefer, delta, tiny):
    def network(ambient_c: float, reefer_c: float):
        weeks = len(tiny.periods.labels)
        periods = replace(tiny.periods, ambient_temp_c=(ambient_c,) * weeks)
        return with_leg(tiny, "H_JS>M_CS:road-reefer", temp_c=reefer_c).replace(periods=periods)

    base = one_flow_loss(network(ambient, reefer))
    assert one_flow_loss(network(ambient + delta, reefer)) >= base - 1e-12  # village and road
    assert one_flow_loss(network(ambient, reefer + delta)) >= base - 1e-12  # reefer set point


# ---------------------------------------------------------------------------------------
# Survival factors multiply along a path
# ---------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(segments=segments_st)
def test_survival_factors_multiply_along_a_path(segments):
    # no delay penalty: cooling counts as started at harvest
    product = math.prod(KIWI.survival(s.hours, s.temp_c, s.atmosphere) for s in segments)
    history = LotHistory(tuple(segments), hours_before_cooling=0.0)
    assert product == pytest.approx(KIWI.path_survival(history), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(segments=segments_st, data=st.data())
def test_survival_factors_multiply_with_the_delay_split_at_the_grace(segments, data):
    # hours past the curing grace and before cooling carry the delay penalty: split each
    # segment there and flag that part uncooled_past_grace
    total = sum(s.hours for s in segments)
    cooling = data.draw(st.floats(0, total)) if total > 0 else 0.0
    grace = KIWI.curing_grace_hours
    product, start = 1.0, 0.0
    for s in segments:
        end = start + s.hours
        late = min(max(0.0, min(end, cooling) - max(start, grace)), s.hours)
        product *= KIWI.survival(late, s.temp_c, s.atmosphere, uncooled_past_grace=True)
        product *= KIWI.survival(max(s.hours - late, 0.0), s.temp_c, s.atmosphere)
        start = end
    history = LotHistory(tuple(segments), hours_before_cooling=cooling)
    assert product == pytest.approx(KIWI.path_survival(history), abs=1e-9)


def test_survival_factors_multiply_along_the_by_hand_paths(tiny):
    plan = read_plan(scenario_folder("tiny") / "plans" / "by-hand.csv")
    kiwi = tiny.products["fresh_kiwi"].shelf_life
    for f in plan.flows:
        if f.product != "fresh_kiwi":
            continue
        legs = tuple(tiny.legs_by_id[i] for i in f.leg_ids)
        atmosphere = tiny.nodes[f.county_hub].size(plan.hubs[f.county_hub]).atmosphere
        timeline = lot_history(
            tiny,
            f.nodes,
            legs,
            f.week,
            f.storage_weeks,
            f.precool,
            f.wait_hours,
            f.customs_mode,
            atmosphere,
        )
        segments = timeline.history.segments
        # these lots are cooled within the curing grace: no delay penalty
        assert kiwi.path_loss(timeline.history).delay_days_at_ref == 0.0
        product = math.prod(kiwi.survival(s.hours, s.temp_c, s.atmosphere) for s in segments)
        assert product == pytest.approx(kiwi.path_survival(timeline.history), abs=1e-9)
        # and the evaluator's survival view is that product
        row = evaluate(tiny, replace(plan, flows=(f,))).flows.iloc[0]
        assert 1 - row["survival_view_loss_fraction"] == pytest.approx(product, abs=1e-9)


def test_evaluate_kpis_json_is_the_library_call_s_kpis(tmp_path, tiny):
    # `coldchain evaluate tiny --plan by-hand` is evaluate(tiny, read_plan(plan_file(...)))
    import json

    from instances import plan_file
    from results.runs import run_figures

    out = tmp_path / "run"
    assert main(["evaluate", "tiny", "--plan", "by-hand", "--out", str(out)]) == 0
    written = json.loads((out / "kpis.json").read_text())
    path = plan_file(tiny, "by-hand")
    expected = evaluate(tiny, read_plan(path, label=path.name)).kpis()
    assert run_figures(written) == json.loads(json.dumps(expected))
    assert written["command"] == "evaluate" and written["param_plan"] == "by-hand"
    assert list(run_figures(written)) == list(expected)  # nothing added, nothing reordered
