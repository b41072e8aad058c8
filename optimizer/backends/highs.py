"""One model held in HiGHS, changed in place between solves.

A :class:`HighsModel` takes a model's arrays once (``Highs.passModel``) and then only
changes bounds, costs and integrality: re-solving after a bound change starts from the
last basis (dual simplex), which is what makes the design start heuristic and the
coalition solves of consolidation cheap compared with building a model each time.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from networks.status import Limit, Status
from optimizer import backends
from optimizer.backends import interrupt
from optimizer.backends.mip import (
    SolveOutcome,
    _QuietStdout,
    highs_status,
    relative_gap,
)

ROWWISE = 2  # HiGHS MatrixFormat::kRowwise

#: HiGHS's MIP primal heuristics, and the settings that switch them off: they look for
#: incumbents, so where every solve starts from a plan they only cost time; off, the
#: branch and bound and its proof of optimality are unchanged.
HEURISTICS_OFF = {
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_zi_round": False,
    "mip_heuristic_run_shifting": False,
}


def _overrun(seconds: float) -> float:
    """Seconds after which a run asked to take ``seconds`` is stopped from outside HiGHS."""
    return float(seconds) * 1.05 + 2.0


class HighsModel:
    """A model in a ``highspy.Highs`` object.

    Parameters
    ----------
    arrays
        ``col_cost, col_lower, col_upper, integrality, row_lower, row_upper, a_start,
        a_index, a_value`` (row-wise sparse matrix), as
        :meth:`optimizer.design.formulation.DesignMatrix.arrays` returns them.
    maximize
        Maximize the objective (else minimize).
    """

    def __init__(self, arrays: dict[str, np.ndarray], maximize: bool = False):
        highspy = backends.highspy()
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.maximize = maximize
        self.cost = arrays["col_cost"].copy()
        self.lower = arrays["col_lower"].copy()
        self.upper = arrays["col_upper"].copy()
        self.integrality = arrays["integrality"].copy()
        self.row_lower = arrays["row_lower"].copy()
        self.row_upper = arrays["row_upper"].copy()
        self.num_col = len(self.cost)
        self.num_row = len(self.row_lower)
        a_index = arrays["a_index"]
        status = self.highs.passModel(
            self.num_col,
            self.num_row,
            len(a_index),
            ROWWISE,
            -1 if maximize else 1,
            0.0,
            self.cost,
            self.lower,
            self.upper,
            self.row_lower,
            self.row_upper,
            arrays["a_start"],
            a_index,
            arrays["a_value"],
            self.integrality,
        )
        if status != highspy.HighsStatus.kOk:
            raise RuntimeError(f"HiGHS refused the model: {status}")
        self.is_mip = bool(self.integrality.any())
        self.relaxed = False
        self.version = f"HiGHS {self.highs.version()}"
        self._heuristic_defaults: dict = {}
        interrupt.listen(self.highs)

    # -- changes ---------------------------------------------------------------------
    def set_bounds(self, cols, lower, upper) -> None:
        """Change column bounds."""
        cols = np.asarray(cols, dtype=np.int32)
        if not len(cols):
            return
        lower = np.broadcast_to(np.asarray(lower, dtype=np.float64), cols.shape).copy()
        upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), cols.shape).copy()
        self.highs.changeColsBounds(len(cols), cols, lower, upper)

    def set_base_bounds(self, cols, lower, upper) -> None:
        """Change column bounds, also those :meth:`restore` goes back to."""
        cols = np.asarray(cols, dtype=np.int32)
        self.lower[cols] = lower
        self.upper[cols] = upper
        self.set_bounds(cols, self.lower[cols], self.upper[cols])

    def set_row_bounds(self, rows, lower, upper) -> None:
        """Change row bounds."""
        for row, lo, hi in zip(rows, lower, upper, strict=True):
            self.highs.changeRowBounds(int(row), float(lo), float(hi))

    def add_rows(self, rows: dict[str, np.ndarray]) -> int:
        """Append rows (``lower, upper, starts, index, value``, row-wise); how many."""
        count = len(rows["lower"])
        if count:
            self.highs.addRows(
                count,
                rows["lower"],
                rows["upper"],
                len(rows["index"]),
                rows["starts"],
                rows["index"],
                rows["value"],
            )
            self.num_row += count
        return count

    def delete_rows_from(self, first: int) -> None:
        """Delete rows ``first`` onward (those added since the model had ``first``)."""
        if self.num_row > first:
            gone = np.arange(first, self.num_row, dtype=np.int32)
            self.highs.deleteRows(len(gone), gone)
            self.num_row = first

    def set_costs(self, cols, costs) -> None:
        """Change objective coefficients."""
        cols = np.asarray(cols, dtype=np.int32)
        if len(cols):
            self.highs.changeColsCost(len(cols), cols, np.asarray(costs, dtype=np.float64))

    def relax(self, relaxed: bool = True) -> None:
        """Drop integrality (``relaxed``) or restore it."""
        integer = np.flatnonzero(self.integrality).astype(np.int32)
        if len(integer):
            kinds = np.zeros(len(integer), np.uint8) if relaxed else np.ones(len(integer), np.uint8)
            self.highs.changeColsIntegrality(len(integer), integer, kinds)
        self.relaxed = relaxed

    def restore(self) -> None:
        """Back to the model as passed: bounds, costs, integrality."""
        every = np.arange(self.num_col, dtype=np.int32)
        self.highs.changeColsBounds(self.num_col, every, self.lower, self.upper)
        self.highs.changeColsCost(self.num_col, every, self.cost)
        self.relax(False)

    def set_heuristics(self, on: bool) -> None:
        """Switch HiGHS's MIP primal heuristics on (its defaults) or off."""
        for name, off in HEURISTICS_OFF.items():
            if name not in self._heuristic_defaults:
                got = self.highs.getOptionValue(name)  # (status, value) in highspy 1.12
                self._heuristic_defaults[name] = got[1] if isinstance(got, tuple) else got
            value = self._heuristic_defaults[name]
            self.highs.setOptionValue(name, value if on else off)

    # -- solving ---------------------------------------------------------------------
    def _clock_limit(self, seconds: float | None) -> float:
        """HiGHS ``time_limit`` for a run of at most ``seconds``.

        HiGHS 1.12 checks an LP's time limit against its run clock, which adds up over
        every run on this object (measured: a second 3-s LP run stopped at once), but
        times a MIP run from its own start. So an LP's limit is what the object has
        already run plus ``seconds``.
        """
        if not seconds:
            return math.inf
        if self.is_mip and not self.relaxed:
            return float(seconds)
        return self.highs.getRunTime() + float(seconds)

    def solve(
        self,
        time_limit: float | None = None,
        gap: float | None = None,
        threads: int | None = 1,
        msg: bool = False,
        seed: int | None = None,
        start: np.ndarray | None = None,
        method: str = "choose",
    ) -> SolveOutcome:
        """Solve as the model now stands.

        Parameters
        ----------
        time_limit
            Seconds (``None``: none).
        gap
            Relative MIP gap.
        threads
            HiGHS threads.
        msg
            Show HiGHS's log.
        seed
            HiGHS ``random_seed``.
        start
            Column values of a feasible solution, the MIP's first incumbent.
        method
            HiGHS ``solver`` option for LPs: ``choose``, ``simplex`` or ``ipm``
            (interior point, then crossover to a basis).

        Returns
        -------
        SolveOutcome
            ``values`` is an array of column values (empty without a solution).
        """
        if interrupt.stop_requested():  # asked to stop before this run: none is started
            return self._not_run(start)
        h = self.highs
        h.setOptionValue("output_flag", bool(msg))
        h.setOptionValue("time_limit", self._clock_limit(time_limit))
        if gap is not None:
            h.setOptionValue("mip_rel_gap", float(gap))
        if threads is not None:
            h.setOptionValue("threads", int(threads))
        if seed is not None:
            h.setOptionValue("random_seed", int(seed))
        h.setOptionValue("solver", method)
        if start is not None:
            h.setSolution(
                self.num_col, np.arange(self.num_col, dtype=np.int32), np.asarray(start, float)
            )
        clock = time.perf_counter()
        # HiGHS's own limit was seen overrun 2x (a MIP of 290 s ran 543 s, under load):
        # its interrupt callbacks stop it past the limit with a margin, as a time limit
        h._coldchain_deadline = math.inf if not time_limit else clock + _overrun(time_limit)
        h._coldchain_overran = False
        self._run(msg)
        seconds = time.perf_counter() - clock
        status = h.getModelStatus()
        info = h.getInfo()
        values = np.asarray(h.getSolution().col_value)
        if info.primal_solution_status == 2 and len(values) != self.num_col:
            # a 40-firm consolidation run met an LP said optimal whose column values
            # were empty (not reproduced alone): solved again from scratch, once
            h.clearSolver()
            self._run(False)
            seconds = time.perf_counter() - clock
            status, info = h.getModelStatus(), h.getInfo()
            values = np.asarray(h.getSolution().col_value)
        has_solution = info.primal_solution_status == 2 and len(values) == self.num_col
        # said optimal, yet no values: not a plan (an error, see ``ending_status``)
        name, limit = highs_status(status, has_solution)
        if h._coldchain_overran and limit is Limit.INTERRUPTED and not interrupt.stop_requested():
            limit = Limit.TIME
        is_mip = self.is_mip and not self.relaxed
        objective = h.getObjectiveValue() if has_solution else math.nan
        if is_mip:
            bound = info.mip_dual_bound
            gap_value = relative_gap(objective, bound)
        else:
            optimal = name is Status.OPTIMAL
            bound = objective if optimal else math.nan
            gap_value = 0.0 if optimal else math.nan
        if not has_solution:
            if limit is Limit.INTERRUPTED and start is not None and is_mip:
                # stopped before HiGHS took the start in: the start is the best plan
                return replace(self._not_run(start), seconds=seconds)
            values = np.empty(0)
        return SolveOutcome(name, limit, objective, bound, gap_value, seconds, self.version, values)

    def row_duals(self) -> np.ndarray:
        r"""Row duals :math:`y` of the last solve (an LP's, or a relaxed model's).

        HiGHS's convention, in either sense: a column's reduced cost is
        :math:`c_j - a_j^\top y` (``col_dual``); at a maximum it is at most 0 for a column
        at its lower bound, at a minimum at least 0.

        Raises
        ------
        ValueError
            If the last solve left no dual values (a MIP, or no solution).
        """
        solution = self.highs.getSolution()
        duals = np.asarray(solution.row_dual, dtype=np.float64)
        if not solution.dual_valid or len(duals) != self.num_row:
            raise ValueError("the last solve left no row duals (solve the LP relaxation)")
        return duals

    def _run(self, msg: bool) -> None:
        """``Highs.run``, stopped by a signal through the interrupt callbacks."""
        with interrupt.solving(native=True):
            if msg:
                self.highs.run()
            else:
                with _QuietStdout():
                    self.highs.run()

    def _not_run(self, start: np.ndarray | None) -> SolveOutcome:
        """A run a stop request kept from starting (or from taking ``start`` in).

        Its plan is ``start`` (a feasible plan of the MIP) where there is one; else none.
        """
        interrupted = SolveOutcome(
            Status.NO_SOLUTION,
            Limit.INTERRUPTED,
            math.nan,
            math.nan,
            math.nan,
            0.0,
            self.version,
            np.empty(0),
        )
        if start is None or not (self.is_mip and not self.relaxed):
            return interrupted
        values = np.asarray(start, dtype=np.float64)
        return replace(
            interrupted, status=Status.FEASIBLE, objective=float(self.cost @ values), values=values
        )
