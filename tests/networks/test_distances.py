"""Geodesic distances against independently known ones, circuity, and road graphs.

References are computed here, independently of pyproj: Vincenty's inverse formula
(T. Vincenty, "Direct and inverse solutions of geodesics on the ellipsoid", Survey
Review 23(176), 1975) on WGS84, and the haversine formula on the mean sphere. The
Vincenty code is checked against the worked example Geoscience Australia publishes
(Flinders Peak to Buninyong, 54 972.271 m on GRS80, whose flattening differs from
WGS84's by 1e-11: far below a millimetre here).
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString

from networks.distances import DEFAULT_CIRCUITY, RoadGraph, geodesic_km, geodesic_matrix_km
from networks.legs import Mode
from networks.nodes import CountyHub, Village
from networks.rules import LegRule, generate_legs

WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
MEAN_EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1

# shared/domain/places.csv: Jishou (Wikipedia, [solid]); Changsha city centre (GeoNames).
JISHOU = (109.712, 28.276)  # lon, lat
CHANGSHA = (112.9388, 28.2282)


def vincenty_km(lon1, lat1, lon2, lat2, a=WGS84_A, f=WGS84_F) -> float:
    """Vincenty (1975) inverse geodesic distance on an ellipsoid, in km."""
    b = a * (1 - f)
    u1 = math.atan((1 - f) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - f) * math.tan(math.radians(lat2)))
    big_l = math.radians(lon2 - lon1)
    lam = big_l
    sin_u1, cos_u1, sin_u2, cos_u2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0:
            return 0.0
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha**2
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0.0
        c = f / 16 * cos2_alpha * (4 + f * (4 - 3 * cos2_alpha))
        previous = lam
        lam = big_l + (1 - c) * f * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
        )
        if abs(lam - previous) < 1e-12:
            break
    u_sq = cos2_alpha * (a**2 - b**2) / b**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    return b * big_a * (sigma - delta_sigma) / 1000.0


def haversine_km(lon1, lat1, lon2, lat2, radius_km=MEAN_EARTH_RADIUS_KM) -> float:
    """Great-circle distance on a sphere, in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius_km * math.asin(math.sqrt(h))


def dms(degrees: float, minutes: float, seconds: float) -> float:
    sign = -1 if degrees < 0 else 1
    return sign * (abs(degrees) + minutes / 60 + seconds / 3600)


# Geoscience Australia's worked example of Vincenty's inverse formula (GDA / GRS80).
FLINDERS_PEAK = (dms(144, 25, 29.52440), dms(-37, 57, 3.72030))
BUNINYONG = (dms(143, 55, 35.38390), dms(-37, 39, 10.15610))
FLINDERS_BUNINYONG_KM = 54.972271


def test_reference_vincenty_reproduces_the_published_example():
    assert vincenty_km(*FLINDERS_PEAK, *BUNINYONG) == pytest.approx(FLINDERS_BUNINYONG_KM, abs=1e-6)


def test_geodesic_matches_the_published_example_to_a_millimetre():
    km = float(geodesic_km(*FLINDERS_PEAK, *BUNINYONG))
    assert km == pytest.approx(FLINDERS_BUNINYONG_KM, abs=1e-6)


def test_changsha_to_jishou_within_one_percent_of_independent_references():
    km = float(geodesic_km(*CHANGSHA, *JISHOU))
    # The ellipsoid reference agrees to well under a metre; the issue asks for 1%.
    assert km == pytest.approx(vincenty_km(*CHANGSHA, *JISHOU), rel=0.01)
    assert km == pytest.approx(vincenty_km(*CHANGSHA, *JISHOU), abs=1e-3)
    # The sphere differs from the ellipsoid by at most ~0.5%.
    assert km == pytest.approx(haversine_km(*CHANGSHA, *JISHOU), rel=0.01)
    assert 310 < km < 320  # about 316.7 km


def test_changsha_to_jishou_is_symmetric():
    there = float(geodesic_km(*CHANGSHA, *JISHOU))
    back = float(geodesic_km(*JISHOU, *CHANGSHA))
    assert there == pytest.approx(back, abs=1e-9)


def test_one_degree_along_the_equator_is_111_32_km():
    # a * pi / 180 on WGS84 = 111.319 km.
    assert float(geodesic_km(0.0, 0.0, 1.0, 0.0)) == pytest.approx(111.32, abs=0.005)
    assert float(geodesic_km(0.0, 0.0, 1.0, 0.0)) == pytest.approx(
        WGS84_A * math.pi / 180 / 1000, rel=1e-9
    )


def test_zero_distance_from_a_point_to_itself():
    assert float(geodesic_km(*JISHOU, *JISHOU)) == 0.0


def test_geodesic_km_broadcasts():
    out = geodesic_km(0.0, 0.0, np.array([1.0, 2.0, 3.0]), 0.0)
    assert out.shape == (3,)
    np.testing.assert_allclose(out, np.array([1, 2, 3]) * WGS84_A * math.pi / 180 / 1000)


def test_matrix_is_the_elementwise_call_over_every_pair():
    rng = np.random.default_rng(7)
    f_lon, f_lat = rng.uniform(100, 120, 4), rng.uniform(10, 40, 4)
    t_lon, t_lat = rng.uniform(100, 120, 3), rng.uniform(10, 40, 3)
    matrix = geodesic_matrix_km(f_lon, f_lat, t_lon, t_lat)
    assert matrix.shape == (4, 3)
    for i in range(4):
        for j in range(3):
            assert matrix[i, j] == float(geodesic_km(f_lon[i], f_lat[i], t_lon[j], t_lat[j]))
            assert matrix[i, j] == pytest.approx(
                vincenty_km(f_lon[i], f_lat[i], t_lon[j], t_lat[j]), abs=1e-3
            )


# --- circuity applied by leg rules ------------------------------------------------------
def _village_and_hub():
    village = Village(id="V", name="V", lon=CHANGSHA[0], lat=CHANGSHA[1])
    hub = CountyHub(id="H", name="H", lon=JISHOU[0], lat=JISHOU[1])
    return [village, hub]


def test_rule_multiplies_the_geodesic_by_its_circuity():
    rule = LegRule(
        "village",
        "county_hub",
        Mode.ROAD,
        circuity=1.5,
        speed_kmh=50.0,
        fixed_hours=2.0,
        cost_cny_per_tkm=0.3,
        cost_cny_per_t=10.0,
    )
    (leg,) = generate_legs(_village_and_hub(), [rule])
    expected = vincenty_km(*CHANGSHA, *JISHOU) * 1.5
    assert leg.distance_km == pytest.approx(expected, abs=1e-3)
    assert leg.hours == pytest.approx(expected / 50.0 + 2.0, abs=1e-4)
    assert leg.cost_cny_per_t == pytest.approx(10.0 + 0.3 * expected, abs=1e-3)


def test_rule_without_circuity_takes_the_modes_default():
    rule = LegRule("village", "county_hub", Mode.RAIL)
    (leg,) = generate_legs(_village_and_hub(), [rule])
    expected = vincenty_km(*CHANGSHA, *JISHOU) * DEFAULT_CIRCUITY["rail"]
    assert leg.distance_km == pytest.approx(expected, abs=1e-3)


def test_rule_max_km_is_compared_after_circuity():
    geodesic = vincenty_km(*CHANGSHA, *JISHOU)  # ~316.7 km
    within = LegRule("village", "county_hub", Mode.ROAD, circuity=1.5, max_km=geodesic * 1.6)
    beyond = LegRule("village", "county_hub", Mode.ROAD, circuity=1.5, max_km=geodesic * 1.4)
    assert len(generate_legs(_village_and_hub(), [within])) == 1
    assert generate_legs(_village_and_hub(), [beyond]) == []


# --- road graphs -----------------------------------------------------------------------
# Three junctions near the equator: S (0, 0), M (0.05, 0.05), T (0.1, 0). The road S-M-T
# is 8 km + 8 km; the direct road S-T is 20 km long (lengths set by hand, as osmnx stores
# them, in metres). The straight line S-T is 0.1 deg of equator = 11.13 km. A fourth
# junction X is on no road.
S, M, T, X = (0.0, 0.0), (0.05, 0.05), (0.1, 0.0), (0.5, 0.5)


def _hand_graph() -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for name, (x, y) in {"S": S, "M": M, "T": T, "X": X}.items():
        graph.add_node(name, x=x, y=y)
    for u, v, metres in (("S", "M", 8000.0), ("M", "T", 8000.0), ("S", "T", 20000.0)):
        graph.add_edge(u, v, length=metres)
        graph.add_edge(v, u, length=metres)
    return graph


def _check_hand_graph(road: RoadGraph) -> None:
    # Points a few metres off the junctions snap to them.
    km = road.distance_matrix_km(
        np.array([S[0] + 1e-5, T[0]]),
        np.array([S[1], T[1] - 1e-5]),
        np.array([T[0], S[0], X[0]]),
        np.array([T[1], S[1], X[1]]),
    )
    assert km.shape == (2, 3)
    assert km[0, 0] == pytest.approx(16.0)  # via M, not the 20 km road
    assert km[1, 1] == pytest.approx(16.0)
    assert km[0, 1] == 0.0 and km[1, 0] == 0.0
    assert np.isinf(km[:, 2]).all()  # X is not connected
    straight = float(geodesic_km(*S, *T))
    assert straight == pytest.approx(11.132, abs=1e-3)
    assert km[0, 0] > straight


def test_road_graph_from_a_networkx_graph():
    _check_hand_graph(RoadGraph(_hand_graph()))


def test_road_graph_from_graphml_written_and_read_back(tmp_path):
    path = tmp_path / "roads.graphml"
    nx.write_graphml(_hand_graph(), path)
    _check_hand_graph(RoadGraph.from_graphml(path))


def test_road_graph_from_graphml_with_string_attributes_as_osmnx_saves_them(tmp_path):
    graph = _hand_graph()
    for _, data in graph.nodes(data=True):
        data["x"], data["y"] = str(data["x"]), str(data["y"])
    for _, _, data in graph.edges(data=True):
        data["length"] = str(data["length"])
    path = tmp_path / "roads.graphml"
    nx.write_graphml(graph, path)
    _check_hand_graph(RoadGraph.from_graphml(path))


def test_road_graph_from_lines_weights_segments_by_geodesic_length():
    # S' (0, 0) -> A (0.1, 0) -> B (0.1, 0.1) as one road; the straight line S'-B crosses
    # no road. Along the equator 0.1 deg is a*pi/180*0.1; along the meridian at the
    # equator the radius of curvature is a(1 - e^2), accurate to < 1 m over 0.1 deg.
    lines = gpd.GeoDataFrame(
        geometry=[
            LineString([(0.0, 0.0), (0.1, 0.0), (0.1, 0.1)]),
            LineString([(1.0, 1.0), (1.1, 1.0)]),
        ],
        crs="EPSG:4326",
    )
    road = RoadGraph.from_lines(lines)
    e2 = WGS84_F * (2 - WGS84_F)
    along_equator = WGS84_A * math.radians(0.1) / 1000
    along_meridian = WGS84_A * (1 - e2) * math.radians(0.1) / 1000
    km = road.distance_matrix_km(
        np.array([0.0]), np.array([0.0]), np.array([0.1, 1.1]), np.array([0.1, 1.0])
    )
    assert km[0, 0] == pytest.approx(along_equator + along_meridian, abs=1e-3)
    assert np.isinf(km[0, 1])
    assert km[0, 0] > float(geodesic_km(0.0, 0.0, 0.1, 0.1)) * 1.3


def test_road_graph_from_lines_in_another_crs_is_an_error_naming_both():
    lines = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1000, 0)])], crs="EPSG:3857")
    with pytest.raises(ValueError, match=r"crs: expected EPSG:4326, got .*3857"):
        RoadGraph.from_lines(lines)


def test_road_graph_from_lines_without_crs_is_an_error():
    lines = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (0.1, 0)])])
    with pytest.raises(ValueError, match=r"crs: expected EPSG:4326, got None"):
        RoadGraph.from_lines(lines)


def test_rules_use_the_road_graph_for_road_legs_and_ignore_circuity():
    nodes = [
        Village(id="V", name="V", lon=S[0], lat=S[1]),
        CountyHub(id="H", name="H", lon=T[0], lat=T[1]),
    ]
    road = RoadGraph(_hand_graph())
    by_road = LegRule("village", "county_hub", Mode.ROAD, circuity=3.0, speed_kmh=40.0)
    by_rail = LegRule("village", "county_hub", Mode.RAIL, circuity=3.0)
    road_leg, rail_leg = generate_legs(nodes, [by_road, by_rail], road_graph=road)
    assert road_leg.distance_km == pytest.approx(16.0)
    assert road_leg.hours == pytest.approx(16.0 / 40.0)
    assert rail_leg.distance_km == pytest.approx(float(geodesic_km(*S, *T)) * 3.0, abs=1e-3)
