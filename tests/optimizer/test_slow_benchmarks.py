"""Slow cases, outside the default run (`pytest -m slow`): real benchmark files, the flagship.

The benchmark files live in ../shared/benchmarks beside a checkout and are never copied
into the repository; these tests skip where they are absent.
"""

import json
from pathlib import Path

import pandas as pd
import pytest

from optimizer.cli.main import main

pytestmark = pytest.mark.slow
SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"


@pytest.mark.skipif(not (SHARED / "cflp").is_dir(), reason="../shared/benchmarks not here")
@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_small_cflp_instances_reach_their_published_optima(solver, tmp_path):
    out = tmp_path / "cflp.csv"
    code = main(
        [
            "bench",
            "cflp",
            str(SHARED / "cflp"),
            "--exclude",
            "capa-*",
            "--solver",
            solver,
            "--time-limit",
            "300",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    assert len(table) == 10
    assert (table["rel_diff"].abs() <= 1e-6).all(), table[["instance", "rel_diff"]]


def test_flagship_plan_beats_the_hand_made_cold_chain(tmp_path):
    # the optimized plan, scored by the same evaluator, costs less than the cold-chain plan
    assert main(["solve", "xiangxi-kiwi", "--out", str(tmp_path / "solve")]) == 0
    assert (
        main(["evaluate", "xiangxi-kiwi", "--plan", "cold-chain", "--out", str(tmp_path / "cold")])
        == 0
    )
    solved = json.loads((tmp_path / "solve" / "kpis.json").read_text())
    cold = json.loads((tmp_path / "cold" / "kpis.json").read_text())
    assert solved["status"] in ("optimal", "feasible")  # a plan, proven or not
    assert solved["total_cost"] < cold["total_cost"]
