"""The bound's relaxation solved in a process of its own, beside the hub model.

The relaxation (:mod:`optimizer.design.bound`) does not depend on the hubs the design
model chooses, so on a machine with two cores or more ``coldchain solve`` starts it at
once in a forked :class:`~optimizer.backends.interrupt.WorkerPool` worker and collects it
after the exact path model: the relaxation gets the whole time limit, and the hub model
the share it would otherwise lose to it. On the flagship under load its data take 21 s
and its LP 62 s, more than the 35% of 150 s a sequential solve leaves it.

The worker inherits the network by fork (it is not pickled); the interrupt rules of
:class:`WorkerPool` hold (it ignores SIGINT, dies with its parent, stops its HiGHS run
when asked and is killed if it has not within the grace).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import time
from concurrent.futures import wait

from networks.network import Network
from networks.status import Status
from optimizer.backends import interrupt
from optimizer.backends.interrupt import WORKER_STOP_S, WorkerPool
from optimizer.design._options import DesignOptions
from optimizer.design.bound import EvaluatedBound, solve_bound

#: Seconds between two looks at the worker while waiting for it.
POLL_S = 0.05
#: What the forked worker inherits: ``(network, options, shared value)``.
_FORKED: tuple | None = None


def _solve_in_worker(time_limit: float | None, threads: int | None) -> EvaluatedBound:
    assert _FORKED is not None, "the worker was not forked from BoundBeside"
    network, options, proven = _FORKED

    def keep(value: float) -> None:
        proven.value = value  # the parent reads it if it must stop the worker

    return solve_bound(network, options, time_limit, threads, on_proven=keep)


class BoundBeside:
    """A relaxation solving in a worker process while the caller goes on.

    Parameters
    ----------
    network, options
        The scenario and the solve's options.
    time_limit
        Seconds for the relaxation (``None``: none).
    """

    def __init__(self, network: Network, options: DesignOptions, time_limit: float | None):
        global _FORKED
        context = mp.get_context("fork")
        # the LP relaxation's optimum, written by the worker once proven (shared memory)
        self.proven = context.Value("d", math.nan, lock=False)
        _FORKED = (network, options, self.proven)
        self.clock = time.perf_counter()
        self.time_limit = time_limit
        self.pool = WorkerPool(1, mp_context=context)
        self.future = self.pool.submit(_solve_in_worker, time_limit, options.threads)

    def result(self) -> EvaluatedBound:
        """The relaxation's ending; waits at most to its time limit and a grace.

        A relaxation still running then (HiGHS overran its limit), or when a stop is
        asked for, is asked to stop (its LP or MIP ends with what it proved) and, failing
        that within :data:`~optimizer.backends.interrupt.WORKER_STOP_S`, killed: then the
        LP relaxation's optimum is the bound where the worker proved it, else none is
        claimed.
        """
        try:
            deadline = None
            if self.time_limit is not None:
                deadline = self.clock + self.time_limit + WORKER_STOP_S
            with interrupt.solving():  # a signal now only asks to stop, as in a solve
                while not self.future.done() and not interrupt.stop_requested():
                    if deadline is not None and time.perf_counter() > deadline:
                        break
                    wait([self.future], timeout=POLL_S)
            if not self.future.done():
                self.pool.ask_stop()  # HiGHS in the worker stops with its best bound
                wait([self.future], timeout=WORKER_STOP_S)
            found = self.future.result() if self.future.done() else None
        finally:
            self.pool.kill()
        if found is None:
            seconds = time.perf_counter() - self.clock
            proven = float(self.proven.value)
            if math.isfinite(proven):  # the LP's optimum, proven before its MIP was stopped
                return EvaluatedBound(proven, Status.FEASIBLE, seconds)
            reason = "the relaxation did not end within its time and was stopped"
            return EvaluatedBound(math.nan, Status.NO_SOLUTION, seconds, reason)
        return found

    def cancel(self) -> None:
        """Stop the worker (the solve ended without a plan to bound)."""
        self.pool.kill()
