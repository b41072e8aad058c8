"""Named fixtures shared by the whole suite.

- ``tiny``: the bundled ``tiny`` scenario, loaded once per session. A
  :class:`~networks.Network` is immutable (frozen dataclass, read-only mappings and
  arrays), so tests share it safely; derive a variant with ``tiny.replace(...)``.
- ``whole_trip_tiny``: ``tiny`` as a scenario written before part-load rates: its
  ``legs.csv`` without the ``part_load_cny_per_t`` column, so every started trip is paid
  whole (the hand-computed costs of the evaluator's tests count trips that way).
- ``scenario_copy``: a factory, ``scenario_copy("tiny")``, that copies a bundled scenario
  into a fresh temporary folder and returns it as a :class:`ScenarioCopy`, a path with
  the edits tests make (``edit``, ``append``, ``write``, ``drop_lines``, ``use_files``,
  ``line_of``) and ``load()``.
  Session-scoped, so that module-scoped fixtures can use it too; each call makes a new
  copy.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from instances import load_folder, load_scenario, scenario_folder
from networks import Network

# Property tests draw the same examples on every run (a run must be reproducible, CI
# included); COLDCHAIN_HYPOTHESIS=random explores new ones, as a search for faults.
settings.register_profile("fixed", derandomize=True)
settings.register_profile("random", derandomize=False)
settings.load_profile(os.environ.get("COLDCHAIN_HYPOTHESIS", "fixed"))


class ScenarioCopy(os.PathLike):
    """A copy of a bundled scenario that a test may edit; usable wherever a path is.

    Parameters
    ----------
    folder
        The copy's folder.
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def __fspath__(self) -> str:
        return str(self.folder)

    def __str__(self) -> str:
        return str(self.folder)

    def __truediv__(self, name: str) -> Path:
        return self.folder / name

    @property
    def parent(self) -> Path:
        """The folder the copy is in."""
        return self.folder.parent

    def edit(self, name: str, old: str, new: str) -> None:
        """Replace the first ``old`` in file ``name`` by ``new`` (``old`` must be there)."""
        path = self.folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def append(self, name: str, text: str) -> int:
        """Append ``text`` and a line end to file ``name``; the line ``text`` ends on."""
        path = self.folder / name
        before = path.read_text(encoding="utf-8")
        assert before.endswith("\n"), f"{name} does not end with a line end"
        path.write_text(before + text + "\n", encoding="utf-8")
        return len((before + text).splitlines())

    def write(self, name: str, text: str) -> Path:
        """Write file ``name`` (a new file, or in place of the scenario's)."""
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        return path

    def drop_column(self, name: str, column: str) -> None:
        """Remove ``column`` from table ``name`` (as a scenario written before it)."""
        import csv
        import io

        path = self.folder / name
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        names = [n for n in rows[0] if n != column]
        out = io.StringIO()
        writer = csv.DictWriter(out, names, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")

    def drop_lines(self, name: str, *prefixes: str) -> None:
        """Remove from file ``name`` the line starting with each prefix (one line each)."""
        path = self.folder / name
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [x for x in lines if not x.startswith(prefixes)]
        assert len(kept) == len(lines) - len(prefixes)
        path.write_text("".join(kept), encoding="utf-8")

    def use_files(self, **files: str) -> None:
        """Add a [files] table to scenario.toml (at its end, so it stays a table)."""
        entries = "".join(f'\n{key} = "{value}"' for key, value in files.items())
        self.append("scenario.toml", "\n[files]" + entries)

    def line_of(self, name: str, prefix: str) -> int:
        """The line (1-based) of file ``name`` that starts with ``prefix`` (exactly one)."""
        lines = (self.folder / name).read_text(encoding="utf-8").splitlines()
        (number,) = [i for i, text in enumerate(lines, start=1) if text.startswith(prefix)]
        return number

    def load(self) -> Network:
        """Load the copy as it now is."""
        return load_folder(self.folder)


@pytest.fixture(scope="session")
def tiny() -> Network:
    """The bundled ``tiny`` scenario, loaded once."""
    return load_scenario("tiny")


@pytest.fixture(scope="session")
def whole_trip_tiny(scenario_copy) -> Network:
    """``tiny`` without its ``part_load_cny_per_t`` column (an older scenario)."""
    copy = scenario_copy("tiny")
    copy.drop_column("legs.csv", "part_load_cny_per_t")
    return copy.load()


@pytest.fixture(scope="session")
def scenario_copy(tmp_path_factory) -> Callable[[str], ScenarioCopy]:
    """Copy a bundled scenario (default ``tiny``) into a new temporary folder."""

    def copy(name: str = "tiny") -> ScenarioCopy:
        folder = tmp_path_factory.mktemp(name) / name
        shutil.copytree(scenario_folder(name), folder)
        return ScenarioCopy(folder)

    return copy
