"""Lines of the keys of scenario.toml: what problems with a key point at."""

from __future__ import annotations

import tomllib

from instances.toml_lines import TomlFile, key_lines
from networks.errors import ProblemCollector

TEXT = '''\
# a comment with key = "value"
name = "x"  # name = "y"
labels = [
  "a",
  "b = c",
]
note = """
fake = 1
[fake]
"""
"quoted.key" = 1
[customs."9610"]
fee_cny_per_t = 1.0
[products.kiwi]
shelf_life = { q10 = [2.0] }
[products.kiwi.extra]
a.b = 2
[[regimes]]
name = "one"
[[regimes]]
name = "two"
[regimes.sub]
x = 1
'''


def test_key_lines_of_every_kind_of_key():
    tomllib.loads(TEXT)  # the scanner is only ever given valid TOML
    assert key_lines(TEXT) == {
        "name": 2,
        "labels": 3,
        "note": 7,
        "quoted.key": 11,
        "customs.9610": 12,
        "customs.9610.fee_cny_per_t": 13,
        "products.kiwi": 14,
        "products.kiwi.shelf_life": 15,
        "products.kiwi.extra": 16,
        "products.kiwi.extra.a.b": 17,
        "regimes[1]": 18,
        "regimes[1].name": 19,
        "regimes[2]": 20,
        "regimes[2].name": 21,
        "regimes[2].sub": 22,
        "regimes[2].sub.x": 23,
    }


def test_a_key_without_a_line_of_its_own_takes_the_enclosing_one():
    toml = TomlFile(ProblemCollector(), TEXT)
    assert toml.line("products.kiwi.shelf_life.q10") == 15  # inside an inline table
    assert toml.line("regimes[2].description") == 20  # missing: the table's header
    assert toml.line("periods") is None
    toml.add("regimes[2].description", "a string", 3)
    assert [str(p) for p in toml.problems] == [
        "scenario.toml:20: regimes[2].description: expected a string, got 3"
    ]
