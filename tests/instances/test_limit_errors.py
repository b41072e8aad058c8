"""Files built to exhaust the loader, or that are not tables at all (issue #20, reading
files): a file over the size limit, a header over the column limit, a cell over the
length limit, scenario.toml nested over the depth limit; an empty file, a header-only
required table, a column named twice, a file that is not UTF-8. Each stops loading with
one located message naming the file (and the limit), before any parser sees the bulk.

What each test checks, and how, is in this folder's conftest.py.
"""

from __future__ import annotations

import random
import string
import time

from hypothesis import given, settings
from hypothesis import strategies as st

import instances._scenario_toml
import instances._tables
from instances._tables import quoted_cells
from networks.errors import MAX_PROBLEMS_PER_FILE, ProblemCollector

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


# --- junk and misaligned rows ------------------------------------------------------------


def test_an_unquoted_comma_in_the_first_row_is_reported_on_that_row(folder, rejected):
    # pandas took the first cell of a long first row for an index and shifted every row
    # after it: many messages, none on the row at fault (issue #20)
    first = folder.line_of("supply.csv", "V1,fresh_kiwi,1,10")
    assert first == 2
    folder.edit("supply.csv", "V1,fresh_kiwi,1,10", "V1,fresh_kiwi,1,10,Gaoping, Yongshun")
    error = rejected(
        folder,
        r"supply\.csv:2: row: expected at most 4 fields, as many as the header has "
        r"\(a comma inside a text cell needs quotes\), got 6 fields",
    )
    assert [(p.file, p.line) for p in error.problems] == [("supply.csv", 2)]


def test_a_junk_file_stops_within_seconds_with_a_hundred_messages(folder, rejected):
    # 6 MB of printable junk with commas: 24,000 messages and 25 s at 50 MB before
    rng = random.Random(0)
    alphabet = string.ascii_letters + string.digits + ",;. "
    lines = ["".join(rng.choices(alphabet, k=rng.randint(5, 120))) for _ in range(100_000)]
    (folder / "supply.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = time.perf_counter()
    error = rejected(
        folder,
        r"supply\.csv: file: expected a CSV table with at most \d+ fields in each row, got 99 "
        r"rows with more, and another on line \d+: reading stopped there \(is it the file "
        r"it should be\?\)",
    )
    assert time.perf_counter() - start < 10.0  # load_folder and validate, both
    assert sum(p.file == "supply.csv" for p in error.problems) <= MAX_PROBLEMS_PER_FILE


def test_problems_past_a_hundred_in_one_file_are_counted_not_shown():
    problems = ProblemCollector()
    for line in range(2, 252):  # 250 problems in one file, 1 in another
        problems.add("supply.csv", "week", "an integer >= 1", "x", line=line)
    problems.add("demand.csv", "week", "an integer >= 1", "x", line=5)
    shown = list(problems)
    assert len(problems) == 251  # every problem counts
    assert [p.line for p in shown[:MAX_PROBLEMS_PER_FILE]] == list(range(2, 102))
    assert str(shown[-1]) == (
        "supply.csv: file: expected at most 100 problems (is it the file it should be?), "
        "got 150 more, not shown"
    )
    assert [p.file for p in shown].count("demand.csv") == 1
    assert problems.lines_since(0) == set(range(2, 252)) | {5}  # rows to skip: all


def _quoted_cells_by_hand(text: str) -> list[tuple[int, int, str, bool]]:
    """The quoted cells of a CSV text, character by character (the reading the loader's
    regular expression must agree with)."""
    cells, line, column, start, i = [], 1, 0, True, 0
    while i < len(text):
        char = text[i]
        if start and char == " ":
            i += 1
            continue
        if start and char == '"':
            end = text.find('"', i + 1)
            while end >= 0 and text.startswith('""', end):
                end = text.find('"', end + 2)
            if end < 0:
                cells.append((line, column, text[i + 1 :], False))
                break
            cells.append((line, column, text[i + 1 : end], True))
            line += text.count("\n", i, end)
            i, start = end + 1, False
            continue
        start = char in ",\n"
        if char == ",":
            column += 1
        elif char == "\n":
            line, column = line + 1, 0
        i += 1
    return cells


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab ,"\n', max_size=60))
def test_quoted_cells_are_found_as_a_reader_going_character_by_character_finds_them(text):
    found = [(c.line, c.column, c.text, c.closed) for c in quoted_cells(text)]
    assert found == _quoted_cells_by_hand(text)
