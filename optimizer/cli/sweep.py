"""The ``sweep`` command: many solves (or evaluations of one plan) into a run store."""

from __future__ import annotations

import argparse

from optimizer.cli.arguments import add_scheduler_flag, at_least, gap_fraction, seconds


def lever_argument(text: str):
    """A ``--vary`` value: ``LEVER=VALUES`` (:func:`optimizer.studies.levers.parse_lever`)."""
    from optimizer.studies.levers import parse_lever

    try:
        return parse_lever(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_sweep(args: argparse.Namespace) -> int:
    """Plan the runs, skip those the store has (``--resume``), run the rest, write each."""
    from instances import load_scenario, plan_file, read_plan
    from networks.errors import Problem, ScenarioError
    from optimizer.backends.executor import make_executor
    from optimizer.cli.console import ExitCode, console, error_console, progress_bar
    from optimizer.studies.levers import check_levers
    from optimizer.studies.sweep import Study, plan_runs, run_sweep
    from results.runstore import RunStore, is_store

    network = load_scenario(args.scenario)
    levers = check_levers(network, args.vary)
    drawn = [lv.key for lv in levers if lv.drawn]
    if drawn and not args.draws:
        raise ScenarioError(
            Problem(
                "--vary",
                drawn[0],
                "a grid of values, or --draws N for a distribution",
                "no --draws",
            )
        )
    plan = None
    if args.plan:
        path = plan_file(network, args.plan)
        plan = read_plan(path, label=path.name)
    settings = {
        "solver": args.solver,
        "time_limit": args.time_limit,
        "gap": args.gap,
        "threads": args.threads,
        "seed": args.solver_seed,
    }
    identity = {
        "scenario_hash": network.content_hash,
        "plan": plan.name if plan is not None else None,
        "plan_flows": len(plan.flows) if plan is not None else None,
        "settings": settings if plan is None else {},
    }
    study_text = {
        "scenario": network.name,
        "scenario_hash": network.content_hash,
        "plan": str(args.plan) if args.plan else None,
        "vary": [lv.text() for lv in levers],
        "draws": args.draws,
        "seed": args.seed,
        "settings": settings,
    }
    runs = plan_runs(levers, args.draws, args.seed, identity)
    if args.resume and is_store(args.out):
        store = RunStore.open(args.out)
        if store.study != study_text:
            raise ScenarioError(
                Problem(
                    f"{args.out}/store.json",
                    "study",
                    "the study this store was made for (same scenario, plan, --vary, "
                    "--draws, --seed and settings)",
                    "another one; use a new --out",
                )
            )
    else:
        store = RunStore.create(args.out, study_text)
    have = store.run_ids()
    todo = [r for r in runs if r.run_id not in have]
    if len(have):
        console.print(f"{args.out}: {len(runs) - len(todo)} of {len(runs)} runs already stored")
    counts = {"written": 0, "failed": 0}
    with progress_bar(eta=True) as bar:
        task = bar.add_task(f"{network.name}: runs", total=len(todo))

        def on_result(run, result) -> None:
            store.write_result(run.run_id, result)
            counts["written"] += 1
            if result["kpis"].get("status") in ("error", "infeasible", "no_solution"):
                counts["failed"] += 1
            bar.advance(task)

        try:
            with make_executor(args.workers, args.scheduler) as executor:
                run_sweep(
                    executor,
                    Study(network, tuple(levers), plan, settings, args.seed),
                    todo,
                    on_result,
                )
        except KeyboardInterrupt:
            error_console.print(
                f"interrupted: {len(runs) - len(todo) + counts['written']} of {len(runs)} "
                f"runs in {args.out}; --resume runs the rest",
                soft_wrap=True,
            )
            return ExitCode.INTERRUPTED
    console.print(
        f"{network.name}: {counts['written']} runs written"
        + (f" ({counts['failed']} without a plan: see their status)" if counts["failed"] else "")
        + f", {len(runs)} in the store -> {args.out} (coldchain runs {args.out})"
    )
    return ExitCode.OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``sweep`` to the command line."""
    p = sub.add_parser(
        "sweep",
        help="solve a scenario (or evaluate a fixed plan) under many variants: tariff "
        "regimes, price, demand, yield, freight, delay, shelf-life and hub-cost levers, "
        "grids and Monte Carlo draws, into a run store",
        description="Each run is a full solve of the variant, or with --plan the "
        "evaluation of that plan under it. LEVER is regime, price, demand, yield, "
        "freight, delay, shelf_life, hub_cost, co2_cap or co2_price, with an optional "
        ".SELECTOR (a market, product, village, hub, leg mode or leg id); VALUES a "
        "grid (0.8,1.0,1.2; regime=all) or, with --draws, normal:MEAN,SD, "
        "uniform:LOW,HIGH or triangular:LOW,MODE,HIGH. See docs/studies.md.",
    )
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.add_argument(
        "--plan", default=None, help="evaluate this plan (name, file or run folder) per variant"
    )
    p.add_argument(
        "--vary",
        type=lever_argument,
        action="append",
        default=[],
        metavar="LEVER=VALUES",
        help="a lever and its values (repeatable; the runs are the cross product)",
    )
    p.add_argument("--draws", type=at_least(0), default=0, help="Monte Carlo draws (default 0)")
    p.add_argument("--seed", type=at_least(0), default=0, help="seed of the draws (default 0)")
    p.add_argument("--out", required=True, help="a new folder for the run store")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the store at --out (same study): run only the runs it lacks",
    )
    p.add_argument("--workers", type=at_least(1), default=2, help="local solver processes")
    add_scheduler_flag(p)
    p.add_argument("--solver", default=None, help="highs (default) or cbc")
    p.add_argument("--time-limit", type=seconds, default=None, help="seconds per solve")
    p.add_argument("--gap", type=gap_fraction, default=None, help="relative MIP gap per solve")
    p.add_argument("--threads", type=at_least(1), default=1, help="threads per solve (default 1)")
    p.add_argument("--solver-seed", type=int, default=None, help="the solver's random seed")
    p.set_defaults(func=cmd_sweep)
