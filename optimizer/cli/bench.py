"""The ``bench`` command: benchmarks that print a table and write it to CSV.

``coldchain bench cflp|scale|cvrp|vrptw|consolidate``: each subcommand parses its
arguments, calls its function in :mod:`optimizer.bench` (which returns the table),
prints it, writes it as a new CSV file with its run record beside it
(``TABLE.run.json``) and sets the exit code.
"""

from __future__ import annotations

import argparse
import functools
import math
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from networks.status import Status
from optimizer.bench import (
    BENCH_GAP,
    CFLP_METHODS,
    REL_TOL,
    SOURCINGS,
    bench_cflp,
    bench_consolidate,
    bench_design,
    bench_scale,
    run_benchmark,
    summary,
)
from optimizer.cli.arguments import (
    add_scenario_sizes,
    add_scheduler_flag,
    at_least,
    gap_fraction,
    int_list,
    seconds,
    solver,
)
from optimizer.cli.console import ExitCode, console
from optimizer.cli.consolidate import add_coalition_solver_args
from optimizer.routing import BACKENDS
from results.store import (
    machine_description,
    refuse_existing_file,
    run_metadata,
    write_csv_atomic,
    write_table_run,
)


def _sidecar(out: str | Path) -> Path:
    """The run record written beside a bench table: ``TABLE.run.json``."""
    out = Path(out)
    return out.with_name(out.stem + ".run.json")


def _recorded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A bench command that refuses an existing ``--out`` and records how its table was made.

    Before anything is solved, an existing table (or its record) stops the run: a run
    never overwrites another. The command hands its table over (:func:`_keep_table`);
    it is written with ``TABLE.run.json`` beside it, together or not at all
    (:func:`results.store.write_table_run`): the command line, every argument, the
    package versions, the machine (cores, memory), the UTC time it started, its wall
    seconds and exit code: what the table's timings mean, and how to run it again.
    """

    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        out = getattr(args, "out", None)
        if out:
            refuse_existing_file(out)
            refuse_existing_file(_sidecar(out))
        record = run_metadata()
        clock = time.perf_counter()
        kept: list[pd.DataFrame] = []
        args.keep_table = kept.append
        try:
            code = func(args)
        finally:
            del args.keep_table
        if out and kept:
            frame = kept[-1]
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
            write_table_run(out, frame, record)
            console.print(f"table written to {out}, its run record to {_sidecar(out)}")
        return code

    return run


def _keep_table(args: argparse.Namespace, frame: pd.DataFrame) -> None:
    """Hand a bench's table to :func:`_recorded`, which writes it with its run record.

    A bench command called on its own (not through the command line) writes the table
    alone.
    """
    if not getattr(args, "out", None):
        return
    keep = getattr(args, "keep_table", None)
    if keep is None:
        write_csv_atomic(frame, args.out)
    else:
        keep(frame)


def _show(title: str, frame: pd.DataFrame, columns: list[str]) -> None:
    table = Table(title=title, title_justify="left")
    shown = [c for c in columns if c in frame.columns]
    for column in shown:
        table.add_column(
            column,  # the CSV's own name: what the docs and the file call it
            justify="right" if frame[column].dtype.kind in "ifb" else "left",
            overflow="fold",  # a narrow terminal wraps numbers rather than cut them
        )

    def cell(column: str, value) -> str:
        if value is None:  # an empty cell of the CSV (no bound proven, say)
            return "-"
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


def _solver_options(parser: argparse.ArgumentParser, time_limit: float) -> None:
    parser.add_argument("--solver", type=solver, default="highs", help="highs (default) or cbc")
    parser.add_argument(
        "--time-limit",
        type=seconds,
        default=time_limit,
        metavar="S",
        help=f"solver seconds per case (default {time_limit:g})",
    )
    parser.add_argument("--threads", type=at_least(1), default=1, help="solver threads (default 1)")
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="table to write")


# --- bench cflp -------------------------------------------------------------------------
def cmd_bench_cflp(args: argparse.Namespace) -> int:
    """Solve CFLP files, compare with known optima, write the table."""

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
    _keep_table(args, frame)
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
            "limit",
            "method",
            "build_seconds",
            "solve_seconds",
        ],
    )
    known = frame["known_optimum"].notna()
    reached = int(frame.loc[known, "reached"].sum())
    console.print(
        f"{reached} of {int(known.sum())} instances with a known optimum reached it "
        f"(relative difference <= {REL_TOL:g})",
        markup=False,
    )
    if args.check and reached < int(known.sum()):
        return ExitCode.ERROR
    return ExitCode.OK


def _add_cflp(sub: argparse._SubParsersAction) -> None:
    """Add ``bench cflp``."""
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
        choices=CFLP_METHODS,
        default="auto",
        help="direct: the dedicated CFLP solver (HiGHS, model built from arrays); design: "
        "the reference network design model through PuLP; auto (default): direct with "
        "HiGHS, design with other solvers",
    )
    p.set_defaults(func=cmd_bench_cflp)


# --- bench scale ------------------------------------------------------------------------
def cmd_bench_scale(args: argparse.Namespace) -> int:
    """Solve generated scenarios of growing size, write the table."""

    def progress(row: dict) -> None:
        if row["status"] is Status.ERROR:
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
    _keep_table(args, frame)
    _show(
        f"bench scale ({args.solver}, {args.hubs} hubs, {args.weeks} weeks, "
        f"{args.products} products, seed {args.seed}, time limit {args.time_limit:g} s)",
        frame,
        [
            "villages",
            "status",
            "limit",
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
    errors = frame["status"].eq(Status.ERROR)
    return ExitCode.ERROR if errors.any() else ExitCode.OK


def _add_scale(sub: argparse._SubParsersAction) -> None:
    """Add ``bench scale``."""
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


# --- bench design -----------------------------------------------------------------------
def cmd_bench_design(args: argparse.Namespace) -> int:
    """Solve and score named scenarios as ``coldchain solve`` does, write the table."""

    def progress(row: dict) -> None:
        if row["status"] == "error":
            console.print(f"{row['scenario']}: error: {row['error']}", markup=False)
            return
        console.print(
            f"{row['scenario']}: evaluated {row['objective_sense']} {row['objective']:,.0f}"
            f" ({row['status']}, model {row['model_status']} gap {row['model_gap']:.2%}), "
            f"{row['seconds']:.0f} s",
            markup=False,
        )

    with console.status("bench design: solving and scoring each scenario", spinner="dots"):
        frame = bench_design(
            args.scenarios, time_limit=args.time_limit, trips=args.trips, progress=progress
        )
    _keep_table(args, frame)
    _show(
        "bench design",
        frame,
        [
            "scenario",
            "status",
            "objective",
            "margin",
            "cost",
            "bound",
            "gap",
            "model_gap",
            "seconds",
        ],
    )
    return ExitCode.ERROR if frame["status"].eq("error").any() else ExitCode.OK


def _add_design(sub: argparse._SubParsersAction) -> None:
    """Add ``bench design``."""
    p = sub.add_parser(
        "design",
        help="named scenarios solved and scored as solve does: margin, cost, bound, gap",
        description="Solve each scenario's network design with its own [design] settings "
        "(time limit and trips as given), score the plan with the exact evaluator, and "
        "write one row per scenario: status, evaluated margin and cost, the bound proven "
        "for it, the model's own gap, the status quo's figure, seconds.",
    )
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="bundled names or folders")
    p.add_argument(
        "--time-limit",
        type=seconds,
        default=None,
        help="seconds per solve (default: the scenario's)",
    )
    p.add_argument(
        "--trips", choices=("integer", "linear"), default=None, help="default: the scenario's"
    )
    p.add_argument("--out", required=True, help="a new CSV file (its run record beside it)")
    p.set_defaults(func=cmd_bench_design)


# --- bench consolidate ------------------------------------------------------------------
def _coalitions_file(pattern: str, firms: int, sizes: list[int]) -> str:
    """The ``--coalitions-out`` file for ``firms`` firms.

    ``{firms}`` in the name is replaced by the count; with several counts and no
    ``{firms}``, the count goes before the suffix.
    """
    if "{firms}" in pattern or len(sizes) == 1:
        return pattern.replace("{firms}", str(firms))
    path = Path(pattern)
    return str(path.with_name(f"{path.stem}-{firms}{path.suffix}"))


def cmd_bench_consolidate(args: argparse.Namespace) -> int:
    """Consolidate generated scenarios of each firm count, write the table."""
    sizes = args.sizes
    if args.coalitions_out:  # refuse before the solving, not after
        for firms in sizes:
            refuse_existing_file(_coalitions_file(args.coalitions_out, firms, sizes))
    clock = time.perf_counter()
    batches = [0]

    def progress(done: int, total: int) -> None:
        # one line per 25 solves on stderr, so that a run cut short still says how far
        # it got (each batch of solves is a round of sampled Shapley)
        if done == 1:
            batches[0] += 1
        if done % 25 == 0 or done == total:
            seconds = time.perf_counter() - clock
            print(f"[{seconds:8.1f} s] batch {batches[0]}: {done}/{total}", file=sys.stderr)

    def write_coalitions(firms: int, table: pd.DataFrame) -> None:
        write_csv_atomic(table, _coalitions_file(args.coalitions_out, firms, sizes))

    methods = tuple(m.strip() for m in args.methods.split(",")) if args.methods else None
    frame = bench_consolidate(
        sizes,
        args.seed,
        args.villages,
        args.hubs,
        args.weeks,
        args.workers,
        args.samples,
        args.time_limit,
        markets=args.markets,
        target_pct=None if args.target_pct <= 0 else args.target_pct,
        min_samples=args.min_samples,
        warm=args.warm,
        reuse_model=args.reuse_model,
        gap=args.gap,
        methods=methods,
        heuristics=args.heuristics,
        antithetic=args.antithetic,
        baseline=args.baseline,
        coalitions=write_coalitions if args.coalitions_out else None,
        progress=progress if args.verbose else None,
        project=args.project,
        costs=args.costs,
        scheduler=args.scheduler,
    )
    _keep_table(args, frame)
    _show_by_case("bench consolidate", frame, "firms")
    return ExitCode.OK


def _add_consolidate(sub: argparse._SubParsersAction) -> None:
    """Add ``bench consolidate``."""
    p = sub.add_parser(
        "consolidate",
        help="coalition solves and seconds against firm counts",
        description="For each firm count, generate a scenario with that many firms, "
        "solve every coalition (exact Shapley, up to 15 firms) or sampled coalitions "
        "(sampled Shapley, beyond, or with --target-pct), and write one table row per "
        "count: coalitions solved, seconds (wall and CPU), savings, allocations. "
        "--project estimates an exact run's seconds from a sample instead.",
    )
    p.add_argument(
        "--sizes",
        type=int_list,
        default=[4, 8, 12],
        metavar="N,N,...",
        help="firm counts, comma-separated, for example 4,8,12 (default 4,8,12)",
    )
    p.add_argument("--seed", type=int, default=1, help="generator and sampling seed (default 1)")
    p.add_argument(
        "--villages",
        type=at_least(0),
        default=0,
        help="villages of each generated scenario (default 0: 3 per firm, at least 12)",
    )
    add_scenario_sizes(p, hubs=6, weeks=2, markets=1, products=False)
    p.add_argument("--workers", type=at_least(1), default=2, help="solver processes (default 2)")
    add_scheduler_flag(p)
    p.add_argument("--samples", type=int, default=200, help="most random orders of sampled Shapley")
    p.add_argument(
        "--target-pct",
        type=float,
        default=1.0,
        help="sample until every 95%% half-width is within this %% of the grand "
        "coalition's cost (0: exactly --samples orders)",
    )
    add_coalition_solver_args(p)
    p.add_argument(
        "--reuse-model",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="one model per worker, restricted to each coalition by bounds",
    )
    p.add_argument("--gap", type=gap_fraction, default=None, help="relative MIP gap per coalition")
    p.add_argument("--methods", default=None, help="allocation methods, comma-separated")
    p.add_argument("--time-limit", type=seconds, default=None, help="seconds per coalition")
    p.add_argument("--out", required=True, help="CSV file to write")
    p.add_argument(
        "--coalitions-out", default=None, help="CSV of every coalition's solve ({firms}: count)"
    )
    p.add_argument(
        "--project",
        type=int,
        default=0,
        help="up to 15 firms: solve the grand coalition and this many random others, "
        "and project the CPU seconds of solving every coalition (0: solve them all)",
    )
    p.add_argument("--verbose", action="store_true", help="solves done, on stderr")
    p.set_defaults(func=cmd_bench_consolidate)


# --- bench cvrp, bench vrptw ------------------------------------------------------------
def add_routing_parsers(bench_subparsers: argparse._SubParsersAction) -> None:
    """Add ``bench cvrp`` and ``bench vrptw``."""
    for family, run, what in (
        ("cvrp", cmd_bench_cvrp, "CVRPLIB .vrp file (distances rounded to integers)"),
        ("vrptw", cmd_bench_vrptw, "Solomon .txt file (distances truncated to 0.1)"),
    ):
        p = bench_subparsers.add_parser(
            family, help=f"solve each {what} of a folder; gaps against bks.csv"
        )
        p.add_argument("dir", metavar="DIR", help="a folder of benchmark files, or one file")
        p.add_argument(
            "--time-limit",
            type=float,
            default=30.0,
            metavar="S",
            help="seconds per instance (default 30)",
        )
        p.add_argument("--out", metavar="FILE.csv", help="write the table to a new CSV file")
        p.add_argument(
            "--backend", choices=BACKENDS, default="auto", help="routing backend (default auto)"
        )
        p.add_argument("--seed", type=int, default=0, help="seed of the first run (default 0)")
        p.add_argument(
            "--bks", metavar="FILE", help="bks.csv with best known values (default: DIR/../bks.csv)"
        )
        p.add_argument(
            "--runs", type=int, default=1, help="runs per instance with different seeds (default 1)"
        )
        p.add_argument(
            "--workers",
            type=int,
            default=None,
            help="parallel searches per instance (default: both cores)",
        )
        p.add_argument(
            "--polish",
            type=float,
            default=0.0,
            metavar="SHARE",
            help="share of the time for OR-Tools polishing of PyVRP's routes",
        )
        p.add_argument(
            "--iterations",
            type=at_least(1),
            default=None,
            metavar="N",
            help="stop each PyVRP search after N iterations: reproducible tables, as long "
            "as the time limit does not stop a search first (default: time limit only)",
        )
        p.add_argument(
            "--clock",
            choices=["wall", "cpu"],
            default="wall",
            help="wall: the limit is wall-clock seconds (default); cpu: each "
            "search gets it in processor seconds of its own (shared machines)",
        )
        p.set_defaults(func=run)


def _bench_routing(family: str, args: argparse.Namespace, console: Console) -> int:
    def show(row: dict) -> None:
        gap = "" if math.isnan(row["gap_pct"]) else f"  gap {row['gap_pct']:.2f}%"
        console.print(
            f"{row['instance']}: {row['status']} ({row['limit']}) cost {row['cost']:g} "
            f"(bks {row['bks']:g})"
            f"{gap}  {row['vehicles']} vehicles  {row['seconds']:.1f} s "
            f"(cpu {row['cpu_seconds']:.1f} s)  [{row['backend']}]",
            markup=False,
        )

    if args.out:  # fail before the solving, not after
        refuse_existing_file(args.out)
    frame = run_benchmark(
        args.dir,
        family,
        time_limit=args.time_limit,
        backend=args.backend,
        seed=args.seed,
        bks_path=args.bks,
        runs=args.runs,
        workers=args.workers,
        polish=args.polish,
        progress=show,
        clock=args.clock,
        iterations=args.iterations,
    )
    table = Table(title=f"bench {family}: {args.dir}", title_justify="left")
    for column in (
        "instance",
        "run",
        "bks",
        "cost",
        "gap_pct",
        "vehicles",
        "seconds",
        "cpu_seconds",
        "backend",
        "status",
        "limit",
    ):
        table.add_column(
            column,
            justify="left" if column in ("instance", "backend", "status", "limit") else "right",
            overflow="fold",
        )
    for row in frame.itertuples(index=False):
        table.add_row(
            row.instance,
            str(row.run),
            f"{row.bks:g}",
            f"{row.cost:g}",
            f"{row.gap_pct:.2f}",
            str(row.vehicles),
            f"{row.seconds:.1f}",
            f"{row.cpu_seconds:.1f}",
            row.backend,
            row.status,
            row.limit,
        )
    console.print(table)
    stats = summary(frame)
    if stats:
        if frame["run"].nunique() > 1:
            per_run = ", ".join(
                f"{stats[f'mean_gap_pct_run{r}']:.3f}%" for r in sorted(frame["run"].unique())
            )
            console.print(f"mean gap per run: {per_run}", markup=False)
        console.print(
            f"mean gap {stats['mean_gap_pct']:.3f}% over "
            f"{int(stats['instances'])} instances, worst {stats['max_gap_pct']:.3f}%, "
            f"{int(stats['with_plan'])}/{len(frame)} with a plan",
            markup=False,
        )
    _keep_table(args, frame)
    if stats and stats["with_plan"] < len(frame):
        return ExitCode.ERROR
    return ExitCode.OK


def cmd_bench_cvrp(args: argparse.Namespace, console: Console = console) -> int:
    """``coldchain bench cvrp DIR``: exit 0 when every instance got a plan, else 1."""
    return _bench_routing("cvrp", args, console)


def cmd_bench_vrptw(args: argparse.Namespace, console: Console = console) -> int:
    """``coldchain bench vrptw DIR``: exit 0 when every instance got a plan, else 1."""
    return _bench_routing("vrptw", args, console)


# --- bench sweep ------------------------------------------------------------------------
def cmd_bench_sweep(args: argparse.Namespace) -> int:
    """Run the same sweep on each executor, write the table."""
    from optimizer.bench.sweep import bench_sweep
    from optimizer.cli.console import progress_bar

    with progress_bar() as bar:
        tasks: dict[str, int] = {}

        def progress(scheduler: str, done: int, total: int) -> None:
            if scheduler not in tasks:
                tasks[scheduler] = bar.add_task(scheduler, total=total)
            bar.update(tasks[scheduler], completed=done)

        frame = bench_sweep(
            args.schedulers.split(","),
            args.villages,
            args.hubs,
            args.weeks,
            args.runs,
            args.seed,
            args.gap,
            progress=progress,
            time_limit=args.time_limit,
        )
    _keep_table(args, frame)
    _show_by_case("bench sweep", frame, "scheduler")
    return ExitCode.OK


def _add_sweep(sub: argparse._SubParsersAction) -> None:
    """Add ``bench sweep``."""
    p = sub.add_parser(
        "sweep",
        help="one sweep on each executor: speed-up and overhead per task",
        description="Solve a generated scenario under --runs hub-cost factors on each "
        "executor in turn (pool:N for the local pool, local:N for a local Dask cluster, "
        "or a scheduler's address), one task per worker in flight, and write one row "
        "per executor: wall seconds, median task, overhead per task (submission, "
        "transfer, store write), speed-up and parallel efficiency against the first.",
    )
    p.add_argument(
        "--schedulers",
        default="local:1,local:2",
        help="executors, comma-separated (default local:1,local:2)",
    )
    p.add_argument("--villages", type=at_least(1), default=200, help="villages (default 200)")
    p.add_argument("--hubs", type=at_least(1), default=20, help="hub candidates (default 20)")
    p.add_argument("--weeks", type=at_least(1), default=4, help="weeks (default 4)")
    p.add_argument("--runs", type=at_least(1), default=20, help="runs of the sweep (default 20)")
    p.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument("--gap", type=gap_fraction, default=None, help="relative MIP gap per solve")
    p.add_argument(
        "--time-limit",
        type=seconds,
        default=None,
        help="seconds per solve (default: none, each solve runs to its gap; with a limit "
        "the runs' results may differ between executors)",
    )
    p.add_argument("--out", required=True, help="CSV file to write")
    p.set_defaults(func=cmd_bench_sweep)


# --- registration -----------------------------------------------------------------------
def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``bench`` and its subcommands to the ``coldchain`` parser."""
    bench = subparsers.add_parser(
        "bench",
        help="benchmarks that write tables (cflp, scale, ...)",
        description="Benchmarks that write a CSV table and print it.",
    )
    sub = bench.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)

    for add in (
        _add_cflp,
        _add_scale,
        _add_design,
        add_routing_parsers,
        _add_consolidate,
        _add_sweep,
    ):
        add(sub)
    for parser in sub.choices.values():  # every bench: no overwriting, a run record
        parser.set_defaults(func=_recorded(parser.get_default("func")))
