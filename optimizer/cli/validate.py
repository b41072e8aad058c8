"""The ``validate`` command: check a scenario and its hand-made plans."""

from __future__ import annotations

import argparse

from networks.errors import ScenarioError
from optimizer.cli.console import ExitCode, console


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate a scenario; problems go to stderr, one per line."""
    from instances import load_scenario

    network = load_scenario(args.scenario)
    plans = _check_plans(network)
    console.print(
        f"{network.name}: valid ({len(network.nodes)} nodes, {len(network.legs)} legs"
        + (f", {plans} plans" if plans else "")
        + ")"
    )
    return ExitCode.OK


def _check_plans(network) -> int:
    """Check every hand-made plan of the scenario (``plans/NAME.csv``); how many.

    A plan the evaluator would reject makes the scenario invalid, every problem of every
    plan reported at once: ``validate`` passed a folder whose plan ``evaluate`` refused.
    """
    from instances import read_plan
    from results.evaluate import check_plan

    folder = network.folder and network.folder / "plans"
    if not folder or not folder.is_dir():
        return 0
    files = sorted(p for p in folder.glob("*.csv") if not p.name.endswith(".hubs.csv"))
    problems = []
    for path in files:
        label = f"plans/{path.name}"
        try:
            check_plan(network, read_plan(path, label=label), label)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return len(files)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``validate`` to the command line."""
    p = sub.add_parser("validate", help="check a scenario (exit 0 valid, 2 with every problem)")
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.set_defaults(func=cmd_validate)
