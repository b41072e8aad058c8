"""Read a scenario folder into a validated :class:`networks.Network`.

The loader collects every problem (file, line, field, what was expected, what was
found) before raising one :class:`networks.errors.ScenarioError`.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from pathlib import Path
from typing import Any

from instances._tables import BAD, LINE, Column, read_table
from instances._toml import TomlFile
from instances.settings import TABLES, Setting, check_settings, check_table
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
from networks.periods import Periods
from networks.products import Product
from networks.rules import LegRule, generate_legs
from networks.shelf_life import ShelfLife
from networks.trade import CUSTOMS_MODE_CODES, CustomsMode, CustomsTerms, TariffPart, TariffRegime

INF = float("inf")
NODE_KINDS = tuple(k.value for k in NodeKind)
MODES = tuple(m.value for m in Mode)

NODE_COLUMNS = [
    Column("id"),
    Column("name"),
    Column("kind", "choice", choices=NODE_KINDS),
    Column("lon", "float", low=-180, high=180),
    Column("lat", "float", low=-90, high=90),
    Column("country", required=False, default="CN"),
    Column("handling_cost_cny_per_t", "float", False, 0.0, low=0),
    Column("dwell_hours", "float", False, 0.0, low=0),
    Column("firm", required=False, default=""),
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
    Column("temp_c", "float", False, None, low=-30, high=50),
    Column("max_age_days", "float", False, INF, positive=True),
    Column("source", required=False, default=""),
    Column("currency", required=False, default=""),
]
SUPPLY_COLUMNS = [
    Column("village"),
    Column("product"),
    Column("week", "int", low=1),
    Column("tonnes", "float", low=0),
]
DEMAND_COLUMNS = [
    Column("market"),
    Column("product"),
    Column("week", "int", low=1),
    Column("tonnes", "float", low=0),
    Column("price_cny_per_t", "float", False, 0.0, low=0),
    Column("firm", required=False, default=""),
    Column("currency", required=False, default=""),
]
HUB_SIZE_COLUMNS = [
    Column("hub"),
    Column("size"),
    Column("fixed_cost_cny", "float", low=0),
    Column("throughput_t_per_week", "float", low=0),
    Column("cold_storage_t", "float", low=0),
    Column("atmosphere", "choice", False, "air", choices=tuple(a.value for a in Atmosphere)),
    Column("source", required=False, default=""),
    Column("currency", required=False, default=""),
]
LEG_COLUMNS = [
    Column("origin"),
    Column("destination"),
    Column("mode", "choice", choices=MODES),
    Column("refrigerated", "bool", False, False),
    Column("temp_c", "float", False, None, low=-30, high=50),
    Column("distance_km", "float", False, None, low=0),
    Column("hours", "float", low=0),
    Column("cost_cny_per_t", "float", False, 0.0, low=0),
    Column("cost_cny_per_trip", "float", False, 0.0, low=0),
    Column("trip_capacity_t", "float", False, INF, positive=True),
    Column("co2e_g_per_tkm", "float", False, 0.0, low=0),
    Column("source", required=False, default=""),
    Column("currency", required=False, default=""),
]
FIRM_COLUMNS = [
    Column("id"),
    Column("name"),
    Column("kind", required=False, default="company"),
    Column("part_load_premium", "float", False, 0.0, low=0),
    Column("trip_capacity_t", "float", False, INF, positive=True),
    Column("source", required=False, default=""),
]
FLEET_COLUMNS = [
    Column("id"),
    Column("hub", required=False, default=""),
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

DEFAULT_FILES = {
    "nodes": "nodes.csv",
    "supply": "supply.csv",
    "demand": "demand.csv",
    "hub_sizes": "hub_sizes.csv",
}
OPTIONAL_FILES = ("legs", "firms", "fleet", "tariffs", "road_graph")
LEG_RULE_KEYS = {f for f in LegRule.__dataclass_fields__} | {"from", "to"}

# The keys of scenario.toml's tables (the settings tables are in instances/settings.py).
TOP_LEVEL = (
    Setting("name", "text"),
    Setting("description", "text"),
    Setting("currency", "text"),
    Setting("objective", "choice", choices=("cost", "margin")),
    Setting("default_regime", "text"),
    Setting("files", "table"),
    Setting("periods", "table", required=True),
    Setting("currency_rates", "table"),
    Setting("products", "table", required=True, expect="at least one [products.ID] table"),
    Setting("customs", "table", expect="[customs.CODE] tables"),
    Setting("regimes", "tables"),
    Setting("leg_rules", "tables"),
    *(Setting(table, "table") for table in TABLES),
    Setting("sources", "any"),  # free documentation, passed through
    Setting("plans", "any"),  # plan settings, passed through
)
PERIODS = (
    Setting("labels", "any"),  # checked by _periods, which knows how many weeks
    Setting("weeks", "integer", 1),
    Setting("ambient_temp_c", "any"),
)
PRODUCT = (
    Setting("name", "text"),
    Setting("hs_code", "text", required=True, expect='an HS code as a string ("0810.50")'),
    Setting("value_cny_per_kg", "number", 0.0, required=True),
    Setting("markets", "texts", expect="a list of countries (ISO alpha-2 strings)"),
    Setting("perishable", "bool"),
    Setting("source", "text"),
    Setting("max_storage_weeks", "integer", 0),
    Setting("shelf_life", "table"),
)
SHELF_LIFE = tuple(
    Setting(
        name,
        "bool" if f.type == "bool" else "numbers" if str(f.type).startswith("tuple") else "number",
    )
    for name, f in ShelfLife.__dataclass_fields__.items()
)
CUSTOMS = (
    Setting("fee_cny_per_t", "number", 0.0),
    Setting("clearance_hours", "number", 0.0),
    Setting("source", "text"),
)
REGIME = (
    Setting("name", "text", required=True, expect="a regime name"),
    Setting("effective", "text"),
    Setting("description", "text"),
    Setting("de_minimis", "texts", expect="a list of countries (ISO alpha-2 strings)"),
)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _toml_line(exc: tomllib.TOMLDecodeError) -> int | None:
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None


def read_toml(path: Path, rel: str, problems: ProblemCollector) -> dict | None:
    """Parse a TOML file, recording a syntax error with its line."""
    if not path.is_file():
        problems.add(rel, "file", "an existing file", "no such file")
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        problems.add(rel, "syntax", "valid TOML", str(exc), line=_toml_line(exc))
    except UnicodeDecodeError as exc:
        problems.add(rel, "file", "UTF-8 text", str(exc))
    return None


def _text(path: Path) -> str:
    """A file's text ("" if it cannot be read: that is reported where it is parsed)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _file_refs(folder: Path, config: dict, toml: TomlFile) -> dict[str, str]:
    files = dict(DEFAULT_FILES)
    for key, rel in config.get("files", {}).items():
        if key not in DEFAULT_FILES and key not in OPTIONAL_FILES:
            allowed = ", ".join([*DEFAULT_FILES, *OPTIONAL_FILES])
            toml.add(f"files.{key}", f"one of {allowed}", key)
            continue
        if not isinstance(rel, str):
            toml.add(f"files.{key}", "a file name (a string)", rel)
            continue
        target = (folder / rel).resolve()
        if not target.is_relative_to(folder.resolve()):
            toml.add(f"files.{key}", "a path inside the scenario folder", rel)
            continue
        files[key] = rel
    for key in ("legs", "firms", "fleet", "tariffs"):
        if key not in files and (folder / f"{key}.csv").is_file():
            files[key] = f"{key}.csv"
    return files


def _periods(config: dict, toml: TomlFile) -> Periods | None:
    if "periods" not in config:
        return None  # missing or no table: reported by the check of the top level
    section = check_table(config["periods"], PERIODS, "periods", toml)
    if len(section) < len(config["periods"]):
        return None
    labels, weeks, temps = (section.get(k) for k in ("labels", "weeks", "ambient_temp_c"))
    if labels is None and weeks is None:
        toml.add("periods.weeks", "an integer >= 1 (or labels)", "none")
        return None
    if labels is not None:
        if not (isinstance(labels, list) and all(isinstance(x, str) for x in labels)):
            count = weeks or (len(temps) if isinstance(temps, list) else None)
            expected = f"a list of {count} strings" if count else "a list of week labels (strings)"
            toml.add("periods.labels", expected, labels)
            return None
        if not labels:
            toml.add("periods.labels", "at least one week label", labels)
            return None
        if weeks is not None and weeks != len(labels):
            toml.add("periods.weeks", f"the number of labels ({len(labels)})", weeks)
            return None
    else:
        labels = [f"week {w}" for w in range(1, weeks + 1)]
    if _is_number(temps):
        temps = [float(temps)] * len(labels)
    if not isinstance(temps, list) or len(temps) != len(labels) or not all(map(_is_number, temps)):
        toml.add(
            "periods.ambient_temp_c",
            f"a number or a list of {len(labels)} numbers",
            "none" if temps is None else temps,
        )
        return None
    return Periods(tuple(labels), tuple(float(t) for t in temps))


_SETTING_MESSAGE = re.compile(r"(\w+): expected (.+), got (.+)")


def _shelf_life(spec: dict, where: str, toml: TomlFile) -> ShelfLife | None:
    """The shelf-life model of ``[products.ID.shelf_life]`` (``None``: a problem)."""
    fields = check_table(spec, SHELF_LIFE, where, toml)
    if len(fields) < len(spec):
        return None
    try:
        return ShelfLife(**fields)
    except ValueError as exc:  # a value out of range: ShelfLife names the key
        match = _SETTING_MESSAGE.fullmatch(str(exc))
        if match and match.group(1) in ShelfLife.__dataclass_fields__:
            key, expected, got = match.groups()
            toml.add(f"{where}.{key}", expected, fields.get(key, got))
        else:
            toml.add(where, "valid shelf-life parameters", str(exc))
    return None


def _products(config: dict, toml: TomlFile) -> dict[str, Product]:
    section = config.get("products")
    if section is None:
        return {}  # reported by the check of the top level
    if not section:
        toml.add("products", "at least one [products.ID] table", "none")
    products = {}
    for pid, spec in section.items():
        where = f"products.{pid}"
        if not isinstance(spec, dict):
            toml.add(where, f"a [{where}] table", spec)
            continue
        fields = check_table(spec, PRODUCT, where, toml)
        if len(fields) < len(spec) or not {"hs_code", "value_cny_per_kg"} <= set(fields):
            continue
        shelf = fields.get("shelf_life")
        shelf_life = None
        if fields.get("perishable", shelf is not None):
            shelf_life = _shelf_life(shelf or {}, f"{where}.shelf_life", toml)
            if shelf_life is None:
                continue
        products[pid] = Product(
            id=pid,
            name=fields.get("name", pid),
            hs_code=fields["hs_code"],
            value_cny_per_kg=float(fields["value_cny_per_kg"]),
            markets=frozenset(fields.get("markets", [])),
            shelf_life=shelf_life,
            source=fields.get("source", ""),
            max_storage_weeks=fields.get("max_storage_weeks"),
        )
    return products


def _customs(config: dict, toml: TomlFile) -> dict[str, CustomsTerms]:
    terms = {}
    for code, spec in config.get("customs", {}).items():
        where = f"customs.{code}"
        if code not in CUSTOMS_MODE_CODES:
            toml.add(where, "a customs mode among " + ", ".join(CUSTOMS_MODE_CODES), code)
            continue
        if not isinstance(spec, dict):
            toml.add(where, f"a [{where}] table", spec)
            continue
        fields = check_table(spec, CUSTOMS, where, toml)
        terms[code] = CustomsTerms(
            CustomsMode(code),
            float(fields.get("fee_cny_per_t", 0.0)),
            float(fields.get("clearance_hours", 0.0)),
            fields.get("source", ""),
        )
    return terms


MONEY_COLUMNS = {
    "nodes": ("handling_cost_cny_per_t", "precool_cost_cny_per_t", "storage_cost_cny_per_t_week"),
    "hub_sizes": ("fixed_cost_cny",),
    "legs": ("cost_cny_per_t", "cost_cny_per_trip"),
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


def _currency_rates(config: dict, toml: TomlFile) -> dict[str, float]:
    rates = {"CNY": 1.0}
    for code, value in config.get("currency_rates", {}).items():
        if not _is_number(value) or value <= 0:
            toml.add(f"currency_rates.{code}", "a number > 0 (CNY per unit)", value)
            continue
        rates[code] = float(value)
    return rates


_RULE_NUMBERS = {
    name
    for name, f in LegRule.__dataclass_fields__.items()
    if "float" in str(f.type) or "int" in str(f.type)
}
_RULE_TEXT_LISTS = {"from_ids", "to_ids"}
_RULE_FLAGS = {"refrigerated", "same_country"}


def _leg_rule_types(spec: dict, where: str, toml: TomlFile) -> bool:
    ok = True
    for key, value in spec.items():
        if key in _RULE_NUMBERS and value is not None and not _is_number(value):
            toml.add(f"{where}.{key}", "a number", value)
            ok = False
        elif key in _RULE_TEXT_LISTS and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            toml.add(f"{where}.{key}", "a list of node ids", value)
            ok = False
        elif key in _RULE_FLAGS and not isinstance(value, bool):
            toml.add(f"{where}.{key}", "true or false", value)
            ok = False
    if spec.get("refrigerated") and not _is_number(spec.get("temp_c")):
        temp = spec.get("temp_c", "none")
        toml.add(f"{where}.temp_c", "a set point for a refrigerated rule", temp)
        ok = False
    return ok


def _leg_rules(config: dict, toml: TomlFile) -> list[LegRule]:
    rules = []
    for i, spec in enumerate(config.get("leg_rules", []), start=1):
        where = f"leg_rules[{i}]"
        unknown = set(spec) - LEG_RULE_KEYS
        for key in sorted(unknown):
            toml.add(
                f"{where}.{key}",
                "a key of [[leg_rules]] (" + ", ".join(sorted(LEG_RULE_KEYS)) + ")",
                key,
            )
        if not _leg_rule_types(spec, where, toml):
            continue
        try:
            fields = {k: v for k, v in spec.items() if k in LegRule.__dataclass_fields__}
            fields["from_kind"] = NodeKind(spec.get("from", spec.get("from_kind")))
            fields["to_kind"] = NodeKind(spec.get("to", spec.get("to_kind")))
            fields["mode"] = Mode(spec["mode"])
            for key in ("from_ids", "to_ids"):
                if key in fields:
                    fields[key] = tuple(fields[key])
            rules.append(LegRule(**fields))
        except KeyError as exc:
            toml.add(f"{where}.{exc.args[0]}", "a value", "none")
        except (TypeError, ValueError) as exc:
            toml.add(where, "a valid leg rule", str(exc))
    return rules


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
                "empty for an ambient leg (it takes the week's ambient)",
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
                    co2e_g_per_tkm=row["co2e_g_per_tkm"],
                    source=row["source"],
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


def content_hash(folder: Path, rels: list[str]) -> str:
    """SHA-256 over the scenario's files (names and bytes), in a fixed order."""
    digest = hashlib.sha256()
    for rel in sorted(set(rels)):
        path = folder / rel
        if path.is_file():
            digest.update(rel.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


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
    files = _file_refs(folder, config, toml)
    periods = _periods(config, toml)
    products = _products(config, toml)
    customs = _customs(config, toml)
    rules = _leg_rules(config, toml)
    settings = check_settings(config, toml)
    objective = config.get("objective", "cost")

    rates = _currency_rates(config, toml)
    sizes_frame = read_table(folder, files["hub_sizes"], HUB_SIZE_COLUMNS, problems)
    _to_cny(sizes_frame, "hub_sizes", files["hub_sizes"], rates, problems)
    sizes = _hub_sizes(sizes_frame, problems, files["hub_sizes"]) if sizes_frame is not None else {}
    node_frame = read_table(folder, files["nodes"], NODE_COLUMNS, problems)
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
    supply = read_table(folder, files["supply"], SUPPLY_COLUMNS, problems)
    demand = read_table(folder, files["demand"], DEMAND_COLUMNS, problems)
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
    if "road_graph" in files:
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
    generated = generate_legs(list(nodes.values()), rules, road_graph)
    for leg in generated:  # generated by [[leg_rules]]: no line to point at
        key = f"leg:{leg.id}" if f"leg:{leg.id}" not in origins else f"leg:{leg.id}#repeat"
        origins.setdefault(key, ("scenario.toml [[leg_rules]]", None))
    legs += generated
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
