"""Reading the files: a missing or unreadable file, a missing or misspelled column, a
ragged row, an unclosed quote; line numbers that count what the file holds.

What each test checks, and how, is in this folder's conftest.py.
"""

from __future__ import annotations

import pytest

from instances.scenario import load_folder
from networks.errors import ScenarioError
from optimizer.cli.main import main


def test_the_untouched_copy_is_valid(folder, capsys):
    load_folder(folder)
    assert main(["validate", str(folder)]) == 0
    assert "valid" in capsys.readouterr().out


# --- files and columns -----------------------------------------------------------------
def test_missing_file(folder, rejected):
    (folder / "supply.csv").unlink()
    error = rejected(folder, r"supply\.csv: file: expected an existing file, got no such file")
    assert error.problems[0].line is None


def test_missing_scenario_toml(folder, rejected):
    (folder / "scenario.toml").unlink()
    rejected(folder, r"scenario\.toml: file: expected an existing file, got no such file")


def test_file_not_utf8(folder, rejected):
    path = folder / "demand.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if "firmB" in text)
    path.write_bytes(path.read_bytes().replace(b"firmB", "firmé".encode("latin-1")))
    rejected(
        folder,
        rf"demand\.csv:{line}: file: expected UTF-8 text, got the byte 0xe9, which is not "
        r"UTF-8 \(save the file as UTF-8\)",
    )


def test_missing_column(folder, rejected):
    folder.edit("supply.csv", "village,product,week,tonnes", "village,product,week,tons")
    rejected(
        folder,
        r"supply\.csv: tonnes: expected a column named tonnes, "
        r"got columns village, product, week, tons",
    )


def test_a_misspelled_optional_column_is_named(folder, rejected):
    # trip_capacity_t is optional: misspelled, every trip silently had no capacity
    folder.edit("legs.csv", "cost_cny_per_trip,trip_capacity_t", "cost_cny_per_trip,trip_capacty_t")
    rejected(
        folder,
        r"legs\.csv:1: trip_capacty_t: expected a column of legs\.csv \(trip_capacity_t, "
        r"perhaps\?\); an unknown column is ignored, a misspelled one would silently take "
        r"the default, got trip_capacty_t",
    )


def test_a_column_for_people_is_still_ignored(folder, capsys):
    folder.edit("supply.csv", "village,product,week,tonnes", "village,product,week,tonnes,notes")
    folder.edit("legs.csv", "co2e_g_per_tkm,source", "co2e_g_per_tkm,source,reviewer")
    load_folder(folder)  # unknown columns that are no near miss of a known one


def test_ragged_csv_row(folder, rejected):
    # pandas said "Expected 4 fields in line 12, saw 6": no file line to trust, one row
    first = folder.append("supply.csv", "V1,fresh_kiwi,1,2,3,4")
    folder.append("supply.csv", "V1,fresh_kiwi,2,2")
    second = folder.append("supply.csv", "V2,fresh_kiwi,1,2,Gaoping, Yongshun")
    error = rejected(
        folder,
        rf"supply\.csv:{first}: row: expected at most 4 fields, as many as the header has "
        r"\(a comma inside a text cell needs quotes\), got 6 fields",
    )
    assert [p.line for p in error.problems] == [first, second]


# --- line numbers ----------------------------------------------------------------------
def test_line_numbers_count_blank_lines(folder):
    folder.edit("supply.csv", "V1,fresh_kiwi,2,8\n", "V1,fresh_kiwi,2,8\n\n")
    line = folder.line_of("supply.csv", "V2,fresh_kiwi,1,6")
    folder.edit("supply.csv", "V2,fresh_kiwi,1,6", "V2,fresh_kiwi,1,-6")
    with pytest.raises(ScenarioError, match=rf"(?m)^supply\.csv:{line}: tonnes: "):
        load_folder(folder)


def test_line_numbers_count_lines_inside_quoted_cells(folder):
    folder.edit("legs.csv", '125,"ASSUMPTION: 0.30', '125,"ASSUMPTION:\n0.30')
    line = folder.line_of("legs.csv", "V3,H_FH,")
    folder.edit("legs.csv", "V3,H_FH,road", "V3,H_FH,donkey")
    with pytest.raises(ScenarioError, match=rf"(?m)^legs\.csv:{line}: mode: "):
        load_folder(folder)


# --- CSV quotes ------------------------------------------------------------------------
def open_quote(folder, name: str, prefix: str) -> int:
    """Put a quote before the last cell of the row starting with ``prefix``; its line."""
    line = folder.line_of(name, prefix)
    lines = (folder / name).read_text(encoding="utf-8").splitlines(keepends=True)
    head, _, last = lines[line - 1].rpartition(",")
    lines[line - 1] = f'{head},"{last}'
    (folder / name).write_text("".join(lines), encoding="utf-8")
    return line


def test_unclosed_quote_that_swallows_rows(folder, rejected):
    # the quote pairs with the one opening the next quoted source (H_JS>BZ_CS): V3>H_JS and
    # that leg vanished into one cell, and the network used to validate with 12 legs of 14
    line = open_quote(folder, "legs.csv", "V3,H_FH,")
    error = rejected(
        folder,
        rf"legs\.csv:{line}: source: expected a closing quote on that line, got a quoted cell "
        rf"that runs over 2 lines that look like rows \(lines {line + 1}-{line + 2}\)",
    )
    assert len(error.problems) == 1


def test_unclosed_quote_that_swallows_one_row(folder, rejected):
    # it used to validate with 13 legs of 14; the quote pairs with the one opening
    # P_NS>M_BKK's source on the next line
    line = open_quote(folder, "legs.csv", "BZ_CS,M_BKK,")
    rejected(
        folder,
        rf"legs\.csv:{line}: source: expected a closing quote on that line, got a quoted cell "
        rf"that runs over 1 line that looks like a row \(line {line + 1}\)",
    )


def test_quote_never_closed(folder, rejected):
    line = open_quote(folder, "legs.csv", "W_SG,M_BKK,")
    error = rejected(
        folder,
        rf"legs\.csv:{line}: source: expected a closing quote, got a quote that is never closed",
    )
    assert len(error.problems) == 1


def test_quote_never_closed_names_its_line_after_multi_line_cells(folder, rejected):
    # pandas said "EOF inside string starting at row 14", a record count, not a line
    folder.edit("legs.csv", '125,"ASSUMPTION: 0.30', '125,"ASSUMPTION:\n0.30')
    line = folder.append("legs.csv", '"W_SG,M_XX,road,true,2,10,1,0,0,,,150,x')
    folder.append("legs.csv", "W_SG,M_YY,road,true,2,10,1,0,0,,,150,x")
    rejected(
        folder,
        rf"legs\.csv:{line}: origin: expected a closing quote, got a quote that is never closed",
    )


def test_multi_line_source_note_is_still_valid(folder):
    folder.edit(
        "legs.csv",
        '125,"ASSUMPTION: 0.30 CNY/t-km ordinary truck (FACTS.md 2.1) x ~14 km; ',
        '125,"ASSUMPTION: 0.30 CNY/t-km ordinary truck\n(FACTS.md 2.1, 5.2), x ~14 km;\n',
    )
    network = load_folder(folder)
    assert len(network.legs) == 14
    assert "\n" in network.leg("V1", "H_JS", "road").source


# --- what the loader may read: inside the folder, uncompressed (issue #20) ----------------
def test_a_table_that_links_out_of_the_folder_is_refused(folder, rejected, tmp_path, capsys):
    outside = tmp_path / "secret.csv"
    outside.write_text("id,name\nSECRET-ROW,do not echo\n", encoding="utf-8")
    (folder / "nodes.csv").unlink()
    (folder / "nodes.csv").symlink_to(outside)
    rejected(
        folder,
        r"nodes\.csv: file: expected a file inside the scenario folder, "
        r"got a link that leads out of it",
    )
    main(["validate", str(folder)])
    assert "SECRET" not in "".join(capsys.readouterr())


def test_scenario_toml_that_links_out_of_the_folder_is_refused(folder, rejected, tmp_path):
    outside = tmp_path / "elsewhere.toml"
    outside.write_text((folder / "scenario.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "scenario.toml").unlink()
    (folder / "scenario.toml").symlink_to(outside)
    rejected(
        folder,
        r"scenario\.toml: file: expected a file inside the scenario folder, "
        r"got a link that leads out of it",
    )


def test_a_link_inside_the_folder_is_read(folder):
    (folder / "data").mkdir()
    (folder / "nodes.csv").rename(folder / "data" / "nodes.csv")
    (folder / "nodes.csv").symlink_to(folder / "data" / "nodes.csv")
    load_folder(folder)


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".zip", ".xz"])
def test_a_compressed_table_is_refused(folder, rejected, suffix):
    (folder / f"legs.csv{suffix}").write_bytes(b"not read")
    text = (folder / "scenario.toml").read_text(encoding="utf-8")
    (folder / "scenario.toml").write_text(
        f'[files]\nlegs = "legs.csv{suffix}"\n\n' + text, encoding="utf-8"
    )
    rejected(
        folder,
        rf"scenario\.toml:2: files\.legs: expected an uncompressed table \(compressed files "
        rf"are not read\), got legs\.csv\{suffix}",
    )
