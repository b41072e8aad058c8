r"""Consolidation: what pooling every firm's freight under one 3PL saves, and who gets what.

:func:`consolidate` solves the cost :math:`c(S)` of the coalitions it needs
(:mod:`optimizer.consolidation.coalitions`: each firm alone at its own terms, two or
more under the 3PL; by default the evaluated cost of the plan ``solve`` finds, with its
proven bound) and divides the grand coalition's cost :math:`c(N)` among the firms:

- up to :data:`MAX_EXACT_FIRMS` firms, every coalition is solved and the complete game
  (:class:`~optimizer.consolidation.game.CostGame`) gives the exact Shapley value
  (:mod:`~optimizer.consolidation.shapley`), the nucleolus
  (:mod:`~optimizer.consolidation.nucleolus`), the equal profit method
  (:mod:`~optimizer.consolidation.epm`) and the proportional rules
  (:mod:`~optimizer.consolidation.proportional`), each checked against the core
  (:mod:`~optimizer.consolidation.core`) within a tolerance of the costs' slack to their
  proven bounds (:func:`core_tolerance`); exact Shapley also gets the range the slacks
  allow (:func:`~optimizer.consolidation.shapley.shapley_range`);
- when only proportional rules are asked for, only the stand-alone and grand coalitions
  are solved, and the core is not checked;
- past :data:`MAX_EXACT_FIRMS` firms, only sampled Shapley (with simultaneous intervals,
  optionally until a target half-width) and the proportional rules are computed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from itertools import combinations

from networks.network import Network
from optimizer.consolidation.coalitions import (
    CoalitionCost,
    CoalitionInfeasibleError,
    CoalitionSolver,
)
from optimizer.consolidation.core import core_check, core_is_empty
from optimizer.consolidation.epm import equal_profit
from optimizer.consolidation.game import Allocation, CostGame
from optimizer.consolidation.nucleolus import nucleolus
from optimizer.consolidation.proportional import proportional_shares
from optimizer.consolidation.result import ConsolidationResult
from optimizer.consolidation.shapley import (
    adaptive_sampled_shapley,
    first_comer_cost,
    sampled_shapley,
    shapley,
    shapley_range,
)
from optimizer.design import DesignOptions

MAX_EXACT_FIRMS = 15
METHODS = ("shapley", "nucleolus", "epm", "proportional-volume", "proportional-cost")


def consolidate(
    network: Network,
    firms: Iterable[str] | None = None,
    methods: Iterable[str] = METHODS,
    options: DesignOptions | None = None,
    samples: int = 200,
    seed: int = 0,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
    target_pct: float | None = None,
    min_samples: int = 10,
    warm: str = "grand",
    reuse_model: bool = True,
    heuristics: bool = False,
    antithetic: bool = False,
    baseline: bool = True,
    costs: str = "evaluated",
    scheduler: str | None = None,
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
        Sampled Shapley's random orders and seed (past 15 firms); with ``target_pct``,
        ``samples`` is the most orders drawn.
    workers
        Processes solving coalitions in parallel.
    scheduler
        Solve the coalitions on a Dask cluster (``local:N`` or a scheduler's address)
        instead of the local pool (:mod:`optimizer.backends.executor`).
    progress
        Called as ``progress(done, total)``.
    target_pct
        Past 15 firms, sample orders until every firm's simultaneous half-width is at
        most this percentage of the grand coalition's cost
        (:func:`~optimizer.consolidation.shapley.adaptive_sampled_shapley`); ``None``: draw
        exactly ``samples`` orders.
    min_samples
        Fewest orders before the adaptive rule may stop (pairs, with ``antithetic``).
    antithetic
        Sample orders in antithetic pairs (an order and its reverse).
    baseline
        With ``target_pct``, subtract a size baseline learned from the solved
        coalitions from each sampled marginal (a control variate: the estimate stays
        unbiased; the position effect of economies of scale leaves its variance).
    warm, reuse_model, heuristics
        Warm starts, model reuse and HiGHS heuristics of the coalition solves
        (:class:`CoalitionSolver`); model costs only.
    costs
        ``evaluated`` (each coalition's cost is the evaluator's score of the plan solve's
        pipeline finds for it, with its proven bound) or ``model`` (the design model's own
        objective: faster; with ``[design] trips = "linear"`` a relaxation of the trips).
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
    with CoalitionSolver(
        network,
        options,
        workers,
        progress,
        players,
        warm,
        reuse_model,
        heuristics,
        costs=costs,
        scheduler=scheduler,
    ) as solver:
        return _consolidate(
            network,
            solver,
            players,
            methods,
            samples,
            seed,
            target_pct,
            min_samples,
            start,
            antithetic,
            baseline,
        )


def core_tolerance(
    solved: Iterable[CoalitionCost], grand: float, notes: list[str] | None = None
) -> float:
    """The core tests' tolerance (CNY): the largest slack of a coalition cost, plus a hair.

    The hair is 1e-6 of the grand coalition's cost ``grand``. Each :math:`c(S)` lies
    at most its slack (cost minus proven bound, :attr:`CoalitionCost.slack`) above the
    optimum, so an inequality of the core may be off by that much. A coalition with no
    proven bound adds nothing: its cost is taken as found, and ``notes`` (where given)
    says which coalitions those are and why.
    """
    solved = list(solved)
    slacks = [r.slack for r in solved if math.isfinite(r.slack)]
    unbounded = [r for r in solved if r.status.has_plan and not math.isfinite(r.slack)]
    if unbounded and notes is not None:
        why = sorted({r.bound_note for r in unbounded if r.bound_note})
        notes.append(
            f"no proven bound for {len(unbounded)} of {len(solved)} coalitions "
            f"({', '.join(r.label for r in unbounded[:5])}{', ...' if len(unbounded) > 5 else ''})"
            + (f": {'; '.join(why)}" if why else "")
            + "; the core tests take their costs as found"
        )
    return max(slacks, default=0.0) + 1e-6 * abs(grand)


def _consolidate(
    network: Network,
    solver: CoalitionSolver,
    players: tuple[str, ...],
    methods: tuple[str, ...],
    samples: int,
    seed: int,
    target_pct: float | None,
    min_samples: int,
    start: float,
    antithetic: bool = False,
    baseline: bool = True,
) -> ConsolidationResult:
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
    tolerance = math.nan
    ranges: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {}
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
            allocations[method] = proportional_shares(players, grand, weights, method)
    elif n <= MAX_EXACT_FIRMS:
        everything = [frozenset(c) for k in range(1, n + 1) for c in combinations(players, k)]
        detailed = [frozenset([f]) for f in players] + [frozenset(players)]
        solved = solver.solve_all(everything, detail=detailed)
        infeasible = [c for c in solved.values() if not c.status.has_plan]
        if infeasible:
            worst = infeasible[0]
            raise CoalitionInfeasibleError(
                f"coalition {worst.label}: expected its own villages to serve its own "
                f"customers (every coalition must, each firm alone included), got "
                f"{worst.status}"
                + ("".join("\n  " + line for line in worst.diagnosis) if worst.diagnosis else "")
            )
        game = CostGame(players, {c: r.cost for c, r in solved.items()})
        tolerance = core_tolerance(solved.values(), game.cost_of(players), notes)
        for method in methods:
            if method == "shapley":
                allocations[method] = shapley(game)
            elif method == "nucleolus":
                allocations[method] = nucleolus(game)
            elif method == "epm":
                allocations[method] = equal_profit(game, tolerance=tolerance)
            elif method == "proportional-volume":
                allocations[method] = proportional_shares(
                    players, game.cost_of(players), volumes, method
                )
            elif method == "proportional-cost":
                standalone = {f: game.standalone(f) for f in players}
                allocations[method] = proportional_shares(
                    players, game.cost_of(players), standalone, method
                )
        slacks = {c: r.slack for c, r in solved.items()}
        if "shapley" in allocations and all(math.isfinite(v) for v in slacks.values()):
            low, high = shapley_range(game, CostGame(players, slacks))
            ranges["shapley"] = (tuple(low.tolist()), tuple(high.tolist()))
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

        grand = solver.cost(frozenset(players))
        if "shapley" in methods and target_pct is not None:
            known = {c: r.cost for c, r in solver.cache.items() if r.status.has_plan}
            allocations["shapley"] = adaptive_sampled_shapley(
                players,
                solver.costs,
                target_pct / 100.0 * abs(grand),
                seed,
                min_samples=min(min_samples, samples),
                max_samples=samples,
                cache=known,
                antithetic=antithetic,
                baseline="sizes" if baseline else None,
                first_comer=first_comer_cost(players, known, volumes),
            )
        elif "shapley" in methods:
            # Pass 1 draws the same orders (same seed) to learn which coalitions they
            # need; those are solved in parallel, and pass 2 reads them from the cache.
            sampled_shapley(players, record, samples, seed)
            solver.solve_all(recorded)
            cache = {c: solver.cost(c) for c in recorded}
            allocations["shapley"] = sampled_shapley(
                players, solver.cost, samples, seed, cache=cache
            )
        if "proportional-volume" in methods:
            allocations["proportional-volume"] = proportional_shares(
                players, grand, volumes, "proportional-volume"
            )
        if "proportional-cost" in methods:
            standalone = {f: solver.cost(frozenset([f])) for f in players}
            allocations["proportional-cost"] = proportional_shares(
                players, grand, standalone, "proportional-cost"
            )
        estimate = allocations.get("shapley")
        slacks = [r.slack for r in solver.cache.values()]
        if estimate is not None and estimate.half_widths and all(map(math.isfinite, slacks)):
            # each sampled marginal c(P + i) - c(P) of the optimal costs lies within the
            # largest slack of the solved one: the interval widens by that much
            spread = [h + max(slacks) for h in estimate.half_widths]
            ranges["shapley"] = (
                tuple(v - w for v, w in zip(estimate.costs, spread, strict=True)),
                tuple(v + w for v, w in zip(estimate.costs, spread, strict=True)),
            )
        dropped = [m for m in methods if m in ("nucleolus", "epm")]
        if dropped:
            notes.append(f"not computed past {MAX_EXACT_FIRMS} firms: {', '.join(dropped)}")
    if solver.basis == "evaluated" and solver.cache:
        notes.append(
            "costs evaluated: each coalition runs solve's pipeline (hub model, exact path "
            "model, bound) from scratch; warm starts, model reuse and HiGHS heuristics act "
            "on model costs only (--costs model)"
        )
    elif solver.cache:
        notes.append(
            "costs from the design model's own objective (--costs model), not the evaluated "
            "plans: spoilage by survival factors"
            + (
                "; trips linear: a relaxation of the trips"
                if solver.options.trips == "linear"
                else ""
            )
        )
    return ConsolidationResult(
        players,
        dict(solver.cache),
        allocations,
        core,
        core_empty,
        volumes,
        tuple(notes),
        time.perf_counter() - start,
        tolerance,
        ranges,
    )
