"""Run folders of ``tiny`` written by the commands, once per session, for report tests."""

from __future__ import annotations

import pytest

from optimizer.cli.main import main


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory) -> dict:
    """``solve``, ``evaluate`` (by-hand), ``route`` and ``consolidate`` of tiny, and a
    comparison of evaluate against solve: name -> run folder."""
    root = tmp_path_factory.mktemp("report-runs")
    commands = {
        "solve": ["solve", "tiny"],
        "evaluate": ["evaluate", "tiny", "--plan", "by-hand"],
        "route": ["route", "tiny", "--time-limit", "0.3"],
        "consolidate": ["consolidate", "tiny"],
    }
    runs = {}
    for name, command in commands.items():
        assert main([*command, "--out", str(root / name)]) == 0
        runs[name] = root / name
    compare = ["report", str(runs["evaluate"]), str(runs["solve"]), str(runs["route"])]
    assert main([*compare, "--out", str(root / "compare")]) == 0
    runs["compare"] = root / "compare"
    return runs
