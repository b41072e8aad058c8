"""The CBC watchdog ends a solver that outlives its time limit, with its whole group; solver
endings map onto one status vocabulary."""

import os
import subprocess
import time

import highspy
import pulp
import pytest

from networks.status import Limit, Status
from optimizer.backends import mip as backends


def _hanging_child(problem, kwargs, log_path, conn, parent_pid):  # runs in the forked child
    os.setsid()
    # stands in for a CBC that ignores its limit and would outlive its parent
    grandchild = subprocess.Popen(["sleep", "300"])
    with open(log_path + ".pid", "w") as handle:
        handle.write(str(grandchild.pid))
    time.sleep(300)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as handle:  # a zombie is dead for our purpose
        return handle.read().split()[2] != "Z"


def test_watchdog_kills_a_solver_that_ignores_its_limit(monkeypatch, tmp_path):
    monkeypatch.setattr(backends, "WATCHDOG_GRACE_S", 1.0)
    monkeypatch.setattr(backends, "_cbc_child", _hanging_child)
    pid_files = []

    class KeepDir:  # keep the temp folder so the test can read the grandchild's pid
        def __init__(self, *args, **kwargs):
            self.name = str(tmp_path)

        def __enter__(self):
            return self.name

        def __exit__(self, *exc):
            pid_files.extend(tmp_path.glob("*.pid"))

    monkeypatch.setattr(backends.tempfile, "TemporaryDirectory", KeepDir)
    problem = pulp.LpProblem("tiny", pulp.LpMinimize)
    x = pulp.LpVariable("x", 0, 1, cat=pulp.LpBinary)
    problem += x
    start = time.perf_counter()
    outcome = backends.solve_pulp(problem, "cbc", time_limit=1.0)
    elapsed = time.perf_counter() - start
    assert outcome.status == "no_solution" and outcome.limit == "time"
    assert "watchdog" in outcome.solver
    assert elapsed < 1.0 + 1.0 + 5.0  # limit + grace + join slack
    grandchild = int(pid_files[0].read_text())
    time.sleep(0.2)
    assert not _alive(grandchild), "the solver's own child outlived the watchdog"


def test_cbc_within_its_limit_returns_the_optimum():
    # min 3a + 2b + 4c  s.t.  a + b + c >= 2, binaries: optimum 5 (a and b), by hand
    problem = pulp.LpProblem("hand", pulp.LpMinimize)
    a, b, c = (pulp.LpVariable(n, cat=pulp.LpBinary) for n in "abc")
    problem += 3 * a + 2 * b + 4 * c
    problem += a + b + c >= 2
    outcome = backends.solve_pulp(problem, "cbc", time_limit=30)
    assert outcome.status == "optimal" and outcome.limit == "none"
    assert outcome.objective == 5.0
    assert outcome.values == {"a": 1.0, "b": 1.0, "c": 0.0}


@pytest.mark.parametrize(
    "highs, with_plan, without_plan",
    [
        ("kOptimal", (Status.OPTIMAL, Limit.NONE), (Status.ERROR, Limit.NONE)),
        ("kInfeasible", (Status.INFEASIBLE, Limit.NONE), (Status.INFEASIBLE, Limit.NONE)),
        ("kTimeLimit", (Status.FEASIBLE, Limit.TIME), (Status.NO_SOLUTION, Limit.TIME)),
        (
            "kIterationLimit",
            (Status.FEASIBLE, Limit.ITERATIONS),
            (Status.NO_SOLUTION, Limit.ITERATIONS),
        ),
        (
            "kInterrupt",
            (Status.FEASIBLE, Limit.INTERRUPTED),
            (Status.NO_SOLUTION, Limit.INTERRUPTED),
        ),
        ("kModelError", (Status.ERROR, Limit.NONE), (Status.ERROR, Limit.NONE)),
    ],
)
def test_solver_endings_map_onto_status_and_limit(highs, with_plan, without_plan):
    # a limit with a plan in hand is "feasible" with that limit, not a status of its own
    status = getattr(highspy.HighsModelStatus, highs)
    assert backends.highs_status(status, True) == with_plan
    assert backends.highs_status(status, False) == without_plan
