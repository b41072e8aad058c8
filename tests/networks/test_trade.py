"""Trade: duty and import VAT on the customs value, de minimis, customs modes, access.

Every expected figure is computed by hand from the rule's definition (customs value,
duty on it, VAT on value plus duty, recovered by a registered wholesale importer) or
from the scenario's numbers, cited next to it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from instances import load_scenario
from networks import (
    ImportTerms,
    MarketAccess,
    PathFlow,
    Plan,
    PlanError,
    ScenarioError,
    TariffPart,
    TariffRegime,
    Valuation,
    import_duty_and_vat,
    mode_carries,
)
from optimizer.cli.main import main
from optimizer.design.data import build_design_data
from results.evaluate import evaluate

EU = TariffRegime(
    "eu",
    "2025-01-01",
    parts=(
        TariffPart("NL", "0810", "mfn", 0.088),
        TariffPart("NL", "0810", "vat", 0.09),
        TariffPart("MY", "0810", "vat", 0.05),
        TariffPart("US", "0810", "mfn", 0.45),
    ),
    de_minimis=frozenset({"NL"}),
)
NL = ImportTerms("NL", Valuation.CIF, True, 1230.0)


def test_duty_and_vat_on_a_cif_value_by_hand():
    # goods 10,000 CNY/t FOB, freight to the border 2,000, insurance 0.5% on 110% of
    # cost and freight: customs value 12,000 x 1.0055 = 12,066; duty 8.8% = 1,061.808;
    # VAT 9% on 12,066 + 1,061.808 = 1,181.50272
    value, duty, vat, borne, relieved = import_duty_and_vat(
        EU, NL, "0810.50", "9710", 10_000.0, 2_000.0, 0.005, 0.001
    )
    assert value == pytest.approx(12_066.0)
    assert duty == pytest.approx(1_061.808)
    assert vat == pytest.approx(1_181.50272)
    assert borne == 0.0  # a registered wholesale importer (9710) recovers it
    assert not relieved


def test_the_duty_is_not_on_the_selling_price():
    # the same goods sold at 26,000 CNY/t in Rotterdam pay 8.8% of their customs value,
    # 1,061.81, not 8.8% of 26,000 = 2,288 (the rule before issue #16)
    _, duty, *_ = import_duty_and_vat(EU, NL, "0810.50", "0110", 10_000.0, 2_000.0, 0.005, 1.0)
    assert duty == pytest.approx(0.088 * 12_066.0)
    assert duty < 0.088 * 26_000.0


def test_a_fob_country_leaves_freight_and_insurance_out():
    us = ImportTerms("US", Valuation.FOB)
    value, duty, vat, borne, _ = import_duty_and_vat(
        EU, us, "0810.50", "9710", 10_000.0, 2_000.0, 0.005, 1.0
    )
    assert (value, duty, vat, borne) == pytest.approx((10_000.0, 4_500.0, 0.0, 0.0))


def test_retail_parcels_and_unrecoverable_taxes_bear_the_vat():
    # a retail parcel (9610, 1210) is imported for a consumer: the VAT is a cost
    for mode in ("9610", "1210"):
        *_, vat, borne, _ = import_duty_and_vat(
            EU, NL, "0810.50", mode, 10_000.0, 2_000.0, 0.005, 1.0
        )
        assert borne == pytest.approx(vat) and vat > 0
    # Malaysia's sales tax is not deducted by a trading importer, wholesale or not:
    # 5% of the CIF value 12,066 (no duty under ACFTA) = 603.30
    my = ImportTerms("MY", Valuation.CIF, vat_recoverable=False)
    *_, vat, borne, _ = import_duty_and_vat(
        EU, my, "0810.50", "0110", 10_000.0, 2_000.0, 0.005, 1.0
    )
    assert vat == pytest.approx(603.3) and borne == pytest.approx(603.3)


@pytest.mark.parametrize(
    ("parcel_kg", "relieved"),
    # goods of 10,000 CNY/t = 10 CNY/kg against NL's 1,230 CNY threshold (EUR 150 x 8.2)
    [(123.0, True), (123.001, False), (1.0, True)],
)
def test_de_minimis_threshold_edges_on_the_goods_value(parcel_kg, relieved):
    # the goods' value, freight and insurance left out (the EU's intrinsic value)
    value, duty, vat, _, got = import_duty_and_vat(
        EU, NL, "0810.50", "9610", 10_000.0, 2_000.0, 0.005, parcel_kg / 1000.0
    )
    assert got is relieved
    assert duty == pytest.approx(0.0 if relieved else 0.088 * value)
    assert vat == pytest.approx(0.09 * (value + duty))  # VAT is due whatever the value


def test_de_minimis_only_for_retail_parcels_and_where_the_regime_applies_it():
    # a wholesale consignment of the same small value pays duty
    assert not import_duty_and_vat(EU, NL, "0810", "9710", 10_000.0, 0.0, 0.0, 0.001)[4]
    # a regime that withdraws the relief (the EU from 1 July 2026) charges the parcel
    withdrawn = replace(EU, de_minimis=frozenset())
    _, duty, *_ = import_duty_and_vat(withdrawn, NL, "0810", "9610", 10_000.0, 0.0, 0.0, 0.001)
    assert duty == pytest.approx(880.0)


@pytest.mark.parametrize(
    ("mode", "parcel", "warehouse", "carries"),
    [
        ("0110", False, False, True),  # general trade: wholesale containers
        ("0110", False, True, True),  # to one's own warehouse abroad
        ("0110", True, False, False),  # not retail parcels
        ("1210", True, False, True),  # bonded e-commerce: retail parcels
        ("1210", False, False, False),  # not wholesale containers
        ("1210", False, True, False),
        ("9610", True, False, True),
        ("9610", False, False, False),
        ("9710", False, False, True),
        ("9710", False, True, False),
        ("9810", False, True, True),
        ("9810", False, False, False),
        ("9810", True, True, False),
    ],
)
def test_each_mode_carries_only_what_it_may(mode, parcel, warehouse, carries):
    assert mode_carries(mode, parcel, warehouse) is carries


SEA = "road > road-reefer > road-reefer > sea-reefer"


def _flow(path, services, tonnes, mode, product="embroidery"):
    nodes, legs = tuple(path.split(" > ")), tuple(services.split(" > "))
    return PathFlow("firmB", "firmB", product, 1, tonnes, nodes, legs, mode)


@pytest.fixture(scope="module")
def modes_network(scenario_copy):
    """tiny with BZ_CS running 0110 and 1210 too."""
    folder = scenario_copy("tiny")
    folder.edit("nodes.csv", "9610;9710;9810", "0110;9610;9710;9810;1210")
    folder.append(
        "scenario.toml",
        "\n[customs.0110]\nfee_cny_per_t = 10.0\n[customs.1210]\nfee_cny_per_t = 5.0\n",
    )
    return folder.load()


def _plan(*flows):
    return Plan("modes", {"H_JS": "small"}, tuple(flows))


def test_general_trade_clears_wholesale_and_bonded_e_commerce_only_parcels(modes_network):
    sea = "V3 > H_JS > BZ_CS > P_NS > M_BKK"
    parcel = ("V3 > H_JS > BZ_CS > M_BKK", "road > road-reefer > parcel")
    # accepted: 0110 on the sea container path, 1210 on the parcel path
    kpis = evaluate(modes_network, _plan(_flow(sea, SEA, 0.1, "0110"), _flow(*parcel, 0.1, "1210")))
    assert kpis.kpis()["customs_cost"] == pytest.approx(10.0 * 0.1 + 5.0 * 0.1)
    for bad in (_flow(sea, SEA, 0.1, "1210"), _flow(*parcel, 0.1, "0110")):
        with pytest.raises(PlanError, match="customs_mode: expected a mode that may carry"):
            evaluate(modes_network, _plan(bad))


def test_the_design_model_offers_1210_only_on_parcel_routes(modes_network):
    data = build_design_data(modes_network)
    modes = {(r.customs_mode, r.legs[-1].mode.value) for r in data.routes if r.customs_mode}
    assert ("1210", "parcel") in modes and ("1210", "sea") not in modes
    assert ("0110", "sea") in modes and ("0110", "parcel") not in modes


def test_an_unmet_access_condition_closes_the_market(tiny):
    kiwi = tiny.products["fresh_kiwi"]
    closed = MarketAccess("TH", frozenset({"CN"}), "registered orchards", met=False)
    from_nz = MarketAccess("TH", frozenset({"NZ"}), "a protocol with NZ only")
    assert kiwi.admitted_in("TH", "CN")
    assert not replace(kiwi, access={"TH": closed}).admitted_in("TH", "CN")
    assert not replace(kiwi, access={"TH": from_nz}).admitted_in("TH", "CN")
    network = tiny.replace(
        products={**tiny.products, "fresh_kiwi": replace(kiwi, access={"TH": closed})}
    )
    plan = _plan(_flow("V3 > H_JS > BZ_CS > P_NS > M_BKK", SEA, 1.0, "9710", "fresh_kiwi"))
    with pytest.raises(PlanError, match="admitted in TH from CN .*registered orchards"):
        evaluate(network, plan)
    data = build_design_data(network)
    routed = {(data.routes[r].market, p) for r, p, _ in data.route_survival}
    assert ("M_BKK", "fresh_kiwi") not in routed and ("M_BKK", "embroidery") in routed


def test_a_scenario_whose_access_condition_is_unmet_loads_and_serves_nothing_there(
    scenario_copy,
):
    folder = scenario_copy("tiny")
    folder.edit(
        "scenario.toml",
        "[products.fresh_kiwi.shelf_life]",
        '[products.fresh_kiwi.access.TH]\norigins = ["CN"]\ncondition = "registered orchards"\n'
        "met = false\n[products.fresh_kiwi.shelf_life]",
    )
    network = folder.load()  # TH's kiwi demand stays valid input
    assert not network.products["fresh_kiwi"].admitted_in("TH", "CN")
    data = build_design_data(network)
    assert all(
        (data.routes[r].market, p) != ("M_BKK", "fresh_kiwi") for r, p, _ in data.route_survival
    )


def test_an_old_scenario_without_the_trade_fields_loads_with_the_defaults(scenario_copy):
    # tiny as it was before issue #16: no [trade], no [countries.XX], no export values
    folder = scenario_copy("tiny")
    text = (folder / "scenario.toml").read_text(encoding="utf-8")
    text = text[: text.index("[trade]")] + text[text.index("[products.fresh_kiwi]") :]
    lines = [x for x in text.splitlines(True) if not x.startswith("export_value_cny_per_kg")]
    (folder / "scenario.toml").write_text("".join(lines), encoding="utf-8")
    network = folder.load()
    assert network.countries == {}
    assert network.trade.insurance_rate == 0.003 and network.trade.parcel_kg == 1.0
    kiwi = network.products["fresh_kiwi"]
    assert kiwi.export_value_cny_per_t == kiwi.value_cny_per_kg * 1000.0  # the purchase value


def test_a_de_minimis_without_its_threshold_stops_naming_the_field(scenario_copy, capsys):
    folder = scenario_copy("tiny")
    folder.append("scenario.toml", '\n[[regimes]]\nname = "old"\nde_minimis = ["US"]\n')
    with pytest.raises(ScenarioError, match=r"countries\.US\.de_minimis_cny: expected the "):
        load_scenario(str(folder))
    assert main(["validate", str(folder)]) == 2
    assert "countries.US.de_minimis_cny" in capsys.readouterr().err
