"""The README's Python examples run as written (a new user copies them first)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_each_python_example_of_the_readme_runs(number, capsys):
    exec(compile(BLOCKS[number], f"README.md python block {number + 1}", "exec"), {})
    assert capsys.readouterr().out.strip()  # each example prints what it found
