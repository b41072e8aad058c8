"""Charts of a plan run (``solve``, ``evaluate``), each from the run's own files.

Cost by part from ``kpis.json``; spoilage, service days from ``flows``; hub use from
``hubs``; deliveries from ``deliveries``.
"""

from __future__ import annotations

import pandas as pd

from networks.plan import PATH_SEPARATOR
from results.evaluate import COST_KEYS
from results.report._folder import RunFolder
from results.report.map import MODE_COLOURS
from results.report.page import Figure
from results.scoring import SPOILAGE_COLUMNS, SPOILAGE_STAGES

#: The parts of ``total_cost``, in the order the evaluator lists them (kpis.json keys).
COST_PARTS = COST_KEYS

_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


def bar_layout(title: str, x: str, y: str, **more) -> dict:
    """A chart layout: title, axis titles, legend on top, small margins."""
    return {
        "title": {"text": title, "font": {"size": 14}},
        "xaxis": {"title": {"text": x}, "automargin": True},
        "yaxis": {"title": {"text": y}, "automargin": True},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 60},
        "legend": {"orientation": "h", "y": -0.25},
        **more,
    }


def cost_by_part(run: RunFolder) -> Figure | None:
    """Total cost by part (hubs, transport, handling, storage, customs, tariffs, spoilage)."""
    parts = [p for p in COST_PARTS if p in run.kpis]
    if not parts:
        return None
    values = [float(run.kpis[p] or 0.0) for p in parts]
    figure = {
        "data": [
            {
                "type": "bar",
                "x": [p.removesuffix("_cost") for p in parts],
                "y": values,
                "marker": {"color": list(_PALETTE[: len(parts)])},
                "hovertemplate": "%{x}: %{y:,.0f} CNY<extra></extra>",
                "name": "cost",
                "meta": {"keys": parts},
            }
        ],
        "layout": bar_layout("Cost by part", "part", "CNY"),
    }
    total = run.kpis.get("total_cost", sum(values))
    return Figure(
        "cost-by-part",
        figure,
        f"kpis.json *_cost keys; they add up to total_cost {total:,.0f} CNY.",
    )


def _market_frame(run: RunFolder) -> pd.DataFrame | None:
    """The flows with their market (the last node of the path: a solve's have no column)."""
    flows = run.tables.get("flows")
    if flows is None or not len(flows):
        return None
    return flows.assign(market=[str(p).split(PATH_SEPARATOR)[-1] for p in flows["path"]])


#: Colour of each kind of stage in the spoilage chart: legs in their map colour.
STAGE_COLOURS = {"village": "#2ca02c", **MODE_COLOURS, "hub": "#ff7f0e", "node": "#7f7f7f"}


def spoilage(run: RunFolder) -> Figure | None:
    """Tonnes spoiled by market, stacked by kind of stage (``flows`` ``spoiled_t.*``).

    A stage is drawn where some market's total on it is not 0; a negative total (a lot
    still curing uncooled, whose rot share falls, docs/outputs.md) is drawn below the
    axis. A run folder written before the flows carried these columns gets no chart.
    """
    frame = _market_frame(run)
    if frame is None or not set(SPOILAGE_COLUMNS) <= set(frame.columns):
        return None
    table = frame.groupby("market", sort=True)[list(SPOILAGE_COLUMNS)].sum()
    data = [
        {
            "type": "bar",
            "name": stage,
            "x": table.index.tolist(),
            "y": table[column].tolist(),
            "marker": {"color": STAGE_COLOURS.get(stage, "#777")},
            "hovertemplate": f"%{{x}}, {stage}: %{{y:,.3f}} t<extra></extra>",
            "meta": {"column": column},
        }
        for stage, column in zip(SPOILAGE_STAGES, SPOILAGE_COLUMNS, strict=True)
        if (table[column] != 0).any()
    ]
    figure = {
        "data": data,
        "layout": bar_layout(
            "Spoilage by market and stage", "market", "t spoiled", barmode="relative"
        ),
    }
    return Figure(
        "spoilage",
        figure,
        "flows.csv spoiled_t.* (village wait, legs by mode, county hub, other nodes) "
        "summed by the path's market; they add up to spoilage_t "
        f"{run.kpis.get('spoilage_t', 0.0):,.2f} t.",
    )


def hub_use(run: RunFolder, column: str, capacity: str, key: str, title: str) -> Figure | None:
    """Each open hub's weekly tonnes (bars) against its capacity (dashed line)."""
    hubs = run.tables.get("hubs")
    if hubs is None or not len(hubs):
        return None
    data = []
    for k, (hub, rows) in enumerate(hubs.groupby("hub", sort=True)):
        colour = _PALETTE[k % len(_PALETTE)]
        rows = rows.sort_values("week")
        data.append(
            {
                "type": "bar",
                "name": hub,
                "legendgroup": hub,
                "x": rows["week"].tolist(),
                "y": rows[column].tolist(),
                "marker": {"color": colour},
                "hovertemplate": f"{hub} week %{{x}}: %{{y:,.2f}} t<extra></extra>",
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{hub} capacity",
                "legendgroup": hub,
                "x": rows["week"].tolist(),
                "y": rows[capacity].tolist(),
                "line": {"color": colour, "dash": "dash", "shape": "hvh"},
                "hovertemplate": f"{hub} capacity: %{{y:,.0f}} t<extra></extra>",
            }
        )
    figure = {"data": data, "layout": bar_layout(title, "week", "t", barmode="group")}
    return Figure(key, figure, f"hubs.csv {column} against {capacity}, by hub and week.")


def deliveries(run: RunFolder) -> list[Figure]:
    """Deliveries against demand: by market (bars), and the share served by market and week."""
    table = run.tables.get("deliveries")
    if table is None or not len(table):
        return []
    by_market = table.groupby("market", sort=True)[["demand_t", "delivered_t", "sold_t"]].sum()
    bars = {
        "data": [
            {
                "type": "bar",
                "name": column.removesuffix("_t"),
                "x": by_market.index.tolist(),
                "y": by_market[column].tolist(),
                "marker": {"color": colour},
                "hovertemplate": f"%{{x}} {column}: %{{y:,.2f}} t<extra></extra>",
            }
            for column, colour in zip(
                by_market.columns, ("#bbbbbb", "#1f77b4", "#2ca02c"), strict=True
            )
        ],
        "layout": bar_layout("Deliveries against demand by market", "market", "t", barmode="group"),
    }
    weekly = table.groupby(["market", "week"], sort=True)[
        ["demand_t", "sold_t", "delivered_t"]
    ].sum()
    demand = weekly["demand_t"].unstack("week")
    delivered = weekly["delivered_t"].unstack("week").reindex_like(demand)
    served = (weekly["sold_t"].unstack("week") / demand.where(demand > 0)).reindex_like(demand)
    hover = [
        [
            f"{m} week {w}: delivered {delivered.at[m, w]:,.2f} t "
            f"of {demand.at[m, w]:,.2f} t demand"
            for w in demand.columns
        ]
        for m in demand.index
    ]
    heat = {
        "data": [
            {
                "type": "heatmap",
                "x": demand.columns.tolist(),
                "y": demand.index.tolist(),
                "z": served.values.tolist(),
                "zmin": 0.0,
                "zmax": 1.0,
                "colorscale": [[0.0, "#d73027"], [0.5, "#fee08b"], [1.0, "#1a9850"]],
                "colorbar": {"title": {"text": "served"}, "tickformat": ".0%"},
                "text": hover,
                "hoverinfo": "text",
            }
        ],
        "layout": bar_layout("Share of demand served by market and week", "week", "market"),
    }
    return [
        Figure("deliveries", bars, "deliveries.csv summed over weeks and products."),
        Figure(
            "served",
            heat,
            "deliveries.csv sold_t ÷ demand_t by market and delivery week (blank: no demand).",
        ),
    ]


def service_days(run: RunFolder) -> Figure | None:
    """Harvest-to-market days by market: the mean weighted by tonnes delivered, the worst."""
    frame = _market_frame(run)
    if frame is None or "delivery_days" not in frame:
        return None
    frame = frame[frame["delivered_t"] > 0]
    weighted = (frame["delivery_days"] * frame["delivered_t"]).groupby(frame["market"]).sum()
    mean = weighted / frame.groupby("market")["delivered_t"].sum()
    worst = frame.groupby("market")["delivery_days"].max()
    figure = {
        "data": [
            {
                "type": "bar",
                "name": "mean",
                "x": mean.index.tolist(),
                "y": mean.tolist(),
                "marker": {"color": "#1f77b4"},
                "hovertemplate": "%{x}: %{y:,.2f} days on average<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": "worst",
                "x": worst.index.tolist(),
                "y": worst.tolist(),
                "marker": {"color": "#d62728", "symbol": "line-ew-open", "size": 18},
                "hovertemplate": "%{x}: worst %{y:,.2f} days<extra></extra>",
            },
        ],
        "layout": bar_layout("Service days by market", "market", "days, harvest to market"),
    }
    return Figure(
        "service-days",
        figure,
        "flows.csv delivery_days: mean weighted by delivered_t, and the longest flow.",
    )


def plan_charts(run: RunFolder) -> list[Figure]:
    """Every chart of a plan run that its files allow, in reading order."""
    figures = [
        cost_by_part(run),
        spoilage(run),
        hub_use(run, "received_t", "throughput_capacity_t", "throughput", "Hub throughput by week"),
        hub_use(run, "storage_t", "storage_capacity_t", "storage", "Hub cold storage by week"),
        *deliveries(run),
        service_days(run),
    ]
    return [f for f in figures if f is not None]
