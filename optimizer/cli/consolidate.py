"""The ``consolidate`` subcommand: pooled 3PL shipping against per-firm shipping."""

from __future__ import annotations

import argparse

from optimizer.cli.arguments import add_report_flag, add_scheduler_flag, seconds, solver


def cmd_consolidate(args: argparse.Namespace) -> int:
    """Solve every coalition, allocate the grand coalition's cost, write the run.

    Interrupted (Ctrl-C, SIGTERM) it writes nothing and the command exits 130: the
    allocation, its plan, exists only once every coalition it needs is solved, so the
    coalition solves are stopped, their workers killed, and the coalitions solved so
    far dropped (docs/outputs.md).
    """
    from instances import load_scenario
    from optimizer.cli.console import ExitCode, console, error_console, progress_bar
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
    with progress_bar() as bar:
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
                costs=args.costs,
                scheduler=args.scheduler,
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
        costs=args.costs,
        scheduler=args.scheduler,
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
    console.print(*summary(kpis, args.out), sep="\n")
    return ExitCode.OK


def summary(kpis: dict, out: str) -> list[str]:
    """The console's closing lines: costs alone and pooled, savings by part, trips' fill."""
    evaluated = kpis["cost_basis"] == "evaluated"
    basis = (
        "evaluated cost (the plans solve finds, scored by the evaluator)"
        if evaluated
        else "model cost (the design model's objective, not the evaluated plans)"
    )
    lines = [
        f"{kpis['firms']} firms, {basis}: alone {kpis['standalone_cost_sum']:,.0f} CNY, "
        f"pooled {kpis['grand_coalition_cost']:,.0f} CNY, savings {kpis['savings']:,.0f} CNY "
        f"({kpis['savings_pct']:.1f}%)"
    ]
    parts = [("trip", "trips"), ("hub", "hubs"), ("spoilage", "spoilage"), ("other", "other")]
    split = [
        f"{name} {kpis[f'savings.{part}']:,.0f}"
        for part, name in parts
        if f"savings.{part}" in kpis
    ]
    lines.append(f"  savings by part (CNY): {', '.join(split)}")
    lines.append(
        f"  whole trips' fill (tonne-weighted): {kpis['trip_fill_alone']:.0%} alone, "
        f"{kpis['trip_fill_pooled']:.0%} pooled; evaluated spoilage "
        f"{kpis['spoilage_rate_alone']:.1%} alone, {kpis['spoilage_rate_pooled']:.1%} pooled"
    )
    gap = kpis["max_gap"]
    without = kpis["coalitions_without_bound"]
    bound = "a proven bound" if evaluated else "the model's MIP bound"
    proof = f"largest gap to {bound} {gap:.2%}" if gap == gap else "no gap proven"
    if without:
        proof += f", {without} coalition(s) without a proven bound"
    tolerance = kpis["core_tolerance"]
    core = f"core empty: {kpis['core_empty']}"
    if tolerance == tolerance:
        core += f" (within {tolerance:,.0f} CNY, the coalitions' slack to their bounds)"
    lines.append(f"  {proof}; {core} -> {out}")
    return lines


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
    p.add_argument("--solver", type=solver, default=None, help="highs (default) or cbc")
    p.add_argument("--time-limit", type=seconds, default=None, help="seconds per coalition")
    p.add_argument("--workers", type=int, default=2, help="parallel coalition solves")
    add_scheduler_flag(p)
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
    p.add_argument(
        "--costs",
        default="evaluated",
        choices=["evaluated", "model"],
        help="coalition costs: the evaluated cost of the plan solve finds (default), or the "
        "design model's own objective (faster; with [design] trips = linear a relaxation; "
        "--warm and --heuristics act on these only)",
    )
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
