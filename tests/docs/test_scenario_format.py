"""docs/scenario-format.md's settings tables say what networks.settings defines.

Each of ``[collection]``, ``[design]``, ``[consolidation]`` and ``[trade]`` is documented by a table
of keys; every documented key must be a field of its dataclass and every field a
documented key, and a default the doc states must be the field's default. The range
each number column of the CSV tables is documented with is the range the loader checks.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import pytest

from instances.scenario import (
    DEMAND_COLUMNS,
    FIRM_COLUMNS,
    FLEET_COLUMNS,
    HUB_SIZE_COLUMNS,
    LEG_COLUMNS,
    NODE_COLUMNS,
    SUPPLY_COLUMNS,
    TARIFF_COLUMNS,
)
from networks import CollectionSettings, ConsolidationSettings, DesignSettings, TradeSettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md"
TABLES = {
    "collection": CollectionSettings,
    "design": DesignSettings,
    "consolidation": ConsolidationSettings,
    "trade": TradeSettings,
}
NOT_STATED = object()


def documented(table: str) -> dict[str, str]:
    """The keys of the doc's ``### [table]`` section, each with its default cell."""
    text = DOC.read_text(encoding="utf-8")
    section = re.search(rf"^### \[{table}\]\n(.*?)(?=^##)", text, re.M | re.S)
    assert section, f"no ### [{table}] section in {DOC.name}"
    rows = [line for line in section.group(1).splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert rows[1].startswith("| ---")
    keys: dict[str, str] = {}
    for row in rows[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        names = re.findall(r"`([^`]+)`", cells[header.index("key")])
        defaults = [d.strip() for d in cells[header.index("default")].split(",")]
        if len(defaults) != len(names):  # one default for several keys
            defaults = [cells[header.index("default")]] * len(names)
        for name, default in zip(names, defaults, strict=True):
            assert name not in keys, f"[{table}] {name} documented twice"
            keys[name] = default
    return keys


def literal(cell: str):
    """The value a default cell states, or NOT_STATED where it names another source."""
    word = cell.strip("`")
    if word in ("none", "no limit"):
        return None if word == "none" else math.inf
    if word in ("true", "false"):
        return word == "true"
    try:
        return float(word)
    except ValueError:
        pass
    return word if cell.startswith("`") else NOT_STATED


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_documented_key_is_a_field_and_every_field_is_documented(table):
    fields = {f.name for f in dataclasses.fields(TABLES[table])}
    assert set(documented(table)) == fields


@pytest.mark.parametrize("table", sorted(TABLES))
def test_documented_defaults_are_the_dataclass_defaults(table):
    stated = 0
    for key, cell in documented(table).items():
        default = getattr(TABLES[table](), key)
        value = literal(cell)
        if value is NOT_STATED:  # "the scenario's objective", "from the shelf life"
            assert default is None, f"[{table}] {key}: doc names no default, field {default!r}"
            continue
        stated += 1
        if value is None or isinstance(value, bool | str):
            assert default == value and type(default) is type(value), f"[{table}] {key}"
        else:
            assert default == pytest.approx(value), f"[{table}] {key}: doc {cell}, field {default}"
    assert stated  # the parsing found defaults to compare


def test_a_not_stated_default_is_told_apart_from_a_stated_one():
    assert literal("`highs`") == "highs"
    assert literal("1e-6") == 1e-6
    assert literal("no limit") == math.inf
    assert literal("none") is None
    assert literal("the scenario's `objective`") is NOT_STATED


# --- number columns of the CSV tables -----------------------------------------------
#: The section of the docs that documents each table's columns.
SECTIONS = {
    "nodes.csv": NODE_COLUMNS,
    "hub_sizes.csv": HUB_SIZE_COLUMNS,
    "supply.csv": SUPPLY_COLUMNS,
    "demand.csv": DEMAND_COLUMNS,
    "legs.csv": LEG_COLUMNS,
    "firms.csv": FIRM_COLUMNS,
    "fleet.csv": FLEET_COLUMNS,
    "Tariff regimes: `[[regimes]]` and tariffs.csv": TARIFF_COLUMNS,
}


def _documented(heading: str) -> dict[str, str]:
    """Column name -> the type the docs give it, in the table under ``## heading``."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    rows = re.findall(r"^\| `([a-z_0-9]+)` \| ([^|]+) \|", text[start:end], re.MULTILINE)
    return {name: kind.strip() for name, kind in rows}


def _in_doc_words(column) -> str:
    """The range the loader checks, as the docs write a type."""
    kind = "int" if column.kind == "int" else "float"
    inf = " or `inf`" if column.infinite else ""
    if column.positive:
        return f"{kind} > 0{inf}"
    if column.low is not None and column.high is not None:
        return f"{kind} in [{column.low:g}, {column.high:g}]"
    if column.low is not None:
        return f"{kind} ≥ {column.low:g}{inf}"
    return kind


CASES = [
    (heading, column)
    for heading, columns in SECTIONS.items()
    for column in columns
    if column.kind in ("float", "int")
]


@pytest.mark.parametrize(
    "heading, column", CASES, ids=[f"{h.split()[0]}-{c.name}" for h, c in CASES]
)
def test_a_documented_range_is_the_range_checked(heading, column):
    documented = _documented(heading)
    assert column.name in documented, f"{heading}: {column.name} is not documented"
    words = documented[column.name].replace("integer", "int")
    assert words == _in_doc_words(column)


def _setting_in_doc_words(check: dict) -> str:
    """What a ``[table]`` key takes (its metadata), as the docs write a type."""
    kind = {"number": "float", "integer": "int", "bool": "bool"}.get(check["kind"], "str")
    low, high = check["low"], check["high"]
    if low is not None and high is not None:
        return f"{kind} in [{low:g}, {high:g}]"
    if low is not None:
        return f"{kind} ≥ {low:g}"
    return kind


def documented_types(table: str) -> dict[str, str]:
    """The keys of the doc's ``### [table]`` section, each with its type cell."""
    text = DOC.read_text(encoding="utf-8")
    section = re.search(rf"^### \[{table}\]\n(.*?)(?=^##)", text, re.M | re.S)
    rows = [line for line in section.group(1).splitlines() if line.startswith("| `")]
    types = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        for name in re.findall(r"`([^`]+)`", cells[0]):
            types[name] = cells[1]
    return types


@pytest.mark.parametrize("table", sorted(TABLES))
def test_a_documented_setting_range_is_the_range_checked(table):
    types = documented_types(table)
    checks = {f.name: f.metadata["check"] for f in dataclasses.fields(TABLES[table])}
    assert {k: types[k] for k in checks} == {k: _setting_in_doc_words(c) for k, c in checks.items()}
