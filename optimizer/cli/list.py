"""The ``list`` command: the bundled scenarios."""

from __future__ import annotations

import argparse

from rich.table import Table

from optimizer.cli.console import ExitCode, console


def cmd_list(args: argparse.Namespace) -> int:
    """List the bundled scenarios."""
    from instances import bundled_scenarios
    from instances.scenario import read_toml
    from networks.errors import ProblemCollector

    table = Table(title="bundled scenarios", title_justify="left")
    table.add_column("name")
    table.add_column("description")
    for name, folder in bundled_scenarios().items():
        config = read_toml(folder / "scenario.toml", "scenario.toml", ProblemCollector()) or {}
        table.add_row(name, str(config.get("description", "")))
    console.print(table)
    return ExitCode.OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``list`` to the command line."""
    p = sub.add_parser("list", help="list the bundled scenarios")
    p.set_defaults(func=cmd_list)
