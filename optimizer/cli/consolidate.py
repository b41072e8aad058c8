"""The ``consolidate`` subcommand: pooled 3PL shipping against per-firm shipping."""

from __future__ import annotations

import argparse

from optimizer.cli.arguments import add_report_flag, seconds


def cmd_consolidate(args: argparse.Namespace) -> int:
    """Solve every coalition, allocate the grand coalition's cost, write the run."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from instances import load_scenario
    from optimizer.cli.console import ExitCode, console, error_console
    from optimizer.consolidation import METHODS, CoalitionInfeasibleError, consolidate
    from optimizer.design import DesignOptions
    from results.runs import run_header
    from results.store import write_run

    network = load_scenario(args.scenario)
    network.regime(args.regime)
    methods = METHODS if args.method == "all" else (args.method,)
    firms = [f.strip() for f in args.firms.split(",")] if args.firms else None
    options = DesignOptions.from_network(
        network, solver=args.solver, regime=args.regime, time_limit=args.time_limit
    )
    # sampling and solving levers: passed to consolidate and recorded in kpis.json
    levers = {
        k: getattr(args, k)
        for k in ("target_pct", "min_samples", "warm", "heuristics", "antithetic", "baseline")
    }
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=error_console,
        transient=True,
    ) as bar:
        task = bar.add_task("coalitions", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            result = consolidate(
                network,
                firms,
                methods,
                options,
                samples=args.samples,
                seed=args.seed,
                workers=args.workers,
                progress=progress,
                **levers,
            )
        except CoalitionInfeasibleError as exc:
            error_console.print(*str(exc).split("\n"), sep="\n")  # its diagnosis lines
            return ExitCode.INFEASIBLE
    header = run_header(
        network,
        "consolidate",
        firms=",".join(result.firms),
        method=args.method,
        samples=args.samples,
        seed=args.seed,
        regime=args.regime or network.default_regime,
        solver=options.solver,
        workers=args.workers,
        time_limit=options.time_limit,
        gap=options.gap,
        **levers,
    )
    kpis = result.kpis()
    write_run(
        args.out, header, kpis, result.to_frames(), network=network, report=not args.no_report
    )
    for note in result.notes:
        console.print(f"note: {note}")
    console.print(
        f"{len(result.firms)} firms: model cost alone {kpis['standalone_cost_sum']:,.0f} CNY, "
        f"pooled {kpis['grand_coalition_cost']:,.0f} CNY, savings {kpis['savings']:,.0f} "
        f"CNY ({kpis['savings_pct']:.1f}%; the coalitions' costs are the design model's, "
        f"survival factors); evaluated spoilage {kpis['spoilage_rate_alone']:.1%} alone, "
        f"{kpis['spoilage_rate_pooled']:.1%} pooled; core empty: {kpis['core_empty']} "
        f"-> {args.out}"
    )
    return ExitCode.OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``consolidate`` to the command line."""
    p = sub.add_parser(
        "consolidate",
        help="what pooling all firms' freight under one 3PL "
        "saves, and fair, stable shares of the bill",
    )
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.add_argument("--out", required=True, help="a new folder for the results")
    p.add_argument("--firms", help="comma-separated firm ids (default: all)")
    p.add_argument(
        "--method",
        default="all",
        choices=["shapley", "nucleolus", "epm", "proportional-volume", "proportional-cost", "all"],
    )
    p.add_argument(
        "--samples", type=int, default=200, help="random orders for sampled Shapley (past 15 firms)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the sampled Shapley orders")
    p.add_argument("--regime", help="tariff regime")
    p.add_argument("--solver", default=None, help="highs (default) or cbc")
    p.add_argument("--time-limit", type=seconds, default=None, help="seconds per coalition")
    p.add_argument("--workers", type=int, default=2, help="parallel coalition solves")
    p.add_argument(
        "--target-pct",
        type=float,
        default=None,
        help="past 15 firms, sample orders until every 95%% half-width is within this %% "
        "of the grand coalition's cost (--samples: the most orders)",
    )
    add_coalition_solver_args(p)
    add_report_flag(p)
    p.set_defaults(func=cmd_consolidate)


def add_coalition_solver_args(p: argparse.ArgumentParser) -> None:
    """Flags of the coalition solves and the sampler shared by consolidate and its bench."""
    p.add_argument("--min-samples", type=int, default=10, help="fewest orders before stopping")
    p.add_argument(
        "--antithetic",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="sample orders in antithetic pairs (--min-samples counts pairs)",
    )
    p.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="subtract a size baseline from sampled marginals (a control variate; "
        "unbiased, fewer orders where costs show economies of scale)",
    )
    p.add_argument(
        "--warm",
        default="grand",
        choices=["subsets", "grand", "none"],
        help="starting hub openings of each coalition",
    )
    p.add_argument(
        "--heuristics",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="HiGHS's primal heuristics in the coalition solves (off: each starts from "
        "the start heuristic's plan)",
    )
