"""The run's network for GIS: the layers of ``network.gpkg`` (EPSG:4326).

Built from the scenario's :class:`~networks.Network` (where nodes are, what each leg is)
and the run's own tables (``flows`` of ``solve`` and ``evaluate``, ``hubs``, ``routes``
of ``route``), so that QGIS, and the run's report, see the plan on a map without the
scenario folder. Lines are straight in longitude and latitude between the nodes (the
legs carry their travelled ``distance_km``; no road geometry is drawn).

Layers (docs/outputs.md lists every column):

- ``nodes``: every node of the scenario, with what the run did there (hub opened, its
  size and atmosphere, tonnes through it, customs cleared);
- ``legs``: the legs the run uses, with tonnes, mode and temperature (``flows`` runs), or
  the road segments driven by each vehicle (``route`` runs);
- ``flows``: one line per path flow along its nodes (``flows`` runs); ``trips``: one line
  per vehicle trip (``route`` runs);
- ``corridors``: one line per corridor listed, along its nodes, with its row of
  ``corridors.csv`` (``corridors`` runs).
"""

from __future__ import annotations

import errno
import os
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from networks.network import CRS, Network
from networks.nodes import BondedZone, CountyHub, Port
from networks.plan import PATH_SEPARATOR
from networks.timeline import customs_node

#: File name of the GeoPackage in a run folder.
GEOPACKAGE = "network.gpkg"
#: Columns of ``flows`` the layers read.
_FLOW_COLUMNS = ("path", "services", "tonnes", "delivered_t", "customs_mode")


def run_layers(network: Network, tables: dict[str, pd.DataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The layers of ``network.gpkg`` for a run's tables.

    Parameters
    ----------
    network
        The scenario the run was made on.
    tables
        The run's tables (a result's ``to_frames()``): ``flows`` and ``hubs`` give the
        ``legs`` and ``flows`` layers; ``routes`` gives ``legs`` and ``trips``;
        ``corridors`` gives ``corridors``; a run with none of them (``consolidate``) has
        the ``nodes`` layer alone.

    Returns
    -------
    dict of str to GeoDataFrame
        By layer name, each in EPSG:4326.
    """
    flows = tables.get("flows")
    if flows is not None:  # a plan without flows may come with no columns at all
        flows = flows.reindex(columns=list(dict.fromkeys([*flows.columns, *_FLOW_COLUMNS])))
    routes = tables.get("routes")
    layers = {"nodes": _node_layer(network, {**tables, "flows": flows})}
    if flows is not None:
        layers["legs"] = _leg_layer(network, flows)
        layers["flows"] = _flow_layer(network, flows)
    elif routes is not None:
        layers["legs"], layers["trips"] = _route_layers(network, routes)
    elif tables.get("corridors") is not None:
        corridors = tables["corridors"]
        geometry = gpd.GeoSeries([_line(network, nodes) for nodes in _paths(corridors)], crs=CRS)
        layers["corridors"] = gpd.GeoDataFrame(corridors.copy(), geometry=geometry, crs=CRS)
    return layers


def write_geopackage(layers: dict[str, gpd.GeoDataFrame], path: str | os.PathLike) -> Path:
    """Write ``layers`` as the layers of one new GeoPackage at ``path``.

    Raises
    ------
    OSError
        If GDAL could not write it (a full disk ends in a GDAL error that names no
        cause, such as "no such table: gpkg_contents"): one message naming the file,
        as any failed write is reported (exit 1), instead of pyogrio's own error.
    """
    import pyogrio.errors as gdal

    writing = (gdal.DataSourceError, gdal.DataLayerError, gdal.FeatureError, gdal.FieldError)
    path = Path(path)
    for name, frame in layers.items():
        try:
            frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio", append=path.exists())
        except writing as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise OSError(
                errno.EIO, f"could not write layer {name!r} (a full disk?): {first}", str(path)
            ) from exc
    return path


def read_geopackage(path: str | os.PathLike) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of a run's GeoPackage, by name (empty where there is no file)."""
    import pyogrio

    path = Path(path)
    if not path.exists():
        return {}
    return {
        str(name): gpd.read_file(path, layer=str(name), engine="pyogrio")
        for name, _ in pyogrio.list_layers(path)
    }


def path_leg_ids(path: str, services: str) -> list[str]:
    """The leg ids (``origin>destination:service``) of a flow's ``path`` and ``services``."""
    nodes = str(path).split(PATH_SEPARATOR)
    return [
        f"{a}>{b}:{s}"
        for a, b, s in zip(nodes[:-1], nodes[1:], str(services).split(PATH_SEPARATOR), strict=True)
    ]


def _paths(flows: pd.DataFrame) -> list[list[str]]:
    return [str(p).split(PATH_SEPARATOR) for p in flows["path"]]


def _line(network: Network, node_ids) -> LineString:
    return LineString([(network.nodes[n].lon, network.nodes[n].lat) for n in node_ids])


def _node_layer(network: Network, tables: dict[str, pd.DataFrame]) -> gpd.GeoDataFrame:
    """Every node, with what the run did there."""
    opened: dict[str, str] = {}
    if "hubs" in tables and len(tables["hubs"]):
        opened = dict(zip(tables["hubs"]["hub"], tables["hubs"]["size"], strict=True))
    elif "routes" in tables and len(tables["routes"]):
        opened = {hub: "" for hub in tables["routes"]["hub"].unique()}
    through: dict[str, float] = defaultdict(float)
    customs: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    flows = tables.get("flows")
    if flows is not None and len(flows):
        modes = flows["customs_mode"].fillna("").astype(str).str.replace(r"\.0$", "", regex=True)
        for nodes, tonnes, mode in zip(_paths(flows), flows["tonnes"], modes, strict=True):
            for node in nodes:
                through[node] += float(tonnes)
            clears = customs_node(network, tuple(nodes), mode) if mode else None
            if clears is not None:
                customs[clears][mode] += float(tonnes)
    rows = []
    for node in network.nodes.values():
        size = None
        if isinstance(node, CountyHub) and opened.get(node.id):
            size = node.size(opened[node.id])
        offered = node.customs_modes if isinstance(node, BondedZone | Port) else ()
        rows.append(
            {
                "id": node.id,
                "name": node.name,
                "kind": str(node.kind),
                "country": node.country,
                "lon": node.lon,
                "lat": node.lat,
                "opened": isinstance(node, CountyHub) and node.id in opened,
                "size": size.name if size else None,
                "atmosphere": str(size.atmosphere) if size else None,
                "throughput_capacity_t": size.throughput_t_per_week if size else None,
                "storage_capacity_t": size.cold_storage_t if size else None,
                "through_t": through.get(node.id, 0.0),
                "customs_modes": ",".join(offered),
                "customs_cleared": "; ".join(
                    f"{m} {t:.3f} t" for m, t in sorted(customs.get(node.id, {}).items())
                ),
            }
        )
    geometry = [Point(r["lon"], r["lat"]) for r in rows]
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geometry, crs=CRS)


def _leg_layer(network: Network, flows: pd.DataFrame) -> gpd.GeoDataFrame:
    """One row per leg the flows use: tonnes picked for it, mode, temperature."""
    tonnes: dict[str, float] = defaultdict(float)
    delivered: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for path, services, picked, sound in zip(
        flows["path"], flows["services"], flows["tonnes"], flows["delivered_t"], strict=True
    ):
        for leg_id in path_leg_ids(path, services):
            tonnes[leg_id] += float(picked)
            delivered[leg_id] += float(sound)
            count[leg_id] += 1
    legs = network.legs_by_id
    rows = []
    for leg_id in tonnes:
        leg = legs[leg_id]
        rows.append(
            {
                "id": leg_id,
                "origin": leg.origin,
                "destination": leg.destination,
                "mode": str(leg.mode),
                "service": leg.service,
                "temperature": "reefer" if leg.refrigerated else "ambient",
                "temp_c": leg.temp_c,
                "distance_km": leg.distance_km,
                "hours": leg.hours,
                "flows": count[leg_id],
                "tonnes": tonnes[leg_id],
                "delivered_t": delivered[leg_id],
            }
        )
    columns = [
        "id",
        "origin",
        "destination",
        "mode",
        "service",
        "temperature",
        "temp_c",
        "distance_km",
        "hours",
        "flows",
        "tonnes",
        "delivered_t",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    geometry = [
        _line(network, ends) for ends in zip(frame["origin"], frame["destination"], strict=True)
    ]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)


def _flow_layer(network: Network, flows: pd.DataFrame) -> gpd.GeoDataFrame:
    """The flows table with each path as a line, its modes and its temperature."""
    frame = flows.copy()
    legs = network.legs_by_id
    modes, temperatures = [], []
    for path, services in zip(flows["path"], flows["services"], strict=True):
        used = [legs[i] for i in path_leg_ids(path, services)]
        modes.append(PATH_SEPARATOR.join(str(leg.mode) for leg in used))
        cold = {leg.refrigerated for leg in used}
        temperatures.append(
            "reefer" if cold == {True} else "ambient" if cold == {False} else "mixed"
        )
    frame["modes"] = modes
    frame["temperature"] = temperatures
    frame["market"] = [nodes[-1] for nodes in _paths(flows)]
    geometry = [_line(network, nodes) for nodes in _paths(flows)]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)


def _route_layers(
    network: Network, routes: pd.DataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Road segments driven (one per stop to the next) and one line per vehicle trip."""
    segments, trips = [], []
    for (hub, vehicle, trip), stops in routes.groupby(["hub", "vehicle", "trip"], sort=True):
        stops = stops.sort_values("stop")
        nodes = list(stops["node"])
        loads = list(stops["load_t"])
        vehicle_type = str(stops["vehicle_type"].iloc[0])
        for k in range(len(nodes) - 1):
            segments.append(
                {
                    "hub": hub,
                    "vehicle": vehicle,
                    "vehicle_type": vehicle_type,
                    "trip": int(trip),
                    "origin": nodes[k],
                    "destination": nodes[k + 1],
                    "load_t": float(loads[k]),
                    "geometry": _line(network, nodes[k : k + 2]),
                }
            )
        trips.append(
            {
                "hub": hub,
                "vehicle": vehicle,
                "vehicle_type": vehicle_type,
                "trip": int(trip),
                "stops": PATH_SEPARATOR.join(nodes),
                "pickups": int((stops["pickup"].fillna("").astype(str) != "").sum()),
                "load_t": float(loads[-1]),
                "geometry": _line(network, nodes),
            }
        )
    leg_columns = ["hub", "vehicle", "vehicle_type", "trip", "origin", "destination", "load_t"]
    trip_columns = ["hub", "vehicle", "vehicle_type", "trip", "stops", "pickups", "load_t"]
    return _lines(segments, leg_columns), _lines(trips, trip_columns)


def _lines(rows: list[dict], columns: list[str]) -> gpd.GeoDataFrame:
    """Rows with a ``geometry`` line each, as a GeoDataFrame (the columns even when empty)."""
    frame = pd.DataFrame(rows, columns=[*columns, "geometry"])
    return gpd.GeoDataFrame(
        frame[columns], geometry=gpd.GeoSeries(list(frame["geometry"]), crs=CRS), crs=CRS
    )
