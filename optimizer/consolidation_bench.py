"""``coldchain bench consolidate``: seconds and coalitions solved against firm counts."""

from __future__ import annotations

import argparse
import math
import time

import pandas as pd

COLUMNS = [
    "firms",
    "villages",
    "hubs",
    "weeks",
    "methods",
    "coalitions_solved",
    "standalone_cost_sum",
    "grand_coalition_cost",
    "savings_pct",
    "core_empty",
    "max_gap",
    "seconds",
    "seed",
]


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
    hubs, weeks
        Hub candidates and weeks of the generated scenarios.
    workers
        Parallel coalition solves.
    samples
        Random orders of sampled Shapley (past 15 firms).
    time_limit
        Seconds per coalition solve.
    """
    from instances import generate_network
    from optimizer.consolidation import METHODS, consolidate
    from optimizer.network_design import DesignOptions

    rows = []
    for firms in sizes:
        count = villages or max(12, 3 * firms)
        network = generate_network(
            villages=count, hubs=hubs, weeks=weeks, firms=firms, markets=1, seed=seed
        )
        options = DesignOptions.from_network(network, time_limit=time_limit)
        start = time.perf_counter()
        result = consolidate(
            network,
            None,
            METHODS,
            options,
            samples=samples,
            seed=seed,
            workers=workers,
            progress=progress,
        )
        seconds = time.perf_counter() - start
        standalone = sum(result.standalone(f).cost for f in result.firms)
        grand = result.grand.cost
        gaps = [c.gap for c in result.coalitions.values() if math.isfinite(c.gap)]
        rows.append(
            {
                "firms": firms,
                "villages": count,
                "hubs": hubs,
                "weeks": weeks,
                "methods": ",".join(result.allocations),
                "coalitions_solved": len(result.coalitions),
                "standalone_cost_sum": standalone,
                "grand_coalition_cost": grand,
                "savings_pct": 100.0 * (standalone - grand) / standalone
                if standalone
                else math.nan,
                "core_empty": result.core_empty,
                "max_gap": max(gaps) if gaps else math.nan,
                "seconds": seconds,
                "seed": seed,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _run(args: argparse.Namespace) -> int:
    from optimizer.cli import ExitCode, _table, console
    from optimizer.cli_bench import _write_csv

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    frame = bench_consolidate(
        sizes,
        args.seed,
        args.villages,
        args.hubs,
        args.weeks,
        args.workers,
        args.samples,
        args.time_limit,
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
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--time-limit", type=float, default=None, help="seconds per coalition")
    p.add_argument("--out", required=True, help="CSV file to write")
    p.set_defaults(func=_run)
