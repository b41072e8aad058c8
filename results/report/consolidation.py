"""The view of a ``consolidate`` run: each firm alone and its share under each method."""

from __future__ import annotations

from results.report._folder import RunFolder
from results.report.charts import bar_layout
from results.report.headline import format_value
from results.report.map import VEHICLE_COLOURS
from results.report.page import Figure, table_html


def methods(run: RunFolder) -> list[str]:
    """The allocation methods of the run, in the order of ``allocation.csv``'s columns."""
    table = run.tables.get("allocation")
    if table is None:
        return []
    return [c.removeprefix("savings.") for c in table.columns if c.startswith("savings.")]


def allocation_charts(run: RunFolder) -> list[Figure]:
    """Stand-alone cost against each method's share, and each firm's savings."""
    table = run.tables.get("allocation")
    if table is None or not len(table):
        return []
    firms = table["firm"].astype(str).tolist()
    colours = dict(zip(methods(run), VEHICLE_COLOURS[1:], strict=False))
    shares = [
        {
            "type": "bar",
            "name": "stand-alone",
            "x": firms,
            "y": table["standalone_cost"].tolist(),
            "marker": {"color": VEHICLE_COLOURS[0]},
            "hovertemplate": "%{x} alone: %{y:,.0f} CNY<extra></extra>",
        }
    ] + [
        {
            "type": "bar",
            "name": method,
            "x": firms,
            "y": table[method].tolist(),
            "marker": {"color": colours[method]},
            "hovertemplate": f"%{{x}} under {method}: %{{y:,.0f}} CNY<extra></extra>",
        }
        for method in methods(run)
    ]
    savings = [
        {
            "type": "bar",
            "name": method,
            "x": firms,
            "y": table[f"savings.{method}"].tolist(),
            "marker": {"color": colours[method]},
            "hovertemplate": f"%{{x}} saves %{{y:,.0f}} CNY under {method}<extra></extra>",
        }
        for method in methods(run)
    ]
    return [
        Figure(
            "allocation",
            {
                "data": shares,
                "layout": bar_layout("Cost alone and allocated", "firm", "CNY", barmode="group"),
            },
            "allocation.csv: standalone_cost and each method's allocated cost; every method "
            f"allocates grand_coalition_cost {run.kpis.get('grand_coalition_cost', 0.0):,.0f} CNY.",
        ),
        Figure(
            "savings",
            {
                "data": savings,
                "layout": bar_layout("Savings by firm", "firm", "CNY", barmode="group"),
            },
            "allocation.csv savings.METHOD = standalone_cost − allocated cost.",
        ),
    ]


def core_html(run: RunFolder) -> str:
    """Whether each allocation is in the core, and the coalitions' costs, as tables."""
    rows = []
    for method in methods(run):
        inside = run.kpis.get(f"in_core.{method}")
        who = run.kpis.get(f"most_dissatisfied.{method}")
        excess = run.kpis.get(f"max_excess.{method}")
        rows.append(
            [
                method,
                "yes" if inside else "no" if inside is not None else "—",
                who or "",
                format_value(excess, "cny") if excess is not None else "",
            ]
        )
    text = table_html(rows, ["method", "in the core", "most dissatisfied", "its excess"])
    coalitions = run.tables.get("coalitions")
    if coalitions is not None and len(coalitions):
        text += table_html(
            [
                [str(r.coalition), f"{r.size:d}", format_value(r.cost, "cny"), str(r.status)]
                for r in coalitions.itertuples()
            ],
            ["coalition", "firms", f"cost ({run.kpis.get('cost_basis', 'model')})", "status"],
        )
    return text
