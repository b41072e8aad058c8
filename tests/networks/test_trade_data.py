"""The flagship's import terms against published rates (issue #16, point 4).

Each expected rate below is a published figure, cited next to it; none is read from the
scenario. Every market and product xiangxi-kiwi sells abroad (its demand rows) must have
a published VAT (or GST, sales tax) figure here, so a market added without one fails.
Rates the scenario marks ASSUMPTION (the EAEU duties, EU duties on dried kiwi and
embroidery) are not checked: no published figure was found for them.
"""

from __future__ import annotations

import pytest

from instances import load_scenario
from networks import Valuation

HS = {"fresh_kiwi": "0810.50", "dried_kiwi": "0813.40", "miao_embroidery": "5810.99"}

#: Import VAT, GST or sales tax by (country, product) in November 2025, the "today" regime.
VAT = {
    # NL reduced rate on food 9%, standard 21% (FACTS 4.2; EC TAXUD rates via
    # paulluuk/vat-rates, from 2019: reduced 9, standard 21)
    ("NL", "fresh_kiwi"): 0.09,
    ("NL", "miao_embroidery"): 0.21,
    # DE reduced rate on basic foodstuffs 7%, standard 19% (FACTS 4.2; docs.gobl.org/regimes/de)
    ("DE", "fresh_kiwi"): 0.07,
    ("DE", "dried_kiwi"): 0.07,
    ("DE", "miao_embroidery"): 0.19,
    # Thailand exempts unprocessed agricultural products (Revenue Code s. 81(1)(a))
    ("TH", "fresh_kiwi"): 0.0,
    # Malaysia: 5% sales tax on imported kiwi from 1 Jul 2025 (MOF, malaymail.com 2025-06-11)
    ("MY", "fresh_kiwi"): 0.05,
    # Singapore GST 9% on all imported goods from 1 Jan 2024 (GST (Amendment) Act 2022)
    ("SG", "fresh_kiwi"): 0.09,
    ("SG", "dried_kiwi"): 0.09,
    ("SG", "miao_embroidery"): 0.09,
    # UAE VAT 5% on imports (Federal Decree-Law No. 8 of 2017 Art. 3)
    ("AE", "fresh_kiwi"): 0.05,
    # Russia: 10% on fresh fruit (Decree No. 1952 of 31 Dec 2019), else 20% (Tax Code 164(3))
    ("RU", "fresh_kiwi"): 0.10,
    ("RU", "dried_kiwi"): 0.20,
    # The United States levies no federal VAT or GST on imports
    ("US", "dried_kiwi"): 0.0,
    ("US", "miao_embroidery"): 0.0,
}

#: Published ad valorem duties by (country, product), MFN or preferential for China.
DUTY = {
    ("NL", "fresh_kiwi"): 0.088,  # EU TARIC 0810 50 00 third-country duty (FACTS 4.1)
    ("DE", "fresh_kiwi"): 0.088,  # idem: one EU customs territory
    ("TH", "fresh_kiwi"): 0.0,  # ACFTA early harvest, ch. 08 at 0% since 2006 (FACTS 4.1)
    ("MY", "fresh_kiwi"): 0.0,  # idem
    ("SG", "fresh_kiwi"): 0.0,  # idem
    # Singapore levies duty on liquor, tobacco, motor vehicles and petroleum only
    # (customs.gov.sg "Duties and Dutiable Goods")
    ("SG", "dried_kiwi"): 0.0,
    ("SG", "miao_embroidery"): 0.0,
    # GCC common external tariff: fresh fruit exempt ('The Gulf Cooperation Council: A Rising
    # Power and Lessons for ASEAN', ch. 3, ISEAS), 5% on other goods (u.ae 2024)
    ("AE", "fresh_kiwi"): 0.0,
}

#: Customs value basis: the US values goods FOB (CBP: freight and insurance not dutiable);
#: the EU, the GCC and Singapore CIF (EU customs value to the border; GCC Common Customs
#: Law rules Art. 1(5); Singapore Customs, GST on the CIF value).
VALUATION = {"US": "fob", "NL": "cif", "DE": "cif", "AE": "cif", "SG": "cif"}


@pytest.fixture(scope="module")
def xiangxi():
    return load_scenario("xiangxi-kiwi")


def _sold_abroad(network) -> set[tuple[str, str]]:
    """(country, product) of every demand row outside the origin country."""
    country = {nid: node.country for nid, node in network.nodes.items()}
    rows = network.demand[["market", "product"]].drop_duplicates()
    pairs = {(country[m], p) for m, p in rows.itertuples(index=False)}
    return {(c, p) for c, p in pairs if c != "CN"}


def test_every_market_sold_to_abroad_has_a_published_vat(xiangxi):
    assert _sold_abroad(xiangxi) <= set(VAT), "a market without a published VAT figure"


@pytest.mark.parametrize(("country", "product"), sorted(VAT))
def test_import_vat_is_the_published_rate(xiangxi, country, product):
    regime = xiangxi.regimes["today"]
    assert regime.vat_rate(country, HS[product]) == pytest.approx(VAT[country, product])


@pytest.mark.parametrize(("country", "product"), sorted(DUTY))
def test_duty_is_the_published_rate(xiangxi, country, product):
    regime = xiangxi.regimes["today"]
    assert regime.duty_rate(country, HS[product]) == pytest.approx(DUTY[country, product])


#: Published MFN parts (the "mfn" part alone; surcharges are checked elsewhere).
MFN = {
    # EU TARIC 5810 99 10, embroidery of other textile materials over EUR 17.50/kg: 5.8%
    # (custom-tariffs-seo.pages.dev, TARIC accessed 2026-02-22)
    ("NL", "miao_embroidery"): 0.058,
    ("DE", "miao_embroidery"): 0.058,
    ("US", "dried_kiwi"): 0.025,  # HTSUS 0813.40.90 general rate (USITC data, dutydesk.app)
}


@pytest.mark.parametrize(("country", "product"), sorted(MFN))
def test_mfn_part_is_the_published_rate(xiangxi, country, product):
    rates = xiangxi.regimes["today"].rates(country, HS[product])
    assert rates["mfn"] == pytest.approx(MFN[country, product])


def test_gcc_duty_charges_goods_other_than_fresh_fruit(xiangxi):
    # the exemption is for fresh fruit: dried fruit and embroidery pay the 5% (u.ae 2024)
    regime = xiangxi.regimes["today"]
    assert regime.duty_rate("AE", HS["dried_kiwi"]) == pytest.approx(0.05)
    assert regime.duty_rate("AE", HS["miao_embroidery"]) == pytest.approx(0.05)


def test_russian_vat_rises_to_22_percent_in_2026_but_not_on_fresh_fruit(xiangxi):
    # 22% general from 1 Jan 2026, 10% kept for listed foods (Xonta Customs RU docs, 2026)
    later = xiangxi.regimes["eu-2026-07-01"]
    assert later.vat_rate("RU", HS["dried_kiwi"]) == pytest.approx(0.22)
    assert later.vat_rate("RU", HS["miao_embroidery"]) == pytest.approx(0.22)
    assert later.vat_rate("RU", HS["fresh_kiwi"]) == pytest.approx(0.10)


@pytest.mark.parametrize("country", sorted(VALUATION))
def test_customs_value_basis_is_the_published_one(xiangxi, country):
    assert xiangxi.countries[country].valuation == Valuation(VALUATION[country])


def test_every_foreign_market_of_fresh_kiwi_states_its_admission_condition(xiangxi):
    # plant-health admission is per product and country: each foreign market the flagship
    # admits fresh kiwi into names what admission requires and where that is said
    kiwi = xiangxi.products["fresh_kiwi"]
    for country in kiwi.markets - {"CN"}:
        access = kiwi.access.get(country)
        assert access is not None, country
        assert access.condition and access.source, country
        assert access.admits("CN"), country
    # the US admits no fresh kiwi from mainland China (APHIS lists Chile: FACTS 4.4)
    assert not kiwi.admitted_in("US", "CN")


@pytest.mark.parametrize(
    ("country", "amount", "currency"),
    [
        ("US", 800.0, "USD"),  # 19 USC 1321 (FACTS 4.3)
        ("NL", 150.0, "EUR"),  # Council Reg. (EC) 1186/2009 Art. 23
        ("DE", 150.0, "EUR"),  # idem
        ("RU", 200.0, "EUR"),  # EAEU personal-use parcels from 1 Jan 2020 (craneip.com)
    ],
)
def test_de_minimis_thresholds_are_the_published_amounts(xiangxi, country, amount, currency):
    threshold = xiangxi.countries[country].de_minimis_cny
    assert threshold == pytest.approx(amount * xiangxi.currency_rates[currency])


@pytest.mark.parametrize(
    ("country", "recoverable"),
    [
        ("NL", True),  # EU VAT Directive Art. 168(e): import VAT is deductible input tax
        ("DE", True),  # idem
        ("SG", True),  # IRAS: a GST-registered importer claims import GST as input tax
        ("TH", True),  # VAT paid at import is input VAT (Thai Revenue Code, sherrings.com)
        ("AE", True),  # Federal Decree-Law No. 8 of 2017: recoverable by a registered business
        ("MY", False),  # sales tax is single-stage with no credit mechanism (PwC Malaysia)
    ],
)
def test_whether_a_wholesale_importer_recovers_the_import_tax(xiangxi, country, recoverable):
    assert xiangxi.countries[country].vat_recoverable is recoverable
