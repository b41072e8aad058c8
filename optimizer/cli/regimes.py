"""The ``regimes`` command: a scenario's tariff regimes and their parts."""

from __future__ import annotations

import argparse


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
        for country in sorted(regime.de_minimis):
            terms = network.countries.get(country)
            threshold = terms.de_minimis_cny if terms else None
            limit = "" if threshold is None else f"<= {threshold:,.0f} CNY"
            table.add_row("", "", country, "*", "de minimis", limit, "retail parcels: no duty")
    console.print(table)
    return ExitCode.OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``regimes`` to the command line."""
    p = sub.add_parser("regimes", help="list the tariff regimes of a scenario")
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.set_defaults(func=cmd_regimes)
