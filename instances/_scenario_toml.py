"""``scenario.toml``: its tables checked key by key and made into networks values.

The top level, ``[files]``, ``[periods]``, ``[products.ID]`` (with its shelf life and
access conditions), ``[customs.CODE]``, ``[countries.XX]``, ``[currency_rates]`` and
``[[leg_rules]]``; the settings tables are checked by :mod:`instances.settings`,
``[[regimes]]`` with ``tariffs.csv`` by :mod:`instances.scenario`. Each reader records
its problems on the file with their lines (:class:`~instances.toml_lines.TomlFile`) and
returns what it could read.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from pathlib import Path
from typing import Any

from instances._tables import COMPRESSED, locate, read_text
from instances.settings import TABLES, Setting, check_table
from instances.toml_lines import TomlFile, nesting_over
from networks.errors import ProblemCollector
from networks.legs import Mode
from networks.nodes import NodeKind
from networks.periods import Periods
from networks.products import MarketAccess, Product
from networks.rules import LegRule
from networks.shelf_life import ShelfLife
from networks.trade import CUSTOMS_MODE_CODES, CustomsMode, CustomsTerms, ImportTerms, Valuation

DEFAULT_FILES = {
    "nodes": "nodes.csv",
    "supply": "supply.csv",
    "demand": "demand.csv",
    "hub_sizes": "hub_sizes.csv",
}
OPTIONAL_FILES = ("legs", "firms", "fleet", "tariffs", "road_graph")
LEG_RULE_KEYS = {f for f in LegRule.__dataclass_fields__} | {"from", "to"}

#: Limits on scenario.toml (docs/scenario-format.md, "Limits"), checked before parsing.
MAX_TOML_BYTES = 2**20
MAX_TOML_DEPTH = 32

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
    Setting("countries", "table", expect="[countries.XX] tables (ISO alpha-2 codes)"),
    Setting("regimes", "tables"),
    Setting("leg_rules", "tables"),
    *(Setting(table, "table") for table in TABLES),
    Setting("sources", "any"),  # free documentation, not read
    Setting("plans", "any"),  # notes on the plans, not read
)
PERIODS = (
    Setting("labels", "any"),  # checked by _periods, which knows how many weeks
    Setting("weeks", "integer", 1),
    Setting("ambient_temp_c", "any"),
    Setting("start", "any"),  # checked by read_periods: a date
)
PRODUCT = (
    Setting("name", "text"),
    Setting("hs_code", "text", required=True, expect='an HS code as a string ("0810.50")'),
    Setting("value_cny_per_kg", "number", 0.0, required=True),
    Setting("markets", "texts", expect="a list of countries (ISO alpha-2 strings)"),
    Setting("perishable", "bool"),
    Setting("green_channel", "bool"),
    Setting("source", "text"),
    Setting("max_storage_weeks", "integer", 0),
    Setting("export_value_cny_per_kg", "number", 0.0),
    Setting("access", "table", expect="[products.ID.access.XX] tables"),
    Setting("shelf_life", "table"),
)
ACCESS = (
    Setting("origins", "texts", expect="a list of origin countries (ISO alpha-2 strings)"),
    Setting("condition", "text"),
    Setting("met", "bool"),
    Setting("source", "text"),
)
COUNTRY = (
    Setting("valuation", "choice", choices=tuple(v.value for v in Valuation)),
    Setting("vat_recoverable", "bool"),
    Setting("de_minimis_cny", "number", 0.0),
    Setting("source", "text"),
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


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _toml_line(exc: tomllib.TOMLDecodeError) -> int | None:
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None


def read_toml(path: Path, rel: str, problems: ProblemCollector) -> dict | None:
    """Parse a TOML file, recording a syntax error with its line.

    The file must be inside its folder, as every table (:func:`instances._tables.locate`).
    """
    if locate(path.parent, path.name, problems) is None:
        return None
    text = read_text(path, rel, problems, MAX_TOML_BYTES)
    if text is None:
        return None
    deep = nesting_over(text, MAX_TOML_DEPTH)
    if deep is not None:
        expected = f"keys and values nested at most {MAX_TOML_DEPTH} levels deep (the limit)"
        problems.add(rel, "file", expected, "deeper nesting", line=deep)
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.add(rel, "syntax", "valid TOML", str(exc), line=_toml_line(exc))
    except RecursionError:  # not reached below the depth limit; a message all the same
        problems.add(rel, "file", "TOML nested less deeply", "deeper nesting than Python reads")
    return None


def file_refs(folder: Path, config: dict, toml: TomlFile) -> dict[str, str]:
    """The scenario's files by key (``[files]``, then the default names that exist)."""
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
        if rel.lower().endswith(COMPRESSED):
            toml.add(f"files.{key}", "an uncompressed table (compressed files are not read)", rel)
            continue
        files[key] = rel
    for key in ("legs", "firms", "fleet", "tariffs"):
        if key not in files and (folder / f"{key}.csv").is_file():
            files[key] = f"{key}.csv"
    return files


def read_periods(config: dict, toml: TomlFile) -> Periods | None:
    """``[periods]`` (``None``: missing or with a problem)."""
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
    start = section.get("start")
    if start is not None:
        if isinstance(start, str):
            try:
                start = dt.date.fromisoformat(start)
            except ValueError:
                pass
        if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
            toml.add("periods.start", "a date (YYYY-MM-DD)", start)
            return None
    return Periods(tuple(labels), tuple(float(t) for t in temps), start)


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


def read_products(config: dict, toml: TomlFile) -> dict[str, Product]:
    """The ``[products.ID]`` tables without a problem, by id."""
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
        access = _access(fields.get("access", {}), f"{where}.access", toml)
        if access is None:
            continue
        export_value = fields.get("export_value_cny_per_kg")
        products[pid] = Product(
            id=pid,
            name=fields.get("name", pid),
            hs_code=fields["hs_code"],
            value_cny_per_kg=float(fields["value_cny_per_kg"]),
            markets=frozenset(fields.get("markets", [])),
            shelf_life=shelf_life,
            source=fields.get("source", ""),
            max_storage_weeks=fields.get("max_storage_weeks"),
            export_value_cny_per_kg=None if export_value is None else float(export_value),
            access=access,
            green_channel=bool(fields.get("green_channel", False)),
        )
    return products


def _access(section: dict, where: str, toml: TomlFile) -> dict[str, MarketAccess] | None:
    """The ``[products.ID.access.XX]`` tables (``None``: one has a problem)."""
    access = {}
    for country, spec in section.items():
        if not isinstance(spec, dict):
            toml.add(f"{where}.{country}", f"a [{where}.{country}] table", spec)
            return None
        fields = check_table(spec, ACCESS, f"{where}.{country}", toml)
        if len(fields) < len(spec):
            return None
        access[country] = MarketAccess(
            country,
            frozenset(fields.get("origins", [])),
            fields.get("condition", ""),
            fields.get("met", True),
            fields.get("source", ""),
        )
    return access


def read_countries(config: dict, toml: TomlFile) -> dict[str, ImportTerms]:
    """The ``[countries.XX]`` tables without a problem, by country code."""
    countries = {}
    for code, spec in config.get("countries", {}).items():
        where = f"countries.{code}"
        if not isinstance(spec, dict):
            toml.add(where, f"a [{where}] table", spec)
            continue
        fields = check_table(spec, COUNTRY, where, toml)
        if len(fields) < len(spec):
            continue
        threshold = fields.get("de_minimis_cny")
        countries[code] = ImportTerms(
            code,
            Valuation(fields.get("valuation", Valuation.CIF)),
            fields.get("vat_recoverable", True),
            None if threshold is None else float(threshold),
            fields.get("source", ""),
        )
    return countries


def read_customs(config: dict, toml: TomlFile) -> dict[str, CustomsTerms]:
    """The ``[customs.CODE]`` tables without a problem, by code."""
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


def read_currency_rates(config: dict, toml: TomlFile) -> dict[str, float]:
    """CNY per unit of each currency of ``[currency_rates]`` (CNY itself is 1)."""
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


def read_leg_rules(config: dict, toml: TomlFile) -> list[LegRule]:
    """The ``[[leg_rules]]`` without a problem, in order."""
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
