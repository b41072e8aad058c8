"""The ``corridors`` command: the best full paths from a village or hub to a market.

``coldchain corridors SCENARIO --from NODE --to MARKET [--product P] [--week W]
[--tonnes T] [--paths N] [--regime R] [--shipper S] [--explain] --out DIR``

It calls :func:`optimizer.corridors.resolve_query` (bad arguments: exit 2 naming the
argument and what was expected) and :func:`optimizer.corridors.find_corridors`, and writes
what the returned :class:`~optimizer.corridors.CorridorResult` holds through
:func:`results.store.write_run`: ``corridors.csv`` (and Parquet), ``excluded.csv`` (the
paths not allowed, with the rule and the reason), ``kpis.json``, ``network.gpkg`` and
``report.html`` (a table of the corridors and a map of their paths); where no path is
allowed, ``diagnosis.json`` too, and exit 3.
"""

from __future__ import annotations

import argparse

from optimizer.cli.arguments import add_report_flag, at_least, number_at_least

#: Excluded paths printed one by one with ``--explain``; more are counted by rule.
EXPLAIN_LINES = 30


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``corridors`` to the command line."""
    p = sub.add_parser(
        "corridors",
        help="the best full paths (modes, gateways, customs mode) from a village or hub to "
        "a market: cost per tonne by part, days, loss, CO2e, tariff and VAT",
    )
    p.add_argument("scenario", help="a bundled scenario name or a scenario folder")
    p.add_argument(
        "--from", dest="origin", required=True, metavar="NODE", help="a village or county hub id"
    )
    p.add_argument("--to", dest="market", required=True, metavar="MARKET", help="a market id")
    p.add_argument("--product", help="product id (default: the one the origin grows most of)")
    p.add_argument(
        "--week", type=int, help="harvest week, 1-based (default: the origin's largest harvest)"
    )
    p.add_argument(
        "--tonnes",
        type=number_at_least(0.0, above=True),
        help="tonnes leaving the village (default: its harvest of the product that week)",
    )
    p.add_argument("--paths", type=at_least(1), default=10, help="corridors to list (default 10)")
    p.add_argument("--regime", help="tariff regime (see `coldchain regimes SCENARIO`)")
    p.add_argument(
        "--shipper",
        help="who pays the trips: the village's firm shipping alone (default) or 3pl",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="also list the paths not allowed (market access, customs mode, shelf life) and why",
    )
    p.add_argument("--out", required=True, help="a new folder for the results")
    add_report_flag(p)
    p.set_defaults(func=cmd_corridors)


def cmd_corridors(args: argparse.Namespace) -> int:
    """Find, rank and write the corridors of a query; returns the exit code.

    Exit codes: 0 done, 2 invalid input, 3 no path allowed (``corridors.csv`` empty,
    ``diagnosis.json`` and ``excluded.csv`` say why).
    """
    from instances import load_scenario
    from optimizer.cli.console import ExitCode, console
    from optimizer.corridors import find_corridors, resolve_query
    from results.runs import run_header
    from results.store import write_run

    network = load_scenario(args.scenario)
    query = resolve_query(
        network,
        args.origin,
        args.market,
        product=args.product,
        week=args.week,
        tonnes=args.tonnes,
        paths=args.paths,
        regime=args.regime,
        shipper=args.shipper,
    )
    result = find_corridors(network, query)
    header = run_header(
        network,
        "corridors",
        origin=query.origin,
        market=query.market,
        product=query.product,
        week=query.week,
        tonnes=query.tonnes,
        paths=query.paths,
        regime=args.regime or network.default_regime,
        shipper=query.shipper,
        explain=args.explain,
    )
    infeasible = result.corridors.empty
    write_run(
        args.out,
        header,
        result.kpis(),
        result.to_frames(),
        documents={"diagnosis.json": result.diagnosis()} if infeasible else None,
        network=network,
        report=not args.no_report,
    )
    where = query.origin if query.hub is None else f"{query.origin} (from {query.village})"
    console.print(
        f"{network.name}: {query.tonnes:g} t of {query.product} from {where} to "
        f"{query.market}, week {query.week}, shipped by {query.shipper or 'the village'}: "
        f"{result.allowed} paths allowed, {len(result.excluded)} not",
        markup=False,
    )
    for row in result.corridors.itertuples():
        mark = "" if row.pareto else f"  (dominated by {row.dominated_by})"
        console.print(
            f"{row.rank:>3}. {row.cost_cny_per_t:>10,.0f} CNY/t delivered  {row.days:5.1f} d  "
            f"loss {row.loss_fraction:6.2%}  {row.co2e_kg_per_t:7.1f} kg CO2e/t  "
            f"{row.customs_mode or '-':>4}  {row.path} [{row.services}]{mark}",
            markup=False,
        )
    if args.explain:
        _explain(console, result.excluded)
    if infeasible:
        for problem in result.diagnosis()["problems"]:
            console.print(problem["message"], markup=False)
        console.print(f"no path allowed: see {args.out}/diagnosis.json", markup=False)
        return ExitCode.INFEASIBLE
    console.print(f"-> {args.out}", markup=False)
    return ExitCode.OK


def _explain(console, excluded) -> None:
    """The paths not allowed: each with its reason, or counts by rule where many."""
    if not len(excluded):
        console.print("every path is allowed", markup=False)
        return
    console.print(f"not allowed ({len(excluded)} paths, all in excluded.csv):", markup=False)
    if len(excluded) <= EXPLAIN_LINES:
        for row in excluded.itertuples():
            console.print(
                f"  {row.path} [{row.services}] {row.customs_mode or '-'}: {row.rule}: "
                f"{row.reason}",
                markup=False,
            )
        return
    for rule, group in excluded.groupby("rule", sort=True):
        console.print(f"  {rule}: {len(group)} paths, for example:", markup=False)
        for row in group.head(3).itertuples():
            console.print(
                f"    {row.path} [{row.services}] {row.customs_mode or '-'}: {row.reason}",
                markup=False,
            )
