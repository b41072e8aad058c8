"""CFLP readers (OR-Library, Holmberg) and the CFLP as a network design scenario."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from instances.cflp import (
    CflpInstance,
    cflp_files,
    cflp_format,
    cflp_network,
    read_cflp,
    read_optima,
)
from networks.errors import ScenarioError

# m = 2 facilities, n = 3 customers. Costs c[i, j] (all of j from i):
#   facility 1: 10 20 30     facility 2: 11 21 31
ORLIB = """ 2 3
 100 7.5
 capacity_placeholder 0.
 5
 10 11
 6 20
 21 7 30
 31
"""

HOLMBERG = """2 3
100 7
50 8
5 6 7
10 20 30
11 21 31
"""


def write(path, text: str, nul: int = 0):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() + b"\0" * nul)
    return path


def test_orlib_reads_customer_blocks_across_line_breaks(tmp_path):
    path = write(tmp_path / "cap11.txt", ORLIB.replace("capacity_placeholder", "50"))
    (instance,) = read_cflp(path)
    assert instance.name == "cap11"
    assert instance.family == "orlib"
    assert instance.published_sourcing == "multi"
    np.testing.assert_array_equal(instance.capacity, [100, 50])
    np.testing.assert_array_equal(instance.fixed_cost, [7.5, 0])
    np.testing.assert_array_equal(instance.demand, [5, 6, 7])
    # stored facility-major: cost[i, j]
    np.testing.assert_array_equal(instance.cost, [[10, 20, 30], [11, 21, 31]])
    assert not instance.cost.flags.writeable


def test_capacity_word_gives_beasley_variants(tmp_path):
    text = ORLIB.replace("100 7.5", "capacity 7.5").replace("capacity_placeholder", "capacity")
    instances = read_cflp(write(tmp_path / "capb.txt", text))
    assert [i.name for i in instances] == ["capb-5000", "capb-6000", "capb-7000", "capb-8000"]
    np.testing.assert_array_equal(instances[0].capacity, [5000, 5000])
    np.testing.assert_array_equal(instances[3].capacity, [8000, 8000])
    assert all(np.array_equal(i.cost, instances[0].cost) for i in instances)


def test_capacity_word_in_unknown_file_is_an_error_unless_given(tmp_path):
    text = ORLIB.replace("100 7.5", "capacity 7.5").replace("capacity_placeholder", "capacity")
    path = write(tmp_path / "capz.txt", text)
    with pytest.raises(ScenarioError, match=r"capz\.txt:2: capacity: expected a number"):
        read_cflp(path)
    assert [i.name for i in read_cflp(path, capacities=(60.0,))] == ["capz-60"]


def test_capacity_word_for_some_facilities_only_is_an_error(tmp_path):
    path = write(tmp_path / "capa.txt", ORLIB.replace("capacity_placeholder", "capacity"))
    with pytest.raises(ScenarioError, match="for every facility or for none"):
        read_cflp(path)


def test_holmberg_rows_are_facilities_and_nul_padding_is_whitespace(tmp_path):
    path = write(tmp_path / "holmberg" / "p7", HOLMBERG, nul=40)
    assert cflp_format(path) == "holmberg"
    (instance,) = read_cflp(path)
    assert instance.name == "holmberg-p7"
    assert instance.published_sourcing == "single"
    np.testing.assert_array_equal(instance.capacity, [100, 50])
    np.testing.assert_array_equal(instance.fixed_cost, [7, 8])
    np.testing.assert_array_equal(instance.demand, [5, 6, 7])
    np.testing.assert_array_equal(instance.cost, [[10, 20, 30], [11, 21, 31]])


def test_holmberg_told_by_name_or_by_fmt(tmp_path):
    assert cflp_format(tmp_path / "p12") == "holmberg"
    assert cflp_format(tmp_path / "cap41.txt") == "orlib"
    path = write(tmp_path / "other.dat", HOLMBERG)
    (instance,) = read_cflp(path, fmt="holmberg")
    np.testing.assert_array_equal(instance.cost, [[10, 20, 30], [11, 21, 31]])


def test_wrong_token_count_names_the_expected_count(tmp_path):
    path = write(tmp_path / "cap12.txt", ORLIB.replace("capacity_placeholder", "50") + " 4\n")
    expected = r"cap12\.txt:9: tokens: expected 15 numbers .* got 16"
    with pytest.raises(ScenarioError, match=expected):
        read_cflp(path)


def test_every_bad_number_is_reported_with_its_line(tmp_path):
    text = HOLMBERG.replace("5 6 7", "5 x 7").replace("11 21 31", "11 21 y")
    with pytest.raises(ScenarioError) as info:
        read_cflp(write(tmp_path / "holmberg" / "p3", text))
    lines = [str(p) for p in info.value.problems]
    assert lines == [
        "holmberg/p3:4: demand: expected a number, got x",
        "holmberg/p3:6: cost: expected a number, got y",
    ]


def test_cflp_files_finds_both_families_in_natural_order(tmp_path):
    for name in ("cap101.txt", "cap41.txt", "capopt.txt", "README.md", "optima.csv"):
        write(tmp_path / name, "")
    for name in ("p13", "p2"):
        write(tmp_path / "holmberg" / name, "")
    names = [p.relative_to(tmp_path).as_posix() for p in cflp_files(tmp_path)]
    assert names == ["cap41.txt", "cap101.txt", "holmberg/p2", "holmberg/p13"]


def test_read_optima_keys_by_instance_and_sourcing(tmp_path):
    path = write(
        tmp_path / "optima.csv",
        "instance,optimal_value,single_or_multi_sourcing,source_repo,source_path\n"
        "cap61,932615.750,multi,a,b\ncap61,932615.75,single,a,b\nholmberg-p1,8848,single,a,b\n",
    )
    assert read_optima(path) == {
        ("cap61", "multi"): 932615.75,
        ("cap61", "single"): 932615.75,
        ("holmberg-p1", "single"): 8848.0,
    }
    bad = write(tmp_path / "bad.csv", "instance,optimal_value,single_or_multi_sourcing\nx,1,both\n")
    with pytest.raises(ScenarioError, match=r"bad\.csv:2: single_or_multi_sourcing"):
        read_optima(bad)


# --- the network form -------------------------------------------------------------------
def test_network_is_valid_and_prices_all_of_a_customer_at_c_ij():
    instance = CflpInstance("t", [100, 50], [7, 8], [5, 6, 7], [[10, 20, 30], [11, 21, 31]])
    network = cflp_network(instance)
    assert network.validate() == []
    assert len(network.villages) == 3 and len(network.county_hubs) == 2
    assert len(network.legs) == 3 * 2 + 2
    leg = network.leg("C3", "F2", "road")
    assert leg.cost_cny_per_t * 7 == pytest.approx(31)
    assert network.leg("F1", "M", "road").cost_cny_per_t == 0
    (size,) = network.nodes["F2"].sizes
    assert (size.fixed_cost_cny, size.throughput_t_per_week, size.cold_storage_t) == (8, 50, 0)
    assert network.demand["tonnes"].sum() == pytest.approx(18)


def test_zero_demand_customers_are_left_out():
    instance = CflpInstance("t", [100, 50], [7, 8], [5, 0, 7], [[10, 0, 30], [11, 0, 31]])
    network = cflp_network(instance)
    assert [v.id for v in network.villages] == ["C1", "C3"]
    costly = CflpInstance("t", [100, 50], [7, 8], [5, 0, 7], [[10, 4, 30], [11, 0, 31]])
    with pytest.warns(UserWarning, match="zero demand and nonzero cost"):
        cflp_network(costly)


def _transport_lp(instance: CflpInstance, open_: tuple[int, ...]) -> float:
    """Least assignment cost with facilities ``open_``, splittable (highspy LP)."""
    import highspy

    m = len(open_)
    n = instance.customers
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # x[k, j]: fraction of customer j served by open facility open_[k], column k * n + j
    h.addVars(m * n, np.zeros(m * n), np.ones(m * n))
    costs = instance.cost[list(open_), :].ravel()
    h.changeColsCost(m * n, np.arange(m * n, dtype=np.int32), costs)
    for j in range(n):
        index = np.array([k * n + j for k in range(m)], dtype=np.int32)
        h.addRow(1.0, 1.0, m, index, np.ones(m))
    for k, i in enumerate(open_):
        index = np.arange(k * n, (k + 1) * n, dtype=np.int32)
        h.addRow(-highspy.kHighsInf, instance.capacity[i], n, index, instance.demand)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return math.inf
    return h.getInfo().objective_function_value


def brute_force(instance: CflpInstance, single: bool) -> float:
    """Exhaustive CFLP optimum: every facility subset (multi) or every assignment (single)."""
    m, n = instance.facilities, instance.customers
    if single:
        best = math.inf
        for assign in itertools.product(range(m), repeat=n):
            load = np.bincount(assign, weights=instance.demand, minlength=m)
            if (load > instance.capacity + 1e-9).any():
                continue
            opened = set(assign)
            cost = sum(instance.fixed_cost[i] for i in opened)
            cost += sum(instance.cost[i, j] for j, i in enumerate(assign))
            best = min(best, cost)
        return best
    best = math.inf
    for r in range(1, m + 1):
        for open_ in itertools.combinations(range(m), r):
            if instance.capacity[list(open_)].sum() < instance.demand.sum():
                continue
            best = min(
                best, instance.fixed_cost[list(open_)].sum() + _transport_lp(instance, open_)
            )
    return best


def random_instance(seed: int, m: int = 3, n: int = 5) -> CflpInstance:
    rng = np.random.default_rng(seed)
    demand = rng.integers(3, 12, n).astype(float)
    capacity = rng.integers(10, 25, m).astype(float)
    while capacity.sum() < 1.3 * demand.sum():
        capacity += 3
    fixed = rng.integers(5, 60, m).astype(float)
    unit = rng.uniform(0.5, 6.0, (m, n))
    return CflpInstance(f"random-{seed}", capacity, fixed, demand, unit * demand)


# Hand-made: splitting customer 3 across both facilities beats serving it whole.
HAND = CflpInstance(
    "hand",
    capacity=[10, 10, 30],
    fixed_cost=[5, 5, 40],
    demand=[6, 6, 8],
    cost=[[6, 60, 16], [60, 6, 16], [30, 30, 40]],
)


def test_hand_made_optima_differ_by_sourcing_as_worked_out():
    # multi: open F1, F2; C1 -> F1, C2 -> F2, C3 split 4/4 (16 + 16)/2: 10 + 6 + 6 + 16 = 38
    # single: C3 fits neither small facility with C1/C2 there: best is 5 + 5 + 40 + ...
    assert brute_force(HAND, single=False) == pytest.approx(38)
    assert brute_force(HAND, single=True) > 38


@pytest.mark.parametrize("single", [False, True], ids=["multi", "single"])
@pytest.mark.parametrize("instance", [HAND, *[random_instance(s) for s in range(4)]], ids=str)
def test_model_optimum_equals_brute_force(instance, single):
    from optimizer.design.network_design import DesignOptions, solve_design

    expected = brute_force(instance, single)
    result = solve_design(
        cflp_network(instance), DesignOptions(solver="highs", gap=1e-9, single_sourcing=single)
    )
    assert result.status == "optimal"
    assert result.objective == pytest.approx(expected, rel=1e-7)
