"""Runs side by side: the headline figures with differences, the maps, cost by part."""

from __future__ import annotations

import html

from results.report._folder import RunFolder
from results.report.charts import COST_PARTS, bar_layout
from results.report.headline import format_value, rows_for
from results.report.map import VEHICLE_COLOURS, map_figure
from results.report.page import Figure


def compared_rows(runs: list[RunFolder]) -> list[tuple[str, str, str]]:
    """The headline rows of every run's command, each once, in first-seen order."""
    seen: dict[str, tuple[str, str, str]] = {}
    for run in runs:
        for label, key, unit in rows_for(run.command):
            if key not in seen and any(key in r.kpis for r in runs):
                seen[key] = (label, key, unit)
    return list(seen.values())


def difference(base, value) -> float | None:
    """``value − base`` where both are numbers (not flags), else ``None``."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (base, value))
    return float(value) - float(base) if numbers else None


def kpi_table_html(runs: list[RunFolder]) -> str:
    """The figures of each run in a column, then each run's difference to the first."""
    base = runs[0]
    head = ["figure", *[r.label for r in runs], *[f"{r.label} − {base.label}" for r in runs[1:]]]
    rows = []
    for label, key, unit in compared_rows(runs):
        cells = [f"<td>{html.escape(label)}</td>"]
        cells += [
            f'<td data-run="{k}" data-key="{html.escape(key)}">'
            f"{html.escape(format_value(r.kpis.get(key), unit))}</td>"
            for k, r in enumerate(runs)
        ]
        for r in runs[1:]:
            delta = difference(base.kpis.get(key), r.kpis.get(key))
            text = "" if delta is None else format_value(delta, unit)
            if delta is not None and delta > 0 and unit != "text":
                text = "+" + text
            cells.append(f"<td>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    header = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"
    runs_list = "".join(
        f"<li><b>{html.escape(r.label)}</b>: {html.escape(r.title)} "
        f"({html.escape(str(r.path))})</li>"
        for r in runs
    )
    return f'<ul>{runs_list}</ul><table class="compare">{header}{"".join(rows)}</table>'


def maps(runs: list[RunFolder]) -> list[Figure]:
    """Each run's map, keyed ``map-K`` by its place in the list."""
    figures = []
    for k, run in enumerate(runs):
        figure = map_figure(run)
        if figure is not None:
            figure["layout"]["title"]["text"] = f"{run.label}: {run.title}"
            figures.append(Figure(f"map-{k}", figure, f"{run.path}/network.gpkg", css="map"))
    return figures


def cost_comparison(runs: list[RunFolder]) -> Figure | None:
    """Cost by part of each plan run, grouped by part."""
    plan_runs = [r for r in runs if any(p in r.kpis for p in COST_PARTS)]
    if not plan_runs:
        return None
    data = [
        {
            "type": "bar",
            "name": run.label,
            "x": [p.removesuffix("_cost") for p in COST_PARTS],
            "y": [float(run.kpis.get(p) or 0.0) for p in COST_PARTS],
            "marker": {"color": VEHICLE_COLOURS[k % len(VEHICLE_COLOURS)]},
            "hovertemplate": f"{run.label} %{{x}}: %{{y:,.0f}} CNY<extra></extra>",
        }
        for k, run in enumerate(plan_runs)
    ]
    figure = {"data": data, "layout": bar_layout("Cost by part", "part", "CNY", barmode="group")}
    return Figure("cost-compare", figure, "kpis.json *_cost keys of each run.")
