"""Routing benchmarks: CVRPLIB and Solomon files through the collection router.

``coldchain bench cvrp DIR`` and ``coldchain bench vrptw DIR`` read every instance file
of the folder (``instances.vrp_benchmarks``, the ``vrplib`` reader), solve it with
:func:`optimizer.routing.solve` (the same code path as ``coldchain route``), and write
one row per instance and run:

``instance, family, convention, bks, cost, gap_pct, vehicles, seconds, cpu_seconds,
clock, iterations, backend, status, limit, seed, run, file``

``cost`` is the plan's distance in the benchmark's convention (CVRPLIB: Euclidean
rounded to integers; Solomon: truncated to one decimal, distance only), ``gap_pct`` is
``100 * (cost - bks) / bks`` against the best known value of ``bks.csv`` in the same
convention (instance names matched case-insensitively), ``backend`` the backend whose
plan won, ``cpu_seconds`` the processor time all its searches got together (two
workers for 30 s can get up to 60 s; less when other programs share the cores).
``status`` and ``limit`` are the words of :mod:`networks.status`: ``feasible`` with
``limit`` ``time`` or ``iterations`` for a plan, ``no_solution`` or ``infeasible``
without one.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from instances.vrp_benchmarks import (
    benchmark_cost,
    benchmark_files,
    best_known,
    read_benchmark,
    read_bks,
)
from networks.status import Status
from optimizer.routing import default_workers, solve

BENCH_COLUMNS = (
    "instance",
    "family",
    "convention",
    "bks",
    "cost",
    "gap_pct",
    "vehicles",
    "seconds",
    "cpu_seconds",
    "clock",
    "iterations",
    "backend",
    "status",
    "limit",
    "seed",
    "run",
    "file",
)


def default_bks(folder: str | os.PathLike) -> Path | None:
    """``bks.csv`` beside or inside a benchmark folder (``benchmarks/bks.csv``), if any."""
    folder = Path(folder)
    for candidate in (folder / "bks.csv", folder.parent / "bks.csv"):
        if candidate.is_file():
            return candidate
    return None


def run_benchmark(
    folder: str | os.PathLike,
    family: str,
    time_limit: float = 30.0,
    backend: str = "auto",
    seed: int = 0,
    bks_path: str | os.PathLike | None = None,
    runs: int = 1,
    workers: int | None = None,
    polish: float = 0.0,
    progress: Callable[[dict], None] | None = None,
    clock: str = "wall",
    iterations: int | None = None,
) -> pd.DataFrame:
    """Solve every benchmark file of a folder and compare with the best known values.

    Parameters
    ----------
    folder
        Folder of ``.vrp`` (``cvrp``) or Solomon ``.txt`` (``vrptw``) files.
    family
        ``cvrp`` or ``vrptw``.
    time_limit
        Seconds per instance and run.
    backend
        ``auto``, ``pyvrp`` or ``ortools``.
    seed
        Seed of the first run; run ``r`` uses ``seed + r * workers`` (its worker
        processes take the following seeds).
    bks_path
        A ``bks.csv``; default the one beside or in the folder, if any.
    runs
        Runs per instance (different seeds), for means where runs differ.
    workers
        Worker processes per solve (default: both cores).
    polish
        Share of the time for OR-Tools polishing from PyVRP's routes.
    progress
        Called with each row as it is done.
    clock
        ``wall`` (the limit is wall-clock seconds) or ``cpu`` (each search gets the limit
        in processor seconds of its own, for measurements on a shared machine).
    iterations
        Stop each PyVRP search after this many iterations: the same seed then gives the
        same routes on any machine, as long as the time limit does not stop it first
        (``limit`` says ``time`` when it did, ``iterations`` when it did not).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BENCH_COLUMNS`, one row per instance and run.
    """
    files = benchmark_files(folder, family)
    place = Path(folder) if Path(folder).is_dir() else Path(folder).parent  # or one file's
    bks_file = Path(bks_path) if bks_path is not None else default_bks(place)
    bks = read_bks(bks_file) if bks_file is not None else {}
    workers = default_workers() if workers is None else workers
    rows = []
    for path in files:
        problem = read_benchmark(path, family)
        best = best_known(bks, problem.name, problem.convention)
        if best is None:
            best = best_known(bks, path.stem, problem.convention)
        for run in range(runs):
            run_seed = seed + run * workers
            result = solve(
                problem,
                backend=backend,
                time_limit=time_limit,
                seed=run_seed,
                workers=workers,
                polish=polish,
                clock=clock,
                iterations=iterations,
            )
            cost = benchmark_cost(problem, result.distance_km) if result.has_plan else math.nan
            gap = 100.0 * (cost - best) / best if best and math.isfinite(cost) else math.nan
            row = {
                "instance": problem.name,
                "family": family,
                "convention": problem.convention,
                "bks": best if best is not None else math.nan,
                "cost": cost,
                "gap_pct": gap,
                "vehicles": result.vehicles_used,
                "seconds": round(result.seconds, 2),
                "cpu_seconds": round(sum(s.cpu_seconds for s in result.stages), 2),
                "clock": clock,
                "iterations": iterations if iterations is not None else math.nan,
                "backend": result.backend,
                "status": str(result.status),
                "limit": str(result.limit),
                "seed": run_seed,
                "run": run,
                "file": path.name,
            }
            rows.append(row)
            if progress is not None:
                progress(row)
    return pd.DataFrame(rows, columns=list(BENCH_COLUMNS))


def summary(frame: pd.DataFrame) -> dict[str, float]:
    """Mean gap (percent) over instances, per run and over all runs; worst gap."""
    out: dict[str, float] = {}
    if frame.empty:
        return out
    per_run = frame.groupby("run")["gap_pct"].mean()
    for run, value in per_run.items():
        out[f"mean_gap_pct_run{run}"] = float(value)
    out["mean_gap_pct"] = float(per_run.mean())
    out["max_gap_pct"] = float(frame["gap_pct"].max())
    out["instances"] = float(frame["instance"].nunique())
    out["with_plan"] = float(_has_plan(frame).sum())
    return out


def _has_plan(frame: pd.DataFrame) -> pd.Series:
    """Rows whose status carries a plan."""
    return frame["status"].map(lambda status: Status(status).has_plan).astype(bool)
