"""The settings tables of ``scenario.toml``, one frozen dataclass each.

``[collection]`` is :class:`CollectionSettings`, ``[design]`` :class:`DesignSettings`
and ``[consolidation]`` :class:`ConsolidationSettings`, ``[trade]``
:class:`TradeSettings`. Each field is one key of its table, named as the key is, with
its default here and nowhere else; its metadata says what values the key takes
(``kind``, and ``low``, ``high`` or ``choices``), from which the loader's checks
(``instances.settings``) are made. A key not given in ``scenario.toml`` keeps its
default; ``None`` where another source decides (the scenario's ``default_regime``, a
product's shelf life, no limit).

Values are kept as ``scenario.toml`` writes them: a number written ``60`` stays an ``int``
where the field says ``float`` (the two compare equal, and run records show what was
written).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from networks.distances import DEFAULT_CIRCUITY

#: Hours from picking to loading in the village, where ``[collection] wait_hours`` is not
#: given.
DEFAULT_WAIT_HOURS = 6.0


def _key(
    default: Any,
    kind: str,
    low: float | None = None,
    high: float | None = None,
    choices: tuple[str, ...] = (),
) -> Any:
    """A field whose metadata says what the key takes (see ``instances.settings.Setting``)."""
    check = {"kind": kind, "low": low, "high": high, "choices": choices}
    return field(default=default, metadata={"check": check})


@dataclass(frozen=True)
class CollectionSettings:
    """``[collection]``: the village collection day and the lot timeline.

    Parameters
    ----------
    freshness_hours_ambient
        Longest ride, hours, of a picked lot on an ambient vehicle before it reaches
        pre-cooling (default: no limit).
    freshness_hours_reefer
        The same on a refrigerated vehicle, hours.
    day_start_h
        Clock hour (0-24) the vehicles leave the hub.
    hub_close_h
        Clock hour (0-48) by which vehicles must be back at the hub (default: none).
    multiple_trips
        Whether a vehicle may make more than one trip a day (up to its ``max_trips``).
    wait_hours
        Hours from picking to loading in the village, at the week's ambient.
    warm_cost_cny_per_t_h, late_cost_cny_per_t_h, curing_grace_h
        CNY per tonne and hour a picked lot waits warm, CNY per tonne and hour past its
        curing grace, and the hours of that grace; ``None``: from the shelf life of the
        perishable product the hub's villages grow most of that week (with no
        perishable product, all three are 0 unless all three are given).
    harvest_days_per_week
        Picking days a week (1-7): a week's supply is divided by it.
    circuity
        Road km per straight-line km where there is no road graph.
    speed_kmh
        Mean collection speed, km/h.
    """

    freshness_hours_ambient: float = _key(math.inf, "number", 0.0)
    freshness_hours_reefer: float = _key(math.inf, "number", 0.0)
    day_start_h: float = _key(0.0, "number", 0.0, 24.0)
    hub_close_h: float = _key(math.inf, "number", 0.0, 48.0)
    multiple_trips: bool = _key(False, "bool")
    wait_hours: float = _key(DEFAULT_WAIT_HOURS, "number", 0.0)
    warm_cost_cny_per_t_h: float | None = _key(None, "number", 0.0)
    late_cost_cny_per_t_h: float | None = _key(None, "number", 0.0)
    curing_grace_h: float | None = _key(None, "number", 0.0)
    harvest_days_per_week: int = _key(7, "integer", 1, 7)
    circuity: float = _key(DEFAULT_CIRCUITY["road"], "number", 1.0)
    speed_kmh: float = _key(30.0, "number", 1.0)


@dataclass(frozen=True)
class DesignSettings:
    """``[design]``: defaults of a network design solve (``coldchain solve``).

    Parameters
    ----------
    solver
        ``highs`` or ``cbc``: the solvers coldchain can stop on Ctrl-C or SIGTERM
        (``optimizer.backends.mip.SOLVER_ALIASES`` says why no other).
    time_limit
        Seconds (``None``: none).
    gap
        Relative MIP gap to stop at, a fraction.
    threads
        Solver threads.
    regime
        Tariff regime the model prices (``None``: the scenario's ``default_regime``).
    trips
        ``integer`` trips and containers, or ``linear`` (their relaxation).
    co2_price_cny_per_t
        Carbon price, CNY per tonne of CO2e.
    co2_cap_t
        Cap on CO2e, tonnes (``None``: no cap).
    routes_per_pair
        Routes kept per hub, market, product, customs mode and weeks of stock abroad
        (0: all).
    abroad_weeks
        Most whole weeks the model may hold a lot as stock in an overseas warehouse
        that holds stock (``stock_capacity_t`` > 0 in ``nodes.csv``) before selling it
        (0: none; the evaluator scores any plan's ``abroad_weeks`` whatever this is).
    objective
        ``cost`` or ``margin`` (``None``: the scenario's ``objective``).
    seed
        Solver random seed.
    msg
        Show the solver's log.
    single_sourcing
        Each village ships to one hub only.
    ship_all_supply
        Every village ships all it grows (supply rows are equalities).
    start
        Run the start heuristic before the MIP.
    build
        ``direct`` (arrays handed to HiGHS) or ``pulp`` (the same arrays handed to PuLP).
    lazy_links
        Direct build: add the arc-by-arc linking rows only where the LP relaxation
        violates them.
    paths
        After the design model, re-plan the flows on its hubs with the exact path model
        (every coefficient as the evaluator counts it).
    search
        After the exact path model, search hub openings (close, resize, swap, open one
        hub), each solved with the exact path model (:mod:`optimizer.design.search`).
    bound
        Prove a bound on the evaluated objective with a relaxation of the evaluated
        problem (the headline ``bound`` and ``gap``).
    """

    solver: str = _key("highs", "choice", choices=("highs", "cbc"))
    time_limit: float | None = _key(None, "number", 0.0)
    gap: float | None = _key(1e-6, "number", 0.0, 1.0)
    threads: int | None = _key(1, "integer", 1)
    regime: str | None = _key(None, "text")
    trips: str = _key("integer", "choice", choices=("integer", "linear"))
    co2_price_cny_per_t: float = _key(0.0, "number", 0.0)
    co2_cap_t: float | None = _key(None, "number", 0.0)
    routes_per_pair: int = _key(6, "integer", 0)
    abroad_weeks: int = _key(0, "integer", 0, 52)
    objective: str | None = _key(None, "choice", choices=("cost", "margin"))
    seed: int = _key(0, "integer", 0)
    msg: bool = _key(False, "bool")
    single_sourcing: bool = _key(False, "bool")
    ship_all_supply: bool = _key(False, "bool")
    start: bool | None = _key(True, "bool")
    build: str = _key("direct", "choice", choices=("direct", "pulp"))
    lazy_links: bool = _key(True, "bool")
    paths: bool = _key(True, "bool")
    search: bool = _key(True, "bool")
    bound: bool = _key(True, "bool")


@dataclass(frozen=True)
class ConsolidationSettings:
    """``[consolidation]``: the terms of the third-party logistics provider (3PL).

    Parameters
    ----------
    margin
        The 3PL's margin on the freight it ships, a fraction (0.08 = 8%): per-tonne rates
        and trips of every leg are multiplied by ``1 + margin``.
    """

    margin: float = _key(0.0, "number", 0.0)


@dataclass(frozen=True)
class TradeSettings:
    """``[trade]``: what the customs value and de minimis of every import count.

    Parameters
    ----------
    insurance_rate
        Cargo insurance premium, a fraction of the insured value (cost and freight plus
        10%), added to a CIF customs value. The default 0.003 is the top of general sea
        cargo's 0.10-0.30% (calculatecbm.hostboxindia.com cargo insurance, 2025, rough).
    parcel_kg
        Kilograms of goods in one retail parcel (9610, 1210): a consignment, whose goods
        value is held against a country's de minimis threshold. The default 1 kg is an
        ASSUMPTION (about 1,000 parcels a tonne); a firm's parcel records settle it.
    """

    insurance_rate: float = _key(0.003, "number", 0.0, 1.0)
    parcel_kg: float = _key(1.0, "number", 0.001)


#: The settings tables of ``scenario.toml`` by name.
SETTINGS_TABLES: dict[str, type] = {
    "collection": CollectionSettings,
    "design": DesignSettings,
    "consolidation": ConsolidationSettings,
    "trade": TradeSettings,
}

__all__ = [
    "DEFAULT_WAIT_HOURS",
    "SETTINGS_TABLES",
    "CollectionSettings",
    "ConsolidationSettings",
    "DesignSettings",
    "TradeSettings",
]
