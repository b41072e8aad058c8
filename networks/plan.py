"""Plans: flows along full paths, and the hubs opened at which size.

One path-based format holds every plan, hand-made (the status quo) or optimized, so that
the same evaluator scores both. A plan is a table, one row per path flow:

``firm, shipper, product, week, tonnes, path, services, customs_mode, storage_weeks,
precool, wait_hours, abroad_weeks`` (see docs/scenario-format.md), plus a hubs table ``hub, size``.
Plan files are read and written by :mod:`instances.plans`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import pandas as pd

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
    "abroad_weeks",
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
    abroad_weeks
        Whole weeks held as stock in the path's overseas warehouse before the last leg
        to the market (customs mode 9810: fill a container, sell over weeks).
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
    abroad_weeks: int = 0

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
class PlanSource:
    """Where a plan read from files came from, so that messages name its rows.

    Parameters
    ----------
    flow_lines
        The file line (header = 1) of each flow, in order.
    hubs_file
        The hubs file, as messages name it (``plans/NAME.hubs.csv``).
    hub_lines
        The line of each hub's row in the hubs file.
    """

    flow_lines: tuple[int, ...] = ()
    hubs_file: str = ""
    hub_lines: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "flow_lines", tuple(self.flow_lines))
        object.__setattr__(self, "hub_lines", MappingProxyType(dict(self.hub_lines)))


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
    source
        The files it was read from (``None``: made in memory).
    """

    name: str
    hubs: Mapping[str, str]
    flows: tuple[PathFlow, ...]
    description: str = ""
    source: PlanSource | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "hubs", MappingProxyType(dict(self.hubs)))
        object.__setattr__(self, "flows", tuple(self.flows))

    def line(self, index: int) -> int:
        """The file line of the ``index``-th flow (header = 1), for messages.

        Without a source (a plan made in memory), the line it would have in the file
        :meth:`to_frame` writes.
        """
        if self.source is not None and index < len(self.source.flow_lines):
            return self.source.flow_lines[index]
        return index + 2

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
                "abroad_weeks": f.abroad_weeks,
            }
            for f in self.flows
        ]
        return pd.DataFrame(rows, columns=list(PLAN_COLUMNS))

    def hubs_frame(self) -> pd.DataFrame:
        """The opened hubs, ``hub, size``."""
        return pd.DataFrame(sorted(self.hubs.items()), columns=["hub", "size"])


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
            f.abroad_weeks,
        )
        merged[key] = merged.get(key, 0.0) + f.tonnes
        template.setdefault(key, f)
    return tuple(replace(template[k], tonnes=t) for k, t in merged.items())
