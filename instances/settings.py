"""The settings tables of ``scenario.toml``, checked key by key.

The tables are ``[collection]``, ``[design]`` and ``[consolidation]``.
Each table is a list of :class:`Setting`: its key, its kind and what values it takes.
An unknown key (a typo such as ``time_limt``) or a value of the wrong kind is a
problem of ``scenario.toml`` naming the table and key and saying what was expected,
as every other input error is; nothing is silently ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from networks.errors import ProblemCollector


@dataclass(frozen=True)
class Setting:
    """One key of a settings table.

    Parameters
    ----------
    key
        The TOML key.
    kind
        ``number``, ``integer``, ``bool``, ``text`` or ``choice``.
    low, high
        Bounds of a number or integer (inclusive; ``None``: none).
    choices
        The values of a ``choice``.
    """

    key: str
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def expected(self) -> str:
        """What a value must be, in words."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind in ("number", "integer"):
            word = "a number" if self.kind == "number" else "an integer"
            if self.low is not None and self.high is not None:
                return f"{word} in [{self.low:g}, {self.high:g}]"
            if self.low is not None:
                return f"{word} >= {self.low:g}"
            return word
        return {"bool": "true or false", "text": "a string"}[self.kind]

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is of this setting's kind and within its bounds."""
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "text":
            return isinstance(value, str)
        if self.kind == "choice":
            return value in self.choices
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.kind == "integer" and not isinstance(value, int):
            return False
        if not math.isfinite(value):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


COLLECTION = (
    Setting("freshness_hours_ambient", "number", 0.0),
    Setting("freshness_hours_reefer", "number", 0.0),
    Setting("day_start_h", "number", 0.0, 24.0),
    Setting("hub_close_h", "number", 0.0, 48.0),
    Setting("multiple_trips", "bool"),
    Setting("wait_hours", "number", 0.0),
    Setting("warm_cost_cny_per_t_h", "number", 0.0),
    Setting("late_cost_cny_per_t_h", "number", 0.0),
    Setting("curing_grace_h", "number", 0.0),
    Setting("harvest_days_per_week", "integer", 1, 7),
    Setting("circuity", "number", 1.0),
    Setting("speed_kmh", "number", 1.0),
)

DESIGN = (
    Setting("solver", "text"),
    Setting("time_limit", "number", 0.0),
    Setting("gap", "number", 0.0, 1.0),
    Setting("threads", "integer", 1),
    Setting("regime", "text"),
    Setting("trips", "choice", choices=("integer", "linear")),
    Setting("co2_price_cny_per_t", "number", 0.0),
    Setting("co2_cap_t", "number", 0.0),
    Setting("routes_per_pair", "integer", 0),
    Setting("objective", "choice", choices=("cost", "margin")),
    Setting("seed", "integer", 0),
    Setting("msg", "bool"),
    Setting("single_sourcing", "bool"),
    Setting("ship_all_supply", "bool"),
    Setting("start", "bool"),
    Setting("build", "choice", choices=("direct", "pulp")),
    Setting("lazy_links", "bool"),
)

CONSOLIDATION = (Setting("margin", "number", 0.0),)

TABLES = {"collection": COLLECTION, "design": DESIGN, "consolidation": CONSOLIDATION}


def check_settings(
    config: dict, problems: ProblemCollector, text: str = "", file: str = "scenario.toml"
) -> None:
    """Record a problem for every unknown key or bad value of the settings tables.

    Parameters
    ----------
    config
        The parsed ``scenario.toml``.
    problems
        Where problems go.
    text
        The file's text, to give each problem its line.
    file
        The file named in them.
    """
    for table, settings in TABLES.items():
        section = config.get(table)
        if section is None:
            continue
        if not isinstance(section, dict):
            problems.add(file, table, f"a [{table}] table", section)
            continue
        known = {s.key: s for s in settings}
        for key, value in section.items():
            setting = known.get(key)
            line = _line_of(text, table, key)
            if setting is None:
                expected = "a key of [" + table + "] (" + ", ".join(sorted(known)) + ")"
                problems.add(file, f"{table}.{key}", expected, key, line=line)
            elif not setting.accepts(value):
                problems.add(file, f"{table}.{key}", setting.expected(), value, line=line)


def _line_of(text: str, table: str, key: str) -> int | None:
    """The line (1-based) where ``key`` is set in ``[table]``, if it is found."""
    current = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line.startswith("["):
            current = line.strip("[]").strip()
        elif current == table and line.partition("=")[0].strip() == key and "=" in line:
            return number
    return None
