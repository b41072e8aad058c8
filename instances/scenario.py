"""Read a scenario folder into a validated :class:`networks.Network`.

The loader collects every problem (file, line, field, what was expected, what was
found) before raising one :class:`networks.errors.ScenarioError`.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

from instances._scenario_toml import (
    TOP_LEVEL,
    file_refs,
    read_countries,
    read_currency_rates,
    read_customs,
    read_leg_rules,
    read_periods,
    read_products,
    read_toml,
)
from instances._tables import BAD, LINE, Column, locate, read_table
from instances.settings import Setting, check_settings, check_table
from instances.toml_lines import TomlFile
from networks.climate import climate_normals
from networks.distances import DEFAULT_CIRCUITY, RoadGraph, geodesic_km
from networks.errors import ProblemCollector, ScenarioError
from networks.firms import Firm
from networks.legs import Leg, Mode
from networks.network import Network
from networks.nodes import (
    NODE_CLASSES,
    ROAD_CLASSES,
    Atmosphere,
    HubSize,
    NodeKind,
    PortMode,
)
from networks.rules import generate_legs
from networks.trade import CUSTOMS_MODE_CODES, TariffPart, TariffRegime

INF = float("inf")
PLACES = tuple(climate_normals())
NODE_KINDS = tuple(k.value for k in NodeKind)
MODES = tuple(m.value for m in Mode)

NODE_COLUMNS = [
    Column("id", "id"),
    Column("name"),
    Column("kind", "choice", choices=NODE_KINDS),
    Column("lon", "float", low=-180, high=180),
    Column("lat", "float", low=-90, high=90),
    Column("country", required=False, default="CN"),
    Column("handling_cost_cny_per_t", "float", False, 0.0, low=0),
    Column("dwell_hours", "float", False, 0.0, low=0),
    Column("firm", "id", required=False, default=""),
    Column("road_class", "choice", False, "truck", choices=ROAD_CLASSES),
    Column("pick_start_h", "float", False, 6.0, low=0, high=24),
    Column("pick_end_h", "float", False, 18.0, low=0, high=24),
    Column("service_h", "float", False, 0.25, low=0),
    Column("precooling", "bool", False, True),
    Column("precool_cost_cny_per_t", "float", False, 0.0, low=0),
    Column("storage_cost_cny_per_t_week", "float", False, 0.0, low=0),
    Column("storage_temp_c", "float", False, 0.0, low=-5, high=30),
    Column("customs_modes", "list", False, choices=CUSTOMS_MODE_CODES),
    Column("clearance_hours", "float", False, 0.0, low=0),
    Column("port_mode", "choice", False, "", choices=tuple(m.value for m in PortMode)),
    Column("capacity_t_per_week", "float", False, INF, low=0),
    Column("stock_capacity_t", "float", False, INF, low=0),
    Column("temp_c", "float", False, None, low=-30, high=50),
    Column("max_age_days", "float", False, INF, positive=True),
    Column("climate", "choice", False, "", choices=PLACES),
    Column("source", required=False, default=""),
    Column("currency", required=False, default=""),
]
SUPPLY_COLUMNS = [
    Column("village", "id"),
    Column("product", "id"),
    Column("week", "int", low=1),
    Column("tonnes", "float", low=0),
]
DEMAND_COLUMNS = [
    Column("market", "id"),
    Column("product", "id"),
    Column("week", "int", low=1),
    Column("tonnes", "float", low=0),
    Column("price_cny_per_t", "float", False, 0.0, low=0),
    Column("firm", "id", required=False, default=""),
    Column("currency", required=False, default=""),
]
HUB_SIZE_COLUMNS = [
    Column("hub", "id"),
    Column("size", "id"),
    Column("fixed_cost_cny", "float", low=0),
    Column("throughput_t_per_week", "float", low=0),
    Column("cold_storage_t", "float", low=0),
    Column("atmosphere", "choice", False, "air", choices=tuple(a.value for a in Atmosphere)),
    Column("source", required=False, default=""),
    Column("currency", required=False, default=""),
]
LEG_COLUMNS = [
    Column("origin", "id"),
    Column("destination", "id"),
    Column("mode", "choice", choices=MODES),
    Column("refrigerated", "bool", False, False),
    Column("temp_c", "float", False, None, low=-30, high=50),
    Column("distance_km", "float", False, None, low=0),
    Column("hours", "float", low=0),
    Column("cost_cny_per_t", "float", False, 0.0, low=0),
    Column("cost_cny_per_trip", "float", False, 0.0, low=0),
    Column("trip_capacity_t", "float", False, INF, positive=True),
    Column("part_load_cny_per_t", "float", False, INF, positive=True),
    Column("toll_cny_per_trip", "float", False, 0.0, low=0),
    Column("co2e_g_per_tkm", "float", False, 0.0, low=0),
    Column("via", "list", False, choices=PLACES),
    Column("source", required=False, default=""),
    Column("currency", required=False, default=""),
]
FIRM_COLUMNS = [
    Column("id", "id"),
    Column("name"),
    Column("kind", required=False, default="company"),
    Column("part_load_premium", "float", False, 0.0, low=0),
    Column("trip_capacity_t", "float", False, INF, positive=True),
    Column("source", required=False, default=""),
]
FLEET_COLUMNS = [
    Column("id", "id"),
    Column("hub", "id", required=False, default=""),
    Column("count", "int", low=0),
    Column("capacity_t", "float", positive=True),
    Column("fixed_cost_cny", "float", False, 0.0, low=0),
    Column("cost_cny_per_km", "float", False, 0.0, low=0),
    Column("cost_cny_per_hour", "float", False, 0.0, low=0),
    Column("speed_factor", "float", False, 1.0, positive=True),
    Column("reefer", "bool", False, False),
    Column("size_class", "choice", False, "truck", choices=ROAD_CLASSES),
    Column("max_shift_hours", "float", False, 10.0, positive=True),
    Column("max_trips", "int", False, 1, low=1),
    Column("source", required=False, default=""),
]
TARIFF_COLUMNS = [
    Column("regime"),
    Column("country"),
    Column("hs_prefix"),
    Column("part"),
    Column("rate", "float", low=0, high=10),
    Column("source", required=False, default=""),
]

REGIME = (
    Setting("name", "text", required=True, expect="a regime name"),
    Setting("effective", "text"),
    Setting("description", "text"),
    Setting("de_minimis", "texts", expect="a list of countries (ISO alpha-2 strings)"),
)


MONEY_COLUMNS = {
    "nodes": ("handling_cost_cny_per_t", "precool_cost_cny_per_t", "storage_cost_cny_per_t_week"),
    "hub_sizes": ("fixed_cost_cny",),
    "legs": ("cost_cny_per_t", "cost_cny_per_trip", "part_load_cny_per_t", "toll_cny_per_trip"),
    "demand": ("price_cny_per_t",),
}


def _to_cny(frame, table: str, rel: str, rates: dict[str, float], problems) -> None:
    """Convert a row's money columns from its ``currency`` (if given) to CNY, in place."""
    if frame is None or "currency" not in frame:
        return
    for index, code in zip(frame.index, frame["currency"], strict=True):
        if not code or code == "CNY":
            continue
        if code not in rates:
            problems.add(
                rel,
                "currency",
                "a currency of [currency_rates] (" + ", ".join(sorted(rates)) + ")",
                code,
                line=int(frame.at[index, LINE]),
            )
            continue
        for column in MONEY_COLUMNS[table]:
            frame.at[index, column] = frame.at[index, column] * rates[code]


def _text(path: Path) -> str:
    """A file's text ("" if it cannot be read: that is reported where it is parsed)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _build_nodes(frame, sizes_by_hub, problems: ProblemCollector, rel: str) -> dict:
    nodes: dict = {}
    duplicated = frame["id"].duplicated(keep="first")
    for line, node_id in zip(frame.loc[duplicated, LINE], frame.loc[duplicated, "id"], strict=True):
        problems.add(rel, "id", "a unique id", f"{node_id} (already used)", line=int(line))
    for row in frame.loc[~duplicated & ~frame[BAD]].to_dict("records"):
        kind = row["kind"]
        if kind not in NODE_KINDS or not isinstance(row["lon"], float):
            continue
        if math.isnan(row["lon"]) or math.isnan(row["lat"]):
            continue
        common = dict(
            id=row["id"],
            name=row["name"],
            lon=row["lon"],
            lat=row["lat"],
            country=row["country"] or "CN",
            handling_cost_cny_per_t=row["handling_cost_cny_per_t"],
            dwell_hours=row["dwell_hours"],
            source=row["source"],
            climate=row["climate"],
        )
        line = int(row[LINE])
        kind = NodeKind(kind)
        extra: dict[str, Any] = {}
        if kind == NodeKind.VILLAGE:
            extra = dict(
                firm=row["firm"],
                road_class=row["road_class"] or "truck",
                pick_start_h=row["pick_start_h"],
                pick_end_h=row["pick_end_h"],
                service_h=row["service_h"],
            )
            if row["pick_end_h"] < row["pick_start_h"]:
                problems.add(
                    rel,
                    "pick_end_h",
                    f"a time after pick_start_h ({row['pick_start_h']:g})",
                    row["pick_end_h"],
                    line=line,
                )
                continue
        elif kind == NodeKind.COUNTY_HUB:
            extra = dict(
                sizes=tuple(sizes_by_hub.get(row["id"], ())),
                precooling=bool(row["precooling"]),
                precool_cost_cny_per_t=row["precool_cost_cny_per_t"],
                storage_cost_cny_per_t_week=row["storage_cost_cny_per_t_week"],
                storage_temp_c=row["storage_temp_c"],
            )
        elif kind == NodeKind.BONDED_ZONE:
            if not row["customs_modes"]:
                problems.add(
                    rel,
                    "customs_modes",
                    "at least one customs mode of a bonded zone "
                    "(" + ", ".join(CUSTOMS_MODE_CODES) + ")",
                    "none",
                    line=line,
                )
            extra = dict(customs_modes=row["customs_modes"], clearance_hours=row["clearance_hours"])
        elif kind == NodeKind.PORT:
            if not row["port_mode"]:
                problems.add(rel, "port_mode", "sea, rail or air for a port", "none", line=line)
                continue
            extra = dict(
                port_mode=PortMode(row["port_mode"]),
                customs_modes=row["customs_modes"],
                clearance_hours=row["clearance_hours"],
            )
        elif kind == NodeKind.OVERSEAS_WAREHOUSE:
            temp = row["temp_c"]
            extra = dict(
                storage_cost_cny_per_t_week=row["storage_cost_cny_per_t_week"],
                capacity_t_per_week=row["capacity_t_per_week"],
                stock_capacity_t=row["stock_capacity_t"],
                temp_c=None if temp is None or math.isnan(temp) else temp,
            )
        elif kind == NodeKind.MARKET:
            extra = dict(max_age_days=row["max_age_days"])
        try:
            nodes[row["id"]] = NODE_CLASSES[kind](**common, **extra)
        except ValueError as exc:
            problems.add(rel, "id", "a valid node", str(exc), line=line)
    return nodes


def _hub_sizes(frame, problems, rel) -> dict[str, list[HubSize]]:
    sizes: dict[str, list[HubSize]] = {}
    seen = set()
    for row in frame.loc[~frame[BAD]].to_dict("records"):
        key = (row["hub"], row["size"])
        if key in seen:
            problems.add(
                rel,
                "size",
                "each hub's size once",
                f"{row['hub']} {row['size']}",
                line=int(row[LINE]),
            )
            continue
        seen.add(key)
        if any(
            isinstance(row[c], float) and math.isnan(row[c])
            for c in ("fixed_cost_cny", "throughput_t_per_week", "cold_storage_t")
        ):
            continue
        sizes.setdefault(row["hub"], []).append(
            HubSize(
                row["size"],
                row["fixed_cost_cny"],
                row["throughput_t_per_week"],
                row["cold_storage_t"],
                Atmosphere(row["atmosphere"] or "air"),
            )
        )
    return sizes


def _explicit_legs(frame, nodes, known_ids, problems, rel, nodes_rel) -> list[Leg]:
    legs = []
    for row in frame.to_dict("records"):
        line = int(row[LINE])
        ok = not row[BAD]
        for end in ("origin", "destination"):
            if row[end] not in known_ids:
                problems.add(rel, end, f"a node id of {nodes_rel}", row[end], line=line)
                ok = False
            elif row[end] not in nodes:
                ok = False  # the node's own row has a problem, reported there
        temp = row["temp_c"]
        has_temp = temp is not None and not math.isnan(temp)
        if bool(row["refrigerated"]) and not has_temp:
            problems.add(rel, "temp_c", "a set point for a refrigerated leg", "none", line=line)
            ok = False
        elif not bool(row["refrigerated"]) and has_temp:
            problems.add(
                rel,
                "temp_c",
                "empty for an ambient leg (it takes the temperature of the places it passes)",
                temp,
                line=line,
            )
            ok = False
        if not ok:
            continue
        distance = row["distance_km"]
        if distance is None or math.isnan(distance):
            a, b = nodes[row["origin"]], nodes[row["destination"]]
            distance = (
                float(geodesic_km(a.lon, a.lat, b.lon, b.lat)) * DEFAULT_CIRCUITY[row["mode"]]
            )
        temp = row["temp_c"]
        legs.append(
            (
                Leg(
                    origin=row["origin"],
                    destination=row["destination"],
                    mode=Mode(row["mode"]),
                    refrigerated=bool(row["refrigerated"]),
                    temp_c=None if temp is None or math.isnan(temp) else float(temp),
                    distance_km=float(distance),
                    hours=float(row["hours"]),
                    cost_cny_per_t=row["cost_cny_per_t"],
                    cost_cny_per_trip=row["cost_cny_per_trip"],
                    trip_capacity_t=row["trip_capacity_t"],
                    part_load_cny_per_t=row["part_load_cny_per_t"],
                    toll_cny_per_trip=row["toll_cny_per_trip"],
                    co2e_g_per_tkm=row["co2e_g_per_tkm"],
                    source=row["source"],
                    via=tuple(row["via"] or ()),
                ),
                line,
            )
        )
    return legs


def _regimes(config, frame, problems, rel, toml: TomlFile) -> dict[str, TariffRegime]:
    parts: dict[str, list[TariffPart]] = {}
    if frame is not None:
        for row in frame.to_dict("records"):
            if math.isnan(row["rate"]):
                continue
            parts.setdefault(row["regime"], []).append(
                TariffPart(
                    row["country"], row["hs_prefix"], row["part"], row["rate"], row["source"]
                )
            )
    regimes = {}
    for i, spec in enumerate(config.get("regimes", []), start=1):
        where = f"regimes[{i}]"
        fields = check_table(spec, REGIME, where, toml, what="a key of [[regimes]]")
        name = fields.get("name")
        if name is None:
            continue  # missing or not a string: reported by check_table
        if not name or name in regimes:
            toml.add(f"{where}.name", "a regime name used once", name)
            continue
        regimes[name] = TariffRegime(
            name=name,
            effective=fields.get("effective", ""),
            description=fields.get("description", ""),
            parts=tuple(parts.get(name, ())),
            de_minimis=frozenset(fields.get("de_minimis", [])),
        )
    if frame is not None:
        for row in frame.to_dict("records"):
            if row["regime"] not in regimes:
                problems.add(
                    rel,
                    "regime",
                    "a regime named in scenario.toml [[regimes]]",
                    row["regime"],
                    line=int(row[LINE]),
                )
    return regimes


def _de_minimis_thresholds(config: dict, countries: dict, toml: TomlFile) -> None:
    """Every country a regime's ``de_minimis`` lists must say its threshold.

    (Before the thresholds, a listed country relieved every parcel whatever its value.)
    """
    reported = set()
    for i, spec in enumerate(config.get("regimes", []), start=1):
        listed = spec.get("de_minimis", []) if isinstance(spec, dict) else []
        for country in listed if isinstance(listed, list) else []:
            terms = countries.get(country)
            if (terms is None or terms.de_minimis_cny is None) and country not in reported:
                reported.add(country)
                toml.add(
                    f"countries.{country}.de_minimis_cny",
                    "the country's de minimis threshold (CNY of goods per consignment), "
                    f"as regimes[{i}].de_minimis applies it",
                    "none",
                )


def content_hash(folder: Path, rels: list[str]) -> str:
    """SHA-256 over the scenario's files (names and bytes), in a fixed order."""
    digest = hashlib.sha256()
    for rel in sorted(set(rels)):
        path = folder / rel
        if path.is_file():
            digest.update(rel.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _repeated_rows(frame, rel: str, key: tuple[str, ...], problems: ProblemCollector) -> None:
    """A row that repeats another's key (a line pasted twice) is a problem on its line.

    The loader would add the two up, silently doubling a week's supply or demand.
    """
    if frame is None or frame.empty:
        return
    columns = list(key)
    repeated = frame.duplicated(columns)
    if not repeated.any():
        return
    first = frame.groupby(columns, sort=False)[LINE].transform("first")
    for index in frame.index[repeated]:
        problems.add(
            rel,
            ",".join(key),
            f"one row per {', '.join(key)} (line {int(first[index])} has this one already)",
            ",".join(str(frame.at[index, c]) for c in columns),
            line=int(frame.at[index, LINE]),
        )


def load_folder(folder: str | Path) -> Network:
    """Read and validate a scenario folder.

    Parameters
    ----------
    folder
        Folder holding ``scenario.toml`` and the tables it references.

    Returns
    -------
    Network
        The validated network.

    Raises
    ------
    ScenarioError
        With one problem per defect found, each naming file, line and field.
    """
    folder = Path(folder)
    problems = ProblemCollector()
    parsed = read_toml(folder / "scenario.toml", "scenario.toml", problems)
    if parsed is None:
        problems.raise_if_any()
    toml = TomlFile(problems, _text(folder / "scenario.toml"))
    config = check_table(parsed, TOP_LEVEL, "", toml, what="a top-level key")
    files = file_refs(folder, config, toml)
    periods = read_periods(config, toml)
    products = read_products(config, toml)
    customs = read_customs(config, toml)
    countries = read_countries(config, toml)
    rules = read_leg_rules(config, toml)
    settings = check_settings(config, toml)
    objective = config.get("objective", "cost")

    rates = read_currency_rates(config, toml)
    sizes_frame = read_table(folder, files["hub_sizes"], HUB_SIZE_COLUMNS, problems, need_rows=True)
    _to_cny(sizes_frame, "hub_sizes", files["hub_sizes"], rates, problems)
    sizes = _hub_sizes(sizes_frame, problems, files["hub_sizes"]) if sizes_frame is not None else {}
    node_frame = read_table(folder, files["nodes"], NODE_COLUMNS, problems, need_rows=True)
    _to_cny(node_frame, "nodes", files["nodes"], rates, problems)
    nodes = (
        _build_nodes(node_frame, sizes, problems, files["nodes"]) if node_frame is not None else {}
    )
    if sizes_frame is not None and nodes:
        for row in sizes_frame.to_dict("records"):
            node = nodes.get(row["hub"])
            if node is None or node.kind != NodeKind.COUNTY_HUB:
                problems.add(
                    files["hub_sizes"],
                    "hub",
                    f"a county_hub id of {files['nodes']}",
                    row["hub"],
                    line=int(row[LINE]),
                )
    supply = read_table(folder, files["supply"], SUPPLY_COLUMNS, problems, need_rows=True)
    demand = read_table(folder, files["demand"], DEMAND_COLUMNS, problems, need_rows=True)
    _to_cny(demand, "demand", files["demand"], rates, problems)
    firms = {}
    if "firms" in files:
        frame = read_table(folder, files["firms"], FIRM_COLUMNS, problems)
        if frame is not None:
            for row in frame.loc[~frame[BAD]].to_dict("records"):
                if row["id"] in firms:
                    problems.add(
                        files["firms"], "id", "a unique id", row["id"], line=int(row[LINE])
                    )
                    continue
                try:
                    firms[row["id"]] = Firm(
                        row["id"],
                        row["name"],
                        row["kind"],
                        row["part_load_premium"],
                        row["trip_capacity_t"],
                        row["source"],
                    )
                except ValueError:
                    pass  # already reported by the table reader
    fleet = None
    if "fleet" in files:
        frame = read_table(folder, files["fleet"], FLEET_COLUMNS, problems)
        if frame is not None:
            fleet = frame.drop(columns=[LINE, BAD])
    tariffs = (
        read_table(folder, files["tariffs"], TARIFF_COLUMNS, problems)
        if "tariffs" in files
        else None
    )
    regimes = _regimes(config, tariffs, problems, files.get("tariffs", "tariffs.csv"), toml)
    _de_minimis_thresholds(config, countries, toml)
    default_regime = config.get("default_regime")
    if default_regime is not None and default_regime not in regimes:
        toml.add(
            "default_regime",
            "a regime of [[regimes]] (" + ", ".join(sorted(regimes)) + ")",
            default_regime,
        )

    legs: list[Leg] = []
    explicit_lines: list[tuple[Leg, int]] = []
    if "legs" in files:
        frame = read_table(folder, files["legs"], LEG_COLUMNS, problems)
        _to_cny(frame, "legs", files["legs"], rates, problems)
        if frame is not None:
            known = set(node_frame["id"]) if node_frame is not None else set(nodes)
            legs = _explicit_legs(frame, nodes, known, problems, files["legs"], files["nodes"])
            explicit_lines = [(leg, leg_line) for leg, leg_line in legs]
            legs = [leg for leg, _ in legs]
    road_graph = None
    if "road_graph" in files and locate(folder, files["road_graph"], problems) is not None:
        try:
            road_graph = RoadGraph.from_graphml(folder / files["road_graph"])
        except Exception as exc:  # a malformed graph file
            problems.add(files["road_graph"], "file", "a GraphML road graph", str(exc)[:200])
    origins: dict[str, tuple[str, int | None]] = {
        f"file:{name}": (rel, None) for name, rel in files.items()
    }
    if node_frame is not None:
        for node_id, line in zip(node_frame["id"], node_frame[LINE], strict=True):
            origins.setdefault(f"node:{node_id}", (files["nodes"], int(line)))
    for leg, line in explicit_lines:
        # a repeated leg is reported on its repeat
        key = f"leg:{leg.id}" if f"leg:{leg.id}" not in origins else f"leg:{leg.id}#repeat"
        origins.setdefault(key, (files["legs"], line))
    for name, frame in (("supply", supply), ("demand", demand)):
        if frame is not None:
            for index, line in enumerate(frame[LINE]):
                origins[f"{name}:{index}"] = (files[name], int(line))
    _repeated_rows(supply, files["supply"], ("village", "product", "week"), problems)
    _repeated_rows(demand, files["demand"], ("market", "product", "week", "firm"), problems)
    generated = generate_legs(list(nodes.values()), rules, road_graph)
    for leg in generated:  # generated by [[leg_rules]]: no line to point at
        key = f"leg:{leg.id}" if f"leg:{leg.id}" not in origins else f"leg:{leg.id}#repeat"
        origins.setdefault(key, ("scenario.toml [[leg_rules]]", None))
    legs += generated
    placed = any(node.climate for node in nodes.values()) or any(leg.via for leg in legs)
    if periods is not None and periods.start is None and placed:
        toml.add(
            "periods.start",
            "a first day (YYYY-MM-DD) or ISO week labels (2025-W36): nodes or legs name "
            "climate places, whose temperature depends on the date",
            "none",
        )
    problems.raise_if_any()

    network = Network(
        name=str(config.get("name", folder.name)),
        nodes=nodes,
        legs=tuple(legs),
        products=products,
        periods=periods,
        supply=supply.drop(columns=[LINE]),
        demand=demand.drop(columns=[LINE]),
        firms=firms,
        customs=customs,
        regimes=regimes,
        default_regime=default_regime,
        countries=countries,
        objective=objective,
        currency_rates=rates,
        fleet=fleet,
        description=str(config.get("description", "")),
        **settings,
        folder=folder,
        origins=origins,
        content_hash=content_hash(folder, ["scenario.toml", *files.values()]),
        road_graph=road_graph,
    )
    problems.extend(network.validate())
    problems.raise_if_any()
    return network


__all__ = ["load_folder", "read_toml", "content_hash", "ScenarioError"]
