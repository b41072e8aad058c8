"""The network: every node, leg, product, period, firm and weekly quantity of a scenario.

A :class:`Network` is the validated, immutable scenario that every model reads. Bulk
weekly data (supply, demand) are read-only DataFrames; node and leg tables are exposed
as GeoDataFrames in EPSG:4326.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from networks.distances import RoadGraph
from networks.errors import Problem, ScenarioError
from networks.firms import Firm
from networks.legs import DIRECT_MAIL_ONLY, FOLLOWS, Leg
from networks.nodes import CountyHub, Market, Node, NodeKind, Village
from networks.periods import Periods
from networks.products import Product
from networks.settings import (
    CollectionSettings,
    ConsolidationSettings,
    DesignSettings,
    TradeSettings,
)
from networks.trade import CustomsTerms, ImportTerms, TariffRegime

CRS = "EPSG:4326"

SUPPLY_COLUMNS = ("village", "product", "week", "tonnes")
DEMAND_COLUMNS = ("market", "product", "week", "tonnes", "price_cny_per_t", "firm")


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


def _read_only(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = frame.loc[:, list(columns)].reset_index(drop=True).copy()
    for column in frame.columns:
        values = frame[column].to_numpy()
        if values.flags.writeable and values.dtype != object:
            values.flags.writeable = False
    return frame


@dataclass(frozen=True, eq=False)
class Network:
    """A validated cold-chain network (the scenario every model reads).

    Parameters
    ----------
    name
        Scenario name.
    nodes
        Nodes by id.
    legs
        Directed legs.
    products
        Products by id.
    periods
        Weekly periods.
    supply
        Long table ``village, product, week, tonnes``.
    demand
        Long table ``market, product, week, tonnes, price_cny_per_t, firm`` (``firm``
        empty where demand belongs to no firm in particular).
    firms
        Firms by id.
    customs
        Terms of each customs mode by code.
    regimes
        Tariff regimes by name.
    default_regime
        The regime used when none is asked for.
    countries
        Import terms of destination countries (``[countries.XX]``: customs valuation,
        whether import VAT is recovered, de minimis threshold); a country not listed
        takes :class:`~networks.trade.ImportTerms`' defaults.
    objective
        ``cost`` (meet demand in full at least cost) or ``margin`` (sell up to demand,
        maximize revenue minus cost).
    currency_rates
        CNY per unit of each currency used in the scenario's files.
    fleet
        Vehicle types for collection routing (``fleet.csv``), or ``None``.
    description
        One line saying what the scenario is (``coldchain show``).
    collection, design, consolidation, trade
        The settings tables of ``scenario.toml`` (``[collection]``, ``[design]``,
        ``[consolidation]``, ``[trade]``), with their defaults where a table or key is not
        given.
    folder
        Folder the scenario was read from, if any.
    content_hash
        SHA-256 of the scenario's files, if read from files.
    origins
        Where each node (``node:ID``), leg (``leg:ID``) and supply or demand row
        (``supply:ROW``, ``demand:ROW``) came from: ``(file, line)``, so that problems
        found on the whole network name them.
    road_graph
        The scenario's road graph (``road_graph`` file), if any: road legs generated
        by rules and collection routing measure road distances on it.
    """

    name: str
    nodes: Mapping[str, Node]
    legs: tuple[Leg, ...]
    products: Mapping[str, Product]
    periods: Periods
    supply: pd.DataFrame
    demand: pd.DataFrame
    firms: Mapping[str, Firm] = field(default_factory=dict)
    customs: Mapping[str, CustomsTerms] = field(default_factory=dict)
    regimes: Mapping[str, TariffRegime] = field(default_factory=dict)
    default_regime: str | None = None
    countries: Mapping[str, ImportTerms] = field(default_factory=dict)
    objective: str = "cost"
    currency_rates: Mapping[str, float] = field(default_factory=lambda: {"CNY": 1.0})
    fleet: pd.DataFrame | None = None
    description: str = ""
    collection: CollectionSettings = field(default_factory=CollectionSettings)
    design: DesignSettings = field(default_factory=DesignSettings)
    consolidation: ConsolidationSettings = field(default_factory=ConsolidationSettings)
    trade: TradeSettings = field(default_factory=TradeSettings)
    folder: Path | None = None
    content_hash: str = ""
    origins: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)
    road_graph: RoadGraph | None = None

    def __post_init__(self) -> None:
        for name in (
            "nodes",
            "products",
            "firms",
            "customs",
            "regimes",
            "countries",
            "currency_rates",
            "origins",
        ):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "legs", tuple(self.legs))
        object.__setattr__(self, "supply", _read_only(self.supply, SUPPLY_COLUMNS))
        object.__setattr__(self, "demand", _read_only(self.demand, DEMAND_COLUMNS))

    # --- views -------------------------------------------------------------------------
    def of_kind(self, kind: NodeKind | str) -> list[Node]:
        """Nodes of one kind, in file order."""
        kind = NodeKind(kind)
        return [n for n in self.nodes.values() if n.kind == kind]

    @property
    def villages(self) -> list[Village]:
        """Villages, in file order."""
        return self.of_kind(NodeKind.VILLAGE)  # type: ignore[return-value]

    @property
    def county_hubs(self) -> list[CountyHub]:
        """County hub candidates, in file order."""
        return self.of_kind(NodeKind.COUNTY_HUB)  # type: ignore[return-value]

    @property
    def markets(self) -> list[Market]:
        """Markets, in file order."""
        return self.of_kind(NodeKind.MARKET)  # type: ignore[return-value]

    @cached_property
    def legs_by_id(self) -> Mapping[str, Leg]:
        """Legs by their id ``origin>destination:service``."""
        return MappingProxyType({leg.id: leg for leg in self.legs})

    @cached_property
    def out_legs(self) -> Mapping[str, tuple[Leg, ...]]:
        """Legs leaving each node."""
        out: dict[str, list[Leg]] = defaultdict(list)
        for leg in self.legs:
            out[leg.origin].append(leg)
        return MappingProxyType({k: tuple(v) for k, v in out.items()})

    def leg(self, origin: str, destination: str, service: str) -> Leg:
        """The leg from ``origin`` to ``destination`` with ``service`` (``road-reefer``)."""
        return self.legs_by_id[f"{origin}>{destination}:{service}"]

    def regime(self, name: str | None = None) -> TariffRegime | None:
        """The tariff regime called ``name`` (default: the scenario's)."""
        asked = name is not None  # by the caller (--regime), not by scenario.toml
        name = name or self.default_regime
        if name is None:
            return None
        if name not in self.regimes:
            raise ScenarioError(
                Problem(
                    "--regime" if asked else "scenario.toml",
                    "regime",
                    "one of " + ", ".join(sorted(self.regimes)) + " (coldchain regimes SCENARIO)",
                    name,
                )
            )
        return self.regimes[name]

    def nodes_frame(self) -> gpd.GeoDataFrame:
        """Nodes as a GeoDataFrame (EPSG:4326), one row per node."""
        rows = [
            {
                "id": n.id,
                "name": n.name,
                "kind": str(n.kind),
                "country": n.country,
                "lon": n.lon,
                "lat": n.lat,
            }
            for n in self.nodes.values()
        ]
        frame = pd.DataFrame(rows, columns=["id", "name", "kind", "country", "lon", "lat"])
        geometry = [Point(x, y) for x, y in zip(frame["lon"], frame["lat"], strict=True)]
        return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)

    def legs_frame(self) -> gpd.GeoDataFrame:
        """Legs as a GeoDataFrame (EPSG:4326) of straight lines, one row per leg."""
        columns = [
            "id",
            "origin",
            "destination",
            "mode",
            "refrigerated",
            "temp_c",
            "distance_km",
            "hours",
            "cost_cny_per_t",
            "cost_cny_per_trip",
            "trip_capacity_t",
            "co2e_g_per_tkm",
        ]
        rows = [{c: getattr(leg, c) for c in columns} for leg in self.legs]
        frame = pd.DataFrame(rows, columns=columns)
        frame["mode"] = frame["mode"].astype(str)
        geometry = [
            LineString(
                [
                    (self.nodes[leg.origin].lon, self.nodes[leg.origin].lat),
                    (self.nodes[leg.destination].lon, self.nodes[leg.destination].lat),
                ]
            )
            for leg in self.legs
        ]
        return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)

    def replace(self, **changes: Any) -> Network:
        """A copy with some fields changed (the network itself never changes)."""
        return replace(self, **changes)

    # --- validation --------------------------------------------------------------------
    def _where(self, key: str, default: str) -> tuple[str, int | None]:
        """File and line a node (``node:ID``), leg (``leg:ID``) or row came from."""
        return tuple(self.origins.get(key, (default, None)))  # type: ignore[return-value]

    def _problem(self, key: str, default: str, field_: str, expected: str, got) -> Problem:
        file, line = self._where(key, default)
        return Problem(file, field_, expected, str(got), line)

    def validate(self) -> list[Problem]:
        """Every problem of the whole network (not only the first).

        Each problem names the file and line the offending node, leg or row came from
        where the network was read from files (``origins``).

        Returns
        -------
        list of Problem
            Empty when the network is valid.
        """
        problems: list[Problem] = []
        add = problems.append
        nodes_file = self._where("file:nodes", "nodes.csv")[0]
        sizes_file = self._where("file:hub_sizes", "hub_sizes.csv")[0]
        firms_file = self._where("file:firms", "firms.csv")[0]
        seen_legs: set[str] = set()
        for leg in self.legs:
            key = f"leg:{leg.id}"
            for end in ("origin", "destination"):
                if getattr(leg, end) not in self.nodes:
                    add(
                        self._problem(
                            key, "legs.csv", end, f"a node id of {nodes_file}", getattr(leg, end)
                        )
                    )
            if leg.id in seen_legs:
                add(
                    self._problem(
                        key + "#repeat" if key + "#repeat" in self.origins else key,
                        "legs.csv",
                        "id",
                        "each origin, destination and service once",
                        leg.id,
                    )
                )
            seen_legs.add(leg.id)
            if leg.origin not in self.nodes or leg.destination not in self.nodes:
                continue
            a, b = self.nodes[leg.origin].kind, self.nodes[leg.destination].kind
            if b not in FOLLOWS[a]:
                allowed = " or ".join(sorted(FOLLOWS[a])) or "nothing"
                add(
                    self._problem(
                        key, "legs.csv", "destination", f"a {allowed} after a {a} ({leg.id})", b
                    )
                )
            elif (a, b) == DIRECT_MAIL_ONLY[:2] and leg.mode != DIRECT_MAIL_ONLY[2]:
                add(
                    self._problem(
                        key,
                        "legs.csv",
                        "mode",
                        f"parcel from a bonded zone to a market ({leg.id})",
                        leg.mode,
                    )
                )
        for village in self.villages:
            key = f"node:{village.id}"
            if village.id not in self.out_legs:
                add(
                    self._problem(
                        key,
                        nodes_file,
                        "id",
                        "a village with a leg to a county hub "
                        "(none listed or within the leg rules' reach)",
                        village.id,
                    )
                )
            if self.firms and village.firm and village.firm not in self.firms:
                add(
                    self._problem(
                        key, nodes_file, "firm", f"a firm id of {firms_file}", village.firm
                    )
                )
        for hub in self.county_hubs:
            if not hub.sizes:
                add(
                    self._problem(
                        f"node:{hub.id}",
                        nodes_file,
                        "id",
                        f"a county hub with a size option in {sizes_file}",
                        hub.id,
                    )
                )
        self._validate_quantities(problems, nodes_file)
        reached = self.reachable_from_villages()
        for market in self.markets:
            if market.id not in reached:
                add(
                    self._problem(
                        f"node:{market.id}",
                        nodes_file,
                        "id",
                        "a market that some path from a village reaches",
                        market.id,
                    )
                )
        return problems

    def _validate_quantities(self, problems: list[Problem], nodes_file: str) -> None:
        weeks = len(self.periods.labels)
        firms_file = self._where("file:firms", "firms.csv")[0]
        for table, node_col, kind in (
            ("supply", "village", NodeKind.VILLAGE),
            ("demand", "market", NodeKind.MARKET),
        ):
            frame = self.supply if table == "supply" else self.demand
            default = f"{table}.csv"
            # one problem per (field, expected, got), on its first row, naming the rows
            # that repeat it: a product barred from a market is wrong on all its rows
            repeats: dict[tuple[str, str, str], list[str]] = {}
            for index, row in enumerate(frame.itertuples(index=False)):
                key = f"{table}:{index}"
                node = self.nodes.get(getattr(row, node_col))
                checks = [
                    (
                        node is None or node.kind != kind,
                        node_col,
                        f"a {kind} id of {nodes_file}",
                        getattr(row, node_col),
                    ),
                    (
                        row.product not in self.products,
                        "product",
                        "a product of scenario.toml",
                        row.product,
                    ),
                    (not 1 <= row.week <= weeks, "week", f"a week in 1..{weeks}", row.week),
                    (
                        not (row.tonnes >= 0 and math.isfinite(row.tonnes)),
                        "tonnes",
                        "a finite number >= 0",
                        row.tonnes,
                    ),
                ]
                if table == "demand":
                    firm = row.firm
                    checks.append(
                        (
                            bool(self.firms) and firm != "" and firm not in self.firms,
                            "firm",
                            f"a firm id of {firms_file}",
                            firm,
                        )
                    )
                    product = self.products.get(row.product)
                    if product is not None and node is not None:
                        checks.append(
                            (
                                # the product's markets; an access condition not met
                                # closes the market to plans and the model, not to demand
                                node.country not in product.markets,
                                "product",
                                f"a product admitted in {node.country} (market {node.id})",
                                row.product,
                            )
                        )
                for failed, field_, expected, got in checks:
                    if failed:
                        repeats.setdefault((field_, expected, str(got)), []).append(key)
            for (field_, expected, got), keys in repeats.items():
                lines = [str(self._where(k, default)[1]) for k in keys[1:]]
                if lines:
                    shown = ", ".join(lines[:10]) + (
                        f" and {len(lines) - 10} more" if len(lines) > 10 else ""
                    )
                    got = f"{got} (also on lines {shown})"
                problems.append(self._problem(keys[0], default, field_, expected, got))

    def reachable_from_villages(self) -> set[str]:
        """Ids of every node that some path from a village reaches."""
        seen = {v.id for v in self.villages}
        queue = deque(seen)
        while queue:
            node = queue.popleft()
            for leg in self.out_legs.get(node, ()):
                if leg.destination not in seen:
                    seen.add(leg.destination)
                    queue.append(leg.destination)
        return seen

    def check(self) -> Network:
        """Raise :class:`ScenarioError` with every problem, or return ``self``."""
        problems = self.validate()
        if problems:
            raise ScenarioError(problems)
        return self


def _read_only_frame(name: str) -> property:
    """A frame field that hands out views: changing one never changes the network.

    Under pandas copy-on-write a shallow copy shares the data until it is written to,
    so reading is free and writing copies; the network's own frame is never touched.
    """
    private = f"_{name}_frame"

    def get(self: Network) -> pd.DataFrame:
        return getattr(self, private).copy(deep=False)

    def set_(self: Network, value: pd.DataFrame) -> None:  # only reached from __init__
        object.__setattr__(self, private, value)

    return property(get, set_, doc=f"The {name} table (a copy-on-write view).")


Network.supply = _read_only_frame("supply")  # type: ignore[assignment,method-assign]
Network.demand = _read_only_frame("demand")  # type: ignore[assignment,method-assign]
