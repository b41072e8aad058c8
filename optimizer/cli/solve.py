"""The ``solve`` subcommand: hub location and sizing on a scenario."""

from __future__ import annotations

import argparse

from networks.status import Limit, Status
from optimizer.cli.arguments import gap_fraction, seconds


def cmd_solve(args: argparse.Namespace) -> int:
    """Solve the network design model, score its plan, and write the run folder.

    ``kpis.json`` is the run record, then :meth:`DesignResult.kpis
    <optimizer.design.DesignResult.kpis>`, then the evaluator's
    :meth:`~results.evaluate.Evaluation.kpis`; the tables are
    :meth:`DesignResult.to_frames <optimizer.design.DesignResult.to_frames>` of the plan
    and its evaluation.
    """
    from instances import load_scenario
    from optimizer.cli.console import ExitCode, console, error_console
    from optimizer.design import DesignOptions, solve_design
    from results.evaluate import evaluate
    from results.runs import run_header
    from results.store import write_run

    network = load_scenario(args.scenario)
    options = DesignOptions.from_network(
        network,
        solver=args.solver,
        time_limit=args.time_limit,
        gap=args.gap,
        regime=args.regime,
        seed=args.seed,
        trips=args.trips,
        threads=args.threads,
        build=args.build,
    )
    network.regime(options.regime)  # an unknown regime is invalid input (exit 2)
    result = solve_design(network, options)
    header = run_header(
        network,
        "solve",
        solver=options.solver,
        time_limit=options.time_limit,
        gap=options.gap,
        regime=options.regime or network.default_regime,
        seed=options.seed,
        trips=options.trips,
        build=options.build if options.solver.lower() == "highs" else "pulp",
        lazy_links=options.lazy_links,
        threads=options.threads,
    )
    if result.status is Status.INFEASIBLE:
        write_run(args.out, header, result.kpis(), documents=result.documents())
        for row in result.diagnosis:
            error_console.print(row["message"], markup=False)
        error_console.print(f"infeasible: see {args.out}/diagnosis.json", markup=False)
        return ExitCode.INFEASIBLE
    if not result.has_plan:
        error_console.print(
            f"no plan: the solver stopped with status {result.status}"
            f"{_LIMIT_WORDS.get(result.limit, '')} after {result.solve_seconds:.1f} s",
            markup=False,
        )
        return ExitCode.ERROR
    evaluation = evaluate(network, result.plan, regime=options.regime, label="flows.csv")
    write_run(
        args.out, header, {**result.kpis(), **evaluation.kpis()}, result.to_frames(evaluation)
    )
    console.print(
        _summary_line(network, args.out, result, options, evaluation.kpis()), markup=False
    )
    return ExitCode.OK


#: What the console says of a limit that stopped the solver (none: nothing).
_LIMIT_WORDS = {
    Limit.TIME: ", stopped by the time limit",
    Limit.ITERATIONS: ", stopped by an iteration limit",
    Limit.INTERRUPTED: ", interrupted",
}


def _summary_line(network, out, result, options, evaluated: dict) -> str:
    """What the solve found, the model's view and the evaluator's, each labelled.

    The two differ by design: the model approximates spoilage by survival factors and
    counts trips as ``options.trips`` says; the evaluator follows each lot's exact
    time-temperature history and pays whole trips.
    """
    limit = _LIMIT_WORDS.get(result.limit, "")
    limit += " (best plan so far)" if limit else ""
    hubs = ", ".join(f"{h} ({s})" for h, s in sorted(result.plan.hubs.items())) or "no hub"
    model = result.model_kpis
    trips = {"linear": "trips pro rata", "integer": "whole trips"}
    if "model_revenue" in model:
        said = (
            f"model margin {result.objective:,.0f} = revenue {model['model_revenue']:,.0f} "
            f"- cost {model['model_total_cost']:,.0f}"
        )
        scored = (
            f"evaluated margin {evaluated['margin']:,.0f} = revenue "
            f"{evaluated['revenue']:,.0f} - cost {evaluated['total_cost']:,.0f}"
        )
    else:
        said = f"model cost {result.objective:,.0f}"
        scored = f"evaluated cost {evaluated['total_cost']:,.0f}"
    unmet = evaluated.get("unmet_demand_t", 0.0)
    # in margin mode serving a market is a choice (and a week no harvest can reach in
    # time cannot be served): demand left unserved, not a failure to meet it
    unmet_words = "demand not served" if "model_revenue" in model else "unmet demand"
    return (
        f"{network.name}: {result.status}{limit}, gap {result.gap:.2%}; opened {hubs}\n"
        f"  {said} CNY (survival factors, {trips.get(options.trips, options.trips)})\n"
        f"  {scored} CNY (exact path loss, whole trips); spoilage "
        f"{evaluated['spoilage_rate']:.1%}"
        + (f", {unmet_words} {unmet:,.1f} t" if unmet > 1e-6 else "")
        + f"\n  -> {out}"
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``solve`` to the command line."""
    p = sub.add_parser(
        "solve",
        help="which county hubs to open, how big, and how each "
        "week's fruit flows (network design MIP: HiGHS, or PuLP with other solvers)",
    )
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.add_argument("--out", required=True, help="a new folder for the results")
    p.add_argument("--solver", default=None, help="highs (default), cbc, or a PuLP solver")
    p.add_argument("--time-limit", type=seconds, default=None, help="seconds")
    p.add_argument("--gap", type=gap_fraction, default=None, help="relative MIP gap (default 1e-6)")
    p.add_argument("--regime", default=None, help="tariff regime (see `coldchain regimes`)")
    p.add_argument("--seed", type=int, default=None, help="solver random seed")
    p.add_argument(
        "--trips",
        choices=["integer", "linear"],
        default=None,
        help="trips and containers as integers (default) or relaxed",
    )
    p.add_argument("--threads", type=int, default=None, help="solver threads (default 1)")
    p.add_argument(
        "--build",
        choices=["direct", "pulp"],
        default=None,
        help="hand the model to HiGHS as arrays (default) or to PuLP, every linking row "
        "written (other solvers always use PuLP); both give the same optimum",
    )
    p.set_defaults(func=cmd_solve)
