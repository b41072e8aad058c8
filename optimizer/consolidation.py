r"""Consolidation: the cost of every coalition of firms, and fair, stable shares of it.

Coalition cost
--------------
For a set :math:`S` of the scenario's firms, :math:`c(S)` is the optimal objective of
the network design model (:mod:`optimizer.network_design`) on :math:`S`'s villages and
:math:`S`'s own customers (demand rows whose ``firm`` is in :math:`S`), in cost mode:

- a firm alone ships at its own terms (``firms.csv``: its part-load premium on road
  freight; trips and containers counted for it alone) and opens, and pays for, any hub
  it uses by itself;
- a coalition of two or more ships as one under the 3PL: shared hubs, pooled trips and
  containers, at the legs' rates plus the 3PL's margin (``[consolidation] margin``).

Costs include spoilage, so a faster, colder, fuller pooled chain shows up as less fruit
lost. Each solve runs to a relative gap of 1e-6 (or stops at its time limit, in which
case its gap is carried into the core tests as a tolerance). Solves are cached by their
set and run in parallel on a local process pool.

Allocations (:mod:`optimizer.allocation`): Shapley (exact up to 15 firms; sampled with
simultaneous intervals beyond), nucleolus, equal profit method, proportional by volume
and by stand-alone cost; each checked against the core.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import combinations

import pandas as pd

from networks.errors import ColdchainError
from networks.network import Network
from networks.plan import THIRD_PARTY
from optimizer.allocation import (
    Allocation,
    CostGame,
    core_check,
    core_is_empty,
    equal_profit,
    nucleolus,
    sampled_shapley,
    shapley,
)
from optimizer.network_design import DesignOptions, solve_design

MAX_EXACT_FIRMS = 15
METHODS = ("shapley", "nucleolus", "epm", "proportional-volume", "proportional-cost")


class CoalitionInfeasibleError(ColdchainError, ValueError):
    """A coalition cannot serve its own customers from its own supply."""


@dataclass(frozen=True)
class CoalitionCost:
    """The solved cost of one coalition.

    Parameters
    ----------
    firms
        The coalition.
    cost
        Its optimal cost :math:`c(S)` (CNY).
    status, gap, seconds
        Solver status, relative gap, seconds.
    spoilage_t, co2_t, shipped_t
        The model's spoilage tonnes, CO2e tonnes, tonnes picked (survival view).
    diagnosis
        Why it is infeasible, if it is.
    by_firm
        Per firm, the exact evaluator's ``spoilage_t``, ``co2_t``, ``shipped_t`` and
        ``total_cost`` of its flows in this coalition's plan (where asked for).
    """

    firms: frozenset[str]
    cost: float
    status: str
    gap: float
    seconds: float
    spoilage_t: float = math.nan
    co2_t: float = math.nan
    shipped_t: float = math.nan
    diagnosis: tuple[str, ...] = ()
    by_firm: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The firms joined by ``+``."""
        return "+".join(sorted(self.firms))


_NETWORK: Network | None = None
_OPTIONS: DesignOptions | None = None


def coalition_cost(
    network: Network,
    firms: Iterable[str],
    options: DesignOptions | None = None,
    detail: bool = False,
) -> CoalitionCost:
    """Solve :math:`c(S)` for one coalition (see the module docstring).

    Parameters
    ----------
    network
        The scenario.
    firms
        The coalition.
    options
        Base design options (solver, limits); the firms and shipper are set here.
    detail
        Also score the plan with the exact evaluator, per firm.
    """
    firms = frozenset(firms)
    base = options or DesignOptions.from_network(network)
    shipper = next(iter(firms)) if len(firms) == 1 else THIRD_PARTY
    overrides = dict(base.__dict__)
    overrides.update(firms=firms, shipper=shipper, objective="cost")
    result = solve_design(network, DesignOptions(**overrides))
    seconds = result.build_seconds + result.solve_seconds
    if result.status == "infeasible":
        return CoalitionCost(
            firms,
            math.nan,
            "infeasible",
            math.nan,
            seconds,
            diagnosis=tuple(d["message"] for d in result.diagnosis),
        )
    if not result.has_plan:
        return CoalitionCost(firms, math.nan, result.status, math.nan, seconds)
    kpis = result.model_kpis
    by_firm: dict[str, dict[str, float]] = {}
    if detail:
        from results.evaluate import evaluate

        flows = evaluate(network, result.plan, regime=base.regime).flows
        if not flows.empty:
            cost_columns = [c for c in flows.columns if c.endswith("_cost")]
            grouped = flows.assign(total_cost=flows[cost_columns].sum(axis=1)).groupby("firm")
            for firm, group in grouped:
                by_firm[str(firm)] = {
                    "total_cost": float(group["total_cost"].sum()),
                    "spoilage_t": float(group["spoiled_t"].sum()),
                    "co2_t": float(group["co2_t"].sum()),
                    "shipped_t": float(group["tonnes"].sum()),
                }
    return CoalitionCost(
        firms,
        result.objective,
        result.status,
        result.gap,
        seconds,
        kpis["model_spoilage_t"],
        kpis["model_co2_t"],
        kpis["model_shipped_t"],
        by_firm=by_firm,
    )


def _solve_in_worker(task: tuple[frozenset[str], bool]) -> CoalitionCost:
    assert _NETWORK is not None
    return coalition_cost(_NETWORK, task[0], _OPTIONS, detail=task[1])


class CoalitionSolver:
    """Solves coalitions once each (cached by their set), in parallel.

    Parameters
    ----------
    network
        The scenario.
    options
        Base design options for every solve.
    workers
        Processes in the local pool (1: solve in this process).
    progress
        Called as ``progress(done, total)`` while a batch solves.
    """

    def __init__(
        self,
        network: Network,
        options: DesignOptions | None = None,
        workers: int = 2,
        progress: Callable[[int, int], None] | None = None,
    ):
        self.network = network
        self.options = options or DesignOptions.from_network(network)
        self.workers = max(1, workers)
        self.progress = progress
        self.cache: dict[frozenset[str], CoalitionCost] = {}

    def solve_all(
        self, coalitions: Iterable[frozenset[str]], detail: Iterable[frozenset[str]] = ()
    ) -> dict[frozenset, CoalitionCost]:
        """Solve every coalition not yet cached; return all the requested ones.

        Coalitions in ``detail`` are also scored per firm by the exact evaluator.
        """
        detail = {frozenset(c) for c in detail}
        wanted = list(dict.fromkeys(frozenset(c) for c in coalitions if c))
        todo = [c for c in wanted if c not in self.cache]
        if todo:
            # Largest first: they take longest, so the pool ends evenly.
            todo.sort(key=len, reverse=True)
            done = 0
            if self.workers == 1 or len(todo) == 1:
                for firms in todo:
                    self.cache[firms] = coalition_cost(
                        self.network, firms, self.options, detail=firms in detail
                    )
                    done += 1
                    if self.progress:
                        self.progress(done, len(todo))
            else:
                global _NETWORK, _OPTIONS
                _NETWORK, _OPTIONS = self.network, self.options  # inherited by fork
                context = mp.get_context("fork")
                with ProcessPoolExecutor(self.workers, mp_context=context) as pool:
                    tasks = [(c, c in detail) for c in todo]
                    for result in pool.map(_solve_in_worker, tasks, chunksize=1):
                        self.cache[result.firms] = result
                        done += 1
                        if self.progress:
                            self.progress(done, len(todo))
                _NETWORK = _OPTIONS = None
        return {c: self.cache[c] for c in wanted}

    def cost(self, firms: frozenset[str]) -> float:
        """:math:`c(S)`, solving it if needed; raises if the coalition is infeasible."""
        result = self.solve_all([firms])[frozenset(firms)]
        if not math.isfinite(result.cost):
            raise CoalitionInfeasibleError(
                f"coalition {result.label}: expected a feasible solve, got {result.status}"
                + (": " + "; ".join(result.diagnosis) if result.diagnosis else "")
            )
        return result.cost


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
    core: dict[str, object] = field(default_factory=dict)
    core_empty: bool | None = None
    volumes_t: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def grand(self) -> CoalitionCost:
        """The grand coalition's solve."""
        return self.coalitions[frozenset(self.firms)]

    def standalone(self, firm: str) -> CoalitionCost:
        """A firm's stand-alone solve."""
        return self.coalitions[frozenset([firm])]

    def coalitions_frame(self) -> pd.DataFrame:
        """``coalitions.csv``: coalition, size, cost, status, gap, seconds, spoilage, CO2."""
        rows = [
            {
                "coalition": c.label,
                "size": len(c.firms),
                "cost": c.cost,
                "status": c.status,
                "gap": c.gap,
                "seconds": c.seconds,
                "spoilage_t": c.spoilage_t,
                "co2_t": c.co2_t,
                "shipped_t": c.shipped_t,
            }
            for c in sorted(self.coalitions.values(), key=lambda c: (len(c.firms), c.label))
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


def _proportional(
    firms: tuple[str, ...], total: float, weights: dict[str, float], name: str
) -> Allocation:
    weight_sum = sum(weights[f] for f in firms)
    costs = tuple(total * weights[f] / weight_sum for f in firms)
    return Allocation(method=name, players=firms, costs=costs, status="optimal")


def consolidate(
    network: Network,
    firms: Iterable[str] | None = None,
    methods: Iterable[str] = METHODS,
    options: DesignOptions | None = None,
    samples: int = 200,
    seed: int = 0,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> ConsolidationResult:
    """Cost of every coalition and the allocations of the grand coalition's cost.

    Parameters
    ----------
    network
        The scenario (its demand must say whose customers it serves: ``firm``).
    firms
        The firms (default: every firm that owns supply or demand).
    methods
        Among ``shapley``, ``nucleolus``, ``epm``, ``proportional-volume``,
        ``proportional-cost``. Past 15 firms only sampled Shapley and the proportional
        rules are computed (the others need every coalition).
    options
        Base design options (solver, time limit...).
    samples, seed
        Sampled Shapley's random orders and seed (past 15 firms).
    workers
        Processes solving coalitions in parallel.
    progress
        Called as ``progress(done, total)``.
    """
    start = time.perf_counter()
    if firms is None:
        owners = {v.firm for v in network.villages if v.firm}
        firms = sorted(owners | (set(network.demand["firm"]) - {""}))
    players = tuple(sorted(set(firms)))
    unknown = [f for f in players if network.firms and f not in network.firms]
    if unknown:
        from networks.errors import Problem, ScenarioError

        raise ScenarioError(
            Problem("--firms", "firms", "firm ids of firms.csv", ", ".join(unknown))
        )
    methods = tuple(methods)
    solver = CoalitionSolver(network, options, workers, progress)
    volumes = (
        network.demand[network.demand["firm"].isin(players)]
        .groupby("firm")["tonnes"]
        .sum()
        .to_dict()
    )
    volumes = {f: float(volumes.get(f, 0.0)) for f in players}
    notes = []
    allocations: dict[str, Allocation] = {}
    core: dict[str, object] = {}
    core_empty = None
    n = len(players)
    needs_every_coalition = any(m in ("shapley", "nucleolus", "epm") for m in methods)
    if n <= MAX_EXACT_FIRMS and not needs_every_coalition:
        # proportional rules need only the stand-alone and the grand coalition's costs
        notes.append(
            "only stand-alone and grand-coalition costs solved (the methods asked "
            "for need no other coalition); core not checked"
        )
        singles = [frozenset([f]) for f in players]
        solver.solve_all(singles + [frozenset(players)], detail=singles + [frozenset(players)])
        grand = solver.cost(frozenset(players))
        standalone = {f: solver.cost(frozenset([f])) for f in players}
        for method in methods:
            weights = volumes if method == "proportional-volume" else standalone
            allocations[method] = _proportional(players, grand, weights, method)
    elif n <= MAX_EXACT_FIRMS:
        everything = [frozenset(c) for k in range(1, n + 1) for c in combinations(players, k)]
        detailed = [frozenset([f]) for f in players] + [frozenset(players)]
        solved = solver.solve_all(everything, detail=detailed)
        infeasible = [c for c in solved.values() if not math.isfinite(c.cost)]
        if infeasible:
            worst = infeasible[0]
            raise CoalitionInfeasibleError(
                f"coalition {worst.label}: expected its own supply to serve its own "
                f"customers, got {worst.status}"
                + (": " + "; ".join(worst.diagnosis) if worst.diagnosis else "")
            )
        game = CostGame(players, {c: r.cost for c, r in solved.items()})
        tolerance = max(
            (r.gap if math.isfinite(r.gap) else 0.0) * abs(r.cost) for r in solved.values()
        ) + 1e-6 * abs(game.cost_of(players))
        for method in methods:
            if method == "shapley":
                allocations[method] = shapley(game)
            elif method == "nucleolus":
                allocations[method] = nucleolus(game)
            elif method == "epm":
                allocations[method] = equal_profit(game, tolerance=tolerance)
            elif method == "proportional-volume":
                allocations[method] = _proportional(players, game.cost_of(players), volumes, method)
            elif method == "proportional-cost":
                standalone = {f: game.standalone(f) for f in players}
                allocations[method] = _proportional(
                    players, game.cost_of(players), standalone, method
                )
        for method, allocation in allocations.items():
            if allocation.costs is not None:
                core[method] = core_check(game, allocation, tolerance=tolerance)
        core_empty = core_is_empty(game, tolerance=tolerance)
    else:
        notes.append(
            f"{n} firms: past {MAX_EXACT_FIRMS} not every coalition can be solved; "
            "only sampled Shapley and the proportional rules are computed"
        )
        singles = [frozenset([f]) for f in players]
        solver.solve_all(singles + [frozenset(players)], detail=singles + [frozenset(players)])
        recorded: dict[frozenset, float] = {}

        def record(coalition: frozenset) -> float:
            recorded[coalition] = 0.0
            return 0.0

        if "shapley" in methods:
            # Pass 1 draws the same orders (same seed) to learn which coalitions they
            # need; those are solved in parallel, and pass 2 reads them from the cache.
            sampled_shapley(players, record, samples, seed)
            solver.solve_all(recorded)
            cache = {c: solver.cost(c) for c in recorded}
            allocations["shapley"] = sampled_shapley(
                players, solver.cost, samples, seed, cache=cache
            )
        grand = solver.cost(frozenset(players))
        if "proportional-volume" in methods:
            allocations["proportional-volume"] = _proportional(
                players, grand, volumes, "proportional-volume"
            )
        if "proportional-cost" in methods:
            standalone = {f: solver.cost(frozenset([f])) for f in players}
            allocations["proportional-cost"] = _proportional(
                players, grand, standalone, "proportional-cost"
            )
        dropped = [m for m in methods if m in ("nucleolus", "epm")]
        if dropped:
            notes.append(f"not computed past {MAX_EXACT_FIRMS} firms: {', '.join(dropped)}")
    return ConsolidationResult(
        players,
        dict(solver.cache),
        allocations,
        core,
        core_empty,
        volumes,
        tuple(notes),
        time.perf_counter() - start,
    )
