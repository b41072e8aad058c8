"""``bench consolidate``: seconds and coalitions solved against firm counts.

:func:`bench_consolidate` returns a table (one row per firm count) that ``coldchain bench
consolidate`` writes to CSV; it is not part of the default test run. The issue's cases
(200 villages, 20 hub candidates, 4 weeks):

    coldchain bench consolidate --sizes 12 --villages 200 --hubs 20 --weeks 4 --out c12.csv
    coldchain bench consolidate --sizes 40 --villages 200 --hubs 20 --weeks 4 --out c40.csv

Up to 15 firms every coalition is solved; past 15, Shapley is sampled until every
firm's 95% simultaneous half-width is within ``--target-pct`` of the grand coalition's
cost. ``--warm none``, ``--no-reuse-model`` and ``--heuristics`` switch the levers off
one at a time, so that each can be measured on its own; ``--antithetic`` samples orders
in antithetic pairs; ``--coalitions-out`` writes each solve's seconds by stage and CPU
seconds (on a shared machine, the sum of CPU seconds over the workers is the better
measure of the work). ``--project N`` solves the grand coalition and N random others
instead of every coalition, and projects the CPU seconds of the whole exact run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

#: Columns of :func:`bench_consolidate`'s table.
CONSOLIDATE_COLUMNS = [
    "firms",
    "villages",
    "hubs",
    "weeks",
    "methods",
    "warm",
    "reuse_model",
    "workers",
    "gap",
    "coalitions_solved",
    "standalone_cost_sum",
    "grand_coalition_cost",
    "savings_pct",
    "core_empty",
    "max_gap",
    "orders",
    "target_pct",
    "target_met",
    "max_half_width",
    "max_half_width_pct",
    "antithetic",
    "baseline",
    "orders_needed_without_baseline",
    "orders_needed",
    "plain_orders_needed",
    "seconds",
    "solver_seconds",
    "build_seconds",
    "start_seconds",
    "cpu_seconds",
    "heuristics",
    "costs",
    "seed",
    "projected_from",
    "projected_coalitions",
    "projected_cpu_seconds",
    "projected_cpu_half_width",
    "projected_wall_seconds",
]

EXACT_METHODS = ("shapley", "nucleolus", "epm", "proportional-volume", "proportional-cost")
SAMPLED_METHODS = ("shapley", "proportional-volume", "proportional-cost")


def bench_consolidate(
    sizes: list[int],
    seed: int = 1,
    villages: int = 0,
    hubs: int = 6,
    weeks: int = 2,
    workers: int = 2,
    samples: int = 200,
    time_limit: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    markets: int = 1,
    target_pct: float | None = 1.0,
    min_samples: int = 10,
    warm: str = "grand",
    reuse_model: bool = True,
    gap: float | None = None,
    methods: tuple[str, ...] | None = None,
    heuristics: bool = False,
    antithetic: bool = False,
    baseline: bool = True,
    coalitions: Callable[[int, pd.DataFrame], None] | None = None,
    project: int = 0,
    costs: str = "evaluated",
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Consolidate generated scenarios with each number of firms.

    Parameters
    ----------
    sizes
        Firm counts. Up to 15 firms every coalition is solved (Shapley, nucleolus, EPM,
        core); past 15, sampled Shapley and the proportional rules.
    seed
        Generator and sampling seed.
    villages
        Villages per scenario (0: three per firm, at least 12).
    hubs, weeks, markets
        Hub candidates, weeks and markets of the generated scenarios.
    workers
        Parallel coalition solves.
    scheduler
        Solve on a Dask cluster instead of the local pool (``local:N`` or an address).
    samples
        Random orders of sampled Shapley (past 15 firms): the most drawn, with
        ``target_pct``.
    time_limit
        Seconds per coalition solve.
    target_pct, min_samples, antithetic, baseline
        Adaptive sampled Shapley's stopping rule (``None``: exactly ``samples`` orders),
        its antithetic pairs and its size baseline.
    coalitions
        Called after each firm count's consolidation with the count and its
        :func:`coalition_table` (each coalition's solve: size, cost, seconds by stage,
        CPU seconds), for example to write it as soon as it is done.
    warm, reuse_model, heuristics
        The levers of :class:`optimizer.consolidation.coalitions.CoalitionSolver`.
    gap
        Relative MIP gap of each coalition solve (default: the design default, 1e-6).
    methods
        Allocation methods (default: all that the firm count allows).
    project
        Up to 15 firms, instead of solving every coalition, solve the grand coalition
        and this many others drawn uniformly (``seed``) from the rest, and project the
        CPU seconds of all :math:`2^n - 1` (:func:`project_exact`); no allocation is
        computed. 0: solve them all.
    progress
        Called with (coalitions solved, coalitions asked) as solves finish.
    costs
        What coalition costs are: ``evaluated`` (solve's pipeline per coalition, scored
        by the evaluator) or ``model`` (the design model's own objective; the levers
        ``warm``, ``reuse_model`` and ``heuristics`` act on these only).

    Returns
    -------
    pandas.DataFrame
        One row per firm count: :data:`CONSOLIDATE_COLUMNS`.
    """
    from instances import generate_network
    from optimizer.consolidation import consolidate
    from optimizer.design.network_design import DesignOptions

    rows = []
    for firms in sizes:
        count = villages or max(12, 3 * firms)
        network = generate_network(
            villages=count, hubs=hubs, weeks=weeks, firms=firms, markets=markets, seed=seed
        )
        options = DesignOptions.from_network(network, time_limit=time_limit, gap=gap)
        if project and firms <= 15:
            row = project_exact(
                network,
                options,
                project,
                seed,
                workers,
                warm,
                reuse_model,
                heuristics,
                costs=costs,
                scheduler=scheduler,
            )
            row.update(firms=firms, villages=count, hubs=hubs, weeks=weeks, seed=seed)
            rows.append(row)
            continue
        chosen = methods or (EXACT_METHODS if firms <= 15 else SAMPLED_METHODS)
        start = time.perf_counter()
        result = consolidate(
            network,
            None,
            chosen,
            options,
            samples=samples,
            seed=seed,
            workers=workers,
            progress=progress,
            target_pct=target_pct,
            min_samples=min_samples,
            warm=warm,
            reuse_model=reuse_model,
            heuristics=heuristics,
            antithetic=antithetic,
            baseline=baseline,
            costs=costs,
            scheduler=scheduler,
        )
        seconds = time.perf_counter() - start
        if coalitions is not None:
            coalitions(firms, coalition_table(result))
        standalone = sum(result.standalone(f).cost for f in result.firms)
        grand = result.grand.cost
        solved = result.coalitions.values()
        gaps = [c.gap for c in solved if math.isfinite(c.gap)]
        shapley = result.allocations.get("shapley")
        widths = shapley.half_widths if shapley is not None else None
        widest = max(widths) if widths else math.nan
        info = shapley.info if shapley is not None else {}
        rows.append(
            {
                "firms": firms,
                "villages": count,
                "hubs": hubs,
                "weeks": weeks,
                "methods": ",".join(result.allocations),
                "warm": warm,
                "reuse_model": reuse_model,
                "workers": workers,
                "gap": options.gap,
                "coalitions_solved": len(result.coalitions),
                "standalone_cost_sum": standalone,
                "grand_coalition_cost": grand,
                "savings_pct": 100.0 * (standalone - grand) / standalone
                if standalone
                else math.nan,
                "core_empty": result.core_empty,
                "max_gap": max(gaps) if gaps else math.nan,
                "orders": shapley.samples if widths else None,
                "target_pct": info.get("target_half_width", math.nan) / grand * 100
                if "target_half_width" in info
                else math.nan,
                "target_met": bool(info["target_met"]) if "target_met" in info else None,
                "max_half_width": widest,
                "max_half_width_pct": 100.0 * widest / grand if widths else math.nan,
                "antithetic": antithetic,
                "baseline": baseline,
                "orders_needed_without_baseline": info.get(
                    "orders_needed_without_baseline", math.nan
                ),
                "orders_needed": info.get("orders_needed", math.nan),
                "plain_orders_needed": info.get("plain_orders_needed", math.nan),
                "seconds": seconds,
                "solver_seconds": sum(c.stages.get("solve_seconds", 0.0) for c in solved),
                "build_seconds": sum(c.stages.get("build_seconds", 0.0) for c in solved),
                "start_seconds": sum(c.stages.get("start_seconds", 0.0) for c in solved),
                "cpu_seconds": sum(c.stages.get("cpu_seconds", 0.0) for c in solved),
                "heuristics": heuristics,
                "costs": costs,
                "seed": seed,
            }
        )
    return pd.DataFrame(rows, columns=CONSOLIDATE_COLUMNS)


def project_exact(
    network,
    options,
    sample: int,
    seed: int = 1,
    workers: int = 2,
    warm: str = "grand",
    reuse_model: bool = True,
    heuristics: bool = False,
    costs: str = "evaluated",
    scheduler: str | None = None,
) -> dict:
    """Project the work of solving every coalition from a uniform sample of them.

    Solves the grand coalition (as an exact run does first, for warm starts), then
    ``sample`` coalitions drawn uniformly without replacement from the
    :math:`2^n - 2` others, with the solver settings an exact run would use.

    Parameters
    ----------
    network
        The scenario, with its firms.
    options
        :class:`~optimizer.design.network_design.DesignOptions` of each coalition solve.
    sample
        Coalitions to draw besides the grand one (at least 2).
    seed
        Seed of the draw.
    workers, warm, reuse_model, heuristics, costs, scheduler
        The levers of :class:`optimizer.consolidation.coalitions.CoalitionSolver`.

    Returns
    -------
    dict
        A bench row: ``projected_cpu_seconds`` (the grand coalition's CPU seconds plus
        :math:`2^n - 2` times the sample's mean), ``projected_cpu_half_width`` (the 95%
        Student t half-width of that projection), ``projected_wall_seconds`` (the
        projected CPU seconds over ``workers``: the pool kept busy), and what was
        measured (``seconds``, ``cpu_seconds``, ``coalitions_solved``, ``max_gap``).
    """
    from optimizer.consolidation import CoalitionSolver, student_t_quantile

    solver = CoalitionSolver(
        network,
        options,
        workers,
        None,
        None,
        warm,
        reuse_model,
        heuristics,
        costs=costs,
        scheduler=scheduler,
    )
    players = sorted(solver.players)  # every firm that owns supply or demand
    n = len(players)
    others = 2**n - 2
    count = min(sample, others)
    if count < 2:
        raise ValueError(f"project: expected at least 2 coalitions to sample, got {count}")
    rng = np.random.default_rng(seed)
    masks = rng.choice(np.arange(1, 2**n - 1), size=count, replace=False)
    drawn = [frozenset(p for i, p in enumerate(players) if int(m) >> i & 1) for m in masks]
    grand = frozenset(players)
    clock = time.perf_counter()
    with solver:
        solved = solver.solve_all([grand])
        solved.update(solver.solve_all(drawn))
    seconds = time.perf_counter() - clock
    cpu = np.array([solved[c].stages.get("cpu_seconds", math.nan) for c in drawn])
    grand_cpu = solved[grand].stages.get("cpu_seconds", math.nan)
    half = student_t_quantile(0.975, count - 1) * cpu.std(ddof=1) / math.sqrt(count)
    projected = grand_cpu + others * cpu.mean()
    gaps = [c.gap for c in solved.values() if math.isfinite(c.gap)]
    return {
        "methods": "",
        "warm": warm,
        "reuse_model": reuse_model,
        "workers": workers,
        "gap": options.gap,
        "coalitions_solved": len(solved),
        "grand_coalition_cost": solved[grand].cost,
        "max_gap": max(gaps) if gaps else math.nan,
        "seconds": seconds,
        "solver_seconds": sum(c.stages.get("solve_seconds", 0.0) for c in solved.values()),
        "start_seconds": sum(c.stages.get("start_seconds", 0.0) for c in solved.values()),
        "cpu_seconds": float(cpu.sum() + grand_cpu),
        "heuristics": heuristics,
        "projected_from": count,
        "projected_coalitions": others + 1,
        "projected_cpu_seconds": projected,
        "projected_cpu_half_width": others * half,
        "projected_wall_seconds": projected / max(1, workers),
    }


def coalition_table(result) -> pd.DataFrame:
    """Each coalition's row of ``coalitions.csv`` with its solve's seconds by stage.

    Parameters
    ----------
    result
        A :class:`~optimizer.consolidation.coalitions.ConsolidationResult`.

    Returns
    -------
    pandas.DataFrame
        ``result.coalitions_frame()`` joined with each coalition's ``*_seconds`` stages.
    """
    frame = result.coalitions_frame()
    stages = pd.DataFrame(
        [
            dict(c.stages, coalition=c.label)
            for c in sorted(result.coalitions.values(), key=lambda c: (len(c.firms), c.label))
        ]
    )
    keep = [c for c in stages.columns if c == "coalition" or c.endswith("_seconds")]
    return frame.merge(stages[keep], on="coalition", how="left")
