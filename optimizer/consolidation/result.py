"""The result of a consolidation: every coalition's solve, the allocations, the core."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from networks.status import Limit, Status, first_limit, worst_status
from optimizer.consolidation.coalitions import CoalitionCost
from optimizer.consolidation.core import CoreCheck
from optimizer.consolidation.game import Allocation


@dataclass(frozen=True)
class ConsolidationResult:
    """Everything ``coldchain consolidate`` reports.

    Parameters
    ----------
    firms
        The players.
    coalitions
        Every coalition solved.
    allocations
        Allocation by method name.
    core
        Core check by method name (up to 15 firms).
    core_empty
        Whether the core is empty (``None`` past 15 firms).
    volumes_t
        Each firm's demand tonnes (the proportional-volume weights).
    notes
        What was not computed and why.
    seconds
        Wall-clock seconds.
    """

    firms: tuple[str, ...]
    coalitions: dict[frozenset, CoalitionCost]
    allocations: dict[str, Allocation]
    core: dict[str, CoreCheck] = field(default_factory=dict)
    core_empty: bool | None = None
    volumes_t: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def status(self) -> Status:
        """The weakest of the coalitions' statuses (:func:`~networks.status.worst_status`).

        ``optimal`` when every coalition's cost is proven within the gap asked;
        ``feasible`` when a limit stopped one with a plan in hand.
        """
        return worst_status(c.status for c in self.coalitions.values())

    @property
    def limit(self) -> Limit:
        """What stopped a coalition's solve early: the first that is not ``none``.

        Coalitions are read in the order of ``coalitions.csv`` (by size, then label).
        """
        return first_limit(c.limit for c in self._in_order())

    def _in_order(self) -> list[CoalitionCost]:
        """The coalitions by size, then label (the rows of ``coalitions.csv``)."""
        return sorted(self.coalitions.values(), key=lambda c: (len(c.firms), c.label))

    @property
    def grand(self) -> CoalitionCost:
        """The grand coalition's solve."""
        return self.coalitions[frozenset(self.firms)]

    def standalone(self, firm: str) -> CoalitionCost:
        """A firm's stand-alone solve."""
        return self.coalitions[frozenset([firm])]

    def coalitions_frame(self) -> pd.DataFrame:
        """``coalitions.csv``: each coalition's cost, status, gap, seconds, and more.

        Also the model's spoilage, CO2 and tonnes picked (``model_*``: its survival
        factors, not the evaluator's exact figures that ``allocation.csv`` gives per firm).
        """
        rows = [
            {
                "coalition": c.label,
                "size": len(c.firms),
                "cost": c.plan_cost,
                "status": c.status.value,
                "gap": c.gap,
                "seconds": c.seconds,
                "model_spoilage_t": c.spoilage_t,
                "model_co2_t": c.co2_t,
                "model_shipped_t": c.shipped_t,
            }
            for c in self._in_order()
        ]
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        """``allocation.csv``: one row per firm."""
        rows = []
        for firm in self.firms:
            alone = self.standalone(firm)
            row: dict[str, object] = {
                "firm": firm,
                "standalone_cost": alone.cost,
                "volume_t": self.volumes_t.get(firm, 0.0),
            }
            for method, allocation in self.allocations.items():
                value = allocation.as_dict()[firm] if allocation.costs is not None else math.nan
                row[method] = value
                row[f"savings.{method}"] = alone.cost - value
                total = sum(self.standalone(f).cost for f in self.firms) - self.grand.cost
                row[f"savings_share.{method}"] = (alone.cost - value) / total if total else math.nan
                if allocation.half_widths is not None:
                    index = allocation.players.index(firm)
                    row[f"{method}.half_width"] = allocation.half_widths[index]
            pooled = self.grand.by_firm.get(firm, {})
            mine = alone.by_firm.get(firm, {})
            row["spoilage_t_alone"] = mine.get("spoilage_t", math.nan)
            row["spoilage_t_pooled"] = pooled.get("spoilage_t", math.nan)
            row["co2_t_alone"] = mine.get("co2_t", math.nan)
            row["co2_t_pooled"] = pooled.get("co2_t", math.nan)
            row["shipped_t_alone"] = mine.get("shipped_t", math.nan)
            row["shipped_t_pooled"] = pooled.get("shipped_t", math.nan)
            rows.append(row)
        return pd.DataFrame(rows)
