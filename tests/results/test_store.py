"""Run folders are written atomically and never overwrite another run."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from networks.errors import ColdchainError
from results.store import RunFolderExistsError, RunWriter, run_metadata


class Boom(RuntimeError):
    pass


def test_a_finished_run_is_renamed_into_place_with_its_files(tmp_path):
    out = tmp_path / "runs" / "run1"
    with RunWriter(out) as run:
        assert not out.exists()  # nothing visible until the run ends
        assert run.folder.parent == out.parent and run.folder.name.startswith(".run1.")
        run.write_json("kpis.json", {"total_cost": 1.5, "gap": math.nan, "bound": math.inf})
        run.write_table("flows", pd.DataFrame({"leg": ["a", "b"], "tonnes": [1.0, 2.0]}))
        run.write_text("notes.txt", "hello\n")
    assert sorted(p.name for p in out.parent.iterdir()) == ["run1"]
    assert json.loads((out / "kpis.json").read_text()) == {
        "total_cost": 1.5,
        "gap": None,
        "bound": None,
    }
    assert pd.read_csv(out / "flows.csv")["tonnes"].tolist() == [1.0, 2.0]
    assert (out / "notes.txt").read_text() == "hello\n"


def test_an_exception_inside_leaves_no_folder_and_no_temporary_folder(tmp_path):
    out = tmp_path / "run1"
    with pytest.raises(Boom):
        with RunWriter(out) as run:
            run.write_json("kpis.json", {"total_cost": 1.0})
            raise Boom("solver crashed")
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_inside_leaves_nothing_either(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with RunWriter(tmp_path / "run1") as run:
            run.write_text("partial.txt", "half")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_refused_and_left_untouched(tmp_path):
    out = tmp_path / "run1"
    out.mkdir()
    (out / "kpis.json").write_text("{}")
    with pytest.raises(RunFolderExistsError, match=r"run1: --out: expected a new folder"):
        with RunWriter(out) as run:
            run.write_text("x.txt", "x")  # pragma: no cover - never reached
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run1"]
    assert sorted(p.name for p in out.iterdir()) == ["kpis.json"]


def test_existing_folder_error_is_a_coldchain_and_file_exists_error():
    assert issubclass(RunFolderExistsError, ColdchainError)
    assert issubclass(RunFolderExistsError, FileExistsError)


def test_an_existing_file_of_that_name_is_refused_too(tmp_path):
    (tmp_path / "run1").write_text("not a folder")
    with pytest.raises(RunFolderExistsError):
        RunWriter(tmp_path / "run1").__enter__()


def test_two_runs_to_one_folder_second_is_refused(tmp_path):
    with RunWriter(tmp_path / "run1") as run:
        run.write_text("a.txt", "first")
    with pytest.raises(RunFolderExistsError):
        with RunWriter(tmp_path / "run1") as run:
            run.write_text("a.txt", "second")  # pragma: no cover
    assert (tmp_path / "run1" / "a.txt").read_text() == "first"


def test_run_metadata_names_a_run_id_and_versions():
    meta = run_metadata()
    assert len(meta["run_id"]) == 12
    assert meta["version_python"]
    assert "version_pulp" in meta and "version_ortools" in meta


def test_an_out_under_a_file_stops_before_any_work(tmp_path, capsys):
    # the place is checked first: no solving that could only fail when it writes
    from optimizer.cli.main import main

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["solve", "tiny", "--out", str(blocker / "run")]) == 2
    err = capsys.readouterr().err
    assert "--out: expected a path under folders" in err and "Traceback" not in err
    assert main(["bench", "design", "tiny", "--out", str(blocker / "t.csv")]) == 2


def test_a_run_folder_has_the_permissions_mkdir_gives(tmp_path):
    import os
    import stat

    from results.store import write_run

    umask = os.umask(0o022)
    try:
        out = write_run(tmp_path / "run", {"command": "test"}, {"x": 1.0})
    finally:
        os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755  # not mkdtemp's 0700


def test_text_a_spreadsheet_would_run_is_marked_in_the_csv_and_read_back_as_meant(tmp_path):
    import csv

    from instances import read_plan
    from networks.spreadsheet import unshield_frame

    meant = pd.DataFrame(
        {
            "note": ['=HYPERLINK("http://x","y")', "-3 t lost", "@SUM(A1)", "'t Hof", "plain"],
            "change": [-1.5, 2.0, -0.25, 0.0, 1.0],  # numbers, negative ones too: as they are
        }
    )
    with RunWriter(tmp_path / "run") as run:
        run.write_table("notes", meant)
    with open(tmp_path / "run" / "notes.csv", newline="") as handle:
        cells = list(csv.reader(handle))[1:]
    # as a spreadsheet reads the file: no text cell begins as a formula
    assert [row[0] for row in cells] == [
        '\'=HYPERLINK("http://x","y")',
        "'-3 t lost",
        "'@SUM(A1)",
        "''t Hof",
        "plain",
    ]
    assert [row[1] for row in cells] == ["-1.5", "2.0", "-0.25", "0.0", "1.0"]
    # coldchain's readers undo the mark; Parquet keeps the raw value
    back = unshield_frame(pd.read_csv(tmp_path / "run" / "notes.csv"))
    pd.testing.assert_frame_equal(back, meant)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "run" / "notes.parquet"), meant)
    # a plan written to a run folder reads back the same through evaluate's reader
    flows = pd.DataFrame(
        {
            "firm": ["coopA"],
            "product": ["fresh_kiwi"],
            "week": [1],
            "tonnes": [8.0],
            "path": ["V1 > H_JS > M_CS"],
            "services": ["road > road-reefer"],
            "note": ["=1+1"],  # a column a reader ignores may hold anything
        }
    )
    with RunWriter(tmp_path / "plan") as run:
        run.write_table("flows", flows)
        run.write_table("hubs", pd.DataFrame({"hub": ["H_JS"], "size": ["'small"]}))
    plan = read_plan(tmp_path / "plan" / "flows.csv")
    assert plan.hubs == {"H_JS": "'small"}  # the mark undone, the text as meant
    assert [f.nodes for f in plan.flows] == [("V1", "H_JS", "M_CS")]


def test_a_map_gdal_cannot_write_is_one_os_error_and_leaves_nothing(tmp_path, monkeypatch):
    # a full disk ended GDAL's GeoPackage write in a pyogrio error naming no cause
    # ("no such table: gpkg_contents", measured on a 120 KB tmpfs) and a traceback
    import geopandas as gpd
    import pyogrio.errors

    from instances import load_scenario
    from results.store import write_run

    def full(self, *args, **kwargs):
        raise pyogrio.errors.FeatureError("Could not add feature to layer at index 0")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", full)
    with pytest.raises(OSError, match="network.gpkg: could not write layer 'nodes'"):
        try:
            write_run(tmp_path / "run", {}, {}, network=load_scenario("tiny"), report=False)
        except OSError as exc:  # main prints "error: FILENAME: MESSAGE"
            raise OSError(f"{exc.filename}: {exc.strerror}") from exc
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_run_is_written_without_map_and_report(tmp_path):
    from instances import load_scenario
    from results.store import write_run

    out = write_run(
        tmp_path / "run", {}, {"x": 1.0}, network=load_scenario("tiny"), interrupted=True
    )
    assert sorted(p.name for p in out.iterdir()) == ["kpis.json"]
