"""One run writes a given ``--out``: a racing run stops at once, a dead run's leftovers go,
and a bench's table and its run record are written together or not at all."""

from __future__ import annotations

import errno
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from optimizer.cli.main import main
from results.store import (
    OutputClaimedError,
    RunFolderExistsError,
    RunWriter,
    write_run,
    write_table_run,
)

ROOT = Path(__file__).resolve().parents[2]


def _python(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _coldchain(*args: str) -> subprocess.Popen:
    return _python("-m", "optimizer.cli.main", *args)


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _killed_while_writing(out: Path) -> None:  # runs in a forked child
    writer = RunWriter(out)
    writer.__enter__()
    writer.write_text("kpis.json", "{}")  # half a run, then killed: no cleanup runs
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_run_killed_while_writing_is_swept_by_the_next_run_beside_it(tmp_path):
    child = mp.get_context("fork").Process(target=_killed_while_writing, args=(tmp_path / "a",))
    child.start()
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    left = _hidden(tmp_path)
    assert left and not (tmp_path / "a").exists()  # its claim and half-written folder
    write_run(tmp_path / "b", {"command": "test"}, {"x": 1.0}, report=False)
    assert _hidden(tmp_path) == []  # the dead run's claim and temporary folder are gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]
    write_run(tmp_path / "a", {"command": "test"}, {"x": 2.0}, report=False)  # free again
    assert json.loads((tmp_path / "a" / "kpis.json").read_text())["x"] == 2.0


def test_a_second_run_to_an_out_a_live_run_is_writing_stops_at_once(tmp_path):
    out = tmp_path / "run"
    holder = _python(  # a live process in the middle of writing that run
        "-c",
        "import sys, time\n"
        "from results.store import RunWriter\n"
        "with RunWriter(sys.argv[1]) as run:\n"
        "    run.write_text('kpis.json', '{}')\n"
        "    print('claimed', flush=True)\n"
        "    time.sleep(60)\n",
        str(out),
    )
    try:
        assert holder.stdout.readline().strip() == "claimed"
        clock = time.monotonic()
        second = _coldchain("solve", "tiny", "--out", str(out))
        _, err = second.communicate(timeout=60)
        assert second.returncode == 2
        assert err.count("\n") == 1 and "Traceback" not in err
        assert f"run {holder.pid}" in err and "no other run is writing" in err
        assert time.monotonic() - clock < 30  # before any solving (tiny solves in ~1 s)
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()
    # the holder died (SIGKILL) mid-write: the next run to that name sweeps it and runs
    assert main(["evaluate", "tiny", "--plan", "by-hand", "--no-report", "--out", str(out)]) == 0
    assert _hidden(tmp_path) == [] and (out / "kpis.json").exists()


def test_two_runs_started_together_on_one_out_one_writes_the_other_stops(tmp_path):
    out = tmp_path / "run"
    runs = [
        _coldchain("evaluate", "tiny", "--plan", "by-hand", "--no-report", "--out", str(out))
        for _ in range(2)
    ]
    ended = [(r.wait(timeout=120), r.stderr.read()) for r in runs]
    codes = sorted(code for code, _ in ended)
    assert codes == [0, 2], ended
    loser = next(err for code, err in ended if code == 2)
    # claimed by the other while it ran, or written by it before: one line either way
    assert loser.count("\n") == 1 and "Traceback" not in loser and str(out) in loser
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_claim_is_refused_to_a_second_writer_in_another_process(tmp_path):
    out = tmp_path / "t"
    with RunWriter(out):
        probe = _python(
            "-c",
            "import sys\n"
            "from results.store import OutputClaimedError, RunWriter\n"
            "try:\n"
            "    RunWriter(sys.argv[1]).__enter__()\n"
            "except OutputClaimedError as exc:\n"
            "    print(exc)\n",
            str(out),
        )
        probe.wait(timeout=60)
        assert f"run {os.getpid()}" in probe.stdout.read()
    assert issubclass(OutputClaimedError, FileExistsError)


def test_a_bench_table_and_its_record_are_written_together(tmp_path):
    out = tmp_path / "b.csv"
    frame = pd.DataFrame({"case": ["x"], "seconds": [1.5]})
    write_table_run(out, frame, {"exit_code": 0})
    assert pd.read_csv(out).equals(frame)
    assert json.loads((tmp_path / "b.run.json").read_text()) == {"exit_code": 0}
    assert _hidden(tmp_path) == []
    with pytest.raises(RunFolderExistsError):
        write_table_run(out, frame, {"exit_code": 0})


def test_a_full_disk_leaves_neither_the_table_nor_its_record(tmp_path, monkeypatch):
    # the record is moved into place after the table; when that fails, the table goes too
    out = tmp_path / "b.csv"
    real = os.replace
    moves = []

    def replace(source, target):
        moves.append(Path(target).name)
        if Path(target).name == "b.run.json":
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        return real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="No space"):
        write_table_run(out, pd.DataFrame({"case": ["x"]}), {"exit_code": 0})
    assert moves == ["b.csv", "b.run.json"]  # the table was in place, then taken back
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(os, "replace", real)
    write_table_run(out, pd.DataFrame({"case": ["x"]}), {"exit_code": 0})  # the rerun runs
    assert out.exists() and (tmp_path / "b.run.json").exists()


def test_a_run_stopped_by_bad_input_leaves_no_folder_it_made(tmp_path, scenario_copy):
    broken = scenario_copy("tiny")
    broken.edit("supply.csv", "V1,fresh_kiwi,1,10", "V1,fresh_kiwi,1,-10")
    out = tmp_path / "runs" / "deep" / "run"
    assert main(["evaluate", str(broken), "--plan", "by-hand", "--out", str(out)]) == 2
    assert not (tmp_path / "runs").exists()  # the folders the claim made are gone again
