"""``coldchain bench cflp`` and ``bench scale`` run on tiny inputs and write their tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from networks.status import Limit, Status
from optimizer.bench import bench_cflp
from optimizer.cli.main import main

# OR-Library, m = 2, n = 3 (customer blocks: demand, then one cost per facility).
# Multi-sourcing optimum: open F2 only (fixed 0): 11 + 21 + 31 = 63 (F1 alone: 67.5).
ORLIB = " 2 3\n 100 7.5\n 50 0.\n 5 10 11\n 6 20\n 21 7 30 31\n"
# Holmberg, same numbers but fixed costs 7 and 8 (facility rows of costs).
# Single-sourcing optimum: open F1 only: 7 + 10 + 20 + 30 = 67 (F2 alone: 71).
HOLMBERG = "2 3\n100 7\n50 8\n5 6 7\n10 20 30\n11 21 31\n"
OPTIMA = (
    "instance,optimal_value,single_or_multi_sourcing,source_repo,source_path\n"
    "cap11,63,multi,hand,-\nholmberg-p7,67,single,hand,-\n"
)


@pytest.fixture
def cflp_dir(tmp_path):
    folder = tmp_path / "cflp"
    (folder / "holmberg").mkdir(parents=True)
    (folder / "cap11.txt").write_text(ORLIB)
    (folder / "holmberg" / "p7").write_bytes(HOLMBERG.encode() + b"\0" * 16)
    (folder / "optima.csv").write_text(OPTIMA)
    return folder


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_bench_cflp_reaches_known_optima_with_each_solver(cflp_dir, tmp_path, solver, capsys):
    out = tmp_path / "out" / f"cflp-{solver}.csv"
    code = main(["bench", "cflp", str(cflp_dir), "--solver", solver, "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out)
    assert list(table["instance"]) == ["cap11", "holmberg-p7"]
    assert list(table["sourcing"]) == ["multi", "single"]
    assert list(table["known_optimum"]) == [63, 67]
    assert table["objective"].tolist() == pytest.approx([63, 67], rel=1e-9)
    assert table["reached"].all()
    assert set(table["status"]) == {"optimal"} and set(table["limit"]) == {"none"}
    assert "2 of 2 instances with a known optimum reached it" in capsys.readouterr().out


def test_sourcing_option_overrides_the_family(cflp_dir):
    # forced single sourcing on the OR-Library file: F2 alone is still best (63);
    # no single-sourcing optimum is known for cap11, so it is NaN.
    frame = bench_cflp([cflp_dir / "cap11.txt"], sourcing="single", optima=cflp_dir / "optima.csv")
    assert frame.loc[0, "sourcing"] == "single"
    assert frame.loc[0, "objective"] == pytest.approx(63)
    assert pd.isna(frame.loc[0, "known_optimum"]) and not frame.loc[0, "reached"]


def test_optima_beside_a_file_given_alone_are_found(cflp_dir):
    frame = bench_cflp([cflp_dir / "holmberg" / "p7", cflp_dir / "cap11.txt"])
    assert list(frame["known_optimum"]) == [67, 63]
    assert frame["reached"].all()


def test_only_and_exclude_filter_instances_by_name(cflp_dir, tmp_path):
    out = tmp_path / "only.csv"
    assert main(["bench", "cflp", str(cflp_dir), "--exclude", "holmberg-*", "--out", str(out)]) == 0
    assert list(pd.read_csv(out)["instance"]) == ["cap11"]
    out = tmp_path / "holmberg.csv"
    assert main(["bench", "cflp", str(cflp_dir), "--only", "holm*", "--out", str(out)]) == 0
    assert list(pd.read_csv(out)["instance"]) == ["holmberg-p7"]


def test_a_filter_that_keeps_no_instance_is_invalid_input(cflp_dir, tmp_path, capsys):
    out = tmp_path / "none.csv"
    assert main(["bench", "cflp", str(cflp_dir), "--only", "cap999", "--out", str(out)]) == 2
    message = capsys.readouterr().err
    assert "--only/--exclude" in message and "cap999" in message and "cap11" in message
    assert not out.exists() and not out.with_name("none.run.json").exists()


def test_a_bench_table_is_never_overwritten_and_says_how_it_was_made(cflp_dir, tmp_path, capsys):
    out = tmp_path / "t.csv"
    args = ["bench", "cflp", str(cflp_dir / "cap11.txt"), "--time-limit", "30", "--out", str(out)]
    assert main(args) == 0
    record = json.loads(out.with_name("t.run.json").read_text())
    assert record["arguments"]["time_limit"] == 30.0 and record["arguments"]["benchmark"] == "cflp"
    assert record["version_highspy"] and record["machine"]["cpu_count"] >= 1
    assert record["table"] == "t.csv" and record["exit_code"] == 0
    assert record["command"] == "coldchain " + " ".join(args) and "argv" not in record["arguments"]
    assert record["wall_seconds"] > 0 and record["created_utc"]
    before = out.read_text()
    capsys.readouterr()
    assert main(args) == 2  # refused before anything is solved
    assert "never overwrites" in capsys.readouterr().err
    assert out.read_text() == before


@pytest.mark.parametrize(
    "bad", [["--hubs", "0"], ["--weeks", "x"], ["--products", "4"], ["--villages", "10 20"]]
)
def test_bench_scale_rejects_bad_sizes_with_exit_code_2(bad, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["bench", "scale", "--villages", "10", *bad, "--out", str(tmp_path / "s.csv")])
    assert stop.value.code == 2
    message = capsys.readouterr().err
    assert bad[0] in message and ("expected" in message or "invalid choice" in message)
    assert not (tmp_path / "s.csv").exists()


def test_check_fails_when_a_known_optimum_is_missed(cflp_dir, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(OPTIMA.replace("cap11,63", "cap11,62"))
    out = tmp_path / "t.csv"
    args = ["bench", "cflp", str(cflp_dir), "--optima", str(wrong), "--out", str(out)]
    assert main(args) == 0  # a benchmark reports; it fails only when asked to check
    args[-1] = str(tmp_path / "checked.csv")
    assert main([*args, "--check"]) == 1
    table = pd.read_csv(out)
    assert table.loc[0, "rel_diff"] == pytest.approx(1 / 62)


def test_bench_scale_writes_its_table(tmp_path):
    out = tmp_path / "scale.csv"
    args = ["bench", "scale", "--villages", "3,5", "--hubs", "2", "--weeks", "1", "--markets", "1"]
    assert main([*args, "--seed", "1", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table["villages"]) == [3, 5]
    assert list(table["markets"]) == [1, 1]
    assert set(table["status"]) == {"optimal"} and set(table["limit"]) == {"none"}
    assert (table["variables"] > 0).all() and (table["constraints"] > 0).all()
    assert (table["peak_rss_mb"] > 0).all()
    assert (table["peak_rss_growth_mb"] >= 0).all()
    assert table["data_seconds"].notna().all()
    total = table["data_seconds"] + table["model_seconds"]
    assert total.tolist() == pytest.approx(table["build_seconds"].tolist())


def test_bench_scale_rejects_bad_village_lists(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "scale", "--villages", "100,x", "--out", "x.csv"])
    assert "expected integers separated by commas, like 100,500,2000" in capsys.readouterr().err


def test_the_command_writes_the_table_the_library_returns(cflp_dir, tmp_path):
    out = tmp_path / "t.csv"
    assert main(["bench", "cflp", str(cflp_dir), "--out", str(out)]) == 0
    written = pd.read_csv(out)
    returned = bench_cflp([cflp_dir])
    timing = [c for c in returned.columns if c.endswith("_seconds")]
    pd.testing.assert_frame_equal(
        written.drop(columns=timing),
        returned.drop(columns=timing).astype({"status": str, "limit": str}),
        check_dtype=False,
    )


def orlib_text(m: int, n: int, seed: int) -> str:
    """A random OR-Library file: total capacity 1.2 times total demand."""
    rng = np.random.default_rng(seed)
    demand = rng.integers(1, 20, n)
    capacity = np.full(m, int(np.ceil(1.2 * demand.sum() / m * 2)))
    fixed = rng.integers(100, 400, m)
    cost = rng.integers(1, 1000, (n, m))
    lines = [f"{m} {n}", *(f"{c} {f}" for c, f in zip(capacity, fixed, strict=True))]
    lines += [f"{d} " + " ".join(map(str, row)) for d, row in zip(demand, cost, strict=True)]
    return "\n".join(lines) + "\n"


def test_a_time_limited_row_says_feasible_or_no_solution_and_limit_time(tmp_path):
    path = tmp_path / "cap99.txt"
    path.write_text(orlib_text(60, 400, 1))
    frame = bench_cflp([path], time_limit=0.001)
    row = frame.iloc[0]
    assert row["limit"] == Limit.TIME
    assert row["status"] in (Status.FEASIBLE, Status.NO_SOLUTION)
    if row["status"] == Status.FEASIBLE:
        assert row["gap"] >= 0 and row["bound"] <= row["objective"]
    else:
        assert np.isnan(row["objective"])


def test_bench_design_writes_the_evaluated_headline_of_each_scenario(tiny, tmp_path):
    # one row per scenario: the evaluated cost of the plan solve returns, scored anew here
    from optimizer.design.scored import solve_and_score
    from results.evaluate import evaluate

    out = tmp_path / "design.csv"
    assert main(["bench", "design", "tiny", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    (row,) = table.itertuples()
    plan = solve_and_score(tiny).result.plan
    assert row.objective == pytest.approx(evaluate(tiny, plan).kpis()["total_cost"], rel=1e-9)
    assert row.cost == row.objective and row.status == "feasible"
    assert row.bound <= row.objective  # the relaxation's: below every plan's cost
    assert row.gap == pytest.approx((row.objective - row.bound) / row.bound)
    assert row.model_status == "optimal" and row.model_gap <= 1e-6
    record = json.loads((tmp_path / "design.run.json").read_text())
    assert record["machine"]["cpu_count"] >= 1 and record["table"] == "design.csv"
