"""Ctrl-C and SIGTERM stop a real ``coldchain`` process cleanly, and no child outlives it.

Each test runs the command line in a subprocess on a generated scenario whose MIP takes
several seconds (60 villages: about 8 s to its optimum, the start heuristic 0.1 s), sends
a signal, and checks what the issue asks: exit 130, one line and no traceback, a plan
found so far written with ``limit: interrupted``, nothing written where there is none,
and every worker and solver process gone.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from instances import generate

ROOT = Path(__file__).resolve().parents[2]

#: Runs the command line with one probe: a file is touched when a MIP solve (not an
#: LP of the start heuristic) begins, so that a signal is sent while a plan is in hand.
DRIVER = """
import sys
from pathlib import Path
from optimizer.backends.highs import HighsModel
from optimizer.cli.main import main

marker, solve = Path(sys.argv[1]), HighsModel.solve

def probed(self, *args, **kwargs):
    if self.is_mip and not self.relaxed:
        marker.touch()
    return solve(self, *args, **kwargs)

HighsModel.solve = probed
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture(scope="module")
def slow_scenario(tmp_path_factory) -> Path:
    """A generated scenario whose MIP runs for seconds (about 8 s to its optimum)."""
    return generate(tmp_path_factory.mktemp("signals") / "g", villages=60, hubs=6, weeks=6)


def _hear_sigint() -> None:
    # a shell starts background jobs (a test run among them) ignoring SIGINT, and
    # children inherit that; coldchain keeps an ignored SIGINT ignored, as it should
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(args: list[str], **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_hear_sigint,
        **kwargs,
    )


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def _wait_for(test, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not test():
        assert time.monotonic() < deadline, "the run never reached the state the test needs"
        time.sleep(0.05)


def _signal_and_wait(process: subprocess.Popen, signum: int, group: bool = False):
    """Send ``signum`` (to the process group, as a terminal's Ctrl-C does, if ``group``)."""
    clock = time.monotonic()
    if group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    return out, err, time.monotonic() - clock


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_solve_writes_the_plan_in_hand_marked_interrupted(
    slow_scenario, tmp_path, signum
):
    marker, out = tmp_path / "mip-started", tmp_path / "run"
    args = ["solve", str(slow_scenario), "--out", str(out), "--time-limit", "60"]
    process = _start([sys.executable, "-c", DRIVER, str(marker), *args])
    _wait_for(marker.exists)
    time.sleep(0.3)
    stdout, stderr, seconds = _signal_and_wait(process, signum)
    assert process.returncode == 130, stderr
    # the solve stops within 2 s; scoring and writing the plan take about one more
    assert seconds < 5.0
    assert "Traceback" not in stderr
    assert stderr.strip() == (
        f"interrupted by {signal.Signals(signum).name}: the plan found so far is in "
        f"{out} (no network.gpkg or report.html)"
    )
    # the map and the report are left out (a second or more on a large scenario)
    assert not (out / "report.html").exists() and not (out / "network.gpkg").exists()
    kpis = json.loads((out / "kpis.json").read_text())
    assert (kpis["model_status"], kpis["model_limit"]) == ("feasible", "interrupted")
    assert kpis["limit"] == "interrupted" and "interrupted" in stdout
    # the plan written is the one scored: its flows and the hubs it opened are there
    assert (out / "flows.csv").stat().st_size > 0 and (out / "hubs.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "hidden files left"


def test_ctrl_c_to_the_process_group_stops_consolidate_and_its_workers(slow_scenario, tmp_path):
    out = tmp_path / "run"
    args = ["consolidate", str(slow_scenario), "--out", str(out), "--workers", "2"]
    process = _start(
        [sys.executable, "-m", "optimizer.cli.main", *args, "--time-limit", "60"],
        start_new_session=True,  # its own group, as a terminal's foreground job is
    )
    _wait_for(lambda: len(_descendants(process.pid)) >= 2)
    workers = _descendants(process.pid)
    time.sleep(1.0)  # the workers are solving coalitions
    _, stderr, seconds = _signal_and_wait(process, signal.SIGINT, group=True)
    assert process.returncode == 130, stderr
    assert seconds < 2.0
    assert stderr.strip() == "interrupted by SIGINT: nothing written"
    _wait_for(lambda: not any(map(_alive, workers)), 2.0)
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    "command, child",
    [
        (["consolidate", "--workers", "2"], "optimizer.cli.main"),  # pool workers
        (["solve", "--solver", "cbc"], "cbc"),  # the CBC binary, a grandchild
    ],
    ids=["pool-workers", "cbc"],
)
def test_killing_the_parent_leaves_no_orphan(slow_scenario, tmp_path, command, child):
    name, *options = command
    args = [name, str(slow_scenario), "--out", str(tmp_path / "run"), *options]
    process = _start([sys.executable, "-m", "optimizer.cli.main", *args, "--time-limit", "60"])

    def started() -> bool:
        return sum(child in _command(p) for p in _descendants(process.pid)) >= 1

    _wait_for(started)
    children = _descendants(process.pid)
    time.sleep(0.5)
    process.kill()  # SIGKILL: the parent can do nothing about it
    process.communicate(timeout=30)
    clock = time.monotonic()
    _wait_for(lambda: not any(map(_alive, children)), 5.0)
    assert time.monotonic() - clock < 5.0


#: Runs ``coldchain route`` with one probe: a file is touched when a search (PyVRP's or
#: OR-Tools') begins, so that a signal is sent while a search runs.
ROUTE_DRIVER = """
import sys
from pathlib import Path
import optimizer.routing.ortools_search as ortools
import optimizer.routing.pyvrp_search as pyvrp
from optimizer.cli.main import main

marker = Path(sys.argv[1])

def probe(step):  # a step each search takes as it starts (in a forked child, for OR-Tools)
    def probed(*args, **kwargs):
        marker.touch()
        return step(*args, **kwargs)
    return probed

ortools.ortools_model = probe(ortools.ortools_model)
pyvrp._pyvrp_params = probe(pyvrp._pyvrp_params)
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize(
    "backend, signum, group",
    [("ortools", signal.SIGTERM, False), ("pyvrp", signal.SIGINT, True)],
    ids=["ortools-SIGTERM", "pyvrp-Ctrl-C"],
)
def test_a_signal_mid_search_writes_the_routes_in_hand_marked_interrupted(
    tmp_path, backend, signum, group
):
    # OR-Tools holds the GIL for its whole search (in this process a signal waited for
    # its time limit, 28 s measured): it runs in a child, which a search limit stops;
    # PyVRP runs here (one worker) and checks the request at each iteration. Both
    # return their best routes, which are checked and written
    marker, out = tmp_path / "search-started", tmp_path / "run"
    args = ["route", "tiny", "--backend", backend, "--workers", "1", "--time-limit", "60"]
    process = _start(
        [sys.executable, "-c", ROUTE_DRIVER, str(marker), *args, "--out", str(out)],
        start_new_session=group,
    )
    _wait_for(marker.exists)
    time.sleep(0.5)
    searches = _descendants(process.pid)
    stdout, stderr, seconds = _signal_and_wait(process, signum, group=group)
    assert process.returncode == 130, stderr
    assert seconds < 2.0
    assert stderr.strip() == (
        f"interrupted by {signal.Signals(signum).name}: the plan found so far is in "
        f"{out} (no network.gpkg or report.html)"
    )
    # the map and the report are left out (a second or more on a large scenario)
    assert not (out / "report.html").exists() and not (out / "network.gpkg").exists()
    kpis = json.loads((out / "kpis.json").read_text())
    assert (kpis["status"], kpis["limit"], kpis["route_check"]) == (
        "feasible",
        "interrupted",
        "passed",
    )
    # tiny's first hub is routed until the signal, its second not at all
    assert (kpis["hubs"], kpis["hub.H_FH.limit"], kpis["hubs_not_routed"]) == (
        1,
        "interrupted",
        "H_JS",
    )
    assert "interrupted: 1 hub not routed (H_JS)" in stdout
    assert len((out / "routes.csv").read_text().splitlines()) > 1
    _wait_for(lambda: not any(map(_alive, searches)), 2.0)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "hidden files left"


def test_a_signal_before_any_search_writes_nothing(tmp_path):
    # while the scenario loads there are no routes: one line, exit 130, no folder
    out = tmp_path / "run"
    args = ["route", "tiny", "--out", str(out), "--time-limit", "60"]
    process = _start([sys.executable, "-m", "optimizer.cli.main", *args])
    time.sleep(0.3)
    _, stderr, seconds = _signal_and_wait(process, signal.SIGTERM)
    assert process.returncode == 130, stderr
    assert seconds < 2.0
    assert stderr.strip() == "interrupted by SIGTERM: nothing written"
    assert not out.exists()


@pytest.mark.parametrize("executor", [["--workers", "2"], ["--scheduler", "local:2"]])
def test_ctrl_c_stops_a_sweep_keeps_its_finished_runs_and_leaves_no_worker(
    slow_scenario, tmp_path, executor
):
    pytest.importorskip("distributed") if "--scheduler" in executor else None
    store = tmp_path / "store"
    costs = ",".join(str(f) for f in range(1, 17))  # more runs than the test waits for
    args = ["sweep", str(slow_scenario), "--vary", f"hub_cost={costs}", "--out", str(store)]
    process = _start(
        [sys.executable, "-m", "optimizer.cli.main", *args, *executor, "--time-limit", "60"],
        start_new_session=True,
    )
    _wait_for(lambda: len(_descendants(process.pid)) >= 2)
    time.sleep(3.0)  # the workers (a local cluster's: started) are solving
    workers = _descendants(process.pid)
    _, stderr, seconds = _signal_and_wait(process, signal.SIGINT, group=True)
    assert process.returncode == 130, stderr
    assert seconds < 2.0
    assert "Traceback" not in stderr and "--resume runs the rest" in stderr
    _wait_for(lambda: not any(map(_alive, workers)), 2.0)
    assert (store / "store.json").exists()  # what was finished stays, --resume goes on
    assert not [p for p in (store / "index").iterdir() if p.name.startswith(".")]


def test_killing_a_sweep_on_a_local_cluster_leaves_no_dask_worker(slow_scenario, tmp_path):
    pytest.importorskip("distributed")
    args = ["sweep", str(slow_scenario), "--vary", "hub_cost=1,2", "--out", str(tmp_path / "s")]
    process = _start(
        [sys.executable, "-m", "optimizer.cli.main", *args, "--scheduler", "local:2"],
    )
    _wait_for(lambda: len(_descendants(process.pid)) >= 2)
    time.sleep(3.0)
    children = _descendants(process.pid)
    process.kill()
    process.communicate(timeout=30)
    _wait_for(lambda: not any(map(_alive, children)), 5.0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(args: list[str]) -> subprocess.Popen:
    """A ``dask scheduler`` or ``dask worker`` as a user starts one (its log discarded)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the worker imports coldchain's tasks
    return subprocess.Popen(
        [sys.executable, "-m", "dask", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _executing(client) -> int:
    """Tasks running on the cluster's workers (a cancelled one may still run there)."""
    counts = client.run(lambda dask_worker: dask_worker.state.executing_count)
    return sum(counts.values())


@pytest.mark.slow  # about 15 s: a scheduler, a worker and a solve of their own
def test_ctrl_c_cancels_a_sweep_on_an_external_cluster_and_leaves_its_worker(
    slow_scenario, tmp_path
):
    distributed = pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    scheduler = _serve(["scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"])
    worker = _serve(["worker", address, "--nthreads", "1", "--no-dashboard"])
    client = None
    try:
        client = distributed.Client(address, timeout=30)
        client.wait_for_workers(1, timeout=60)
        worker_pids = set(client.run(os.getpid).values())
        args = ["sweep", str(slow_scenario), "--vary", "hub_cost=1,2,3,4", "--time-limit", "60"]
        process = _start(
            [sys.executable, "-m", "optimizer.cli.main", *args, "--scheduler", address]
            + ["--out", str(tmp_path / "store")]
        )
        _wait_for(lambda: any(client.processing().values()))
        time.sleep(3.0)  # the worker is solving a run of the sweep
        assert _executing(client) == 1
        _, stderr, seconds = _signal_and_wait(process, signal.SIGINT)
        assert process.returncode == 130, stderr
        assert seconds < 2.0
        assert "--resume runs the rest" in stderr and "nothing written" not in stderr
        # the scheduler holds no task of the run, and the worker stopped solving it
        # (a cancel alone forgets the task while the worker's thread solves on)
        _wait_for(lambda: not any(client.processing().values()) and not _executing(client), 5.0)
        # the same worker, still there, takes a new task at once
        clock = time.monotonic()
        assert client.submit(lambda: 6 * 7, pure=False).result(timeout=10) == 42
        assert time.monotonic() - clock < 2.0
        assert set(client.run(os.getpid).values()) == worker_pids
        assert worker.poll() is None and scheduler.poll() is None
    finally:
        if client is not None:
            client.close()
        for server in (worker, scheduler):
            server.terminate()
            server.communicate(timeout=30)
    assert not any(map(_alive, worker_pids))
