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
    core_tolerance
        The core tests' tolerance (CNY): the largest slack of a coalition cost above its
        proven bound, plus 1e-6 of the grand coalition's cost (NaN where the core was
        not checked).
    ranges
        Per method, the lowest and highest cost of each firm that the coalitions' slacks
        allow, where every coalition solved has a proven bound: exact Shapley
        (:func:`~optimizer.consolidation.shapley.shapley_range`); sampled Shapley, its
        95% simultaneous interval widened by the largest slack.
    """

    firms: tuple[str, ...]
    coalitions: dict[frozenset, CoalitionCost]
    allocations: dict[str, Allocation]
    core: dict[str, CoreCheck] = field(default_factory=dict)
    core_empty: bool | None = None
    volumes_t: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    core_tolerance: float = math.nan
    ranges: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = field(default_factory=dict)

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
        """``coalitions.csv``: each coalition's cost, its basis, bound, gap and more.

        Spoilage, CO2 and tonnes picked are the evaluator's where the cost is
        (``cost_basis`` ``evaluated``), the model's survival view otherwise.
        """
        rows = [
            {
                "coalition": c.label,
                "size": len(c.firms),
                "cost": c.plan_cost,
                "cost_basis": c.basis,
                "status": c.status.value,
                "bound": c.bound,
                "gap": c.gap,
                "slack": c.slack,
                "bound_note": c.bound_note,
                "seconds": c.seconds,
                "trip_fill": c.trip_fill,
                "trip_fill_t": c.trip_fill_t,
                "spoilage_t": c.spoilage_t,
                "co2_t": c.co2_t,
                "shipped_t": c.shipped_t,
                **{f"cost.{part}": value for part, value in c.cost_parts.items()},
            }
            for c in self._in_order()
        ]
        return pd.DataFrame(rows)

    @property
    def standalone_cost_sum(self) -> float:
        r""":math:`\sum_i c(\{i\})`: what the firms pay shipping alone (CNY)."""
        return sum(self.standalone(f).cost for f in self.firms)

    @property
    def savings(self) -> float:
        r""":math:`\sum_i c(\{i\}) - c(N)`: what pooling saves (CNY)."""
        return self.standalone_cost_sum - self.grand.cost

    def kpis(self) -> dict[str, object]:
        """The flat key figures of ``kpis.json`` (after the run record).

        Returns
        -------
        dict
            ``status`` and ``limit`` (:attr:`status`, :attr:`limit`), the costs alone
            and pooled and the savings (on ``cost_basis``: evaluated, or the model's),
            the exact evaluator's spoilage and CO2e alone and pooled, the whole trips'
            fill alone and pooled, the savings by part, the coalitions solved and how
            many lack a proven bound, the largest gap, the core tests' tolerance,
            whether the core is empty, seconds, notes, and per method its core verdict
            (``in_core.M``, with ``most_dissatisfied.M`` and ``max_excess.M`` outside
            the core),
            ``status.M`` where it gave no allocation, and for sampled estimates
            ``orders.M``, ``max_half_width.M`` and ``target_met.M``. docs/outputs.md
            lists every key.
        """
        firms = self.firms
        standalone = self.standalone_cost_sum
        grand = self.grand.cost
        alone = [self.standalone(f).by_firm.get(f, {}) for f in firms]
        spoiled_alone = sum(a.get("spoilage_t", 0.0) for a in alone)
        shipped_alone = sum(a.get("shipped_t", 0.0) for a in alone)
        pooled = self.grand.by_firm.values()
        spoiled_pooled = sum(p.get("spoilage_t", 0.0) for p in pooled)
        shipped_pooled = sum(p.get("shipped_t", 0.0) for p in pooled)
        kpis: dict[str, object] = {
            "status": self.status,
            "limit": self.limit,
            "firms": len(firms),
            "standalone_cost_sum": standalone,
            "grand_coalition_cost": grand,
            "savings": standalone - grand,
            "savings_pct": 100.0 * (standalone - grand) / standalone if standalone else math.nan,
            "spoilage_t_alone": spoiled_alone,
            "spoilage_t_pooled": spoiled_pooled,
            "spoilage_rate_alone": spoiled_alone / shipped_alone if shipped_alone else math.nan,
            "spoilage_rate_pooled": spoiled_pooled / shipped_pooled if shipped_pooled else math.nan,
            "co2_t_alone": sum(a.get("co2_t", 0.0) for a in alone),
            "co2_t_pooled": sum(p.get("co2_t", 0.0) for p in pooled),
            "trip_fill_alone": self._fill([self.standalone(f) for f in firms]),
            "trip_fill_pooled": self._fill([self.grand]),
            **self._savings_by_part(),
            "cost_basis": self.grand.basis,
            "coalitions_solved": len(self.coalitions),
            "coalitions_without_bound": sum(
                1 for c in self.coalitions.values() if not math.isfinite(c.slack)
            ),
            "max_gap": max(
                (c.gap for c in self.coalitions.values() if math.isfinite(c.gap)), default=math.nan
            ),
            "core_tolerance": self.core_tolerance,
            "core_empty": self.core_empty,
            "seconds": self.seconds,
            "notes": list(self.notes),
        }
        for method, check in self.core.items():
            kpis[f"in_core.{method}"] = bool(check.in_core)
            if not check.in_core and check.most_dissatisfied is not None:
                kpis[f"most_dissatisfied.{method}"] = "+".join(sorted(check.most_dissatisfied))
                kpis[f"max_excess.{method}"] = check.max_excess
        for method, allocation in self.allocations.items():
            if allocation.costs is None:
                kpis[f"status.{method}"] = allocation.status
            if allocation.half_widths:
                kpis[f"orders.{method}"] = allocation.samples
                kpis[f"max_half_width.{method}"] = max(allocation.half_widths)
                if "target_met" in allocation.info:
                    kpis[f"target_met.{method}"] = bool(allocation.info["target_met"])
        return kpis

    @staticmethod
    def _fill(solves: list[CoalitionCost]) -> float:
        """The tonne-weighted fill of whole trips over the plans of ``solves`` together."""
        weight = sum(c.trip_fill_t for c in solves if math.isfinite(c.trip_fill))
        if weight <= 0:
            return math.nan
        return sum(c.trip_fill * c.trip_fill_t for c in solves if c.trip_fill_t > 0) / weight

    def _savings_by_part(self) -> dict[str, float]:
        """What pooling saves by part of the cost (``savings.PART``, CNY).

        Each part's sum over the firms alone minus the grand coalition's
        (:attr:`CoalitionCost.cost_parts`). Evaluated costs: ``trip`` (whole trips and
        part loads: fuller trucks and containers), ``hub`` (fewer or smaller hubs),
        ``spoilage`` (less fruit lost) and ``other``, which add up to the savings, and
        ``other.KEY`` (:data:`~optimizer.consolidation.coalitions.OTHER_PARTS`), which add
        up to ``other``. Model costs: ``hub``, ``trip``, ``other`` (the model's own parts).
        """
        alone = [self.standalone(f).cost_parts for f in self.firms]
        pooled = self.grand.cost_parts
        return {
            f"savings.{part}": sum(a.get(part, 0.0) for a in alone) - pooled.get(part, 0.0)
            for part in pooled
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The run's tables by name: ``allocation`` and ``coalitions``."""
        return {"allocation": self.allocation_frame(), "coalitions": self.coalitions_frame()}

    def allocation_frame(self) -> pd.DataFrame:
        """``allocation.csv``: one row per firm."""
        total = self.savings
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
                row[f"savings_share.{method}"] = (alone.cost - value) / total if total else math.nan
                if allocation.half_widths is not None:
                    index = allocation.players.index(firm)
                    row[f"{method}.half_width"] = allocation.half_widths[index]
                if method in self.ranges:
                    low, high = self.ranges[method]
                    index = allocation.players.index(firm)
                    row[f"{method}.low"], row[f"{method}.high"] = low[index], high[index]
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
