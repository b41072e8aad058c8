"""The ``solve`` subcommand: hub location and sizing on a scenario."""

from __future__ import annotations

import argparse
import math
import os

from networks.status import Limit, Status
from optimizer.cli.arguments import add_report_flag, gap_fraction, seconds, solver


def cmd_solve(args: argparse.Namespace) -> int:
    """Solve the network design model, score its plan, and write the run folder.

    ``kpis.json`` is the run record, then
    :meth:`ScoredDesign.kpis <optimizer.design.scored.ScoredDesign.kpis>` (the evaluated
    headline, the model's own ending, the evaluator's figures, the status quo beside
    them); the tables are :meth:`ScoredDesign.to_frames
    <optimizer.design.scored.ScoredDesign.to_frames>`.
    """
    from instances import load_scenario
    from optimizer.backends import interrupt
    from optimizer.design import DesignOptions

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
    # a signal once the solver has started stops it with its best plan, which is
    # scored and written (limit: interrupted); main then exits with 130
    with interrupt.graceful():
        return _solve_and_write(args, network, options)


def _solve_and_write(args: argparse.Namespace, network, options) -> int:
    """Solve, score, write the run folder and print the summary; the exit code."""
    from optimizer.backends import interrupt
    from optimizer.cli.console import ExitCode, console, error_console
    from optimizer.design.scored import solve_and_score
    from results.runs import run_header
    from results.store import write_run

    with console.status(
        f"{network.name}: solving"
        f"{'' if options.time_limit is None else f' (up to {options.time_limit:g} s)'}",
        spinner="dots",
    ) as status:

        def stage(text: str) -> None:
            status.update(f"{network.name}: {text}")

        # two cores or more: the bound's relaxation runs beside the hub model from the start
        beside = (os.cpu_count() or 1) >= 2
        scored = solve_and_score(network, options, on_stage=stage, bound_beside=beside)
    result = scored.result
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
        write_run(
            args.out,
            header,
            scored.kpis(),
            documents=scored.documents(),
            network=network,
            report=not args.no_report,
        )
        for row in result.diagnosis:
            error_console.print(row["message"], markup=False)
        error_console.print(f"infeasible: see {args.out}/diagnosis.json", markup=False)
        return ExitCode.INFEASIBLE
    if not scored.has_plan:
        error_console.print(
            f"no plan: the solver stopped with status {result.status}"
            f"{_LIMIT_WORDS.get(result.limit, '')} after {result.solve_seconds:.1f} s",
            markup=False,
        )
        return ExitCode.ERROR
    kpis = scored.kpis()
    write_run(
        args.out,
        header,
        kpis,
        scored.to_frames(),
        network=network,
        report=not args.no_report,
        interrupted=interrupt.stop_requested(),
    )
    console.print(*_summary(network, args.out, scored, kpis, options), sep="\n")
    return ExitCode.OK


#: What the console says of a limit that stopped the solver (none: nothing).
_LIMIT_WORDS = {
    Limit.TIME: ", stopped by the time limit",
    Limit.ITERATIONS: ", stopped by an iteration limit",
    Limit.INTERRUPTED: ", interrupted",
}


def _bound_line(scored, what: str) -> str:
    """The plan's status and its gap to the proven bound, or why there is none."""
    limit = _LIMIT_WORDS.get(scored.limit, "")
    if math.isfinite(scored.gap):
        return (
            f"  {scored.status}{limit}: gap {scored.gap:.2%} to the proven bound "
            f"{scored.bound_value:,.0f} CNY (a relaxation of the evaluated problem)"
        )
    note = scored.bound.reason if scored.bound is not None else "none asked for"
    return f"  {scored.status}{limit}: no bound proven ({note})"


def _summary(network, out, scored, kpis: dict, options) -> list[str]:
    """The evaluated score first; the model's own view after it, labelled as the model's.

    The design (hub) model approximates spoilage by survival factors and counts trips as
    ``options.trips`` says; the evaluator follows each lot's exact time-temperature
    history and buys freight as it is sold. The exact path model, where it ran, counts
    as the evaluator does, over its candidate paths with the hubs fixed.
    """
    result = scored.result
    what = "margin" if scored.margin_mode else "cost"
    hubs = ", ".join(f"{h} ({s})" for h, s in sorted(result.plan.hubs.items())) or "no hub"
    unmet = kpis.get("unmet_demand_t", 0.0)
    # in margin mode serving a market is a choice (and a week no harvest can reach in
    # time cannot be served): demand left unserved, not a failure to meet it
    unmet_words = "demand not served" if scored.margin_mode else "unmet demand"
    lines = [
        f"{network.name}: evaluated {what} {scored.objective:,.0f} CNY "
        + (
            f"= revenue {kpis['revenue']:,.0f} - cost {kpis['total_cost']:,.0f} "
            if scored.margin_mode
            else ""
        )
        + f"(exact path loss, freight as sold); spoilage {kpis['spoilage_rate']:.1%}"
        + (f", {unmet_words} {unmet:,.1f} t" if unmet > 1e-6 else ""),
        _bound_line(scored, what),
        f"  opened {hubs}",
    ]
    if "versus_status_quo" in kpis:
        delta = kpis["versus_status_quo"]
        lines.append(
            f"  status quo (plans/status-quo): evaluated {what} "
            f"{kpis['status_quo_objective']:,.0f} CNY; this plan is "
            + (f"{delta:,.0f} CNY better" if delta >= 0 else f"WORSE by {-delta:,.0f} CNY")
        )
    trips = "trips pro rata: a relaxation" if options.trips == "linear" else "whole trips"
    limit = _LIMIT_WORDS.get(result.limit, "")
    stage = "hub model" if scored.paths is not None else "model"
    lines.append(
        f"  {stage}: {result.status}{limit}, its own {what} {result.objective:,.0f}, "
        f"bound {result.bound:,.0f}, {_gap_words(result.gap)} (survival factors, {trips}; "
        f"its bound is not one on the evaluated {what})"
    )
    if scored.paths is not None and scored.paths.plan is None:
        lines.append(
            f"  exact path model: {scored.paths.outcome.status} in its time; the hub "
            "model's plan is returned, scored by the evaluator"
        )
    elif scored.paths is not None:
        ending = scored.paths.outcome
        made = scored.paths.generation
        generated = (
            ""
            if made is None
            else f", {made.added:,} of them by column generation in {made.rounds} rounds"
        )
        lines.append(
            f"  exact path model (hubs fixed, {scored.paths.columns:,} candidate paths"
            f"{generated}): "
            f"{ending.status}{_LIMIT_WORDS.get(ending.limit, '')}, its {what} "
            f"{ending.objective:,.0f} (the evaluated {what}), bound over those paths "
            f"{ending.bound:,.0f}, {_gap_words(ending.gap)}"
        )
    if scored.search is not None:
        found = scored.search
        lines.append(
            f"  search over hub openings (exact path model inside): {found.tried} tried, "
            f"{found.improved} improved it by {found.gain:,.0f} CNY in {found.seconds:.0f} s "
            f"(ended: {found.stopped})"
        )
    lines.append(f"  -> {out}")
    return lines


def _gap_words(gap: float) -> str:
    """A relative gap for the console: a percentage, or why there is none."""
    if not math.isfinite(gap):
        return "gap undefined"
    if gap >= 10.0:
        return "gap over 1,000% (the objective is near zero)"
    return f"gap {gap:.2%}"


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``solve`` to the command line."""
    p = sub.add_parser(
        "solve",
        help="which county hubs to open, how big, and how each "
        "week's fruit flows (network design MIP: HiGHS, or CBC through PuLP)",
    )
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.add_argument("--out", required=True, help="a new folder for the results")
    p.add_argument("--solver", type=solver, default=None, help="highs (default) or cbc")
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
        "written (CBC always uses PuLP); both give the same optimum",
    )
    add_report_flag(p)
    p.set_defaults(func=cmd_solve)
