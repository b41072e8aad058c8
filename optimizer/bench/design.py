"""``bench design``: the network design solve on named scenarios, scored as a planner sees it.

:func:`bench_design` runs :func:`optimizer.design.scored.solve_and_score` on each scenario
(a bundled name or a folder) with the scenario's own ``[design]`` table and the given
time limit, and returns one row per scenario: the evaluated margin and cost of the plan
returned (the headline), the bound proven for it by the relaxation of
:mod:`optimizer.design.bound` (``bound_note`` says what it covers, or why there is
none), the model's own objective, bound and gap (labelled ``model_``), the status quo's
evaluated figure where the scenario has one, and the seconds. ``coldchain bench design``
writes it with its run record (``TABLE.run.json``: the machine, the versions).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

import pandas as pd

from networks.errors import ColdchainError

#: Columns of :func:`bench_design`'s table.
DESIGN_COLUMNS = [
    "scenario",
    "villages",
    "hubs",
    "weeks",
    "objective_sense",
    "trips",
    "time_limit",
    "status",
    "limit",
    "objective",
    "margin",
    "cost",
    "spoilage_rate",
    "bound",
    "gap",
    "model_status",
    "model_objective",
    "model_bound",
    "model_gap",
    "status_quo_objective",
    "versus_status_quo",
    "seconds",
    "error",
]


def bench_design(
    scenarios: Sequence[str],
    time_limit: float | None = None,
    trips: str | None = None,
    progress: Callable[[dict], None] | None = None,
) -> pd.DataFrame:
    """Solve and score each scenario; one row each.

    Parameters
    ----------
    scenarios
        Bundled scenario names or scenario folders.
    time_limit
        Seconds for each solve (``None``: the scenario's ``[design] time_limit``).
    trips
        ``integer`` or ``linear`` (``None``: the scenario's).
    progress
        Called with each row as it is done.

    Returns
    -------
    pandas.DataFrame
        :data:`DESIGN_COLUMNS`.
    """
    from instances import load_scenario
    from optimizer.design import DesignOptions
    from optimizer.design.scored import solve_and_score

    rows = []
    for name in scenarios:
        network = load_scenario(name)
        overrides = {"time_limit": time_limit} if time_limit is not None else {}
        if trips is not None:
            overrides["trips"] = trips
        options = DesignOptions.from_network(network, **overrides)
        row = {
            "scenario": network.name,
            "villages": len(network.villages),
            "hubs": len(network.county_hubs),
            "weeks": len(network.periods.weeks),
            "trips": options.trips,
            "time_limit": options.time_limit,
        }
        start = time.perf_counter()
        try:
            # as coldchain solve: the relaxation beside the hub model on two cores or more
            beside = (os.cpu_count() or 1) >= 2
            scored = solve_and_score(network, options, bound_beside=beside)
        except ColdchainError as exc:
            row.update(status="error", error=str(exc), seconds=time.perf_counter() - start)
        else:
            kpis = scored.kpis()
            row.update({k: kpis.get(k) for k in DESIGN_COLUMNS if k in kpis})
            row["margin"] = kpis.get("margin")
            row["cost"] = kpis.get("total_cost")
            row["seconds"] = time.perf_counter() - start
        rows.append(row)
        if progress is not None:
            progress(row)
    return pd.DataFrame(rows).reindex(columns=DESIGN_COLUMNS)
