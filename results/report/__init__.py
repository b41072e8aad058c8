"""``report.html``: a run folder (or several) as one page that opens with no internet.

The report reads only what the run folder holds (``kpis.json``, the tables,
``network.gpkg``: :func:`read_run`), so the report a command writes at the end of its run
and ``coldchain report`` on that folder later are the same code on the same files. One
module per view: :mod:`~results.report.map`, :mod:`~results.report.headline`,
:mod:`~results.report.charts` (plan runs), :mod:`~results.report.collection` (route),
:mod:`~results.report.consolidation`, :mod:`~results.report.corridors`,
:mod:`~results.report.comparison`; the page itself
(plotly.js inlined, each figure's JSON beside it) is :mod:`~results.report.page`.
"""

from __future__ import annotations

import os
from pathlib import Path

from results.report._folder import RunFolder, RunFolderError, read_run
from results.report.charts import plan_charts
from results.report.collection import route_charts
from results.report.comparison import cost_comparison, kpi_table_html, maps
from results.report.consolidation import allocation_charts, core_html
from results.report.corridors import corridor_cost, corridors_html
from results.report.headline import headline_html
from results.report.map import map_figure
from results.report.page import Figure, Section, page_figures, render_page

#: File name of the report in a run folder.
REPORT = "report.html"

__all__ = [
    "REPORT",
    "RunFolder",
    "RunFolderError",
    "comparison_html",
    "page_figures",
    "read_run",
    "report_figures",
    "report_html",
    "write_comparison",
    "write_report",
]


def report_figures(run: RunFolder) -> list[Section]:
    """The sections of one run's report: headline, map, charts of its command."""
    sections = [Section("Headline", headline_html(run))]
    figure = map_figure(run)
    if figure is not None:
        caption = {
            "route": "network.gpkg: nodes, and the road segments each vehicle drives.",
            "consolidate": "network.gpkg: nodes (a consolidation writes no flows to draw).",
            "corridors": "network.gpkg: each corridor's path (colour by rank; dotted: "
            "dominated by another corridor) and the nodes it passes.",
        }.get(
            run.command,
            "network.gpkg: nodes, legs used (width: tonnes picked; solid: reefer, dotted: "
            "ambient).",
        )
        sections.append(Section("Map", figures=(Figure("map", figure, caption, css="map"),)))
    if run.command == "corridors":
        sections.append(Section("Corridors", corridors_html(run)))
        cost = corridor_cost(run)
        charts = [cost] if cost is not None else []
    elif run.command == "route":
        charts = route_charts(run)
    elif run.command == "consolidate":
        sections.append(Section("Allocations and the core", core_html(run)))
        charts = allocation_charts(run)
    else:
        charts = plan_charts(run)
    if charts:
        sections.append(Section("Charts", figures=tuple(charts), columns=2))
    return sections


def _record_html(run: RunFolder) -> str:
    import html

    keys = [k for k in run.kpis if k.startswith(("run_id", "created_utc", "version_", "param_"))]
    items = "".join(f"<li>{html.escape(k)}: {html.escape(str(run.kpis[k]))}</li>" for k in keys)
    summary = f"<summary>run record of {html.escape(run.label)}</summary>"
    return f"<details>{summary}<ul>{items}</ul></details>"


def report_html(run: RunFolder) -> str:
    """One run's report as a self-contained HTML page."""
    subtitle = (
        f"{run.title} · run {run.kpis.get('run_id', '?')} · {run.kpis.get('created_utc', '')}"
    )
    return render_page(f"coldchain: {run.label}", subtitle, report_figures(run), _record_html(run))


def comparison_html(runs: list[RunFolder]) -> str:
    """Several runs side by side: figures with differences to the first, maps, costs."""
    sections = [Section("Figures side by side", kpi_table_html(runs))]
    figures = maps(runs)
    if figures:
        sections.append(Section("Maps", figures=tuple(figures), columns=min(len(figures), 2)))
    cost = cost_comparison(runs)
    if cost is not None:
        sections.append(Section("Cost by part", figures=(cost,)))
    title = "coldchain: " + " vs ".join(r.label for r in runs)
    return render_page(title, f"{len(runs)} runs", sections, "".join(_record_html(r) for r in runs))


def write_report(folder: str | os.PathLike, name: str = "") -> Path:
    """Write ``report.html`` into a run folder from the files the folder holds.

    Parameters
    ----------
    folder
        The run folder (the temporary one while a run is being written).
    name
        The run's name on the page (default: the folder's name).

    Returns
    -------
    Path
        The report written.
    """
    path = Path(folder) / REPORT
    path.write_text(report_html(read_run(folder, name)), encoding="utf-8")
    return path


def write_comparison(
    folders: list[str | os.PathLike], out: str | os.PathLike, export: list[str] | None = None
) -> Path:
    """Write ``OUT/report.html`` for runs: one run's report, or several compared.

    Parameters
    ----------
    folders
        Run folders; the first is the base the others are compared with.
    out
        A new folder, written atomically.
    export
        Formats (``png``, ``svg``) to write each figure in too, as ``OUT/figures/KEY.FMT``.

    Raises
    ------
    RunFolderError
        If a folder is not a run folder.
    ExportUnavailableError
        If ``export`` is asked for without Kaleido or a browser (checked first).
    """
    from results.report.export import check_export, export_figures
    from results.store import RunWriter

    if export:
        check_export()
    runs = [read_run(f) for f in folders]
    text = report_html(runs[0]) if len(runs) == 1 else comparison_html(runs)
    with RunWriter(out) as writer:
        writer.write_text(REPORT, text)
        if export:
            export_figures(page_figures(text), writer.folder / "figures", export)
    return Path(out) / REPORT
