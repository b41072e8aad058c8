"""The ``shelf-life`` command: each perishable product's shelf life by temperature."""

from __future__ import annotations

import argparse
import json

from networks.errors import Problem, ScenarioError
from networks.lots import ATMOSPHERES
from optimizer.cli.arguments import choice_list


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
    """Add ``shelf-life`` to the command line."""
    p = sub.add_parser("shelf-life", help="shelf life in days of each perishable product")
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.add_argument("--temps", default="0,5,10,20", help="temperatures, deg C (0,5,10,20)")
    p.add_argument(
        "--atmosphere", type=choice_list(ATMOSPHERES), default="air", help="air, ca, or air,ca"
    )
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.set_defaults(func=cmd_shelf_life)
