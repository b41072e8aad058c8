"""The CFLP's model in HiGHS: the LP with lazy rows and columns, and the MIP.

Helpers of :func:`optimizer.facility.cflp.solve_cflp` (see that module's docstring for
the formulation and the steps). :class:`_Model` builds the strong formulation's rows (1),
(2), (4), (5) column-wise from numpy arrays and turns row duals into Lagrangian bounds and
costs to open; :func:`_solve_lp` solves the LP, adding the linking rows (3) it violates and
the x columns that price in (step a); :func:`_mip_model` builds the MIP over the facilities
left after fixing (step d). Also the clock and status helpers the steps share.
"""

from __future__ import annotations

import math
import time

import numpy as np

from networks.facility import FacilityProblem
from optimizer.backends import interrupt
from optimizer.facility.options import FacilityOptions

_VIOLATION = 1e-6  # a linking row x_ij <= y_i counts as violated beyond this
_INF = math.inf


# --- model --------------------------------------------------------------------------------
class _Model:
    """The LP/MIP in HiGHS: columns y (m) then x (m * n, facility-major), rows (1) (2) (4)."""

    def __init__(self, inst: FacilityProblem, options: FacilityOptions) -> None:
        from optimizer import backends

        highspy = backends.highspy()

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
        interrupt.run(h)
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


# --- the MIP ------------------------------------------------------------------------------
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
