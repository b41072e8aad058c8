"""The ``evaluate`` command: score any plan with the exact evaluator."""

from __future__ import annotations

import argparse

from optimizer.cli.arguments import add_report_flag


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score a plan with the exact evaluator and write ``kpis.json`` and ``flows.csv``."""
    from instances import load_scenario, plan_file, read_plan
    from optimizer.cli.console import ExitCode, console
    from results.evaluate import evaluate
    from results.runs import run_header
    from results.store import write_run

    network = load_scenario(args.scenario)
    path = plan_file(network, args.plan)
    plan = read_plan(path, label=path.name)
    evaluation = evaluate(network, plan, regime=args.regime, label=path.name)
    header = run_header(
        network, "evaluate", plan=str(args.plan), regime=args.regime or network.default_regime
    )
    kpis = evaluation.kpis()
    write_run(
        args.out, header, kpis, evaluation.to_frames(), network=network, report=not args.no_report
    )
    console.print(
        f"{plan.name}: total cost {kpis['total_cost']:,.0f} CNY, spoilage rate "
        f"{kpis['spoilage_rate']:.1%}, delivered {kpis['delivered_t']:,.1f} t "
        f"-> {args.out}"
    )
    return ExitCode.OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``evaluate`` to the command line."""
    p = sub.add_parser(
        "evaluate", help="score a plan (hand-made or optimized) with the exact evaluator"
    )
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.add_argument(
        "--plan",
        required=True,
        help="a plan name (plans/NAME.csv), a plan file, or a solve run folder",
    )
    p.add_argument("--regime", help="tariff regime (see `coldchain regimes SCENARIO`)")
    p.add_argument("--out", required=True, help="a new folder for the results")
    add_report_flag(p)
    p.set_defaults(func=cmd_evaluate)
