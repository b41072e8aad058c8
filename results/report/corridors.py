"""The views of a ``corridors`` run: the corridors' table, their cost by part, their paths.

Read from the run's ``corridors`` table (``corridors.csv``) and the ``corridors`` layer of
``network.gpkg``; every number shown is a cell of the table.
"""

from __future__ import annotations

import math

import geopandas as gpd

from networks.plan import PATH_SEPARATOR
from results.report._folder import RunFolder
from results.report.charts import bar_layout
from results.report.map import VEHICLE_COLOURS
from results.report.page import Figure, table_html

#: Colours of the corridors, by rank in turn (the route map's vehicle colours).
RANK_COLOURS = VEHICLE_COLOURS
#: The cost parts of a corridor, per tonne delivered (``corridors.csv`` columns).
PART_COLUMNS = (
    "transport_cny_per_t",
    "handling_cny_per_t",
    "storage_cny_per_t",
    "customs_cny_per_t",
    "tariff_cny_per_t",
    "purchase_cny_per_t",
    "spoilage_cny_per_t",
)
#: (header, column, format) of the report's corridor table.
TABLE_COLUMNS = (
    ("rank", "rank", "{:d}"),
    ("path", "path", "{}"),
    ("services", "services", "{}"),
    ("customs", "customs_mode", "{}"),
    ("leg temperatures (°C)", "leg_temps_c", "{}"),
    ("CNY/t delivered", "cost_cny_per_t", "{:,.0f}"),
    ("transport", "transport_cny_per_t", "{:,.0f}"),
    ("handling", "handling_cny_per_t", "{:,.0f}"),
    ("customs fees", "customs_cny_per_t", "{:,.0f}"),
    ("duty + VAT borne", "tariff_cny_per_t", "{:,.0f}"),
    ("spoilage", "spoilage_cny_per_t", "{:,.0f}"),
    ("days", "days", "{:.1f}"),
    ("loss", "loss_fraction", "{:.2%}"),
    ("kg CO2e/t", "co2e_kg_per_t", "{:,.1f}"),
    ("duty rate", "duty_rate", "{:.1%}"),
    ("VAT rate", "vat_rate", "{:.1%}"),
    ("dominated by", "dominated_by", "{}"),
)


def _cell(value, fmt: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "" if fmt == "{}" else "—"
    if fmt == "{:d}":
        return str(int(value))
    return fmt.format(value)


def corridors_html(run: RunFolder) -> str:
    """The corridors as an HTML table, one row per corridor (``corridors.csv``)."""
    frame = run.tables.get("corridors")
    if frame is None or not len(frame):
        return "<p>No path is allowed (excluded.csv says why).</p>"
    frame = frame.fillna({"customs_mode": "", "dominated_by": ""})
    rows = [
        [_cell(row[column], fmt) for _, column, fmt in TABLE_COLUMNS] for _, row in frame.iterrows()
    ]
    note = (
        "<p>corridors.csv: ranked by cost per tonne delivered (every cost of the one-row "
        "plan, the purchase value of the fruit lost included, over the tonnes arriving "
        "sound); a corridor is dominated by those no worse on cost, days, loss and CO2e "
        "and better on one. Parts per tonne delivered; purchase "
        f"{float(frame['purchase_cny_per_t'].iloc[0]):,.0f} CNY/t not shown.</p>"
    )
    return note + table_html(rows, [header for header, _, _ in TABLE_COLUMNS])


def corridor_cost(run: RunFolder) -> Figure | None:
    """Each corridor's cost per tonne delivered, stacked by part."""
    frame = run.tables.get("corridors")
    if frame is None or not len(frame):
        return None
    ranks = [f"#{int(r)}" for r in frame["rank"]]
    data = [
        {
            "type": "bar",
            "name": column.removesuffix("_cny_per_t"),
            "x": ranks,
            "y": frame[column].astype(float).tolist(),
            "marker": {"color": RANK_COLOURS[k % len(RANK_COLOURS)]},
            "hovertemplate": f"%{{x}} {column}: %{{y:,.0f}} CNY/t<extra></extra>",
        }
        for k, column in enumerate(PART_COLUMNS)
    ]
    figure = {
        "data": data,
        "layout": bar_layout(
            "Cost per tonne delivered, by part", "corridor (rank)", "CNY/t", barmode="stack"
        ),
    }
    return Figure(
        "corridor-cost", figure, "corridors.csv *_cny_per_t; they add up to cost_cny_per_t."
    )


def corridor_traces(nodes: gpd.GeoDataFrame, corridors: gpd.GeoDataFrame) -> list[dict]:
    """One line per corridor along its nodes: colour by rank, dotted where dominated."""
    where = {i: (x, y) for i, x, y in zip(nodes["id"], nodes["lon"], nodes["lat"], strict=True)}
    traces = []
    for row in corridors.sort_values("rank", ascending=False).itertuples():
        path = str(row.path).split(PATH_SEPARATOR)
        rank = int(row.rank)
        text = (
            f"<b>#{rank}</b> {row.path}<br>{row.services} {row.customs_mode or ''}<br>"
            f"{row.cost_cny_per_t:,.0f} CNY/t delivered, {row.days:.1f} days, "
            f"loss {row.loss_fraction:.2%}, {row.co2e_kg_per_t:,.1f} kg CO2e/t"
        )
        traces.append(
            {
                "type": "scattergeo",
                "lon": [where[n][0] for n in path],
                "lat": [where[n][1] for n in path],
                "mode": "lines",
                "line": {
                    "color": RANK_COLOURS[(rank - 1) % len(RANK_COLOURS)],
                    "width": max(1.5, 7.0 - 0.5 * (rank - 1)),
                    "dash": "solid" if bool(row.pareto) else "dot",
                },
                "opacity": 0.8,
                "name": f"#{rank} {row.customs_mode or ''}".strip(),
                "text": [text] * len(path),
                "hoverinfo": "text",
                "meta": {"role": "corridor", "rank": rank, "path": row.path},
            }
        )
    return traces
