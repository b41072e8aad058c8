"""``coldchain bench consolidate``: seconds and coalitions solved against firm counts.

The issue's cases (200 villages, 20 hub candidates, 4 weeks):

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

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.cli.consolidate import add_coalition_solver_args
from results.store import refuse_existing_file, write_csv_atomic

COLUMNS = [
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
    progress=None,
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
    coalitions_out: str | None = None,
    project: int = 0,
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
    samples
        Random orders of sampled Shapley (past 15 firms): the most drawn, with
        ``target_pct``.
    time_limit
        Seconds per coalition solve.
    target_pct, min_samples, antithetic, baseline
        Adaptive sampled Shapley's stopping rule (``None``: exactly ``samples`` orders),
        its antithetic pairs and its size baseline.
    coalitions_out
        Also write each coalition's solve (size, cost, seconds by stage, CPU seconds)
        to this CSV file (one per firm count: ``{firms}`` in the name is replaced by the
    count; several counts and no ``{firms}``: the count is added before the suffix).
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
    """
    from instances import generate_network
    from optimizer.consolidation.coalitions import consolidate
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
                network, options, project, seed, workers, warm, reuse_model, heuristics
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
        )
        seconds = time.perf_counter() - start
        if coalitions_out:
            write_csv_atomic(
                _coalition_rows(result), _coalitions_file(coalitions_out, firms, sizes)
            )
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
                "seed": seed,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def project_exact(
    network,
    options,
    sample: int,
    seed: int = 1,
    workers: int = 2,
    warm: str = "grand",
    reuse_model: bool = True,
    heuristics: bool = False,
) -> dict:
    """Project the work of solving every coalition from a uniform sample of them.

    Solves the grand coalition (as an exact run does first, for warm starts), then
    ``sample`` coalitions drawn uniformly without replacement from the
    :math:`2^n - 2` others, with the solver settings an exact run would use.

    Returns
    -------
    dict
        A bench row: ``projected_cpu_seconds`` (the grand coalition's CPU seconds plus
        :math:`2^n - 2` times the sample's mean), ``projected_cpu_half_width`` (the 95%
        Student t half-width of that projection), ``projected_wall_seconds`` (the
        projected CPU seconds over ``workers``: the pool kept busy), and what was
        measured (``seconds``, ``cpu_seconds``, ``coalitions_solved``, ``max_gap``).
    """
    from optimizer.consolidation.allocation import _student_t_quantile
    from optimizer.consolidation.coalitions import CoalitionSolver

    solver = CoalitionSolver(network, options, workers, None, None, warm, reuse_model, heuristics)
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
    half = _student_t_quantile(0.975, count - 1) * cpu.std(ddof=1) / math.sqrt(count)
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


def _coalition_rows(result) -> pd.DataFrame:
    frame = result.coalitions_frame()
    stages = pd.DataFrame(
        [
            dict(c.stages, coalition=c.label)
            for c in sorted(result.coalitions.values(), key=lambda c: (len(c.firms), c.label))
        ]
    )
    keep = [c for c in stages.columns if c == "coalition" or c.endswith("_seconds")]
    return frame.merge(stages[keep], on="coalition", how="left")


def _coalitions_file(pattern: str, firms: int, sizes: list[int]) -> str:
    """The ``--coalitions-out`` file for ``firms`` firms.

    ``{firms}`` in the name is replaced by the count; with several counts and no
    ``{firms}``, the count goes before the suffix.
    """
    if "{firms}" in pattern or len(sizes) == 1:
        return pattern.replace("{firms}", str(firms))
    path = Path(pattern)
    return str(path.with_name(f"{path.stem}-{firms}{path.suffix}"))


def _run(args: argparse.Namespace) -> int:
    from optimizer.cli.bench import _show_by_case
    from optimizer.cli.console import ExitCode

    sizes = args.sizes
    if args.coalitions_out:  # refuse before the solving, not after
        for firms in sizes:
            refuse_existing_file(_coalitions_file(args.coalitions_out, firms, sizes))
    clock = time.perf_counter()
    batches = [0]

    def progress(done: int, total: int) -> None:
        # one line per 25 solves on stderr, so that a run cut short still says how far
        # it got (each batch of solves is a round of sampled Shapley)
        if done == 1:
            batches[0] += 1
        if done % 25 == 0 or done == total:
            seconds = time.perf_counter() - clock
            print(f"[{seconds:8.1f} s] batch {batches[0]}: {done}/{total}", file=sys.stderr)

    methods = tuple(m.strip() for m in args.methods.split(",")) if args.methods else None
    frame = bench_consolidate(
        sizes,
        args.seed,
        args.villages,
        args.hubs,
        args.weeks,
        args.workers,
        args.samples,
        args.time_limit,
        markets=args.markets,
        target_pct=None if args.target_pct <= 0 else args.target_pct,
        min_samples=args.min_samples,
        warm=args.warm,
        reuse_model=args.reuse_model,
        gap=args.gap,
        methods=methods,
        heuristics=args.heuristics,
        antithetic=args.antithetic,
        baseline=args.baseline,
        coalitions_out=args.coalitions_out,
        progress=progress if args.verbose else None,
        project=args.project,
    )
    write_csv_atomic(frame, args.out)
    _show_by_case("bench consolidate", frame, "firms")
    return ExitCode.OK


def add_bench_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``bench consolidate``."""
    from optimizer.cli.arguments import (
        add_scenario_sizes,
        at_least,
        gap_fraction,
        int_list,
        seconds,
    )

    p = sub.add_parser(
        "consolidate",
        help="coalition solves and seconds against firm counts",
        description="For each firm count, generate a scenario with that many firms, "
        "solve every coalition (exact Shapley, up to 15 firms) or sampled coalitions "
        "(sampled Shapley, beyond, or with --target-pct), and write one table row per "
        "count: coalitions solved, seconds (wall and CPU), savings, allocations. "
        "--project estimates an exact run's seconds from a sample instead.",
    )
    p.add_argument(
        "--sizes",
        type=int_list,
        default=[4, 8, 12],
        metavar="N,N,...",
        help="firm counts, comma-separated, for example 4,8,12 (default 4,8,12)",
    )
    p.add_argument("--seed", type=int, default=1, help="generator and sampling seed (default 1)")
    p.add_argument(
        "--villages",
        type=at_least(0),
        default=0,
        help="villages of each generated scenario (default 0: 3 per firm, at least 12)",
    )
    add_scenario_sizes(p, hubs=6, weeks=2, markets=1, products=False)
    p.add_argument("--workers", type=at_least(1), default=2, help="solver processes (default 2)")
    p.add_argument("--samples", type=int, default=200, help="most random orders of sampled Shapley")
    p.add_argument(
        "--target-pct",
        type=float,
        default=1.0,
        help="sample until every 95%% half-width is within this %% of the grand "
        "coalition's cost (0: exactly --samples orders)",
    )
    add_coalition_solver_args(p)
    p.add_argument(
        "--reuse-model",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="one model per worker, restricted to each coalition by bounds",
    )
    p.add_argument("--gap", type=gap_fraction, default=None, help="relative MIP gap per coalition")
    p.add_argument("--methods", default=None, help="allocation methods, comma-separated")
    p.add_argument("--time-limit", type=seconds, default=None, help="seconds per coalition")
    p.add_argument("--out", required=True, help="CSV file to write")
    p.add_argument(
        "--coalitions-out", default=None, help="CSV of every coalition's solve ({firms}: count)"
    )
    p.add_argument(
        "--project",
        type=int,
        default=0,
        help="up to 15 firms: solve the grand coalition and this many random others, "
        "and project the CPU seconds of solving every coalition (0: solve them all)",
    )
    p.add_argument("--verbose", action="store_true", help="solves done, on stderr")
    p.set_defaults(func=_run)
