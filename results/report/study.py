"""A study's page: its runs plotted against two KPIs, the efficient ones joined.

``coldchain runs STORE --plot X,Y[,COLOR] --html FILE`` writes it: every run of the
store (as filtered) is a point; the runs no other run beats on both ``X`` and ``Y``
(lower is better on each, as for cost, spoilage and CO2e; ``max:COLUMN``: higher is
better, as for a margin) are joined in order of ``X``:
the Pareto front of the runs, for example of an epsilon-constraint sweep of
``co2_cap``. Hovering a point shows its run id (``coldchain report STORE:RUN_ID``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from results.report.page import Figure, Section, render_page, table_html


def efficient(frame: pd.DataFrame, x: str, y: str, higher: tuple[str, ...] = ()) -> pd.Series:
    """Whether each row is efficient: no other row has ``x`` and ``y`` both <=, one <.

    Columns in ``higher`` are better higher (compared negated).
    """
    xs, ys = frame[x].to_numpy(float), frame[y].to_numpy(float)
    xs, ys = (-xs if x in higher else xs), (-ys if y in higher else ys)
    keep = np.isfinite(xs) & np.isfinite(ys)
    flags = []
    for i in range(len(frame)):
        if not keep[i]:
            flags.append(False)
            continue
        beaten = keep & (xs <= xs[i]) & (ys <= ys[i]) & ((xs < xs[i]) | (ys < ys[i]))
        flags.append(not beaten.any())
    return pd.Series(flags, index=frame.index)


def study_page(
    frame: pd.DataFrame,
    x: str,
    y: str,
    color: str | None,
    title: str,
    higher: tuple[str, ...] = (),
) -> str:
    """The page's HTML (plotly.js inlined, as the run report's); ``higher``: see efficient."""
    front = frame[efficient(frame, x, y, higher)].sort_values(x)
    better = {c: "higher" if c in higher else "lower" for c in (x, y)}
    marker: dict = {"size": 9}
    if color:
        marker.update(color=frame[color].tolist(), colorscale="Viridis", showscale=True)
        marker["colorbar"] = {"title": {"text": color}}
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "name": "runs",
                "x": frame[x].tolist(),
                "y": frame[y].tolist(),
                "text": frame["run_id"].tolist(),
                "marker": marker,
                "hovertemplate": f"%{{text}}<br>{x} %{{x:,.4g}}<br>{y} %{{y:,.4g}}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "efficient runs",
                "x": front[x].tolist(),
                "y": front[y].tolist(),
                "line": {"color": "#d62728"},
            },
        ],
        "layout": {
            "xaxis": {"title": {"text": x}},
            "yaxis": {"title": {"text": y}},
            "legend": {"orientation": "h", "y": -0.25},  # clear of the color bar
        },
    }
    levers = [c for c in frame.columns if c.startswith("lever_")]
    shown = ["run_id", *levers, x, y, *([color] if color and color not in (x, y) else [])]
    rows = [[_cell(v) for v in row] for row in front[shown].itertuples(index=False)]
    sections = [
        Section(
            f"{y} against {x}",
            "",
            (
                Figure(
                    "study",
                    figure,
                    f"{len(frame)} runs; the red line joins the {len(front)} that no other "
                    f"run beats on both {x} ({better[x]} is better) and {y} ({better[y]} "
                    "is better)",
                ),
            ),
        ),
        Section("Efficient runs", table_html(rows, shown)),
    ]
    return render_page(title, f"{len(frame)} runs", sections)


def _cell(value) -> str:
    return f"{value:,.4g}" if isinstance(value, float) else str(value)
