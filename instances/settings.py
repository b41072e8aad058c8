"""The tables of ``scenario.toml``, checked key by key.

Each table is a list of :class:`Setting`: its key, its kind and what values it takes.
:func:`check_table` checks one table against its list; :func:`check_settings` checks the
settings tables ``[collection]``, ``[design]`` and ``[consolidation]`` (their lists are
made from the dataclasses of :mod:`networks.settings`, which hold their defaults) and
returns them typed, and the loader
(:mod:`instances.scenario`) checks the others (the top level, ``[periods]``,
``[products.ID]``, ``[customs.CODE]``, ``[[regimes]]``) the same way. An unknown key (a
typo such as ``time_limt``) or a value of the wrong kind is a problem of
``scenario.toml`` naming the key and its line and saying what was expected, as every other
input error is; nothing is silently ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from instances._tables import MAX_NUMBER
from instances.toml_lines import TomlFile
from networks.settings import SETTINGS_TABLES


@dataclass(frozen=True)
class Setting:
    """One key of a settings table.

    Parameters
    ----------
    key
        The TOML key.
    kind
        ``number``, ``integer``, ``bool``, ``text``, ``choice``, ``texts`` (a list of
        strings), ``numbers`` (a list of numbers), ``table``, ``tables`` (an array of
        tables) or ``any`` (not checked here: the loader checks it).
    low, high
        Bounds of a number or integer (inclusive; ``None``: none).
    choices
        The values of a ``choice``.
    required
        Whether the key must be given.
    expect
        What a value must be, in words, where the kind's own words do not say enough.
    """

    key: str
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    required: bool = False
    expect: str = ""

    def expected(self, value: Any = None) -> str:
        """What a value must be, in words (``value``: the one refused, if any).

        A number refused only for its size (over :data:`~instances._tables.MAX_NUMBER`,
        as in the tables: ``1e308`` overflowed in the solver) is told the largest.
        """
        if self.high is None and _is_finite_number(value) and abs(value) > MAX_NUMBER:
            largest = f"{MAX_NUMBER:.0e}".replace("+", "")
            finite = self.expected().replace("a number", "a finite number", 1)
            return f"{finite.replace('an integer', 'a finite integer', 1)}, at most {largest}"
        if self.expect:
            return self.expect
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind in ("number", "integer"):
            word = "a number" if self.kind == "number" else "an integer"
            if self.low is not None and self.high is not None:
                return f"{word} in [{self.low:g}, {self.high:g}]"
            if self.low is not None:
                return f"{word} >= {self.low:g}"
            return word
        return {
            "bool": "true or false",
            "text": "a string",
            "texts": "a list of strings",
            "numbers": "a list of numbers",
            "table": f"a [{self.key}] table",
            "tables": f"an array of tables [[{self.key}]]",
            "any": "a value",
        }[self.kind]

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is of this setting's kind and within its bounds."""
        if self.kind == "any":
            return True
        if self.kind == "texts":
            return isinstance(value, list) and all(isinstance(v, str) for v in value)
        if self.kind == "numbers":
            return isinstance(value, list) and all(_is_finite_number(v) for v in value)
        if self.kind == "table":
            return isinstance(value, dict)
        if self.kind == "tables":
            return isinstance(value, list) and all(isinstance(v, dict) for v in value)
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "text":
            return isinstance(value, str)
        if self.kind == "choice":
            return value in self.choices
        if not _is_finite_number(value):
            return False
        if self.kind == "integer" and not isinstance(value, int):
            return False
        if abs(value) > MAX_NUMBER:
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


def table_settings(table: type) -> tuple[Setting, ...]:
    """The keys of a settings table, from its dataclass (:mod:`networks.settings`).

    Parameters
    ----------
    table
        A settings dataclass whose fields carry their kind and bounds as metadata.

    Returns
    -------
    tuple of Setting
        One per field, in field order.
    """
    return tuple(Setting(f.name, **f.metadata["check"]) for f in fields(table))


#: The keys of each settings table, made from its dataclass.
TABLES = {name: table_settings(table) for name, table in SETTINGS_TABLES.items()}


def _is_finite_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_table(
    section: dict,
    settings: tuple[Setting, ...],
    where: str,
    toml: TomlFile,
    what: str | None = None,
) -> dict[str, Any]:
    """Record a problem for every unknown key, bad value or missing key of one table.

    Parameters
    ----------
    section
        The table as parsed.
    settings
        Its keys.
    where
        Its dotted path in the file (``""`` for the top level), which problems name
        before the key: ``design.time_limt``.
    toml
        The file, where problems go with their lines.
    what
        What a key must be, in words, before the list of keys (default:
        ``a key of [WHERE]``).

    Returns
    -------
    dict
        The keys whose values were accepted, with those values.
    """
    known = {s.key: s for s in settings}
    what = what or f"a key of [{where}]"
    valid = {}
    for key, value in section.items():
        path = f"{where}.{key}" if where else key
        setting = known.get(key)
        if setting is None:
            toml.add(path, f"{what} ({', '.join(sorted(known))})", key)
        elif not setting.accepts(value):
            toml.add(path, setting.expected(value), value)
        else:
            valid[key] = value
    for setting in settings:
        if setting.required and setting.key not in section:
            toml.add(f"{where}.{setting.key}" if where else setting.key, setting.expected(), "none")
    return valid


def check_settings(config: dict, toml: TomlFile) -> dict[str, Any]:
    """Check the settings tables and make them typed values.

    Parameters
    ----------
    config
        The parsed ``scenario.toml`` (a settings table that is no table is left to the
        check of the top level).
    toml
        The file, where a problem goes with its line for every unknown key or bad value.

    Returns
    -------
    dict
        Each settings table by name (``collection``, ``design``, ``consolidation``) as
        its dataclass of :mod:`networks.settings`, from the keys that were accepted;
        defaults for the others and for a table not given.
    """
    typed = {}
    for name, table in SETTINGS_TABLES.items():
        section = config.get(name)
        valid = check_table(section, TABLES[name], name, toml) if isinstance(section, dict) else {}
        typed[name] = table(**valid)
    return typed
