"""Distances: geodesic (WGS84 ellipsoid) times a circuity factor, or a road graph.

Without a road graph, road distance is the geodesic distance times a circuity factor
(mountain roads wind). With a road graph (GraphML as osmnx saves it, or a line layer)
it is the shortest path between the graph nodes nearest to each point.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pyproj import Geod

_GEOD = Geod(ellps="WGS84")

#: Default circuity factors (road km per geodesic km) by leg mode. Road: Xiangxi's
#: mountain county and village roads wind; 1.4 is an assumption (no sourced figure in
#: FACTS.md; national averages of road/straight-line ratios are ~1.2-1.4, mountain
#: areas higher), configurable per leg rule.
DEFAULT_CIRCUITY = {"road": 1.4, "rail": 1.25, "sea": 1.3, "air": 1.05, "parcel": 1.4}


def geodesic_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in km between points, element-wise (numpy broadcasting).

    Examples
    --------
    >>> round(float(geodesic_km(0.0, 0.0, 1.0, 0.0)), 1)
    111.3
    """
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (lon1, lat1, lon2, lat2))
    )
    _, _, metres = _GEOD.inv(lon1.ravel(), lat1.ravel(), lon2.ravel(), lat2.ravel())
    return np.asarray(metres, dtype=float).reshape(lon1.shape) / 1000.0


def geodesic_matrix_km(
    from_lon: np.ndarray, from_lat: np.ndarray, to_lon: np.ndarray, to_lat: np.ndarray
) -> np.ndarray:
    """All-pairs geodesic distances in km, shape ``(len(from), len(to))``.

    Computed in one vectorized call over every pair (no Python loop over pairs).
    """
    from_lon, from_lat = np.asarray(from_lon, float), np.asarray(from_lat, float)
    to_lon, to_lat = np.asarray(to_lon, float), np.asarray(to_lat, float)
    return geodesic_km(from_lon[:, None], from_lat[:, None], to_lon[None, :], to_lat[None, :])


class RoadGraph:
    """A road graph for shortest-path road distances.

    Parameters
    ----------
    graph
        A ``networkx`` graph whose nodes carry ``x`` (lon) and ``y`` (lat) and whose edges
        carry ``length`` in metres (the osmnx convention).
    """

    def __init__(self, graph):
        import networkx as nx

        self._graph = graph if not graph.is_directed() else graph.to_undirected()
        self._nx = nx
        ids = list(self._graph.nodes)
        self._ids = ids
        self._lon = np.array([float(self._graph.nodes[i]["x"]) for i in ids])
        self._lat = np.array([float(self._graph.nodes[i]["y"]) for i in ids])

    @classmethod
    def from_graphml(cls, path: str | Path) -> RoadGraph:
        """Read a GraphML file as osmnx writes it (node ``x``/``y``, edge ``length`` m)."""
        import networkx as nx

        graph = nx.read_graphml(path)
        for _, _, data in graph.edges(data=True):
            data["length"] = float(data["length"])
        return cls(graph)

    @classmethod
    def from_lines(cls, lines) -> RoadGraph:
        """Build a graph from a GeoDataFrame of LineStrings in EPSG:4326.

        Each consecutive pair of vertices becomes an edge weighted by its geodesic length.
        """
        import networkx as nx

        if lines.crs is None or lines.crs.to_epsg() != 4326:
            raise ValueError(f"road lines: crs: expected EPSG:4326, got {lines.crs}")
        graph = nx.Graph()
        for geom in lines.geometry:
            coords = np.asarray(geom.coords)
            lengths = geodesic_km(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
            for (x1, y1), (x2, y2), km in zip(coords[:-1], coords[1:], lengths, strict=True):
                a, b = (round(x1, 7), round(y1, 7)), (round(x2, 7), round(y2, 7))
                graph.add_node(a, x=a[0], y=a[1])
                graph.add_node(b, x=b[0], y=b[1])
                graph.add_edge(a, b, length=float(km) * 1000.0)
        return cls(graph)

    def nearest(self, lon: np.ndarray, lat: np.ndarray) -> list:
        """Graph node nearest (geodesically) to each point."""
        dist = geodesic_matrix_km(np.atleast_1d(lon), np.atleast_1d(lat), self._lon, self._lat)
        return [self._ids[i] for i in dist.argmin(axis=1)]

    def distance_matrix_km(self, from_lon, from_lat, to_lon, to_lat) -> np.ndarray:
        """Shortest-path km between every pair (``inf`` where not connected)."""
        sources = self.nearest(from_lon, from_lat)
        targets = self.nearest(to_lon, to_lat)
        out = np.full((len(sources), len(targets)), np.inf)
        for i, source in enumerate(sources):
            lengths = self._nx.single_source_dijkstra_path_length(
                self._graph, source, weight="length"
            )
            out[i] = [lengths.get(t, np.inf) / 1000.0 for t in targets]
        return out
