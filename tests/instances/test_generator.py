"""Generated scenarios: any size and seed validates, a seed fixes the files, row order
does not matter."""

from __future__ import annotations

import dataclasses
import filecmp
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instances import generate, load_folder
from networks.network import Network
from networks.nodes import NodeKind

FAST = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

sizes = st.fixed_dictionaries(
    {
        "villages": st.integers(1, 30),
        "hubs": st.integers(1, 6),
        "markets": st.integers(1, 7),
        "weeks": st.integers(1, 6),
        "firms": st.integers(1, 5),
        "products": st.integers(1, 3),
        "seed": st.integers(0, 2**32 - 1),
    }
)

TABLES = ("nodes.csv", "supply.csv", "demand.csv", "hub_sizes.csv", "legs.csv", "firms.csv")


@FAST
@given(size=sizes)
def test_any_generated_scenario_validates(size):
    with tempfile.TemporaryDirectory() as tmp:
        network = load_folder(generate(Path(tmp) / "s", **size))
    assert network.validate() == []
    assert len(network.villages) == size["villages"]
    assert len(network.county_hubs) == size["hubs"]
    assert len(network.markets) == size["markets"]
    assert len(network.periods.labels) == size["weeks"]
    assert len(network.firms) == size["firms"]
    assert len(network.products) == size["products"]
    assert all(hub.sizes for hub in network.county_hubs)
    assert (network.supply["tonnes"] >= 0).all() and (network.demand["tonnes"] >= 0).all()
    assert set(network.supply["week"]) <= set(network.periods.weeks)


@FAST
@given(size=sizes)
def test_same_seed_gives_identical_files(size):
    with tempfile.TemporaryDirectory() as tmp:
        one = generate(Path(tmp) / "one", **size)
        two = generate(Path(tmp) / "two", **size)
        names = sorted(p.name for p in one.iterdir())
        assert names == sorted(p.name for p in two.iterdir())
        match, mismatch, errors = filecmp.cmpfiles(one, two, names, shallow=False)
        assert mismatch == [] and errors == []


def test_another_seed_gives_other_villages(tmp_path):
    one = generate(tmp_path / "one", villages=5, seed=1)
    two = generate(tmp_path / "two", villages=5, seed=2)
    assert (one / "nodes.csv").read_text() != (two / "nodes.csv").read_text()


def test_generate_refuses_more_markets_than_it_has_places_for(tmp_path):
    # the generator has the domestic market and six foreign ones (places.csv)
    assert len(load_folder(generate(tmp_path / "s", villages=2, hubs=1, markets=7)).markets) == 7
    with pytest.raises(ValueError, match="markets: expected at most 7"):
        generate(tmp_path / "t", villages=2, hubs=1, markets=10)


# --- shuffling rows changes nothing ----------------------------------------------------
def shuffle_tables(folder: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for name in TABLES:
        path = folder / name
        if not path.is_file():
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.iloc[rng.permutation(len(frame))].to_csv(path, index=False)


def node_key(network: Network) -> dict:
    """Nodes by id, a hub's size options as a set (their order is that of the rows)."""
    return {
        node_id: dataclasses.replace(node, sizes=tuple(sorted(node.sizes, key=lambda s: s.name)))
        if node.kind == NodeKind.COUNTY_HUB
        else node
        for node_id, node in network.nodes.items()
    }


def leg_set(network: Network) -> set:
    return set(network.legs)


def sorted_frame(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def assert_same_network(a: Network, b: Network) -> None:
    assert node_key(a) == node_key(b)
    assert leg_set(a) == leg_set(b)
    assert len(a.legs) == len(b.legs)
    pd.testing.assert_frame_equal(
        sorted_frame(a.supply, ["village", "product", "week"]),
        sorted_frame(b.supply, ["village", "product", "week"]),
    )
    pd.testing.assert_frame_equal(
        sorted_frame(a.demand, ["market", "product", "week", "firm"]),
        sorted_frame(b.demand, ["market", "product", "week", "firm"]),
    )
    assert dict(a.firms) == dict(b.firms)
    assert dict(a.products) == dict(b.products)
    assert a.periods == b.periods


@FAST
@given(size=sizes, shuffle_seed=st.integers(0, 2**32 - 1))
def test_shuffling_rows_of_a_generated_scenario_changes_nothing(size, shuffle_seed):
    with tempfile.TemporaryDirectory() as tmp:
        original = generate(Path(tmp) / "original", **size)
        shuffled = Path(tmp) / "shuffled"
        shutil.copytree(original, shuffled)
        shuffle_tables(shuffled, shuffle_seed)
        assert_same_network(load_folder(original), load_folder(shuffled))


@settings(max_examples=10, deadline=None)
@given(shuffle_seed=st.integers(0, 2**32 - 1))
def test_shuffling_rows_of_tiny_changes_nothing(tiny, scenario_copy, shuffle_seed):
    shuffled = scenario_copy("tiny")
    shuffle_tables(shuffled, shuffle_seed)
    assert_same_network(tiny, shuffled.load())


def test_a_generated_scenario_can_be_routed(tmp_path):
    # generate writes a collection fleet too: route works on what it wrote, and the
    # routes it returns pass the independent route check (route_day raises otherwise)
    from instances import generate, load_scenario
    from optimizer.routing import route_day

    network = load_scenario(generate(tmp_path / "g", villages=6, hubs=2, seed=3))
    day = route_day(network, day=1, time_limit=2, seed=1)
    assert day.status.has_plan and day.kpis()["pickups"] > 0
