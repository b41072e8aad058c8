"""``bench sweep``: one sweep on each executor, its speed-up and the executor's overhead.

The same runs (a generated scenario solved under ``runs`` hub-cost factors from 0.8 to
1.2, single-threaded solves) go through each ``--scheduler`` in turn. Each runs with one
task per worker in flight, so that a task starts as soon as it is submitted: its
latency (submitted to its result back in this process) minus the seconds the task itself
measured on its worker is the executor's overhead for it (submission, transfer of the
payload and the result); the store write that follows is timed too. The table gives
per executor: wall seconds of the runs (the cluster's start apart), the median task's
seconds, the median overhead and store write and their share of the median task, and
the speed-up and parallel efficiency against the first executor.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

SWEEP_COLUMNS = [
    "scheduler",
    "workers",
    "villages",
    "hubs",
    "weeks",
    "runs",
    "time_limit",
    "start_seconds",
    "wall_seconds",
    "task_median_seconds",
    "task_sum_seconds",
    "overhead_median_seconds",
    "store_write_median_seconds",
    "overhead_pct_of_median_task",
    "speedup",
    "parallel_efficiency",
    "objective_min",
    "objective_max",
    "same_results",
]


def bench_sweep(
    schedulers: list[str],
    villages: int = 200,
    hubs: int = 20,
    weeks: int = 4,
    runs: int = 20,
    seed: int = 1,
    gap: float | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    time_limit: float | None = None,
) -> pd.DataFrame:
    """Run the same sweep on each executor; one table row per executor.

    Parameters
    ----------
    schedulers
        ``local:N``, a scheduler's address, or ``pool:N`` for the local process pool.
    villages, hubs, weeks, seed
        The generated scenario.
    runs
        Runs of the sweep (hub-cost factors evenly from 0.8 to 1.2).
    gap
        Relative MIP gap of each solve (default: the design default).
    time_limit
        Seconds of each solve (default: none; each runs to its gap, so that every
        executor solves the same tasks to the same results). With a limit, a task's
        work depends on how fast its worker ran: ``same_results`` may then be false.
    progress
        Called as ``progress(scheduler, done, runs)``.
    """
    from instances import generate_network
    from optimizer.backends.executor import Shared, make_executor
    from optimizer.studies.levers import check_levers, parse_lever
    from optimizer.studies.sweep import build_study, plan_runs, run_one
    from results.runstore import RunStore

    network = generate_network(villages=villages, hubs=hubs, weeks=weeks, seed=seed)
    factors = ",".join(f"{f:.4f}" for f in np.linspace(0.8, 1.2, runs))
    levers = check_levers(network, [parse_lever(f"hub_cost={factors}")])
    settings = {"solver": None, "time_limit": time_limit, "gap": gap, "threads": 1, "seed": None}
    planned = plan_runs(levers, 0, None, {"scenario_hash": network.content_hash})
    rows: list[dict] = []
    objectives: list[list[float]] = []
    for scheduler in schedulers:
        pool = scheduler.startswith("pool:")
        clock = time.perf_counter()
        executor = make_executor(int(scheduler[5:]) if pool else 1, None if pool else scheduler)
        with executor, tempfile.TemporaryDirectory() as folder:
            args = (network, tuple(levers), None, settings, None)
            executor.start(Shared(f"bench-sweep:{scheduler}:{time.time_ns()}", build_study, args))
            started = time.perf_counter() - clock
            store = RunStore.create(f"{folder}/store", {"bench": scheduler})
            tasks, writes, overheads, objective = [], [], [], {}
            todo, running = list(reversed(planned)), {}
            wall = time.perf_counter()
            while todo or running:
                while todo and len(running) < executor.workers:
                    run = todo.pop()
                    running[executor.submit(run_one, run)] = run
                for task in executor.wait_any(running):
                    back = time.perf_counter()
                    run = running.pop(task)
                    result = task.result()
                    seconds = result["kpis"]["seconds_run"]
                    tasks.append(seconds)
                    overheads.append(back - task.submitted - seconds)
                    objective[run.run_id] = result["kpis"].get("objective", np.nan)
                    write = time.perf_counter()
                    store.write_result(run.run_id, result)
                    writes.append(time.perf_counter() - write)
                    if progress:
                        progress(scheduler, len(tasks), len(planned))
            wall = time.perf_counter() - wall
        values = [objective[r.run_id] for r in planned]
        objectives.append(values)
        median = statistics.median(tasks)
        first = rows[0] if rows else None
        speedup = first["wall_seconds"] / wall if first else 1.0
        ratio = executor.workers / first["workers"] if first else 1.0
        rows.append(
            {
                "scheduler": scheduler,
                "workers": executor.workers,
                "villages": villages,
                "hubs": hubs,
                "weeks": weeks,
                "runs": runs,
                "time_limit": time_limit,
                "start_seconds": started,
                "wall_seconds": wall,
                "task_median_seconds": median,
                "task_sum_seconds": sum(tasks),
                "overhead_median_seconds": statistics.median(overheads),
                "store_write_median_seconds": statistics.median(writes),
                "overhead_pct_of_median_task": 100.0
                * (statistics.median(overheads) + statistics.median(writes))
                / median,
                "speedup": speedup,
                "parallel_efficiency": speedup / ratio,
                "objective_min": float(np.nanmin(values)),
                "objective_max": float(np.nanmax(values)),
                "same_results": bool(np.allclose(values, objectives[0], rtol=1e-9, equal_nan=True)),
            }
        )
    return pd.DataFrame(rows, columns=SWEEP_COLUMNS)
