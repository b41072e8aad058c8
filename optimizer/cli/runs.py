"""The ``runs`` command: list, filter and export the runs of a run store."""

from __future__ import annotations

import argparse
from pathlib import Path

#: Columns shown by default (those the store has), after the lever columns.
DEFAULT_COLUMNS = (
    "run_id",
    "command",
    "status",
    "limit",
    "objective",
    "gap",
    "total_cost",
    "margin",
    "spoilage_rate",
    "co2_t",
    "delivered_t",
    "seconds_run",
)


def where_argument(text: str) -> tuple[str, str, str]:
    """``COLUMN=VALUE``, ``COLUMN<VALUE`` or ``COLUMN>VALUE`` (a filter on the index)."""
    for op in ("!=", "<=", ">=", "=", "<", ">"):
        if op in text:
            column, _, value = text.partition(op)
            if column.strip() and value.strip():
                return column.strip(), op, value.strip()
    raise argparse.ArgumentTypeError(
        f"expected COLUMN=VALUE (or !=, <, <=, >, >=), like status=optimal, got {text!r}"
    )


def _filter(frame, column: str, op: str, value: str):
    import pandas as pd

    from networks.errors import Problem, ScenarioError

    if column not in frame.columns:
        raise ScenarioError(
            Problem(
                "--where", column, f"a column of the index ({', '.join(frame.columns)})", column
            )
        )
    series = frame[column]
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        try:
            target = float(value)
        except ValueError:
            raise ScenarioError(Problem("--where", column, "a number", repr(value))) from None
    else:
        series, target = series.astype(str), value
    ops = {
        "=": series.eq,
        "!=": series.ne,
        "<": series.lt,
        "<=": series.le,
        ">": series.gt,
        ">=": series.ge,
    }
    return frame[ops[op](target)]


def summary(frame, columns: list[str]):
    """Mean, standard deviation, 5% and 95% quantiles of each column (NaN skipped)."""
    import pandas as pd

    _known(frame, columns, "--summary")
    rows = []
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce").dropna()
        rows.append(
            {
                "column": column,
                "runs": len(values),
                "mean": values.mean(),
                "std": values.std(),
                "p5": values.quantile(0.05),
                "p50": values.quantile(0.5),
                "p95": values.quantile(0.95),
            }
        )
    return pd.DataFrame(rows)


def _known(frame, columns: list[str], flag: str) -> None:
    from networks.errors import Problem, ScenarioError

    wrong = [c for c in columns if c not in frame.columns]
    if wrong:
        raise ScenarioError(
            Problem(flag, wrong[0], f"a column of the index ({', '.join(frame.columns)})", wrong[0])
        )


def _plot(args: argparse.Namespace, store, frame) -> int:
    """Write the study's page: runs on two KPIs, the efficient ones joined."""
    from networks.errors import Problem, ScenarioError
    from optimizer.cli.console import ExitCode, console
    from results.report.study import study_page
    from results.store import RunWriter

    columns = [c.strip() for c in args.plot.split(",") if c.strip()]
    if len(columns) not in (2, 3) or not args.html:
        raise ScenarioError(
            Problem("--plot", "X,Y[,COLOR]", "two or three columns and --html FILE", args.plot)
        )
    higher = tuple(c.removeprefix("max:") for c in columns if c.startswith("max:"))
    columns = [c.removeprefix("max:") for c in columns]
    _known(frame, columns, "--plot")
    x, y, *color = columns
    title = f"{store.study.get('scenario', '')}: {y} against {x}"
    page = study_page(frame, x, y, color[0] if color else None, title, higher)
    with RunWriter(args.html, files=True) as run:
        run.write_text(Path(args.html).name, page)
    console.print(f"{len(frame)} runs -> {args.html}")
    return ExitCode.OK


def cmd_runs(args: argparse.Namespace) -> int:
    """Print the store's runs (filtered, sorted), sum them up, plot or export them."""
    from optimizer.cli.console import ExitCode, _table, console
    from results.runstore import RunStore
    from results.store import write_csv_atomic

    store = RunStore.open(args.store)
    frame = store.index()
    for column, op, value in args.where:
        frame = _filter(frame, column, op, value)
    if args.sort:
        column = args.sort.lstrip("-")
        if column in frame.columns:
            frame = frame.sort_values(column, ascending=not args.sort.startswith("-"))
    if args.summary:
        console.print(_table(f"{len(frame)} runs ({args.store})", summary(frame, args.summary)))
        return ExitCode.OK
    if args.plot:
        return _plot(args, store, frame)
    if args.export:
        out = Path(args.export)
        if out.suffix == ".parquet":
            from results.store import refuse_existing_file

            refuse_existing_file(out)
            frame.to_parquet(out, index=False)
        else:
            write_csv_atomic(frame, out)
        console.print(f"{len(frame)} runs -> {out}")
        return ExitCode.OK
    if args.columns:
        shown = [c.strip() for c in args.columns.split(",") if c.strip() in frame.columns]
    else:
        levers = [c for c in frame.columns if c.startswith("lever_")]
        shown = ["run_id", *levers, *(c for c in DEFAULT_COLUMNS[1:] if c in frame.columns)]
    study = store.study
    title = f"{study.get('scenario', '')}: {len(frame)} runs ({args.store})"
    console.print(_table(title, frame[shown].head(args.limit) if args.limit else frame[shown]))
    return ExitCode.OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``runs`` to the command line."""
    p = sub.add_parser(
        "runs",
        help="list, filter and export the runs of a run store (coldchain sweep --out)",
        description="One row per run: its id (for `coldchain report STORE:RUN_ID`), lever "
        "values, status and KPIs. --export writes every column.",
    )
    p.add_argument("store", help="a run store folder")
    p.add_argument(
        "--where",
        type=where_argument,
        action="append",
        default=[],
        metavar="COLUMN=VALUE",
        help="keep runs whose column matches (repeatable; =, !=, <, <=, >, >=)",
    )
    p.add_argument("--sort", default=None, help="sort by this column (-COLUMN: descending)")
    p.add_argument("--columns", default=None, help="columns to show, comma-separated")
    p.add_argument("--limit", type=int, default=0, help="show at most this many runs")
    p.add_argument(
        "--export", default=None, help="write the (filtered) index to FILE.csv or FILE.parquet"
    )
    p.add_argument(
        "--summary",
        type=lambda t: [c.strip() for c in t.split(",") if c.strip()],
        default=None,
        metavar="COL,COL",
        help="mean, std and 5/50/95%% quantiles of these columns over the runs (Monte Carlo)",
    )
    p.add_argument(
        "--plot",
        default=None,
        metavar="X,Y[,COLOR]",
        help="plot the runs on two columns (colored by a third), the efficient ones "
        "(lower is better; max:COL: higher) joined: a Pareto front; needs --html",
    )
    p.add_argument("--html", default=None, help="the new HTML file --plot writes")
    p.set_defaults(func=cmd_runs)
