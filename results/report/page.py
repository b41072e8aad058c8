"""One self-contained HTML page: plotly.js inlined once, each figure's JSON beside its div.

Every figure is a plain plotly figure (a dict of ``data`` and ``layout``) kept in a
``<script type="application/json" data-figure="ID">`` element, so that the page draws
with no internet (plotly.js, shipped by the installed ``plotly`` package, is inlined) and a
test can read each figure's numbers back without a browser (:func:`page_figures`).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

#: How each figure is drawn: fits its box, no plotly logo, nothing fetched.
PLOT_CONFIG = {"responsive": True, "displaylogo": False}

#: Credits printed at the foot of every page.
CREDITS = (
    "Basemap: Made with Natural Earth. Free vector and raster map data @ "
    "naturalearthdata.com (1:110m land, public domain). Charts: plotly.js {version} (MIT)."
)

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:1400px;padding:0 1.2em 2em;color:#222}
h1{font-size:1.5em;margin:.8em 0 .1em}h2{font-size:1.2em;margin:1.6em 0 .4em;
border-bottom:1px solid #ddd}p.sub{color:#555;margin:0 0 1em}
table{border-collapse:collapse;font-size:.9em;margin:.4em 0}
th,td{padding:.25em .7em;border-bottom:1px solid #eee;text-align:right;max-width:24em}
th:first-child,td:first-child{text-align:left}td.note{color:#666;text-align:left}
.grid{display:grid;gap:1em}.figure{min-height:420px}.map{min-height:560px}
.caption{color:#555;font-size:.85em;margin:.2em 0 .8em}
footer{color:#777;font-size:.8em;margin-top:2em;border-top:1px solid #ddd;padding-top:.5em}
details{font-size:.85em;color:#444}
"""

_BOOT = """
document.querySelectorAll('script[type="application/json"][data-figure]').forEach(
  function (s) {
    var fig = JSON.parse(s.textContent);
    Plotly.newPlot(s.dataset.figure, fig.data, fig.layout, CONFIG);
  });
"""

_FIGURE_DATA = re.compile(
    r'<script type="application/json" data-figure="([^"]+)">(.*?)</script>', re.S
)


@dataclass(frozen=True)
class Figure:
    """A plotly figure with its place on the page.

    Parameters
    ----------
    key
        Its id on the page (unique), e.g. ``map`` or ``cost-by-part``.
    figure
        The plotly figure: ``{"data": [...], "layout": {...}}``.
    caption
        What it shows and where its numbers come from.
    css
        Its element's class (``figure``, or ``map`` for a taller box).
    """

    key: str
    figure: dict
    caption: str = ""
    css: str = "figure"


@dataclass(frozen=True)
class Section:
    """A heading with HTML (tables, text) and figures, ``columns`` figures a row."""

    title: str
    html: str = ""
    figures: tuple[Figure, ...] = field(default_factory=tuple)
    columns: int = 1


def figure_json(figure: dict) -> str:
    """A figure as JSON (numpy values as numbers, NaN and infinity as null)."""
    from plotly.io.json import to_json_plotly

    return to_json_plotly(figure, engine="json")


def render_page(title: str, subtitle: str, sections: list[Section], footer_html: str = "") -> str:
    """The whole page as one HTML string, plotly.js inlined."""
    import plotly
    from plotly.offline import get_plotlyjs

    body = []
    for section in sections:
        body.append(f"<section><h2>{html.escape(section.title)}</h2>{section.html}")
        if section.figures:
            body.append(
                f'<div class="grid" style="grid-template-columns:repeat({section.columns},1fr)">'
            )
            for fig in section.figures:
                data = figure_json(fig.figure).replace("</", "<\\/")
                body.append(
                    f'<div><div id="{fig.key}" class="{fig.css}"></div>'
                    f'<script type="application/json" data-figure="{fig.key}">{data}</script>'
                    f'<p class="caption">{html.escape(fig.caption)}</p></div>'
                )
            body.append("</div>")
        body.append("</section>")
    credits = html.escape(CREDITS.format(version=_plotlyjs_version(get_plotlyjs())))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_STYLE}</style><script>{get_plotlyjs()}</script></head><body>"
        f'<h1>{html.escape(title)}</h1><p class="sub">{html.escape(subtitle)}</p>'
        + "".join(body)
        + f"<footer>{footer_html}<p>{credits} coldchain {html.escape(_version())}, "
        f"plotly.py {html.escape(plotly.__version__)}.</p></footer>"
        f"<script>var CONFIG = {json.dumps(PLOT_CONFIG)};{_BOOT}</script></body></html>\n"
    )


def page_figures(page: str) -> dict[str, dict]:
    """The figures of a page written by :func:`render_page`, by key, as dicts."""
    return {key: json.loads(text.replace("<\\/", "</")) for key, text in _FIGURE_DATA.findall(page)}


def table_html(rows: list[list[str]], header: list[str] | None = None) -> str:
    """A plain HTML table of already formatted cells (escaped here)."""
    head = ""
    if header:
        head = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table>{head}{body}</table>"


def _plotlyjs_version(js: str) -> str:
    found = re.search(r'version:"(\d+\.\d+\.\d+)"', js[:300_000])
    return found.group(1) if found else "?"


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("coldchain")
    except metadata.PackageNotFoundError:
        return "?"
