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
measure of the work).
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import pandas as pd

from optimizer.cli_consolidate import add_coalition_solver_args

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
        to this CSV file (one run per firm count: ``{firms}`` in the name is replaced).
    warm, reuse_model, heuristics
        The levers of :class:`optimizer.consolidation.CoalitionSolver`.
    gap
        Relative MIP gap of each coalition solve (default: the design default, 1e-6).
    methods
        Allocation methods (default: all that the firm count allows).
    """
    from instances import generate_network
    from optimizer.consolidation import consolidate
    from optimizer.network_design import DesignOptions

    rows = []
    for firms in sizes:
        count = villages or max(12, 3 * firms)
        network = generate_network(
            villages=count, hubs=hubs, weeks=weeks, firms=firms, markets=markets, seed=seed
        )
        options = DesignOptions.from_network(network, time_limit=time_limit, gap=gap)
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
            _coalition_rows(result).to_csv(coalitions_out.replace("{firms}", str(firms)))
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


def _run(args: argparse.Namespace) -> int:
    from optimizer.cli import ExitCode, _table, console
    from optimizer.cli_bench import _write_csv

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
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
    )
    _write_csv(frame, args.out)
    console.print(_table("bench consolidate", frame))
    return ExitCode.OK


def add_bench_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``bench consolidate``."""
    p = sub.add_parser("consolidate", help="coalition solves and seconds against firm counts")
    p.add_argument("--sizes", default="4,8,12", help="firm counts, comma-separated")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--villages", type=int, default=0, help="villages (0: 3 per firm)")
    p.add_argument("--hubs", type=int, default=6)
    p.add_argument("--weeks", type=int, default=2)
    p.add_argument("--markets", type=int, default=1)
    p.add_argument("--workers", type=int, default=2)
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
    p.add_argument("--gap", type=float, default=None, help="relative MIP gap per coalition")
    p.add_argument("--methods", default=None, help="allocation methods, comma-separated")
    p.add_argument("--time-limit", type=float, default=None, help="seconds per coalition")
    p.add_argument("--out", required=True, help="CSV file to write")
    p.add_argument(
        "--coalitions-out", default=None, help="CSV of every coalition's solve ({firms}: count)"
    )
    p.add_argument("--verbose", action="store_true", help="solves done, on stderr")
    p.set_defaults(func=_run)
