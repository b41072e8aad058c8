"""Fixtures of the loader's error tests: bad scenario folders, each defect stopping loading
with a located, one-line message (test_toml_errors, test_file_errors, test_value_errors,
test_network_errors, test_geo_node_errors).

Every such test takes ``folder``, a fresh copy of the bundled ``tiny`` scenario, breaks
one thing, and checks with ``rejected`` both that ``load_folder`` raises
:class:`ScenarioError` whose message has the shape ``FILE[:LINE]: FIELD: expected X, got
Y`` and that ``coldchain validate FOLDER`` exits with 2, prints that line and no
traceback. Line numbers are those of the files as shipped (header = line 1); a defect
appended to a file lands on the line after its end.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from instances.scenario import load_folder
from networks.errors import ScenarioError
from optimizer.cli.main import main


@pytest.fixture
def folder(scenario_copy):
    """A fresh copy of ``tiny`` to break (see the root conftest's ``ScenarioCopy``)."""
    return scenario_copy("tiny")


@pytest.fixture
def rejected(capsys) -> Callable[..., ScenarioError]:
    """``rejected(folder, pattern)``: check that the loader and ``coldchain validate``
    both reject ``folder`` with a problem matching ``pattern`` (a whole line); the error.
    """

    def check(folder, pattern: str) -> ScenarioError:
        pattern = "(?m)^" + pattern + "$"
        with pytest.raises(ScenarioError, match=pattern) as info:
            load_folder(folder)
        for problem in info.value.problems:  # every line keeps the shape
            assert re.fullmatch(r"[^:\s][^:]*(:\d+)?: \S+: expected .+, got .*", str(problem)), str(
                problem
            )
        capsys.readouterr()
        code = main(["validate", str(folder)])
        out, err = capsys.readouterr()
        assert code == 2
        assert "Traceback" not in out + err
        assert re.search(pattern, err), err
        assert err.strip().splitlines() == [str(p) for p in info.value.problems]
        return info.value

    return check
