"""Lines of the keys of a TOML file, so that a problem with a key can name its line.

:mod:`tomllib` returns values without positions. :func:`key_lines` scans the text once
more (it has already parsed, so it is valid TOML) and records where each table header
and each key is, by the dotted path that problems name: ``customs.9710.clearance_hours``,
``regimes[2].de_minimis`` (elements of an array of tables count from 1),
``products.fresh_kiwi.shelf_life``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from networks.errors import ProblemCollector

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def key_lines(text: str) -> dict[str, int]:
    r"""The line (1-based) of every table header and key of a TOML text, by dotted path.

    Parameters
    ----------
    text
        The text of a valid TOML file.

    Returns
    -------
    dict
        ``{path: line}``; a key inside an inline table has no entry of its own (look it
        up with :meth:`TomlFile.line`, which falls back to the enclosing key).

    Examples
    --------
    >>> key_lines('a = 1\n[[r]]\nname = "x"\n[[r]]\nname = "y"\n[t."9610"]\nfee = 2')
    {'a': 1, 'r[1]': 2, 'r[1].name': 3, 'r[2]': 4, 'r[2].name': 5, 't.9610': 6, 't.9610.fee': 7}
    """
    lines: dict[str, int] = {}
    arrays: dict[str, int] = {}  # path of an array of tables -> elements so far
    table = ""
    string: str | None = None  # the delimiter of a multi-line string left open
    depth = 0  # brackets and braces of a value left open
    for number, raw in enumerate(text.splitlines(), start=1):
        if string is not None or depth:
            string, depth, _ = _scan_value(raw, 0, string, depth)
            continue
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            is_array = line.startswith("[[")
            parts, _ = _split_key(line, 2 if is_array else 1)
            table = _resolve(parts, arrays, is_array)
            lines.setdefault(table, number)
            continue
        parts, end = _split_key(line, 0)
        path = ".".join([table, *parts] if table else parts)
        lines.setdefault(path, number)
        string, depth, _ = _scan_value(line, end + 1, None, 0)
    return lines


def nesting_over(text: str, limit: int) -> int | None:
    r"""The first line where a TOML text nests deeper than ``limit``, or ``None``.

    Depth counts the parts of a dotted key or table header (``[a.b.c]``: 3) and the
    arrays and inline tables a value opens (``x = [{y = [1]}]``: 3). Checked on the
    text before :mod:`tomllib` parses it, which recurses once per level (a million
    nested inline tables end in ``RecursionError``) and takes quadratic time on a long
    dotted header. Text that is not valid TOML is scanned all the same.

    Examples
    --------
    >>> nesting_over('a.b = 1\nc = [[1], {d = 2}]', 2), nesting_over('x = [[[1]]]', 2)
    (None, 1)
    """
    string: str | None = None
    depth = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if string is not None or depth:
            string, depth, peak = _scan_value(raw, 0, string, depth)
        else:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                parts, _ = _split_key(line, 2 if line.startswith("[[") else 1)
                if len(parts) > limit:
                    return number
                continue
            parts, end = _split_key(line, 0)
            string, depth, peak = _scan_value(line, end + 1, None, 0)
            peak += len(parts) - 1
        if peak > limit:
            return number
    return None


def _resolve(parts: list[str], arrays: dict[str, int], is_array: bool) -> str:
    """The path of a table header, numbering the elements of arrays of tables."""
    path = ""
    for index, part in enumerate(parts):
        path = f"{path}.{part}" if path else part
        if is_array and index == len(parts) - 1:
            arrays[path] = arrays.get(path, 0) + 1
        if path in arrays:
            path = f"{path}[{arrays[path]}]"
    return path


def _split_key(line: str, start: int) -> tuple[list[str], int]:
    """The parts of the dotted key at ``line[start:]`` and the index just after it."""
    parts, i = [], start
    while True:
        while i < len(line) and line[i] in " \t":
            i += 1
        if i < len(line) and line[i] in "\"'":
            quote = line[i]
            end = i + 1
            while end < len(line) and line[end] != quote:
                end += 2 if quote == '"' and line[end] == "\\" else 1
            parts.append(line[i + 1 : end])
            i = end + 1
        else:
            end = i
            while end < len(line) and line[end] in _BARE:
                end += 1
            parts.append(line[i:end])
            i = end
        while i < len(line) and line[i] in " \t":
            i += 1
        if i < len(line) and line[i] == ".":
            i += 1
            continue
        return parts, i


def _scan_value(line: str, i: int, string: str | None, depth: int) -> tuple[str | None, int, int]:
    """Follow a value through ``line[i:]``: multi-line string and brackets left open, peak.

    The peak is the deepest the brackets went on the way.
    """
    peak = depth
    while i < len(line):
        if string is not None:
            end = line.find(string, i)
            if end < 0:
                return string, depth, peak
            i, string = end + 3, None
            continue
        char = line[i]
        if char == "#":
            break
        if line.startswith(('"""', "'''"), i):
            string, i = line[i : i + 3], i + 3
            continue
        if char in "\"'":
            end = i + 1
            while end < len(line) and line[end] != char:
                end += 2 if char == '"' and line[end] == "\\" else 1
            i = end + 1
            continue
        if char in "[{":
            depth += 1
            peak = max(peak, depth)
        elif char in "]}":
            depth -= 1
        i += 1
    return string, depth, peak


@dataclass
class TomlFile:
    """A parsed TOML file's problems, each given the line of the key it names.

    Parameters
    ----------
    problems
        Where problems go.
    text
        The file's text (``""``: no lines are given).
    file
        The file named in problems, relative to the scenario folder.
    """

    problems: ProblemCollector
    text: str = ""
    file: str = "scenario.toml"
    lines: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = key_lines(self.text)

    def line(self, path: str) -> int | None:
        """The line of ``path``, else of the nearest enclosing key or table that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            if path.endswith("]"):
                path = path[: path.rfind("[")]
            else:
                path = path.rpartition(".")[0]
        return None

    def add(self, path: str, expected: str, got: object) -> None:
        """Record a problem with the key at ``path`` (``FILE:LINE: PATH: expected ...``)."""
        self.problems.add(self.file, path, expected, got, line=self.line(path))
