"""Errors raised by coldchain, with the file, line and field they concern.

Every error that a user can fix carries one or more :class:`Problem` lines in the
compiler-like shape ``FILE[:LINE]: FIELD: expected X, got Y``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    Parameters
    ----------
    file
        Path relative to the scenario folder (or the file given on the command line).
    field
        Column, key or attribute name.
    expected
        What was expected, in words.
    got
        What was found (already rendered as text).
    line
        Line in the file (header = 1) or feature number; ``None`` where there is none.
    """

    file: str
    field: str
    expected: str
    got: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: expected {self.expected}, got {self.got}"


class ColdchainError(Exception):
    """Base class of every error coldchain raises on purpose."""


class ScenarioError(ColdchainError, ValueError):
    """Invalid input: one or more problems, each naming file, line and field.

    Parameters
    ----------
    problems
        Every problem found (loaders collect them all before raising).
    """

    def __init__(self, problems: Iterable[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class PlanError(ScenarioError):
    """A plan that cannot be carried out on its network (names the plan row)."""


class SolverUnavailableError(ColdchainError, RuntimeError):
    """A solver or backend that is not installed; the message says how to install it."""


class ProblemCollector:
    """Collect problems while checking input, then raise them all at once.

    Examples
    --------
    >>> problems = ProblemCollector()
    >>> problems.add("nodes.csv", "lat", "a number in [-90, 90]", "95", line=3)
    >>> len(problems)
    1
    """

    def __init__(self) -> None:
        self._problems: list[Problem] = []

    def add(self, file: str, field: str, expected: str, got: object, line: int | None = None):
        """Record one problem."""
        self._problems.append(Problem(file, field, expected, _render(got), line))

    def extend(self, problems: Iterable[Problem]) -> None:
        """Record problems found elsewhere."""
        self._problems.extend(problems)

    def __len__(self) -> int:
        return len(self._problems)

    def __iter__(self):
        return iter(self._problems)

    def raise_if_any(self, error: type[ScenarioError] = ScenarioError) -> None:
        """Raise ``error`` with every recorded problem, if there is at least one."""
        if self._problems:
            raise error(self._problems)


def _render(value: object) -> str:
    if isinstance(value, str):
        return repr(value) if value.strip() != value or value == "" else value
    return str(value)
