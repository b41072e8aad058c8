"""Charts of a ``route`` run: the day's cost by hub and part, each vehicle's trips."""

from __future__ import annotations

from results.report._folder import RunFolder
from results.report.charts import bar_layout
from results.report.map import VEHICLE_COLOURS
from results.report.page import Figure

#: The parts of a route's ``cost`` (kpis.json keys, per hub as ``hub.ID.KEY``).
ROUTE_COST_PARTS = ("fixed_cost", "distance_cost", "time_cost", "warm_cost")


def route_cost(run: RunFolder) -> Figure | None:
    """The day's cost by hub, stacked by part (kpis.json ``hub.ID.*_cost``)."""
    hubs = sorted({k.split(".")[1] for k in run.kpis if k.startswith("hub.") and k.count(".") >= 2})
    if not hubs:
        return None
    data = [
        {
            "type": "bar",
            "name": part.removesuffix("_cost"),
            "x": hubs,
            "y": [float(run.kpis.get(f"hub.{h}.{part}", 0.0) or 0.0) for h in hubs],
            "marker": {"color": colour},
            "hovertemplate": f"%{{x}} {part}: %{{y:,.0f}} CNY<extra></extra>",
        }
        for part, colour in zip(ROUTE_COST_PARTS, VEHICLE_COLOURS, strict=False)
    ]
    figure = {
        "data": data,
        "layout": bar_layout("Collection cost by hub", "hub", "CNY", barmode="stack"),
    }
    return Figure(
        "route-cost",
        figure,
        f"kpis.json hub.ID.*_cost; they add up to cost {run.kpis.get('cost', 0.0):,.0f} CNY.",
    )


def vehicle_trips(run: RunFolder) -> Figure | None:
    """Each vehicle's trips as bars on the clock, from leaving the hub to coming back."""
    routes = run.tables.get("routes")
    if routes is None or not len(routes):
        return None
    data = []
    colours = {
        v: VEHICLE_COLOURS[k % len(VEHICLE_COLOURS)]
        for k, v in enumerate(routes["vehicle"].unique())
    }
    for (hub, vehicle, trip), stops in routes.groupby(["hub", "vehicle", "trip"], sort=True):
        stops = stops.sort_values("stop")
        start = float(stops["departure_h"].iloc[0])
        end = float(stops["arrival_h"].iloc[-1])
        villages = [str(p) for p in stops["pickup"].dropna() if str(p)]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": [f"{hub} {vehicle}"],
                "x": [end - start],
                "base": [start],
                "name": f"{hub} {vehicle} trip {trip}",
                "marker": {"color": colours[vehicle]},
                "showlegend": False,
                "hovertemplate": (
                    f"{vehicle} trip {trip}: {start:.2f} h → {end:.2f} h, "
                    f"{float(stops['load_t'].iloc[-1]):,.3f} t from {', '.join(villages)}"
                    "<extra></extra>"
                ),
            }
        )
    figure = {
        "data": data,
        "layout": bar_layout("Trips of each vehicle", "clock hour", "vehicle", barmode="overlay"),
    }
    return Figure("vehicle-trips", figure, "routes.csv: departure from the hub to arrival back.")


def freshness(run: RunFolder) -> Figure | None:
    """Hours from each pickup to the hub (routes.csv ``hours_since_pickup``)."""
    routes = run.tables.get("routes")
    if routes is None or not len(routes):
        return None
    stops = routes[routes["hours_since_pickup"].notna()]
    figure = {
        "data": [
            {
                "type": "bar",
                "x": stops["pickup"].astype(str).tolist(),
                "y": stops["hours_since_pickup"].tolist(),
                "marker": {"color": "#2ca02c"},
                "name": "hours",
                "hovertemplate": "%{x}: %{y:.2f} h to the hub<extra></extra>",
            }
        ],
        "layout": bar_layout("Hours from pickup to hub", "pickup", "h"),
    }
    return Figure(
        "freshness",
        figure,
        f"routes.csv hours_since_pickup; the worst is worst_freshness_h "
        f"{run.kpis.get('worst_freshness_h', 0.0) or 0.0:.2f} h.",
    )


def route_charts(run: RunFolder) -> list[Figure]:
    """Every chart of a route run that its files allow."""
    return [f for f in (route_cost(run), vehicle_trips(run), freshness(run)) if f is not None]
