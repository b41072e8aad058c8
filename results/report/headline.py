"""The headline: the figures a planner quotes, read from the run's ``kpis.json``.

Each row names the ``kpis.json`` key it shows, so a reader (and a test) can check it.
"""

from __future__ import annotations

import html
import math

from results.report._folder import RunFolder

#: (label, key, format) of the headline rows of each command; rows whose key the run's
#: kpis.json lacks are left out. Formats: ``cny``, ``t``, ``share``, ``pct`` (already a
#: percent), ``n``, ``h``, ``km``, ``days``, ``text``.
HEADLINE_ROWS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "plan": (
        ("status", "status", "text"),
        ("what stopped the search", "limit", "text"),
        ("evaluated objective", "objective", "cny"),
        ("objective is", "objective_sense", "text"),
        ("margin", "margin", "cny"),
        ("revenue", "revenue", "cny"),
        ("total cost", "total_cost", "cny"),
        ("status quo objective", "status_quo_objective", "cny"),
        ("better than the status quo by", "versus_status_quo", "cny"),
        ("spoilage rate (perishables)", "spoilage_rate", "share"),
        ("spoilage", "spoilage_t", "t"),
        ("CO2e", "co2_t", "t"),
        ("shipped", "shipped_t", "t"),
        ("delivered", "delivered_t", "t"),
        ("demand", "demand_t", "t"),
        ("demand not served", "unmet_demand_t", "t"),
        ("mean harvest-to-market days", "mean_delivery_days", "days"),
        ("bound on the evaluated objective", "bound", "cny"),
        ("gap to that bound", "gap", "share"),
        ("why no bound", "bound_note", "text"),
        ("model's own objective", "model_objective", "cny"),
        ("model's bound", "model_bound", "cny"),
        ("model's gap", "model_gap", "share"),
    ),
    "route": (
        ("status", "status", "text"),
        ("what stopped the search", "limit", "text"),
        ("day cost", "cost", "cny"),
        ("hubs routed", "hubs", "n"),
        ("tonnes collected", "tonnes", "t"),
        ("vehicles used", "vehicles_used", "n"),
        ("trips", "trips", "n"),
        ("pickups", "pickups", "n"),
        ("distance", "distance_km", "km"),
        ("vehicle hours", "hours", "h"),
        ("worst hours from pickup to hub", "worst_freshness_h", "h"),
        ("value lost riding ambient", "warm_cost", "cny"),
        ("route check", "route_check", "text"),
    ),
    "corridors": (
        ("status", "status", "text"),
        ("from", "origin", "text"),
        ("village the paths start at", "village", "text"),
        ("to", "market", "text"),
        ("product", "product", "text"),
        ("harvest week", "week", "n"),
        ("tonnes shipped", "tonnes", "t"),
        ("shipper", "shipper", "text"),
        ("tariff regime", "regime", "text"),
        ("best corridor", "best_path", "text"),
        ("its services", "best_services", "text"),
        ("its customs mode", "best_customs_mode", "text"),
        ("its cost per tonne delivered", "best_cost_cny_per_t", "cny"),
        ("its days from harvest", "best_days", "days"),
        ("its loss", "best_loss_fraction", "share"),
        ("its CO2e per tonne delivered (kg)", "best_co2e_kg_per_t", "n"),
        ("paths allowed", "paths_allowed", "n"),
        ("paths listed", "paths_listed", "n"),
        ("paths no other listed one dominates", "paths_pareto", "n"),
        ("paths not allowed", "paths_excluded", "n"),
    ),
    "consolidate": (
        ("status", "status", "text"),
        ("firms", "firms", "n"),
        ("sum of stand-alone costs (model)", "standalone_cost_sum", "cny"),
        ("grand coalition cost (model)", "grand_coalition_cost", "cny"),
        ("savings", "savings", "cny"),
        ("savings (%)", "savings_pct", "pct"),
        ("core empty", "core_empty", "text"),
        ("spoilage rate alone", "spoilage_rate_alone", "share"),
        ("spoilage rate pooled", "spoilage_rate_pooled", "share"),
        ("CO2e alone", "co2_t_alone", "t"),
        ("CO2e pooled", "co2_t_pooled", "t"),
    ),
}


def rows_for(command: str) -> tuple[tuple[str, str, str], ...]:
    """The headline rows of a command (``solve`` and ``evaluate`` share the plan's)."""
    return HEADLINE_ROWS.get(command, HEADLINE_ROWS["plan"])


def format_value(value, unit: str) -> str:
    """A kpis.json value as the report prints it (``—`` for a missing number)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if unit == "text" or isinstance(value, bool | str):
        return str(value)
    if unit == "share":
        return f"{value:.2%}"
    if unit == "pct":
        return f"{value:.2f}%"
    if unit == "cny":
        return f"{value:,.0f} CNY"
    if unit == "t":
        return f"{value:,.2f} t"
    if unit == "n":
        return f"{value:,.0f}"
    suffix = {"h": "h", "km": "km", "days": "days"}.get(unit, "")
    return f"{value:,.2f} {suffix}".strip()


def headline_html(run: RunFolder) -> str:
    """The headline as an HTML table: label, value, the ``kpis.json`` key."""
    cells = []
    for label, key, unit in rows_for(run.command):
        if key not in run.kpis:
            continue
        cells.append(
            f"<tr><td>{html.escape(label)}</td>"
            f'<td data-key="{html.escape(key)}">{html.escape(format_value(run.kpis[key], unit))}'
            f'</td><td class="note">{html.escape(key)}</td></tr>'
        )
    problems = run.documents.get("diagnosis", {}).get("problems", [])
    notes = "".join(f"<li>{html.escape(str(p.get('message', p)))}</li>" for p in problems)
    return (
        '<table class="headline"><tr><th>figure</th><th>value</th><th>kpis.json key</th></tr>'
        + "".join(cells)
        + "</table>"
        + (f"<p>Diagnosis (diagnosis.json):</p><ul>{notes}</ul>" if notes else "")
    )
