"""The run's map: land, nodes by kind, the legs used (or a day's collection trips).

Drawn from the run's ``network.gpkg`` layers on the Natural Earth land shipped in
``results/data`` (plotly's own basemap would be fetched from the internet, so every
built-in geo layer is switched off). Each node is one marker; each leg used is one line,
its width by tonnes, its colour by mode, solid where refrigerated and dotted where
ambient; open hubs are sized by weekly throughput capacity and coloured by atmosphere.
A ``corridors`` run draws each corridor as one line along its nodes (colour by rank,
dotted where another corridor dominates it) and only the nodes its paths pass.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources

import geopandas as gpd
import numpy as np

from networks.plan import PATH_SEPARATOR
from results.report._folder import RunFolder

#: Line colour of each transport mode.
MODE_COLOURS = {
    "road": "#1f77b4",
    "rail": "#8c564b",
    "sea": "#17becf",
    "air": "#d62728",
    "parcel": "#9467bd",
}
#: Marker (symbol, colour, size in px) of each node kind; county hubs are drawn apart.
KIND_STYLE = {
    "village": ("circle", "#2ca02c", 5),
    "bonded_zone": ("diamond", "#ff7f0e", 11),
    "port": ("square", "#17becf", 9),
    "overseas_warehouse": ("triangle-up", "#8c564b", 10),
    "market": ("star", "#d62728", 12),
}
#: Colour of an open hub by its atmosphere (air, controlled atmosphere).
ATMOSPHERE_COLOURS = {"air": "#1f77b4", "ca": "#9467bd"}
#: Vehicle colours of a route map, in turn.
VEHICLE_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
_GEO_OFF = {
    f"show{layer}": False
    for layer in ("land", "ocean", "lakes", "rivers", "countries", "coastlines", "subunits")
}


def map_figure(run: RunFolder) -> dict | None:
    """The map of a run as a plotly figure, or ``None`` where it has no ``nodes`` layer."""
    nodes = run.layers.get("nodes")
    if nodes is None or not len(nodes):
        return None
    legs = run.layers.get("legs")
    corridors = run.layers.get("corridors")
    focus = nodes
    if run.command == "route" and legs is not None and len(legs):
        focus = nodes[nodes["id"].isin(set(legs["origin"]) | set(legs["destination"]))]
    if corridors is not None and len(corridors):
        on_paths = {n for path in corridors["path"] for n in str(path).split(PATH_SEPARATOR)}
        nodes = nodes[nodes["id"].isin(on_paths)]  # a corridor map shows its paths' nodes
        focus = nodes
    extent = _extent(focus)
    traces = _land_traces(extent)
    if run.command == "route":
        traces += _trip_traces(nodes, legs)
    elif corridors is not None:
        from results.report.corridors import corridor_traces

        traces += corridor_traces(nodes, corridors)
    elif legs is not None:
        traces += _leg_traces(nodes, legs)
    traces += _node_traces(nodes)
    (lon0, lon1), (lat0, lat1) = extent
    layout = {
        "margin": {"l": 0, "r": 0, "t": 30, "b": 0},
        "title": {"text": run.title, "font": {"size": 13}},
        "legend": {"itemsizing": "constant", "font": {"size": 10}},
        "geo": {
            **_GEO_OFF,
            "projection": {"type": "natural earth", "rotation": {"lon": (lon0 + lon1) / 2}},
            "lonaxis": {"range": [lon0, lon1]},
            "lataxis": {"range": [lat0, lat1]},
            "bgcolor": SEA_COLOUR,
            "showframe": True,
        },
    }
    return {"data": traces, "layout": layout}


def _extent(nodes: gpd.GeoDataFrame) -> tuple[tuple[float, float], tuple[float, float]]:
    """Longitude and latitude ranges around the nodes, with a margin."""
    lon0, lon1 = float(nodes["lon"].min()), float(nodes["lon"].max())
    lat0, lat1 = float(nodes["lat"].min()), float(nodes["lat"].max())
    pad_lat = max(0.2, 0.08 * (lat1 - lat0))
    lats = (max(-90.0, lat0 - pad_lat), min(90.0, lat1 + pad_lat))
    if lon1 - lon0 > 180.0:  # the whole world, centred on the nodes' mean longitude
        angles = np.radians(nodes["lon"].astype(float))
        centre = float(np.degrees(np.arctan2(np.sin(angles).mean(), np.cos(angles).mean())))
        return (centre - 180.0, centre + 180.0), lats
    # a box about 1.6 times as wide as high (in degrees), to fill the page's width
    pad_lon = max(
        0.2, 0.08 * (lon1 - lon0), (1.6 * (lat1 - lat0 + 2 * pad_lat) - (lon1 - lon0)) / 2
    )
    return (max(-180.0, lon0 - pad_lon), min(180.0, lon1 + pad_lon)), lats


#: Colours of the map: sea (the background), land, lakes cut out of the land.
SEA_COLOUR, LAND_COLOUR = "#eef5fb", "#f4f1e8"


@lru_cache(maxsize=1)
def _land_rings() -> tuple[tuple[tuple[float, float, float, float], list, list, bool], ...]:
    """Each land ring's bounding box, longitudes, latitudes and whether it is a hole.

    A hole (the Caspian Sea) is filled on its own with the sea's colour: plotly fills
    each ring alone, and a ring wound as a hole would fill the rest of the globe.
    """
    text = resources.files("results").joinpath("data/ne_110m_land.geojson").read_text()
    rings = []
    for feature in json.loads(text)["features"]:
        for k, ring in enumerate(feature["geometry"]["coordinates"]):
            ring = ring[::-1] if k else ring  # a hole, wound as an outline of its own
            xs = [round(p[0], 3) for p in ring]
            ys = [round(p[1], 3) for p in ring]
            rings.append(((min(xs), min(ys), max(xs), max(ys)), xs, ys, k > 0))
    return tuple(rings)


def _land_traces(extent) -> list[dict]:
    """Natural Earth land near the extent as filled outlines, then its lakes (two traces)."""
    (lon0, lon1), (lat0, lat1) = extent
    traces = []
    for holes, colour in ((False, LAND_COLOUR), (True, SEA_COLOUR)):
        lons: list = []
        lats: list = []
        for (x0, y0, x1, y1), xs, ys, hole in _land_rings():
            beside = lon1 - lon0 < 360.0 and (x1 < lon0 - 10 or x0 > lon1 + 10)
            if hole != holes or beside or y1 < lat0 - 10 or y0 > lat1 + 10:
                continue
            lons += [*xs, None]
            lats += [*ys, None]
        if lons:
            traces.append(
                {
                    "type": "scattergeo",
                    "lon": lons,
                    "lat": lats,
                    "mode": "lines",
                    "fill": "toself",
                    "fillcolor": colour,
                    "line": {"color": "#c9c3b0", "width": 0.6},
                    "hoverinfo": "skip",
                    "showlegend": False,
                    "name": "lakes" if holes else "land",
                    "meta": {"role": "land"},
                }
            )
    return traces


def _midpoint(lon0: float, lat0: float, lon1: float, lat1: float) -> tuple[float, float]:
    """The great-circle midpoint of two points (degrees), where a line's hover sits."""
    p = np.radians([lon0, lat0, lon1, lat1])
    a = np.array([np.cos(p[1]) * np.cos(p[0]), np.cos(p[1]) * np.sin(p[0]), np.sin(p[1])])
    b = np.array([np.cos(p[3]) * np.cos(p[2]), np.cos(p[3]) * np.sin(p[2]), np.sin(p[3])])
    m = a + b
    if np.linalg.norm(m) < 1e-12:
        return lon0, lat0
    return (
        float(np.degrees(np.arctan2(m[1], m[0]))),
        float(np.degrees(np.arctan2(m[2], math.hypot(m[0], m[1])))),
    )


def _leg_traces(nodes: gpd.GeoDataFrame, legs: gpd.GeoDataFrame) -> list[dict]:
    """One line per leg used: width by tonnes, colour by mode, dotted where ambient."""
    where = {i: (x, y) for i, x, y in zip(nodes["id"], nodes["lon"], nodes["lat"], strict=True)}
    most = float(legs["tonnes"].max()) if len(legs) else 1.0
    traces, shown = [], set()
    for leg in legs.sort_values("tonnes", ascending=False).itertuples():
        (x0, y0), (x1, y1) = where[leg.origin], where[leg.destination]
        xm, ym = _midpoint(x0, y0, x1, y1)
        group = f"{leg.mode} {leg.temperature}"
        temp = "" if leg.temp_c is None or leg.temp_c != leg.temp_c else f" at {leg.temp_c:g} °C"
        text = (
            f"<b>{leg.id}</b><br>{leg.mode}, {leg.temperature}{temp}<br>"
            f"{leg.tonnes:,.2f} t picked on {leg.flows} flows, {leg.delivered_t:,.2f} t "
            f"delivered<br>{leg.distance_km:,.0f} km, {leg.hours:,.1f} h"
        )
        traces.append(
            {
                "type": "scattergeo",
                "lon": [x0, xm, x1],
                "lat": [y0, ym, y1],
                "mode": "lines",
                "line": {
                    "color": MODE_COLOURS.get(leg.mode, "#555"),
                    "width": round(1.0 + 7.0 * leg.tonnes / (most or 1.0), 2),
                    "dash": "solid" if leg.temperature == "reefer" else "dot",
                },
                "opacity": 0.8,
                "name": group,
                "legendgroup": group,
                "showlegend": group not in shown,
                "text": [text] * 3,
                "hoverinfo": "text",
                "meta": {"role": "leg", "id": leg.id, "tonnes": leg.tonnes},
            }
        )
        shown.add(group)
    return traces


def _trip_traces(nodes: gpd.GeoDataFrame, legs: gpd.GeoDataFrame | None) -> list[dict]:
    """One line per road segment a vehicle drives, coloured by vehicle."""
    if legs is None or not len(legs):
        return []
    where = {i: (x, y) for i, x, y in zip(nodes["id"], nodes["lon"], nodes["lat"], strict=True)}
    colours = {
        v: VEHICLE_COLOURS[k % len(VEHICLE_COLOURS)] for k, v in enumerate(legs["vehicle"].unique())
    }
    traces, shown = [], set()
    for seg in legs.itertuples():
        (x0, y0), (x1, y1) = where[seg.origin], where[seg.destination]
        name = f"{seg.hub} {seg.vehicle}"
        text = (
            f"<b>{seg.vehicle}</b> ({seg.vehicle_type}) of {seg.hub}, trip {seg.trip}<br>"
            f"{seg.origin} → {seg.destination}<br>{seg.load_t:,.3f} t aboard"
        )
        traces.append(
            {
                "type": "scattergeo",
                "lon": [x0, x1],
                "lat": [y0, y1],
                "mode": "lines",
                "line": {"color": colours[seg.vehicle], "width": 2.5},
                "name": name,
                "legendgroup": name,
                "showlegend": name not in shown,
                "text": [text, text],
                "hoverinfo": "text",
                "meta": {
                    "role": "leg",
                    "id": f"{seg.vehicle}#{seg.trip}:{seg.origin}>{seg.destination}",
                },
            }
        )
        shown.add(name)
    return traces


def _node_hover(node) -> str:
    lines = [f"<b>{node.name}</b> ({node.id})", f"{node.kind}, {node.country}"]
    if node.through_t:
        lines.append(f"{node.through_t:,.2f} t picked through it")
    if node.kind == "county_hub":
        if node.opened and node.size:
            lines.append(
                f"open: {node.size}, {node.throughput_capacity_t:,.0f} t/week, "
                f"cold store {node.storage_capacity_t:,.0f} t, {node.atmosphere}"
            )
        else:
            lines.append("candidate, not opened" if not node.opened else "routed")
    if node.customs_modes:
        lines.append(f"customs modes run: {node.customs_modes}")
    if node.customs_cleared:
        lines.append(f"cleared: {node.customs_cleared}")
    return "<br>".join(lines)


def _node_traces(nodes: gpd.GeoDataFrame) -> list[dict]:
    """One marker per node: a trace per kind, county hubs split by open and atmosphere."""
    hubs = nodes[nodes["kind"] == "county_hub"]
    capacity = hubs["throughput_capacity_t"].astype(float)
    most = float(capacity.max()) if capacity.notna().any() else 1.0
    groups = []
    for kind, (symbol, colour, size) in KIND_STYLE.items():
        part = nodes[nodes["kind"] == kind]
        groups.append((kind.replace("_", " "), part, symbol, colour, [size] * len(part)))
    open_hubs = hubs[hubs["opened"] == True]  # noqa: E712 (a column of flags)
    for atmosphere, colour in ATMOSPHERE_COLOURS.items():
        part = open_hubs[open_hubs["atmosphere"].fillna("air") == atmosphere]
        sizes = [
            12.0 + 14.0 * math.sqrt(c / most) if c == c and most > 0 else 12.0
            for c in part["throughput_capacity_t"].astype(float)
        ]
        groups.append((f"hub open ({atmosphere})", part, "circle", colour, sizes))
    closed = hubs[~hubs["id"].isin(open_hubs["id"])]
    groups.append(("hub candidate", closed, "circle-open", "#555", [9] * len(closed)))
    traces = []
    for name, part, symbol, colour, sizes in groups:
        if not len(part):
            continue
        customs = part["customs_cleared"].fillna("")
        traces.append(
            {
                "type": "scattergeo",
                "lon": part["lon"].tolist(),
                "lat": part["lat"].tolist(),
                "mode": "markers+text" if customs.str.len().any() else "markers",
                "textposition": "top center",
                "textfont": {"size": 9, "color": "#a85400"},
                "marker": {
                    "symbol": symbol,
                    "color": colour,
                    "size": [round(s, 1) for s in sizes],
                    "line": {"width": 0.5, "color": "#333"},
                },
                "name": name,
                # the modes cleared as a label (tonnes on hover): many zones lie close
                "text": [",".join(p.split(" ")[0] for p in c.split("; ") if p) for c in customs],
                "hovertext": [_node_hover(n) for n in part.itertuples()],
                "hoverinfo": "text",
                "meta": {"role": "node", "ids": part["id"].tolist()},
            }
        )
    return traces
