"""Subcommands about plans and their pricing: ``evaluate``, ``regimes``, ``shelf-life``."""

from __future__ import annotations

import argparse
import json

from networks.errors import Problem, ScenarioError
from networks.lots import ATMOSPHERES
from optimizer.cli.arguments import choice_list


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
    write_run(args.out, header, kpis, evaluation.to_frames())
    console.print(
        f"{plan.name}: total cost {kpis['total_cost']:,.0f} CNY, spoilage rate "
        f"{kpis['spoilage_rate']:.1%}, delivered {kpis['delivered_t']:,.1f} t "
        f"-> {args.out}"
    )
    return ExitCode.OK


def cmd_regimes(args: argparse.Namespace) -> int:
    """List the scenario's tariff regimes and their parts."""
    from rich.table import Table

    from instances import load_scenario
    from optimizer.cli.console import ExitCode, console

    network = load_scenario(args.scenario)
    table = Table(title=f"tariff regimes of {network.name}", title_justify="left")
    for column in ("regime", "effective", "country", "hs", "part", "rate", "source"):
        table.add_column(column)
    for regime in sorted(network.regimes.values(), key=lambda r: (r.effective, r.name)):
        name = regime.name + (" (default)" if regime.name == network.default_regime else "")
        if not regime.parts:
            table.add_row(name, regime.effective, "", "", "", "", regime.description)
        for part in regime.parts:
            table.add_row(
                name,
                regime.effective,
                part.country,
                part.hs_prefix,
                part.part,
                f"{part.rate:.1%}",
                part.source,
            )
            name = ""
        if regime.de_minimis:
            table.add_row(
                "", "", ",".join(sorted(regime.de_minimis)), "*", "de minimis", "exempt parcels", ""
            )
    console.print(table)
    return ExitCode.OK


def cmd_shelf_life(args: argparse.Namespace) -> int:
    """Print each perishable product's shelf life in days at each temperature."""
    from instances import load_scenario
    from optimizer.cli.console import ExitCode, _table, console

    network = load_scenario(args.scenario)
    try:
        temps = [float(t) for t in args.temps.split(",") if t.strip()]
    except ValueError:
        raise ScenarioError(
            Problem("--temps", "temps", "comma-separated numbers", args.temps)
        ) from None
    rows = []
    for product in network.products.values():
        if product.shelf_life is None:
            continue
        for temp in temps:
            for atmosphere in args.atmosphere.split(","):
                rows.append(
                    {
                        "product": product.id,
                        "temp_c": temp,
                        "atmosphere": atmosphere,
                        "days": float(product.shelf_life.life_days(temp, atmosphere)),
                    }
                )
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        import pandas as pd

        console.print(_table("shelf life (days)", pd.DataFrame(rows)))
    return ExitCode.OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``evaluate``, ``regimes`` and ``shelf-life`` to the command line."""
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
    p.set_defaults(func=cmd_evaluate)
    p = sub.add_parser("regimes", help="list the tariff regimes of a scenario")
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.set_defaults(func=cmd_regimes)
    p = sub.add_parser("shelf-life", help="shelf life in days of each perishable product")
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.add_argument("--temps", default="0,5,10,20", help="temperatures, deg C (0,5,10,20)")
    p.add_argument(
        "--atmosphere", type=choice_list(ATMOSPHERES), default="air", help="air, ca, or air,ca"
    )
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.set_defaults(func=cmd_shelf_life)
