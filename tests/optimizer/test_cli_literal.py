"""Messages are printed literally: ids that other people wrote cannot style, decorate,
clear or forge the console's lines (issue #20, reading files).

A scenario copy gets demand rows whose market ids hold Rich markup, emoji codes, an
escape sequence and a newline; ``coldchain validate`` must print each problem on its own
line with those characters shown as written (control characters escaped as ``repr``
escapes them), and no line that the ids forge.
"""

from __future__ import annotations

import pytest

from optimizer.cli.console import literal
from optimizer.cli.main import main

HOSTILE = {
    ":100:": ":100:",
    ":fire:": ":fire:",
    "[bold]x[/bold]": "[bold]x[/bold]",
    "clear\x1b[2J": "clear\\x1b[2J",
    "a\nFORGED-LINE tiny: valid": "a\\nFORGED-LINE tiny: valid",
}


def test_literal_escapes_what_is_not_printable():
    assert literal("V1 \u00e9\u4e2d") == "V1 \u00e9\u4e2d"  # printable: as it is
    assert literal("a\tb\r\x07\u2028\\") == "a\\tb\\r\\x07\\u2028\\"


@pytest.mark.parametrize(
    "hostile",
    [[":100:", ":fire:", "[bold]x[/bold]"], ["clear\x1b[2J", "a\nFORGED-LINE tiny: valid"]],
    ids=["markup-and-emoji-codes", "control-characters"],
)
def test_problem_messages_are_printed_literally(scenario_copy, capsys, hostile):
    # markup and emoji codes are valid ids (unknown markets here); control characters
    # are refused as ids: either way each message shows the id as written
    folder = scenario_copy("tiny")
    for market in hostile:
        quoted = '"' + market + '"' if "\n" in market else market
        folder.append("demand.csv", f"{quoted},fresh_kiwi,1,8,12000,coopA")
    assert main(["validate", str(folder)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "\x1b" not in err and "\U0001f4af" not in err and "\U0001f525" not in err
    lines = err.splitlines()
    assert not any(line.startswith("FORGED-LINE") for line in lines)
    for shown in (HOSTILE[market] for market in hostile):
        assert any(shown in line and line.startswith("demand.csv:") for line in lines), (
            shown,
            err,
        )
    # a line number followed by a colon and digits is not an emoji code either
    assert all(line.startswith(("demand.csv:", "firms.csv:", "nodes.csv:")) for line in lines)
