"""Stopping on a signal: Ctrl-C and SIGTERM end a run cleanly, and no child outlives it.

One stop request for the process (:func:`stop_requested`), set by the first SIGINT or
SIGTERM, and the rules for what a signal does, wherever it lands:

- **during a solver run** (:func:`solving`: HiGHS, the CBC watchdog) it only sets the
  request. HiGHS sees it in its interrupt callbacks (simplex, interior point, branch and
  bound) and stops with the best plan it has (``limit: interrupted``); CBC is sent
  SIGINT, which makes it stop and write its best plan, and is killed with its process
  group if it has not within :data:`CBC_STOP_S`. A solver started after the request
  returns at once. Leaving :func:`solving` with the request set raises
  :class:`KeyboardInterrupt` unless a :func:`graceful` region is open: the run stops
  without a plan, as a Ctrl-C always did, only sooner;
- **in a graceful region** (``coldchain solve``: the solve, the scoring and the writing
  of its plan) once a solver has started, the request is all a signal sets, so the plan
  the interrupted solve returns is scored and written; the command then exits with 130.
  Before any solver has started (reading, building the model) there is no plan to save
  and the signal raises :class:`KeyboardInterrupt` at once;
- **anywhere else**, and a second signal anywhere a Python exception may be raised, it
  raises :class:`KeyboardInterrupt` (the command line prints one line and exits 130).
  A second signal is never raised inside HiGHS's callbacks (an exception there would
  abort the process): HiGHS is already stopping.

The command line installs the handlers (:func:`install`; a signal the process was
started ignoring, as a shell starts background jobs ignoring SIGINT, stays ignored); a
library caller that has not (a notebook) gets them for the length of each solver run, so
Ctrl-C stops HiGHS within a second and raises :class:`KeyboardInterrupt` there. Code that
drives highspy itself runs it through :func:`run`. OR-Tools' routing search holds the
GIL for its whole run, so no handler could run during it: its searches run in a
:class:`WorkerPool` child even one at a time (``optimizer.routing.collection``).

Children: worker pools are :class:`WorkerPool` s, whose workers ignore SIGINT (a
terminal sends it to the whole process group; the parent decides), die with their
parent (Linux ``PR_SET_PDEATHSIG``, or a thread that watches the parent) and are killed
when the parent leaves the pool by an exception. A parent that waits for its tasks with
:meth:`WorkerPool.gather` keeps what they found: on a stop request it asks the workers
to stop (in a worker, :func:`stop_requested` then holds, so HiGHS, PyVRP and OR-Tools
end with their best plans and return them), waits :data:`WORKER_STOP_S` for them, and
kills those that have not returned. The CBC child leads its own process
group and watches its parent (:func:`watch_parent`): when the parent is gone, however it
died, the group (CBC included) is killed.
"""

from __future__ import annotations

import ctypes
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, wait
from contextlib import contextmanager

#: Seconds CBC may take to stop and write its plan after it is sent SIGINT.
CBC_STOP_S = 1.0

#: Seconds between two looks at whether a child's parent is still there.
PARENT_POLL_S = 0.2

#: Seconds pool workers asked to stop may take to return their best plans before they
#: are killed (a signal's 2 s: the parent then scores and writes what came back).
WORKER_STOP_S = 0.8

#: Seconds between two looks at the stop request while a parent waits for its workers.
WAIT_POLL_S = 0.05

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class _State:
    """The process's stop request and where the main thread is."""

    signal: int | None = None  # the first signal received, None: no stop requested
    solving = 0  # depth of solver runs (solving())
    native = 0  # depth of solver runs inside native code (no exception may be raised)
    graceful = 0  # depth of graceful regions
    started = False  # a solver started inside the outermost graceful region
    installed = False  # the command line's handlers are in place
    parent_stop = None  # in a pool worker: the flag its parent sets to ask it to stop


#: Per thread, the event that asks the task this thread runs to stop (:func:`task_stop`).
_TASK = threading.local()


def stop_requested() -> bool:
    """Whether this process, its pool parent or (in this thread) its task's run asked to stop.

    A SIGINT or SIGTERM to this process, a pool worker's parent's flag, or the event of
    the task this thread runs (:func:`task_stop`).
    """
    if _State.signal is not None:
        return True
    flag = _State.parent_stop
    if flag is not None and bool(flag.value):
        return True
    event = getattr(_TASK, "stop", None)
    return event is not None and event.is_set()


@contextmanager
def task_stop(event: threading.Event) -> Iterator[None]:
    """A task whose run may be stopped from outside, by ``event``.

    Once ``event`` is set, :func:`stop_requested` holds in this thread, so the task's
    solver ends with its best plan.

    A Dask worker runs tasks of many clients in one process, where no signal and no
    parent's flag can say which run to stop: the executor sets its run's event there
    when the run is interrupted (:func:`optimizer.backends.executor.stop_run`).
    """
    previous = getattr(_TASK, "stop", None)
    _TASK.stop = event
    try:
        yield
    finally:
        _TASK.stop = previous


def stop_signal() -> int | None:
    """The signal that asked this process to stop (``None``: none did)."""
    return _State.signal


def clear() -> None:
    """Forget a stop request (the command line does, when a command ends)."""
    _State.signal = None


def _on_signal(signum: int, frame) -> None:
    first = _State.signal is None
    if first:
        _State.signal = signum
    if _State.native or (first and (_State.solving or (_State.graceful and _State.started))):
        return  # the solver sees the request and stops with its best plan
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def install() -> Callable[[], None]:
    """Handle SIGINT and SIGTERM as this module says; returns a function that undoes it.

    Called by the command line (main thread only; elsewhere it does nothing). A signal
    this process was started ignoring stays ignored (a shell starts background jobs
    ignoring SIGINT, so that a Ctrl-C meant for the foreground leaves them be).
    """
    if not _in_main_thread():
        return lambda: None
    previous = {
        s: signal.signal(s, _on_signal)
        for s in _SIGNALS
        if signal.getsignal(s) is not signal.SIG_IGN
    }
    _State.installed = True
    clear()

    def restore() -> None:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _State.installed = False
        clear()

    return restore


@contextmanager
def graceful() -> Iterator[None]:
    """A region whose solves' plans are kept when a signal stops them (see the module)."""
    _State.graceful += 1
    try:
        yield
    finally:
        _State.graceful -= 1
        if not _State.graceful:
            _State.started = False


@contextmanager
def solving(native: bool = False) -> Iterator[None]:
    """A solver run: a signal during it only asks the solver to stop (see the module).

    Parameters
    ----------
    native
        The run is inside native code that calls back into Python (HiGHS): no signal
        may raise an exception until it returns.

    Raises
    ------
    KeyboardInterrupt
        On leaving, if a stop was requested and no :func:`graceful` region is open.
    """
    own = None
    if not _State.installed and _in_main_thread():
        # a library caller: our handler for this run only (Python's would raise
        # KeyboardInterrupt inside a HiGHS callback), the old one back after it
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            own = signal.signal(signal.SIGINT, _on_signal)
    _State.solving += 1
    _State.native += int(native)
    _State.started = _State.started or bool(_State.graceful)
    try:
        yield
    finally:
        _State.solving -= 1
        _State.native -= int(native)
        if own is not None:
            signal.signal(signal.SIGINT, own)
    # only a signal to this process raises: a worker asked to stop by its parent
    # returns its best plan (the parent decides)
    if _State.signal is not None and not _State.graceful and not _State.solving:
        name = signal.Signals(_State.signal).name
        if own is not None:
            clear()
        raise KeyboardInterrupt(name)


def listen(highs) -> None:
    """Make a ``highspy.Highs`` stop at its next interrupt callback once a stop is asked.

    HiGHS calls these callbacks every few simplex or interior point iterations and at
    each branch and bound node; it then ends its run with model status ``kInterrupt``
    and the best plan it has.
    """

    def check(event) -> None:
        if stop_requested() and getattr(highs, "_coldchain_stoppable", True):
            event.interrupt()
        elif time.perf_counter() > getattr(highs, "_coldchain_deadline", math.inf):
            highs._coldchain_overran = True  # a time limit HiGHS itself did not keep
            event.interrupt()

    for callbacks in (highs.cbSimplexInterrupt, highs.cbIpmInterrupt, highs.cbMipInterrupt):
        callbacks.subscribe(check)


def run(highs, stoppable: bool = True):
    """``highs.run()`` (a ``highspy.Highs``), stopped by a signal as every solver run is.

    For code that drives highspy itself (the facility location solver, the routing
    schedules); the first call makes ``highs`` listen (:func:`listen`).

    Parameters
    ----------
    highs
        The ``highspy.Highs`` to run.
    stoppable
        ``False``: a short run that completes a plan already found (the exact schedule
        of routes a search returned) runs to its end even when a stop was asked, so
        that the plan can be written.
    """
    if not getattr(highs, "_coldchain_listens", False):
        listen(highs)
        highs._coldchain_listens = True
    highs._coldchain_stoppable = stoppable
    with solving(native=True):
        return highs.run()


# --- children --------------------------------------------------------------------------


def die_with_parent(parent_pid: int) -> None:
    """Make this child process die when ``parent_pid``, its parent, does.

    On Linux the kernel sends SIGKILL (``PR_SET_PDEATHSIG``); elsewhere a daemon thread
    watches the parent. A parent already gone ends the child at once.
    """
    armed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent_pid:  # the parent died before the kernel could be told
        os._exit(1)
    if not armed:
        watch_parent(parent_pid, group=False)


def watch_parent(parent_pid: int, group: bool = True) -> threading.Thread:
    """A daemon thread that kills this process (with its group) when its parent is gone.

    For a child that leads its own process group and runs a program of its own (CBC):
    the kernel's parent-death signal would end the child but not the program.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_S)
        if group:
            os.killpg(os.getpgrp(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)

    thread = threading.Thread(target=watch, name="watch-parent", daemon=True)
    thread.start()
    return thread


def _start_worker(parent_pid: int, stop_flag, initializer, initargs: tuple) -> None:
    """A pool worker's first act: leave signals to the parent, and die with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _State.installed = True  # the worker's solvers use no handler of their own
    _State.parent_stop = stop_flag  # stop_requested() once the parent asks
    clear()
    die_with_parent(parent_pid)
    if initializer is not None:
        initializer(*initargs)


class WorkerPool(ProcessPoolExecutor):
    """A process pool whose workers never outlive the run.

    Its workers ignore SIGINT and die with the parent (see the module docstring); leaving
    the ``with`` block by an exception (a :class:`KeyboardInterrupt` above all) kills
    them at once instead of waiting for their tasks to end.

    Parameters
    ----------
    max_workers, mp_context, initializer, initargs
        As :class:`concurrent.futures.ProcessPoolExecutor` takes them.
    """

    def __init__(self, max_workers: int, mp_context, initializer=None, initargs: tuple = ()):
        self._stop_flag = mp_context.Value("b", 0, lock=False)  # shared memory, no lock
        super().__init__(
            max_workers,
            mp_context=mp_context,
            initializer=_start_worker,
            initargs=(os.getpid(), self._stop_flag, initializer, initargs),
        )

    def ask_stop(self) -> None:
        """Ask the workers to stop: :func:`stop_requested` holds in them from now on."""
        self._stop_flag.value = 1

    def gather(self, futures: list[Future], grace: float = WORKER_STOP_S) -> list:
        """Each future's result, in order; on a stop request, what the workers found.

        The wait is a solver run (:func:`solving`): a signal only asks to stop. Then the
        workers are asked to stop (:meth:`ask_stop`), those that have not returned within
        ``grace`` seconds are killed, and their tasks' results are ``None``. A task that
        raised raises here, as :meth:`Future.result` does.

        Raises
        ------
        KeyboardInterrupt
            After the workers stopped, if a signal asked this process to stop outside a
            :func:`graceful` region (as :func:`solving` does).
        """
        with solving():
            pending = set(futures)
            while pending and not stop_requested():
                _, pending = wait(pending, timeout=WAIT_POLL_S)
            if pending:
                self.ask_stop()
                _, pending = wait(pending, timeout=grace)
            if pending:
                self.kill()
        return [None if f in pending or f.cancelled() else f.result() for f in futures]

    def kill(self) -> None:
        """Kill the workers and cancel what they have not started."""
        for process in list((self._processes or {}).values()):
            if process.is_alive():
                process.kill()
        self.shutdown(wait=True, cancel_futures=True)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.kill()
            return False
        return super().__exit__(exc_type, exc, tb)
