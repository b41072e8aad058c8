"""``bench cflp``: OR-Library and Holmberg facility location files against their optima.

:func:`bench_cflp` reads capacitated facility location files (:mod:`instances.cflp`),
solves each instance with the dedicated CFLP solver (:func:`optimizer.facility.solve_cflp`,
``method="direct"``) or through the same model-building code as any scenario
(:func:`instances.cflp.cflp_network` then
:func:`optimizer.design.network_design.solve_design`, ``method="design"``), and compares
each objective with the known optimum. It returns a table (one row per instance) that
``coldchain bench cflp`` writes to CSV; it is not part of the default test run.
"""

from __future__ import annotations

import fnmatch
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from instances.cflp import CflpInstance, cflp_files, cflp_network, read_cflp, read_optima
from networks.errors import Problem, ScenarioError

#: Relative difference to a known optimum below which a benchmark counts as reaching it.
REL_TOL = 1e-6

#: Relative MIP gap the benchmark asks the solver for: well below REL_TOL, so that a
#: solve stopped by its gap still lands within REL_TOL of the optimum.
BENCH_GAP = 1e-9

#: ``sourcing`` of :func:`bench_cflp`: ``auto`` is what each family's optima are for.
SOURCINGS = ("auto", "multi", "single")

#: Ways :func:`bench_cflp` solves: ``direct`` (:func:`optimizer.facility.solve_cflp`)
#: or ``design`` (the network design model through PuLP); ``auto`` is ``direct`` for
#: HiGHS and ``design`` for any other solver.
CFLP_METHODS = ("auto", "direct", "design")

#: Columns of :func:`bench_cflp`'s table; those from ``lp_bound`` on are the direct
#: solver's steps (:attr:`optimizer.facility.FacilityResult.stats`).
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
    "limit",
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

    Returns
    -------
    list of CflpInstance
        In file order (folders in natural order).
    """
    files, _ = _collect_paths(paths)
    return [
        instance
        for path in files
        for instance in read_cflp(path)
        if _selected(instance.name, only, exclude)
    ]


def _known_optima(
    optima: Mapping[tuple[str, str], float] | str | Path | None,
    files: list[Path],
    folders: list[Path],
) -> dict[tuple[str, str], float]:
    """The optima given, or those of ``optima.csv`` in or beside what was given."""
    if isinstance(optima, str | Path):
        return read_optima(optima)
    if optima is not None:
        return dict(optima)
    known: dict[tuple[str, str], float] = {}
    places = list(folders)
    for path in files:  # a file given alone: its folder (a holmberg folder's parent)
        places.append(path.parent)
        if path.parent.name.lower() == "holmberg":
            places.append(path.parent.parent)
    for folder in dict.fromkeys(places):
        if (folder / "optima.csv").is_file():
            known.update(read_optima(folder / "optima.csv"))
    return known


def _relative(value: float, reference: float) -> float:
    if not (math.isfinite(value) and math.isfinite(reference)):
        return math.nan
    return abs(value - reference) / max(abs(reference), 1e-9)


def _solve_direct(instance: CflpInstance, single: bool, time_limit, gap, threads) -> dict:
    """One row's solve columns from the dedicated CFLP solver."""
    from optimizer.facility import FacilityOptions, solve_cflp

    options = FacilityOptions(
        time_limit=time_limit, gap=gap, threads=threads, single_sourcing=single
    )
    return {"network_seconds": 0.0, **solve_cflp(instance, options).kpis()}


def _solve_design(instance: CflpInstance, single: bool, solver, time_limit, gap, threads) -> dict:
    """One row's solve columns from the network design model, through PuLP."""
    from optimizer.design.network_design import DesignOptions, solve_design

    start = time.perf_counter()
    network = cflp_network(instance)
    network_seconds = time.perf_counter() - start
    options = DesignOptions(
        solver=solver,
        time_limit=time_limit,
        gap=gap,
        threads=threads,
        single_sourcing=single,
        ship_all_supply=True,  # a CFLP serves all demand: all supply ships
        build="pulp",  # every linking row, whatever the default build
    )
    result = solve_design(network, options)
    status, limit = result.status, result.limit
    return {
        "status": status,
        "limit": limit,
        "objective": result.objective if result.has_plan else math.nan,
        "bound": result.bound,
        "gap": result.gap if result.has_plan else math.nan,
        "network_seconds": network_seconds,
        "build_seconds": result.build_seconds,
        "solve_seconds": result.solve_seconds,
        "solver": result.solver,
    }


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
        ``highs`` or ``cbc``.
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
        ``direct``: :func:`optimizer.facility.solve_cflp` (HiGHS only; the model built
        from arrays, with lazy linking rows, an incumbent and reduced-cost fixing);
        ``design``: the network design model handed to PuLP
        (:func:`instances.cflp.cflp_network` then
        :func:`optimizer.design.network_design.solve_design` with ``build="pulp"``);
        ``auto``: ``direct`` for HiGHS, ``design`` for other solvers.

    Returns
    -------
    pandas.DataFrame
        One row per instance: :data:`CFLP_COLUMNS`. ``status`` and ``limit`` are the
        words of :mod:`networks.status` (a time-limited solve with a plan is
        ``feasible`` with ``limit`` ``time``). ``rel_diff`` is ``|objective - known| /
        known``; ``reached`` is ``rel_diff <= REL_TOL``. ``network_seconds`` is building
        the :class:`~networks.network.Network` (0 for ``direct``); ``build_seconds`` the
        model; ``solve_seconds`` everything after (for ``direct``: Lagrangian phase, LP,
        heuristic and MIP). The direct path also fills what each of its steps did: the
        strong LP's bound and seconds, the Lagrangian phase's bound, seconds and
        facilities it fixed shut, the linking rows the LP needed, the heuristic's
        objective, gap to the LP bound and seconds, the facilities fixed shut by the
        LP's reduced costs after that, the MIP's seconds and nodes (NaN for ``design``).

    Raises
    ------
    ScenarioError
        If ``only`` and ``exclude`` keep no instance (naming the instances there are).
    """
    if sourcing not in SOURCINGS:
        raise ValueError(f"sourcing: expected one of {SOURCINGS}, got {sourcing!r}")
    if method not in CFLP_METHODS:
        raise ValueError(f"method: expected one of {CFLP_METHODS}, got {method!r}")
    if method == "auto":
        method = "direct" if solver.lower() == "highs" else "design"
    if method == "direct" and solver.lower() != "highs":
        raise ValueError(f"method 'direct' solves with HiGHS only, got solver {solver!r}")
    files, folders = _collect_paths(paths)
    known = _known_optima(optima, files, folders)
    every = cflp_instances(files)
    chosen = [instance for instance in every if _selected(instance.name, only, exclude)]
    if not chosen:  # nothing to solve: a filter that matches nothing is a typo, not a result
        raise ScenarioError(
            Problem(
                ", ".join(str(p) for p in paths),
                "--only/--exclude",
                "patterns that keep at least one instance of "
                + ", ".join(sorted({i.name for i in every})[:20]),
                f"only {list(only)}, exclude {list(exclude)}",
            )
        )
    rows = []
    for instance in chosen:
        kind = instance.published_sourcing if sourcing == "auto" else sourcing
        single = kind == "single"
        if method == "direct":
            solved = _solve_direct(instance, single, time_limit, gap, threads)
        else:
            solved = _solve_design(instance, single, solver, time_limit, gap, threads)
        optimum = known.get((instance.name, kind), math.nan)
        rel_diff = _relative(solved["objective"], optimum)
        row = {
            "instance": instance.name,
            "family": instance.family,
            "facilities": instance.facilities,
            "customers": instance.customers,
            "sourcing": kind,
            "known_optimum": optimum,
            "rel_diff": rel_diff,
            "reached": bool(rel_diff <= REL_TOL),
            "method": method,
        }
        row.update({c: solved.get(c, math.nan) for c in CFLP_COLUMNS if c not in row})
        rows.append(row)
        if progress is not None:
            progress(row)
    return pd.DataFrame(rows, columns=CFLP_COLUMNS)
