"""``coldchain generate``: a seeded scenario folder, never over another."""

from __future__ import annotations

import pytest

from instances import generate, load_scenario
from optimizer.cli.console import ExitCode
from optimizer.cli.main import main


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_generate_writes_a_scenario_that_loads_and_the_same_seed_the_same_files(tmp_path):
    args = ["generate", "--villages", "25", "--hubs", "5", "--firms", "4", "--seed", "7"]
    assert main([*args, "--out", str(tmp_path / "a")]) == ExitCode.OK
    assert main([*args, "--out", str(tmp_path / "b")]) == ExitCode.OK
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    network = load_scenario(tmp_path / "a")
    assert (len(network.villages), len(network.county_hubs), len(network.firms)) == (25, 5, 4)
    # the command writes what the library's generate writes, argument for argument
    library = generate(tmp_path / "c", villages=25, hubs=5, firms=4, seed=7)
    assert _files(library) == _files(tmp_path / "a")


def test_generate_never_writes_over_a_scenario(tmp_path, capsys):
    out = tmp_path / "a"
    assert main(["generate", "--out", str(out)]) == ExitCode.OK
    before = _files(out)
    assert main(["generate", "--seed", "2", "--out", str(out)]) == ExitCode.INVALID_INPUT
    assert "expected a new folder" in capsys.readouterr().err
    with pytest.raises(FileExistsError):
        generate(out, seed=3)  # the library refuses too (its docstring said so; it did not)
    assert _files(out) == before


@pytest.mark.parametrize("bad", [["--markets", "9"], ["--products", "4"], ["--villages", "0"]])
def test_generate_rejects_sizes_it_cannot_make(bad, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["generate", *bad, "--out", str(tmp_path / "a")])
    assert info.value.code == ExitCode.INVALID_INPUT
    assert not (tmp_path / "a").exists()


def test_the_library_no_longer_cuts_products_silently(tmp_path):
    with pytest.raises(ValueError, match="products"):
        generate(tmp_path / "a", products=5)
