"""The ``generate`` subcommand: a synthetic scenario folder of a chosen size, from a seed.

The generator (:func:`instances.generate`) behind ``bench scale`` and ``bench
consolidate``, for researchers who want the scenario itself: to inspect, edit, solve
with ``coldchain solve FOLDER`` or share. The same arguments and seed write the same
files, byte for byte.
"""

from __future__ import annotations

import argparse

from optimizer.cli.arguments import add_scenario_sizes, at_least


def cmd_generate(args: argparse.Namespace) -> int:
    """Write the scenario folder and say what is in it."""
    from instances import generate, load_scenario
    from optimizer.cli.console import ExitCode, console

    folder = generate(
        args.out,
        villages=args.villages,
        hubs=args.hubs,
        markets=args.markets,
        weeks=args.weeks,
        firms=args.firms,
        products=args.products,
        seed=args.seed,
        hubs_per_village=args.hubs_per_village,
        objective=args.objective,
    )
    network = load_scenario(folder)  # what it wrote loads, or this is a bug
    console.print(
        f"{folder}: {len(network.villages)} villages, {len(network.county_hubs)} hub "
        f"candidates, {len(network.markets)} markets, {len(network.firms)} firms, "
        f"{len(network.periods.weeks)} weeks, seed {args.seed}; "
        f"next: coldchain solve {folder} --out RUN",
        markup=False,
    )
    return ExitCode.OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``generate`` to the command line."""
    p = sub.add_parser(
        "generate",
        help="write a synthetic scenario folder of a chosen size (seeded)",
        description="Write a synthetic Xiangxi-like scenario: villages, hub candidates with "
        "two sizes, domestic and foreign markets, firms owning villages and demand. Every "
        "random choice takes --seed: the same arguments write the same files.",
    )
    p.add_argument("--villages", type=at_least(1), default=20, help="villages (default 20)")
    add_scenario_sizes(p, hubs=4, weeks=4, markets=3)
    p.add_argument("--firms", type=at_least(1), default=3, help="firms (default 3)")
    p.add_argument(
        "--hubs-per-village",
        type=at_least(1),
        default=10,
        help="road legs from each village to its nearest hub candidates (default 10)",
    )
    p.add_argument(
        "--objective",
        choices=("cost", "margin"),
        default="cost",
        help="cost: meet all demand; margin: sell where it pays (default cost)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of every random choice (default 0)")
    p.add_argument("--out", required=True, metavar="FOLDER", help="a new folder to write")
    p.set_defaults(func=cmd_generate)
