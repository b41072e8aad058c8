"""Nodes from GeoJSON and GeoPackage: the same network as from nodes.csv, and problems
named by the GIS file and the feature number.

What each test checks, and how, is in this folder's conftest.py.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from instances.scenario import load_folder
from networks.errors import ScenarioError

KINDS = "village, county_hub, bonded_zone, port, overseas_warehouse, market"


def write_geo_nodes(folder, name: str, crs: str = "EPSG:4326", extra: dict | None = None):
    """Rewrite nodes.csv as a GIS file (all properties text, as in the CSV) and use it."""
    frame = pd.read_csv(folder / "nodes.csv", dtype=str, keep_default_na=False)
    if extra is not None:
        frame = pd.concat([frame, pd.DataFrame([extra])], ignore_index=True).fillna("")
    geometry = gpd.points_from_xy(frame["lon"].astype(float), frame["lat"].astype(float))
    nodes = gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat"]), geometry=geometry, crs="EPSG:4326"
    ).to_crs(crs)
    nodes.to_file(folder / name)
    (folder / "nodes.csv").unlink()
    folder.use_files(nodes=name)
    return len(frame)


def test_geojson_nodes_load_the_same_network(folder):
    reference = load_folder(folder)
    write_geo_nodes(folder, "nodes.geojson")
    network = load_folder(folder)
    assert dict(network.nodes) == dict(reference.nodes)
    assert network.legs == reference.legs
    pd.testing.assert_frame_equal(network.supply, reference.supply)


def test_geopackage_nodes_in_another_crs_are_reprojected(folder):
    reference = load_folder(folder)
    write_geo_nodes(folder, "nodes.gpkg", crs="EPSG:3857")
    network = load_folder(folder)
    assert list(network.nodes) == list(reference.nodes)
    for node_id, node in reference.nodes.items():
        other = network.nodes[node_id]
        assert (other.lon, other.lat) == pytest.approx((node.lon, node.lat), abs=1e-9)
        assert other.kind == node.kind and other.name == node.name


def test_geojson_bad_feature_reports_its_feature_number(folder, rejected):
    count = write_geo_nodes(
        folder,
        "nodes.geojson",
        extra={
            "id": "X1",
            "name": "Mystery",
            "kind": "hamlet",
            "lon": "109.9",
            "lat": "28.3",
            "country": "CN",
        },
    )
    rejected(folder, rf"nodes\.geojson:{count}: kind: expected one of {KINDS}, got hamlet")


def test_geojson_nodes_problems_name_the_geojson_file(folder, rejected):
    write_geo_nodes(folder, "nodes.geojson")
    folder.drop_lines("legs.csv", "V3,H_FH,", "V3,H_JS,")
    # V3 is the third feature
    rejected(folder, r"nodes\.geojson:3: id: expected a village with a leg .*, got V3")


def test_geojson_nodes_leg_to_unknown_node_names_the_geojson_file(folder, rejected):
    write_geo_nodes(folder, "nodes.geojson")
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road", "V3,H_XX,road")
    rejected(
        folder, rf"legs\.csv:{line}: destination: expected a node id of nodes\.geojson, got H_XX"
    )


def test_geojson_nodes_size_of_unknown_hub_names_the_geojson_file(folder):
    write_geo_nodes(folder, "nodes.geojson")
    line = folder.append("hub_sizes.csv", "H_XX,small,1,1,1,air,x")
    with pytest.raises(ScenarioError) as info:
        load_folder(folder)
    assert [str(p) for p in info.value.problems] == [
        f"hub_sizes.csv:{line}: hub: expected a county_hub id of nodes.geojson, got H_XX"
    ]
