"""The network design model (optimizer/design) and ``coldchain solve``.

The independent checks: an exhaustive enumeration of hub openings (each an LP), flow
conservation recomputed with survival factors taken from the lot timelines and the
shelf-life model (not from the model's own coefficients), the evaluator's cost of the
optimized plan where nothing decays, and brute force over single-sourcing assignments.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import defaultdict
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instances import generate, generate_network, read_plan
from networks.shelf_life import LotHistory
from networks.status import Limit, Status
from networks.timeline import HOURS_PER_WEEK, lot_history
from optimizer.backends.highs import HighsModel
from optimizer.cli.main import main
from optimizer.design import DesignOptions, solve_design
from optimizer.design.data import build_design_data
from optimizer.design.formulation import DesignMatrix
from results.evaluate import COST_KEYS, evaluate

REL = 1e-6


def set_demand(folder, market: str, week: int, tonnes: float) -> None:
    """Change the fresh kiwi demand of ``market`` in ``week`` in a scenario copy
    (``folder``, from the ``scenario_copy`` fixture)."""
    path = folder / "demand.csv"
    demand = pd.read_csv(path, dtype={"firm": str})
    row = (demand["market"] == market) & (demand["product"] == "fresh_kiwi")
    demand.loc[row & (demand["week"] == week), "tonnes"] = tonnes
    demand.to_csv(path, index=False)


@pytest.fixture(scope="module")
def stored(scenario_copy):
    """tiny with 22 t of kiwi wanted at M_CS in week 2: 19 t grow then, so fruit picked
    in week 1 has to wait a week in a hub's cold store."""
    folder = scenario_copy("tiny")
    set_demand(folder, "M_CS", 2, 22.0)
    return folder.load()


def small_generated(seed: int, **sizes):
    sizes = {"villages": 7, "hubs": 3, "markets": 1, "weeks": 2, "firms": 2, **sizes}
    return generate_network(seed=seed, **sizes)


GENERATED = {
    # domestic market only: the generator's foreign markets want fruit in week 1, which no
    # route delivers in its first week (an xfail test below), so cost mode is infeasible
    "gen-s1": dict(seed=1),
    "gen-s2": dict(seed=2, villages=8),
    "gen-s3": dict(seed=3, villages=6),
    # a foreign market in margin mode: sell what pays, through bonded zone and port
    "gen-s4-margin": dict(seed=4, villages=6, markets=2, objective="margin"),
}


@pytest.fixture(scope="module", params=["tiny", *GENERATED])
def network(request, tiny):
    if request.param == "tiny":
        return tiny
    return small_generated(**GENERATED[request.param])


def better(a: float, b: float, margin: bool) -> bool:
    return a > b if margin else a < b


# ---------------------------------------------------------------------------------------
# The optimum equals an exhaustive enumeration of hub openings
# ---------------------------------------------------------------------------------------
def test_optimum_equals_enumeration_of_hub_openings(network):
    margin = network.objective == "margin"
    hubs = network.county_hubs
    best = None
    for sizes in itertools.product(*[[None, *(s.name for s in h.sizes)] for h in hubs]):
        fixed = tuple(zip((h.id for h in hubs), sizes, strict=True))
        lp = solve_design(network, DesignOptions(fixed_hubs=fixed, trips="linear"))
        assert lp.status in ("optimal", "infeasible"), fixed
        if lp.status == "optimal":
            assert dict(lp.plan.hubs) == {h: s for h, s in fixed if s}
            if best is None or better(lp.objective, best[0], margin):
                best = (lp.objective, fixed)
    assert best is not None
    free = solve_design(network, DesignOptions(trips="linear"))
    assert free.status == "optimal"
    assert free.objective == pytest.approx(best[0], rel=REL)
    # the configuration the MIP opens is itself optimal among the enumerated ones
    opened = tuple((h.id, free.plan.hubs.get(h.id)) for h in hubs)
    check = solve_design(network, DesignOptions(fixed_hubs=opened, trips="linear"))
    assert check.objective == pytest.approx(best[0], rel=REL)


# ---------------------------------------------------------------------------------------
# Where nothing decays, the model's cost is the evaluator's cost
# ---------------------------------------------------------------------------------------
def non_perishable(network):
    products = {k: replace(p, shelf_life=None) for k, p in network.products.items()}
    return network.replace(products=products)


@pytest.mark.parametrize("name", ["tiny", "stored", "gen-s1", "gen-s4-margin"])
def test_model_objective_is_the_evaluated_cost_when_nothing_decays(name, tiny, stored):
    # With survival 1 everywhere the survival view and the exact view agree, so the
    # model's objective (integer trips, counted per leg and week as the evaluator counts
    # them for its one shipper) must be the evaluator's total cost, or revenue minus it.
    base = {"tiny": tiny, "stored": stored}.get(name) or small_generated(**GENERATED[name])
    network = non_perishable(base)
    result = solve_design(network, DesignOptions(trips="integer"))
    assert result.status == "optimal"
    kpis = evaluate(network, result.plan).kpis()
    value = (
        kpis["revenue"] - kpis["total_cost"]
        if network.objective == "margin"
        else kpis["total_cost"]
    )
    assert result.objective == pytest.approx(value, rel=1e-9)
    if network.objective == "cost":
        assert kpis["unmet_demand_t"] == pytest.approx(0.0, abs=1e-6)
    # the model's own cost parts add up to the same total, its hubs to the same hub cost
    model = result.model_kpis
    assert model["model_total_cost"] == pytest.approx(kpis["total_cost"], rel=1e-9)
    assert model["model_hub_cost"] == pytest.approx(kpis["hub_cost"], rel=1e-9)
    # and, added up by part, they are the objective HiGHS reports (cost, or revenue less)
    parts = sum(model[f"model_{p}_cost"] for p in ("hub", "flow", "storage", "trip"))
    revenue = model.get("model_revenue", 0.0)
    assert parts == pytest.approx(revenue - result.objective if revenue else result.objective)


def test_generated_scenario_with_a_foreign_market_is_feasible():
    network = small_generated(seed=1, markets=2)
    assert solve_design(network, DesignOptions(trips="linear")).status == "optimal"


# ---------------------------------------------------------------------------------------
# Flow conservation with survival, at every hub and week
# ---------------------------------------------------------------------------------------
class Solved:
    """A solved formulation with its variables' values by scenario ids."""

    def __init__(self, network, options: DesignOptions):
        self.network = network
        self.data = build_design_data(network)
        self.model = DesignMatrix(self.data, options)
        self.outcome = HighsModel(self.model.arrays(), self.model.maximize).solve()
        assert self.outcome.status == "optimal"

    def value(self, column: int) -> float:
        return float(self.outcome.values[column])


def survival(network, product: str, segments, hours_before_cooling=None) -> float:
    shelf = network.products[product].shelf_life
    if shelf is None:
        return 1.0
    return shelf.path_survival(LotHistory(tuple(segments)), hours_before_cooling)


def independent_factors(solved: Solved):
    """Survival of each inbound arc, route and cold-store week, from the lot timelines
    (networks.timeline) and ShelfLife, without the model's coefficients."""
    net, data = solved.network, solved.data
    first_route = {}
    for route in data.routes:
        first_route.setdefault(route.hub, route)
    inbound, routes = {}, {}
    for a, p, w in solved.model.x:
        village, hub, leg_id = data.inbound[a]
        route = first_route[hub]
        timeline = lot_history(
            net, (village, *route.nodes), (net.legs_by_id[leg_id], *route.legs), w
        )
        # village wait, the leg, the hub's pre-cooling dwell: the stages before the hub
        inbound[(a, p, w)] = survival(net, p, timeline.history.segments[: timeline.leg_start[1]])
    for r, p, w in solved.model.z:
        route = data.routes[r]
        village, _, leg_id = next(arc for arc in data.inbound if arc[1] == route.hub)
        timeline = lot_history(
            net,
            (village, *route.nodes),
            (net.legs_by_id[leg_id], *route.legs),
            w,
            customs_mode=route.customs_mode,
        )
        # after the hub: legs, dwells, customs; the lot is cooled, so no delay penalty
        after_hub = timeline.history.segments[timeline.leg_start[1] :]
        routes[(r, p, w)] = survival(net, p, after_hub, hours_before_cooling=0.0)
    store = {}
    for h, s, p in data.storage_survival:
        hub, shelf = net.nodes[h], net.products[p].shelf_life
        atmosphere = hub.size(s).atmosphere
        store[(h, s, p)] = (
            1.0 if shelf is None else shelf.survival(HOURS_PER_WEEK, hub.storage_temp_c, atmosphere)
        )
    return inbound, routes, store


def check_conservation(solved: Solved) -> float:
    """Assert hub balance, supply and demand; return the tonne-weeks held in cold store."""
    net, data, model = solved.network, solved.data, solved.model
    inbound, routes, store = independent_factors(solved)
    arrived, dispatched, left = defaultdict(float), defaultdict(float), defaultdict(float)
    delivered = defaultdict(float)
    for (a, p, w), var in model.x.items():
        village, hub, _ = data.inbound[a]
        arrived[(hub, p, w)] += inbound[(a, p, w)] * solved.value(var)
        left[(village, p, w)] += solved.value(var)
    for (r, p, w), var in model.z.items():
        route = data.routes[r]
        dispatched[(route.hub, p, w)] += solved.value(var)
        week = w + int(sum(s.hours for s in route.legs) // HOURS_PER_WEEK)  # lower bound
        assert data.route_delivery_week[(r, w)] >= week
        delivered[(route.market, p, data.route_delivery_week[(r, w)])] += routes[
            (r, p, w)
        ] * solved.value(var)
    stock = defaultdict(float)  # (hub, product, week) -> sound tonnes at the week's end
    carried = defaultdict(float)  # what last week's stock is worth after a week in store
    for (h, s, p, w), var in model.inv.items():
        stock[(h, p, w)] += solved.value(var)
        carried[(h, p, w + 1)] += store[(h, s, p)] * solved.value(var)
    held = 0.0
    for h in data.hubs:
        for p in data.products:
            for w in data.weeks:
                key = (h, p, w)
                balance = carried[key] + arrived[key] - dispatched[key]
                assert stock[key] == pytest.approx(balance, abs=1e-6), key
                held += stock[key]
    for (village, p, w), tonnes in left.items():
        assert tonnes <= data.supply[(village, p, w)] + 1e-6
    for (m, p, w), amount in data.demand.items():
        if net.objective == "cost":
            assert delivered[(m, p, w)] >= amount - 1e-6, (m, p, w)
        else:
            assert solved.value(model.sold[(m, p, w)]) <= delivered[(m, p, w)] + 1e-6
    return held


@pytest.mark.parametrize(
    "fixed",
    [None, (("H_JS", "large"), ("H_FH", None))],
    ids=["free", "ca-store"],
)
def test_flow_conservation_with_survival_at_every_hub_and_week(stored, fixed):
    solved = Solved(stored, DesignOptions(trips="linear", fixed_hubs=fixed))
    held = check_conservation(solved)
    assert held > 1.0  # the cold store is used, so carried stock is checked too


def test_flow_conservation_on_tiny_and_a_generated_scenario(tiny):
    for net in (tiny, small_generated(seed=4, villages=6, markets=2, objective="margin")):
        check_conservation(Solved(net, DesignOptions(trips="integer")))


# ---------------------------------------------------------------------------------------
# Capacity is never exceeded, and the evaluator accepts the plan
# ---------------------------------------------------------------------------------------
def check_capacity_and_plan(network, result) -> None:
    assert result.status == "optimal"
    hubs = result.hubs
    assert set(hubs["hub"]) == set(result.plan.hubs)
    assert (hubs["received_t"] <= hubs["throughput_capacity_t"] + 1e-6).all()
    assert (hubs["storage_t"] <= hubs["storage_capacity_t"] + 1e-6).all()
    evaluation = evaluate(network, result.plan)  # raises PlanError if it rejects the plan
    merged = evaluation.hubs.merge(result.hubs, on=["hub", "size", "week"], suffixes=("", "_m"))
    assert merged["received_t"].to_numpy() == pytest.approx(merged["received_t_m"].to_numpy())
    shipped = sum(f.tonnes for f in result.plan.flows)
    assert shipped == pytest.approx(result.model_kpis["model_shipped_t"], rel=1e-9)


def test_capacity_holds_on_tiny_and_the_stored_variant(tiny, stored):
    check_capacity_and_plan(tiny, solve_design(tiny, DesignOptions()))
    result = solve_design(stored, DesignOptions())
    check_capacity_and_plan(stored, result)
    assert result.hubs["storage_t"].max() > 1.0


def test_capacity_holds_when_it_binds(scenario_copy):
    # In margin mode with 30 t of kiwi wanted at M_CS in week 1, all 21 t grown that week
    # would sell; H_JS small takes 20 t/week (hub_sizes.csv) and H_FH is shut, so the
    # throughput binds.
    folder = scenario_copy("tiny")
    set_demand(folder, "M_CS", 1, 30.0)
    folder.edit("scenario.toml", 'objective = "cost"', 'objective = "margin"')
    network = folder.load()
    result = solve_design(network, DesignOptions(fixed_hubs=(("H_JS", "small"), ("H_FH", None))))
    check_capacity_and_plan(network, result)
    assert result.hubs["received_t"].max() == pytest.approx(20.0, abs=1e-6)


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_capacity_holds_on_generated_scenarios(seed):
    network = small_generated(seed=seed, villages=6)
    result = solve_design(network, DesignOptions(trips="linear"))
    check_capacity_and_plan(network, result)


# ---------------------------------------------------------------------------------------
# A hub no village reaches has nothing to send
# ---------------------------------------------------------------------------------------
def test_a_hub_without_inbound_legs_dispatches_nothing(tiny):
    # Without its village legs H_FH cannot receive fruit; tiny's optimum never used it,
    # so the optimum must stay the same (H_JS small).
    cut = tiny.replace(legs=tuple(leg for leg in tiny.legs if leg.destination != "H_FH"))
    reference = solve_design(tiny, DesignOptions())
    result = solve_design(cut, DesignOptions())
    kpis = result.model_kpis
    assert kpis["model_delivered_t"] <= kpis["model_shipped_t"]
    assert result.objective == pytest.approx(reference.objective, rel=REL)


def test_max_delivered_age_counts_from_harvest(scenario_copy):
    # M_BKK accepts fruit at most 7 days old. The fastest path, parcel post from BZ_CS,
    # takes 166 h after the hub (6.9 days) but 186 h (7.75 days) after harvest, with the
    # 6 h village wait, the road leg and 12 h at the hub: no plan can serve M_BKK.
    folder = scenario_copy("tiny")
    nodes = pd.read_csv(folder / "nodes.csv", dtype=str, keep_default_na=False)
    nodes["max_age_days"] = ["7" if i == "M_BKK" else "" for i in nodes["id"]]
    nodes.to_csv(folder / "nodes.csv", index=False)
    network = folder.load()
    result = solve_design(network)
    if result.plan is not None:
        flows = evaluate(network, result.plan).flows
        assert flows.loc[flows["market"] == "M_BKK", "delivery_days"].max() <= 7.0
    else:
        assert result.status == "infeasible"


# ---------------------------------------------------------------------------------------
# Solvers agree
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("trips", ["integer", "linear"])
def test_highs_and_cbc_give_the_same_optimum(trips, tiny, stored):
    for network in (tiny, stored):
        highs = solve_design(network, DesignOptions(solver="highs", trips=trips))
        cbc = solve_design(network, DesignOptions(solver="cbc", trips=trips))
        assert highs.status == cbc.status == "optimal"
        assert cbc.objective == pytest.approx(highs.objective, rel=REL)
        assert highs.gap <= 1e-6 and cbc.bound == pytest.approx(cbc.objective, rel=1e-5)


# ---------------------------------------------------------------------------------------
# Margin mode: a prohibitive tariff drops a market
# ---------------------------------------------------------------------------------------
PROHIBITIVE = """
[[regimes]]
name = "closed"
effective = "2026-01-01"
description = "test: 300% on every good entering TH"

[[regimes]]
name = "kiwi-closed"
effective = "2026-01-02"
description = "test: 300% on kiwi entering TH"
"""


@pytest.fixture(scope="module")
def margin_tiny(scenario_copy):
    folder = scenario_copy("tiny")
    folder.append("scenario.toml", PROHIBITIVE)
    folder.write(
        "tariffs.csv",
        "regime,country,hs_prefix,part,rate,source\n"
        "closed,TH,*,mfn,3.0,test\nkiwi-closed,TH,0810,mfn,3.0,test\n",
    )
    folder.edit("scenario.toml", 'objective = "cost"', 'objective = "margin"')
    return folder.load()


def delivered_by_market_product(network, result, regime):
    evaluation = evaluate(network, result.plan, regime=regime)
    return evaluation.deliveries.groupby(["market", "product"])["delivered_t"].sum().to_dict()


def test_margin_mode_serves_the_foreign_market_under_the_default_regime(margin_tiny):
    result = solve_design(margin_tiny)
    assert result.status == "optimal"
    assert result.model_kpis["model_revenue.M_BKK"] > 0
    delivered = delivered_by_market_product(margin_tiny, result, None)
    assert delivered[("M_BKK", "fresh_kiwi")] > 3.9
    assert delivered[("M_BKK", "embroidery")] == pytest.approx(0.3)


def test_a_prohibitive_tariff_drops_the_market(margin_tiny):
    result = solve_design(margin_tiny, DesignOptions(regime="closed"))
    assert result.status == "optimal"
    assert not [f for f in result.plan.flows if f.market == "M_BKK"]
    assert result.model_kpis.get("model_revenue.M_BKK", 0.0) == 0.0
    kpis = evaluate(margin_tiny, result.plan, regime="closed").kpis()
    assert kpis["delivered_t.M_BKK"] == 0.0
    assert kpis["delivered_t.M_CS"] >= 16.0  # the home market is still served
    assert kpis["tariff_cost"] == 0.0
    # and the margin is what the model said
    served = solve_design(margin_tiny)
    assert result.objective < served.objective


def test_a_tariff_on_kiwi_drops_only_kiwi(margin_tiny):
    result = solve_design(margin_tiny, DesignOptions(regime="kiwi-closed"))
    delivered = delivered_by_market_product(margin_tiny, result, "kiwi-closed")
    assert delivered.get(("M_BKK", "fresh_kiwi"), 0.0) == 0.0
    assert delivered[("M_BKK", "embroidery")] == pytest.approx(0.3)


def test_margin_mode_kpis_give_revenue_and_margin_by_market(margin_tiny, tmp_path):
    out = tmp_path / "run"
    assert main(["solve", str(margin_tiny.folder), "--out", str(out)]) == 0
    kpis = json.loads((out / "kpis.json").read_text())
    for market in ("M_BKK", "M_CS"):
        assert any("revenue" in key and market in key for key in kpis), market
        assert any("margin" in key and market in key for key in kpis), market


# ---------------------------------------------------------------------------------------
# Infeasible: coldchain solve exits 3 and says what is short
# ---------------------------------------------------------------------------------------
def test_infeasible_scenario_exits_3_with_a_diagnosis(scenario_copy, tmp_path, capsys):
    folder = scenario_copy("tiny")
    set_demand(folder, "M_CS", 1, 500.0)  # 21 t of kiwi grow in week 1
    out = tmp_path / "run"
    assert main(["solve", str(folder), "--out", str(out)]) == 3
    diagnosis = json.loads((out / "diagnosis.json").read_text())
    assert diagnosis["status"] == "infeasible"
    (short,) = [p for p in diagnosis["problems"] if p["what"] == "demand"]
    assert (short["market"], short["product"], short["week"]) == ("M_CS", "fresh_kiwi", 1)
    # all 21 t of week 1 go to M_CS, less what spoils on the way in the model's survival
    # view: 2.1-2.5% on tiny's paths to M_CS (issue 16: one hazard per life fitted to the
    # storage-data loss curve overstates small losses; the exact loss there is 0.13%)
    assert 500 - 21 <= short["short_t"] <= 500 - 21 * 0.97
    assert "M_CS" in capsys.readouterr().err
    assert json.loads((out / "kpis.json").read_text())["status"] == "infeasible"
    # first the product's total: which market is left short is the solver's choice
    (total,) = [p for p in diagnosis["problems"] if p["what"] == "demand_total"]
    assert diagnosis["problems"][0]["what"] == "demand_total"
    assert total["short_t"] == pytest.approx(short["short_t"])
    demand = pd.read_csv(folder / "demand.csv")
    wanted = demand[(demand["product"] == "fresh_kiwi") & (demand["week"] <= 1)]["tonnes"].sum()
    assert total["demand_t"] == pytest.approx(wanted) and total["weeks"] == [1]


def test_infeasible_for_want_of_hub_capacity_names_the_hubs(scenario_copy, tmp_path, capsys):
    # every hub size cut to 2 t a week: the fruit is there and routes exist, so the
    # diagnosis names the hubs short of throughput (it used to name only the demand)
    folder = scenario_copy("tiny")
    sizes = pd.read_csv(folder / "hub_sizes.csv")
    sizes["throughput_t_per_week"] = 2.0
    sizes.to_csv(folder / "hub_sizes.csv", index=False)
    out = tmp_path / "run"
    assert main(["solve", str(folder), "--out", str(out)]) == 3
    problems = json.loads((out / "diagnosis.json").read_text())["problems"]
    short = [p for p in problems if p["what"] == "throughput"]
    assert short and all(p["over_t"] > 0 for p in short)
    assert not [p for p in problems if p["what"] == "demand"]
    assert "throughput" in capsys.readouterr().err


def test_a_time_limit_with_a_plan_is_feasible_and_said_plainly(tiny, tmp_path, capsys, monkeypatch):
    # a solve stopped by its time limit with a plan in hand: exit 0, status feasible,
    # limit time, and the console says the time limit stopped it
    import optimizer.design.scored

    stopped = replace(solve_design(tiny), status=Status.FEASIBLE, limit=Limit.TIME)
    monkeypatch.setattr(
        optimizer.design.scored, "solve_design_and_data", lambda network, options: (stopped, None)
    )
    out = tmp_path / "run"
    assert main(["solve", "tiny", "--out", str(out), "--time-limit", "5"]) == 0
    kpis = json.loads((out / "kpis.json").read_text())
    assert (kpis["status"], kpis["limit"]) == ("feasible", "time")
    assert (kpis["model_status"], kpis["model_limit"]) == ("feasible", "time")
    assert "model: feasible, stopped by the time limit" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------
# Same seed, same plan
# ---------------------------------------------------------------------------------------
def test_same_seed_same_scenario_and_plan(tmp_path):
    first = generate(tmp_path / "a", villages=6, hubs=3, markets=2, weeks=2, seed=7)
    second = generate(tmp_path / "b", villages=6, hubs=3, markets=2, weeks=2, seed=7)
    other = generate(tmp_path / "c", villages=6, hubs=3, markets=2, weeks=2, seed=8)
    for name in ("nodes.csv", "supply.csv", "demand.csv", "hub_sizes.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert (first / "supply.csv").read_bytes() != (other / "supply.csv").read_bytes()
    network = small_generated(seed=5, villages=6)
    plans = [solve_design(network, DesignOptions(seed=3)).plan for _ in range(2)]
    again = solve_design(small_generated(seed=5, villages=6), DesignOptions(seed=3)).plan
    pd.testing.assert_frame_equal(plans[0].to_frame(), plans[1].to_frame())
    pd.testing.assert_frame_equal(plans[0].to_frame(), again.to_frame())
    assert plans[0].hubs == again.hubs


# ---------------------------------------------------------------------------------------
# coldchain solve writes kpis.json, and evaluate reads its flows back
# ---------------------------------------------------------------------------------------
def _without_run_record(kpis: dict) -> dict:
    """``kpis`` without the run record (id, time, versions, arguments) and timings."""
    record = ("run_id", "created_utc", "command", "scenario", "scenario_hash")
    return {
        key: value
        for key, value in kpis.items()
        if key not in record
        and not key.startswith(("version_", "param_"))
        and not key.endswith("_seconds")
    }


def test_solve_kpis_json_is_the_library_results_kpis(tiny, tmp_path):
    # what `coldchain solve` writes is solve_and_score's kpis(), no more
    from optimizer.design.scored import solve_and_score

    out = tmp_path / "run"
    assert main(["solve", "tiny", "--out", str(out)]) == 0
    written = json.loads((out / "kpis.json").read_text())
    scored = solve_and_score(tiny, DesignOptions.from_network(tiny))
    expected = json.loads(json.dumps(scored.kpis()))
    assert list(_without_run_record(written)) == list(_without_run_record(expected))
    assert _without_run_record(written) == _without_run_record(expected)
    tables = scored.to_frames()
    assert list(tables) == ["flows", "hubs", "deliveries", "trips", "warehouses"]
    for name, frame in tables.items():
        assert (out / f"{name}.csv").read_text() == frame.to_csv(index=False), name


def test_solve_writes_kpis_and_evaluate_reads_its_flows_back(tiny, tmp_path):
    out, again = tmp_path / "solve", tmp_path / "evaluate"
    assert main(["solve", "tiny", "--out", str(out)]) == 0
    kpis = json.loads((out / "kpis.json").read_text())
    solver_keys = ("status", "objective", "bound", "gap", "solve_seconds", "build_seconds")
    for key in (*solver_keys, "solver", "total_cost", *COST_KEYS, "spoilage_t"):
        assert key in kpis, key
    for key in ("spoilage_rate", "co2_t", "delivered_t", "mean_delivery_days"):
        assert key in kpis, key
    # the headline is the evaluated cost; the bound is the relaxation's, below it; tiny's
    # plan (with part loads, the enumeration's best) is within 0.2% of it, which is not
    # the asked gap of 1e-6: feasible
    assert kpis["status"] == "feasible" and kpis["limit"] == "none"
    assert kpis["objective"] == kpis["total_cost"] and kpis["objective_sense"] == "cost"
    assert kpis["bound"] <= kpis["objective"] and 0 < kpis["gap"] < 2e-3 and kpis["bound_note"]
    assert kpis["gap"] == pytest.approx((kpis["objective"] - kpis["bound"]) / kpis["bound"])
    assert kpis["model_status"] == "optimal" and kpis["model_gap"] <= 1e-6
    assert kpis["model_objective"] == pytest.approx(solve_design(tiny).objective, rel=REL)
    assert kpis["total_cost"] == pytest.approx(sum(kpis[k] for k in COST_KEYS), rel=1e-12)
    assert "highs" in kpis["solver"].lower()
    # the model's spoilage (survival view) beside the evaluator's (exact view)
    assert kpis["model_spoilage_t"] > 0 and kpis["spoilage_t"] > 0
    assert main(["evaluate", "tiny", "--plan", str(out / "flows.csv"), "--out", str(again)]) == 0
    back = json.loads((again / "kpis.json").read_text())
    assert back["total_cost"] == pytest.approx(kpis["total_cost"], rel=1e-9)
    assert back["spoilage_t"] == pytest.approx(kpis["spoilage_t"], rel=1e-9)
    assert back["delivered_t"] == pytest.approx(kpis["delivered_t"], rel=1e-9)


# ---------------------------------------------------------------------------------------
# Single sourcing
# ---------------------------------------------------------------------------------------
def hubs_used_by_village(plan) -> dict[str, set[str]]:
    used = defaultdict(set)
    for f in plan.flows:
        used[f.village].add(f.county_hub)
    return used


@pytest.mark.parametrize("seed", [1, 2])
def test_single_sourcing_equals_brute_force_over_assignments(seed):
    network = small_generated(seed=seed, villages=4, hubs=2, hubs_per_village=2)
    inbound = defaultdict(list)
    for leg in network.legs:
        if network.nodes[leg.origin].kind == "village":
            inbound[leg.origin].append(leg)
    assert all(len(legs) == 2 for legs in inbound.values())
    # Brute force: for each assignment of villages to hubs, price the other village legs
    # out of use (removing them would leave a hub with no inbound leg, see the xfail
    # above) and solve the free model.
    penalty = 1e7  # CNY/t, far above any plan's total cost
    best = None
    for choice in itertools.product(*inbound.values()):
        keep = {leg.id for leg in choice}
        legs = tuple(
            leg
            if leg.id in keep or leg.origin not in inbound
            else replace(leg, cost_cny_per_t=penalty)
            for leg in network.legs
        )
        result = solve_design(network.replace(legs=legs), DesignOptions(trips="linear"))
        if result.status == "optimal" and result.objective < penalty:
            if best is None or result.objective < best.objective:
                best = result
    single = solve_design(network, DesignOptions(single_sourcing=True, trips="linear"))
    free = solve_design(network, DesignOptions(trips="linear"))
    assert single.status == "optimal"
    assert single.objective == pytest.approx(best.objective, rel=REL)
    assert free.objective <= single.objective * (1 + REL)
    assert all(len(hubs) == 1 for hubs in hubs_used_by_village(single.plan).values())
    evaluate(network, single.plan)


def test_single_sourcing_on_tiny_uses_one_hub_per_village(tiny):
    result = solve_design(tiny, DesignOptions(single_sourcing=True))
    assert result.status == "optimal"
    assert all(len(hubs) == 1 for hubs in hubs_used_by_village(result.plan).values())
    assert result.objective >= solve_design(tiny).objective * (1 - REL)
    assert math.isfinite(evaluate(tiny, result.plan).kpis()["total_cost"])


def test_solve_scores_the_status_quo_beside_its_plan(scenario_copy, tmp_path, capsys):
    # a scenario with plans/status-quo.csv: the solve says how its plan compares
    folder = scenario_copy("tiny")
    for suffix in (".csv", ".hubs.csv"):
        (folder / f"plans/status-quo{suffix}").write_text(
            (folder / f"plans/by-hand{suffix}").read_text()
        )
    out = tmp_path / "run"
    assert main(["solve", str(folder), "--out", str(out)]) == 0
    kpis = json.loads((out / "kpis.json").read_text())
    network = folder.load()
    today = evaluate(network, read_plan(folder / "plans/status-quo.csv")).kpis()
    assert kpis["status_quo_objective"] == pytest.approx(today["total_cost"], rel=1e-12)
    # cost mode: better means cheaper
    assert kpis["versus_status_quo"] == pytest.approx(today["total_cost"] - kpis["total_cost"])
    assert kpis["versus_status_quo"] > 0  # the optimized plan beats the hand-made one
    assert "status quo (plans/status-quo)" in capsys.readouterr().out


def test_a_broken_status_quo_plan_stops_solve_before_solving(scenario_copy, tmp_path, capsys):
    # the plan beside the solve is the scenario's input: refused at once, exit 2, no run
    folder = scenario_copy("tiny")
    (folder / "plans/status-quo.csv").write_text(
        (folder / "plans/by-hand.csv").read_text().replace("H_JS", "H_NOWHERE", 1)
    )
    (folder / "plans/status-quo.hubs.csv").write_text(
        (folder / "plans/by-hand.hubs.csv").read_text()
    )
    out = tmp_path / "run"
    assert main(["solve", str(folder), "--out", str(out)]) == 2
    assert "plans/status-quo.csv:" in capsys.readouterr().err
    assert not out.exists()
