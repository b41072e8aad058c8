r"""A dedicated exact solver for the capacitated facility location problem (CFLP).

The network design model (:func:`optimizer.design.network_design.solve_design` on
:func:`instances.cflp.cflp_network`) solves any CFLP through PuLP, but on OR-Library
``capa`` (100 facilities x 1000 customers) it spends most of its time building the PuLP
model and solving a root LP with 100 000 linking rows. This module works on a
:class:`~networks.facility.FacilityProblem` (its arrays) directly, builds the model from
them with ``highspy`` (column-wise CSC matrix, one ``passModel``), and proves optimality
with HiGHS after steps that each keep the optimum unchanged.

Formulation (the strong formulation; x as the served fraction of each customer)
-----------------------------------------------------------------------------
Sets: facilities :math:`i \in I` (``m``), customers :math:`j \in J` with :math:`d_j > 0`
(``n``; customers with zero demand are left out, as :func:`~instances.cflp.cflp_network`
leaves them out, so that both paths have the same optimum).

Parameters: capacity :math:`s_i`, fixed cost :math:`f_i`, demand :math:`d_j`, cost
:math:`c_{ij}` of serving all of customer j from i; :math:`D = \sum_j d_j`.

Variables: :math:`y_i \in \{0, 1\}` (open), :math:`x_{ij} \in [0, 1]` the fraction of j
served by i (binary with single sourcing).

.. math::

    \min \; \sum_i f_i y_i + \sum_{ij} c_{ij} x_{ij}

1. :math:`\sum_i x_{ij} = 1` for every customer j (demand);
2. :math:`\sum_j d_j x_{ij} \le s_i y_i` for every facility i (aggregate capacity);
3. :math:`x_{ij} \le y_i` for every pair (disaggregated linking; valid inequalities);
4. :math:`\sum_i s_i y_i \ge D` (capacity cover; a valid inequality);
5. :math:`\sum_i y_i \ge k` with k the fewest facilities whose capacities reach D (the k
   largest ones): no fewer can hold all demand (a valid inequality; the LP meets (4) with
   fractional y, so (5) cuts: on capa-8000 it lifts the LP bound from 2.1 % to 0.06 %
   below the optimum).

Rows (1) and (2) alone define the feasible set: with :math:`y_i = 0`, (2) forces every
:math:`x_{ij} = 0` (all :math:`d_j > 0`), and with :math:`y_i = 1`, (3) reads
:math:`x_{ij} \le 1`, which the bounds already say. So (3), (4) and (5) only strengthen the LP
relaxation (the weak LP gap on capa-8000 is 28 %, the strong one 2.1 %) and may be added
lazily.

Steps (each a lever of :class:`FacilityOptions`)
------------------------------------------------
0. **Lagrangian phase** (``lagrangian_first``, ``lagrangian_search``): relax rows (1) with
   multipliers :math:`\lambda_j`. Each facility's subproblem is a continuous knapsack,
   :math:`g_i(\lambda) = f_i + \min \sum_j (c_{ij} - \lambda_j) x_{ij}` over
   :math:`\sum_j d_j x_{ij} \le s_i`, :math:`0 \le x_{ij} \le 1`; the y part picks the
   cheapest :math:`g_i`, at least k of them when all capacities are equal (then (4) and
   (5) say the same, and the pick is exact), else those with :math:`g_i < 0`. So
   :math:`L(\lambda) = \sum_j \lambda_j + Y(\lambda)` is a lower bound for every
   :math:`\lambda`, raised by subgradient steps. Forcing :math:`y_i` to its other value
   raises :math:`Y` by a computable :math:`\delta_i` (it swaps places with the dearest
   chosen or cheapest unchosen facility when the count binds). The openings the
   subgradient proposes are priced by transportation LPs and improved by local search
   (below); where :math:`L + \delta_i` exceeds that incumbent, :math:`y_i` is fixed
   (the argument of step c). On capa this shuts 75 to 96 of 100 facilities in seconds,
   before any LP.
a. **Lazy linking rows and columns** (``lazy_linking``, ``lazy_columns``): solve the LP
   with (1), (2), (4), (5) and only each customer's few cheapest x columns among the
   facilities still free; in rounds, add the rows (3) the LP violates and the x columns
   whose reduced cost is negative, re-solving warm-started, until neither is left. That
   is the strong LP's optimum over all columns; the MIP gets only the rows found (the
   others stay valid, so its optimum is unchanged).
b. **Incumbent** (``heuristic``): the LP's support, then local search (shut one, open one,
   swap one for one), each opening priced by its transportation LP (y fixed, over the
   columns of the facilities considered, warm-started); the best plan goes to HiGHS with
   ``setSolution``.
c. **Reduced-cost fixing** (``reduced_cost_fixing``, ``lagrangian_fixing``): with row duals
   :math:`\pi` of the last LP, clipped to their valid sign, and reduced costs
   :math:`r = c - A^\top \pi`, every point of the LP's box satisfies :math:`c^\top z \ge
   L(\pi) = \pi^\top b + \sum_k \min(r_k l_k, r_k u_k)` (weak Lagrangian duality; valid for
   any such :math:`\pi`, so it does not lean on the LP's tolerances). Moving one variable k
   to its other bound raises that bound by :math:`|r_k| (u_k - l_k)`. Where
   :math:`L(\pi) + |r_k| > U` (the incumbent's cost, plus a safety margin), no solution
   cheaper than the incumbent has :math:`y_k` at that bound, so :math:`y_k` is fixed at the
   other one. The same holds with each facility's Lagrangian cost to open
   (:meth:`~optimizer.facility._model._Model.facility_bound`, the knapsacks of step 0 at the
   LP's duals), which prices the x a newly opened facility would take and so fixes far
   more (81 against 14 of 100 on capa-8000). The fixing repeats with the LP re-solved
   under the new bounds.
   The MIP then searches only among solutions that could beat the incumbent: its optimum
   over the reduced space, or the incumbent if that is cheaper, is the optimum, and the
   reported bound is the smaller of the MIP's bound and the incumbent's cost. The x
   columns of a facility fixed shut are dropped (rows (2) force them to 0). For a
   *continuous* :math:`x_{ij}` the argument gives only :math:`x_{ij} \le (U - L(\pi)) /
   r_{ij}`, not :math:`x_{ij} = 0`; those upper bounds are tightened where below 1. With
   single sourcing (binary x) such an :math:`x_{ij}` is fixed at 0.
d. **MIP**: HiGHS branch and cut on what is left, with the rows found, the incumbent and
   ``mip_rel_gap`` (default 1e-9). The status is ``optimal`` only when HiGHS proves it; a
   time limit returns the best plan with its gap as ``feasible`` with ``limit`` ``time``.

Single sourcing is solved by the same model with binary x; steps 0 and b are skipped
there (their plans split customers), so no incumbent is given and nothing is fixed: it
suits the small Holmberg instances, not capa-sized single-source ones.
"""

from __future__ import annotations

import math
import time
import warnings
from types import MappingProxyType

import numpy as np

from networks.facility import FacilityProblem
from networks.status import Limit, Status
from optimizer.backends import interrupt
from optimizer.backends.mip import highs_status
from optimizer.facility._bounds import _fix_by_reduced_costs, _lagrangian_phase
from optimizer.facility._model import _INF, _Clock, _mip_model, _Model, _solve_lp
from optimizer.facility._search import _local_search, _Transport
from optimizer.facility.options import FacilityOptions
from optimizer.facility.result import FacilityResult


# --- the solve ----------------------------------------------------------------------------
def solve_cflp(instance: FacilityProblem, options: FacilityOptions | None = None) -> FacilityResult:
    """Solve a CFLP to proven optimality (or to the time limit) with HiGHS.

    Parameters
    ----------
    instance
        The problem (a benchmark file's :class:`~instances.cflp.CflpInstance` is one).
    options
        Levers, limits and sourcing (default :class:`FacilityOptions`).

    Returns
    -------
    FacilityResult
        The plan, its cost, the proven bound and gap, and what each step did. The status
        is ``optimal`` only when HiGHS proved the gap; a time-limited solve returns its
        best plan as ``feasible``, with its gap and ``limit`` ``time``.

    Warns
    -----
    UserWarning
        If a customer with zero demand has a nonzero cost (left out, as
        :func:`~instances.cflp.cflp_network` leaves it out).
    """
    options = options or FacilityOptions()
    clock = _Clock(options.time_limit)
    idle = np.flatnonzero(instance.demand <= 0)
    if idle.size and (instance.cost[:, idle] > 0).any():
        warnings.warn(
            f"CFLP {instance.name}: {idle.size} customers with zero demand and nonzero "
            "cost are left out; the optimum omits their assignment cost",
            stacklevel=2,
        )
    model = _Model(instance, options)
    build_seconds = time.perf_counter() - clock.start
    m, n = model.m, model.n
    highspy = model.highspy
    version = f"HiGHS {highspy.Highs().version()} (direct)"
    stats: dict[str, float] = {}

    def result(status, limit, objective, bound, opened, x, solve_start) -> FacilityResult:
        assignment = None
        if x is not None:
            assignment = np.zeros((m, instance.customers))
            assignment[:, model.served] = x
            if options.single_sourcing:
                assignment = np.round(assignment)
        if math.isfinite(objective):  # the best of the bounds proven on the way
            found = [bound, stats.get("lp_bound", math.nan), stats.get("lagrangian_bound")]
            found = [v for v in found if v is not None and math.isfinite(v)]
            bound = max(found) if found else math.nan
        if math.isfinite(objective) and not math.isfinite(bound):
            # stopped before any bound: each served customer costs at least its cheapest
            # facility, and some facility opens; so the gap is known, if wide
            served = instance.cost[:, model.served]
            bound = (
                float(served.min(axis=0).sum() + instance.fixed_cost.min()) if served.size else 0.0
            )
            stats["trivial_bound"] = bound
        gap = (
            max(objective - bound, 0.0) / max(abs(objective), 1e-9)
            if math.isfinite(objective) and math.isfinite(bound)
            else math.nan
        )
        return FacilityResult(
            status,
            limit,
            bound,
            gap,
            None if opened is None else np.asarray(opened, dtype=bool),
            assignment,
            build_seconds,
            time.perf_counter() - solve_start,
            version,
            MappingProxyType(dict(stats)),
            options,
            objective,
        )

    solve_start = time.perf_counter()
    fixed = options.fixed_open
    if fixed is not None:
        if len(fixed) != m:
            raise ValueError(f"fixed_open: expected {m} bools, got {len(fixed)}")
        value = np.asarray(fixed, dtype=float)
        model.lp.col_lower_ = np.concatenate([value, np.zeros(m * n)])
        model.lp.col_upper_ = np.concatenate([value, np.ones(m * n)])

    # (0) Lagrangian phase: a bound, an incumbent and fixings before any LP
    lag_incumbent = None
    if (
        options.lagrangian_first
        and options.heuristic
        and fixed is None
        and not options.single_sourcing
    ):
        lag_stats, lag_incumbent = _lagrangian_phase(model, clock, options)
        stats.update(lag_stats)

    # (a) the strong LP, linking rows lazily
    lazy = options.lazy_linking or fixed is not None  # y fixed: rows (3) never bind
    clock_lp = time.perf_counter()
    columns = options.lazy_columns if fixed is None else 0
    h, lp_stats = _solve_lp(model, clock, lazy, columns)
    stats.update(lp_stats)
    stats["lp_seconds"] = time.perf_counter() - clock_lp
    stats["linking_rows"] = int(model.link_i.size)
    lp_status = h.getModelStatus()
    if lp_status != highspy.HighsModelStatus.kOptimal:
        name, limit = highs_status(lp_status, False)
        if lag_incumbent is not None:  # keep the plan we have
            opened, x, cost = lag_incumbent
            if name is Status.INFEASIBLE:  # nothing left beats the incumbent: it is optimal
                return result(Status.OPTIMAL, Limit.NONE, cost, cost, opened, x, solve_start)
            bound = stats.get("lagrangian_bound", math.nan)
            return result(Status.FEASIBLE, limit, cost, bound, opened, x, solve_start)
        return result(name, limit, math.nan, math.nan, None, None, solve_start)
    solution = h.getSolution()
    values = np.asarray(solution.col_value)
    y_lp = values[:m]
    box_lower = np.concatenate([np.asarray(model.lp.col_lower_)[:m], np.zeros(m * n)])
    box_upper = np.concatenate([np.asarray(model.lp.col_upper_)[:m], np.ones(m * n)])
    box_upper[m:].reshape(m, n)[box_upper[:m] == 0] = 0.0  # rows (2): shut serve no one
    lp_bound, _, _ = model.dual_bound(np.asarray(solution.row_dual), box_lower, box_upper)
    stats["lp_bound"] = lp_bound
    stats["lp_objective"] = h.getInfo().objective_function_value

    # (b) incumbent, first pass: the LP's support (and the facilities cheapest to open by
    # their Lagrangian cost), then shut what does not pay
    incumbent = None  # (opened, x, cost)
    col_lower = np.asarray(model.lp.col_lower_, dtype=float).copy()
    col_upper = np.asarray(model.lp.col_upper_, dtype=float).copy()
    heuristic = options.heuristic and fixed is None and not options.single_sourcing
    share = options.heuristic_share * (options.time_limit or 1e9)
    evaluations = 0
    if heuristic:
        clock_h = time.perf_counter()
        _, g = model.facility_bound(np.asarray(solution.row_dual), col_lower, col_upper)
        ranking = np.argsort(g, kind="stable")
        support = y_lp > 1e-6
        candidates = support.copy()
        candidates[ranking[:10]] = True
        transport = _Transport(model, candidates, clock.left())
        opened, cost = _local_search(transport, support, ranking, clock_h + share, ("close",))
        if math.isfinite(cost):
            incumbent = (opened, transport.assignment(opened), cost)
        if lag_incumbent is not None and (incumbent is None or lag_incumbent[2] < incumbent[2]):
            incumbent = lag_incumbent
        evaluations += transport.evaluations
        stats["heuristic_first_objective"] = cost
        stats["heuristic_seconds"] = time.perf_counter() - clock_h
        del transport

    # (c) reduced-cost fixing against the incumbent, in rounds
    stats["fixed_closed"] = stats["fixed_open"] = stats["x_bounds_tightened"] = 0
    stats["fixing_rounds"] = 0
    stats["fixing_seconds"] = 0.0
    fixing = options.reduced_cost_fixing and incumbent is not None

    def fix() -> None:
        clock_fix = time.perf_counter()
        found = _fix_by_reduced_costs(model, h, col_lower, col_upper, incumbent[2], clock, options)
        found["fixing_rounds"] += stats["fixing_rounds"]
        found["fixed_bound"] = max(found["fixed_bound"], stats.get("fixed_bound", -_INF))
        stats.update(found)
        stats["fixing_seconds"] += time.perf_counter() - clock_fix

    if fixing:
        fix()

    # (b) incumbent, second pass: close / open / swap among the facilities left free
    if heuristic and incumbent is not None:
        clock_h = time.perf_counter()
        left = col_upper[:m] > 0
        opened = incumbent[0] & left
        transport = _Transport(model, left, clock.left())
        opened, cost = _local_search(transport, opened, ranking, clock_h + share)
        if cost < incumbent[2] - 1e-9 * abs(incumbent[2]):
            incumbent = (opened, transport.assignment(opened), cost)
            if fixing:
                fix()
        evaluations += transport.evaluations
        stats["heuristic_seconds"] += time.perf_counter() - clock_h
        del transport
    if heuristic:
        stats["heuristic_evaluations"] = evaluations
        if incumbent is not None:
            stats["heuristic_objective"] = incumbent[2]
            stats["heuristic_gap"] = (incumbent[2] - lp_bound) / max(abs(incumbent[2]), 1e-9)
    stats["fixed_bound"] = stats.get("fixed_bound", lp_bound)

    # (d) the MIP on the columns left, with the rows found and the incumbent
    keep_y = col_upper[:m] > 0
    stats["columns"] = int(keep_y.sum() * (n + 1))
    mip, col_map = _mip_model(model, keep_y, col_lower, col_upper, options)
    left = clock.left()
    if left is not None:
        mip.setOptionValue("time_limit", float(max(left, 0.01)))
    if incumbent is not None:
        opened, x, _ = incumbent
        start = np.concatenate([opened.astype(float), x.ravel()])[col_map]
        mip.setSolution(start.size, np.arange(start.size, dtype=np.int32), start)
    clock_mip = time.perf_counter()
    interrupt.run(mip)
    stats["mip_seconds"] = time.perf_counter() - clock_mip
    info = mip.getInfo()
    stats["mip_nodes"] = int(info.mip_node_count)
    status = mip.getModelStatus()
    has_solution = info.primal_solution_status == 2
    name, limit = highs_status(status, has_solution)
    objective, bound, opened, x = math.nan, math.nan, None, None
    if has_solution:
        values = np.asarray(mip.getSolution().col_value)
        full = np.zeros(m + m * n)
        full[col_map] = values
        opened = full[:m] > 0.5
        x = full[m:].reshape(m, n)
        objective = float(info.objective_function_value)
        bound = float(info.mip_dual_bound)
    elif name is Status.OPTIMAL:
        name = Status.ERROR
    if name is Status.INFEASIBLE:
        if incumbent is None:
            return result(name, limit, math.nan, math.nan, None, None, solve_start)
        name = Status.OPTIMAL  # nothing beats the incumbent
        bound = incumbent[2]
    if incumbent is not None:
        bound = min(bound, incumbent[2]) if math.isfinite(bound) else math.nan
        if not has_solution or incumbent[2] < objective:
            opened, x, objective = incumbent
            if name is Status.NO_SOLUTION:  # the search stopped; our plan stands
                name = Status.FEASIBLE
    if name is Status.OPTIMAL:
        gap = (objective - bound) / max(abs(objective), 1e-9)
        if not gap <= max(options.gap, 1e-9) * (1 + 1e-9) + 1e-12 and math.isfinite(gap):
            name = Status.FEASIBLE  # a plan without the proof asked for
    return result(name, limit, objective, bound, opened, x, solve_start)
