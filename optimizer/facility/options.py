"""The levers and limits of :func:`optimizer.facility.solve_cflp` (imports no solver code).

Each lever keeps the optimum unchanged and only changes how fast it is proven; the
steps they switch are described in :mod:`optimizer.facility.cflp`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FacilityOptions:
    """Options of :func:`solve_cflp`.

    Parameters
    ----------
    time_limit
        Seconds for the whole solve (LP, heuristic and MIP); ``None``: none.
    gap
        Relative MIP gap asked of HiGHS (``mip_rel_gap``).
    threads
        HiGHS threads.
    single_sourcing
        Each customer is served by one facility (binary x).
    lazy_linking
        Add the linking rows (3) in rounds as the LP violates them (else all at once).
    cover_row
        Add the capacity cover row (4).
    cardinality_row
        Add the cardinality row (5).
    heuristic
        Build an incumbent (LP rounding and local search) before the MIP.
    reduced_cost_fixing
        Fix y (and bound x) by reduced costs against the incumbent.
    lagrangian_fixing
        Also fix y by each facility's Lagrangian cost to open (a continuous knapsack per
        facility; see ``_Model.facility_bound``), not only by LP reduced costs.
    lazy_columns
        Start the LP from each customer's this many cheapest facilities and price the
        other x columns in as their reduced costs turn negative (0: all columns).
    initial_links
        With lazy linking, start with the linking rows of every column the LP starts
        with (then add violated ones).
    lagrangian_first
        Before any LP, run subgradient optimization on the demand duals (rows (1)
        relaxed; each facility a continuous knapsack), price the openings it proposes,
        and fix y by the Lagrangian costs to open (multi sourcing only; needs
        ``heuristic``).
    lagrangian_iterations, lagrangian_share
        Most subgradient iterations, and share of the time limit they may use.
    lagrangian_search
        Improve the Lagrangian phase's incumbent by close / open / swap moves among the
        facilities cheapest to open (before fixing by it).
    mip_heuristic_effort
        HiGHS ``mip_heuristic_effort`` (``None``: HiGHS's default, 0.05).
    max_rows_per_round
        Most linking rows added per round (the most violated first).
    heuristic_share
        Share of the time limit the local search may use.
    fixed_open
        One bool per facility: solve with every facility fixed open or shut (used to
        price a given opening, and by tests that enumerate openings). Levers are off then.
    seed
        HiGHS ``random_seed``.
    msg
        Show HiGHS's log.
    """

    time_limit: float | None = 300.0
    gap: float = 1e-9
    threads: int = 1
    single_sourcing: bool = False
    lazy_linking: bool = True
    cover_row: bool = True
    cardinality_row: bool = True
    heuristic: bool = True
    reduced_cost_fixing: bool = True
    lagrangian_fixing: bool = True
    lazy_columns: int = 10
    initial_links: bool = False
    mip_heuristic_effort: float | None = None
    lagrangian_first: bool = True
    lagrangian_iterations: int = 400
    lagrangian_search: bool = True
    lagrangian_share: float = 0.15
    max_rows_per_round: int = 50_000
    heuristic_share: float = 0.2
    fixed_open: tuple[bool, ...] | None = None
    seed: int = 0
    msg: bool = False
