"""One executor for many solves: a local process pool, or a Dask cluster.

A study (``coldchain sweep``), a cooperative's coalitions (``coldchain consolidate``,
``coldchain bench consolidate``) are many independent solves of one scenario. They are
handed to an :class:`Executor`, made by :func:`make_executor` from the command line's
``--workers`` and ``--scheduler``:

- **inline** (1 worker, no scheduler): each task runs in this process when submitted;
- **local pool** (the default): a :class:`~optimizer.backends.interrupt.WorkerPool`,
  forked once, whose workers ignore SIGINT and die with their parent. A worker that dies
  mid-task (killed, out of memory) breaks the pool: a new pool is forked and every task
  not finished is submitted again (at most :data:`RETRIES` times each);
- **Dask** (``--scheduler ADDRESS``: a running ``dask scheduler``;
  ``--scheduler local:N``: a :class:`distributed.LocalCluster` of N single-threaded
  worker processes started for the run). The scheduler re-runs a task whose worker
  died (up to ``distributed.scheduler.allowed-failures`` times). On an interrupt, this
  run's tasks are cancelled, their running solves stopped, and the client closed; an
  external cluster's workers keep running, a ``local:N`` cluster is closed with the run.
  Dask is an optional dependency (``pip install coldchain[dask]``): only these
  executors import it.

What every task needs (the scenario, the options, a solver model built once) is the
executor's :class:`Shared` state: it goes to each worker **once** (fork inheritance for
the local pool, ``Client.scatter(..., broadcast=True)`` for Dask), and is built there once
per process, cached by its key (the scenario's content hash and the options). A task
then carries only its own small payload (a coalition, a sweep's lever values, a seed), so
its result never depends on which worker ran it: with fixed solver settings (no time
limit, gap 0, one thread) every executor and worker count gives identical results.

Tasks in one worker process run one at a time (a lock per shared state), since a solver
model is not thread-safe: start Dask workers with ``--nthreads 1``.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from networks.errors import ColdchainError
from optimizer.backends import interrupt
from optimizer.backends.interrupt import WorkerPool

#: Times a task is submitted again after its local pool worker died.
RETRIES = 3

#: Seconds between two looks at the tasks while waiting (a signal is seen in between).
POLL_S = 0.2

#: Seconds to wait for an external Dask scheduler to answer.
CONNECT_S = 10.0

#: Loggers that report a closed connection with a traceback (quiet while killing).
_DASK_LOGGERS = ("distributed", "tornado", "asyncio")

#: The prefix of ``--scheduler`` that starts a local Dask cluster (``local:2``).
LOCAL_CLUSTER = "local:"


class ExecutorError(ColdchainError, ValueError):
    """A ``--scheduler`` that cannot be used (bad form, unreachable, Dask missing)."""


@dataclass(frozen=True)
class Shared:
    """What every task of a run needs, shipped once to each worker and built there once.

    Parameters
    ----------
    key
        Names this state (the scenario's content hash and the options): a worker keeps
        what ``build`` made under it for every later task with the same key.
    build
        A module-level callable (picklable by reference), called once per worker process
        as ``build(*args)``; its return value is the ``state`` every task function gets.
    args
        ``build``'s arguments (a scenario, options...), picklable (cloudpickle for Dask).
    """

    key: str
    build: Callable[..., Any]
    args: tuple = ()


# --- the worker side --------------------------------------------------------------------

#: States built in this process, by key (only the most recent few are kept).
_STATES: dict[str, tuple[Any, threading.Lock]] = {}
_KEEP = 2
_STATES_LOCK = threading.Lock()
#: Per run (its shared state's key), the event :func:`stop_run` sets; the newest kept.
_STOPS: dict[str, threading.Event] = {}
_KEEP_STOPS = 64
#: The shared state a local pool's workers inherit by fork (set just before forking).
_FORKED: Shared | None = None


def _state(shared: Shared) -> tuple[Any, threading.Lock]:
    with _STATES_LOCK:
        entry = _STATES.get(shared.key)
        if entry is None:
            while len(_STATES) >= _KEEP:
                _STATES.pop(next(iter(_STATES)))
            entry = _STATES[shared.key] = (shared.build(*shared.args), threading.Lock())
        return entry


def _stop_event(key: str) -> threading.Event:
    with _STATES_LOCK:
        event = _STOPS.get(key)
        if event is None:
            while len(_STOPS) >= _KEEP_STOPS:
                _STOPS.pop(next(iter(_STOPS)))
            event = _STOPS[key] = threading.Event()
        return event


def stop_run(key: str) -> None:
    """Ask this process's tasks of the run whose shared state is ``key`` to stop.

    Sent to every worker of an external Dask cluster when the run is interrupted: the
    scheduler's cancel only forgets a task, while the worker's thread would go on
    solving it (a worker of ``--nthreads 1`` then took no other task until that solve
    ended). The task's solver sees the stop (:func:`~optimizer.backends.interrupt.
    task_stop`) and returns its best plan, which nobody waits for; a task of the run
    that starts later returns at once. Other runs on the same worker are not touched.
    """
    _stop_event(key).set()


def run_task(fn: Callable[[Any, Any], Any], shared: Shared | None, payload: Any) -> Any:
    """Run one task in a worker: ``fn(state, payload)``, one at a time per state.

    ``shared`` ``None``: the state this local pool worker inherited by fork. The task
    stops (its solver returns its best plan) once :func:`stop_run` is called for its run.
    """
    shared = shared if shared is not None else _FORKED
    state, lock = _state(shared)
    with lock, interrupt.task_stop(_stop_event(shared.key)):
        return fn(state, payload)


# --- handles ------------------------------------------------------------------------------


class Task:
    """A submitted task: its function, payload and the future of its current attempt."""

    def __init__(self, fn: Callable, payload: Any, future: Any):
        self.fn = fn
        self.payload = payload
        self.future = future
        self.attempts = 1
        self.submitted = time.perf_counter()

    def done(self) -> bool:
        """Whether this attempt has ended (with a result or an exception)."""
        return self.future.done()

    def result(self) -> Any:
        """The task's result (raises what the task raised)."""
        return self.future.result()


class Executor:
    """Runs ``fn(state, payload)`` tasks on workers that hold a :class:`Shared` state.

    Subclasses: :class:`InlineExecutor`, :class:`PoolExecutor`, :class:`DaskExecutor`.
    Use as a context manager: leaving it by an exception (a Ctrl-C above all) stops the
    run's tasks at once (:meth:`close` with ``kill``).
    """

    #: How the executor is described in run records (``local``, ``local:2``, an address).
    name = "inline"
    workers = 1

    def start(self, shared: Shared) -> None:
        """Hand ``shared`` to the workers (before the first :meth:`submit`)."""
        raise NotImplementedError

    def submit(self, fn: Callable[[Any, Any], Any], payload: Any) -> Task:
        """Start ``fn(state, payload)`` on a worker; ``fn`` must be a module-level function."""
        raise NotImplementedError

    def wait_any(self, tasks: Iterable[Task]) -> list[Task]:
        """Block until at least one of ``tasks`` has ended; return the ended ones."""
        raise NotImplementedError

    def close(self, kill: bool = False) -> None:
        """Release the workers (``kill``: stop this run's tasks at once)."""

    def map(
        self,
        fn: Callable[[Any, Any], Any],
        payloads: Iterable[Any],
        on_result: Callable[[Any, Any], None],
        queued: int = 2,
    ) -> None:
        """Run ``fn`` on every payload, at most ``queued`` per worker submitted at a time.

        ``on_result(payload, result)`` is called in this process as each task ends, in
        the order they end (a study writes each run to its store there).
        """
        pending = list(payloads)
        pending.reverse()
        running: list[Task] = []
        while pending or running:
            while pending and len(running) < queued * self.workers:
                running.append(self.submit(fn, pending.pop()))
            for task in self.wait_any(running):
                running.remove(task)
                on_result(task.payload, task.result())

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(kill=exc_type is not None)


class InlineExecutor(Executor):
    """Each task runs in this process, when submitted (one worker, nothing forked)."""

    def __init__(self) -> None:
        self.shared: Shared | None = None

    def start(self, shared: Shared) -> None:
        """Keep ``shared``; it is built here on the first task."""
        self.shared = shared

    def submit(self, fn, payload) -> Task:
        """Run the task now; its future is already done."""
        future: Future = Future()
        task = Task(fn, payload, future)  # submitted now, before it runs
        try:
            future.set_result(run_task(fn, self.shared, payload))
        except Exception as exc:  # noqa: BLE001 - handed back as the task's outcome
            future.set_exception(exc)
        return task

    def wait_any(self, tasks) -> list[Task]:
        """Every task is done already."""
        return [t for t in tasks if t.done()]


class PoolExecutor(Executor):
    """A local :class:`~optimizer.backends.interrupt.WorkerPool` of ``workers`` processes.

    The pool is forked on :meth:`start`, after the shared state is set, so the workers
    inherit it without pickling; each builds it on its first task. A broken pool (a
    worker died) is forked again and its unfinished tasks resubmitted, each at most
    :data:`RETRIES` times; a task that keeps killing its worker raises.
    """

    name = "local"

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self.shared: Shared | None = None
        self._pool: WorkerPool | None = None
        self.restarts = 0

    def start(self, shared: Shared) -> None:
        """Fork the pool with ``shared`` for its workers to inherit."""
        self.shared = shared
        self._fork()

    def _fork(self) -> None:
        global _FORKED
        _FORKED = self.shared  # inherited by fork; read by each worker's first task
        self._pool = WorkerPool(self.workers, mp_context=mp.get_context("fork"))

    def submit(self, fn, payload) -> Task:
        """Queue the task on the pool."""
        assert self._pool is not None, "start() the executor first"
        return Task(fn, payload, self._pool.submit(run_task, fn, None, payload))

    def wait_any(self, tasks) -> list[Task]:
        """The ended tasks; tasks of a broken pool are run again on a new one."""
        tasks = list(tasks)
        while True:
            done, _ = wait([t.future for t in tasks], timeout=POLL_S, return_when=FIRST_COMPLETED)
            if not done:
                continue
            broken = [t for t in tasks if t.done() and _broken(t.future)]
            if not broken:
                return [t for t in tasks if t.done()]
            self._restart(tasks)

    def _restart(self, tasks: list[Task]) -> None:
        """A worker died: a new pool, and every task without a result submitted again."""
        assert self._pool is not None
        self._pool.kill()
        self.restarts += 1
        self._fork()
        for task in tasks:
            if task.done() and not _broken(task.future):
                continue  # finished before the worker died: kept, never run twice
            if task.attempts > RETRIES:
                raise BrokenProcessPool(
                    f"a task killed its worker {task.attempts} times; giving up: {task.payload!r}"
                )
            task.attempts += 1
            task.future = self._pool.submit(run_task, task.fn, None, task.payload)

    def close(self, kill: bool = False) -> None:
        """Shut the pool down (``kill``: kill its workers at once)."""
        if self._pool is not None:
            if kill:
                self._pool.kill()
            else:
                self._pool.shutdown()
        self._pool = None


def _broken(future: Future) -> bool:
    return not future.cancelled() and isinstance(future.exception(), BrokenProcessPool)


class DaskExecutor(Executor):
    """Tasks on a Dask cluster: an external scheduler, or a ``LocalCluster`` of our own.

    Parameters
    ----------
    scheduler
        ``local:N`` (a :class:`distributed.LocalCluster` of ``N`` worker processes with
        one thread each, closed with the run) or a scheduler's address
        (``tcp://host:8786``), whose workers are left running.
    """

    def __init__(self, scheduler: str):
        try:
            import distributed
        except ImportError:
            raise ExecutorError(
                f"--scheduler {scheduler}: expected Dask to be installed "
                "(pip install 'coldchain[dask]'), got no module named distributed"
            ) from None
        self.name = scheduler
        self._distributed = distributed
        self.cluster = None
        self._children: set[int] = set()
        if scheduler.startswith(LOCAL_CLUSTER):
            workers = _local_workers(scheduler)
            before = {p.pid for p in mp.active_children()}
            try:
                self.cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=50,  # CRITICAL: the run's own progress is what the user sees
                )
                self.client = distributed.Client(self.cluster)
                from optimizer.backends._dask import IgnoreSigint

                self.client.register_plugin(IgnoreSigint(), name="coldchain-ignore-sigint")
            except BaseException:  # a Ctrl-C while the cluster starts: its workers go now
                _kill_quietly({p.pid for p in mp.active_children()} - before)
                raise
            self._children = {p.pid for p in mp.active_children()} - before
        else:
            try:
                self.client = distributed.Client(scheduler, timeout=CONNECT_S)
            except (OSError, TimeoutError) as exc:
                raise ExecutorError(
                    f"--scheduler {scheduler}: expected a running Dask scheduler "
                    f"(`dask scheduler`), got {exc}"
                ) from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self._shared = None
        self._key: str | None = None
        self._futures: set = set()

    def start(self, shared: Shared) -> None:
        """Send ``shared`` to every worker once (a later worker fetches it from a peer)."""
        self._key = shared.key
        self._shared = self.client.scatter(shared, broadcast=True, hash=False)

    def submit(self, fn, payload) -> Task:
        """Submit the task to the scheduler (re-run by it if its worker dies)."""
        future = self.client.submit(run_task, fn, self._shared, payload, pure=False)
        self._futures.add(future)
        return Task(fn, payload, future)

    def wait_any(self, tasks) -> list[Task]:
        """The ended tasks (polled, so that a signal is seen within :data:`POLL_S`)."""
        tasks = list(tasks)
        while True:
            done = [t for t in tasks if t.done()]
            if done:
                for task in done:
                    self._futures.discard(task.future)
                return done
            try:
                self._distributed.wait(
                    [t.future for t in tasks], timeout=POLL_S, return_when="FIRST_COMPLETED"
                )
            except TimeoutError:
                pass

    def close(self, kill: bool = False) -> None:
        """Close the client and a local cluster.

        ``kill`` (an interrupt): a local cluster's workers are killed at once, then the
        cluster closed; with an external scheduler, this run's tasks are cancelled, the
        solves of those running are stopped (:func:`stop_run`) and the workers left
        running for other clients.
        """
        if not kill:
            self.client.close(timeout=10)
            if self.cluster is not None:
                self.cluster.close(timeout=10)
            return
        if self.cluster is not None:
            # closing the cluster would ask each worker to finish its solve first
            _kill_quietly(self._children | {p.pid for p in mp.active_children()})
        with _quiet_dask():
            with contextlib.suppress(Exception):  # the cluster may be gone already
                if self.cluster is None and self._futures:
                    # cancelling forgets the tasks; the solves running are stopped too
                    self.client.run(stop_run, self._key, on_error="ignore")
                    self.client.cancel(list(self._futures), force=True)
            self._futures.clear()
            with contextlib.suppress(Exception):
                self.client.close(timeout=1)
            if self.cluster is not None:
                with contextlib.suppress(Exception):
                    self.cluster.close(timeout=1)


@contextlib.contextmanager
def _quiet_dask():
    """Dask logs each connection to a killed worker with a traceback: not while killing."""
    levels = {name: logging.getLogger(name).level for name in _DASK_LOGGERS}
    for name in _DASK_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _kill_quietly(pids: set[int]) -> None:
    """SIGKILL each of a local cluster's worker processes (gone ones are skipped)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _local_workers(scheduler: str) -> int:
    text = scheduler[len(LOCAL_CLUSTER) :]
    if not text.isdigit() or int(text) < 1:
        raise ExecutorError(
            f"--scheduler {scheduler}: expected local:N with N >= 1 workers, or a "
            "scheduler address (tcp://host:8786)"
        )
    return int(text)


def make_executor(workers: int = 2, scheduler: str | None = None) -> Executor:
    """The executor the command line asks for.

    Parameters
    ----------
    workers
        Local pool processes (1: run in this process); ignored with a scheduler.
    scheduler
        ``None`` (the local pool), ``local:N`` or a Dask scheduler's address.

    Raises
    ------
    ExecutorError
        If ``scheduler`` is malformed or unreachable, or Dask is not installed.
    """
    if scheduler:
        if scheduler.startswith(LOCAL_CLUSTER):
            _local_workers(scheduler)  # a bad N is invalid input before Dask starts
        return DaskExecutor(scheduler)
    return InlineExecutor() if workers <= 1 else PoolExecutor(workers)
