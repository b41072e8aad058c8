"""coldchain sweep: levers change what they name, runs resume, the store keeps them all."""

from __future__ import annotations

import json
import multiprocessing as mp
import shutil

import numpy as np
import pandas as pd
import pytest

from instances import load_scenario, plan_file, read_plan
from networks.errors import ScenarioError
from optimizer.cli.main import main
from optimizer.studies.levers import check_levers, parse_lever, variant
from optimizer.studies.sweep import fit_to_supply
from results.runstore import RunStore


@pytest.fixture(scope="module")
def tiny():
    return load_scenario("tiny")


def _levers(network, *texts):
    return check_levers(network, [parse_lever(t) for t in texts])


# --- levers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, words",
    [
        ("price", "LEVER=VALUES"),
        ("prices=1", "lever: expected one of"),
        ("price=-1", ">= 0"),
        ("price=a,b", "numbers"),
        ("regime.x=all", "no selector"),
        ("yield=normal:1", "expected 2 numbers"),
        ("delay=uniform:5,1", "LOW <= HIGH"),
        ("co2_cap=normal:1,2", "a grid"),
    ],
)
def test_a_bad_lever_is_refused_naming_it(text, words):
    with pytest.raises(ValueError, match=words):
        parse_lever(text)


def test_a_selector_the_scenario_lacks_is_invalid_input(tiny, capsys, tmp_path):
    with pytest.raises(ScenarioError, match="M_NOWHERE"):
        _levers(tiny, "price.M_NOWHERE=1.1")
    code = main(["sweep", "tiny", "--vary", "regime=nope", "--out", str(tmp_path / "s")])
    assert code == 2 and "regime" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_grid_levers_change_exactly_what_they_name(tiny):
    levers = _levers(
        tiny, "price.M_BKK=1.5", "demand.fresh_kiwi=2", "yield.V1=0.5", "hub_cost.H_JS=3"
    )
    values = {"price.M_BKK": 1.5, "demand.fresh_kiwi": 2.0, "yield.V1": 0.5, "hub_cost.H_JS": 3.0}
    changed, options = variant(tiny, levers, values)
    assert options == {}
    before, after = tiny.demand, changed.demand
    bkk = before["market"].eq("M_BKK")
    np.testing.assert_allclose(after["price_cny_per_t"][bkk], 1.5 * before["price_cny_per_t"][bkk])
    np.testing.assert_allclose(after["price_cny_per_t"][~bkk], before["price_cny_per_t"][~bkk])
    kiwi = before["product"].eq("fresh_kiwi")
    np.testing.assert_allclose(after["tonnes"][kiwi], 2 * before["tonnes"][kiwi])
    np.testing.assert_allclose(after["tonnes"][~kiwi], before["tonnes"][~kiwi])
    v1 = tiny.supply["village"].eq("V1")
    np.testing.assert_allclose(changed.supply["tonnes"][v1], 0.5 * tiny.supply["tonnes"][v1])
    np.testing.assert_allclose(changed.supply["tonnes"][~v1], tiny.supply["tonnes"][~v1])
    for hub in tiny.county_hubs:
        factor = 3.0 if hub.id == "H_JS" else 1.0
        got = [s.fixed_cost_cny for s in changed.nodes[hub.id].sizes]
        assert got == pytest.approx([factor * s.fixed_cost_cny for s in hub.sizes])
    assert changed.content_hash != tiny.content_hash
    assert tiny.demand.equals(before)  # the study's scenario is never changed


def test_freight_delay_and_shelf_life_levers(tiny):
    levers = _levers(tiny, "freight.road=2", "delay.sea=12", "shelf_life=0.5", "co2_cap=none")
    values = {"freight.road": 2.0, "delay.sea": 12.0, "shelf_life": 0.5, "co2_cap": None}
    changed, options = variant(tiny, levers, values)
    assert options == {"co2_cap_t": None}
    for old, new in zip(tiny.legs, changed.legs, strict=True):
        road, sea = str(old.mode) == "road", str(old.mode) == "sea"
        assert new.cost_cny_per_t == pytest.approx(old.cost_cny_per_t * (2 if road else 1))
        assert new.cost_cny_per_trip == pytest.approx(old.cost_cny_per_trip * (2 if road else 1))
        assert new.hours == pytest.approx(old.hours + (12 if sea else 0))
    for pid, product in tiny.products.items():
        if product.shelf_life is not None:
            new = changed.products[pid].shelf_life.life_days_at_ref
            assert new == pytest.approx(0.5 * product.shelf_life.life_days_at_ref)


def test_draws_are_seeded_per_run_and_independent_per_village(tiny):
    levers = _levers(tiny, "yield=normal:1,0.2")
    a, _ = variant(tiny, levers, {}, seed=7, draw=0)
    again, _ = variant(tiny, levers, {}, seed=7, draw=0)
    other, _ = variant(tiny, levers, {}, seed=7, draw=1)
    pd.testing.assert_frame_equal(a.supply, again.supply)
    assert not a.supply["tonnes"].equals(other.supply["tonnes"])
    ratios = (a.supply["tonnes"] / tiny.supply["tonnes"]).round(12)
    assert (ratios.groupby(tiny.supply["village"]).nunique() == 1).all()  # one per village...
    factors = ratios.groupby(tiny.supply["village"]).first()
    assert factors.nunique() == len(factors)  # ...drawn for each village


def test_a_plan_meets_a_short_harvest_cut_in_proportion(tiny):
    plan = read_plan(plan_file(tiny, "by-hand"))
    half, _ = variant(tiny, _levers(tiny, "yield.V1=0.5"), {"yield.V1": 0.5})
    fitted, cut = fit_to_supply(half, plan)
    grown = half.supply.groupby(["village", "product", "week"])["tonnes"].sum()
    shipped = (
        pd.Series({(f.village, f.product, f.week): f.tonnes for f in plan.flows})
        .groupby(level=[0, 1, 2])
        .sum()
    )
    # by hand: each (village, product, week) ships min(planned, grown)
    expected_cut = sum(max(0.0, t - grown.get(k, 0.0)) for k, t in shipped.items())
    assert cut == pytest.approx(expected_cut) and cut > 0
    kept = sum(f.tonnes for f in fitted.flows)
    assert kept == pytest.approx(sum(f.tonnes for f in plan.flows) - expected_cut)
    same, none = fit_to_supply(tiny, plan)
    assert same is plan and none == 0.0


def test_doubling_freight_doubles_a_fixed_plans_transport_cost(tmp_path):
    # a fixed plan buys the same trips at any rate: its transport cost is linear in them
    store = tmp_path / "s"
    argv = ["sweep", "tiny", "--plan", "by-hand", "--vary", "freight=1,2", "--out", str(store)]
    assert main([*argv, "--workers", "1"]) == 0
    runs = RunStore.open(store)
    flows = runs.table("flows").merge(runs.index()[["run_id", "lever_freight"]], on="run_id")
    cost = flows.groupby("lever_freight")[["transport_cost", "spoiled_t", "tonnes"]].sum()
    assert cost.loc[2.0, "transport_cost"] == pytest.approx(2 * cost.loc[1.0, "transport_cost"])
    assert cost.loc[2.0, "spoiled_t"] == pytest.approx(cost.loc[1.0, "spoiled_t"])


# --- the store and resuming ------------------------------------------------------------


def test_a_sweep_resumes_where_it_stopped_and_refuses_another_study(tmp_path, capsys):
    store = tmp_path / "s"
    argv = ["sweep", "tiny", "--vary", "hub_cost=0.5,1,2,4", "--gap", "0", "--out", str(store)]
    assert main([*argv, "--workers", "2"]) == 0
    first = RunStore.open(store).index().set_index("run_id")
    assert len(first) == 4 and set(first["status"]) <= {"optimal", "feasible"}
    # a sweep stopped after two runs: the other two never reached the store
    lost = sorted(first.index)[:2]
    for run_id in lost:
        (store / "index" / f"{run_id}.parquet").unlink()
        shutil.rmtree(store / "runs" / run_id)
    capsys.readouterr()
    assert main(argv) == 2  # an existing store without --resume
    assert "expected a new folder" in capsys.readouterr().err
    assert main([*argv, "--resume", "--workers", "1"]) == 0
    assert "2 of 4 runs already stored" in capsys.readouterr().out
    again = RunStore.open(store).index().set_index("run_id")
    assert sorted(again.index) == sorted(first.index)
    pd.testing.assert_series_equal(
        again.loc[lost, "objective"], first.loc[lost, "objective"], check_exact=False
    )
    # hub costs up, the optimal cost cannot go down (a monotone lever)
    by_factor = again.sort_values("lever_hub_cost")["objective"].to_numpy()
    assert (np.diff(by_factor) >= -1e-6 * abs(by_factor).max()).all()
    other = ["sweep", "tiny", "--vary", "hub_cost=0.5,1", "--out", str(store), "--resume"]
    assert main(other) == 2
    assert "another one; use a new --out" in capsys.readouterr().err


def _write_runs(path: str, worker: int, count: int) -> None:
    store = RunStore(path)
    for i in range(count):
        frame = pd.DataFrame({"x": np.arange(50) * i, "worker": worker})
        store.write(
            f"w{worker}r{i:03d}",
            {"command": "test", "lever_i": i, "lever_worker": worker},
            {"status": "optimal", "objective": float(worker * 1000 + i)},
            {"flows": frame},
        )


def test_concurrent_writers_lose_nothing(tmp_path):
    store = RunStore.create(tmp_path / "s", {"test": True})
    context = mp.get_context("fork")
    writers = [context.Process(target=_write_runs, args=(str(store.path), w, 15)) for w in range(4)]
    for p in writers:
        p.start()
    for p in writers:
        p.join(60)
        assert p.exitcode == 0
    index = store.index()
    assert len(index) == 60 and index["run_id"].is_unique
    expected = {w * 1000 + i for w in range(4) for i in range(15)}
    assert set(index["objective"]) == expected
    assert len(store.table("flows")) == 60 * 50
    assert not [p for p in (store.path / "index").iterdir() if p.name.startswith(".")]


def test_runs_lists_filters_exports_and_report_reads_a_stored_run(tmp_path, capsys):
    store = tmp_path / "s"
    argv = ["sweep", "tiny", "--plan", "by-hand", "--vary", "yield=triangular:0.6,0.9,1.1"]
    assert main([*argv, "--draws", "4", "--seed", "5", "--out", str(store)]) == 0
    capsys.readouterr()
    assert main(["runs", str(store), "--where", "lever_draw<2"]) == 0
    shown = capsys.readouterr().out
    assert "4 runs" not in shown and "2 runs" in shown
    assert main(["runs", str(store), "--export", str(tmp_path / "runs.csv")]) == 0
    exported = pd.read_csv(tmp_path / "runs.csv")
    assert len(exported) == 4 and set(exported["lever_seed"]) == {5}
    run_id = exported.sort_values("lever_draw")["run_id"].iloc[0]
    kpis = json.loads((store / "runs" / run_id / "kpis.json").read_text())
    assert kpis["run_id"] == run_id and kpis["command"] == "evaluate"
    assert main(["report", f"{store}:{run_id}", "--out", str(tmp_path / "rep")]) == 0
    assert (tmp_path / "rep" / "report.html").stat().st_size > 1000
    capsys.readouterr()
    assert main(["report", f"{store}:nope", "--out", str(tmp_path / "rep2")]) == 2
    assert "(4 runs: " in capsys.readouterr().err
    assert main(["runs", str(tmp_path / "rep")]) == 2  # not a store


def test_the_efficient_runs_are_those_no_other_beats_on_both():
    from results.report.study import efficient

    frame = pd.DataFrame(
        {"cost": [1.0, 2.0, 3.0, 2.5, 1.0, np.nan], "co2": [5.0, 3.0, 1.0, 3.5, 6.0, 0.0]}
    )
    # by hand: (1,5), (2,3), (3,1) efficient; (2.5,3.5) beaten by (2,3); (1,6) by (1,5)
    assert efficient(frame, "cost", "co2").tolist() == [True, True, True, False, False, False]
    # a margin is better higher: (3, 1) has the highest margin and the least CO2, beats all
    margin = frame.rename(columns={"cost": "margin"})
    flags = efficient(margin, "margin", "co2", higher=("margin",)).tolist()
    assert flags == [False, False, True, False, False, False]


def test_runs_sums_up_draws_and_plots_a_front(tmp_path, capsys):
    store = tmp_path / "s"
    argv = ["sweep", "tiny", "--plan", "by-hand", "--vary", "delay=uniform:0,48"]
    assert main([*argv, "--draws", "6", "--seed", "1", "--out", str(store), "--workers", "1"]) == 0
    index = RunStore.open(store).index()
    capsys.readouterr()
    assert main(["runs", str(store), "--summary", "total_cost,spoilage_rate"]) == 0
    out = capsys.readouterr().out
    mean = index["total_cost"].mean()
    assert f"{mean:,.2f}" in out  # the mean over the draws, as pandas computes it
    page = tmp_path / "front.html"
    argv = [
        "runs",
        str(store),
        "--plot",
        "total_cost,spoilage_rate,lever_draw",
        "--html",
        str(page),
    ]
    assert main(argv) == 0
    from results.report.page import page_figures

    (figure,) = page_figures(page.read_text()).values()
    assert len(figure["data"][0]["x"]) == 6
    assert main(["runs", str(store), "--summary", "nope"]) == 2


def test_bench_sweep_gives_the_same_runs_on_each_executor_and_its_overhead():
    from optimizer.bench.sweep import SWEEP_COLUMNS, bench_sweep

    frame = bench_sweep(["pool:1", "pool:2"], villages=12, hubs=3, weeks=2, runs=3, gap=0.0)
    assert list(frame.columns) == SWEEP_COLUMNS and list(frame["workers"]) == [1, 2]
    assert frame["same_results"].all() and frame["time_limit"].isna().all()
    first, second = frame.iloc[0], frame.iloc[1]
    assert second["speedup"] == pytest.approx(first["wall_seconds"] / second["wall_seconds"])
    assert second["parallel_efficiency"] == pytest.approx(second["speedup"] / 2)
    # the executor's overhead is what the wall time holds beyond the tasks' own seconds
    assert 0 <= first["overhead_median_seconds"] < first["wall_seconds"]
    assert first["task_sum_seconds"] <= first["wall_seconds"] + 1e-6


def test_bench_sweep_takes_a_time_limit_per_solve(tmp_path, monkeypatch):
    # a 200-village solve runs for many minutes to its gap: the speed-up measurement on
    # a cluster may bound each task; the limit must reach every solve and the table
    import optimizer.studies.sweep as sweep

    seen = []
    solve = sweep._solve

    def probed(network, options, settings):
        seen.append(settings["time_limit"])
        return solve(network, options, settings)

    monkeypatch.setattr(sweep, "_solve", probed)  # pool:1 runs its tasks in this process
    out = tmp_path / "b.csv"
    args = ["bench", "sweep", "--schedulers", "pool:1", "--villages", "12", "--hubs", "3"]
    args += ["--weeks", "2", "--runs", "2", "--time-limit", "30", "--out", str(out)]
    assert main(args) == 0
    assert seen == [30.0, 30.0]
    assert list(pd.read_csv(out)["time_limit"]) == [30.0]
