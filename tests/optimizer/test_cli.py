"""The ``coldchain`` command: list, show, validate and --help."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.cli.console import ExitCode
from optimizer.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_exit_codes_are_the_designed_ones():
    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0,
        "ERROR": 1,
        "INVALID_INPUT": 2,
        "INFEASIBLE": 3,
        "SOLVER_MISSING": 4,
        "INTERRUPTED": 130,  # DESIGN.md: 130 interrupted (Ctrl-C or SIGTERM)
    }


def test_list_shows_tiny(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "tiny" in out
    assert "Three villages" in out  # its description from scenario.toml


def test_show_tiny_prints_the_kinds_table(capsys):
    assert main(["show", "tiny"]) == 0
    out = capsys.readouterr().out
    assert "nodes by kind" in out
    for kind, count in (
        ("village", 3),
        ("county_hub", 2),
        ("bonded_zone", 1),
        ("port", 1),
        ("overseas_warehouse", 1),
        ("market", 2),
    ):
        (row,) = [line for line in out.splitlines() if f" {kind} " in line]
        assert row.split()[-2] == str(count), row
    assert "supply and demand by week" in out
    assert "legs by service" in out
    assert "road-reefer" in out and "parcel" in out


def test_validate_tiny_returns_0(capsys):
    assert main(["validate", "tiny"]) == 0
    captured = capsys.readouterr()
    assert "tiny: valid (10 nodes, 14 legs, 1 plans)" in captured.out
    assert captured.err == ""


def test_validate_a_folder_by_path(capsys):
    from instances import scenario_folder

    assert main(["validate", str(scenario_folder("tiny"))]) == 0


def test_unknown_scenario_name_returns_2_with_a_message(capsys):
    assert main(["validate", "no-such-scenario"]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert re.fullmatch(
        r"no-such-scenario: SCENARIO: expected a bundled scenario \(.*\btiny\b.*\) or a "
        r"scenario folder, got neither",
        captured.err.strip(),
    ), captured.err


def test_show_unknown_scenario_returns_2(capsys):
    assert main(["show", "no-such-scenario"]) == 2
    assert "no-such-scenario: SCENARIO: expected" in capsys.readouterr().err


def test_missing_argument_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate"])
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def _run_help(*command: str) -> str:
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [*command, "--help"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("how", ["script", "module"])
def test_help_lists_each_command(how):
    script = Path(sys.executable).parent / "coldchain"
    if how == "script":
        if not script.exists():
            pytest.skip("console script not installed in this environment")
        out = _run_help(str(script))
    else:
        out = _run_help(sys.executable, "-m", "optimizer.cli.main")
    for command, words in (
        ("list", "bundled scenarios"),
        ("validate", "check a scenario"),
        ("show", "counts by node kind"),
    ):
        (line,) = [x for x in out.splitlines() if x.strip().startswith(command + " ")]
        assert words in line, line


def test_each_command_has_its_own_help(capsys):
    for command in ("list", "validate", "show"):
        with pytest.raises(SystemExit) as info:
            main([command, "--help"])
        assert info.value.code == 0
        assert "usage: " in capsys.readouterr().out


@pytest.mark.parametrize(
    "command",
    [
        ["solve", "tiny"],
        ["evaluate", "tiny", "--plan", "by-hand"],
        ["consolidate", "tiny"],
        ["route", "tiny", "--hub", "H_JS"],
    ],
)
def test_an_existing_out_folder_stops_the_run_before_it_loads_or_solves(
    command, tmp_path, monkeypatch, capsys
):
    import instances

    def loaded(*args, **kwargs):  # nothing may be loaded, let alone solved
        raise AssertionError("the run went on past an existing --out")

    monkeypatch.setattr(instances, "load_scenario", loaded)
    out = tmp_path / "run"
    out.mkdir()
    (out / "kpis.json").write_text("{}")
    assert main([*command, "--out", str(out)]) == ExitCode.INVALID_INPUT
    assert "expected a new folder" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["kpis.json"]


@pytest.mark.parametrize(
    "command, wrong",
    [
        (["solve", "tiny", "--gap", "-1", "--out", "x"], "--gap: expected a number >= 0"),
        (
            ["solve", "tiny", "--time-limit", "0", "--out", "x"],
            "--time-limit: expected a number > 0",
        ),
        (["solve", "tiny", "--time-limit", "nan", "--out", "x"], "--time-limit: expected a number"),
        (["shelf-life", "tiny", "--atmosphere", "air,foo"], "--atmosphere: expected one or more"),
        (["route", "tiny", "--hub", "H_JS", "--time-limit", "-5", "--out", "x"], "--time-limit"),
    ],
)
def test_a_bad_option_value_is_invalid_input(command, wrong, capsys):
    # these ran (a negative gap), or ended in a traceback and exit 1 (an unknown atmosphere)
    with pytest.raises(SystemExit) as info:
        main(command)
    assert info.value.code == ExitCode.INVALID_INPUT
    assert wrong in capsys.readouterr().err


def test_an_unknown_regime_blames_the_option_not_the_scenario_file(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["solve", "tiny", "--regime", "nope", "--out", str(out)]) == 2
    message = capsys.readouterr().err
    assert message.startswith("--regime: regime: expected one of today") and "got nope" in message
    assert not out.exists()


def test_validate_checks_the_scenarios_hand_made_plans(scenario_copy, capsys):
    # validate said valid while evaluate refused the scenario's own plan
    folder = scenario_copy("tiny")
    assert main(["validate", str(folder)]) == 0
    assert "1 plans" in capsys.readouterr().out
    folder.edit("plans/by-hand.hubs.csv", "H_JS,small", "H_JS,medium")
    assert main(["validate", str(folder)]) == ExitCode.INVALID_INPUT
    err = capsys.readouterr().err
    assert (
        "plans/by-hand.hubs.csv:2: size: expected a size of H_JS (small, large), got medium" in err
    )
