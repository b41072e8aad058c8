r"""A dedicated exact solver for the capacitated facility location problem (CFLP).

The network design model (:func:`optimizer.network_design.solve_design` on
:func:`instances.cflp.cflp_network`) solves any CFLP through PuLP, but on OR-Library
``capa`` (100 facilities x 1000 customers) it spends most of its time building the PuLP
model and solving a root LP with 100 000 linking rows. This module works on a
:class:`~instances.cflp.CflpInstance` directly, builds the model from numpy arrays with
``highspy`` (column-wise CSC matrix, one ``passModel``), and proves optimality with HiGHS
after steps that each keep the optimum unchanged.

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
   (:meth:`_Model.facility_bound`, the knapsacks of step 0 at the LP's duals), which
   prices the x a newly opened facility would take and so fixes far more (81 against 14
   of 100 on capa-8000). The fixing repeats with the LP re-solved under the new bounds.
   The MIP then searches only among solutions that could beat the incumbent: its optimum
   over the reduced space, or the incumbent if that is cheaper, is the optimum, and the
   reported bound is the smaller of the MIP's bound and the incumbent's cost. The x
   columns of a facility fixed shut are dropped (rows (2) force them to 0). For a
   *continuous* :math:`x_{ij}` the argument gives only :math:`x_{ij} \le (U - L(\pi)) /
   r_{ij}`, not :math:`x_{ij} = 0`; those upper bounds are tightened where below 1. With
   single sourcing (binary x) such an :math:`x_{ij}` is fixed at 0.
d. **MIP**: HiGHS branch and cut on what is left, with the rows found, the incumbent and
   ``mip_rel_gap`` (default 1e-9). The status is ``optimal`` only when HiGHS proves it; a
   time limit returns the best plan with its gap as ``time_limit``.

Single sourcing is solved by the same model with binary x; steps 0 and b are skipped
there (their plans split customers), so no incumbent is given and nothing is fixed: it
suits the small Holmberg instances, not capa-sized single-source ones.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from instances.cflp import CflpInstance

#: Statuses a :class:`FacilityResult` may carry.
STATUSES = ("optimal", "time_limit", "infeasible", "no_solution", "error")

_VIOLATION = 1e-6  # a linking row x_ij <= y_i counts as violated beyond this
_INF = math.inf


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


@dataclass(frozen=True)
class FacilityResult:
    """Result of :func:`solve_cflp`.

    Parameters
    ----------
    status
        ``optimal`` (HiGHS proved the gap), ``time_limit`` (best plan, with its gap),
        ``infeasible``, ``no_solution`` or ``error``.
    objective, bound, gap
        Cost of the plan, proven lower bound, relative gap ``(objective - bound) /
        objective``.
    opened
        Open facilities, bool array ``(m,)`` (``None`` without a plan).
    assignment
        ``assignment[i, j]``: fraction of customer j's demand served by i, ``(m, n)`` over
        all the instance's customers (``None`` without a plan).
    build_seconds, solve_seconds
        Seconds to build the model, and for everything after.
    solver
        Solver name and version.
    stats
        What each step did: ``lp_bound``, ``lp_seconds``, ``lp_rounds``,
        ``linking_rows`` (rows (3) given to the MIP), ``heuristic_objective``,
        ``heuristic_gap`` (to the LP bound), ``heuristic_seconds``,
        ``heuristic_evaluations``, ``fixed_closed``, ``fixed_open``,
        ``x_bounds_tightened``, ``columns`` (given to the MIP), ``mip_seconds``,
        ``mip_nodes``.
    options
        The options used.
    """

    status: str
    objective: float
    bound: float
    gap: float
    opened: np.ndarray | None
    assignment: np.ndarray | None
    build_seconds: float
    solve_seconds: float
    solver: str
    stats: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    options: FacilityOptions = field(default_factory=FacilityOptions)

    @property
    def has_plan(self) -> bool:
        """Whether a plan came back."""
        return self.opened is not None

    def to_frame(self) -> pd.DataFrame:
        """The plan's assignments: ``facility, customer, fraction`` (1-based ids as in files).

        Raises
        ------
        ValueError
            If the solve returned no plan.
        """
        if self.assignment is None:
            raise ValueError(f"no plan: the solve ended {self.status}")
        i, j = np.nonzero(self.assignment > 1e-9)
        return pd.DataFrame(
            {"facility": i + 1, "customer": j + 1, "fraction": self.assignment[i, j]}
        )


# --- model --------------------------------------------------------------------------------
class _Model:
    """The LP/MIP in HiGHS: columns y (m) then x (m * n, facility-major), rows (1) (2) (4)."""

    def __init__(self, inst: CflpInstance, options: FacilityOptions) -> None:
        import highspy

        self.highspy = highspy
        served = np.flatnonzero(inst.demand > 0)
        self.served = served
        self.d = inst.demand[served]
        self.c = np.ascontiguousarray(inst.cost[:, served])
        self.f = inst.fixed_cost.copy()
        self.s = inst.capacity.copy()
        self.m, self.n = inst.facilities, served.size
        self.options = options
        self.cover = options.cover_row
        self.card = options.cardinality_row
        m, n = self.m, self.n
        # fewest facilities whose capacities can hold all demand (the largest ones)
        total = np.cumsum(np.sort(self.s)[::-1])
        self.k_min = float(min(np.searchsorted(total, self.d.sum() * (1 - 1e-12)) + 1, m))
        # rows: demand 0..n-1 (= 1), capacity n..n+m-1 (<= 0), then cover (>= D) and
        # cardinality (>= k_min) where asked
        extra = [(self.d.sum(), self.s)] if self.cover else []
        extra += [(self.k_min, np.ones(m))] if self.card else []
        self.row_cover = n + m if self.cover else None
        self.row_card = n + m + self.cover if self.card else None
        num_row = n + m + len(extra)
        row_lower = np.concatenate([np.ones(n), np.full(m, -_INF), [e[0] for e in extra]])
        row_upper = np.concatenate([np.ones(n), np.zeros(m), np.full(len(extra), _INF)])
        # y columns: capacity row (-s_i), then the extra rows
        per_y = 1 + len(extra)
        y_index = np.empty((m, per_y), dtype=np.int32)
        y_value = np.empty((m, per_y))
        y_index[:, 0] = n + np.arange(m)
        y_value[:, 0] = -self.s
        for k, (_, coefficient) in enumerate(extra):
            y_index[:, 1 + k] = n + m + k
            y_value[:, 1 + k] = coefficient
        # x columns (i, j): demand row j (1), capacity row i (d_j)
        x_index = np.empty((m, n, 2), dtype=np.int32)
        x_index[:, :, 0] = np.arange(n)[None, :]
        x_index[:, :, 1] = (n + np.arange(m))[:, None]
        x_value = np.empty((m, n, 2))
        x_value[:, :, 0] = 1.0
        x_value[:, :, 1] = self.d[None, :]
        index = np.concatenate([y_index.ravel(), x_index.ravel()])
        value = np.concatenate([y_value.ravel(), x_value.ravel()])
        start = np.concatenate([np.arange(m) * per_y, m * per_y + 2 * np.arange(m * n + 1)]).astype(
            np.int32
        )
        lp = highspy.HighsLp()
        lp.num_col_ = m + m * n
        lp.num_row_ = num_row
        lp.col_cost_ = np.concatenate([self.f, self.c.ravel()])
        lp.col_lower_ = np.zeros(lp.num_col_)
        lp.col_upper_ = np.ones(lp.num_col_)
        lp.row_lower_ = row_lower
        lp.row_upper_ = row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_ = lp.num_col_
        lp.a_matrix_.num_row_ = num_row
        lp.a_matrix_.start_ = start
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        self.lp = lp
        self.num_base_rows = num_row
        # linking rows present: pairs (i, j), in the order added
        self.link_i = np.empty(0, dtype=np.int64)
        self.link_j = np.empty(0, dtype=np.int64)

    def highs(self, time_limit: float | None) -> object:
        """A fresh Highs holding the LP (no integrality)."""
        h = self.highspy.Highs()
        h.setOptionValue("output_flag", bool(self.options.msg))
        h.setOptionValue("threads", int(self.options.threads))
        h.setOptionValue("random_seed", int(self.options.seed))
        if time_limit is not None:
            h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
        h.passModel(self.lp)
        return h

    def link_rows(self, i: np.ndarray, j: np.ndarray, columns: np.ndarray) -> tuple:
        """Rows (3) x_ij - y_i <= 0 for pairs (i, j) whose x are LP columns ``columns``."""
        k = i.size
        index = np.empty((k, 2), dtype=np.int32)
        index[:, 0] = i
        index[:, 1] = columns
        value = np.empty((k, 2))
        value[:, 0] = -1.0
        value[:, 1] = 1.0
        start = (2 * np.arange(k)).astype(np.int32)
        return (
            k,
            np.full(k, -_INF),
            np.zeros(k),
            2 * k,
            start,
            index.ravel(),
            value.ravel(),
        )

    def dual_bound(
        self, row_dual: np.ndarray, lower: np.ndarray | None = None, upper: np.ndarray | None = None
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """Lagrangian bound L(pi) and reduced costs (y, x) from row duals, signs clipped.

        Valid for any pi with the right signs: every point of the box ``[lower, upper]``
        (full layout: y then x facility-major; default [0, 1]) meeting the rows costs at
        least L(pi).
        """
        m, n = self.m, self.n
        pi_dem = row_dual[:n]
        pi_cap = np.minimum(row_dual[n : n + m], 0.0)
        pi_cover = max(row_dual[self.row_cover], 0.0) if self.cover else 0.0
        pi_card = max(row_dual[self.row_card], 0.0) if self.card else 0.0
        first = self.num_base_rows
        pi_link = np.minimum(row_dual[first : first + self.link_i.size], 0.0)
        link = np.zeros((m, n))
        link[self.link_i, self.link_j] = pi_link
        r_x = self.c - pi_dem[None, :] - self.d[None, :] * pi_cap[:, None] - link
        r_y = self.f + self.s * pi_cap - self.s * pi_cover - pi_card + link.sum(axis=1)
        bound = pi_dem.sum() + pi_cover * self.d.sum() + pi_card * self.k_min
        if lower is None or upper is None:
            bound += np.minimum(r_x, 0.0).sum() + np.minimum(r_y, 0.0).sum()
        else:
            r = np.concatenate([r_y, r_x.ravel()])
            bound += np.minimum(r * lower, r * upper).sum()
        return float(bound), r_y, r_x

    def facility_bound(
        self, row_dual: np.ndarray, lower: np.ndarray, upper: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """Lagrangian bound relaxing rows (1), (4), (5) only, and each facility's cost to open.

        With demand duals pi_j, cover dual pi_D >= 0 and cardinality dual pi_k >= 0, each
        facility's subproblem is ``g_i = f_i - s_i pi_D - pi_k + min sum_j (c_ij - pi_j)
        x_ij`` over ``sum_j d_j x_ij <= s_i``, ``0 <= x_ij <= u_ij`` (a continuous knapsack:
        fill by cost per unit of demand; a relaxation of the binary one for single
        sourcing). Then every solution in the box costs at least ``L = sum_j pi_j + pi_D D
        + pi_k k + sum_i min(g_i l_i, g_i u_i)`` (y bounds l, u), and opening facility i
        (or shutting it) raises that by ``|g_i|``: stronger than the LP reduced cost of
        y_i, which prices opening i with its x held at 0.
        """
        m, n = self.m, self.n
        pi_dem = row_dual[:n]
        pi_cover = max(row_dual[self.row_cover], 0.0) if self.cover else 0.0
        pi_card = max(row_dual[self.row_card], 0.0) if self.card else 0.0
        g, _ = self.knapsacks(pi_dem, pi_cover, pi_card, upper[m:].reshape(m, n))
        y_lower, y_upper = lower[:m], upper[:m]
        bound = pi_dem.sum() + pi_cover * self.d.sum() + pi_card * self.k_min
        bound += np.minimum(g * y_lower, g * y_upper).sum()
        return float(bound), g

    def knapsacks(
        self,
        pi_dem: np.ndarray,
        pi_cover: float,
        pi_card: float,
        x_upper: np.ndarray,
        want_x: bool = False,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Each facility's Lagrangian cost to open g_i (see :meth:`facility_bound`).

        With ``want_x``, also the knapsacks' x (the fraction of each customer each
        facility would serve if open), ``(m, n)``.
        """
        m = self.m
        reduced = self.c - pi_dem[None, :]
        ratio = np.where(reduced < 0, reduced / self.d[None, :], 0.0)
        order = np.argsort(ratio, axis=1, kind="stable")
        rows = np.arange(m)[:, None]
        upper_sorted = x_upper[rows, order]
        weight = self.d[order] * upper_sorted
        taken = np.cumsum(weight, axis=1)
        room = np.clip(self.s[:, None] - (taken - weight), 0.0, weight)  # filled per item
        gain = np.where(weight > 0, room / np.where(weight > 0, weight, 1.0), 0.0)
        x_sorted = np.where(reduced[rows, order] < 0, upper_sorted * gain, 0.0)
        value = (reduced[rows, order] * x_sorted).sum(axis=1)
        g = self.f - self.s * pi_cover - pi_card + value
        x = None
        if want_x:
            x = np.empty_like(x_sorted)
            x[rows, order] = x_sorted
        return g, x


def _status_name(highspy, status, has_solution: bool) -> str:
    kinds = highspy.HighsModelStatus
    if status == kinds.kOptimal:
        return "optimal"
    if status in (kinds.kInfeasible, kinds.kUnboundedOrInfeasible):
        return "infeasible"
    if status in (kinds.kTimeLimit, kinds.kIterationLimit, kinds.kInterrupt, kinds.kSolutionLimit):
        return "time_limit" if has_solution else "no_solution"
    return "error"


def _limit(h, clock: _Clock) -> None:
    """Set a Highs' time limit to the time left (HiGHS's run clock adds up over runs)."""
    left = clock.left()
    h.setOptionValue(
        "time_limit", float(h.getRunTime() + max(left if left is not None else 1e9, 0.01))
    )


class _Clock:
    def __init__(self, limit: float | None) -> None:
        self.start = time.perf_counter()
        self.limit = limit

    def left(self) -> float | None:
        if self.limit is None:
            return None
        return self.limit - (time.perf_counter() - self.start)

    def out(self) -> bool:
        left = self.left()
        return left is not None and left <= 0


# --- LP with lazy linking rows ------------------------------------------------------------
def _solve_lp(model: _Model, clock: _Clock, lazy: bool, lazy_columns: int) -> tuple[object, dict]:
    """The strong LP: rows (3) lazily (rounds of violated rows) or all at once.

    With ``lazy_columns`` > 0 the LP starts from the x columns of each customer's
    ``lazy_columns`` cheapest facilities and prices the others in (columns with a negative
    reduced cost under the current duals) in the same rounds; it ends when no row is
    violated and no column prices in, which is the strong LP's optimum over all columns.
    """
    h = model.highs(clock.left())
    highspy = model.highspy
    m, n = model.m, model.n
    rounds = columns_added = 0
    pos = m + np.arange(m * n).reshape(m, n)  # LP column of x_ij, -1 where absent
    allowed = np.asarray(model.lp.col_upper_)[:m] > 0  # facilities not shut
    if lazy_columns and lazy_columns < m:
        cheapest = np.where(allowed[:, None], model.c, _INF)
        order = np.argsort(cheapest, axis=0, kind="stable")[: min(lazy_columns, allowed.sum())]
        present = np.zeros((m, n), dtype=bool)
        present[order, np.arange(n)[None, :]] = True
        absent = np.flatnonzero(~present.ravel()) + m
        h.deleteCols(absent.size, absent.astype(np.int32))
        pos = np.full((m, n), -1)
        pos[present] = m + np.arange(int(present.sum()))
    if not lazy or model.options.initial_links:
        i, j = np.nonzero(pos >= 0)
        h.addRows(*model.link_rows(i, j, pos[i, j]))
        model.link_i, model.link_j = i, j
    while True:
        _limit(h, clock)
        h.run()
        rounds += 1
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible and ((pos < 0) & allowed[:, None]).any():
            # the columns so far cannot serve all demand: put the rest in
            i, j = np.nonzero((pos < 0) & allowed[:, None])
            columns_added += _add_columns(model, h, pos, i, j)
            if not lazy:
                h.addRows(*model.link_rows(i, j, pos[i, j]))
                model.link_i = np.concatenate([model.link_i, i])
                model.link_j = np.concatenate([model.link_j, j])
            continue
        if status != highspy.HighsModelStatus.kOptimal:
            break
        solution = h.getSolution()
        values = np.asarray(solution.col_value)
        y = values[:m]
        x = np.where(pos >= 0, values[np.maximum(pos, 0)], 0.0)
        violated = (x - y[:, None] > _VIOLATION) & (pos >= 0)
        if lazy:
            violated[model.link_i, model.link_j] = False
        entering = np.zeros((m, n), dtype=bool)
        if (pos < 0).any():
            _, _, r_x = model.dual_bound(np.asarray(solution.row_dual))
            entering = (pos < 0) & (r_x < -_VIOLATION * np.maximum(1.0, np.abs(model.c)))
            entering &= allowed[:, None]
        if not (violated.any() and lazy) and not entering.any():
            break
        if entering.any():
            i, j = np.nonzero(entering)
            columns_added += _add_columns(model, h, pos, i, j)
            if not lazy:  # every column comes with its linking row
                h.addRows(*model.link_rows(i, j, pos[i, j]))
                model.link_i = np.concatenate([model.link_i, i])
                model.link_j = np.concatenate([model.link_j, j])
        if lazy and violated.any():
            i, j = np.nonzero(violated)
            if i.size > model.options.max_rows_per_round:
                excess = (x - y[:, None])[i, j]
                keep = np.argsort(-excess, kind="stable")[: model.options.max_rows_per_round]
                keep.sort()
                i, j = i[keep], j[keep]
            h.addRows(*model.link_rows(i, j, pos[i, j]))
            model.link_i = np.concatenate([model.link_i, i])
            model.link_j = np.concatenate([model.link_j, j])
    model.pos = pos
    stats = {
        "lp_rounds": rounds,
        "lp_columns": int((pos >= 0).sum()),
        "lp_columns_priced_in": columns_added,
    }
    return h, stats


def _add_columns(model: _Model, h, pos: np.ndarray, i: np.ndarray, j: np.ndarray) -> int:
    """Add x columns (i, j) to the LP (no linking rows yet); record their positions."""
    k = i.size
    first = h.getNumCol()
    index = np.empty((k, 2), dtype=np.int32)
    index[:, 0] = j
    index[:, 1] = model.n + i
    value = np.empty((k, 2))
    value[:, 0] = 1.0
    value[:, 1] = model.d[j]
    h.addCols(
        k,
        model.c[i, j],
        np.zeros(k),
        np.ones(k),
        2 * k,
        (2 * np.arange(k)).astype(np.int32),
        index.ravel(),
        value.ravel(),
    )
    pos[i, j] = first + np.arange(k)
    return k


# --- Lagrangian phase: a bound, an incumbent and fixings before any LP --------------------
def _open_costs(model: _Model, g0: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """The y part of the Lagrangian (rows (1) relaxed) and what forcing each y costs.

    ``g0[i]``: cost of facility i if open (fixed cost plus its knapsack). With equal
    capacities and the cardinality row, the cheapest ``K`` (at least k_min, and all with
    g0 < 0) are open, exactly; otherwise rows (4)-(5) are dropped here (a weaker, still
    valid bound) and the facilities with g0 < 0 are open. Returns ``Y``, the open set, and
    ``delta[i]`` >= 0: how much ``Y`` rises when y_i is forced to the other value.
    """
    m = model.m
    exact = bool(model.card) and bool(np.all(model.s == model.s[0]))
    need = int(model.k_min) if exact else 0
    order = np.argsort(g0, kind="stable")
    count = max(need, int((g0 < 0).sum()))
    opened = np.zeros(m, dtype=bool)
    opened[order[:count]] = True
    value = float(g0[opened].sum())
    delta = np.abs(g0).astype(float)
    if exact and count == need:  # the count binds: forcing one in or out trades places
        last_in = g0[order[count - 1]] if count > 0 else -_INF
        first_out = g0[order[count]] if count < m else _INF
        delta = np.where(opened, first_out - g0, g0 - max(last_in, 0.0))
        delta = np.maximum(delta, 0.0)
    return value, opened, delta


def _lagrangian_phase(
    model: _Model, clock: _Clock, options: FacilityOptions
) -> tuple[dict, tuple | None]:
    """Subgradient on the demand duals, an incumbent from its openings, and fixings.

    Every multiplier vector lambda gives a valid bound ``L = sum_j lambda_j + Y(lambda)``
    (:func:`_open_costs`), and forcing y_i to its other value raises it by ``delta_i``;
    where ``L + delta_i`` exceeds the incumbent, y_i is fixed (in ``model.lp``'s bounds),
    for the reason given in the module docstring (c).
    """
    m, n = model.m, model.n
    start = time.perf_counter()
    deadline = start + options.lagrangian_share * (options.time_limit or 1e9)
    x_upper = np.ones((m, n))
    lam = np.sort(model.c, axis=0)[min(1, m - 1)].copy()  # second cheapest way to serve j
    best = (-_INF, lam.copy())
    theta, stall = 1.0, 0
    upper, incumbent, evaluations = _INF, None, 0
    iterations = 0
    for iteration in range(options.lagrangian_iterations):
        iterations = iteration + 1
        g0, x = model.knapsacks(lam, 0.0, 0.0, x_upper, want_x=True)
        value, opened, _ = _open_costs(model, g0)
        bound = float(lam.sum() + value)
        if bound > best[0] + 1e-12 * abs(bound):
            best, stall = (bound, lam.copy()), 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = theta / 2, 0
        if iteration in (20, 100) or (iteration + 1) % 150 == 0:
            transport = _Transport(model, opened | (g0 <= np.sort(g0)[min(m - 1, 20)]), None)
            ranking = np.argsort(g0, kind="stable")
            found, cost = _local_search(
                transport, opened, ranking, time.perf_counter() + 60.0, ("close",)
            )
            evaluations += transport.evaluations
            if cost < upper:
                upper, incumbent = cost, (found, transport.assignment(found), cost)
            del transport
        served = (x * opened[:, None]).sum(axis=0)
        direction = 1.0 - served
        norm = float(direction @ direction)
        if norm < 1e-12 or theta < 1e-4 or time.perf_counter() > deadline or clock.out():
            break
        target = upper if math.isfinite(upper) else abs(best[0]) * 1.05 + 1.0
        lam += theta * max(target - bound, 0.0) / norm * direction
    if incumbent is not None and options.lagrangian_search:
        # close / open / swap among the facilities cheapest to open at the best duals
        g0, _ = model.knapsacks(best[1], 0.0, 0.0, x_upper)
        ranking = np.argsort(g0, kind="stable")
        candidates = incumbent[0].copy()
        candidates[ranking[: min(m, 2 * int(model.k_min) + 10)]] = True
        transport = _Transport(model, candidates, None)
        end = time.perf_counter() + options.heuristic_share * (options.time_limit or 1e9)
        found, cost = _local_search(transport, incumbent[0], ranking, end)
        evaluations += transport.evaluations
        if cost < upper:
            upper, incumbent = cost, (found, transport.assignment(found), cost)
        del transport
    stats = {
        "lagrangian_bound": best[0],
        "lagrangian_iterations": iterations,
        "lagrangian_objective": upper,
        "lagrangian_evaluations": evaluations,
    }
    if incumbent is not None and options.reduced_cost_fixing:
        g0, _ = model.knapsacks(best[1], 0.0, 0.0, x_upper)
        value, _, delta = _open_costs(model, g0)
        bound = float(best[1].sum() + value)
        slack = upper - bound + 1e-9 * abs(upper) + 1e-6
        lower_y = np.asarray(model.lp.col_lower_, dtype=float)
        upper_y = np.asarray(model.lp.col_upper_, dtype=float)
        _, chosen, _ = _open_costs(model, g0)
        free = lower_y[:m] < upper_y[:m]
        shut = (delta > slack) & ~chosen & free
        keep = (delta > slack) & chosen & free
        upper_y[:m][shut] = 0.0
        lower_y[:m][keep] = 1.0
        model.lp.col_upper_ = upper_y
        model.lp.col_lower_ = lower_y
        stats["lagrangian_fixed_closed"] = int(shut.sum())
        stats["lagrangian_fixed_open"] = int(keep.sum())
    stats["lagrangian_seconds"] = time.perf_counter() - start
    return stats, incumbent


# --- incumbent: transportation LPs and local search --------------------------------------
class _Transport:
    """Prices openings among some facilities: a transportation LP, warm-started.

    The LP with every y fixed, over those facilities' columns only; each opening starts
    from the basis of the last one priced.
    """

    def __init__(self, model: _Model, facilities: np.ndarray, time_limit: float | None) -> None:
        self.model = model
        m, n = model.m, model.n
        self.subset = np.flatnonzero(facilities)
        keep = np.zeros(m + m * n, dtype=bool)
        keep[self.subset] = True
        keep[m:].reshape(m, n)[self.subset] = True
        self.h = model.highs(time_limit)
        drop = np.flatnonzero(~keep).astype(np.int32)
        if drop.size:
            self.h.deleteCols(drop.size, drop)
        self.h.setOptionValue("presolve", "off")
        self.cache: dict[bytes, float] = {}
        self.evaluations = 0
        self.capacity_needed = model.d.sum()
        self.last: bytes | None = None

    def cost(self, opened: np.ndarray) -> float:
        """Total cost of an opening (inf if it cannot serve all demand)."""
        key = np.packbits(opened).tobytes()
        if key in self.cache:
            return self.cache[key]
        k = self.subset.size
        inside = opened[self.subset]
        if opened.sum() != inside.sum():
            raise ValueError("an opening outside the facilities this transport prices")
        if self.model.s[opened].sum() < self.capacity_needed * (1 - 1e-12):
            self.cache[key] = _INF
            return _INF
        bound = inside.astype(float)
        self.h.changeColsBounds(k, np.arange(k, dtype=np.int32), bound, bound)
        self.h.run()
        self.evaluations += 1
        self.last = key
        status = self.h.getModelStatus()
        value = (
            self.h.getInfo().objective_function_value
            if status == self.model.highspy.HighsModelStatus.kOptimal
            else _INF
        )
        self.cache[key] = value
        return value

    def assignment(self, opened: np.ndarray) -> np.ndarray:
        """The x of an opening, ``(m, n)``."""
        if self.last != np.packbits(opened).tobytes():
            self.cache.pop(np.packbits(opened).tobytes(), None)
            self.cost(opened)
        m, n, k = self.model.m, self.model.n, self.subset.size
        x = np.zeros((m, n))
        x[self.subset] = np.asarray(self.h.getSolution().col_value)[k:].reshape(k, n)
        return x


def _local_search(
    transport: _Transport,
    opened: np.ndarray,
    ranking: np.ndarray,
    clock_end: float,
    moves: tuple[str, ...] = ("close", "open", "swap"),
) -> tuple[np.ndarray, float]:
    """First-improvement close / open / swap moves from an opening until none improves.

    Facilities to open are tried in ``ranking`` order (the most promising first), among
    those the transport prices.
    """
    best = transport.cost(opened)
    if not math.isfinite(best):  # open by ranking until the opening is feasible
        for i in ranking:
            if i in transport.subset and not opened[i]:
                opened = opened.copy()
                opened[i] = True
                best = transport.cost(opened)
                if math.isfinite(best):
                    break
    inside = np.zeros(opened.size, dtype=bool)
    inside[transport.subset] = True
    improved = True
    while improved and time.perf_counter() < clock_end:
        improved = False
        for i in np.flatnonzero(opened) if "close" in moves else ():
            trial = opened.copy()
            trial[i] = False
            value = transport.cost(trial)
            if value < best - 1e-9 * abs(best):
                opened, best, improved = trial, value, True
        if improved:
            continue
        closed = [i for i in ranking if inside[i] and not opened[i]][: max(10, opened.size // 5)]
        for i in closed if "open" in moves else ():
            trial = opened.copy()
            trial[i] = True
            value = transport.cost(trial)
            if value < best - 1e-9 * abs(best):
                opened, best, improved = trial, value, True
                break
        if improved:
            continue
        for i in np.flatnonzero(opened) if "swap" in moves else ():
            for k in closed:
                if time.perf_counter() >= clock_end:
                    break
                trial = opened.copy()
                trial[i] = False
                trial[k] = True
                value = transport.cost(trial)
                if value < best - 1e-9 * abs(best):
                    opened, best, improved = trial, value, True
                    break
            if improved:
                break
    return opened, best


# --- the solve ----------------------------------------------------------------------------
def solve_cflp(instance: CflpInstance, options: FacilityOptions | None = None) -> FacilityResult:
    """Solve a CFLP to proven optimality (or to the time limit) with HiGHS.

    Parameters
    ----------
    instance
        The instance.
    options
        Levers, limits and sourcing (default :class:`FacilityOptions`).

    Returns
    -------
    FacilityResult
        The plan, its cost, the proven bound and gap, and what each step did. The status
        is ``optimal`` only when HiGHS proved the gap; a time-limited solve returns its
        best plan as ``time_limit`` with its gap.

    Warns
    -----
    UserWarning
        If a customer with zero demand has a nonzero cost (left out, as
        :func:`~instances.cflp.cflp_network` leaves it out).
    """
    import highspy

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
    version = f"HiGHS {highspy.Highs().version()} (direct)"
    stats: dict[str, float] = {}

    def result(status, objective, bound, opened, x, solve_start) -> FacilityResult:
        assignment = None
        if x is not None:
            assignment = np.zeros((m, instance.customers))
            assignment[:, model.served] = x
            if options.single_sourcing:
                assignment = np.round(assignment)
        gap = (
            max(objective - bound, 0.0) / max(abs(objective), 1e-9)
            if math.isfinite(objective) and math.isfinite(bound)
            else math.nan
        )
        return FacilityResult(
            status,
            objective,
            bound,
            gap,
            None if opened is None else np.asarray(opened, dtype=bool),
            assignment,
            build_seconds,
            time.perf_counter() - solve_start,
            version,
            MappingProxyType(dict(stats)),
            options,
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
        name = _status_name(highspy, lp_status, False)
        if lag_incumbent is not None:  # keep the plan we have
            opened, x, cost = lag_incumbent
            if name == "infeasible":  # nothing left beats the incumbent: it is optimal
                return result("optimal", cost, cost, opened, x, solve_start)
            bound = stats.get("lagrangian_bound", math.nan)
            return result("time_limit", cost, bound, opened, x, solve_start)
        return result(name, math.nan, math.nan, None, None, solve_start)
    solution = h.getSolution()
    values = np.asarray(solution.col_value)
    y_lp = values[:m]
    box_lower = np.concatenate([np.asarray(model.lp.col_lower_)[:m], np.zeros(m * n)])
    box_upper = np.concatenate([np.asarray(model.lp.col_upper_)[:m], np.ones(m * n)])
    box_upper[m:].reshape(m, n)[box_upper[:m] == 0] = 0.0  # rows (2): shut serve no one
    lp_bound, r_y, r_x = model.dual_bound(np.asarray(solution.row_dual), box_lower, box_upper)
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
    mip.run()
    stats["mip_seconds"] = time.perf_counter() - clock_mip
    info = mip.getInfo()
    stats["mip_nodes"] = int(info.mip_node_count)
    status = mip.getModelStatus()
    has_solution = info.primal_solution_status == 2
    name = _status_name(highspy, status, has_solution)
    objective, bound, opened, x = math.nan, math.nan, None, None
    if has_solution:
        values = np.asarray(mip.getSolution().col_value)
        full = np.zeros(m + m * n)
        full[col_map] = values
        opened = full[:m] > 0.5
        x = full[m:].reshape(m, n)
        objective = float(info.objective_function_value)
        bound = float(info.mip_dual_bound)
    elif name == "optimal":
        name = "error"
    if name == "infeasible":
        if incumbent is None:
            return result("infeasible", math.nan, math.nan, None, None, solve_start)
        name = "optimal"  # nothing beats the incumbent
        bound = incumbent[2]
    if incumbent is not None:
        bound = min(bound, incumbent[2]) if math.isfinite(bound) else math.nan
        if not has_solution or incumbent[2] < objective:
            opened, x, objective = incumbent
            if name == "no_solution":
                name = "time_limit"
    if name == "optimal":
        gap = (objective - bound) / max(abs(objective), 1e-9)
        if not gap <= max(options.gap, 1e-9) * (1 + 1e-9) + 1e-12:
            name = "time_limit" if math.isfinite(gap) else name
    return result(name, objective, bound, opened, x, solve_start)


def _fix_by_reduced_costs(
    model: _Model,
    h,
    lower: np.ndarray,
    upper: np.ndarray,
    incumbent: float,
    clock: _Clock,
    options: FacilityOptions,
) -> dict:
    """Fix y and tighten x bounds by reduced costs; re-solve the LP and repeat while it bites.

    ``lower``/``upper`` (full layout) are changed in place. Round k restricts the search
    to solutions cheaper than the incumbent, so round k + 1's LP (with the tighter bounds)
    is a relaxation of that set, its L(pi) a valid bound on it, and its fixings valid too.
    """
    highspy = model.highspy
    m, n = model.m, model.n
    pos = model.pos
    present = pos >= 0
    lp_cols = np.concatenate([np.arange(m), pos[present]]).astype(np.int32)
    rounds = 0
    bound = -_INF
    while True:
        solution = h.getSolution()
        new_bound, r_y, r_x = model.dual_bound(np.asarray(solution.row_dual), lower, upper)
        bound = max(bound, new_bound)
        margin = 1e-9 * abs(incumbent) + 1e-6  # for rounding
        slack = incumbent - new_bound + margin
        free = lower[:m] < upper[:m]
        close = free & (r_y > slack)
        keep_open = free & (-r_y > slack)
        if options.lagrangian_fixing:
            lag_bound, g = model.facility_bound(np.asarray(solution.row_dual), lower, upper)
            bound = max(bound, lag_bound)
            lag_slack = incumbent - lag_bound + margin
            close |= free & (g > lag_slack)
            keep_open |= free & (-g > lag_slack)
        upper[:m][close] = 0.0
        lower[:m][keep_open] = 1.0
        x_upper = upper[m:].reshape(m, n)
        x_upper[~(upper[:m] > 0)] = 0.0  # rows (2): a shut facility serves no one
        with np.errstate(divide="ignore", invalid="ignore"):
            limit = np.where(r_x > 0, slack / r_x, _INF)
        if options.single_sourcing:
            limit[limit < 1] = 0.0  # binary x: x_ij = 1 would cost more than the incumbent
        tighten = limit < x_upper * (1 - 1e-3)
        x_upper[tighten] = np.maximum(limit[tighten], 0.0)
        rounds += 1
        changed = int(close.sum() + keep_open.sum())
        if changed == 0 and tighten.sum() < 0.001 * m * n:
            break
        if clock.out() or rounds >= 20:
            break
        h.changeColsBounds(
            lp_cols.size,
            lp_cols,
            lower[:m].tolist() + lower[m:].reshape(m, n)[present].tolist(),
            upper[:m].tolist() + x_upper[present].tolist(),
        )
        _limit(h, clock)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            # infeasible: nothing beats the incumbent (the bound is then the incumbent)
            if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
                bound = incumbent
            break
    return {
        "fixing_rounds": rounds,
        "fixed_closed": int(
            (upper[:m] == 0).sum() - (np.asarray(model.lp.col_upper_)[:m] == 0).sum()
        ),
        "fixed_open": int(
            (lower[:m] == 1).sum() - (np.asarray(model.lp.col_lower_)[:m] == 1).sum()
        ),
        "x_bounds_tightened": int(((upper[m:] < 1) & (upper[m:] > 0)).sum()),
        "fixed_bound": bound,
    }


def _mip_model(
    model: _Model,
    keep_y: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    options: FacilityOptions,
) -> tuple[object, np.ndarray]:
    """The MIP over facilities not fixed closed, with the linking rows found."""
    m, n = model.m, model.n
    kept = np.flatnonzero(keep_y)
    col_map = np.concatenate([kept, m + (kept[:, None] * n + np.arange(n)[None, :]).ravel()])
    mip = model.highs(options.time_limit)
    if kept.size < m:
        mip.deleteCols(*_index_set(np.setdiff1d(np.arange(m + m * n), col_map)))
    mip.changeColsBounds(
        col_map.size,
        np.arange(col_map.size, dtype=np.int32),
        col_lower[col_map],
        col_upper[col_map],
    )
    # capacity rows of removed facilities are empty now; leave them (0 <= 0)
    position = np.full(m, -1)
    position[kept] = np.arange(kept.size)
    sel = keep_y[model.link_i]
    li, lj = model.link_i[sel], model.link_j[sel]
    if li.size:
        k = li.size
        index = np.empty((k, 2), dtype=np.int32)
        index[:, 0] = position[li]
        index[:, 1] = kept.size + position[li] * n + lj
        value = np.tile([-1.0, 1.0], k)
        mip.addRows(
            k,
            np.full(k, -_INF),
            np.zeros(k),
            2 * k,
            (2 * np.arange(k)).astype(np.int32),
            index.ravel(),
            value,
        )
    integrality = np.zeros(col_map.size, dtype=np.int32)  # 1: HighsVarType.kInteger
    integrality[: kept.size] = 1
    if options.single_sourcing:
        integrality[:] = 1
    mip.changeColsIntegrality(
        col_map.size, np.arange(col_map.size, dtype=np.int32), integrality.astype(np.uint8)
    )
    mip.setOptionValue("mip_rel_gap", float(options.gap))
    mip.setOptionValue("mip_abs_gap", 1e-9)
    if options.mip_heuristic_effort is not None:
        mip.setOptionValue("mip_heuristic_effort", float(options.mip_heuristic_effort))
    return mip, col_map


def _index_set(cols: np.ndarray) -> tuple:
    return cols.size, cols.astype(np.int32)
