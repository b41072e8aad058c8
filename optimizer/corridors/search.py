"""The best corridors from a village (or a county hub) to a market, scored by the evaluator.

Every full path (:func:`optimizer.corridors.paths.path_candidates`) is a plan row of
``tonnes`` of one product leaving the village in one week, sent at once (no weeks in the
hub's cold store), pre-cooled at the hub where the product is perishable, with the
scenario's village wait. Its figures are the evaluator's for the plan made of that one
row (:func:`results.evaluate.evaluate`), by construction:

- the row's score is :meth:`results.scoring.FlowScorer.score` (exact shelf life,
  freight by the tonne, handling, pre-cooling, customs fees, duty and the import VAT not
  recovered, purchase value of the fruit delivered and of the fruit lost, CO2e);
- **trips**: the shipment rides alone. On each leg sold by the trip it pays, for the
  tonnes still sound when the leg starts, the cheaper of whole trips (containers) and a
  part load (:func:`results.evaluate.freight_cost`, i.e. :func:`networks.firms.load_cost_tolled`
  at the shipper's terms), as the evaluator prices a plan whose only row it is. So a
  small shipment on a leg that sells no part loads pays a whole container: corridors of
  3 t and of 30 t rank differently, which is why ``tonnes`` is an argument;
- the county hub's fixed cost is not a cost of the corridor (the hub is taken as open;
  which hubs to open is ``coldchain solve``'s question).

A path is ranked by its cost per tonne delivered (``cost_cny_per_t``: every cost of the
row, the purchase value of the fruit lost included, over the tonnes that arrive sound),
which is how spoilage costs a shipper: per tonne shipped, the purchase value of a tonne
is the same whether it arrives or rots. Path *a* dominates path *b* when *a* is no worse
on cost per tonne delivered, days, loss and CO2e per tonne delivered and better on one.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from networks.errors import Problem, ScenarioError
from networks.network import Network
from networks.nodes import NodeKind
from networks.plan import PATH_SEPARATOR, THIRD_PARTY, PathFlow
from networks.timeline import lot_history
from networks.trade import import_charge
from optimizer.corridors.paths import RULES, Candidate, first_customs_node, path_candidates
from results.evaluate import COST_KEYS, freight_cost
from results.scoring import FlowScorer, hub_atmosphere, path_loss

#: The cost parts of a corridor (the evaluator's cost keys but the hubs' fixed cost).
PARTS = tuple(key.removesuffix("_cost") for key in COST_KEYS if key != "hub_cost")
#: What dominance compares, each the smaller the better.
CRITERIA = ("cost_cny_per_t", "days", "loss_fraction", "co2e_kg_per_t")

CORRIDOR_COLUMNS = [
    "rank",
    "path",
    "services",
    "modes",
    "gateways",
    "customs_mode",
    "customs_at",
    "leg_temps_c",
    "temp_max_c",
    "cost_cny_per_t",
    *(f"{part}_cny_per_t" for part in PARTS),
    "cost_cny_per_t_shipped",
    "total_cost_cny",
    "days",
    "loss_fraction",
    "delivered_t",
    "co2e_kg_per_t",
    "duty_rate",
    "vat_rate",
    "customs_value_cny_per_t_imported",
    "duty_cny_per_t_imported",
    "import_vat_cny_per_t_imported",
    "vat_borne_cny_per_t_imported",
    "de_minimis",
    "trips",
    "part_load_t",
    "dominated_by",
    "pareto",
    "village",
    "hub",
    "market",
    "product",
    "week",
    "tonnes",
    "shipper",
]
EXCLUDED_COLUMNS = ["path", "services", "customs_mode", "rule", "reason"]


@dataclass(frozen=True)
class CorridorQuery:
    """What a corridor search asks (every default already resolved).

    Parameters
    ----------
    origin
        The ``--from`` node: a village, or a county hub.
    village
        The village the paths start at (``origin``, or for a hub the village that grows
        most of ``product`` in ``week`` among those with a leg to it).
    hub
        The county hub every path passes, for a hub origin (``None``: any).
    market, product, week, tonnes
        Where to, what, the harvest week and the tonnes leaving the village.
    shipper
        Who pays the trips: the village's firm shipping alone, or ``3pl``.
    regime
        Tariff regime (``None``: the scenario's).
    paths
        How many corridors to list.
    """

    origin: str
    village: str
    hub: str | None
    market: str
    product: str
    week: int
    tonnes: float
    shipper: str
    regime: str | None
    paths: int


@dataclass(frozen=True)
class CorridorResult:
    """The ranked corridors of a query and the paths not allowed.

    Parameters
    ----------
    query
        The query.
    corridors
        The best ``query.paths`` allowed paths, ranked (:data:`CORRIDOR_COLUMNS`).
    excluded
        Paths not allowed, with the rule and the reason (:data:`EXCLUDED_COLUMNS`).
    allowed
        How many paths are allowed (listed or not).
    seconds
        Wall-clock seconds of the search.
    """

    query: CorridorQuery
    corridors: pd.DataFrame
    excluded: pd.DataFrame
    allowed: int
    seconds: float = 0.0
    regime_name: str | None = field(default=None)

    def kpis(self) -> dict:
        """The search's figures (``kpis.json``): the query, counts, the best corridor."""
        q = self.query
        kpis: dict = {
            "status": "optimal" if len(self.corridors) else "infeasible",
            "limit": "none",
            "origin": q.origin,
            "village": q.village,
            "market": q.market,
            "product": q.product,
            "week": q.week,
            "tonnes": q.tonnes,
            "shipper": q.shipper,
            "regime": self.regime_name,
            "paths_allowed": self.allowed,
            "paths_listed": len(self.corridors),
            "paths_pareto": int(self.corridors["pareto"].sum()) if len(self.corridors) else 0,
            "paths_excluded": len(self.excluded),
        }
        for rule in RULES:
            kpis[f"paths_excluded.{rule}"] = int((self.excluded["rule"] == rule).sum())
        if len(self.corridors):
            best = self.corridors.iloc[0]
            for key in ("path", "services", "customs_mode", *CRITERIA, "total_cost_cny"):
                value = best[key]
                kpis[f"best_{key}"] = value.item() if hasattr(value, "item") else value
        kpis["seconds"] = self.seconds
        return kpis

    def diagnosis(self) -> dict:
        """Why no path is allowed (``diagnosis.json``): one problem per rule and reason."""
        problems = []
        for (rule, reason), group in self.excluded.groupby(["rule", "reason"], sort=True):
            example = group.iloc[0]
            problems.append(
                {
                    "rule": rule,
                    "reason": reason,
                    "paths": len(group),
                    "message": f"{rule}: {reason} ({len(group)} paths, e.g. {example['path']} "
                    f"[{example['services']}] {example['customs_mode'] or '-'})",
                }
            )
        if not problems:
            problems.append(
                {
                    "rule": "",
                    "reason": "no path",
                    "paths": 0,
                    "message": f"no path leads from {self.query.village} to {self.query.market}",
                }
            )
        return {"status": "infeasible", "problems": problems}

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``corridors`` (and ``excluded``, the paths not allowed)."""
        return {"corridors": self.corridors, "excluded": self.excluded}


def _bad(option: str, field_: str, expected: str, got) -> ScenarioError:
    return ScenarioError(Problem(option, field_, expected, str(got)))


def _ids(nodes) -> str:
    ids = [n.id for n in nodes]
    return ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")


def _supply(network: Network, villages: list[str], product: str) -> pd.DataFrame:
    frame = network.supply
    return frame[frame["village"].isin(villages) & (frame["product"] == product)]


def resolve_query(
    network: Network,
    origin: str,
    market: str,
    product: str | None = None,
    week: int | None = None,
    tonnes: float | None = None,
    paths: int = 10,
    regime: str | None = None,
    shipper: str | None = None,
) -> CorridorQuery:
    """Check a query's arguments and fill in their defaults.

    Defaults: ``product``, the one the origin grows most of over the season; ``week``,
    the week it grows most of it (the first such); ``tonnes``, what the village grows of
    it that week; ``shipper``, the village's firm (shipping alone).

    Raises
    ------
    ScenarioError
        Naming the argument (``--from``, ``--to``, ``--product``, ``--week``,
        ``--tonnes``, ``--paths``, ``--regime``, ``--shipper``) and what was expected.
    """
    node = network.nodes.get(origin)
    if node is None or node.kind not in (NodeKind.VILLAGE, NodeKind.COUNTY_HUB):
        raise _bad(
            "--from",
            "from",
            f"a village or county_hub id of nodes.csv ({_ids(network.county_hubs)}, or a "
            f"village: {_ids(network.villages)})",
            origin if node is None else f"{origin}, a {node.kind}",
        )
    target = network.nodes.get(market)
    if target is None or target.kind != NodeKind.MARKET:
        got = market if target is None else f"{market}, a {target.kind}"
        raise _bad("--to", "to", f"a market id of nodes.csv ({_ids(network.markets)})", got)
    if paths < 1:
        raise _bad("--paths", "paths", "an integer >= 1", paths)
    network.regime(regime)  # an unknown regime: exit 2 naming --regime
    hub = origin if node.kind == NodeKind.COUNTY_HUB else None
    if hub is None:
        villages = [origin]
    else:
        villages = [
            v.id
            for v in network.villages
            if any(leg.destination == hub for leg in network.out_legs.get(v.id, ()))
        ]
    grown = network.supply[network.supply["village"].isin(villages)]
    grown = grown[grown["tonnes"] > 0]
    where = f"{origin}" if hub is None else f"{origin}'s villages"
    verb, harvests = ("grows", "harvests") if hub is None else ("grow", "harvest")
    if product is None:
        if not len(grown):
            raise _bad("--from", "from", "a village or hub whose villages grow something", origin)
        product = str(grown.groupby("product", sort=False)["tonnes"].sum().idxmax())
    elif product not in network.products:
        raise _bad(
            "--product",
            "product",
            f"a product of scenario.toml ({', '.join(network.products)})",
            product,
        )
    crops = sorted(set(grown["product"]))
    if product not in crops:
        raise _bad(
            "--product",
            "product",
            f"a product {where} {verb} ({', '.join(crops) or 'none'})",
            product,
        )
    weeks = list(network.periods.weeks)
    by_week = _supply(network, villages, product).groupby("week")["tonnes"].sum()
    if week is None:
        week = int(by_week.idxmax())
    elif week not in weeks:
        raise _bad("--week", "week", f"a week of the scenario ({weeks[0]} to {weeks[-1]})", week)
    rows = _supply(network, villages, product)
    rows = rows[rows["week"] == week].groupby("village", sort=False)["tonnes"].sum()
    rows = rows[rows > 0]
    harvested = ", ".join(str(w) for w in by_week[by_week > 0].index)
    if hub is None:
        village = origin
    elif len(rows):
        village = str(rows.idxmax())
    else:
        raise _bad("--week", "week", f"a week {where} {harvests} {product} ({harvested})", week)
    if tonnes is None:
        tonnes = float(rows.get(village, 0.0))
        if tonnes <= 0:
            expected = f"a week {village} harvests {product} ({harvested}), or --tonnes"
            raise _bad("--week", "week", expected, week)
    elif not (tonnes > 0 and math.isfinite(tonnes)):
        raise _bad("--tonnes", "tonnes", "a number > 0", tonnes)
    firm = network.nodes[village].firm
    if shipper is None:
        shipper = firm
    elif shipper not in (firm, THIRD_PARTY):
        raise _bad(
            "--shipper", "shipper", f"{firm or 'the village firm'} or {THIRD_PARTY}", shipper
        )
    return CorridorQuery(
        origin, village, hub, market, product, int(week), float(tonnes), shipper, regime, paths
    )


def find_corridors(network: Network, query: CorridorQuery) -> CorridorResult:
    """Score every allowed path of ``query`` as the evaluator would; rank; mark dominance.

    Parameters
    ----------
    network
        The scenario.
    query
        A checked query (:func:`resolve_query`).

    Returns
    -------
    CorridorResult
    """
    clock = time.perf_counter()
    scorer = FlowScorer(network, query.regime)
    rows, excluded = [], []
    for candidate in path_candidates(
        network, query.village, query.market, query.product, query.hub
    ):
        if not candidate.allowed:
            excluded.append(_excluded_row(candidate))
            continue
        row, shelf_reason = score_corridor(network, scorer, query, candidate)
        if shelf_reason:
            excluded.append(_excluded_row(candidate, "shelf_life", shelf_reason))
            continue
        rows.append(row)
    allowed = len(rows)
    frame = pd.DataFrame(rows, columns=CORRIDOR_COLUMNS)
    if len(frame):
        frame = frame.sort_values(
            [*CRITERIA, "path", "services", "customs_mode"], kind="stable", ignore_index=True
        ).head(query.paths)
        frame["rank"] = np.arange(1, len(frame) + 1)
        marks = dominance(frame[list(CRITERIA)].to_numpy(dtype=float))
        frame["dominated_by"] = [" ".join(str(r + 1) for r in by) for by in marks]
        frame["pareto"] = [not by for by in marks]
    regime = scorer.tariffs.name if scorer.tariffs is not None else None
    return CorridorResult(
        query,
        frame,
        pd.DataFrame(excluded, columns=EXCLUDED_COLUMNS),
        allowed,
        time.perf_counter() - clock,
        regime,
    )


def dominance(values: np.ndarray) -> list[list[int]]:
    """For each row, the rows that dominate it (no worse in every column, better in one).

    Parameters
    ----------
    values
        One row per path, one column per criterion, the smaller the better.

    Returns
    -------
    list of list of int
        Row indices, in order.
    """
    no_worse = (values[None, :, :] <= values[:, None, :]).all(axis=2)  # [i, j]: j <= i
    better = (values[None, :, :] < values[:, None, :]).any(axis=2)
    return [list(np.flatnonzero(no_worse[i] & better[i])) for i in range(len(values))]


def _excluded_row(candidate: Candidate, rule: str = "", reason: str = "") -> dict:
    return {
        "path": PATH_SEPARATOR.join(candidate.nodes),
        "services": PATH_SEPARATOR.join(candidate.services),
        "customs_mode": candidate.customs_mode,
        "rule": rule or candidate.rule,
        "reason": reason or candidate.reason,
    }


def corridor_flow(network: Network, query: CorridorQuery, candidate: Candidate) -> PathFlow:
    """The plan row of a corridor: ``tonnes`` sent at once, pre-cooled if perishable."""
    return PathFlow(
        firm=network.nodes[query.village].firm,
        shipper=query.shipper,
        product=query.product,
        week=query.week,
        tonnes=query.tonnes,
        nodes=candidate.nodes,
        services=candidate.services,
        customs_mode=candidate.customs_mode,
        storage_weeks=0,
        precool=network.products[query.product].perishable,
        wait_hours=None,
    )


def score_corridor(
    network: Network, scorer: FlowScorer, query: CorridorQuery, candidate: Candidate
) -> tuple[dict, str]:
    """A corridor's row (:data:`CORRIDOR_COLUMNS`), and the shelf-life rule it breaks, if any.

    The costs are the evaluator's for the plan of this one row: the row's score plus
    its trips, each leg sold by the trip paying the cheaper of whole trips and a part
    load for the tonnes entering it (:func:`results.evaluate.freight_cost`).
    """
    flow = corridor_flow(network, query, candidate)
    score = scorer.score(flow, hub_atmosphere(network, {}, flow.county_hub))
    row = dict(score.row)
    trips, part_t = 0, 0.0
    listed = network.products[flow.product].green_channel
    for (shipper, leg_id, _week), tonnes in score.loads:
        other = 0.0 if listed else tonnes
        cost, whole, part, _, _ = freight_cost(
            network, shipper, leg_id, tonnes, scorer.margin_3pl, other
        )
        row["transport_cost"] += cost
        trips += whole
        part_t += part
    timeline = lot_history(
        network,
        flow.nodes,
        candidate.legs,
        flow.week,
        0,
        flow.precool,
        None,
        flow.customs_mode,
    )
    segments = timeline.history.segments
    market = network.nodes[query.market]
    shelf = network.products[query.product].shelf_life
    days = timeline.hours / 24.0
    reason = ""
    if days > market.max_age_days:
        reason = (
            f"{days:.1f} days from harvest, more than the {market.max_age_days:g} days "
            f"{market.id} accepts (max_age_days)"
        )
    elif shelf is not None:
        consumed = path_loss(shelf, segments).consumed_fraction
        if consumed >= 1.0:
            reason = (
                f"arrives past its shelf life: {consumed:.0%} of it used on the way "
                f"({row['loss_fraction']:.0%} lost)"
            )
    delivered = row["delivered_t"]
    total = sum(row[f"{part}_cost"] for part in PARTS)
    per_delivered = (lambda v: v / delivered) if delivered > 0 else (lambda v: math.inf)
    charge = import_charge(
        network, flow.nodes, candidate.legs, query.product, flow.customs_mode, scorer.tariffs
    )
    hs = network.products[query.product].hs_code
    tariffs = scorer.tariffs
    temps = []
    for start, end in zip(timeline.leg_start, timeline.leg_end, strict=True):
        span = segments[start:end]
        hours = sum(s.hours for s in span)
        mean = sum(s.hours * s.temp_c for s in span) / hours if hours > 0 else span[0].temp_c
        temps.append(f"{mean:.1f}")
    out = {
        "path": row["path"],
        "services": row["services"],
        "modes": PATH_SEPARATOR.join(str(leg.mode) for leg in candidate.legs),
        "gateways": PATH_SEPARATOR.join(flow.nodes[2:-1]),
        "customs_mode": flow.customs_mode,
        "customs_at": first_customs_node(network, flow.nodes) if flow.customs_mode else "",
        "leg_temps_c": PATH_SEPARATOR.join(temps),
        "temp_max_c": max(s.temp_c for s in segments if s.hours > 0),
        "cost_cny_per_t": per_delivered(total),
        **{f"{part}_cny_per_t": per_delivered(row[f"{part}_cost"]) for part in PARTS},
        "cost_cny_per_t_shipped": total / flow.tonnes,
        "total_cost_cny": total,
        "days": days,
        "loss_fraction": row["loss_fraction"],
        "delivered_t": delivered,
        "co2e_kg_per_t": per_delivered(row["co2_t"] * 1000.0),
        "duty_rate": tariffs.duty_rate(market.country, hs) if charge and tariffs else 0.0,
        "vat_rate": tariffs.vat_rate(market.country, hs) if charge and tariffs else 0.0,
        "customs_value_cny_per_t_imported": charge.customs_value if charge else 0.0,
        "duty_cny_per_t_imported": charge.duty if charge else 0.0,
        "import_vat_cny_per_t_imported": charge.vat if charge else 0.0,
        "vat_borne_cny_per_t_imported": charge.vat_cost if charge else 0.0,
        "de_minimis": bool(charge.de_minimis) if charge else False,
        "trips": trips,
        "part_load_t": part_t,
        "dominated_by": "",
        "pareto": True,
        "village": query.village,
        "hub": flow.county_hub,
        "market": query.market,
        "product": query.product,
        "week": query.week,
        "tonnes": query.tonnes,
        "shipper": query.shipper,
    }
    return out, reason
