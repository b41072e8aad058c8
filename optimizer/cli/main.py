"""The ``coldchain`` command: parses arguments, calls library functions, renders results.

Exit codes (DESIGN.md): 0 done (also a time limit with a plan in hand), 2 invalid input,
3 infeasible (``diagnosis.json`` says what cannot be met), 4 a solver or backend
missing, 1 anything else.
"""

from __future__ import annotations

import argparse
import sys

from rich.table import Table

from networks.errors import ColdchainError, ScenarioError, SolverUnavailableError
from optimizer.cli import bench, consolidate, evaluate, generate, route, solve
from optimizer.cli.console import ExitCode, _table, console, error_console
from results.store import RunFolderExistsError, refuse_existing_file


# --- commands --------------------------------------------------------------------------
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


def cmd_show(args: argparse.Namespace) -> int:
    """Show counts by node kind, supply and demand by week, legs by mode."""
    from instances import load_scenario
    from results.summary import scenario_summary

    network = load_scenario(args.scenario)
    summary = scenario_summary(network)
    console.print(f"[bold]{network.name}[/bold]  {network.description}")
    for title, frame in summary.items():
        console.print(_table(title, frame))
    return ExitCode.OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="coldchain",
        description="Plan perishable, cross-border supply chains: hub location and sizing "
        "(solve), collection routing (route), 3PL consolidation and fair cost sharing "
        "(consolidate), plan evaluation (evaluate) and benchmarks (bench).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("list", help="list the bundled scenarios")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("validate", help="check a scenario (exit 0 valid, 2 with every problem)")
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("show", help="counts by node kind, supply/demand by week, legs by mode")
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.set_defaults(func=cmd_show)
    for command in (evaluate, solve, route, consolidate, bench, generate):
        command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``coldchain`` command; returns (and exits with) its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # as typed, for run records
    try:
        if getattr(args, "out", None) and getattr(args, "command", None) != "bench":
            # a run folder that exists stops the run before any solving, not after it
            refuse_existing_file(args.out, "folder")
        code = int(args.func(args))
    except ScenarioError as exc:
        for problem in exc.problems:
            error_console.print(str(problem), markup=False, soft_wrap=True)
        code = ExitCode.INVALID_INPUT
    except RunFolderExistsError as exc:
        error_console.print(str(exc), markup=False, soft_wrap=True)
        code = ExitCode.INVALID_INPUT
    except SolverUnavailableError as exc:
        error_console.print(str(exc), markup=False, soft_wrap=True)
        code = ExitCode.SOLVER_MISSING
    except ColdchainError as exc:
        error_console.print(f"error: {exc}", markup=False, soft_wrap=True)
        code = ExitCode.ERROR
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":
    main()
