"""report.html and network.gpkg: the figures' numbers against the run's own files.

Each figure's plotly JSON is read back from the page (no browser) and checked against
``kpis.json`` and the tables, recomputed here by hand from the CSV files.
"""

from __future__ import annotations

import json
import re
import time

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import pyogrio
import pytest

from optimizer.cli.main import main
from results.report import page_figures, write_report

MB = 1_000_000


def _page(folder) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def _figures(folder) -> dict:
    return page_figures(_page(folder))


def _kpis(folder) -> dict:
    return json.loads((folder / "kpis.json").read_text())


def _traces(figure: dict, role: str) -> list[dict]:
    return [t for t in figure["data"] if t.get("meta", {}).get("role") == role]


def _used_legs(flows: pd.DataFrame) -> set[str]:
    legs = set()
    for path, services in zip(flows["path"], flows["services"], strict=True):
        nodes, kinds = path.split(" > "), services.split(" > ")
        legs |= {f"{a}>{b}:{s}" for a, b, s in zip(nodes, nodes[1:], kinds, strict=False)}
    return legs


@pytest.mark.parametrize("command", ["solve", "evaluate", "route", "consolidate"])
def test_every_command_writes_a_report_and_a_geopackage(tiny_runs, command):
    folder = tiny_runs[command]
    assert (folder / "report.html").stat().st_size < 10 * MB
    layers = dict(pyogrio.list_layers(folder / "network.gpkg"))
    expected = {
        "solve": {"nodes", "legs", "flows"},
        "evaluate": {"nodes", "legs", "flows"},
        "route": {"nodes", "legs", "trips"},
        "consolidate": {"nodes"},
    }[command]
    assert set(layers) == expected
    for layer in layers:
        assert gpd.read_file(folder / "network.gpkg", layer=layer).crs.to_epsg() == 4326
    for csv in folder.glob("*.csv"):  # Parquet always beside each table
        assert csv.with_suffix(".parquet").is_file()


@pytest.mark.parametrize("command", ["solve", "route", "consolidate", "compare"])
def test_the_page_loads_nothing_from_the_internet(tiny_runs, command):
    page = _page(tiny_runs[command])
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", page)
    for figure in _figures(tiny_runs[command]).values():
        geo = figure["layout"].get("geo")
        if geo:  # plotly fetches its own basemap whenever one of these layers is on
            shown = [k for k, v in geo.items() if k.startswith("show") and k != "showframe"]
            assert shown and not any(geo[k] for k in shown)


@pytest.mark.parametrize("command", ["solve", "route", "consolidate", "compare"])
def test_every_figure_is_valid_for_plotly(tiny_runs, command):
    for figure in _figures(tiny_runs[command]).values():
        go.Figure(figure)  # plotly's validators raise on a wrong attribute or value


def test_map_has_one_marker_per_node_and_one_line_per_leg_used(tiny_runs, tiny):
    folder = tiny_runs["solve"]
    figure = _figures(folder)["map"]
    marked = [i for t in _traces(figure, "node") for i in t["meta"]["ids"]]
    assert sorted(marked) == sorted(tiny.nodes)
    flows = pd.read_csv(folder / "flows.csv")
    lines = _traces(figure, "leg")
    assert {t["meta"]["id"] for t in lines} == _used_legs(flows)
    assert len(lines) == len(_used_legs(flows))
    # the busiest leg is the widest
    widest = max(lines, key=lambda t: t["line"]["width"])
    assert widest["meta"]["tonnes"] == max(t["meta"]["tonnes"] for t in lines)
    # a leg's tonnes are the flows' tonnes along it, summed by hand
    leg = lines[-1]["meta"]
    by_hand = sum(
        t
        for p, s, t in zip(flows["path"], flows["services"], flows["tonnes"], strict=True)
        if leg["id"] in _used_legs(pd.DataFrame({"path": [p], "services": [s]}))
    )
    assert leg["tonnes"] == pytest.approx(by_hand)


def test_map_shows_as_open_the_hubs_the_run_opened(tiny_runs):
    folder = tiny_runs["solve"]
    figure = _figures(folder)["map"]
    shown = {
        i
        for t in _traces(figure, "node")
        if t["name"].startswith("hub open")
        for i in t["meta"]["ids"]
    }
    assert shown == set(pd.read_csv(folder / "hubs.csv")["hub"])
    closed = [t for t in _traces(figure, "node") if t["name"] == "hub candidate"]
    assert set(closed[0]["meta"]["ids"]).isdisjoint(shown)


def test_cost_bars_are_the_kpis_and_add_up_to_total_cost(tiny_runs):
    folder = tiny_runs["solve"]
    kpis = _kpis(folder)
    bars = _figures(folder)["cost-by-part"]["data"][0]
    assert bars["y"] == [kpis[k] for k in bars["meta"]["keys"]]
    assert sum(bars["y"]) == pytest.approx(kpis["total_cost"])
    assert len(bars["y"]) == 8  # the evaluator's cost parts, purchase_cost among them (#16)


@pytest.mark.parametrize("command", ["solve", "evaluate"])
def test_spoilage_bars_are_the_flows_stage_columns_summed_by_market(tiny_runs, command):
    folder = tiny_runs[command]
    flows = pd.read_csv(folder / "flows.csv")
    stages = [c for c in flows.columns if c.startswith("spoiled_t.")]
    assert len(stages) == 8  # village, five leg modes, hub, node
    expected = {}  # (market, column) -> tonnes, summed row by row
    for _, row in flows.iterrows():
        market = row["path"].split(" > ")[-1]
        for column in stages:
            expected[market, column] = expected.get((market, column), 0.0) + row[column]
    drawn = {}
    for trace in _figures(folder)["spoilage"]["data"]:
        column = trace["meta"]["column"]
        assert trace["name"] == column.removeprefix("spoiled_t.")
        drawn.update({(m, column): y for m, y in zip(trace["x"], trace["y"], strict=True)})
    for key, tonnes in expected.items():
        assert drawn.get(key, 0.0) == pytest.approx(tonnes, abs=1e-9), key
    assert set(drawn) <= set(expected)
    assert {"spoiled_t.village", "spoiled_t.road", "spoiled_t.hub"} <= {c for _, c in drawn}


def test_spoilage_and_deliveries_add_up_to_the_kpis(tiny_runs):
    folder = tiny_runs["evaluate"]
    kpis = _kpis(folder)
    figures = _figures(folder)
    spoiled = sum(sum(t["y"]) for t in figures["spoilage"]["data"])
    assert spoiled == pytest.approx(kpis["spoilage_t"])
    bars = {t["name"]: sum(t["y"]) for t in figures["deliveries"]["data"]}
    assert bars["demand"] == pytest.approx(kpis["demand_t"])
    assert bars["delivered"] == pytest.approx(kpis["delivered_t"])
    assert bars["demand"] - bars["sold"] == pytest.approx(kpis["unmet_demand_t"])


def test_service_days_mean_is_weighted_by_tonnes_delivered(tiny_runs):
    folder = tiny_runs["evaluate"]
    flows = pd.read_csv(folder / "flows.csv")
    mean = next(t for t in _figures(folder)["service-days"]["data"] if t["name"] == "mean")
    for market, days in zip(mean["x"], mean["y"], strict=True):
        rows = flows[flows["market"] == market]
        by_hand = (rows["delivery_days"] * rows["delivered_t"]).sum() / rows["delivered_t"].sum()
        assert days == pytest.approx(by_hand)
    weighted = sum(
        d * flows.loc[flows["market"] == m, "delivered_t"].sum()
        for m, d in zip(mean["x"], mean["y"], strict=True)
    )
    assert weighted / flows["delivered_t"].sum() == pytest.approx(
        _kpis(folder)["mean_delivery_days"]
    )


def test_hub_charts_show_each_hub_week_against_its_capacity(tiny_runs):
    folder = tiny_runs["evaluate"]
    hubs = pd.read_csv(folder / "hubs.csv")
    figure = _figures(folder)["storage"]
    for hub, rows in hubs.groupby("hub"):
        bars = next(t for t in figure["data"] if t["name"] == hub)
        line = next(t for t in figure["data"] if t["name"] == f"{hub} capacity")
        assert bars["y"] == rows.sort_values("week")["storage_t"].tolist()
        assert set(line["y"]) == set(rows["storage_capacity_t"])


def test_headline_prints_the_kpis(tiny_runs):
    page = _page(tiny_runs["solve"])
    kpis = _kpis(tiny_runs["solve"])
    assert f'data-key="total_cost">{kpis["total_cost"]:,.0f} CNY<' in page
    assert f'data-key="spoilage_rate">{kpis["spoilage_rate"]:.2%}<' in page
    assert f'data-key="status">{kpis["status"]}<' in page


def test_route_map_draws_each_segment_driven_and_costs_add_up(tiny_runs):
    folder = tiny_runs["route"]
    routes = pd.read_csv(folder / "routes.csv")
    segments = sum(len(stops) - 1 for _, stops in routes.groupby(["hub", "vehicle", "trip"]))
    figures = _figures(folder)
    assert len(_traces(figures["map"], "leg")) == segments
    kpis = _kpis(folder)
    assert sum(sum(t["y"]) for t in figures["route-cost"]["data"]) == pytest.approx(kpis["cost"])
    trips = gpd.read_file(folder / "network.gpkg", layer="trips")
    assert len(trips) == kpis["trips"] == len(figures["vehicle-trips"]["data"])


def test_consolidate_shares_add_up_to_the_grand_coalition_and_core_is_reported(tiny_runs):
    folder = tiny_runs["consolidate"]
    kpis = _kpis(folder)
    figure = _figures(folder)["allocation"]
    alone = next(t for t in figure["data"] if t["name"] == "stand-alone")
    assert sum(alone["y"]) == pytest.approx(kpis["standalone_cost_sum"])
    methods = [t for t in figure["data"] if t["name"] != "stand-alone"]
    assert {t["name"] for t in methods} == {
        k.removeprefix("in_core.") for k in kpis if k.startswith("in_core.")
    }
    for trace in methods:  # efficiency: every allocation shares out c(N) exactly
        assert sum(trace["y"]) == pytest.approx(kpis["grand_coalition_cost"])
    page = _page(folder)
    for method in (t["name"] for t in methods):
        word = "yes" if kpis[f"in_core.{method}"] else "no"
        assert f"<td>{method}</td><td>{word}</td>" in page


def test_geopackage_flows_and_legs_carry_the_tables_tonnes(tiny_runs):
    folder = tiny_runs["solve"]
    flows = pd.read_csv(folder / "flows.csv")
    layer = gpd.read_file(folder / "network.gpkg", layer="flows")
    assert len(layer) == len(flows)
    assert layer["tonnes"].sum() == pytest.approx(flows["tonnes"].sum())
    assert set(layer["temperature"]) <= {"reefer", "ambient", "mixed"}
    assert (layer.geometry.geom_type == "LineString").all()
    legs = gpd.read_file(folder / "network.gpkg", layer="legs")
    assert set(legs["id"]) == _used_legs(flows)
    assert set(legs["mode"]) <= {"road", "rail", "sea", "air", "parcel"}


def test_comparison_puts_the_kpis_side_by_side_with_differences(tiny_runs):
    page = _page(tiny_runs["compare"])
    base, other = _kpis(tiny_runs["evaluate"]), _kpis(tiny_runs["solve"])
    assert f'data-run="0" data-key="total_cost">{base["total_cost"]:,.0f} CNY<' in page
    assert f'data-run="1" data-key="total_cost">{other["total_cost"]:,.0f} CNY<' in page
    delta = other["total_cost"] - base["total_cost"]
    assert f"<td>{'+' if delta > 0 else ''}{delta:,.0f} CNY</td>" in page
    figures = _figures(tiny_runs["compare"])
    assert {"map-0", "map-1", "map-2"} <= set(figures)
    bars = {t["name"]: t["y"] for t in figures["cost-compare"]["data"]}
    assert sum(bars["evaluate"]) == pytest.approx(base["total_cost"])


def test_report_of_one_run_is_the_report_the_run_wrote(tiny_runs, tmp_path):
    assert main(["report", str(tiny_runs["solve"]), "--out", str(tmp_path / "again")]) == 0
    assert _figures(tmp_path / "again") == _figures(tiny_runs["solve"])


def test_no_report_writes_everything_but_the_report(tmp_path):
    out = tmp_path / "quiet"
    assert main(["evaluate", "tiny", "--plan", "by-hand", "--out", str(out), "--no-report"]) == 0
    assert not (out / "report.html").exists()
    assert (out / "network.gpkg").is_file() and (out / "flows.parquet").is_file()


def test_a_failing_report_leaves_no_run_folder(tmp_path, monkeypatch):
    import results.report

    def boom(*args, **kwargs):
        raise RuntimeError("report failed")

    monkeypatch.setattr(results.report, "write_report", boom)
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="report failed"):
        main(["evaluate", "tiny", "--plan", "by-hand", "--out", str(out)])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("run", ["no-such-folder", "store:abc123"])
def test_report_of_something_not_a_run_exits_2(tmp_path, capsys, run):
    assert main(["report", str(tmp_path / run), "--out", str(tmp_path / "r")]) == 2
    assert "RUN: expected a run folder (with kpis.json)" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


@pytest.fixture(scope="module")
def flagship_evaluation(tmp_path_factory):
    """xiangxi-kiwi's status quo evaluated, with its report: a run folder of the flagship."""
    out = tmp_path_factory.mktemp("flagship") / "status-quo"
    command = ["evaluate", "xiangxi-kiwi", "--plan", "status-quo", "--no-report"]
    assert main([*command, "--out", str(out)]) == 0
    start = time.perf_counter()
    write_report(out)
    (out / "seconds.txt").write_text(str(time.perf_counter() - start))
    return out


def test_flagship_report_is_under_10_mb_and_written_in_under_5_s(flagship_evaluation):
    out = flagship_evaluation
    assert float((out / "seconds.txt").read_text()) < 5.0
    assert (out / "report.html").stat().st_size < 10 * MB
    figure = _figures(out)["map"]
    assert len(_traces(figure, "leg")) == len(_used_legs(pd.read_csv(out / "flows.csv")))


def test_a_plan_without_flows_still_gets_its_map_and_headline(tmp_path, tiny):
    # what a time-limited solve may return: feasible, nothing shipped (flows with no columns)
    from results.gis import read_geopackage
    from results.store import write_run

    hubs = pd.DataFrame(columns=["hub", "size", "week", "received_t", "storage_t"])
    tables = {"flows": pd.DataFrame(), "hubs": hubs}
    write_run(
        tmp_path / "empty", {"command": "solve"}, {"status": "feasible"}, tables, network=tiny
    )
    layers = read_geopackage(tmp_path / "empty" / "network.gpkg")
    assert {k: len(v) for k, v in layers.items()} == {
        "nodes": len(tiny.nodes),
        "legs": 0,
        "flows": 0,
    }
    figure = _figures(tmp_path / "empty")["map"]
    assert _traces(figure, "leg") == []
    assert not any(t["name"].startswith("hub open") for t in _traces(figure, "node"))


def _rings(trace: dict) -> list[list[tuple[float, float]]]:
    rings, ring = [], []
    for x, y in zip(trace["lon"], trace["lat"], strict=True):
        if x is None:
            rings.append(ring)
            ring = []
        else:
            ring.append((x, y))
    return rings


def _signed_area(ring) -> float:
    return sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
    )


def test_every_land_ring_winds_one_way_so_none_fills_the_globe(tmp_path):
    # plotly fills each ring alone: one wound the other way fills all but itself
    assert (
        main(["evaluate", "xiangxi-kiwi", "--plan", "status-quo", "--out", str(tmp_path / "x")])
        == 0
    )
    land = _traces(_figures(tmp_path / "x")["map"], "land")
    rings = [r for t in land for r in _rings(t)]
    assert {t["name"] for t in land} == {"land", "lakes"}  # the Caspian Sea is in view
    signs = {_signed_area(r) > 0 for r in rings if abs(_signed_area(r)) > 1e-9}
    assert len(signs) == 1
