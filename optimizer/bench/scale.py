"""``bench scale``: generated scenarios of growing size, measured.

:func:`bench_scale` generates scenarios (:func:`instances.generate_network`) and measures
data build, model build and solve seconds, model size, gap and peak memory. Each case
runs in a fresh child process (``multiprocessing`` spawn context), so one case's memory
and caches never pollute another's; peak memory is the child's peak resident set size
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and its growth over the child's RSS once
the libraries are imported. The CBC backend solves in a grandchild process: its peak is
reported apart (``RUSAGE_CHILDREN``). It returns a table (one row per case) that
``coldchain bench scale`` writes to CSV; it is not part of the default test run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import pandas as pd

from networks.status import Limit, Status

#: Columns of :func:`bench_scale`'s table.
SCALE_COLUMNS = [
    "villages",
    "hubs",
    "weeks",
    "products",
    "markets",
    "objective_mode",
    "seed",
    "solver",
    "status",
    "limit",
    "objective",
    "bound",
    "gap",
    "variables",
    "constraints",
    "inbound_arcs",
    "routes",
    "generate_seconds",
    "data_seconds",
    "model_seconds",
    "build_seconds",
    "start_seconds",
    "start_objective",
    "relaxation_bound",
    "links_added",
    "solve_seconds",
    "build_share",
    "build",
    "lazy_links",
    "start",
    "peak_rss_mb",
    "peak_rss_growth_mb",
    "solver_child_peak_rss_mb",
    "error",
]


def _scale_case(case: dict) -> dict:  # runs in a fresh child process
    """Generate, build and solve one scale case; measure seconds and peak memory."""
    import resource

    import optimizer.design.network_design as design
    from instances import generate_network

    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sizes = ("villages", "hubs", "weeks", "products", "markets", "seed", "objective")
    generator_args = {k: case[k] for k in sizes if case[k] is not None}
    row: dict = {k: case[k] for k in ("villages", "hubs", "weeks", "products", "seed")}
    row["solver"] = case["solver"]
    try:
        start = time.perf_counter()
        network = generate_network(**generator_args)
        row["markets"] = len(network.markets)
        row["objective_mode"] = network.objective
        row["generate_seconds"] = time.perf_counter() - start
        options = design.DesignOptions.from_network(
            network,
            solver=case["solver"],
            time_limit=case["time_limit"],
            gap=case["gap"],
            threads=case["threads"],
            build=case["build"],
            lazy_links=case["lazy_links"],
            start=case["start"],
        )
        # the PuLP model (--build pulp, or a solver other than HiGHS) has every linking
        # row: lazy links are the direct HiGHS build's
        direct = options.build == "direct" and options.solver.lower() == "highs"
        lazy = options.lazy_links and direct
        row.update(build=options.build, lazy_links=lazy, start=options.start)
        result = design.solve_design(network, options)
        stages = result.stages
        status, limit = result.status, result.limit
        row.update(
            status=status,
            limit=limit,
            objective=result.objective if result.has_plan else math.nan,
            bound=result.bound,
            gap=result.gap if result.has_plan else math.nan,
            variables=result.size.get("variables"),
            constraints=result.size.get("constraints"),
            inbound_arcs=result.size.get("inbound_arcs"),
            routes=result.size.get("routes"),
            data_seconds=stages.get("data_seconds", math.nan),
            model_seconds=result.build_seconds - stages.get("data_seconds", math.nan),
            build_seconds=result.build_seconds,
            start_seconds=stages.get("start_seconds", 0.0),
            start_objective=stages.get("start_objective", math.nan),
            relaxation_bound=stages.get("relaxation_bound", math.nan),
            links_added=stages.get("links_added", math.nan),
            solve_seconds=result.solve_seconds,
            build_share=result.build_seconds / (result.build_seconds + result.solve_seconds),
            error="",
        )
    except Exception as exc:  # noqa: BLE001 - a failed case is a row, not a crash
        row.update(status=Status.ERROR, limit=Limit.NONE, error=f"{type(exc).__name__}: {exc}")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    row["peak_rss_mb"] = peak_kib / 1024.0
    row["peak_rss_growth_mb"] = (peak_kib - baseline_kib) / 1024.0
    row["solver_child_peak_rss_mb"] = child_kib / 1024.0 if child_kib else math.nan
    return row


def _warm_imports() -> None:  # pragma: no cover - runs in the child
    import pulp  # noqa: F401

    import instances  # noqa: F401
    import optimizer.design.network_design  # noqa: F401


def bench_scale(
    villages_list: Sequence[int],
    hubs: int = 20,
    weeks: int = 4,
    products: int = 1,
    seed: int = 1,
    solver: str = "highs",
    time_limit: float | None = 300.0,
    *,
    markets: int | None = None,
    objective: str | None = None,
    gap: float | None = None,
    threads: int = 1,
    progress: Callable[[dict], None] | None = None,
    build: str = "direct",
    lazy_links: bool = True,
    start: bool | None = True,
) -> pd.DataFrame:
    """Solve generated scenarios of growing size and measure them.

    Parameters
    ----------
    villages_list
        Village counts, one case each.
    hubs, weeks, products, seed
        Passed to :func:`instances.generate_network` (other sizes: its defaults).
    solver
        ``highs`` or ``cbc``.
    time_limit
        Solver seconds per case.
    markets, objective
        Passed to the generator where given (``None``: its defaults). ``objective`` is
        ``cost`` (meet demand in full) or ``margin`` (sell up to demand).
    gap
        Relative MIP gap (``None``: the scenario's, else the model's default).
    threads
        Solver threads.
    progress
        Called with each row as it is done.
    build, lazy_links, start
        How the model is built and started (:class:`optimizer.design.network_design.DesignOptions`):
        ``direct`` arrays to HiGHS or the reference ``pulp`` model; linking rows added
        lazily or all up front. Compare them to measure each lever.

    Returns
    -------
    pandas.DataFrame
        One row per case: :data:`SCALE_COLUMNS`. ``status`` and ``limit`` are the words
        of :mod:`networks.status` (``error`` where the case failed, with the exception
        in ``error``). ``data_seconds`` computes the model's
        coefficients, ``model_seconds`` builds the model from them and hands it to the
        solver, ``build_seconds`` is both; ``start_seconds`` is the start heuristic
        (counted in ``solve_seconds``), with its plan's objective and the LP relaxation
        bound it proved; ``build_share`` is build / (build + solve). ``peak_rss_mb`` is the
        case's child process peak RSS, ``peak_rss_growth_mb`` its growth over the RSS once
        libraries were imported; ``solver_child_peak_rss_mb`` the peak of a solver run in
        its own process (CBC), NaN for in-process HiGHS.
    """
    import multiprocessing as mp

    from optimizer.backends.interrupt import WorkerPool

    context = mp.get_context("spawn")
    rows = []
    for villages in villages_list:
        case = {
            "villages": int(villages),
            "hubs": hubs,
            "weeks": weeks,
            "products": products,
            "markets": markets,
            "objective": objective,
            "seed": seed,
            "solver": solver,
            "time_limit": time_limit,
            "gap": gap,
            "threads": threads,
            "build": build,
            "lazy_links": lazy_links,
            "start": start,
        }
        with WorkerPool(1, mp_context=context, initializer=_warm_imports) as pool:
            row = pool.submit(_scale_case, case).result()
        rows.append(row)
        if progress is not None:
            progress(row)
    return pd.DataFrame(rows, columns=SCALE_COLUMNS)
