"""``coldchain corridors``: ranked full paths from a village or hub to a market.

Each corridor's figures are checked against the evaluator scoring a one-row plan file
of the same path (written from ``corridors.csv`` as a user would write it), the ranking
against every allowed path, dominance marks against a brute-force pass over the listed
rows, the allowed paths against the design model's routes, and the reasons given for
the paths not allowed against variants of ``tiny`` built to break each rule.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from instances import read_plan
from networks.nodes import Market
from networks.plan import PATH_SEPARATOR
from networks.products import MarketAccess
from optimizer.cli.main import main
from optimizer.corridors import CORRIDOR_COLUMNS, CRITERIA, find_corridors, resolve_query
from optimizer.design.data import enumerate_routes
from results.evaluate import evaluate
from results.gis import read_geopackage
from results.report import page_figures


def _corridors(network, origin, market, **options):
    return find_corridors(network, resolve_query(network, origin, market, **options))


def _one_row_plan(network, row: pd.Series, folder: Path) -> Path:
    """A plan file holding the corridor's row, its hub open at its largest size."""
    village = network.nodes[row["village"]]
    plan = pd.DataFrame(
        [
            {
                "firm": village.firm,
                "shipper": row["shipper"],
                "product": row["product"],
                "week": int(row["week"]),
                "tonnes": float(row["tonnes"]),
                "path": row["path"],
                "services": row["services"],
                "customs_mode": row["customs_mode"],
                "storage_weeks": 0,
                "precool": network.products[row["product"]].perishable,
                "wait_hours": "",
            }
        ]
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"corridor-{int(row['rank'])}.csv"
    plan.to_csv(path, index=False)
    hub = network.nodes[row["hub"]]
    largest = max(hub.sizes, key=lambda s: s.throughput_t_per_week)
    pd.DataFrame([{"hub": hub.id, "size": largest.name}]).to_csv(
        path.with_name(path.stem + ".hubs.csv"), index=False
    )
    return path


@pytest.mark.parametrize(
    ("origin", "market", "options"),
    [
        ("V1", "M_BKK", {}),  # cross-border: sea, sea via a warehouse, parcel
        ("V3", "M_CS", {"tonnes": 3.3}),  # domestic, part of a truck on trip-priced legs
        ("V2", "M_BKK", {"tonnes": 4.0, "shipper": "3pl"}),  # two hubs, the 3PL's margin
    ],
)
def test_every_corridor_costs_what_the_evaluator_scores_for_its_one_row_plan(
    tiny, tmp_path, origin, market, options
):
    result = _corridors(tiny, origin, market, **options)
    assert len(result.corridors) >= 2
    for _, row in result.corridors.iterrows():
        plan = read_plan(_one_row_plan(tiny, row, tmp_path))
        kpis = evaluate(tiny, plan).kpis()
        cost = kpis["total_cost"] - kpis["hub_cost"]  # the hub is taken as open
        assert row["total_cost_cny"] == pytest.approx(cost, rel=1e-9)
        assert row["cost_cny_per_t"] == pytest.approx(cost / kpis["delivered_t"], rel=1e-9)
        assert row["delivered_t"] == pytest.approx(kpis["delivered_t"], rel=1e-9)
        assert row["days"] == pytest.approx(kpis["mean_delivery_days"], rel=1e-9)
        assert row["loss_fraction"] == pytest.approx(kpis["spoilage_rate"], rel=1e-9)
        assert row["co2e_kg_per_t"] == pytest.approx(
            kpis["co2_t"] * 1000 / kpis["delivered_t"], rel=1e-9
        )
        assert row["tariff_cny_per_t"] * row["delivered_t"] == pytest.approx(
            kpis["tariff_cost"], rel=1e-9, abs=1e-9
        )
        for part in ("transport", "handling", "customs", "purchase", "spoilage"):
            assert row[f"{part}_cny_per_t"] * kpis["delivered_t"] == pytest.approx(
                kpis[f"{part}_cost"], rel=1e-9
            )


def test_tariffs_and_vat_are_the_regimes(tiny):
    """Embroidery to Bangkok under a regime with duty and VAT: the row meets them."""
    from networks.trade import TariffPart, TariffRegime

    regime = TariffRegime(
        "test",
        "2025-01-01",
        parts=(TariffPart("TH", "5810", "mfn", 0.2), TariffPart("TH", "*", "vat", 0.07)),
    )
    network = tiny.replace(regimes={**tiny.regimes, "test": regime})
    result = _corridors(network, "V3", "M_BKK", product="embroidery", regime="test")
    row = result.corridors.iloc[0]
    assert row["duty_rate"] == pytest.approx(0.2) and row["vat_rate"] == pytest.approx(0.07)
    assert row["duty_cny_per_t_imported"] == pytest.approx(
        0.2 * row["customs_value_cny_per_t_imported"]
    )
    assert row["import_vat_cny_per_t_imported"] == pytest.approx(
        0.07 * 1.2 * row["customs_value_cny_per_t_imported"]
    )
    assert row["tariff_cny_per_t"] > 0


def test_ranked_by_cost_per_tonne_delivered_and_the_cheapest_are_listed(tiny):
    everything = _corridors(tiny, "V2", "M_BKK", paths=1000)
    assert everything.allowed == len(everything.corridors) > 3
    costs = everything.corridors["cost_cny_per_t"].tolist()
    assert costs == sorted(costs)
    assert everything.corridors["rank"].tolist() == list(range(1, len(costs) + 1))
    top = _corridors(tiny, "V2", "M_BKK", paths=3).corridors
    assert top["cost_cny_per_t"].tolist() == costs[:3]
    assert top["path"].tolist() == everything.corridors["path"].tolist()[:3]


def test_dominance_marks_match_a_brute_force_pass(tiny):
    marked = 0
    for origin, market in (("V1", "M_BKK"), ("V2", "M_BKK"), ("V3", "M_BKK"), ("V2", "M_CS")):
        frame = _corridors(tiny, origin, market, paths=1000).corridors
        for i, a in frame.iterrows():
            by = []
            for j, b in frame.iterrows():
                no_worse = all(b[c] <= a[c] for c in CRITERIA)
                better = any(b[c] < a[c] for c in CRITERIA)
                if i != j and no_worse and better:
                    by.append(str(int(b["rank"])))
            assert a["dominated_by"] == " ".join(by), (origin, market, a["path"])
            assert a["pareto"] == (not by)
            marked += bool(by)
    assert marked > 0  # some corridor is dominated, so the marks are exercised


@pytest.mark.parametrize("village", ["V1", "V2", "V3"])
@pytest.mark.parametrize("market", ["M_BKK", "M_CS"])
def test_allowed_paths_are_the_design_models_routes(tiny, village, market):
    """Allowed corridors = village legs x enumerate_routes' routes of its hubs to the market."""
    result = _corridors(tiny, village, market, paths=1000, tonnes=1.0)
    got = {
        (PATH_SEPARATOR.join(row.path.split(PATH_SEPARATOR)[1:]), row.customs_mode)
        for row in result.corridors.itertuples()
    }
    hubs = {leg.destination for leg in tiny.out_legs[village]}
    expected = {
        (PATH_SEPARATOR.join(r.nodes), r.customs_mode)
        for r in enumerate_routes(tiny)
        if r.hub in hubs and r.market == market
    }
    assert got == expected


def test_explain_names_a_customs_mode_exclusion(tiny, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["corridors", "tiny", "--from", "V1", "--to", "M_BKK", "--explain",
                 "--out", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "V1 > H_JS > BZ_CS > M_BKK [road > road-reefer > parcel] 9710: customs_mode: " in printed
    assert "a path ending in a parcel leg clears under 9610 or 1210" in printed
    excluded = pd.read_csv(out / "excluded.csv", dtype={"customs_mode": str})
    sea = excluded[
        (excluded["path"] == "V1 > H_JS > BZ_CS > P_NS > M_BKK")
        & (excluded["customs_mode"] == "9810")
    ]
    assert sea["reason"].tolist() == [
        "9810 is export to an overseas warehouse: the path passes none"
    ]


def test_explain_names_a_market_access_exclusion(tiny):
    kiwi = tiny.products["fresh_kiwi"]
    closed = replace(
        kiwi, access={"TH": MarketAccess("TH", frozenset({"CN"}), "registered orchards", met=False)}
    )
    network = tiny.replace(products={**tiny.products, "fresh_kiwi": closed})
    result = _corridors(network, "V1", "M_BKK")
    assert result.corridors.empty and result.allowed == 0
    assert set(result.excluded["rule"]) == {"market_access"}
    assert set(result.excluded["reason"]) == {
        "fresh_kiwi enters TH from CN only on terms: registered orchards, not met by the "
        "scenario's exporters"
    }
    barred = replace(kiwi, markets=frozenset({"CN"}))
    network = tiny.replace(products={**tiny.products, "fresh_kiwi": barred})
    reasons = set(_corridors(network, "V1", "M_BKK").excluded["reason"])
    assert reasons == {"fresh_kiwi is not admitted in TH (products.fresh_kiwi.markets)"}


def test_explain_names_a_shelf_life_exclusion(tiny):
    """A market that takes fruit at most 8 days old shuts the sea paths (9.8 days and more)."""
    bangkok = tiny.nodes["M_BKK"]
    strict = Market(**{k: getattr(bangkok, k) for k in ("id", "name", "lon", "lat", "country")},
                    max_age_days=8.0)  # fmt: skip
    network = tiny.replace(nodes={**tiny.nodes, "M_BKK": strict})
    result = _corridors(network, "V1", "M_BKK")
    assert result.corridors["path"].tolist() == ["V1 > H_JS > BZ_CS > M_BKK"]  # the parcel
    shelf = result.excluded[result.excluded["rule"] == "shelf_life"]
    assert len(shelf) == 2
    assert all("more than the 8 days M_BKK accepts (max_age_days)" in r for r in shelf["reason"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "NOWHERE", "--to", "M_BKK"], "--from: from: expected a village or county_hub"),
        (["--from", "BZ_CS", "--to", "M_BKK"], "got BZ_CS, a bonded_zone"),
        (["--from", "V1", "--to", "M_XX"], "--to: to: expected a market id of nodes.csv"),
        (["--from", "V1", "--to", "M_BKK", "--product", "durian"], "--product: product: expected"),
        (["--from", "V1", "--to", "M_BKK", "--product", "embroidery"], "a product V1 grows"),
        (["--from", "V1", "--to", "M_BKK", "--week", "9"], "--week: week: expected a week of"),
        (["--from", "V1", "--to", "M_BKK", "--regime", "nope"], "--regime: regime: expected"),
        (["--from", "V1", "--to", "M_BKK", "--shipper", "firmB"], "expected coopA or 3pl"),
    ],
)
def test_bad_arguments_exit_2_naming_the_argument(tmp_path, capsys, arguments, message):
    out = tmp_path / "run"
    assert main(["corridors", "tiny", *arguments, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_week_the_village_does_not_harvest_needs_tonnes(tiny):
    network = tiny.replace(supply=tiny.supply[~((tiny.supply["village"] == "V1")
                                                & (tiny.supply["week"] == 2))])  # fmt: skip
    with pytest.raises(ValueError, match="a week V1 harvests fresh_kiwi \\(1\\), or --tonnes"):
        resolve_query(network, "V1", "M_BKK", week=2)
    assert resolve_query(network, "V1", "M_BKK", week=2, tonnes=5.0).tonnes == 5.0


def test_a_hub_origin_starts_at_its_largest_supplier_that_week(tiny):
    query = resolve_query(tiny, "H_FH", "M_CS", week=1)
    assert (query.village, query.tonnes) == ("V2", 6.0)  # V2 6 t, V3 5 t in week 1
    frame = find_corridors(tiny, query).corridors
    assert set(frame["hub"]) == {"H_FH"} and set(frame["village"]) == {"V2"}


def test_run_folder_report_and_map(tiny, tmp_path):
    out = tmp_path / "run"
    assert main(["corridors", "tiny", "--from", "V1", "--to", "M_BKK", "--out", str(out)]) == 0
    frame = pd.read_csv(out / "corridors.csv")
    assert list(frame.columns) == CORRIDOR_COLUMNS
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["command"] == "corridors" and kpis["param_origin"] == "V1"
    assert kpis["best_cost_cny_per_t"] == pytest.approx(frame["cost_cny_per_t"].iloc[0])
    parts = [c for c in frame.columns if c.endswith("_cny_per_t") and c != "cost_cny_per_t"]
    assert frame[parts].sum(axis=1).to_numpy() == pytest.approx(frame["cost_cny_per_t"].to_numpy())
    page = (out / "report.html").read_text()
    figures = page_figures(page)
    drawn = [
        t["meta"]["path"]
        for t in figures["map"]["data"]
        if t.get("meta", {}).get("role") == "corridor"
    ]
    assert sorted(drawn) == sorted(frame["path"])
    assert "<h2>Corridors</h2>" in page and "V1 &gt; H_JS &gt; BZ_CS &gt; P_NS &gt; M_BKK" in page
    stacked = sum(sum(bar["y"]) for bar in figures["corridor-cost"]["data"])
    assert stacked == pytest.approx(frame["cost_cny_per_t"].sum())
    assert not re.search(r"<script[^>]+src=", page)  # nothing fetched from the internet
    for figure in figures.values():
        go.Figure(figure)  # valid for plotly
    layers = read_geopackage(out / "network.gpkg")
    assert set(layers) == {"nodes", "corridors"}
    assert all(layer.crs.to_epsg() == 4326 for layer in layers.values())
    layer = layers["corridors"]
    assert layer["path"].tolist() == frame["path"].tolist()
    assert math.isclose(layer.geometry.iloc[0].coords[0][0], tiny.nodes["V1"].lon)


def test_no_path_allowed_exits_3_with_a_diagnosis(scenario_copy, tmp_path, capsys):
    copy = scenario_copy("tiny")
    copy.append(
        "scenario.toml",
        '[products.fresh_kiwi.access.TH]\norigins = ["CN"]\ncondition = "a protocol"\nmet = false',
    )
    out = tmp_path / "run"
    assert main(["corridors", str(copy), "--from", "V1", "--to", "M_BKK", "--out", str(out)]) == 3
    assert "fresh_kiwi enters TH from CN only on terms: a protocol" in capsys.readouterr().out
    diagnosis = json.loads((out / "diagnosis.json").read_text())
    assert diagnosis["status"] == "infeasible"
    assert [(p["rule"], p["paths"]) for p in diagnosis["problems"]] == [("market_access", 3)]
    assert json.loads((out / "kpis.json").read_text())["status"] == "infeasible"
    assert "a protocol" in (out / "report.html").read_text()
