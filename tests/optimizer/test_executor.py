"""The executor: identical results on every executor, a dead worker's task run again."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from instances import load_scenario
from optimizer.backends.executor import (
    ExecutorError,
    InlineExecutor,
    PoolExecutor,
    Shared,
    make_executor,
    stop_run,
)
from optimizer.consolidation import consolidate
from optimizer.design import DesignOptions

distributed = pytest.importorskip("distributed")


def _fixed(network):
    # the fixed settings: no time limit, gap 0, one thread per solve
    return DesignOptions.from_network(network, time_limit=None, gap=0.0, threads=1)


def _outcome(result):
    coalitions = {
        tuple(sorted(c)): (r.status, r.cost, r.hubs) for c, r in result.coalitions.items()
    }
    shares = {m: (a.players, a.costs) for m, a in result.allocations.items()}
    return coalitions, shares


def test_tiny_consolidation_is_identical_inline_on_the_pool_and_on_a_local_cluster():
    network = load_scenario("tiny")
    options = _fixed(network)
    methods = ("shapley", "nucleolus")
    inline = _outcome(consolidate(network, None, methods, options, workers=1))
    pool = _outcome(consolidate(network, None, methods, options, workers=2))
    cluster = _outcome(consolidate(network, None, methods, options, scheduler="local:2"))
    assert inline == pool == cluster
    # and each coalition's cost is the optimum of a model built for it alone
    from optimizer.consolidation.coalitions import coalition_cost

    for firms, (_, cost, _) in inline[0].items():
        reference = coalition_cost(network, firms, options)
        assert cost == pytest.approx(reference.cost, rel=1e-9)


# --- tasks that probe the workers -------------------------------------------------------


def _build(folder: str) -> dict:
    """A worker's shared state: counts how often it is built in this process."""
    marker = Path(folder) / f"built-{os.getpid()}"
    marker.write_text(str(int(marker.read_text()) + 1) if marker.exists() else "1")
    return {"folder": Path(folder)}


def _square(state: dict, n: int) -> int:
    (state["folder"] / f"ran-{n}-{os.getpid()}-{os.urandom(4).hex()}").touch()
    return n * n


def _dies_once(state: dict, n: int) -> int:
    """Kill this worker the first time task 3 runs (as an out-of-memory kill would)."""
    folder = state["folder"]
    (folder / f"ran-{n}-{os.urandom(4).hex()}").touch()
    if n == 3 and not (folder / "died").exists():
        (folder / "died").touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return n * n


def _runs(folder: Path, n: int) -> int:
    return len(list(folder.glob(f"ran-{n}-*")))


@pytest.mark.parametrize("kind", ["inline", "pool"])
def test_the_shared_state_is_built_once_per_worker(tmp_path, kind):
    executor = InlineExecutor() if kind == "inline" else PoolExecutor(2)
    results = {}
    with executor:
        executor.start(Shared(f"probe-{kind}-{tmp_path.name}", _build, (str(tmp_path),)))
        executor.map(_square, range(12), results.__setitem__)
    assert results == {n: n * n for n in range(12)}
    built = [int(p.read_text()) for p in tmp_path.glob("built-*")]
    assert built and all(count == 1 for count in built)  # once per process, not per task
    assert len(built) <= executor.workers
    assert all(_runs(tmp_path, n) == 1 for n in range(12))


def test_a_pool_worker_that_dies_has_its_task_run_again_and_nothing_finished_twice(tmp_path):
    results = {}
    with PoolExecutor(2) as executor:
        executor.start(Shared(f"dies-{tmp_path.name}", _build, (str(tmp_path),)))
        executor.map(_dies_once, range(8), results.__setitem__, queued=1)
        assert executor.restarts == 1
    assert results == {n: n * n for n in range(8)}
    assert _runs(tmp_path, 3) == 2  # the attempt that died, and the one that finished
    # a task is run again only if it had not finished when the worker died
    assert sum(_runs(tmp_path, n) for n in range(8)) <= 8 + 2


def test_a_dask_worker_that_dies_has_its_task_run_again(tmp_path, monkeypatch):
    # the worker Dask starts in place of the dead one is a new process that imports this
    # module's tasks by name, with this process's sys.path: pytest imports test modules
    # with importlib, off sys.path, so the repository goes on it (a clean clone has no
    # other way to find the tests package)
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2]))
    results = {}
    with make_executor(scheduler="local:2") as executor:
        executor.start(Shared(f"dask-{tmp_path.name}", _build, (str(tmp_path),)))
        executor.map(_dies_once, range(6), results.__setitem__)
    assert results == {n: n * n for n in range(6)}
    assert _runs(tmp_path, 3) == 2


@pytest.mark.parametrize("text", ["local:0", "local:x"])
def test_a_malformed_local_cluster_is_refused(text):
    with pytest.raises(ExecutorError, match="local:N"):
        make_executor(scheduler=text)


def test_an_unreachable_scheduler_is_refused_with_its_address(monkeypatch):
    monkeypatch.setattr("optimizer.backends.executor.CONNECT_S", 1.0)
    with pytest.raises(ExecutorError, match="tcp://127.0.0.1:9"):
        make_executor(scheduler="tcp://127.0.0.1:9")


def _stop_and_look(state: dict, key: str | None) -> tuple[bool, bool]:
    """Whether this task sees a stop before and after ``stop_run(key)`` (``None``: none)."""
    from optimizer.backends import interrupt

    before = interrupt.stop_requested()
    if key is not None:
        stop_run(key)
    return before, interrupt.stop_requested()


def test_stop_run_stops_the_tasks_of_its_run_only(tmp_path):
    # what an interrupted run sends to an external cluster's workers: its own tasks
    # see the stop (their solvers end), another run's in the same process do not
    from optimizer.backends import interrupt

    mine, other = f"mine-{tmp_path.name}", f"other-{tmp_path.name}"
    with InlineExecutor() as executor:
        executor.start(Shared(other, _build, (str(tmp_path),)))
        assert executor.submit(_stop_and_look, None).result() == (False, False)
    with InlineExecutor() as executor:
        executor.start(Shared(mine, _build, (str(tmp_path),)))
        assert executor.submit(_stop_and_look, mine).result() == (False, True)
        # a later task of the stopped run sees the stop from its start: it returns at once
        assert executor.submit(_stop_and_look, None).result() == (True, True)
    with InlineExecutor() as executor:
        executor.start(Shared(other, _build, (str(tmp_path),)))
        assert executor.submit(_stop_and_look, None).result() == (False, False)
    assert not interrupt.stop_requested()  # outside a task, nothing was asked
