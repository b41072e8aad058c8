"""Money columns given in another currency are converted with [currency_rates]."""

import pandas as pd
import pytest

from instances import load_folder
from networks.errors import ScenarioError


@pytest.fixture
def tiny_copy(scenario_copy):
    return scenario_copy("tiny")


def test_leg_cost_in_usd_is_converted_at_the_scenario_rate(tiny_copy):
    legs = pd.read_csv(tiny_copy / "legs.csv", dtype=str, keep_default_na=False)
    row = legs.index[(legs["origin"] == "P_NS") & (legs["destination"] == "M_BKK")][0]
    legs["currency"] = ""
    legs.loc[row, "currency"] = "USD"
    legs.loc[row, "cost_cny_per_trip"] = "2000"  # USD per container
    legs.to_csv(tiny_copy / "legs.csv", index=False)
    network = load_folder(tiny_copy)
    # tiny's scenario.toml sets USD = 7.1 CNY: 2000 USD = 14,200 CNY
    assert network.leg("P_NS", "M_BKK", "sea-reefer").cost_cny_per_trip == pytest.approx(14200.0)
    # other rows are untouched
    assert network.leg("H_JS", "M_CS", "road-reefer").cost_cny_per_trip == pytest.approx(2300.0)


def test_unknown_currency_names_file_line_and_rates(tiny_copy):
    demand = pd.read_csv(tiny_copy / "demand.csv", dtype=str, keep_default_na=False)
    demand["currency"] = ""
    demand.loc[2, "currency"] = "EUR"
    demand.to_csv(tiny_copy / "demand.csv", index=False)
    with pytest.raises(
        ScenarioError,
        match=r"demand\.csv:4: currency: expected a currency of "
        r"\[currency_rates\] \(CNY, USD\), got EUR",
    ):
        load_folder(tiny_copy)
