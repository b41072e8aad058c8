"""The library behind ``coldchain bench``: benchmarks that return tables.

Each function solves a set of cases and returns a DataFrame, one row per case; the
command (:mod:`optimizer.cli.bench`) prints it and writes it to CSV. ``status`` and
``limit`` columns use the words of :mod:`networks.status`.

* :func:`bench_cflp` (:mod:`optimizer.bench.cflp`): OR-Library and Holmberg facility
  location files against their known optima;
* :func:`bench_design` (:mod:`optimizer.bench.design`): named scenarios solved and
  scored as ``coldchain solve`` does (evaluated margin, cost, bound, gap, seconds);
* :func:`bench_scale` (:mod:`optimizer.bench.scale`): generated scenarios of growing
  size, seconds and memory;
* :func:`bench_consolidate` (:mod:`optimizer.bench.consolidation`): coalitions solved
  and seconds against firm counts;
* :func:`run_benchmark` (:mod:`optimizer.bench.routing`): CVRPLIB and Solomon files
  through the collection router.
"""

from optimizer.bench.cflp import (
    BENCH_GAP,
    CFLP_COLUMNS,
    CFLP_METHODS,
    REL_TOL,
    SOURCINGS,
    bench_cflp,
    cflp_instances,
)
from optimizer.bench.consolidation import (
    CONSOLIDATE_COLUMNS,
    bench_consolidate,
    coalition_table,
    project_exact,
)
from optimizer.bench.design import DESIGN_COLUMNS, bench_design
from optimizer.bench.routing import BENCH_COLUMNS, default_bks, run_benchmark, summary
from optimizer.bench.scale import SCALE_COLUMNS, bench_scale

__all__ = [
    "BENCH_COLUMNS",
    "BENCH_GAP",
    "CFLP_COLUMNS",
    "CFLP_METHODS",
    "CONSOLIDATE_COLUMNS",
    "DESIGN_COLUMNS",
    "REL_TOL",
    "SCALE_COLUMNS",
    "SOURCINGS",
    "bench_cflp",
    "bench_consolidate",
    "bench_design",
    "bench_scale",
    "cflp_instances",
    "coalition_table",
    "default_bks",
    "project_exact",
    "run_benchmark",
    "summary",
]
