"""The ``route`` subcommand: one day's collection runs from the villages to their hubs.

``coldchain route SCENARIO --out DIR [--plan RUN_DIR] [--hub ID] [--day N]
[--time-limit S] [--seed N] [--backend NAME] [--workers N]``

For each hub (``--hub``; else each hub a ``--plan`` opened; else each hub that some
village is nearest to) it builds the day's collection problem
(:func:`instances.collection.collection_problem`), solves it
(:func:`optimizer.routing.solve`, ``--time-limit`` seconds per hub), checks the routes
with the independent checker (:func:`results.route_check.check_routes`) and writes, to
a new folder:

- ``routes.csv`` (and ``routes.parquet``): ``hub, vehicle, vehicle_type, trip, stop,
  node, pickup, arrival_h, departure_h, load_t, hours_since_pickup``;
- ``kpis.json``: totals (cost and its parts, distance, hours, vehicles used, trips,
  worst freshness, status, seconds) and the same per hub (``hub.ID.cost``...);
- ``diagnosis.json`` when a hub cannot be served (exit 3), naming the villages and why.

With ``--plan`` it routes the villages each open hub receives in that plan's week, and
writes to its own ``--out``, never into the plan's folder.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.cli.arguments import seconds
from optimizer.routing import BACKENDS


def add_route_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``route`` to the command line (``func`` renders through the main console)."""
    p = subparsers.add_parser(
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
    p.set_defaults(func=_run_with_main_console)
    return p


def register(sub: argparse._SubParsersAction) -> None:
    """Hook for ``optimizer.cli.main``: add the ``route`` subcommand."""
    add_route_parser(sub)


def _run_with_main_console(args: argparse.Namespace) -> int:
    from optimizer.cli.console import console

    return run_route(args, console)


def _plan(args: argparse.Namespace):
    from networks.plan import read_plan

    if not args.plan:
        return None
    folder = Path(args.plan)
    flows = folder / "flows.csv" if folder.is_dir() else folder
    return read_plan(flows, label=str(flows))


def _hubs(network, plan, week: int, only: str | None) -> list[str]:
    from instances.collection import hub_tonnes, nearest_hub

    if only and plan is not None and only not in plan.hubs:
        # routing a hub the plan keeps shut found "optimal, 0 pickups": nothing to do
        from networks.errors import Problem, ScenarioError

        opened = ", ".join(sorted(plan.hubs)) or "none"
        raise ScenarioError(Problem("--hub", "hub", f"a hub the plan opens ({opened})", only))
    if only:
        return [only]
    if plan is not None:
        return sorted(h for h in plan.hubs if hub_tonnes(network, h, week, plan))
    supplied = set(network.supply.loc[network.supply["week"] == week, "village"])
    return sorted({nearest_hub(network, v) for v in supplied} - {None})


def _hub_kpis(result, check) -> dict[str, Any]:
    return {
        "status": result.status,
        "limit": result.limit,
        "cost": check.cost if check else result.cost,
        "fixed_cost": check.fixed_cost if check else math.nan,
        "distance_cost": check.distance_cost if check else math.nan,
        "time_cost": check.time_cost if check else math.nan,
        "warm_cost": check.warm_cost if check else math.nan,
        "distance_km": check.distance_km if check else math.nan,
        "hours": check.hours if check else math.nan,
        "vehicles_used": check.vehicles_used if check else 0,
        "trips": check.trips if check else 0,
        "worst_freshness_h": check.worst_freshness_h if check else math.nan,
        "warm_tonne_hours": check.warm_tonne_hours if check else math.nan,
        "backend": result.backend,
        "seconds": result.seconds,
    }


def run_route(args: argparse.Namespace, console) -> int:
    """Plan the collection runs of a day and write them; returns the exit code.

    Exit codes: 0 done (also when the time limit stopped the search with a plan),
    2 invalid input (raised as ``ScenarioError`` for the main command to report),
    3 a hub cannot be served (``diagnosis.json``), 1 no plan found in the time limit.
    """
    from instances import load_scenario
    from instances.collection import collection_problem, week_of_day
    from networks.status import first_limit, worst_status
    from optimizer.routing import solve
    from results.route_check import check_routes
    from results.runs import run_header
    from results.store import RunWriter

    network = load_scenario(args.scenario)
    week = week_of_day(network, args.day)
    plan = _plan(args)
    hubs = _hubs(network, plan, week, args.hub)
    header = run_header(
        network,
        "route",
        day=args.day,
        week=week,
        hub=args.hub,
        plan=args.plan,
        backend=args.backend,
        time_limit=args.time_limit,
        seed=args.seed,
    )
    frames, per_hub, diagnosis = [], {}, []
    totals: dict[str, float] = {
        k: 0.0
        for k in (
            "cost",
            "fixed_cost",
            "distance_cost",
            "time_cost",
            "warm_cost",
            "distance_km",
            "hours",
            "vehicles_used",
            "trips",
            "pickups",
            "tonnes",
            "seconds",
        )
    }
    worst, statuses, limits = 0.0, [], []
    for hub in hubs:
        problem = collection_problem(network, hub, day=args.day, plan=plan)
        result = solve(
            problem,
            backend=args.backend,
            time_limit=args.time_limit,
            seed=args.seed,
            workers=args.workers,
        )
        check = None
        if result.has_plan:
            check = check_routes(problem, result.routes)
            if not check.ok:  # never written: the checker has the last word
                from networks.errors import ColdchainError

                raise ColdchainError(
                    f"hub {hub}: routes fail the checker: "
                    + "; ".join(str(v) for v in check.violations[:5])
                )
            frame = result.to_frame()
            frame.insert(0, "hub", hub)
            frames.append(frame)
        for d in result.diagnosis:
            diagnosis.append(
                {
                    "hub": hub,
                    "village": d.node,
                    "pickup": d.pickup,
                    "reasons": list(d.reasons),
                    "message": f"hub {hub}: {d}",
                }
            )
        statuses.append(result.status)
        limits.append(result.limit)
        kpis = _hub_kpis(result, check)
        kpis["pickups"] = problem.num_pickups
        kpis["tonnes"] = problem.total_tonnes
        per_hub[hub] = kpis
        for key in totals:
            value = kpis.get(key, 0.0)
            if isinstance(value, int | float) and math.isfinite(value):
                totals[key] += value
        if check is not None:
            worst = max(worst, check.worst_freshness_h)
        line = (
            f"{hub}: {result.status}, {problem.num_pickups} pickups ({problem.total_tonnes:.2f} t)"
        )
        if check is not None:
            line += (
                f", cost {check.cost:,.0f}, {check.distance_km:,.1f} km, "
                f"{check.vehicles_used} vehicles, {check.trips} trips, worst freshness "
                f"{check.worst_freshness_h:.2f} h [{result.backend}]"
            )
        console.print(line, markup=False)

    status = worst_status(statuses)
    kpis_out: dict[str, Any] = {
        **header,
        "status": status,
        "limit": first_limit(limits),
        "hubs": len(hubs),
        **totals,
        "worst_freshness_h": worst,
        "route_check": "passed" if frames else "no routes",
    }
    for hub, values in per_hub.items():
        kpis_out.update({f"hub.{hub}.{k}": v for k, v in values.items()})

    if status == "no_solution":
        for row in diagnosis:
            console.print(row["message"], markup=False)
        console.print("no plan within the time limit (try a longer --time-limit)", markup=False)
        return 1
    with RunWriter(args.out) as run:
        run.write_json("kpis.json", kpis_out)
        if status == "infeasible":
            run.write_json("diagnosis.json", {"status": "infeasible", "problems": diagnosis})
        else:
            routes = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
            run.write_table("routes", routes)
    if status == "infeasible":
        for row in diagnosis:
            console.print(row["message"], markup=False)
        console.print(f"infeasible: see {args.out}/diagnosis.json", markup=False)
        return 3
    console.print(
        f"{network.name} day {args.day}: {status}, cost {totals['cost']:,.0f}, "
        f"{totals['distance_km']:,.1f} km, {int(totals['vehicles_used'])} vehicles, "
        f"worst freshness {worst:.2f} h -> {args.out}",
        markup=False,
    )
    return 0
