"""Text cells a spreadsheet would run are marked as text, and read back as they were meant."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from networks.spreadsheet import FORMULA_STARTS, shield, unshield


@given(st.text())
def test_every_text_reads_back_as_it_was_meant(text):
    assert unshield(shield(text)) == text


@given(st.text())
def test_no_shielded_cell_begins_as_a_formula(text):
    assert not shield(text).startswith(FORMULA_STARTS)


def test_only_what_a_spreadsheet_would_run_or_the_mark_itself_is_marked():
    # OWASP's list of formula starts: =, +, -, @, tab, carriage return
    cases = {
        '=HYPERLINK("http://x","y")': '\'=HYPERLINK("http://x","y")',
        "+86 phone": "'+86 phone",
        "-3 t lost": "'-3 t lost",
        "@SUM(A1)": "'@SUM(A1)",
        "\tindented": "'\tindented",
        "'t Hof": "''t Hof",  # begins with the mark: marked, so the mark comes back
        "Jishou hub": "Jishou hub",
        "a=b": "a=b",
        "": "",
    }
    assert {text: shield(text) for text in cases} == cases
