"""Plans: flows along full paths, and the hubs opened at which size.

One path-based format holds every plan, hand-made (the status quo) or optimized, so that
the same evaluator scores both. A plan is a table, one row per path flow:

``firm, shipper, product, week, tonnes, path, services, customs_mode, storage_weeks,
precool, wait_hours`` (see docs/scenario-format.md), plus a hubs table ``hub, size``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from networks.errors import Problem, ProblemCollector, ScenarioError

PATH_SEPARATOR = " > "
THIRD_PARTY = "3pl"
PLAN_COLUMNS = (
    "firm",
    "shipper",
    "product",
    "week",
    "tonnes",
    "path",
    "services",
    "customs_mode",
    "storage_weeks",
    "precool",
    "wait_hours",
)


@dataclass(frozen=True)
class PathFlow:
    """Tonnes of one firm's product sent along one full path in one week.

    Parameters
    ----------
    firm
        Whose fruit it is.
    shipper
        Who pays for the trips: the firm itself, or ``3pl``.
    product
        Product id.
    week
        Harvest week (the week the lot leaves its village), 1-based.
    tonnes
        Tonnes leaving the village.
    nodes
        Node ids from the village to the market.
    services
        One service per leg (``road``, ``road-reefer``, ``sea-reefer``, ``parcel``...).
    customs_mode
        Customs mode of a cross-border path (``9610``...), empty for a domestic one.
    storage_weeks
        Whole weeks held in the county hub's cold store before dispatch.
    precool
        Whether the lot is pre-cooled at the hub on arrival.
    wait_hours
        Hours from picking to departure from the village (ambient); ``None`` takes the
        scenario's default.
    """

    firm: str
    shipper: str
    product: str
    week: int
    tonnes: float
    nodes: tuple[str, ...]
    services: tuple[str, ...]
    customs_mode: str = ""
    storage_weeks: int = 0
    precool: bool = True
    wait_hours: float | None = None

    def __post_init__(self) -> None:
        if len(self.services) != len(self.nodes) - 1:
            raise ValueError(
                f"path {PATH_SEPARATOR.join(self.nodes)}: services: expected "
                f"{len(self.nodes) - 1} (one per leg), got {len(self.services)}"
            )

    @property
    def village(self) -> str:
        """The village the path starts at."""
        return self.nodes[0]

    @property
    def county_hub(self) -> str:
        """The county hub the path passes (its second node)."""
        return self.nodes[1]

    @property
    def market(self) -> str:
        """The market it ends at."""
        return self.nodes[-1]

    @property
    def leg_ids(self) -> tuple[str, ...]:
        """Ids of its legs, ``origin>destination:service``."""
        return tuple(
            f"{a}>{b}:{s}"
            for a, b, s in zip(self.nodes[:-1], self.nodes[1:], self.services, strict=True)
        )


@dataclass(frozen=True)
class Plan:
    """A plan: hubs opened (hub id -> size name) and path flows.

    Parameters
    ----------
    name
        Plan name.
    hubs
        Opened county hubs and the size each opens at.
    flows
        Path flows.
    description
        What the plan is.
    """

    name: str
    hubs: Mapping[str, str]
    flows: tuple[PathFlow, ...]
    description: str = ""
    meta: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hubs", MappingProxyType(dict(self.hubs)))
        object.__setattr__(self, "flows", tuple(self.flows))
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    def to_frame(self) -> pd.DataFrame:
        """The flows in the plan file format, one row per path flow."""
        rows = [
            {
                "firm": f.firm,
                "shipper": f.shipper,
                "product": f.product,
                "week": f.week,
                "tonnes": f.tonnes,
                "path": PATH_SEPARATOR.join(f.nodes),
                "services": PATH_SEPARATOR.join(f.services),
                "customs_mode": f.customs_mode,
                "storage_weeks": f.storage_weeks,
                "precool": f.precool,
                "wait_hours": "" if f.wait_hours is None else f.wait_hours,
            }
            for f in self.flows
        ]
        return pd.DataFrame(rows, columns=list(PLAN_COLUMNS))

    def hubs_frame(self) -> pd.DataFrame:
        """The opened hubs, ``hub, size``."""
        return pd.DataFrame(sorted(self.hubs.items()), columns=["hub", "size"])


#: How a plan file may write ``precool`` (any case).
TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in str(text).replace(">", "\n").splitlines() if part.strip())


def _data_lines(path: Path) -> list[int]:
    """File lines (header = 1) of a plan table's rows: comment and blank lines count too."""
    text_lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [
        n
        for n, text in enumerate(text_lines, start=1)
        if text.strip() and not text.lstrip().startswith("#")
    ][1:]


def hubs_file_for(flows_file: Path) -> Path:
    """Where the hubs of a plan file live: ``NAME.hubs.csv``, or ``hubs.csv`` beside it."""
    named = flows_file.with_name(flows_file.stem + ".hubs.csv")
    return named if named.is_file() else flows_file.with_name("hubs.csv")


def read_plan(path: str | Path, label: str | None = None) -> Plan:
    """Read a plan file (and its hubs file) into a :class:`Plan`.

    Parameters
    ----------
    path
        The flows CSV (``plans/NAME.csv`` or a run's ``flows.csv``).
    label
        How to name the file in messages (default: its name).

    Raises
    ------
    ScenarioError
        With one problem per bad row or field.
    """
    path = Path(path)
    label = label or path.name
    problems = ProblemCollector()
    if not path.is_file():
        raise ScenarioError(Problem(label, "file", "an existing plan file", "no such file"))
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ScenarioError(Problem(label, "file", "a readable CSV plan", str(exc)[:200])) from None
    required = ("firm", "product", "week", "tonnes", "path", "services")
    for column in required:
        if column not in frame.columns:
            problems.add(
                label, column, f"a column named {column}", "columns " + ", ".join(frame.columns)
            )
    problems.raise_if_any()
    data_lines = _data_lines(path)
    flows = []
    flow_lines: list[int] = []
    for index, row in enumerate(frame.to_dict("records")):
        line = data_lines[index] if index < len(data_lines) else index + 2
        try:
            week = int(row["week"])
            tonnes = float(row["tonnes"])
            if week < 1:
                raise ValueError
        except ValueError:
            problems.add(
                label,
                "week/tonnes",
                "an integer week >= 1 and a number of tonnes",
                f"{row['week']}/{row['tonnes']}",
                line=line,
            )
            continue
        if not math.isfinite(tonnes) or tonnes < 0:
            problems.add(label, "tonnes", "a number >= 0", row["tonnes"], line=line)
            continue
        storage = str(row.get("storage_weeks", "") or "0").strip()
        wait = str(row.get("wait_hours", "") or "").strip()
        if not storage.isdigit():
            problems.add(label, "storage_weeks", "an integer >= 0", storage, line=line)
            continue
        try:
            wait_hours = float(wait) if wait else None
        except ValueError:
            wait_hours = math.nan
        if wait_hours is not None and not (math.isfinite(wait_hours) and wait_hours >= 0):
            problems.add(label, "wait_hours", "a number of hours >= 0, or empty", wait, line=line)
            continue
        precool = str(row.get("precool", "") or "true").strip().lower()
        if precool not in TRUE_WORDS + FALSE_WORDS:
            problems.add(
                label, "precool", "true or false (or 1/0, yes/no)", row["precool"], line=line
            )
            continue
        try:
            flow_lines.append(line)
            flows.append(
                PathFlow(
                    firm=row["firm"],
                    shipper=row.get("shipper", "") or row["firm"],
                    product=row["product"],
                    week=week,
                    tonnes=tonnes,
                    nodes=_split(row["path"]),
                    services=_split(row["services"]),
                    customs_mode=str(row.get("customs_mode", "") or ""),
                    storage_weeks=int(storage),
                    precool=precool in TRUE_WORDS,
                    wait_hours=wait_hours,
                )
            )
        except ValueError as exc:
            problems.add(
                label, "path/services", "one service per leg of the path", str(exc), line=line
            )
    hubs_path = hubs_file_for(path)
    where = Path(label).parent  # the hubs file is named as the flows file is (plans/...)
    hubs_label = hubs_path.name if str(where) == "." else (where / hubs_path.name).as_posix()
    hubs: dict[str, str] = {}
    hub_lines: dict[str, int] = {}
    if hubs_path.is_file():
        hubs_frame = pd.read_csv(hubs_path, dtype=str, keep_default_na=False, comment="#")
        for column in ("hub", "size"):
            if column not in hubs_frame.columns:
                problems.add(hubs_label, column, f"a column named {column}", "none")
        if not len(problems):
            hubs = {r["hub"]: r["size"] for r in hubs_frame.to_dict("records") if r["size"]}
            hub_lines = dict(zip(hubs_frame["hub"], _data_lines(hubs_path), strict=False))
    else:
        problems.add(hubs_label, "file", f"the hubs opened by {label} (hub,size)", "no such file")
    problems.raise_if_any()
    return Plan(
        name=path.stem if path.stem != "flows" else path.parent.name,
        hubs=hubs,
        flows=tuple(flows),
        meta={"lines": tuple(flow_lines), "hubs_file": hubs_label, "hub_lines": hub_lines},
    )


def plan_line(plan: Plan, index: int) -> int:
    """The file line of the plan's ``index``-th flow (header = 1), for messages."""
    lines = plan.meta.get("lines")
    if lines is not None and index < len(lines):
        return int(lines[index])
    return index + 2


def write_plan(plan: Plan, path: str | Path) -> None:
    """Write a plan as ``NAME.csv`` plus ``NAME.hubs.csv``."""
    path = Path(path)
    plan.to_frame().to_csv(path, index=False)
    plan.hubs_frame().to_csv(path.with_name(path.stem + ".hubs.csv"), index=False)


def merge_flows(flows: Iterable[PathFlow]) -> tuple[PathFlow, ...]:
    """Merge flows that differ only in tonnes (same firm, shipper, path, week, ...)."""
    merged: dict[tuple, float] = {}
    template: dict[tuple, PathFlow] = {}
    for f in flows:
        key = (
            f.firm,
            f.shipper,
            f.product,
            f.week,
            f.nodes,
            f.services,
            f.customs_mode,
            f.storage_weeks,
            f.precool,
            f.wait_hours,
        )
        merged[key] = merged.get(key, 0.0) + f.tonnes
        template.setdefault(key, f)
    from dataclasses import replace

    return tuple(replace(template[k], tonnes=t) for k, t in merged.items())
