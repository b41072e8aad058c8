"""The ``route`` subcommand: one day's collection runs from the villages to their hubs.

``coldchain route SCENARIO --out DIR [--plan RUN_DIR] [--hub ID] [--day N]
[--time-limit S] [--seed N] [--backend NAME] [--workers N]``

It calls :func:`optimizer.routing.route_day` (each hub: ``--hub``; else each hub a
``--plan`` opened; else each hub that some village is nearest to; ``--time-limit``
seconds per hub; every route checked by the independent checker) and writes what the
returned :class:`~optimizer.routing.CollectionDay` holds, through
:func:`results.store.write_run`, to a new folder:

- ``routes.csv`` (and ``routes.parquet``): its ``to_frames()``;
- ``kpis.json``: the run record, then its ``kpis()`` (totals, status and limit, and the
  same per hub, ``hub.ID.cost``...);
- ``diagnosis.json`` when a hub cannot be served (exit 3), naming the villages and why.

Nothing is written when some hub got no plan within the time limit (exit 1).

Ctrl-C or SIGTERM once a search has started stops it with its best routes (within a
second: the searches are asked to stop, and killed if they have not); the hubs routed
so far, the interrupted one among them, are checked and written with ``limit:
interrupted``, the hubs left unrouted named in ``hubs_not_routed``, and the command
exits 130. Without routes for any hub nothing is written (exit 130).

With ``--plan`` it routes the villages each open hub receives in that plan's week, and
writes to its own ``--out``, never into the plan's folder.
"""

from __future__ import annotations

import argparse

from networks.status import Limit, Status
from optimizer.cli.arguments import add_report_flag, seconds
from optimizer.routing import BACKENDS


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``route`` to the command line."""
    p = sub.add_parser(
        "route",
        help="one day's collection runs from the villages to their county hubs "
        "(capacities, windows, mixed fleet, freshness; PyVRP and OR-Tools)",
    )
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.add_argument("--out", required=True, help="a new folder for the results")
    p.add_argument(
        "--plan",
        metavar="RUN_DIR",
        help="a `coldchain solve` run: route the villages its open hubs receive",
    )
    p.add_argument("--hub", help="route this county hub only")
    p.add_argument(
        "--day",
        type=int,
        default=1,
        help="day of the season, 1-based (day 8 is in week 2; default 1)",
    )
    p.add_argument(
        "--time-limit", type=seconds, default=10.0, metavar="S", help="seconds per hub (default 10)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument(
        "--backend", choices=BACKENDS, default="auto", help="routing backend (default auto)"
    )
    p.add_argument(
        "--workers", type=int, default=None, help="parallel searches per hub (default: both cores)"
    )
    add_report_flag(p)
    p.set_defaults(func=cmd_route)


def _plan(network, plan: str | None):
    """The plan a day's collection follows (``--plan``: a name, file or run folder)."""
    from instances import plan_file, read_plan

    if not plan:
        return None
    flows = plan_file(network, plan)
    return read_plan(flows, label=str(flows))


def _hub_line(h) -> str:
    """One line per hub as it is done: status, pickups, and the plan's figures."""
    result = h.result
    line = f"{h.hub}: {result.status}, {result.pickups} pickups ({result.tonnes:.2f} t)"
    if h.check is not None:
        line += (
            f", cost {result.cost:,.0f}, {result.distance_km:,.1f} km, "
            f"{result.vehicles_used} vehicles, {result.trips} trips, worst freshness "
            f"{result.worst_freshness_h:.2f} h [{result.backend}]"
        )
    return line


def cmd_route(args: argparse.Namespace) -> int:
    """Plan the collection runs of a day and write them; returns the exit code.

    Exit codes: 0 done (also when the time limit stopped the search with a plan),
    2 invalid input (raised as ``ScenarioError`` for the main command to report),
    3 a hub cannot be served (``diagnosis.json``), 1 no plan found in the time limit;
    interrupted, the main command exits 130 (see the module docstring).
    """
    from instances import load_scenario
    from optimizer.backends import interrupt
    from optimizer.cli.console import ExitCode, console
    from results.runs import run_header
    from results.store import write_run

    network = load_scenario(args.scenario)
    # a signal once a search has started stops it with its best routes, which are
    # written (limit: interrupted); main then exits with 130
    with interrupt.graceful():
        day = _route_day(args, network)
    if day.unrouted and not day.hubs:
        raise KeyboardInterrupt  # interrupted before any hub had routes: nothing to write
    header = run_header(
        network,
        "route",
        day=args.day,
        week=day.week,
        hub=args.hub,
        plan=args.plan,
        backend=args.backend,
        time_limit=args.time_limit,
        seed=args.seed,
    )
    status = day.status
    if day.unrouted:
        console.print(
            f"interrupted: {len(day.unrouted)} hub{'s' * (len(day.unrouted) > 1)} not "
            f"routed ({', '.join(day.unrouted)})",
            markup=False,
        )
    if not status.has_plan:
        for row in day.diagnosis()["problems"]:
            console.print(row["message"], markup=False)
    if status is Status.NO_SOLUTION:
        console.print("no plan within the time limit (try a longer --time-limit)", markup=False)
        return ExitCode.ERROR
    kpis = day.kpis()
    if status is Status.INFEASIBLE:
        write_run(
            args.out,
            header,
            kpis,
            documents={"diagnosis.json": day.diagnosis()},
            network=network,
            report=not args.no_report,
        )
        console.print(f"infeasible: see {args.out}/diagnosis.json", markup=False)
        return ExitCode.INFEASIBLE
    write_run(
        args.out,
        header,
        kpis,
        day.to_frames(),
        network=network,
        report=not args.no_report,
        interrupted=interrupt.stop_requested(),
    )
    console.print(
        f"{network.name} day {args.day}: {status}"
        f"{', interrupted' if day.limit is Limit.INTERRUPTED else ''}, cost {kpis['cost']:,.0f}, "
        f"{kpis['distance_km']:,.1f} km, {int(kpis['vehicles_used'])} vehicles, "
        f"worst freshness {kpis['worst_freshness_h']:.2f} h -> {args.out}",
        markup=False,
    )
    return ExitCode.OK


def _route_day(args: argparse.Namespace, network):
    """:func:`optimizer.routing.route_day` as the flags say, each hub printed when done."""
    from optimizer.cli.console import console
    from optimizer.routing import route_day

    return route_day(
        network,
        day=args.day,
        hubs=[args.hub] if args.hub else None,
        plan=_plan(network, args.plan),
        backend=args.backend,
        time_limit=args.time_limit,
        seed=args.seed,
        workers=args.workers,
        progress=lambda h: console.print(_hub_line(h), markup=False),
    )
