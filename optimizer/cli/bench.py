"""The ``bench`` subcommand: benchmarks that write tables.

``coldchain bench cflp`` and ``coldchain bench scale`` are defined here. Other
benchmarks plug in as further ``bench`` subcommands without this module naming them
all: a module in :data:`BENCH_MODULES` that exists and defines
``add_bench_parsers(bench_subparsers)`` is asked to add its subcommands (each sets
``func`` on its parser, like every ``coldchain`` command), and so is every callable
appended to :data:`BENCH_REGISTRARS`.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import math
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from optimizer.cli.arguments import add_scenario_sizes, at_least, gap_fraction, int_list, seconds
from results.store import write_csv_atomic

#: Modules that may add ``bench`` subcommands through ``add_bench_parsers(subparsers)``;
#: a module not written yet is skipped. ``optimizer.bench.routing`` is the collection
#: routing helper's (``bench cvrp``/``solomon``...), ``optimizer.bench.consolidation``
#: the place for ``bench consolidate``.
BENCH_MODULES: tuple[str, ...] = ("optimizer.bench.routing", "optimizer.bench.consolidation")

#: Further registrars of ``bench`` subcommands, called with the ``bench`` subparsers.
BENCH_REGISTRARS: list[Callable[[argparse._SubParsersAction], None]] = []


def _sidecar(out: str | Path) -> Path:
    """The run record written beside a bench table: ``TABLE.run.json``."""
    out = Path(out)
    return out.with_name(out.stem + ".run.json")


def _recorded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A bench command that refuses an existing ``--out`` and records how its table was made.

    Before anything is solved, an existing table (or its record) stops the run: a run
    never overwrites another. After the command wrote its table, ``TABLE.run.json``
    records the command line, every argument, the package versions, the machine (cores,
    memory), the UTC time it started and its wall seconds: what the table's timings
    mean, and how to run it again.
    """

    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        from results.store import (
            machine_description,
            refuse_existing_file,
            run_metadata,
            write_json_atomic,
        )

        out = getattr(args, "out", None)
        if out:
            refuse_existing_file(out)
            refuse_existing_file(_sidecar(out))
        record = run_metadata()
        clock = time.perf_counter()
        code = func(args)
        if out and Path(out).exists():
            arguments = {
                k: (str(v) if isinstance(v, Path) else v)
                for k, v in vars(args).items()
                if k not in ("func", "command", "argv") and not callable(v)
            }
            record.update(
                command="coldchain "
                + " ".join(shlex.quote(a) for a in getattr(args, "argv", sys.argv[1:])),
                arguments=arguments,
                machine=machine_description(),
                wall_seconds=time.perf_counter() - clock,
                exit_code=int(code),
                table=Path(out).name,
            )
            write_json_atomic(record, _sidecar(out))
        return code

    return run


def _show(title: str, frame: pd.DataFrame, columns: list[str]) -> None:
    from rich.table import Table

    from optimizer.cli.console import console

    table = Table(title=title, title_justify="left")
    shown = [c for c in columns if c in frame.columns]
    for column in shown:
        table.add_column(
            column,  # the CSV's own name: what the docs and the file call it
            justify="right" if frame[column].dtype.kind in "ifb" else "left",
            overflow="fold",  # a narrow terminal wraps numbers rather than cut them
        )

    def cell(column: str, value) -> str:
        if isinstance(value, float):
            if math.isnan(value):
                return "-"
            if column in ("gap", "rel_diff", "build_share"):
                return f"{value:.2e}"
            if column.endswith("_seconds") or column.endswith("_mb"):
                return f"{value:,.2f}"
            return f"{value:,.3f}"
        return str(value)

    for row in frame[shown].itertuples(index=False):
        table.add_row(*[cell(c, v) for c, v in zip(shown, row, strict=True)])
    console.print(table)


def _show_by_case(title: str, frame: pd.DataFrame, key: str) -> None:
    """Print ``frame`` turned on its side: a row per column, a column per case.

    For tables of few cases and many columns (``bench consolidate``), which a
    terminal cannot show side by side; columns empty in every case are left out (the
    CSV keeps them all).
    """
    from rich.table import Table

    from optimizer.cli.console import console

    table = Table(title=title, title_justify="left")
    table.add_column("")
    for value in frame[key]:
        table.add_column(f"{key} {value}", justify="right", overflow="fold")
    for column in frame.columns:
        values = frame[column].tolist()
        if column == key or all(
            v is None or (isinstance(v, float) and math.isnan(v)) for v in values
        ):
            continue
        cells = []
        for v in values:
            if isinstance(v, float):
                cells.append("-" if math.isnan(v) else f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}")
            else:
                cells.append(str(v))
        table.add_row(column, *cells)
    console.print(table)


def _patterns(values: list[str] | None) -> tuple[str, ...]:
    """Patterns from repeated and comma-separated options."""
    return tuple(p.strip() for value in values or () for p in value.split(",") if p.strip())


# --- bench cflp -------------------------------------------------------------------------
def cmd_bench_cflp(args: argparse.Namespace) -> int:
    """Solve CFLP files, compare with known optima, write the table."""
    from optimizer.bench.design import REL_TOL, bench_cflp
    from optimizer.cli.console import ExitCode, console

    def progress(row: dict) -> None:
        console.print(
            f"{row['instance']} ({row['sourcing']}): {row['status']}, objective "
            f"{row['objective']:,.3f}, known {row['known_optimum']:,.3f}, "
            f"rel diff {row['rel_diff']:.1e}, {row['solve_seconds']:.1f} s",
            markup=False,
        )

    frame = bench_cflp(
        args.paths,
        solver=args.solver,
        time_limit=args.time_limit,
        sourcing=args.sourcing,
        optima=args.optima,
        only=_patterns(args.only),
        exclude=_patterns(args.exclude),
        gap=args.gap,
        threads=args.threads,
        progress=progress,
        method=args.method,
    )
    out = write_csv_atomic(frame, args.out)
    _show(
        f"bench cflp ({args.solver}, {args.method}, time limit {args.time_limit} s)",
        frame,
        [
            "instance",
            "sourcing",
            "known_optimum",
            "objective",
            "bound",
            "gap",
            "rel_diff",
            "status",
            "method",
            "build_seconds",
            "solve_seconds",
        ],
    )
    known = frame["known_optimum"].notna()
    reached = int(frame.loc[known, "reached"].sum())
    console.print(
        f"{reached} of {int(known.sum())} instances with a known optimum reached it "
        f"(relative difference <= {REL_TOL:g}); table written to {out}",
        markup=False,
    )
    if args.check and reached < int(known.sum()):
        return ExitCode.ERROR
    return ExitCode.OK


# --- bench scale ------------------------------------------------------------------------
def cmd_bench_scale(args: argparse.Namespace) -> int:
    """Solve generated scenarios of growing size, write the table."""
    from optimizer.bench.design import bench_scale
    from optimizer.cli.console import ExitCode, console

    def progress(row: dict) -> None:
        if row.get("status") == "error":
            console.print(f"{row['villages']} villages: error: {row['error']}", markup=False)
            return
        console.print(
            f"{row['villages']} villages: {row['status']}, gap {row['gap']:.2e}, "
            f"build {row['build_seconds']:.1f} s, solve {row['solve_seconds']:.1f} s, "
            f"peak RSS {row['peak_rss_mb']:.0f} MB",
            markup=False,
        )

    frame = bench_scale(
        args.villages,
        hubs=args.hubs,
        weeks=args.weeks,
        products=args.products,
        seed=args.seed,
        solver=args.solver,
        time_limit=args.time_limit,
        markets=args.markets,
        objective=args.objective,
        gap=args.gap,
        threads=args.threads,
        progress=progress,
        build=args.build,
        lazy_links=not args.all_links,
        start={"auto": None, "on": True, "off": False}[args.start],
    )
    out = write_csv_atomic(frame, args.out)
    _show(
        f"bench scale ({args.solver}, {args.hubs} hubs, {args.weeks} weeks, "
        f"{args.products} products, seed {args.seed}, time limit {args.time_limit:g} s)",
        frame,
        [
            "villages",
            "status",
            "objective",
            "gap",
            "variables",
            "constraints",
            "data_seconds",
            "model_seconds",
            "start_seconds",
            "solve_seconds",
            "build_share",
            "peak_rss_mb",
        ],
    )
    console.print(f"table written to {out}", markup=False)
    errors = frame["status"].eq("error")
    return ExitCode.ERROR if errors.any() else ExitCode.OK


# --- registration -----------------------------------------------------------------------
def _solver_options(parser: argparse.ArgumentParser, time_limit: float) -> None:
    parser.add_argument("--solver", default="highs", help="highs (default), cbc or a PuLP name")
    parser.add_argument(
        "--time-limit",
        type=seconds,
        default=time_limit,
        metavar="S",
        help=f"solver seconds per case (default {time_limit:g})",
    )
    parser.add_argument("--threads", type=at_least(1), default=1, help="solver threads (default 1)")
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="table to write")


def bench_registrars() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Every registrar of extra ``bench`` subcommands that is available here."""
    found = []
    for name in BENCH_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        add = getattr(module, "add_bench_parsers", None)
        if callable(add):
            found.append(add)
    return found + list(BENCH_REGISTRARS)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``bench`` and its subcommands to the ``coldchain`` parser."""
    from optimizer.bench.design import BENCH_GAP, SOURCINGS

    bench = subparsers.add_parser(
        "bench",
        help="benchmarks that write tables (cflp, scale, ...)",
        description="Benchmarks that write a CSV table and print it.",
    )
    sub = bench.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)

    p = sub.add_parser(
        "cflp",
        help="OR-Library and Holmberg facility location files against their known optima",
        description="Solve capacitated facility location files with the dedicated CFLP "
        "solver (--method direct) or through the network design model (--method design: "
        "one-echelon, one-week network) and compare with known optima.",
    )
    p.add_argument("paths", nargs="+", metavar="DIR_OR_FILES", help="CFLP files or folders")
    _solver_options(p, 300.0)
    p.add_argument(
        "--sourcing",
        choices=SOURCINGS,
        default="auto",
        help="multi (splittable), single, or auto: OR-Library multi, Holmberg single",
    )
    p.add_argument(
        "--optima",
        default=None,
        metavar="FILE",
        help="known optima CSV (default: optima.csv in each folder given or beside the files)",
    )
    p.add_argument(
        "--only",
        action="append",
        metavar="PATTERN",
        help="only instances whose name matches (shell pattern; repeat or comma-separate)",
    )
    p.add_argument(
        "--exclude",
        action="append",
        metavar="PATTERN",
        help="leave out instances whose name matches (for example 'capa-*')",
    )
    p.add_argument(
        "--gap",
        type=gap_fraction,
        default=BENCH_GAP,
        help=f"relative MIP gap (default {BENCH_GAP:g})",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="exit 1 unless every instance with a known optimum reaches it",
    )
    p.add_argument(
        "--method",
        choices=("auto", "direct", "design"),
        default="auto",
        help="direct: the dedicated CFLP solver (HiGHS, model built from arrays); design: "
        "the reference network design model through PuLP; auto (default): direct with "
        "HiGHS, design with other solvers",
    )
    p.set_defaults(func=cmd_bench_cflp)

    p = sub.add_parser(
        "scale",
        help="generated scenarios of growing size: seconds, gap, peak memory",
        description="Generate scenarios of growing size and measure data build, model "
        "build and solve seconds, model size, gap and peak memory (each case in a fresh "
        "process).",
    )
    p.add_argument(
        "--villages",
        type=int_list,
        required=True,
        metavar="N,N,...",
        help="village counts, for example 100,500,2000",
    )
    add_scenario_sizes(p, hubs=20, weeks=4, markets=None)
    p.add_argument(
        "--objective",
        choices=("cost", "margin"),
        default=None,
        help="cost: meet demand in full; margin: sell up to demand (default: the generator's)",
    )
    p.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument("--gap", type=gap_fraction, default=None, help="relative MIP gap")
    p.add_argument(
        "--build",
        choices=("direct", "pulp"),
        default="direct",
        help="build the model as arrays handed to HiGHS (default) or through PuLP",
    )
    p.add_argument(
        "--all-links",
        action="store_true",
        help="put every arc linking row in the model up front (default: add the "
        "violated ones lazily)",
    )
    p.add_argument(
        "--start",
        choices=("auto", "on", "off"),
        default="on",
        help="run the start heuristic before the MIP: on (default), off, or auto "
        "(where the model has trips to pay for)",
    )
    _solver_options(p, 300.0)
    p.set_defaults(func=cmd_bench_scale)

    for add in bench_registrars():
        add(sub)
    for parser in sub.choices.values():  # every bench: no overwriting, a run record
        parser.set_defaults(func=_recorded(parser.get_default("func")))
