"""The Network: GeoDataFrame views, immutability, and validation of kinds that follow."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from networks.legs import DIRECT_MAIL_ONLY, FOLLOWS, Leg, Mode
from networks.network import Network
from networks.nodes import (
    BondedZone,
    CountyHub,
    HubSize,
    Market,
    NodeKind,
    OverseasWarehouse,
    Port,
    PortMode,
    Village,
)
from networks.periods import Periods
from networks.products import Product


# --- GeoDataFrame views ----------------------------------------------------------------
def test_nodes_frame_is_a_geodataframe_in_wgs84_with_one_point_per_node(tiny):
    frame = tiny.nodes_frame()
    assert frame.crs.to_epsg() == 4326
    assert len(frame) == len(tiny.nodes) == 10
    assert frame.geometry.geom_type.eq("Point").all()
    assert frame["id"].tolist() == list(tiny.nodes)
    for row in frame.itertuples():
        node = tiny.nodes[row.id]
        assert row.geometry.equals(Point(node.lon, node.lat))
        assert row.kind == str(node.kind)
    assert frame["kind"].value_counts().to_dict() == {
        "village": 3,
        "county_hub": 2,
        "market": 2,
        "bonded_zone": 1,
        "port": 1,
        "overseas_warehouse": 1,
    }


def test_legs_frame_is_a_geodataframe_of_straight_lines_in_wgs84(tiny):
    frame = tiny.legs_frame()
    assert frame.crs.to_epsg() == 4326
    assert len(frame) == len(tiny.legs) == 14
    assert frame.geometry.geom_type.eq("LineString").all()
    assert frame["id"].tolist() == [leg.id for leg in tiny.legs]
    for row, leg in zip(frame.itertuples(), tiny.legs, strict=True):
        a, b = tiny.nodes[leg.origin], tiny.nodes[leg.destination]
        assert row.geometry.equals(LineString([(a.lon, a.lat), (b.lon, b.lat)]))
        assert row.mode == str(leg.mode) and row.distance_km == leg.distance_km


def test_frames_are_fresh_copies(tiny):
    frame = tiny.nodes_frame()
    frame.loc[0, "name"] = "changed"
    assert tiny.nodes_frame().loc[0, "name"] != "changed"


# --- immutability ----------------------------------------------------------------------
def test_setting_an_attribute_raises(tiny):
    with pytest.raises(dataclasses.FrozenInstanceError):
        tiny.name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        tiny.nodes["V1"].lat = 0.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        tiny.legs[0].hours = 0.0  # type: ignore[misc]


def test_mappings_and_leg_tuple_are_read_only(tiny):
    with pytest.raises(TypeError):
        tiny.nodes["X"] = tiny.nodes["V1"]  # type: ignore[index]
    with pytest.raises(TypeError):
        tiny.products["x"] = None  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        tiny.design.gap = 0.5  # type: ignore[misc]
    assert isinstance(tiny.legs, tuple)


def test_supply_and_demand_number_arrays_are_read_only(tiny):
    for frame, columns in (
        (tiny.supply, ("week", "tonnes")),
        (tiny.demand, ("week", "tonnes", "price_cny_per_t")),
    ):
        for column in columns:
            values = frame[column].to_numpy()
            assert not values.flags.writeable, column
            with pytest.raises(ValueError, match="read-only"):
                values[0] = 1


def test_replace_derives_a_variant_and_leaves_the_original(tiny):
    other = tiny.replace(name="variant")
    assert other.name == "variant" and tiny.name == "tiny"
    assert other.nodes == tiny.nodes


@pytest.mark.filterwarnings("ignore::pandas.errors.ChainedAssignmentError")
@pytest.mark.parametrize("table", ["supply", "demand"])
def test_supply_and_demand_cannot_be_changed_through_the_frame(table, tiny):
    network = tiny
    before = getattr(network, table).copy()
    column = "village" if table == "supply" else "market"
    # chained, on the frame the attribute hands out (pandas warns that this writes nowhere)
    getattr(network, table).loc[0, "tonnes"] = 99.0
    getattr(network, table).loc[0, column] = "X"
    # through a frame held by the caller: the caller's copy changes, the network does not
    frame = getattr(network, table)
    frame.loc[0, "tonnes"] = 99.0
    frame.loc[0, column] = "X"
    frame["tonnes"] *= 2
    frame["extra"] = 1
    assert frame.loc[0, "tonnes"] == 198.0  # the caller may still work on its copy
    pd.testing.assert_frame_equal(getattr(network, table), before)
    assert network.validate() == []


# --- validation: which kinds may follow which -----------------------------------------
def test_follows_table_is_the_one_the_design_fixes():
    k = NodeKind
    assert FOLLOWS == {
        k.VILLAGE: {k.COUNTY_HUB},
        k.COUNTY_HUB: {k.BONDED_ZONE, k.PORT, k.MARKET},
        k.BONDED_ZONE: {k.PORT, k.MARKET},
        k.PORT: {k.PORT, k.OVERSEAS_WAREHOUSE, k.MARKET},
        k.OVERSEAS_WAREHOUSE: {k.MARKET},
        k.MARKET: set(),
    }
    assert DIRECT_MAIL_ONLY == (k.BONDED_ZONE, k.MARKET, Mode.PARCEL)


SIZE = HubSize("small", 1000.0, 10.0, 10.0)
NODES = {
    NodeKind.VILLAGE: Village(id="V", name="V", lon=109.8, lat=28.3),
    NodeKind.COUNTY_HUB: CountyHub(id="H", name="H", lon=109.7, lat=28.3, sizes=(SIZE,)),
    NodeKind.BONDED_ZONE: BondedZone(
        id="B", name="B", lon=113.2, lat=28.2, customs_modes=("9610",)
    ),
    NodeKind.PORT: Port(id="P", name="P", lon=113.6, lat=22.8, port_mode=PortMode.SEA),
    NodeKind.OVERSEAS_WAREHOUSE: OverseasWarehouse(
        id="W", name="W", lon=103.9, lat=1.3, country="SG"
    ),
    NodeKind.MARKET: Market(id="M", name="M", lon=112.9, lat=28.2),
}
# A second node of each kind, so that a leg can join two nodes of one kind.
NODES2 = {k: dataclasses.replace(n, id=n.id + "2") for k, n in NODES.items()}
BASE_LEGS = (  # a valid path V -> H -> M; every other node is left unconnected
    Leg("V", "H", Mode.ROAD, False, 10.0, 1.0),
    Leg("H", "M", Mode.ROAD, True, 400.0, 8.0, temp_c=2.0),
)


def small_network(*extra_legs: Leg) -> Network:
    product = Product("kiwi", "Kiwi", "0810.50", 6.0, frozenset({"CN", "SG"}))
    return Network(
        name="small",
        nodes={n.id: n for n in [*NODES.values(), *NODES2.values()]},
        legs=BASE_LEGS + extra_legs,
        products={"kiwi": product},
        periods=Periods(("w1",), (20.0,)),
        supply=pd.DataFrame(
            {"village": ["V", "V2"], "product": "kiwi", "week": 1, "tonnes": [5.0, 1.0]}
        ),
        demand=pd.DataFrame(
            {
                "market": ["M", "M2"],
                "product": "kiwi",
                "week": 1,
                "tonnes": [4.0, 1.0],
                "price_cny_per_t": 1.0,
                "firm": "",
            }
        ),
    )


def kind_problems(network: Network) -> list[str]:
    return [str(p) for p in network.validate() if p.field in ("destination", "mode")]


def test_small_network_valid_but_for_its_unconnected_spares():
    # V2 has no leg, M2 is reached by none; nothing else is wrong.
    assert sorted(str(p) for p in small_network().validate()) == sorted(
        [
            "nodes.csv: id: expected a village with a leg to a county hub (none listed or "
            "within the leg rules' reach), got V2",
            "nodes.csv: id: expected a market that some path from a village reaches, got M2",
        ]
    )


@pytest.mark.parametrize(
    ("a", "b"),
    list(itertools.product(list(NodeKind), repeat=2)),
    ids=lambda k: str(k),
)
def test_validate_rejects_exactly_the_legs_follows_forbids(a, b):
    # a network built in code has no origins: problems name legs.csv, without a line
    destination = NODES2[b] if a == b else NODES[b]
    leg = Leg(NODES[a].id, destination.id, Mode.PARCEL, False, 100.0, 2.0)
    problems = kind_problems(small_network(leg))
    if b in FOLLOWS[a]:
        assert problems == []
    else:
        assert problems == [
            f"legs.csv: destination: expected a {' or '.join(sorted(FOLLOWS[a])) or 'nothing'} "
            f"after a {a} ({leg.id}), got {b}"
        ]


def test_validate_rejects_a_bonded_zone_to_market_leg_not_by_parcel():
    leg = Leg("B", "M", Mode.ROAD, True, 30.0, 1.0, temp_c=2.0)
    assert kind_problems(small_network(leg)) == [
        "legs.csv: mode: expected parcel from a bonded zone to a market (B>M:road-reefer), got road"
    ]


def test_validate_reports_every_problem_not_only_the_first():
    bad = (
        Leg("V", "M", Mode.ROAD, False, 10.0, 1.0),  # village -> market
        Leg("M", "V", Mode.ROAD, False, 10.0, 1.0),  # market -> anything
        Leg("V", "NOWHERE", Mode.ROAD, False, 10.0, 1.0),  # unknown node
        Leg("V", "H", Mode.ROAD, False, 10.0, 1.0),  # duplicate of a base leg
    )
    problems = small_network(*bad).validate()
    fields = sorted(p.field for p in problems)
    assert fields.count("destination") == 3  # two kinds that cannot follow, one unknown node
    assert "id" in fields  # the duplicate leg
    assert len(problems) >= 6  # plus V2 and M2 as above


def test_hub_without_size_option_is_a_problem():
    network = small_network().replace(
        nodes={
            **{n.id: n for n in [*NODES.values(), *NODES2.values()]},
            "H": dataclasses.replace(NODES[NodeKind.COUNTY_HUB], sizes=()),
        }
    )
    assert "nodes.csv: id: expected a county hub with a size option in hub_sizes.csv, got H" in [
        str(p) for p in network.validate()
    ]


def test_negative_supply_is_a_problem():
    network = small_network()
    supply = network.supply.copy()
    supply["tonnes"] = np.array([-1.0, 1.0])
    problems = [str(p) for p in network.replace(supply=supply).validate()]
    assert "supply.csv: tonnes: expected a finite number >= 0, got -1.0" in problems


def test_infinite_demand_is_a_problem():
    network = small_network()
    demand = network.demand.copy()
    demand["tonnes"] = np.array([np.inf, 1.0])
    problems = [str(p) for p in network.replace(demand=demand).validate()]
    assert "demand.csv: tonnes: expected a finite number >= 0, got inf" in problems


def test_validate_names_the_file_and_line_of_origins():
    bad = Leg("V", "M", Mode.ROAD, False, 10.0, 1.0)
    network = small_network(bad).replace(
        origins={
            "file:nodes": ("nodes.geojson", None),
            f"leg:{bad.id}": ("routes.csv", 7),
            "node:V2": ("nodes.geojson", 8),
            "node:M2": ("nodes.geojson", 12),
        }
    )
    assert sorted(str(p) for p in network.validate()) == sorted(
        [
            "routes.csv:7: destination: expected a county_hub after a village (V>M:road), "
            "got market",
            "nodes.geojson:8: id: expected a village with a leg to a county hub (none listed "
            "or within the leg rules' reach), got V2",
            "nodes.geojson:12: id: expected a market that some path from a village reaches, got M2",
        ]
    )


def test_check_raises_with_every_problem_and_returns_a_valid_network(tiny):
    assert tiny.check() is tiny
    with pytest.raises(ValueError, match=r"(?s)V2.*M2"):
        small_network().check()
