"""Bounds and fixings for the CFLP: the Lagrangian phase and reduced-cost fixing.

Steps 0 and c of :func:`optimizer.facility.cflp.solve_cflp` (see that module's
docstring for why each keeps the optimum): subgradient optimization on the demand duals,
each facility a continuous knapsack, with an incumbent from the openings it proposes and y
fixed by the Lagrangian costs to open; then y fixed and x bounds tightened by the LP's
reduced costs against an incumbent, re-solving the LP while it bites.
"""

from __future__ import annotations

import math
import time

import numpy as np

from optimizer.backends import interrupt
from optimizer.facility._model import _INF, _Clock, _limit, _Model
from optimizer.facility._search import _local_search, _Transport
from optimizer.facility.options import FacilityOptions


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
    for the reason given in :mod:`optimizer.facility.cflp`'s docstring (c).
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


# --- reduced-cost fixing: y fixed and x bounds tightened against an incumbent -------------
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
        interrupt.run(h)
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
