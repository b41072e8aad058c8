"""Errors raised by coldchain, with the file, line and field they concern.

Every error that a user can fix carries one or more :class:`Problem` lines in the
compiler-like shape ``FILE[:LINE]: FIELD: expected X, got Y``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace


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


#: Problems kept per file. A file with more is not the file it should be (a junk or
#: binary file gave 1.3 million messages): the first ones are shown, then a count.
MAX_PROBLEMS_PER_FILE = 100


class ProblemCollector:
    """Collect problems while checking input, then raise them all at once.

    At most :data:`MAX_PROBLEMS_PER_FILE` problems of one file are kept; the others are
    counted (and their lines remembered, :meth:`lines_since`), and one more problem per
    such file says how many were not shown.

    Examples
    --------
    >>> problems = ProblemCollector()
    >>> problems.add("nodes.csv", "lat", "a number in [-90, 90]", "95", line=3)
    >>> len(problems)
    1
    """

    def __init__(self) -> None:
        self._problems: list[Problem] = []
        self._kept: dict[str, int] = {}
        self._dropped: dict[str, int] = {}
        self._lines: list[int | None] = []

    def add(self, file: str, field: str, expected: str, got: object, line: int | None = None):
        """Record one problem."""
        if self.full(file):  # counted, not kept (nor rendered)
            self._lines.append(line)
            self._dropped[file] = self._dropped.get(file, 0) + 1
        else:
            self._keep(Problem(file, field, expected, _render(got), line))

    def _keep(self, problem: Problem) -> None:
        self._lines.append(problem.line)
        kept = self._kept.get(problem.file, 0)
        if kept < MAX_PROBLEMS_PER_FILE:
            self._kept[problem.file] = kept + 1
            self._problems.append(problem)
        else:
            self._dropped[problem.file] = self._dropped.get(problem.file, 0) + 1

    def extend(self, problems: Iterable[Problem], line_offset: int = 0) -> None:
        """Record problems found elsewhere (another collector's counts too).

        ``line_offset`` is added to each problem's line (lines counted from a later
        start).
        """
        if isinstance(problems, ProblemCollector):
            dropped, problems = problems._dropped, problems._problems
        else:
            dropped = {}
        for problem in problems:
            if line_offset and problem.line is not None:
                problem = replace(problem, line=problem.line + line_offset)
            self._keep(problem)
        for file, count in dropped.items():
            self._dropped[file] = self._dropped.get(file, 0) + count
            self._lines.extend([None] * count)

    def full(self, file: str) -> bool:
        """Whether no more problems of ``file`` will be shown (reading it may stop)."""
        return self._kept.get(file, 0) >= MAX_PROBLEMS_PER_FILE

    def lines_since(self, count: int) -> set[int]:
        """The lines of the problems recorded after the first ``count`` (shown or not)."""
        return {line for line in self._lines[count:] if line is not None}

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self):
        """The problems kept, then one per file whose other problems are not shown."""
        summaries = [
            Problem(
                file,
                "file",
                f"at most {MAX_PROBLEMS_PER_FILE} problems (is it the file it should be?)",
                f"{count:,} more, not shown",
            )
            for file, count in self._dropped.items()
        ]
        return iter(self._problems + summaries)

    def raise_if_any(self, error: type[ScenarioError] = ScenarioError) -> None:
        """Raise ``error`` with every recorded problem, if there is at least one."""
        if self._lines:
            raise error(list(self))


def _render(value: object) -> str:
    if isinstance(value, str):
        return repr(value) if value.strip() != value or value == "" else value
    return str(value)
