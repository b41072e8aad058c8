"""The ``show`` command: what a scenario holds."""

from __future__ import annotations

import argparse

from optimizer.cli.console import ExitCode, _table, console, literal


def cmd_show(args: argparse.Namespace) -> int:
    """Show counts by node kind, supply and demand by week, legs by mode."""
    from instances import load_scenario
    from results.summary import scenario_summary

    network = load_scenario(args.scenario)
    summary = scenario_summary(network)
    from rich.text import Text

    title = Text(literal(network.name), style="bold")  # Text is printed as it is: escape
    console.print(title.append(f"  {literal(network.description)}"))
    for title, frame in summary.items():
        console.print(_table(title, frame))
    return ExitCode.OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``show`` to the command line."""
    p = sub.add_parser("show", help="counts by node kind, supply/demand by week, legs by mode")
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.set_defaults(func=cmd_show)
