"""Files built to exhaust the loader, or that are not tables at all (issue #20, reading
files): a file over the size limit, a header over the column limit, a cell over the
length limit, scenario.toml nested over the depth limit; an empty file, a header-only
required table, a column named twice, a file that is not UTF-8. Each stops loading with
one located message naming the file (and the limit), before any parser sees the bulk.

What each test checks, and how, is in this folder's conftest.py.
"""

from __future__ import annotations

import time

import instances._scenario_toml
import instances._tables

# --- limits ----------------------------------------------------------------------------


def test_a_table_over_the_size_limit(folder, rejected, monkeypatch):
    size = (folder / "nodes.csv").stat().st_size
    monkeypatch.setattr(instances._tables, "MAX_TABLE_BYTES", size - 1)
    rejected(
        folder,
        rf"nodes\.csv: file: expected a file of at most {size - 1:,} bytes \(the limit\), "
        rf"got {size:,} bytes",
    )


def test_scenario_toml_over_the_size_limit(folder, rejected, monkeypatch):
    monkeypatch.setattr(instances._scenario_toml, "MAX_TOML_BYTES", 2**10)
    rejected(
        folder,
        r"scenario\.toml: file: expected a file of at most 1 KiB \(the limit\), got [\d,]+ bytes",
    )


def test_a_million_columns_stop_at_once(folder, rejected):
    (folder / "firms.csv").write_text(",".join(["c"] * 10**6) + "\n1\n", encoding="utf-8")
    start = time.perf_counter()
    rejected(
        folder,
        r"firms\.csv:1: header: expected at most 200 columns \(the limit\), got 1,000,000 columns",
    )
    assert time.perf_counter() - start < 5


def test_a_cell_over_the_length_limit(folder, rejected):
    # 200 KiB: over the csv module's own 128 KiB, which ended in a _csv.Error traceback
    line = folder.append("supply.csv", "V1,fresh_kiwi,1," + "9" * 200 * 2**10)
    rejected(
        folder,
        rf"supply\.csv:{line}: cell: expected a cell of at most 65,536 characters "
        r"\(the limit\), got 204,800 characters",
    )


def test_a_quoted_cell_over_the_length_limit(folder, rejected):
    note = "\n".join(["a long note"] * 7000)  # 84 KiB over 7000 short lines
    line = folder.append("demand.csv", f'M_CS,fresh_kiwi,1,1,12000,coopA,"{note}"')
    rejected(
        folder,
        rf"demand\.csv:{line - 6999}: cell: expected a cell of at most 65,536 characters "
        rf"\(the limit\), got {len(note):,} characters",
    )


def test_deeply_nested_toml_stops_at_once(folder, rejected):
    depth = 10**5
    folder.append("scenario.toml", "bomb = " + "{a = " * depth + "1" + "}" * depth)
    line = len((folder / "scenario.toml").read_text(encoding="utf-8").splitlines())
    rejected(
        folder,
        rf"scenario\.toml:{line}: file: expected keys and values nested at most 32 levels "
        r"deep \(the limit\), got deeper nesting",
    )


def test_a_long_dotted_header_stops_at_once(folder, rejected):
    line = folder.append("scenario.toml", "[" + ".".join(["a"] * 10**5) + "]")
    start = time.perf_counter()
    rejected(
        folder,
        rf"scenario\.toml:{line}: file: expected keys and values nested at most 32 levels "
        r"deep \(the limit\), got deeper nesting",
    )
    assert time.perf_counter() - start < 5


# --- files that are not tables -----------------------------------------------------------


def test_an_empty_file(folder, rejected):
    (folder / "supply.csv").write_text("", encoding="utf-8")
    rejected(
        folder, r"supply\.csv: file: expected a CSV table with a header line, got an empty file"
    )


def test_a_required_table_with_a_header_only(folder, rejected):
    header = (folder / "nodes.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / "nodes.csv").write_text(header + "\n", encoding="utf-8")
    rejected(
        folder, r"nodes\.csv: file: expected at least one row below the header, got a header only"
    )


def test_a_column_named_twice(folder, rejected):
    folder.edit("nodes.csv", ",lon,lat,", ",lat,lat,")
    rejected(folder, r"nodes\.csv:1: lat: expected each column named once, got lat in columns 4, 5")


def test_a_gbk_file_names_the_line(folder, rejected):
    line = folder.append("nodes.csv", "V9,x,village,109.8,28.3,CN,coopA,van,0,0")
    path = folder / "nodes.csv"
    path.write_bytes(path.read_bytes().replace(b"V9,x,", "V9,湘西,".encode("gbk")))
    rejected(
        folder,
        rf"nodes\.csv:{line}: file: expected UTF-8 text, got the byte 0xcf, which is not "
        r"UTF-8 \(save the file as UTF-8\)",
    )


def test_a_binary_file(folder, rejected):
    (folder / "hub_sizes.csv").write_bytes(b"PK\x03\x04\x00\x00" + bytes(range(256)))
    rejected(
        folder, r"hub_sizes\.csv:1: file: expected UTF-8 text, got a NUL byte \(a binary file\?\)"
    )
