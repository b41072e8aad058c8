"""report.html in a real browser: headless Chromium (Selenium), the network blocked.

The page must draw one marker per node and one line per leg used, a bar for every bar
of its charts, make no network request and log no error. Without Chromium, chromedriver
or Selenium these tests skip with the reason; ``COLDCHAIN_REQUIRE_BROWSER=1`` (set by
``.ci/run``, which installs Debian's chromium and chromium-driver) makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pandas as pd
import pytest

from optimizer.cli.main import main
from results.report import page_figures

#: Chromium flags: headless, no sandbox (root in CI), nothing fetched in the background,
#: and every host unreachable (a proxy that is not there, names that do not resolve).
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)

#: Per figure on the page: its traces' roles, the points drawn per trace and lines drawn.
_DRAWN = """
return Array.from(document.querySelectorAll('.js-plotly-plot')).map(function (gd) {
  var drawn = gd.data.map(function (t) {
    return {type: t.type, role: (t.meta || {}).role || null, points: 0, lines: 0};
  });
  gd.querySelectorAll('g.trace').forEach(function (g) {
    var cd = g.__data__, trace = cd && (cd[0] || cd).trace;
    if (!trace || drawn[trace.index] === undefined) return;
    drawn[trace.index].points += g.querySelectorAll('.point').length;
    drawn[trace.index].lines += Array.from(g.querySelectorAll('path.js-line')).filter(
      function (p) { return (p.getAttribute('d') || '').length > 2; }).length;
  });
  return {id: gd.id, traces: drawn};
});
"""


def _browser():
    required = os.environ.get("COLDCHAIN_REQUIRE_BROWSER") == "1"
    missing = None
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing = "Selenium is not installed (pip install selenium)"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if missing is None and not (chromium and driver):
        missing = "no Chromium or chromedriver (apt-get install chromium chromium-driver)"
    if missing:
        if required:
            pytest.fail(f"COLDCHAIN_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


@pytest.fixture(scope="module")
def browser():
    driver = _browser()
    yield driver
    driver.quit()


def _open(browser, page) -> tuple[list[dict], list[str], list[dict]]:
    """Load a report; the figures drawn, the URLs requested, the console's errors."""
    browser.get_log("performance")
    browser.get_log("browser")
    browser.get(page.as_uri())
    expected = len(page_figures(page.read_text(encoding="utf-8")))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        drawn = browser.execute_script(_DRAWN)
        if len(drawn) == expected and all(f["traces"] for f in drawn):
            break
        time.sleep(0.2)
    time.sleep(0.3)
    drawn = browser.execute_script(_DRAWN)
    requests = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
    urls = [
        m["params"]["request"]["url"]
        for m in requests
        if m["method"] == "Network.requestWillBeSent"
    ]
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert len(drawn) == expected
    return drawn, urls, errors


def _used_legs(folder) -> int:
    flows = pd.read_csv(folder / "flows.csv")
    legs = set()
    for path, services in zip(flows["path"], flows["services"], strict=True):
        nodes, kinds = path.split(" > "), services.split(" > ")
        legs |= {f"{a}>{b}:{s}" for a, b, s in zip(nodes, nodes[1:], kinds, strict=False)}
    return len(legs)


def _check_page(browser, folder, maps: dict[str, int], nodes: int) -> None:
    drawn, urls, errors = _open(browser, folder / "report.html")
    assert errors == []
    assert all(u.startswith(("file:", "data:")) for u in urls), urls
    figures = page_figures((folder / "report.html").read_text(encoding="utf-8"))
    for figure in drawn:
        traces = figure["traces"]
        if figure["id"] in maps:
            assert sum(t["points"] for t in traces if t["role"] == "node") == nodes
            legs = [t for t in traces if t["role"] == "leg"]
            assert len(legs) == maps[figure["id"]]
            assert all(t["lines"] == 1 for t in legs)
            continue
        data = figures[figure["id"]]["data"]
        for shown, trace in zip(traces, data, strict=True):
            if trace["type"] == "bar":  # one bar drawn per value
                assert shown["points"] == len(trace["y"] if "y" in trace else trace["x"])


def test_tiny_report_draws_every_node_leg_and_bar_offline(browser, tiny_runs, tiny):
    folder = tiny_runs["solve"]
    _check_page(browser, folder, {"map": _used_legs(folder)}, len(tiny.nodes))


def test_comparison_draws_each_runs_map_offline(browser, tiny_runs, tiny):
    maps = {"map-0": _used_legs(tiny_runs["evaluate"]), "map-1": _used_legs(tiny_runs["solve"])}
    routes = pd.read_csv(tiny_runs["route"] / "routes.csv")
    maps["map-2"] = sum(len(s) - 1 for _, s in routes.groupby(["hub", "vehicle", "trip"]))
    _check_page(browser, tiny_runs["compare"], maps, len(tiny.nodes))


@pytest.mark.slow
def test_flagship_report_draws_every_node_and_leg(browser, tmp_path):
    from instances import load_scenario

    network = load_scenario("xiangxi-kiwi")
    out = tmp_path / "flagship"
    assert main(["evaluate", "xiangxi-kiwi", "--plan", "status-quo", "--out", str(out)]) == 0
    _check_page(browser, out, {"map": _used_legs(out)}, len(network.nodes))


def test_export_writes_each_figure_as_svg(browser, tiny_runs, tmp_path):
    pytest.importorskip("kaleido", reason="static export needs kaleido (pip install kaleido)")
    out = tmp_path / "paper"
    assert main(["report", str(tiny_runs["route"]), "--out", str(out), "--export", "svg"]) == 0
    figures = page_figures((out / "report.html").read_text(encoding="utf-8"))
    written = sorted(p.stem for p in (out / "figures").glob("*.svg"))
    assert written == sorted(figures)
    assert all((out / "figures" / f"{k}.svg").read_text().startswith("<svg") for k in figures)
