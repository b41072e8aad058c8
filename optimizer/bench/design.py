"""Benchmarks of the network design model: CFLP anchors and generated scenarios of growing size.

Both functions return a table (a DataFrame, one row per case); ``coldchain bench``
writes it to CSV. Neither is part of the default test run.

* :func:`bench_cflp` solves OR-Library and Holmberg capacitated facility location files
  through the same model-building code as any scenario (:func:`instances.cflp.cflp_network`
  then :func:`optimizer.design.network_design.solve_design`) and compares each objective with the
  known optimum.
* :func:`bench_scale` generates scenarios (:func:`instances.generate_network`) and measures
  data build, model build and solve seconds, model size, gap and peak memory. Each case
  runs in a fresh child process (``multiprocessing`` spawn context), so one case's memory
  and caches never pollute another's; peak memory is the child's peak resident set size
  (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and its growth over the child's RSS once
  the libraries are imported. The CBC backend solves in a grandchild process: its peak is
  reported apart (``RUSAGE_CHILDREN``).
"""

from __future__ import annotations

import fnmatch
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from instances.cflp import CflpInstance, cflp_files, cflp_network, read_cflp, read_optima

#: Relative difference to a known optimum below which a benchmark counts as reaching it.
REL_TOL = 1e-6

#: Relative MIP gap the benchmark asks the solver for: well below REL_TOL, so that a
#: solve stopped by its gap still lands within REL_TOL of the optimum.
BENCH_GAP = 1e-9

SOURCINGS = ("auto", "multi", "single")

CFLP_COLUMNS = [
    "instance",
    "family",
    "facilities",
    "customers",
    "sourcing",
    "known_optimum",
    "objective",
    "bound",
    "gap",
    "rel_diff",
    "reached",
    "status",
    "network_seconds",
    "build_seconds",
    "solve_seconds",
    "solver",
    "method",
    "lp_bound",
    "lagrangian_bound",
    "lagrangian_seconds",
    "lagrangian_fixed_closed",
    "lp_seconds",
    "linking_rows",
    "heuristic_objective",
    "heuristic_gap",
    "heuristic_seconds",
    "fixed_closed",
    "mip_seconds",
    "mip_nodes",
]

#: Ways :func:`bench_cflp` solves: ``direct`` (:func:`optimizer.facility.cflp.solve_cflp`)
#: or ``design`` (the reference PuLP network design model); ``auto`` is ``direct`` for
#: HiGHS and ``design`` for any other solver.
CFLP_METHODS = ("auto", "direct", "design")

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


# --- CFLP -------------------------------------------------------------------------------
def _collect_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """Files to read (folders expanded) and the folders given."""
    files: list[Path] = []
    folders: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            folders.append(path)
            files.extend(cflp_files(path))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: expected a CFLP file or a folder of them")
    return files, folders


def _selected(name: str, only: Sequence[str], exclude: Sequence[str]) -> bool:
    if only and not any(fnmatch.fnmatchcase(name, pattern) for pattern in only):
        return False
    return not any(fnmatch.fnmatchcase(name, pattern) for pattern in exclude)


def cflp_instances(
    paths: Iterable[str | Path], only: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[CflpInstance]:
    """Read CFLP instances from files and folders, filtered by name.

    Parameters
    ----------
    paths
        Files, or folders searched with :func:`instances.cflp.cflp_files`.
    only, exclude
        Shell patterns on instance names (``cap*``, ``capa-*``, ``holmberg-p1``): keep
        the names that match some ``only`` pattern (all if empty) and no ``exclude`` one.
    """
    files, _ = _collect_paths(paths)
    return [
        instance
        for path in files
        for instance in read_cflp(path)
        if _selected(instance.name, only, exclude)
    ]


def _relative(value: float, reference: float) -> float:
    if not (math.isfinite(value) and math.isfinite(reference)):
        return math.nan
    return abs(value - reference) / max(abs(reference), 1e-9)


def bench_cflp(
    paths: Iterable[str | Path],
    solver: str = "highs",
    time_limit: float | None = 300.0,
    sourcing: str = "auto",
    optima: Mapping[tuple[str, str], float] | str | Path | None = None,
    *,
    only: Sequence[str] = (),
    exclude: Sequence[str] = (),
    gap: float = BENCH_GAP,
    threads: int = 1,
    progress: Callable[[dict], None] | None = None,
    method: str = "auto",
) -> pd.DataFrame:
    """Solve CFLP benchmark files with the dedicated CFLP solver or the network design model.

    Parameters
    ----------
    paths
        CFLP files, or folders of them (see :func:`instances.cflp.cflp_files`).
    solver
        ``highs``, ``cbc`` or any PuLP solver name.
    time_limit
        Seconds per instance (``None``: none).
    sourcing
        ``multi`` (splittable demand), ``single`` (each customer served by one
        facility), or ``auto``: what each family's published optima are for (OR-Library
        multi, Holmberg single).
    optima
        Known optima ``{(instance, sourcing): value}``, or an ``optima.csv`` path;
        ``None`` reads ``optima.csv`` where there is one in each folder given, or beside
        each file given (for ``holmberg/pN``, also in the ``holmberg`` folder's parent).
    only, exclude
        Shell patterns on instance names (see :func:`cflp_instances`).
    gap
        Relative MIP gap asked of the solver.
    threads
        Solver threads.
    progress
        Called with each row as it is done (for printing).
    method
        ``direct``: :func:`optimizer.facility.cflp.solve_cflp` (HiGHS only; the model
        built from arrays, with lazy linking rows, an incumbent and reduced-cost fixing);
        ``design``: the reference network design model built through PuLP
        (:func:`instances.cflp.cflp_network` then
        :func:`optimizer.design.network_design.solve_design` with ``build="pulp"``);
        ``auto``: ``direct`` for HiGHS, ``design`` for other solvers.

    Returns
    -------
    pandas.DataFrame
        One row per instance: :data:`CFLP_COLUMNS`. ``rel_diff`` is
        ``|objective - known| / known``; ``reached`` is ``rel_diff <= REL_TOL``.
        ``network_seconds`` is building the :class:`~networks.network.Network` (0 for
        ``direct``); ``build_seconds`` the model; ``solve_seconds`` everything after
        (for ``direct``: Lagrangian phase, LP, heuristic and MIP). The direct path also
        fills what each of its steps did: the strong LP's bound and seconds, the
        Lagrangian phase's bound, seconds and facilities it fixed shut, the linking rows
        the LP needed, the heuristic's objective, gap to the LP bound and seconds, the
        facilities fixed shut by the LP's reduced costs after that, the MIP's seconds and
        nodes (NaN for ``design``).
    """
    from optimizer.design.network_design import DesignOptions, solve_design
    from optimizer.facility import FacilityOptions, solve_cflp

    if sourcing not in SOURCINGS:
        raise ValueError(f"sourcing: expected one of {SOURCINGS}, got {sourcing!r}")
    if method not in CFLP_METHODS:
        raise ValueError(f"method: expected one of {CFLP_METHODS}, got {method!r}")
    if method == "auto":
        method = "direct" if solver.lower() == "highs" else "design"
    if method == "direct" and solver.lower() != "highs":
        raise ValueError(f"method 'direct' solves with HiGHS only, got solver {solver!r}")
    files, folders = _collect_paths(paths)
    if optima is None:
        known: dict[tuple[str, str], float] = {}
        places = list(folders)
        for path in files:  # a file given alone: its folder (a holmberg folder's parent)
            places.append(path.parent)
            if path.parent.name.lower() == "holmberg":
                places.append(path.parent.parent)
        for folder in dict.fromkeys(places):
            if (folder / "optima.csv").is_file():
                known.update(read_optima(folder / "optima.csv"))
    elif isinstance(optima, str | Path):
        known = read_optima(optima)
    else:
        known = dict(optima)
    rows = []
    for path in files:
        for instance in read_cflp(path):
            if not _selected(instance.name, only, exclude):
                continue
            kind = instance.published_sourcing if sourcing == "auto" else sourcing
            stats: Mapping[str, float] = {}
            if method == "direct":
                network_seconds = 0.0
                result = solve_cflp(
                    instance,
                    FacilityOptions(
                        time_limit=time_limit,
                        gap=gap,
                        threads=threads,
                        single_sourcing=kind == "single",
                    ),
                )
                stats = result.stats
            else:
                start = time.perf_counter()
                network = cflp_network(instance)
                network_seconds = time.perf_counter() - start
                result = solve_design(
                    network,
                    DesignOptions(
                        solver=solver,
                        time_limit=time_limit,
                        gap=gap,
                        threads=threads,
                        single_sourcing=kind == "single",
                        ship_all_supply=True,  # a CFLP serves all demand: all supply ships
                        build="pulp",  # the reference model, whatever the default build
                    ),
                )
            optimum = known.get((instance.name, kind), math.nan)
            objective = result.objective if result.has_plan else math.nan
            rel_diff = _relative(objective, optimum)
            row = {
                "instance": instance.name,
                "family": instance.family,
                "facilities": instance.facilities,
                "customers": instance.customers,
                "sourcing": kind,
                "known_optimum": optimum,
                "objective": objective,
                "bound": result.bound,
                "gap": result.gap,
                "rel_diff": rel_diff,
                "reached": bool(rel_diff <= REL_TOL),
                "status": result.status,
                "network_seconds": network_seconds,
                "build_seconds": result.build_seconds,
                "solve_seconds": result.solve_seconds,
                "solver": result.solver,
                "method": method,
            }
            for column in CFLP_COLUMNS[CFLP_COLUMNS.index("lp_bound") :]:
                row[column] = stats.get(column, math.nan)
            rows.append(row)
            if progress is not None:
                progress(row)
    if not rows:  # nothing solved: a filter that matches nothing is a typo, not a result
        from networks.errors import Problem, ScenarioError

        raise ScenarioError(
            Problem(
                ", ".join(str(p) for p in paths),
                "--only/--exclude",
                "patterns that keep at least one instance of "
                + ", ".join(sorted({i.name for f in files for i in read_cflp(f)})[:20]),
                f"only {list(only)}, exclude {list(exclude)}",
            )
        )
    return pd.DataFrame(rows, columns=CFLP_COLUMNS)


# --- scale ------------------------------------------------------------------------------
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
        row.update(
            status=result.status,
            objective=result.objective,
            bound=result.bound,
            gap=result.gap,
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
        row.update(status="error", error=f"{type(exc).__name__}: {exc}")
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
        ``highs``, ``cbc`` or any PuLP solver name.
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
        One row per case: :data:`SCALE_COLUMNS`. ``data_seconds`` computes the model's
        coefficients, ``model_seconds`` builds the model from them and hands it to the
        solver, ``build_seconds`` is both; ``start_seconds`` is the start heuristic
        (counted in ``solve_seconds``), with its plan's objective and the LP relaxation
        bound it proved; ``build_share`` is build / (build + solve). ``peak_rss_mb`` is the
        case's child process peak RSS, ``peak_rss_growth_mb`` its growth over the RSS once
        libraries were imported; ``solver_child_peak_rss_mb`` the peak of a solver run in
        its own process (CBC), NaN for in-process HiGHS.
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

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
        with ProcessPoolExecutor(1, mp_context=context, initializer=_warm_imports) as pool:
            row = pool.submit(_scale_case, case).result()
        rows.append(row)
        if progress is not None:
            progress(row)
    return pd.DataFrame(rows, columns=SCALE_COLUMNS)
