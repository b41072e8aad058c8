"""The full paths from a village to a market, and the rule each one that is not allowed breaks.

A corridor is one plan row's path: the village, a leg to a county hub, then one of the
design model's hub-to-market walks (:func:`optimizer.design.data.walk_routes`), with a
customs mode where the market is abroad. The rules are the design model's
(:func:`optimizer.design.data.enumerate_routes`) and the evaluator's
(:func:`results.evaluate.check_plan`), stated here with their reasons:

- **market access**: the product must be admitted in the market's country from the
  village's (:meth:`networks.products.Product.admitted_in`);
- **customs mode**: a domestic path passes no bonded zone and clears nothing; a
  cross-border path clears at its first node that runs any customs mode, under a mode
  that node runs and that may carry the path's shape
  (:func:`networks.timeline.customs_mode_fits`);
- **shelf life** (checked once a path is scored, :mod:`optimizer.corridors.search`): the
  lot must arrive within the market's ``max_age_days`` and with shelf life left.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from networks.legs import Leg, Mode
from networks.network import Network
from networks.nodes import NodeKind
from networks.timeline import customs_mode_fits
from networks.trade import CUSTOMS_MODE_CODES, RETAIL_PARCEL_MODES, CustomsMode
from optimizer.design.data import walk_routes

#: Kinds of rule a path may break (the ``rule`` column of ``excluded.csv``).
RULES = ("market_access", "customs_mode", "shelf_life")


@dataclass(frozen=True)
class Candidate:
    """A full path from a village to a market with its customs mode.

    Parameters
    ----------
    nodes, legs
        Village, county hub, ..., market, and the legs between them.
    customs_mode
        The mode it clears under (empty: domestic, or none that applies).
    rule
        The kind of rule it breaks (:data:`RULES`), empty where it is allowed.
    reason
        The rule in words, naming the path's own nodes and mode.
    """

    nodes: tuple[str, ...]
    legs: tuple[Leg, ...]
    customs_mode: str
    rule: str = ""
    reason: str = ""

    @property
    def allowed(self) -> bool:
        """Whether the path breaks no rule checked so far."""
        return not self.rule

    @property
    def services(self) -> tuple[str, ...]:
        """The service of each leg (``road-reefer``...)."""
        return tuple(leg.service for leg in self.legs)


def first_customs_node(network: Network, nodes: tuple[str, ...]) -> str | None:
    """The first node of a path that runs any customs mode (where customs clears)."""
    return next((n for n in nodes if getattr(network.nodes[n], "customs_modes", ())), None)


def _shape_rule(mode: str, legs: tuple[Leg, ...], through_warehouse: bool) -> str:
    """Why ``mode`` may not carry a path of this shape (:func:`networks.trade.mode_carries`)."""
    last_parcel = legs[-1].mode == Mode.PARCEL
    if mode in RETAIL_PARCEL_MODES:
        return f"{mode} carries retail parcels only: the last leg must be a parcel"
    if last_parcel:
        return f"{mode} is wholesale: a path ending in a parcel leg clears under 9610 or 1210"
    if mode == CustomsMode.OVERSEAS_WAREHOUSE:
        return "9810 is export to an overseas warehouse: the path passes none"
    if mode == CustomsMode.B2B_DIRECT_EXPORT and through_warehouse:
        return "9710 is a direct B2B sale: a path through an overseas warehouse clears 9810 or 0110"
    return f"{mode} may not carry this path"


def path_candidates(
    network: Network, village: str, market: str, product: str, hub: str | None = None
) -> Iterator[Candidate]:
    """Every full path from ``village`` to ``market``: allowed ones and the others.

    Each village-to-hub leg (to ``hub`` only, where given) is followed by each of the
    hub's walks to ``market`` (:func:`optimizer.design.data.walk_routes`, at most
    ``MAX_ROUTE_LEGS`` legs after the hub); a cross-border path comes once per customs
    mode of the scenario (``[customs.*]``, else every code) and of its customs node,
    each allowed or not by the rules of the module docstring. The shelf-life rule needs
    the path scored and is left to the caller.

    Parameters
    ----------
    network
        The scenario.
    village, market, product
        Ends of the paths and what they carry.
    hub
        Only paths through this county hub (``None``: every hub the village reaches).

    Yields
    ------
    Candidate
    """
    origin = network.nodes[village].country
    target = network.nodes[market]
    item = network.products[product]
    access = ""
    if not item.admitted_in(target.country, origin):
        terms = item.access.get(target.country)
        if target.country not in item.markets:
            access = f"{product} is not admitted in {target.country} (products.{product}.markets)"
        else:
            condition = terms.condition if terms and terms.condition else "its access condition"
            met = "" if terms is None or terms.met else ", not met by the scenario's exporters"
            access = (
                f"{product} enters {target.country} from {origin} only on terms: {condition}{met}"
            )
    modes = tuple(sorted(network.customs)) or CUSTOMS_MODE_CODES
    domestic = target.country == origin
    for first in network.out_legs.get(village, ()):
        if network.nodes[first.destination].kind != NodeKind.COUNTY_HUB:
            continue
        if hub is not None and first.destination != hub:
            continue
        for route, route_legs in walk_routes(network, first.destination):
            if route[-1] != market:
                continue
            nodes, legs = (village, *route), (first, *route_legs)
            if access:
                yield Candidate(nodes, legs, "", "market_access", access)
            elif domestic:
                zones = [n for n in nodes if network.nodes[n].kind == NodeKind.BONDED_ZONE]
                rule, reason = "", ""
                if zones:
                    rule = "customs_mode"
                    reason = f"a domestic path passes no bonded zone (it passes {zones[0]})"
                yield Candidate(nodes, legs, "", rule, reason)
            else:
                yield from _cross_border(network, nodes, legs, modes)


def _cross_border(
    network: Network,
    nodes: tuple[str, ...],
    legs: tuple[Leg, ...],
    modes: tuple[str, ...],
) -> Iterator[Candidate]:
    """A cross-border path under each customs mode, allowed or with the rule it breaks."""
    clears = first_customs_node(network, nodes)
    if clears is None:
        reason = "a cross-border path must pass a node that runs a customs mode; it passes none"
        yield Candidate(nodes, legs, "", "customs_mode", reason)
        return
    run = tuple(network.nodes[clears].customs_modes)
    warehouse = any(network.nodes[n].kind == NodeKind.OVERSEAS_WAREHOUSE for n in nodes)
    for mode in sorted(set(modes) | set(run)):
        if mode not in run:
            yield Candidate(
                nodes,
                legs,
                mode,
                "customs_mode",
                f"customs clears at {clears}, the first customs node on the path, which runs "
                f"{', '.join(run)}, not {mode}",
            )
        elif not customs_mode_fits(network, nodes, legs, mode):
            yield Candidate(nodes, legs, mode, "customs_mode", _shape_rule(mode, legs, warehouse))
        else:
            yield Candidate(nodes, legs, mode)
