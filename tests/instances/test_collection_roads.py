"""Collection routing measures roads on the scenario's road graph, when it has one."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from instances.collection import collection_problem
from networks.distances import RoadGraph, geodesic_km
from networks.errors import ScenarioError

# tiny's coordinates (nodes.csv)
PLACES = {
    "V1": (109.80, 28.30),
    "V2": (109.66, 28.10),
    "V3": (109.55, 27.90),
    "H_JS": (109.712, 28.276),
    "H_FH": (109.59961, 27.93557),
}
# hand-made road lengths (m): long detours, far from geodesic x circuity
ROADS = [
    ("H_JS", "V1", 50_000.0),
    ("H_JS", "V2", 30_000.0),
    ("V1", "V2", 95_000.0),
    ("V2", "H_FH", 40_000.0),
    ("H_FH", "V3", 10_000.0),
]


def _graph(roads) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for name, (x, y) in PLACES.items():
        graph.add_node(name, x=x, y=y)
    for u, v, metres in roads:
        graph.add_edge(u, v, length=metres)
        graph.add_edge(v, u, length=metres)
    return graph


@pytest.fixture(scope="module")
def with_roads(scenario_copy):
    folder = scenario_copy("tiny")
    nx.write_graphml(_graph(ROADS), folder / "roads.graphml")
    folder.append("scenario.toml", '\n[files]\nroad_graph = "roads.graphml"')
    return folder.load()


def test_collection_distances_are_shortest_paths_on_the_scenario_road_graph(with_roads):
    problem = collection_problem(with_roads, "H_JS", day=1, tonnes={"V1": 1.0, "V2": 1.0})
    ids = [problem.hub] + [p.node for p in problem.pickups]
    km = dict(zip(ids, problem.distance_km[0], strict=True))
    assert km["V1"] == pytest.approx(50.0)
    assert km["V2"] == pytest.approx(30.0)
    v1, v2 = ids.index("V1"), ids.index("V2")
    # 80 km through the hub beats the 95 km road between them
    assert problem.distance_km[v1, v2] == pytest.approx(80.0)
    straight = float(geodesic_km(*PLACES["H_JS"], *PLACES["V1"]))
    assert km["V1"] > 3 * straight  # not geodesic x circuity


def test_without_a_road_graph_distances_stay_geodesic_times_circuity(tiny):
    problem = collection_problem(tiny, "H_JS", day=1, tonnes={"V1": 1.0})
    assert problem.distance_km[0, 1] < 30.0


def test_a_village_the_road_graph_leaves_cut_off_is_named(with_roads):
    cut = RoadGraph(_graph([r for r in ROADS if "V1" not in r[:2]]))
    with pytest.raises(
        ScenarioError,
        match=r"village: expected a village the road graph "
        r"connects to hub H_JS, got V1",
    ):
        collection_problem(with_roads, "H_JS", day=1, tonnes={"V1": 1.0}, road_graph=cut)
    assert np.isinf(cut.distance_matrix_km(*PLACES["H_JS"], *PLACES["V1"])).all()
